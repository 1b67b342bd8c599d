/**
 * The one error type of the proof-of-GPU challenges (matrix product and memory), their executors and native workers.
 *
 * A prover that answers wrongly is not an error: the verifier returns a failed verdict with a reason. Errors are for
 * bad configuration, calls out of protocol order, and executors that cannot run.
 *
 * @example
 * ```ts
 * try {
 *   await new CudaExecutor().start();
 * } catch (error) {
 *   if (error instanceof ChallengeError && error.code === "gpu-unavailable") console.log(error.shortMessage);
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/** What went wrong, for callers that branch on it. */
export type ChallengeErrorCode =
  /** A parameter is out of range or of the wrong shape; `field` names it. */
  | "invalid-parameter"
  /** A state machine was driven out of order, or a message belongs to another challenge. */
  | "protocol-state"
  /** No usable GPU backend: no nvcc, no NVIDIA GPU, no python3, no PyTorch with CUDA. */
  | "gpu-unavailable"
  /** A GPU backend was present but failed: compilation, a crash, a malformed reply from the worker. */
  | "executor-failed";

/** Optional context of a `ChallengeError`. */
export interface ChallengeErrorDetails {
  /** Name of the parameter or message field at fault, e.g. `parameters.n`. */
  field?: string;
  /** The underlying error, when a library call or a child process failed. */
  cause?: unknown;
}

/** A challenge could not be set up or driven; `code` discriminates, `shortMessage` says what was wrong. */
export class ChallengeError extends OracleError {
  override readonly name = "ChallengeError";
  /** Name of the parameter or field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(
    readonly code: ChallengeErrorCode,
    override readonly shortMessage: string,
    details: ChallengeErrorDetails = {},
  ) {
    const where = details.field === undefined ? "" : ` [${details.field}]`;
    super(shortMessage, { message: `${code}: ${shortMessage}${where}`, cause: details.cause });
    this.field = details.field;
  }
}
