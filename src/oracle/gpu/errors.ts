/**
 * The one error type of the GPU backends (`nvidia-smi` on real hardware, the simulated replay in tests).
 *
 * @example
 * ```ts
 * try {
 *   await new NvidiaSmiBackend().listGpus();
 * } catch (error) {
 *   if (error instanceof GpuBackendError && error.code === "not-installed") console.error(error.shortMessage);
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/**
 * What went wrong.
 * - `not-installed`: the `nvidia-smi` binary (or the CC evidence command) is not there;
 * - `driver-error`: nvidia-smi ran and failed (non-zero exit), e.g. it cannot talk to the driver; the message
 *   carries nvidia-smi's own text;
 * - `timeout`: the command ran past its timeout and was killed;
 * - `parse`: the output does not have the expected shape; `field` names the line and field;
 * - `cc-unsupported`: the GPU (or this host) cannot produce confidential-computing evidence;
 * - `cc-failed`: the CC evidence command ran and failed, or printed something other than evidence;
 * - `invalid-parameter`: a caller passed a bad value (`field` names it).
 */
export type GpuBackendErrorCode = "not-installed" | "driver-error" | "timeout" | "parse" | "cc-unsupported" | "cc-failed" | "invalid-parameter";

/** Optional context of a `GpuBackendError`. */
export interface GpuBackendErrorDetails {
  /** Where the fault is, e.g. `line 2: power.draw` or `gpuIndex`. */
  field?: string;
  /** The underlying error, when a system call failed. */
  cause?: unknown;
}

/** A GPU backend could not answer; `code` discriminates, `shortMessage` says what was wrong. */
export class GpuBackendError extends OracleError {
  override readonly name = "GpuBackendError";
  readonly code: GpuBackendErrorCode;
  /** Where the fault is, when there is a place to point at. */
  readonly field: string | undefined;

  constructor(code: GpuBackendErrorCode, shortMessage: string, details: GpuBackendErrorDetails = {}) {
    const where = details.field === undefined ? "" : ` [${details.field}]`;
    super(shortMessage, { message: `${code}: ${shortMessage}${where}`, cause: details.cause });
    this.code = code;
    this.field = details.field;
  }
}
