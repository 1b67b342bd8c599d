/**
 * Signed requests between oracle services (src/oracle/auth.ts) without a server: what `RequestGuard` accepts, what
 * it refuses with which code, how the replay window is bounded, and that a member leaving the set loses access.
 */
import { expect } from "chai";
import { type Address, getAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { RequestAuthError, RequestGuard, signRequest } from "../../src/oracle/auth.js";

const member = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const server = privateKeyToAccount(generatePrivateKey()).address;
const CHAIN_ID = 31_337;

async function signed(timestamp: number, body = "{}", path = "/v1/bundles") {
  const headers = await signRequest({ signer: member, chainId: CHAIN_ID, audience: server, method: "POST", path, body, timestamp });
  return { method: "POST", url: `${path}?ignored=1`, headers };
}

async function refusal(guard: RequestGuard, request: Awaited<ReturnType<typeof signed>>): Promise<RequestAuthError> {
  try {
    await guard.check(request);
  } catch (error) {
    expect(error).to.be.instanceOf(RequestAuthError);
    return error as RequestAuthError;
  }
  return expect.fail("expected the request to be refused");
}

describe("RequestGuard", () => {
  it("accepts a member's fresh request, names the signer and checks the body against the signed hash", async () => {
    const clock = { now: 1_000_000 };
    const guard = new RequestGuard({ chainId: CHAIN_ID, audience: server, members: () => [member.address], now: () => clock.now });
    const accepted = await guard.check(await signed(clock.now, '{"a":1}'));
    expect(accepted.signer).to.equal(member.address);
    accepted.checkBody(Buffer.from('{"a":1}'));
    expect(() => accepted.checkBody(Buffer.from('{"a":2}'))).to.throw(RequestAuthError, "body-mismatch: the body does not hash to x-cinder-body-sha256 [x-cinder-body-sha256]");
  });

  it("refuses a timestamp beyond the skew either way, and a request on another chain", async () => {
    const clock = { now: 1_000_000 };
    const guard = new RequestGuard({ chainId: CHAIN_ID, audience: server, members: () => [member.address], maxSkewSeconds: 30, now: () => clock.now });
    expect((await refusal(guard, await signed(clock.now - 31))).code).to.equal("stale");
    expect((await refusal(guard, await signed(clock.now + 31))).code).to.equal("stale");
    const elsewhere = new RequestGuard({ chainId: 1, audience: server, members: () => [member.address], now: () => clock.now });
    expect((await refusal(elsewhere, await signed(clock.now))).code).to.equal("bad-signature");
  });

  it("refuses a replay within the window, and forgets nonces once their window has passed", async () => {
    const clock = { now: 1_000_000 };
    const guard = new RequestGuard({ chainId: CHAIN_ID, audience: server, members: () => [member.address], maxSkewSeconds: 30, maxNonces: 2, now: () => clock.now });
    const first = await signed(clock.now);
    await guard.check(first);
    const replay = await refusal(guard, first);
    expect([replay.code, replay.status]).to.deep.equal(["replayed", 409]);
    await guard.check(await signed(clock.now));
    const full = await refusal(guard, await signed(clock.now));
    expect(full.shortMessage, "at most maxNonces requests per window").to.equal("2 requests within the freshness window; retry later");
    clock.now += 61;
    await guard.check(await signed(clock.now));
    expect((await refusal(guard, first)).code, "the old request is now stale, not accepted").to.equal("stale");
  });

  it("refuses a member who has left the set", async () => {
    const set: Address[] = [member.address, other.address];
    const guard = new RequestGuard({ chainId: CHAIN_ID, audience: server, members: () => set, now: () => 1_000_000 });
    await guard.check(await signed(1_000_000));
    set.splice(0, 1);
    const refused = await refusal(guard, await signed(1_000_000));
    expect([refused.code, refused.status, refused.field]).to.deep.equal(["bad-signature", 403, "x-cinder-signature"]);
    expect(refused.shortMessage).to.contain(getAddress(member.address));
  });

  it("names the header that is missing or malformed", async () => {
    const guard = new RequestGuard({ chainId: CHAIN_ID, audience: server, members: () => [member.address], now: () => 1_000_000 });
    const request = await signed(1_000_000);
    const { "x-cinder-nonce": _nonce, ...rest } = request.headers;
    expect((await refusal(guard, { ...request, headers: rest })).field).to.equal("x-cinder-nonce");
    const malformed = { ...request, headers: { ...request.headers, "x-cinder-signature": "0x1234" } };
    const error = await refusal(guard, malformed);
    expect([error.code, error.status, error.shortMessage]).to.deep.equal(["unsigned", 401, "x-cinder-signature must be 65 bytes of hex"]);
  });
});
