/**
 * StakingVault rounding rules (DESIGN.md SlashingManager, invariant 3; ANCHORS.md pillar 1: EigenLayer's rounding
 * to zero): a slash never rounds to zero, dust never wipes a pool, first-depositor share inflation is impossible
 * (assets are tracked internally, so CNDR sent straight to the vault moves no price), and the sum of all claims
 * never exceeds what was funded: after every step the vault's CNDR equals the pools' tranches plus
 * totalRewardsOwed, exactly.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  DAY,
  expectDeltas,
  expectSlashKept,
  expectSolvent,
  loadCinder,
  MAX,
  onboardProvider,
  ONE,
  SELF,
  toShares,
  type Tx,
  UNBONDING,
  withProvider,
} from "./fixture.js";

describe("StakingVault rounding: a slash never rounds to zero", function () {
  it("takes exactly 1 wei from a big pool's self-stake", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 2_000n * ONE);
    for (let i = 1n; i <= 3n; i++) {
      const tx = c.vault.connect(c.slasher).executeSlash(p.address, 1n, 0, false);
      await expect(tx).to.emit(c.vault, "Slashed").withArgs(p.address, 1n, 1n, 1n, 0n, 0n, await c.vault.getAddress());
      await expectSlashKept(c, tx, 1n);
      expect(await c.vault.totalStake(p.address)).to.equal(SELF + 2_000n * ONE - i);
    }
    await expectSolvent(c, [p]);
  });

  it("takes exactly 1 wei from the delegated classes once the provider's own stake is gone", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(d[1]).requestWithdraw(p.address, 500n * ONE);
    await c.vault.connect(p).requestWithdraw(p.address, SELF);
    await c.networkHelpers.time.increase(UNBONDING);
    await c.vault.connect(p).claimWithdraw(p.address);
    // Delegated active 1,500 : pending 500. 1 wei x 1,500/2,000 rounds down to 0, so the pending class takes it.
    let pending = 500n * ONE;
    for (let i = 0; i < 3; i++) {
      const tx = c.vault.connect(c.slasher).executeSlash(p.address, 1n, 0, false);
      await expect(tx).to.emit(c.vault, "Slashed").withArgs(p.address, 1n, 1n, 0n, 0n, 1n, await c.vault.getAddress());
      await expectSlashKept(c, tx, 1n);
      pending -= 1n;
      expect((await c.vault.getPool(p.address)).pendingAssets).to.equal(pending);
    }
    // With the pending class claimed, a 1-wei slash falls on the active class.
    await c.networkHelpers.time.increase(UNBONDING);
    await c.vault.connect(d[1]).claimWithdraw(p.address);
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, 1n, 0, false);
    await expect(tx).to.emit(c.vault, "Slashed").withArgs(p.address, 1n, 1n, 0n, 1n, 0n, await c.vault.getAddress());
    await expectSlashKept(c, tx, 1n);
    expect((await c.vault.getPool(p.address)).delegatedAssets).to.equal(1_500n * ONE - 1n);
    await expectSolvent(c, [p]);
  });

  it("splits an odd slash so the parts sum to exactly the amount asked", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE + 1n);
    await c.vault.connect(d[1]).delegate(p.address, 700n * ONE + 3n);
    await c.vault.connect(d[1]).requestWithdraw(p.address, 333n * ONE + 7n);
    const pool = await c.vault.getPool(p.address);
    const amount = SELF + 123_456_789_012_345_678_901n;
    const rest = amount - SELF;
    const fromDelegated = (rest * pool.delegatedAssets) / (pool.delegatedAssets + pool.pendingAssets);
    const fromPending = rest - fromDelegated;
    const tx = c.vault.connect(c.slasher).executeSlash(p.address, amount, 0, false);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, amount, amount, SELF, fromDelegated, fromPending, await c.vault.getAddress());
    await expectSlashKept(c, tx, amount);
    await expectSolvent(c, [p]);
  });
});

describe("StakingVault rounding: dust never wipes a pool", function () {
  it("rejects a 1-wei delegation: the minimum delegation applies", async function () {
    const { c, p, d } = await withProvider();
    await expect(c.vault.connect(d[4]).delegate(p.address, 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultDelegationTooSmall")
      .withArgs(1n, ONE);
  });

  it("an attacker's 1-wei withdrawals at an odd share price never reduce another delegator's balances", async function () {
    const { c, p, d } = await withProvider();
    const [victim, attacker] = d;
    await c.vault.connect(victim).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(attacker).delegate(p.address, ONE);
    await c.vault.connect(victim).requestWithdraw(p.address, 300n * ONE);
    // Slash everything self plus an odd part of the delegated classes: both share prices become non-round.
    await c.vault.connect(c.slasher).executeSlash(p.address, SELF + 333n * ONE + 7n, 0, false);
    const pool = await c.vault.getPool(p.address);
    expect(pool.delegatedAssets).to.be.lt(pool.delegatedShares);
    expect(pool.pendingAssets).to.be.lt(pool.pendingShares);

    const victimActive = await c.vault.delegatedBalance(p.address, victim.address);
    const [victimPending, victimUnlock] = await c.vault.pendingWithdrawal(p.address, victim.address);
    const attackerValue = async () =>
      (await c.vault.delegatedBalance(p.address, attacker.address)) +
      (await c.vault.pendingWithdrawal(p.address, attacker.address))[0];
    let attackerBefore = await attackerValue();

    for (let i = 0; i < 10; i++) {
      const before = await c.vault.getPool(p.address);
      const minted = toShares(1n, before.pendingAssets, before.pendingShares);
      expect(minted).to.be.gte(1n);
      const t = BigInt(await c.networkHelpers.time.latest()) + 60n;
      await c.networkHelpers.time.setNextBlockTimestamp(t);
      const tx = c.vault.connect(attacker).requestWithdraw(p.address, 1n);
      await expect(tx)
        .to.emit(c.vault, "WithdrawRequested")
        .withArgs(p.address, attacker.address, 1n, minted, t + UNBONDING);
      await expectDeltas(c, tx, [attacker, victim, c.vault], [0n, 0n, 0n]);
      expect(await c.vault.delegatedBalance(p.address, victim.address)).to.be.gte(victimActive);
      const [pendingNow, unlockNow] = await c.vault.pendingWithdrawal(p.address, victim.address);
      expect(pendingNow).to.be.gte(victimPending);
      expect(unlockNow).to.equal(victimUnlock);
      // The attacker never gains from rounding.
      const attackerNow = await attackerValue();
      expect(attackerNow).to.be.lte(attackerBefore);
      attackerBefore = attackerNow;
      await expectSolvent(c, [p]);
    }

    // Its whole position out at once: still no loss for the victim.
    await c.vault.connect(attacker).requestWithdraw(p.address, MAX);
    expect(await c.vault.delegatedBalance(p.address, attacker.address)).to.equal(0n);
    expect(await c.vault.delegatedBalance(p.address, victim.address)).to.be.gte(victimActive);
    expect((await c.vault.pendingWithdrawal(p.address, victim.address))[0]).to.be.gte(victimPending);

    // Both claim; the victim gets at least what its pending withdrawal was worth before the attacker acted.
    await c.networkHelpers.time.increase(UNBONDING + 1n);
    const attackerClaim = c.vault.connect(attacker).claimWithdraw(p.address);
    const attackerPending = (await c.vault.pendingWithdrawal(p.address, attacker.address))[0];
    await expect(attackerClaim)
      .to.emit(c.vault, "WithdrawClaimed")
      .withArgs(p.address, attacker.address, attackerPending);
    const [owedToVictim] = await c.vault.pendingWithdrawal(p.address, victim.address);
    expect(owedToVictim).to.be.gte(victimPending);
    const claim = c.vault.connect(victim).claimWithdraw(p.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, victim.address, owedToVictim);
    await expectDeltas(c, claim, [victim, c.vault], [owedToVictim, -owedToVictim]);
    await expectSolvent(c, [p]);
  });
});

describe("StakingVault rounding: no first-depositor share inflation", function () {
  it("mints the victim shares worth what it paid after an attacker's minimum delegation, 1-wei leftover and direct transfer", async function () {
    const { c, p, d } = await withProvider();
    const [victim, attacker, small] = d;
    const vault = await c.vault.getAddress();

    // The attacker is first in the class with the minimum delegation.
    await expect(c.vault.connect(attacker).delegate(p.address, ONE))
      .to.emit(c.vault, "Delegated")
      .withArgs(p.address, attacker.address, ONE, ONE);
    // It "donates" CNDR straight to the vault: the vault tracks assets internally, so no price moves.
    const donated = 10_000n * ONE;
    await c.token.connect(attacker).transfer(vault, donated);
    expect((await c.vault.getPool(p.address)).delegatedAssets).to.equal(ONE);
    expect(await c.vault.delegatedBalance(p.address, attacker.address)).to.equal(ONE);
    await expectSolvent(c, [p], { donated });

    // It shrinks the class to 1 wei under 1 share.
    await c.vault.connect(attacker).requestWithdraw(p.address, ONE - 1n);
    const pool = await c.vault.getPool(p.address);
    expect(pool.delegatedAssets).to.equal(1n);
    expect(pool.delegatedShares).to.equal(1n);

    // The victim's delegation mints shares 1:1 and is worth exactly what it paid.
    const tx = c.vault.connect(victim).delegate(p.address, 1_000n * ONE);
    await expect(tx).to.emit(c.vault, "Delegated").withArgs(p.address, victim.address, 1_000n * ONE, 1_000n * ONE);
    await expectDeltas(c, tx, [victim, c.vault], [-1_000n * ONE, 1_000n * ONE]);
    expect(await c.vault.delegatedBalance(p.address, victim.address)).to.equal(1_000n * ONE);
    const minimal = c.vault.connect(small).delegate(p.address, ONE);
    await expect(minimal).to.emit(c.vault, "Delegated").withArgs(p.address, small.address, ONE, ONE);
    expect(await c.vault.delegatedBalance(p.address, small.address)).to.equal(ONE);
    expect(await c.vault.delegatedBalance(p.address, attacker.address)).to.equal(1n);
    await expectSolvent(c, [p], { donated });

    // The victim can take out exactly what it put in.
    await c.vault.connect(victim).requestWithdraw(p.address, MAX);
    expect((await c.vault.pendingWithdrawal(p.address, victim.address))[0]).to.equal(1_000n * ONE);
  });

  it("ignores CNDR sent straight to the vault: no price, balance, reward or stake changes", async function () {
    const { c, p, d } = await withProvider();
    await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
    await c.vault.connect(c.rewarder).notifyReward(p.address, 140n * ONE);
    const poolBefore = await c.vault.getPool(p.address);
    const donated = 5_000n * ONE;
    await c.token.connect(d[1]).transfer(await c.vault.getAddress(), donated);
    expect(await c.vault.getPool(p.address)).to.deep.equal(poolBefore);
    expect(await c.vault.delegatedBalance(p.address, d[0].address)).to.equal(1_000n * ONE);
    expect(await c.vault.claimableRewards(p.address, d[0].address)).to.equal(100n * ONE);
    expect(await c.vault.totalRewardsOwed()).to.equal(140n * ONE);
    expect(await c.vault.totalStake(p.address)).to.equal(SELF + 1_000n * ONE);
    await expectSolvent(c, [p], { donated, accounts: [d[0]] });
  });
});

describe("StakingVault rounding: claims never exceed what was funded (invariant 3)", function () {
  it("keeps the vault exactly solvent after every step of a mixed scenario and pays out no more than was funded", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const d = c.delegators;
    await onboardProvider(c, p0, { commissionBps: 777 });
    await onboardProvider(c, p1, { gpus: 3 });
    await c.networkHelpers.time.increase(7n * DAY + 1n); // p0's commission applies
    const providers = [p0, p1];
    const solvent = () => expectSolvent(c, providers, { accounts: d });

    let funded = 0n;
    let paid = 0n;
    const notify = async (p: HardhatEthersSigner, amount: bigint) => {
      const tx = c.vault.connect(c.rewarder).notifyReward(p.address, amount);
      await expectDeltas(c, tx, [c.rewarder, c.vault], [-amount, amount]);
      funded += amount;
      await solvent();
    };
    const claimAll = async () => {
      for (const p of providers) {
        for (const a of [p, ...d]) {
          const amount = await c.vault.claimableRewards(p.address, a.address);
          if (amount === 0n) {
            await expect(c.vault.connect(a).claimRewards(p.address))
              .to.be.revertedWithCustomError(c.vault, "StakingVaultNothingToClaim")
              .withArgs(p.address, a.address);
            continue;
          }
          const tx = c.vault.connect(a).claimRewards(p.address);
          // The view and the claim agree to the wei.
          await expect(tx).to.emit(c.vault, "RewardsClaimed").withArgs(p.address, a.address, a.address, amount);
          await expectDeltas(c, tx, [a, c.vault], [amount, -amount]);
          paid += amount;
          await solvent();
        }
      }
    };
    const step = async (tx: Tx) => {
      await (await tx).wait();
      await solvent();
    };

    await step(c.vault.connect(d[0]).delegate(p0.address, 333_333_333_333_333_333_333n));
    await step(c.vault.connect(d[1]).delegate(p0.address, ONE + 7n));
    await step(c.vault.connect(d[2]).delegate(p1.address, 777n * ONE + 1n));
    await step(c.vault.connect(d[3]).delegate(p1.address, ONE));
    await step(c.vault.connect(d[4]).delegate(p1.address, 3n * ONE + 5n));

    await notify(p0, ONE + 1n);
    await notify(p1, 333_333_333_333_333_333n);
    await step(c.vault.connect(d[1]).requestWithdraw(p0.address, 123_456_789n));
    await step(c.vault.connect(d[2]).requestWithdraw(p1.address, 259n * ONE + 11n));
    await notify(p0, 7n);
    await notify(p1, 10n ** 18n / 3n);
    await claimAll();

    await step(c.vault.connect(c.slasher).executeSlash(p0.address, 123n * ONE + 17n, 0, false));
    await step(c.vault.connect(c.slasher).executeSlash(p1.address, 600n * ONE + 5n, 0, false));
    await step(c.vault.connect(p1).stake(200n * ONE + 9n));
    await step(c.vault.connect(d[3]).delegate(p1.address, 2n * ONE + 1n));
    for (let i = 1n; i <= 15n; i++) {
      await notify(i % 2n === 0n ? p0 : p1, i * 1_000_000_007n + (i % 3n) * ONE);
      if (i % 5n === 0n) await claimAll();
    }
    await step(c.vault.connect(d[4]).requestWithdraw(p1.address, MAX));
    await step(c.vault.connect(p0).requestWithdraw(p0.address, 100n * ONE + 3n));
    await notify(p1, 99n * ONE + 99n);

    // Pending withdrawals pay what the view says.
    await c.networkHelpers.time.increase(UNBONDING);
    for (const [p, a] of [
      [p0, d[1]],
      [p1, d[2]],
      [p1, d[4]],
      [p0, p0],
    ] as const) {
      const [assets] = await c.vault.pendingWithdrawal(p.address, a.address);
      const tx = c.vault.connect(a).claimWithdraw(p.address);
      await expect(tx).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, a.address, assets);
      await expectDeltas(c, tx, [a, c.vault], [assets, -assets]);
      await solvent();
    }

    await claimAll();
    // Everything claimable is paid; what is left owed is index rounding dust, never a debt.
    for (const p of providers) {
      for (const a of [p, ...d]) expect(await c.vault.claimableRewards(p.address, a.address)).to.equal(0n);
    }
    expect(paid).to.be.lte(funded);
    expect(await c.vault.totalRewardsOwed()).to.equal(funded - paid);
    expect(funded - paid).to.be.lt(100n);
    await solvent();
  });
});
