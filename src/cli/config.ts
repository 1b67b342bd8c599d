/**
 * The CLI's configuration, validated at the edge: the network (`--rpc <url>`, else `--network <name>` (`localhost`
 * is CINDER_NODE_URL or port 8545; a CINDER_RPC_URL naming another URL is an error), else CINDER_RPC_URL, else
 * localhost), the key (CINDER_PRIVATE_KEY or `--key-file`), the deployment (`--deployment <id>`, `--addresses
 * <file>`, else the SDK's `loadDeployment` search by chain id: the record `cinder node` saved, Ignition's
 * `chain-<id>` journal), and amounts and addresses given on the command line.
 * Every bad value is a `CinderConfigError` naming the option; a key is never echoed.
 */
import { existsSync, readFileSync } from "node:fs";
import { type Account, type Address, type Chain, type PublicClient, type Transport, type WalletClient, createPublicClient, createWalletClient, defineChain, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type CinderAddresses, parseDeployment } from "../protocol/deployment.js";
import { type CinderClient, checkAddress, createCinderClient, loadDeployment } from "../sdk/node.js";
import { CinderConfigError, CinderError } from "../protocol/errors.js";

/** Networks known by name, and the URL each means now (`localhost` honours CINDER_NODE_URL, as hardhat.config.ts does). */
export const NETWORKS: Record<string, () => string> = {
  localhost: () => process.env.CINDER_NODE_URL ?? "http://127.0.0.1:8545",
};

/** The global options every command takes. */
export interface GlobalOptions {
  rpc?: string;
  network?: string;
  "key-file"?: string;
  deployment?: string;
  addresses?: string;
  json?: boolean;
}

/** The RPC URL the options name. */
export function rpcUrl(options: GlobalOptions): string {
  if (options.rpc !== undefined && options.network !== undefined) throw new CinderConfigError("--rpc", "give either --rpc or --network, not both");
  if (options.network !== undefined && NETWORKS[options.network] === undefined) {
    throw new CinderConfigError("--network", `unknown network ${JSON.stringify(options.network)} (known: ${Object.keys(NETWORKS).join(", ")}; or pass --rpc <url>)`);
  }
  const named = options.network !== undefined ? NETWORKS[options.network]() : undefined;
  const fromEnv = process.env.CINDER_RPC_URL === "" ? undefined : process.env.CINDER_RPC_URL;
  if (named !== undefined && fromEnv !== undefined && fromEnv !== named) {
    // Both name a network and they differ: reading either one silently would read the wrong chain.
    throw new CinderConfigError("--network", `--network ${options.network} is ${named} but CINDER_RPC_URL is ${fromEnv}; unset CINDER_RPC_URL or pass --rpc <url>`);
  }
  const url = options.rpc ?? named ?? fromEnv ?? NETWORKS.localhost();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CinderConfigError(options.rpc !== undefined ? "--rpc" : "CINDER_RPC_URL", `not a URL: ${JSON.stringify(url)}`);
  }
  if (!["http:", "https:"].includes(parsed.protocol)) throw new CinderConfigError("--rpc", `must be an http(s) URL, got ${parsed.protocol}`);
  return url;
}

/** The signing account, or undefined when no key is configured. */
export function loadAccount(options: GlobalOptions): Account | undefined {
  let key: string | undefined;
  let source: string;
  if (options["key-file"] !== undefined) {
    source = `--key-file ${options["key-file"]}`;
    if (!existsSync(options["key-file"])) throw new CinderConfigError("--key-file", `${options["key-file"]} does not exist`);
    key = readFileSync(options["key-file"], "utf8").trim();
  } else {
    source = "CINDER_PRIVATE_KEY";
    key = process.env.CINDER_PRIVATE_KEY?.trim();
    if (key === undefined || key === "") return undefined;
  }
  const normalized = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(normalized)) throw new CinderConfigError(source, "not a private key (expected 32 bytes as 64 hex digits, optionally 0x-prefixed)");
  return privateKeyToAccount(normalized as `0x${string}`);
}

/** Everything a command needs to talk to the network. */
export interface Session {
  url: string;
  chain: Chain;
  publicClient: PublicClient;
  account: Account | undefined;
  addresses: CinderAddresses;
  /** A client that reads only. */
  reader: CinderClient;
  /** A client that signs with the configured key; a clear error when none is configured. */
  writer(): CinderClient;
}

/** Connects to the network, reads the chain id and loads the deployment. */
export async function openSession(options: GlobalOptions): Promise<Session> {
  const url = rpcUrl(options);
  const account = loadAccount(options);
  const probe = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 5_000 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new CinderError(`cannot reach the network at ${url}`, { details: (error as { shortMessage?: string }).shortMessage ?? String(error), cause: error });
  }
  const chain = defineChain({ id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 250 }) as PublicClient;
  let addresses: CinderAddresses;
  if (options.addresses !== undefined) {
    if (!existsSync(options.addresses)) throw new CinderConfigError("--addresses", `${options.addresses} does not exist`);
    let recorded: unknown;
    try {
      recorded = JSON.parse(readFileSync(options.addresses, "utf8"));
    } catch {
      throw new CinderConfigError("--addresses", `${options.addresses} is not valid JSON`);
    }
    addresses = parseDeployment({ recorded, source: options.addresses });
  } else {
    addresses = loadDeployment({ chainId, deploymentId: options.deployment });
  }
  const code = await publicClient.getCode({ address: addresses.jobMarket });
  if (code === undefined || code === "0x") {
    throw new CinderConfigError("deployment", `the recorded JobMarket ${addresses.jobMarket} has no code on chain ${chainId} at ${url} (a restarted node? deploy again)`);
  }
  const reader = createCinderClient({ publicClient, addresses });
  return {
    url,
    chain,
    publicClient,
    account,
    addresses,
    reader,
    writer() {
      if (account === undefined) throw new CinderConfigError("key", "missing key: this command sends transactions; set CINDER_PRIVATE_KEY or pass --key-file <file>");
      const walletClient = createWalletClient({ chain, transport: http(url), account }) as WalletClient<Transport, Chain | undefined, Account>;
      return createCinderClient({ publicClient, walletClient, addresses });
    },
  };
}

/** A required option's value, or a `CinderConfigError` naming it. */
export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new CinderConfigError(`--${name}`, "is required");
  return value;
}

/** A decimal token amount (e.g. "12.5") in the token's smallest unit. */
export function amountOption(values: Record<string, unknown>, name: string, decimals: number, symbol: string): bigint {
  const raw = required(values, name);
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new CinderConfigError(`--${name}`, `not an amount of ${symbol}: ${JSON.stringify(raw)} (e.g. 12.5)`);
  const [, fraction = ""] = raw.split(".");
  if (fraction.length > decimals) throw new CinderConfigError(`--${name}`, `${symbol} has ${decimals} decimals, got ${fraction.length} in ${raw}`);
  const value = parseUnits(raw, decimals);
  if (value === 0n) throw new CinderConfigError(`--${name}`, "must be positive");
  return value;
}

/** A positive integer option (ids, counts, seconds). */
export function integerOption(values: Record<string, unknown>, name: string, { optional = false }: { optional?: boolean } = {}): bigint | undefined {
  const raw = values[name];
  if (raw === undefined && optional) return undefined;
  const text = required(values, name);
  if (!/^\d+$/.test(text)) throw new CinderConfigError(`--${name}`, `must be a non-negative integer, got ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** An address option. */
export function addressOption(values: Record<string, unknown>, name: string): Address {
  return checkAddress(required(values, name), `--${name}`);
}

/** Hours as seconds ("1.5" is 5,400). */
export function hoursOption(values: Record<string, unknown>, name: string): bigint {
  const raw = required(values, name);
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new CinderConfigError(`--${name}`, `not a number of hours: ${JSON.stringify(raw)}`);
  const seconds = Math.round(Number(raw) * 3_600);
  if (seconds <= 0) throw new CinderConfigError(`--${name}`, "must be positive");
  return BigInt(seconds);
}
