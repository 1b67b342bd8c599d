/**
 * OracleHub suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts) with the
 * hub's EIP-712 domain, config digest and the local oracle set, the epoch clock, and the four report types filled
 * with valid defaults (signed with helpers/oracle.ts).
 */
import { keccak256, toUtf8Bytes, type Signer } from "ethers";
import { type OracleHub } from "../../../types/ethers-contracts/index.js";
import { connectCinder, H100, nextGpuId, type Cinder } from "../../helpers/fixture.js";
import { FAULT, OUTCOME, signReport, type EpochReport, type FaultReport, type GpuAttestationReport, type JobVerdict, type OracleDomain } from "../../helpers/oracle.js";

/** The shared deployment, restored from its snapshot. */
async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const EPOCH = 3_600n;
export const DELAY = 60n;
export const LATE_WINDOW = 24n;
export const SILENCE = 3n;
export const hash = (label: string) => keccak256(toUtf8Bytes(label));

export interface Ctx {
  c: Cinder;
  hub: OracleHub;
  domain: OracleDomain;
  digest: string;
  nodes: Signer[];
  /** The current epoch at setup: a fault report is accepted only within the late window of its epoch. */
  epoch: bigint;
}

export async function setup(): Promise<Ctx> {
  const c = await loadCinder();
  const { chainId } = await c.ethers.provider.getNetwork();
  const hub = c.oracleHub;
  return { c, hub, domain: { chainId, hub: await hub.getAddress() }, digest: await hub.configDigest(), nodes: c.oracleSigners, epoch: await hub.currentEpoch() };
}

/** Moves to `offset` seconds into the epoch after the current one and returns that epoch. */
export async function toNextEpoch(c: Cinder, offset = 10n): Promise<bigint> {
  const next = BigInt(await c.networkHelpers.time.latest()) / EPOCH + 1n;
  await c.networkHelpers.time.increaseTo(next * EPOCH + offset);
  return next;
}

export function epochReport(digest: string, epoch: bigint, label = "root"): EpochReport {
  return { configDigest: digest, epoch, root: hash(`${label}-${epoch}`), leafCount: 10n, contentHash: hash(`file-${epoch}`) };
}

export async function submitEpoch(x: Ctx, report: EpochReport, nodes = x.nodes.slice(0, 3)) {
  return x.hub.submitEpochReport(report, await signReport(nodes, x.domain, "EpochReport", { ...report }));
}

export function attestation(x: Ctx, provider: string, now: bigint, overrides: Partial<GpuAttestationReport> = {}): GpuAttestationReport {
  return {
    configDigest: x.digest,
    provider,
    gpuId: nextGpuId(),
    modelClass: H100,
    memoryMiB: 81_559n,
    tier: 2n,
    evidenceHash: hash("spdm evidence"),
    issuedAt: now,
    expiresAt: now + 7n * 86_400n,
    ...overrides,
  };
}

export function fault(x: Ctx, overrides: Partial<FaultReport> = {}): FaultReport {
  return {
    configDigest: x.digest,
    provider: x.c.providers[0].address,
    faultType: FAULT.FailedGpuChallenge,
    subject: hash("gpu"),
    epoch: x.epoch,
    evidenceHash: hash("challenge transcript"),
    ...overrides,
  };
}

export function verdict(x: Ctx, overrides: Partial<JobVerdict> = {}): JobVerdict {
  return {
    configDigest: x.digest,
    leaseId: 7n,
    resultHash: hash("result"),
    outcome: OUTCOME.ClientUpheld,
    toProvider: 1_500_000n,
    ...overrides,
  };
}
