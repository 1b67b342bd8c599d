/**
 * Slashing actions: turn a quorum-signed fault report into a slash proposal (submitting the report to OracleHub
 * first when it is not accepted yet), execute it once the guardian's veto window has passed (jailing the provider),
 * drain the deferred queue, burn what was slashed, veto as the guardian, unjail after the cooldown, and read
 * proposals, the rate window's room and what a fault would cost. Watch the SlashingManager's events with
 * `watchCinderEvent(ctx, { contract: "slashingManager", eventName: "SlashExecuted", … })`.
 *
 * @example
 * ```ts
 * const report = { configDigest, provider, faultType: FaultKind.FailedGpuChallenge, subject: gpuId, epoch, evidenceHash };
 * const signatures = await Promise.all(oracleKeys.map((signer) => signOracleReport(ctx, { kind: "FaultReport", report, signer, chainId })));
 * const { id, amount, executableAt } = await proposeSlash(ctx, { report, signatures });
 * // … after executableAt:
 * const { slashed, bounty, burned } = await executeSlash(ctx, { id });
 * await burnSlashed(ctx);
 * ```
 */
import { type Address, type Hex, parseEventLogs } from "viem";
import { oracleHubAbi, providerRegistryAbi, slashingManagerAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAddress, checkAmount, checkInteger, writeContract } from "./context.js";
import { CinderConfigError } from "./errors.js";
import { type FaultReport, submitOracleReport } from "./keeper.js";

/** Fault kinds as `ISlashingManager` numbers them (1-4 are OracleHub's `FaultType`s; 6 is proposed by the DisputeManager). */
export const FaultKind = {
  FailedGpuChallenge: 1,
  AttestationMismatch: 2,
  DuplicateGpuIdentity: 3,
  MissedHeartbeats: 4,
  RepeatedSlaBreach: 5,
  JobFraud: 6,
} as const;
/** A fault kind. */
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** `ISlashingManager.Status` by its number. */
export const SLASH_STATUS = ["None", "Pending", "Deferred", "Executed", "Vetoed"] as const;
/** A proposal's status name. */
export type SlashStatusName = (typeof SLASH_STATUS)[number];

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
function checkId(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !BYTES32.test(value)) throw new CinderConfigError(field, `must be a 32-byte hex string, got ${JSON.stringify(value)}`);
  return value as Hex;
}

function checkFaultReport(report: FaultReport): FaultReport {
  if (typeof report !== "object" || report === null) throw new CinderConfigError("report", "must be an IOracleHub.FaultReport");
  return {
    configDigest: checkId(report.configDigest, "report.configDigest"),
    provider: checkAddress(report.provider, "report.provider"),
    faultType: checkInteger(report.faultType, "report.faultType", 1, 4),
    subject: checkId(report.subject, "report.subject"),
    epoch: checkAmount(report.epoch, "report.epoch", { positive: false, max: (1n << 64n) - 1n }),
    evidenceHash: checkId(report.evidenceHash, "report.evidenceHash"),
  };
}

/** Parameters of {@link proposeSlash}. */
export interface ProposeSlashParameters {
  report: FaultReport;
  /**
   * A quorum of the oracle set's signatures over the report; needed only when OracleHub has not accepted the report
   * yet (it is then submitted first, in its own transaction).
   */
  signatures?: readonly Hex[];
}
/** The return type of {@link proposeSlash}: the proposal (its id is the hub's report id) as it was recorded. */
export type ProposeSlashReturnType = WriteResult<Hex> & {
  id: Hex;
  /** Whether this call submitted the report to OracleHub. */
  submitted: boolean;
  /** CNDR the proposal slashes (before the pool cap). */
  amount: bigint;
  /** The end of the guardian's veto window: the earliest execution. */
  executableAt: bigint;
};

/**
 * Proposes the slash of a fault report: submits the quorum-signed report to OracleHub when it is not accepted yet,
 * then calls `SlashingManager.propose`; the sender is the reporter (it receives the bounty at execution).
 */
export async function proposeSlash(ctx: CinderContext, { report, signatures }: ProposeSlashParameters): Promise<ProposeSlashReturnType> {
  const checked = checkFaultReport(report);
  const pc = ctx.publicClient;
  const reportId = await pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "hashFaultReport", args: [checked] });
  const accepted = await pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "isAccepted", args: [reportId] });
  if (!accepted) {
    if (signatures === undefined || signatures.length === 0) {
      throw new CinderConfigError("signatures", `OracleHub has not accepted fault report ${reportId}: pass the oracle quorum's signatures to submit it`);
    }
    await submitOracleReport(ctx, { kind: "FaultReport", report: checked, signatures });
  }
  const written = await writeContract(ctx, { contract: "SlashingManager", address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "propose", args: [checked] });
  const [event] = parseEventLogs({ abi: slashingManagerAbi, eventName: "SlashProposed", logs: written.receipt.logs });
  return { ...written, id: written.result, submitted: !accepted, amount: event?.args.amount ?? 0n, executableAt: event?.args.executableAt ?? 0n };
}

/** Parameters of {@link executeSlash}. */
export interface ExecuteSlashParameters {
  /** The proposal id (the fault report's id). */
  id: Hex;
}
/** The return type of {@link executeSlash}: what was slashed now, the reporter's bounty, what waits to be burned, and what the rate limit deferred. */
export type ExecuteSlashReturnType = WriteResult<bigint> & { slashed: bigint; bounty: bigint; burned: bigint; deferred: bigint; reporter: Address | undefined };

/** Executes a proposal whose veto window has ended (anyone): jails the provider and slashes up to the rate window's room. */
export async function executeSlash(ctx: CinderContext, { id }: ExecuteSlashParameters): Promise<ExecuteSlashReturnType> {
  const written = await writeContract(ctx, { contract: "SlashingManager", address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "execute", args: [checkId(id, "id")] });
  const [event] = parseEventLogs({ abi: slashingManagerAbi, eventName: "SlashExecuted", logs: written.receipt.logs });
  return { ...written, slashed: written.result, bounty: event?.args.bounty ?? 0n, burned: event?.args.burned ?? 0n, deferred: event?.args.deferred ?? 0n, reporter: event?.args.reporter };
}

/** Parameters of {@link executeDeferredSlashes} and {@link getDeferredSlash}. */
export interface ExecuteDeferredSlashesParameters {
  /** The provider whose pool's deferred slot to work on (each pool has one; `SlashDeferred` events name them). */
  provider: Address;
}
/** The return type of {@link executeDeferredSlashes}: `result` is what was slashed. */
export type ExecuteDeferredSlashesReturnType = WriteResult<bigint>;
/**
 * Slashes a pool's deferred proposal as far as the rate window allows, in one O(1) call (anyone).
 * @example await executeDeferredSlashes(ctx, { provider: "0x…" });
 */
export async function executeDeferredSlashes(ctx: CinderContext, { provider }: ExecuteDeferredSlashesParameters): Promise<ExecuteDeferredSlashesReturnType> {
  return writeContract(ctx, { contract: "SlashingManager", address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "executeDeferred", args: [checkAddress(provider, "provider")] });
}

/** A pool's deferred slot: the proposal waiting in it (undefined: none) and what it still has to slash. */
export async function getDeferredSlash(ctx: CinderContext, { provider }: ExecuteDeferredSlashesParameters) {
  const [id, amount] = await ctx.publicClient.readContract({ address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "deferredOf", args: [checkAddress(provider, "provider")] });
  return { id: BigInt(id) === 0n ? undefined : id, amount };
}
/** The return type of {@link getDeferredSlash}. */
export type GetDeferredSlashReturnType = Awaited<ReturnType<typeof getDeferredSlash>>;

/** The return type of {@link burnSlashed}: `result` is the CNDR burned. */
export type BurnSlashedReturnType = WriteResult<bigint>;
/** Burns every slashed CNDR the SlashingManager holds (anyone). */
export async function burnSlashed(ctx: CinderContext): Promise<BurnSlashedReturnType> {
  return writeContract(ctx, { contract: "SlashingManager", address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "burnSlashed", args: [] });
}

/** Parameters of {@link vetoSlash}. */
export interface VetoSlashParameters {
  id: Hex;
}
/** The return type of {@link vetoSlash}. */
export type VetoSlashReturnType = WriteResult<void>;
/** Vetoes a pending proposal within its veto window (the guardian role only). */
export async function vetoSlash(ctx: CinderContext, { id }: VetoSlashParameters): Promise<VetoSlashReturnType> {
  return writeContract(ctx, { contract: "SlashingManager", address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "veto", args: [checkId(id, "id")] });
}

/** The return type of {@link unjailProvider}. */
export type UnjailProviderReturnType = WriteResult<void>;
/** The sender (a jailed provider) leaves jail once the cooldown has passed and its stake covers its GPUs again. */
export async function unjailProvider(ctx: CinderContext): Promise<UnjailProviderReturnType> {
  return writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "unjail", args: [] });
}

/** Parameters of {@link getSlashProposal}. */
export interface GetSlashProposalParameters {
  id: Hex;
}
/** A slash proposal with its status by name. */
export async function getSlashProposal(ctx: CinderContext, { id }: GetSlashProposalParameters) {
  const proposal = await ctx.publicClient.readContract({ address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "getProposal", args: [checkId(id, "id")] });
  const statusName = (SLASH_STATUS[proposal.status] ?? `Unknown(${proposal.status})`) as SlashStatusName | `Unknown(${number})`;
  return { id, ...proposal, statusName };
}
/** The return type of {@link getSlashProposal}. */
export type GetSlashProposalReturnType = Awaited<ReturnType<typeof getSlashProposal>>;

/** The slashing parameters, the rate window's room now and the reporter's bounty fraction applied (deferred slashes are per pool: {@link getDeferredSlash}). */
export async function getSlashingState(ctx: CinderContext) {
  const address = ctx.addresses.slashingManager;
  const pc = ctx.publicClient;
  const [params, windowRoom, bountyBps] = await Promise.all([
    pc.readContract({ address, abi: slashingManagerAbi, functionName: "params" }),
    pc.readContract({ address, abi: slashingManagerAbi, functionName: "windowRoom" }),
    pc.readContract({ address, abi: slashingManagerAbi, functionName: "effectiveBountyBps" }),
  ]);
  return { params, windowRoom, bountyBps };
}
/** The return type of {@link getSlashingState}. */
export type GetSlashingStateReturnType = Awaited<ReturnType<typeof getSlashingState>>;

/** Parameters of {@link getFaultAmount}. */
export interface GetFaultAmountParameters {
  provider: Address;
  kind: FaultKind;
  /** A GPU id (kinds 1-3) or a lease id as bytes32 (kinds 4-6). */
  subject: Hex;
}
/** The CNDR a fault of `kind` about `subject` would slash from `provider` now (before the pool cap). */
export async function getFaultAmount(ctx: CinderContext, { provider, kind, subject }: GetFaultAmountParameters): Promise<bigint> {
  const k = checkInteger(kind, "kind", 1, 6);
  return ctx.publicClient.readContract({ address: ctx.addresses.slashingManager, abi: slashingManagerAbi, functionName: "faultAmount", args: [checkAddress(provider, "provider"), k, checkId(subject, "subject")] });
}

/** Parameters of {@link faultReportId}. */
export interface FaultReportIdParameters {
  report: FaultReport;
}
/** The hub's id of a fault report (also its slash proposal's id). */
export async function faultReportId(ctx: CinderContext, { report }: FaultReportIdParameters): Promise<Hex> {
  return ctx.publicClient.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "hashFaultReport", args: [checkFaultReport(report)] });
}

/** The current oracle set: its signers, threshold, version and the config digest every report is signed under. */
export async function getOracleSet(ctx: CinderContext) {
  const pc = ctx.publicClient;
  const [[signers, threshold, version], configDigest] = await Promise.all([
    pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "oracleSet" }),
    pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" }),
  ]);
  return { signers, threshold, version, configDigest };
}
/** The return type of {@link getOracleSet}. */
export type GetOracleSetReturnType = Awaited<ReturnType<typeof getOracleSet>>;
