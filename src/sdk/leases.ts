/**
 * Client actions on the JobMarket and its LeaseAuction: lease GPUs directly from an offer (the market) or by reverse
 * auction (orders, bids and finalize on the auction, which opens the lease in the market), extend, cancel,
 * withdraw credited balances (a batch result is disputed through the DisputeManager: `disputes.ts`); and the provider's side of an auction (bid) and of a batch
 * job (submit a result). Escrow is checked against the sender's balance and approved before each call.
 *
 * @example
 * ```ts
 * const { leaseId } = await createDirectLease(ctx, { provider, modelClass: "H100-80GB", gpuCount: 1, duration: 7_200n, maxPricePerGpuHour: 2_000_000n });
 * await extendLease(ctx, { leaseId, extraDuration: 3_600n });
 * const { orderId } = await postOrder(ctx, { modelClass: "H100-80GB", gpuCount: 1, duration: 7_200n, maxPricePerGpuHour: 3_000_000n, bidWindow: 600n });
 * ```
 */
import { type Address, type Hex, type TransactionReceipt, parseEventLogs } from "viem";
import { jobMarketAbi, leaseAuctionAbi, providerRegistryAbi, slaBondManagerAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAddress, checkAmount, checkInteger, ensureFunds, writeContract } from "./context.js";
import { CinderConfigError, CinderTransactionError } from "./errors.js";
import { type ModelClass, resolveModelClass } from "../protocol/models.js";
import { settlementAsset } from "./reads.js";

/** Lease (paid as it streams) or Batch (paid once its result is final), as `IJobMarket.JobKind` numbers them. */
export const JobKind = { Lease: 0, Batch: 1 } as const;
/** A job kind. */
export type JobKind = (typeof JobKind)[keyof typeof JobKind];

const MAX_UINT40 = (1n << 40n) - 1n;

/** The value of `gpus` GPUs for `seconds` at `price` per GPU-hour, rounded down as `LeaseMath.value` does. */
export function leaseValue(pricePerGpuHour: bigint, gpuCount: number, seconds: bigint): bigint {
  return (pricePerGpuHour * BigInt(gpuCount) * seconds) / 3_600n;
}

function leaseIdFrom(receipt: TransactionReceipt): bigint {
  const [event] = parseEventLogs({ abi: jobMarketAbi, eventName: "LeaseCreated", logs: receipt.logs });
  if (event === undefined) throw new CinderTransactionError(`transaction ${receipt.transactionHash} created no lease`);
  return event.args.leaseId;
}

/** Parameters of {@link createDirectLease}. */
export interface CreateDirectLeaseParameters {
  provider: Address;
  modelClass: ModelClass;
  gpuCount: number;
  /** Seconds. */
  duration: bigint;
  /** The most the client pays per GPU-hour (the offer's price is charged). */
  maxPricePerGpuHour: bigint;
  kind?: JobKind;
}
/** The return type of {@link createDirectLease}. */
export type CreateDirectLeaseReturnType = WriteResult<bigint> & { leaseId: bigint; value: bigint };
/** Leases GPUs at the provider's published offer; the whole lease value moves into escrow. */
export async function createDirectLease(ctx: CinderContext, parameters: CreateDirectLeaseParameters): Promise<CreateDirectLeaseReturnType> {
  const provider = checkAddress(parameters.provider, "provider");
  const modelClass = resolveModelClass(parameters.modelClass);
  const gpuCount = checkInteger(parameters.gpuCount, "gpuCount", 1, 65_535);
  const duration = checkAmount(parameters.duration, "duration", { max: MAX_UINT40 });
  const maxPrice = checkAmount(parameters.maxPricePerGpuHour, "maxPricePerGpuHour", { max: MAX_UINT40 });
  const kind = parameters.kind ?? JobKind.Lease;
  const offer = await ctx.publicClient.readContract({ address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "getOffer", args: [provider, modelClass] });
  if (!offer.active) throw new CinderConfigError("provider", `${provider} publishes no offer for model class ${String(parameters.modelClass)}`);
  if (offer.pricePerGpuHour > maxPrice) {
    throw new CinderConfigError("maxPricePerGpuHour", `the offer's price ${offer.pricePerGpuHour} is above the maximum ${maxPrice}`);
  }
  const value = leaseValue(offer.pricePerGpuHour, gpuCount, duration);
  await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.jobMarket, amount: value });
  const written = await writeContract(ctx, {
    contract: "JobMarket",
    address: ctx.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "createDirectLease",
    args: [provider, modelClass, gpuCount, Number(duration), Number(maxPrice), kind],
  });
  return { ...written, leaseId: leaseIdFrom(written.receipt), value };
}

/** Parameters of {@link postOrder}. */
export interface PostOrderParameters {
  modelClass: ModelClass;
  gpuCount: number;
  duration: bigint;
  /** The most the client pays per GPU-hour: the escrow is funded at this price, the unused part refunded. */
  maxPricePerGpuHour: bigint;
  /** Seconds bids stay open. */
  bidWindow: bigint;
  kind?: JobKind;
}
/** The return type of {@link postOrder}. */
export type PostOrderReturnType = WriteResult<bigint> & { orderId: bigint; escrow: bigint };
/** Posts an open order (reverse auction) funded at its maximum price: the LeaseAuction holds the escrow until finalize. */
export async function postOrder(ctx: CinderContext, parameters: PostOrderParameters): Promise<PostOrderReturnType> {
  const modelClass = resolveModelClass(parameters.modelClass);
  const gpuCount = checkInteger(parameters.gpuCount, "gpuCount", 1, 65_535);
  const duration = checkAmount(parameters.duration, "duration", { max: MAX_UINT40 });
  const maxPrice = checkAmount(parameters.maxPricePerGpuHour, "maxPricePerGpuHour", { max: MAX_UINT40 });
  const bidWindow = checkAmount(parameters.bidWindow, "bidWindow", { max: MAX_UINT40 });
  const escrow = leaseValue(maxPrice, gpuCount, duration);
  await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.leaseAuction, amount: escrow });
  const written = await writeContract(ctx, {
    contract: "LeaseAuction",
    address: ctx.addresses.leaseAuction,
    abi: leaseAuctionAbi,
    functionName: "postOrder",
    args: [modelClass, gpuCount, Number(duration), Number(maxPrice), Number(bidWindow), parameters.kind ?? JobKind.Lease],
  });
  return { ...written, orderId: written.result, escrow };
}

/** Parameters of {@link bid}. */
export interface BidParameters {
  orderId: bigint;
  pricePerGpuHour: bigint;
}
/** The return type of {@link bid}. */
export type BidReturnType = WriteResult<void>;
/**
 * A provider bids on an open order. The bid binds until finalize: a provider new to the order locks the order's bid
 * bond (`bidBondPercent` of its escrow at the maximum price) of its SLA bond (deposit it first through the
 * SlaBondManager; the call reverts with `SlaBondManagerInsufficientFreeBond` when its free bond is short), forfeited to
 * the client if it is awarded and can no longer serve.
 */
export async function bid(ctx: CinderContext, { orderId, pricePerGpuHour }: BidParameters): Promise<BidReturnType> {
  const id = checkAmount(orderId, "orderId");
  const price = checkAmount(pricePerGpuHour, "pricePerGpuHour", { max: MAX_UINT40 });
  return writeContract(ctx, { contract: "LeaseAuction", address: ctx.addresses.leaseAuction, abi: leaseAuctionAbi, functionName: "bid", args: [id, Number(price)] });
}

/** Parameters of {@link finalizeAuction}. */
export interface FinalizeAuctionParameters {
  orderId: bigint;
}
/** The return type of {@link finalizeAuction}: `leaseId` is 0n when the order failed or expired (escrow refunded). */
export type FinalizeAuctionReturnType = WriteResult<bigint> & { leaseId: bigint };
/**
 * Settles an auction after its bid window (anyone): the escrow moves into the JobMarket, which opens the lease and
 * credits the rest to the client's market balance (`withdrawBalance`).
 */
export async function finalizeAuction(ctx: CinderContext, { orderId }: FinalizeAuctionParameters): Promise<FinalizeAuctionReturnType> {
  const written = await writeContract(ctx, { contract: "LeaseAuction", address: ctx.addresses.leaseAuction, abi: leaseAuctionAbi, functionName: "finalizeAuction", args: [checkAmount(orderId, "orderId")] });
  return { ...written, leaseId: written.result };
}

/** Parameters of {@link cancelOrder}. */
export interface CancelOrderParameters {
  orderId: bigint;
}
/** The return type of {@link cancelOrder}. */
export type CancelOrderReturnType = WriteResult<void>;
/** The client cancels an order that has no bid yet; the auction sends the escrow back. */
export async function cancelOrder(ctx: CinderContext, { orderId }: CancelOrderParameters): Promise<CancelOrderReturnType> {
  return writeContract(ctx, { contract: "LeaseAuction", address: ctx.addresses.leaseAuction, abi: leaseAuctionAbi, functionName: "cancelOrder", args: [checkAmount(orderId, "orderId")] });
}

/** Parameters of {@link extendLease}. */
export interface ExtendLeaseParameters {
  leaseId: bigint;
  /** Seconds added to the lease's end. */
  extraDuration: bigint;
}
/** The return type of {@link extendLease}. */
export type ExtendLeaseReturnType = WriteResult<void> & { topUp: bigint };
/** Extends a lease; the top-up (the value of the added time) moves into escrow. */
export async function extendLease(ctx: CinderContext, { leaseId, extraDuration }: ExtendLeaseParameters): Promise<ExtendLeaseReturnType> {
  const id = checkAmount(leaseId, "leaseId");
  const extra = checkAmount(extraDuration, "extraDuration", { max: MAX_UINT40 });
  const lease = await ctx.publicClient.readContract({ address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [id] });
  const start = BigInt(lease.start);
  const end = BigInt(lease.end);
  const topUp = leaseValue(BigInt(lease.pricePerGpuHour), lease.gpuCount, end + extra - start) - leaseValue(BigInt(lease.pricePerGpuHour), lease.gpuCount, end - start);
  if (topUp > 0n) await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.jobMarket, amount: topUp });
  const written = await writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "extend", args: [id, Number(extra)] });
  return { ...written, topUp };
}

/** Parameters of {@link cancelLease}, {@link closeLease} and {@link quitLease} (disputes: `disputes.ts`). */
export interface LeaseIdParameters {
  leaseId: bigint;
}
/** The return type of the single-lease calls. */
export type LeaseCallReturnType = WriteResult<void>;

/** The client cancels a lease: it ends after the notice, what will not stream is credited back. */
export async function cancelLease(ctx: CinderContext, { leaseId }: LeaseIdParameters): Promise<LeaseCallReturnType> {
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "cancel", args: [checkAmount(leaseId, "leaseId")] });
}
/** Anyone closes an ended lease: the rest goes to the provider, leftovers to the client, the GPUs are freed. */
export async function closeLease(ctx: CinderContext, { leaseId }: LeaseIdParameters): Promise<LeaseCallReturnType> {
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "close", args: [checkAmount(leaseId, "leaseId")] });
}
/** The provider quits a lease early (the client is credited the rest; the exit penalty comes from the bond). */
export async function quitLease(ctx: CinderContext, { leaseId }: LeaseIdParameters): Promise<LeaseCallReturnType> {
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "quit", args: [checkAmount(leaseId, "leaseId")] });
}

/** Parameters of {@link submitResult}. */
export interface SubmitResultParameters {
  leaseId: bigint;
  resultHash: Hex;
  uri: string;
}
/** The return type of {@link submitResult}. */
export type SubmitResultReturnType = WriteResult<void>;
/** The provider submits a batch job's result; the challenge window starts. */
export async function submitResult(ctx: CinderContext, { leaseId, resultHash, uri }: SubmitResultParameters): Promise<SubmitResultReturnType> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(resultHash)) throw new CinderConfigError("resultHash", `must be a bytes32 hex string, got ${JSON.stringify(resultHash)}`);
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "submitResult", args: [checkAmount(leaseId, "leaseId"), resultHash, uri] });
}

/** The return type of {@link withdrawBalance}: `result` is the amount paid. */
export type WithdrawBalanceReturnType = WriteResult<bigint>;
/** Withdraws the sender's credited JobMarket balance (refunds, credits, an auction's unused escrow). */
export async function withdrawBalance(ctx: CinderContext): Promise<WithdrawBalanceReturnType> {
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "withdrawBalance", args: [] });
}

/** Parameters of {@link setClientTier}. */
export interface SetClientTierParameters {
  /** The SLA tier new leases are awarded under (0 Standard, 1 Pro, 2 Enterprise as deployed). */
  tier: number;
}
/** The return type of {@link setClientTier}. */
export type SetClientTierReturnType = WriteResult<void>;
/** Chooses the sender's SLA tier for its future leases. */
export async function setClientTier(ctx: CinderContext, { tier }: SetClientTierParameters): Promise<SetClientTierReturnType> {
  return writeContract(ctx, { contract: "SlaBondManager", address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "setClientTier", args: [checkInteger(tier, "tier", 0, 7)] });
}

/** The return type of {@link withdrawSlaCredits}: `result` is the amount paid. */
export type WithdrawSlaCreditsReturnType = WriteResult<bigint>;
/** Withdraws the sender's SLA credits from the SlaBondManager. */
export async function withdrawSlaCredits(ctx: CinderContext): Promise<WithdrawSlaCreditsReturnType> {
  return writeContract(ctx, { contract: "SlaBondManager", address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "withdraw", args: [] });
}
