/**
 * Payment channels for per-request billing: the client deposits into its channel with a provider, signs EIP-712
 * vouchers for the cumulative amount it owes, and thaws and withdraws to leave; the provider redeems vouchers.
 *
 * @example
 * ```ts
 * await depositToChannel(ctx, { provider, amount: 50_000_000n });
 * const signature = await signChannelVoucher(ctx, { provider, cumulativeAmount: 1_000_000n });
 * await redeemVoucher(providerCtx, { voucher: { client, provider, cumulativeAmount: 1_000_000n }, signature });
 * ```
 */
import type { Address, Hex } from "viem";
import { paymentChannelsAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAddress, checkAmount, ensureFunds, requireWallet, senderOf, writeContract } from "./context.js";
import { settlementAsset } from "./reads.js";
import { type Voucher, signVoucher, validateVoucher } from "./vouchers.js";

/** Parameters of {@link depositToChannel}. */
export interface DepositToChannelParameters {
  provider: Address;
  /** Stablecoin in its smallest unit. */
  amount: bigint;
}
/** The return type of {@link depositToChannel}. */
export type DepositToChannelReturnType = WriteResult<void>;
/** Deposits into the sender's channel with a provider; approves the contract first when needed. */
export async function depositToChannel(ctx: CinderContext, { provider, amount }: DepositToChannelParameters): Promise<DepositToChannelReturnType> {
  const who = checkAddress(provider, "provider");
  const value = checkAmount(amount, "amount");
  await ensureFunds(ctx, { token: await settlementAsset(ctx), spender: ctx.addresses.paymentChannels, amount: value });
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "deposit", args: [who, value] });
}

/** Parameters of {@link requestThaw}. */
export interface RequestThawParameters {
  provider: Address;
  amount: bigint;
}
/** The return type of {@link requestThaw}. */
export type RequestThawReturnType = WriteResult<void>;
/** Starts the thaw of part of a channel's deposit (withdrawable after the thaw period). */
export async function requestThaw(ctx: CinderContext, { provider, amount }: RequestThawParameters): Promise<RequestThawReturnType> {
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "requestThaw", args: [checkAddress(provider, "provider"), checkAmount(amount, "amount")] });
}

/** Parameters of {@link withdrawFromChannel}. */
export interface WithdrawFromChannelParameters {
  provider: Address;
}
/** The return type of {@link withdrawFromChannel}: `result` is the amount paid. */
export type WithdrawFromChannelReturnType = WriteResult<bigint>;
/** Withdraws the thawed part of a channel's deposit. */
export async function withdrawFromChannel(ctx: CinderContext, { provider }: WithdrawFromChannelParameters): Promise<WithdrawFromChannelReturnType> {
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "withdraw", args: [checkAddress(provider, "provider")] });
}

/** Parameters of {@link authorizeSigner}. */
export interface AuthorizeSignerParameters {
  /** A hot key that may sign vouchers for the sender. */
  signer: Address;
}
/** The return type of {@link authorizeSigner}. */
export type AuthorizeSignerReturnType = WriteResult<void>;
/** Authorizes a hot key to sign the sender's vouchers. */
export async function authorizeSigner(ctx: CinderContext, { signer }: AuthorizeSignerParameters): Promise<AuthorizeSignerReturnType> {
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "authorizeSigner", args: [checkAddress(signer, "signer")] });
}

/** Parameters of {@link signChannelVoucher}. */
export interface SignChannelVoucherParameters {
  provider: Address;
  /** The total owed to the provider over the channel's life. */
  cumulativeAmount: bigint;
  /** The channel's client; default the sender (pass it when the sender is an authorized signer). */
  client?: Address;
}
/** The return type of {@link signChannelVoucher}. */
export interface SignChannelVoucherReturnType {
  voucher: Voucher;
  signature: Hex;
}
/** Signs a voucher with the context's wallet for this deployment's PaymentChannels and chain. */
export async function signChannelVoucher(ctx: CinderContext, parameters: SignChannelVoucherParameters): Promise<SignChannelVoucherReturnType> {
  const walletClient = requireWallet(ctx);
  const voucher = validateVoucher({
    client: parameters.client === undefined ? senderOf(ctx) : checkAddress(parameters.client, "client"),
    provider: checkAddress(parameters.provider, "provider"),
    cumulativeAmount: parameters.cumulativeAmount,
  });
  const chainId = await ctx.publicClient.getChainId();
  const signature = await signVoucher({ walletClient, account: walletClient.account, channels: ctx.addresses.paymentChannels, chainId, voucher });
  return { voucher, signature };
}

/** Parameters of {@link redeemVoucher}. */
export interface RedeemVoucherParameters {
  voucher: Voucher;
  signature: Hex;
}
/** The return type of {@link redeemVoucher}: `result` is the net credited to the provider's earnings. */
export type RedeemVoucherReturnType = WriteResult<bigint>;
/** The provider redeems a voucher for the difference to what it already redeemed. */
export async function redeemVoucher(ctx: CinderContext, { voucher, signature }: RedeemVoucherParameters): Promise<RedeemVoucherReturnType> {
  const v = validateVoucher(voucher);
  return writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "redeem", args: [v, signature] });
}
