/**
 * The local network's control endpoint and `cinder provider fail`'s parsing: an outage makes a seeded provider's
 * agent answer heartbeats failing until its end on the network's clock; the endpoint listens on loopback only, its
 * file is readable by its owner only, and a request without the token, with a wrong one, or for a provider the
 * network did not seed is refused.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { ObservedBackend, controlFile, requestAdvance, requestOutage, startLocalControl, type LocalControl } from "../../src/cli/control.js";
import { parseDuration, parseProvider } from "../../src/cli/fail.js";
import { localKey } from "../../src/cli/local.js";
import { type Agent, createAgent } from "../../src/oracle/agent/server.js";
import { CpuExecutor } from "../../src/oracle/challenge/executors.js";
import { loadRecording } from "../../src/oracle/gpu/simulated.js";
import { agentHeartbeat } from "../../src/oracle/node/heartbeat.js";
import { CinderConfigError } from "../../src/protocol/errors.js";

const RPC = "http://127.0.0.1:1/";
const provider = privateKeyToAccount(localKey(6));

describe("local control: cinder provider fail", () => {
  const home = mkdtempSync(join(tmpdir(), "cinder-control-"));
  let previousHome: string | undefined;
  let nowMs = 1_700_000_000_000;
  let agent: Agent;
  let control: LocalControl;
  let backend: ObservedBackend;
  const heartbeat = agentHeartbeat({ chainId: 31_337, timeoutMs: 2_000 });
  const beat = () => heartbeat(provider.address, agent.url, `0x${"11".repeat(32)}`);
  let prober: NodeJS.Timeout | undefined;

  before(async () => {
    previousHome = process.env.CINDER_HOME;
    process.env.CINDER_HOME = home;
    backend = new ObservedBackend(loadRecording("h100"), { now: () => nowMs });
    agent = await createAgent({ account: provider, backend, executor: new CpuExecutor(), oracleSet: [], chainId: 31_337, host: "127.0.0.1", port: 0 });
    control = await startLocalControl({ rpcUrl: RPC, backends: new Map([[provider.address, backend]]), now: () => nowMs, observers: 2, waitMs: 10_000 });
    // An oracle node's heartbeats, every 50 ms.
    prober = setInterval(() => void beat(), 50);
  });

  after(async () => {
    clearInterval(prober);
    await control.close();
    await agent.close();
    if (previousHome === undefined) delete process.env.CINDER_HOME;
    else process.env.CINDER_HOME = previousHome;
    rmSync(home, { recursive: true, force: true });
  });

  it("makes the provider's heartbeats fail until the outage's end on the network's clock", async () => {
    expect((await beat()).ok).to.equal(true);
    const result = await requestOutage({ rpcUrl: RPC, provider: provider.address, seconds: 600 });
    expect(result).to.deep.include({ provider: provider.address, from: nowMs / 1000, until: nowMs / 1000 + 600 });
    expect(result.failedHeartbeats).to.be.at.least(2);
    expect(await beat()).to.deep.include({ ok: false, healthyGpus: 0 });
    nowMs += 600_000; // the chain's time moved past the end
    expect(await beat()).to.deep.include({ ok: true, healthyGpus: 2 });
  });

  it("listens on loopback only and keeps its token in a file only its owner reads", () => {
    expect(new URL(control.url).hostname).to.equal("127.0.0.1");
    expect(control.file).to.equal(controlFile(RPC));
    expect(control.file).to.equal(join(home, "local", "control-127_0_0_1_1.json"));
    expect(statSync(control.file).mode & 0o777).to.equal(0o600);
    expect((JSON.parse(readFileSync(control.file, "utf8")) as { token: string }).token).to.match(/^[0-9a-f]{64}$/);
  });

  it("refuses a request without the token or with a wrong one", async () => {
    const body = JSON.stringify({ provider: provider.address, seconds: 60 });
    const none = await fetch(`${control.url}/v1/outages`, { method: "POST", body });
    expect(none.status).to.equal(401);
    expect(await none.json()).to.deep.equal({ error: { field: "authorization", message: "missing or wrong control token" } });
    const wrong = await fetch(`${control.url}/v1/outages`, { method: "POST", body, headers: { authorization: `Bearer ${"0".repeat(64)}` } });
    expect(wrong.status).to.equal(401);
    expect(backend.down).to.equal(false);
  });

  it("refuses a provider the network did not seed, and a duration out of range, naming the option", async () => {
    const stranger = privateKeyToAccount(localKey(9)).address;
    try {
      await requestOutage({ rpcUrl: RPC, provider: stranger, seconds: 60 });
      expect.fail("accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(CinderConfigError);
      expect((error as CinderConfigError).shortMessage).to.equal(`--provider: ${stranger} is not a provider this local network seeded`);
    }
    try {
      await requestOutage({ rpcUrl: RPC, provider: provider.address, seconds: 0 });
      expect.fail("accepted");
    } catch (error) {
      expect((error as CinderConfigError).shortMessage).to.equal("--for: must be a whole number of seconds from 1 to 2592000");
    }
  });

  it("refuses a time jump out of range, naming --by, without touching the chain", async () => {
    for (const seconds of [0, 1.5, 365 * 86_400 + 1]) {
      try {
        await requestAdvance({ rpcUrl: RPC, seconds });
        expect.fail("accepted");
      } catch (error) {
        expect(error).to.be.instanceOf(CinderConfigError);
        expect((error as CinderConfigError).shortMessage).to.equal("--by: must be a whole number of seconds from 1 to 31536000");
      }
    }
  });

  it("refuses to move the clock of a chain no local network runs", async () => {
    try {
      await requestAdvance({ rpcUrl: "http://127.0.0.1:3", seconds: 3_600 });
      expect.fail("accepted");
    } catch (error) {
      expect((error as CinderConfigError).shortMessage).to.equal(
        `--rpc: no local network runs at http://127.0.0.1:3 (${join(home, "local", "control-127_0_0_1_3.json")} does not exist; start one with \`cinder node\`)`,
      );
    }
  });

  it("says when no local network runs at the URL", async () => {
    try {
      await requestOutage({ rpcUrl: "http://127.0.0.1:2", provider: provider.address, seconds: 60 });
      expect.fail("accepted");
    } catch (error) {
      expect((error as CinderConfigError).shortMessage).to.equal(
        `--rpc: no local network runs at http://127.0.0.1:2 (${join(home, "local", "control-127_0_0_1_2.json")} does not exist; start one with \`cinder node\`)`,
      );
    }
  });
});

describe("cinder provider fail: options", () => {
  it("reads durations in seconds, minutes, hours and days", () => {
    expect([parseDuration("90"), parseDuration("90s"), parseDuration("10m"), parseDuration("2h"), parseDuration("1d")]).to.deep.equal([90, 90, 600, 7_200, 86_400]);
  });

  it("refuses a malformed duration, naming --for", () => {
    expect(() => parseDuration("ten minutes")).to.throw(CinderConfigError, '--for: must be a whole number of seconds, or with a unit (90s, 10m, 2h, 1d), got "ten minutes"');
    expect(() => parseDuration("0m")).to.throw(CinderConfigError, "--for:");
  });

  it("takes a provider's address or its local account number", () => {
    expect(parseProvider("#6")).to.equal(provider.address);
    expect(parseProvider("6")).to.equal(provider.address);
    expect(parseProvider(provider.address.toLowerCase())).to.equal(provider.address);
    expect(() => parseProvider("six")).to.throw(CinderConfigError, '--provider: must be an address or a local account number such as #6, got "six"');
  });
});
