/**
 * The provider's side of a job: executes a spec and produces what it submits (`JobMarket.submitResult(leaseId,
 * resultHash, uri)`), and for a batch the result document to serve at `uri`. `corruptItems` makes a cheating
 * provider for tests and the demo: those items' hashes are wrong (a batch's root still commits to them, so the
 * result is self-consistent and only re-execution catches it).
 *
 * @example
 * ```ts
 * const { resultHash, document } = runJob(parseJobSpec(bytes));
 * const uri = document === undefined ? "" : jsonDataUri(document);
 * ```
 */
import { type Hex, keccak256, toHex } from "viem";
import { WorkloadError } from "./errors.js";
import { batchRoot, itemSeed, matmulResultHash, serializeResultDocument } from "./matmul.js";
import { type JobSpec, validateJobSpec } from "./spec.js";

/** Parameters of `runJob` beyond the spec. */
export interface RunJobOptions {
  /** Items to get wrong (a cheating provider); for `matmul-int8`, [0] gets the one product wrong. */
  readonly corruptItems?: readonly number[];
}

/** What the provider submits. */
export interface RunJobReturnType {
  readonly resultHash: Hex;
  /** The batch result document (JSON text) to serve at the result URI; undefined for a single product. */
  readonly document?: string;
  /** The item hashes of a batch, in index order. */
  readonly itemHashes?: readonly Hex[];
}

const wrong = (hash: Hex): Hex => keccak256(toHex(`cinder/wrong-result:${hash}`));

/** Executes `spec` (CPU reference). Throws `WorkloadError` for a malformed spec or a corrupt index out of range. */
export function runJob(spec: JobSpec, options: RunJobOptions = {}): RunJobReturnType {
  const checked = validateJobSpec(spec);
  const corrupt = new Set(options.corruptItems ?? []);
  const count = checked.type === "matmul-int8" ? 1 : checked.items;
  for (const index of corrupt) {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new WorkloadError("malformed", "corruptItems", `index ${index} is outside [0, ${count})`);
  }
  if (checked.type === "matmul-int8") {
    const hash = matmulResultHash(checked.seed, checked.n);
    return { resultHash: corrupt.has(0) ? wrong(hash) : hash };
  }
  const itemHashes: Hex[] = [];
  for (let i = 0; i < checked.items; i++) {
    const hash = matmulResultHash(itemSeed(checked.seed, i), checked.n);
    itemHashes.push(corrupt.has(i) ? wrong(hash) : hash);
  }
  return { resultHash: batchRoot(itemHashes), document: serializeResultDocument(itemHashes), itemHashes };
}
