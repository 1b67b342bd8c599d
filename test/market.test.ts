/**
 * JobMarket: every path and every revert (exact custom errors and arguments), events with exact arguments and
 * stablecoin deltas on every state-changing call, and DESIGN.md invariants 1 (solvency) and 2 (conservation per
 * lease) checked after every step of long scenarios. Attack PoCs (reentrancy, front-running, rounding, self-dealing,
 * griefing) live in test/attacks/market.test.ts.
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
import { connectCinder, onboardProvider, A100, H100, H100_STAKE_PER_GPU, ONE, USD, type Cinder } from "./helpers/fixture.js";
import { coverUntil } from "./helpers/oracle.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const YEAR = 365n * DAY;
/** $2.50 per GPU-hour: 694.4 units per GPU-second, so every per-second value rounds. */
const PRICE = 2_500_000n;
const MIN_LEASE_VALUE = USD;
const CHALLENGE = DAY;
const NOTICE = HOUR;
const FEE_BPS = 100n;
const LS = { None: 0n, Active: 1n, Disputed: 2n, Closed: 3n } as const;
const OS = { None: 0n, Open: 1n, Awarded: 2n, Failed: 3n, Expired: 4n, Cancelled: 5n } as const;
const KIND = { Lease: 0, Batch: 1 } as const;
const ZERO = "0x0000000000000000000000000000000000000000";
const RESULT = `0x${"5e".repeat(32)}`;
/** The local deployment's market parameters. */
const DEFAULT_PARAMS = {
  minLeaseDuration: HOUR,
  cancelNotice: NOTICE,
  challengeWindow: CHALLENGE,
  minBidWindow: 300n,
  maxBidWindow: 7n * DAY,
  minBidStepBps: 100n,
  minLeaseValue: MIN_LEASE_VALUE,
};

type Tx = Promise<ContractTransactionResponse>;
type Account = HardhatEthersSigner | Addressable | string;

/** LeaseMath.value: rounded down. */
const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
/** FeeRouter.feeFor: rounded up. */
const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
/** The next transaction's block carries timestamp `t`. */
async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** Mines a block at `t`, so views see block.timestamp == t. */
async function mineAt(c: Cinder, t: bigint) {
  await c.networkHelpers.time.increaseTo(t);
}
/** The start of the oracle epoch after the current one (epochs are hours locally). */
async function nextEpochStart(c: Cinder): Promise<bigint> {
  return ((await now(c)) / HOUR + 1n) * HOUR;
}
/** Moves into the epoch after the one holding `t - 1` (if not there yet) and has the oracle cover `t`. */
async function coveredAfter(c: Cinder, t: bigint) {
  const after = ((t - 1n) / HOUR + 1n) * HOUR + 1n;
  if ((await now(c)) < after) await mineAt(c, after);
  await coverUntil(c, t);
}
async function usdDeltas(c: Cinder, tx: Tx, accounts: Account[], deltas: bigint[]) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, accounts, deltas);
}

/** A deployment with providers[0] onboarded (4 H100s) and publishing PRICE for H100. */
async function withOffer(opts: { gpus?: number } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p, { gpus: opts.gpus ?? 4 });
  await c.registry.connect(p).setOffer(H100, PRICE);
  return { c, p, client: c.clients[0] };
}

/** Creates a direct lease at timestamp `t` (default: now + 10). */
async function lease(
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
async function heldBy(c: Cinder, id: bigint): Promise<bigint> {
  const l = await c.jobMarket.getLease(id);
  const open = l.status === LS.Active || l.status === LS.Disputed;
  if (!open && !(l.status === LS.Closed && l.slaBondPercent !== 0n)) return 0n;
  return (await c.jobMarket.leaseValue(id)) - l.released - l.streamCredited;
}

/**
 * Invariant 1, exactly: the market's stablecoin = sum over leases of what they hold (`heldBy`) + open orders'
 * escrow at their maximum price + the credited balances of `accounts` + collectedFees. (Bids lock SLA bond in the
 * SlaBondManager, not market funds.) (Exact equality is stronger than the >= the invariant asks: no unit may be left
 * unaccounted.)
 */
async function expectMarketSolvent(c: Cinder, accounts: Account[]) {
  let owed = 0n;
  const leases = await c.jobMarket.leaseCount();
  for (let id = 1n; id <= leases; id++) {
    const l = await c.jobMarket.getLease(id);
    owed += await heldBy(c, id);
  }
  const orders = await c.jobMarket.orderCount();
  for (let id = 1n; id <= orders; id++) {
    const o = await c.jobMarket.getOrder(id);
    if (o.status !== OS.Open) continue;
    owed += value(o.maxPricePerGpuHour, o.gpuCount, o.duration);
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
}

/**
 * Invariant 2 for one lease, from events: value at award + top-ups = released (PaymentReleased gross) + refunds
 * (cancel, quit, result submission, close, dispute resolution) + SLA credits paid from the stream (the
 * SlaBondManager's SlaSettled `fromStream`) + still held.
 */
async function expectLeaseConserved(c: Cinder, id: bigint) {
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
async function paramsOf(c: Cinder) {
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

async function expectInvariants(c: Cinder, accounts: Account[]) {
  await expectMarketSolvent(c, accounts);
  const leases = await c.jobMarket.leaseCount();
  for (let id = 1n; id <= leases; id++) await expectLeaseConserved(c, id);
}

// ---------------------------------------------------------------------------------------------------------------
// createDirectLease
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket.createDirectLease", function () {
  it("escrows price x gpus x duration / 3600 (rounded down), commits capacity, records exposure and emits LeaseCreated", async function () {
    const { c, p, client } = await withOffer();
    const duration = 10n * HOUR + 7n;
    const v = value(PRICE, 2n, duration);
    expect(v).to.equal(50_009_722n); // 5,000,000 x 36,007 / 3,600 = 50,009,722.2, rounded down
    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, duration, PRICE + 1n, KIND.Lease);
    await expect(tx)
      .to.emit(c.jobMarket, "LeaseCreated")
      .withArgs(1n, client.address, p.address, H100, 2n, PRICE, t, t + duration, KIND.Lease, 0n);
    await expect(tx).to.emit(c.registry, "CapacityCommitted").withArgs(p.address, H100, 2n, 2n);
    await expect(tx).to.emit(c.vault, "ExposureRecorded").withArgs(p.address, 2n * H100_STAKE_PER_GPU, 2n * H100_STAKE_PER_GPU, t + duration);
    await usdDeltas(c, tx, [client, c.jobMarket], [-v, v]);

    const l = await c.jobMarket.getLease(1n);
    expect(l.client).to.equal(client.address);
    expect(l.start).to.equal(t);
    expect(l.end).to.equal(t + duration);
    expect(l.gpuCount).to.equal(2n);
    expect(l.provider).to.equal(p.address);
    expect(l.pricePerGpuHour).to.equal(PRICE); // the offer's price, not the client's maximum
    expect(l.status).to.equal(LS.Active);
    expect(l.kind).to.equal(BigInt(KIND.Lease));
    expect(l.cancelled).to.equal(false);
    expect(l.capacityReleased).to.equal(false);
    expect(l.modelClassIndex).to.equal((await c.registry.getModelClass(H100)).index);
    expect(l.released).to.equal(0n);
    expect(await c.jobMarket.leaseValue(1n)).to.equal(v);
    expect(await c.jobMarket.leaseCount()).to.equal(1n);
    expect(await c.registry.freeCapacity(p.address, H100)).to.equal(2n);
    expect((await c.registry.getCapacity(p.address, H100)).committed).to.equal(2n);
    expect((await c.vault.getPool(p.address)).exposureUntil).to.equal(t + duration);
    // The stake the lease needs: its GPUs at the class's per-GPU stake.
    expect((await c.vault.getExposure(p.address)).need).to.equal(2n * H100_STAKE_PER_GPU);
    await expectInvariants(c, [client, p]);
  });

  it("a second lease takes the remaining capacity and extends the exposure only forward", async function () {
    const { c, p, client } = await withOffer();
    const first = await lease(c, client, p, { gpus: 3n, duration: 20n * HOUR });
    const second = await lease(c, c.clients[1], p, { gpus: 1n, duration: 2n * HOUR });
    expect(second.id).to.equal(2n);
    expect(await c.registry.freeCapacity(p.address, H100)).to.equal(0n);
    expect((await c.vault.getPool(p.address)).exposureUntil).to.equal(first.end);
    expect((await c.vault.getExposure(p.address)).need).to.equal(4n * H100_STAKE_PER_GPU);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p.address, H100, 0n, 1n);
  });

  it("reverts with JobMarketNoOffer for a provider without an offer for the class, or after it withdrew it", async function () {
    const { c, p, client } = await withOffer();
    const other = c.providers[1];
    await expect(c.jobMarket.connect(client).createDirectLease(other.address, H100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoOffer")
      .withArgs(other.address, H100);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, A100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoOffer")
      .withArgs(p.address, A100);
    await c.registry.connect(p).withdrawOffer(H100);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoOffer")
      .withArgs(p.address, H100);
  });

  it("reverts with JobMarketPriceAboveMax when the offer is above the client's maximum", async function () {
    const { c, p, client } = await withOffer();
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE - 1n, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketPriceAboveMax")
      .withArgs(PRICE, PRICE - 1n);
  });

  it("reverts with JobMarketDurationOutOfBounds below the minimum and above a year", async function () {
    const { c, p, client } = await withOffer();
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR - 1n, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketDurationOutOfBounds")
      .withArgs(HOUR - 1n, HOUR, YEAR);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, YEAR + 1n, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketDurationOutOfBounds")
      .withArgs(YEAR + 1n, HOUR, YEAR);
  });

  it("reverts with JobMarketLeaseValueTooLow below the minimum lease value", async function () {
    const { c, p, client } = await withOffer();
    await c.registry.connect(p).setOffer(H100, 900_000n);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, 900_000n, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseValueTooLow")
      .withArgs(900_000n, MIN_LEASE_VALUE);
  });

  it("reverts with JobMarketZeroGpus for zero GPUs", async function () {
    const { c, p, client } = await withOffer();
    await expect(
      c.jobMarket.connect(client).createDirectLease(p.address, H100, 0, HOUR, PRICE, KIND.Lease),
    ).to.be.revertedWithCustomError(c.jobMarket, "JobMarketZeroGpus");
  });

  it("reverts with JobMarketProviderNotActive for a jailed provider", async function () {
    const { c, p, client } = await withOffer();
    await c.registry.connect(c.slasher).jail(p.address, (await now(c)) + DAY);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketProviderNotActive")
      .withArgs(p.address);
  });

  it("reverts with JobMarketInsufficientStake(provider, stake, required) after a slash", async function () {
    const { c, p, client } = await withOffer();
    await c.vault.connect(c.slasher).executeSlash(p.address, 100n * ONE, 0, false);
    expect(await c.vault.eligibleStake(p.address)).to.equal(700n * ONE);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInsufficientStake")
      .withArgs(p.address, 700n * ONE, 800n * ONE);
  });

  it("reverts with ProviderRegistryInsufficientCapacity for more GPUs than are free", async function () {
    const { c, p, client } = await withOffer();
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 5, HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p.address, H100, 4n, 5n);
  });

  it("reverts with EnforcedPause while the guardian has paused the market, and works again after unpause", async function () {
    const { c, p, client } = await withOffer();
    await expect(c.jobMarket.connect(c.guardian).pause()).to.emit(c.jobMarket, "Paused").withArgs(c.guardian.address);
    await expect(
      c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease),
    ).to.be.revertedWithCustomError(c.jobMarket, "EnforcedPause");
    await expect(c.jobMarket.connect(c.guardian).unpause()).to.emit(c.jobMarket, "Unpaused").withArgs(c.guardian.address);
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, HOUR, PRICE, KIND.Lease)).to.emit(
      c.jobMarket,
      "LeaseCreated",
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Streaming and withdrawAccrued
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket.withdrawAccrued", function () {
  it("accrued grows per second and stops at the end; withdrawable follows the oracle's covered time", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 1n, duration: 2n * HOUR, t: await nextEpochStart(c) });
    for (const elapsed of [1n, 2n, 3n, 1_000n, 3_599n, 2n * HOUR, 2n * HOUR + 500n]) {
      await mineAt(c, l.start + elapsed);
      const want = value(PRICE, 1n, elapsed < 2n * HOUR ? elapsed : 2n * HOUR);
      expect(await c.jobMarket.accrued(l.id), `accrued at +${elapsed}s`).to.equal(want);
      expect(await c.jobMarket.withdrawable(l.id), `withdrawable at +${elapsed}s (nothing reported)`).to.equal(0n);
    }
    expect(await c.jobMarket.accrued(l.id)).to.equal(l.v);
    await coverUntil(c, l.start + HOUR);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(value(PRICE, 1n, HOUR));
    await coverUntil(c, l.end);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(l.v);
  });

  it("pays gross minus the fee (rounded up) to the payout address and records revenue in the ledger", async function () {
    const { c, p, client } = await withOffer();
    const payout = c.delegators[0];
    await c.registry.connect(p).setPayout(payout.address);
    // The lease starts 1,001 s before an epoch ends: once the oracle reports that epoch, 1,001 s are withdrawable.
    const boundary = (await nextEpochStart(c)) + HOUR;
    const l = await lease(c, client, p, { gpus: 2n, t: boundary - 1_001n });
    await coveredAfter(c, boundary);
    const t1 = (await now(c)) + 10n;
    const gross1 = value(PRICE, 2n, 1_001n);
    const fee1 = feeOf(gross1);
    expect(fee1 * 10_000n).to.be.gt(gross1 * FEE_BPS); // the fee rounded up
    await at(c, t1);
    const tx = c.jobMarket.connect(p).withdrawAccrued(l.id);
    await expect(tx).to.emit(c.jobMarket, "PaymentReleased").withArgs(l.id, p.address, gross1, fee1);
    const epoch = t1 / HOUR;
    await expect(tx).to.emit(c.emissions, "RevenueRecorded").withArgs(p.address, epoch, gross1, fee1);
    await usdDeltas(c, tx, [payout, p, c.jobMarket], [gross1 - fee1, 0n, -(gross1 - fee1)]);
    expect((await c.jobMarket.getLease(l.id)).released).to.equal(gross1);
    expect(await c.jobMarket.collectedFees()).to.equal(fee1);
    expect(await c.emissions.epochTotals(epoch)).to.deep.equal([gross1, fee1]);
    expect(await c.emissions.providerRevenue(epoch, p.address)).to.equal(gross1);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(0n);

    // A second withdrawal pays only the newly streamed and covered part.
    await coveredAfter(c, boundary + 2n * HOUR);
    const t2 = (await now(c)) + 17n;
    const gross2 = value(PRICE, 2n, 2n * HOUR + 1_001n) - gross1;
    const fee2 = feeOf(gross2);
    await at(c, t2);
    const tx2 = c.jobMarket.connect(p).withdrawAccrued(l.id);
    await expect(tx2).to.emit(c.jobMarket, "PaymentReleased").withArgs(l.id, p.address, gross2, fee2);
    await usdDeltas(c, tx2, [payout, c.jobMarket], [gross2 - fee2, -(gross2 - fee2)]);
    expect((await c.jobMarket.getLease(l.id)).released).to.equal(gross1 + gross2);
    expect(await c.jobMarket.collectedFees()).to.equal(fee1 + fee2);
    expect(await c.emissions.providerRevenue(t2 / HOUR, p.address)).to.equal(
      t2 / HOUR === epoch ? gross1 + gross2 : gross2,
    );
    await expectInvariants(c, [client, p, payout]);
  });

  it("reverts with JobMarketNotProvider for anyone but the provider (its payout address included)", async function () {
    const { c, p, client } = await withOffer();
    const payout = c.delegators[0];
    await c.registry.connect(p).setPayout(payout.address);
    const l = await lease(c, client, p);
    for (const who of [client, c.stranger, payout]) {
      await expect(c.jobMarket.connect(who).withdrawAccrued(l.id))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider")
        .withArgs(l.id, who.address);
    }
  });

  it("reverts with JobMarketNothingToWithdraw once everything streamed was released", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await coveredAfter(c, l.end);
    await c.jobMarket.connect(p).withdrawAccrued(l.id);
    expect((await c.jobMarket.getLease(l.id)).released).to.equal(l.v);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    // close then settles nothing more for the provider and nothing for the client; the closed SLA lease holds nothing.
    await expect(c.jobMarket.close(l.id)).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, 0n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    // A closed batch job (no SLA) paid or refunded everything at close: its stream is over.
    const b = await lease(c, client, p, { kind: KIND.Batch });
    await at(c, b.end);
    await c.jobMarket.close(b.id);
    await expect(c.jobMarket.connect(p).withdrawAccrued(b.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(b.id, LS.Closed);
    expect(await c.jobMarket.withdrawable(b.id)).to.equal(0n);
  });

  it("keeps working while the market is paused (exits are never paused)", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { t: await nextEpochStart(c) });
    await c.jobMarket.connect(c.guardian).pause();
    await coveredAfter(c, l.start + HOUR);
    const gross = value(PRICE, 2n, HOUR);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.emit(c.jobMarket, "PaymentReleased")
      .withArgs(l.id, p.address, gross, feeOf(gross));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// extend
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket.extend", function () {
  it("tops up value(newEnd) - value(end) and extends the exposure", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 3n, duration: 10n * HOUR + 1n });
    const extra = 3n * HOUR + 11n;
    const newEnd = l.end + extra;
    const topUp = value(PRICE, 3n, newEnd - l.start) - value(PRICE, 3n, l.end - l.start);
    expect(topUp).to.not.equal(value(PRICE, 3n, extra)); // computed from the start, so rounding never leaks
    await at(c, l.start + HOUR);
    const tx = c.jobMarket.connect(client).extend(l.id, extra);
    await expect(tx).to.emit(c.jobMarket, "LeaseExtended").withArgs(l.id, newEnd, topUp);
    await expect(tx).to.emit(c.vault, "ExposureRecorded").withArgs(p.address, 0n, 3n * H100_STAKE_PER_GPU, newEnd);
    await usdDeltas(c, tx, [client, c.jobMarket], [-topUp, topUp]);
    expect((await c.jobMarket.getLease(l.id)).end).to.equal(newEnd);
    expect(await c.jobMarket.leaseValue(l.id)).to.equal(l.v + topUp);
    expect((await c.vault.getPool(p.address)).exposureUntil).to.equal(newEnd);
    await expectInvariants(c, [client, p]);
  });

  it("reverts with JobMarketNotClient for anyone but the client", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    for (const who of [p, c.stranger]) {
      await expect(c.jobMarket.connect(who).extend(l.id, HOUR))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient")
        .withArgs(l.id, who.address);
    }
  });

  it("reverts with JobMarketAlreadyCancelled after a cancel", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await c.jobMarket.connect(client).cancel(l.id);
    await expect(c.jobMarket.connect(client).extend(l.id, HOUR))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketAlreadyCancelled")
      .withArgs(l.id);
  });

  it("reverts with JobMarketLeaseEnded at or after the end, and JobMarketInvalidLeaseStatus once closed", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await at(c, l.end);
    await expect(c.jobMarket.connect(client).extend(l.id, HOUR))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(l.id, l.end);
    await c.jobMarket.close(l.id);
    await expect(c.jobMarket.connect(client).extend(l.id, HOUR))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("reverts with JobMarketDurationOutOfBounds for zero extra time or a total above a year", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await expect(c.jobMarket.connect(client).extend(l.id, 0))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketDurationOutOfBounds")
      .withArgs(l.duration, l.duration + 1n, YEAR);
    const extra = YEAR - l.duration + 1n;
    await expect(c.jobMarket.connect(client).extend(l.id, extra))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketDurationOutOfBounds")
      .withArgs(YEAR + 1n, l.duration + 1n, YEAR);
    // Exactly a year in total is allowed.
    await expect(c.jobMarket.connect(client).extend(l.id, extra - 1n)).to.emit(c.jobMarket, "LeaseExtended");
  });

  it("reverts with EnforcedPause while paused", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(c.jobMarket.connect(client).extend(l.id, HOUR)).to.be.revertedWithCustomError(
      c.jobMarket,
      "EnforcedPause",
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// cancel, quit, close, withdrawBalance, sweepFees
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket.cancel", function () {
  it("ends the lease after the notice and credits what will not stream to the client's balance", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 2n });
    const t = l.start + 2n * HOUR + 13n;
    const newEnd = t + NOTICE;
    const refund = l.v - value(PRICE, 2n, newEnd - l.start);
    await at(c, t);
    const tx = c.jobMarket.connect(client).cancel(l.id);
    await expect(tx).to.emit(c.jobMarket, "LeaseCancelled").withArgs(l.id, newEnd, refund);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    await usdDeltas(c, tx, [client, c.jobMarket], [0n, 0n]);
    const after = await c.jobMarket.getLease(l.id);
    expect(after.end).to.equal(newEnd);
    expect(after.cancelled).to.equal(true);
    expect(after.status).to.equal(LS.Active);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    await expectInvariants(c, [client, p]);

    // The refund is a pull payment.
    const w = c.jobMarket.connect(client).withdrawBalance();
    await expect(w).to.emit(c.jobMarket, "BalanceWithdrawn").withArgs(client.address, refund);
    await usdDeltas(c, w, [client, c.jobMarket], [refund, -refund]);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(0n);

    // The provider is paid up to the new end, and close settles the rest of the stream (the oracle covered it).
    await coveredAfter(c, newEnd);
    const gross = value(PRICE, 2n, newEnd - l.start);
    await expect(c.jobMarket.close(l.id)).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, gross, 0n);
    await expectInvariants(c, [client, p]);
  });

  it("reverts with JobMarketNothingToCancel within the notice of the end", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    const t = l.end - NOTICE;
    await at(c, t);
    await expect(c.jobMarket.connect(client).cancel(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToCancel")
      .withArgs(l.id, t + NOTICE, l.end);
  });

  it("reverts with JobMarketAlreadyCancelled, JobMarketNotClient and JobMarketInvalidLeaseStatus", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await expect(c.jobMarket.connect(c.stranger).cancel(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient")
      .withArgs(l.id, c.stranger.address);
    await c.jobMarket.connect(client).cancel(l.id);
    await expect(c.jobMarket.connect(client).cancel(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketAlreadyCancelled")
      .withArgs(l.id);
    await at(c, (await now(c)) + NOTICE);
    await c.jobMarket.close(l.id);
    await expect(c.jobMarket.connect(client).cancel(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });
});

describe("JobMarket.quit", function () {
  it("ends the lease now, credits the unstreamed rest to the client and releases the capacity at once", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 3n });
    const t = l.start + 4n * HOUR + 3n;
    const refund = l.v - value(PRICE, 3n, t - l.start);
    await at(c, t);
    const tx = c.jobMarket.connect(p).quit(l.id);
    await expect(tx).to.emit(c.jobMarket, "LeaseQuit").withArgs(l.id, p.address, t, refund);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 3n, 0n);
    await usdDeltas(c, tx, [client, p, c.jobMarket], [0n, 0n, 0n]);
    const after = await c.jobMarket.getLease(l.id);
    expect(after.end).to.equal(t);
    expect(after.capacityReleased).to.equal(true);
    expect(await c.registry.freeCapacity(p.address, H100)).to.equal(4n);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    await expectInvariants(c, [client, p]);

    await expect(c.jobMarket.connect(p).quit(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(l.id, t);
    // close pays the streamed part (the oracle covered it) and does not release the capacity a second time.
    await coveredAfter(c, t);
    const gross = value(PRICE, 3n, t - l.start);
    const close = c.jobMarket.connect(c.stranger).close(l.id);
    await expect(close).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, gross, 0n);
    await expect(close).to.not.emit(c.registry, "CapacityReleased");
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(gross - feeOf(gross));
    await expectInvariants(c, [client, p]);
  });

  it("reverts with JobMarketNotProvider for anyone but the provider", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await expect(c.jobMarket.connect(client).quit(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider")
      .withArgs(l.id, client.address);
  });
});

describe("JobMarket.close", function () {
  it("after the end, anyone credits the rest to the payout's balance and releases the capacity", async function () {
    const { c, p, client } = await withOffer();
    const payout = c.delegators[1];
    await c.registry.connect(p).setPayout(payout.address);
    const l = await lease(c, client, p, { gpus: 2n, duration: 3n * HOUR + 1n, t: await nextEpochStart(c) });
    await coveredAfter(c, l.start + HOUR);
    await c.jobMarket.connect(p).withdrawAccrued(l.id);
    const released = value(PRICE, 2n, HOUR);
    const rest = l.v - released;
    await coveredAfter(c, l.end);
    await at(c, (await now(c)) + 77n);
    const tx = c.jobMarket.connect(c.stranger).close(l.id);
    await expect(tx).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, rest, 0n);
    await expect(tx).to.emit(c.jobMarket, "PaymentReleased").withArgs(l.id, p.address, rest, feeOf(rest));
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(payout.address, rest - feeOf(rest));
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 2n, 0n);
    await usdDeltas(c, tx, [c.stranger, payout, c.jobMarket], [0n, 0n, 0n]);
    const after = await c.jobMarket.getLease(l.id);
    expect(after.status).to.equal(LS.Closed);
    expect(after.released).to.equal(l.v);
    expect(after.capacityReleased).to.equal(true);
    expect(await c.jobMarket.balanceOf(payout.address)).to.equal(rest - feeOf(rest));
    expect(await c.jobMarket.collectedFees()).to.equal(feeOf(released) + feeOf(rest));
    expect(await c.registry.freeCapacity(p.address, H100)).to.equal(4n);
    await expectInvariants(c, [client, p, payout]);

    const w = c.jobMarket.connect(payout).withdrawBalance();
    await usdDeltas(c, w, [payout, c.jobMarket], [rest - feeOf(rest), -(rest - feeOf(rest))]);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("reverts with JobMarketLeaseNotEnded before the end", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p);
    await at(c, l.end - 1n);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseNotEnded")
      .withArgs(l.id, l.end);
  });

  it("reverts with JobMarketInvalidLeaseStatus for a lease that does not exist", async function () {
    const { c } = await withOffer();
    await expect(c.jobMarket.close(9n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(9n, LS.None);
  });
});

describe("JobMarket.withdrawBalance", function () {
  it("reverts with JobMarketNoBalance for an account with nothing credited", async function () {
    const { c } = await withOffer();
    await expect(c.jobMarket.connect(c.stranger).withdrawBalance())
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoBalance")
      .withArgs(c.stranger.address);
  });
});

describe("JobMarket.sweepFees", function () {
  it("sends the collected fees to the FeeRouter, which splits them between buyback and treasury", async function () {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 4n, duration: 7n * HOUR + 3n });
    await coveredAfter(c, l.end);
    await c.jobMarket.close(l.id);
    const fees = feeOf(l.v);
    expect(await c.jobMarket.collectedFees()).to.equal(fees);
    const tx = c.jobMarket.connect(c.stranger).sweepFees();
    await expect(tx).to.emit(c.jobMarket, "FeesSwept").withArgs(fees);
    await usdDeltas(c, tx, [c.jobMarket, c.feeRouter], [-fees, fees]);
    expect(await c.jobMarket.collectedFees()).to.equal(0n);
    await expectInvariants(c, [client, p]);

    // Nothing left: a second sweep moves nothing.
    const again = c.jobMarket.sweepFees();
    await expect(again).to.emit(c.jobMarket, "FeesSwept").withArgs(0n);
    await usdDeltas(c, again, [c.jobMarket, c.feeRouter], [0n, 0n]);

    const toBuyback = (fees * 5_000n) / 10_000n;
    const toTreasury = fees - toBuyback;
    const buyback = await c.feeRouter.buyback();
    const treasury = await c.feeRouter.treasury();
    const d = c.feeRouter.distribute(await c.stablecoin.getAddress());
    await expect(d)
      .to.emit(c.feeRouter, "FeesDistributed")
      .withArgs(await c.stablecoin.getAddress(), toBuyback, toTreasury);
    // The buyback share goes to the BuybackBurner, the rest to the treasury.
    expect(buyback).to.equal(await c.buybackBurner.getAddress());
    await usdDeltas(c, d, [c.feeRouter, buyback, treasury], [-fees, toBuyback, toTreasury]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Batch jobs
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket batch jobs", function () {
  async function batch() {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 2n, kind: KIND.Batch });
    return { c, p, client, l };
  }

  it("submitResult ends the stream now, credits the remainder, releases capacity and opens the challenge window", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + 3n * HOUR + 5n;
    const earned = value(PRICE, 2n, t - l.start);
    const refund = l.v - earned;
    await at(c, t);
    const tx = c.jobMarket.connect(p).submitResult(l.id, RESULT, "ipfs://result");
    await expect(tx).to.emit(c.jobMarket, "ResultSubmitted").withArgs(l.id, RESULT, "ipfs://result", t + CHALLENGE);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 2n, 0n);
    await usdDeltas(c, tx, [client, p, c.jobMarket], [0n, 0n, 0n]);
    expect(await c.jobMarket.getResult(l.id)).to.deep.equal([RESULT, t + CHALLENGE]);
    const after = await c.jobMarket.getLease(l.id);
    expect(after.end).to.equal(t);
    expect(after.capacityReleased).to.equal(true);
    expect(await c.jobMarket.leaseValue(l.id)).to.equal(earned);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    await expectInvariants(c, [client, p]);

    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "again"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketResultAlreadySubmitted")
      .withArgs(l.id);
  });

  it("withdrawAccrued releases nothing until the challenge window has passed, then records the revenue", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    const ts = l.start + 2n * HOUR + 9n;
    await at(c, ts);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "ipfs://r");
    const earned = value(PRICE, 2n, ts - l.start);
    await mineAt(c, ts + CHALLENGE - 2n);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(0n);
    expect(await c.jobMarket.accrued(l.id)).to.equal(earned);
    await at(c, ts + CHALLENGE - 1n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    // No revenue counted before the result is final.
    expect((await c.emissions.epochTotals(ts / HOUR))[0]).to.equal(0n);
    await mineAt(c, ts + CHALLENGE);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(earned);
    const tw = ts + CHALLENGE + 1n;
    await at(c, tw);
    const tx = c.jobMarket.connect(p).withdrawAccrued(l.id);
    await expect(tx).to.emit(c.jobMarket, "PaymentReleased").withArgs(l.id, p.address, earned, feeOf(earned));
    await expect(tx).to.emit(c.emissions, "RevenueRecorded").withArgs(p.address, tw / HOUR, earned, feeOf(earned));
    await usdDeltas(c, tx, [p, c.jobMarket], [earned - feeOf(earned), -(earned - feeOf(earned))]);
    // close then settles nothing and does not release capacity again.
    const close = c.jobMarket.close(l.id);
    await expect(close).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, 0n);
    await expect(close).to.not.emit(c.registry, "CapacityReleased");
    await expectInvariants(c, [client, p]);
  });

  it("refuses a late result (at or after the end, or after a quit): the client is refunded in full at close", async function () {
    const { c, p, client, l } = await batch();
    await at(c, l.end + 50n);
    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "late"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(l.id, l.end);
    await expect(c.jobMarket.close(l.id)).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, l.v);
    await expectInvariants(c, [client, p]);

    const quitter = await batch();
    await quitter.c.jobMarket.connect(quitter.p).quit(quitter.l.id);
    const ended = (await quitter.c.jobMarket.getLease(quitter.l.id)).end;
    await expect(quitter.c.jobMarket.connect(quitter.p).submitResult(quitter.l.id, RESULT, "after quit"))
      .to.be.revertedWithCustomError(quitter.c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(quitter.l.id, ended);
  });

  it("submitResult reverts with JobMarketNotProvider, JobMarketWrongKind and for a zero hash", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(client).submitResult(l.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider")
      .withArgs(l.id, client.address);
    await expect(c.jobMarket.connect(p).submitResult(l.id, `0x${"00".repeat(32)}`, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketZeroResultHash")
      .withArgs(l.id);
    const plain = await lease(c, client, p, { gpus: 1n, kind: KIND.Lease });
    await expect(c.jobMarket.connect(p).submitResult(plain.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketWrongKind")
      .withArgs(plain.id, KIND.Lease);
    // A closed job takes no result (its escrow already went back to the client).
    await at(c, l.end);
    await c.jobMarket.close(l.id);
    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("close of a batch job without a result refunds everything to the client", async function () {
    const { c, p, client, l } = await batch();
    await at(c, l.end);
    const tx = c.jobMarket.connect(c.stranger).close(l.id);
    await expect(tx).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, l.v);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, l.v);
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 2n, 0n);
    await expect(tx).to.not.emit(c.jobMarket, "PaymentReleased");
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(l.v);
    expect(await c.jobMarket.collectedFees()).to.equal(0n);
    await expectInvariants(c, [client, p]);
  });

  it("close before the challenge window ends reverts with JobMarketChallengeWindowOpen", async function () {
    const { c, p, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await at(c, t + CHALLENGE - 1n);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketChallengeWindowOpen")
      .withArgs(l.id, t + CHALLENGE);
  });

  it("dispute freezes the escrow: withdrawAccrued and close revert with the Disputed status", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await at(c, t + CHALLENGE - 1n);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.emit(c.jobMarket, "ResultDisputed")
      .withArgs(l.id, client.address);
    expect((await c.jobMarket.getLease(l.id)).status).to.equal(LS.Disputed);
    await at(c, t + CHALLENGE + 10n);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(0n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expectInvariants(c, [client, p]);
  });

  it("dispute (the wired DisputeManager only) reverts with JobMarketNotClient, JobMarketNoResult and JobMarketChallengeWindowClosed", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoResult")
      .withArgs(l.id);
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, c.stranger.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient")
      .withArgs(l.id, c.stranger.address);
    // Clients dispute through the DisputeManager (with a deposit): the market's entry point is its wired address only.
    for (const caller of [client, c.stranger, c.governance]) {
      await expect(c.jobMarket.connect(caller).dispute(l.id, client.address))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
        .withArgs(caller.address);
    }
    await at(c, t + CHALLENGE);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketChallengeWindowClosed")
      .withArgs(l.id, t + CHALLENGE);
  });

  it("resolveDispute (the wired DisputeManager only) splits the held escrow: the provider's part with the fee, the rest to the client", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + 5n * HOUR + 1n;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address);
    const held = value(PRICE, 2n, t - l.start);
    const refundAtResult = l.v - held;

    await expect(c.jobMarket.connect(c.stranger).resolveDispute(l.id, 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
      .withArgs(c.stranger.address);
    await expect(c.jobMarket.connect(c.guardian).resolveDispute(l.id, 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
      .withArgs(c.guardian.address);
    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, held + 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketPayoutAboveEscrow")
      .withArgs(l.id, held + 1n, held);

    const toProvider = held / 3n;
    const toClient = held - toProvider;
    const tr = t + 600n;
    await at(c, tr);
    const tx = c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, toProvider);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(l.id, toProvider, toClient);
    await expect(tx).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, toProvider, toClient);
    await expect(tx)
      .to.emit(c.jobMarket, "PaymentReleased")
      .withArgs(l.id, p.address, toProvider, feeOf(toProvider));
    await expect(tx)
      .to.emit(c.emissions, "RevenueRecorded")
      .withArgs(p.address, tr / HOUR, toProvider, feeOf(toProvider));
    await usdDeltas(c, tx, [client, p, c.jobMarket], [0n, 0n, 0n]);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(toProvider - feeOf(toProvider));
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refundAtResult + toClient);
    expect((await c.jobMarket.getLease(l.id)).status).to.equal(LS.Closed);
    await expectInvariants(c, [client, p]);

    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("resolveDispute with nothing to the provider refunds the whole held escrow and releases no fee", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Active);
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address);
    const held = value(PRICE, 2n, HOUR);
    const tx = c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(l.id, 0n, held);
    await expect(tx).to.not.emit(c.jobMarket, "PaymentReleased");
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(l.v);
    expect(await c.jobMarket.collectedFees()).to.equal(0n);
    await expectInvariants(c, [client, p]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Open orders
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket open orders", function () {
  const MAXP = 3_000_000n;
  const DUR = 5n * HOUR;
  const WINDOW = HOUR;
  const ESCROW = value(MAXP, 2n, DUR);
  /** The order's bid bond: the Standard tier's 10% (every client's default) of the escrow. */
  const BID_BOND = ESCROW / 10n;

  /** `who`'s SLA bond: total and locked. */
  async function bondOf(c: Cinder, who: { address: string }) {
    return c.slaBondManager.bondOf(who.address);
  }

  async function withBidders() {
    const c = await loadCinder();
    const [p0, p1, p2] = c.providers;
    for (const p of [p0, p1, p2]) await onboardProvider(c, p, { gpus: 4 });
    const client = c.clients[0];
    return { c, p0, p1, p2, client };
  }
  async function post(c: Cinder, client: HardhatEthersSigner, opts: { kind?: number; gpus?: bigint } = {}) {
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.jobMarket.connect(client).postOrder(H100, opts.gpus ?? 2n, DUR, MAXP, WINDOW, opts.kind ?? KIND.Lease);
    return { id: await c.jobMarket.orderCount(), deadline: t + WINDOW };
  }

  it("postOrder escrows at the maximum price and emits OrderPosted", async function () {
    const { c, client } = await withBidders();
    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.jobMarket.connect(client).postOrder(H100, 2, DUR, MAXP, WINDOW, KIND.Batch);
    await expect(tx)
      .to.emit(c.jobMarket, "OrderPosted")
      .withArgs(1n, client.address, H100, 2n, DUR, MAXP, t + WINDOW, KIND.Batch);
    await usdDeltas(c, tx, [client, c.jobMarket], [-ESCROW, ESCROW]);
    const o = await c.jobMarket.getOrder(1n);
    expect(o.client).to.equal(client.address);
    expect(o.bidDeadline).to.equal(t + WINDOW);
    expect(o.duration).to.equal(DUR);
    expect(o.gpuCount).to.equal(2n);
    expect(o.bestBidder).to.equal(ZERO);
    expect(o.bestPrice).to.equal(0n);
    expect(o.maxPricePerGpuHour).to.equal(MAXP);
    expect(o.status).to.equal(OS.Open);
    expect(o.kind).to.equal(BigInt(KIND.Batch));
    expect(o.modelClass).to.equal(H100);
    expect(await c.jobMarket.orderCount()).to.equal(1n);
    await expectMarketSolvent(c, [client]);
  });

  it("postOrder reverts with JobMarketBidWindowOutOfBounds, JobMarketUnknownModelClass, the terms' errors and EnforcedPause", async function () {
    const { c, client } = await withBidders();
    const m = c.jobMarket.connect(client);
    await expect(m.postOrder(H100, 2, DUR, MAXP, 299, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidWindowOutOfBounds")
      .withArgs(299n, 300n, 7n * DAY);
    await expect(m.postOrder(H100, 2, DUR, MAXP, 7n * DAY + 1n, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidWindowOutOfBounds")
      .withArgs(7n * DAY + 1n, 300n, 7n * DAY);
    const unknown = `0x${"77".repeat(32)}`;
    await expect(m.postOrder(unknown, 2, DUR, MAXP, WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketUnknownModelClass")
      .withArgs(unknown);
    await expect(m.postOrder(H100, 0, DUR, MAXP, WINDOW, KIND.Lease)).to.be.revertedWithCustomError(
      c.jobMarket,
      "JobMarketZeroGpus",
    );
    await expect(m.postOrder(H100, 2, HOUR - 1n, MAXP, WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketDurationOutOfBounds")
      .withArgs(HOUR - 1n, HOUR, YEAR);
    await expect(m.postOrder(H100, 1, HOUR, 999_999n, WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseValueTooLow")
      .withArgs(999_999n, MIN_LEASE_VALUE);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(m.postOrder(H100, 2, DUR, MAXP, WINDOW, KIND.Lease)).to.be.revertedWithCustomError(
      c.jobMarket,
      "EnforcedPause",
    );
  });

  it("bid locks the order's bid bond from the SLA bond (no tokens move); the order keeps the best bid and one runner-up", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const { id } = await post(c, client);
    expect((await c.jobMarket.getOrder(id)).bidBondPercent).to.equal(10n);
    await expect(c.jobMarket.connect(p0).bid(id, MAXP + 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidTooHigh")
      .withArgs(MAXP + 1n, MAXP);

    const b0 = 2_900_000n;
    const locked0 = (await bondOf(c, p0)).locked;
    const tx0 = c.jobMarket.connect(p0).bid(id, b0);
    await expect(tx0).to.emit(c.jobMarket, "BidPlaced").withArgs(id, p0.address, b0, true, ZERO, BID_BOND);
    await expect(tx0).to.emit(c.slaBondManager, "BidLockMoved").withArgs(p0.address, ZERO, BID_BOND);
    await usdDeltas(c, tx0, [p0, c.jobMarket, c.slaBondManager], [0n, 0n, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0 + BID_BOND);
    let o = await c.jobMarket.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p0.address, b0, ZERO, 0n]);
    await expectMarketSolvent(c, [client, p0, p1]);

    // A bid that does not beat the best by 1% (29,000 units) becomes the runner-up while there is none.
    const max1 = b0 - (b0 * 100n) / 10_000n;
    const locked1 = (await bondOf(c, p1)).locked;
    await expect(c.jobMarket.connect(p1).bid(id, max1 + 1n))
      .to.emit(c.jobMarket, "BidPlaced")
      .withArgs(id, p1.address, max1 + 1n, false, ZERO, BID_BOND);
    expect((await bondOf(c, p1)).locked).to.equal(locked1 + BID_BOND);
    o = await c.jobMarket.getOrder(id);
    expect([o.bestBidder, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p0.address, p1.address, max1 + 1n]);

    // The runner-up beats the best: it becomes the best and the best before it the runner-up; both already hold their
    // locks, so nothing moves in the SlaBondManager.
    const tx1 = c.jobMarket.connect(p1).bid(id, max1);
    await expect(tx1).to.emit(c.jobMarket, "BidPlaced").withArgs(id, p1.address, max1, true, ZERO, 0n);
    await expect(tx1).to.not.emit(c.slaBondManager, "BidLockMoved");
    expect((await bondOf(c, p0)).locked).to.equal(locked0 + BID_BOND);
    expect((await bondOf(c, p1)).locked).to.equal(locked1 + BID_BOND);
    o = await c.jobMarket.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p1.address, max1, p0.address, b0]);
    await expectMarketSolvent(c, [client, p0, p1]);

    // The best bidder may only beat itself by the step; a third provider must beat the best or the runner-up by it.
    const maxBest = max1 - (max1 * 100n) / 10_000n;
    await expect(c.jobMarket.connect(p1).bid(id, max1))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidTooHigh")
      .withArgs(max1, maxBest);
    const maxSecond = b0 - (b0 * 100n) / 10_000n;
    await expect(c.jobMarket.connect(p2).bid(id, maxSecond + 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidTooHigh")
      .withArgs(maxSecond + 1n, maxSecond);

    // It beats the runner-up: it replaces it, and the runner-up pushed out gets its lock back.
    const locked2 = (await bondOf(c, p2)).locked;
    const tx2 = c.jobMarket.connect(p2).bid(id, maxSecond);
    await expect(tx2).to.emit(c.jobMarket, "BidPlaced").withArgs(id, p2.address, maxSecond, false, p0.address, BID_BOND);
    await expect(tx2).to.emit(c.slaBondManager, "BidLockMoved").withArgs(p2.address, p0.address, BID_BOND);
    await usdDeltas(c, tx2, [p0, p2, c.jobMarket, c.slaBondManager], [0n, 0n, 0n, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0);
    expect((await bondOf(c, p2)).locked).to.equal(locked2 + BID_BOND);
    o = await c.jobMarket.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p1.address, max1, p2.address, maxSecond]);
    await expectMarketSolvent(c, [client, p0, p1, p2]);
  });

  it("bid reverts with SlaBondManagerInsufficientFreeBond when the bidder's free SLA bond is short of the bid bond", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    const { total, locked } = await bondOf(c, p0);
    const free = total - locked;
    await c.slaBondManager.connect(p0).withdrawBond(free - BID_BOND + 1n);
    await expect(c.jobMarket.connect(p0).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerInsufficientFreeBond")
      .withArgs(p0.address, BID_BOND - 1n, BID_BOND);
  });

  it("the minimum step is at least one unit when 1% of the best price rounds to zero (an equal price is only a runner-up)", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    await c.jobMarket.connect(c.governance).setParams({ ...DEFAULT_PARAMS, minLeaseValue: 0n });
    await c.jobMarket.connect(client).postOrder(H100, 4, 30n * DAY, 99n, WINDOW, KIND.Lease);
    const id = await c.jobMarket.orderCount();
    const bidBond = value(99n, 4n, 30n * DAY) / 10n;
    await c.jobMarket.connect(p0).bid(id, 99n);
    // 99 x 100 / 10,000 = 0, so the step is one unit: the same price does not beat the best, but is kept as the
    // runner-up while there is none.
    await expect(c.jobMarket.connect(p1).bid(id, 99n))
      .to.emit(c.jobMarket, "BidPlaced")
      .withArgs(id, p1.address, 99n, false, ZERO, bidBond);
    await expect(c.jobMarket.connect(p2).bid(id, 99n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBidTooHigh")
      .withArgs(99n, 98n);
    await expect(c.jobMarket.connect(p2).bid(id, 98n))
      .to.emit(c.jobMarket, "BidPlaced")
      .withArgs(id, p2.address, 98n, true, p1.address, bidBond);
    const o = await c.jobMarket.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p2.address, 98n, p0.address, 99n]);
  });

  it("bid reverts with JobMarketSelfBid, JobMarketBiddingClosed, JobMarketInvalidOrderStatus and JobMarketLeaseValueTooLow", async function () {
    const { c, p0, client } = await withBidders();
    const { id, deadline } = await post(c, client);
    await expect(c.jobMarket.connect(client).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketSelfBid")
      .withArgs(id);
    await expect(c.jobMarket.connect(p0).bid(id, 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseValueTooLow")
      .withArgs(value(1n, 2n, DUR), MIN_LEASE_VALUE);
    await at(c, deadline);
    await expect(c.jobMarket.connect(p0).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBiddingClosed")
      .withArgs(id, deadline);
    await expect(c.jobMarket.connect(p0).bid(99n, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidOrderStatus")
      .withArgs(99n, OS.None);
    const second = await post(c, client);
    await c.jobMarket.connect(client).cancelOrder(second.id);
    await expect(c.jobMarket.connect(p0).bid(second.id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidOrderStatus")
      .withArgs(second.id, OS.Cancelled);
  });

  it("bid checks eligibility: registered and active, staked, enough free GPUs; and is paused with the market", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.jobMarket.connect(c.stranger).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketProviderNotActive")
      .withArgs(c.stranger.address);
    await c.registry.connect(c.slasher).jail(p0.address, (await now(c)) + DAY);
    await expect(c.jobMarket.connect(p0).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketProviderNotActive")
      .withArgs(p0.address);
    await c.vault.connect(c.slasher).executeSlash(p1.address, ONE, 0, false);
    await expect(c.jobMarket.connect(p1).bid(id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInsufficientStake")
      .withArgs(p1.address, 799n * ONE, 800n * ONE);
    const big = await post(c, client, { gpus: 5n });
    await expect(c.jobMarket.connect(p2).bid(big.id, MAXP))
      .to.be.revertedWithCustomError(c.jobMarket, "ProviderRegistryInsufficientCapacity")
      .withArgs(p2.address, H100, 4n, 5n);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(c.jobMarket.connect(p2).bid(id, MAXP)).to.be.revertedWithCustomError(c.jobMarket, "EnforcedPause");
  });

  it("finalizeAuction while paused fails the order and returns both the escrow and the bid lock (a pause never locks funds)", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client, {});
    await c.jobMarket.connect(p0).bid(id, 2_900_000n);
    const order = await c.jobMarket.getOrder(id);
    const escrow = (order.maxPricePerGpuHour * order.gpuCount * order.duration) / 3_600n;
    const clientBefore = await c.jobMarket.balanceOf(client.address);
    const lockedBefore = (await c.slaBondManager.bondOf(p0.address)).locked;
    await c.jobMarket.connect(c.guardian).pause();
    await c.networkHelpers.time.increaseTo(order.bidDeadline);
    await expect(c.jobMarket.connect(c.stranger).finalizeAuction(id))
      .to.emit(c.jobMarket, "OrderFinalized")
      .withArgs(id, OS.Failed, 0n, escrow);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(clientBefore + escrow);
    expect((await c.slaBondManager.bondOf(p0.address)).locked).to.equal(lockedBefore - BID_BOND);
    expect((await c.registry.getCapacity(p0.address, H100)).committed).to.equal(0n);
  });

  it("finalizeAuction after the window (anyone) awards the best bid, refunds the unused escrow and releases both bid locks (a batch job)", async function () {
    const { c, p0, p1, client } = await withBidders();
    const { id, deadline } = await post(c, client, { kind: KIND.Batch });
    const [locked0, locked1] = [(await bondOf(c, p0)).locked, (await bondOf(c, p1)).locked];
    await c.jobMarket.connect(p0).bid(id, 2_900_000n);
    const best = 2_871_000n;
    await c.jobMarket.connect(p1).bid(id, best);
    await expect(c.jobMarket.connect(c.stranger).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBiddingOpen")
      .withArgs(id, deadline);
    const t = deadline + 30n;
    await at(c, t);
    const leaseValue = value(best, 2n, DUR);
    const refund = ESCROW - leaseValue;
    const tx = c.jobMarket.connect(c.stranger).finalizeAuction(id);
    await expect(tx)
      .to.emit(c.jobMarket, "LeaseCreated")
      .withArgs(1n, client.address, p1.address, H100, 2n, best, t, t + DUR, KIND.Batch, id);
    await expect(tx).to.emit(c.jobMarket, "OrderFinalized").withArgs(id, OS.Awarded, 1n, refund);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    // A batch job carries no SLA bond: the winner's bid lock is released like the runner-up's, nothing forfeited.
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, BID_BOND, ZERO);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    await expect(tx).to.not.emit(c.slaBondManager, "BondLocked");
    await expect(tx).to.emit(c.registry, "CapacityCommitted").withArgs(p1.address, H100, 2n, 2n);
    await expect(tx).to.emit(c.vault, "ExposureRecorded").withArgs(p1.address, 2n * H100_STAKE_PER_GPU, 2n * H100_STAKE_PER_GPU, t + DUR);
    await usdDeltas(c, tx, [client, p1, c.jobMarket, c.slaBondManager], [0n, 0n, 0n, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0);
    expect((await bondOf(c, p1)).locked).to.equal(locked1);
    expect((await c.jobMarket.getOrder(id)).status).to.equal(OS.Awarded);
    const l = await c.jobMarket.getLease(1n);
    expect(l.provider).to.equal(p1.address);
    expect(l.pricePerGpuHour).to.equal(best);
    expect(l.kind).to.equal(BigInt(KIND.Batch));
    expect(await c.jobMarket.leaseValue(1n)).to.equal(leaseValue);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    expect(await c.jobMarket.balanceOf(p1.address)).to.equal(0n);
    expect(await c.jobMarket.balanceOf(p0.address)).to.equal(0n);
    await expectInvariants(c, [client, p0, p1]);
    await expect(c.jobMarket.finalizeAuction(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidOrderStatus")
      .withArgs(id, OS.Awarded);
  });

  it("the client may accept the best bid early (its bid lock becomes the lease's lock); early without a bid reverts with JobMarketNoBids", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.jobMarket.connect(client).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoBids")
      .withArgs(id);
    await c.jobMarket.connect(p0).bid(id, MAXP);
    const locked = (await bondOf(c, p0)).locked;
    const tx = c.jobMarket.connect(client).finalizeAuction(id);
    await expect(tx).to.emit(c.jobMarket, "OrderFinalized").withArgs(id, OS.Awarded, 1n, 0n);
    // Won at the maximum price: the lease's lock is the bid bond itself, so the lock stays and no commitment is left.
    await expect(tx).to.emit(c.slaBondManager, "BondLocked").withArgs(1n, p0.address, client.address, 0n, BID_BOND);
    await expect(tx).to.not.emit(c.slaBondManager, "BidLockReleased");
    await expect(tx).to.not.emit(c.jobMarket, "BalanceCredited");
    expect((await bondOf(c, p0)).locked).to.equal(locked);
    expect(await c.slaBondManager.commitmentOf(1n)).to.equal(0n);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(0n);
    await expectInvariants(c, [client, p0]);
  });

  it("a jailed best bidder forfeits its bid bond to the client: the runner-up wins at its own price, else the order fails", async function () {
    const { c, p0, p1, client } = await withBidders();
    const a = await post(c, client);
    const b = await post(c, client);
    await c.jobMarket.connect(p0).bid(a.id, 2_000_000n);
    await c.jobMarket.connect(p0).bid(b.id, 2_000_000n);
    await c.jobMarket.connect(p1).bid(b.id, 2_500_000n);
    await c.registry.connect(c.slasher).jail(p0.address, b.deadline + DAY);
    await at(c, b.deadline);
    const p0Before = await bondOf(c, p0);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);

    // Order a has no runner-up: it fails, the escrow goes back and p0's bid bond goes to the client.
    const txA = c.jobMarket.finalizeAuction(a.id);
    await expect(txA).to.emit(c.jobMarket, "OrderFinalized").withArgs(a.id, OS.Failed, 0n, ESCROW);
    await expect(txA).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, ESCROW);
    await expect(txA).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, client.address);
    await expect(txA).to.not.emit(c.jobMarket, "LeaseCreated");
    expect((await c.jobMarket.getOrder(a.id)).status).to.equal(OS.Failed);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(slaBefore + BID_BOND);

    // Order b: p0's bid bond goes to the client too, and the runner-up p1 is awarded at its own price.
    const t = b.deadline + 1n;
    await at(c, t);
    const v = value(2_500_000n, 2n, DUR);
    const txB = c.jobMarket.finalizeAuction(b.id);
    await expect(txB).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, client.address);
    await expect(txB)
      .to.emit(c.jobMarket, "LeaseCreated")
      .withArgs(1n, client.address, p1.address, H100, 2n, 2_500_000n, t, t + DUR, KIND.Lease, b.id);
    await expect(txB).to.emit(c.jobMarket, "OrderFinalized").withArgs(b.id, OS.Awarded, 1n, ESCROW - v);
    await expect(txB).to.emit(c.slaBondManager, "BondLocked").withArgs(1n, p1.address, client.address, 0n, v / 10n);
    expect(await c.slaBondManager.commitmentOf(1n)).to.equal(BID_BOND - v / 10n);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(slaBefore + 2n * BID_BOND);
    const p0After = await bondOf(c, p0);
    expect(p0Before.total - p0After.total).to.equal(2n * BID_BOND);
    expect(p0Before.locked - p0After.locked).to.equal(2n * BID_BOND);
    expect(await c.jobMarket.balanceOf(p0.address)).to.equal(0n);
    expect(await c.registry.freeCapacity(p0.address, H100)).to.equal(4n);
    await expectInvariants(c, [client, p0, p1]);
    const w = c.jobMarket.connect(client).withdrawBalance();
    await usdDeltas(c, w, [client, c.jobMarket], [2n * ESCROW - v, -(2n * ESCROW - v)]);
    const ws = c.slaBondManager.connect(client).withdraw();
    await usdDeltas(c, ws, [client, c.slaBondManager], [slaBefore + 2n * BID_BOND, -(slaBefore + 2n * BID_BOND)]);
  });

  it("a best bidder short of stake or capacity (others can cause either) gets its bid lock back; the runner-up wins if kept", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const a = await post(c, client);
    const b = await post(c, client, { gpus: 3n });
    const bondB = value(MAXP, 3n, DUR) / 10n;
    await c.jobMarket.connect(p0).bid(a.id, 2_000_000n);
    await c.jobMarket.connect(p1).bid(b.id, 2_000_000n);
    await c.jobMarket.connect(p2).bid(b.id, 2_200_000n);
    await c.vault.connect(c.slasher).executeSlash(p0.address, 10n * ONE, 0, false);
    // p1 sells 2 of its 4 GPUs directly, so 2 < 3 remain free.
    await c.registry.connect(p1).setOffer(H100, PRICE);
    await c.jobMarket.connect(c.clients[1]).createDirectLease(p1.address, H100, 2, DAY, PRICE, KIND.Lease);
    await at(c, b.deadline);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);
    const txA = c.jobMarket.finalizeAuction(a.id);
    await expect(txA).to.emit(c.jobMarket, "OrderFinalized").withArgs(a.id, OS.Failed, 0n, ESCROW);
    // Still active (a real slash also jails, and a jailed bidder forfeits: see the jailed case above).
    await expect(txA).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    const txB = c.jobMarket.finalizeAuction(b.id);
    const v = value(2_200_000n, 3n, DUR);
    await expect(txB).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, bondB, ZERO);
    await expect(txB).to.emit(c.jobMarket, "OrderFinalized").withArgs(b.id, OS.Awarded, 2n, value(MAXP, 3n, DUR) - v);
    expect((await c.jobMarket.getLease(2n)).provider).to.equal(p2.address);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(slaBefore);
    await expectInvariants(c, [client, c.clients[1], p0, p1, p2]);
  });

  it("a bidder whose bond no longer covers the lease's lock (the client's tier rose) gets its bid lock back, without forfeit", async function () {
    const { c, p0, client } = await withBidders();
    const { id, deadline } = await post(c, client);
    const { total, locked } = await bondOf(c, p0);
    // p0 keeps exactly the bid bond free: the Standard tier's 10% of the escrow.
    await c.slaBondManager.connect(p0).withdrawBond(total - locked - BID_BOND);
    await c.jobMarket.connect(p0).bid(id, MAXP);
    // Enterprise (30%): the lease's lock is 30% of its value, more than the bid lock the bidder holds.
    await c.slaBondManager.connect(client).setClientTier(2);
    await at(c, deadline);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);
    const tx = c.jobMarket.finalizeAuction(id);
    await expect(tx).to.emit(c.jobMarket, "OrderFinalized").withArgs(id, OS.Failed, 0n, ESCROW);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    await expect(tx).to.not.emit(c.slaBondManager, "BondLocked");
    const after = await bondOf(c, p0);
    expect([after.total, after.locked]).to.deep.equal([BID_BOND + locked, locked]);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(slaBefore);
    await expectMarketSolvent(c, [client, p0]);
  });

  it("expires an order without bids: anyone after the window, the whole escrow credited to the client", async function () {
    const { c, client } = await withBidders();
    const { id, deadline } = await post(c, client);
    await expect(c.jobMarket.connect(c.stranger).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketBiddingOpen")
      .withArgs(id, deadline);
    await at(c, deadline);
    const tx = c.jobMarket.connect(c.stranger).finalizeAuction(id);
    await expect(tx).to.emit(c.jobMarket, "OrderFinalized").withArgs(id, OS.Expired, 0n, ESCROW);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, ESCROW);
    expect((await c.jobMarket.getOrder(id)).status).to.equal(OS.Expired);
    await expectMarketSolvent(c, [client]);
  });

  it("cancelOrder refunds the escrow before any bid; reverts with JobMarketOrderHasBids, JobMarketNotClient, JobMarketInvalidOrderStatus", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.jobMarket.connect(c.stranger).cancelOrder(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient")
      .withArgs(id, c.stranger.address);
    const tx = c.jobMarket.connect(client).cancelOrder(id);
    await expect(tx).to.emit(c.jobMarket, "OrderCancelled").withArgs(id, ESCROW);
    await usdDeltas(c, tx, [client, c.jobMarket], [ESCROW, -ESCROW]);
    expect((await c.jobMarket.getOrder(id)).status).to.equal(OS.Cancelled);
    await expect(c.jobMarket.connect(client).cancelOrder(id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidOrderStatus")
      .withArgs(id, OS.Cancelled);
    const second = await post(c, client);
    await c.jobMarket.connect(p0).bid(second.id, MAXP);
    await expect(c.jobMarket.connect(client).cancelOrder(second.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketOrderHasBids")
      .withArgs(second.id);
    await expectMarketSolvent(c, [client, p0]);
  });

  it("the bid bond is fixed per order: a later tier change of the client does not alter what a bidder locks", async function () {
    const { c, p0, p1, client } = await withBidders();
    const { id } = await post(c, client);
    const bidBond = BID_BOND;
    await c.jobMarket.connect(p0).bid(id, MAXP);
    await c.slaBondManager.connect(client).setClientTier(2);
    expect((await c.jobMarket.getOrder(id)).bidBondPercent).to.equal(10n); // the Standard tier's, not Enterprise's 30
    const before = (await c.slaBondManager.bondOf(p1.address)).locked;
    const tx = c.jobMarket.connect(p1).bid(id, 2_000_000n);
    await expect(tx).to.emit(c.jobMarket, "BidPlaced").withArgs(id, p1.address, 2_000_000n, true, ZERO, bidBond);
    await usdDeltas(c, tx, [p1], [0n]);
    expect((await c.slaBondManager.bondOf(p1.address)).locked - before).to.equal(bidBond);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Governance
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket governance", function () {
  const base = DEFAULT_PARAMS;

  it("the deployment's parameters are the local defaults", async function () {
    const c = await loadCinder();
    expect(await paramsOf(c)).to.deep.equal(base);
  });

  it("setParams (governance) stores the parameters and emits ParamsSet", async function () {
    const c = await loadCinder();
    const next = { ...base, cancelNotice: 2n * HOUR, minBidStepBps: 250n, minLeaseValue: 0n };
    await expect(c.jobMarket.connect(c.governance).setParams(next))
      .to.emit(c.jobMarket, "ParamsSet")
      .withArgs(Object.values(next));
    expect(await paramsOf(c)).to.deep.equal(next);
  });

  it("setParams reverts with JobMarketParameterOutOfBounds(name, value, min, max) for each bound", async function () {
    const c = await loadCinder();
    const gov = c.jobMarket.connect(c.governance);
    const E30 = 10n ** 30n;
    const cases: [Partial<typeof base>, string, bigint, bigint, bigint][] = [
      [{ minLeaseDuration: 299n }, "minLeaseDuration", 299n, 300n, 30n * DAY],
      [{ minLeaseDuration: 30n * DAY + 1n }, "minLeaseDuration", 30n * DAY + 1n, 300n, 30n * DAY],
      [{ cancelNotice: 7n * DAY + 1n }, "cancelNotice", 7n * DAY + 1n, 0n, 7n * DAY],
      [{ challengeWindow: HOUR - 1n }, "challengeWindow", HOUR - 1n, HOUR, 14n * DAY],
      [{ challengeWindow: 14n * DAY + 1n }, "challengeWindow", 14n * DAY + 1n, HOUR, 14n * DAY],
      [{ minBidWindow: 59n }, "minBidWindow", 59n, 60n, 30n * DAY],
      [{ minBidWindow: 30n * DAY + 1n, maxBidWindow: 30n * DAY }, "minBidWindow", 30n * DAY + 1n, 60n, 30n * DAY],
      [{ minBidWindow: 600n, maxBidWindow: 599n }, "maxBidWindow", 599n, 600n, 30n * DAY],
      [{ maxBidWindow: 30n * DAY + 1n }, "maxBidWindow", 30n * DAY + 1n, 300n, 30n * DAY],
      [{ minBidStepBps: 0n }, "minBidStepBps", 0n, 1n, 2_000n],
      [{ minBidStepBps: 2_001n }, "minBidStepBps", 2_001n, 1n, 2_000n],
      [{ minLeaseValue: E30 + 1n }, "minLeaseValue", E30 + 1n, 0n, E30],
    ];
    for (const [change, name, v, min, max] of cases) {
      await expect(gov.setParams({ ...base, ...change }), name)
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketParameterOutOfBounds")
        .withArgs(name, v, min, max);
    }
    // The bounds themselves are accepted.
    const edges = {
      minLeaseDuration: 300n,
      cancelNotice: 0n,
      challengeWindow: 14n * DAY,
      minBidWindow: 60n,
      maxBidWindow: 30n * DAY,
      minBidStepBps: 2_000n,
      minLeaseValue: E30,
    };
    // A 14-day challenge window makes the slash windows after a lease 14 + 2 + 2 x 3 + 2 = 24 days: the vault's
    // exposure tail (12 days) must cover them first.
    await expect(gov.setParams(edges))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultExposureTailTooShort")
      .withArgs(12n * DAY, 24n * DAY);
    await c.vault.connect(c.governance).setExposureTail(24n * DAY);
    await expect(gov.setParams(edges)).to.emit(c.jobMarket, "ParamsSet");
  });

  it("only governance sets parameters; only the guardian (or governance) pauses", async function () {
    const c = await loadCinder();
    for (const who of [c.stranger, c.guardian, c.clients[0]]) {
      await expect(c.jobMarket.connect(who).setParams(base))
        .to.be.revertedWithCustomError(c.jobMarket, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    for (const fn of ["pause", "unpause"] as const) {
      await expect(c.jobMarket.connect(c.stranger)[fn]())
        .to.be.revertedWithCustomError(c.jobMarket, "AccessManagedUnauthorized")
        .withArgs(c.stranger.address);
    }
    await expect(c.jobMarket.connect(c.governance).pause())
      .to.emit(c.jobMarket, "Paused")
      .withArgs(c.governance.address);
    expect(await c.jobMarket.paused()).to.equal(true);
    await expect(c.jobMarket.connect(c.guardian).pause()).to.be.revertedWithCustomError(c.jobMarket, "EnforcedPause");
    await c.jobMarket.connect(c.guardian).unpause();
    expect(await c.jobMarket.paused()).to.equal(false);
    await expect(c.jobMarket.connect(c.guardian).unpause()).to.be.revertedWithCustomError(
      c.jobMarket,
      "ExpectedPause",
    );
  });

  it("a pause never blocks exits: cancel, quit, close, withdrawBalance, cancelOrder and resolveDispute still work", async function () {
    const { c, p, client } = await withOffer();
    const a = await lease(c, client, p, { gpus: 1n });
    const b = await lease(c, client, p, { gpus: 1n });
    const batchJob = await lease(c, client, p, { gpus: 1n, kind: KIND.Batch });
    await c.jobMarket.connect(client).postOrder(H100, 1, HOUR, PRICE, 600, KIND.Lease);
    await c.jobMarket.connect(p).submitResult(batchJob.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(batchJob.id, client.address);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(c.jobMarket.connect(client).cancel(a.id)).to.emit(c.jobMarket, "LeaseCancelled");
    await expect(c.jobMarket.connect(p).quit(b.id)).to.emit(c.jobMarket, "LeaseQuit");
    await expect(c.jobMarket.connect(client).cancelOrder(1n)).to.emit(c.jobMarket, "OrderCancelled");
    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(batchJob.id, 0n)).to.emit(
      c.jobMarket,
      "DisputeResolved",
    );
    await coveredAfter(c, (await c.jobMarket.getLease(a.id)).end);
    await expect(c.jobMarket.close(a.id)).to.emit(c.jobMarket, "LeaseClosed");
    await expect(c.jobMarket.close(b.id)).to.emit(c.jobMarket, "LeaseClosed");
    await expect(c.jobMarket.connect(client).withdrawBalance()).to.emit(c.jobMarket, "BalanceWithdrawn");
    await expect(c.jobMarket.connect(p).withdrawBalance()).to.emit(c.jobMarket, "BalanceWithdrawn");
    await expect(c.jobMarket.sweepFees()).to.emit(c.jobMarket, "FeesSwept");
    await expectInvariants(c, [client, p]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Invariants over long scenarios
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket invariants (DESIGN.md 1, 2)", function () {
  it("solvency and per-lease conservation hold after every step of a mixed lease scenario", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const [c0, c1, c2] = c.clients;
    const payout = c.delegators[2];
    await onboardProvider(c, p0, { gpus: 4 });
    await onboardProvider(c, p1, { gpus: 4 });
    await c.registry.connect(p0).setOffer(H100, PRICE);
    await c.registry.connect(p1).setOffer(H100, 3_333_333n);
    await c.registry.connect(p1).setPayout(payout.address);
    const everyone = [c0, c1, c2, p0, p1, payout];
    const check = () => expectInvariants(c, everyone);
    const m = c.jobMarket;
    const step = async (t: bigint, tx: () => Tx) => {
      await at(c, t);
      await tx();
      await check();
    };
    /** At `at_` the oracle reports the epoch before: the SLA leases' streams up to `at_`'s epoch become withdrawable
     * (the report's block is the next second's). */
    const cover = async (at_: bigint) => {
      await mineAt(c, at_);
      await coverUntil(c, (at_ / HOUR) * HOUR);
      await check();
    };
    let t = (await nextEpochStart(c)) + 10n;
    await step(t, () => m.connect(c0).createDirectLease(p0.address, H100, 2, 10n * HOUR + 7n, PRICE, KIND.Lease)); // 1
    await step((t += 13n), () => m.connect(c1).createDirectLease(p1.address, H100, 3, 5n * HOUR, 3_333_333n, KIND.Lease)); // 2
    await step((t += 31n), () => m.connect(c2).createDirectLease(p0.address, H100, 1, 4n * HOUR, PRICE, KIND.Batch)); // 3
    await cover((t += HOUR));
    await step((t += 1_001n), () => m.connect(p0).withdrawAccrued(1n));
    await step((t += 7n), () => m.connect(p1).withdrawAccrued(2n));
    await step((t += 3n), () => m.connect(c0).extend(1n, 2n * HOUR + 3n));
    await step((t += 1_237n), () => m.connect(c1).cancel(2n));
    await cover((t += HOUR));
    await step((t += 17n), () => m.connect(p1).withdrawAccrued(2n));
    await step((t += 101n), () => m.connect(p0).submitResult(3n, RESULT, "ipfs://3"));
    await step((t += 1n), () => m.connect(c2).withdrawBalance());
    await step((t += 999n), () => m.connect(p0).withdrawAccrued(1n));
    await cover((t += 2n * HOUR));
    await step((t += 2n), () => m.connect(c.stranger).close(2n));
    await step((t += 5n), () => m.connect(payout).withdrawBalance());
    await step((t += 3n), () => m.connect(c1).withdrawBalance());
    await step((t += 2n * HOUR + 19n), () => m.connect(p0).quit(1n));
    await step((t += 1n), () => m.connect(c0).withdrawBalance());
    await step((t += DAY), () => m.connect(p0).withdrawAccrued(3n));
    await step((t += 1n), () => m.close(3n));
    await cover((t += HOUR));
    await step((t += 2n), () => m.close(1n));
    await step((t += 1n), () => m.connect(p0).withdrawBalance());
    await step((t += 1n), () => m.sweepFees());
    // Every lease settled and every balance withdrawn: the market holds nothing.
    expect(await c.stablecoin.balanceOf(await m.getAddress())).to.equal(0n);
    expect(await c.registry.freeCapacity(p0.address, H100)).to.equal(4n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(4n);
  });

  it("solvency and per-lease conservation hold after every step of an auction and dispute scenario", async function () {
    const c = await loadCinder();
    const [p0, p1, p2] = c.providers;
    const [c0, c1] = c.clients;
    for (const p of [p0, p1, p2]) await onboardProvider(c, p, { gpus: 4 });
    const everyone = [c0, c1, p0, p1, p2];
    const check = () => expectInvariants(c, everyone);
    const m = c.jobMarket;
    const step = async (t: bigint, tx: () => Tx) => {
      await at(c, t);
      await tx();
      await check();
    };
    let t = (await now(c)) + 10n;
    const MAXP = 4_000_003n;
    await step(t, () => m.connect(c0).postOrder(H100, 2, 6n * HOUR + 1n, MAXP, HOUR, KIND.Lease)); // order 1
    await step((t += 1n), () => m.connect(c1).postOrder(H100, 3, 2n * HOUR, MAXP, 600, KIND.Batch)); // order 2
    await step((t += 1n), () => m.connect(c0).postOrder(H100, 1, HOUR, MAXP, 300, KIND.Lease)); // order 3
    await step((t += 1n), () => m.connect(c1).postOrder(H100, 1, HOUR, MAXP, 300, KIND.Lease)); // order 4
    await step((t += 1n), () => m.connect(p0).bid(1n, 3_900_000n));
    await step((t += 1n), () => m.connect(p1).bid(1n, 3_500_001n));
    await step((t += 1n), () => m.connect(p0).bid(1n, 3_400_000n)); // the runner-up beats the best: no new lock
    await step((t += 1n), () => m.connect(p2).bid(2n, 3_999_999n));
    await step((t += 1n), () => m.connect(p1).bid(3n, 2_000_000n));
    await step((t += 1n), () => m.connect(c1).cancelOrder(4n));
    await step((t += 1n), () => c.registry.connect(c.slasher).jail(p1.address, t + DAY));
    await step((t += 300n), () => m.connect(c.stranger).finalizeAuction(3n)); // Failed: p1 jailed, its bid bond to c0
    await step((t += 300n), () => m.connect(c.stranger).finalizeAuction(2n)); // Awarded to p2 -> lease 1 (batch)
    await step((t += HOUR), () => m.connect(c0).finalizeAuction(1n)); // Awarded to p0 -> lease 2
    await step((t += 1_800n), () => m.connect(p2).submitResult(1n, RESULT, "ipfs://batch"));
    await step((t += 5n), () => m.connect(c.disputeResolver).dispute(1n, c1.address));
    // The oracle reports the epoch before the current one: lease 2's stream up to this epoch becomes withdrawable.
    await mineAt(c, (t += HOUR));
    await coverUntil(c, (t / HOUR) * HOUR);
    await step((t += 1_003n), () => m.connect(p0).withdrawAccrued(2n));
    await step((t += 1n), () => m.connect(c0).extend(2n, HOUR));
    await step((t += 3n), () => m.connect(c.disputeResolver).resolveDispute(1n, 1_234_567n));
    await step((t += 3n), () => m.connect(c0).cancel(2n));
    await mineAt(c, (t += 2n * HOUR));
    await coverUntil(c, (t / HOUR) * HOUR);
    await step((t += 2n), () => m.close(2n));
    for (const who of everyone) {
      if ((await m.balanceOf(who.address)) > 0n) await step((t += 1n), () => m.connect(who).withdrawBalance());
    }
    await step((t += 1n), () => m.sweepFees());
    expect(await c.stablecoin.balanceOf(await m.getAddress())).to.equal(0n);
  });
});
