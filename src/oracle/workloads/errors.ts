/**
 * The one error type of the job workloads (specs, result documents, execution). A provider that returns a wrong
 * result, or a spec that cannot be judged, is not an error to a judging node: `judgeJob` turns those into a
 * verdict. Errors are for a caller (the provider-side runner, the CLI) that hands in something malformed.
 *
 * @example
 * ```ts
 * try {
 *   parseJobSpec(bytes);
 * } catch (error) {
 *   if (error instanceof WorkloadError) console.log(error.field, error.shortMessage); // "n", "must be an integer in [1, 1024], got 4096"
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/** What went wrong, for callers that branch on it. */
export type WorkloadErrorCode =
  /** Not JSON, not an object, a field of the wrong type or out of range; `field` names it. */
  | "malformed"
  /** A well-formed spec of a type this code does not execute. */
  | "unsupported-type"
  /** A document is larger than the limit. */
  | "too-large"
  /** A URI that is neither http(s) nor a `data:` URI, or a `data:` URI that does not decode. */
  | "bad-uri"
  /** The document could not be fetched (network error, timeout, HTTP status). */
  | "unavailable";

/** A spec, a result document or a URI is not what the workload format says; `field` says where. */
export class WorkloadError extends OracleError {
  override readonly name = "WorkloadError";
  constructor(
    readonly code: WorkloadErrorCode,
    readonly field: string,
    override readonly shortMessage: string,
  ) {
    super(shortMessage, { message: `${field}: ${shortMessage}` });
  }
}
