/**
 * The emission formulas of `contracts/libraries/EmissionMath.sol` and `EmissionController._close`, in bigint
 * arithmetic with the same rounding, and an exact model of a Uniswap V2 pair's reserves and cumulative price. The
 * supply simulator (`scripts/simulate.ts`) is built on these; `test/economics/simulate.test.ts` checks them against the
 * contracts on the in-process network.
 *
 * @example
 * const { budget, bound } = closeBudget({ revenue: 100_000_000n, fees: 1_000_000n, epochIndex: 0n,
 *   schedule: DEFAULT_SCHEDULE, params: DEFAULT_PARAMS, epochTwapQ112: pair.priceQ112(),
 *   longTwapQ112: longPriceQ112(samples, epoch, DEFAULT_SCHEDULE), room: 10n ** 27n });
 */

export const WAD = 10n ** 18n;
export const MAX_BPS = 10_000n;
export const Q112 = 1n << 112n;

/** The schedule fixed at deployment (IEmissionController.Schedule). */
export interface EmissionSchedule {
  epochLength: bigint;
  initialEpochCap: bigint;
  initialRateWad: bigint;
  decayBps: bigint;
  decayInterval: bigint;
  longTwapEpochs: bigint;
  /** The price the pool is seeded at, asset units per whole CNDR: the guard's price until the long TWAP has history. */
  seedPrice: bigint;
}

/** Governance parameters (IEmissionController.Params). */
export interface EmissionParams {
  floorPrice: bigint;
  guardRatioBps: bigint;
  minTwapWindow: bigint;
}

/** The deployment defaults of `deploy/modules/protocol.ts`. */
export const DEFAULT_SCHEDULE: EmissionSchedule = {
  epochLength: 3_600n,
  initialEpochCap: 20_000n * WAD,
  initialRateWad: 16n * 10n ** 27n,
  decayBps: 500n,
  decayInterval: 720n,
  longTwapEpochs: 24n,
  seedPrice: 500_000n,
};
export const DEFAULT_PARAMS: EmissionParams = { floorPrice: 10_000n, guardRatioBps: 9_000n, minTwapWindow: 1_800n };

/** IEmissionController.Bound, by the same index. */
export const BOUNDS = ["NoRevenue", "EpochCap", "RevenueRate", "WashGuard", "TokenLimit", "NoPrice"] as const;
export type Bound = (typeof BOUNDS)[number];

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** EmissionMath.decayFactor: (1 - decayBps / 10,000)^periods in WAD, each product rounded down. */
export function decayFactor(decayBps: bigint, periods: bigint): bigint {
  let base = WAD - (decayBps * WAD) / MAX_BPS;
  let factor = WAD;
  let n = periods;
  while (n !== 0n) {
    if ((n & 1n) === 1n) factor = (factor * base) / WAD;
    base = (base * base) / WAD;
    n >>= 1n;
  }
  return factor;
}

/** EmissionController.scheduleAt for the epoch `epochIndex` epochs after genesis. */
export function scheduleAt(schedule: EmissionSchedule, epochIndex: bigint): { cap: bigint; rateWad: bigint } {
  const factor = decayFactor(schedule.decayBps, epochIndex / schedule.decayInterval);
  return { cap: (schedule.initialEpochCap * factor) / WAD, rateWad: (schedule.initialRateWad * factor) / WAD };
}

/** EmissionMath.guardMax: the most CNDR wei worth at most `guardRatioBps` of `fees` at `priceQ112`. */
export function guardMax(fees: bigint, guardRatioBps: bigint, priceQ112: bigint): bigint {
  return (fees * guardRatioBps * Q112) / (MAX_BPS * priceQ112);
}

/** EmissionMath.wholeToQ112 (rounded up) and q112ToWhole (rounded down). */
export const wholeToQ112 = (pricePerWhole: bigint) => ceilDiv(pricePerWhole * Q112, WAD);
export const q112ToWhole = (priceQ112: bigint) => (priceQ112 * WAD) / Q112;

/** Inputs of {@link closeBudget}. */
export interface CloseInputs {
  revenue: bigint;
  fees: bigint;
  epochIndex: bigint;
  schedule: EmissionSchedule;
  params: EmissionParams;
  /** The epoch's TWAP (UQ112x112 asset units per CNDR wei); 0 when the pool gave none (then nothing is minted). */
  epochTwapQ112: bigint;
  /** The long price, {@link longPriceQ112} (the long TWAP, or the seed price while its history is young). */
  longTwapQ112: bigint;
  /** What the token still lets the controller mint (supply cap and window cap). */
  room: bigint;
}

/** What an epoch close mints and which bound set it (EmissionController._close). */
export interface CloseResult {
  budget: bigint;
  bound: Bound;
  cap: bigint;
  byRate: bigint;
  byGuard: bigint;
  /** The guard's price in asset units per whole CNDR (0 when none was needed or found). */
  price: bigint;
}

export function closeBudget(inputs: CloseInputs): CloseResult {
  const { cap, rateWad } = scheduleAt(inputs.schedule, inputs.epochIndex);
  const byRate = (inputs.revenue * rateWad) / WAD;
  if (inputs.revenue === 0n) return { budget: 0n, bound: "NoRevenue", cap, byRate, byGuard: 0n, price: 0n };
  if (inputs.epochTwapQ112 === 0n) return { budget: 0n, bound: "NoPrice", cap, byRate, byGuard: 0n, price: 0n };
  const priceQ112 = max(max(inputs.epochTwapQ112, inputs.longTwapQ112), wholeToQ112(inputs.params.floorPrice));
  const byGuard = guardMax(inputs.fees, inputs.params.guardRatioBps, priceQ112);
  let budget = cap;
  let bound: Bound = "EpochCap";
  if (byRate < budget) [budget, bound] = [byRate, "RevenueRate"];
  if (byGuard < budget) [budget, bound] = [byGuard, "WashGuard"];
  if (budget > inputs.room) [budget, bound] = [inputs.room, "TokenLimit"];
  return { budget, bound, cap, byRate, byGuard, price: q112ToWhole(priceQ112) };
}

/** A provider's share of a closed epoch's budget (EmissionController._shareOf), rounded down. */
export function shareOf(providerRevenue: bigint, epochRevenue: bigint, budget: bigint): bigint {
  return epochRevenue === 0n ? 0n : (providerRevenue * budget) / epochRevenue;
}

/** FeeRouter.feeFor: the fee on `gross`, rounded up. */
export const feeFor = (gross: bigint, feeBps: bigint) => ceilDiv(gross * feeBps, MAX_BPS);

/**
 * A Uniswap V2 CNDR/asset pair: reserves, the CNDR price cumulative (asset per CNDR, UQ112x112 x seconds) and the
 * last update, with v2-core's `_update` and v2-periphery's `getAmountOut` arithmetic (0.3% fee).
 */
export class PairModel {
  cumulative = 0n;
  constructor(
    public reserveCndr: bigint,
    public reserveAsset: bigint,
    public lastUpdate: bigint,
  ) {}

  /** UniswapV2Twap.currentCumulative at `t`: accrues the current price since the last update, without storing. */
  cumulativeAt(t: bigint): bigint {
    if (t === this.lastUpdate || this.reserveCndr === 0n || this.reserveAsset === 0n) return this.cumulative;
    return this.cumulative + this.priceQ112() * (t - this.lastUpdate);
  }

  /** The spot price, asset units per CNDR wei, UQ112x112 (as UQ112x112.encode(r1).uqdiv(r0)). */
  priceQ112(): bigint {
    return (this.reserveAsset << 112n) / this.reserveCndr;
  }

  /** What swapping `amountIn` would return now (v2-periphery getAmountOut), without trading. */
  quoteOut(amountIn: bigint, assetIn: boolean): bigint {
    if (amountIn === 0n) return 0n;
    const [reserveIn, reserveOut] = assetIn ? [this.reserveAsset, this.reserveCndr] : [this.reserveCndr, this.reserveAsset];
    const inWithFee = amountIn * 997n;
    return (inWithFee * reserveOut) / (reserveIn * 1_000n + inWithFee);
  }

  /** Swaps `amountIn` at time `t` and returns the output (getAmountOut, then the pair's _update). */
  swap(t: bigint, amountIn: bigint, assetIn: boolean): bigint {
    const out = this.quoteOut(amountIn, assetIn);
    this.cumulative = this.cumulativeAt(t);
    this.lastUpdate = t;
    if (assetIn) {
      this.reserveAsset += amountIn;
      this.reserveCndr -= out;
    } else {
      this.reserveCndr += amountIn;
      this.reserveAsset -= out;
    }
    return out;
  }
}

/** One of the controller's pool samples: its epoch, when it was taken, and the pair's cumulative price then. */
export interface PoolSample {
  epoch: bigint;
  t: bigint;
  cumulative: bigint;
}

/**
 * EmissionController._longPrice for closing `epoch`, given every sample the controller took (any order): the TWAP
 * from the latest sample at least `longTwapEpochs` epochs before the last sample preceding `epoch`, to that sample;
 * with no such start yet, the higher of the seed price and the TWAP from the first sample to that last one.
 */
export function longPriceQ112(samples: PoolSample[], epoch: bigint, schedule: EmissionSchedule): bigint {
  const seed = wholeToQ112(schedule.seedPrice);
  const before = samples.filter((s) => s.epoch < epoch).sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
  const end = before[before.length - 1];
  if (end === undefined) return seed;
  const earlier = before.slice(0, -1);
  const start = [...earlier].reverse().find((s) => s.epoch + schedule.longTwapEpochs <= end.epoch);
  if (start !== undefined) return average(start.cumulative, end.cumulative, end.t - start.t);
  const first = before[0]!;
  if (first === end) return seed;
  return max(seed, average(first.cumulative, end.cumulative, end.t - first.t));
}

/** The TWAP between two cumulative readings (UniswapV2OracleLibrary), 0 for an empty window. */
export function average(cumulativeStart: bigint, cumulativeEnd: bigint, elapsed: bigint): bigint {
  return elapsed === 0n ? 0n : (cumulativeEnd - cumulativeStart) / elapsed;
}
export { min as minBig, max as maxBig };
