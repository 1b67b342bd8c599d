/**
 * StakingVault rewards (PoolRewards): funding through the EmissionController, the commission, the
 * reward-per-share index and claims by the provider (to its payout address) and delegators.
 */
import { expect } from "chai";
import {
  expectDelegation,
  expectDeltas,
  expectPool,
  expectSolvent,
  MAX,
  ONE,
  PRECISION,
  STATUS,
  withProvider,
} from "./fixture.js";

describe("StakingVault.notifyReward", function () {
  it("takes a 10% commission first, then shares the rest pro rata between self-stake and delegators", async function () {
    const { c, p, d } = await withProvider({ commissionBps: 1_000 });
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 600n * ONE);

    // 100 CNDR: commission 10; the other 90 split 400 : 1,600 -> 18 to self-stake, 72 to delegators.
    const index = (72n * ONE * PRECISION) / (1_600n * ONE);
    expect(index).to.equal(45n * 10n ** 33n);
    const tx = c.vault.connect(c.rewarder).notifyReward(p.address, 100n * ONE);
    await expect(tx)
      .to.emit(c.vault, "RewardNotified")
      .withArgs(p.address, 100n * ONE, 10n * ONE, 72n * ONE, index);
    await expectDeltas(c, tx, [c.rewarder, c.vault], [-100n * ONE, 100n * ONE]);

    await expectPool(c, p.address, { rewardPerShare: index, providerRewards: 28n * ONE });
    expect(await c.vault.claimableRewards(p.address, p.address)).to.equal(28n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(45n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(27n * ONE);
    expect(await c.vault.totalRewardsOwed()).to.equal(100n * ONE);
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });

    // Each claims exactly its part; the provider's goes to its payout address.
    for (const [who, amount] of [
      [d[0], 45n * ONE],
      [d[1], 27n * ONE],
    ] as const) {
      const claim = c.vault.connect(who).claimRewards(p.address);
      await expect(claim).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, who.address, who.address, amount);
      await expectDeltas(c, claim, [who, c.vault], [amount, -amount]);
    }
    const own = c.vault.connect(p).claimRewards(p.address);
    await expect(own).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, p.address, p.address, 28n * ONE);
    await expectDeltas(c, own, [p, c.vault], [28n * ONE, -28n * ONE]);
    expect(await c.vault.totalRewardsOwed()).to.equal(0n);
    await expectSolvent(c, [p], { accounts: [d[0], d[1]] });
  });

  it("gives everything to the provider when its pool has no delegators", async function () {
    const { c, p } = await withProvider({ commissionBps: 1_000 });
    const tx = c.vault.connect(c.rewarder).notifyReward(p.address, 7n * ONE + 3n);
    await expect(tx)
      .to.emit(c.vault, "RewardNotified")
      .withArgs(p.address, 7n * ONE + 3n, (7n * ONE + 3n) / 10n, 0n, 0n);
    await expectDeltas(c, tx, [c.rewarder, c.vault], [-(7n * ONE + 3n), 7n * ONE + 3n]);
    expect(await c.vault.claimableRewards(p.address, p.address)).to.equal(7n * ONE + 3n);
    await expectSolvent(c, [p]);
  });

  it("pays nothing to stake in the pending-withdrawal class", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).requestWithdraw(p.address, MAX);
    // 140 CNDR, no commission: 1,000 active delegated vs 400 self -> 100 to delegators, 40 to the provider.
    const tx = c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    await expect(tx)
      .to.emit(c.vault, "RewardNotified")
      .withArgs(p.address, 140n * ONE, 0n, 100n * ONE, 10n ** 35n);
    await expectDeltas(c, tx, [c.rewarder, c.vault], [-140n * ONE, 140n * ONE]);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(100n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[1].address)).to.equal(0n);
    expect(await c.vault.claimableRewards(p.address, p.address)).to.equal(40n * ONE);
    await expect(c.vault.connect(d[1]).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, d[1].address);
  });

  it("reverts StakingVaultNotEmissionController for anyone but the wired EmissionController, governance included", async function () {
    const { c, p, d } = await withProvider();
    for (const caller of [c.stranger, p, d[0], c.slasher, c.governance]) {
      await expect(c.vault.connect(caller).notifyReward(p.address, ONE))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotEmissionController")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).streamReward(p.address, ONE, 3_600))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotEmissionController")
        .withArgs(caller.address);
    }
  });

  it("reverts StakingVaultZeroAmount and StakingVaultProviderNotAllowed(unregistered, None)", async function () {
    const { c, p } = await withProvider();
    await expect(c.vault.connect(c.rewarder).notifyReward(p.address, 0n)).to.be.revertedWithCustomError(
      c.vault,
      "StakingVaultZeroAmount",
    );
    await expect(c.vault.connect(c.rewarder).notifyReward(c.stranger.address, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultProviderNotAllowed")
      .withArgs(c.stranger.address, STATUS.None);
  });
});

describe("StakingVault.claimRewards", function () {
  it("sends the provider's rewards to its payout address, not the operator", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE); // 100 delegators, 40 provider
    const payout = c.stranger;
    await c.registry.connect(p).setPayout(payout.address);

    const tx = c.vault.connect(p).claimRewards(p.address);
    await expect(tx).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, p.address, payout.address, 40n * ONE);
    await expectDeltas(c, tx, [p, payout, c.vault], [0n, 40n * ONE, -40n * ONE]);
    await expectPool(c, p.address, { providerRewards: 0n });
    expect(await c.vault.totalRewardsOwed()).to.equal(100n * ONE);
    await expectSolvent(c, [p], { accounts: [d[0]] });
  });

  it("pays a delegator its settled rewards and keeps accruing afterwards", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    const first = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(first).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, 100n * ONE);
    await expectDeltas(c, first, [d[0], c.vault], [100n * ONE, -100n * ONE]);
    await expectDelegation(c, p.address, d[0].address, { rewards: 0n, rewardPerSharePaid: 10n ** 35n });

    await c.vault.connect(c.rewarder).notifyReward(p.address, 70n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(50n * ONE);
    const second = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(second).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, 50n * ONE);
    await expectDeltas(c, second, [d[0], c.vault], [50n * ONE, -50n * ONE]);
    await expectSolvent(c, [p], { accounts: [d[0]] });
  });

  it("keeps rewards earned before a withdrawal request claimable", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    await c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await expectDelegation(c, p.address, d[0].address, { rewards: 100n * ONE, shares: 0n });
    await c.vault.connect(c.rewarder).notifyReward(p.address, 10n * ONE); // all to the provider now
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(100n * ONE);
    const tx = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(tx).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, 100n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [100n * ONE, -100n * ONE]);
  });

  it("reverts StakingVaultNothingToClaim for a delegator or provider with nothing owed", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 10n * ONE);
    await expect(c.vault.connect(d[0]).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, d[0].address);
    await expect(c.vault.connect(p).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, p.address);
    await expect(c.vault.connect(c.stranger).claimRewards(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
      .withArgs(p.address, c.stranger.address);
  });

  it("is never paused", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    await c.vault.connect(c.guardian).pause();
    const tx = c.vault.connect(d[0]).claimRewards(p.address);
    await expect(tx).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, d[0].address, d[0].address, 100n * ONE);
    await expectDeltas(c, tx, [d[0], c.vault], [100n * ONE, -100n * ONE]);
  });
});
