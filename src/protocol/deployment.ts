/**
 * Deployment addresses per chain: the shape of a Cinder deployment (`CinderAddresses`), Hardhat Ignition's record
 * of one (`deployed_addresses.json`, future id -> address) checked by `parseDeployment`, and the deployments this
 * package knows by chain id (`CINDER_DEPLOYMENTS`, public networks only: a local chain's addresses change with each
 * deployment). No file system here: reading a record from disk is `cinder-protocol/sdk/node`'s `loadDeployment`.
 *
 * @example
 * ```ts
 * const addresses = parseDeployment({ recorded: await (await fetch("/deployed_addresses.json")).json() });
 * const known = knownDeployment(chainId); // undefined for a chain with no public deployment
 * ```
 */
import { type Address, getAddress, isAddress } from "viem";
import { CinderConfigError } from "./errors.js";

/** The contracts of a Cinder deployment. */
export interface CinderAddresses {
  manager: Address;
  token: Address;
  timelock: Address;
  governor: Address;
  registry: Address;
  vault: Address;
  feeRouter: Address;
  emissionController: Address;
  jobMarket: Address;
  /** The reverse auction (open orders); it opens its awards in `jobMarket`. */
  leaseAuction: Address;
  paymentChannels: Address;
  buybackBurner: Address;
  oracleHub: Address;
  slaBondManager: Address;
  slashingManager: Address;
  disputeManager: Address;
  /** The test stablecoin (local networks only; elsewhere the settlement asset is `JobMarket.ASSET()`). */
  stablecoin?: Address;
  /** The Uniswap V2 router Ignition deployed (local networks only). */
  uniswapRouter?: Address;
}

/** Each address's Ignition future id in `deploy/modules/Cinder.ts`. */
export const CINDER_DEPLOYMENT_FUTURES = {
  manager: "Cinder#CinderAccessManager",
  token: "Cinder#CinderToken",
  timelock: "Cinder#CinderTimelock",
  governor: "Cinder#CinderGovernor",
  registry: "Cinder#ProviderRegistry",
  vault: "Cinder#StakingVault",
  feeRouter: "Cinder#FeeRouter",
  emissionController: "Cinder#EmissionController",
  jobMarket: "Cinder#JobMarket",
  leaseAuction: "Cinder#LeaseAuction",
  paymentChannels: "Cinder#PaymentChannels",
  buybackBurner: "Cinder#BuybackBurner",
  oracleHub: "Cinder#OracleHub",
  slaBondManager: "Cinder#SlaBondManager",
  slashingManager: "Cinder#SlashingManager",
  disputeManager: "Cinder#DisputeManager",
  stablecoin: "Cinder#TestStablecoin",
  uniswapRouter: "Cinder#UniswapV2Router02",
} as const satisfies Record<keyof CinderAddresses, string>;

const OPTIONAL: ReadonlySet<keyof CinderAddresses> = new Set(["stablecoin", "uniswapRouter"]);

/** Parameters of {@link parseDeployment}. */
export interface ParseDeploymentParameters {
  /** The content of Ignition's `deployed_addresses.json` (future id -> address). */
  recorded: unknown;
  /** Names the source in error messages. */
  source?: string;
}

/** The return type of {@link parseDeployment}. */
export type ParseDeploymentReturnType = CinderAddresses;

/** Validates Ignition's address record; a missing or malformed entry is a `CinderConfigError` naming the future. */
export function parseDeployment({ recorded, source = "deployed_addresses.json" }: ParseDeploymentParameters): ParseDeploymentReturnType {
  if (typeof recorded !== "object" || recorded === null || Array.isArray(recorded)) {
    throw new CinderConfigError(source, "is not an object of Ignition future ids to addresses");
  }
  const record = recorded as Record<string, unknown>;
  const out: Partial<CinderAddresses> = {};
  for (const [name, future] of Object.entries(CINDER_DEPLOYMENT_FUTURES) as [keyof CinderAddresses, string][]) {
    const value = record[future];
    if (value === undefined) {
      if (OPTIONAL.has(name)) continue;
      throw new CinderConfigError(`${source}: ${future}`, "missing: the deployment is incomplete or from another module");
    }
    if (typeof value !== "string" || !isAddress(value)) {
      throw new CinderConfigError(`${source}: ${future}`, `not an address: ${JSON.stringify(value)}`);
    }
    out[name] = getAddress(value);
  }
  return out as CinderAddresses;
}

/**
 * The public deployments this package knows, by chain id. Empty until the protocol is deployed to a public network:
 * each entry is added here (from the committed `deploy/deployments/chain-<id>/deployed_addresses.json`) with the
 * release that ships it.
 */
export const CINDER_DEPLOYMENTS: Readonly<Record<number, CinderAddresses>> = {};

/** The deployment this package knows for `chainId`, or undefined. */
export function knownDeployment(chainId: number | bigint): CinderAddresses | undefined {
  return CINDER_DEPLOYMENTS[Number(chainId)];
}
