/**
 * LeaseAuction finalize and cancel: the award in the JobMarket (`openAuctionLease`: the escrow moves into the market,
 * which keeps the lease's value and credits the rest), the runner-up, bid bond forfeit and release, expiry, and
 * cancelling before a bid (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100, H100_STAKE_PER_GPU, ONE } from "../../helpers/fixture.js";
import {
  DAY,
  PRICE,
  OS,
  KIND,
  ZERO,
  value,
  at,
  usdDeltas,
  lease,
  expectMarketSolvent,
  expectInvariants,
  ORDER_MAXP,
  ORDER_DUR,
  ORDER_ESCROW,
  BID_BOND,
  bondOf,
  withBidders,
  post,
} from "./fixture.js";

describe("LeaseAuction.finalizeAuction and cancelOrder", function () {
  it("finalizeAuction while paused fails the order and returns both the escrow and the bid lock (a pause never locks funds)", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client, {});
    await c.leaseAuction.connect(p0).bid(id, 2_900_000n);
    const order = await c.leaseAuction.getOrder(id);
    const escrow = (order.maxPricePerGpuHour * order.gpuCount * order.duration) / 3_600n;
    const clientBefore = await c.jobMarket.balanceOf(client.address);
    const lockedBefore = (await c.slaBondManager.bondOf(p0.address)).locked;
    await c.jobMarket.connect(c.guardian).pause();
    await c.networkHelpers.time.increaseTo(order.bidDeadline);
    await expect(c.leaseAuction.connect(c.stranger).finalizeAuction(id))
      .to.emit(c.leaseAuction, "OrderFinalized")
      .withArgs(id, OS.Failed, 0n, escrow);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(clientBefore + escrow);
    expect((await c.slaBondManager.bondOf(p0.address)).locked).to.equal(lockedBefore - BID_BOND);
    expect((await c.registry.getCapacity(p0.address, H100)).committed).to.equal(0n);
  });

  it("finalizeAuction after the window (anyone) awards the best bid, refunds the unused escrow and releases both bid locks (a batch job)", async function () {
    const { c, p0, p1, client } = await withBidders();
    const { id, deadline } = await post(c, client, { kind: KIND.Batch });
    const [locked0, locked1] = [(await bondOf(c, p0)).locked, (await bondOf(c, p1)).locked];
    await c.leaseAuction.connect(p0).bid(id, 2_900_000n);
    const best = 2_871_000n;
    await c.leaseAuction.connect(p1).bid(id, best);
    await expect(c.leaseAuction.connect(c.stranger).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBiddingOpen")
      .withArgs(id, deadline);
    const t = deadline + 30n;
    await at(c, t);
    const leaseValue = value(best, 2n, ORDER_DUR);
    const refund = ORDER_ESCROW - leaseValue;
    const tx = c.leaseAuction.connect(c.stranger).finalizeAuction(id);
    await expect(tx)
      .to.emit(c.jobMarket, "LeaseCreated")
      .withArgs(1n, client.address, p1.address, H100, 2n, best, t, t + ORDER_DUR, KIND.Batch, id);
    await expect(tx).to.emit(c.leaseAuction, "OrderFinalized").withArgs(id, OS.Awarded, 1n, refund);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    // A batch job carries no SLA bond: the winner's bid lock is released like the runner-up's, nothing forfeited.
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, BID_BOND, ZERO);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    await expect(tx).to.not.emit(c.slaBondManager, "BondLocked");
    await expect(tx).to.emit(c.registry, "CapacityCommitted").withArgs(p1.address, H100, 2n, 2n);
    await expect(tx).to.emit(c.vault, "ExposureRecorded").withArgs(p1.address, 2n * H100_STAKE_PER_GPU, 2n * H100_STAKE_PER_GPU, t + ORDER_DUR);
    // The whole escrow moves from the auction into the market: the lease's value held, the rest credited to the client.
    await usdDeltas(c, tx, [client, p1, c.leaseAuction, c.jobMarket, c.slaBondManager], [0n, 0n, -ORDER_ESCROW, ORDER_ESCROW, 0n]);
    expect((await bondOf(c, p0)).locked).to.equal(locked0);
    expect((await bondOf(c, p1)).locked).to.equal(locked1);
    expect((await c.leaseAuction.getOrder(id)).status).to.equal(OS.Awarded);
    const l = await c.jobMarket.getLease(1n);
    expect(l.provider).to.equal(p1.address);
    expect(l.pricePerGpuHour).to.equal(best);
    expect(l.kind).to.equal(BigInt(KIND.Batch));
    expect(await c.jobMarket.leaseValue(1n)).to.equal(leaseValue);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    expect(await c.jobMarket.balanceOf(p1.address)).to.equal(0n);
    expect(await c.jobMarket.balanceOf(p0.address)).to.equal(0n);
    await expectInvariants(c, [client, p0, p1]);
    await expect(c.leaseAuction.finalizeAuction(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionInvalidOrderStatus")
      .withArgs(id, OS.Awarded);
  });

  it("the client may accept the best bid early (its bid lock becomes the lease's lock); early without a bid reverts with LeaseAuctionNoBids", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.leaseAuction.connect(client).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionNoBids")
      .withArgs(id);
    await c.leaseAuction.connect(p0).bid(id, ORDER_MAXP);
    const locked = (await bondOf(c, p0)).locked;
    const tx = c.leaseAuction.connect(client).finalizeAuction(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderFinalized").withArgs(id, OS.Awarded, 1n, 0n);
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
    await c.leaseAuction.connect(p0).bid(a.id, 2_000_000n);
    await c.leaseAuction.connect(p0).bid(b.id, 2_000_000n);
    await c.leaseAuction.connect(p1).bid(b.id, 2_500_000n);
    await c.registry.connect(c.slasher).jail(p0.address, b.deadline + DAY);
    await at(c, b.deadline);
    const p0Before = await bondOf(c, p0);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);

    // Order a has no runner-up: it fails, the escrow goes back and p0's bid bond goes to the client.
    const txA = c.leaseAuction.finalizeAuction(a.id);
    await expect(txA).to.emit(c.leaseAuction, "OrderFinalized").withArgs(a.id, OS.Failed, 0n, ORDER_ESCROW);
    await expect(txA).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, ORDER_ESCROW);
    await expect(txA).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, client.address);
    await expect(txA).to.not.emit(c.jobMarket, "LeaseCreated");
    expect((await c.leaseAuction.getOrder(a.id)).status).to.equal(OS.Failed);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(slaBefore + BID_BOND);

    // Order b: p0's bid bond goes to the client too, and the runner-up p1 is awarded at its own price.
    const t = b.deadline + 1n;
    await at(c, t);
    const v = value(2_500_000n, 2n, ORDER_DUR);
    const txB = c.leaseAuction.finalizeAuction(b.id);
    await expect(txB).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, client.address);
    await expect(txB)
      .to.emit(c.jobMarket, "LeaseCreated")
      .withArgs(1n, client.address, p1.address, H100, 2n, 2_500_000n, t, t + ORDER_DUR, KIND.Lease, b.id);
    await expect(txB).to.emit(c.leaseAuction, "OrderFinalized").withArgs(b.id, OS.Awarded, 1n, ORDER_ESCROW - v);
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
    await usdDeltas(c, w, [client, c.jobMarket], [2n * ORDER_ESCROW - v, -(2n * ORDER_ESCROW - v)]);
    const ws = c.slaBondManager.connect(client).withdraw();
    await usdDeltas(c, ws, [client, c.slaBondManager], [slaBefore + 2n * BID_BOND, -(slaBefore + 2n * BID_BOND)]);
  });

  it("a best bidder short of stake or capacity (others can cause either) gets its bid lock back; the runner-up wins if kept", async function () {
    const { c, p0, p1, p2, client } = await withBidders();
    const a = await post(c, client);
    const b = await post(c, client, { gpus: 3n });
    const bondB = value(ORDER_MAXP, 3n, ORDER_DUR) / 10n;
    await c.leaseAuction.connect(p0).bid(a.id, 2_000_000n);
    await c.leaseAuction.connect(p1).bid(b.id, 2_000_000n);
    await c.leaseAuction.connect(p2).bid(b.id, 2_200_000n);
    await c.vault.connect(c.slasher).executeSlash(p0.address, 10n * ONE, 0, false);
    // p1 sells 2 of its 4 GPUs directly, so 2 < 3 remain free.
    await c.registry.connect(p1).setOffer(H100, PRICE);
    await c.jobMarket.connect(c.clients[1]).createDirectLease(p1.address, H100, 2, DAY, PRICE, KIND.Lease);
    await at(c, b.deadline);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);
    const txA = c.leaseAuction.finalizeAuction(a.id);
    await expect(txA).to.emit(c.leaseAuction, "OrderFinalized").withArgs(a.id, OS.Failed, 0n, ORDER_ESCROW);
    // Still active (a real slash also jails, and a jailed bidder forfeits: see the jailed case above).
    await expect(txA).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    const txB = c.leaseAuction.finalizeAuction(b.id);
    const v = value(2_200_000n, 3n, ORDER_DUR);
    await expect(txB).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, bondB, ZERO);
    await expect(txB).to.emit(c.leaseAuction, "OrderFinalized").withArgs(b.id, OS.Awarded, 2n, value(ORDER_MAXP, 3n, ORDER_DUR) - v);
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
    await c.leaseAuction.connect(p0).bid(id, ORDER_MAXP);
    // Enterprise (30%): the lease's lock is 30% of its value, more than the bid lock the bidder holds.
    await c.slaBondManager.connect(client).setClientTier(2);
    await at(c, deadline);
    const slaBefore = await c.slaBondManager.balanceOf(client.address);
    const tx = c.leaseAuction.finalizeAuction(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderFinalized").withArgs(id, OS.Failed, 0n, ORDER_ESCROW);
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
    await expect(c.leaseAuction.connect(c.stranger).finalizeAuction(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionBiddingOpen")
      .withArgs(id, deadline);
    await at(c, deadline);
    const tx = c.leaseAuction.connect(c.stranger).finalizeAuction(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderFinalized").withArgs(id, OS.Expired, 0n, ORDER_ESCROW);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, ORDER_ESCROW);
    expect((await c.leaseAuction.getOrder(id)).status).to.equal(OS.Expired);
    await expectMarketSolvent(c, [client]);
  });

  it("cancelOrder refunds the escrow before any bid; reverts with LeaseAuctionOrderHasBids, LeaseAuctionNotClient, LeaseAuctionInvalidOrderStatus", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.leaseAuction.connect(c.stranger).cancelOrder(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionNotClient")
      .withArgs(id, c.stranger.address);
    const tx = c.leaseAuction.connect(client).cancelOrder(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderCancelled").withArgs(id, ORDER_ESCROW);
    await usdDeltas(c, tx, [client, c.leaseAuction, c.jobMarket], [ORDER_ESCROW, -ORDER_ESCROW, 0n]);
    expect((await c.leaseAuction.getOrder(id)).status).to.equal(OS.Cancelled);
    await expect(c.leaseAuction.connect(client).cancelOrder(id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionInvalidOrderStatus")
      .withArgs(id, OS.Cancelled);
    const second = await post(c, client);
    await c.leaseAuction.connect(p0).bid(second.id, ORDER_MAXP);
    await expect(c.leaseAuction.connect(client).cancelOrder(second.id))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionOrderHasBids")
      .withArgs(second.id);
    await expectMarketSolvent(c, [client, p0]);
  });

  it("the bid bond is fixed per order: a later tier change of the client does not alter what a bidder locks", async function () {
    const { c, p0, p1, client } = await withBidders();
    const { id } = await post(c, client);
    const bidBond = BID_BOND;
    await c.leaseAuction.connect(p0).bid(id, ORDER_MAXP);
    await c.slaBondManager.connect(client).setClientTier(2);
    expect((await c.leaseAuction.getOrder(id)).bidBondPercent).to.equal(10n); // the Standard tier's, not Enterprise's 30
    const before = (await c.slaBondManager.bondOf(p1.address)).locked;
    const tx = c.leaseAuction.connect(p1).bid(id, 2_000_000n);
    await expect(tx).to.emit(c.leaseAuction, "BidPlaced").withArgs(id, p1.address, 2_000_000n, true, ZERO, bidBond);
    await usdDeltas(c, tx, [p1], [0n]);
    expect((await c.slaBondManager.bondOf(p1.address)).locked - before).to.equal(bidBond);
  });
});
