/**
 * Seed expansion of the proof-of-GPU challenges, specified byte for byte so that this reference, the CUDA worker
 * (`native/cuda/matmul_int8.cu`) and the PyTorch worker (`native/torch/matmul_int8.py`) derive the same bytes.
 *
 * ```
 * stream(tag, seed, index) = SHAKE128(tag || seed || u32le(index))          FIPS 202 XOF, 53 input bytes
 *   tag   = 17 ASCII bytes: "cinder/pogpu/v1/A", "cinder/pogpu/v1/B" or "cinder/pogpu/v1/M"
 *   seed  = exactly 32 bytes, chosen by the verifier
 *   index = row (matrices) or chunk (memory) number, 0 <= index < 2^32, 4 bytes little-endian
 *
 * matrix X in {A, B}, n x n, row-major: row i = first n bytes of stream("cinder/pogpu/v1/X", seed, i),
 *   each byte b read as a two's-complement int8 (b < 128 ? b : b - 256)
 * memory chunk i: first chunkBytes bytes of stream("cinder/pogpu/v1/M", seed, i)
 * ```
 *
 * Why this shape: every row (and chunk) is its own stream, so a GPU derives all rows in parallel, one thread per row,
 * and a verifier can derive any single row alone; A and B differ only in their tag (domain separation), and the fixed
 * 53-byte input fits one SHAKE128 block (rate 168). SHAKE128 is in OpenSSL (`node:crypto` here), in Python's
 * `hashlib`, and takes ~40 lines of CUDA, so the GPU workers derive A and B on the device from the seed: shipping
 * 2n^2 bytes of matrices to them would cost more than the product itself at the challenge sizes.
 *
 * @example
 * ```ts
 * const a = deriveMatrix(seed, "A", 64); // Int8Array(4096), row-major
 * const row7 = deriveMatrixRow(seed, "A", 7, 64); // equals a.subarray(7 * 64, 8 * 64)
 * ```
 */
import { createHash } from "node:crypto";
import { ChallengeError } from "./errors.js";

/** Length of a challenge seed in bytes. */
export const SEED_BYTES = 32;

/** The domain-separation tags of the streams, 17 ASCII bytes each. */
export const STREAM_TAGS = {
  A: "cinder/pogpu/v1/A",
  B: "cinder/pogpu/v1/B",
  M: "cinder/pogpu/v1/M",
} as const;

/** Which stream: matrix A, matrix B or a memory chunk. */
export type StreamTag = keyof typeof STREAM_TAGS;

const TAG_BYTES: Record<StreamTag, Buffer> = {
  A: Buffer.from(STREAM_TAGS.A, "ascii"),
  B: Buffer.from(STREAM_TAGS.B, "ascii"),
  M: Buffer.from(STREAM_TAGS.M, "ascii"),
};

/** Throws `invalid-parameter` unless `seed` is exactly 32 bytes. */
export function assertSeed(seed: Uint8Array, field = "seed"): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new ChallengeError("invalid-parameter", `a seed is ${SEED_BYTES} bytes, got ${describeLength(seed)}`, { field });
  }
}

/** `value` as 4 little-endian bytes; `value` must be an integer in [0, 2^32). */
export function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/** The first `length` bytes of `stream(tag, seed, index)`. */
export function expandSeed(tag: StreamTag, seed: Uint8Array, index: number, length: number): Uint8Array {
  assertSeed(seed);
  if (!Number.isInteger(index) || index < 0 || index > 0xffff_ffff) {
    throw new ChallengeError("invalid-parameter", `a stream index is an integer in [0, 2^32), got ${index}`, { field: "index" });
  }
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new ChallengeError("invalid-parameter", `a stream length is a positive integer, got ${length}`, { field: "length" });
  }
  const digest = createHash("shake128", { outputLength: length }).update(TAG_BYTES[tag]).update(seed).update(u32le(index)).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

/** Row `row` of the n x n matrix `which` (A or B) derived from `seed`. */
export function deriveMatrixRow(seed: Uint8Array, which: "A" | "B", row: number, n: number): Int8Array {
  const bytes = expandSeed(which, seed, row, n);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The n x n matrix `which` (A or B) derived from `seed`, row-major. */
export function deriveMatrix(seed: Uint8Array, which: "A" | "B", n: number): Int8Array {
  assertSeed(seed);
  if (!Number.isSafeInteger(n) || n < 1 || n * n > 2 ** 32) {
    throw new ChallengeError("invalid-parameter", `a matrix dimension is an integer in [1, 2^16], got ${n}`, { field: "n" });
  }
  const out = new Int8Array(n * n);
  for (let i = 0; i < n; i++) out.set(deriveMatrixRow(seed, which, i, n), i * n);
  return out;
}

function describeLength(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}
