/**
 * JobMarket governance: the deployment's parameters, setParams and its bounds, who may set and pause, and that a
 * pause never blocks an exit (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100 } from "../../helpers/fixture.js";
import {
  loadCinder,
  HOUR,
  DAY,
  PRICE,
  KIND,
  RESULT,
  DEFAULT_PARAMS,
  value,
  coveredAfter,
  withOffer,
  lease,
  paramsOf,
  expectInvariants,
} from "./fixture.js";

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
    await c.leaseAuction.connect(client).postOrder(H100, 1, HOUR, PRICE, 600, KIND.Lease);
    await c.jobMarket.connect(p).submitResult(batchJob.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(batchJob.id, client.address);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(c.jobMarket.connect(client).cancel(a.id)).to.emit(c.jobMarket, "LeaseCancelled");
    await expect(c.jobMarket.connect(p).quit(b.id)).to.emit(c.jobMarket, "LeaseQuit");
    await expect(c.leaseAuction.connect(client).cancelOrder(1n)).to.emit(c.leaseAuction, "OrderCancelled");
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
