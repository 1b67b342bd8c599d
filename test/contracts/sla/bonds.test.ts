/**
 * SlaBondManager bonds: deposit, withdraw of the free part only, the award's lock, unsettled release and governance,
 * every revert by its custom error.
 */
import { expect } from "chai";
import { AbiCoder, keccak256, toBeHex } from "ethers";
import { H100, onboardProvider, PROVIDER_BOND, USD } from "../../helpers/fixture.js";
import { EPOCH, HOUR, KIND, LATE, leaseAt, lockOf, PRICE, setupOnce, snapshot, tierOf, value } from "./fixture.js";

describe("SlaBondManager bonds", function () {
  it("deposits and withdraws only the free part, with events and token deltas", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const p = s.provider;
    expect(await sla.freeBond(p.address)).to.equal(PROVIDER_BOND);
    const dep = sla.connect(p).deposit(5n * USD);
    await expect(dep).to.emit(sla, "BondDeposited").withArgs(p.address, 5n * USD, PROVIDER_BOND + 5n * USD);
    await expect(dep).to.changeTokenBalances(c.ethers, c.stablecoin, [p, sla], [-5n * USD, 5n * USD]);

    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 10n, 10n);
    const lock = lockOf(10n, l.v);
    expect((await sla.bondOf(p.address)).locked).to.equal(lock);
    const free = PROVIDER_BOND + 5n * USD - lock;
    expect(await sla.freeBond(p.address)).to.equal(free);
    await expect(sla.connect(p).withdrawBond(free + 1n))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(p.address, free, free + 1n);
    const w = sla.connect(p).withdrawBond(free);
    await expect(w).to.emit(sla, "BondWithdrawn").withArgs(p.address, free, lock);
    await expect(w).to.changeTokenBalances(c.ethers, c.stablecoin, [p, sla], [free, -free]);
    expect(await sla.liabilities()).to.equal(await c.stablecoin.balanceOf(await sla.getAddress()));
    await expect(sla.connect(p).deposit(0)).to.be.revertedWithCustomError(sla, "SlaBondManagerZeroAmount");
    await expect(sla.connect(p).withdrawBond(0)).to.be.revertedWithCustomError(sla, "SlaBondManagerZeroAmount");
  });

  it("refuses a deposit that would take a bond past its uint112 slot, naming the total and the bound, and moves nothing", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const p = s.provider;
    // No faucet mints 2^112 units (5.2e27 USD): give the provider that much by writing its ERC20 balance slot
    // (OpenZeppelin's ERC20 keeps _balances at slot 0).
    const max = (1n << 112n) - 1n;
    const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [p.address, 0n]));
    await c.connection.provider.request({ method: "hardhat_setStorageAt", params: [await c.stablecoin.getAddress(), slot, toBeHex(max, 32)] });
    await c.stablecoin.connect(p).approve(await sla.getAddress(), max);
    const held = (await sla.bondOf(p.address)).total;
    const over = max - held + 1n;
    await expect(sla.connect(p).deposit(over)).to.be.revertedWithCustomError(sla, "SlaBondManagerBondTooLarge").withArgs(held + over, max);
    expect((await sla.bondOf(p.address)).total).to.equal(held);
    expect(await c.stablecoin.balanceOf(p.address)).to.equal(max);
    // Up to the bound itself is fine.
    await expect(sla.connect(p).deposit(over - 1n)).to.emit(sla, "BondDeposited").withArgs(p.address, over - 1n, max);
  });

  it("locks the client's tier ratio at award, and an award the free bond cannot back reverts with both numbers", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    for (const [i, client] of s.clients.entries()) {
      const before = await sla.bondOf(s.provider.address);
      const tx = c.jobMarket.connect(client).createDirectLease(s.provider.address, H100, 1, 10n * HOUR, PRICE, KIND.Lease);
      const percent = BigInt(tierOf(i).bondPercent);
      const lock = lockOf(percent, value(1n, 10n * HOUR));
      await expect(tx).to.emit(sla, "BondLocked").withArgs(BigInt(i + 1), s.provider.address, client.address, i, lock);
      const lease = await c.jobMarket.getLease(BigInt(i + 1));
      expect([lease.slaTier, lease.slaBondPercent]).to.deep.equal([BigInt(i), percent]);
      expect((await sla.bondOf(s.provider.address)).locked - before.locked).to.equal(lock);
    }
    // A provider with a small bond: the award needs 10% of 100 hours at 2 USD = 20 USD.
    const poor = c.providers[2];
    await onboardProvider(c, poor, { gpus: 2, bond: 19n * USD });
    await c.registry.connect(poor).setOffer(H100, PRICE);
    await expect(c.jobMarket.connect(s.clients[0]).createDirectLease(poor.address, H100, 1, 100n * HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(poor.address, 19n * USD, 20n * USD);
    // Batch jobs lock nothing.
    await expect(c.jobMarket.connect(s.clients[0]).createDirectLease(poor.address, H100, 1, 100n * HOUR, PRICE, KIND.Batch)).to.not
      .emit(sla, "BondLocked");
    expect((await sla.bondOf(poor.address)).locked).to.equal(0n);
  });

  it("refuses a bid whose bidder's free bond does not cover the order's bid bond (a bid binds its bond)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const poor = c.providers[2];
    await onboardProvider(c, poor, { gpus: 2, bond: USD });
    const client = s.clients[0];
    await c.leaseAuction.connect(client).postOrder(H100, 1, 100n * HOUR, PRICE, 600n, KIND.Lease);
    const orderId = await c.leaseAuction.orderCount();
    // The bid bond: the client's tier (10%) of the order's escrow at its maximum price.
    const bidBond = value(1n, 100n * HOUR) / 10n;
    expect((await c.leaseAuction.getOrder(orderId)).bidBondPercent).to.equal(10n);
    await expect(c.leaseAuction.connect(poor).bid(orderId, PRICE))
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerInsufficientFreeBond")
      .withArgs(poor.address, USD, bidBond);
    expect((await c.slaBondManager.bondOf(poor.address)).locked).to.equal(0n);
  });

  it("moves the lock with extend and cancel, and takes the exit penalty from the unserved part's lock", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[2]; // Enterprise: 30%
    const l = await leaseAt(s, client, s.epoch * EPOCH, 10n);
    const m = c.jobMarket.connect(client);
    await expect(m.extend(l.id, 2n * HOUR))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, s.provider.address, lockOf(30n, l.v), lockOf(30n, value(1n, 12n * HOUR)));
    // Cancel with one hour's notice at the start of hour 3: the lease ends after 3 hours.
    await c.networkHelpers.time.setNextBlockTimestamp(l.start + 2n * HOUR);
    await expect(m.cancel(l.id))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, s.provider.address, lockOf(30n, value(1n, 12n * HOUR)), lockOf(30n, value(1n, 3n * HOUR)));
    expect((await sla.bondOf(s.provider.address)).locked).to.equal(lockOf(30n, value(1n, 3n * HOUR)));

    // Quit: a second lease of 10 hours, quit after 4.
    const q = await leaseAt(s, client, l.start + 3n * HOUR, 10n);
    const before = await snapshot(s, s.provider.address, client.address);
    await c.networkHelpers.time.setNextBlockTimestamp(q.start + 4n * HOUR);
    const unserved = value(1n, 6n * HOUR);
    const freed = lockOf(30n, q.v) - lockOf(30n, value(1n, 4n * HOUR));
    const penalty = (unserved * 1_000n) / 10_000n; // 10% of the unserved value, below the freed lock
    expect(penalty <= freed).to.equal(true);
    const tx = c.jobMarket.connect(s.provider).quit(q.id);
    await expect(tx)
      .to.emit(sla, "ExitPenalized")
      .withArgs(q.id, s.provider.address, client.address, penalty, lockOf(30n, value(1n, 4n * HOUR)));
    await expect(tx).to.emit(sla, "BalanceCredited").withArgs(client.address, penalty);
    const after = await snapshot(s, s.provider.address, client.address);
    expect(before.total - after.total).to.equal(penalty);
    expect(before.locked - after.locked).to.equal(freed);
    expect(after.balance - before.balance).to.equal(penalty);
    const w = sla.connect(client).withdraw();
    await expect(w).to.emit(sla, "BalanceWithdrawn").withArgs(client.address, penalty);
    await expect(w).to.changeTokenBalances(c.ethers, c.stablecoin, [client, sla], [penalty, -penalty]);
    await expect(sla.connect(client).withdraw()).to.be.revertedWithCustomError(sla, "SlaBondManagerNoBalance").withArgs(client.address);
  });

  it("refuses lease hooks from anyone but the JobMarket", async function () {
    const s = await setupOnce();
    const sla = s.c.slaBondManager.connect(s.c.stranger);
    const who = s.c.stranger.address;
    await expect(sla.lockBond(1n, who, who, USD, 0n, who, true)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.adjustLock(1n, who, 10, USD, 2n * USD)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.penalizeExit(1n, who, who, 10, USD, 0n)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.moveBidLock(who, who, USD)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.releaseBidLock(who, USD, who)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
  });
});

describe("SlaBondManager.release", function () {
  it("unlocks an unsettled bond after the lease's end plus the late window and one epoch, once", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 5n, 3n);
    // The last second is in epoch e + 3; reportable until epoch e + 3 + LATE ends; one more epoch to settle.
    const at = (s.epoch + 4n + LATE + 1n) * EPOCH;
    expect(await sla.releasableAt(l.id)).to.equal(at);
    await c.networkHelpers.time.setNextBlockTimestamp(at - 1n);
    await expect(sla.release(l.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerClaimWindowOpen").withArgs(l.id, at);
    const before = await snapshot(s, s.provider.address, s.clients[0].address);
    await c.networkHelpers.time.setNextBlockTimestamp(at);
    await expect(sla.connect(c.stranger).release(l.id)).to.emit(sla, "BondReleased").withArgs(l.id, s.provider.address, lockOf(10n, l.v));
    const after = await snapshot(s, s.provider.address, s.clients[0].address);
    expect(before.locked - after.locked).to.equal(lockOf(10n, l.v));
    expect(after.total).to.equal(before.total);
    await expect(sla.release(l.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(l.id);
    await expect(sla.settle(l.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(l.id);
  });
});

describe("SlaBondManager governance", function () {
  it("sets tiers and parameters within hard bounds, and rejects the rest with the failing value", async function () {
    const s = await setupOnce();
    const sla = s.c.slaBondManager.connect(s.c.governance);
    const ok = { targetPpm: 999_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 40 };
    await expect(sla.setTier(3, ok)).to.emit(sla, "TierSet");
    expect((await sla.getTier(3)).bondPercent).to.equal(40n);
    await s.c.slaBondManager.connect(s.clients[0]).setClientTier(3);
    expect(await sla.clientTier(s.clients[0].address)).to.equal(3n);
    await expect(s.c.slaBondManager.connect(s.clients[0]).setClientTier(4)).to.be.revertedWithCustomError(sla, "SlaBondManagerUnknownTier").withArgs(4n);
    await expect(sla.setTier(8, ok)).to.be.revertedWithCustomError(sla, "SlaBondManagerUnknownTier").withArgs(8n);
    const bad: [Partial<typeof ok>, string, bigint, bigint, bigint][] = [
      [{ targetPpm: 1_000_001 }, "targetPpm", 1_000_001n, 500_000n, 1_000_000n],
      [{ targetPpm: 499_999, midPpm: 499_999, lowPpm: 499_999 }, "targetPpm", 499_999n, 500_000n, 1_000_000n],
      [{ midPpm: 999_001 }, "midPpm", 999_001n, 500_000n, 999_000n],
      [{ lowPpm: 990_001 }, "lowPpm", 990_001n, 500_000n, 990_000n],
      [{ creditBps: 0 }, "creditBps", 0n, 1n, 10_000n],
      [{ midCreditBps: 999 }, "midCreditBps", 999n, 1_000n, 10_000n],
      [{ lowCreditBps: 2_499 }, "lowCreditBps", 2_499n, 2_500n, 10_000n],
      [{ bondPercent: 0 }, "bondPercent", 0n, 1n, 100n],
      [{ bondPercent: 101 }, "bondPercent", 101n, 1n, 100n],
    ];
    for (const [change, name, v, min, max] of bad) {
      await expect(sla.setTier(1, { ...ok, ...change }), name)
        .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
        .withArgs(name, v, min, max);
    }
    await expect(sla.setParams({ exitPenaltyBps: 500, breachFaultThreshold: 5 })).to.emit(sla, "ParamsSet");
    expect((await sla.params()).breachFaultThreshold).to.equal(5n);
    await expect(sla.setParams({ exitPenaltyBps: 10_001, breachFaultThreshold: 5 }))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
      .withArgs("exitPenaltyBps", 10_001n, 0n, 10_000n);
    await expect(sla.setParams({ exitPenaltyBps: 0, breachFaultThreshold: 0 }))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
      .withArgs("breachFaultThreshold", 0n, 1n, 100n);
    await expect(sla.setFaultSink("0x0000000000000000000000000000000000000000"))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerFaultSinkAlreadySet")
      .withArgs(await s.c.slashingManager.getAddress());
  });
});
