/**
 * The matrix-product workloads, specified: the result hash of one product, the item seeds and the Merkle root of a
 * batch, the result document of a batch, and which items an oracle node samples.
 *
 * ```
 * matmul-int8:        A, B = deriveMatrices(seed, n)   (challenge/prng.ts: SHAKE128 rows, int8)
 *                     resultHash = keccak256(C as n*n int32 little-endian, row-major), C = A x B exactly
 * matmul-int8-batch:  seed_i     = keccak256(seed || uint256be(i))        (abi.encodePacked(bytes32, uint256))
 *                     itemHash_i = resultHash of matmul-int8 with (seed_i, n)
 *                     leaf_i     = keccak256(uint256be(i) || itemHash_i)   (abi.encode(uint256, bytes32))
 *                     node       = keccak256(min(a, b) || max(a, b))       (OpenZeppelin Hashes.commutativeKeccak256)
 *                     levels pair (0,1), (2,3), ... in index order; an odd last node moves up unchanged;
 *                     resultHash = the root (one item: leaf_0)
 *                     result document = {"items":["0x<itemHash_0>", ...]} in index order
 * sample j of s:      x_j = uint256(keccak256(abi.encode(uint256 leaseId, bytes32 resultHash, uint256 j))) mod items,
 *                     j = 0, 1, ... skipping repeats until min(s, items) distinct indices
 * ```
 * The leaf carries its index, so a provider cannot reorder items under the same root; the pair hash is the one
 * OpenZeppelin's MerkleProof uses, so a contract could check one item's proof. The sample depends on the submitted
 * result, so a provider cannot know which items are checked before it commits to all of them; every honest node
 * samples the same items and so signs the same verdict.
 *
 * @example
 * ```ts
 * const hash = matmulResultHash(seed, 64);
 * const root = batchRoot([hash0, hash1, hash2]);
 * sampleIndices(7n, root, 3, 8); // [2, 0, 1] in the order drawn
 * ```
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { endianness } from "node:os";
import { type Hex, bytesToHex, concatHex, encodeAbiParameters, hexToBytes, keccak256, numberToHex } from "viem";
import { deriveMatrices, multiply } from "../challenge/matmul.js";
import { WorkloadError } from "./errors.js";
import { MAX_SPEC_ITEMS } from "./spec.js";

const LITTLE_ENDIAN = endianness() === "LE";
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** C = A x B for (seed, n), exactly (CPU reference). */
export function matmulProduct(seed: Hex, n: number): Int32Array {
  return multiply(deriveMatrices(hexToBytes(seed), n));
}

/** keccak256 of C as int32 little-endian bytes. */
export function productHash(c: Int32Array): Hex {
  let bytes: Uint8Array;
  if (LITTLE_ENDIAN) bytes = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  else {
    bytes = new Uint8Array(c.byteLength);
    const view = new DataView(bytes.buffer);
    for (let j = 0; j < c.length; j++) view.setInt32(4 * j, c[j], true);
  }
  return bytesToHex(keccak_256(bytes));
}

/** The result hash of a `matmul-int8` job. */
export function matmulResultHash(seed: Hex, n: number): Hex {
  return productHash(matmulProduct(seed, n));
}

/** The seed of batch item i: keccak256(seed || uint256be(i)). */
export function itemSeed(seed: Hex, index: number): Hex {
  return keccak256(concatHex([seed, numberToHex(index, { size: 32 })]));
}

/** The leaf of batch item i: keccak256(uint256be(i) || itemHash). */
export function batchLeaf(index: number, itemHash: Hex): Uint8Array {
  return keccak_256(hexToBytes(concatHex([numberToHex(index, { size: 32 }), itemHash])));
}

function commutative(a: Uint8Array, b: Uint8Array): Uint8Array {
  let aFirst = true;
  for (let k = 0; k < 32; k++) {
    if (a[k] !== b[k]) {
      aFirst = a[k] < b[k];
      break;
    }
  }
  const joined = new Uint8Array(64);
  joined.set(aFirst ? a : b, 0);
  joined.set(aFirst ? b : a, 32);
  return keccak_256(joined);
}

/** The Merkle root over the item hashes in index order (module comment). */
export function batchRoot(itemHashes: readonly Hex[]): Hex {
  if (itemHashes.length === 0) throw new WorkloadError("malformed", "items", "a batch has at least one item");
  let level = itemHashes.map((hash, i) => batchLeaf(i, hash));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) next.push(commutative(level[j], level[j + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return bytesToHex(level[0]);
}

/** The indices an oracle node recomputes, in the order drawn (module comment). */
export function sampleIndices(leaseId: bigint, resultHash: Hex, items: number, sampleSize: number): number[] {
  const want = Math.min(sampleSize, items);
  const picked: number[] = [];
  const seen = new Set<number>();
  for (let j = 0n; picked.length < want; j++) {
    const draw = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }, { type: "uint256" }], [leaseId, resultHash, j]));
    const index = Number(BigInt(draw) % BigInt(items));
    if (seen.has(index)) continue;
    seen.add(index);
    picked.push(index);
  }
  return picked;
}

/** The result document of a batch job: `{"items":[...]}`. */
export function serializeResultDocument(itemHashes: readonly Hex[]): string {
  return JSON.stringify({ items: itemHashes });
}

/**
 * Parses a batch result document. Throws `WorkloadError` naming the field: not JSON, no `items` array, more than
 * MAX_SPEC_ITEMS entries, an entry that is not 32 bytes of hex.
 */
export function parseResultDocument(bytes: Uint8Array): Hex[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new WorkloadError("malformed", "(result)", "is not UTF-8 JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WorkloadError("malformed", "(result)", "must be a JSON object");
  const items = (value as { items?: unknown }).items;
  if (!Array.isArray(items)) throw new WorkloadError("malformed", "items", "must be an array of item hashes");
  if (items.length === 0 || items.length > MAX_SPEC_ITEMS) throw new WorkloadError("malformed", "items", `must hold 1 to ${MAX_SPEC_ITEMS} hashes, got ${items.length}`);
  return items.map((item, i) => {
    if (typeof item !== "string" || !BYTES32.test(item)) throw new WorkloadError("malformed", `items[${i}]`, `must be 32 bytes of hex, got ${JSON.stringify(item)}`);
    return item.toLowerCase() as Hex;
  });
}
