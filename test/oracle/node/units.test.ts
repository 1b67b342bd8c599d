/**
 * Oracle node parts that need no chain: uptime from probes, the embedded store's crash guarantees, configuration
 * validation, metrics text, and the bundle wire form.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signBundle, verifyBundle } from "../../../src/oracle/aggregate.js";
import { ConfigError, parseNodeConfig } from "../../../src/oracle/node/config.js";
import { Metrics } from "../../../src/oracle/node/metrics.js";
import { parseExposition } from "../../helpers/metrics.js";
import { resolveAgentUrl } from "../../../src/oracle/node/chain.js";
import { AlreadySignedError, openStore, type Probe } from "../../../src/oracle/node/store.js";
import { observeEpoch } from "../../../src/oracle/node/uptime.js";
import { WireError, bundleFromJson, bundleToJson } from "../../../src/oracle/node/wire.js";

const NODE = "0x00000000000000000000000000000000000000A1" as Address;
const P1 = "0x00000000000000000000000000000000000000b1" as Address;
const P2 = "0x00000000000000000000000000000000000000b2" as Address;
const L = 3_600;
const E = 100;
const FROM = E * L;

function probes(provider: Address, fromS: number, toS: number, everyS: number, ok: (t: number) => boolean, healthyGpus = 8): Probe[] {
  const out: Probe[] = [];
  for (let t = fromS; t < toS; t += everyS) out.push({ provider, atMs: t * 1000, ok: ok(t), healthyGpus: ok(t) ? healthyGpus : 0 });
  return out;
}

describe("oracle node: observeEpoch", () => {
  const base = { node: NODE, epoch: E, epochLength: L, setupGraceSeconds: 0 };

  it("counts a lease up for the whole epoch when every probe was answered", () => {
    const obs = observeEpoch({ ...base, probes: probes(P1, FROM, FROM + L, 60, () => true), leases: [{ leaseId: 7n, provider: P1, gpuCount: 8, start: FROM - 10, end: FROM + 10 * L }] });
    expect(obs).to.deep.include({ kind: "uptime", node: NODE, leaseId: 7n, epoch: E, secondsUp: L, secondsObserved: L });
    expect(obs).to.deep.include({ kind: "heartbeat", node: NODE, provider: P1.toLowerCase(), epoch: E, heartbeatsAnswered: 60, heartbeatsSent: 60 });
  });

  it("counts each probe's outcome until the next probe", () => {
    // down for the second half: 30 of 60 probes up; on a 100 s window probes at +0, +10, +20 are up and the one at +30
    // is down, and the last (+60) stands until the end: 30 s up of 100
    const obs = observeEpoch({ ...base, probes: probes(P1, FROM, FROM + L, 60, (t) => t < FROM + L / 2), leases: [{ leaseId: 1n, provider: P1, gpuCount: 1, start: 0, end: FROM + L }] });
    expect(obs[0]).to.include({ secondsUp: L / 2, secondsObserved: L });
    const odd = observeEpoch({ ...base, probes: probes(P1, FROM, FROM + 70, 10, (t) => t < FROM + 30), leases: [{ leaseId: 2n, provider: P1, gpuCount: 1, start: FROM, end: FROM + 100 }] });
    expect(odd[0]).to.include({ secondsUp: 30, secondsObserved: 100 });
  });

  it("counts a probe as down when fewer GPUs than the lease's are healthy", () => {
    const obs = observeEpoch({ ...base, probes: probes(P1, FROM, FROM + L, 60, () => true, 3), leases: [{ leaseId: 1n, provider: P1, gpuCount: 4, start: 0, end: FROM + L }] });
    expect(obs[0]).to.include({ secondsUp: 0, secondsObserved: L });
  });

  it("observes only the lease's overlap with the epoch, with the setup grace counted up", () => {
    const obs = observeEpoch({
      ...base,
      setupGraceSeconds: 300,
      probes: probes(P1, FROM, FROM + L, 60, () => false),
      leases: [{ leaseId: 1n, provider: P1, gpuCount: 1, start: FROM + 600, end: FROM + 1_800 }],
    });
    expect(obs[0]).to.include({ secondsUp: 300, secondsObserved: 1_200 });
  });

  it("names a running lease with no probe after its grace as 0 of 0 seconds (no evidence, yet a leaf), and leaves out a lease outside the epoch", () => {
    const obs = observeEpoch({
      ...base,
      probes: probes(P2, FROM, FROM + L, 60, () => true),
      leases: [
        { leaseId: 1n, provider: P1, gpuCount: 1, start: 0, end: FROM + L },
        { leaseId: 2n, provider: P2, gpuCount: 1, start: FROM + L, end: FROM + 2 * L },
        { leaseId: 3n, provider: P2, gpuCount: 1, start: 0, end: FROM },
      ],
    });
    expect(obs.filter((o) => o.kind === "uptime")).to.deep.equal([{ kind: "uptime", node: NODE, leaseId: 1n, epoch: E, secondsUp: 0, secondsObserved: 0 }]);
    expect(obs.filter((o) => o.kind === "heartbeat")).to.have.length(1);
  });

  it("ignores probes outside the epoch", () => {
    const obs = observeEpoch({ ...base, probes: probes(P1, FROM - L, FROM, 60, () => true), leases: [] });
    expect(obs).to.deep.equal([]);
  });
});

describe("oracle node: NodeStore", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "cinder-store-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every probe across a reopen (a killed node loses no observation)", () => {
    const path = join(dir, "node.db");
    const a = openStore(path);
    for (let i = 0; i < 50; i++) a.recordProbe({ provider: P1, atMs: 1_000 + i, ok: i % 2 === 0, healthyGpus: 8, reason: i % 2 ? "timeout" : "" });
    // no close: the process dies here
    const b = openStore(path);
    const held = b.probesBetween(0, 10_000);
    expect(held).to.have.length(50);
    expect(held[1]).to.deep.equal({ provider: P1.toLowerCase(), atMs: 1_001, ok: false, healthyGpus: 8, reason: "timeout" });
    a.close();
    b.close();
  });

  it("signs at most one report per epoch, also after a reopen", () => {
    const path = join(dir, "node.db");
    const first = { epoch: 5, digest: `0x${"11".repeat(32)}` as Hex, reportJson: "{}", signature: "0x01" as Hex };
    const a = openStore(path);
    a.recordSignature(first, "leaf-file-1");
    expect(a.recordSignature({ ...first, signature: "0x02" }, "leaf-file-1").signature).to.equal("0x01");
    a.close();
    const b = openStore(path);
    expect(() => b.recordSignature({ ...first, digest: `0x${"22".repeat(32)}` }, "leaf-file-2"))
      .to.throw(AlreadySignedError)
      .with.property("signedDigest", first.digest);
    expect(b.leafFile(5)).to.equal("leaf-file-1");
    b.close();
  });

  it("keeps the first own bundle of an epoch", () => {
    const s = openStore(":memory:");
    expect(s.keepOwnBundle(3, "first")).to.equal("first");
    expect(s.keepOwnBundle(3, "second")).to.equal("first");
    s.close();
  });
});

describe("oracle node: configuration", () => {
  const good = {
    rpcUrl: "http://127.0.0.1:8545",
    contracts: { oracleHub: P1, registry: P2, jobMarket: NODE },
    databasePath: "/tmp/x.db",
    peers: [{ address: P1, url: "http://127.0.0.1:7401" }],
  };
  const env = { CINDER_ORACLE_KEY: `0x${"ab".repeat(32)}` };

  it("fills defaults and takes the key from the environment", () => {
    const config = parseNodeConfig(good, env);
    expect(config.heartbeat).to.deep.equal({ meanIntervalMs: 60_000, timeoutMs: 3_000 });
    expect(config.listen).to.deep.equal({ host: "127.0.0.1", port: 7_400 });
    expect(config.privateKey).to.equal(env.CINDER_ORACLE_KEY);
  });

  const key = { privateKey: env.CINDER_ORACLE_KEY };
  const withManager = { ...good.contracts, disputeManager: P2 };
  const cases: [string, unknown, string][] = [
    ["a missing key", { ...good }, "privateKey: missing: set CINDER_ORACLE_KEY to the node's 32-byte hex signing key"],
    ["a malformed key, without echoing it", { ...good, privateKey: "0xsecret" }, "privateKey: expected 32 bytes of hex (0x + 64 digits)"],
    ["a configuration that is not an object", [], "(root): expected a JSON object, got []"],
    ["a bad rpc URL", { ...good, ...key, rpcUrl: "localhost:8545" }, 'rpcUrl: expected an http(s) or ws(s) URL, got "localhost:8545"'],
    ["a bad hub address", { ...good, ...key, contracts: { ...good.contracts, oracleHub: "0x12" } }, 'contracts.oracleHub: expected a 20-byte hex address, got "0x12"'],
    ["a missing address", { ...good, ...key, contracts: { oracleHub: P1, registry: P2 } }, "contracts.jobMarket: expected a 20-byte hex address, got nothing"],
    ["a bad peer URL", { ...good, ...key, peers: [good.peers[0], { address: P2, url: "http://127.0.0.1:7402" }, { address: NODE, url: "foo" }] }, 'peers[2].url: expected an http(s) URL, got "foo"'],
    ["a peer that is not an object", { ...good, ...key, peers: [5] }, "peers[0]: expected an object { address, url }, got 5"],
    ["a duplicate peer", { ...good, ...key, peers: [good.peers[0], good.peers[0]] }, `peers[1].address: expected each peer once, got ${getAddress(P1)} twice`],
    [
      "an unknown setting",
      { ...good, ...key, heartbeats: {} },
      "heartbeats: unknown setting (known: rpcUrl, contracts, privateKey, listen, peers, databasePath, heartbeat, epoch, minObservers, pollIntervalMs, logLevel, fromBlock, challenges, verdicts)",
    ],
    ["an unknown nested setting", { ...good, ...key, verdicts: { bogus: 1 }, contracts: withManager }, "verdicts.bogus: unknown setting (known: sampleSize, fetchTimeoutMs, retryWindowMs, leaderTimeoutMs)"],
    ["a port out of range", { ...good, ...key, listen: { port: 70_000 } }, "listen.port: expected an integer in [0, 65535], got 70000"],
    ["a port given as a string", { ...good, ...key, listen: { port: "80" } }, 'listen.port: expected an integer in [0, 65535], got "80"'],
    ["a fractional interval", { ...good, ...key, heartbeat: { meanIntervalMs: 1.5 } }, "heartbeat.meanIntervalMs: expected an integer in [100, 3600000], got 1.5"],
    ["a bad log level", { ...good, ...key, logLevel: "loud" }, 'logLevel: expected one of debug, info, warn, error, got "loud"'],
    ["an empty database path", { ...good, ...key, databasePath: "" }, 'databasePath: expected a file path (or ":memory:"), got ""'],
    ["a negative block", { ...good, ...key, fromBlock: -1 }, "fromBlock: expected a block number, got -1"],
    ["verdicts without a dispute manager", { ...good, ...key, verdicts: {} }, "contracts.disputeManager: expected an address when verdicts is set, got nothing"],
    ["an unknown model class", { ...good, ...key, challenges: { classNames: { B200: "B200-192GB" } } }, "challenges.classNames.B200: unknown setting (known: H200, H100, A100, L40S, RTX4090)"],
    ["a non-positive challenge parameter", { ...good, ...key, challenges: { memory: { fillMiB: -1 } } }, "challenges.memory.fillMiB: expected a positive number, got -1"],
    ["a memory setting that is neither false nor an object", { ...good, ...key, challenges: { memory: true } }, "challenges.memory: expected false or an object of positive numbers, got true"],
  ];
  for (const [what, raw, message] of cases) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => parseNodeConfig(raw, {}))
        .to.throw(ConfigError)
        .with.property("message", `oracle node config: ${message}`);
    });
  }

  it("reads a block number given as a decimal string and fills the challenge defaults", () => {
    const config = parseNodeConfig({ ...good, ...key, fromBlock: "123", challenges: { memory: false } }, {});
    expect(config.fromBlock).to.equal(123n);
    expect(config.challenges).to.deep.equal({
      roundSeconds: 86_400,
      validitySeconds: 7 * 86_400,
      unansweredRounds: 2,
      classNames: { H200: "H200-141GB", H100: "H100-80GB", A100: "A100-80GB", L40S: "L40S-48GB", RTX4090: "RTX4090-24GB" },
      matmul: undefined,
      memory: false,
    });
  });
});

describe("oracle node: metrics and wire", () => {
  it("renders counters, gauges and latency histograms from a registry of its own, with the process metrics", async () => {
    const m = new Metrics();
    const c = m.counter("cinder_test_total", "A test counter", ["result"]);
    c.inc({ result: "ok" });
    c.inc({ result: "ok" }, 2);
    m.gauge("cinder_test_epoch", "Epoch").set(42);
    const h = m.histogram("cinder_test_seconds", "A test latency", ["result"]);
    h.observe({ result: "ok" }, 0.003);
    h.observe({ result: "ok" }, 7);
    // A second registry in the same process: same names, no clash, separate values.
    const other = new Metrics({ processMetrics: false });
    other.counter("cinder_test_total", "A test counter", ["result"]).inc({ result: "ok" });
    const text = await m.render();
    const samples = parseExposition(text);
    expect(samples.get('cinder_test_total{result="ok"}')).to.equal(3);
    expect(samples.get("cinder_test_epoch")).to.equal(42);
    expect(samples.get('cinder_test_seconds_bucket{le="0.005",result="ok"}')).to.equal(1);
    expect(samples.get('cinder_test_seconds_bucket{le="10",result="ok"}')).to.equal(2);
    expect(samples.get('cinder_test_seconds_count{result="ok"}')).to.equal(2);
    expect(samples.get('cinder_test_seconds_sum{result="ok"}')).to.equal(7.003);
    expect(samples.get("process_resident_memory_bytes")).to.be.greaterThan(0);
    expect(text).to.include("# TYPE cinder_test_seconds histogram");
    expect(parseExposition(await other.render())).to.deep.equal(new Map([['cinder_test_total{result="ok"}', 1]]));
    expect(() => c.inc({ other: "x" } as never)).to.throw("Added label \"other\" is not included in initial labelset");
    expect(() => c.inc({ result: "ok" }, -1)).to.throw("It is not possible to decrease a counter");
  });

  it("round-trips a signed bundle through JSON and rejects a malformed one by field", async () => {
    const account = privateKeyToAccount(`0x${"01".repeat(32)}`);
    const hub = P1;
    const configDigest = `0x${"cd".repeat(32)}` as Hex;
    const bundle = await signBundle({
      signer: account,
      chainId: 31337,
      oracleHub: hub,
      configDigest,
      epoch: 9,
      observations: [{ kind: "uptime", node: account.address, leaseId: 2n ** 200n, epoch: 9, secondsUp: 5, secondsObserved: 10 }],
    });
    const back = bundleFromJson(bundleToJson(bundle));
    await verifyBundle(back, { chainId: 31337, oracleHub: hub, oracleSet: [account.address], configDigest, epoch: 9 });
    const raw = JSON.parse(bundleToJson(bundle)) as { observations: { leaseId: unknown }[] };
    raw.observations[0].leaseId = 5;
    expect(() => bundleFromJson(JSON.stringify(raw))).to.throw(WireError, "bundle.observations[0].leaseId: must be a decimal string");
    expect(() => bundleFromJson("{")).to.throw(WireError, "bundle: is not JSON");
  });

  it("finds the agent URL in a provider's metadata", async () => {
    const json = JSON.stringify({ name: "p", agent: "http://10.0.0.5:7300/" });
    expect(await resolveAgentUrl(`data:application/json,${encodeURIComponent(json)}`)).to.equal("http://10.0.0.5:7300");
    expect(await resolveAgentUrl(`data:application/json;base64,${Buffer.from(json).toString("base64")}`)).to.equal("http://10.0.0.5:7300");
    expect(await resolveAgentUrl("ipfs://whatever")).to.equal(null);
    expect(await resolveAgentUrl("data:application/json,not-json")).to.equal(null);
  });
});
