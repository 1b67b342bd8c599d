/**
 * The base of every error Cinder's code throws: `CinderError` (a short message, details, a discriminating `name`)
 * and `CinderConfigError` (a malformed or missing value, naming its field). Each layer has one base class that
 * extends `CinderError` and that every error of the layer extends: the SDK's kinds (`src/sdk/errors.ts`) extend
 * these two, the protocol's `LeafError` extends `CinderError`, the oracle's errors `OracleError`
 * (`src/oracle/errors.ts`), the keeper's `KeeperError` (`src/keeper/errors.ts`), the CLI's `CliError`
 * (`src/cli/errors.ts`) and the scripts' `ScriptError` (`scripts/lib/errors.ts`).
 *
 * @example
 * ```ts
 * try {
 *   parseDeployment({ recorded });
 * } catch (error) {
 *   if (error instanceof CinderConfigError) console.log(error.field, error.shortMessage);
 * }
 * ```
 */

/** What every SDK error carries. */
export interface CinderErrorParameters {
  /** More detail than the short message (a cause's message, the failing values). */
  details?: string;
  /** The error that caused this one. */
  cause?: unknown;
  /**
   * The whole message, where a class composes its own (a code or a field in front of the short message); without
   * it the message is the short message, then the details.
   */
  message?: string;
}

/** The base class of every error Cinder throws. `name` tells the kinds apart; `shortMessage` is one line. */
export class CinderError extends Error {
  override name = "CinderError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, parameters: CinderErrorParameters = {}) {
    super(
      parameters.message ?? (parameters.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${parameters.details}`),
      parameters.cause === undefined ? undefined : { cause: parameters.cause },
    );
    this.shortMessage = shortMessage;
    this.details = parameters.details;
  }
}

/** A value given to the SDK (or the CLI) is malformed or missing; `field` names it. */
export class CinderConfigError extends CinderError {
  override name = "CinderConfigError" as const;
  constructor(
    readonly field: string,
    message: string,
    parameters: CinderErrorParameters = {},
  ) {
    super(`${field}: ${message}`, parameters);
  }
}
