/**
 * Signing helpers for OracleHub reports: the EIP-712 domain and types exactly as `IOracleHub` defines them, quorum
 * signing with test signers, and signature mangling for the negative tests (a malleable twin, a short signature).
 */
import { type Signer, Signature, TypedDataEncoder, AbiCoder, keccak256 } from "ethers";
import { ORACLE_REPORT_TYPES } from "../../src/protocol/types.js";
import type { Cinder } from "./fixture.js";

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
  issuedAt: bigint;
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

/** What `reportEpoch` and `coverUntil` need of the shared fixture's deployment. */
export type HubDeployment = Pick<Cinder, "oracleHub" | "oracleSigners" | "ethers">;

/**
 * Reports the ended `epoch`, signed by a quorum (three) of the local oracle set, for tests that need the hub to
 * cover time but prove no leaf of it: the root and content hash are tags derived from the epoch. The hub then
 * covers every epoch up to it (`OracleHub.coveredUntil`): an SLA lease's stream before the end of `epoch` becomes
 * withdrawable. Tests that settle an SLA build real leaf trees with `buildTree` instead.
 */
export async function reportEpoch(c: HubDeployment, epoch: bigint): Promise<void> {
  const hub = c.oracleHub;
  const { chainId } = await c.ethers.provider.getNetwork();
  const tag = (label: string) => keccak256(AbiCoder.defaultAbiCoder().encode(["string", "uint64"], [label, epoch]));
  const report = { configDigest: await hub.configDigest(), epoch, root: tag("cover-root"), leafCount: 1n, contentHash: tag("cover-file") };
  const sigs = await signReport(c.oracleSigners.slice(0, 3), { chainId, hub: await hub.getAddress() }, "EpochReport", { ...report });
  await (await hub.submitEpochReport(report, sigs)).wait();
}

/**
 * Makes the hub cover time `t`: reports the epoch holding `t - 1` unless the hub covers `t` already. That epoch must
 * have ended (the hub takes no report of the current one); the report's transaction uses the next block, so call this
 * before setting a timestamp for the transaction under test.
 */
export async function coverUntil(c: HubDeployment, t: bigint): Promise<void> {
  if ((await c.oracleHub.coveredUntil()) >= t) return;
  const length = await c.oracleHub.EPOCH_LENGTH();
  const epoch = (t - 1n) / length;
  const block = await c.ethers.provider.getBlock("latest");
  const current = BigInt(block?.timestamp ?? 0) / length;
  if (current <= epoch) throw new Error(`coverUntil(${t}): epoch ${epoch} has not ended (current ${current})`);
  await reportEpoch(c, epoch);
}
