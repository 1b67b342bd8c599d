/**
 * One kind of `OracleHub` report as oracle nodes sign it (EIP-712, domain of `oracleDomain`): its digest (the hub's
 * report id), a node's signature over it, and the signer a signature recovers to. Every report type (epoch report,
 * GPU attestation, fault report, job verdict) goes through this one definition, so the domain, the types and the
 * recovery's failure mode are the same for all of them.
 *
 * The message type is viem's reading of `ORACLE_REPORT_TYPES` (uint8..uint48 as number, wider integers as bigint),
 * so a message missing a field, or with a field of the wrong kind, does not compile.
 *
 * @example
 * ```ts
 * const verdicts = ORACLE_REPORT_SIGNING.JobVerdict;
 * const signature = await verdicts.sign(account, { chainId, oracleHub }, verdict);
 * verdicts.digest({ chainId, oracleHub }, verdict); // == OracleHub.hashJobVerdict(verdict)
 * await verdicts.signer({ chainId, oracleHub }, verdict, signature); // account.address
 * ```
 */
import { type Address, type Hex, type LocalAccount, type TypedDataDefinition, getAddress, hashTypedData, recoverTypedDataAddress } from "viem";
import { LeafError, checkAddress } from "./leaves.js";
import { ORACLE_REPORT_TYPES } from "./types.js";

/** Which `OracleHub` deployment the signatures are for. */
export interface OracleDomainParameters {
  chainId: number | bigint;
  /** The `OracleHub` address (the EIP-712 verifying contract). */
  oracleHub: Address;
}

/** The EIP-712 domain of an `OracleHub` deployment. */
export function oracleDomain({ chainId, oracleHub }: OracleDomainParameters) {
  const id = BigInt(chainId);
  if (id <= 0n) throw new LeafError("OUT_OF_RANGE", "chainId", `must be positive, got ${id}`);
  return { name: "CinderOracle", version: "1", chainId: id, verifyingContract: getAddress(checkAddress(oracleHub, "oracleHub")) } as const;
}

/** The report types the hub verifies. */
export type OracleReportType = keyof typeof ORACLE_REPORT_TYPES;

/** The message of a report type, as viem encodes it. */
export type OracleReportMessage<T extends OracleReportType> = TypedDataDefinition<typeof ORACLE_REPORT_TYPES, T>["message"];

/** Digest, sign and recover for one report type. */
export interface OracleReportSigning<T extends OracleReportType> {
  /** The EIP-712 types of this report alone (`{ [primaryType]: fields }`). */
  readonly types: { readonly [K in T]: (typeof ORACLE_REPORT_TYPES)[K] };
  /** The report's EIP-712 digest: its report id on the hub. */
  digest(domain: OracleDomainParameters, message: OracleReportMessage<T>): Hex;
  /** A node's signature over the report. */
  sign(signer: Pick<LocalAccount, "signTypedData">, domain: OracleDomainParameters, message: OracleReportMessage<T>): Promise<Hex>;
  /** The address `signature` recovers to over the report, or null when the signature is malformed. */
  signer(domain: OracleDomainParameters, message: OracleReportMessage<T>, signature: Hex): Promise<Address | null>;
}

/** Digest, sign and recover for the report type `primaryType` (module comment). */
function oracleReportSigning<T extends OracleReportType>(primaryType: T): OracleReportSigning<T> {
  const types = { [primaryType]: ORACLE_REPORT_TYPES[primaryType] } as OracleReportSigning<T>["types"];
  // viem types a definition by its literal primary type; one generic over all four is checked at the message
  // (OracleReportMessage<T>) instead, and the definition itself is passed as the union viem takes.
  const definition = (domain: OracleDomainParameters, message: OracleReportMessage<T>) =>
    ({ domain: oracleDomain(domain), types, primaryType, message }) as unknown as Parameters<typeof hashTypedData>[0];
  return {
    types,
    digest: (domain, message) => hashTypedData(definition(domain, message)),
    sign: (signer, domain, message) => signer.signTypedData(definition(domain, message)),
    async signer(domain, message, signature) {
      try {
        return await recoverTypedDataAddress({ ...definition(domain, message), signature });
      } catch {
        return null;
      }
    },
  };
}

/** Digest, sign and recover for each report type, built once (the nodes and the SDK take theirs from here). */
export const ORACLE_REPORT_SIGNING: { readonly [T in OracleReportType]: OracleReportSigning<T> } = {
  EpochReport: oracleReportSigning("EpochReport"),
  GpuAttestation: oracleReportSigning("GpuAttestation"),
  FaultReport: oracleReportSigning("FaultReport"),
  JobVerdict: oracleReportSigning("JobVerdict"),
};
