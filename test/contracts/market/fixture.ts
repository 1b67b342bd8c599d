/**
 * The JobMarket and LeaseAuction suites' shared set-up (`test/contracts/market/*.test.ts`): the one deployment through
 * `loadFixture` (`loadCinder`), the local parameters, lease and time helpers, and the DESIGN.md invariants 1 (solvency:
 * the market and the auction each hold exactly what they owe) and 2 (conservation per lease) that the suites check
 * after their steps.
 *
 * Local parameters (deploy/modules/protocol.ts): minLeaseDuration 1 h, cancelNotice 1 h, challengeWindow 1 day, bid
 * window 5 min .. 7 days, minBidStepBps 100, minLeaseValue 1 USD, fee 100 bps rounded up, buyback
 * share 50%. `onboardProvider(c, p, { gpus: 4 })` attests four H100s and stakes 4 x 200 CNDR, and posts an SLA bond, so
 * every lease (not batch job) carries an SLA: its stream is withdrawable up to the oracle's covered time
 * (`coverUntil` reports the epochs a test needs; the oracle's epochs are hours here). The hold itself, the stream
 * credit and close-then-settle are tested in test/sla.test.ts.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Addressable, ContractTransactionResponse } from "ethers";
import { connectCinder, onboardProvider, H100, USD, type Cinder } from "../../helpers/fixture.js";
import { coverUntil } from "../../helpers/oracle.js";

export const { loadCinder } = await connectCinder();

export const HOUR = 3_600n;
export const DAY = 86_400n;
export const YEAR = 365n * DAY;
/** $2.50 per GPU-hour: 694.4 units per GPU-second, so every per-second value rounds. */
export const PRICE = 2_500_000n;
export const MIN_LEASE_VALUE = USD;
export const CHALLENGE = DAY;
export const NOTICE = HOUR;
export const FEE_BPS = 100n;
export const LS = { None: 0n, Active: 1n, Disputed: 2n, Closed: 3n } as const;
export const OS = { None: 0n, Open: 1n, Awarded: 2n, Failed: 3n, Expired: 4n, Cancelled: 5n } as const;
export const KIND = { Lease: 0, Batch: 1 } as const;
export const ZERO = "0x0000000000000000000000000000000000000000";
export const RESULT = `0x${"5e".repeat(32)}`;
/** The local deployment's market parameters. */
export const DEFAULT_PARAMS = {
  minLeaseDuration: HOUR,
  cancelNotice: NOTICE,
  challengeWindow: CHALLENGE,
  minBidWindow: 300n,
  maxBidWindow: 7n * DAY,
  minBidStepBps: 100n,
  minLeaseValue: MIN_LEASE_VALUE,
};

export type Tx = Promise<ContractTransactionResponse>;
export type Account = HardhatEthersSigner | Addressable | string;

/** LeaseMath.value: rounded down. */
export const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
/** FeeRouter.feeFor: rounded up. */
export const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
/** The next transaction's block carries timestamp `t`. */
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** Mines a block at `t`, so views see block.timestamp == t. */
export async function mineAt(c: Cinder, t: bigint) {
  await c.networkHelpers.time.increaseTo(t);
}
/** The start of the oracle epoch after the current one (epochs are hours locally). */
export async function nextEpochStart(c: Cinder): Promise<bigint> {
  return ((await now(c)) / HOUR + 1n) * HOUR;
}
/** Moves into the epoch after the one holding `t - 1` (if not there yet) and has the oracle cover `t`. */
export async function coveredAfter(c: Cinder, t: bigint) {
  const after = ((t - 1n) / HOUR + 1n) * HOUR + 1n;
  if ((await now(c)) < after) await mineAt(c, after);
  await coverUntil(c, t);
}
export async function usdDeltas(c: Cinder, tx: Tx, accounts: Account[], deltas: bigint[]) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, accounts, deltas);
}

/** A deployment with providers[0] onboarded (4 H100s) and publishing PRICE for H100. */
export async function withOffer(opts: { gpus?: number } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p, { gpus: opts.gpus ?? 4 });
  await c.registry.connect(p).setOffer(H100, PRICE);
  return { c, p, client: c.clients[0] };
}

/** Creates a direct lease at timestamp `t` (default: now + 10). */
export async function lease(
  c: Cinder,
  client: HardhatEthersSigner,
  p: HardhatEthersSigner,
  opts: { gpus?: bigint; duration?: bigint; kind?: number; t?: bigint } = {},
) {
  const gpus = opts.gpus ?? 2n;
  const duration = opts.duration ?? 10n * HOUR;
  const t = opts.t ?? (await now(c)) + 10n;
  await at(c, t);
  await c.jobMarket.connect(client).createDirectLease(p.address, H100, gpus, duration, PRICE, opts.kind ?? KIND.Lease);
  const id = await c.jobMarket.leaseCount();
  return { id, start: t, end: t + duration, gpus, duration, v: value(PRICE, gpus, duration) };
}

// ---------------------------------------------------------------------------------------------------------------
// Invariants (DESIGN.md 1 and 2)
// ---------------------------------------------------------------------------------------------------------------

/**
 * What lease `id` still holds: an open lease's value - released - stream credit, and a closed SLA lease's uncovered
 * tail (a closed batch job or no-SLA lease paid or refunded everything).
 */
export async function heldBy(c: Cinder, id: bigint): Promise<bigint> {
  const l = await c.jobMarket.getLease(id);
  const open = l.status === LS.Active || l.status === LS.Disputed;
  if (!open && !(l.status === LS.Closed && l.slaBondPercent !== 0n)) return 0n;
  return (await c.jobMarket.leaseValue(id)) - l.released - l.streamCredited;
}

/**
 * Invariant 1, exactly: the market's stablecoin = sum over leases of what they hold (`heldBy`) + the credited balances
 * of `accounts` + collectedFees; the LeaseAuction's = open orders' escrow at their maximum price. (Bids lock SLA bond in
 * the SlaBondManager, not market funds.) (Exact equality is stronger than the >= the invariant asks: no unit may be left
 * unaccounted.)
 */
export async function expectMarketSolvent(c: Cinder, accounts: Account[]) {
  let owed = 0n;
  const leases = await c.jobMarket.leaseCount();
  for (let id = 1n; id <= leases; id++) owed += await heldBy(c, id);
  let escrowed = 0n;
  const orders = await c.leaseAuction.orderCount();
  for (let id = 1n; id <= orders; id++) {
    const o = await c.leaseAuction.getOrder(id);
    if (o.status !== OS.Open) continue;
    escrowed += value(o.maxPricePerGpuHour, o.gpuCount, o.duration);
  }
  const seen = new Set<string>();
  for (const a of accounts) {
    const address =
      typeof a === "string" ? a : "address" in a && typeof a.address === "string" ? a.address : await a.getAddress();
    if (seen.has(address)) continue;
    seen.add(address);
    owed += await c.jobMarket.balanceOf(address);
  }
  owed += await c.jobMarket.collectedFees();
  expect(await c.stablecoin.balanceOf(await c.jobMarket.getAddress()), "market holds exactly what it owes").to.equal(
    owed,
  );
  expect(await c.stablecoin.balanceOf(await c.leaseAuction.getAddress()), "auction holds exactly the open escrow").to.equal(
    escrowed,
  );
}

/**
 * Invariant 2 for one lease, from events: value at award + top-ups = released (PaymentReleased gross) + refunds
 * (cancel, quit, result submission, close, dispute resolution) + SLA credits paid from the stream (the
 * SlaBondManager's SlaSettled `fromStream`) + still held.
 */
export async function expectLeaseConserved(c: Cinder, id: bigint) {
  const m = c.jobMarket;
  const [created] = await m.queryFilter(m.filters.LeaseCreated(id));
  const a = created.args;
  let funded = value(a.pricePerGpuHour, a.gpuCount, a.end - a.start);
  for (const e of await m.queryFilter(m.filters.LeaseExtended(id))) funded += e.args.topUp;
  let released = 0n;
  for (const e of await m.queryFilter(m.filters.PaymentReleased(id))) released += e.args.gross;
  let refunds = 0n;
  for (const e of await m.queryFilter(m.filters.LeaseCancelled(id))) refunds += e.args.refund;
  for (const e of await m.queryFilter(m.filters.LeaseQuit(id))) refunds += e.args.refund;
  for (const e of await m.queryFilter(m.filters.LeaseClosed(id))) refunds += e.args.refundedToClient;
  for (const e of await m.queryFilter(m.filters.ResultSubmitted(id))) {
    // A result's refund is the client's BalanceCredited in the same transaction.
    const receipt = await e.getTransactionReceipt();
    const market = await m.getAddress();
    for (const log of receipt.logs) {
      if (log.address !== market) continue;
      const parsed = m.interface.parseLog(log);
      if (parsed?.name === "BalanceCredited" && parsed.args.account === a.client) refunds += parsed.args.amount;
    }
  }
  let streamCredits = 0n;
  const sla = c.slaBondManager;
  for (const e of await sla.queryFilter(sla.filters.SlaSettled(id))) streamCredits += e.args.fromStream;
  const l = await m.getLease(id);
  expect(l.released, "released matches PaymentReleased events").to.equal(released);
  expect(l.streamCredited, "streamCredited matches SlaSettled events").to.equal(streamCredits);
  const held = await heldBy(c, id);
  expect(funded, `lease ${id}: funded = released + refunds + stream credits + held`).to.equal(
    released + refunds + streamCredits + held,
  );
}

/** The market's parameters as a plain object. */
export async function paramsOf(c: Cinder) {
  const p = await c.jobMarket.params();
  return {
    minLeaseDuration: p.minLeaseDuration,
    cancelNotice: p.cancelNotice,
    challengeWindow: p.challengeWindow,
    minBidWindow: p.minBidWindow,
    maxBidWindow: p.maxBidWindow,
    minBidStepBps: p.minBidStepBps,
    minLeaseValue: p.minLeaseValue,
  };
}

export async function expectInvariants(c: Cinder, accounts: Account[]) {
  await expectMarketSolvent(c, accounts);
  const leases = await c.jobMarket.leaseCount();
  for (let id = 1n; id <= leases; id++) await expectLeaseConserved(c, id);
}

// ---------------------------------------------------------------------------------------------------------------
// The auction suites' orders
// ---------------------------------------------------------------------------------------------------------------

/** The auction suites' order: 2 H100s for 5 hours at most 3 USD per GPU-hour, bids open for an hour. */
export const ORDER_MAXP = 3_000_000n;
export const ORDER_DUR = 5n * HOUR;
export const BID_WINDOW = HOUR;
export const ORDER_ESCROW = value(ORDER_MAXP, 2n, ORDER_DUR);
/** The order's bid bond: the Standard tier's 10% (every client's default) of the escrow. */
export const BID_BOND = ORDER_ESCROW / 10n;

/** `who`'s SLA bond: total and locked. */
export async function bondOf(c: Cinder, who: { address: string }) {
  return c.slaBondManager.bondOf(who.address);
}

/** A deployment with providers[0..2] onboarded (4 H100s each, staked, SLA bond posted) and clients[0] as the client. */
export async function withBidders() {
  const c = await loadCinder();
  const [p0, p1, p2] = c.providers;
  for (const p of [p0, p1, p2]) await onboardProvider(c, p, { gpus: 4 });
  const client = c.clients[0];
  return { c, p0, p1, p2, client };
}
/** Posts the suites' order (at now + 10) for `client`; returns its id and bid deadline. */
export async function post(c: Cinder, client: HardhatEthersSigner, opts: { kind?: number; gpus?: bigint } = {}) {
  const t = (await now(c)) + 10n;
  await at(c, t);
  await c.leaseAuction.connect(client).postOrder(H100, opts.gpus ?? 2n, ORDER_DUR, ORDER_MAXP, BID_WINDOW, opts.kind ?? KIND.Lease);
  return { id: await c.leaseAuction.orderCount(), deadline: t + BID_WINDOW };
}
