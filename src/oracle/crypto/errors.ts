/**
 * The one error type of the oracle's signature recovery (`recover.ts`): a signature refused before any curve
 * arithmetic (wrong length, a recovery byte other than 0, 1, 27 or 28, r or s outside [1, n), a high s), one from
 * which no public key recovers, or a backend asked for that did not load. `code` discriminates.
 *
 * @example
 * ```ts
 * try {
 *   recoverAddress(digest, signature);
 * } catch (error) {
 *   if (error instanceof SignatureError && error.code === "high-s") console.log(error.message); // "high-s: s is above n/2 ..."
 * }
 * ```
 */
import { OracleError } from "../errors.js";

/**
 * Why a signature was refused.
 * - `bad-length`: the digest is not 32 bytes or the signature not 65 (r ‖ s ‖ v);
 * - `bad-v`: the recovery byte is not 0, 1, 27 or 28;
 * - `bad-r` / `bad-s`: r or s is zero or not below the group order n;
 * - `high-s`: s is above n/2 (a malleated copy; every Ethereum signer produces low s);
 * - `no-key`: r is not the x-coordinate of a curve point, or the recovered key is the point at infinity;
 * - `backend-unavailable`: the native backend was asked for where libsecp256k1 did not load;
 * - `bad-backend`: a backend name other than `native`, `js` or `auto`.
 */
export type SignatureErrorCode = "bad-length" | "bad-v" | "bad-r" | "bad-s" | "high-s" | "no-key" | "backend-unavailable" | "bad-backend";

/** A signature (or a backend choice) was refused; `code` says why. */
export class SignatureError extends OracleError {
  override readonly name = "SignatureError";
  readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, shortMessage: string) {
    super(shortMessage, { message: `${code}: ${shortMessage}` });
    this.code = code;
  }
}
