/**
 * Provider actions: register, publish and withdraw offers, stake CNDR, post and withdraw the SLA bond, withdraw
 * stake, and collect lease streams and channel earnings. Each checks its input, the sender's balance (a
 * `CinderInsufficientBalanceError` with both numbers) and approves what the contract pulls.
 *
 * @example
 * ```ts
 * await registerProvider(ctx, { metadataURI: "ipfs://my-gpus" });
 * await setOffer(ctx, { modelClass: "H100-80GB", pricePerGpuHour: 2_000_000n }); // 2 USD per GPU-hour
 * await stake(ctx, { amount: 400n * 10n ** 18n });
 * await depositBond(ctx, { amount: 10_000n * 10n ** 6n });
 * ```
 */
import { type Address, parseEventLogs } from "viem";
import { jobMarketAbi, paymentChannelsAbi, providerRegistryAbi, slaBondManagerAbi, stakingVaultAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAddress, checkAmount, checkInteger, ensureFunds, senderOf, writeContract } from "./context.js";
import { CinderConfigError } from "./errors.js";
import { type ModelClass, resolveModelClass } from "../protocol/models.js";
import { settlementAsset } from "./reads.js";

/** Parameters of {@link registerProvider}. */
export interface RegisterProviderParameters {
  /** Where the provider describes itself (an IPFS or HTTPS URI). */
  metadataURI: string;
  /** Receives payments; default the sender. */
  payout?: Address;
}
/** The return type of {@link registerProvider}. */
export type RegisterProviderReturnType = WriteResult<void>;
/** Registers the sender as a provider. */
export async function registerProvider(ctx: CinderContext, { metadataURI, payout }: RegisterProviderParameters): Promise<RegisterProviderReturnType> {
  if (typeof metadataURI !== "string" || metadataURI.length === 0) throw new CinderConfigError("metadataURI", "must be a non-empty string");
  const to = payout === undefined ? senderOf(ctx) : checkAddress(payout, "payout");
  return writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "register", args: [metadataURI, to] });
}

/** Parameters of {@link setOffer}. */
export interface SetOfferParameters {
  modelClass: ModelClass;
  /** Price per GPU-hour in the stablecoin's smallest unit (6 decimals: 2_000_000n is 2 USD). */
  pricePerGpuHour: bigint;
}
/** The return type of {@link setOffer}. */
export type SetOfferReturnType = WriteResult<void>;
/** Publishes (or changes) the sender's offer for a model class; publishing is acceptance of direct orders. */
export async function setOffer(ctx: CinderContext, { modelClass, pricePerGpuHour }: SetOfferParameters): Promise<SetOfferReturnType> {
  const price = checkAmount(pricePerGpuHour, "pricePerGpuHour", { max: (1n << 128n) - 1n });
  return writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "setOffer", args: [resolveModelClass(modelClass), price] });
}

/** Parameters of {@link withdrawOffer}. */
export interface WithdrawOfferParameters {
  modelClass: ModelClass;
}
/** The return type of {@link withdrawOffer}. */
export type WithdrawOfferReturnType = WriteResult<void>;
/** Withdraws the sender's offer for a model class. */
export async function withdrawOffer(ctx: CinderContext, { modelClass }: WithdrawOfferParameters): Promise<WithdrawOfferReturnType> {
  return writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "withdrawOffer", args: [resolveModelClass(modelClass)] });
}

/** Parameters of {@link setCommission}. */
export interface SetCommissionParameters {
  /** The provider's cut of its pool's rewards, in basis points. */
  commissionBps: number;
}
/** The return type of {@link setCommission}. */
export type SetCommissionReturnType = WriteResult<void>;
/** Sets the commission (a rise waits the registry's delay). */
export async function setCommission(ctx: CinderContext, { commissionBps }: SetCommissionParameters): Promise<SetCommissionReturnType> {
  const bps = checkInteger(commissionBps, "commissionBps", 0, 10_000);
  return writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "setCommission", args: [bps] });
}

/** Parameters of {@link stake}. */
export interface StakeParameters {
  /** CNDR in wei. */
  amount: bigint;
}
/** The return type of {@link stake}. */
export type StakeReturnType = WriteResult<void>;
/** Stakes CNDR as the sender's own (provider) stake; approves the vault first when needed. */
export async function stake(ctx: CinderContext, { amount }: StakeParameters): Promise<StakeReturnType> {
  const value = checkAmount(amount, "amount");
  await ensureFunds(ctx, { token: ctx.addresses.token, spender: ctx.addresses.vault, amount: value });
  return writeContract(ctx, { contract: "StakingVault", address: ctx.addresses.vault, abi: stakingVaultAbi, functionName: "stake", args: [value] });
}

/** Parameters of {@link depositBond}. */
export interface DepositBondParameters {
  /** Stablecoin in its smallest unit. */
  amount: bigint;
}
/** The return type of {@link depositBond}. */
export type DepositBondReturnType = WriteResult<void>;
/** Deposits SLA bond in the stablecoin (an award locks part of it per lease). */
export async function depositBond(ctx: CinderContext, { amount }: DepositBondParameters): Promise<DepositBondReturnType> {
  const value = checkAmount(amount, "amount");
  await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.slaBondManager, amount: value });
  return writeContract(ctx, { contract: "SlaBondManager", address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "deposit", args: [value] });
}

/** Parameters of {@link withdrawBond}. */
export interface WithdrawBondParameters {
  /** Stablecoin in its smallest unit; at most the free (unlocked) bond. */
  amount: bigint;
}
/** The return type of {@link withdrawBond}. */
export type WithdrawBondReturnType = WriteResult<void>;
/** Withdraws free SLA bond. */
export async function withdrawBond(ctx: CinderContext, { amount }: WithdrawBondParameters): Promise<WithdrawBondReturnType> {
  const value = checkAmount(amount, "amount");
  return writeContract(ctx, { contract: "SlaBondManager", address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "withdrawBond", args: [value] });
}

/** Parameters of {@link requestWithdraw}. */
export interface RequestWithdrawParameters {
  /** The pool: the provider whose stake (own or delegated) is withdrawn. */
  provider: Address;
  /** CNDR in wei. */
  amount: bigint;
}
/** The return type of {@link requestWithdraw}: `unlockAt` is the mined unlock time (`result` the simulated one). */
export type RequestWithdrawReturnType = WriteResult<bigint> & { unlockAt: bigint };
/** Requests a withdrawal from a pool (the sender's own stake when it is the provider); it stays slashable until claimed. */
export async function requestWithdraw(ctx: CinderContext, { provider, amount }: RequestWithdrawParameters): Promise<RequestWithdrawReturnType> {
  const value = checkAmount(amount, "amount");
  const written = await writeContract(ctx, { contract: "StakingVault", address: ctx.addresses.vault, abi: stakingVaultAbi, functionName: "requestWithdraw", args: [checkAddress(provider, "provider"), value] });
  const [event] = parseEventLogs({ abi: stakingVaultAbi, eventName: "WithdrawRequested", logs: written.receipt.logs });
  return { ...written, unlockAt: event?.args.unlockAt ?? written.result };
}

/** Parameters of {@link claimWithdraw}. */
export interface ClaimWithdrawParameters {
  provider: Address;
}
/** The return type of {@link claimWithdraw}: `result` is the CNDR paid. */
export type ClaimWithdrawReturnType = WriteResult<bigint>;
/** Claims the sender's unlocked pending withdrawal from a pool. */
export async function claimWithdraw(ctx: CinderContext, { provider }: ClaimWithdrawParameters): Promise<ClaimWithdrawReturnType> {
  return writeContract(ctx, { contract: "StakingVault", address: ctx.addresses.vault, abi: stakingVaultAbi, functionName: "claimWithdraw", args: [checkAddress(provider, "provider")] });
}

/** Parameters of {@link withdrawAccrued}. */
export interface WithdrawAccruedParameters {
  leaseId: bigint;
}
/** The return type of {@link withdrawAccrued}: `result` is the net paid to the payout address. */
export type WithdrawAccruedReturnType = WriteResult<bigint>;
/** The provider withdraws what a lease has streamed (fee taken). */
export async function withdrawAccrued(ctx: CinderContext, { leaseId }: WithdrawAccruedParameters): Promise<WithdrawAccruedReturnType> {
  return writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "withdrawAccrued", args: [checkAmount(leaseId, "leaseId")] });
}

/** Parameters of {@link withdrawEarnings}. */
export interface WithdrawEarningsParameters {
  /** The provider whose channel earnings are paid (to its payout address); default the sender. */
  provider?: Address;
}
/** The return type of {@link withdrawEarnings}: `result` is the amount paid. */
export type WithdrawEarningsReturnType = WriteResult<bigint>;
/** Pays out the provider's redeemed channel earnings. */
export async function withdrawEarnings(ctx: CinderContext, { provider }: WithdrawEarningsParameters = {}): Promise<WithdrawEarningsReturnType> {
  const who = provider === undefined ? senderOf(ctx) : checkAddress(provider, "provider");
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "withdrawEarnings", args: [who] });
}
