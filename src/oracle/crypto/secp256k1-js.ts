/**
 * Public-key recovery on secp256k1 in plain JavaScript (BigInt), the fallback of `recover.ts` where the native
 * libsecp256k1 cannot load. Slow (a few milliseconds a signature) but dependency-free and synchronous; tests check it
 * against viem's `recoverPublicKey` on random and edge-case signatures.
 *
 * Points are in Jacobian coordinates (X, Y, Z) for x = X/Z², y = Y/Z³; Z = 0 is the point at infinity. The caller
 * (`recover.ts`) has already checked the ranges of r and s and the recovery bit.
 *
 * @example
 * ```ts
 * const key = recoverPublicKeyJs(digest, r, s, 1); // 64 bytes x ‖ y, or null when no key recovers
 * ```
 */

/** The field prime p. */
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** The group order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** A point in Jacobian coordinates. */
type Point = readonly [x: bigint, y: bigint, z: bigint];

const INFINITY: Point = [0n, 1n, 0n];
const G: Point = [GX, GY, 1n];

const mod = (a: bigint, m = P): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

/** `base^exponent mod m` by square-and-multiply. */
function pow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** The inverse modulo a prime `m` (Fermat). */
const invert = (a: bigint, m: bigint): bigint => pow(a, m - 2n, m);

/** 2·A (dbl-2009-l; a = 0 on secp256k1). */
function double([x, y, z]: Point): Point {
  if (z === 0n || y === 0n) return INFINITY;
  const a = (x * x) % P;
  const b = (y * y) % P;
  const c = (b * b) % P;
  const d = mod(2n * (((x + b) * (x + b)) % P - a - c));
  const e = (3n * a) % P;
  const f = (e * e) % P;
  const x3 = mod(f - 2n * d);
  const y3 = mod(e * (d - x3) - 8n * c);
  const z3 = (2n * y * z) % P;
  return [x3, y3, z3];
}

/** A + B, the general Jacobian addition (doubling when A = B). */
function add(a: Point, b: Point): Point {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % P;
  const z2z2 = (z2 * z2) % P;
  const u1 = (x1 * z2z2) % P;
  const u2 = (x2 * z1z1) % P;
  const s1 = (((y1 * z2) % P) * z2z2) % P;
  const s2 = (((y2 * z1) % P) * z1z1) % P;
  const h = mod(u2 - u1);
  const r = mod(s2 - s1);
  if (h === 0n) return r === 0n ? double(a) : INFINITY;
  const hh = (h * h) % P;
  const hhh = (h * hh) % P;
  const v = (u1 * hh) % P;
  const x3 = mod(r * r - hhh - 2n * v);
  const y3 = mod(r * (v - x3) - s1 * hhh);
  const z3 = (((z1 * z2) % P) * h) % P;
  return [x3, y3, z3];
}

/** u1·G + u2·Q in one pass over the bits (Shamir's trick). */
function doubleMultiply(u1: bigint, u2: bigint, q: Point): Point {
  const both = add(G, q);
  let acc = INFINITY;
  for (let bit = 255n; bit >= 0n; bit--) {
    acc = double(acc);
    const b1 = (u1 >> bit) & 1n;
    const b2 = (u2 >> bit) & 1n;
    if (b1 === 1n && b2 === 1n) acc = add(acc, both);
    else if (b1 === 1n) acc = add(acc, G);
    else if (b2 === 1n) acc = add(acc, q);
  }
  return acc;
}

/**
 * The public key that signed `digest` with (r, s) and recovery bit `recovery` (the parity of R's y), as 64 bytes
 * x ‖ y, or null when none does (r is not the x-coordinate of a curve point, or the key is the point at infinity).
 * Expects 1 <= r, s < n; `digest` is 32 bytes, reduced modulo n as libsecp256k1 and viem do.
 */
export function recoverPublicKeyJs(digest: Uint8Array, r: bigint, s: bigint, recovery: 0 | 1): Uint8Array | null {
  const alpha = mod(r * r * r + 7n);
  let y = pow(alpha, (P + 1n) / 4n, P);
  if ((y * y) % P !== alpha) return null;
  if (Number(y & 1n) !== recovery) y = P - y;
  const e = bytesToBigInt(digest);
  const rInverse = invert(r, N);
  const u1 = mod(-e * rInverse, N);
  const u2 = mod(s * rInverse, N);
  const [x, yq, z] = doubleMultiply(u1, u2, [r, y, 1n]);
  if (z === 0n) return null;
  const zInverse = invert(z, P);
  const zz = (zInverse * zInverse) % P;
  const out = new Uint8Array(64);
  bigIntInto((x * zz) % P, out, 0);
  bigIntInto((((yq * zz) % P) * zInverse) % P, out, 32);
  return out;
}

/** The big-endian unsigned integer of `bytes` (six bytes at a time: below 2^53, exact in a Number). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i += 6) {
    let word = 0;
    const end = Math.min(i + 6, bytes.length);
    for (let k = i; k < end; k++) word = word * 256 + bytes[k]!;
    value = (value << BigInt(8 * (end - i))) | BigInt(word);
  }
  return value;
}

/** Writes `value` (below 2^256) as 32 big-endian bytes at `out[offset..]`. */
function bigIntInto(value: bigint, out: Uint8Array, offset: number): void {
  for (let i = offset + 31; i >= offset; i--, value >>= 8n) out[i] = Number(value & 0xffn);
}
