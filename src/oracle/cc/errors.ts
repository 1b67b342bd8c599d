/**
 * The one error type of confidential-computing (tier-2) verification: every rejection of GPU evidence, from a
 * truncated report to an untrusted root, is a `CcVerificationError` whose `code` says which check failed.
 *
 * @example
 * ```ts
 * try {
 *   verifyGpuEvidence({ report, certChainPem, expectedNonce });
 * } catch (error) {
 *   if (error instanceof CcVerificationError && error.code === "nonce-mismatch") retryWithFreshNonce();
 *   else throw error;
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/**
 * Which check rejected the evidence.
 * - `invalid-parameter`: the caller passed a bad value (the message names the parameter).
 * - `malformed-report`: the SPDM bytes do not parse; `offset` and `field` say where.
 * - `nonce-mismatch`: the report answers another nonce than the one the verifier sent.
 * - `chain-invalid`: the PEM chain does not parse, a link's issuer or signature does not match, or an
 *   intermediate is not a CA.
 * - `untrusted-root`: the chain is sound but does not end at (or under) a pinned root.
 * - `expired` / `not-yet-valid`: a certificate of the chain (or the root) is outside its validity at `now`.
 * - `non-canonical-signature`: the report's P-384 signature has a high s (the malleable twin of a low-s signature).
 * - `bad-signature`: the report's P-384 signature does not verify with the leaf certificate's key.
 * - `fwid-mismatch`: the firmware id in the report differs from the one the leaf certificate certifies.
 * - `debug-mode`: the signed measurements declare a debug mode.
 * - `measurement-mismatch`: a measurement differs from every reference value the caller allowed for its index.
 */
export type CcVerificationErrorCode =
  | "invalid-parameter"
  | "malformed-report"
  | "nonce-mismatch"
  | "chain-invalid"
  | "untrusted-root"
  | "expired"
  | "not-yet-valid"
  | "non-canonical-signature"
  | "bad-signature"
  | "fwid-mismatch"
  | "debug-mode"
  | "measurement-mismatch";

/** Where in the evidence a `CcVerificationError` points, when it points somewhere. */
export interface CcVerificationErrorDetails {
  /** Byte offset in the decoded report (request first) where the bad field starts. */
  offset?: number;
  /** Dotted name of the field or parameter at fault, e.g. `response.measurementRecord.block[3].size`. */
  field?: string;
  /** The underlying error, when a library call failed. */
  cause?: unknown;
}

/** GPU evidence was rejected; `code` discriminates the failed check, `message` says what was wrong. */
export class CcVerificationError extends OracleError {
  override readonly name = "CcVerificationError";
  /** Byte offset in the decoded report of the bad field (set for every fault the parser finds). */
  readonly offset: number | undefined;
  /** Dotted name of the field or parameter at fault. */
  readonly field: string | undefined;

  constructor(
    readonly code: CcVerificationErrorCode,
    override readonly shortMessage: string,
    details: CcVerificationErrorDetails = {},
  ) {
    const where =
      details.field === undefined ? "" : ` [${details.field}${details.offset === undefined ? "" : ` at byte ${details.offset}`}]`;
    super(shortMessage, { message: `${code}: ${shortMessage}${where}`, cause: details.cause });
    this.offset = details.offset;
    this.field = details.field;
  }
}
