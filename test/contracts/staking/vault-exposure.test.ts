/**
 * StakingVault exposure (PoolExposure): the job market's hooks, and the stake that backs exposure, which a
 * withdrawal that uncovers it cannot take before the exposure's end plus the tail.
 */
import { expect } from "chai";
import {
  at,
  DAY,
  expectDeltas,
  expectPool,
  expectSolvent,
  MAX,
  now,
  ONE,
  SELF,
  TAIL,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault.recordExposure / releaseExposure", function () {
  it("adds a lease's need, keeps the latest end while leases run and restarts it once none does", async function () {
    const { c, p } = await withProvider();
    const N = 200n * ONE;
    const t = (await now(c)) + 30n * DAY;
    const tx = c.vault.connect(c.exposure).recordExposure(p.address, N, t);
    await expect(tx).to.emit(c.vault, "ExposureRecorded").withArgs(p.address, N, N, t);
    await expectDeltas(c, tx, [c.vault, p], [0n, 0n]);
    await expectPool(c, p.address, { exposureUntil: t });

    // An earlier end never lowers it while a lease runs; a later one extends it; an extension adds no need.
    await expect(c.vault.connect(c.exposure).recordExposure(p.address, N, t - 1n))
      .to.emit(c.vault, "ExposureRecorded")
      .withArgs(p.address, N, 2n * N, t);
    await expect(c.vault.connect(c.exposure).recordExposure(p.address, 0n, t + 1n))
      .to.emit(c.vault, "ExposureRecorded")
      .withArgs(p.address, 0n, 2n * N, t + 1n);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([2n * N, 0n, 0n]);

    // Both end: the need moves to the cooling part (the later end), and the next lease starts a new run.
    const e = (await now(c)) + 10n;
    await at(c, e);
    await expect(c.vault.connect(c.exposure).releaseExposure(p.address, N, e))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, N, e);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([N, N, e]);
    await expect(c.vault.connect(c.exposure).releaseExposure(p.address, N + 1n, e - 5n))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, N + 1n, e - 5n);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([0n, 2n * N + 1n, e]);
    await expect(c.vault.connect(c.exposure).recordExposure(p.address, N, e + DAY))
      .to.emit(c.vault, "ExposureRecorded")
      .withArgs(p.address, N, N, e + DAY);
    await expectPool(c, p.address, { exposureUntil: e + DAY });

    // A release whose tail is already over adds nothing; once the cooling tail is over, the next one replaces it.
    await expect(c.vault.connect(c.exposure).releaseExposure(p.address, N, e - TAIL))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, N, e - TAIL);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([0n, 2n * N + 1n, e]);
    await at(c, e + TAIL);
    await c.vault.connect(c.exposure).recordExposure(p.address, N, e + 2n * TAIL);
    await expect(c.vault.connect(c.exposure).releaseExposure(p.address, N, e + TAIL))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, N, e + TAIL);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([0n, N, e + TAIL]);
  });

  it("reverts StakingVaultNotMarket for anyone but the job market wired in the registry, the provider included", async function () {
    const { c, p } = await withProvider();
    expect(await c.registry.jobMarket()).to.equal(c.exposure.address);
    for (const caller of [c.stranger, p, c.slasher, c.governance]) {
      await expect(c.vault.connect(caller).recordExposure(p.address, ONE, (await now(c)) + DAY))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotMarket")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).releaseExposure(p.address, ONE, await now(c)))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotMarket")
        .withArgs(caller.address);
    }
  });
});

describe("StakingVault: stake that backs exposure", function () {
  it("unlocks a withdrawal that uncovers the need at max(now + unbonding, exposure end + tail)", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const T = (await now(c)) + 30n * DAY;
    // The leases need the whole pool: any withdrawal uncovers them.
    await c.vault.connect(c.exposure).recordExposure(p.address, SELF + 1_000n * ONE, T);

    const t = (await now(c)) + 10n;
    await at(c, t);
    const tx = c.vault.connect(d[0]).requestWithdraw(p.address, 100n * ONE);
    await expect(tx)
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 100n * ONE, 100n * ONE, T + TAIL);
    await expectDeltas(c, tx, [d[0], c.vault], [0n, 0n]);
    expect(T + TAIL).to.be.gt(t + UNBONDING);

    // The provider's own stake backs the exposure too.
    await at(c, t + 1n);
    await expect(c.vault.connect(p).requestWithdraw(p.address, 100n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 100n * ONE, 0n, T + TAIL);

    // The unbonding period alone would have passed: the exposure still holds the stake.
    await at(c, t + UNBONDING + 1n);
    await expect(c.vault.connect(d[0]).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(T + TAIL, t + UNBONDING + 1n);
    await at(c, T + TAIL);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 100n * ONE);
    await expectDeltas(c, claim, [d[0], c.vault], [100n * ONE, -100n * ONE]);
  });

  it("uses the unbonding period when it ends after the exposure end plus the tail", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const T = (await now(c)) + 2n * DAY;
    await c.vault.connect(c.exposure).recordExposure(p.address, SELF + 1_000n * ONE, T);
    const t = (await now(c)) + 10n;
    await at(c, t);
    expect(T + TAIL).to.be.lt(t + UNBONDING);
    await expect(c.vault.connect(d[0]).requestWithdraw(p.address, 100n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[0].address, 100n * ONE, 100n * ONE, t + UNBONDING);
  });

  it("keeps the earlier unlock of a delegator's withdrawal requested before the exposure was recorded; the self-stake's claim waits for it", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.vault.connect(d[0]).requestWithdraw(p.address, 100n * ONE);
    await at(c, t + 1n);
    await c.vault.connect(p).requestWithdraw(p.address, 50n * ONE);

    const T = t + 40n * DAY;
    await c.vault.connect(c.exposure).recordExposure(p.address, 2_000n * ONE, T);
    expect(await c.vault.pendingWithdrawal(p.address, d[0].address)).to.deep.equal([100n * ONE, t + UNBONDING]);
    // The self-stake's request: the view reports the unlock its claim will meet, the exposure's end and tail (the
    // self-stake left active, 350, does not cover the need of 2,000 alone; see below).
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([50n * ONE, T + TAIL]);

    // A delegator who did not request yet is held by the exposure.
    await c.vault.connect(d[1]).delegate(p.address, 10n * ONE);
    await expect(c.vault.connect(d[1]).requestWithdraw(p.address, MAX))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, d[1].address, 10n * ONE, 10n * ONE, T + TAIL);

    await at(c, t + 1n + UNBONDING);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 100n * ONE);
    await expectDeltas(c, claim, [d[0], c.vault], [100n * ONE, -100n * ONE]);
    // The self-stake covers exposure first, also a need recorded after its request: what it leaves behind (350)
    // does not cover 2,000, so its claim waits for the exposure's end and tail.
    const blocked = t + 2n + UNBONDING;
    await c.networkHelpers.time.setNextBlockTimestamp(blocked);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(T + TAIL, blocked);
    await at(c, T + TAIL);
    const self = c.vault.connect(p).claimWithdraw(p.address);
    await expect(self).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, p.address, 50n * ONE);
    await expectDeltas(c, self, [p, c.vault], [50n * ONE, -50n * ONE]);
    await expectSolvent(c, [p]);
  });
});
