/**
 * JobMarket streaming and payouts: per-second accrual, withdrawAccrued up to the oracle's covered time (an SLA
 * lease's held tail), the fee and revenue record on each release, credited balances and the fee sweep (shared
 * set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { coverUntil } from "../../helpers/oracle.js";
import {
  HOUR,
  PRICE,
  FEE_BPS,
  LS,
  KIND,
  value,
  feeOf,
  now,
  at,
  mineAt,
  nextEpochStart,
  coveredAfter,
  usdDeltas,
  withOffer,
  lease,
  expectInvariants,
} from "./fixture.js";

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
