/**
 * StakingVault share-class retirement (ShareClassRetirement): a class slashed to zero or to a dust price is
 * retired, its holders keep what it was still worth, and newcomers join a fresh generation at 1:1.
 */
import { expect } from "chai";
import {
  at,
  DAY,
  expectDelegation,
  expectDeltas,
  expectPool,
  expectSlashKept,
  expectSolvent,
  MAX,
  now,
  ONE,
  SELF,
  toAssets,
  toShares,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault: share-class retirement", function () {
  it("retires a class slashed to zero: old shares void, earlier rewards still claimable, newcomers at 1:1", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 600n * ONE);
    // 150 CNDR: 1,600 delegated vs 400 self -> 120 to delegators (75 and 45), 30 to the provider.
    await c.vault.connect(c.rewarder).notifyReward(p.address, 150n * ONE);
    await c.vault.connect(d[1]).requestWithdraw(p.address, MAX);
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });

    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 10_000n * ONE, 0, false);
    await expect(tx).to.emit(c.vault, "ShareClassRetired").withArgs(p.address, false, 1n, 0n);
    await expect(tx).to.emit(c.vault, "ShareClassRetired").withArgs(p.address, true, 1n, 0n);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 10_000n * ONE, 2_000n * ONE, SELF, 1_000n * ONE, 600n * ONE, await c.vault.getAddress());
    await expectSlashKept(c, tx, 2_000n * ONE);
    await expectPool(c, p.address, {
      selfActive: 0n,
      selfPending: 0n,
      delegatedAssets: 0n,
      delegatedShares: 0n,
      pendingAssets: 0n,
      pendingShares: 0n,
      generation: 1n,
      pendingGeneration: 1n,
    });
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });

    // Old shares are retired; nothing is left to withdraw. The retired pending claim is worth nothing.
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(0n);
    const [, d1Unlock] = await c.vault.pendingWithdrawal(p.address, d[1].address);
    expect(await c.vault.pendingWithdrawal(p.address, d[1].address)).to.deep.equal([0n, d1Unlock]);
    expect(await c.vault.totalRetiredPending()).to.equal(0n);
    await expect(c.vault.connect(d[0]).requestWithdraw(p.address, MAX))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(0n, MAX);
    await c.networkHelpers.time.increase(UNBONDING);
    const empty = c.vault.connect(d[1]).claimWithdraw(p.address);
    await expect(empty).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[1].address, 0n);
    await expectDeltas(c, empty, [d[1], c.vault], [0n, 0n]);
    await expect(c.vault.connect(d[1]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, d[1].address);

    // Rewards earned before the closure stay claimable.
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(75n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(45n * ONE);
    expect(await c.vault.claimableRewards(p.address, p.address)).to.equal(30n * ONE);
    for (const [who, amount] of [
      [d[0], 75n * ONE],
      [d[1], 45n * ONE],
    ] as const) {
      const claim = c.vault.connect(who).claimRewards(p.address);
      await expect(claim).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, who.address, who.address, amount);
      await expectDeltas(c, claim, [who, c.vault], [amount, -amount]);
    }
    await expect(c.vault.connect(p).claimRewards(p.address))
      .to.emit(c.vault, "RewardsClaimed")
      .withArgs(p.address, p.address, p.address, 30n * ONE);
    expect(await c.vault.totalRewardsOwed()).to.equal(0n);

    // A fresh start: the provider stakes again; a new delegator and a returning one get 1:1 shares.
    await c.vault.connect(p).stake(SELF);
    const fresh = c.vault.connect(d[2]).delegate(p.address, 100n * ONE);
    await expect(fresh).to.emit(c.vault, "Delegated").withArgs(p.address, d[2].address, 100n * ONE, 100n * ONE);
    await expectDeltas(c, fresh, [d[2], c.vault], [-100n * ONE, 100n * ONE]);
    const back = c.vault.connect(d[0]).delegate(p.address, 50n * ONE);
    await expect(back).to.emit(c.vault, "Delegated").withArgs(p.address, d[0].address, 50n * ONE, 50n * ONE);
    await expectDeltas(c, back, [d[0], c.vault], [-50n * ONE, 50n * ONE]);
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(50n * ONE);
    expect(await c.vault.delegatedBalance(p.address, d[2].address)).to.equal(100n * ONE);
    await expectDelegation(c, p.address, d[0].address, { shares: 50n * ONE, generation: 1n });
    // New rewards reach only the new generation.
    await c.vault.connect(c.rewarder).notifyReward(p.address, 55n * ONE); // 150 delegated vs 400 self -> 15
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(5n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[2].address)).to.equal(10n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(0n);
    await expectSolvent(c, [p], { accounts: [d[0], d[1], d[2]] });
  });

  it("keeps a dust-priced active class live after a slash and retires it before the next deposit, crediting its remainder as rewards", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const dust = 10n ** 11n; // 1e11 wei under 1e21 shares: below the entry price of 1e-6 CNDR per share
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 1_400n * ONE - dust, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 1_400n * ONE - dust, 1_400n * ONE - dust, SELF, 1_000n * ONE - dust, 0n, await c.vault.getAddress());
    await expect(tx).not.to.emit(c.vault, "ShareClassRetired");
    await expectSlashKept(c, tx, (1_400n * ONE - dust));
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(
      toAssets(1_000n * ONE, dust, 1_000n * ONE),
    );
    await expectSolvent(c, [p], { accounts: [d[0]] });

    // A newcomer does not join at the dust price: the class is retired first and the newcomer mints 1:1.
    await c.vault.connect(p).stake(SELF);
    const join = c.vault.connect(d[1]).delegate(p.address, 100n * ONE);
    await expect(join).to.emit(c.vault, "ShareClassRetired").withArgs(p.address, false, 1n, dust);
    await expect(join).to.emit(c.vault, "Delegated").withArgs(p.address, d[1].address, 100n * ONE, 100n * ONE);
    await expectDeltas(c, join, [d[1], c.vault], [-100n * ONE, 100n * ONE]);
    await expectPool(c, p.address, { delegatedAssets: 100n * ONE, delegatedShares: 100n * ONE, generation: 1n });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(0n);
    expect(await c.vault.delegatedBalance(p.address, d[1].address)).to.equal(100n * ONE);
    // What the old shares were still worth is the old holder's, as rewards.
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(dust);
    expect(await c.vault.totalRewardsOwed()).to.equal(dust);
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });
    const claim = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(claim).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, dust);
    await expectDeltas(c, claim, [d[0], c.vault], [dust, -dust]);
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });
  });

  it("retires a dust-priced pending class before a new request; its holders claim what it held at their own unlock", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 500n * ONE);
    const t0 = (await now(c)) + 10n;
    await at(c, t0);
    await c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await at(c, t0 + 1n);
    await c.vault.connect(d[1]).requestWithdraw(p.address, 500n * ONE);
    // Leave 150 wei in the pending class under 1,500e18 shares.
    const left = 150n;
    await c.vault.connect(c.slasher).executeSlash(p.address, SELF + 1_500n * ONE - left, 0, false);
    await expectPool(c, p.address, { pendingAssets: left, pendingShares: 1_500n * ONE, delegatedShares: 0n });
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([
      toAssets(1_000n * ONE, left, 1_500n * ONE),
      t0 + UNBONDING,
    ]);

    // A new request does not mint into the dust-priced class: it is retired with its 150 wei.
    await c.vault.connect(p).stake(SELF);
    await c.vault.connect(d[2]).delegate(p.address, 10n * ONE);
    const t1 = t0 + DAY;
    await at(c, t1);
    const tx = c.vault.connect(d[2]).requestWithdraw(p.address, 10n * ONE);
    await expect(tx).to.emit(c.vault, "ShareClassRetired").withArgs(p.address, true, 1n, left);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[2].address, 10n * ONE, 10n * ONE, t1 + UNBONDING);
    await expectDeltas(c, tx, [d[2], c.vault], [0n, 0n]);
    expect(await c.vault.totalRetiredPending()).to.equal(left);
    await expectPool(c, p.address, { pendingAssets: 10n * ONE, pendingShares: 10n * ONE, pendingGeneration: 1n });
    // The retired holders keep their claims (100 and 50 wei) and their unlock times.
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([100n, t0 + UNBONDING]);
    expect(await c.vault.pendingWithdrawal(p.address, d[1].address)).to.deep.equal([50n, t0 + 1n + UNBONDING]);
    await expectSolvent(c, [p]);

    await at(c, t0 + UNBONDING);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 100n);
    await expectDeltas(c, claim, [d[0], c.vault], [100n, -100n]);
    expect(await c.vault.totalRetiredPending()).to.equal(50n);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, d[0].address);

    // A new request by a retired holder takes its retired claim along (it stays slashable until claimed).
    await c.vault.connect(d[1]).delegate(p.address, 5n * ONE);
    const t2 = t0 + UNBONDING + DAY;
    await at(c, t2);
    const merge = c.vault.connect(d[1]).requestWithdraw(p.address, 5n * ONE);
    const minted = toShares(5n * ONE + 50n, 10n * ONE, 10n * ONE);
    await expect(merge)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[1].address, 5n * ONE + 50n, minted, t2 + UNBONDING);
    await expectDeltas(c, merge, [d[1], c.vault], [0n, 0n]);
    expect(await c.vault.totalRetiredPending()).to.equal(0n);
    await expectPool(c, p.address, { pendingAssets: 15n * ONE + 50n, pendingShares: 10n * ONE + minted });
    await expectSolvent(c, [p]);
  });
});
