/**
 * The supply simulator: supply, emissions, burn and provider income per epoch under a revenue scenario, with the
 * contracts' own formulas (src/economics/emissions.ts) and an exact Uniswap V2 pool. Every epoch follows the same
 * timeline as the keeper scripts on a real network, which `test/economics/simulate.test.ts` replays on the in-process network:
 *
 *   epoch start + 60 s   each provider's revenue is recorded (the first record samples the pool for the epoch TWAP)
 *   next start + 1,800 s the epoch closes (epoch:close): budget minted and settled to the providers' pools
 *   next start + 1,810 s providers sell `sellShare` of their emission into the pool (provider i at + i seconds)
 *   next start + 1,820 s the buyback spends the burner's stablecoin (up to its per-epoch cap) and burns the CNDR
 *
 * @example
 * const rows = simulate({ ...DEFAULT_SIMULATION, epochs: 720, revenue: (e) => [2_000n * USD] });
 */
import {
  average,
  closeBudget,
  DEFAULT_PARAMS,
  DEFAULT_SCHEDULE,
  feeFor,
  longPriceQ112,
  MAX_BPS,
  PairModel,
  shareOf,
  WAD,
  type Bound,
  type EmissionParams,
  type EmissionSchedule,
} from "./emissions.js";

export const USD = 1_000_000n;

/** What a simulation runs on. Amounts in smallest units: CNDR wei, stablecoin units (6 decimals). */
export interface SimulationConfig {
  epochs: number;
  /** The first simulated epoch's number (absolute, as the contracts count: timestamp / epochLength). */
  firstEpoch: bigint;
  /** The controller's genesis epoch (the schedule's epoch 0). */
  genesisEpoch: bigint;
  /** Epochs before the first whose start the pool was sampled at +5 s (warm-up for the long TWAP). */
  observedBefore: number;
  schedule: EmissionSchedule;
  params: EmissionParams;
  feeBps: bigint;
  buybackShareBps: bigint;
  buybackMaxPerEpoch: bigint;
  /** Fraction of each epoch's emission the providers sell into the pool right after settlement, in bps. */
  sellShareBps: bigint;
  pool: { cndr: bigint; asset: bigint };
  supply: bigint;
  maxSupply: bigint;
  maxMintPerWindow: bigint;
  /** Revenue per provider in epoch `i` (0-based), stablecoin units; providers are the array's indices. */
  revenue: (i: number) => bigint[];
  /** Optionally, the index of a provider whose revenue is paid by its own client (a wash trader). */
  washProvider?: number;
  /**
   * Optionally, what the buyback spends after epoch `i` (0-based), e.g. the chain's recorded buybacks; at most the
   * burner's balance. Without it, one buyback per epoch spends the burner's whole balance up to the per-epoch cap.
   */
  buybacks?: (i: number) => bigint;
}

/** One simulated epoch. */
export interface EpochRow {
  epoch: bigint;
  revenue: bigint;
  fees: bigint;
  budget: bigint;
  bound: Bound;
  /** The guard's price, stablecoin units per whole CNDR. */
  price: bigint;
  rewards: bigint[];
  sold: bigint;
  buybackIn: bigint;
  burned: bigint;
  supply: bigint;
  /** Spot price after the epoch's trades, stablecoin units per whole CNDR. */
  spot: bigint;
  /** The pool's reserves after the epoch's trades. */
  reserves: { cndr: bigint; asset: bigint };
  /** The burner's stablecoin after the epoch's buyback. */
  burnerBalance: bigint;
  /**
   * The wash trader's result so far (stablecoin units): what selling every CNDR it earned into the pool would
   * return now (the realizable value, slippage included) less the fees it paid. Its revenue itself is a wash: it
   * pays its own provider.
   */
  washPnl: bigint;
}

export const DEFAULT_SIMULATION: Omit<SimulationConfig, "revenue"> = {
  epochs: 24,
  firstEpoch: 1_000n,
  genesisEpoch: 1_000n,
  observedBefore: 0,
  schedule: DEFAULT_SCHEDULE,
  params: DEFAULT_PARAMS,
  feeBps: 100n,
  buybackShareBps: 5_000n,
  buybackMaxPerEpoch: 10_000n * USD,
  sellShareBps: 5_000n,
  pool: { cndr: 1_000_000n * WAD, asset: 500_000n * USD },
  supply: 100_000_000n * WAD,
  maxSupply: 1_000_000_000n * WAD,
  maxMintPerWindow: 100_000n * WAD,
};

/** Runs the scenario and returns one row per epoch. Pure: the same config always gives the same rows. */
export function simulate(config: SimulationConfig): EpochRow[] {
  const L = config.schedule.epochLength;
  const start = (e: bigint) => e * L;
  const pair = new PairModel(config.pool.cndr, config.pool.asset, start(config.firstEpoch - BigInt(config.observedBefore)) - 1n);
  const observations = new Map<bigint, { t: bigint; cumulative: bigint }>();
  const observe = (e: bigint, t: bigint) => {
    if (!observations.has(e)) observations.set(e, { t, cumulative: pair.cumulativeAt(t) });
  };
  for (let k = config.observedBefore; k > 0; k--) observe(config.firstEpoch - BigInt(k), start(config.firstEpoch - BigInt(k)) + 5n);

  let supply = config.supply;
  let burnerBalance = 0n;
  let washFees = 0n;
  let washCndr = 0n;
  const rows: EpochRow[] = [];
  for (let i = 0; i < config.epochs; i++) {
    const epoch = config.firstEpoch + BigInt(i);
    const revenues = config.revenue(i);
    const revenue = revenues.reduce((a, b) => a + b, 0n);
    const feeList = revenues.map((r) => feeFor(r, config.feeBps));
    const fees = feeList.reduce((a, b) => a + b, 0n);
    if (revenue > 0n) observe(epoch, start(epoch) + 60n);
    if (config.washProvider !== undefined) washFees += feeList[config.washProvider] ?? 0n;

    // Close at the next epoch's start + 1,800 s (the next epoch's own revenue sampled it at +60 s).
    const closeAt = start(epoch + 1n) + 1_800n;
    const nextRevenue = i + 1 < config.epochs ? config.revenue(i + 1).some((r) => r > 0n) : false;
    if (nextRevenue) observe(epoch + 1n, start(epoch + 1n) + 60n);
    else observe(epoch + 1n, closeAt);
    let epochTwap = 0n;
    const own = observations.get(epoch);
    if (own !== undefined) epochTwap = average(own.cumulative, pair.cumulativeAt(closeAt), closeAt - own.t);
    const samples = [...observations].map(([e, o]) => ({ epoch: e, t: o.t, cumulative: o.cumulative }));
    const longTwap = longPriceQ112(samples, epoch, config.schedule);
    const room = config.maxSupply - supply < config.maxMintPerWindow ? config.maxSupply - supply : config.maxMintPerWindow;
    const close = closeBudget({
      revenue,
      fees,
      epochIndex: epoch - config.genesisEpoch,
      schedule: config.schedule,
      params: config.params,
      epochTwapQ112: epochTwap,
      longTwapQ112: longTwap,
      room,
    });
    supply += close.budget;
    const rewards = revenues.map((r) => shareOf(r, revenue, close.budget));

    // Providers sell part of their emission; the wash trader keeps its CNDR to value it at the end.
    let sold = 0n;
    rewards.forEach((reward, p) => {
      const amount = (reward * config.sellShareBps) / MAX_BPS;
      if (p === config.washProvider) {
        washCndr += reward;
        return;
      }
      if (amount > 0n) {
        pair.swap(closeAt + 10n + BigInt(p), amount, false);
        sold += amount;
      }
    });

    // The fees of the epoch reach the burner (its share rounded down), then one buyback up to the cap.
    burnerBalance += (fees * config.buybackShareBps) / MAX_BPS;
    const most = config.buybacks === undefined ? config.buybackMaxPerEpoch : config.buybacks(i);
    const buybackIn = burnerBalance < most ? burnerBalance : most;
    let burned = 0n;
    if (buybackIn > 0n) {
      burned = pair.swap(closeAt + 20n, buybackIn, true);
      burnerBalance -= buybackIn;
      supply -= burned;
    }
    const spot = (pair.priceQ112() * WAD) >> 112n;
    rows.push({
      epoch,
      revenue,
      fees,
      budget: close.budget,
      bound: close.bound,
      price: close.price,
      rewards,
      sold,
      buybackIn,
      burned,
      supply,
      spot,
      reserves: { cndr: pair.reserveCndr, asset: pair.reserveAsset },
      burnerBalance,
      washPnl: config.washProvider === undefined ? 0n : pair.quoteOut(washCndr, false) - washFees,
    });
  }
  return rows;
}

/** The rows as CSV (amounts in whole units with 6 decimals kept for the stablecoin, 18 for CNDR). */
export function toCsv(rows: EpochRow[]): string {
  const cndr = (w: bigint) => formatUnits(w, 18);
  const usd = (u: bigint) => formatUnits(u, 6);
  const header = "epoch,revenue_usd,fees_usd,budget_cndr,bound,guard_price_usd,sold_cndr,buyback_usd,burned_cndr,supply_cndr,spot_usd,wash_pnl_usd";
  const lines = rows.map((r) =>
    [r.epoch, usd(r.revenue), usd(r.fees), cndr(r.budget), r.bound, usd(r.price), cndr(r.sold), usd(r.buybackIn), cndr(r.burned), cndr(r.supply), usd(r.spot), usd(r.washPnl)].join(","),
  );
  return [header, ...lines].join("\n") + "\n";
}

function formatUnits(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / base}${fraction === "" ? "" : `.${fraction}`}`;
}
