/**
 * Every Cinder contract's ABI, by its name in `CinderAddresses`: the one map the event watchers, the error decoder
 * and governance's call encoder take their ABIs from.
 */
import {
  buybackBurnerAbi,
  cinderAccessManagerAbi,
  cinderGovernorAbi,
  cinderTimelockAbi,
  cinderTokenAbi,
  disputeManagerAbi,
  emissionControllerAbi,
  feeRouterAbi,
  jobMarketAbi,
  leaseAuctionAbi,
  oracleHubAbi,
  paymentChannelsAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  slashingManagerAbi,
  stakingVaultAbi,
  testStablecoinAbi,
} from "../protocol/abis.js";
import type { Address } from "viem";
import type { CinderAddresses } from "../protocol/deployment.js";

/** Each contract's ABI by its `CinderAddresses` key (named so declarations refer to the ABIs, not copy them). */
export interface CinderAbis {
  readonly manager: typeof cinderAccessManagerAbi;
  readonly token: typeof cinderTokenAbi;
  readonly timelock: typeof cinderTimelockAbi;
  readonly governor: typeof cinderGovernorAbi;
  readonly registry: typeof providerRegistryAbi;
  readonly vault: typeof stakingVaultAbi;
  readonly feeRouter: typeof feeRouterAbi;
  readonly emissionController: typeof emissionControllerAbi;
  readonly jobMarket: typeof jobMarketAbi;
  readonly leaseAuction: typeof leaseAuctionAbi;
  readonly paymentChannels: typeof paymentChannelsAbi;
  readonly buybackBurner: typeof buybackBurnerAbi;
  readonly oracleHub: typeof oracleHubAbi;
  readonly slaBondManager: typeof slaBondManagerAbi;
  readonly slashingManager: typeof slashingManagerAbi;
  readonly disputeManager: typeof disputeManagerAbi;
  readonly stablecoin: typeof testStablecoinAbi;
}

/** Each contract's ABI by its `CinderAddresses` key (`stablecoin` is the local networks' test token). */
export const CINDER_ABIS: CinderAbis = {
  manager: cinderAccessManagerAbi,
  token: cinderTokenAbi,
  timelock: cinderTimelockAbi,
  governor: cinderGovernorAbi,
  registry: providerRegistryAbi,
  vault: stakingVaultAbi,
  feeRouter: feeRouterAbi,
  emissionController: emissionControllerAbi,
  jobMarket: jobMarketAbi,
  leaseAuction: leaseAuctionAbi,
  paymentChannels: paymentChannelsAbi,
  buybackBurner: buybackBurnerAbi,
  oracleHub: oracleHubAbi,
  slaBondManager: slaBondManagerAbi,
  slashingManager: slashingManagerAbi,
  disputeManager: disputeManagerAbi,
  stablecoin: testStablecoinAbi,
};
/** A Cinder contract, by its `CinderAddresses` key. */
export type CinderContractName = keyof typeof CINDER_ABIS;

/** The map without the named contracts. */
export function cinderAbisWithout<K extends CinderContractName>(...names: K[]): Omit<CinderAbis, K> {
  return Object.fromEntries(Object.entries(CINDER_ABIS).filter(([name]) => !names.includes(name as K))) as Omit<CinderAbis, K>;
}

/** One contract's `{ address, abi }`, the shape viem's and wagmi's contract actions take spread into their parameters. */
export interface CinderContractConfig<K extends CinderContractName> {
  readonly address: Address;
  readonly abi: CinderAbis[K];
}

/** Every contract of a deployment as `{ address, abi }`; `stablecoin` only where the deployment has one (local networks). */
export type CinderContractConfigs = { readonly [K in Exclude<CinderContractName, "stablecoin">]: CinderContractConfig<K> } & {
  readonly stablecoin?: CinderContractConfig<"stablecoin">;
};

/**
 * A deployment's contracts as wagmi/viem contract configs, typed by their `as const` ABIs, for the deployment of a
 * chain (`knownDeployment(chainId)`, `loadDeployment` from `cinder-protocol/sdk/node`, or `parseDeployment`).
 *
 * @example
 * ```ts
 * const contracts = cinderContractConfigs(addresses);
 * await publicClient.readContract({ ...contracts.jobMarket, functionName: "getLease", args: [1n] });
 * ```
 */
export function cinderContractConfigs(addresses: CinderAddresses): CinderContractConfigs {
  const configs: Record<string, { address: Address; abi: unknown }> = {};
  for (const [name, abi] of Object.entries(CINDER_ABIS)) {
    const address = addresses[name as keyof CinderAddresses];
    if (address !== undefined) configs[name] = { address, abi };
  }
  return configs as unknown as CinderContractConfigs;
}
