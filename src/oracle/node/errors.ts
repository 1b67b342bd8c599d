/**
 * The base of every error the oracle node throws on its own account: a bad configuration (`ConfigError`, config.ts),
 * a store it must not run on (`StoreError`, store.ts), a signature it must not make (`AlreadySignedError`,
 * `NoSigningMemoryError`, store.ts). Each has a discriminating `name` and a one-line message an operator can act on.
 *
 * @example
 * ```ts
 * try {
 *   openStore("/var/lib/cinder-oracle/node.db");
 * } catch (error) {
 *   if (error instanceof OracleNodeError) console.error(error.message); // one line, no stack
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/** Base class of the oracle node's own errors (an `OracleError`). */
export class OracleNodeError extends OracleError {
  override name: string = "OracleNodeError";
}
