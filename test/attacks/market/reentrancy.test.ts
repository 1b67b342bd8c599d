/**
 * Attack (a): reentrancy through a settlement token with transfer hooks (HookStablecoin, which is also the
 * attacker's account): every token transfer of the market and of the auction is made under a reentrancy guard, so a
 * hook re-entering from it is refused and nothing is paid twice (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100 } from "../../helpers/fixture.js";
import { HOUR, PRICE, KIND, value, feeOf, now, at, nextEpochStart, coveredAfter, loadHooked, asAttacker, armMarketHook } from "./fixture.js";

describe("JobMarket attack: reentrancy through a token with transfer hooks", function () {
  it("a client re-entering withdrawBalance from its refund transfer reverts with ReentrancyGuardReentrantCall and loses nothing", async function () {
    const h = await loadHooked();
    const { c, hook, hookAddress, market } = h;
    // The attacker leases 2 GPUs from the honest provider and cancels: its refund is credited.
    const t = (await now(c)) + 10n;
    await at(c, t);
    await asAttacker(h, "createDirectLease", [h.honest.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease]);
    const v = value(PRICE, 2n, 10n * HOUR);
    await at(c, t + HOUR);
    await asAttacker(h, "cancel", [1n]);
    const refund = v - value(PRICE, 2n, 2n * HOUR);
    expect(await market.balanceOf(hookAddress)).to.equal(refund);
    const held = await hook.balanceOf(h.marketAddress);

    // The naive double withdrawal: re-enter withdrawBalance while the refund is being transferred.
    await armMarketHook(h, hookAddress, "withdrawBalance");
    await expect(asAttacker(h, "withdrawBalance")).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    expect(await market.balanceOf(hookAddress)).to.equal(refund);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(held);

    // Disarmed, the refund is paid exactly once.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    const w = asAttacker(h, "withdrawBalance");
    await expect(w).to.emit(market, "BalanceWithdrawn").withArgs(hookAddress, refund);
    await expect(w).to.changeTokenBalances(c.ethers, hook, [hookAddress, h.marketAddress], [refund, -refund]);
    await expect(asAttacker(h, "withdrawBalance"))
      .to.be.revertedWithCustomError(market, "JobMarketNoBalance")
      .withArgs(hookAddress);
  });

  it("a provider re-entering withdrawAccrued (and close) from its payout transfer reverts and loses nothing", async function () {
    const h = await loadHooked();
    const { c, hook, hookAddress, market, client } = h;
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await market.connect(client).createDirectLease(hookAddress, H100, 2, 2n * HOUR, PRICE, KIND.Lease);
    await market.connect(client).createDirectLease(hookAddress, H100, 1, HOUR, PRICE, KIND.Lease);
    const held = await hook.balanceOf(h.marketAddress);

    await armMarketHook(h, hookAddress, "withdrawAccrued", [1n]);
    // The oracle reports the leases' first epoch: lease 1's stream up to `boundary` is withdrawable.
    await coveredAfter(c, boundary, h.cover);
    await expect(asAttacker(h, "withdrawAccrued", [1n])).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    // close of the other lease from inside the payout transfer is refused as well.
    await at(c, t + HOUR + 5n);
    await armMarketHook(h, hookAddress, "close", [2n]);
    await expect(asAttacker(h, "withdrawAccrued", [1n])).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    expect((await market.getLease(1n)).released).to.equal(0n);
    expect((await market.getLease(2n)).status).to.equal(1n);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(held);

    // Disarmed, each is paid once and exactly.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    const t2 = t + HOUR + 20n;
    await at(c, t2);
    const gross = value(PRICE, 2n, boundary - t);
    const w = asAttacker(h, "withdrawAccrued", [1n]);
    await expect(w).to.emit(market, "PaymentReleased").withArgs(1n, hookAddress, gross, feeOf(gross));
    await expect(w).to.changeTokenBalances(
      c.ethers,
      hook,
      [hookAddress, h.marketAddress],
      [gross - feeOf(gross), -(gross - feeOf(gross))],
    );
    // close pays lease 2's covered part; the uncovered tail stays held for its SLA.
    const v2 = value(PRICE, 1n, boundary - (await market.getLease(2n)).start);
    await expect(market.close(2n)).to.emit(market, "LeaseClosed").withArgs(2n, v2, 0n);
  });

  it("a client re-entering from its own payment (transferFrom) into createDirectLease is refused", async function () {
    const h = await loadHooked();
    const { hook, market } = h;
    await armMarketHook(h, h.marketAddress, "withdrawBalance");
    await expect(
      asAttacker(h, "createDirectLease", [h.honest.address, H100, 1, HOUR, PRICE, KIND.Lease]),
    ).to.be.revertedWithCustomError(market, "ReentrancyGuardReentrantCall");
    expect(await market.leaseCount()).to.equal(0n);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(0n);
  });

  it("a client re-entering the auction from its refund or from the escrow's move into the market is refused", async function () {
    const h = await loadHooked();
    const { c, hook, hookAddress, auction, auctionAddress } = h;
    const post = () =>
      hook.execute(auctionAddress, auction.interface.encodeFunctionData("postOrder", [H100, 2, HOUR, PRICE, 600, KIND.Lease]));
    const escrow = value(PRICE, 2n, HOUR);
    await post();
    await post();
    expect(await hook.balanceOf(auctionAddress)).to.equal(2n * escrow);
    // cancelOrder's refund to the attacker re-enters cancelOrder of its other order (a second refund inside the first).
    await hook.setHook(auctionAddress, hookAddress, auction.interface.encodeFunctionData("cancelOrder", [2n]));
    await expect(
      hook.execute(auctionAddress, auction.interface.encodeFunctionData("cancelOrder", [1n])),
    ).to.be.revertedWithCustomError(auction, "ReentrancyGuardReentrantCall");
    expect((await auction.getOrder(1n)).status).to.equal(1n);
    expect(await hook.balanceOf(auctionAddress)).to.equal(2n * escrow);
    // finalize's move of the escrow into the market re-enters finalize (the order would settle twice).
    await c.networkHelpers.time.increase(600);
    await hook.setHook(auctionAddress, h.marketAddress, auction.interface.encodeFunctionData("finalizeAuction", [1n]));
    await expect(auction.finalizeAuction(1n)).to.be.revertedWithCustomError(auction, "ReentrancyGuardReentrantCall");
    expect((await auction.getOrder(1n)).status).to.equal(1n);
    expect(await hook.balanceOf(auctionAddress)).to.equal(2n * escrow);
    // Disarmed, each order settles once: expired, the escrow credited to the attacker's market balance.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    await expect(auction.finalizeAuction(1n)).to.emit(auction, "OrderFinalized").withArgs(1n, 4n, 0n, escrow);
    expect(await h.market.balanceOf(hookAddress)).to.equal(escrow);
    await expect(auction.finalizeAuction(1n))
      .to.be.revertedWithCustomError(auction, "LeaseAuctionInvalidOrderStatus")
      .withArgs(1n, 4n);
  });
});
