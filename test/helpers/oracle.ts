/**
 * Signing helpers for OracleHub reports: the EIP-712 domain and types exactly as `IOracleHub` defines them, quorum
 * signing with test signers, and signature mangling for the negative tests (a malleable twin, a short signature).
 */
import { type Signer, Signature, TypedDataEncoder, AbiCoder, keccak256 } from "ethers";
import { ORACLE_REPORT_TYPES } from "../../src/oracle/types.js";

/** The hub's EIP-712 report types (one definition, in src/oracle/types.ts). */
export const ORACLE_TYPES = ORACLE_REPORT_TYPES;

export type ReportKind = keyof typeof ORACLE_TYPES;

export interface EpochReport {
  configDigest: string;
  epoch: bigint;
  root: string;
  leafCount: bigint;
  contentHash: string;
}

export interface GpuAttestationReport {
  configDigest: string;
  provider: string;
  gpuId: string;
  modelClass: string;
  memoryMiB: bigint;
  tier: bigint;
  evidenceHash: string;
  expiresAt: bigint;
}

export interface FaultReport {
  configDigest: string;
  provider: string;
  faultType: bigint;
  subject: string;
  epoch: bigint;
  evidenceHash: string;
}

export interface JobVerdict {
  configDigest: string;
  leaseId: bigint;
  resultHash: string;
  outcome: bigint;
  toProvider: bigint;
}

/** Fault types and verdict outcomes as `IOracleHub` numbers them. */
export const FAULT = { FailedGpuChallenge: 1n, AttestationMismatch: 2n, DuplicateGpuIdentity: 3n, MissedHeartbeats: 4n } as const;
export const OUTCOME = { ProviderUpheld: 1n, ClientUpheld: 2n, Abstained: 3n } as const;

export interface OracleDomain {
  chainId: bigint;
  hub: string;
}

export function oracleDomain({ chainId, hub }: OracleDomain) {
  return { name: "CinderOracle", version: "1", chainId, verifyingContract: hub };
}

/** The EIP-712 digest (the hub's report id) computed off-chain. */
export function reportDigest(domain: OracleDomain, kind: ReportKind, value: Record<string, unknown>): string {
  return TypedDataEncoder.hash(oracleDomain(domain), { [kind]: [...ORACLE_TYPES[kind]] }, value);
}

/** Each signer's EIP-712 signature of the report, in the signers' order. */
export async function signReport(
  signers: readonly Signer[],
  domain: OracleDomain,
  kind: ReportKind,
  value: Record<string, unknown>,
): Promise<string[]> {
  const types = { [kind]: [...ORACLE_TYPES[kind]] };
  return Promise.all(signers.map((s) => s.signTypedData(oracleDomain(domain), types, value)));
}

/** secp256k1's group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The malleable twin of a valid signature: (r, n - s, v flipped), which ecrecover accepts for the same signer. */
export function malleate(signature: string): { signature: string; s: string } {
  const sig = Signature.from(signature);
  const s = `0x${(N - BigInt(sig.s)).toString(16).padStart(64, "0")}`;
  const v = sig.v === 27 ? 28 : 27;
  return { signature: `${sig.r}${s.slice(2)}${v.toString(16)}`, s };
}

/** The config digest of a set as the hub computes it. */
export function configDigestOf(chainId: bigint, hub: string, version: bigint, signers: readonly string[], threshold: bigint): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint32", "address[]", "uint8"], [chainId, hub, version, signers, threshold]),
  );
}

/** 2f + 1 with f = (n - 1) / 3. */
export function thresholdOf(n: number): bigint {
  return BigInt(2 * Math.floor((n - 1) / 3) + 1);
}
