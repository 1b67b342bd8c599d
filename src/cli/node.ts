/**
 * `cinder node`: a local Cinder network for development. Starts a `hardhat node`, deploys the whole protocol (with
 * the real Uniswap V2 and its seeded CNDR/tUSD pool) into its own Ignition journal, seeds providers with simulated
 * GPUs attested through OracleHub by the local oracle set, stake, SLA bonds and offers, funds client accounts from
 * the test stablecoin, starts a simulated agent per provider and the four local oracle nodes (heartbeats, epoch
 * reports, the leaf API), saves the addresses where the SDK's `loadDeployment` finds them by chain id
 * (`$CINDER_HOME/deployments/chain-31337`), prints every account it seeded with its key, text or `--json`, and runs
 * until Ctrl-C. It needs this repository (hardhat, the contracts, Ignition): it is a development command.
 */
import { rmSync } from "node:fs";
import { type Address, type Hex, formatUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CinderConfigError } from "../protocol/errors.js";
import type { Agent } from "../oracle/agent/server.js";
import { saveDeployment } from "../sdk/node.js";
import { type LocalOracles, agentMetadata, startAgents, startOracleNodes } from "./oracles.js";
import { LOCAL_ORACLE_ACCOUNTS, type SeedProviderReturnType, deployLocal, faucet, localKey, seedProvider, startHardhatNode } from "./local.js";
import type { Output } from "./output.js";

/** Parameters of {@link runNode}. */
export interface RunNodeParameters {
  port: number;
  providers: number;
  gpus: number;
  deploymentId?: string;
  /** Start simulated provider agents and the four local oracle nodes (default true). */
  oracles?: boolean;
}

/** Local accounts #6..#9 are providers, #16..#18 clients (each funded with 10,000 tUSD). */
const PROVIDER_ACCOUNTS = [6, 7, 8, 9];
const CLIENT_ACCOUNTS = [16, 17, 18];
/** Local account #15 runs keeper steps in the examples (any account may). */
const KEEPER_ACCOUNT = 15;

export async function runNode(out: Output, { port, providers, gpus, deploymentId, oracles = true }: RunNodeParameters): Promise<void> {
  if (port < 1 || port > 65_535) throw new CinderConfigError("--port", `must be between 1 and 65535, got ${port}`);
  if (providers > PROVIDER_ACCOUNTS.length) throw new CinderConfigError("--providers", `at most ${PROVIDER_ACCOUNTS.length}, got ${providers}`);
  if (gpus < 1 || gpus > 16) throw new CinderConfigError("--gpus", `must be between 1 and 16, got ${gpus}`);
  const id = deploymentId ?? `localhost-${port}`;
  rmSync(`deploy/deployments/${id}`, { recursive: true, force: true });
  if (oracles && port + LOCAL_ORACLE_ACCOUNTS.length > 65_535) throw new CinderConfigError("--port", `the oracle nodes listen on the ${LOCAL_ORACLE_ACCOUNTS.length} ports after ${port}`);
  const node = await out.spin(`starting a hardhat node on port ${port}`, () => startHardhatNode({ port }));
  const providerKeys = PROVIDER_ACCOUNTS.slice(0, providers).map((i) => privateKeyToAccount(localKey(i)));
  let agents: Agent[] = [];
  let oracleNodes: LocalOracles | undefined;
  let stopKeeper: (() => Promise<void>) | undefined;
  const shutdown = async () => {
    await stopKeeper?.();
    await oracleNodes?.stop();
    for (const agent of agents) await agent.close();
    await node.stop();
  };
  const stop = async () => {
    await shutdown();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  try {
    const addresses = await out.spin("deploying the protocol, Uniswap V2 and the CNDR/tUSD pool", () => deployLocal({ url: node.url, deploymentId: id }));
    // Where the SDK's loadDeployment (and so `createCinderClient` of cinder-protocol/sdk/node and the CLI) looks first.
    const savedTo = saveDeployment({ chainId: 31_337, addresses });
    if (oracles) agents = await out.spin("starting simulated provider agents", () => startAgents(providerKeys));
    const bar = out.progress("seeding providers", providers);
    const seeded: SeedProviderReturnType[] = [];
    for (const [k, i] of PROVIDER_ACCOUNTS.slice(0, providers).entries()) {
      const metadataURI = oracles ? agentMetadata(`provider-${i}`, agents[k].url) : `ipfs://cinder-local/provider-${i}`;
      seeded.push(await seedProvider({ url: node.url, addresses, key: localKey(i), gpus, metadataURI }));
      bar.step(`account #${i}`);
    }
    bar.done();
    if (oracles) {
      // Blocks every second, as on a live chain: OracleHub reads epochs from block timestamps.
      await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [1_000] }) });
      oracleNodes = await out.spin("starting the oracle nodes", () => startOracleNodes({ url: node.url, addresses, basePort: port + 1 }));
      // The keeper (account #15) sends every due step: epoch closes, SLA settlements, slashes, disputes, buyback, pruning.
      const { startLocalKeeper } = await import("../keeper/local.js");
      stopKeeper = await startLocalKeeper({ url: node.url, addresses, key: localKey(KEEPER_ACCOUNT), nodes: oracleNodes.urls, logFile: oracleNodes.logFile.replace(/oracle\.log$/, "keeper.log") });
    }
    const clients: { account: number; address: Address; privateKey: Hex }[] = [];
    for (const i of CLIENT_ACCOUNTS) {
      const address = privateKeyToAccount(localKey(i)).address;
      await faucet({ url: node.url, addresses, to: address, amount: 10_000n * 10n ** 6n });
      clients.push({ account: i, address, privateKey: localKey(i) });
    }
    const summary = {
      url: node.url,
      chainId: 31_337,
      deploymentId: id,
      addresses,
      providers: seeded.map((p, k) => ({ account: PROVIDER_ACCOUNTS[k], address: p.provider, gpus: p.gpuIds.length, stake: p.stake, privateKey: localKey(PROVIDER_ACCOUNTS[k]) })),
      clients,
      deploymentFile: savedTo,
      deployer: { account: 0, address: privateKeyToAccount(localKey(0)).address, privateKey: localKey(0) },
      keeper: { account: KEEPER_ACCOUNT, address: privateKeyToAccount(localKey(KEEPER_ACCOUNT)).address, privateKey: localKey(KEEPER_ACCOUNT) },
      oracleSigners: LOCAL_ORACLE_ACCOUNTS.map((i) => ({ account: i, address: privateKeyToAccount(localKey(i)).address, privateKey: localKey(i) })),
      oracleNodes: oracleNodes?.urls ?? [],
      agents: agents.map((a) => a.url),
      oracleLog: oracleNodes?.logFile,
      keeperLog: oracleNodes?.logFile.replace(/oracle\.log$/, "keeper.log"),
    };
    out.result(summary, () => [
      `Cinder local network on ${node.url} (chain 31337), deployment ${id}`,
      "",
      `addresses saved to ${savedTo} (the SDK's loadDeployment and the CLI find them by chain id)`,
      "",
      ...seeded.map((p, k) => `provider #${PROVIDER_ACCOUNTS[k]} ${p.provider} key ${localKey(PROVIDER_ACCOUNTS[k])}: ${p.gpuIds.length} x H100-80GB attested (tier 1), ${formatUnits(p.stake, 18)} CNDR staked, 100000 tUSD bond, offer 2 USD/GPU-hour`),
      ...clients.map((c) => `client #${c.account} ${c.address} key ${c.privateKey}: 10000 tUSD`),
      `keeper #${KEEPER_ACCOUNT} ${privateKeyToAccount(localKey(KEEPER_ACCOUNT)).address} key ${localKey(KEEPER_ACCOUNT)} (any account may keep)`,
      `deployer and governance proposer #0 ${privateKeyToAccount(localKey(0)).address} key ${localKey(0)}`,
      `oracle set (threshold 3): ${LOCAL_ORACLE_ACCOUNTS.map((i) => `#${i} ${privateKeyToAccount(localKey(i)).address} key ${localKey(i)}`).join(", ")}`,
      ...(oracleNodes === undefined
        ? ["oracle nodes: not started (--no-oracles)"]
        : [`oracle nodes: ${oracleNodes.urls.join(", ")} (log ${oracleNodes.logFile})`, `provider agents (simulated H100): ${agents.map((a) => a.url).join(", ")}`]),
      `Uniswap V2 router ${addresses.uniswapRouter ?? "-"}, CNDR/tUSD pool seeded 1,000,000 CNDR : 500,000 tUSD`,
      "",
      `try: CINDER_PRIVATE_KEY=${clients[0].privateKey} cinder --rpc ${node.url} --deployment ${id} lease create --provider ${seeded[0]?.provider ?? "<provider>"} --model H100-80GB --gpus 1 --hours 1 --max-price 2`,
      `     cinder --rpc ${node.url} --deployment ${id} status`,
      "",
      "running; Ctrl-C stops the node",
    ]);
  } catch (error) {
    await shutdown();
    throw error;
  }
  await new Promise(() => undefined);
}
