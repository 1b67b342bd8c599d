/**
 * Deployment addresses per chain, read from Hardhat Ignition's output: `deployed_addresses.json` in the
 * deployment's journal (`deploy/deployments/chain-<id>/` by default). `parseDeployment` takes that file's content
 * (so a bundler or a browser can import the JSON itself); `loadDeployment` reads it from disk.
 *
 * @example
 * ```ts
 * const addresses = loadDeployment({ chainId: 31_337 });               // deploy/deployments/chain-31337
 * const same = parseDeployment(await import("./deployed_addresses.json", { with: { type: "json" } }));
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/** Parameters of {@link loadDeployment}. */
export interface LoadDeploymentParameters {
  /** The chain the deployment is on. */
  chainId: number | bigint;
  /** The Ignition deployment id; default `chain-<chainId>` (or CINDER_DEPLOYMENT_ID when set). */
  deploymentId?: string;
  /** Ignition's deployments folder; default `deploy/deployments` under the current directory. */
  root?: string;
}

/** The return type of {@link loadDeployment}. */
export type LoadDeploymentReturnType = CinderAddresses;

/** Reads the addresses Ignition recorded for a chain. */
export function loadDeployment({ chainId, deploymentId, root = "deploy/deployments" }: LoadDeploymentParameters): LoadDeploymentReturnType {
  const id = deploymentId ?? process.env.CINDER_DEPLOYMENT_ID ?? `chain-${chainId}`;
  const file = join(root, id, "deployed_addresses.json");
  if (!existsSync(file)) {
    throw new CinderConfigError(
      "deployment",
      `no Cinder deployment for chain ${chainId}: ${file} does not exist (deploy first, e.g. \`npm run deploy:local -- --network localhost\`)`,
    );
  }
  let recorded: unknown;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CinderConfigError(file, "is not valid JSON", { cause: error });
  }
  return parseDeployment({ recorded, source: file });
}
