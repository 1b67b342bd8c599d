/**
 * Ethereum signature recovery over bytes (no hex): the address that signed a 32-byte digest with a 65-byte
 * r ‖ s ‖ v signature. Two backends give the same answers:
 * - `native`: libsecp256k1 through the prebuilt addon of the optional dependency `secp256k1`, loaded from
 *   `secp256k1/bindings` directly (the package's main entry silently swaps in a slow pure-JS library when the binary
 *   fails to load), with WebAssembly keccak for the address: tens of microseconds a signature;
 * - `js`: @noble/curves (the library viem uses) and @noble/hashes keccak: milliseconds, but it loads anywhere.
 *
 * The backend is chosen once, at load: `native` where the addon loads, else `js`; `CINDER_CRYPTO=js` in the
 * environment forces `js` (tests, benchmarks). `SIGNATURE_BACKEND` says which and why, for the caller to log (the
 * oracle node logs it at start). `signatureRecovery("js" | "native")` gives either backend explicitly.
 *
 * Refused before any curve arithmetic, with a `SignatureError` naming why: a digest other than 32 bytes or a
 * signature other than 65, v other than 0, 1, 27 or 28, r or s outside [1, n), and s above n/2 (unless
 * `allowHighS`). Anything from which no key recovers is `no-key`. Nothing an attacker sends makes it crash.
 *
 * @example
 * ```ts
 * import { recoverAddress, SIGNATURE_BACKEND } from "./recover.js";
 * console.log(SIGNATURE_BACKEND.name); // "native"
 * const signer = recoverAddress(digest, signature); // Uint8Array(20)
 * ```
 */
import { createRequire } from "node:module";
import { keccak256Js, keccak256Wasm, cryptoPreference } from "../../protocol/keccak.js";
import { SignatureError } from "./errors.js";
import { secp256k1 } from "@noble/curves/secp256k1";

/** Which implementation recovers signatures. */
export type SignatureBackendName = "native" | "js";

/** Options of one recovery. */
export interface RecoverOptions {
  /** Accept s above n/2 (viem does; Ethereum's own signers never produce it). Default false. */
  readonly allowHighS?: boolean;
}

/** A signature-recovery backend. */
export interface SignatureRecovery {
  readonly backend: SignatureBackendName;
  /** The 64-byte public key x ‖ y that signed `digest`. Throws `SignatureError`. */
  recoverPublicKey(digest: Uint8Array, signature: Uint8Array, options?: RecoverOptions): Uint8Array;
  /** The 20-byte address that signed `digest`. Throws `SignatureError`. */
  recoverAddress(digest: Uint8Array, signature: Uint8Array, options?: RecoverOptions): Uint8Array;
}

/** The `ecdsaRecover` of `secp256k1/bindings` (secp256k1-node 5): writes the key into `output`, throws on failure. */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recovery: number, digest: Uint8Array, compressed: boolean, output: Uint8Array): Uint8Array;
}

/** The native addon, or why it did not load (or was not tried). */
function loadNative(): { readonly addon: NativeSecp256k1 } | { readonly addon: null; readonly reason: string } {
  try {
    return { addon: createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1 };
  } catch (error) {
    return { addon: null, reason: (error instanceof Error ? error.message : String(error)).split("\n")[0]! };
  }
}

const native = loadNative();

/** The backend chosen at load and why; `name` is what `recoverAddress` uses. */
export const SIGNATURE_BACKEND: { readonly name: SignatureBackendName; readonly detail: string } =
  cryptoPreference() === "js"
    ? { name: "js", detail: "pure JavaScript, forced by CINDER_CRYPTO=js" }
    : native.addon !== null
      ? { name: "native", detail: "libsecp256k1 (secp256k1/bindings) with WebAssembly keccak" }
      : { name: "js", detail: `pure JavaScript: libsecp256k1 (secp256k1/bindings) did not load: ${native.reason}` };

/** n, n/2 as 32 big-endian bytes, to range-check r and s without BigInt. */
const N = secp256k1.CURVE.n;
const N_BYTES = bigIntBytes(N);
const HALF_N_BYTES = bigIntBytes(N >> 1n);

/** The recovery bit of a checked signature; throws `SignatureError` on any value outside the accepted ranges. */
function check(digest: Uint8Array, signature: Uint8Array, options: RecoverOptions | undefined): 0 | 1 {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new SignatureError("bad-length", `the digest must be 32 bytes, got ${lengthOf(digest)}`);
  if (!(signature instanceof Uint8Array) || signature.length !== 65) {
    throw new SignatureError("bad-length", `the signature must be 65 bytes (r ‖ s ‖ v), got ${lengthOf(signature)}`);
  }
  const v = signature[64]!;
  if (v !== 0 && v !== 1 && v !== 27 && v !== 28) throw new SignatureError("bad-v", `v must be 0, 1, 27 or 28, got ${v}`);
  if (isZero(signature, 0) || compare32(signature, 0, N_BYTES) >= 0) throw new SignatureError("bad-r", "r must be in [1, n)");
  if (isZero(signature, 32) || compare32(signature, 32, N_BYTES) >= 0) throw new SignatureError("bad-s", "s must be in [1, n)");
  if (options?.allowHighS !== true && compare32(signature, 32, HALF_N_BYTES) > 0) {
    throw new SignatureError("high-s", "s is above n/2 (a malleated signature: Ethereum signers produce low s)");
  }
  return (v >= 27 ? v - 27 : v) as 0 | 1;
}

const noKey = () => new SignatureError("no-key", "no public key recovers from the signature");

function nativeRecovery(addon: NativeSecp256k1): SignatureRecovery {
  // One output buffer reused per call: JavaScript is single-threaded, and each worker loads its own copy.
  const key = new Uint8Array(65);
  const publicKey = (digest: Uint8Array, signature: Uint8Array, options?: RecoverOptions): Uint8Array => {
    const recovery = check(digest, signature, options);
    try {
      addon.ecdsaRecover(signature.subarray(0, 64), recovery, digest, false, key);
    } catch {
      throw noKey();
    }
    return key.subarray(1);
  };
  return {
    backend: "native",
    recoverPublicKey: (digest, signature, options) => publicKey(digest, signature, options).slice(),
    recoverAddress: (digest, signature, options) => keccak256Wasm(publicKey(digest, signature, options)).subarray(12),
  };
}

function jsRecovery(): SignatureRecovery {
  const publicKey = (digest: Uint8Array, signature: Uint8Array, options?: RecoverOptions): Uint8Array => {
    const recovery = check(digest, signature, options);
    try {
      // r and s are in range (check); noble refuses an r that is no point's x, or a key at infinity.
      return secp256k1.Signature.fromCompact(signature.subarray(0, 64)).addRecoveryBit(recovery).recoverPublicKey(digest).toRawBytes(false).subarray(1);
    } catch {
      throw noKey();
    }
  };
  return {
    backend: "js",
    recoverPublicKey: publicKey,
    recoverAddress: (digest, signature, options) => keccak256Js(publicKey(digest, signature, options)).subarray(12),
  };
}

const backends: Partial<Record<SignatureBackendName, SignatureRecovery>> = {};

/**
 * A recovery backend: `auto` (the default) is the one chosen at load (`SIGNATURE_BACKEND`). Throws `SignatureError`
 * `backend-unavailable` for `native` where the addon did not load, `bad-backend` for an unknown name.
 */
export function signatureRecovery(backend: SignatureBackendName | "auto" = "auto"): SignatureRecovery {
  const name = backend === "auto" ? SIGNATURE_BACKEND.name : backend;
  if (name !== "native" && name !== "js") throw new SignatureError("bad-backend", `backend must be "native", "js" or "auto", got ${JSON.stringify(backend)}`);
  let recovery = backends[name];
  if (recovery === undefined) {
    if (name === "native" && native.addon === null) {
      throw new SignatureError("backend-unavailable", `libsecp256k1 (secp256k1/bindings) did not load: ${native.reason}`);
    }
    recovery = name === "native" ? nativeRecovery((native as { addon: NativeSecp256k1 }).addon) : jsRecovery();
    backends[name] = recovery;
  }
  return recovery;
}

/** Whether the native backend loaded here. */
export function nativeRecoveryAvailable(): boolean {
  return native.addon !== null;
}

/** The 20-byte address that signed `digest` (32 bytes) with `signature` (65 bytes r ‖ s ‖ v), with the backend chosen at load. */
export function recoverAddress(digest: Uint8Array, signature: Uint8Array, options?: RecoverOptions): Uint8Array {
  return signatureRecovery().recoverAddress(digest, signature, options);
}

function lengthOf(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : `a ${value === null ? "null" : typeof value}`;
}

function isZero(bytes: Uint8Array, offset: number): boolean {
  for (let k = 0; k < 32; k++) if (bytes[offset + k] !== 0) return false;
  return true;
}

function compare32(a: Uint8Array, offset: number, b: Uint8Array): number {
  for (let k = 0; k < 32; k++) {
    const d = a[offset + k]! - b[k]!;
    if (d !== 0) return d;
  }
  return 0;
}

function bigIntBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}
