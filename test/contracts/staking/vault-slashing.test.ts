/**
 * StakingVault slashing: the SlashingManager's execution hook and holds, and slashes that reach pending
 * withdrawals (DESIGN.md "Stake that backs exposure"). Griefing PoCs (invariant 8, TRST-H-3, OZ M-01) live in
 * test/attacks/staking-griefing.test.ts.
 */
import { expect } from "chai";
import {
  at,
  DAY,
  expectDeltas,
  expectPool,
  expectSlashKept,
  expectSolvent,
  MAX,
  ONE,
  SELF,
  slashingPool,
  toAssets,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault.executeSlash (the only slash)", function () {
  it("returns and emits what it took and keeps it in the vault for the burn", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    expect(await c.vault.connect(c.slasher).executeSlash.staticCall(p.address, 100n * ONE, 0, false)).to.deep.equal([
      100n * ONE,
      0n,
    ]);
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 100n * ONE, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 100n * ONE, 100n * ONE, 100n * ONE, 0n, 0n, await c.vault.getAddress());
    await expect(tx).not.to.emit(c.vault, "ShareClassRetired");
    await expectSlashKept(c, tx, 100n * ONE);
    await expectDeltas(c, tx, [c.stranger, p, d[0]], [0n, 0n, 0n]);
    await expectPool(c, p.address, { selfActive: 300n * ONE, delegatedAssets: 1_000n * ONE });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(1_000n * ONE);
    await expectSolvent(c, [p]);
  });

  it("takes at most what the pool holds, and nothing from an empty pool", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    const vault = await c.vault.getAddress();
    expect((await c.vault.connect(c.slasher).executeSlash.staticCall(p.address, 10_000n * ONE, 0, false))[0]).to.equal(
      1_400n * ONE,
    );
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 10_000n * ONE, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 10_000n * ONE, 1_400n * ONE, SELF, 1_000n * ONE, 0n, vault);
    await expectSlashKept(c, tx, 1_400n * ONE);
    expect(await c.vault.totalStake(p.address)).to.equal(0n);

    const empty = c.vault.connect(c.slasher).executeSlash(p.address, 5n * ONE, 0, false);
    await expect(empty).to.emit(c.vault, "Slashed").withArgs(p.address, 5n * ONE, 0n, 0n, 0n, 0n, vault);
    await expectSlashKept(c, empty, 0n);
    await expectSolvent(c, [p]);
  });

  it("reverts StakingVaultNotSlashingManager for anyone but the wired SlashingManager, governance included", async function () {
    const { c, p, d } = await withProvider();
    for (const caller of [c.stranger, p, d[0], c.rewarder, c.guardian, c.governance]) {
      await expect(c.vault.connect(caller).executeSlash(p.address, ONE, 0, false))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
    }
  });

  it("has no slash to a recipient the caller chooses", async function () {
    const { c } = await withProvider();
    const names: string[] = [];
    c.vault.interface.forEachFunction((f) => names.push(f.name));
    expect(names).to.not.include("slash");
  });

  it("reverts StakingVaultZeroAmount", async function () {
    const { c, p } = await withProvider();
    await expect(
      c.vault.connect(c.slasher).executeSlash(p.address, 0n, 0, false),
    ).to.be.revertedWithCustomError(c.vault, "StakingVaultZeroAmount");
  });
});

describe("StakingVault.holdForSlash and releaseSlashHold", function () {
  it("counts holds up and down with SlashHoldChanged", async function () {
    const { c, p } = await withProvider();
    const hold = c.vault.connect(c.slasher).holdForSlash(p.address);
    await expect(hold).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 1n);
    await expectDeltas(c, hold, [c.vault, p], [0n, 0n]);
    await expect(c.vault.connect(c.slasher).holdForSlash(p.address))
      .to.emit(c.vault, "SlashHoldChanged")
      .withArgs(p.address, 2n);
    await expectPool(c, p.address, { slashHolds: 2n });
    const release = c.vault.connect(c.slasher).releaseSlashHold(p.address);
    await expect(release).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 1n);
    await expectDeltas(c, release, [c.vault, p], [0n, 0n]);
    await expect(c.vault.connect(c.slasher).releaseSlashHold(p.address))
      .to.emit(c.vault, "SlashHoldChanged")
      .withArgs(p.address, 0n);
    await expectPool(c, p.address, { slashHolds: 0n });
  });

  it("reverts StakingVaultNoSlashHold when releasing a hold that was never placed", async function () {
    const { c, p } = await withProvider();
    await expect(c.vault.connect(c.slasher).releaseSlashHold(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNoSlashHold")
      .withArgs(p.address);
  });

  it("reverts StakingVaultNotSlashingManager for anyone but the wired SlashingManager, governance included", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(c.slasher).holdForSlash(p.address);
    for (const caller of [c.stranger, p, d[0], c.guardian, c.governance]) {
      await expect(c.vault.connect(caller).holdForSlash(p.address))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).releaseSlashHold(p.address))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
    }
  });
});

describe("StakingVault: slashing while withdrawals are pending", function () {
  it("takes the provider's active self-stake first, then its pending self-withdrawal", async function () {
    const { c, p, d } = await slashingPool();
    const first = c.vault.connect(c.slasher).executeSlash(p.address, 350n * ONE, 0, false);
    await expect(first)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 350n * ONE, 350n * ONE, 350n * ONE, 0n, 0n, await c.vault.getAddress());
    await expectSlashKept(c, first, 350n * ONE);
    await expectPool(c, p.address, { selfActive: 0n, selfPending: 50n * ONE });
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(1_000n * ONE);
    expect((await c.vault.pendingWithdrawal(p.address, d[1].address))[0]).to.equal(300n * ONE);

    const second = c.vault.connect(c.slasher).executeSlash(p.address, 50n * ONE, 0, false);
    await expect(second)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 50n * ONE, 50n * ONE, 50n * ONE, 0n, 0n, await c.vault.getAddress());
    await expectSlashKept(c, second, 50n * ONE);
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([0n, (await c.vault.getPool(p.address)).selfUnlockAt]);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, p.address);
    await expectSolvent(c, [p]);
  });

  it("spreads the rest pro rata over the delegated active and pending classes", async function () {
    const { c, p, d, t } = await slashingPool();
    // 900 = 300 self active + 100 self pending + 500 over 1,200 active : 300 pending -> 400 : 100.
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 900n * ONE, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 900n * ONE, 900n * ONE, 400n * ONE, 400n * ONE, 100n * ONE, await c.vault.getAddress());
    await expect(tx).not.to.emit(c.vault, "ShareClassRetired");
    await expectSlashKept(c, tx, 900n * ONE);
    await expectDeltas(c, tx, [d[0], d[1]], [0n, 0n]);
    await expectPool(c, p.address, {
      selfActive: 0n,
      selfPending: 0n,
      delegatedAssets: 800n * ONE,
      delegatedShares: 1_200n * ONE,
      pendingAssets: 200n * ONE,
      pendingShares: 300n * ONE,
    });
    // Every share of a class lost the same fraction: active 1/3, pending 1/3.
    const d0 = await c.vault.delegatedBalance(p.address, d[0].address);
    expect(d0).to.equal(toAssets(1_000n * ONE, 800n * ONE, 1_200n * ONE));
    expect(d0).to.be.within((2_000n * ONE) / 3n - 1n, (2_000n * ONE) / 3n + 1n);
    const d1 = await c.vault.delegatedBalance(p.address, d[1].address);
    expect(d1).to.equal(toAssets(200n * ONE, 800n * ONE, 1_200n * ONE));
    expect(await c.vault.pendingWithdrawal(p.address, d[1].address)).to.deep.equal([200n * ONE, t + UNBONDING]);

    await at(c, t + UNBONDING);
    const claim = c.vault.connect(d[1]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[1].address, 200n * ONE);
    await expectDeltas(c, claim, [d[1], c.vault], [200n * ONE, -200n * ONE]);
    await expectSolvent(c, [p]);
  });

  it("keeps a pending withdrawal slashable after its unlock time until it is claimed", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[0]).requestWithdraw(p.address, MAX);
    await c.vault.connect(p).requestWithdraw(p.address, SELF);
    await c.networkHelpers.time.increase(UNBONDING + 5n * DAY); // unlocked, not claimed

    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 600n * ONE, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, 600n * ONE, 600n * ONE, SELF, 0n, 200n * ONE, await c.vault.getAddress());
    await expectSlashKept(c, tx, 600n * ONE);

    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingPending")
      .withArgs(p.address, p.address);
    const claim = c.vault.connect(d[0]).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d[0].address, 800n * ONE);
    await expectDeltas(c, claim, [d[0], c.vault], [800n * ONE, -800n * ONE]);
    await expectSolvent(c, [p]);
  });
});
