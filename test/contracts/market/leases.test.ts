/**
 * JobMarket leases: a direct lease from a published offer, extend, cancel, quit and close; every revert with its
 * exact custom error and arguments, events and stablecoin deltas on each state-changing call, and the DESIGN.md
 * invariants after the steps (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { A100, H100, H100_STAKE_PER_GPU, ONE } from "../../helpers/fixture.js";
import {
  HOUR,
  DAY,
  YEAR,
  PRICE,
  MIN_LEASE_VALUE,
  NOTICE,
  LS,
  KIND,
  value,
  feeOf,
  now,
  at,
  nextEpochStart,
  coveredAfter,
  usdDeltas,
  withOffer,
  lease,
  expectInvariants,
} from "./fixture.js";

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
