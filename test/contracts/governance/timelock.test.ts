/**
 * CinderTimelock's delay (changed only by the timelock itself, within [floor, maximum]) and the guardian: it pauses
 * and unpauses, and can do nothing else; a pause never blocks exits or oracle attestations.
 */
import { expect } from "chai";
import { CinderTimelock__factory } from "../../../types/ethers-contracts/index.js";
import { H100, ONE, onboardProvider, type Cinder } from "../../helpers/fixture.js";
import { buildProposal, DAY, execute, loadCinder, passAndQueue, TIMELOCK_DELAY } from "./fixture.js";

describe("CinderTimelock.updateDelay", function () {
  const MAX_DELAY = 30n * DAY;

  it("changes the delay when the timelock calls itself", async function () {
    const c = await loadCinder();
    await expect(c.timelock.connect(c.governance).updateDelay(2n * DAY))
      .to.emit(c.timelock, "MinDelayChange")
      .withArgs(TIMELOCK_DELAY, 2n * DAY);
    expect(await c.timelock.getMinDelay()).to.equal(2n * DAY);
    await c.timelock.connect(c.governance).updateDelay(TIMELOCK_DELAY);
    await c.timelock.connect(c.governance).updateDelay(MAX_DELAY);
    expect(await c.timelock.getMinDelay()).to.equal(MAX_DELAY);
  });

  it("changes the delay through a proposal", async function () {
    const c = await loadCinder();
    const p = await buildProposal(
      c,
      [{ target: c.timelock, data: c.timelock.interface.encodeFunctionData("updateDelay", [2n * DAY]) }],
      "Two-day timelock",
    );
    await passAndQueue(c, [p]);
    await expect(execute(c, p)).to.emit(c.timelock, "MinDelayChange").withArgs(TIMELOCK_DELAY, 2n * DAY);
    expect(await c.timelock.getMinDelay()).to.equal(2n * DAY);
  });

  it("rejects any other caller with TimelockUnauthorizedCaller", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.guardian, c.deployer]) {
      await expect(c.timelock.connect(caller).updateDelay(2n * DAY))
        .to.be.revertedWithCustomError(c.timelock, "TimelockUnauthorizedCaller")
        .withArgs(caller.address);
    }
    expect(await c.timelock.getMinDelay()).to.equal(TIMELOCK_DELAY);
  });

  it("rejects a delay below the floor or above the maximum with CinderTimelockDelayOutOfBounds", async function () {
    const c = await loadCinder();
    expect(await c.timelock.MIN_DELAY_FLOOR()).to.equal(TIMELOCK_DELAY);
    await expect(c.timelock.connect(c.governance).updateDelay(TIMELOCK_DELAY - 1n))
      .to.be.revertedWithCustomError(c.timelock, "CinderTimelockDelayOutOfBounds")
      .withArgs(TIMELOCK_DELAY - 1n, TIMELOCK_DELAY, MAX_DELAY);
    await expect(c.timelock.connect(c.governance).updateDelay(MAX_DELAY + 1n))
      .to.be.revertedWithCustomError(c.timelock, "CinderTimelockDelayOutOfBounds")
      .withArgs(MAX_DELAY + 1n, TIMELOCK_DELAY, MAX_DELAY);
    expect(await c.timelock.getMinDelay()).to.equal(TIMELOCK_DELAY);
  });

  it("rejects constructor delays outside [floor, maximum]", async function () {
    const c = await loadCinder();
    const factory = new CinderTimelock__factory(c.deployer);
    const open = [c.ethers.ZeroAddress];
    await expect(factory.deploy(DAY - 1n, DAY, [], open, c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(factory, "CinderTimelockDelayOutOfBounds")
      .withArgs(DAY - 1n, DAY, MAX_DELAY);
    await expect(factory.deploy(MAX_DELAY + 1n, 0n, [], open, c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(factory, "CinderTimelockDelayOutOfBounds")
      .withArgs(MAX_DELAY + 1n, 0n, MAX_DELAY);
    const timelock = await factory.deploy(2n * DAY, DAY, [], open, c.ethers.ZeroAddress);
    expect(await timelock.getMinDelay()).to.equal(2n * DAY);
    expect(await timelock.MIN_DELAY_FLOOR()).to.equal(DAY);
  });
});

describe("Guardian", function () {
  /** Provider 0 onboarded with two H100s and an offer, delegator 0 delegating to it, and a reward notified. */
  async function withStake(c: Cinder) {
    const provider = c.providers[0];
    const delegator = c.delegators[0];
    await onboardProvider(c, provider);
    await c.registry.connect(provider).setOffer(H100, 2_000_000n);
    const delegated = 500n * ONE;
    await c.vault.connect(delegator).delegate(provider.address, delegated);
    await c.vault.connect(c.rewarder).notifyReward(provider.address, 90n * ONE);
    return { provider, delegator, delegated };
  }

  it("pauses and unpauses the registry and the vault", async function () {
    const c = await loadCinder();
    await expect(c.registry.connect(c.guardian).pause()).to.emit(c.registry, "Paused").withArgs(c.guardian.address);
    await expect(c.vault.connect(c.guardian).pause()).to.emit(c.vault, "Paused").withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(true);
    expect(await c.vault.paused()).to.equal(true);
    await expect(c.registry.connect(c.guardian).unpause())
      .to.emit(c.registry, "Unpaused")
      .withArgs(c.guardian.address);
    await expect(c.vault.connect(c.guardian).unpause()).to.emit(c.vault, "Unpaused").withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(false);
    expect(await c.vault.paused()).to.equal(false);
  });

  it("lets governance pause too, but no stranger", async function () {
    const c = await loadCinder();
    await expect(c.vault.connect(c.governance).pause()).to.emit(c.vault, "Paused").withArgs(c.governance.address);
    for (const target of [c.registry, c.vault]) {
      await expect(target.connect(c.stranger).pause())
        .to.be.revertedWithCustomError(target, "AccessManagedUnauthorized")
        .withArgs(c.stranger.address);
    }
    await expect(c.vault.connect(c.stranger).unpause())
      .to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
  });

  it("cannot call any governance setter", async function () {
    const c = await loadCinder();
    const g = c.guardian;
    const calls: [typeof c.registry | typeof c.vault, () => Promise<unknown>][] = [
      [c.registry, () => c.registry.connect(g).setModelClass(H100, ONE, false)],
      [c.registry, () => c.registry.connect(g).setCommissionIncreaseDelay(2n * DAY)],
      [c.registry, () => c.registry.connect(g).setStakingVault(g.address)],
      [c.vault, () => c.vault.connect(g).setUnbondingPeriod(21n * DAY)],
      [c.vault, () => c.vault.connect(g).setExposureTail(DAY)],
      [c.vault, () => c.vault.connect(g).setDelegationCapMultiple(10n)],
      [c.vault, () => c.vault.connect(g).setMinDelegation(ONE)],
    ];
    for (const [target, call] of calls) {
      await expect(call()).to.be.revertedWithCustomError(target, "AccessManagedUnauthorized").withArgs(g.address);
    }
    expect(await c.vault.unbondingPeriod()).to.equal(14n * DAY);
    expect(await c.registry.commissionIncreaseDelay()).to.equal(7n * DAY);
  });

  it("cannot mint, slash, jail, attest, reward, grant roles or change governance", async function () {
    const c = await loadCinder();
    const g = c.guardian;
    await onboardProvider(c, c.providers[0]);
    const p = c.providers[0].address;
    await expect(c.token.connect(g).mint(g.address, ONE))
      .to.be.revertedWithCustomError(c.token, "CinderTokenNotMinter")
      .withArgs(g.address);
    await expect(c.vault.connect(g).executeSlash(p, ONE, 0, false))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(g.address);
    await expect(c.vault.connect(g).holdForSlash(p))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(g.address);
    await expect(c.vault.connect(g).notifyReward(p, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotEmissionController")
      .withArgs(g.address);
    await expect(c.registry.connect(g).jail(p, 0n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotSlashingManager")
      .withArgs(g.address);
    await expect(c.registry.connect(g).revokeGpu(p, `0x${"00".repeat(31)}01`))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotOracleHub")
      .withArgs(g.address);
    await expect(c.manager.connect(g).grantRole(10n, g.address, 0))
      .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(g.address, 0n);
    await expect(c.timelock.connect(g).updateDelay(2n * DAY))
      .to.be.revertedWithCustomError(c.timelock, "TimelockUnauthorizedCaller")
      .withArgs(g.address);
    await expect(c.governor.connect(g).setVotingPeriod(DAY))
      .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
      .withArgs(g.address);
  });

  it("stops new activity while paused with EnforcedPause", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await c.vault.connect(c.guardian).pause();

    const newcomer = c.providers[1];
    await expect(c.registry.connect(newcomer).register("ipfs://new", newcomer.address)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
    await expect(c.registry.connect(provider).setOffer(H100, 3_000_000n)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
    await expect(c.vault.connect(provider).stake(ONE)).to.be.revertedWithCustomError(c.vault, "EnforcedPause");
    await expect(c.vault.connect(c.delegators[1]).delegate(provider.address, ONE)).to.be.revertedWithCustomError(
      c.vault,
      "EnforcedPause",
    );

    // After unpausing, the same calls go through.
    await c.registry.connect(c.guardian).unpause();
    await c.vault.connect(c.guardian).unpause();
    await expect(c.registry.connect(newcomer).register("ipfs://new", newcomer.address))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(newcomer.address, newcomer.address, "ipfs://new");
    await expect(c.vault.connect(c.delegators[1]).delegate(provider.address, ONE)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [c.delegators[1], c.vault],
      [-ONE, ONE],
    );
  });

  it("never blocks exits while paused: withdraw requests, claims and reward claims", async function () {
    const c = await loadCinder();
    const { provider, delegator, delegated } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await c.vault.connect(c.guardian).pause();

    const selfStake = (await c.vault.getPool(provider.address)).selfActive;
    await expect(c.vault.connect(provider).requestWithdraw(provider.address, selfStake))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(provider.address, provider.address, selfStake, 0n, (unlockAt: bigint) => unlockAt > 0n);
    await expect(c.vault.connect(delegator).requestWithdraw(provider.address, delegated))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(provider.address, delegator.address, delegated, delegated, (unlockAt: bigint) => unlockAt > 0n);

    const delegatorRewards = await c.vault.claimableRewards(provider.address, delegator.address);
    const providerRewards = await c.vault.claimableRewards(provider.address, provider.address);
    expect(delegatorRewards).to.be.gt(0n);
    expect(providerRewards).to.be.gt(0n);
    await expect(c.vault.connect(delegator).claimRewards(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [delegator, c.vault],
      [delegatorRewards, -delegatorRewards],
    );
    await expect(c.vault.connect(provider).claimRewards(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [provider, c.vault],
      [providerRewards, -providerRewards],
    );

    await c.networkHelpers.time.increase(14n * DAY);
    await expect(c.vault.connect(provider).claimWithdraw(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [provider, c.vault],
      [selfStake, -selfStake],
    );
    const claim = c.vault.connect(delegator).claimWithdraw(provider.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(provider.address, delegator.address, delegated);
    await expect(claim).to.changeTokenBalances(c.ethers, c.token, [delegator, c.vault], [delegated, -delegated]);
    expect(await c.vault.paused()).to.equal(true);
  });

  it("never blocks a provider's exit from the registry while paused", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await expect(c.registry.connect(provider).withdrawOffer(H100))
      .to.emit(c.registry, "OfferWithdrawn")
      .withArgs(provider.address, H100);
    await expect(c.registry.connect(provider).exit()).to.emit(c.registry, "ProviderExited").withArgs(provider.address);
    expect(await c.registry.statusOf(provider.address)).to.equal(3n);
  });

  it("never blocks oracle attestations while paused", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    const expiresAt = BigInt(await c.networkHelpers.time.latest()) + DAY;
    const gpuId = `0x${"77".repeat(32)}`;
    await expect(
      c.registry.connect(c.attestor).recordAttestation({
        provider: provider.address,
        gpuId,
        modelClass: H100,
        memoryMiB: 81_559,
        tier: 1,
        evidenceHash: `0x${"cd".repeat(32)}`,
        issuedAt: expiresAt - DAY,
        expiresAt,
      }),
    ).to.emit(c.registry, "GpuAttested");
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(3n);
  });
});
