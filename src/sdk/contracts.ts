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
  oracleHubAbi,
  paymentChannelsAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  slashingManagerAbi,
  stakingVaultAbi,
  testStablecoinAbi,
} from "../protocol/abis.js";

/** Each contract's ABI by its `CinderAddresses` key (`stablecoin` is the local networks' test token). */
export const CINDER_ABIS = {
  manager: cinderAccessManagerAbi,
  token: cinderTokenAbi,
  timelock: cinderTimelockAbi,
  governor: cinderGovernorAbi,
  registry: providerRegistryAbi,
  vault: stakingVaultAbi,
  feeRouter: feeRouterAbi,
  emissionController: emissionControllerAbi,
  jobMarket: jobMarketAbi,
  paymentChannels: paymentChannelsAbi,
  buybackBurner: buybackBurnerAbi,
  oracleHub: oracleHubAbi,
  slaBondManager: slaBondManagerAbi,
  slashingManager: slashingManagerAbi,
  disputeManager: disputeManagerAbi,
  stablecoin: testStablecoinAbi,
} as const;
/** A Cinder contract, by its `CinderAddresses` key. */
export type CinderContractName = keyof typeof CINDER_ABIS;

/** The map without the named contracts. */
export function cinderAbisWithout<K extends CinderContractName>(...names: K[]): { readonly [P in Exclude<CinderContractName, K>]: (typeof CINDER_ABIS)[P] } {
  return Object.fromEntries(Object.entries(CINDER_ABIS).filter(([name]) => !names.includes(name as K))) as {
    readonly [P in Exclude<CinderContractName, K>]: (typeof CINDER_ABIS)[P];
  };
}
