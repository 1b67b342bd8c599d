/**
 * The matrix-product challenge, specified: matrices from the seed, the exact product, the row commitment (a Merkle
 * tree over C's rows), Freivalds' check of the revealed products and the check of an opened row.
 *
 * Arithmetic is exact everywhere; the bounds below hold for n <= MAX_N = 2^16 and are why MAX_N is that:
 * - C = A·B: |C_ij| <= n * 128 * 128 = n * 2^14 <= 2^30, so int32 accumulation never wraps (n = 2^17 could reach
 *   2^31, one past int32).
 * - r has entries in [0, 2^16); y = C·r: |y_i| <= n * 2^30 * (2^16 - 1) < 2^62, so y is an int64 (`BigInt64Array`).
 * - B·r: |(B·r)_k| <= n * 128 * (2^16 - 1) < 2^39, exact in a float64 (every partial sum is an integer below 2^53).
 *
 * Row commitment (SHA3-256, FIPS 202, through `node:crypto`):
 * ```
 * leaf_i = SHA3-256(0x00 || u32le(i) || C_i as n int32 little-endian)
 * node   = SHA3-256(0x01 || left || right)
 * ```
 * Index-ordered tree: level 0 is the n leaves in row order; each level pairs (0,1), (2,3), ...; an odd last node moves
 * up unchanged; the root is the single node of the top level (for n = 1, leaf 0). The prefixes 0x00/0x01 keep leaves
 * and nodes apart, and the index in the leaf binds a row to its position. SHA3 rather than keccak256 because Python's
 * hashlib has it (the PyTorch worker) and the root never goes on chain.
 *
 * Soundness, in short: the commitment fixes C before r and the opened rows are known. Freivalds' check (computed
 * exactly, O(n^2)) makes y the true A·B·r; an opened row must then hash to its committed leaf and satisfy
 * row·r_j = y_j[i] for every round j, which a wrong row passes with probability at most 2^-16 per round (for a
 * nonzero difference d, d·r = 0 fixes r at d's last nonzero column to one value of 2^16); finally the opened row is
 * recomputed exactly as A_i·B. A prover that committed correct rows for a fraction f of C passes s distinct openings
 * with probability at most about f^s.
 *
 * @example
 * ```ts
 * const pair = deriveMatrices(seed, 64);
 * const c = multiply(pair);
 * const tree = buildMerkleTree(rowLeaves(c, 64));
 * const y = productVector(c, 64, r);
 * freivaldsCheck(pair, r, y); // true
 * ```
 */
import { createHash } from "node:crypto";
import { endianness } from "node:os";
import { ChallengeError } from "./errors.js";
import { assertSeed, deriveMatrix, u32le } from "./prng.js";

/** Largest matrix dimension the exact arithmetic supports (see the module comment). */
export const MAX_N = 2 ** 16;

/** The challenge matrices A and B, n x n int8, row-major. */
export interface MatrixPair {
  readonly n: number;
  readonly a: Int8Array;
  readonly b: Int8Array;
}

/** An index-ordered Merkle tree over C's rows: `levels[0]` are the leaves, the last level holds the root. */
export interface MerkleTree {
  /** Number of leaves (n). */
  readonly count: number;
  readonly levels: readonly (readonly Uint8Array[])[];
}

/** An opened row of C with its Merkle proof (siblings from the leaf level up, skipping levels where none exists). */
export interface Opening {
  readonly index: number;
  readonly row: Int32Array;
  readonly proof: readonly Uint8Array[];
}

/** Why an opened row was rejected. */
export type OpeningFailure = "merkle-proof" | "row-inconsistent" | "row-product";

/** Throws `invalid-parameter` unless `n` is an integer in [1, MAX_N]. */
export function assertDimension(n: number, field = "n"): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_N) {
    throw new ChallengeError("invalid-parameter", `the matrix dimension is an integer in [1, ${MAX_N}], got ${n}`, { field });
  }
}

/** A and B for `seed` (see prng.ts for the derivation). */
export function deriveMatrices(seed: Uint8Array, n: number): MatrixPair {
  assertSeed(seed);
  assertDimension(n);
  return { n, a: deriveMatrix(seed, "A", n), b: deriveMatrix(seed, "B", n) };
}

/** C = A·B with exact int32 accumulation, row-major (CPU reference, O(n^3)). */
export function multiply(pair: MatrixPair): Int32Array {
  const { n, a, b } = pair;
  const c = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      const bk = k * n;
      // Each partial sum is bounded by n * 2^14 <= 2^30 (module comment): no int32 wrap.
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

/** Row i of A·B, exactly (O(n^2)): what the verifier recomputes for an opened row. */
export function multiplyRow(pair: MatrixPair, i: number): Int32Array {
  const { n, a, b } = pair;
  const row = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const aik = a[i * n + k];
    if (aik === 0) continue;
    for (let j = 0; j < n; j++) row[j] += aik * b[k * n + j];
  }
  return row;
}

/** The leaf of row `index`: SHA3-256(0x00 || u32le(index) || row as int32 little-endian). */
export function leafHash(index: number, row: Int32Array): Uint8Array {
  return digest(createHash("sha3-256").update(LEAF_PREFIX).update(u32le(index)).update(int32LittleEndian(row)));
}

/** An inner node: SHA3-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return digest(createHash("sha3-256").update(NODE_PREFIX).update(left).update(right));
}

/** The leaves of every row of the n x n matrix `c`. */
export function rowLeaves(c: Int32Array, n: number): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < n; i++) leaves.push(leafHash(i, c.subarray(i * n, (i + 1) * n)));
  return leaves;
}

/** Sizes of the levels of a tree over `count` leaves, leaves first. */
export function merkleLevelSizes(count: number): number[] {
  const sizes = [count];
  while (sizes[sizes.length - 1] > 1) sizes.push(Math.ceil(sizes[sizes.length - 1] / 2));
  return sizes;
}

/** The tree over `leaves`. */
export function buildMerkleTree(leaves: readonly Uint8Array[]): MerkleTree {
  if (leaves.length === 0) throw new ChallengeError("invalid-parameter", "a Merkle tree needs at least one leaf", { field: "leaves" });
  const levels: Uint8Array[][] = [[...leaves]];
  for (let level = levels[0]; level.length > 1;) {
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) next.push(nodeHash(level[j], level[j + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    levels.push(next);
    level = next;
  }
  return { count: leaves.length, levels };
}

/**
 * The tree whose nodes a native worker wrote as one buffer: every level, leaves first, 32 bytes a node
 * (`merkleLevelSizes(count)` nodes in all). The nodes are views into `nodes`, not copies.
 */
export function merkleTreeFromNodes(count: number, nodes: Uint8Array): MerkleTree {
  const sizes = merkleLevelSizes(count);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (nodes.length !== total * 32) {
    throw new ChallengeError("executor-failed", `a tree over ${count} leaves has ${total * 32} bytes of nodes, got ${nodes.length}`, {
      field: "nodes",
    });
  }
  let offset = 0;
  const levels = sizes.map((size) => {
    const level: Uint8Array[] = [];
    for (let j = 0; j < size; j++, offset += 32) level.push(nodes.subarray(offset, offset + 32));
    return level;
  });
  return { count, levels };
}

/** The root of `tree`. */
export function merkleRoot(tree: MerkleTree): Uint8Array {
  return tree.levels[tree.levels.length - 1][0];
}

/** The proof of leaf `index`: its sibling at every level that has one, leaf level first. */
export function merkleProof(tree: MerkleTree, index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= tree.count) {
    throw new ChallengeError("invalid-parameter", `leaf index ${index} is outside [0, ${tree.count})`, { field: "index" });
  }
  const proof: Uint8Array[] = [];
  let i = index;
  for (const level of tree.levels.slice(0, -1)) {
    const sibling = i ^ 1;
    if (sibling < level.length) proof.push(level[sibling]);
    i >>= 1;
  }
  return proof;
}

/** Whether `proof` shows `leaf` at `index` in a tree over `count` leaves with root `root`. */
export function verifyMerkleProof(root: Uint8Array, leaf: Uint8Array, index: number, count: number, proof: readonly Uint8Array[]): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= count) return false;
  let hash = leaf;
  let used = 0;
  for (let i = index, size = count; size > 1; i >>= 1, size = Math.ceil(size / 2)) {
    if ((i ^ 1) >= size) continue; // an odd last node moves up unchanged
    const sibling = proof[used++];
    if (sibling === undefined || sibling.length !== 32) return false;
    hash = i % 2 === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash);
  }
  return used === proof.length && bytesEqual(hash, root);
}

/** row·r exactly, for a row of C (|entries| <= 2^30) and r in [0, 2^16)^n: the prover's y_i. */
export function rowDot(row: Int32Array, r: Uint16Array): bigint {
  // Split each entry c = hi * 2^16 + lo with lo in [0, 2^16) and |hi| <= 2^14. With n <= 2^16:
  // sum(lo * r) < 2^16 * 2^16 * 2^16 = 2^48 and |sum(hi * r)| <= 2^16 * 2^14 * 2^16 = 2^46, both exact in a float64.
  let hi = 0;
  let lo = 0;
  for (let j = 0; j < row.length; j++) {
    const c = row[j];
    const rj = r[j];
    hi += (c >> 16) * rj;
    lo += (c & 0xffff) * rj;
  }
  return (BigInt(hi) << 16n) + BigInt(lo);
}

/** y = C·r for the n x n matrix `c`, exactly (CPU reference of what a prover returns per round). */
export function productVector(c: Int32Array, n: number, r: Uint16Array): BigInt64Array {
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) y[i] = rowDot(c.subarray(i * n, (i + 1) * n), r);
  return y;
}

/**
 * Freivalds' check of one round: whether A·(B·r) equals `y`, computed exactly in O(n^2). For y != A·B·r it returns
 * false unless r falls in a set of probability at most 2^-16 (module comment).
 */
export function freivaldsCheck(pair: MatrixPair, r: Uint16Array, y: BigInt64Array): boolean {
  const { n, a, b } = pair;
  if (r.length !== n || y.length !== n) return false;
  // B·r: |entries| < 2^39, exact. Then split each x = hi * 2^24 + lo, lo in [0, 2^24), |hi| <= 2^15, so that
  // |sum(A_ik * lo_k)| <= 2^16 * 2^7 * 2^24 = 2^47 and |sum(A_ik * hi_k)| <= 2^16 * 2^7 * 2^15 = 2^38 stay exact.
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let x = 0;
    for (let j = 0; j < n; j++) x += b[k * n + j] * r[j];
    hi[k] = Math.floor(x / 2 ** 24);
    lo[k] = x - hi[k] * 2 ** 24;
  }
  for (let i = 0; i < n; i++) {
    let sumHi = 0;
    let sumLo = 0;
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      sumHi += aik * hi[k];
      sumLo += aik * lo[k];
    }
    if ((BigInt(sumHi) << 24n) + BigInt(sumLo) !== y[i]) return false;
  }
  return true;
}

/** Parameters of `checkOpenedRow`. */
export interface CheckOpenedRowParameters {
  /** A and B of the challenge. */
  readonly pair: MatrixPair;
  /** The committed root. */
  readonly root: Uint8Array;
  readonly opening: Opening;
  /** The revealed vectors r_1..r_k. */
  readonly vectors: readonly Uint16Array[];
  /** The prover's y_1..y_k, already accepted by `freivaldsCheck`. */
  readonly products: readonly BigInt64Array[];
}

/**
 * Checks an opened row: it hashes to a leaf under the committed root, it agrees with every y (row·r_j = y_j[i]),
 * and it equals A_i·B. Returns the first failure, or null when the row is good.
 */
export function checkOpenedRow({ pair, root, opening, vectors, products }: CheckOpenedRowParameters): OpeningFailure | null {
  const { index, row, proof } = opening;
  if (row.length !== pair.n || !verifyMerkleProof(root, leafHash(index, row), index, pair.n, proof)) return "merkle-proof";
  for (let j = 0; j < vectors.length; j++) {
    if (rowDot(row, vectors[j]) !== products[j][index]) return "row-inconsistent";
  }
  const expected = multiplyRow(pair, index);
  for (let j = 0; j < pair.n; j++) if (row[j] !== expected[j]) return "row-product";
  return null;
}

function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);
const LITTLE_ENDIAN = endianness() === "LE";

function digest(hash: ReturnType<typeof createHash>): Uint8Array {
  const out = hash.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function int32LittleEndian(row: Int32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  const out = new Uint8Array(row.byteLength);
  const view = new DataView(out.buffer);
  for (let j = 0; j < row.length; j++) view.setInt32(4 * j, row[j], true);
  return out;
}
