/**
 * The base of every error the CLI throws on its own account (`UsageError`: a bad command line; `ControlRequestError`:
 * a refused request to `cinder node`'s control endpoint). It is a `CinderError`; the errors of the layers the CLI
 * calls (the SDK's, the oracle's) keep their own bases.
 *
 * @example
 * ```ts
 * try {
 *   await main(argv);
 * } catch (error) {
 *   if (error instanceof CliError) console.error(`cinder: ${error.message}`);
 * }
 * ```
 */
import { CinderError } from "../protocol/errors.js";

/** Base class of every CLI error. */
export class CliError extends CinderError {
  override name: string = "CliError";
}

/** The command line is wrong (an unknown command or subcommand, a malformed option); `cinder` exits with 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
}

/** The control endpoint refused a request; `status` is the HTTP status it answers with, `field` what was wrong. */
export class ControlRequestError extends CliError {
  override readonly name = "ControlRequestError";
  constructor(
    readonly status: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A node answered a JSON-RPC call with an error: `code` and `data` are the node's (the revert data of a reverted call). */
export class JsonRpcError extends CliError {
  override readonly name = "JsonRpcError";
  readonly code: number | undefined;
  readonly data: unknown;
  constructor(
    readonly method: string,
    message: string,
    { code, data, url }: { code?: number; data?: unknown; url?: string } = {},
  ) {
    super(`${method} failed${url === undefined ? "" : ` on ${url}`}: ${message}`);
    this.code = code;
    this.data = data;
  }
}
