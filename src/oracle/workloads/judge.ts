/**
 * How an oracle node decides a disputed job result: from the posted spec (hash and URI), the submitted result hash
 * and, for a batch, the provider's result document. The decision is a function of what is on chain and what the
 * URIs serve, so every honest node reaches the same one and signs the same `JobVerdict`.
 *
 * - no spec posted, the spec's bytes do not hash to the posted hash, a malformed spec, an unsupported type:
 *   `Abstained` (the arbitrator decides);
 * - `matmul-int8`: re-executed; the same hash: `ProviderUpheld`, else `ClientUpheld`;
 * - `matmul-int8-batch`: the result document is fetched; missing, malformed, of the wrong length, or not hashing to
 *   the submitted root: `ClientUpheld`; else `sampleSize` items (`sampleIndices`) are recomputed: any wrong:
 *   `ClientUpheld`, all right: `ProviderUpheld`;
 * - `toProvider`: 2^256 - 1 when the provider is upheld (the DisputeManager pays min(toProvider, held)), else 0.
 *
 * A document that cannot be fetched now (network error, timeout, HTTP error) gives a non-final judgement so the
 * node tries again; with `giveUp` (the node's retry window is over) it is final: an unreachable spec abstains, an
 * unreachable result document upholds the client (serving it is the provider's duty). A dead provider or a bad
 * document is a judgement, never an exception.
 *
 * @example
 * ```ts
 * const judgement = await judgeJob({ leaseId: 7n, resultHash, resultUri, spec: { specHash, uri }, sampleSize: 8 });
 * if (judgement.final) sign({ configDigest, leaseId: 7n, resultHash, outcome: judgement.outcome, toProvider: judgement.toProvider });
 * ```
 */
import { type Hex, maxUint256 } from "viem";
import { type MatmulHasher, hashInThread } from "./compute.js";
import { WorkloadError } from "./errors.js";
import { fetchDocument } from "./fetch.js";
import { batchRoot, itemSeed, parseResultDocument, sampleIndices } from "./matmul.js";
import { type JobSpec, MAX_SPEC_BYTES, parseJobSpec, specHashOf } from "./spec.js";

/** `IOracleHub.Outcome` values a verdict carries. */
export const OUTCOME = { ProviderUpheld: 1, ClientUpheld: 2, Abstained: 3 } as const;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** Default number of batch items a node recomputes. */
export const DEFAULT_SAMPLE_SIZE = 8;
/** Largest result document fetched, in bytes (4096 items of 66 hex characters fit). */
export const MAX_RESULT_BYTES = 1024 * 1024;

/** Parameters of `judgeJob`. */
export interface JudgeJobParameters {
  readonly leaseId: bigint;
  /** The result hash the provider submitted (and the dispute recorded). */
  readonly resultHash: Hex;
  /** The `uri` of the provider's `ResultSubmitted` (the batch result document), or null when none was seen. */
  readonly resultUri: string | null;
  /** The client's `JobSpecPosted`, or null when it posted none. */
  readonly spec: { readonly specHash: Hex; readonly uri: string } | null;
  /** Batch items recomputed (default DEFAULT_SAMPLE_SIZE). */
  readonly sampleSize?: number;
  /** Unavailable documents become final (see the module comment). */
  readonly giveUp?: boolean;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** Recomputes the products (default: on this thread; a node passes `hashInWorker`). */
  readonly hasher?: MatmulHasher;
}

/** A final decision, or "try again later". */
export type Judgement =
  | {
      readonly final: true;
      readonly outcome: Outcome;
      readonly toProvider: bigint;
      /** Why, in words (for logs). */
      readonly reason: string;
      /** The batch items recomputed, when sampled. */
      readonly sampled?: readonly number[];
    }
  | { readonly final: false; readonly reason: string };

const decide = (outcome: Outcome, reason: string, sampled?: readonly number[]): Judgement => ({
  final: true,
  outcome,
  toProvider: outcome === OUTCOME.ProviderUpheld ? maxUint256 : 0n,
  reason,
  ...(sampled === undefined ? {} : { sampled }),
});

/** Decides a disputed result (module comment). Never throws for what the URIs serve. */
export async function judgeJob(parameters: JudgeJobParameters): Promise<Judgement> {
  const { leaseId, resultHash, resultUri, spec: posted, giveUp = false } = parameters;
  const fetchOptions = { fetch: parameters.fetch, timeoutMs: parameters.timeoutMs };
  if (posted === null) return decide(OUTCOME.Abstained, "the client posted no job spec");
  let bytes: Uint8Array;
  try {
    bytes = await fetchDocument(posted.uri, { field: "spec", maxBytes: MAX_SPEC_BYTES, ...fetchOptions });
  } catch (error) {
    const e = error as WorkloadError;
    if (e.code === "unavailable" && !giveUp) return { final: false, reason: e.message };
    return decide(OUTCOME.Abstained, `the spec cannot be read: ${e.message}`);
  }
  const hash = specHashOf(bytes);
  if (hash !== posted.specHash.toLowerCase()) return decide(OUTCOME.Abstained, `the spec's bytes hash to ${hash}, not the posted ${posted.specHash}`);
  let spec: JobSpec;
  try {
    spec = parseJobSpec(bytes);
  } catch (error) {
    if (!(error instanceof WorkloadError)) throw error;
    return decide(OUTCOME.Abstained, `the spec is not executable: ${error.message}`);
  }
  const hasher = parameters.hasher ?? hashInThread;
  /** The recomputed hashes, or undefined when the computation itself failed (the node tries again). */
  const recompute = async (tasks: { seed: Hex; n: number }[]): Promise<Hex[] | undefined> => {
    try {
      return await hasher(tasks);
    } catch {
      return undefined;
    }
  };
  if (spec.type === "matmul-int8") {
    const [recomputed] = (await recompute([{ seed: spec.seed, n: spec.n }])) ?? [];
    if (recomputed === undefined) return { final: false, reason: "recomputing the product failed" };
    return recomputed === resultHash.toLowerCase()
      ? decide(OUTCOME.ProviderUpheld, "re-executed: the result hash matches")
      : decide(OUTCOME.ClientUpheld, `re-executed: the result hash is ${recomputed}, the provider submitted ${resultHash}`);
  }
  if (resultUri === null || resultUri === "") return decide(OUTCOME.ClientUpheld, "the provider gave no result document");
  let items: Hex[];
  try {
    items = parseResultDocument(await fetchDocument(resultUri, { field: "result", maxBytes: MAX_RESULT_BYTES, ...fetchOptions }));
  } catch (error) {
    if (!(error instanceof WorkloadError)) throw error;
    if (error.code === "unavailable" && !giveUp) return { final: false, reason: error.message };
    return decide(OUTCOME.ClientUpheld, `the result document is unusable: ${error.message}`);
  }
  if (items.length !== spec.items) return decide(OUTCOME.ClientUpheld, `the result document has ${items.length} items, the spec ${spec.items}`);
  const root = batchRoot(items);
  if (root !== resultHash.toLowerCase()) return decide(OUTCOME.ClientUpheld, `the result document's root is ${root}, the provider submitted ${resultHash}`);
  const sampled = sampleIndices(leaseId, resultHash.toLowerCase() as Hex, spec.items, parameters.sampleSize ?? DEFAULT_SAMPLE_SIZE);
  const hashes = await recompute(sampled.map((index) => ({ seed: itemSeed(spec.seed, index), n: spec.n })));
  if (hashes === undefined) return { final: false, reason: "recomputing the sampled items failed" };
  for (const [k, index] of sampled.entries()) {
    const recomputed = hashes[k];
    if (recomputed !== items[index]) return decide(OUTCOME.ClientUpheld, `item ${index} is wrong: recomputed ${recomputed}, the document says ${items[index]}`, sampled);
  }
  return decide(OUTCOME.ProviderUpheld, `${sampled.length} sampled items match`, sampled);
}
