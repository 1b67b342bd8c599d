/**
 * Keccak-256 over bytes for the protocol's hot paths (the epoch-report Merkle tree, heartbeat digests, addresses):
 * WebAssembly (`hash-wasm`, about six times @noble/hashes on 64-byte inputs) with @noble/hashes as the pure-JavaScript
 * fallback. Both give the same digests; only the speed differs.
 *
 * The WebAssembly hasher is created once, at import, with top-level await, so every caller stays synchronous. Where
 * WebAssembly cannot be instantiated (a Content-Security-Policy without `wasm-unsafe-eval`, a locked-down runtime) the
 * module falls back to @noble/hashes by itself. `CINDER_CRYPTO=js` in the environment (Node only; read through
 * `globalThis.process`, so the browser bundle imports nothing of Node) or `useKeccakBackend("js")` forces the
 * fallback, for tests and benchmarks.
 *
 * @example
 * ```ts
 * import { keccak256Bytes, keccakBackend } from "cinder-protocol/protocol";
 * keccak256Bytes(new TextEncoder().encode("")); // Uint8Array(32) c5d2...a470
 * keccakBackend(); // "wasm"
 * ```
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createKeccak } from "hash-wasm";
import { CinderConfigError } from "./errors.js";

/** Which implementation computes keccak-256: `wasm` (hash-wasm) or `js` (@noble/hashes). */
export type KeccakBackend = "wasm" | "js";

/** Keccak-256 of `data` in pure JavaScript (@noble/hashes); a fresh 32-byte array. */
export function keccak256Js(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** The environment's `CINDER_CRYPTO`, where there is a `process` (Node); undefined in a browser. */
export function cryptoPreference(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CINDER_CRYPTO;
}

type Hasher = Awaited<ReturnType<typeof createKeccak>>;

/** The one WebAssembly hasher (JavaScript is single-threaded: it is reset per call; each worker has its own), or why not. */
const wasm: { readonly hasher: Hasher } | { readonly hasher: null; readonly reason: string } = await createKeccak(256).then(
  (hasher) => ({ hasher }),
  (error: unknown) => ({ hasher: null, reason: error instanceof Error ? error.message : String(error) }),
);

/** Keccak-256 of `data` in WebAssembly; a fresh 32-byte array. Falls back to `keccak256Js` where WebAssembly failed to load. */
export const keccak256Wasm: (data: Uint8Array) => Uint8Array =
  wasm.hasher === null
    ? keccak256Js
    : ((hasher: Hasher) => (data: Uint8Array) => {
        hasher.init();
        hasher.update(data);
        return hasher.digest("binary");
      })(wasm.hasher);

let current: KeccakBackend = wasm.hasher !== null && cryptoPreference() !== "js" ? "wasm" : "js";
let implementation = current === "wasm" ? keccak256Wasm : keccak256Js;

/** Keccak-256 of `data` with the selected backend; a fresh 32-byte array. */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  return implementation(data);
}

/** The backend `keccak256Bytes` uses now. */
export function keccakBackend(): KeccakBackend {
  return current;
}

/** Why WebAssembly keccak is unavailable here, or null where it loaded. */
export function keccakWasmUnavailable(): string | null {
  return wasm.hasher === null ? wasm.reason : null;
}

/**
 * Selects the backend of `keccak256Bytes` (process-wide: meant for tests and benchmarks). Returns the previous one.
 * Throws `CinderConfigError` (field `backend`) for an unknown name, or for `wasm` where WebAssembly did not load.
 */
export function useKeccakBackend(backend: KeccakBackend): KeccakBackend {
  if (backend !== "wasm" && backend !== "js") throw new CinderConfigError("backend", `must be "wasm" or "js", got ${JSON.stringify(backend)}`);
  if (backend === "wasm" && wasm.hasher === null) throw new CinderConfigError("backend", `WebAssembly keccak did not load here: ${wasm.reason}`);
  const previous = current;
  current = backend;
  implementation = current === "wasm" ? keccak256Wasm : keccak256Js;
  return previous;
}
