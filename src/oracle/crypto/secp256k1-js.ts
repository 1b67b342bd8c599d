/**
 * The pure-JavaScript secp256k1 public-key recovery, for where the native addon cannot load: @noble/curves, the
 * audited implementation viem itself uses (constant-shape code, no hand-written curve arithmetic here).
 */
import { secp256k1 } from "@noble/curves/secp256k1";

/** The order of the secp256k1 group. */
export const N = secp256k1.CURVE.n;

/**
 * The public key that signed `digest` with (r, s) and recovery bit `recovery` (the parity of R's y), as 64 bytes
 * x ‖ y, or null when none does (r is not the x-coordinate of a curve point, or the key is the point at infinity).
 * Expects 1 <= r, s < n; `digest` is 32 bytes, reduced modulo n as libsecp256k1 and viem do.
 */
export function recoverPublicKeyJs(digest: Uint8Array, r: bigint, s: bigint, recovery: 0 | 1): Uint8Array | null {
  try {
    const point = new secp256k1.Signature(r, s).addRecoveryBit(recovery).recoverPublicKey(digest);
    return point.toRawBytes(false).subarray(1);
  } catch {
    return null;
  }
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
