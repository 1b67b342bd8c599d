/**
 * StakingVault tranches and unbonding: a withdrawal moves stake into the provider's pending self-withdrawal or
 * the delegated pending class, and is claimed after the unbonding period (exposure locks: vault-exposure.test.ts).
 */
import { expect } from "chai";
import {
  at,
  DAY,
  expectDelegation,
  expectDeltas,
  expectPool,
  expectSolvent,
  MAX,
  now,
  ONE,
  SELF,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault.requestWithdraw", function () {
  it("moves part of the provider's self-stake to its pending withdrawal, unlocking after the unbonding period", async function () {
    const { c, p } = await withProvider();
    const t = (await now(c)) + 100n;
    await at(c, t);
    const tx = c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 100n * ONE, 0n, t + UNBONDING);
    await expectDeltas(c, tx, [p, c.vault], [0n, 0n]);
    await expectPool(c, p.address, { selfActive: 300n * ONE, selfPending: 100n * ONE, selfUnlockAt: t + UNBONDING });
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([100n * ONE, t + UNBONDING]);
    expect(await c.vault.activeStake(p.address)).to.equal(300n * ONE);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF); // still slashable
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(false);
    await expectSolvent(c, [p]);
  });

  it("lets the provider withdraw all of its self-stake but not a wei more (type(uint256).max is not special for it)", async function () {
    const { c, p } = await withProvider();
    await expect(c.vault.connect(p).requestWithdraw(p.address, SELF + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(SELF, SELF + 1n);
    await expect(c.vault.connect(p).requestWithdraw(p.address, MAX))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(SELF, MAX);
    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.vault.connect(p).requestWithdraw(p.address, SELF);
    await expect(tx).to.emit(c.vault, "WithdrawRequested").withArgs(p.address, p.address, SELF, 0n, t + UNBONDING);
    await expectDeltas(c, tx, [p, c.vault], [0n, 0n]);
    await expectPool(c, p.address, { selfActive: 0n, selfPending: SELF });
  });

  it("moves part of a delegation into the pending class and keeps the rest active", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t = (await now(c)) + 50n;
    await at(c, t);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, 300n * ONE);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 300n * ONE, 300n * ONE, t + UNBONDING);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    await expectPool(c, p.address, {
      delegatedAssets: 700n * ONE,
      delegatedShares: 700n * ONE,
      pendingAssets: 300n * ONE,
      pendingShares: 300n * ONE,
    });
    await expectDelegation(c, p.address, d[0].address, {
      shares: 700n * ONE,
      pendingShares: 300n * ONE,
      unlockAt: t + UNBONDING,
    });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(700n * ONE);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([300n * ONE, t + UNBONDING]);
    expect(await c.vault.activeStake(p.address)).to.equal(SELF + 700n * ONE);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF + 1_000n * ONE);
    await expectSolvent(c, [p]);
  });

  it("withdraws a delegator's whole position with type(uint256).max and returns the unlock time", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t = (await now(c)) + 10n;
    await at(c, t);
    expect(
      await c.vault.connect(d[0]).requestWithdraw.staticCall(p.address, MAX, { blockTag: "pending" }),
    ).to.equal(t + UNBONDING);
    await at(c, t);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 1_000n * ONE, 1_000n * ONE, t + UNBONDING);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    await expectDelegation(c, p.address, d[0].address, { shares: 0n, pendingShares: 1_000n * ONE });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(0n);
    await expectPool(c, p.address, { delegatedAssets: 0n, delegatedShares: 0n, pendingAssets: 1_000n * ONE });
  });

  it("reverts StakingVaultInsufficientStake(available, requested) above the delegator's active stake", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await expect(c.vault.connect(d[0]).requestWithdraw(p.address, 1_000n * ONE + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(1_000n * ONE, 1_000n * ONE + 1n);
    // An account with no delegation has nothing to withdraw, even with type(uint256).max.
    await expect(c.vault.connect(d[1]).requestWithdraw(p.address, MAX))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(0n, MAX);
    await expect(c.vault.connect(d[1]).requestWithdraw(p.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientStake")
      .withArgs(0n, ONE);
  });

  it("reverts StakingVaultZeroAmount for a zero amount", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 10n * ONE);
    await expect(c.vault.connect(d[0]).requestWithdraw(p.address, 0n)).to.be.revertedWithCustomError(
      c.vault,
      "StakingVaultZeroAmount",
    );
    await expect(c.vault.connect(p).requestWithdraw(p.address, 0n)).to.be.revertedWithCustomError(
      c.vault,
      "StakingVaultZeroAmount",
    );
  });

  it("merges a second request into one pending withdrawal that unlocks at the later time", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t1 = (await now(c)) + 10n;
    await at(c, t1);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 100n * ONE);

    const t2 = t1 + 5n * DAY;
    await at(c, t2);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, 200n * ONE);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 200n * ONE, 200n * ONE, t2 + UNBONDING);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([300n * ONE, t2 + UNBONDING]);
    await expectDelegation(c, p.address, d[0].address, { pendingShares: 300n * ONE, unlockAt: t2 + UNBONDING });
  });

  it("keeps the earlier unlock when a merged request would unlock sooner (the latest unlock wins)", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t1 = (await now(c)) + 10n;
    await at(c, t1);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 100n * ONE);
    // Governance shortens the unbonding period: a new request alone would unlock before the first one.
    await c.vault.connect(c.governance).setUnbondingPeriod(8n * DAY);
    const t2 = t1 + DAY;
    await at(c, t2);
    expect(t2 + 8n * DAY).to.be.lt(t1 + UNBONDING);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, 50n * ONE);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 50n * ONE, 50n * ONE, t1 + UNBONDING);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([150n * ONE, t1 + UNBONDING]);

    // The provider's own pending withdrawal merges the same way.
    const t3 = t2 + 10n;
    await at(c, t3);
    await c.vault.connect(p).requestWithdraw(p.address, 10n * ONE);
    const t4 = t3 + 3n * DAY;
    await at(c, t4);
    await expect(c.vault.connect(p).requestWithdraw(p.address, 20n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 20n * ONE, 0n, t4 + 8n * DAY);
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([30n * ONE, t4 + 8n * DAY]);
  });

  it("is never paused: a request and its claim go through while the vault is paused", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 100n * ONE);
    await c.vault.connect(c.guardian).pause();
    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 100n * ONE, 100n * ONE, t + UNBONDING);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    await at(c, t + 1n);
    await expect(c.vault.connect(p).requestWithdraw(p.address, SELF))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, SELF, 0n, t + 1n + UNBONDING);
    await at(c, t + 1n + UNBONDING);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 100n * ONE);
    await expectDeltas(c, claim, [d[0], c.vault], [100n * ONE, -100n * ONE]);
    const self = c.vault.connect(p).claimWithdraw(p.address);
    await expect(self).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, SELF);
    await expectDeltas(c, self, [p, c.vault], [SELF, -SELF]);
    expect(await c.vault.paused()).to.equal(true);
    await expectSolvent(c, [p]);
  });
});

describe("StakingVault.claimWithdraw", function () {
  it("pays a delegator's pending withdrawal exactly at its unlock time and clears it", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 300n * ONE);

    await at(c, t + UNBONDING);
    expect(await c.vault.connect(d[0]).claimWithdraw.staticCall(p.address, { blockTag: "pending" })).to.equal(
      300n * ONE,
    );
    await at(c, t + UNBONDING);
    const tx = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(tx).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 300n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [300n * ONE, -300n * ONE]);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([0n, 0n]);
    await expectPool(c, p.address, { pendingAssets: 0n, pendingShares: 0n, delegatedAssets: 700n * ONE });
    await expectDelegation(c, p.address, d[0].address, { pendingShares: 0n, shares: 700n * ONE });
    await expectSolvent(c, [p]);
  });

  it("pays the provider's pending self-withdrawal to the provider", async function () {
    const { c, p } = await withProvider();
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.vault.connect(p).requestWithdraw(p.address, 150n * ONE);
    await at(c, t + UNBONDING);
    const tx = c.vault.connect(p).claimWithdraw(p.address);
    await expect(tx).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, 150n * ONE);
    await expectDeltas(c, tx, [p, c.vault], [150n * ONE, -150n * ONE]);
    await expectPool(c, p.address, { selfActive: 250n * ONE, selfPending: 0n });
    await expectSolvent(c, [p]);
  });

  it("reverts StakingVaultStillUnbonding(unlockAt, now) one second early, for delegators and the provider", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 300n * ONE);
    await at(c, t + 1n);
    await c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);

    await at(c, t + UNBONDING - 1n);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(t + UNBONDING, t + UNBONDING - 1n);
    await at(c, t + UNBONDING);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(t + 1n + UNBONDING, t + UNBONDING);
  });

  it("reverts StakingVaultNothingPending for an account with no pending withdrawal", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 10n * ONE);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, d[0].address);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, p.address);
    await expect(c.vault.connect(c.stranger).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, c.stranger.address);
  });

  it("reverts StakingVaultSlashPending(provider, holds) while the slasher holds a slash, and pays after release", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 400n * ONE);
    await c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);
    await c.networkHelpers.time.increase(UNBONDING + 1n);

    await c.vault.connect(c.slasher).holdForSlash(p.address);
    await c.vault.connect(c.slasher).holdForSlash(p.address);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 2n);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 2n);

    await c.vault.connect(c.slasher).releaseSlashHold(p.address);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 1n);
    await c.vault.connect(c.slasher).releaseSlashHold(p.address);

    const tx = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(tx).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 400n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [400n * ONE, -400n * ONE]);
    const self = c.vault.connect(p).claimWithdraw(p.address);
    await expect(self).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, 100n * ONE);
    await expectDeltas(c, self, [p, c.vault], [100n * ONE, -100n * ONE]);
    await expectSolvent(c, [p]);
  });
});
