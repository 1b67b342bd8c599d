/**
 * The base of every error the oracle throws: the provider agent (`AgentError`), the challenges (`ChallengeError`),
 * the workloads (`WorkloadError`), the GPU backends (`GpuBackendError`), tier-2 verification
 * (`CcVerificationError`), signature recovery (`SignatureError`), the clocks (`ClockError`), the HTTP helper
 * (`HttpFault`), request signing (`RequestAuthError`) and the node (`OracleNodeError`, `WireError`,
 * `VerdictRefusedError`). It is a `CinderError`: each kind keeps its own `name`, `code` and message.
 *
 * @example
 * ```ts
 * try {
 *   await node.start();
 * } catch (error) {
 *   if (error instanceof OracleError) console.error(`${error.name}: ${error.message}`); // one line, no stack
 * }
 * ```
 */
import { CinderError } from "../protocol/errors.js";

/** Base class of every oracle error. */
export class OracleError extends CinderError {
  override name: string = "OracleError";
}
