/**
 * The base of every error the scripts throw (`DeploymentError`: a deployment that cannot be found or is incomplete;
 * `GovernanceError`: a wrong proposal file or governance step). It is a `CinderError`.
 *
 * @example
 * ```ts
 * try {
 *   loadDeployment(chainId);
 * } catch (error) {
 *   if (error instanceof ScriptError) console.error(error.message);
 * }
 * ```
 */
import { CinderError } from "../../src/protocol/errors.js";

/** Base class of every script error. */
export class ScriptError extends CinderError {
  override name: string = "ScriptError";
}
