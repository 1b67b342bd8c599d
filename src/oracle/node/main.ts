/**
 * `npm run oracle:node -- --config oracle.json`: runs one oracle node until SIGINT/SIGTERM. The signing key comes
 * from CINDER_ORACLE_KEY. A bad configuration prints what is wrong, naming the field, and exits with status 2.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http, webSocket } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { AgentClient } from "../agent/client.js";
import { SIGNATURE_BACKEND } from "../crypto/recover.js";
import { ChainView } from "./chain.js";
import { ConfigError, parseNodeConfig } from "./config.js";
import { agentHeartbeat } from "./heartbeat.js";
import { createLogger } from "./log.js";
import { OracleNode } from "./node.js";
import { openStore } from "./store.js";

const USAGE = `usage: npm run oracle:node -- --config <file.json>

Runs a Cinder oracle node: follows providers and leases, sends heartbeats to provider agents, signs and shares its
observations, co-signs and submits epoch reports, and serves leaf files and proofs; with "verdicts" in the config it
also judges job disputes (re-executing or sampling the job) and co-signs and submits their verdicts.

  --config <file>   the node's JSON configuration (see src/oracle/node/config.ts)
  --help            this text

Environment: CINDER_ORACLE_KEY  the node's 32-byte hex signing key (an oracle set member)`;

function fail(message: string): never {
  process.stderr.write(`oracle node: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { config: { type: "string" }, help: { type: "boolean" } }, allowPositionals: false }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.config === undefined) fail(`--config is required\n\n${USAGE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values.config, "utf8"));
  } catch (error) {
    fail(`cannot read ${values.config}: ${(error as Error).message}`);
  }
  let config;
  try {
    config = parseNodeConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const account = privateKeyToAccount(config.privateKey);
  const log = createLogger({ node: account.address }, { level: config.logLevel });
  const fellBack = SIGNATURE_BACKEND.name === "js" && !SIGNATURE_BACKEND.detail.includes("forced");
  log[fellBack ? "warn" : "info"]("signature backend", { backend: SIGNATURE_BACKEND.name, detail: SIGNATURE_BACKEND.detail });
  const transport = config.rpcUrl.startsWith("ws") ? webSocket(config.rpcUrl) : http(config.rpcUrl);
  const probe = createPublicClient({ transport });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    fail(`cannot reach the chain at ${config.rpcUrl}: ${(error as Error).message.split("\n")[0]}`);
  }
  const chain = defineChain({ id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } });
  const publicClient = createPublicClient({ chain, transport });
  const walletClient = createWalletClient({ account, chain, transport });
  const chainView = new ChainView({ publicClient, walletClient, ...config.contracts, fromBlock: config.fromBlock });
  const node = new OracleNode({
    account,
    chain: chainView,
    verdicts: config.verdicts === undefined ? undefined : { chain: chainView, settings: config.verdicts },
    store: openStore(config.databasePath),
    heartbeat: agentHeartbeat({ chainId, timeoutMs: config.heartbeat.timeoutMs }),
    peers: config.peers,
    settings: config,
    log,
    challenges:
      config.challenges === undefined
        ? undefined
        : { settings: config.challenges, client: (provider, agentUrl) => new AgentClient(agentUrl, { expectedProvider: provider, chainId, timeoutMs: config.heartbeat.timeoutMs, signer: account }) },
  });
  try {
    await node.start();
  } catch (error) {
    fail(`cannot start: ${(error as Error).message.split("\n")[0]}`);
  }
  const stop = async (signal: string) => {
    log.info("stopping", { signal });
    await node.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
