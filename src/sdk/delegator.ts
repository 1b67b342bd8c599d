/**
 * Delegator actions: delegate CNDR into a provider's pool, request and claim a withdrawal, claim rewards.
 *
 * @example
 * ```ts
 * await delegate(ctx, { provider, amount: 100n * 10n ** 18n });
 * const { result: unlockAt } = await requestWithdraw(ctx, { provider, amount: 50n * 10n ** 18n });
 * await claimRewards(ctx, { provider });
 * ```
 */
import type { Address } from "viem";
import { stakingVaultAbi } from "../protocol/abis.js";
import { type CinderContext, type WriteResult, checkAddress, checkAmount, ensureFunds, writeContract } from "./context.js";

export { claimWithdraw, requestWithdraw, type ClaimWithdrawParameters, type ClaimWithdrawReturnType, type RequestWithdrawParameters, type RequestWithdrawReturnType } from "./provider.js";

/** Parameters of {@link delegate}. */
export interface DelegateParameters {
  /** The provider whose pool receives the stake. */
  provider: Address;
  /** CNDR in wei (at least the vault's `minDelegation`, within the provider's delegation room). */
  amount: bigint;
}
/** The return type of {@link delegate}: `result` is the shares minted. */
export type DelegateReturnType = WriteResult<bigint>;
/** Delegates CNDR to a provider; approves the vault first when needed. */
export async function delegate(ctx: CinderContext, { provider, amount }: DelegateParameters): Promise<DelegateReturnType> {
  const who = checkAddress(provider, "provider");
  const value = checkAmount(amount, "amount");
  await ensureFunds(ctx, { token: ctx.addresses.token, spender: ctx.addresses.vault, amount: value });
  return writeContract(ctx, { contract: "StakingVault", address: ctx.addresses.vault, abi: stakingVaultAbi, functionName: "delegate", args: [who, value] });
}

/** Parameters of {@link claimRewards}. */
export interface ClaimRewardsParameters {
  provider: Address;
}
/** The return type of {@link claimRewards}: `result` is the CNDR paid. */
export type ClaimRewardsReturnType = WriteResult<bigint>;
/** Claims the sender's rewards from a provider's pool (the provider's own commission and stake share included). */
export async function claimRewards(ctx: CinderContext, { provider }: ClaimRewardsParameters): Promise<ClaimRewardsReturnType> {
  return writeContract(ctx, { contract: "StakingVault", address: ctx.addresses.vault, abi: stakingVaultAbi, functionName: "claimRewards", args: [checkAddress(provider, "provider")] });
}
