/**
 * OracleNode over HTTP with an in-memory chain: what a co-signer accepts and refuses (attacks by a lying leader:
 * tampered leaves, its own bundle left out, a second report for a signed epoch, an unended epoch, an old config),
 * bundle checks, and the leaf and proof API.
 */
import { expect } from "chai";
import { type Address, type Hex, keccak256, recoverTypedDataAddress, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { type Observation, type ObservationBundle, oracleDomain, signBundle } from "../../../src/oracle/aggregate.js";
import { buildTree, contentHash, serializeLeafFile, verifyProof } from "../../../src/protocol/leaves.js";
import type { NodeChain, OracleSetView } from "../../../src/oracle/node/chain.js";
import { OracleNode } from "../../../src/oracle/node/node.js";
import { signRequest } from "../../../src/oracle/auth.js";
import { type EpochReport, epochReportTypes } from "../../../src/oracle/node/report.js";
import { openStore } from "../../../src/oracle/node/store.js";
import { bundleToJson } from "../../../src/oracle/node/wire.js";
import { deriveLeaves } from "../../../src/oracle/aggregate.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const keys = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const stranger = mnemonicToAccount(MNEMONIC, { addressIndex: 19 });
const HUB = "0x00000000000000000000000000000000000000f1" as Address;
const PROVIDER = "0x00000000000000000000000000000000000000b1" as Address;
const CHAIN_ID = 31337;
const L = 60;
const E = 1_000;
const DIGEST = keccak256(toHex("config v1"));
const SET: OracleSetView = { signers: keys.map((k) => k.address), threshold: 3, version: 1, configDigest: DIGEST };
const LEASE = { leaseId: 7n, provider: PROVIDER, gpuCount: 1, start: 0, end: (E + 10) * L };

function fakeChain(): NodeChain & { submitted: EpochReport[] } {
  const submitted: EpochReport[] = [];
  return {
    submitted,
    oracleHub: HUB,
    chainId: async () => CHAIN_ID,
    epochLength: async () => L,
    lateWindowEpochs: async () => 24,
    oracleSet: async () => SET,
    hasReport: async () => false,
    epochRoot: async () => `0x${"00".repeat(32)}`,
    refresh: async () => {},
    providers: () => [],
    leasesOverlapping: async (from: number, to: number) => (LEASE.start < to && LEASE.end > from ? [LEASE] : []),
    isAccepted: async () => false,
    submitGpuAttestation: async () => null,
    submitEpochReport: async (report: EpochReport) => {
      submitted.push(report);
      return `0x${"11".repeat(32)}`;
    },
  };
}

const uptime = (node: Address, secondsUp: number): Observation => ({ kind: "uptime", node, leaseId: 7n, epoch: E, secondsUp, secondsObserved: L });
const bundleOf = (i: number, secondsUp: number) =>
  signBundle({ signer: keys[i], chainId: CHAIN_ID, oracleHub: HUB, configDigest: DIGEST, epoch: E, observations: [uptime(keys[i].address, secondsUp)] });

describe("OracleNode: co-signing and the leaf API", function () {
  this.timeout(30_000);
  let node: OracleNode;
  let own: ObservationBundle;
  const clock = { ms: (E + 1) * L * 1000 + 5_000 };

  /** POSTs `body` as peer #1 would: signed for node 0 at the node's clock. */
  async function post(path: string, body: unknown) {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const auth = await signRequest({ signer: keys[1], chainId: CHAIN_ID, audience: keys[0].address, method: "POST", path, body: text, timestamp: Math.floor(clock.ms / 1000) });
    const response = await fetch(`${node.url}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: text });
    return { status: response.status, body: (await response.json()) as { signature?: Hex; error?: { code: string; field?: string; message: string } } };
  }

  async function proposal(bundles: ObservationBundle[]) {
    const { leaves } = await deriveLeaves(bundles, { chainId: CHAIN_ID, oracleHub: HUB, oracleSet: SET.signers, configDigest: DIGEST, epoch: E, epochLength: L });
    const tree = buildTree(leaves);
    const file = serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch: E, tree });
    const report: EpochReport = { configDigest: DIGEST, epoch: E, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(file) };
    return { report, bundles: bundles.map((b) => JSON.parse(bundleToJson(b)) as unknown) };
  }

  before(async () => {
    const store = openStore(":memory:");
    // Node 0 probed the provider every 6 s of the epoch, all answered: its own bundle says 60 of 60 seconds up.
    for (let t = 0; t < L; t += 6) store.recordProbe({ provider: PROVIDER, atMs: (E * L + t) * 1000, ok: true, healthyGpus: 1 });
    node = new OracleNode({
      account: keys[0],
      chain: fakeChain(),
      store,
      heartbeat: async () => ({ ok: true, healthyGpus: 1, reason: "" }),
      peers: [],
      settings: { listen: { host: "127.0.0.1", port: 0 }, heartbeat: { meanIntervalMs: 600_000 }, epoch: { settleDelayMs: 0, leaderTimeoutMs: 600_000, setupGraceSeconds: 0 }, minObservers: 3, pollIntervalMs: 600_000 },
      now: () => clock.ms,
    });
    await node.start();
    // Its first poll (right after start) signs its own bundle for the ended epoch.
    for (let i = 0; i < 100 && own === undefined; i++) {
      const bundles = (await (await fetch(`${node.url}/v1/epochs/${E}/bundles`)).json()) as ObservationBundle[];
      own = bundles.find((b) => b.node === keys[0].address)!;
      if (own === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(own, "the node built its own bundle on its first poll").to.not.equal(undefined);
    own = (await import("../../../src/oracle/node/wire.js")).bundleFromWire(own);
  });
  after(async () => node.stop());

  it("refuses a report whose leaves its bundles do not give (a leader that tampers with a value)", async () => {
    const p = await proposal([own, await bundleOf(1, 60), await bundleOf(2, 60)]);
    const forged = { ...p.report, root: keccak256(toHex("forged")) };
    const { status, body } = await post(`/v1/epochs/${E}/sign`, { report: forged, bundles: p.bundles });
    expect(status).to.equal(409);
    expect(body.error).to.include({ code: "LEAVES_MISMATCH", field: "report.root" });
  });

  it("refuses a proposal that leaves out its own bundle", async () => {
    const p = await proposal([await bundleOf(1, 0), await bundleOf(2, 0), await bundleOf(3, 0)]);
    const { status, body } = await post(`/v1/epochs/${E}/sign`, p);
    expect(status).to.equal(409);
    expect(body.error!.code).to.equal("OWN_BUNDLE_OMITTED");
  });

  it("refuses too few valid bundles, a stale config digest and an epoch that has not ended", async () => {
    const garbage = { ...(await bundleOf(2, 60)), signature: `0x${"77".repeat(65)}` as Hex };
    const thin = await proposal([own, await bundleOf(1, 60)]);
    expect((await post(`/v1/epochs/${E}/sign`, { ...thin, bundles: [...thin.bundles, JSON.parse(bundleToJson(garbage))] })).body.error!.code).to.equal("TOO_FEW_BUNDLES");
    const p = await proposal([own, await bundleOf(1, 60), await bundleOf(2, 60)]);
    expect((await post(`/v1/epochs/${E}/sign`, { ...p, report: { ...p.report, configDigest: keccak256(toHex("config v0")) } })).body.error!.code).to.equal("CONFIG_DIGEST_MISMATCH");
    expect((await post(`/v1/epochs/${E + 1}/sign`, { ...p, report: { ...p.report, epoch: E + 1 } })).body.error!.code).to.equal("EPOCH_NOT_ENDED");
  });

  it("co-signs the report its bundles give, once: a second, different report for the epoch is refused", async () => {
    const p = await proposal([own, await bundleOf(1, 60), await bundleOf(2, 30)]);
    const first = await post(`/v1/epochs/${E}/sign`, p);
    expect(first.status).to.equal(200);
    const signer = await recoverTypedDataAddress({
      domain: oracleDomain({ chainId: CHAIN_ID, oracleHub: HUB }),
      types: epochReportTypes,
      primaryType: "EpochReport",
      message: { ...p.report, epoch: BigInt(p.report.epoch) },
      signature: first.body.signature!,
    });
    expect(signer).to.equal(keys[0].address);
    expect((await post(`/v1/epochs/${E}/sign`, p)).body.signature, "the same report again: the same signature").to.equal(first.body.signature);
    const other = await proposal([own, await bundleOf(1, 0), await bundleOf(3, 0)]); // lower median 0, not 60
    const second = await post(`/v1/epochs/${E}/sign`, other);
    expect(second.status).to.equal(409);
    expect(second.body.error!.code).to.equal("ALREADY_SIGNED");

    // It now serves the leaf file it signed, and proofs that verify against the root.
    const file = await (await fetch(`${node.url}/v1/epochs/${E}/leaves`)).text();
    expect(contentHash(file)).to.equal(p.report.contentHash);
    const proof = (await (await fetch(`${node.url}/v1/epochs/${E}/proof?leaseId=7`)).json()) as { root: Hex; leaf: { secondsUp: number }; proof: Hex[] };
    expect(proof.root).to.equal(p.report.root);
    expect(proof.leaf.secondsUp, "the lower median of 60, 60, 30").to.equal(60);
    expect(verifyProof(proof.root, { kind: "uptime", leaseId: 7n, epoch: E, secondsUp: 60, secondsObserved: L }, proof.proof)).to.equal(true);
    expect((await fetch(`${node.url}/v1/epochs/${E}/proof?leaseId=8`)).status).to.equal(404);
    expect((await fetch(`${node.url}/v1/epochs/${E}/proof?leaseId=x`)).status).to.equal(400);
    expect((await fetch(`${node.url}/v1/epochs/${E + 5}/leaves`)).status).to.equal(404);
  });

  it("takes bundles from set members only, and names what is wrong with bad input", async () => {
    const outsider = await signBundle({ signer: stranger, chainId: CHAIN_ID, oracleHub: HUB, configDigest: DIGEST, epoch: E, observations: [uptime(stranger.address, 1)] });
    const refused = await post("/v1/bundles", bundleToJson(outsider));
    expect(refused.status).to.equal(400);
    expect(refused.body.error).to.include({ code: "SIGNER_NOT_IN_SET", field: "bundle.node" });
    expect((await post("/v1/bundles", bundleToJson(await bundleOf(3, 60)))).status).to.equal(202);
    const notJson = await post("/v1/bundles", "{not json");
    expect(notJson.status).to.equal(400);
    expect(notJson.body.error!.code).to.equal("MALFORMED");
    expect((await fetch(`${node.url}/v1/nothing`)).status).to.equal(404);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).to.match(/cinder_oracle_sign_refused_total\{reason="ALREADY_SIGNED"\} 1/);
    expect(metrics).to.match(/cinder_oracle_reports_signed_total 1/);
  });
});
