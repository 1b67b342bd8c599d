/**
 * What each page reads, through the SDK only: `createCinderClient`'s reads and event queries, and the SDK's ABIs
 * on the same viem public client for the few views the client has no method for (a pool's split, the emission
 * schedule). The results go through `shape.ts` for display.
 *
 * @example
 * ```ts
 * const cinder = connect(config);
 * const overview = await loadOverview(cinder);
 * ```
 */
import { type Address, type Chain, createPublicClient, defineChain, http, type PublicClient } from "viem";
import {
  buybackBurnerAbi,
  type CinderAddresses,
  type CinderClient,
  cinderTokenAbi,
  createCinderClient,
  emissionControllerAbi,
  feeRouterAbi,
  fetchLeafFile,
  jobMarketAbi,
  stakingVaultAbi,
} from "../../src/sdk/index.js";
import {
  activeLeases,
  earnings,
  epochRows,
  gpuMatrix,
  projection,
  stakeSplit,
  uptimeByEpoch,
  type UptimePoint,
} from "./shape.js";

/** What `cinder dashboard` serves as `/config.json`. */
export interface DashboardConfig {
  /** JSON-RPC endpoint, absolute or relative to the page (the server proxies `/rpc`). */
  rpcUrl: string;
  chainId: number;
  addresses: CinderAddresses;
  /** Oracle node base URLs for the leaf files (uptime per epoch); relative URLs are resolved against the page. */
  oracles: string[];
  /** Event polling interval in milliseconds. */
  pollingInterval: number;
}

/** Validates `/config.json`; a bad field is named in the thrown message. */
export function parseConfig(raw: unknown): DashboardConfig {
  if (typeof raw !== "object" || raw === null) throw new Error("config.json: not an object");
  const c = raw as Record<string, unknown>;
  if (typeof c.rpcUrl !== "string" || c.rpcUrl === "") throw new Error("config.json: rpcUrl must be a non-empty string");
  if (typeof c.chainId !== "number" || !Number.isInteger(c.chainId) || c.chainId <= 0) throw new Error("config.json: chainId must be a positive integer");
  if (typeof c.addresses !== "object" || c.addresses === null) throw new Error("config.json: addresses must be the deployment's addresses");
  if (!Array.isArray(c.oracles) || !c.oracles.every((o) => typeof o === "string")) throw new Error("config.json: oracles must be an array of URLs");
  const pollingInterval = typeof c.pollingInterval === "number" && c.pollingInterval >= 100 ? c.pollingInterval : 1_000;
  return { rpcUrl: c.rpcUrl, chainId: c.chainId, addresses: c.addresses as CinderAddresses, oracles: c.oracles as string[], pollingInterval };
}

/** The chain the config names. */
export function chainOf(config: DashboardConfig, rpcUrl: string): Chain {
  return defineChain({ id: config.chainId, name: `chain-${config.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
}

/** A read-only SDK client for the configured network. */
export function connect(config: DashboardConfig, base: string): { cinder: CinderClient; publicClient: PublicClient; chain: Chain } {
  const rpcUrl = new URL(config.rpcUrl, base).toString();
  const chain = chainOf(config, rpcUrl);
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: config.pollingInterval }) as PublicClient;
  return { cinder: createCinderClient({ publicClient, addresses: config.addresses }), publicClient, chain };
}

const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

async function chainNow(cinder: CinderClient): Promise<number> {
  return Number((await cinder.context.publicClient.getBlock()).timestamp);
}

/** The network overview. */
export async function loadOverview(cinder: CinderClient) {
  const [status, now] = await Promise.all([cinder.read.status(), chainNow(cinder)]);
  return {
    status,
    now,
    gpus: gpuMatrix(status.providers.map((p) => p.gpus), now),
    active: activeLeases(status.leases, now),
  };
}
/** The return type of {@link loadOverview}. */
export type Overview = Awaited<ReturnType<typeof loadOverview>>;

async function allLeases(cinder: CinderClient) {
  const count = await cinder.context.publicClient.readContract({ address: cinder.addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  return Promise.all(ids.map((leaseId) => cinder.read.lease({ leaseId })));
}

/** Uptime per epoch of the given leases, from the oracle nodes' leaf files of every reported epoch. */
async function uptime(cinder: CinderClient, oracles: readonly string[], leaseIds: ReadonlySet<bigint>): Promise<{ points: UptimePoint[]; error?: string }> {
  if (oracles.length === 0) return { points: [], error: "no oracle nodes configured (cinder dashboard --oracle <url>)" };
  const reported = await cinder.events({ contract: "oracleHub", eventName: "EpochReported" });
  const files = [];
  const failures: string[] = [];
  for (const event of reported) {
    const epoch = Number(event.args.epoch);
    try {
      const file = await fetchLeafFile(cinder.context, { nodes: oracles, epoch });
      files.push({ epoch: file.epoch, leaves: file.tree.leaves });
    } catch (error) {
      failures.push(`epoch ${epoch}: ${(error as { shortMessage?: string }).shortMessage ?? String(error)}`);
    }
  }
  return { points: uptimeByEpoch(files, leaseIds), error: failures.length === 0 ? undefined : failures.join("; ") };
}

/** A provider's page. */
export async function loadProvider(cinder: CinderClient, provider: Address, oracles: readonly string[]) {
  const pc = cinder.context.publicClient;
  const [info, gpus, pool, leases, payments, rewards, settled, proposed, executed, vetoed, delegations, now] = await Promise.all([
    cinder.read.provider({ provider }),
    cinder.read.gpus({ provider }),
    pc.readContract({ address: cinder.addresses.vault, abi: stakingVaultAbi, functionName: "getPool", args: [provider] }),
    allLeases(cinder),
    cinder.events({ contract: "jobMarket", eventName: "PaymentReleased" }),
    cinder.events({ contract: "emissionController", eventName: "EmissionSettled" }),
    cinder.events({ contract: "slaBondManager", eventName: "SlaSettled" }),
    cinder.events({ contract: "slashingManager", eventName: "SlashProposed" }),
    cinder.events({ contract: "slashingManager", eventName: "SlashExecuted" }),
    cinder.events({ contract: "slashingManager", eventName: "SlashVetoed" }),
    cinder.events({ contract: "vault", eventName: "Delegated" }),
    chainNow(cinder),
  ]);
  const mine = leases.filter((l) => same(l.provider, info.address));
  const credits = settled.filter((e) => same(e.args.provider, info.address)).map((e) => ({ leaseId: e.args.leaseId, credit: e.args.fromStream + e.args.fromBond }));
  const earned = earnings({
    payments: payments.filter((e) => same(e.args.provider, info.address)).map((e) => ({ gross: e.args.gross, fee: e.args.fee })),
    rewards: rewards.filter((e) => same(e.args.provider, info.address)).map((e) => ({ epoch: e.args.epoch, reward: e.args.reward })),
    credits,
  });
  const slashes = proposed
    .filter((e) => same(e.args.provider, info.address))
    .map((e) => {
      const done = executed.find((x) => x.args.id === e.args.id);
      const veto = vetoed.some((x) => x.args.id === e.args.id);
      return {
        id: e.args.id,
        kind: e.args.kind,
        amount: e.args.amount,
        executableAt: e.args.executableAt,
        status: veto ? "vetoed" : done !== undefined ? "executed" : "pending",
        slashed: done?.args.slashed ?? 0n,
        burned: done?.args.burned ?? 0n,
        bounty: done?.args.bounty ?? 0n,
      };
    });
  const delegators = [...new Set(delegations.filter((e) => same(e.args.provider, info.address)).map((e) => e.args.delegator))];
  const up = await uptime(cinder, oracles, new Set(mine.map((l) => l.id)));
  return { info, gpus, now, stake: stakeSplit(pool), pool, leases: mine, earnings: earned, credits, slashes, delegators, uptime: up };
}
/** The return type of {@link loadProvider}. */
export type ProviderPage = Awaited<ReturnType<typeof loadProvider>>;

/** A lease's page. */
export async function loadLease(cinder: CinderClient, leaseId: bigint) {
  const [lease, settled, progressed, locked, payments, now] = await Promise.all([
    cinder.read.lease({ leaseId }),
    cinder.events({ contract: "slaBondManager", eventName: "SlaSettled" }),
    cinder.events({ contract: "slaBondManager", eventName: "SlaProgressed" }),
    cinder.events({ contract: "slaBondManager", eventName: "BondLocked" }),
    cinder.events({ contract: "jobMarket", eventName: "PaymentReleased" }),
    chainNow(cinder),
  ]);
  const mine = <E extends { args: { leaseId: bigint } }>(events: readonly E[]) => events.filter((e) => e.args.leaseId === leaseId);
  const settlement = mine(settled)[0]?.args;
  const paid = mine(payments).reduce((a, e) => ({ gross: a.gross + e.args.gross, fee: a.fee + e.args.fee }), { gross: 0n, fee: 0n });
  return {
    lease,
    now,
    settlement,
    progress: mine(progressed).map((e) => e.args),
    bondLocked: mine(locked)[0]?.args.amount,
    paid,
  };
}
/** The return type of {@link loadLease}. */
export type LeasePage = Awaited<ReturnType<typeof loadLease>>;

const pairAbi = [
  {
    type: "function",
    name: "getReserves",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "reserve0", type: "uint112" },
      { name: "reserve1", type: "uint112" },
      { name: "blockTimestampLast", type: "uint32" },
    ],
  },
  { type: "function", name: "token0", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "address" }] },
] as const;

/** The economics page: per-epoch revenue, budget and its bound, buyback and burn, and the simulator's projection. */
export async function loadEconomics(cinder: CinderClient) {
  const pc = cinder.context.publicClient;
  const { emissionController, feeRouter, buybackBurner, token } = cinder.addresses;
  const [closes, buybacks, revenue, supply, schedule, params, genesis, feeBps, buybackShareBps, burnerParams, pair] = await Promise.all([
    cinder.events({ contract: "emissionController", eventName: "EpochClosed" }),
    cinder.events({ contract: "buybackBurner", eventName: "BuybackExecuted" }),
    cinder.events({ contract: "emissionController", eventName: "RevenueRecorded" }),
    cinder.read.supply(),
    pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "schedule" }),
    pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "params" }),
    pc.readContract({ address: emissionController, abi: emissionControllerAbi, functionName: "GENESIS_EPOCH" }),
    pc.readContract({ address: feeRouter, abi: feeRouterAbi, functionName: "feeBps" }),
    pc.readContract({ address: feeRouter, abi: feeRouterAbi, functionName: "buybackShareBps" }),
    pc.readContract({ address: buybackBurner, abi: buybackBurnerAbi, functionName: "params" }),
    pc.readContract({ address: buybackBurner, abi: buybackBurnerAbi, functionName: "PAIR" }),
  ]);
  const rows = epochRows(
    closes.map((e) => ({ ...e.args })),
    buybacks.map((e) => ({ epoch: e.args.epoch, amountIn: e.args.amountIn, burned: e.args.burned })),
  );
  // The simulator on the recorded revenue, from the first epoch that earned, with the pool and supply as they were then.
  let projected: ReturnType<typeof projection> = [];
  const first = revenue[0];
  const closedEpochs = rows.filter((r) => r.closed).map((r) => r.epoch);
  if (first !== undefined && closedEpochs.length > 0) {
    const firstEpoch = first.args.epoch;
    const lastEpoch = closedEpochs[closedEpochs.length - 1];
    const providers = [...new Set(revenue.map((e) => e.args.provider.toLowerCase()))];
    const perEpoch: bigint[][] = [];
    for (let e = firstEpoch; e <= lastEpoch; e++) {
      perEpoch.push(providers.map((p) => revenue.filter((r) => r.args.epoch === e && r.args.provider.toLowerCase() === p).reduce((a, r) => a + r.args.gross, 0n)));
    }
    // What the chain's buybacks spent per epoch: the projection spends the same (not one full buyback per epoch).
    const spent: bigint[] = [];
    for (let e = firstEpoch; e <= lastEpoch; e++) {
      spent.push(buybacks.filter((b) => b.args.epoch === e).reduce((a, b) => a + b.args.amountIn, 0n));
    }
    const before = first.blockNumber - 1n;
    const [[r0, r1], token0, supplyBefore] = await Promise.all([
      pc.readContract({ address: pair, abi: pairAbi, functionName: "getReserves", blockNumber: before }),
      pc.readContract({ address: pair, abi: pairAbi, functionName: "token0" }),
      pc.readContract({ address: token, abi: cinderTokenAbi, functionName: "totalSupply", blockNumber: before }),
    ]);
    const cndrIs0 = token0.toLowerCase() === token.toLowerCase();
    projected = projection({
      schedule: { ...schedule },
      params: { floorPrice: BigInt(params.floorPrice), guardRatioBps: BigInt(params.guardRatioBps), minTwapWindow: BigInt(params.minTwapWindow) },
      genesisEpoch: genesis,
      feeBps: BigInt(feeBps),
      buybackShareBps: BigInt(buybackShareBps),
      buybackMaxPerEpoch: burnerParams.maxPerEpoch,
      pool: { cndr: cndrIs0 ? r0 : r1, asset: cndrIs0 ? r1 : r0 },
      supply: supplyBefore,
      revenue: perEpoch,
      buybacks: spent,
      firstEpoch,
    });
  }
  return { rows, supply, projected, schedule, params };
}
/** The return type of {@link loadEconomics}. */
export type EconomicsPage = Awaited<ReturnType<typeof loadEconomics>>;
