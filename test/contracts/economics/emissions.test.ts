/**
 * EmissionController (DESIGN.md: EmissionController; invariant 5; the wash-guard hardening decision): revenue
 * recording, epoch closes with each bound, the TWAP rules, lazy settlement into the pools, parameters, and the
 * attack PoCs of the emissions issue (wash trading, TWAP manipulation both ways, stake arriving before a close).
 * Expected budgets come from src/economics/emissions.ts, the bigint mirror of EmissionMath.
 *
 * Local parameters: 1-hour epochs, cap 20,000 CNDR, rate 0.016 CNDR per dollar, 5% decay every 720 epochs, long
 * TWAP 24 epochs, floor 0.01 dollar, guard ratio 90%, minimum TWAP window 30 minutes; fee 1%; the pool is seeded
 * at 0.5 dollar per CNDR. At that price the guard allows 0.018 CNDR per dollar, so the rate binds by default.
 */
import { expect } from "chai";
import {
  closeBudget,
  DEFAULT_PARAMS,
  DEFAULT_SCHEDULE,
  feeFor,
  scheduleAt,
  shareOf,
  wholeToQ112,
} from "../../../src/economics/emissions.js";
import { EmissionController__factory, TestStablecoin__factory } from "../../../types/ethers-contracts/index.js";
import { connectCinder, onboardProvider, ONE, USD, withoutRewarderFunds, type Cinder } from "../../helpers/fixture.js";
import { at, closedEvent, HOUR, nextEpochStart, now, Payer, reserves, swap } from "../../helpers/emissions.js";

const { loadCinder } = await connectCinder();

const FEE_BPS = 100n;
const ROOM = 10n ** 30n;

async function spotQ112(c: Cinder): Promise<bigint> {
  const r = await reserves(c);
  return (r.asset << 112n) / r.cndr;
}

/** The expected close of an epoch whose price was the current spot throughout (no history yet: the seed price). */
async function expectedClose(c: Cinder, revenue: bigint, epochIndex = 0n, params = DEFAULT_PARAMS) {
  return closeBudget({
    revenue,
    fees: feeFor(revenue, FEE_BPS),
    epochIndex,
    schedule: DEFAULT_SCHEDULE,
    params,
    epochTwapQ112: await spotQ112(c),
    longTwapQ112: wholeToQ112(DEFAULT_SCHEDULE.seedPrice),
    room: ROOM,
  });
}

/** Two onboarded providers and a payer; the clock at the start of a fresh epoch. */
async function setup() {
  const c = await loadCinder();
  await withoutRewarderFunds(c);
  const [p0, p1] = c.providers;
  await onboardProvider(c, p0!);
  await onboardProvider(c, p1!);
  return { c, p0: p0!, p1: p1!, payer: new Payer(c) };
}

/** Pays `amounts[i]` to provider i at offset 60 s into the next epoch, then closes it 31 minutes after it ended. */
async function epochWithRevenue(c: Cinder, payer: Payer, payments: [Awaited<ReturnType<typeof setup>>["p0"], bigint][]) {
  const { epoch, t } = await nextEpochStart(c, 60n);
  await at(c, t);
  for (const [provider, amount] of payments) await payer.pay(provider, amount);
  await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
  return epoch;
}

describe("EmissionController deployment", function () {
  it("holds the schedule and parameters of the deployment and is the wired minter and reward funder", async function () {
    const c = await loadCinder();
    const s = await c.emissions.schedule();
    expect([s.epochLength, s.initialEpochCap, s.initialRateWad, s.decayBps, s.decayInterval, s.longTwapEpochs, s.seedPrice]).to.deep.equal(
      Object.values(DEFAULT_SCHEDULE),
    );
    const p = await c.emissions.params();
    expect([p.floorPrice, p.guardRatioBps, p.minTwapWindow]).to.deep.equal(Object.values(DEFAULT_PARAMS));
    const controller = await c.emissions.getAddress();
    // The minter and the reward funder, each wired once (no AccessManager role mints or funds rewards).
    expect(await c.token.minter(), "minter").to.equal(controller);
    expect(await c.vault.emissionController(), "reward funder").to.equal(controller);
    expect(await c.emissions.isRecorder(await c.jobMarket.getAddress())).to.equal(true);
    expect(await c.token.allowance(controller, await c.vault.getAddress())).to.equal(c.ethers.MaxUint256);
  });

  it("decays the cap and the rate 5% every 720 epochs, exactly as the TypeScript mirror", async function () {
    const c = await loadCinder();
    const genesis = await c.emissions.GENESIS_EPOCH();
    for (const k of [0n, 719n, 720n, 1_439n, 1_440n, 7_200n, 720n * 97n]) {
      const [cap, rateWad] = await c.emissions.scheduleAt(genesis + k);
      const expected = scheduleAt(DEFAULT_SCHEDULE, k);
      expect([cap, rateWad], `epoch +${k}`).to.deep.equal([expected.cap, expected.rateWad]);
    }
    const [cap720] = await c.emissions.scheduleAt(genesis + 720n);
    expect(cap720).to.equal((20_000n * ONE * 95n) / 100n);
    // Epochs before genesis use the initial values.
    expect((await c.emissions.scheduleAt(0n))[0]).to.equal(20_000n * ONE);
  });
});

describe("EmissionController.recordRevenue", function () {
  it("samples the pool on the epoch's first record only and adds revenue and fees", async function () {
    const { c, p0, payer } = await setup();
    const { epoch, t } = await nextEpochStart(c, 100n);
    await expect(payer.pay(p0, 1_000n * USD, { redeemAt: t })).to.emit(c.emissions, "PriceObserved");
    await expect(payer.pay(p0, 500n * USD)).not.to.emit(c.emissions, "PriceObserved");
    const fees = feeFor(1_000n * USD, FEE_BPS) + feeFor(500n * USD, FEE_BPS);
    expect(await c.emissions.epochTotals(epoch)).to.deep.equal([1_500n * USD, fees]);
    expect(await c.emissions.providerRevenue(epoch, p0.address)).to.equal(1_500n * USD);
    expect((await c.emissions.epochInfo(epoch)).observedAt).to.equal(t);
  });

  it("refuses any caller but the wired payment contracts", async function () {
    const c = await loadCinder();
    await expect(c.emissions.connect(c.stranger).recordRevenue(c.stranger.address, 1n, 0n))
      .to.be.revertedWithCustomError(c.emissions, "EmissionNotRecorder")
      .withArgs(c.stranger.address);
  });
});

describe("EmissionController.closeEpoch", function () {
  it("mints revenue x rate when the rate binds, and records the epoch", async function () {
    const { c, p0, p1, payer } = await setup();
    const epoch = await epochWithRevenue(c, payer, [[p0, 3_000n * USD], [p1, 1_000n * USD]]);
    const expected = await expectedClose(c, 4_000n * USD);
    expect(expected.bound).to.equal("RevenueRate");
    expect(expected.budget).to.equal((4_000n * 16n * ONE) / 1_000n); // 0.016 CNDR per dollar
    const supply = await c.token.totalSupply();
    const tx = await c.emissions.connect(c.stranger).closeEpoch();
    const ev = await closedEvent(c, tx);
    expect(ev).to.deep.include({ epoch, revenue: 4_000n * USD, fees: 40n * USD, ...expected });
    expect(await c.token.totalSupply()).to.equal(supply + expected.budget);
    expect(await c.token.balanceOf(await c.emissions.getAddress())).to.equal(expected.budget);
    const info = await c.emissions.epochInfo(epoch);
    expect([info.closed, info.bound, info.budget, info.price]).to.deep.equal([true, 2n, expected.budget, expected.price]);
    expect(await c.emissions.totals()).to.deep.equal([expected.budget, 0n]);
  });

  it("mints the epoch cap when revenue x rate exceeds it", async function () {
    const { c, p0, payer } = await setup();
    // 2,000,000 dollars x 0.016 = 32,000 CNDR > the 20,000 cap; the guard allows 36,000.
    await epochWithRevenue(c, payer, [[p0, 2_000_000n * USD]]);
    const ev = await closedEvent(c, await c.emissions.closeEpoch());
    expect(ev.bound).to.equal("EpochCap");
    expect(ev.budget).to.equal(20_000n * ONE);
    expect(ev.byRate).to.equal(32_000n * ONE);
  });

  it("mints at most the guard's amount when the guard binds: budget x price <= 90% of fees", async function () {
    const { c, p0, payer } = await setup();
    // A floor of 1 dollar per CNDR: the guard allows 0.009 CNDR per dollar of revenue, below the rate's 0.016.
    const params = { ...DEFAULT_PARAMS, floorPrice: USD };
    await c.emissions.connect(c.governance).setParams(params);
    await epochWithRevenue(c, payer, [[p0, 10_000n * USD]]);
    const expected = await expectedClose(c, 10_000n * USD, 0n, params);
    const ev = await closedEvent(c, await c.emissions.closeEpoch());
    expect(ev).to.deep.include({ bound: "WashGuard", budget: expected.budget, price: USD });
    // 90% of 100 dollars of fees at 1 dollar, less the rounding of the floor (rounded up: stricter).
    expect(ev.budget).to.be.lte(90n * ONE).and.gte(90n * ONE - 1_000n);
    expect((ev.budget * USD) / ONE).to.be.lte((ev.fees * 9_000n) / 10_000n);
  });

  it("closes an empty epoch with no mint", async function () {
    const c = await loadCinder();
    const { epoch } = await nextEpochStart(c);
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 5n);
    const supply = await c.token.totalSupply();
    const ev = await closedEvent(c, await c.emissions.closeEpochAt(epoch));
    expect(ev).to.deep.include({ epoch, revenue: 0n, budget: 0n, bound: "NoRevenue", price: 0n });
    expect(await c.token.totalSupply()).to.equal(supply);
  });

  it("closes an epoch once only", async function () {
    const { c, p0, payer } = await setup();
    const epoch = await epochWithRevenue(c, payer, [[p0, 100n * USD]]);
    await c.emissions.closeEpoch();
    await expect(c.emissions.closeEpoch()).to.be.revertedWithCustomError(c.emissions, "EmissionEpochAlreadyClosed").withArgs(epoch);
    await expect(c.emissions.closeEpochAt(epoch)).to.be.revertedWithCustomError(c.emissions, "EmissionEpochAlreadyClosed").withArgs(epoch);
  });

  it("refuses the current epoch and epochs before genesis", async function () {
    const c = await loadCinder();
    const genesis = await c.emissions.GENESIS_EPOCH();
    const { epoch, t } = await nextEpochStart(c, 10n);
    await c.networkHelpers.time.increaseTo(t);
    await expect(c.emissions.closeEpochAt(epoch))
      .to.be.revertedWithCustomError(c.emissions, "EmissionEpochNotClosable")
      .withArgs(epoch, epoch, genesis);
    await expect(c.emissions.closeEpochAt(genesis - 1n))
      .to.be.revertedWithCustomError(c.emissions, "EmissionEpochNotClosable")
      .withArgs(genesis - 1n, (await now(c)) / HOUR, genesis);
  });

  it("waits for a TWAP window of at least 30 minutes rather than price an epoch on a moment", async function () {
    const { c, p0, payer } = await setup();
    const { epoch } = await nextEpochStart(c);
    const last = (epoch + 1n) * HOUR - 1n;
    await payer.pay(p0, 100n * USD, { redeemAt: last }); // revenue in the epoch's last second starts its TWAP there
    const closeAt = (epoch + 1n) * HOUR + 100n;
    await at(c, closeAt);
    await expect(c.emissions.closeEpochAt(epoch))
      .to.be.revertedWithCustomError(c.emissions, "EmissionTwapTooYoung")
      .withArgs(epoch, closeAt - last, 1_800n);
    await c.networkHelpers.time.increaseTo(last + 1_800n);
    const ev = await closedEvent(c, await c.emissions.closeEpochAt(epoch));
    expect(ev.bound).to.equal("RevenueRate");
  });

  it("clips a catch-up close to the token's window cap (TokenLimit) rather than revert", async function () {
    const { c, p0, payer } = await setup();
    // Six epochs at the 20,000 CNDR cap each, left open, then closed within one 1-hour mint window (100,000).
    const epochs: bigint[] = [];
    for (let i = 0; i < 6; i++) {
      const { epoch, t } = await nextEpochStart(c, 60n);
      await payer.pay(p0, 1_500_000n * USD, { redeemAt: t });
      epochs.push(epoch);
    }
    await c.networkHelpers.time.increaseTo((epochs[5]! + 1n) * HOUR + 1_860n);
    const results = [];
    for (const e of epochs) results.push(await closedEvent(c, await c.emissions.closeEpochAt(e)));
    expect(results.map((r) => r.bound)).to.deep.equal(["EpochCap", "EpochCap", "EpochCap", "EpochCap", "EpochCap", "TokenLimit"]);
    expect(results[5]!.budget).to.equal(0n);
    expect(await c.token.mintedInCurrentWindow()).to.equal(100_000n * ONE);
  });

  it("catches up on a missed epoch after later ones closed, at that epoch's own schedule", async function () {
    const { c, p0, payer } = await setup();
    const first = await epochWithRevenue(c, payer, [[p0, 1_000n * USD]]);
    const second = await epochWithRevenue(c, payer, [[p0, 2_000n * USD]]);
    await c.emissions.closeEpochAt(second);
    const ev = await closedEvent(c, await c.emissions.closeEpochAt(first));
    expect(ev.epoch).to.equal(first);
    expect(ev.revenue).to.equal(1_000n * USD);
    expect(ev.bound).to.equal("RevenueRate");
  });
});

describe("EmissionController settlement", function () {
  it("streams each provider's revenue share into its pool over the next epoch, once", async function () {
    const { c, p0, p1, payer } = await setup();
    const epoch = await epochWithRevenue(c, payer, [[p0, 3_000n * USD], [p1, 1_001n * USD]]);
    await expect(c.emissions.settle(p0.address, epoch))
      .to.be.revertedWithCustomError(c.emissions, "EmissionEpochNotClosed")
      .withArgs(epoch);
    const ev = await closedEvent(c, await c.emissions.closeEpoch());
    const share0 = shareOf(3_000n * USD, 4_001n * USD, ev.budget);
    const share1 = shareOf(1_001n * USD, 4_001n * USD, ev.budget);
    expect(await c.emissions.pendingReward(p0.address, epoch)).to.equal(share0);
    const vault = await c.vault.getAddress();
    const tx = c.emissions.connect(c.stranger).settle(p0.address, epoch);
    await expect(tx).to.emit(c.emissions, "EmissionSettled").withArgs(p0.address, epoch, 3_000n * USD, share0);
    await expect(tx).to.emit(c.vault, "RewardStreamed");
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [await c.emissions.getAddress(), vault], [-share0, share0]);
    await expect(c.emissions.settle(p0.address, epoch))
      .to.be.revertedWithCustomError(c.emissions, "EmissionNothingToSettle")
      .withArgs(p0.address, epoch);
    // settleMany skips the settled one and an address with no revenue.
    await expect(c.emissions.settleMany([p0.address, p1.address, c.stranger.address], epoch))
      .to.emit(c.emissions, "EmissionSettled")
      .withArgs(p1.address, epoch, 1_001n * USD, share1);
    expect(await c.emissions.isSettled(p1.address, epoch)).to.equal(true);
    expect(await c.emissions.pendingReward(p1.address, epoch)).to.equal(0n);
    // Rounding down leaves the dust here, never more than one wei per provider.
    const [minted, settled] = await c.emissions.totals();
    expect(settled).to.equal(share0 + share1);
    expect(minted - settled).to.be.lte(2n);
    expect(await c.token.balanceOf(await c.emissions.getAddress())).to.equal(minted - settled);
    // The reward vests over one epoch: nothing is claimable at once, all of it an epoch later.
    await c.networkHelpers.time.increase(HOUR);
    await c.vault.connect(p0).claimRewards(p0.address);
  });

  it("gives stake that arrives just before the close and leaves right after it (almost) nothing", async function () {
    const { c, p0, payer } = await setup();
    const epoch = await epochWithRevenue(c, payer, [[p0, 100_000n * USD]]);
    // A delegator joins with all the room the cap leaves (5x the self-stake) the block before the close...
    const late = c.delegators[0]!;
    const room = await c.vault.delegationRoom(p0.address);
    const t = await now(c);
    await at(c, t + 1n);
    await c.vault.connect(late).delegate(p0.address, room);
    await at(c, t + 2n);
    const ev = await closedEvent(c, await c.emissions.closeEpoch());
    await at(c, t + 3n);
    await c.emissions.settle(p0.address, epoch);
    // ...and asks to leave in the next block: from then on its shares are pending and earn nothing.
    await at(c, t + 4n);
    await c.vault.connect(late).requestWithdraw(p0.address, await c.vault.delegatedBalance(p0.address, late.address));
    await c.networkHelpers.time.increase(2n * HOUR);
    const captured = await c.vault.claimableRewards(p0.address, late.address);
    // It held 5/6 of the pool for one second of a one-hour stream: at most that share of one second's vesting.
    expect(captured).to.be.lte(ev.budget / 3_600n + 1n);
    // The provider's self-stake, there all along, receives the rest.
    expect(await c.vault.claimableRewards(p0.address, p0.address)).to.be.gte(ev.budget - ev.budget / 3_600n - 2n);
  });
});

describe("EmissionController.setParams", function () {
  it("lets governance change the floor, the guard ratio and the TWAP window within bounds", async function () {
    const c = await loadCinder();
    const next = { floorPrice: 250_000n, guardRatioBps: 5_000n, minTwapWindow: 900n };
    await expect(c.emissions.connect(c.governance).setParams(next)).to.emit(c.emissions, "ParamsSet");
    const p = await c.emissions.params();
    expect([p.floorPrice, p.guardRatioBps, p.minTwapWindow]).to.deep.equal([250_000n, 5_000n, 900n]);
    for (const [name, bad, lo, hi] of [
      ["floorPrice", { ...next, floorPrice: 10n ** 30n + 1n }, 0n, 10n ** 30n],
      ["guardRatioBps", { ...next, guardRatioBps: 9_501n }, 0n, 9_500n],
      ["minTwapWindow", { ...next, minTwapWindow: 59n }, 60n, HOUR],
      ["minTwapWindow", { ...next, minTwapWindow: HOUR + 1n }, 60n, HOUR],
    ] as const) {
      const value = (bad as Record<string, bigint>)[name]!;
      await expect(c.emissions.connect(c.governance).setParams(bad))
        .to.be.revertedWithCustomError(c.emissions, "EmissionParameterOutOfBounds")
        .withArgs(name, value, lo, hi);
    }
  });

  it("refuses anyone but governance, the guardian included", async function () {
    const c = await loadCinder();
    for (const who of [c.stranger, c.guardian]) {
      await expect(c.emissions.connect(who).setParams(DEFAULT_PARAMS))
        .to.be.revertedWithCustomError(c.emissions, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
  });
});

describe("Emission attacks", function () {
  it("wash trading: a client paying its own provider gets back less in emissions than it paid in fees", async function () {
    const { c, p0, payer } = await setup();
    // Worst case for the protocol: the attacker raises the rate's share by paying the whole epoch's revenue.
    const paid = 500_000n * USD;
    await epochWithRevenue(c, payer, [[p0, paid]]);
    const ev = await closedEvent(c, await c.emissions.closeEpoch());
    const fees = feeFor(paid, FEE_BPS);
    // Every CNDR minted for the epoch, valued at the guard's price (the highest of TWAPs and floor).
    const value = (ev.budget * ev.price) / ONE;
    expect(value).to.be.lt(fees);
    expect(value).to.be.lte((fees * 9_000n) / 10_000n);
    // Even if the guard binds (a higher rate could not lift it): 90% of fees at most, so washing loses >= 10%.
    expect((ev.byGuard * ev.price) / ONE).to.be.lte((fees * 9_000n) / 10_000n);
  });

  it("a CNDR price pushed down during the epoch cannot raise the mint (the long TWAP and floor hold it)", async function () {
    const { c, p0, payer } = await setup();
    // 25 epochs of honest observations give the long TWAP (24 epochs) its start and end.
    for (let i = 0; i < 25; i++) {
      const { t } = await nextEpochStart(c, 5n);
      await at(c, t);
      await c.emissions.observe();
    }
    // The guard binds at a 50% ratio: 0.01 CNDR per dollar < 0.016.
    await c.emissions.connect(c.governance).setParams({ ...DEFAULT_PARAMS, guardRatioBps: 5_000n });
    const honest = await c.networkHelpers.takeSnapshot();
    const baseline = await (async () => {
      await epochWithRevenue(c, payer, [[p0, 10_000n * USD]]);
      return closedEvent(c, await c.emissions.closeEpoch());
    })();
    expect(baseline.bound).to.equal("WashGuard");
    await honest.restore();
    // The attacker dumps 300,000 CNDR at the epoch's start (the price falls to about a third) and holds it there.
    const { epoch, t } = await nextEpochStart(c, 1n);
    await at(c, t);
    await swap(c, c.stranger, 300_000n * ONE, true);
    await payer.pay(p0, 10_000n * USD, { redeemAt: t + 59n });
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
    const pushed = await closedEvent(c, await c.emissions.closeEpoch());
    expect(pushed.budget).to.be.lte(baseline.budget);
    // The price used is the long TWAP's (the honest price), not the epoch's depressed one.
    expect(pushed.price).to.equal(baseline.price);
  });

  it("a CNDR price pushed up only lowers the mint", async function () {
    const { c, p0, payer } = await setup();
    await c.emissions.connect(c.governance).setParams({ ...DEFAULT_PARAMS, guardRatioBps: 5_000n });
    const honest = await c.networkHelpers.takeSnapshot();
    await epochWithRevenue(c, payer, [[p0, 10_000n * USD]]);
    const baseline = await closedEvent(c, await c.emissions.closeEpoch());
    await honest.restore();
    const { epoch, t } = await nextEpochStart(c, 1n);
    await at(c, t);
    await swap(c, c.stranger, 200_000n * USD, false);
    await payer.pay(p0, 10_000n * USD, { redeemAt: t + 59n });
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
    const pushed = await closedEvent(c, await c.emissions.closeEpoch());
    expect(pushed.price).to.be.gt(baseline.price);
    expect(pushed.budget).to.be.lt(baseline.budget);
  });
});


describe("EmissionController construction and a pool without a price", function () {
  async function parts(c: Cinder) {
    const wiring = {
      token: await c.token.getAddress(),
      vault: await c.vault.getAddress(),
      pair: await c.uniswapPair.getAddress(),
      asset: await c.stablecoin.getAddress(),
    };
    const schedule = { ...DEFAULT_SCHEDULE };
    return { wiring, schedule, factory: new EmissionController__factory(c.deployer) };
  }

  it("refuses zero addresses, a pair of other tokens and a schedule out of bounds, naming each", async function () {
    const c = await loadCinder();
    const { wiring, schedule, factory } = await parts(c);
    const manager = await c.manager.getAddress();
    const zero = c.ethers.ZeroAddress;
    for (const name of ["token", "vault", "asset"] as const) {
      await expect(factory.deploy(manager, { ...wiring, [name]: zero }, schedule, DEFAULT_PARAMS))
        .to.be.revertedWithCustomError(factory, "EmissionZeroAddress")
        .withArgs(name);
    }
    const [token0, token1] = [await c.uniswapPair.getFunction("token0")(), await c.uniswapPair.getFunction("token1")()];
    await expect(factory.deploy(manager, { ...wiring, asset: c.stranger.address }, schedule, DEFAULT_PARAMS))
      .to.be.revertedWithCustomError(factory, "EmissionPairMismatch")
      .withArgs(token0, token1);
    const maxMint = await c.token.MAX_MINT_PER_WINDOW();
    for (const [name, bad, lo, hi] of [
      ["epochLength", 0n, 1n, 30n * 86_400n],
      ["initialEpochCap", maxMint + 1n, 0n, maxMint],
      ["initialRateWad", 10n ** 42n + 1n, 0n, 10n ** 42n],
      ["decayBps", 10_000n, 0n, 9_999n],
      ["decayInterval", 0n, 1n, 2n ** 64n - 1n],
      ["longTwapEpochs", 0n, 1n, 8_760n],
      ["seedPrice", 0n, 1n, 10n ** 30n],
      ["seedPrice", 10n ** 30n + 1n, 1n, 10n ** 30n],
    ] as const) {
      await expect(factory.deploy(manager, wiring, { ...schedule, [name]: bad }, DEFAULT_PARAMS))
        .to.be.revertedWithCustomError(factory, "EmissionParameterOutOfBounds")
        .withArgs(name, bad, lo, hi);
    }
    await expect(factory.deploy(manager, wiring, schedule, { ...DEFAULT_PARAMS, guardRatioBps: 9_600n }))
      .to.be.revertedWithCustomError(factory, "EmissionParameterOutOfBounds")
      .withArgs("guardRatioBps", 9_600n, 0n, 9_500n);
  });

  it("mints nothing for an epoch whose pool has no reserves (NoPrice), and wires its recorders once", async function () {
    const c = await loadCinder();
    const { wiring, schedule, factory } = await parts(c);
    // A fresh CNDR pair against a new stablecoin, created by the real factory and never funded.
    const usd2 = await new TestStablecoin__factory(c.deployer).deploy();
    await c.uniswapFactory.getFunction("createPair")(wiring.token, await usd2.getAddress());
    const pair = (await c.uniswapFactory.getFunction("getPair")(wiring.token, await usd2.getAddress())) as string;
    const controller = await factory.deploy(
      await c.manager.getAddress(),
      { ...wiring, pair, asset: await usd2.getAddress() },
      schedule,
      DEFAULT_PARAMS,
    );
    // Unmapped functions default to the AccessManager's admin: the timelock.
    await expect(controller.connect(c.stranger).wireRecorders(c.stranger.address, c.stranger.address))
      .to.be.revertedWithCustomError(controller, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    await expect(controller.connect(c.governance).wireRecorders(c.ethers.ZeroAddress, c.stranger.address))
      .to.be.revertedWithCustomError(controller, "EmissionZeroAddress")
      .withArgs("jobMarket");
    await expect(controller.connect(c.governance).wireRecorders(c.stranger.address, c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(controller, "EmissionZeroAddress")
      .withArgs("paymentChannels");
    await controller.connect(c.governance).wireRecorders(c.stranger.address, c.clients[0]!.address);
    await expect(controller.connect(c.governance).wireRecorders(c.stranger.address, c.stranger.address))
      .to.be.revertedWithCustomError(controller, "EmissionAlreadyWired");
    const { epoch, t } = await nextEpochStart(c, 60n);
    await at(c, t);
    await controller.connect(c.stranger).recordRevenue(c.providers[0]!.address, 1_000n * USD, 10n * USD);
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_800n);
    const tx = await controller.closeEpochAt(epoch);
    await expect(tx).to.emit(controller, "EpochClosed").withArgs(epoch, 1_000n * USD, 10n * USD, 0n, 5n, 20_000n * ONE, 16n * ONE, 0n, 0n);
    expect((await controller.epochInfo(epoch)).bound).to.equal(5n); // NoPrice
    expect(await controller.totals()).to.deep.equal([0n, 0n]);
  });
});
