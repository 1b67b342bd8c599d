/**
 * `cinder node`: a local Cinder network for development. Starts a `hardhat node`, deploys the whole protocol (with
 * the real Uniswap V2 and its seeded CNDR/tUSD pool) into its own Ignition journal, seeds providers with simulated
 * GPUs attested through OracleHub by the local oracle set, stake, SLA bonds and offers, funds client accounts from
 * the test stablecoin, starts a simulated agent per provider and the four local oracle nodes (heartbeats, epoch
 * reports, the leaf API), saves the addresses where the SDK's `loadDeployment` finds them by chain id
 * (`$CINDER_HOME/deployments/chain-31337`), prints every account it seeded with its key, text or `--json`, and runs
 * until Ctrl-C. It runs from the installed package as from this repository: the protocol is deployed by its Ignition
 * module through ignition-core with the artifacts the package ships (deploy.ts), the journal kept under
 * `$CINDER_HOME/deployments/<id>` (Ignition's `deploy/deployments/<id>` in a checkout).
 *
 * Local mode: the node it starts is hardhat's (`hardhat node` in the user's Hardhat project, or in this checkout), else
 * anvil (its npm package, this package's optional dependency on Linux x64); `--evm hardhat|anvil` picks one, and where
 * neither is installed it says what to install or to pass `--rpc`. `--rpc <url>` deploys on any running EVM node instead,
 * funding every local account it uses from the node's first prefunded dev account. The oracle nodes and agents run
 * on the chain's clock (src/oracle/clock.ts), so moving the chain's time moves their epochs; a loopback control
 * endpoint with a token (control.ts) lets `cinder provider fail` make a seeded provider's simulated GPUs fail for a
 * while. Where the output is not a terminal, each step is reported on its own timestamped line (output.ts).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Address, type Hex, createPublicClient, formatUnits, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { oracleHubAbi } from "../protocol/abis.js";
import { CinderConfigError, CinderError } from "../protocol/errors.js";
import { ChainClock } from "../oracle/clock.js";
import { saveDeployment } from "../sdk/node.js";
import { deploymentsRoot } from "./deploy.js";
import { type LocalControl, type ObservedBackend, startLocalControl } from "./control.js";
import { type LocalAgent, type LocalOracles, LOCAL_CHALLENGE_ROUND_SECONDS, agentMetadata, startAgents, startOracleNodes } from "./oracles.js";
import {
  LOCAL_ORACLE_ACCOUNTS,
  type LocalEvmNode,
  type SeedProviderReturnType,
  chainIdOf,
  chooseLocalEvm,
  deployLocal,
  faucet,
  fundAccounts,
  localChainDefinition,
  localKey,
  rpc,
  seedProvider,
  setIntervalMining,
  startAnvil,
  startHardhatNode,
} from "./local.js";
import type { Output } from "./output.js";

/** Parameters of {@link runNode}. */
export interface RunNodeParameters {
  port: number;
  providers: number;
  gpus: number;
  deploymentId?: string;
  /** Start simulated provider agents and the four local oracle nodes (default true). */
  oracles?: boolean;
  /**
   * An EVM node to deploy on instead of starting one (`--rpc`): any dev node with a prefunded unlocked account
   * (`eth_accounts[0]`, the deployer), which funds every local account used. Oracle nodes listen after `port`.
   */
  rpc?: string;
  /** Which node to start when no `rpc` is given (default hardhat where it can run, else anvil: {@link chooseLocalEvm}). */
  evm?: "hardhat" | "anvil";
}

/** Local accounts #6..#9 are providers, #16..#18 clients (each funded with 10,000 tUSD). */
const PROVIDER_ACCOUNTS = [6, 7, 8, 9];
const CLIENT_ACCOUNTS = [16, 17, 18];
/** Local account #15 runs keeper steps in the examples (any account may). */
const KEEPER_ACCOUNT = 15;

/** `--port` by default: 8545 for the node it starts, else the port after the given node's (the oracle nodes' first). */
export function defaultNodePort(rpcUrl: string | undefined): number {
  if (rpcUrl === undefined) return 8_545;
  try {
    const url = new URL(rpcUrl);
    return Number(url.port || (url.protocol === "https:" ? 443 : 80)) + 1;
  } catch {
    return 8_545;
  }
}

/** The Ignition deployment id `cinder node` uses by default: by port, or by the URL of the node it was given. */
function defaultDeploymentId(port: number, rpcUrl: string | undefined): string {
  return rpcUrl === undefined ? `localhost-${port}` : `rpc-${rpcUrl.replace(/^https?:\/\//, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "")}`;
}

export async function runNode(out: Output, { port, providers, gpus, deploymentId, oracles = true, rpc: rpcUrl, evm }: RunNodeParameters): Promise<void> {
  if (port < 1 || port > 65_535) throw new CinderConfigError("--port", `must be between 1 and 65535, got ${port}`);
  if (providers > PROVIDER_ACCOUNTS.length) throw new CinderConfigError("--providers", `at most ${PROVIDER_ACCOUNTS.length}, got ${providers}`);
  if (gpus < 1 || gpus > 16) throw new CinderConfigError("--gpus", `must be between 1 and 16, got ${gpus}`);
  if (rpcUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(rpcUrl)) throw new CinderConfigError("--rpc", `must be an http(s) URL, got ${JSON.stringify(rpcUrl)}`);
  const id = deploymentId ?? defaultDeploymentId(port, rpcUrl);
  const localEvm = rpcUrl === undefined ? chooseLocalEvm(evm) : undefined;
  rmSync(join(deploymentsRoot(), id), { recursive: true, force: true });
  // With --rpc the node is someone else's: the oracle nodes listen on --port and the next ports.
  const oraclePort = rpcUrl === undefined ? port + 1 : port;
  if (oracles && oraclePort + LOCAL_ORACLE_ACCOUNTS.length - 1 > 65_535) throw new CinderConfigError("--port", `the oracle nodes listen on the ${LOCAL_ORACLE_ACCOUNTS.length} ports from ${oraclePort}`);
  const node: LocalEvmNode | { url: string; stop(): Promise<void> } =
    rpcUrl !== undefined
      ? { url: rpcUrl.replace(/\/+$/, ""), stop: async () => undefined }
      : await out.spin(`starting a${localEvm === "anvil" ? "n anvil" : " hardhat"} node on port ${port}`, () => (localEvm === "anvil" ? startAnvil({ port }) : startHardhatNode({ port })));
  const providerKeys = PROVIDER_ACCOUNTS.slice(0, providers).map((i) => privateKeyToAccount(localKey(i)));
  let agents: LocalAgent[] = [];
  let oracleNodes: LocalOracles | undefined;
  let stopKeeper: (() => Promise<void>) | undefined;
  let clock: ChainClock | undefined;
  let control: LocalControl | undefined;
  const shutdown = async () => {
    await stopKeeper?.();
    await control?.close();
    await oracleNodes?.stop();
    for (const agent of agents) await agent.close();
    clock?.stop();
    await node.stop();
  };
  const stop = async () => {
    await shutdown();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  try {
    let chainId: number;
    try {
      chainId = await chainIdOf(node.url);
    } catch (error) {
      throw new CinderConfigError("--rpc", `no EVM node answers on ${node.url} (${(error as Error).message.split("\n")[0]})`);
    }
    const publicClient = createPublicClient({ chain: localChainDefinition(chainId, node.url), transport: http(node.url) });
    const deployer = ((await rpc(node.url, "eth_accounts")) as Address[] | null)?.[0];
    if (deployer === undefined) throw new CinderError(`the node at ${node.url} has no prefunded dev account (eth_accounts is empty), so nothing can deploy or fund the local accounts`);
    const used = [0, ...PROVIDER_ACCOUNTS.slice(0, providers), ...LOCAL_ORACLE_ACCOUNTS, KEEPER_ACCOUNT, ...CLIENT_ACCOUNTS];
    const funded = await out.spin(`funding ${used.length} local accounts from the node's dev account ${deployer}`, () =>
      fundAccounts({ url: node.url, accounts: used.map((i) => privateKeyToAccount(localKey(i)).address) }),
    );
    const addresses = await out.spin("deploying the protocol, Uniswap V2 and the CNDR/tUSD pool", () => deployLocal({ url: node.url, deploymentId: id }));
    // Where the SDK's loadDeployment (and so `createCinderClient` of cinder-protocol/sdk/node and the CLI) looks first.
    const savedTo = saveDeployment({ chainId, addresses });
    // The chain's clock: between blocks it advances with wall time, as the next block's timestamp would.
    clock = await ChainClock.start({ publicClient });
    const now = clock.now;
    if (oracles) agents = await out.spin("starting simulated provider agents", () => startAgents(providerKeys, { now, chainId }));
    const bar = out.progress("seeding providers", providers);
    const seeded: SeedProviderReturnType[] = [];
    for (const [k, i] of PROVIDER_ACCOUNTS.slice(0, providers).entries()) {
      const metadataURI = oracles ? agentMetadata(`provider-${i}`, agents[k].url) : `ipfs://cinder-local/provider-${i}`;
      seeded.push(await seedProvider({ url: node.url, addresses, key: localKey(i), gpus, metadataURI, deployer }));
      bar.step(`account #${i}`);
    }
    bar.done();
    // Blocks every second, as on a live chain: OracleHub reads epochs from block timestamps, and the nodes' clock
    // reads the chain's (a node that does not know the call mines on its own schedule).
    await setIntervalMining(node.url, 1);
    if (oracles) {
      const [epochLength, lateWindow] = await Promise.all([
        publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" }),
        publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "LATE_WINDOW_EPOCHS" }),
      ]);
      // A probe's outcome stands over a jump of the chain's time as long as the hub still takes reports of it.
      const maxHoldSeconds = Number((lateWindow + 1n) * epochLength);
      oracleNodes = await out.spin("starting the oracle nodes", () => startOracleNodes({ url: node.url, addresses, basePort: oraclePort, now, maxHoldSeconds }));
      const backends = new Map<Address, ObservedBackend>(seeded.map((p, k) => [p.provider, agents[k].backend]));
      const nodes = oracleNodes;
      control = await out.spin("starting the local control endpoint", () =>
        startLocalControl({
          rpcUrl: node.url,
          backends,
          now,
          observers: LOCAL_ORACLE_ACCOUNTS.length,
          refreshClock: () => clock!.refresh(),
          probedSince: (provider, sinceMs) => nodes.probedSince(provider, sinceMs),
          oracleNodes: LOCAL_ORACLE_ACCOUNTS.length,
          challengeRoundSeconds: LOCAL_CHALLENGE_ROUND_SECONDS,
        }),
      );
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
      chainId,
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
      controlFile: control?.file,
      funded,
      clock: "chain",
    };
    out.result(summary, () => [
      `Cinder local network on ${node.url} (chain ${chainId}), deployment ${id}`,
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
      `funded from the node's dev account ${deployer}: ${funded.length === 0 ? "none needed" : `${funded.length} accounts`}`,
      "oracle nodes and agents follow the chain's clock: moving the chain's time (evm_increaseTime) moves their epochs",
      ...(control === undefined
        ? []
        : [
            `simulate an outage: cinder --rpc ${node.url} provider fail --provider ${seeded[0]?.provider ?? "<provider>"} --for 10m`,
            `simulate a faulty GPU (the nodes' next daily challenge proves it, the keeper slashes): cinder --rpc ${node.url} provider fail --kind challenge --provider ${seeded[0]?.provider ?? "<provider>"} --for 25h`,
          ]),
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
