/**
 * The keeper's errors: one base class, `KeeperError` (a `CinderError`), and a `code` naming the kind, so an operator
 * sees one line saying what to fix (`KEEPER_NO_KEY: ...`) rather than a stack trace.
 *
 * @example
 * ```ts
 * try { await checkKeeperSetup(ctx); } catch (e) { if (e instanceof KeeperConfigError) console.error(e.message); }
 * ```
 */
import { CinderError } from "../protocol/errors.js";

/** Base class of every keeper error. */
export class KeeperError extends CinderError {
  override name: string = "KeeperError";
}

/** The keeper cannot run as configured: no key, no gas funds, the wrong chain, no deployment, no oracle nodes. */
export class KeeperConfigError extends KeeperError {
  override name = "KeeperConfigError" as const;
  constructor(
    readonly code: "NO_KEY" | "NO_FUNDS" | "WRONG_CHAIN" | "NO_DEPLOYMENT" | "NO_ORACLE_NODES" | "BAD_OPTION",
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
