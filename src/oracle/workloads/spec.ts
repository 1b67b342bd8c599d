/**
 * Job specs: the JSON document a client posts (by hash and URI, `DisputeManager.postJobSpec`) before its batch
 * job's result is in, and that the oracle re-executes or samples when the result is disputed.
 *
 * ```json
 * {"type":"matmul-int8","n":256,"seed":"0x<32 bytes>"}                      deterministic: nodes re-execute it
 * {"type":"matmul-int8-batch","n":128,"items":1000,"seed":"0x<32 bytes>"}   sampled: nodes recompute s items
 * ```
 * - `specHash` = keccak256 of the exact bytes served at the URI (not of a re-serialisation);
 * - `n` in [1, MAX_SPEC_N], `items` in [1, MAX_SPEC_ITEMS]: bounds on what an oracle node may be asked to compute
 *   (a full re-execution is O(n^3) on a CPU; a sampled one O(s n^3));
 * - a spec with another `type` is well-formed but unsupported: nodes abstain and the arbitrator decides.
 *
 * @example
 * ```ts
 * const spec = parseJobSpec(new TextEncoder().encode('{"type":"matmul-int8","n":64,"seed":"0x' + "ab".repeat(32) + '"}'));
 * spec.type; // "matmul-int8"
 * ```
 */
import { type Hex, keccak256 } from "viem";
import { WorkloadError } from "./errors.js";

/** Largest matrix dimension of a job spec (a node re-executes n^3 multiply-adds on a CPU: ~2 s at 1024). */
export const MAX_SPEC_N = 1024;
/** Most items of a batch spec. */
export const MAX_SPEC_ITEMS = 4096;
/** Largest spec document, in bytes. */
export const MAX_SPEC_BYTES = 16 * 1024;

/** One int8 matrix product C = A x B, A and B derived from `seed` by the challenge generator. */
export interface MatmulSpec {
  readonly type: "matmul-int8";
  readonly n: number;
  /** 32 bytes, hex. */
  readonly seed: Hex;
}

/** `items` independent products; item i uses seed keccak256(seed || uint256(i)). */
export interface MatmulBatchSpec {
  readonly type: "matmul-int8-batch";
  readonly n: number;
  readonly items: number;
  readonly seed: Hex;
}

/** A spec this code can execute. */
export type JobSpec = MatmulSpec | MatmulBatchSpec;

/** The workload types this code executes. */
export const SUPPORTED_TYPES = ["matmul-int8", "matmul-int8-batch"] as const;

/** keccak256 of the spec's exact bytes: what the client posts on chain. */
export function specHashOf(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}

const SEED = /^0x[0-9a-fA-F]{64}$/;

function integerField(raw: Record<string, unknown>, key: string, max: number): number {
  const value = raw[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new WorkloadError("malformed", key, `must be an integer in [1, ${max}], got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return value;
}

function seedField(raw: Record<string, unknown>): Hex {
  const value = raw.seed;
  if (typeof value !== "string" || !SEED.test(value)) throw new WorkloadError("malformed", "seed", `must be 32 bytes of hex (0x + 64 digits), got ${JSON.stringify(value) ?? "nothing"}`);
  return value.toLowerCase() as Hex;
}

function onlyKeys(raw: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) throw new WorkloadError("malformed", key, `is not a field of a ${String(raw.type)} spec (fields: ${keys.join(", ")})`);
  }
}

/** Checks a parsed spec object. Throws `WorkloadError` naming the field; `unsupported-type` for another type. */
export function validateJobSpec(value: unknown): JobSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WorkloadError("malformed", "(spec)", "must be a JSON object");
  const raw = value as Record<string, unknown>;
  if (typeof raw.type !== "string") throw new WorkloadError("malformed", "type", `must be a string, got ${JSON.stringify(raw.type) ?? "nothing"}`);
  if (raw.type === "matmul-int8") {
    onlyKeys(raw, ["type", "n", "seed"]);
    return { type: "matmul-int8", n: integerField(raw, "n", MAX_SPEC_N), seed: seedField(raw) };
  }
  if (raw.type === "matmul-int8-batch") {
    onlyKeys(raw, ["type", "n", "items", "seed"]);
    return { type: "matmul-int8-batch", n: integerField(raw, "n", MAX_SPEC_N), items: integerField(raw, "items", MAX_SPEC_ITEMS), seed: seedField(raw) };
  }
  throw new WorkloadError("unsupported-type", "type", `${JSON.stringify(raw.type)} is not a supported workload (supported: ${SUPPORTED_TYPES.join(", ")})`);
}

/** Parses a spec document's bytes (UTF-8 JSON, at most MAX_SPEC_BYTES). Throws `WorkloadError`. */
export function parseJobSpec(bytes: Uint8Array): JobSpec {
  if (bytes.length > MAX_SPEC_BYTES) throw new WorkloadError("too-large", "(spec)", `is ${bytes.length} bytes, the limit is ${MAX_SPEC_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new WorkloadError("malformed", "(spec)", "is not UTF-8 JSON");
  }
  return validateJobSpec(value);
}

/** The canonical bytes of a spec (what `specHashOf` hashes when the client serves exactly these). */
export function serializeJobSpec(spec: JobSpec): Uint8Array {
  const ordered = spec.type === "matmul-int8" ? { type: spec.type, n: spec.n, seed: spec.seed } : { type: spec.type, n: spec.n, items: spec.items, seed: spec.seed };
  return new TextEncoder().encode(JSON.stringify(validateJobSpec(ordered)));
}
