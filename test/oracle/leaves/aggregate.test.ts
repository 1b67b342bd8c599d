/**
 * Unit tests of observation aggregation (src/oracle/aggregate.ts): the bundle's EIP-712 hashing against viem's
 * `hashStruct` and `hashTypedData`, `verifyBundle`'s checks, and `deriveLeaves`: the observation at the lower median
 * ratio, neutral leaves below `minObservers`, a byzantine minority, equivocation, outsiders, forged bundles and
 * independence from bundle order (the adversarial property test is test/attacks/oracle-byzantine.test.ts).
 */
import { expect } from "chai";
import { type Address, type Hex, getAddress, hashStruct, hashTypedData, keccak256, recoverAddress, toHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import {
  type DeriveLeavesParameters,
  type DeriveLeavesReturnType,
  type HeartbeatObservation,
  type Observation,
  type ObservationBundle,
  type UptimeObservation,
  bundleDigest,
  bundleTypes,
  deriveLeaves,
  observationTypes,
  observationsHash,
  oracleDomain,
  signBundle,
  verifyBundle,
} from "../../../src/oracle/aggregate.js";
import { type LeafErrorCode, LeafError, buildTree, serializeLeafFile } from "../../../src/protocol/leaves.js";

const CHAIN_ID = 31_337;
const HUB = getAddress("0x00000000000000000000000000000000000c1de5");
const EPOCH = 480_000;
const CONFIG = keccak256(toHex("cinder/test/oracle/config/1"));
const OTHER_CONFIG = keccak256(toHex("cinder/test/oracle/config/0"));
const MAX_UINT32 = 2 ** 32 - 1;
const PROVIDER = `0x${"a1".repeat(20)}` as Address;

/** Seven oracle nodes (n = 7 >= 3f + 1 with f = 2) and one key outside the set. */
const NODES: PrivateKeyAccount[] = Array.from({ length: 7 }, (_, i) => privateKeyToAccount(keccak256(toHex(`cinder/test/oracle/node/${i}`))));
const OUTSIDER = privateKeyToAccount(keccak256(toHex("cinder/test/oracle/outsider")));
const ORACLE_SET = NODES.map((node) => node.address);
/** Leaves need 2f + 1 = 5 observers by default. */
const PARAMETERS: DeriveLeavesParameters = { chainId: CHAIN_ID, oracleHub: HUB, oracleSet: ORACLE_SET, configDigest: CONFIG, epoch: EPOCH, epochLength: 3_600 };

const up = (node: PrivateKeyAccount, leaseId: bigint, secondsUp: number, secondsObserved = 3_600): UptimeObservation => ({
  kind: "uptime",
  node: node.address,
  leaseId,
  epoch: EPOCH,
  secondsUp,
  secondsObserved,
});
const beat = (node: PrivateKeyAccount, heartbeatsAnswered: number, heartbeatsSent = 60, provider = PROVIDER): HeartbeatObservation => ({
  kind: "heartbeat",
  node: node.address,
  provider,
  epoch: EPOCH,
  heartbeatsAnswered,
  heartbeatsSent,
});
const sign = (node: PrivateKeyAccount, observations: Observation[], overrides: { configDigest?: Hex; epoch?: number } = {}) =>
  signBundle({ signer: node, chainId: CHAIN_ID, oracleHub: HUB, configDigest: CONFIG, epoch: EPOCH, observations, ...overrides });

/** The derived leaves and diagnostics as one deterministic string (bigints written as decimal). */
const fingerprint = ({ leaves, diagnostics }: DeriveLeavesReturnType) =>
  JSON.stringify({ leaves, diagnostics }, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

/** A deterministic Fisher-Yates shuffle. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function expectRejection(run: () => Promise<unknown>, code: LeafErrorCode, field: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    expect(error).to.be.instanceOf(LeafError);
    expect({ code: (error as LeafError).code, field: (error as LeafError).field }).to.deep.equal({ code, field });
    return;
  }
  expect.fail(`expected a LeafError ${code} at ${field}`);
}

describe("oracle aggregation: bundles", function () {
  it("hashes observations as the EIP-712 hashStruct of Observations, sorted, whatever the input order", function () {
    const observations = [beat(NODES[0], 50, 60, `0x${"b2".repeat(20)}`), up(NODES[0], 9n, 10), beat(NODES[0], 58), up(NODES[0], 2n, 20)];
    const expected = hashStruct({
      types: observationTypes,
      primaryType: "Observations",
      data: {
        uptime: [
          { leaseId: 2n, epoch: BigInt(EPOCH), secondsUp: 20, secondsObserved: 3_600 },
          { leaseId: 9n, epoch: BigInt(EPOCH), secondsUp: 10, secondsObserved: 3_600 },
        ],
        heartbeats: [
          { provider: PROVIDER, epoch: BigInt(EPOCH), heartbeatsAnswered: 58, heartbeatsSent: 60 },
          { provider: `0x${"b2".repeat(20)}`, epoch: BigInt(EPOCH), heartbeatsAnswered: 50, heartbeatsSent: 60 },
        ],
      },
    });
    expect(observationsHash(observations)).to.equal(expected);
    expect(observationsHash([...observations].reverse())).to.equal(expected);
    expect(observationsHash([])).to.equal(hashStruct({ types: observationTypes, primaryType: "Observations", data: { uptime: [], heartbeats: [] } }));
  });

  it("signs the EIP-712 ObservationBundle digest under the CinderOracle domain", async function () {
    const observations = [up(NODES[0], 2n, 20), beat(NODES[0], 58)];
    const bundle = await sign(NODES[0], [...observations].reverse());
    const digest = hashTypedData({
      domain: { name: "CinderOracle", version: "1", chainId: BigInt(CHAIN_ID), verifyingContract: HUB },
      types: bundleTypes,
      primaryType: "ObservationBundle",
      message: { configDigest: CONFIG, epoch: BigInt(EPOCH), observationsHash: observationsHash(observations) },
    });
    expect(oracleDomain({ chainId: CHAIN_ID, oracleHub: HUB })).to.deep.equal({ name: "CinderOracle", version: "1", chainId: 31_337n, verifyingContract: HUB });
    expect(bundleDigest({ chainId: CHAIN_ID, oracleHub: HUB, configDigest: CONFIG, epoch: EPOCH, observations })).to.equal(digest);
    expect(await recoverAddress({ hash: digest, signature: bundle.signature })).to.equal(NODES[0].address);
    expect(bundle.observations.map((o) => o.kind)).to.deep.equal(["uptime", "heartbeat"]);
  });

  it("verifies a member's bundle and returns its digest", async function () {
    const bundle = await sign(NODES[1], [up(NODES[1], 1n, 3_000)]);
    const verified = await verifyBundle(bundle, PARAMETERS);
    expect(verified.node).to.equal(NODES[1].address);
    expect(verified.digest).to.equal(bundleDigest({ chainId: CHAIN_ID, oracleHub: HUB, configDigest: CONFIG, epoch: EPOCH, observations: bundle.observations }));
  });

  it("rejects a signer outside the oracle set", async function () {
    const bundle = await sign(OUTSIDER, [up(OUTSIDER, 1n, 3_000)]);
    await expectRejection(() => verifyBundle(bundle, PARAMETERS), "SIGNER_NOT_IN_SET", "bundle.node");
  });

  it("rejects a bundle signed under another config digest or for another epoch", async function () {
    const stale = await sign(NODES[0], [up(NODES[0], 1n, 3_000)], { configDigest: OTHER_CONFIG });
    await expectRejection(() => verifyBundle(stale, PARAMETERS), "CONFIG_DIGEST_MISMATCH", "bundle.configDigest");
    const late = await sign(NODES[0], [{ ...up(NODES[0], 1n, 3_000), epoch: EPOCH - 1 }], { epoch: EPOCH - 1 });
    await expectRejection(() => verifyBundle(late, PARAMETERS), "EPOCH_MISMATCH", "bundle.epoch");
  });

  it("rejects a tampered value, a bundle claiming another node, and a signature for another deployment", async function () {
    const bundle = await sign(NODES[0], [up(NODES[0], 1n, 3_000)]);
    const tampered = { ...bundle, observations: [{ ...bundle.observations[0], secondsUp: 3_600 }] };
    await expectRejection(() => verifyBundle(tampered, PARAMETERS), "BAD_SIGNATURE", "bundle.signature");
    const impersonated = { ...bundle, node: NODES[1].address, observations: [up(NODES[1], 1n, 3_000)] };
    await expectRejection(() => verifyBundle(impersonated, PARAMETERS), "BAD_SIGNATURE", "bundle.signature");
    await expectRejection(() => verifyBundle(bundle, { ...PARAMETERS, chainId: 1 }), "BAD_SIGNATURE", "bundle.signature");
    await expectRejection(() => verifyBundle({ ...bundle, signature: "0x1234" }, PARAMETERS), "BAD_SIGNATURE", "bundle.signature");
  });

  it("refuses to sign another node's observation, a subject observed twice, or an invalid value", async function () {
    await expectRejection(() => sign(NODES[0], [up(NODES[1], 1n, 3_000)]), "NODE_MISMATCH", "observations[0].node");
    await expectRejection(() => sign(NODES[0], [up(NODES[0], 1n, 3_000), up(NODES[0], 1n, 2_000)]), "DUPLICATE_OBSERVATION", "observations");
    await expectRejection(() => sign(NODES[0], [up(NODES[0], 1n, 3_601)]), "UP_EXCEEDS_OBSERVED", "observations[0].secondsUp");
    await expectRejection(() => sign(NODES[0], [beat(NODES[0], 1, MAX_UINT32 + 1)]), "OUT_OF_RANGE", "observations[0].heartbeatsSent");
  });
});

describe("oracle aggregation: deriveLeaves", function () {
  const sortedAddresses = (nodes: PrivateKeyAccount[]) => nodes.map((n) => n.address).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));

  it("takes the (up, observed) pair of the observation at the median ratio over an odd number of observers", async function () {
    // Ratios 0.833, 1, 0.901, 0.5, 0.95 (uptime); 50/58, 51/60, 52/62, 53/64, 54/66 (heartbeats, falling).
    const values: [number, number][] = [[3_000, 3_600], [3_500, 3_500], [3_200, 3_550], [1_000, 2_000], [3_400, 3_579]];
    const bundles = await Promise.all(values.map(([u, o], i) => sign(NODES[i], [up(NODES[i], 1n, u, o), beat(NODES[i], 50 + i, 58 + 2 * i)])));
    const { leaves, diagnostics } = await deriveLeaves(bundles, PARAMETERS);
    expect(leaves).to.deep.equal([
      { kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_200, secondsObserved: 3_550 },
      { kind: "heartbeat", provider: PROVIDER, epoch: EPOCH, heartbeatsAnswered: 52, heartbeatsSent: 62 },
    ]);
    expect(diagnostics.nodes).to.deep.equal(sortedAddresses(NODES.slice(0, 5)));
    expect(diagnostics.neutral).to.deep.equal([]);
  });

  it("takes the lower middle ratio for an even number of observers", async function () {
    const bundles = await Promise.all([10, 40, 20, 30, 50, 60].map((u, i) => sign(NODES[i], [up(NODES[i], 1n, u, 100 + u)])));
    const { leaves } = await deriveLeaves(bundles, PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 30, secondsObserved: 130 }]);
  });

  it("keeps one node's pair whole, never mixing up from one node with observed from another", async function () {
    // Per-field medians would give 90 of 3,000 (3%), a ratio no node observed; the median ratio is 50 of 60.
    const values: [number, number][] = [[100, 100], [90, 3_600], [3_000, 3_000], [50, 60], [0, 3_600]];
    const bundles = await Promise.all(values.map(([u, o], i) => sign(NODES[i], [up(NODES[i], 1n, u, o)])));
    const [leaf] = (await deriveLeaves(bundles, PARAMETERS)).leaves;
    expect(leaf).to.deep.include({ secondsUp: 50, secondsObserved: 60 });
  });

  it("breaks a tie of equal ratios by the smaller observed, the same for every order", async function () {
    const values: [number, number][] = [[1_800, 3_600], [900, 1_800], [1_200, 2_400], [0, 3_600], [3_600, 3_600]];
    const bundles = await Promise.all(values.map(([u, o], i) => sign(NODES[i], [up(NODES[i], 1n, u, o)])));
    for (let seed = 1; seed <= 4; seed++) {
      const [leaf] = (await deriveLeaves(shuffle(bundles, seed), PARAMETERS)).leaves;
      expect(leaf).to.deep.include({ secondsUp: 1_200, secondsObserved: 2_400 });
    }
  });

  it("gives a lease observed by fewer than minObservers nodes a neutral leaf (0 of 0) and says why", async function () {
    const bundles = await Promise.all(
      NODES.slice(0, 5).map((node, i) => sign(node, [up(node, 1n, 3_000), ...(i < 4 ? [up(node, 2n, 100)] : [])])),
    );
    const { leaves, diagnostics } = await deriveLeaves(bundles, PARAMETERS);
    expect(leaves).to.deep.equal([
      { kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_000, secondsObserved: 3_600 },
      { kind: "uptime", leaseId: 2n, epoch: EPOCH, secondsUp: 0, secondsObserved: 0 },
    ]);
    expect(diagnostics.neutral).to.deep.equal([
      { kind: "uptime", leaseId: 2n, observers: 4, reason: "observed by 4 accepted node(s), fewer than minObservers 5: neutral leaf" },
    ]);
  });

  it("counts an observation of 0 seconds as no evidence: it names the lease but is not an observer", async function () {
    const bundles = await Promise.all(NODES.slice(0, 5).map((node, i) => sign(node, [up(node, 1n, i === 0 ? 0 : 3_000, i === 0 ? 0 : 3_600)])));
    const { leaves, diagnostics } = await deriveLeaves(bundles, PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 0, secondsObserved: 0 }]);
    expect(diagnostics.neutral).to.deep.equal([
      { kind: "uptime", leaseId: 1n, observers: 4, reason: "observed by 4 accepted node(s), fewer than minObservers 5: neutral leaf" },
    ]);
  });

  it("keeps a byzantine minority within the honest spread, and gives a lease only it reports a neutral leaf", async function () {
    const honest: [number, number][] = [[3_400, 3_590], [3_450, 3_600], [3_500, 3_580], [3_420, 3_600], [3_300, 3_500]];
    const byzantine: [number, number][] = [[0, 3_600], [3_600, 3_600]];
    const bundles = await Promise.all([
      ...honest.map(([u, o], i) => sign(NODES[i], [up(NODES[i], 1n, u, o), beat(NODES[i], 55 + i)])),
      ...byzantine.map(([u, o], j) => {
        const node = NODES[5 + j];
        return sign(node, [up(node, 1n, u, o), beat(node, j * 60), up(node, 666n, o, o)]); // lease 666: only they claim it
      }),
    ]);
    const { leaves, diagnostics } = await deriveLeaves(bundles, PARAMETERS);
    const honestPairs = honest.map(([u, o]) => `${u}/${o}`);
    const lease = leaves.find((leaf) => leaf.kind === "uptime" && leaf.leaseId === 1n);
    expect(lease?.kind === "uptime" && honestPairs).to.include(lease?.kind === "uptime" && `${lease.secondsUp}/${lease.secondsObserved}`);
    const provider = leaves.find((leaf) => leaf.kind === "heartbeat");
    expect(provider?.kind === "heartbeat" && provider.heartbeatsAnswered).to.be.within(55, 59);
    expect(leaves.find((leaf) => leaf.kind === "uptime" && leaf.leaseId === 666n)).to.deep.include({ secondsUp: 0, secondsObserved: 0 });
    expect(leaves).to.have.length(3);
    expect(diagnostics.neutral.map((o) => o.kind === "uptime" && o.leaseId)).to.deep.equal([666n]);
  });

  it("rejects a bundle that claims to have observed a lease for longer than the epoch", async function () {
    const honest = await Promise.all(NODES.slice(0, 5).map((node) => sign(node, [up(node, 1n, 3_000)])));
    const long = await sign(NODES[5], [up(NODES[5], 1n, 3_601, 3_601)]);
    const { leaves, diagnostics } = await deriveLeaves([...honest, long], PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_000, secondsObserved: 3_600 }]);
    expect(diagnostics.rejected).to.deep.equal([
      { node: NODES[5].address, code: "OUT_OF_RANGE", message: "bundle.observations[0].secondsObserved: 3601 exceeds the epoch's 3600 seconds" },
    ]);
  });

  it("excludes every bundle of an equivocating node and reports both digests", async function () {
    const first = await sign(NODES[0], [up(NODES[0], 1n, 0)]);
    const second = await sign(NODES[0], [up(NODES[0], 1n, 3_600)]);
    const others = await Promise.all([1, 2, 3, 4, 5].map((i) => sign(NODES[i], [up(NODES[i], 1n, 3_000)])));
    const { leaves, diagnostics } = await deriveLeaves([first, ...others, second, first], PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_000, secondsObserved: 3_600 }]);
    expect(diagnostics.nodes).to.not.include(NODES[0].address);
    expect(diagnostics.nodes).to.have.length(5);
    const digests = [first, second].map((b) => bundleDigest({ chainId: CHAIN_ID, oracleHub: HUB, configDigest: CONFIG, epoch: EPOCH, observations: b.observations }));
    expect(diagnostics.equivocations).to.deep.equal([{ node: NODES[0].address, digests: digests.sort() }]);
  });

  it("counts the same bundle received twice once, without calling it equivocation", async function () {
    const bundles = await Promise.all([0, 1, 2, 3, 4].map((i) => sign(NODES[i], [up(NODES[i], 1n, 600 * (i + 1))])));
    const { leaves, diagnostics } = await deriveLeaves([...bundles, bundles[4], bundles[4], bundles[4]], PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 1_800, secondsObserved: 3_600 }]);
    expect(diagnostics.equivocations).to.deep.equal([]);
  });

  it("rejects an outsider's and a stale-config bundle, and reports them", async function () {
    const members = await Promise.all([0, 1, 2, 4, 5].map((i) => sign(NODES[i], [up(NODES[i], 1n, 3_000)])));
    const outsider = await sign(OUTSIDER, [up(OUTSIDER, 1n, 0)]);
    const stale = await sign(NODES[3], [up(NODES[3], 1n, 0)], { configDigest: OTHER_CONFIG });
    const { leaves, diagnostics } = await deriveLeaves([outsider, ...members, stale], PARAMETERS);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_000, secondsObserved: 3_600 }]);
    expect(diagnostics.rejected.map(({ node, code }) => ({ node, code }))).to.have.deep.members([
      { node: OUTSIDER.address, code: "SIGNER_NOT_IN_SET" },
      { node: NODES[3].address, code: "CONFIG_DIGEST_MISMATCH" },
    ]);
    expect(diagnostics.nodes).to.have.length(5);
  });

  it("does not let a forged bundle in an honest node's name get that node excluded", async function () {
    const honest = await Promise.all([0, 1, 2, 3, 4].map((i) => sign(NODES[i], [up(NODES[i], 1n, 3_000)])));
    const forgery = await sign(OUTSIDER, [up(OUTSIDER, 1n, 0)]);
    const framed: ObservationBundle = { ...forgery, node: NODES[0].address, observations: [up(NODES[0], 1n, 0)] };
    const { leaves, diagnostics } = await deriveLeaves([...honest, framed], PARAMETERS);
    expect(diagnostics.equivocations).to.deep.equal([]);
    expect(diagnostics.nodes).to.include(NODES[0].address);
    expect(diagnostics.rejected).to.have.length(1);
    expect(diagnostics.rejected[0]).to.deep.include({ node: NODES[0].address, code: "BAD_SIGNATURE" });
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_000, secondsObserved: 3_600 }]);
  });

  it("derives byte-identical leaves and diagnostics whatever the order of the bundles", async function () {
    const bundles = await Promise.all([
      ...NODES.slice(0, 6).map((node, i) =>
        sign(node, [
          up(node, 1n, 3_000 + 37 * i, 3_600 - (i % 2)),
          up(node, BigInt(2 + (i % 3)), 100 * i),
          beat(node, 40 + i, 60, `0x${(0xa0 + (i % 2)).toString(16).repeat(20)}` as Address),
        ]),
      ),
      sign(NODES[6], [up(NODES[6], 1n, 0)]),
      sign(NODES[6], [up(NODES[6], 1n, 1)]),
      sign(OUTSIDER, [up(OUTSIDER, 1n, 0)]),
    ]);
    const reference = await deriveLeaves(bundles, PARAMETERS);
    const referenceFile = serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch: EPOCH, tree: buildTree(reference.leaves) });
    expect(reference.leaves.length).to.be.greaterThan(2);
    expect(reference.diagnostics.equivocations).to.have.length(1);
    for (let seed = 1; seed <= 8; seed++) {
      const derived = await deriveLeaves(shuffle(bundles, seed), PARAMETERS);
      expect(fingerprint(derived)).to.equal(fingerprint(reference));
      expect(serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch: EPOCH, tree: buildTree(derived.leaves) })).to.equal(referenceFile);
    }
  });

  it("rejects minObservers below 2f + 1 or above the set, a bad epochLength and an oracle set listing a member twice", async function () {
    await expectRejection(() => deriveLeaves([], { ...PARAMETERS, minObservers: 4 }), "OUT_OF_RANGE", "minObservers");
    await expectRejection(() => deriveLeaves([], { ...PARAMETERS, minObservers: 8 }), "OUT_OF_RANGE", "minObservers");
    await expectRejection(() => deriveLeaves([], { ...PARAMETERS, epochLength: 0 }), "OUT_OF_RANGE", "epochLength");
    await expectRejection(() => deriveLeaves([], { ...PARAMETERS, oracleSet: [...ORACLE_SET, ORACLE_SET[0]] }), "MALFORMED", "oracleSet");
    expect((await deriveLeaves([], { ...PARAMETERS, minObservers: 7 })).leaves).to.deep.equal([]);
  });
});
