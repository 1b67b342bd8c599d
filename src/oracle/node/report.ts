/**
 * The `OracleHub` epoch report as oracle nodes sign it (EIP-712, domain of `oracleDomain`):
 * `EpochReport(bytes32 configDigest,uint64 epoch,bytes32 root,uint32 leafCount,bytes32 contentHash)`, and its JSON
 * wire form between nodes.
 *
 * @example
 * ```ts
 * const report = { configDigest, epoch: 42, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
 * const signature = await signEpochReport({ signer: account, chainId, oracleHub, report });
 * const signer = await recoverEpochReportSigner({ chainId, oracleHub, report, signature });
 * ```
 */
import type { Address, Hex, LocalAccount } from "viem";
import type { OracleDomainParameters } from "../aggregate.js";
import { ORACLE_REPORT_SIGNING } from "../../protocol/signing.js";

/** An epoch report: the Merkle root of the epoch's leaves, how many, and the content hash of the leaf file. */
export interface EpochReport {
  readonly configDigest: Hex;
  readonly epoch: number;
  readonly root: Hex;
  readonly leafCount: number;
  readonly contentHash: Hex;
}

const reports = ORACLE_REPORT_SIGNING.EpochReport;

export const epochReportTypes = reports.types;

const message = (report: EpochReport) => ({
  configDigest: report.configDigest,
  epoch: BigInt(report.epoch),
  root: report.root,
  leafCount: report.leafCount,
  contentHash: report.contentHash,
});

export interface EpochReportParameters extends OracleDomainParameters {
  report: EpochReport;
}

/** The EIP-712 digest of a report (its report id). */
export function epochReportDigest({ report, ...domain }: EpochReportParameters): Hex {
  return reports.digest(domain, message(report));
}

/** Signs a report with the node's key. */
export async function signEpochReport({ signer, report, ...domain }: EpochReportParameters & { signer: Pick<LocalAccount, "signTypedData"> }): Promise<Hex> {
  return reports.sign(signer, domain, message(report));
}

/** The address that signed `signature` over `report`, or null when the signature is malformed. */
export async function recoverEpochReportSigner({ signature, report, ...domain }: EpochReportParameters & { signature: Hex }): Promise<Address | null> {
  return reports.signer(domain, message(report), signature);
}
