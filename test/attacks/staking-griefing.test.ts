/**
 * Griefing PoCs against StakingVault (DESIGN.md invariant 8: no participant can block another's withdrawal or
 * claim). ANCHORS.md pillar 1: Graph TRST-H-3 (an attacker could prevent a delegator from ever withdrawing), OZ
 * M-01 (indexers can prevent delegators from withdrawing in time), the 1,000-entry thaw lists, and Livepeer's
 * pre-LIP-36 claim loops. Cinder keeps one merged pending withdrawal per account and pool (its unlock is fixed
 * when requested and moved only by its owner's own later requests) and a cumulative reward index (a claim is
 * O(1) however many rewards were notified).
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Addressable, ContractTransactionResponse } from "ethers";
import { connectCinder, onboardProvider, ONE, type Cinder } from "../helpers/fixture.js";
import { type Account, type Tx, addressOf, at, expectDeltas, expectSolvent, gasOf, now } from "../helpers/staking.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
const UNBONDING = 14n * DAY;
const SELF = 400n * ONE;
const MAX = 2n ** 256n - 1n;


async function withProvider() {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p);
  return { c, p, d: c.delegators };
}

describe("StakingVault griefing (invariant 8)", function () {
  it("another delegator's delegations, requests, many tiny requests and claims never move your unlock or amount (TRST-H-3)", async function () {
    const { c, p, d } = await withProvider();
    const [victim, attacker] = d;
    await c.vault.connect(victim).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(attacker).delegate(p.address, 900n * ONE);

    // The attacker queues a withdrawal first, the victim two days later.
    const tA = (await now(c)) + 10n;
    await at(c, tA);
    await c.vault.connect(attacker).requestWithdraw(p.address, 100n * ONE);
    const t0 = tA + 2n * DAY;
    await at(c, t0);
    const request = c.vault.connect(victim).requestWithdraw(p.address, 500n * ONE);
    await expect(request)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, victim.address, 500n * ONE, 500n * ONE, t0 + UNBONDING);

    const victimUnchanged = async () => {
      expect(await c.vault.pendingWithdrawal(p.address, victim.address)).to.deep.equal([500n * ONE, t0 + UNBONDING]);
      expect(await c.vault.delegatedBalance(p.address, victim.address)).to.equal(500n * ONE);
      await expectSolvent(c, [p]);
    };

    // The attacker claims its own earlier withdrawal ahead of the victim.
    await at(c, tA + UNBONDING);
    const own = c.vault.connect(attacker).claimWithdraw(p.address);
    await expect(own).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, attacker.address, 100n * ONE);
    await expectDeltas(c, own, [attacker, victim, c.vault], [100n * ONE, 0n, -100n * ONE]);
    await victimUnchanged();

    // Many tiny requests, each merging into the attacker's own single withdrawal.
    for (let i = 0; i < 25; i++) {
      const tx = c.vault.connect(attacker).requestWithdraw(p.address, 1n);
      await expectDeltas(c, tx, [attacker, victim, c.vault], [0n, 0n, 0n]);
      await victimUnchanged();
    }
    expect((await c.vault.getDelegation(p.address, attacker.address)).pendingShares).to.equal(25n);

    // More delegation, then its whole position, then a claim attempt before its own unlock.
    await c.vault.connect(attacker).delegate(p.address, 100n * ONE);
    await victimUnchanged();
    await c.vault.connect(attacker).requestWithdraw(p.address, MAX);
    await victimUnchanged();
    const [, attackerUnlock] = await c.vault.pendingWithdrawal(p.address, attacker.address);
    expect(attackerUnlock).to.be.gt(t0 + UNBONDING);

    // The victim claims on time, exactly what it asked for.
    await at(c, t0 + UNBONDING);
    const claim = c.vault.connect(victim).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, victim.address, 500n * ONE);
    await expectDeltas(c, claim, [victim, attacker, c.vault], [500n * ONE, 0n, -500n * ONE]);
    await expect(c.vault.connect(attacker).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(attackerUnlock, t0 + UNBONDING + 1n);
    await expectSolvent(c, [p]);
  });

  it("the provider, its leases and governance cannot extend a delegator's existing unlock (OZ M-01)", async function () {
    const { c, p, d } = await withProvider();
    const victim = d[0];
    await c.vault.connect(victim).delegate(p.address, 1_000n * ONE);
    const t0 = (await now(c)) + 10n;
    await at(c, t0);
    await c.vault.connect(victim).requestWithdraw(p.address, 500n * ONE);

    // Everything the provider can do, and what its leases and governance can do.
    await c.vault.connect(p).stake(100n * ONE);
    await c.vault.connect(p).requestWithdraw(p.address, 50n * ONE);
    await c.registry.connect(p).setCommission(5_000);
    await c.vault.connect(c.exposure).recordExposure(p.address, 1_000_000n * ONE, t0 + 50n * DAY);
    await c.vault.connect(c.governance).setUnbondingPeriod(60n * DAY);
    await c.vault.connect(c.governance).setExposureTail(59n * DAY);
    await expect(c.vault.connect(p).holdForSlash(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(p.address);
    await expect(c.vault.connect(p).recordExposure(p.address, ONE, t0 + 100n * DAY))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotMarket")
      .withArgs(p.address);

    expect(await c.vault.pendingWithdrawal(p.address, victim.address)).to.deep.equal([500n * ONE, t0 + UNBONDING]);
    await at(c, t0 + UNBONDING);
    const claim = c.vault.connect(victim).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, victim.address, 500n * ONE);
    await expectDeltas(c, claim, [victim, c.vault], [500n * ONE, -500n * ONE]);
    await expectSolvent(c, [p]);
  });

  it("the provider cannot withdraw its delegators' stake or claim their rewards", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 600n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 200n * ONE); // 1,600 : 400 -> 160 : 40

    await expect(c.vault.connect(p).requestWithdraw(p.address, SELF + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(SELF, SELF + 1n);
    await expect(c.vault.connect(p).requestWithdraw(p.address, MAX))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(SELF, MAX);

    await c.vault.connect(p).requestWithdraw(p.address, SELF);
    await c.networkHelpers.time.increase(UNBONDING);
    const out = c.vault.connect(p).claimWithdraw(p.address);
    await expect(out).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, SELF);
    await expectDeltas(c, out, [p, c.vault], [SELF, -SELF]);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, p.address);
    await expect(c.vault.connect(p).requestWithdraw(p.address, 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(0n, 1n);

    const rewards = c.vault.connect(p).claimRewards(p.address);
    await expect(rewards).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, p.address, p.address, 40n * ONE);
    await expectDeltas(c, rewards, [p, c.vault], [40n * ONE, -40n * ONE]);

    // The delegators' stake and rewards are untouched.
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(1_000n * ONE);
    expect(await c.vault.delegatedBalance(p.address, d[1].address)).to.equal(600n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(100n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(60n * ONE);
    await expectSolvent(c, [p]);
  });

  it("a pending slash hold only delays claims, and only the slasher can place one", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 100n * ONE);
    await c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await c.networkHelpers.time.increase(UNBONDING);
    for (const caller of [d[1], p, c.stranger]) {
      await expect(c.vault.connect(caller).holdForSlash(p.address))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
    }
    await c.vault.connect(c.slasher).holdForSlash(p.address);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 1n);
    await c.vault.connect(c.slasher).releaseSlashHold(p.address);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 100n * ONE);
    await expectDeltas(c, claim, [d[0], c.vault], [100n * ONE, -100n * ONE]);
  });

  it("a reward claim costs the same gas after 1 and after 100 notifications (O(1), Livepeer pre-LIP-36)", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 500n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 500n * ONE);
    // Warm up: both delegators have claimed once, so both claims below write the same storage slots the same way.
    await c.vault.connect(c.rewarder).notifyReward(p.address, 70n * ONE);
    await c.vault.connect(d[0]).claimRewards(p.address);
    await c.vault.connect(d[1]).claimRewards(p.address);

    // 70 CNDR: 1,000 delegated vs 400 self -> 50 to delegators, 25 each.
    await c.vault.connect(c.rewarder).notifyReward(p.address, 70n * ONE);
    const afterOne = c.vault.connect(d[0]).claimRewards(p.address);
    await expectDeltas(c, afterOne, [d[0], c.vault], [25n * ONE, -25n * ONE]);
    const gasAfterOne = await gasOf(afterOne);

    for (let i = 0; i < 99; i++) await c.vault.connect(c.rewarder).notifyReward(p.address, 70n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(100n * 25n * ONE);
    const afterHundred = c.vault.connect(d[1]).claimRewards(p.address);
    await expect(afterHundred)
      .to.emit(c.vault, "RewardsClaimed")
      .withArgs(p.address, d[1].address, d[1].address, 100n * 25n * ONE);
    await expectDeltas(c, afterHundred, [d[1], c.vault], [100n * 25n * ONE, -100n * 25n * ONE]);
    const gasAfterHundred = await gasOf(afterHundred);

    expect(gasAfterHundred).to.be.within((gasAfterOne * 95n) / 100n, (gasAfterOne * 105n) / 100n);
    await expectSolvent(c, [p]);
  });

  it("a withdrawal claim costs the same gas however many tiny requests others queued (bounded state)", async function () {
    const { c, p, d } = await withProvider();
    const [v0, v1, attacker] = d;
    await c.vault.connect(v0).delegate(p.address, 500n * ONE);
    await c.vault.connect(v1).delegate(p.address, 500n * ONE);
    await c.vault.connect(attacker).delegate(p.address, 100n * ONE);
    await c.vault.connect(attacker).requestWithdraw(p.address, 1n);
    await c.vault.connect(v0).requestWithdraw(p.address, 200n * ONE);
    await c.vault.connect(v1).requestWithdraw(p.address, 200n * ONE);
    await c.networkHelpers.time.increase(UNBONDING);

    const first = c.vault.connect(v0).claimWithdraw(p.address);
    await expectDeltas(c, first, [v0, c.vault], [200n * ONE, -200n * ONE]);
    const gasFirst = await gasOf(first);

    for (let i = 0; i < 30; i++) await c.vault.connect(attacker).requestWithdraw(p.address, 1n);
    const second = c.vault.connect(v1).claimWithdraw(p.address);
    await expect(second).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, v1.address, 200n * ONE);
    await expectDeltas(c, second, [v1, c.vault], [200n * ONE, -200n * ONE]);
    const gasSecond = await gasOf(second);

    expect(gasSecond).to.be.within((gasFirst * 95n) / 100n, (gasFirst * 105n) / 100n);
    // The attacker holds one merged withdrawal, whatever the number of requests.
    expect((await c.vault.getDelegation(p.address, attacker.address)).pendingShares).to.equal(31n);
    await expectSolvent(c, [p]);
  });

  it("a provider that withdrew its self-stake is not eligible on its delegators' stake alone (cap = multiple x self-stake; Reporters: r < 1/(1+m))", async function () {
    // BUG PoC: the cap on delegations is checked only when delegating. A provider can attract delegations up to
    // the cap, then withdraw all of its own stake: it keeps `hasSufficientStake` on delegators' CNDR alone, and a
    // slash then falls only on delegators, so a self-report's bounty r x slash costs it nothing (the Reporters
    // hardening decision assumes delegated <= m x self-stake). Correct behaviour: delegated stake counts toward the
    // requirement only up to delegationCapMultiple x self-stake.
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 5n * SELF);
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(true);

    await c.vault.connect(p).requestWithdraw(p.address, SELF);
    await c.networkHelpers.time.increase(UNBONDING);
    const out = c.vault.connect(p).claimWithdraw(p.address);
    await expect(out).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, SELF);
    await expectDeltas(c, out, [p, c.vault], [SELF, -SELF]);
    const pool = await c.vault.getPool(p.address);
    expect(pool.selfActive + pool.selfPending).to.equal(0n);
    expect(pool.delegatedAssets).to.equal(5n * SELF);
    expect(await c.vault.delegationRoom(p.address)).to.equal(0n);

    // With no self-stake, no delegated stake counts: the provider must not be eligible for new work.
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(false);
  });
});
