/**
 * The local oracle for `cinder node`: a simulated provider agent per provider (an H100 recording answering
 * heartbeats, signed with the provider's key) and the four local oracle set members (accounts #10..#13) as
 * in-process oracle nodes. The nodes follow the chain's leases, send heartbeats to the agents, sign and gossip their
 * observations, submit each epoch's report to OracleHub with a quorum of signatures, and serve the leaf files and
 * proofs over HTTP (`GET /v1/epochs/<e>/leaves`), which `cinder keeper settle-sla --oracle <url>` fetches. They also
 * judge job disputes (re-executing or sampling the posted spec, see `cinder job`) and submit the quorum's verdict.
 *
 * Local mode: nodes and agents run on one clock (`now`), the chain's (src/oracle/clock.ts), so moving the chain's
 * time moves their epochs, settle delays and late windows with it; a probe's outcome stands over a jump of the
 * chain's time up to the late window (uptime.ts). Each agent's simulated backend counts the heartbeats it failed,
 * for the control endpoint's outages (control.ts).
 *
 * The nodes also challenge each agent's GPUs once a round (`LOCAL_CHALLENGE_ROUND_SECONDS`, small matrix and memory
 * challenges) and sign a FailedGpuChallenge fault report when an answer is proven wrong, which the keeper proposes
 * and executes as a slash; they sign no attestations (the seeding attested the simulated GPUs under their own ids).
 * A backend's `failChallengesUntil` (`cinder provider fail --kind challenge`) makes its agent's executor compute wrong
 * products, as a faulty card would.
 */
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type PublicClient, createPublicClient, createWalletClient, http } from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { AgentClient } from "../oracle/agent/client.js";
import { type Agent, createAgent } from "../oracle/agent/server.js";
import type { ComputedProduct, Executor } from "../oracle/challenge/executors.js";
import { ChallengeThread } from "../oracle/challenge/thread.js";
import type { ChallengeSettings } from "../oracle/node/attest.js";
import { loadRecording } from "../oracle/gpu/simulated.js";
import { wallClock, type Now } from "../oracle/clock.js";
import { ObservedBackend } from "./control.js";
import { ChainView } from "../oracle/node/chain.js";
import { DEFAULT_VERDICT_SETTINGS } from "../oracle/node/verdict.js";
import { agentHeartbeat } from "../oracle/node/heartbeat.js";
import { createLogger } from "../oracle/node/log.js";
import { OracleNode } from "../oracle/node/node.js";
import { openStore } from "../oracle/node/store.js";
import type { CinderAddresses } from "../protocol/deployment.js";
import { LOCAL_ORACLE_ACCOUNTS, localChainDefinition, localKey } from "./local.js";

/** The local oracle nodes' challenge round: each node challenges each provider once a chain-time day. */
export const LOCAL_CHALLENGE_ROUND_SECONDS = 86_400;

/** The local nodes' challenges: small enough for the agents' CPU executor and caps (maxMatmulN 64, 64 KiB fills). */
const LOCAL_CHALLENGES: ChallengeSettings = {
  roundSeconds: LOCAL_CHALLENGE_ROUND_SECONDS,
  validitySeconds: LOCAL_CHALLENGE_ROUND_SECONDS,
  classNames: { H100: "H100-80GB" },
  matmul: { n: 32, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
  memory: { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4096, steps: 64, checks: 8, walkDeadlineMs: 20_000 },
  signAttestations: false,
};

/**
 * An executor whose products are wrong while `failing()` (a faulty card): each y = C·r it answers is off by one in
 * its first entry, which the node's Freivalds check proves wrong.
 */
export function faultyWhile(executor: Executor, failing: () => boolean): Executor {
  return {
    kind: executor.kind,
    description: `${executor.description}, computing wrong products while failing`,
    start: () => executor.start(),
    close: () => executor.close(),
    async compute(seed, n): Promise<ComputedProduct> {
      const product = await executor.compute(seed, n);
      return {
        n: product.n,
        tree: product.tree,
        rows: (indices) => product.rows(indices),
        async products(vectors) {
          const ys = await product.products(vectors);
          if (!failing()) return ys;
          return ys.map((y) => {
            const wrong = y.slice();
            wrong[0] += 1n;
            return wrong;
          });
        },
      };
    },
  };
}

/** A simulated agent and the backend it answers from. */
export type LocalAgent = Agent & { readonly backend: ObservedBackend };

/** Options of {@link startAgents}. */
export interface StartAgentsOptions {
  /** The local network's clock in ms (default the wall clock): heartbeat timestamps and outage ends. */
  readonly now?: Now;
  readonly chainId?: number;
}

/**
 * Simulated agents, one per provider key; each provider's metadata must name its agent's URL. They take challenges
 * only from the local oracle set (accounts #10..#13), computed on one worker thread (unreferenced: it never keeps
 * the process alive).
 */
export async function startAgents(providers: readonly LocalAccount[], { now = wallClock.now, chainId = 31_337 }: StartAgentsOptions = {}): Promise<LocalAgent[]> {
  const agents: LocalAgent[] = [];
  const thread = new ChallengeThread();
  const oracleSet = LOCAL_ORACLE_ACCOUNTS.map((i) => privateKeyToAccount(localKey(i)).address);
  for (const account of providers) {
    const backend = new ObservedBackend(loadRecording("h100"), { now });
    const agent = await createAgent({
        account,
        backend,
        executor: faultyWhile(thread.executor, () => backend.challengesFailing),
        chunkStore: () => thread.chunkStore(),
        oracleSet,
        chainId,
        now: () => Math.floor(now() / 1000),
        host: "127.0.0.1",
        port: 0,
        maxMatmulN: 64,
        maxMemoryFillBytes: 64 * 1024,
      });
    agents.push(Object.assign(agent, { backend }));
  }
  return agents;
}

/** The metadata URI that names a provider's agent (what the oracle nodes read from the registry). */
export function agentMetadata(name: string, agentUrl: string): string {
  return `data:application/json,${encodeURIComponent(JSON.stringify({ name, agent: agentUrl }))}`;
}

/** Parameters of {@link startOracleNodes}. */
export interface StartOracleNodesParameters {
  url: string;
  addresses: CinderAddresses;
  /** The first node listens here, the others on the next ports. */
  basePort: number;
  /** The nodes' clock in ms (default the wall clock; local mode passes the chain's). */
  now?: Now;
  /** The longest one probe's outcome stands for (default one epoch; local mode passes the late window). */
  maxHoldSeconds?: number;
}

/** Running oracle nodes. */
export interface LocalOracles {
  urls: string[];
  addresses: Address[];
  logFile: string;
  /** How many of the nodes have probed `provider` at or after `sinceMs` on their clock (from their stores). */
  probedSince(provider: Address, sinceMs: number): number;
  stop(): Promise<void>;
}

/**
 * Starts the four local oracle set members as oracle nodes (uptime and reports, GPU challenges and their fault
 * reports; GPUs are attested at seeding).
 */
export async function startOracleNodes({ url, addresses, basePort, now, maxHoldSeconds }: StartOracleNodesParameters): Promise<LocalOracles> {
  const dir = mkdtempSync(join(tmpdir(), "cinder-node-oracles-"));
  const logFile = join(dir, "oracle.log");
  const chainDefinition = localChainDefinition(Number(await createPublicClient({ transport: http(url) }).getChainId()), url);
  const publicClient = createPublicClient({ chain: chainDefinition, transport: http(url) }) as PublicClient;
  const keys = LOCAL_ORACLE_ACCOUNTS.map((i) => privateKeyToAccount(localKey(i)));
  const peers = keys.map((k, i) => ({ address: k.address, url: `http://127.0.0.1:${basePort + i}` }));
  const nodes: OracleNode[] = [];
  // Stamped by the nodes' clock: a store's memory start is compared with epochs and dispute times on that clock.
  const stores = keys.map((_, i) => openStore(join(dir, `node-${i}.db`), { now }));
  for (const [i, key] of keys.entries()) {
    const chain = new ChainView({
      publicClient,
      walletClient: createWalletClient({ chain: chainDefinition, transport: http(url), account: key }),
      oracleHub: addresses.oracleHub,
      registry: addresses.registry,
      jobMarket: addresses.jobMarket,
      disputeManager: addresses.disputeManager,
    });
    const node = new OracleNode({
      account: key,
      chain,
      // Job disputes: the local nodes re-execute or sample the job and co-sign the verdict (src/oracle/node/verdict.ts).
      verdicts: { chain, settings: DEFAULT_VERDICT_SETTINGS },
      store: stores[i],
      heartbeat: agentHeartbeat({ chainId: chainDefinition.id, timeoutMs: 2_000 }),
      challenges: { settings: LOCAL_CHALLENGES, client: (provider, agentUrl) => new AgentClient(agentUrl, { expectedProvider: provider, chainId: chainDefinition.id, timeoutMs: 5_000, signer: key, now: () => Math.floor((now ?? wallClock.now)() / 1000) }) },
      peers,
      now,
      settings: {
        listen: { host: "127.0.0.1", port: basePort + i },
        heartbeat: { meanIntervalMs: 5_000, maxHoldSeconds },
        epoch: { settleDelayMs: 5_000, leaderTimeoutMs: 20_000, setupGraceSeconds: 0 },
        pollIntervalMs: 1_000,
      },
      log: createLogger({ node: `oracle-${i}` }, { level: "info", write: (line) => appendFileSync(logFile, `${line}\n`) }),
    });
    await node.start();
    nodes.push(node);
  }
  return {
    urls: peers.map((p) => p.url),
    addresses: keys.map((k) => k.address),
    logFile,
    probedSince(provider, sinceMs) {
      const p = provider.toLowerCase();
      return stores.filter((store) => store.probesBetween(sinceMs, Number.MAX_SAFE_INTEGER).some((probe) => probe.provider.toLowerCase() === p)).length;
    },
    async stop() {
      for (const node of nodes) await node.stop();
      for (const store of stores) store.close();
    },
  };
}
