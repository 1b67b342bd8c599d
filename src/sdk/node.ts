/**
 * The SDK's Node entry (`cinder-protocol/sdk/node`): everything `cinder-protocol/sdk` has, plus finding a
 * deployment's addresses on disk, so `createCinderClient({ publicClient })` works with no addresses wherever the
 * program runs. The main entry stays free of `node:` imports for browsers and bundlers.
 *
 * `loadDeployment({ chainId })` looks, in order, at:
 * 1. an explicit `file` (Ignition's `deployed_addresses.json`), else CINDER_DEPLOYMENT_FILE;
 * 2. an explicit Ignition journal (`deploymentId` and/or `root`), else CINDER_DEPLOYMENT_ID under
 *    `deploy/deployments` or, where it is not there, `$CINDER_HOME/deployments` (where `cinder node` run from the
 *    installed package keeps its journals);
 * 3. the public deployment this package knows for the chain (`knownDeployment`);
 * 4. the record `cinder node` saves for the chain: `$CINDER_HOME/deployments/chain-<id>/deployed_addresses.json`
 *    (CINDER_HOME defaults to `~/.cinder`);
 * 5. Ignition's default journal in the current folder: `deploy/deployments/chain-<id>/deployed_addresses.json`.
 *
 * @example
 * ```ts
 * import { createCinderClient, loadDeployment } from "cinder-protocol/sdk/node";
 * const cinder = createCinderClient({ publicClient, walletClient }); // addresses found for publicClient.chain.id
 * const addresses = loadDeployment({ chainId: 31_337, file: "./deployed_addresses.json" });
 * ```
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type CinderAddresses, CINDER_DEPLOYMENT_FUTURES, knownDeployment, parseDeployment } from "../protocol/deployment.js";
import { CinderConfigError } from "../protocol/errors.js";
import { type CreateCinderClientParameters, createCinderClient as createBrowserSafeClient } from "./client.js";

export * from "./index.js";

/** Parameters of {@link loadDeployment}. */
export interface LoadDeploymentParameters {
  /** The chain the deployment is on. */
  chainId: number | bigint;
  /** Ignition's `deployed_addresses.json` to read (default CINDER_DEPLOYMENT_FILE). */
  file?: string;
  /** An Ignition deployment id under `root` (default CINDER_DEPLOYMENT_ID, else the search in the module comment). */
  deploymentId?: string;
  /** Ignition's deployments folder for `deploymentId`; default `deploy/deployments` under the current directory. */
  root?: string;
}

/** The return type of {@link loadDeployment}. */
export type LoadDeploymentReturnType = CinderAddresses;

/** The folder `cinder node` saves deployments in and the SDK reads them from: CINDER_HOME, else `~/.cinder`. */
export function cinderHome(): string {
  return process.env.CINDER_HOME ?? join(homedir(), ".cinder");
}

/** Where `cinder node` saves, and `loadDeployment` finds, the deployment of a local chain. */
export function savedDeploymentFile(chainId: number | bigint): string {
  return join(cinderHome(), "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

function readRecord(file: string): CinderAddresses {
  let recorded: unknown;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CinderConfigError(file, existsSync(file) ? "is not valid JSON" : "does not exist", { cause: error });
  }
  return parseDeployment({ recorded, source: file });
}

/** Finds and reads the addresses of a deployment on `chainId` (the search order is in the module comment). */
export function loadDeployment({ chainId, file, deploymentId, root }: LoadDeploymentParameters): LoadDeploymentReturnType {
  const explicit = file ?? process.env.CINDER_DEPLOYMENT_FILE;
  if (explicit !== undefined && explicit !== "") return readRecord(explicit);
  const id = deploymentId ?? process.env.CINDER_DEPLOYMENT_ID;
  if (id !== undefined || root !== undefined) {
    const roots = root !== undefined ? [root] : ["deploy/deployments", join(cinderHome(), "deployments")];
    const journals = roots.map((folder) => join(folder, id ?? `chain-${chainId}`, "deployed_addresses.json"));
    const journal = journals.find((candidate) => existsSync(candidate));
    if (journal === undefined) {
      throw new CinderConfigError("deployment", `no Cinder deployment for chain ${chainId}: ${journals.join(" nor ")} exists (deploy first: \`cinder node\`, or \`npm run deploy:local -- --network localhost\` in the repository)`);
    }
    return readRecord(journal);
  }
  const known = knownDeployment(chainId);
  if (known !== undefined) return known;
  const candidates = [savedDeploymentFile(chainId), join("deploy", "deployments", `chain-${chainId}`, "deployed_addresses.json")];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new CinderConfigError(
      "deployment",
      `no Cinder deployment known for chain ${chainId}: looked at ${candidates.map((c) => resolve(c)).join(" and ")} ` +
        "(start one with `cinder node`, or pass the addresses: `file`, CINDER_DEPLOYMENT_FILE or `addresses`)",
    );
  }
  return readRecord(found);
}

/** Parameters of {@link saveDeployment}. */
export interface SaveDeploymentParameters {
  chainId: number | bigint;
  addresses: CinderAddresses;
}

/** Saves a deployment where {@link loadDeployment} finds it for the chain (Ignition's record format); returns the file. */
export function saveDeployment({ chainId, addresses }: SaveDeploymentParameters): string {
  const file = savedDeploymentFile(chainId);
  const record: Record<string, string> = {};
  for (const [name, future] of Object.entries(CINDER_DEPLOYMENT_FUTURES) as [keyof CinderAddresses, string][]) {
    const address = addresses[name];
    if (address !== undefined) record[future] = address;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** `createCinderClient` that, given no addresses, finds the deployment for the public client's chain on disk. */
export function createCinderClient(parameters: CreateCinderClientParameters): ReturnType<typeof createBrowserSafeClient> {
  if (parameters.addresses !== undefined) return createBrowserSafeClient(parameters);
  const chainId = parameters.publicClient?.chain?.id;
  if (chainId === undefined) throw new CinderConfigError("addresses", "pass the deployment's addresses, or a public client with a chain to find them for");
  return createBrowserSafeClient({ ...parameters, addresses: loadDeployment({ chainId }) });
}
