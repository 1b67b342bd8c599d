/**
 * StakingVault governance setters: each parameter within its bounds, the exposure tail against the windows'
 * span, the unbonding period against the late-report window, and the one-time EmissionController wiring.
 */
import { expect } from "chai";
import { DAY, loadCinder, onboardProvider, ONE, SELF, SPAN, TAIL, UNBONDING } from "./fixture.js";

describe("StakingVault governance setters", function () {
  it("setUnbondingPeriod sets within [1 day, 60 days] above the late-report window, independent of the exposure tail", async function () {
    const c = await loadCinder();
    const g = c.vault.connect(c.governance);
    expect(await c.vault.unbondingPeriod()).to.equal(UNBONDING);
    await expect(g.setUnbondingPeriod(30n * DAY)).to.emit(c.vault, "UnbondingPeriodSet").withArgs(30n * DAY);
    expect(await c.vault.unbondingPeriod()).to.equal(30n * DAY);
    await expect(g.setUnbondingPeriod(DAY - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("unbondingPeriod", DAY - 1n, DAY, 60n * DAY);
    await expect(g.setUnbondingPeriod(60n * DAY + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("unbondingPeriod", 60n * DAY + 1n, DAY, 60n * DAY);
    // The tail, not the unbonding period, covers the lease windows: a period shorter than the tail is accepted, as
    // long as it outlasts a fault report's late window ((24 + 1) epochs of an hour), which GPUs with no lease face.
    await expect(g.setUnbondingPeriod(DAY))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultUnbondingBelowLateReport")
      .withArgs(DAY, 25n * 3_600n);
    await expect(g.setUnbondingPeriod(DAY + 3_601n)).to.emit(c.vault, "UnbondingPeriodSet").withArgs(DAY + 3_601n);
    await expect(g.setUnbondingPeriod(TAIL)).to.emit(c.vault, "UnbondingPeriodSet").withArgs(TAIL);
    await expect(g.setUnbondingPeriod(60n * DAY)).to.emit(c.vault, "UnbondingPeriodSet").withArgs(60n * DAY);
  });

  it("setExposureTail sets within [exposureSpan(), 59 days], whatever the unbonding period", async function () {
    const c = await loadCinder();
    const g = c.vault.connect(c.governance);
    expect(await c.vault.exposureTail()).to.equal(TAIL);
    expect(await c.vault.exposureSpan()).to.equal(SPAN);
    await expect(g.setExposureTail(SPAN - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultExposureTailTooShort")
      .withArgs(SPAN - 1n, SPAN);
    await expect(g.setExposureTail(SPAN)).to.emit(c.vault, "ExposureTailSet").withArgs(SPAN);
    await expect(g.setExposureTail(UNBONDING + DAY)).to.emit(c.vault, "ExposureTailSet").withArgs(UNBONDING + DAY);
    expect(await c.vault.exposureTail()).to.equal(UNBONDING + DAY);
    await expect(g.setExposureTail(59n * DAY + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("exposureTail", 59n * DAY + 1n, 0n, 59n * DAY);
    await expect(g.setExposureTail(59n * DAY)).to.emit(c.vault, "ExposureTailSet").withArgs(59n * DAY);
  });

  it("setDelegationCapMultiple sets within [1, 20]", async function () {
    const c = await loadCinder();
    const g = c.vault.connect(c.governance);
    expect(await c.vault.delegationCapMultiple()).to.equal(5n);
    await expect(g.setDelegationCapMultiple(0))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("delegationCapMultiple", 0n, 1n, 20n);
    await expect(g.setDelegationCapMultiple(21))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("delegationCapMultiple", 21n, 1n, 20n);
    await expect(g.setDelegationCapMultiple(20)).to.emit(c.vault, "DelegationCapMultipleSet").withArgs(20n);
    expect(await c.vault.delegationCapMultiple()).to.equal(20n);
    const p = c.providers[0];
    await onboardProvider(c, p);
    expect(await c.vault.delegationRoom(p.address)).to.equal(20n * SELF);
    await expect(g.setDelegationCapMultiple(1)).to.emit(c.vault, "DelegationCapMultipleSet").withArgs(1n);
    expect(await c.vault.delegationRoom(p.address)).to.equal(SELF);
  });

  it("setMinDelegation sets within [0.001, 1,000] CNDR and applies to new delegations", async function () {
    const c = await loadCinder();
    const g = c.vault.connect(c.governance);
    expect(await c.vault.minDelegation()).to.equal(ONE);
    await expect(g.setMinDelegation(10n ** 15n - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("minDelegation", 10n ** 15n - 1n, 10n ** 15n, 1_000n * ONE);
    await expect(g.setMinDelegation(1_000n * ONE + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("minDelegation", 1_000n * ONE + 1n, 10n ** 15n, 1_000n * ONE);
    await expect(g.setMinDelegation(50n * ONE)).to.emit(c.vault, "MinDelegationSet").withArgs(50n * ONE);
    expect(await c.vault.minDelegation()).to.equal(50n * ONE);
    const p = c.providers[0];
    await onboardProvider(c, p);
    await expect(c.vault.connect(c.delegators[0]).delegate(p.address, 49n * ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationTooSmall")
      .withArgs(49n * ONE, 50n * ONE);
  });

  it("reverts AccessManagedUnauthorized for every setter called by anyone but governance", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.guardian, c.slasher, c.providers[0]]) {
      const v = c.vault.connect(caller);
      for (const call of [
        () => v.setUnbondingPeriod(20n * DAY),
        () => v.setExposureTail(DAY),
        () => v.setDelegationCapMultiple(3),
        () => v.setMinDelegation(2n * ONE),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized").withArgs(caller.address);
      }
    }
  });

  it("lets only the guardian role pause and unpause", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.slasher, c.providers[0]]) {
      await expect(c.vault.connect(caller).pause())
        .to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized")
        .withArgs(caller.address);
    }
    await expect(c.vault.connect(c.guardian).pause()).to.emit(c.vault, "Paused").withArgs(c.guardian.address);
    await expect(c.vault.connect(c.stranger).unpause())
      .to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    await expect(c.vault.connect(c.guardian).unpause()).to.emit(c.vault, "Unpaused").withArgs(c.guardian.address);
    expect(await c.vault.paused()).to.equal(false);
  });
});
