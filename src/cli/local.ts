/**
 * A local Cinder network for development and tests: start a `hardhat node` (or anvil, Foundry's node, from its npm
 * package) on a port, or take any EVM node's URL, fund the local accounts from the node's prefunded dev accounts,
 * deploy the protocol with its Ignition module into its own journal (through ignition-core, no Hardhat needed:
 * `deploy.ts`), and seed providers with simulated GPUs (attested through OracleHub by the local oracle set's keys), stake, SLA bond and offers, all through the SDK.
 *
 * @example
 * ```ts
 * const node = await startHardhatNode({ port: 18_600 });
 * const addresses = await deployLocal({ url: node.url, deploymentId: "dev-18600" });
 * await seedProvider({ url: node.url, addresses, key: localKey(6), gpus: 2 });
 * await node.stop();
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, type Chain, type Hex, bytesToHex, createPublicClient, createWalletClient, defineChain, formatEther, http, keccak256, parseEther, toBytes } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { cinderTokenAbi, oracleHubAbi, testStablecoinAbi } from "../protocol/abis.js";
import type { CinderAddresses } from "../protocol/deployment.js";
import { createCinderClient } from "../sdk/node.js";
import { CinderConfigError, CinderError } from "../protocol/errors.js";
import { type ModelClass, resolveModelClass } from "../protocol/models.js";
import { JsonRpcError } from "./errors.js";

/** Hardhat's default mnemonic: the local accounts. */
export const LOCAL_MNEMONIC = "test test test test test test test test test test test junk";
/** The local oracle set: accounts #10..#13 (deploy/config.ts LOCAL_ORACLE_SIGNERS), threshold 3. */
export const LOCAL_ORACLE_ACCOUNTS = [10, 11, 12, 13] as const;

/** The private key of local account `i`. */
export function localKey(i: number): Hex {
  const key = mnemonicToAccount(LOCAL_MNEMONIC, { addressIndex: i }).getHdKey().privateKey;
  if (key === null) throw new CinderError(`no private key for local account ${i}`);
  return bytesToHex(key);
}

/** A running local EVM node (`hardhat node` or anvil). */
export interface HardhatNode {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A running local EVM node (`hardhat node` or anvil). */
export type LocalEvmNode = HardhatNode;

/** One JSON-RPC call; a JSON-RPC error is thrown as a CinderError naming the method. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { code?: number; message?: string; data?: unknown } };
  if (body.error !== undefined) throw new JsonRpcError(method, body.error.message ?? JSON.stringify(body.error), { code: body.error.code, data: body.error.data, url });
  return body.result;
}

/**
 * Mines a block every `seconds` (as well as one per transaction where the node does both), as on a live chain.
 * `evm_setIntervalMining` takes milliseconds on hardhat and seconds on anvil (its client version says which); a node
 * that knows neither call mines on its own schedule, and this is a no-op there.
 */
export async function setIntervalMining(url: string, seconds: number): Promise<void> {
  const version = String(await rpc(url, "web3_clientVersion").catch(() => ""));
  await rpc(url, "evm_setIntervalMining", [/anvil/i.test(version) ? seconds : seconds * 1_000]).catch(() => undefined);
}

/** The viem chain for a local node's chain id (viem's `hardhat` for 31337). */
export function localChainDefinition(chainId: number, url?: string): Chain {
  if (chainId === hardhat.id) return hardhat;
  return defineChain({ id: chainId, name: `local-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url ?? "http://127.0.0.1:8545"] } } });
}

/** The chain id the node at `url` answers with. */
export async function chainIdOf(url: string): Promise<number> {
  return Number(BigInt((await rpc(url, "eth_chainId")) as string));
}

/** The folders whose installed packages may start a local node: the user's app (the working directory), then this package. */
export function nodeSearchFolders(app: string = process.cwd()): string[] {
  return [resolve(app), PACKAGE_ROOT];
}

/** This package's root: the nearest folder above this module holding a package.json (the checkout, or the installed package). */
const PACKAGE_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

const HARDHAT_CONFIGS = ["hardhat.config.ts", "hardhat.config.js", "hardhat.config.mjs", "hardhat.config.cjs", "hardhat.config.mts", "hardhat.config.cts"];

/** A Hardhat that can run `hardhat node`: its CLI script and the project (the folder with a Hardhat config) to run it in. */
export interface HardhatInstall {
  cli: string;
  project: string;
}

/**
 * Hardhat as `hardhat node` needs it: the first of `folders` inside a Hardhat project (a `hardhat.config.*` there or in
 * a folder above, as Hardhat looks) from which the `hardhat` package resolves; undefined where none is.
 */
export function hardhatInstall(folders: readonly string[] = nodeSearchFolders()): HardhatInstall | undefined {
  for (const folder of folders) {
    let project: string | undefined = resolve(folder);
    while (project !== undefined && !HARDHAT_CONFIGS.some((config) => existsSync(join(project!, config)))) project = dirname(project) === project ? undefined : dirname(project);
    if (project === undefined) continue;
    try {
      const manifest = createRequire(join(folder, "package.json")).resolve("hardhat/package.json");
      const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { bin: { hardhat: string } };
      return { cli: join(dirname(manifest), bin.hardhat), project };
    } catch {
      // hardhat does not resolve from this folder
    }
  }
  return undefined;
}

/** Parameters of {@link startHardhatNode}. */
export interface StartHardhatNodeParameters {
  port: number;
  /** Milliseconds to wait for the node to answer (default 120,000). */
  timeoutMs?: number;
  /** The user's app, whose Hardhat project is tried before this package's (default the working directory). */
  cwd?: string;
}

/**
 * Starts `hardhat node` on 127.0.0.1:`port` in its own process group and waits until it answers: the Hardhat of the
 * user's app (a Hardhat project) or of this checkout ({@link hardhatInstall}).
 */
export async function startHardhatNode({ port, timeoutMs = 120_000, cwd }: StartHardhatNodeParameters): Promise<HardhatNode> {
  const hardhat = hardhatInstall(nodeSearchFolders(cwd));
  if (hardhat === undefined) throw new CinderConfigError("--evm", NO_HARDHAT);
  return spawnNode("hardhat node", process.execPath, [hardhat.cli, "node", "--hostname", "127.0.0.1", "--port", String(port)], { port, timeoutMs, cwd: hardhat.project });
}

/** What to do where no local node can be started (one line). */
const INSTALL_A_NODE =
  "install one in your app (`npm install --save-dev hardhat` in a Hardhat project, or `npm install @foundry-rs/anvil-linux-amd64` for anvil), or pass --rpc <url> of a running EVM node";
const NO_HARDHAT = `hardhat is not installed in a Hardhat project here: ${INSTALL_A_NODE}`;
const NO_ANVIL = `anvil is not installed: ${INSTALL_A_NODE}`;

/**
 * The anvil binary of the npm package `@foundry-rs/anvil-linux-amd64` (this package's optional dependency, Linux x64
 * only), resolved from the first of `folders` that has it; undefined where none does.
 */
export function anvilBinary(folders: readonly string[] = nodeSearchFolders()): string | undefined {
  for (const folder of folders) {
    try {
      const manifest = createRequire(join(folder, "package.json")).resolve("@foundry-rs/anvil-linux-amd64/package.json");
      const binary = join(dirname(manifest), "bin", "anvil");
      if (existsSync(binary)) return binary;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/**
 * Which node `cinder node` starts: `evm` where given (an error naming what to install where it is not), else hardhat
 * where it can run, else anvil; neither is a CinderConfigError saying what to install or to pass `--rpc`.
 */
export function chooseLocalEvm(evm: "hardhat" | "anvil" | undefined, folders: readonly string[] = nodeSearchFolders()): "hardhat" | "anvil" {
  if (evm === "anvil" && anvilBinary(folders) === undefined) throw new CinderConfigError("--evm", NO_ANVIL);
  if (evm === "hardhat" && hardhatInstall(folders) === undefined) throw new CinderConfigError("--evm", NO_HARDHAT);
  if (evm !== undefined) return evm;
  if (hardhatInstall(folders) !== undefined) return "hardhat";
  if (anvilBinary(folders) !== undefined) return "anvil";
  throw new CinderConfigError("--rpc", `no local EVM node to start (neither hardhat nor anvil is installed): ${INSTALL_A_NODE}`);
}

/** Parameters of {@link startAnvil}. */
export interface StartAnvilParameters {
  port: number;
  /** Chain id (default 31337, as hardhat's). */
  chainId?: number;
  /** Seconds between blocks (default: a block per transaction). */
  blockTime?: number;
  /** Prefunded dev accounts (default anvil's 10). */
  accounts?: number;
  timeoutMs?: number;
}

/**
 * Starts anvil (Foundry's node, from the optional npm package) on 127.0.0.1:`port` with hardhat's mnemonic, so its 10
 * prefunded dev accounts are the local accounts #0..#9; the others are funded by {@link fundAccounts}.
 */
export async function startAnvil({ port, chainId = 31_337, blockTime, accounts, timeoutMs = 60_000 }: StartAnvilParameters): Promise<LocalEvmNode> {
  const binary = anvilBinary();
  if (binary === undefined) throw new CinderConfigError("--evm", NO_ANVIL);
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--mnemonic", LOCAL_MNEMONIC, "--silent"];
  if (blockTime !== undefined) args.push("--block-time", String(blockTime));
  if (accounts !== undefined) args.push("--accounts", String(accounts));
  return spawnNode("anvil", binary, args, { port, timeoutMs });
}

async function spawnNode(name: string, command: string, args: string[], { port, timeoutMs, cwd }: { port: number; timeoutMs: number; cwd?: string }): Promise<LocalEvmNode> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, CI: "true" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The start of what the node says, to name why it exits before answering (an unsupported Node on stderr, a project
  // Hardhat refuses on stdout); the rest is drained and dropped.
  const said = { stderr: "", stdout: "" };
  for (const stream of ["stderr", "stdout"] as const) {
    child[stream]?.on("data", (chunk: Buffer) => {
      if (said[stream].length < 4_096) said[stream] += chunk.toString();
    });
  }
  let exited = false;
  // "close": the process has exited and its stderr is read to the end.
  child.once("close", () => {
    exited = true;
  });
  const stop = async () => {
    if (child.pid === undefined || exited) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const why = `${said.stderr}\n${said.stdout}`.split("\n").map((line) => line.trim()).find((line) => line !== "" && !line.endsWith(":")); // not a heading such as "Uncaught exception:"
      throw new CinderError(`${name} exited before answering on ${url}: ${why ?? `is port ${port} in use?`}`);
    }
    try {
      if ((await rpc(url, "eth_chainId")) !== undefined) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new CinderError(`${name} did not answer on ${url} within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Parameters of {@link fundAccounts}. */
export interface FundAccountsParameters {
  url: string;
  accounts: readonly Address[];
  /** Each account is topped up to this much ether (default 100). */
  amount?: bigint;
}

/**
 * Tops up `accounts` with gas money from the node's first prefunded dev account (`eth_accounts[0]`, unlocked on
 * hardhat, anvil and any dev node); returns the accounts it funded. Fails with a clear error on a node with none.
 */
export async function fundAccounts({ url, accounts, amount = parseEther("100") }: FundAccountsParameters): Promise<Address[]> {
  const dev = (await rpc(url, "eth_accounts")) as Address[] | null;
  if (dev === null || dev.length === 0) throw new CinderError(`the node at ${url} has no prefunded dev account (eth_accounts is empty): fund the local accounts yourself`);
  const chain = localChainDefinition(await chainIdOf(url), url);
  const publicClient = createPublicClient({ chain, transport: http(url) });
  const wallet = createWalletClient({ chain, transport: http(url), account: dev[0] });
  const funded: Address[] = [];
  for (const account of accounts) {
    const balance = await publicClient.getBalance({ address: account });
    if (balance >= amount) continue;
    const hash = await wallet.sendTransaction({ to: account, value: amount - balance });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new CinderError(`funding ${account} with ${formatEther(amount - balance)} ETH from ${dev[0]} failed`);
    funded.push(account);
  }
  return funded;
}

/** Parameters of {@link deployLocal}. */
export interface DeployLocalParameters {
  url: string;
  /** The Ignition deployment id: its journal is `<id>` under `deploy/deployments` in a checkout, else under `$CINDER_HOME/deployments`. */
  deploymentId: string;
  /** A parameters file (default deploy/parameters/localhost.json, shipped with the package). */
  parametersFile?: string;
}

/**
 * Deploys the protocol on the node with the Ignition module `deploy/modules/Cinder.ts`, through ignition-core with no
 * Hardhat (`deploy.ts`), and returns its addresses.
 */
export async function deployLocal({ url, deploymentId, parametersFile }: DeployLocalParameters): Promise<CinderAddresses> {
  // Loaded here: Ignition (and the artifacts) only for the commands that deploy.
  const { deployCinderModule } = await import("./deploy.js");
  return (await deployCinderModule({ url, deploymentId, parametersFile })).addresses;
}

/** Parameters of {@link seedProvider}. */
export interface SeedProviderParameters {
  url: string;
  addresses: CinderAddresses;
  /** The provider's key. */
  key: Hex;
  gpus?: number;
  modelClass?: ModelClass;
  /** Memory per simulated GPU in MiB (default 81,559, an H100 80GB). */
  memoryMiB?: number;
  /** Price per GPU-hour (default 2 USD). */
  pricePerGpuHour?: bigint;
  /** SLA bond in the stablecoin (default 100,000 USD). */
  bond?: bigint;
  metadataURI?: string;
  /** The account holding the deployment's CNDR, unlocked on the node (default local account #0, the deployer). */
  deployer?: Address;
}

/** What {@link seedProvider} set up. */
export interface SeedProviderReturnType {
  provider: Address;
  gpuIds: Hex[];
  stake: bigint;
}

/**
 * Registers a provider, attests `gpus` simulated GPUs through OracleHub (signed by the local oracle set), funds it
 * from the local deployer (CNDR) and the test stablecoin's faucet, stakes what the GPUs need, deposits an SLA bond
 * and publishes an offer.
 */
export async function seedProvider(parameters: SeedProviderParameters): Promise<SeedProviderReturnType> {
  const { url, addresses } = parameters;
  const gpus = parameters.gpus ?? 2;
  const modelClass = resolveModelClass(parameters.modelClass ?? "H100-80GB");
  const bond = parameters.bond ?? 100_000n * 10n ** 6n;
  const chain = localChainDefinition(await chainIdOf(url), url);
  const publicClient = createPublicClient({ chain, transport: http(url) });
  const account = privateKeyToAccount(parameters.key);
  const walletClient = createWalletClient({ chain, transport: http(url), account });
  const cinder = createCinderClient({ publicClient, walletClient, addresses });
  const deployer = createWalletClient({ chain, transport: http(url), account: parameters.deployer ?? privateKeyToAccount(localKey(0)) });

  await cinder.provider.register({ metadataURI: parameters.metadataURI ?? `ipfs://cinder-local/${account.address}` });
  const chainId = await publicClient.getChainId();
  const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
  const now = (await publicClient.getBlock()).timestamp;
  const gpuIds: Hex[] = [];
  for (let i = 0; i < gpus; i++) {
    const gpuId = keccak256(toBytes(`simulated-gpu:${account.address}:${i}:${bytesToHex(randomBytes(8))}`));
    gpuIds.push(gpuId);
    const report = {
      configDigest,
      provider: account.address,
      gpuId,
      modelClass,
      memoryMiB: parameters.memoryMiB ?? 81_559,
      tier: 1,
      evidenceHash: keccak256(toBytes(`simulated-evidence:${gpuId}`)),
      issuedAt: Number(now),
      expiresAt: Number(now + 30n * 86_400n),
    };
    const signatures = await Promise.all(
      LOCAL_ORACLE_ACCOUNTS.slice(0, 3).map((i) => cinder.keeper.signReport({ kind: "GpuAttestation", report, signer: privateKeyToAccount(localKey(i)), chainId })),
    );
    await cinder.keeper.submitReport({ kind: "GpuAttestation", report, signatures });
  }
  const { requiredStake } = await cinder.read.provider({ provider: account.address });
  const stake = requiredStake > 0n ? requiredStake : parseEther("1");
  const fund = async (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
  await fund(await deployer.writeContract({ address: addresses.token, abi: cinderTokenAbi, functionName: "transfer", args: [account.address, stake] }));
  if (addresses.stablecoin !== undefined) {
    await fund(await walletClient.writeContract({ address: addresses.stablecoin, abi: testStablecoinAbi, functionName: "faucet", args: [account.address, bond] }));
  }
  await cinder.provider.stake({ amount: stake });
  if (bond > 0n) await cinder.provider.depositBond({ amount: bond });
  await cinder.provider.setOffer({ modelClass, pricePerGpuHour: parameters.pricePerGpuHour ?? 2_000_000n });
  return { provider: account.address, gpuIds, stake };
}

/** Mints test stablecoin to `to` from the local faucet (local networks only). */
export async function faucet({ url, addresses, to, amount }: { url: string; addresses: CinderAddresses; to: Address; amount: bigint }): Promise<void> {
  if (addresses.stablecoin === undefined) throw new CinderError("this deployment has no test stablecoin faucet");
  const chain = localChainDefinition(await chainIdOf(url), url);
  const walletClient = createWalletClient({ chain, transport: http(url), account: privateKeyToAccount(localKey(0)) });
  const publicClient = createPublicClient({ chain, transport: http(url) });
  await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract({ address: addresses.stablecoin, abi: testStablecoinAbi, functionName: "faucet", args: [to, amount] }) });
}
