/**
 * Job verdicts among four in-process oracle nodes with an in-memory chain: three honest nodes re-execute a disputed
 * job, sign the same verdict, refuse a byzantine member's contrary signature, and reach a quorum that the leader
 * (rotating past the silent byzantine leader) submits; a node signs at most one verdict per result, across a
 * restart on the same database, even when the documents change under it.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, getAddress, keccak256, maxUint256, recoverTypedDataAddress, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { oracleDomain } from "../../../src/oracle/aggregate.js";
import type { NodeChain, OracleSetView } from "../../../src/oracle/node/chain.js";
import { signRequest } from "../../../src/oracle/auth.js";
import { OracleNode } from "../../../src/oracle/node/node.js";
import { type NodeStore, openStore } from "../../../src/oracle/node/store.js";
import { DEFAULT_VERDICT_SETTINGS, DISPUTE_STATUS, type DisputeCase, type DisputeChain, type JobVerdict, jobVerdictTypes, signVerdict, verdictDigest } from "../../../src/oracle/node/verdict.js";
import { verdictToWire } from "../../../src/oracle/node/wire.js";
import { jsonDataUri } from "../../../src/oracle/workloads/fetch.js";
import { OUTCOME } from "../../../src/oracle/workloads/judge.js";
import { matmulResultHash } from "../../../src/oracle/workloads/matmul.js";
import { serializeJobSpec, specHashOf } from "../../../src/oracle/workloads/spec.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const keys = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const HUB = "0x00000000000000000000000000000000000000f1" as Address;
const CHAIN_ID = 31337;
const DIGEST = keccak256(toHex("config v1"));
const SET: OracleSetView = { signers: keys.map((k) => k.address), threshold: 3, version: 1, configDigest: DIGEST };
const DOMAIN = { chainId: CHAIN_ID, oracleHub: HUB };
const SEED = `0x${"5a".repeat(32)}` as Hex;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function nodeChain(): NodeChain {
  return {
    oracleHub: HUB,
    chainId: async () => CHAIN_ID,
    epochLength: async () => 3_600,
    lateWindowEpochs: async () => 1,
    oracleSet: async () => SET,
    hasReport: async () => false,
    epochRoot: async () => `0x${"00".repeat(32)}`,
    refresh: async () => {},
    providers: () => [],
    leasesOverlapping: async () => [],
    isAccepted: async () => false,
    submitGpuAttestation: async () => null,
    submitEpochReport: async () => null,
  };
}

/** One dispute manager shared by the nodes: records submissions and moves the status as the contract does. */
function disputeChain(cases: DisputeCase[]) {
  const status = new Map(cases.map((c) => [c.leaseId, DISPUTE_STATUS.Open as number]));
  const submitted: { verdict: JobVerdict; signatures: readonly Hex[] }[] = [];
  const chain: DisputeChain & { cases: DisputeCase[] } = {
    cases,
    refreshDisputes: async () => {},
    disputes: () => chain.cases,
    disputeStatus: async (leaseId) => status.get(leaseId) ?? DISPUTE_STATUS.None,
    submitVerdict: async (verdict, signatures) => {
      const now = status.get(verdict.leaseId);
      if (now !== DISPUTE_STATUS.Open && !(now === DISPUTE_STATUS.Abstained && verdict.outcome !== OUTCOME.Abstained)) return null;
      submitted.push({ verdict, signatures });
      status.set(verdict.leaseId, verdict.outcome === OUTCOME.Abstained ? DISPUTE_STATUS.Abstained : DISPUTE_STATUS.Resolved);
      return keccak256(toHex(`tx ${submitted.length}`));
    },
  };
  return { chain, submitted, status };
}

function makeNode(i: number, store: NodeStore, chain: DisputeChain, peers: { address: Address; url: string }[]) {
  return new OracleNode({
    account: keys[i],
    chain: nodeChain(),
    store,
    heartbeat: async () => ({ ok: true, healthyGpus: 1, reason: "" }),
    peers,
    settings: { listen: { host: "127.0.0.1", port: 0 }, heartbeat: { meanIntervalMs: 600_000 }, epoch: { settleDelayMs: 0, leaderTimeoutMs: 600_000, setupGraceSeconds: 0 }, pollIntervalMs: 100 },
    verdicts: { chain, settings: { ...DEFAULT_VERDICT_SETTINGS, leaderTimeoutMs: 600 } },
  });
}

const specText = new TextDecoder().decode(serializeJobSpec({ type: "matmul-int8", n: 24, seed: SEED }));
const spec = { specHash: specHashOf(new TextEncoder().encode(specText)), uri: jsonDataUri(specText) };
const honestHash = matmulResultHash(SEED, 24);

/** POSTs to the node of key `to` (default node 0) as a peer does (the request signed for that node). */
async function postSigned(url: string, body: string, to: Address = keys[0].address) {
  const auth = await signRequest({ signer: keys[to === keys[1].address ? 2 : 1], chainId: DOMAIN.chainId, audience: to, method: "POST", path: "/v1/verdicts", body });
  return fetch(`${url}/v1/verdicts`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body });
}

async function postVerdict(url: string, verdict: JobVerdict, signature: Hex, to: Address = keys[0].address) {
  const response = await postSigned(url, JSON.stringify({ verdict: verdictToWire(verdict), signature }), to);
  return { status: response.status, body: (await response.json()) as { error?: { code: string; field?: string } } };
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("OracleNode: job verdicts", function () {
  this.timeout(60_000);

  it("three honest nodes reach a quorum with one byzantine of four; its contrary signature never counts", async () => {
    // Lease 7 with an honest result, lease 8 with a wrong one: 7 % 4 = 3 makes the (silent) byzantine the first leader.
    const { chain, submitted } = disputeChain([
      { leaseId: 7n, resultHash: honestHash, resultUri: null, spec },
      { leaseId: 8n, resultHash: keccak256(honestHash), resultUri: null, spec },
    ]);
    const stores = [0, 1, 2].map(() => openStore(":memory:"));
    // The nodes read their peer list on every step: fill it in once each listens on a port of its own.
    const peers: { address: Address; url: string }[] = [];
    const nodes = [0, 1, 2].map((i) => makeNode(i, stores[i], chain, peers));
    // The byzantine member signs the contrary verdicts and pushes them before and after the honest nodes judge.
    const contrary: JobVerdict[] = [
      { configDigest: DIGEST, leaseId: 7n, resultHash: honestHash, outcome: OUTCOME.ClientUpheld, toProvider: 0n },
      { configDigest: DIGEST, leaseId: 8n, resultHash: keccak256(honestHash), outcome: OUTCOME.ProviderUpheld, toProvider: maxUint256 },
    ];
    try {
      await Promise.all(nodes.map((n) => n.start()));
      peers.push(...nodes.map((n, i) => ({ address: keys[i].address, url: n.url })), { address: keys[3].address, url: "http://127.0.0.1:9" }); // the byzantine serves nothing
      await until("all three nodes signed both verdicts", 20_000, () => stores.every((s) => s.ownVerdict(7n, honestHash) && s.ownVerdict(8n, keccak256(honestHash))));
      for (const v of contrary) {
        const signature = await signVerdict(keys[3], DOMAIN, v);
        for (const node of nodes) {
          const { status, body } = await postVerdict(node.url, v, signature, node.address);
          expect(status).to.equal(409);
          expect(body.error).to.include({ code: "CONTRARY_VERDICT", field: "verdict" });
        }
      }
      await until("both verdicts submitted", 20_000, () => submitted.length === 2 && submitted);
      const byLease = new Map(submitted.map((s) => [s.verdict.leaseId, s]));
      expect(byLease.get(7n)!.verdict).to.deep.include({ outcome: OUTCOME.ProviderUpheld, toProvider: maxUint256, configDigest: DIGEST });
      expect(byLease.get(8n)!.verdict).to.deep.include({ outcome: OUTCOME.ClientUpheld, toProvider: 0n });
      for (const { verdict, signatures } of submitted) {
        expect(signatures).to.have.length(3);
        const signers = await Promise.all(
          signatures.map((signature) => recoverTypedDataAddress({ domain: oracleDomain(DOMAIN), types: jobVerdictTypes, primaryType: "JobVerdict", message: verdict, signature })),
        );
        expect(signers).to.deep.equal(keys.slice(0, 3).map((k) => k.address));
        // Every honest node signed exactly the submitted struct.
        for (const store of stores) expect(store.ownVerdict(verdict.leaseId, verdict.resultHash)!.digest).to.equal(verdictDigest(DOMAIN, verdict));
      }
      // Each verdict was submitted once. Lease 7's first leader is the byzantine (silent), so it landed only because
      // the leadership rotated on to an honest member after the leader timeout.
      const metrics = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/metrics`)).text()));
      const submittedBy = metrics.map((text) => [...text.matchAll(/cinder_oracle_verdicts_submitted_total\{outcome="\w+"\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0));
      expect(submittedBy.reduce((a, b) => a + b, 0)).to.equal(2);
      expect(metrics[1]).to.match(/cinder_oracle_verdict_signatures_received_total\{result="contrary_verdict"\} 2/);
      expect(metrics[1]).to.match(/cinder_oracle_verdicts_signed_total\{outcome="ClientUpheld"\} 1/);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it("refuses a signature from outside the set and one under another config digest, naming the field", async () => {
    const { chain } = disputeChain([{ leaseId: 3n, resultHash: honestHash, resultUri: null, spec }]);
    const store = openStore(":memory:");
    const node = makeNode(0, store, chain, []);
    await node.start();
    try {
      await until("the node signed", 10_000, () => store.ownVerdict(3n, honestHash));
      const verdict: JobVerdict = { configDigest: DIGEST, leaseId: 3n, resultHash: honestHash, outcome: OUTCOME.ProviderUpheld, toProvider: maxUint256 };
      const stranger = mnemonicToAccount(MNEMONIC, { addressIndex: 19 });
      expect((await postVerdict(node.url, verdict, await signVerdict(stranger, DOMAIN, verdict))).body.error).to.include({ code: "SIGNER_NOT_IN_SET", field: "signature" });
      const old = { ...verdict, configDigest: keccak256(toHex("config v0")) };
      expect((await postVerdict(node.url, old, await signVerdict(keys[1], DOMAIN, old))).body.error).to.include({ code: "CONFIG_DIGEST_MISMATCH", field: "verdict.configDigest" });
      const bad = await postSigned(node.url, JSON.stringify({ verdict: { ...verdictToWire(verdict), outcome: 7 }, signature: "0x00" }));
      expect(bad.status).to.equal(400);
      expect(((await bad.json()) as { error: { field: string } }).error.field).to.equal("verdict.outcome");
      const unjudged = { ...verdict, leaseId: 4n };
      expect((await postVerdict(node.url, unjudged, await signVerdict(keys[1], DOMAIN, unjudged))).body.error).to.include({ code: "NOT_JUDGED", field: "verdict" });
      const good = await postVerdict(node.url, verdict, await signVerdict(keys[1], DOMAIN, verdict));
      expect(good.status).to.equal(202);
      expect(store.verdictSignatures(verdictDigest(DOMAIN, verdict)).size).to.equal(2);
    } finally {
      await node.stop();
    }
  });

  it("signs at most one verdict per result across a restart, even when the spec changes under it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cinder-verdict-"));
    const path = join(dir, "node.db");
    try {
      const { chain } = disputeChain([{ leaseId: 5n, resultHash: honestHash, resultUri: null, spec }]);
      let store = openStore(path);
      let node = makeNode(1, store, chain, []);
      await node.start();
      const first = await until("the node signed", 10_000, () => store.ownVerdict(5n, honestHash));
      await node.stop();
      store.close();
      expect(JSON.parse(first.verdictJson)).to.include({ outcome: OUTCOME.ProviderUpheld });
      // After the restart the posted spec no longer matches what the URI serves (a fresh judgement would abstain).
      chain.cases = [{ leaseId: 5n, resultHash: honestHash, resultUri: null, spec: { ...spec, specHash: keccak256("0x01") } }];
      store = openStore(path);
      node = makeNode(1, store, chain, []);
      await node.start();
      try {
        await sleep(600); // several verdict steps
        const again = store.ownVerdict(5n, honestHash)!;
        expect(again).to.deep.include({ digest: first.digest, signature: first.signature });
        const metrics = await (await fetch(`${node.url}/metrics`)).text();
        expect(metrics).to.not.match(/cinder_oracle_verdicts_signed_total\{/);
        // The store itself refuses a second, different verdict for the result: it returns the first.
        const abstain: JobVerdict = { configDigest: DIGEST, leaseId: 5n, resultHash: honestHash, outcome: OUTCOME.Abstained, toProvider: 0n };
        const kept = store.recordOwnVerdict({ leaseId: 5n, resultHash: honestHash, digest: verdictDigest(DOMAIN, abstain), verdictJson: "{}", signature: "0x01", signedAtMs: 0, reason: "test" });
        expect(kept.digest).to.equal(first.digest);
        // A peer's abstention for it is contrary to what this node signed before the restart.
        const { body } = await postVerdict(node.url, abstain, await signVerdict(keys[2], DOMAIN, abstain), node.address);
        expect(body.error).to.include({ code: "CONTRARY_VERDICT" });
      } finally {
        await node.stop();
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("oracle node: verdict configuration and wire form", () => {
  const base = {
    rpcUrl: "http://127.0.0.1:8545",
    contracts: { oracleHub: HUB, registry: HUB, jobMarket: HUB },
    databasePath: ":memory:",
    privateKey: `0x${"ab".repeat(32)}`,
  };
  const DM = "0x00000000000000000000000000000000000000d1";

  it("fills the verdict defaults and keeps the dispute manager's address", async () => {
    const { parseNodeConfig } = await import("../../../src/oracle/node/config.js");
    const config = parseNodeConfig({ ...base, contracts: { ...base.contracts, disputeManager: DM }, verdicts: { sampleSize: 16 } });
    expect(config.verdicts).to.deep.equal({ ...DEFAULT_VERDICT_SETTINGS, sampleSize: 16 });
    expect(config.contracts.disputeManager).to.equal(getAddress(DM));
    expect(parseNodeConfig(base).verdicts).to.equal(undefined);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ["verdicts without a dispute manager", { verdicts: {} }, "contracts.disputeManager is required when verdicts is set"],
    ["a sample size of zero", { contracts: { ...base.contracts, disputeManager: DM }, verdicts: { sampleSize: 0 } }, "verdicts.sampleSize must be an integer in [1, 256], got 0"],
    ["an unknown verdict setting", { contracts: { ...base.contracts, disputeManager: DM }, verdicts: { samples: 3 } }, "verdicts.samples is not a known setting"],
    ["a bad dispute manager", { contracts: { ...base.contracts, disputeManager: "0x12" } }, "contracts.disputeManager must be a 20-byte hex address"],
  ];
  for (const [what, extra, message] of cases) {
    it(`rejects ${what}, naming the field`, async () => {
      const { ConfigError, parseNodeConfig } = await import("../../../src/oracle/node/config.js");
      expect(() => parseNodeConfig({ ...base, ...extra })).to.throw(ConfigError, message);
    });
  }

  it("round-trips a verdict through its wire form and names a malformed field", async () => {
    const { verdictFromWire } = await import("../../../src/oracle/node/wire.js");
    const verdict: JobVerdict = { configDigest: DIGEST, leaseId: 2n ** 200n, resultHash: honestHash, outcome: OUTCOME.ProviderUpheld, toProvider: maxUint256 };
    expect(verdictFromWire(JSON.parse(JSON.stringify(verdictToWire(verdict))))).to.deep.equal(verdict);
    expect(() => verdictFromWire({ ...verdictToWire(verdict), leaseId: 5 })).to.throw("verdict.leaseId: must be a decimal uint256 string");
    expect(() => verdictFromWire({ ...verdictToWire(verdict), toProvider: (2n ** 256n).toString() })).to.throw("verdict.toProvider");
  });
});
