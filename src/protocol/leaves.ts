/**
 * Epoch-report leaves of the oracle: their ABI encoding, the Merkle tree over them, proofs, and the canonical leaf
 * file whose hash the on-chain epoch report carries as `(root, leafCount, contentHash)`.
 *
 * The encoding is fixed by `OracleHub`, which checks proofs with OpenZeppelin v5 `MerkleProof.verify`:
 * - uptime leaf: `abi.encode(uint8 1, uint256 leaseId, uint64 epoch, uint32 secondsUp, uint32 secondsObserved)`;
 * - heartbeat leaf: `abi.encode(uint8 2, address provider, uint64 epoch, uint32 heartbeatsAnswered, uint32 heartbeatsSent)`;
 * - leaf hash: `keccak256(bytes.concat(keccak256(encoded)))` (OpenZeppelin StandardMerkleTree's double hash);
 * - inner node: keccak256 of its two children sorted ascending (`Hashes.commutativeKeccak256`);
 * - leaves sorted by leaf hash ascending; an odd node at a level moves up unchanged; one leaf's root is its hash.
 *
 * Hashing goes through `keccak256Bytes` (keccak.ts): WebAssembly where it loads, @noble/hashes otherwise; the same
 * digests either way.
 *
 * Epochs are JavaScript safe integers (below 2^53), not the full uint64 range, because the leaf file carries them as
 * JSON numbers.
 *
 * @example
 * ```ts
 * const tree = buildTree([{ kind: "uptime", leaseId: 7n, epoch: 42, secondsUp: 3_500, secondsObserved: 3_600 }]);
 * const proof = tree.proof(0);
 * verifyProof(tree.root, tree.leaves[0], proof); // true
 * const json = serializeLeafFile({ chainId: 1, oracleHub, epoch: 42, tree });
 * const report = { root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
 * ```
 */
import { type Address, type Hex, bytesToHex, isAddress } from "viem";
import { keccak256Bytes } from "./keccak.js";
import { CinderError } from "./errors.js";

/** A lease's uptime over one epoch, in seconds (kind 1 on chain). */
export interface UptimeLeaf {
  readonly kind: "uptime";
  /** The JobMarket lease id (uint256). */
  readonly leaseId: bigint;
  readonly epoch: number;
  /** Seconds the lease's GPUs answered heartbeats in time (uint32, at most `secondsObserved`). */
  readonly secondsUp: number;
  /** Seconds the oracle observed the lease (uint32). */
  readonly secondsObserved: number;
}

/** A provider's heartbeat record over one epoch (kind 2 on chain). */
export interface HeartbeatLeaf {
  readonly kind: "heartbeat";
  /** The provider's address; leaves built here carry it in lowercase. */
  readonly provider: Address;
  readonly epoch: number;
  /** Heartbeats answered within the deadline (uint32, at most `heartbeatsSent`). */
  readonly heartbeatsAnswered: number;
  /** Heartbeats the oracle sent (uint32). */
  readonly heartbeatsSent: number;
}

/** One leaf of an epoch report. */
export type Leaf = UptimeLeaf | HeartbeatLeaf;

/** The on-chain `kind` byte of each leaf kind. */
export const LEAF_KIND = { uptime: 1, heartbeat: 2 } as const;

/** The leaf file format version written and accepted here. */
export const LEAF_FILE_VERSION = 1;

/** What went wrong, for callers that branch on it. */
export type LeafErrorCode =
  | "MALFORMED"
  | "WRONG_KIND"
  | "OUT_OF_RANGE"
  | "BAD_ADDRESS"
  | "UP_EXCEEDS_OBSERVED"
  | "EPOCH_MISMATCH"
  | "NON_CANONICAL"
  | "UNSUPPORTED_VERSION"
  | "EMPTY_TREE"
  | "DUPLICATE_LEAF"
  | "CONFLICTING_LEAF"
  | "NOT_IN_TREE"
  | "DUPLICATE_OBSERVATION"
  | "NODE_MISMATCH"
  | "CONFIG_DIGEST_MISMATCH"
  | "SIGNER_NOT_IN_SET"
  | "BAD_SIGNATURE";

/** The one error type of the oracle's leaves and aggregation; `code` says what, `field` says where. */
export class LeafError extends CinderError {
  override readonly name = "LeafError";
  constructor(
    readonly code: LeafErrorCode,
    readonly field: string,
    override readonly shortMessage: string,
  ) {
    super(shortMessage, { message: `${field}: ${shortMessage}` });
  }
}

const MAX_UINT32 = 0xffff_ffff;
const MAX_UINT256 = (1n << 256n) - 1n;
const MASK64 = (1n << 64n) - 1n;
const TWO32 = 2 ** 32;
const ENCODED_LENGTH = 160;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** `at` is a field prefix, or a leaf index rendered as `leaves[i]` only when an error is thrown. */
type Where = string | number;
const fieldOf = (at: Where, key: string) => (typeof at === "number" ? `leaves[${at}].${key}` : `${at}.${key}`);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkInteger(value: unknown, max: number, at: Where, key: string, kind: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new LeafError("MALFORMED", fieldOf(at, key), `must be an integer, got ${String(value)}`);
  }
  if (value < 0 || value > max) throw new LeafError("OUT_OF_RANGE", fieldOf(at, key), `${value} is outside ${kind} [0, ${max}]`);
  return value;
}

const checkUint32 = (value: unknown, at: Where, key: string) => checkInteger(value, MAX_UINT32, at, key, "uint32");
const checkEpoch = (value: unknown, at: Where, key = "epoch") =>
  checkInteger(value, Number.MAX_SAFE_INTEGER, at, key, "a safe-integer epoch");

/** Checks an address and returns it in lowercase; mixed case must carry a valid EIP-55 checksum. */
export function checkAddress(value: unknown, field: string): Address {
  if (typeof value !== "string" || !ADDRESS.test(value) || !isAddress(value)) {
    throw new LeafError("BAD_ADDRESS", field, `not a 20-byte address with a valid checksum: ${String(value)}`);
  }
  return value.toLowerCase() as Address;
}

function checkLeaf(leaf: unknown, at: Where): Leaf {
  if (!isRecord(leaf)) throw new LeafError("MALFORMED", typeof at === "number" ? `leaves[${at}]` : at, "must be a leaf object");
  const epoch = checkEpoch(leaf.epoch, at);
  if (leaf.kind === "uptime") {
    const { leaseId } = leaf;
    if (typeof leaseId !== "bigint") throw new LeafError("MALFORMED", fieldOf(at, "leaseId"), `must be a bigint, got ${String(leaseId)}`);
    if (leaseId < 0n || leaseId > MAX_UINT256) throw new LeafError("OUT_OF_RANGE", fieldOf(at, "leaseId"), `${leaseId} is outside uint256`);
    const secondsUp = checkUint32(leaf.secondsUp, at, "secondsUp");
    const secondsObserved = checkUint32(leaf.secondsObserved, at, "secondsObserved");
    if (secondsUp > secondsObserved) {
      throw new LeafError("UP_EXCEEDS_OBSERVED", fieldOf(at, "secondsUp"), `${secondsUp} exceeds secondsObserved ${secondsObserved}`);
    }
    return { kind: "uptime", leaseId, epoch, secondsUp, secondsObserved };
  }
  if (leaf.kind === "heartbeat") {
    const provider = checkAddress(leaf.provider, fieldOf(at, "provider"));
    const heartbeatsAnswered = checkUint32(leaf.heartbeatsAnswered, at, "heartbeatsAnswered");
    const heartbeatsSent = checkUint32(leaf.heartbeatsSent, at, "heartbeatsSent");
    if (heartbeatsAnswered > heartbeatsSent) {
      throw new LeafError(
        "UP_EXCEEDS_OBSERVED",
        fieldOf(at, "heartbeatsAnswered"),
        `${heartbeatsAnswered} exceeds heartbeatsSent ${heartbeatsSent}`,
      );
    }
    return { kind: "heartbeat", provider, epoch, heartbeatsAnswered, heartbeatsSent };
  }
  throw new LeafError("WRONG_KIND", fieldOf(at, "kind"), `must be "uptime" or "heartbeat", got ${JSON.stringify(leaf.kind) ?? "undefined"}`);
}

/** Checks every field of a leaf and returns a copy with the provider in lowercase. Throws `LeafError`. */
export function validateLeaf(leaf: Leaf, field = "leaf"): Leaf {
  return checkLeaf(leaf, field);
}

/** A 160-byte scratch buffer for the ABI encoding, reused across leaves. */
class Encoder {
  readonly bytes = new Uint8Array(ENCODED_LENGTH);
  private readonly view = new DataView(this.bytes.buffer);

  /** Writes a validated leaf's `abi.encode(...)` into `bytes`. */
  encode(leaf: Leaf): Uint8Array {
    const { bytes, view } = this;
    bytes.fill(0);
    bytes[31] = LEAF_KIND[leaf.kind];
    if (leaf.kind === "uptime") {
      for (let k = 0; k < 4; k++) view.setBigUint64(32 + 8 * k, (leaf.leaseId >> BigInt(192 - 64 * k)) & MASK64);
    } else {
      const hex = leaf.provider;
      for (let k = 0; k < 20; k++) bytes[44 + k] = Number.parseInt(hex.slice(2 + 2 * k, 4 + 2 * k), 16);
    }
    view.setUint32(88, Math.floor(leaf.epoch / TWO32));
    view.setUint32(92, leaf.epoch >>> 0);
    view.setUint32(124, leaf.kind === "uptime" ? leaf.secondsUp : leaf.heartbeatsAnswered);
    view.setUint32(156, leaf.kind === "uptime" ? leaf.secondsObserved : leaf.heartbeatsSent);
    return bytes;
  }

  /** The double keccak256 leaf hash of a validated leaf. */
  hash(leaf: Leaf): Uint8Array {
    return keccak256Bytes(keccak256Bytes(this.encode(leaf)));
  }
}

/** The leaf's ABI encoding as bytes (160 bytes; see the module comment). Throws `LeafError` on an invalid leaf. */
export function encodeLeafBytes(leaf: Leaf): Uint8Array {
  return new Encoder().encode(validateLeaf(leaf));
}

/** The leaf's ABI encoding as hex, equal to Solidity's `abi.encode(kind, ...)`. */
export function encodeLeaf(leaf: Leaf): Hex {
  return bytesToHex(encodeLeafBytes(leaf));
}

/** The leaf hash `keccak256(bytes.concat(keccak256(encodeLeaf(leaf))))` that the tree and `OracleHub` use. */
export function leafHash(leaf: Leaf): Hex {
  return bytesToHex(new Encoder().hash(validateLeaf(leaf)));
}

/** Compares the 32-byte words at `a[i..]` and `b[j..]`. */
function compare32(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  for (let k = 0; k < 32; k++) {
    const d = a[i + k] - b[j + k];
    if (d !== 0) return d;
  }
  return 0;
}

/** `Hashes.commutativeKeccak256(a[i..], b[j..])`, written into `out[o..]`. */
function hashPair(a: Uint8Array, i: number, b: Uint8Array, j: number, scratch: Uint8Array, out: Uint8Array, o: number): void {
  const first = compare32(a, i, b, j) <= 0 ? 0 : 32;
  for (let k = 0; k < 32; k++) {
    scratch[first + k] = a[i + k];
    scratch[32 - first + k] = b[j + k];
  }
  out.set(keccak256Bytes(scratch), o);
}

function toBytes32(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string" || !BYTES32.test(value)) throw new LeafError("MALFORMED", field, `must be a 32-byte hex string, got ${String(value)}`);
  const bytes = new Uint8Array(32);
  for (let k = 0; k < 32; k++) bytes[k] = Number.parseInt(value.slice(2 + 2 * k, 4 + 2 * k), 16);
  return bytes;
}

/** A Merkle tree over an epoch's leaves, in the layout `OracleHub` verifies. */
export interface LeafTree {
  /** The Merkle root (bytes32). */
  readonly root: Hex;
  readonly leafCount: number;
  /** The longest proof, in siblings (0 for one leaf). */
  readonly depth: number;
  /** The validated leaves in tree order (ascending leaf hash), providers in lowercase. */
  readonly leaves: readonly Leaf[];
  /** The leaf hash at a tree index. */
  leafHash(index: number): Hex;
  /** The proof (siblings bottom-up) for a tree index or a leaf; throws `LeafError` `NOT_IN_TREE` if absent. */
  proof(target: number | Leaf): Hex[];
}

/**
 * The tree's layers, each one contiguous buffer of 32-byte nodes (leaf hashes first, the root last), so building
 * never goes through hex.
 */
class LayeredTree implements LeafTree {
  readonly root: Hex;
  readonly leafCount: number;
  readonly depth: number;

  constructor(
    readonly leaves: readonly Leaf[],
    private readonly layers: readonly Uint8Array[],
  ) {
    this.root = bytesToHex(layers[layers.length - 1]);
    this.leafCount = leaves.length;
    this.depth = layers.length - 1;
  }

  leafHash(index: number): Hex {
    const at = 32 * this.checkIndex(index);
    return bytesToHex(this.layers[0].subarray(at, at + 32));
  }

  proof(target: number | Leaf): Hex[] {
    let index = typeof target === "number" ? this.checkIndex(target) : this.indexOf(target);
    const proof: Hex[] = [];
    for (const layer of this.layers.slice(0, -1)) {
      const sibling = index ^ 1;
      if (32 * sibling < layer.length) proof.push(bytesToHex(layer.subarray(32 * sibling, 32 * sibling + 32)));
      index >>>= 1;
    }
    return proof;
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.leafCount) {
      throw new LeafError("NOT_IN_TREE", "index", `${index} is outside [0, ${this.leafCount})`);
    }
    return index;
  }

  /** Binary search of the sorted leaf hashes. */
  private indexOf(leaf: Leaf): number {
    const hash = new Encoder().hash(validateLeaf(leaf));
    const hashes = this.layers[0];
    let lo = 0;
    let hi = this.leafCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = compare32(hashes, 32 * mid, hash, 0);
      if (d === 0) return mid;
      if (d < 0) lo = mid + 1;
      else hi = mid;
    }
    throw new LeafError("NOT_IN_TREE", "leaf", `no leaf with hash ${bytesToHex(hash)} in this tree`);
  }
}

/** The subject a leaf speaks about; one tree holds at most one leaf per subject. */
function subjectOf(leaf: Leaf): string {
  return leaf.kind === "uptime" ? `uptime lease ${leaf.leaseId} epoch ${leaf.epoch}` : `heartbeat provider ${leaf.provider} epoch ${leaf.epoch}`;
}

/**
 * The indexes of the `n` 32-byte words in `hashes`, in ascending order of the words. A native sort of 64-bit keys
 * (the words' leading bits above the index's bits) does the work; runs of equal leading bits, rare among hashes, are
 * then ordered by the whole word.
 */
function sortedOrder(hashes: Uint8Array, n: number): Uint32Array {
  const indexBits = Math.max(1, Math.ceil(Math.log2(n)));
  const shift = BigInt(indexBits);
  const view = new DataView(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((view.getBigUint64(32 * i) >> shift) << shift) | BigInt(i);
  keys.sort();
  const mask = (1n << shift) - 1n;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = Number(keys[i] & mask);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && keys[end] >> shift === keys[start] >> shift) end++;
    if (end - start > 1) order.subarray(start, end).sort((a, b) => compare32(hashes, 32 * a, hashes, 32 * b));
    start = end;
  }
  return order;
}

/** Builds the tree and reports, for each tree position, the input index its leaf came from. */
function build(input: readonly Leaf[]): { tree: LeafTree; order: Uint32Array } {
  const n = input.length;
  if (n === 0) throw new LeafError("EMPTY_TREE", "leaves", "an epoch report needs at least one leaf");
  const encoder = new Encoder();
  const valid = new Array<Leaf>(n);
  const hashes = new Uint8Array(32 * n);
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const leaf = checkLeaf(input[i], i);
    const subject = subjectOf(leaf);
    const first = seen.get(subject);
    if (first !== undefined) {
      throw serializeLeaf(valid[first]) === serializeLeaf(leaf)
        ? new LeafError("DUPLICATE_LEAF", `leaves[${i}]`, `duplicates leaves[${first}]`)
        : new LeafError("CONFLICTING_LEAF", `leaves[${i}]`, `a second leaf for ${subject} (the first is leaves[${first}])`);
    }
    seen.set(subject, i);
    valid[i] = leaf;
    hashes.set(encoder.hash(leaf), 32 * i);
  }

  const order = sortedOrder(hashes, n);
  const sorted = new Uint8Array(32 * n);
  const leaves = new Array<Leaf>(n);
  for (let i = 0; i < n; i++) {
    sorted.set(hashes.subarray(32 * order[i], 32 * order[i] + 32), 32 * i);
    leaves[i] = valid[order[i]];
  }

  const layers = [sorted];
  const scratch = new Uint8Array(64);
  for (let layer = sorted, width = n; width > 1; ) {
    const next = new Uint8Array(32 * Math.ceil(width / 2));
    for (let i = 0; i + 1 < width; i += 2) hashPair(layer, 32 * i, layer, 32 * i + 32, scratch, next, 16 * i);
    if (width % 2 === 1) next.set(layer.subarray(32 * (width - 1)), 32 * (width >>> 1));
    layers.push(next);
    layer = next;
    width = next.length / 32;
  }
  return { tree: new LayeredTree(Object.freeze(leaves), layers), order };
}

/**
 * Builds the Merkle tree of an epoch's leaves; the result does not depend on the input order.
 * Throws `LeafError`: `EMPTY_TREE`, an invalid leaf's code, `DUPLICATE_LEAF` for a repeated leaf, `CONFLICTING_LEAF`
 * for two leaves about the same lease (or provider) and epoch.
 */
export function buildTree(leaves: readonly Leaf[]): LeafTree {
  return build(leaves).tree;
}

/**
 * Whether `proof` proves `leaf` under `root`, exactly as OpenZeppelin `MerkleProof.verify` with the double-hashed
 * leaf. Throws `LeafError` `MALFORMED` if the root or a proof element is not bytes32, or on an invalid leaf.
 */
export function verifyProof(root: Hex, leaf: Leaf, proof: readonly Hex[]): boolean {
  const expected = toBytes32(root, "root");
  let node = new Encoder().hash(validateLeaf(leaf));
  const scratch = new Uint8Array(64);
  const next = new Uint8Array(32);
  proof.forEach((element, i) => {
    hashPair(node, 0, toBytes32(element, `proof[${i}]`), 0, scratch, next, 0);
    node = next;
  });
  return compare32(node, 0, expected, 0) === 0;
}

/** A published leaf file: which `OracleHub` and epoch it reports, and the tree of its leaves. */
export interface LeafFile {
  /** The chain `OracleHub` lives on (a positive safe integer). */
  readonly chainId: number;
  /** The `OracleHub` address; the file carries it in lowercase. */
  readonly oracleHub: Address;
  readonly epoch: number;
  /** Every leaf must belong to `epoch`. */
  readonly tree: LeafTree;
}

function checkChainId(value: unknown): number {
  const chainId = checkInteger(value, Number.MAX_SAFE_INTEGER, "file", "chainId", "a safe-integer chain id");
  if (chainId === 0) throw new LeafError("OUT_OF_RANGE", "file.chainId", "must be positive");
  return chainId;
}

function serializeLeaf(leaf: Leaf): string {
  return leaf.kind === "uptime"
    ? `{"kind":"uptime","leaseId":"${leaf.leaseId}","epoch":${leaf.epoch},"secondsUp":${leaf.secondsUp},"secondsObserved":${leaf.secondsObserved}}`
    : `{"kind":"heartbeat","provider":"${leaf.provider}","epoch":${leaf.epoch},"heartbeatsAnswered":${leaf.heartbeatsAnswered},"heartbeatsSent":${leaf.heartbeatsSent}}`;
}

/**
 * The canonical leaf file: `{"version":1,"chainId":..,"oracleHub":"0x..","epoch":..,"leaves":[..]}` with leaves in
 * tree order, fixed key order, lowercase addresses, lease ids as decimal strings and no whitespace.
 * Throws `LeafError` on a bad chain id or address, and `EPOCH_MISMATCH` for a leaf of another epoch.
 */
export function serializeLeafFile(file: LeafFile): string {
  const chainId = checkChainId(file.chainId);
  const oracleHub = checkAddress(file.oracleHub, "file.oracleHub");
  const epoch = checkEpoch(file.epoch, "file");
  const leaves = file.tree.leaves.map((leaf, i) => {
    if (leaf.epoch !== epoch) throw new LeafError("EPOCH_MISMATCH", `leaves[${i}].epoch`, `${leaf.epoch} differs from the file's epoch ${epoch}`);
    return serializeLeaf(leaf);
  });
  return `{"version":${LEAF_FILE_VERSION},"chainId":${chainId},"oracleHub":"${oracleHub}","epoch":${epoch},"leaves":[${leaves.join(",")}]}`;
}

/** `keccak256` of the file's UTF-8 bytes, as the epoch report carries it. */
export function contentHash(json: string): Hex {
  return bytesToHex(keccak256Bytes(new TextEncoder().encode(json)));
}

const FILE_KEYS = ["version", "chainId", "oracleHub", "epoch", "leaves"];
const LEAF_KEYS = {
  uptime: ["kind", "leaseId", "epoch", "secondsUp", "secondsObserved"],
  heartbeat: ["kind", "provider", "epoch", "heartbeatsAnswered", "heartbeatsSent"],
} as const;

function checkKeys(value: Record<string, unknown>, expected: readonly string[], field: string): void {
  const keys = Object.keys(value);
  const missing = expected.find((key) => !keys.includes(key));
  if (missing !== undefined) throw new LeafError("MALFORMED", field, `missing key "${missing}"`);
  const extra = keys.find((key) => !expected.includes(key));
  if (extra !== undefined) throw new LeafError("MALFORMED", field, `unexpected key "${extra}"`);
  if (keys.some((key, i) => key !== expected[i])) throw new LeafError("NON_CANONICAL", field, `keys must be in the order ${expected.join(", ")}`);
}

function parseLeaf(value: unknown, i: number, epoch: number): Leaf {
  const field = `leaves[${i}]`;
  if (!isRecord(value)) throw new LeafError("MALFORMED", field, "must be a leaf object");
  const { kind } = value;
  if (kind !== "uptime" && kind !== "heartbeat") {
    throw new LeafError("WRONG_KIND", `${field}.kind`, `must be "uptime" or "heartbeat", got ${JSON.stringify(kind) ?? "undefined"}`);
  }
  checkKeys(value, LEAF_KEYS[kind], field);
  let leaf: unknown;
  if (kind === "uptime") {
    const { leaseId } = value;
    if (typeof leaseId !== "string" || !/^[0-9]+$/.test(leaseId)) {
      throw new LeafError("MALFORMED", `${field}.leaseId`, `must be a decimal string, got ${JSON.stringify(leaseId)}`);
    }
    if (leaseId.length > 1 && leaseId.startsWith("0")) throw new LeafError("NON_CANONICAL", `${field}.leaseId`, `leading zero in "${leaseId}"`);
    leaf = { ...value, leaseId: BigInt(leaseId) };
  } else {
    const { provider } = value;
    if (typeof provider === "string" && ADDRESS.test(provider) && !LOWER_ADDRESS.test(provider)) {
      throw new LeafError("NON_CANONICAL", `${field}.provider`, `must be lowercase, got ${provider}`);
    }
    leaf = value;
  }
  const parsed = checkLeaf(leaf, i);
  if (parsed.epoch !== epoch) throw new LeafError("EPOCH_MISMATCH", `${field}.epoch`, `${parsed.epoch} differs from the file's epoch ${epoch}`);
  return parsed;
}

/**
 * Parses and fully validates a leaf file, rebuilding its tree. Throws `LeafError`: `MALFORMED` (not JSON, a missing
 * or unexpected key, a wrong type), `UNSUPPORTED_VERSION`, `WRONG_KIND`, `OUT_OF_RANGE`, `BAD_ADDRESS`,
 * `UP_EXCEEDS_OBSERVED`, `EPOCH_MISMATCH`, `EMPTY_TREE`, `DUPLICATE_LEAF`, `CONFLICTING_LEAF`, and `NON_CANONICAL`
 * for anything `serializeLeafFile` would write differently (key order, case, leaf order, whitespace, number form).
 */
export function parseLeafFile(json: string): LeafFile {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new LeafError("MALFORMED", "file", `not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new LeafError("MALFORMED", "file", "must be a JSON object");
  checkKeys(value, FILE_KEYS, "file");
  if (value.version !== LEAF_FILE_VERSION) {
    throw new LeafError("UNSUPPORTED_VERSION", "file.version", `expected ${LEAF_FILE_VERSION}, got ${JSON.stringify(value.version)}`);
  }
  const chainId = checkChainId(value.chainId);
  const { oracleHub } = value;
  if (typeof oracleHub === "string" && ADDRESS.test(oracleHub) && !LOWER_ADDRESS.test(oracleHub)) {
    throw new LeafError("NON_CANONICAL", "file.oracleHub", `must be lowercase, got ${oracleHub}`);
  }
  const hub = checkAddress(oracleHub, "file.oracleHub");
  const epoch = checkEpoch(value.epoch, "file");
  if (!Array.isArray(value.leaves)) throw new LeafError("MALFORMED", "file.leaves", "must be an array");
  const { tree, order } = build(value.leaves.map((leaf: unknown, i) => parseLeaf(leaf, i, epoch)));
  const misplaced = order.findIndex((from, i) => from !== i);
  if (misplaced !== -1) {
    throw new LeafError("NON_CANONICAL", `leaves[${order[misplaced]}]`, `belongs at position ${misplaced}: leaves must be in ascending leaf-hash order`);
  }
  const file: LeafFile = { chainId, oracleHub: hub, epoch, tree };
  if (serializeLeafFile(file) !== json) {
    throw new LeafError("NON_CANONICAL", "file", "not in canonical form (no whitespace, plain decimal integers)");
  }
  return file;
}
