/**
 * What every quorum-signed report a node gossips (epoch reports, GPU attestations, job verdicts) checks the same
 * way: a peer's signature counts only when it is made under the current oracle set (its config digest) by one of
 * the set's members, and a report is submitted with exactly `threshold` signatures in the set's signer order.
 *
 * @example
 * ```ts
 * const refusal = peerSignatureRefusal(set, { configDigest: verdict.configDigest, signer, field: "verdict" });
 * if (refusal !== null) throw new HttpError(refusal.status, refusal.code, refusal.message, refusal.field);
 * const signatures = quorumSignatures(set, store.verdictSignatures(digest)); // null below the threshold
 * ```
 */
import type { Address, Hex } from "viem";
import type { OracleSetView } from "./chain.js";

/** Why a peer's signature does not count: answered as HTTP `status` with `code`, naming `field`. */
export interface SignatureRefusal {
  readonly status: 400 | 409;
  readonly code: "CONFIG_DIGEST_MISMATCH" | "SIGNER_NOT_IN_SET";
  readonly field: string;
  readonly message: string;
}

export interface PeerSignatureParameters {
  /** The config digest the report carries. */
  readonly configDigest: Hex;
  /** The address the signature recovers to (null: malformed). */
  readonly signer: Address | null;
  /** The report's field name in the request body, e.g. "attestation" (errors name `<field>.configDigest`). */
  readonly field: string;
}

/** Null when the signature counts under `set`; otherwise why not (a stale set first, then a non-member). */
export function peerSignatureRefusal(set: OracleSetView, { configDigest, signer, field }: PeerSignatureParameters): SignatureRefusal | null {
  if (configDigest.toLowerCase() !== set.configDigest.toLowerCase()) {
    return { status: 409, code: "CONFIG_DIGEST_MISMATCH", field: `${field}.configDigest`, message: `${field} digest ${configDigest} is not the current ${set.configDigest}` };
  }
  if (signer === null || !set.signers.some((member) => member.toLowerCase() === signer.toLowerCase())) {
    return { status: 400, code: "SIGNER_NOT_IN_SET", field: "signature", message: `the signature recovers to ${signer ?? "nothing"}, not an oracle set member` };
  }
  return null;
}

/**
 * The first `threshold` of the held signatures in the set's signer order (the order `OracleHub` expects no more
 * than, and the one every node picks alike), or null below the threshold. Signers compare case-insensitively;
 * signatures of addresses outside the set are ignored.
 */
export function quorumSignatures(set: OracleSetView, held: ReadonlyMap<string, Hex>): Hex[] | null {
  const byMember = new Map([...held].map(([signer, signature]) => [signer.toLowerCase(), signature]));
  const ordered = set.signers.flatMap((member) => byMember.get(member.toLowerCase()) ?? []);
  return ordered.length < set.threshold ? null : ordered.slice(0, set.threshold);
}
