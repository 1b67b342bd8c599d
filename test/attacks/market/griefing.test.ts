/**
 * Attack (e), griefing (DESIGN.md invariant 8): no third party, and no reverting payout, blocks another's refund or
 * payout, and no outbid or ineligible bidder blocks an order (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { onboardProvider, H100, ONE } from "../../helpers/fixture.js";
import { loadCinder, HOUR, DAY, PRICE, KIND, value, feeOf, now, at, nextEpochStart, coveredAfter, loadHooked, asAttacker } from "./fixture.js";

describe("JobMarket attack: griefing refunds and payouts (invariant 8)", function () {
  async function twoLeases() {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const client = c.clients[0];
    for (const p of [p0, p1]) {
      await onboardProvider(c, p, { gpus: 4 });
      await c.registry.connect(p).setOffer(H100, PRICE);
    }
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.jobMarket.connect(client).createDirectLease(p0.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    await c.jobMarket.connect(client).createDirectLease(p1.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    return { c, p0, p1, client, t };
  }

  it("a stranger can neither act on nor take from another's lease, and closing it only credits its owners", async function () {
    const { c, p0, client, t } = await twoLeases();
    const m = c.jobMarket.connect(c.stranger);
    const s = c.stranger.address;
    await expect(m.withdrawAccrued(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider").withArgs(1n, s);
    await expect(m.quit(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider").withArgs(1n, s);
    await expect(m.cancel(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient").withArgs(1n, s);
    await expect(m.extend(1n, HOUR)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient").withArgs(1n, s);
    // Disputes go through the DisputeManager: the market refuses a direct call, and the manager checks the client.
    await expect(m.dispute(1n, s)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager").withArgs(s);
    await expect(c.disputeManager.connect(c.stranger).open(1n))
      .to.be.revertedWithCustomError(c.disputeManager, "DisputeManagerNotClient")
      .withArgs(1n, s, client.address);
    await expect(m.close(1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseNotEnded")
      .withArgs(1n, t + 10n * HOUR);
    await coveredAfter(c, t + 10n * HOUR);
    const v = value(PRICE, 2n, 10n * HOUR);
    const close = m.close(1n);
    await expect(close).to.emit(c.jobMarket, "BalanceCredited").withArgs(p0.address, v - feeOf(v));
    await expect(close).to.changeTokenBalances(c.ethers, c.stablecoin, [c.stranger, c.jobMarket], [0n, 0n]);
    await expect(m.withdrawBalance()).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoBalance").withArgs(s);
    await expect(c.jobMarket.connect(p0).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [p0],
      [v - feeOf(v)],
    );
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(0n);
  });

  it("a jailed or slashed provider cannot hold the client's refund: cancel, close and withdrawBalance still pay", async function () {
    const { c, p0, client, t } = await twoLeases();
    await c.registry.connect(c.slasher).jail(p0.address, t + 30n * DAY);
    await c.vault.connect(c.slasher).executeSlash(p0.address, 400n * ONE, 0, false);
    await at(c, t + HOUR);
    await c.jobMarket.connect(client).cancel(1n);
    const refund = value(PRICE, 2n, 10n * HOUR) - value(PRICE, 2n, 2n * HOUR);
    await expect(c.jobMarket.connect(client).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [refund],
    );
    await at(c, t + 2n * HOUR);
    await expect(c.jobMarket.close(1n)).to.emit(c.jobMarket, "LeaseClosed");
  });

  it("a reverting payout (a blacklisted recipient) blocks only its own provider's withdrawal", async function () {
    const h = await loadHooked();
    const { c, hook, market, client, honest } = h;
    // Lease 1 from the honest provider, lease 2 from the attacker (whose payout is the token contract).
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await market.connect(client).createDirectLease(honest.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    await market.connect(client).createDirectLease(h.hookAddress, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    // Transfers to the honest provider now revert (an unknown selector on the registry, no fallback).
    await hook.setHook(await h.registry.getAddress(), honest.address, "0xdeadbeef");
    await coveredAfter(c, boundary, h.cover);
    await expect(market.connect(honest).withdrawAccrued(1n)).to.be.revertedWithoutReason(c.ethers);

    // Everyone else is unaffected: the client cancels and withdraws its refunds, the other provider is paid.
    await at(c, t + HOUR);
    await market.connect(client).cancel(1n);
    await at(c, t + HOUR + 1n);
    await market.connect(client).cancel(2n);
    const gross = value(PRICE, 2n, boundary - t - 1n); // lease 2 started one second after lease 1; covered to boundary
    await at(c, t + HOUR + 5n);
    await expect(asAttacker(h, "withdrawAccrued", [2n]))
      .to.emit(market, "PaymentReleased")
      .withArgs(2n, h.hookAddress, gross, feeOf(gross));
    const refunds = 2n * (value(PRICE, 2n, 10n * HOUR) - value(PRICE, 2n, 2n * HOUR));
    await expect(market.connect(client).withdrawBalance()).to.changeTokenBalances(c.ethers, hook, [client], [refunds]);
    // close still settles the blocked provider's lease (a credit, not a transfer), once the oracle covers its end.
    await coveredAfter(c, t + 2n * HOUR, h.cover);
    const earned = value(PRICE, 2n, 2n * HOUR);
    await expect(market.close(1n)).to.emit(market, "BalanceCredited").withArgs(honest.address, earned - feeOf(earned));
    // The provider recovers by pointing its payout elsewhere for new releases; its credited balance is its own.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    await expect(market.connect(honest).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      hook,
      [honest],
      [earned - feeOf(earned)],
    );
  });

  it("a client whose address reverts on receipt cannot block the provider's payout or the close", async function () {
    const h = await loadHooked();
    const { c, hook, market, honest } = h;
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await asAttacker(h, "createDirectLease", [honest.address, H100, 2, 3n * HOUR, PRICE, KIND.Lease]);
    await hook.setHook(await h.registry.getAddress(), h.hookAddress, "0xdeadbeef");
    await at(c, t + HOUR);
    await asAttacker(h, "cancel", [1n]);
    await coveredAfter(c, boundary, h.cover);
    const gross = value(PRICE, 2n, boundary - t);
    await expect(market.connect(honest).withdrawAccrued(1n))
      .to.emit(market, "PaymentReleased")
      .withArgs(1n, honest.address, gross, feeOf(gross));
    await coveredAfter(c, t + 2n * HOUR, h.cover);
    const rest = value(PRICE, 2n, 2n * HOUR) - gross;
    await expect(market.close(1n)).to.emit(market, "LeaseClosed").withArgs(1n, rest, 0n);
    await expect(market.connect(honest).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      hook,
      [honest],
      [rest - feeOf(rest)],
    );
    // Only the reverting client's own withdrawal fails.
    await expect(asAttacker(h, "withdrawBalance")).to.be.revertedWithoutReason(c.ethers);
  });

  it("an outbid or ineligible bidder never blocks the order: the runner-up wins, and with neither the client gets the escrow back", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    for (const p of [p0, p1]) await onboardProvider(c, p, { gpus: 4 });
    const client = c.clients[0];
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.leaseAuction.connect(client).postOrder(H100, 2, HOUR, PRICE, 600, KIND.Lease);
    await c.leaseAuction.connect(client).postOrder(H100, 2, HOUR, PRICE, 600, KIND.Lease);
    const escrow = value(PRICE, 2n, HOUR);
    const bidBond = escrow / 10n; // the Standard tier's 10% of the escrow
    for (const id of [1n, 2n]) {
      await c.leaseAuction.connect(p0).bid(id, PRICE);
      await c.leaseAuction.connect(p1).bid(id, PRICE - PRICE / 100n);
    }
    // The best bidder then makes itself ineligible (jailed): its bid bond goes to the client, the runner-up wins.
    await c.registry.connect(c.slasher).jail(p1.address, t + DAY);
    await at(c, t + 600n);
    const first = c.leaseAuction.connect(c.stranger).finalizeAuction(1n);
    await expect(first).to.emit(c.leaseAuction, "OrderFinalized").withArgs(1n, 2n, 1n, 0n);
    await expect(first).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, bidBond, client.address);
    expect((await c.jobMarket.getLease(1n)).provider).to.equal(p0.address);
    // Neither kept bidder can serve order 2: it fails, the escrow goes back and both bid bonds go to the client.
    await c.registry.connect(c.slasher).jail(p0.address, t + DAY);
    await expect(c.leaseAuction.connect(c.stranger).finalizeAuction(2n))
      .to.emit(c.leaseAuction, "OrderFinalized")
      .withArgs(2n, 3n, 0n, escrow);
    await expect(c.jobMarket.connect(client).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [escrow],
    );
    await expect(c.slaBondManager.connect(client).withdraw()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [3n * bidBond],
    );
  });
});
