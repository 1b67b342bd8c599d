/**
 * How a fault arises in local mode (what the keeper's `cinder node` test then slashes): `cinder provider fail --kind
 * challenge` reaches the control endpoint, which makes a seeded provider's simulated GPUs compute wrong products
 * until the outage's end on the network's clock; the agent's answers to an oracle node's matrix challenge are then
 * proven wrong (Freivalds), and right again once the clock passes the end. The node's requests are signed on the
 * network's clock (the chain's, a day ahead of the wall clock here), as the agent checks them. Bad `--kind` values
 * and a challenge outage on a network whose nodes run no challenges are refused naming the option.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { type LocalControl, requestOutage, startLocalControl } from "../../src/cli/control.js";
import { parseOutageKind } from "../../src/cli/fail.js";
import { LOCAL_ORACLE_ACCOUNTS, localKey } from "../../src/cli/local.js";
import { type LocalAgent, LOCAL_CHALLENGE_ROUND_SECONDS, startAgents } from "../../src/cli/oracles.js";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { Verifier } from "../../src/oracle/challenge/protocol.js";
import { CinderConfigError } from "../../src/protocol/errors.js";

const RPC = "http://127.0.0.1:3/";
const provider = privateKeyToAccount(localKey(6));
const oracle = privateKeyToAccount(localKey(LOCAL_ORACLE_ACCOUNTS[0]));
const MATMUL = { n: 32, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 };

describe("local mode: cinder provider fail --kind challenge", () => {
  const home = mkdtempSync(join(tmpdir(), "cinder-local-faults-"));
  let previousHome: string | undefined;
  // The network's clock: a day ahead of the wall clock, as a chain whose time was moved on.
  let nowMs = Date.now() + 86_400_000;
  let agent: LocalAgent;
  let control: LocalControl;
  let bare: LocalControl | undefined;
  const client = (now?: () => number) => new AgentClient(agent.url, { expectedProvider: provider.address, chainId: 31_337, timeoutMs: 5_000, signer: oracle, now });
  const onNetworkClock = () => Math.floor(nowMs / 1000);
  const challenge = (c = client(onNetworkClock)) => c.runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: MATMUL }));

  before(async () => {
    previousHome = process.env.CINDER_HOME;
    process.env.CINDER_HOME = home;
    [agent] = await startAgents([provider], { now: () => nowMs, chainId: 31_337 });
    control = await startLocalControl({ rpcUrl: RPC, backends: new Map([[provider.address, agent.backend]]), now: () => nowMs, challengeRoundSeconds: LOCAL_CHALLENGE_ROUND_SECONDS });
  });

  after(async () => {
    await bare?.close();
    await control.close();
    await agent.close();
    if (previousHome === undefined) delete process.env.CINDER_HOME;
    else process.env.CINDER_HOME = previousHome;
    rmSync(home, { recursive: true, force: true });
  });

  it("signs the node's requests on the network's clock, which the agent checks: the wall clock is refused as stale", async () => {
    const stale = await challenge(client());
    expect(stale.passed).to.equal(false);
    const detail = /^no commitment: HTTP 401: stale \[x-cinder-timestamp\]: signed at \d+, (\d+) s from this server's clock \(at most 30 s allowed\)$/.exec(stale.detail ?? "");
    expect(detail, stale.detail).to.not.equal(null);
    // A day apart, less the wall-clock seconds since the network's clock was set (a loaded machine takes a few).
    expect(Number(detail![1])).to.be.within(86_400 - 300, 86_400);
    expect((await challenge()).reason).to.equal("passed");
  });

  it("makes the GPUs compute wrong products until the end on the network's clock, which a node's challenge proves (Freivalds)", async () => {
    const from = Math.floor(nowMs / 1000);
    const result = await requestOutage({ rpcUrl: RPC, provider: provider.address, seconds: 3_600, kind: "challenge" });
    expect(result).to.deep.equal({ provider: provider.address, kind: "challenge", from, until: from + 3_600, failedHeartbeats: 0, nextRound: (Math.floor(from / 86_400) + 1) * 86_400 });
    // Heartbeats stay healthy: only the challenge answers are wrong.
    expect(agent.backend.down).to.equal(false);
    const wrong = await challenge();
    expect(wrong.passed).to.equal(false);
    expect(wrong.reason).to.equal("freivalds");
    expect(wrong.detail).to.equal("y_1 is not A·B·r_1");
    nowMs += 3_600_000; // the chain's time moved past the end
    expect((await challenge()).reason).to.equal("passed");
  });

  it("refuses an unknown --kind, and a challenge outage where the nodes run no challenges, naming --kind", async () => {
    expect(parseOutageKind(undefined)).to.equal("heartbeat");
    expect(parseOutageKind("challenge")).to.equal("challenge");
    expect(() => parseOutageKind("gpu")).to.throw(CinderConfigError, '--kind: must be heartbeat or challenge, got "gpu"');
    const unknown = await requestOutage({ rpcUrl: RPC, provider: provider.address, seconds: 60, kind: "gpu" as never }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(CinderConfigError);
    expect((unknown as CinderConfigError).message).to.equal('--kind: must be heartbeat or challenge, got "gpu"');
    await control.close();
    bare = await startLocalControl({ rpcUrl: RPC, backends: new Map([[provider.address, agent.backend]]), now: () => nowMs });
    const none = await requestOutage({ rpcUrl: RPC, provider: provider.address, seconds: 60, kind: "challenge" }).catch((e: unknown) => e);
    expect((none as CinderConfigError).message).to.equal("--kind: this local network's oracle nodes run no GPU challenges");
    expect(agent.backend.challengesFailing).to.equal(false);
  });
});
