/**
 * SlashingManager suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts), fault
 * reports signed by a quorum of the local oracle set and accepted by the hub, a provider onboarded with two H100s and
 * a proposed slash about its first GPU.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { connectCinder, H100_STAKE_PER_GPU, ONE, onboardProvider, type Cinder } from "../../helpers/fixture.js";
import { FAULT, type FaultReport, signReport } from "../../helpers/oracle.js";

/** The shared deployment, restored from its snapshot. */
export async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const DAY = 86_400n;
export const VETO = 2n * DAY;
export const JAIL = 7n * DAY;
export const STATUS = { None: 0n, Pending: 1n, Deferred: 2n, Executed: 3n, Vetoed: 4n } as const;
export const PROVIDER_STATUS_JAILED = 2n;
export const FRAUD = H100_STAKE_PER_GPU; // 10,000 bps of the per-GPU stake
export const DOWNTIME = (H100_STAKE_PER_GPU * 3_333n + 9_999n) / 10_000n; // 3,333 bps, rounded up
export const BOUNTY_BPS = 1_000n;
export const DEFAULT_PARAMS = {
  vetoWindow: VETO,
  rateWindow: DAY,
  jailCooldown: JAIL,
  bountyBps: BOUNTY_BPS,
  maxPerEvent: 10_000n * ONE,
  maxPerWindow: 50_000n * ONE,
};

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

let evidence = 0n;
/** Signs `fault` with a quorum of the local oracle set, submits it to the hub and returns the report and its id. */
export async function acceptFault(
  c: Cinder,
  provider: string,
  faultType: bigint,
  subject: string,
): Promise<{ report: FaultReport; id: string }> {
  evidence += 1n;
  const report: FaultReport = {
    configDigest: await c.oracleHub.configDigest(),
    provider,
    faultType,
    subject,
    epoch: await c.oracleHub.currentEpoch(),
    evidenceHash: `0x${evidence.toString(16).padStart(64, "0")}`,
  };
  const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
  const signatures = await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report });
  await c.oracleHub.submitFaultReport(report, signatures);
  return { report, id: await c.oracleHub.hashFaultReport(report) };
}

/** A provider onboarded with two H100s, and an accepted failed-challenge report about its first GPU. */
export async function withFault(c: Cinder, p: HardhatEthersSigner, opts: { stake?: bigint } = {}) {
  const gpus = await onboardProvider(c, p, { stake: opts.stake });
  const fault = await acceptFault(c, p.address, FAULT.FailedGpuChallenge, gpus[0]);
  return { gpus, ...fault };
}

export async function proposed(c: Cinder, p: HardhatEthersSigner, reporter: HardhatEthersSigner, opts: { stake?: bigint } = {}) {
  const f = await withFault(c, p, opts);
  await c.slashingManager.connect(reporter).propose(f.report);
  return f;
}
