/**
 * Oracle node parts that need no chain: uptime from probes, the embedded store's crash guarantees, configuration
 * validation, metrics text, and the bundle wire form.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signBundle, verifyBundle } from "../../../src/oracle/aggregate.js";
import { ConfigError, parseNodeConfig } from "../../../src/oracle/node/config.js";
import { Metrics } from "../../../src/oracle/node/metrics.js";
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

  const cases: [string, unknown, string][] = [
    ["a missing key", { ...good }, "privateKey is missing: set CINDER_ORACLE_KEY"],
    ["a bad rpc URL", { ...good, rpcUrl: "localhost:8545", privateKey: env.CINDER_ORACLE_KEY }, "rpcUrl"],
    ["a bad hub address", { ...good, contracts: { ...good.contracts, oracleHub: "0x12" }, privateKey: env.CINDER_ORACLE_KEY }, "contracts.oracleHub must be a 20-byte hex address"],
    ["a bad peer URL", { ...good, peers: [{ address: P1, url: "ftp://x" }], privateKey: env.CINDER_ORACLE_KEY }, "peers[0].url must use http: or https:"],
    ["a duplicate peer", { ...good, peers: [good.peers[0], good.peers[0]], privateKey: env.CINDER_ORACLE_KEY }, "peers[1].address lists"],
    ["an unknown setting", { ...good, heartbeats: {}, privateKey: env.CINDER_ORACLE_KEY }, "heartbeats is not a known setting"],
    ["a port out of range", { ...good, listen: { port: 70_000 }, privateKey: env.CINDER_ORACLE_KEY }, "listen.port must be an integer in [0, 65535], got 70000"],
    ["a bad log level", { ...good, logLevel: "loud", privateKey: env.CINDER_ORACLE_KEY }, "logLevel must be one of debug, info, warn, error"],
  ];
  for (const [what, raw, message] of cases) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => parseNodeConfig(raw, {})).to.throw(ConfigError, message);
    });
  }
});

describe("oracle node: metrics and wire", () => {
  it("renders Prometheus text with labels", () => {
    const m = new Metrics();
    const c = m.counter("cinder_test_total", "A test counter", ["result"]);
    c.inc({ result: "ok" });
    c.inc({ result: "ok" }, 2);
    m.gauge("cinder_test_epoch", "Epoch").set(42);
    expect(m.render()).to.equal(
      '# HELP cinder_test_total A test counter\n# TYPE cinder_test_total counter\ncinder_test_total{result="ok"} 3\n# HELP cinder_test_epoch Epoch\n# TYPE cinder_test_epoch gauge\ncinder_test_epoch 42\n',
    );
    expect(() => c.inc({ other: "x" })).to.throw("unknown label");
    expect(() => c.inc({}, -1)).to.throw("cannot decrease");
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
