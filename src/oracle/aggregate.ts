/**
 * Aggregation of oracle observations into an epoch's leaves (DESIGN.md, "Oracle aggregation"): each node signs its
 * own observations of the epoch in one EIP-712 bundle; the leader and every co-signer re-derive the same leaves
 * from the same bundles, each leaf carrying the (up, observed) pair of the observation at the median ratio over the
 * nodes that observed its subject (DESIGN.md, "Leaves are byzantine-robust"), or a neutral (0, 0) with too few.
 *
 * Signed data (domain `{ name: "CinderOracle", version: "1", chainId, verifyingContract: oracleHub }`):
 * `ObservationBundle(bytes32 configDigest,uint64 epoch,bytes32 observationsHash)`, where `observationsHash` is the
 * EIP-712 `hashStruct` of `Observations(UptimeObservation[] uptime,HeartbeatObservation[] heartbeats)` with
 * `UptimeObservation(uint256 leaseId,uint64 epoch,uint32 secondsUp,uint32 secondsObserved)` sorted by lease id
 * ascending and `HeartbeatObservation(address provider,uint64 epoch,uint32 heartbeatsAnswered,uint32 heartbeatsSent)`
 * sorted by provider ascending (see `observationTypes`). The observing node is the bundle's signer, so it is not hashed.
 *
 * @example
 * ```ts
 * const bundle = await signBundle({ signer: account, chainId, oracleHub, configDigest, epoch, observations });
 * const { leaves, diagnostics } = await deriveLeaves(received, { chainId, oracleHub, oracleSet, configDigest, epoch, epochLength: 3600 });
 * const tree = buildTree(leaves);
 * ```
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Address, type Hex, type LocalAccount, bytesToHex, getAddress, hashTypedData, recoverAddress } from "viem";
import {
  type HeartbeatLeaf,
  type Leaf,
  type LeafErrorCode,
  type UptimeLeaf,
  LeafError,
  checkAddress,
  encodeLeafBytes,
  validateLeaf,
} from "../protocol/leaves.js";
import { type OracleDomainParameters, oracleDomain } from "../protocol/signing.js";

/** What one oracle node measured of one lease over one epoch. */
export interface UptimeObservation extends Omit<UptimeLeaf, "kind"> {
  readonly kind: "uptime";
  /** The observing node (the bundle's signer). */
  readonly node: Address;
}

/** What one oracle node measured of one provider's heartbeats over one epoch. */
export interface HeartbeatObservation extends Omit<HeartbeatLeaf, "kind"> {
  readonly kind: "heartbeat";
  /** The observing node (the bundle's signer). */
  readonly node: Address;
}

/** One node's observation of a lease or a provider. */
export type Observation = UptimeObservation | HeartbeatObservation;

/** A node's signed observations of one epoch; built by `signBundle`, checked by `verifyBundle`. */
export interface ObservationBundle {
  /** The signing node (checksummed). */
  readonly node: Address;
  /** The oracle set's config digest the node signed under. */
  readonly configDigest: Hex;
  readonly epoch: number;
  /** At most one observation per lease and per provider, in canonical order (uptime by lease id, then heartbeats by provider). */
  readonly observations: readonly Observation[];
  /** The node's EIP-712 signature of `ObservationBundle`. */
  readonly signature: Hex;
}

/** The EIP-712 type a node signs. */
export const bundleTypes = {
  ObservationBundle: [
    { name: "configDigest", type: "bytes32" },
    { name: "epoch", type: "uint64" },
    { name: "observationsHash", type: "bytes32" },
  ],
} as const;

/** The EIP-712 types whose `hashStruct` of `Observations` is a bundle's `observationsHash`. */
export const observationTypes = {
  Observations: [
    { name: "uptime", type: "UptimeObservation[]" },
    { name: "heartbeats", type: "HeartbeatObservation[]" },
  ],
  UptimeObservation: [
    { name: "leaseId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "secondsUp", type: "uint32" },
    { name: "secondsObserved", type: "uint32" },
  ],
  HeartbeatObservation: [
    { name: "provider", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "heartbeatsAnswered", type: "uint32" },
    { name: "heartbeatsSent", type: "uint32" },
  ],
} as const;

const UPTIME_TYPE = "UptimeObservation(uint256 leaseId,uint64 epoch,uint32 secondsUp,uint32 secondsObserved)";
const HEARTBEAT_TYPE = "HeartbeatObservation(address provider,uint64 epoch,uint32 heartbeatsAnswered,uint32 heartbeatsSent)";
const OBSERVATIONS_TYPE = `Observations(UptimeObservation[] uptime,HeartbeatObservation[] heartbeats)${HEARTBEAT_TYPE}${UPTIME_TYPE}`;
const typeHash = (type: string) => keccak_256(new TextEncoder().encode(type));
const TYPEHASH = { uptime: typeHash(UPTIME_TYPE), heartbeat: typeHash(HEARTBEAT_TYPE) } as const;
const OBSERVATIONS_TYPEHASH = typeHash(OBSERVATIONS_TYPE);
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

export { type OracleDomainParameters, oracleDomain };

function checkBytes32(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !BYTES32.test(value)) throw new LeafError("MALFORMED", field, `must be a 32-byte hex string, got ${String(value)}`);
  return value.toLowerCase() as Hex;
}

function checkEpoch(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new LeafError("MALFORMED", field, `must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

/** An observation's fields as a leaf (the observing node dropped). */
function toLeaf(observation: Observation, field: string): Leaf {
  if (observation === null || typeof observation !== "object") throw new LeafError("MALFORMED", field, "must be an observation object");
  const { node: _node, ...leaf } = observation;
  return validateLeaf(leaf, field);
}

const byLeaseId = (a: UptimeLeaf, b: UptimeLeaf) => (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0);
const byProvider = (a: HeartbeatLeaf, b: HeartbeatLeaf) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0);

/** Observations validated, split by kind and sorted; throws `DUPLICATE_OBSERVATION` for a subject observed twice. */
function canonicalize(observations: readonly Observation[], field: string): { uptime: UptimeLeaf[]; heartbeats: HeartbeatLeaf[] } {
  if (!Array.isArray(observations)) throw new LeafError("MALFORMED", field, "must be an array");
  const leaves = observations.map((observation, i) => toLeaf(observation, `${field}[${i}]`));
  const uptime = leaves.filter((leaf): leaf is UptimeLeaf => leaf.kind === "uptime").sort(byLeaseId);
  const heartbeats = leaves.filter((leaf): leaf is HeartbeatLeaf => leaf.kind === "heartbeat").sort(byProvider);
  const twice =
    uptime.find((leaf, i) => i > 0 && leaf.leaseId === uptime[i - 1].leaseId)?.leaseId.toString() ??
    heartbeats.find((leaf, i) => i > 0 && leaf.provider === heartbeats[i - 1].provider)?.provider;
  if (twice !== undefined) throw new LeafError("DUPLICATE_OBSERVATION", field, `${twice} is observed twice`);
  return { uptime, heartbeats };
}

/** `keccak256` of the concatenated `hashStruct`s of an EIP-712 array of observations. */
function hashArray(leaves: readonly Leaf[]): Uint8Array {
  const hashes = new Uint8Array(32 * leaves.length);
  leaves.forEach((leaf, i) => {
    const encoded = encodeLeafBytes(leaf);
    encoded.set(TYPEHASH[leaf.kind], 0); // the kind word becomes the struct's typehash: the rest is encodeData
    hashes.set(keccak_256(encoded), 32 * i);
  });
  return keccak_256(hashes);
}

function hashCanonical({ uptime, heartbeats }: { uptime: UptimeLeaf[]; heartbeats: HeartbeatLeaf[] }): Hex {
  const encoded = new Uint8Array(96);
  encoded.set(OBSERVATIONS_TYPEHASH, 0);
  encoded.set(hashArray(uptime), 32);
  encoded.set(hashArray(heartbeats), 64);
  return bytesToHex(keccak_256(encoded));
}

/**
 * The `observationsHash` of a set of observations (any input order; the `node` fields are not hashed). Throws
 * `LeafError` on an invalid observation or `DUPLICATE_OBSERVATION`.
 */
export function observationsHash(observations: readonly Observation[]): Hex {
  return hashCanonical(canonicalize(observations, "observations"));
}

/** The fields a bundle's digest covers. */
export interface BundleDigestParameters extends OracleDomainParameters {
  configDigest: Hex;
  epoch: number;
  observations: readonly Observation[];
}

/** The EIP-712 digest a bundle's signature covers. */
export function bundleDigest({ configDigest, epoch, observations, ...domain }: BundleDigestParameters): Hex {
  return hashTypedData({
    domain: oracleDomain(domain),
    types: bundleTypes,
    primaryType: "ObservationBundle",
    message: {
      configDigest: checkBytes32(configDigest, "configDigest"),
      epoch: BigInt(checkEpoch(epoch, "epoch")),
      observationsHash: observationsHash(observations),
    },
  });
}

/** The canonical observations of `node`, checked to be its own and of `epoch`. */
function ownObservations(observations: readonly Observation[], node: Address, epoch: number, field: string): Observation[] {
  const { uptime, heartbeats } = canonicalize(observations, field);
  observations.forEach((observation, i) => {
    if (typeof observation.node !== "string" || observation.node.toLowerCase() !== node.toLowerCase()) {
      throw new LeafError("NODE_MISMATCH", `${field}[${i}].node`, `${String(observation.node)} is not the bundle's node ${node}`);
    }
    if (observation.epoch !== epoch) throw new LeafError("EPOCH_MISMATCH", `${field}[${i}].epoch`, `${observation.epoch} differs from the bundle's epoch ${epoch}`);
  });
  return [...uptime, ...heartbeats].map((leaf) => ({ ...leaf, node }));
}

/** Parameters of `signBundle`. */
export interface SignBundleParameters extends BundleDigestParameters {
  /** The node's key; every observation's `node` must be its address. */
  signer: Pick<LocalAccount, "address" | "signTypedData">;
}

/** Signs a node's observations of one epoch as one bundle, its observations put in canonical order. */
export async function signBundle({ signer, configDigest, epoch, observations, ...domain }: SignBundleParameters): Promise<ObservationBundle> {
  const node = getAddress(checkAddress(signer.address, "signer.address"));
  const canonical = ownObservations(observations, node, checkEpoch(epoch, "epoch"), "observations");
  const digest = checkBytes32(configDigest, "configDigest");
  const signature = await signer.signTypedData({
    domain: oracleDomain(domain),
    types: bundleTypes,
    primaryType: "ObservationBundle",
    message: { configDigest: digest, epoch: BigInt(epoch), observationsHash: observationsHash(canonical) },
  });
  return { node, configDigest: digest, epoch, observations: canonical, signature };
}

/** What a bundle must match to count. */
export interface VerifyBundleParameters extends OracleDomainParameters {
  /** The current oracle set's signer addresses. */
  oracleSet: readonly Address[];
  /** The current oracle set's config digest. */
  configDigest: Hex;
  epoch: number;
}

/** A bundle that passed `verifyBundle`, in canonical form, with the digest its signature covers. */
export interface VerifiedBundle extends ObservationBundle {
  readonly digest: Hex;
}

function checkOracleSet(oracleSet: readonly Address[]): Set<string> {
  if (!Array.isArray(oracleSet) || oracleSet.length === 0) throw new LeafError("MALFORMED", "oracleSet", "must be a non-empty array of addresses");
  const members = new Set(oracleSet.map((member, i) => checkAddress(member, `oracleSet[${i}]`)));
  if (members.size !== oracleSet.length) throw new LeafError("MALFORMED", "oracleSet", "lists a member twice");
  return members;
}

/**
 * Checks a bundle: its node is in the oracle set, it is for the given config digest and epoch, its observations
 * are valid and the node's own, and the node signed it. Throws `LeafError`: `MALFORMED`, `SIGNER_NOT_IN_SET`,
 * `CONFIG_DIGEST_MISMATCH`, `EPOCH_MISMATCH`, `NODE_MISMATCH`, `DUPLICATE_OBSERVATION`, an invalid value's code, or
 * `BAD_SIGNATURE`.
 */
export async function verifyBundle(bundle: ObservationBundle, parameters: VerifyBundleParameters): Promise<VerifiedBundle> {
  const { oracleSet, configDigest, epoch, ...domain } = parameters;
  if (bundle === null || typeof bundle !== "object") throw new LeafError("MALFORMED", "bundle", "must be a bundle object");
  const node = getAddress(checkAddress(bundle.node, "bundle.node"));
  if (!checkOracleSet(oracleSet).has(node.toLowerCase())) throw new LeafError("SIGNER_NOT_IN_SET", "bundle.node", `${node} is not in the oracle set`);
  const signed = checkBytes32(bundle.configDigest, "bundle.configDigest");
  if (signed !== checkBytes32(configDigest, "configDigest")) {
    throw new LeafError("CONFIG_DIGEST_MISMATCH", "bundle.configDigest", `${signed} is not the current config digest ${configDigest.toLowerCase()}`);
  }
  if (bundle.epoch !== checkEpoch(epoch, "epoch")) throw new LeafError("EPOCH_MISMATCH", "bundle.epoch", `${String(bundle.epoch)} is not epoch ${epoch}`);
  const observations = ownObservations(bundle.observations, node, epoch, "bundle.observations");
  const digest = bundleDigest({ ...domain, configDigest: signed, epoch, observations });
  let signer: Address;
  try {
    signer = await recoverAddress({ hash: digest, signature: bundle.signature });
  } catch (error) {
    throw new LeafError("BAD_SIGNATURE", "bundle.signature", `cannot recover a signer: ${(error as Error).message.split("\n")[0]}`);
  }
  if (signer !== node) throw new LeafError("BAD_SIGNATURE", "bundle.signature", `signed by ${signer}, not by the bundle's node ${node}`);
  return { node, configDigest: signed, epoch, observations, signature: bundle.signature, digest };
}

/** Parameters of `deriveLeaves`. */
export interface DeriveLeavesParameters extends VerifyBundleParameters {
  /**
   * The epoch's length in seconds: no node can observe a lease for longer, so a bundle claiming more is rejected (it
   * would weigh one epoch above the others when the SLA sums a lease's seconds over its term).
   */
  epochLength: number;
  /**
   * How many nodes must have observed a lease or provider for its leaf to carry their value (default and least
   * 2f + 1 of the oracle set, f = floor((n - 1) / 3); fewer would let f byzantine nodes pick the value).
   */
  minObservers?: number;
}

/** A bundle left out, and why. */
export interface RejectedBundle {
  /** The node the bundle claims, as given. */
  readonly node: string;
  readonly code: LeafErrorCode;
  readonly message: string;
}

/** A node that signed two different bundles for the epoch; all its bundles are left out. */
export interface Equivocation {
  readonly node: Address;
  /** The distinct bundle digests it signed, ascending. */
  readonly digests: readonly Hex[];
}

/** A lease or provider with too few observers for a value: its leaf is neutral (0 up, 0 observed). */
export type NeutralLeaf = ({ readonly kind: "uptime"; readonly leaseId: bigint } | { readonly kind: "heartbeat"; readonly provider: Address }) & {
  /** How many accepted nodes observed it (an observation of 0 seconds or 0 heartbeats is no evidence and not counted). */
  readonly observers: number;
  readonly reason: string;
};

/** What `deriveLeaves` used and left out; every list is sorted, so it too is independent of the input order. */
export interface DeriveLeavesDiagnostics {
  /** The nodes whose bundle was used, ascending. */
  readonly nodes: readonly Address[];
  readonly rejected: readonly RejectedBundle[];
  readonly equivocations: readonly Equivocation[];
  /** The subjects that got a neutral leaf. */
  readonly neutral: readonly NeutralLeaf[];
}

/** The epoch's leaves (uptime by lease id, then heartbeats by provider) and the diagnostics. */
export interface DeriveLeavesReturnType {
  readonly leaves: readonly Leaf[];
  readonly diagnostics: DeriveLeavesDiagnostics;
}

/** One node's reading of a subject: up (answered) over observed (sent). */
interface Reading {
  readonly node: Address;
  readonly up: number;
  readonly observed: number;
}

/** The readings of every subject named in an accepted bundle; a subject only named with 0 observed has none. */
function record<K>(readings: Map<K, Reading[]>, key: K, reading: Reading): void {
  const list = readings.get(key) ?? [];
  if (reading.observed > 0) list.push(reading);
  readings.set(key, list);
}

/**
 * Orders readings by ratio `up / observed` (exactly: cross-multiplied in bigint, as the products reach 2^64), then
 * by `observed`, then by node, so that every node that sorts the same readings picks the same one.
 */
function byRatio(a: Reading, b: Reading): number {
  const left = BigInt(a.up) * BigInt(b.observed);
  const right = BigInt(b.up) * BigInt(a.observed);
  if (left !== right) return left < right ? -1 : 1;
  return a.observed - b.observed || compareStrings(a.node.toLowerCase(), b.node.toLowerCase());
}

/**
 * The reading at the lower median ratio. With k readings of which at most f are byzantine and k >= 2f + 1, at least
 * f + 1 readings lie at or below index floor((k - 1) / 2) and at least f + 1 at or above it (k odd: both
 * (k + 1) / 2; k even, so k >= 2f + 2: k / 2 and k / 2 + 1), so each side holds an honest reading and the chosen
 * ratio lies between the lowest and the highest honest ratio, whatever the byzantine readings say.
 */
function medianReading(readings: readonly Reading[]): Reading {
  return [...readings].sort(byRatio)[(readings.length - 1) >>> 1];
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** f of an n-member oracle set (OracleQuorum.thresholdOf: n >= 3f + 1, threshold 2f + 1). */
const faultsTolerated = (n: number) => Math.floor((n - 1) / 3);

/**
 * Derives the epoch's leaves from the nodes' bundles: rejects bundles that fail `verifyBundle` or claim to have
 * observed a lease longer than the epoch, drops duplicate copies of one bundle, excludes every bundle of a node that
 * signed two different ones (equivocation), and gives every lease and provider named in an accepted bundle one leaf:
 * - observed (more than 0 seconds or heartbeats) by at least `minObservers` accepted nodes: the (up, observed) pair of
 *   the observation at the lower median ratio, as that node signed it (DESIGN, "Leaves are byzantine-robust");
 * - observed by fewer: a neutral leaf (0 up, 0 observed), which the SLA counts neither for nor against the provider;
 *   a leaf is never left out, as a reported epoch without a lease's leaf would make the lease unsettleable.
 * The output is the same, byte for byte, whatever the order of `bundles`.
 *
 * Assumptions:
 * - at most f = floor((n - 1) / 3) of the oracle set's n nodes are byzantine, and `minObservers` >= 2f + 1: then each
 *   leaf's ratio lies between the lowest and the highest honest observation of its subject (see `medianReading`);
 * - honest nodes name every lease running in the epoch (with 0 observed when they have no evidence), so a lease an
 *   honest node follows always gets a leaf.
 *
 * Throws `LeafError` `MALFORMED` or `OUT_OF_RANGE` only for bad parameters; bad bundles are reported, not thrown.
 */
export async function deriveLeaves(bundles: readonly ObservationBundle[], parameters: DeriveLeavesParameters): Promise<DeriveLeavesReturnType> {
  const { minObservers: requested, epochLength, ...verify } = parameters;
  const members = checkOracleSet(verify.oracleSet);
  oracleDomain(verify);
  checkBytes32(verify.configDigest, "configDigest");
  checkEpoch(verify.epoch, "epoch");
  if (typeof epochLength !== "number" || !Number.isInteger(epochLength) || epochLength < 1 || epochLength > 0xffffffff) {
    throw new LeafError("OUT_OF_RANGE", "epochLength", `must be an integer number of seconds in [1, 2^32 - 1], got ${String(epochLength)}`);
  }
  const least = 2 * faultsTolerated(members.size) + 1;
  const minObservers = requested ?? least;
  if (!Number.isInteger(minObservers) || minObservers < least || minObservers > members.size) {
    throw new LeafError(
      "OUT_OF_RANGE",
      "minObservers",
      `must be an integer in [${least}, ${members.size}] (at least 2f + 1 for an oracle set of ${members.size}), got ${String(minObservers)}`,
    );
  }

  const rejected: RejectedBundle[] = [];
  const byNode = new Map<Address, Map<Hex, VerifiedBundle>>();
  for (const bundle of bundles) {
    try {
      const verified = await verifyBundle(bundle, verify);
      const tooLong = verified.observations.findIndex((o) => o.kind === "uptime" && o.secondsObserved > epochLength);
      if (tooLong >= 0) {
        const observed = (verified.observations[tooLong] as UptimeObservation).secondsObserved;
        throw new LeafError("OUT_OF_RANGE", `bundle.observations[${tooLong}].secondsObserved`, `${observed} exceeds the epoch's ${epochLength} seconds`);
      }
      const copies = byNode.get(verified.node) ?? new Map<Hex, VerifiedBundle>();
      byNode.set(verified.node, copies.set(verified.digest, verified));
    } catch (error) {
      if (!(error instanceof LeafError)) throw error;
      const node = bundle !== null && typeof bundle === "object" ? String(bundle.node) : String(bundle);
      rejected.push({ node, code: error.code, message: error.message });
    }
  }
  rejected.sort((a, b) => compareStrings(a.node, b.node) || compareStrings(a.code, b.code) || compareStrings(a.message, b.message));

  const nodes: Address[] = [];
  const equivocations: Equivocation[] = [];
  const uptime = new Map<bigint, Reading[]>();
  const heartbeats = new Map<Address, Reading[]>();
  for (const [node, copies] of [...byNode].sort(([a], [b]) => compareStrings(a.toLowerCase(), b.toLowerCase()))) {
    if (copies.size > 1) {
      equivocations.push({ node, digests: [...copies.keys()].sort(compareStrings) });
      continue;
    }
    nodes.push(node);
    for (const bundle of copies.values()) {
      for (const o of bundle.observations) {
        if (o.kind === "uptime") record(uptime, o.leaseId, { node, up: o.secondsUp, observed: o.secondsObserved });
        else record(heartbeats, o.provider, { node, up: o.heartbeatsAnswered, observed: o.heartbeatsSent });
      }
    }
  }

  const { epoch } = verify;
  const leaves: Leaf[] = [];
  const neutral: NeutralLeaf[] = [];
  const reason = (count: number) => `observed by ${count} accepted node(s), fewer than minObservers ${minObservers}: neutral leaf`;
  /** The leaf's (up, observed): the median reading's, or (0, 0) with too few readings. */
  const valueOf = (readings: readonly Reading[], onNeutral: () => void): [number, number] => {
    if (readings.length < minObservers) {
      onNeutral();
      return [0, 0];
    }
    const { up, observed } = medianReading(readings);
    return [up, observed];
  };
  for (const [leaseId, readings] of [...uptime].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [secondsUp, secondsObserved] = valueOf(readings, () => neutral.push({ kind: "uptime", leaseId, observers: readings.length, reason: reason(readings.length) }));
    leaves.push({ kind: "uptime", leaseId, epoch, secondsUp, secondsObserved });
  }
  for (const [provider, readings] of [...heartbeats].sort(([a], [b]) => compareStrings(a, b))) {
    const [heartbeatsAnswered, heartbeatsSent] = valueOf(readings, () => neutral.push({ kind: "heartbeat", provider, observers: readings.length, reason: reason(readings.length) }));
    leaves.push({ kind: "heartbeat", provider, epoch, heartbeatsAnswered, heartbeatsSent });
  }
  return { leaves, diagnostics: { nodes, rejected, equivocations, neutral } };
}
