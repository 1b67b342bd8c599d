/**
 * StakingVault: every function's success path and reverts (exact errors and arguments), events with exact
 * arguments and CNDR deltas on every state-changing call, stake that backs exposure, slashing while withdrawals
 * are pending (DESIGN.md "Stake that backs exposure"), once-only claims (invariant 4) and the rounding rules
 * (SlashingManager: a slash never rounds to zero, a class slashed to nothing or to a dust price is retired). Griefing PoCs (invariant 8,
 * TRST-H-3, OZ M-01) live in test/attacks/staking-griefing.test.ts; rounding and solvency in
 * test/staking-rounding.test.ts.
 *
 * Local parameters (deploy/modules): unbonding 14 days, exposure tail 7 days, delegation cap 5x self-stake,
 * minimum delegation 1 CNDR, commission increase delay 7 days. `onboardProvider` attests two H100s and stakes
 * what they need: 2 x 200 = 400 CNDR, so the cap on delegations is 2,000 CNDR.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Addressable, ContractTransactionResponse } from "ethers";
import { connectCinder, onboardProvider, ONE, type Cinder } from "./helpers/fixture.js";
import { type Account, type Tx, addressOf, at, expectDeltas, expectSlashKept, expectSolvent, now } from "./helpers/staking.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
const UNBONDING = 14n * DAY;
const TAIL = 12n * DAY;
/** challenge 1 d + verdict 2 d + 2 x arbitration 3 d + veto 2 d: what the tail must cover at the defaults. */
const SPAN = 11n * DAY;
const SELF = 400n * ONE;
const MAX = 2n ** 256n - 1n;
const PRECISION = 10n ** 36n;
const STATUS = { None: 0n, Active: 1n, Jailed: 2n, Exited: 3n } as const;


/** ShareMath.toAssets with floor rounding (virtual share and asset of one). */
const toAssets = (shares: bigint, assets: bigint, total: bigint) => (shares * (assets + 1n)) / (total + 1n);
/** ShareMath.toShares with floor rounding. */
const toShares = (amount: bigint, assets: bigint, total: bigint) => (amount * (total + 1n)) / (assets + 1n);

type PoolField =
  | "selfActive"
  | "selfPending"
  | "delegatedAssets"
  | "delegatedShares"
  | "pendingAssets"
  | "pendingShares"
  | "rewardPerShare"
  | "providerRewards"
  | "selfUnlockAt"
  | "exposureUntil"
  | "slashHolds"
  | "generation"
  | "pendingGeneration";
type DelegationField =
  | "shares"
  | "unlockAt"
  | "generation"
  | "pendingGeneration"
  | "pendingShares"
  | "rewards"
  | "rewardPerSharePaid";

async function expectPool(c: Cinder, provider: string, want: Partial<Record<PoolField, bigint>>) {
  const pool = await c.vault.getPool(provider);
  for (const [field, value] of Object.entries(want) as [PoolField, bigint][]) {
    expect(pool[field], `pool.${field}`).to.equal(value);
  }
}

async function expectDelegation(
  c: Cinder,
  provider: string,
  account: string,
  want: Partial<Record<DelegationField, bigint>>,
) {
  const d = await c.vault.getDelegation(provider, account);
  for (const [field, value] of Object.entries(want) as [DelegationField, bigint][]) {
    expect(d[field], `delegation.${field}`).to.equal(value);
  }
}

/** A deployment with providers[0] onboarded (2 H100s, 400 CNDR self-stake, commission `commissionBps` in force). */
async function withProvider(opts: { commissionBps?: number } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p, { commissionBps: opts.commissionBps });
  if (opts.commissionBps !== undefined) {
    // A raised commission waits for the registry's delay (7 days) before it applies.
    await c.networkHelpers.time.increase(7n * DAY + 1n);
    expect(await c.registry.commissionOf(p.address)).to.equal(BigInt(opts.commissionBps));
  }
  return { c, p, d: c.delegators };
}

// ---------------------------------------------------------------------------------------------------------------
// stake
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// delegate
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// requestWithdraw
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// claimWithdraw
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// notifyReward and claimRewards
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// slash, holds, exposure
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// governance
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// views
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Stake that backs exposure (DESIGN.md hardening decision)
// ---------------------------------------------------------------------------------------------------------------

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
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([50n * ONE, t + 1n + UNBONDING]);

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

// ---------------------------------------------------------------------------------------------------------------
// Slashing while withdrawals are pending
// ---------------------------------------------------------------------------------------------------------------

/**
 * Pool used by the slashing tests: self 400 of which 100 pending; d0 delegates 1,000; d1 delegates 500 and requests
 * 300. So selfActive 300, selfPending 100, delegated active 1,200 (1,200 shares), pending 300 (300 shares).
 */
async function slashingPool() {
  const { c, p, d } = await withProvider();
  await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
  await c.vault.connect(d[1]).delegate(p.address, 500n * ONE);
  const t = (await now(c)) + 10n;
  await at(c, t);
  await c.vault.connect(d[1]).requestWithdraw(p.address, 300n * ONE);
  await c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);
  await expectPool(c, p.address, {
    selfActive: 300n * ONE,
    selfPending: 100n * ONE,
    delegatedAssets: 1_200n * ONE,
    delegatedShares: 1_200n * ONE,
    pendingAssets: 300n * ONE,
    pendingShares: 300n * ONE,
  });
  return { c, p, d, t };
}

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

// ---------------------------------------------------------------------------------------------------------------
// Once only (invariant 4)
// ---------------------------------------------------------------------------------------------------------------

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
