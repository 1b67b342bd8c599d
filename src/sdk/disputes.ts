/**
 * Job disputes through the DisputeManager: the client posts a batch job's spec before the result, disputes the
 * result within the challenge window (approving and paying the deposit), anyone applies the oracle quorum's verdict,
 * the arbitrator decides an abstained (or unanswered) dispute before its deadline, anyone expires it after that, and
 * the credited deposits are withdrawn.
 *
 * @example
 * ```ts
 * await postJobSpec(ctx, { leaseId, specHash, uri: "ipfs://spec" });   // before the provider's result
 * const { deposit } = await openDispute(ctx, { leaseId });              // approves and pays max(min, bps x escrow)
 * await submitVerdict(ctx, { verdict, signatures });                    // the quorum's signed JobVerdict
 * const d = await getDispute(ctx, { leaseId });                         // d.statusName: "Resolved"
 * await withdrawDisputeDeposit(ctx);
 * ```
 */
import type { Address, Hex } from "viem";
import { disputeManagerAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAmount, checkInteger, ensureFunds, writeContract } from "./context.js";
import { CinderConfigError } from "./errors.js";
import type { JobVerdict } from "./keeper.js";
import { settlementAsset } from "./reads.js";

/** `IOracleHub.Outcome` numbers (0 is invalid). */
export const DisputeOutcome = { ProviderUpheld: 1, ClientUpheld: 2, Abstained: 3 } as const;
/** A verdict outcome. */
export type DisputeOutcome = (typeof DisputeOutcome)[keyof typeof DisputeOutcome];
/** `IDisputeManager.Status` names, by number. */
export const DISPUTE_STATUS_NAMES = ["None", "Open", "Abstained", "Resolved", "Expired"] as const;
/** A dispute's status name. */
export type DisputeStatusName = (typeof DISPUTE_STATUS_NAMES)[number];


const dm = (ctx: CinderContext) => ({ contract: "DisputeManager", address: ctx.addresses.disputeManager, abi: disputeManagerAbi }) as const;

function checkHash(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new CinderConfigError(field, "must be a 32-byte hex string");
  return value as Hex;
}

function checkVerdict(v: JobVerdict): JobVerdict {
  return {
    configDigest: checkHash(v.configDigest, "verdict.configDigest"),
    leaseId: checkAmount(v.leaseId, "verdict.leaseId"),
    resultHash: checkHash(v.resultHash, "verdict.resultHash"),
    outcome: checkInteger(v.outcome, "verdict.outcome", 1, 3),
    toProvider: checkAmount(v.toProvider, "verdict.toProvider", { positive: false }),
  };
}

/** Parameters of {@link postJobSpec}. */
export interface PostJobSpecParameters {
  leaseId: bigint;
  /** The hash of the job's spec (what the oracle re-executes or samples against); not zero. */
  specHash: Hex;
  uri: string;
}
/** The return type of the dispute calls that return nothing. */
export type DisputeCallReturnType = WriteResult<void>;
/** The client posts a batch job's spec, once, before the provider submits its result. */
export async function postJobSpec(ctx: CinderContext, { leaseId, specHash, uri }: PostJobSpecParameters): Promise<DisputeCallReturnType> {
  return writeContract(ctx, { ...dm(ctx), functionName: "postJobSpec", args: [checkAmount(leaseId, "leaseId"), checkHash(specHash, "specHash"), uri] });
}

/** Parameters of {@link openDispute}, {@link expireDispute} and {@link getDispute}. */
export interface DisputeIdParameters {
  leaseId: bigint;
}
/** The return type of {@link openDispute}. */
export type OpenDisputeReturnType = WriteResult<bigint> & { deposit: bigint };
/**
 * The client disputes a batch job's result within its challenge window: approves the DisputeManager for
 * `depositFor(leaseId)` of the settlement asset if needed, then opens the dispute (the escrow freezes).
 */
export async function openDispute(ctx: CinderContext, { leaseId }: DisputeIdParameters): Promise<OpenDisputeReturnType> {
  const id = checkAmount(leaseId, "leaseId");
  const deposit = await ctx.publicClient.readContract({ ...dm(ctx), functionName: "depositFor", args: [id] });
  await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.disputeManager, amount: deposit });
  const written = await writeContract(ctx, { ...dm(ctx), functionName: "open", args: [id] });
  return { ...written, deposit: written.result };
}
/** The client's dispute of a batch result (the `leases.dispute` flow): {@link openDispute}. */
export const disputeLease = openDispute;

/** Parameters of {@link submitVerdict}. */
export interface SubmitVerdictParameters {
  /** The quorum's `IOracleHub.JobVerdict` (outcome a {@link DisputeOutcome}). */
  verdict: JobVerdict;
  /** The quorum's signatures (ignored when the hub accepted the verdict already). */
  signatures: readonly Hex[];
}
/** Anyone submits the quorum's verdict to the OracleHub (unless accepted already) and applies it. */
export async function submitVerdict(ctx: CinderContext, { verdict, signatures }: SubmitVerdictParameters): Promise<DisputeCallReturnType> {
  return writeContract(ctx, { ...dm(ctx), functionName: "submitVerdict", args: [checkVerdict(verdict), signatures] });
}

/** Parameters of {@link resolveDispute}. */
export interface ResolveDisputeParameters {
  verdict: JobVerdict;
}
/** Anyone applies a verdict the OracleHub has accepted. */
export async function resolveDispute(ctx: CinderContext, { verdict }: ResolveDisputeParameters): Promise<DisputeCallReturnType> {
  return writeContract(ctx, { ...dm(ctx), functionName: "resolve", args: [checkVerdict(verdict)] });
}

/** Parameters of {@link arbitrateDispute}. */
export interface ArbitrateDisputeParameters {
  leaseId: bigint;
  outcome: typeof DisputeOutcome.ProviderUpheld | typeof DisputeOutcome.ClientUpheld;
  /** What the provider receives of the escrow (capped at what the market holds). */
  toProvider: bigint;
}
/** The arbitrator (ARBITRATOR role) decides after an abstention or the verdict deadline, before its deadline. */
export async function arbitrateDispute(ctx: CinderContext, { leaseId, outcome, toProvider }: ArbitrateDisputeParameters): Promise<DisputeCallReturnType> {
  return writeContract(ctx, {
    ...dm(ctx),
    functionName: "arbitrate",
    args: [checkAmount(leaseId, "leaseId"), checkInteger(outcome, "outcome", 1, 2), checkAmount(toProvider, "toProvider", { positive: false })],
  });
}

/** Anyone expires an undecided dispute after its arbitration deadline: the result stands, the provider is paid the escrow and credited the client's deposit. */
export async function expireDispute(ctx: CinderContext, { leaseId }: DisputeIdParameters): Promise<DisputeCallReturnType> {
  return writeContract(ctx, { ...dm(ctx), functionName: "expire", args: [checkAmount(leaseId, "leaseId")] });
}

/** The return type of {@link withdrawDisputeDeposit}. */
export type WithdrawDisputeDepositReturnType = WriteResult<bigint> & { amount: bigint };
/** Withdraws the deposits credited to the sender (its own back, or a losing client's as the provider). */
export async function withdrawDisputeDeposit(ctx: CinderContext): Promise<WithdrawDisputeDepositReturnType> {
  const written = await writeContract(ctx, { ...dm(ctx), functionName: "withdraw", args: [] });
  return { ...written, amount: written.result };
}

/** The return type of {@link getDispute}. */
export interface GetDisputeReturnType {
  leaseId: bigint;
  client: Address;
  provider: Address;
  openedAt: number;
  verdictDeadline: number;
  arbitrationDeadline: number;
  deposit: bigint;
  status: number;
  statusName: DisputeStatusName;
  outcome: number;
  resultHash: Hex;
  specHash: Hex;
  /** The deposit a dispute of this lease needs now. */
  depositFor: bigint;
}
/** A lease's dispute (status None when there is none), with its spec hash and the deposit a dispute needs now. */
export async function getDispute(ctx: CinderContext, { leaseId }: DisputeIdParameters): Promise<GetDisputeReturnType> {
  const id = checkAmount(leaseId, "leaseId");
  const pc = ctx.publicClient;
  const [d, specHash, depositFor] = await Promise.all([
    pc.readContract({ ...dm(ctx), functionName: "getDispute", args: [id] }),
    pc.readContract({ ...dm(ctx), functionName: "jobSpecHash", args: [id] }),
    pc.readContract({ ...dm(ctx), functionName: "depositFor", args: [id] }),
  ]);
  return {
    leaseId: id,
    client: d.client,
    provider: d.provider,
    openedAt: d.openedAt,
    verdictDeadline: d.verdictDeadline,
    arbitrationDeadline: d.arbitrationDeadline,
    deposit: d.deposit,
    status: d.status,
    statusName: DISPUTE_STATUS_NAMES[d.status] ?? "None",
    outcome: d.outcome,
    resultHash: d.resultHash,
    specHash,
    depositFor,
  };
}
