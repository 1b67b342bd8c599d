/**
 * LeaseAuction orders and bids: postOrder's escrow (held by the auction) and its refusals, binding bids with their bid
 * bonds (the best and one runner-up kept, the minimum step), eligibility and the pause (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100, ONE } from "../../helpers/fixture.js";
import {
  HOUR,
  DAY,
  YEAR,
  MIN_LEASE_VALUE,
  OS,
  KIND,
  ZERO,
  DEFAULT_PARAMS,
  value,
  now,
  at,
  usdDeltas,
  expectMarketSolvent,
  ORDER_MAXP,
  ORDER_DUR,
  BID_WINDOW,
  ORDER_ESCROW,
  BID_BOND,
  bondOf,
  withBidders,
  post,
} from "./fixture.js";

describe("LeaseAuction.postOrder and bid", function () {
  it("postOrder escrows at the maximum price and emits OrderPosted", async function () {
    const { c, client } = await withBidders();
    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.leaseAuction.connect(client).postOrder(H100, 2, ORDER_DUR, ORDER_MAXP, BID_WINDOW, KIND.Batch);
    await expect(tx)
      .to.emit(c.leaseAuction, "OrderPosted")
      .withArgs(1n, client.address, H100, 2n, ORDER_DUR, ORDER_MAXP, t + BID_WINDOW, KIND.Batch);
    // The auction holds the escrow until finalize; the market holds nothing of an open order.
    await usdDeltas(c, tx, [client, c.leaseAuction, c.jobMarket], [-ORDER_ESCROW, ORDER_ESCROW, 0n]);
    const o = await c.leaseAuction.getOrder(1n);
    expect(o.client).to.equal(client.address);
    expect(o.bidDeadline).to.equal(t + BID_WINDOW);
    expect(o.duration).to.equal(ORDER_DUR);
    expect(o.gpuCount).to.equal(2n);
    expect(o.bestBidder).to.equal(ZERO);
    expect(o.bestPrice).to.equal(0n);
    expect(o.maxPricePerGpuHour).to.equal(ORDER_MAXP);
    expect(o.status).to.equal(OS.Open);
    expect(o.kind).to.equal(BigInt(KIND.Batch));
    expect(o.modelClass).to.equal(H100);
    expect(await c.leaseAuction.orderCount()).to.equal(1n);
    await expectMarketSolvent(c, [client]);
  });

  it("postOrder reverts with LeaseAuctionBidWindowOutOfBounds, LeaseAuctionUnknownModelClass, the terms' errors and LeaseAuctionMarketPaused", async function () {
    const { c, client } = await withBidders();
    const m = c.leaseAuction.connect(client);
    await expect(m.postOrder(H100, 2, ORDER_DUR, ORDER_MAXP, 299, KIND.Lease))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidWindowOutOfBounds")
      .withArgs(299n, 300n, 7n * DAY);
    await expect(m.postOrder(H100, 2, ORDER_DUR, ORDER_MAXP, 7n * DAY + 1n, KIND.Lease))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidWindowOutOfBounds")
      .withArgs(7n * DAY + 1n, 300n, 7n * DAY);
    const unknown = `0x${"77".repeat(32)}`;
    await expect(m.postOrder(unknown, 2, ORDER_DUR, ORDER_MAXP, BID_WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionUnknownModelClass")
      .withArgs(unknown);
    await expect(m.postOrder(H100, 0, ORDER_DUR, ORDER_MAXP, BID_WINDOW, KIND.Lease)).to.be.revertedWithCustomError(
      c.leaseAuction,
      "LeaseAuctionZeroGpus",
    );
    await expect(m.postOrder(H100, 2, HOUR - 1n, ORDER_MAXP, BID_WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionDurationOutOfBounds")
      .withArgs(HOUR - 1n, HOUR, YEAR);
    await expect(m.postOrder(H100, 1, HOUR, 999_999n, BID_WINDOW, KIND.Lease))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionLeaseValueTooLow")
      .withArgs(999_999n, MIN_LEASE_VALUE);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(m.postOrder(H100, 2, ORDER_DUR, ORDER_MAXP, BID_WINDOW, KIND.Lease)).to.be.revertedWithCustomError(
      c.leaseAuction,
      "LeaseAuctionMarketPaused",
    );
  });

  it("bid locks the order's bid bond from the SLA bond (no tokens move); the order keeps the best bid and one runner-up", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const { id } = await post(c, client);
    expect((await c.leaseAuction.getOrder(id)).bidBondPercent).to.equal(10n);
    await expect(c.leaseAuction.connect(p0).bid(id, ORDER_MAXP + 1n))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidTooHigh")
      .withArgs(ORDER_MAXP + 1n, ORDER_MAXP);

    const b0 = 2_900_000n;
    const locked0 = (await bondOf(c, p0)).locked;
    const tx0 = c.leaseAuction.connect(p0).bid(id, b0);
    await expect(tx0).to.emit(c.leaseAuction, "BidPlaced").withArgs(id, p0.address, b0, true, ZERO, BID_BOND);
    await expect(tx0).to.emit(c.slaBondManager, "BidLockMoved").withArgs(p0.address, ZERO, BID_BOND);
    await usdDeltas(c, tx0, [p0, c.leaseAuction, c.jobMarket, c.slaBondManager], [0n, 0n, 0n, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0 + BID_BOND);
    let o = await c.leaseAuction.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p0.address, b0, ZERO, 0n]);
    await expectMarketSolvent(c, [client, p0, p1]);

    // A bid that does not beat the best by 1% (29,000 units) becomes the runner-up while there is none.
    const max1 = b0 - (b0 * 100n) / 10_000n;
    const locked1 = (await bondOf(c, p1)).locked;
    await expect(c.leaseAuction.connect(p1).bid(id, max1 + 1n))
      .to.emit(c.leaseAuction, "BidPlaced")
      .withArgs(id, p1.address, max1 + 1n, false, ZERO, BID_BOND);
    expect((await bondOf(c, p1)).locked).to.equal(locked1 + BID_BOND);
    o = await c.leaseAuction.getOrder(id);
    expect([o.bestBidder, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p0.address, p1.address, max1 + 1n]);

    // The runner-up beats the best: it becomes the best and the best before it the runner-up; both already hold their
    // locks, so nothing moves in the SlaBondManager.
    const tx1 = c.leaseAuction.connect(p1).bid(id, max1);
    await expect(tx1).to.emit(c.leaseAuction, "BidPlaced").withArgs(id, p1.address, max1, true, ZERO, 0n);
    await expect(tx1).to.not.emit(c.slaBondManager, "BidLockMoved");
    expect((await bondOf(c, p0)).locked).to.equal(locked0 + BID_BOND);
    expect((await bondOf(c, p1)).locked).to.equal(locked1 + BID_BOND);
    o = await c.leaseAuction.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p1.address, max1, p0.address, b0]);
    await expectMarketSolvent(c, [client, p0, p1]);

    // The best bidder may only beat itself by the step; a third provider must beat the best or the runner-up by it.
    const maxBest = max1 - (max1 * 100n) / 10_000n;
    await expect(c.leaseAuction.connect(p1).bid(id, max1))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidTooHigh")
      .withArgs(max1, maxBest);
    const maxSecond = b0 - (b0 * 100n) / 10_000n;
    await expect(c.leaseAuction.connect(p2).bid(id, maxSecond + 1n))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidTooHigh")
      .withArgs(maxSecond + 1n, maxSecond);

    // It beats the runner-up: it replaces it, and the runner-up pushed out gets its lock back.
    const locked2 = (await bondOf(c, p2)).locked;
    const tx2 = c.leaseAuction.connect(p2).bid(id, maxSecond);
    await expect(tx2).to.emit(c.leaseAuction, "BidPlaced").withArgs(id, p2.address, maxSecond, false, p0.address, BID_BOND);
    await expect(tx2).to.emit(c.slaBondManager, "BidLockMoved").withArgs(p2.address, p0.address, BID_BOND);
    await usdDeltas(c, tx2, [p0, p2, c.leaseAuction, c.jobMarket, c.slaBondManager], [0n, 0n, 0n, 0n, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0);
    expect((await bondOf(c, p2)).locked).to.equal(locked2 + BID_BOND);
    o = await c.leaseAuction.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p1.address, max1, p2.address, maxSecond]);
    await expectMarketSolvent(c, [client, p0, p1, p2]);
  });

  it("bid reverts with SlaBondManagerInsufficientFreeBond when the bidder's free SLA bond is short of the bid bond", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    const { total, locked } = await bondOf(c, p0);
    const free = total - locked;
    await c.slaBondManager.connect(p0).withdrawBond(free - BID_BOND + 1n);
    await expect(c.leaseAuction.connect(p0).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerInsufficientFreeBond")
      .withArgs(p0.address, BID_BOND - 1n, BID_BOND);
  });

  it("the minimum step is at least one unit when 1% of the best price rounds to zero (an equal price is only a runner-up)", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    await c.jobMarket.connect(c.governance).setParams({ ...DEFAULT_PARAMS, minLeaseValue: 0n });
    await c.leaseAuction.connect(client).postOrder(H100, 4, 30n * DAY, 99n, BID_WINDOW, KIND.Lease);
    const id = await c.leaseAuction.orderCount();
    const bidBond = value(99n, 4n, 30n * DAY) / 10n;
    await c.leaseAuction.connect(p0).bid(id, 99n);
    // 99 x 100 / 10,000 = 0, so the step is one unit: the same price does not beat the best, but is kept as the
    // runner-up while there is none.
    await expect(c.leaseAuction.connect(p1).bid(id, 99n))
      .to.emit(c.leaseAuction, "BidPlaced")
      .withArgs(id, p1.address, 99n, false, ZERO, bidBond);
    await expect(c.leaseAuction.connect(p2).bid(id, 99n))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBidTooHigh")
      .withArgs(99n, 98n);
    await expect(c.leaseAuction.connect(p2).bid(id, 98n))
      .to.emit(c.leaseAuction, "BidPlaced")
      .withArgs(id, p2.address, 98n, true, p1.address, bidBond);
    const o = await c.leaseAuction.getOrder(id);
    expect([o.bestBidder, o.bestPrice, o.runnerUp, o.runnerUpPrice]).to.deep.equal([p2.address, 98n, p0.address, 99n]);
  });

  it("bid reverts with LeaseAuctionSelfBid, LeaseAuctionBiddingClosed, LeaseAuctionInvalidOrderStatus and LeaseAuctionLeaseValueTooLow", async function () {
    const { c, p0, client } = await withBidders();
    const { id, deadline } = await post(c, client);
    await expect(c.leaseAuction.connect(client).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionSelfBid")
      .withArgs(id);
    await expect(c.leaseAuction.connect(p0).bid(id, 1n))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionLeaseValueTooLow")
      .withArgs(value(1n, 2n, ORDER_DUR), MIN_LEASE_VALUE);
    await at(c, deadline);
    await expect(c.leaseAuction.connect(p0).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBiddingClosed")
      .withArgs(id, deadline);
    await expect(c.leaseAuction.connect(p0).bid(99n, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionInvalidOrderStatus")
      .withArgs(99n, OS.None);
    const second = await post(c, client);
    await c.leaseAuction.connect(client).cancelOrder(second.id);
    await expect(c.leaseAuction.connect(p0).bid(second.id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionInvalidOrderStatus")
      .withArgs(second.id, OS.Cancelled);
  });

  it("bid checks eligibility: registered and active, staked, enough free GPUs; and is paused with the market", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.leaseAuction.connect(c.stranger).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionProviderNotActive")
      .withArgs(c.stranger.address);
    await c.registry.connect(c.slasher).jail(p0.address, (await now(c)) + DAY);
    await expect(c.leaseAuction.connect(p0).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionProviderNotActive")
      .withArgs(p0.address);
    await c.vault.connect(c.slasher).executeSlash(p1.address, ONE, 0, false);
    await expect(c.leaseAuction.connect(p1).bid(id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionInsufficientStake")
      .withArgs(p1.address, 799n * ONE, 800n * ONE);
    const big = await post(c, client, { gpus: 5n });
    await expect(c.leaseAuction.connect(p2).bid(big.id, ORDER_MAXP))
      .to.be.revertedWithCustomError(c.leaseAuction, "ProviderRegistryInsufficientCapacity")
      .withArgs(p2.address, H100, 4n, 5n);
    await c.jobMarket.connect(c.guardian).pause();
    await expect(c.leaseAuction.connect(p2).bid(id, ORDER_MAXP)).to.be.revertedWithCustomError(
      c.leaseAuction,
      "LeaseAuctionMarketPaused",
    );
  });
});
