/**
 * The dashboard's data shaping: pure functions from what the SDK reads (records, events, leaf files) to what the
 * pages show (GPU counts by model and tier, per-epoch rows, uptime per epoch, lease progress, earnings, the
 * simulator's projection). No DOM, no network: `test/dashboard/shape.test.ts` checks each one.
 *
 * @example
 * ```ts
 * const matrix = gpuMatrix(status.providers.map((p) => p.gpus), nowSeconds);
 * const rows = epochRows(closedEvents, buybackEvents);
 * ```
 */
import { BOUNDS, type EmissionParams, type EmissionSchedule, WAD } from "../../src/economics/emissions.js";
import { DEFAULT_SIMULATION, simulate } from "../../src/economics/simulator.js";

/** Stablecoin decimals (tUSD and USDC alike). */
export const USD_DECIMALS = 6;
/** CNDR decimals. */
export const CNDR_DECIMALS = 18;

/** `value` (in `decimals` smallest units) as a grouped decimal with at most `digits` fraction digits, rounded down. */
export function formatAmount(value: bigint, decimals: number, digits = 2): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = (abs / base).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const shown = Math.min(digits, decimals);
  const fraction = shown === 0 ? "" : (abs % base).toString().padStart(decimals, "0").slice(0, shown).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}

/** A stablecoin amount, e.g. "1,234.5 USD". */
export const formatUsd = (value: bigint, digits = 2): string => `${formatAmount(value, USD_DECIMALS, digits)} USD`;
/** A CNDR amount, e.g. "600 CNDR". */
export const formatCndr = (value: bigint, digits = 4): string => `${formatAmount(value, CNDR_DECIMALS, digits)} CNDR`;
/** A bigint in `decimals` units as a float (for chart coordinates only, never for displayed numbers). */
export const toNumber = (value: bigint, decimals: number): number => Number(value) / 10 ** decimals;
/** Parts per million as a percentage with 2 decimals, e.g. 990000 -> "99.00%". */
export const formatPpm = (ppm: number): string => `${(ppm / 10_000).toFixed(2)}%`;

/** A GPU as `getGpus` returns it (the fields the dashboard uses). */
export interface GpuLike {
  modelClass: string;
  tier: number;
  expiresAt: number;
}

/** Attested GPUs of one model class, by attestation tier (0 telemetry, 1 challenge-verified, 2 confidential computing). */
export interface GpuMatrixRow {
  modelClass: string;
  byTier: [number, number, number];
  total: number;
}

/** The return type of {@link gpuMatrix}. */
export interface GpuMatrix {
  rows: GpuMatrixRow[];
  /** Live (unexpired) attested GPUs. */
  total: number;
  /** Attestations past their expiry (ineligible for new work; not counted in the rows). */
  expired: number;
}

/** Counts live attested GPUs by model class and tier; expired attestations are counted apart. Rows sorted by model. */
export function gpuMatrix(gpusPerProvider: readonly (readonly GpuLike[])[], now: number): GpuMatrix {
  const rows = new Map<string, GpuMatrixRow>();
  let total = 0;
  let expired = 0;
  for (const gpus of gpusPerProvider) {
    for (const gpu of gpus) {
      if (gpu.expiresAt <= now) {
        expired++;
        continue;
      }
      if (gpu.tier < 0 || gpu.tier > 2) throw new RangeError(`attestation tier ${gpu.tier} is not 0, 1 or 2`);
      const row = rows.get(gpu.modelClass) ?? { modelClass: gpu.modelClass, byTier: [0, 0, 0], total: 0 };
      row.byTier[gpu.tier]++;
      row.total++;
      rows.set(gpu.modelClass, row);
      total++;
    }
  }
  return { rows: [...rows.values()].sort((a, b) => a.modelClass.localeCompare(b.modelClass)), total, expired };
}

/** The tier's name, as the README's table names them. */
export const ATTESTATION_TIERS = ["telemetry", "challenge-verified", "confidential computing"] as const;

/** A lease as `getLease` returns it (the fields the dashboard uses). */
export interface LeaseLike {
  statusName: string;
  start: number;
  end: number;
  value: bigint;
  accrued: bigint;
}

/** Leases still streaming at `now`: active status and not yet ended. */
export function activeLeases<L extends LeaseLike>(leases: readonly L[], now: number): L[] {
  return leases.filter((l) => l.statusName === "Active" && l.start <= now && now < l.end);
}

/** The return type of {@link leaseProgress}. */
export interface LeaseProgress {
  /** Share of the term elapsed, 0..1. */
  timeShare: number;
  /** Share of the value streamed to the provider (accrued), 0..1. */
  streamShare: number;
  /** Seconds until the end (0 once ended). */
  remaining: number;
  /** Value not streamed yet. */
  unstreamed: bigint;
}

/** A lease's stream progress at `now`. */
export function leaseProgress(lease: LeaseLike, now: number): LeaseProgress {
  const term = lease.end - lease.start;
  const elapsed = Math.min(Math.max(now - lease.start, 0), term);
  const streamShare = lease.value === 0n ? 0 : Number((lease.accrued * 1_000_000n) / lease.value) / 1_000_000;
  return {
    timeShare: term <= 0 ? 1 : elapsed / term,
    streamShare,
    remaining: Math.max(lease.end - now, 0),
    unstreamed: lease.value - lease.accrued,
  };
}

/** A duration in seconds as "2 h 5 min", "45 s". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "0 s";
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const parts = [d > 0 ? `${d} d` : "", h > 0 ? `${h} h` : "", m > 0 ? `${m} min` : ""].filter((p) => p !== "");
  return parts.length === 0 ? `${seconds} s` : parts.slice(0, 2).join(" ");
}

/** `EpochClosed`'s fields. */
export interface EpochClosedLike {
  epoch: bigint;
  revenue: bigint;
  fees: bigint;
  budget: bigint;
  bound: number;
  cap: bigint;
  byRate: bigint;
  byGuard: bigint;
  price: bigint;
}

/** `BuybackExecuted`'s fields. */
export interface BuybackLike {
  epoch: bigint;
  amountIn: bigint;
  burned: bigint;
}

/** One epoch's economics: what `EpochClosed` recorded and what the buybacks of that epoch spent and burned. */
export interface EpochRow extends EpochClosedLike {
  boundName: string;
  closed: boolean;
  buybackIn: bigint;
  burned: bigint;
}

/** Per-epoch rows, ascending, from the closes and buybacks; an epoch with a buyback but no close is listed as open. */
export function epochRows(closes: readonly EpochClosedLike[], buybacks: readonly BuybackLike[]): EpochRow[] {
  const rows = new Map<bigint, EpochRow>();
  const blank = (epoch: bigint): EpochRow => ({
    epoch,
    revenue: 0n,
    fees: 0n,
    budget: 0n,
    bound: 0,
    cap: 0n,
    byRate: 0n,
    byGuard: 0n,
    price: 0n,
    boundName: "open",
    closed: false,
    buybackIn: 0n,
    burned: 0n,
  });
  for (const c of closes) {
    const row = rows.get(c.epoch) ?? blank(c.epoch);
    Object.assign(row, c, { boundName: BOUNDS[c.bound] ?? `Bound(${c.bound})`, closed: true });
    rows.set(c.epoch, row);
  }
  for (const b of buybacks) {
    const row = rows.get(b.epoch) ?? blank(b.epoch);
    row.buybackIn += b.amountIn;
    row.burned += b.burned;
    rows.set(b.epoch, row);
  }
  return [...rows.values()].sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
}

/** Running sums of `values`. */
export function cumulative(values: readonly bigint[]): bigint[] {
  let sum = 0n;
  return values.map((v) => (sum += v));
}

/** An uptime leaf as the oracle's leaf file carries it. */
export interface UptimeLeafLike {
  kind: "uptime";
  leaseId: bigint;
  epoch: number;
  secondsUp: number;
  secondsObserved: number;
}
/** A heartbeat leaf. */
export interface HeartbeatLeafLike {
  kind: "heartbeat";
  provider: string;
  epoch: number;
  heartbeatsAnswered: number;
  heartbeatsSent: number;
}

/** A provider's SLA uptime in one epoch. */
export interface UptimePoint {
  epoch: number;
  secondsUp: number;
  secondsObserved: number;
  /** secondsUp / secondsObserved in parts per million (rounded down). */
  uptimePpm: number;
}

/**
 * A provider's uptime per epoch from the oracle's epoch leaf files: the sum over its leases' uptime leaves of
 * seconds up over seconds observed. Epochs where none of its leases was observed are left out (no evidence counts
 * neither way). `leaseIds` are the provider's leases.
 */
export function uptimeByEpoch(files: readonly { epoch: number; leaves: readonly (UptimeLeafLike | HeartbeatLeafLike)[] }[], leaseIds: ReadonlySet<bigint>): UptimePoint[] {
  const byEpoch = new Map<number, { up: number; observed: number }>();
  for (const file of files) {
    for (const leaf of file.leaves) {
      if (leaf.kind !== "uptime" || !leaseIds.has(leaf.leaseId) || leaf.secondsObserved === 0) continue;
      const e = byEpoch.get(leaf.epoch) ?? { up: 0, observed: 0 };
      e.up += leaf.secondsUp;
      e.observed += leaf.secondsObserved;
      byEpoch.set(leaf.epoch, e);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, { up, observed }]) => ({ epoch, secondsUp: up, secondsObserved: observed, uptimePpm: Math.floor((up * 1_000_000) / observed) }));
}

/** `PaymentReleased` (gross, fee) and `EmissionSettled` (reward) of one provider. */
export interface EarningsInputs {
  payments: readonly { gross: bigint; fee: bigint }[];
  rewards: readonly { epoch: bigint; reward: bigint }[];
  /** `SlaSettled` credits paid from this provider's bond. */
  credits: readonly { credit: bigint }[];
}

/** The return type of {@link earnings}. */
export interface Earnings {
  gross: bigint;
  fees: bigint;
  /** Paid to the provider's payout address: gross less fees. */
  net: bigint;
  /** CNDR emissions streamed into its pool. */
  rewards: bigint;
  /** SLA credits its bond paid to clients. */
  creditsPaid: bigint;
}

/** Totals a provider's lease income, emission rewards and SLA credits paid. */
export function earnings({ payments, rewards, credits }: EarningsInputs): Earnings {
  const gross = payments.reduce((a, p) => a + p.gross, 0n);
  const fees = payments.reduce((a, p) => a + p.fee, 0n);
  return {
    gross,
    fees,
    net: gross - fees,
    rewards: rewards.reduce((a, r) => a + r.reward, 0n),
    creditsPaid: credits.reduce((a, c) => a + c.credit, 0n),
  };
}

/** A pool's stake split (`StakingVault.getPool`). */
export interface PoolLike {
  selfActive: bigint;
  selfPending: bigint;
  delegatedAssets: bigint;
  pendingAssets: bigint;
}

/** The return type of {@link stakeSplit}. */
export interface StakeSplit {
  self: bigint;
  delegated: bigint;
  pending: bigint;
  total: bigint;
  /** Delegated share of the active stake, 0..1. */
  delegatedShare: number;
}

/** Self-stake, delegated stake and pending withdrawals of a provider's pool. */
export function stakeSplit(pool: PoolLike): StakeSplit {
  const active = pool.selfActive + pool.delegatedAssets;
  return {
    self: pool.selfActive,
    delegated: pool.delegatedAssets,
    pending: pool.selfPending + pool.pendingAssets,
    total: active + pool.selfPending + pool.pendingAssets,
    delegatedShare: active === 0n ? 0 : Number((pool.delegatedAssets * 1_000_000n) / active) / 1_000_000,
  };
}

/** What {@link projection} runs the simulator on: the network's own schedule, parameters and revenue. */
export interface ProjectionInputs {
  schedule: EmissionSchedule;
  params: EmissionParams;
  genesisEpoch: bigint;
  feeBps: bigint;
  buybackShareBps: bigint;
  buybackMaxPerEpoch: bigint;
  /** The CNDR/stablecoin pool's reserves when the first epoch started (the simulator's starting pool). */
  pool: { cndr: bigint; asset: bigint };
  /** Total supply before the first epoch's emissions. */
  supply: bigint;
  /** Revenue per provider for each epoch from `firstEpoch` on, as recorded on chain. */
  revenue: readonly (readonly bigint[])[];
  /**
   * What the chain's buybacks spent in each epoch from `firstEpoch` on (BuybackExecuted): the projection spends
   * the same. Without it, the simulator's own assumption: one buyback per epoch, up to the per-epoch cap.
   */
  buybacks?: readonly bigint[];
  firstEpoch: bigint;
}

/** One epoch of the projection beside the chain's actual numbers. */
export interface ProjectionPoint {
  epoch: bigint;
  projectedBudget: bigint;
  projectedBurned: bigint;
  /** Cumulative projected net supply change (emitted - burned) through this epoch. */
  projectedNet: bigint;
}

/**
 * The supply simulator (`src/economics/simulator.ts`, the contracts' formulas and an exact Uniswap V2 pool) run on the
 * network's recorded revenue and recorded buybacks: what the emission rules project for each epoch, to draw beside
 * the actual curve. Providers are assumed to keep their emissions (no selling), as on a fresh network.
 */
export function projection(inputs: ProjectionInputs): ProjectionPoint[] {
  if (inputs.revenue.length === 0) return [];
  const rows = simulate({
    ...DEFAULT_SIMULATION,
    epochs: inputs.revenue.length,
    firstEpoch: inputs.firstEpoch,
    genesisEpoch: inputs.genesisEpoch,
    schedule: inputs.schedule,
    params: inputs.params,
    feeBps: inputs.feeBps,
    buybackShareBps: inputs.buybackShareBps,
    buybackMaxPerEpoch: inputs.buybackMaxPerEpoch,
    sellShareBps: 0n,
    pool: inputs.pool,
    supply: inputs.supply,
    revenue: (i) => [...(inputs.revenue[i] ?? [])],
    ...(inputs.buybacks === undefined ? {} : { buybacks: (i: number) => inputs.buybacks![i] ?? 0n }),
  });
  let net = 0n;
  return rows.map((r) => {
    net += r.budget - r.burned;
    return { epoch: r.epoch, projectedBudget: r.budget, projectedBurned: r.burned, projectedNet: net };
  });
}

/** One CNDR in wei, re-exported for the pages' conversions. */
export { WAD };

/**
 * A decimal amount typed by a user ("12.5") in the token's smallest unit; a bad input throws a `RangeError` whose
 * message names the field and what was wrong.
 */
export function parseDecimal(input: string, decimals: number, field: string, { positive = true }: { positive?: boolean } = {}): bigint {
  const text = input.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`${field}: not an amount: ${JSON.stringify(input)} (e.g. 12.5)`);
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length > decimals) throw new RangeError(`${field}: at most ${decimals} decimals, got ${fraction.length}`);
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (positive && value === 0n) throw new RangeError(`${field}: must be positive`);
  return value;
}

/**
 * A provider's metadata URI as a short label: a `data:application/json` URI (what `cinder node` publishes) shows its
 * `name` and `agent` fields; any other URI is shown as it is.
 */
export function metadataLabel(uri: string): string {
  const m = /^data:application\/json(;charset=[^,;]+)?(;base64)?,(.*)$/s.exec(uri);
  if (m === null) return uri;
  try {
    const text = m[2] === undefined ? decodeURIComponent(m[3]) : atob(m[3]);
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return uri;
    const { name, agent } = parsed as { name?: unknown; agent?: unknown };
    const parts = [typeof name === "string" ? name : undefined, typeof agent === "string" ? `agent ${agent}` : undefined].filter((p) => p !== undefined);
    return parts.length === 0 ? uri : parts.join(" · ");
  } catch {
    return uri;
  }
}
