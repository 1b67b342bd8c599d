/**
 * The base of every error the SDK and the protocol layer throw: `CinderError` (a short message, details, a
 * discriminating `name`) and `CinderConfigError` (a malformed or missing value, naming its field). The SDK's
 * other kinds (`src/sdk/errors.ts`) extend them.
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
}

/** The base class of every error the SDK throws. `name` tells the kinds apart; `shortMessage` is one line. */
export class CinderError extends Error {
  override name = "CinderError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, parameters: CinderErrorParameters = {}) {
    super(parameters.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${parameters.details}`, {
      cause: parameters.cause,
    });
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
