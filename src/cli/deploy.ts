/**
 * Deploys the Cinder Ignition module for local networks (`deploy/modules/Cinder.ts`) on any EVM node, without
 * Hardhat: `@nomicfoundation/ignition-core`'s `deploy()` with an EIP-1193 provider over the node's URL, the contract
 * artifacts of `deploy/artifacts.ts` (the compact copies the package ships, else this checkout's Hardhat artifacts),
 * the module's parameters from a JSON file in Ignition's format (`"60n"` for a bigint; default
 * `deploy/parameters/localhost.json`, shipped with the package) and its journal in a deployment folder: Ignition's
 * `deploy/deployments/<id>` in a checkout of this repository, `$CINDER_HOME/deployments/<id>` from the installed
 * package. The deployer is the node's first prefunded unlocked account (`eth_accounts[0]`), as with `hardhat ignition
 * deploy --network localhost`. `cinder node` deploys through here in both places.
 *
 * @example
 * ```ts
 * const { addresses, deploymentDir } = await deployCinderModule({ url: "http://127.0.0.1:8545", deploymentId: "localhost-8545" });
 * ```
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ArtifactResolver, type DeploymentParameters, type EIP1193Provider, DeploymentResultType, deploy } from "@nomicfoundation/ignition-core";
import { loadArtifact } from "../../deploy/artifacts.js";
import CinderModule from "../../deploy/modules/Cinder.js";
import type { CinderAddresses } from "../protocol/deployment.js";
import { CinderConfigError } from "../protocol/errors.js";
import { cinderHome, loadDeployment } from "../sdk/node.js";
import { CliError } from "./errors.js";
import { rpc } from "./local.js";

/** The local network's module parameters, shipped with the package. */
export const LOCAL_PARAMETERS_FILE = fileURLToPath(new URL("../../deploy/parameters/localhost.json", import.meta.url));

/** The module's source beside this file's: present in a checkout of the repository, absent from the installed package. */
const CHECKOUT_MODULE = fileURLToPath(new URL("../../deploy/modules/Cinder.ts", import.meta.url));

/**
 * Where deployment journals live: Ignition's `deploy/deployments` in a checkout of this repository (where
 * `npm run deploy:local` and `--deployment <id>` look), else `$CINDER_HOME/deployments`, beside the record the SDK
 * reads (`$CINDER_HOME/deployments/chain-<id>`).
 */
export function deploymentsRoot(): string {
  return existsSync(CHECKOUT_MODULE) ? fileURLToPath(new URL("../../deploy/deployments/", import.meta.url)) : join(cinderHome(), "deployments");
}

/** An EIP-1193 provider over a node's JSON-RPC URL (`rpc`); a JSON-RPC error is thrown with its code and revert data. */
export function httpProvider(url: string): EIP1193Provider {
  return { request: ({ method, params }) => rpc(url, method, (params ?? []) as unknown[]) };
}

/** Resolves the module's contracts through `deploy/artifacts.ts`; a contract with no artifact is a broken build. */
export const artifactResolver: ArtifactResolver = {
  async loadArtifact(contractName) {
    const artifact = loadArtifact(contractName);
    if (artifact === undefined) throw new CliError(`no artifact for ${contractName}: the package build did not ship it (in a checkout, run \`npx hardhat build\`)`);
    return artifact;
  },
  async getBuildInfo() {
    return undefined;
  },
};

/** Reads a parameters file in Ignition's format, where a string of digits ending in `n` is a bigint. */
export function readParameters(file: string): DeploymentParameters {
  if (!existsSync(file)) throw new CinderConfigError("parameters file", `${file} does not exist`);
  try {
    return JSON.parse(readFileSync(file, "utf8"), (_key, value: unknown) => (typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value)) as DeploymentParameters;
  } catch (error) {
    throw new CinderConfigError("parameters file", `${file} is not valid JSON`, { cause: error });
  }
}

/** Parameters of {@link deployCinderModule}. */
export interface DeployCinderModuleParameters {
  /** The node's JSON-RPC URL. */
  url: string;
  /** The journal's folder name under {@link deploymentsRoot}. */
  deploymentId: string;
  /** A parameters file (default {@link LOCAL_PARAMETERS_FILE}). */
  parametersFile?: string;
}

/** The return type of {@link deployCinderModule}. */
export interface DeployCinderModuleReturnType {
  addresses: CinderAddresses;
  /** The Ignition journal: `journal.jsonl` and `deployed_addresses.json`. */
  deploymentDir: string;
}

/**
 * Deploys (or, with the journal of an earlier run on the same chain, finishes deploying) the local module on the node
 * at `url`. A journal whose contracts have no code on the chain belongs to a node that has since restarted, and is
 * discarded first.
 */
export async function deployCinderModule({ url, deploymentId, parametersFile = LOCAL_PARAMETERS_FILE }: DeployCinderModuleParameters): Promise<DeployCinderModuleReturnType> {
  const deploymentParameters = readParameters(parametersFile);
  const provider = httpProvider(url);
  const deploymentDir = join(deploymentsRoot(), deploymentId);
  const recordFile = join(deploymentDir, "deployed_addresses.json");
  if (existsSync(recordFile)) {
    const recorded = Object.values(JSON.parse(readFileSync(recordFile, "utf8")) as Record<string, string>);
    const codes = (await Promise.all(recorded.map((address) => provider.request({ method: "eth_getCode", params: [address, "latest"] })))) as string[];
    if (codes.some((code) => code === "0x")) rmSync(deploymentDir, { recursive: true, force: true });
  }
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[] | null;
  if (accounts === null || accounts.length === 0) throw new CliError(`the node at ${url} has no prefunded dev account (eth_accounts is empty) to deploy from`);
  const result = await deploy({ provider, artifactResolver, deploymentDir, ignitionModule: CinderModule, deploymentParameters, accounts, defaultSender: accounts[0] });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new CliError(`deploying the Cinder module on ${url} failed (${result.type}); its journal is ${deploymentDir}`, { details: describeFailure(result) });
  }
  const chainId = Number(BigInt((await provider.request({ method: "eth_chainId" })) as string));
  return { addresses: loadDeployment({ chainId, file: recordFile }), deploymentDir };
}

/** One line per failed future of an unsuccessful deployment. */
function describeFailure(result: Exclude<Awaited<ReturnType<typeof deploy>>, { type: DeploymentResultType.SUCCESSFUL_DEPLOYMENT }>): string {
  if (result.type !== DeploymentResultType.EXECUTION_ERROR) {
    return Object.entries(result.errors).map(([future, errors]) => `${future}: ${errors.join("; ")}`).join("\n");
  }
  return [
    ...result.failed.map(({ futureId, error }) => `${futureId}: ${error}`),
    ...result.timedOut.map(({ futureId }) => `${futureId}: timed out`),
    ...result.held.map(({ futureId, reason }) => `${futureId}: held (${reason})`),
  ].join("\n");
}
