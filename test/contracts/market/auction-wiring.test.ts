/**
 * LeaseAuction's wiring into the JobMarket (one-time `setLeaseAuction`, no AccessManager role reaches
 * `openAuctionLease` or `moveAuctionBidLock`: attack tests by every other caller) and the market's pause, which also
 * stops the auction (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100, USD } from "../../helpers/fixture.js";
import {
  loadCinder,
  HOUR,
  OS,
  KIND,
  ZERO,
  at,
  usdDeltas,
  lease,
  expectMarketSolvent,
  paramsOf,
  expectInvariants,
  ORDER_MAXP,
  ORDER_DUR,
  BID_WINDOW,
  ORDER_ESCROW,
  BID_BOND,
  bondOf,
  withBidders,
  post,
} from "./fixture.js";

describe("LeaseAuction wiring: the market opens auction leases for the one auction wired once", function () {
  /** An award a stranger would like the market to make: the market's whole balance as "escrow", credited to itself. */
  function forgedAward(who: string, escrow: bigint) {
    return {
      orderId: 1n,
      client: who,
      modelClass: H100,
      gpuCount: 1n,
      duration: HOUR,
      kind: KIND.Lease,
      escrow,
      bidBond: 0n,
      best: ZERO,
      bestPrice: 0n,
      runnerUp: ZERO,
      runnerUpPrice: 0n,
    };
  }

  it("points the market and the auction at each other, and the auction holds nothing of the market's", async function () {
    const c = await loadCinder();
    expect(await c.jobMarket.leaseAuction()).to.equal(await c.leaseAuction.getAddress());
    expect(await c.leaseAuction.MARKET()).to.equal(await c.jobMarket.getAddress());
    expect(await c.leaseAuction.orderCount()).to.equal(0n);
  });

  it("refuses openAuctionLease to every caller but the wired auction: nobody credits itself the market's escrow", async function () {
    const { c, p0, client } = await withBidders();
    // The market holds a lease's escrow that a forged award would hand out as a "refund".
    await c.registry.connect(p0).setOffer(H100, 2n * USD);
    await c.jobMarket.connect(client).createDirectLease(p0.address, H100, 1, 10n * HOUR, 2n * USD, KIND.Lease);
    const held = await c.stablecoin.balanceOf(await c.jobMarket.getAddress());
    expect(held).to.equal(20n * USD);
    for (const caller of [c.stranger, c.governance, c.guardian, c.deployer, p0, client]) {
      await expect(c.jobMarket.connect(caller).openAuctionLease(forgedAward(caller.address, held)))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotLeaseAuction")
        .withArgs(caller.address);
      expect(await c.jobMarket.balanceOf(caller.address)).to.equal(0n);
    }
    expect(await c.stablecoin.balanceOf(await c.jobMarket.getAddress())).to.equal(held);
    await expectInvariants(c, [client, p0]);
  });

  it("refuses moveAuctionBidLock to every caller but the wired auction: nobody unlocks a kept bidder's bid bond", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await c.leaseAuction.connect(p0).bid(id, ORDER_MAXP);
    const locked = (await bondOf(c, p0)).locked;
    for (const caller of [c.stranger, c.governance, c.guardian, p0, client]) {
      // Dropping p0's lock would free its bond while it still binds the order.
      await expect(c.jobMarket.connect(caller).moveAuctionBidLock(ZERO, p0.address, BID_BOND))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotLeaseAuction")
        .withArgs(caller.address);
    }
    expect((await bondOf(c, p0)).locked).to.equal(locked);
  });

  it("setLeaseAuction reverts once set, for the zero address, and for an auction that opens leases in another market", async function () {
    const c = await loadCinder();
    const auction = await c.leaseAuction.getAddress();
    await expect(c.jobMarket.connect(c.governance).setLeaseAuction(c.stranger.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseAuctionAlreadySet")
      .withArgs(auction);
    // A second market, unwired: the deployment's auction is not its auction.
    const fresh = await c.ethers.deployContract("JobMarket", [
      await c.manager.getAddress(),
      {
        asset: await c.stablecoin.getAddress(),
        registry: await c.registry.getAddress(),
        vault: await c.vault.getAddress(),
        feeRouter: await c.feeRouter.getAddress(),
        revenue: await c.emissions.getAddress(),
        oracleHub: await c.oracleHub.getAddress(),
      },
      await paramsOf(c),
    ]);
    await expect(fresh.connect(c.governance).getFunction("setLeaseAuction")(ZERO))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketZeroAddress")
      .withArgs("leaseAuction");
    await expect(fresh.connect(c.governance).getFunction("setLeaseAuction")(auction))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketWrongAuctionMarket")
      .withArgs(auction, await c.jobMarket.getAddress());
    expect(await fresh.getFunction("leaseAuction")()).to.equal(ZERO);
  });

  it("the constructor refuses a zero market with LeaseAuctionZeroAddress", async function () {
    const c = await loadCinder();
    const factory = await c.ethers.getContractFactory("LeaseAuction");
    await expect(factory.deploy(ZERO)).to.be.revertedWithCustomError(
      c.leaseAuction,
      "LeaseAuctionZeroAddress",
    ).withArgs("market");
  });
});

describe("LeaseAuction and the market's pause (one switch, the guardian's)", function () {
  it("a market pause stops posting and bidding on the auction; cancelling goes on, and so do orders after unpause", async function () {
    const { c, p0, client } = await withBidders();
    const { id } = await post(c, client);
    await expect(c.jobMarket.connect(c.guardian).pause()).to.emit(c.jobMarket, "Paused");
    await expect(
      c.leaseAuction.connect(client).postOrder(H100, 2, ORDER_DUR, ORDER_MAXP, BID_WINDOW, KIND.Lease),
    ).to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionMarketPaused");
    await expect(c.leaseAuction.connect(p0).bid(id, ORDER_MAXP)).to.be.revertedWithCustomError(
      c.leaseAuction,
      "LeaseAuctionMarketPaused",
    );
    const tx = c.leaseAuction.connect(client).cancelOrder(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderCancelled").withArgs(id, ORDER_ESCROW);
    await usdDeltas(c, tx, [client, c.leaseAuction], [ORDER_ESCROW, -ORDER_ESCROW]);
    await expect(c.jobMarket.connect(c.governance).unpause()).to.emit(c.jobMarket, "Unpaused");
    const second = await post(c, client);
    await expect(c.leaseAuction.connect(p0).bid(second.id, ORDER_MAXP)).to.emit(c.leaseAuction, "BidPlaced");
    await expectMarketSolvent(c, [client, p0]);
  });

  it("finalize while the market is paused fails the order: the escrow is credited to the client and both bid locks return", async function () {
    const { c, p0, p1, client } = await withBidders();
    const { id, deadline } = await post(c, client);
    const [locked0, locked1] = [(await bondOf(c, p0)).locked, (await bondOf(c, p1)).locked];
    await c.leaseAuction.connect(p0).bid(id, 2_900_000n);
    await c.leaseAuction.connect(p1).bid(id, 2_800_000n);
    await c.jobMarket.connect(c.guardian).pause();
    await at(c, deadline);
    const tx = c.leaseAuction.connect(c.stranger).finalizeAuction(id);
    await expect(tx).to.emit(c.leaseAuction, "OrderFinalized").withArgs(id, OS.Failed, 0n, ORDER_ESCROW);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, ORDER_ESCROW);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, BID_BOND, ZERO);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p0.address, BID_BOND, ZERO);
    await expect(tx).to.not.emit(c.jobMarket, "LeaseCreated");
    await usdDeltas(c, tx, [client, c.leaseAuction, c.jobMarket], [0n, -ORDER_ESCROW, ORDER_ESCROW]);
    expect([(await bondOf(c, p0)).locked, (await bondOf(c, p1)).locked]).to.deep.equal([locked0, locked1]);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(ORDER_ESCROW);
    await expectInvariants(c, [client, p0, p1]);
  });
});
