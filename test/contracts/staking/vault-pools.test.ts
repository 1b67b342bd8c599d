/**
 * StakingVault pools and delegation: the provider's stake, delegations at the pool's share price, the views
 * through a pool's lifecycle and once-only claims (invariant 4). Shared set-up and local parameters: fixture.ts.
 */
import { expect } from "chai";
import {
  at,
  DAY,
  expectDelegation,
  expectDeltas,
  expectPool,
  expectSolvent,
  loadCinder,
  now,
  onboardProvider,
  ONE,
  PRECISION,
  SELF,
  STATUS,
  toAssets,
  toShares,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault.stake", function () {
  it("adds to the provider's self-stake, emits Staked with the new total and pulls the CNDR", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p, { stake: 0n });
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(false);

    const first = c.vault.connect(p).stake(250n * ONE);
    await expect(first).to.emit(c.vault, "Staked").withArgs(p.address, 250n * ONE, 250n * ONE);
    await expectDeltas(c, first, [p, c.vault], [-250n * ONE, 250n * ONE]);

    const second = c.vault.connect(p).stake(150n * ONE);
    await expect(second).to.emit(c.vault, "Staked").withArgs(p.address, 150n * ONE, SELF);
    await expectDeltas(c, second, [p, c.vault], [-150n * ONE, 150n * ONE]);

    await expectPool(c, p.address, { selfActive: SELF, selfPending: 0n, delegatedAssets: 0n });
    expect(await c.vault.activeStake(p.address)).to.equal(SELF);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF);
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(true);
    await expectSolvent(c, [p]);
  });

  it("lets a jailed provider top up its stake", async function () {
    const { c, p } = await withProvider();
    await c.registry.connect(c.slasher).jail(p.address, Number((await now(c)) + DAY));
    expect(await c.registry.statusOf(p.address)).to.equal(STATUS.Jailed);

    const tx = c.vault.connect(p).stake(100n * ONE);
    await expect(tx).to.emit(c.vault, "Staked").withArgs(p.address, 100n * ONE, SELF + 100n * ONE);
    await expectDeltas(c, tx, [p, c.vault], [-100n * ONE, 100n * ONE]);
    await expectSolvent(c, [p]);
  });

  it("reverts StakingVaultZeroAmount for a zero amount", async function () {
    const { c, p } = await withProvider();
    await expect(c.vault.connect(p).stake(0n)).to.be.revertedWithCustomError(c.vault, "StakingVaultZeroAmount");
  });

  it("reverts StakingVaultProviderNotAllowed(account, None) for an unregistered account", async function () {
    const c = await loadCinder();
    await expect(c.vault.connect(c.stranger).stake(ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(c.stranger.address, STATUS.None);
  });

  it("reverts StakingVaultProviderNotAllowed(provider, Exited) for an exited provider", async function () {
    const { c, p } = await withProvider();
    await c.registry.connect(p).exit();
    await expect(c.vault.connect(p).stake(ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(p.address, STATUS.Exited);
  });

  it("reverts EnforcedPause while the guardian has paused the vault", async function () {
    const { c, p } = await withProvider();
    await c.vault.connect(c.guardian).pause();
    await expect(c.vault.connect(p).stake(ONE)).to.be.revertedWithCustomError(c.vault, "EnforcedPause");
  });
});

describe("StakingVault.delegate", function () {
  it("mints shares 1:1 into a fresh pool, emits Delegated and pulls the CNDR", async function () {
    const { c, p, d } = await withProvider();
    expect(await c.vault.connect(d[0]).delegate.staticCall(p.address, 1_000n * ONE)).to.equal(1_000n * ONE);

    const tx = c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await expect(tx).to.emit(c.vault, "Delegated").withArgs(p.address, d[0].address, 1_000n * ONE, 1_000n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault, p], [-1_000n * ONE, 1_000n * ONE, 0n]);

    await expectPool(c, p.address, {
      selfActive: SELF,
      delegatedAssets: 1_000n * ONE,
      delegatedShares: 1_000n * ONE,
      pendingAssets: 0n,
      pendingShares: 0n,
    });
    await expectDelegation(c, p.address, d[0].address, { shares: 1_000n * ONE, pendingShares: 0n, rewards: 0n });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(1_000n * ONE);
    expect(await c.vault.activeStake(p.address)).to.equal(SELF + 1_000n * ONE);
    expect(await c.vault.delegationRoom(p.address)).to.equal(1_000n * ONE);

    // A second delegation by the same account adds to its shares.
    const again = c.vault.connect(d[0]).delegate(p.address, 5n * ONE);
    await expect(again).to.emit(c.vault, "Delegated").withArgs(p.address, d[0].address, 5n * ONE, 5n * ONE);
    await expectDeltas(c, again, [d[0], c.vault], [-5n * ONE, 5n * ONE]);
    await expectDelegation(c, p.address, d[0].address, { shares: 1_005n * ONE });
    await expectSolvent(c, [p]);
  });

  it("mints shares at the pool's price after a slash, so the newcomer's balance is what it paid", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.slasher).executeSlash(p.address, SELF + 500n * ONE, 0, false);
    await expectPool(c, p.address, { selfActive: 0n, delegatedAssets: 500n * ONE, delegatedShares: 1_000n * ONE });
    await c.vault.connect(p).stake(SELF); // the cap needs self-stake again
    const before = await c.vault.delegatedBalance(p.address, d[0].address);
    expect(before).to.equal(500n * ONE);

    const shares = toShares(100n * ONE, 500n * ONE, 1_000n * ONE);
    const tx = c.vault.connect(d[1]).delegate(p.address, 100n * ONE);
    await expect(tx).to.emit(c.vault, "Delegated").withArgs(p.address, d[1].address, 100n * ONE, shares);
    await expectDeltas(c, tx, [d[1], c.vault], [-100n * ONE, 100n * ONE]);
    const balance = await c.vault.delegatedBalance(p.address, d[1].address);
    expect(balance).to.equal(toAssets(shares, 600n * ONE, 1_000n * ONE + shares));
    expect(balance).to.be.within(100n * ONE - 2n, 100n * ONE);
    // The earlier delegator's value did not fall (rounding favours the pool).
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.be.within(before, before + 1n);
    await expectSolvent(c, [p]);
  });

  it("reverts StakingVaultSelfDelegation when the provider delegates to its own pool", async function () {
    const { c, p } = await withProvider();
    await expect(c.vault.connect(p).delegate(p.address, 10n * ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSelfDelegation")
      .withArgs(p.address);
  });

  it("reverts StakingVaultDelegationTooSmall below the minimum delegation", async function () {
    const { c, p, d } = await withProvider();
    await expect(c.vault.connect(d[0]).delegate(p.address, ONE - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationTooSmall")
      .withArgs(ONE - 1n, ONE);
    await expect(c.vault.connect(d[0]).delegate(p.address, 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationTooSmall")
      .withArgs(1n, ONE);
    // Exactly the minimum is accepted.
    await expect(c.vault.connect(d[0]).delegate(p.address, ONE))
      .to.emit(c.vault, "Delegated")
      .withArgs(p.address, d[0].address, ONE, ONE);
  });

  it("reverts StakingVaultDelegationCapExceeded(delegatedAfter, multiple x selfActive)", async function () {
    const { c, p, d } = await withProvider();
    const cap = 5n * SELF;
    await expect(c.vault.connect(d[0]).delegate(p.address, cap + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationCapExceeded")
      .withArgs(cap + 1n, cap);
    const tx = c.vault.connect(d[0]).delegate(p.address, cap);
    await expect(tx).to.emit(c.vault, "Delegated").withArgs(p.address, d[0].address, cap, cap);
    await expectDeltas(c, tx, [d[0], c.vault], [-cap, cap]);
    expect(await c.vault.delegationRoom(p.address)).to.equal(0n);
    await expect(c.vault.connect(d[1]).delegate(p.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationCapExceeded")
      .withArgs(cap + ONE, cap);

    // Governance lowering the multiple shrinks the cap for new delegations.
    await c.vault.connect(c.governance).setDelegationCapMultiple(1);
    expect(await c.vault.delegationRoom(p.address)).to.equal(0n);
    await expect(c.vault.connect(d[1]).delegate(p.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationCapExceeded")
      .withArgs(cap + ONE, SELF);
  });

  it("reverts StakingVaultProviderNotAllowed for an unregistered, jailed or exited provider", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const d = c.delegators;
    await expect(c.vault.connect(d[0]).delegate(c.stranger.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(c.stranger.address, STATUS.None);

    await onboardProvider(c, p0);
    await c.registry.connect(c.slasher).jail(p0.address, Number((await now(c)) + DAY));
    await expect(c.vault.connect(d[0]).delegate(p0.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(p0.address, STATUS.Jailed);

    await onboardProvider(c, p1);
    await c.registry.connect(p1).exit();
    await expect(c.vault.connect(d[0]).delegate(p1.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(p1.address, STATUS.Exited);
  });

  it("reverts EnforcedPause while paused, and works again after unpause", async function () {
    const { c, p, d } = await withProvider();
    await expect(c.vault.connect(c.guardian).pause()).to.emit(c.vault, "Paused").withArgs(c.guardian.address);
    await expect(c.vault.connect(d[0]).delegate(p.address, ONE)).to.be.revertedWithCustomError(
      c.vault,
      "EnforcedPause",
    );
    await expect(c.vault.connect(c.guardian).unpause()).to.emit(c.vault, "Unpaused").withArgs(c.guardian.address);
    const tx = c.vault.connect(d[0]).delegate(p.address, ONE);
    await expect(tx).to.emit(c.vault, "Delegated").withArgs(p.address, d[0].address, ONE, ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [-ONE, ONE]);
  });
});

describe("StakingVault views", function () {
  it("report active, total and sufficient stake, balances, pending withdrawals, rewards and room through a lifecycle", async function () {
    const { c, p, d } = await withProvider();
    expect(await c.registry.requiredStake(p.address)).to.equal(SELF);
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(true);
    expect(await c.vault.delegationRoom(p.address)).to.equal(5n * SELF);
    expect(await c.vault.totalRewardsOwed()).to.equal(0n);

    // The provider's withdrawal request makes its active stake fall short; a delegation covers it again.
    await c.vault.connect(p).requestWithdraw(p.address, 1n);
    expect(await c.vault.activeStake(p.address)).to.equal(SELF - 1n);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF);
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(false);
    expect(await c.vault.delegationRoom(p.address)).to.equal(5n * (SELF - 1n));
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    expect(await c.vault.hasSufficientStake(p.address)).to.equal(true);
    expect(await c.vault.activeStake(p.address)).to.equal(SELF - 1n + 1_000n * ONE);
    expect(await c.vault.delegationRoom(p.address)).to.equal(5n * (SELF - 1n) - 1_000n * ONE);

    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 250n * ONE);
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(750n * ONE);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([250n * ONE, t + UNBONDING]);
    expect(await c.vault.pendingWithdrawal(p.address, d[1].address)).to.deep.equal([0n, 0n]);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF + 1_000n * ONE);

    await c.vault.connect(c.rewarder).notifyReward(p.address, 115n * ONE);
    // 750 active delegated vs 400 - 1 wei self: delegators' part floor(115 * 750 / (1150 - 1 wei)).
    const toDelegators = (115n * ONE * 750n * ONE) / (1_150n * ONE - 1n);
    const index = (toDelegators * PRECISION) / (750n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal((750n * ONE * index) / PRECISION);
    expect(await c.vault.claimableRewards(p.address, p.address)).to.equal(115n * ONE - toDelegators);
    expect(await c.vault.totalRewardsOwed()).to.equal(115n * ONE);

    // The provider withdraws most of its self-stake: the cap falls under what is delegated, so no room.
    await c.vault.connect(p).requestWithdraw(p.address, 300n * ONE);
    expect(await c.vault.delegationRoom(p.address)).to.equal(0n);
    expect(await c.vault.activeStake(p.address)).to.equal(100n * ONE - 1n + 750n * ONE);
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([
      300n * ONE + 1n,
      (await now(c)) + UNBONDING,
    ]);
    await expectSolvent(c, [p], { accounts: [d[0]] });
  });
});

describe("StakingVault: once only (invariant 4)", function () {
  it("pays a reward claim once: the second claim reverts StakingVaultNothingToClaim", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    const tx = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(tx).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, 100n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [100n * ONE, -100n * ONE]);
    await expect(c.vault.connect(d[0]).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, d[0].address);

    const own = c.vault.connect(p).claimRewards(p.address);
    await expect(own).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, p.address, p.address, 40n * ONE);
    await expectDeltas(c, own, [p, c.vault], [40n * ONE, -40n * ONE]);
    await expect(c.vault.connect(p).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, p.address);
    await expectSolvent(c, [p], { accounts: [d[0]] });
  });

  it("pays a withdrawal once: the second claim reverts StakingVaultNothingPending", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 400n * ONE);
    await c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);
    await c.networkHelpers.time.increase(UNBONDING);

    const tx = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(tx).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 400n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [400n * ONE, -400n * ONE]);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, d[0].address);

    const self = c.vault.connect(p).claimWithdraw(p.address);
    await expect(self).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, 100n * ONE);
    await expectDeltas(c, self, [p, c.vault], [100n * ONE, -100n * ONE]);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, p.address);
    await expectSolvent(c, [p]);
  });
});
