/**
 * Quorum-signed fault reports a node holds and serves to keepers: `POST /v1/faults` (signed by a member, as every POST) takes `{report, signatures}`
 * (one member's signature or several; each must recover to a member of the current set under its config digest),
 * `GET /v1/faults?since=<epoch>` returns the reports of that epoch or later that hold a quorum, with exactly
 * `threshold` signatures in the set's order, as `OracleHub.submitFaultReport` takes them. Keepers submit and propose
 * them (`cinder keeper run`); the hub re-checks every signature, so a node can withhold a report but not forge one.
 *
 * @example
 * ```ts
 * const book = new FaultBook();
 * const refusal = await book.accept(set, domain, await readJson(req));   // null: kept
 * const signed = book.since(set, 42);                                    // [{ report, signatures }]
 * ```
 */
import type { Hex } from "viem";
import { ORACLE_REPORT_SIGNING } from "../../protocol/signing.js";
import type { OracleSetView } from "./chain.js";
import { type SignatureRefusal, peerSignatureRefusal, quorumSignatures } from "./quorum.js";
import { WireError } from "./wire.js";

/** An `IOracleHub.FaultReport` as nodes exchange it (epoch as a decimal string on the wire). */
export interface WireFaultReport {
  configDigest: Hex;
  provider: Hex;
  faultType: number;
  subject: Hex;
  epoch: bigint;
  evidenceHash: Hex;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** Reports held at most (oldest epochs dropped first), so a flood of valid reports cannot grow memory without bound. */
const MAX_HELD = 10_000;

function faultFromWire(value: unknown): { report: WireFaultReport; signatures: Hex[] } {
  if (typeof value !== "object" || value === null) throw new WireError("(body)", "must be {report, signatures}");
  const { report, signatures } = value as { report?: Record<string, unknown>; signatures?: unknown };
  if (typeof report !== "object" || report === null) throw new WireError("report", "must be an object");
  const h32 = (k: string) => {
    if (typeof report[k] !== "string" || !HEX32.test(report[k] as string)) throw new WireError(`report.${k}`, `must be 32 bytes of hex, got ${JSON.stringify(report[k])}`);
    return (report[k] as string).toLowerCase() as Hex;
  };
  if (typeof report.provider !== "string" || !ADDRESS.test(report.provider)) throw new WireError("report.provider", `must be an address, got ${JSON.stringify(report.provider)}`);
  const faultType = report.faultType;
  if (faultType !== 1 && faultType !== 2 && faultType !== 3 && faultType !== 4) throw new WireError("report.faultType", `must be 1, 2, 3 or 4, got ${JSON.stringify(faultType)}`);
  if (typeof report.epoch !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(report.epoch)) throw new WireError("report.epoch", `must be a decimal string, got ${JSON.stringify(report.epoch)}`);
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > 31) throw new WireError("signatures", "must be 1 to 31 signatures");
  for (const [i, s] of signatures.entries()) if (typeof s !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(s)) throw new WireError(`signatures[${i}]`, "must be 65 bytes of hex");
  return {
    report: { configDigest: h32("configDigest"), provider: report.provider as Hex, faultType, subject: h32("subject"), epoch: BigInt(report.epoch), evidenceHash: h32("evidenceHash") },
    signatures: signatures as Hex[],
  };
}

/** The fault reports a node holds and the member signatures over each; see the module's description. */
export class FaultBook {
  readonly #held = new Map<Hex, { report: WireFaultReport; signatures: Map<string, Hex> }>();

  /** Keeps every valid member signature of the report; the first signature that does not count is the refusal. */
  async accept(set: OracleSetView, domain: { chainId: number; oracleHub: Hex }, raw: unknown): Promise<{ digest: Hex; refusal: SignatureRefusal | null }> {
    const { report, signatures } = faultFromWire(raw);
    const signing = ORACLE_REPORT_SIGNING.FaultReport;
    const digest = signing.digest(domain, report);
    const entry = this.#held.get(digest) ?? { report, signatures: new Map<string, Hex>() };
    for (const signature of signatures) {
      const signer = await signing.signer(domain, report, signature);
      const refusal = peerSignatureRefusal(set, { configDigest: report.configDigest, signer, field: "report" });
      if (refusal !== null) return { digest, refusal };
      entry.signatures.set(signer!, signature);
    }
    this.#held.set(digest, entry);
    if (this.#held.size > MAX_HELD) {
      const oldest = [...this.#held].sort(([, a], [, b]) => (a.report.epoch < b.report.epoch ? -1 : 1))[0][0];
      this.#held.delete(oldest);
    }
    return { digest, refusal: null };
  }

  /** The reports of epoch `since` or later that hold a quorum of the current set, epochs as decimal strings. */
  since(set: OracleSetView, since: bigint) {
    return [...this.#held.values()].flatMap(({ report, signatures }) => {
      if (report.epoch < since || report.configDigest.toLowerCase() !== set.configDigest.toLowerCase()) return [];
      const quorum = quorumSignatures(set, signatures);
      return quorum === null ? [] : [{ report: { ...report, epoch: report.epoch.toString() }, signatures: quorum }];
    });
  }
}
