/**
 * Reads: providers and their GPUs, offers, stake and delegations, leases, orders, SLA bonds and settlements,
 * channels, the emission epoch, supply and burn. `getStatus` gathers the network's state for dashboards (and
 * `cinder status`).
 *
 * @example
 * ```ts
 * const lease = await getLease(ctx, { leaseId: 1n });
 * const { totalSupply, totalBurned } = await getSupply(ctx);
 * const status = await getStatus(ctx);
 * ```
 */
import { type Address, type Hex, erc20Abi } from "viem";
import {
  buybackBurnerAbi,
  cinderTokenAbi,
  emissionControllerAbi,
  jobMarketAbi,
  leaseAuctionAbi,
  oracleHubAbi,
  paymentChannelsAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  stakingVaultAbi,
} from "../protocol/abis.js";
import { type CinderContext, checkAddress, checkAmount } from "./context.js";
import { modelClassName } from "../protocol/models.js";

const assets = new WeakMap<CinderContext, Promise<Address>>();

/** The settlement stablecoin (`JobMarket.ASSET()`), read once per context. */
export function settlementAsset(ctx: CinderContext): Promise<Address> {
  let asset = assets.get(ctx);
  if (asset === undefined) {
    asset = ctx.publicClient.readContract({ address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "ASSET" });
    assets.set(ctx, asset);
  }
  return asset;
}

/** Parameters of the per-provider reads. */
export interface ProviderParameters {
  provider: Address;
}

/** The registry's record of a provider, with its stake and bond. */
export async function getProvider(ctx: CinderContext, { provider }: ProviderParameters) {
  const who = checkAddress(provider, "provider");
  const { registry, vault, slaBondManager } = ctx.addresses;
  const pc = ctx.publicClient;
  const [record, status, requiredStake, activeStake, eligibleStake, bond, freeBond] = await Promise.all([
    pc.readContract({ address: registry, abi: providerRegistryAbi, functionName: "getProvider", args: [who] }),
    pc.readContract({ address: registry, abi: providerRegistryAbi, functionName: "statusOf", args: [who] }),
    pc.readContract({ address: registry, abi: providerRegistryAbi, functionName: "requiredStake", args: [who] }),
    pc.readContract({ address: vault, abi: stakingVaultAbi, functionName: "activeStake", args: [who] }),
    pc.readContract({ address: vault, abi: stakingVaultAbi, functionName: "eligibleStake", args: [who] }),
    pc.readContract({ address: slaBondManager, abi: slaBondManagerAbi, functionName: "bondOf", args: [who] }),
    pc.readContract({ address: slaBondManager, abi: slaBondManagerAbi, functionName: "freeBond", args: [who] }),
  ]);
  return { address: who, record, status: PROVIDER_STATUS[status] ?? `Unknown(${status})`, requiredStake, activeStake, eligibleStake, bond, freeBond };
}
/** The return type of {@link getProvider}. */
export type GetProviderReturnType = Awaited<ReturnType<typeof getProvider>>;

/** `IProviderRegistry.ProviderStatus` names, by value. */
export const PROVIDER_STATUS = ["None", "Active", "Jailed", "Exited"] as const;
/** `IJobMarket.LeaseStatus` names, by value. */
export const LEASE_STATUS = ["None", "Active", "Disputed", "Closed"] as const;
/** `IJobMarket.OrderStatus` names, by value. */
export const ORDER_STATUS = ["None", "Open", "Awarded", "Failed", "Expired", "Cancelled"] as const;

/** Parameters of {@link getLease}. */
export interface LeaseParameters {
  leaseId: bigint;
}
/** A lease with what has accrued, what the provider may withdraw now and its SLA settlement. */
export async function getLease(ctx: CinderContext, { leaseId }: LeaseParameters) {
  const id = checkAmount(leaseId, "leaseId");
  const pc = ctx.publicClient;
  const { jobMarket, slaBondManager } = ctx.addresses;
  const [lease, value, accrued, withdrawable, settlement] = await Promise.all([
    pc.readContract({ address: jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [id] }),
    pc.readContract({ address: jobMarket, abi: jobMarketAbi, functionName: "leaseValue", args: [id] }),
    pc.readContract({ address: jobMarket, abi: jobMarketAbi, functionName: "accrued", args: [id] }),
    pc.readContract({ address: jobMarket, abi: jobMarketAbi, functionName: "withdrawable", args: [id] }),
    pc.readContract({ address: slaBondManager, abi: slaBondManagerAbi, functionName: "getSettlement", args: [id] }),
  ]);
  return { id, ...lease, statusName: LEASE_STATUS[lease.status] ?? `Unknown(${lease.status})`, value, accrued, withdrawable, settlement };
}
/** The return type of {@link getLease}. */
export type GetLeaseReturnType = Awaited<ReturnType<typeof getLease>>;

/** Parameters of {@link getOrder}. */
export interface OrderParameters {
  orderId: bigint;
}
/** An open order (reverse auction, held by the LeaseAuction). */
export async function getOrder(ctx: CinderContext, { orderId }: OrderParameters) {
  const order = await ctx.publicClient.readContract({ address: ctx.addresses.leaseAuction, abi: leaseAuctionAbi, functionName: "getOrder", args: [checkAmount(orderId, "orderId")] });
  return { ...order, statusName: ORDER_STATUS[order.status] ?? `Unknown(${order.status})` };
}
/** The return type of {@link getOrder}. */
export type GetOrderReturnType = Awaited<ReturnType<typeof getOrder>>;

/** Parameters of {@link getDelegation}. */
export interface DelegationParameters {
  provider: Address;
  account: Address;
}
/** An account's stake in a provider's pool: balance, pending withdrawal and claimable rewards. */
export async function getDelegation(ctx: CinderContext, { provider, account }: DelegationParameters) {
  const p = checkAddress(provider, "provider");
  const a = checkAddress(account, "account");
  const { vault } = ctx.addresses;
  const pc = ctx.publicClient;
  const [balance, [pendingAssets, unlockAt], claimable] = await Promise.all([
    pc.readContract({ address: vault, abi: stakingVaultAbi, functionName: "delegatedBalance", args: [p, a] }),
    pc.readContract({ address: vault, abi: stakingVaultAbi, functionName: "pendingWithdrawal", args: [p, a] }),
    pc.readContract({ address: vault, abi: stakingVaultAbi, functionName: "claimableRewards", args: [p, a] }),
  ]);
  return { balance, pending: { assets: pendingAssets, unlockAt }, claimable };
}
/** The return type of {@link getDelegation}. */
export type GetDelegationReturnType = Awaited<ReturnType<typeof getDelegation>>;

/** Parameters of {@link getChannel}. */
export interface ChannelParameters {
  client: Address;
  provider: Address;
}
/** A client's channel with a provider. */
export async function getChannel(ctx: CinderContext, { client, provider }: ChannelParameters) {
  return ctx.publicClient.readContract({ address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "getChannel", args: [checkAddress(client, "client"), checkAddress(provider, "provider")] });
}
/** The return type of {@link getChannel}. */
export type GetChannelReturnType = Awaited<ReturnType<typeof getChannel>>;

/** Parameters of {@link getBalances}. */
export interface BalancesParameters {
  account: Address;
}
/** An account's CNDR and stablecoin, and what the JobMarket and SlaBondManager hold credited to it. */
export async function getBalances(ctx: CinderContext, { account }: BalancesParameters) {
  const a = checkAddress(account, "account");
  const pc = ctx.publicClient;
  const asset = await settlementAsset(ctx);
  const [cndr, stablecoin, marketCredit, slaCredit] = await Promise.all([
    pc.readContract({ address: ctx.addresses.token, abi: erc20Abi, functionName: "balanceOf", args: [a] }),
    pc.readContract({ address: asset, abi: erc20Abi, functionName: "balanceOf", args: [a] }),
    pc.readContract({ address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "balanceOf", args: [a] }),
    pc.readContract({ address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "balanceOf", args: [a] }),
  ]);
  return { cndr, stablecoin, marketCredit, slaCredit };
}
/** The return type of {@link getBalances}. */
export type GetBalancesReturnType = Awaited<ReturnType<typeof getBalances>>;

/** CNDR supply, what the buyback burned and spent, and the emissions minted. */
export async function getSupply(ctx: CinderContext) {
  const pc = ctx.publicClient;
  const [totalSupply, totalBurned, totalSpent, [minted, settled]] = await Promise.all([
    pc.readContract({ address: ctx.addresses.token, abi: cinderTokenAbi, functionName: "totalSupply" }),
    pc.readContract({ address: ctx.addresses.buybackBurner, abi: buybackBurnerAbi, functionName: "totalBurned" }),
    pc.readContract({ address: ctx.addresses.buybackBurner, abi: buybackBurnerAbi, functionName: "totalSpent" }),
    pc.readContract({ address: ctx.addresses.emissionController, abi: emissionControllerAbi, functionName: "totals" }),
  ]);
  return { totalSupply, totalBurned, buybackSpent: totalSpent, emitted: minted, emissionsSettled: settled };
}
/** The return type of {@link getSupply}. */
export type GetSupplyReturnType = Awaited<ReturnType<typeof getSupply>>;

/** The emission epoch now, the last ended epoch's record, and the oracle's report state. */
export async function getEpoch(ctx: CinderContext) {
  const pc = ctx.publicClient;
  const { emissionController, oracleHub } = ctx.addresses;
  const [current, length, oracleEpoch, lastReported, silent] = await Promise.all([
    pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "currentEpoch" }),
    pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "EPOCH_LENGTH" }),
    pc.readContract({ address: oracleHub, abi: oracleHubAbi, functionName: "currentEpoch" }),
    pc.readContract({ address: oracleHub, abi: oracleHubAbi, functionName: "lastReportedEpoch" }),
    pc.readContract({ address: oracleHub, abi: oracleHubAbi, functionName: "isSilent" }),
  ]);
  const previous = current > 0n ? await pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "epochInfo", args: [current - 1n] }) : undefined;
  return { current, length, previous, oracle: { currentEpoch: oracleEpoch, lastReportedEpoch: lastReported, silent } };
}
/** The return type of {@link getEpoch}. */
export type GetEpochReturnType = Awaited<ReturnType<typeof getEpoch>>;

/** The SLA tiers set by governance (ids 0.. until the first unset one). */
export async function getSlaTiers(ctx: CinderContext) {
  const tiers = [];
  for (let id = 0; id < 8; id++) {
    const tier = await ctx.publicClient.readContract({ address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "getTier", args: [id] });
    if (tier.targetPpm === 0) break;
    tiers.push({ id, ...tier });
  }
  return tiers;
}
/** The return type of {@link getSlaTiers}. */
export type GetSlaTiersReturnType = Awaited<ReturnType<typeof getSlaTiers>>;

/** A provider's attested GPUs, from the registry's `GpuAttested` and `GpuRemoved` events. */
export async function getGpus(ctx: CinderContext, { provider }: ProviderParameters) {
  const who = checkAddress(provider, "provider");
  const pc = ctx.publicClient;
  const [attested, removed] = await Promise.all([
    pc.getContractEvents({ address: ctx.addresses.registry, abi: providerRegistryAbi, eventName: "GpuAttested", args: { provider: who }, fromBlock: 0n }),
    pc.getContractEvents({ address: ctx.addresses.registry, abi: providerRegistryAbi, eventName: "GpuRemoved", args: { provider: who }, fromBlock: 0n }),
  ]);
  const gone = new Set(removed.map((e) => e.args.gpuId));
  const latest = new Map<Hex, (typeof attested)[number]>();
  for (const event of attested) if (event.args.gpuId !== undefined && !gone.has(event.args.gpuId)) latest.set(event.args.gpuId, event);
  return [...latest.values()].map((e) => ({
    gpuId: e.args.gpuId!,
    modelClass: modelClassName(e.args.modelClass!),
    tier: e.args.tier!,
    memoryMiB: e.args.memoryMiB!,
    expiresAt: e.args.expiresAt!,
  }));
}
/** The return type of {@link getGpus}. */
export type GetGpusReturnType = Awaited<ReturnType<typeof getGpus>>;

/** Every registered provider, from `ProviderRegistered` events. */
export async function listProviders(ctx: CinderContext): Promise<Address[]> {
  const events = await ctx.publicClient.getContractEvents({ address: ctx.addresses.registry, abi: providerRegistryAbi, eventName: "ProviderRegistered", fromBlock: 0n });
  return [...new Set(events.map((e) => e.args.provider!))];
}

/** The network at a glance: providers with their GPUs, stake and bond; leases with SLA state; tiers; epoch; supply. */
export async function getStatus(ctx: CinderContext) {
  const pc = ctx.publicClient;
  const [chainId, blockNumber, providers, leaseCount, tiers, epoch, supply] = await Promise.all([
    pc.getChainId(),
    pc.getBlockNumber(),
    listProviders(ctx),
    pc.readContract({ address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" }),
    getSlaTiers(ctx),
    getEpoch(ctx),
    getSupply(ctx),
  ]);
  const providerRows = await Promise.all(
    providers.map(async (provider) => ({ ...(await getProvider(ctx, { provider })), gpus: await getGpus(ctx, { provider }) })),
  );
  const leases = [];
  for (let id = 1n; id <= leaseCount; id++) leases.push(await getLease(ctx, { leaseId: id }));
  return { chainId, blockNumber, providers: providerRows, leases, tiers, epoch, supply };
}
/** The return type of {@link getStatus}. */
export type GetStatusReturnType = Awaited<ReturnType<typeof getStatus>>;
