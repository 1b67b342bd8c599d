/**
 * Where a Cinder deployment lives: the addresses Ignition recorded for a chain (`deploy/deployments/chain-<id>/
 * deployed_addresses.json`), by contract. Scripts and tools read them here instead of hard-coding addresses.
 */
import { existsSync, readFileSync } from "node:fs";
import { CINDER_DEPLOYMENT_FUTURES } from "../../src/protocol/deployment.js";
import { ScriptError } from "./errors.js";

/** The contracts of a deployment, by the names scripts use. */
export interface CinderAddresses {
  manager: string;
  token: string;
  timelock: string;
  governor: string;
  registry: string;
  vault: string;
  feeRouter: string;
  emissionController: string;
  jobMarket: string;
  leaseAuction: string;
  paymentChannels: string;
  buybackBurner: string;
  oracleHub: string;
  slaBondManager: string;
  slashingManager: string;
  disputeManager: string;
  /** Local networks only. */
  stablecoin?: string;
  uniswapRouter?: string;
}

// One list of Ignition future ids, shared with the SDK's loader (src/sdk/deployment.ts).
const FUTURES: Record<keyof CinderAddresses, string> = CINDER_DEPLOYMENT_FUTURES;
const OPTIONAL = new Set<keyof CinderAddresses>(["stablecoin", "uniswapRouter"]);

/** A deployment could not be found or is incomplete; the message says which file and what is missing. */
export class DeploymentError extends ScriptError {
  override readonly name = "DeploymentError";
}

/**
 * The Ignition deployment id for a chain: Ignition's default `chain-<id>`, or CINDER_DEPLOYMENT_ID when set (so a
 * test or a second local deployment keeps its own journal).
 */
export function deploymentId(chainId: bigint | number): string {
  return process.env.CINDER_DEPLOYMENT_ID ?? `chain-${chainId}`;
}

/** Reads the addresses Ignition recorded for `chainId`. */
export function loadDeployment(chainId: bigint | number, root = "deploy/deployments"): CinderAddresses {
  const file = `${root}/${deploymentId(chainId)}/deployed_addresses.json`;
  if (!existsSync(file)) {
    throw new DeploymentError(
      `no Cinder deployment for chain ${chainId}: ${file} does not exist (deploy first, e.g. ` +
        "`npx hardhat run scripts/deploy-local.ts --network localhost`)",
    );
  }
  const recorded = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  const addresses: Partial<CinderAddresses> = {};
  for (const [name, future] of Object.entries(FUTURES) as [keyof CinderAddresses, string][]) {
    const address = recorded[future];
    if (address === undefined && !OPTIONAL.has(name)) {
      throw new DeploymentError(`${file} has no ${future}: the deployment is incomplete or from another module`);
    }
    if (address !== undefined) addresses[name] = address;
  }
  return addresses as CinderAddresses;
}
