/**
 * Attack PoC (issue 15, Medium 5): wash trading while the pool price is held down before the epoch's first sample.
 * The attacker pays its own provider 1,000,000 USD through a channel (10,000 USD of fees) and, one second into the
 * epoch, dumps CNDR so that the epoch's TWAP (from its first sample, the attacker's own redemption) is a quarter of
 * the honest price; it buys the CNDR back after the close. The honest price is about 1.00 USD (a buyer lifted the
 * pool from its 0.50 seed), where revenue x rate (0.016 CNDR per dollar) is worth 1.6% of revenue, above the 1% fee:
 * only the guard's price keeps the mint below the fees. Before the fix the long TWAP was skipped whenever epoch
 * e-1-L had no sample (always in the first 25 epochs, and after any untouched epoch) and the attacker was paid at
 * its own depressed price (0.25 USD): 16,000 CNDR worth 16,208 USD, less 10,000 of fees and 2,138 of round trip,
 * +4,070 USD per epoch. Now the guard prices CNDR at the long TWAP from the latest sample at least L epochs before
 * the last one (or, while the history is young, at the highest of the seed price and the TWAP of the samples so
 * far): 8,885 CNDR worth 9,000 USD, and the same trade loses 3,138 USD, in both cases below.
 *
 * The attacker's result counts, at the honest price: the emission it streams to its own pool, less the fees, less
 * what its dump-and-buy-back round trip on the pool cost in dollars.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { connectCinder, onboardProvider, ONE, USD, type Cinder } from "../helpers/fixture.js";
import { at, closedEvent, HOUR, nextEpochStart, Payer, reserves, swap } from "../helpers/emissions.js";
import { DEFAULT_PARAMS, DEFAULT_SCHEDULE, feeFor, guardMax, wholeToQ112 } from "../../src/economics/emissions.js";
import { RevertingRewardVault__factory, EmissionController__factory } from "../../types/ethers-contracts/index.js";

const { loadCinder } = await connectCinder();

const WASH = 1_000_000n * USD;
const DUMP = 700_000n * ONE;

/** Spot price in asset units per whole CNDR. */
async function spot(c: Cinder): Promise<bigint> {
  const r = await reserves(c);
  return (r.asset * ONE) / r.cndr;
}

/** A buyer lifts the pool from its 0.50 seed to about 1.00 USD per CNDR; providers onboarded. */
async function pumped() {
  const c = await loadCinder();
  const [attacker, honest] = [c.providers[0]!, c.providers[1]!];
  await onboardProvider(c, attacker);
  await onboardProvider(c, honest);
  await swap(c, c.delegators[4]!, 212_000n * USD, false);
  return { c, attacker, honest, payer: new Payer(c) };
}

/** Samples the pool a few seconds into each of the next `n` epochs (any keeper's `observe()`). */
async function sampleEpochs(c: Cinder, n: number) {
  for (let i = 0; i < n; i++) {
    const { t } = await nextEpochStart(c, 5n);
    await at(c, t);
    await c.emissions.observe();
  }
}

/** The dump-and-buy-back round trip's cost in dollars, and the attacker's close. */
async function washWithDump(c: Cinder, attacker: Cinder["providers"][number], payer: Payer, epoch: bigint, t: bigint) {
  const dumper = c.stranger;
  const usdBefore = await c.stablecoin.balanceOf(dumper.address);
  await at(c, t);
  await swap(c, dumper, DUMP, true); // tops the dumper up from the treasury first if needed
  // The redemption is the epoch's first record: it samples the pool, at the depressed price.
  const redeemed = await (await payer.pay(attacker, WASH, { redeemAt: t + 59n })).wait();
  const sample = redeemed!.logs.map((l) => c.emissions.interface.parseLog(l)).find((l) => l?.name === "PriceObserved")!;
  await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
  const closeTx = await c.emissions.closeEpochAt(epoch);
  const ev = await closedEvent(c, closeTx);
  // The epoch's own TWAP, all the old guard had here: from the sample to the close.
  const closedAt = BigInt((await closeTx.getBlock())!.timestamp);
  const [sampleCumulative, sampledAt] = [sample.args[1] as bigint, sample.args[2] as bigint];
  const epochTwapQ112 = ((await cumulativeAt(c, closedAt)) - sampleCumulative) / (closedAt - sampledAt);
  // Buy the dumped CNDR back: exactly DUMP out, whatever it costs.
  const router = c.uniswapRouter.connect(dumper) as Contract;
  const path = [await c.stablecoin.getAddress(), await c.token.getAddress()];
  await c.stablecoin.faucet(dumper.address, 1_000_000n * USD);
  const deadline = (epoch + 2n) * HOUR;
  await router.getFunction("swapTokensForExactTokens")(DUMP, 2n ** 255n, path, dumper.address, deadline);
  const roundTrip = usdBefore + 1_000_000n * USD - (await c.stablecoin.balanceOf(dumper.address));
  return { ev, roundTrip, epochTwapQ112 };
}

/** The pair's CNDR price cumulative at `t` (UniswapV2Twap.currentCumulative), with no trade since. */
async function cumulativeAt(c: Cinder, t: bigint): Promise<bigint> {
  const pair = c.uniswapPair;
  const token0 = (await pair.getFunction("token0")()) === (await c.token.getAddress());
  const last = (await pair.getFunction(token0 ? "price0CumulativeLast" : "price1CumulativeLast")()) as bigint;
  const [r0, r1, updated] = (await pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
  const price = token0 ? (r1 << 112n) / r0 : (r0 << 112n) / r1;
  return last + price * (t - updated);
}

/**
 * What the old guard (the epoch TWAP and the floor only, the long TWAP skipped) would have minted for the same
 * epoch, and the attacker's result with it: the least of the cap, the rate and the guard at that price.
 */
function oldRule(ev: { cap: bigint; byRate: bigint; fees: bigint }, epochTwapQ112: bigint, honestPrice: bigint, roundTrip: bigint) {
  const price = epochTwapQ112 > wholeToQ112(DEFAULT_PARAMS.floorPrice) ? epochTwapQ112 : wholeToQ112(DEFAULT_PARAMS.floorPrice);
  const byGuard = guardMax(ev.fees, DEFAULT_PARAMS.guardRatioBps, price);
  const budget = [ev.cap, ev.byRate, byGuard].reduce((a, b) => (a < b ? a : b));
  return { budget, pnl: (budget * honestPrice) / ONE - ev.fees - roundTrip };
}

describe("Attack: wash trading with the pool held down before the epoch's first sample", function () {
  it("in the first L epochs: priced at the young history's TWAP (not the dump), the wash loses", async function () {
    const { c, attacker, payer } = await pumped();
    const honestPrice = await spot(c);
    expect(honestPrice).to.be.gte(1_000_000n).and.lte(1_020_000n);
    await sampleEpochs(c, 3); // three epochs of history, far fewer than L = 24
    const { epoch, t } = await nextEpochStart(c, 1n);
    const { ev, roundTrip, epochTwapQ112 } = await washWithDump(c, attacker, payer, epoch, t);
    const fees = feeFor(WASH, 100n);
    // Unguarded, revenue x rate would be worth more than the fees: the dump is what the attack needs to pay. The
    // old guard, at the dumped epoch TWAP (about a quarter of the honest price), let the rate's 16,000 CNDR through.
    expect(ev.byRate).to.equal(16_000n * ONE);
    const old = oldRule(ev, epochTwapQ112, honestPrice, roundTrip);
    expect(old.budget).to.equal(16_000n * ONE);
    expect(old.pnl, `old P&L ${old.pnl}`).to.be.gt(4_000n * USD);
    // The guard priced CNDR at the young history's TWAP (the honest price), not at the dumped epoch TWAP.
    expect(ev.bound).to.equal("WashGuard");
    expect(ev.price).to.be.gte((honestPrice * 999n) / 1_000n);
    const emitted = (ev.budget * honestPrice) / ONE;
    const pnl = emitted - fees - roundTrip;
    expect((ev.budget * ev.price) / ONE).to.be.lte((fees * 9_000n) / 10_000n);
    expect(pnl, `P&L ${pnl} (emitted ${emitted}, fees ${fees}, round trip ${roundTrip})`).to.be.lt(0n);
  });

  it("after an untouched epoch: the long TWAP starts at the latest sample L epochs before the last one, the wash loses", async function () {
    const { c, attacker, payer } = await pumped();
    const honestPrice = await spot(c);
    await sampleEpochs(c, 26); // more than L = 24 epochs of history
    // Epoch e - 1 goes untouched (no revenue, no observe): the old guard skipped its long TWAP then.
    const skipped = (await nextEpochStart(c)).epoch;
    const epoch = skipped + 1n;
    const t = epoch * HOUR + 1n;
    expect((await c.emissions.epochInfo(epoch - 1n)).observedAt).to.equal(0n);
    const { ev, roundTrip, epochTwapQ112 } = await washWithDump(c, attacker, payer, epoch, t);
    const fees = feeFor(WASH, 100n);
    const old = oldRule(ev, epochTwapQ112, honestPrice, roundTrip);
    expect(old.budget).to.equal(16_000n * ONE);
    expect(old.pnl, `old P&L ${old.pnl}`).to.be.gt(4_000n * USD);
    expect(ev.bound).to.equal("WashGuard");
    expect(ev.price).to.be.gte((honestPrice * 999n) / 1_000n);
    const emitted = (ev.budget * honestPrice) / ONE;
    const pnl = emitted - fees - roundTrip;
    expect((ev.budget * ev.price) / ONE).to.be.lte((fees * 9_000n) / 10_000n);
    expect(pnl, `P&L ${pnl} (emitted ${emitted}, fees ${fees}, round trip ${roundTrip})`).to.be.lt(0n);
  });

  it("does not starve honest providers: below the seed price in the first L epochs, revenue x rate is still paid", async function () {
    const c = await loadCinder();
    const honest = c.providers[1]!;
    await onboardProvider(c, honest);
    // The market falls from the 0.50 seed to about 0.40 and stays there (no manipulation, just a lower price).
    await swap(c, c.delegators[4]!, 118_000n * ONE, true);
    expect(await spot(c)).to.be.lt((DEFAULT_SCHEDULE.seedPrice * 82n) / 100n);
    await sampleEpochs(c, 2);
    const payer = new Payer(c);
    const { epoch, t } = await nextEpochStart(c, 60n);
    await payer.pay(honest, 10_000n * USD, { redeemAt: t });
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
    const ev = await closedEvent(c, await c.emissions.closeEpochAt(epoch));
    // Priced at the seed (the highest term): the guard allows 0.018 CNDR per dollar, so the rate's 0.016 binds.
    expect(ev.price).to.equal((wholeToQ112(DEFAULT_SCHEDULE.seedPrice) * ONE) >> 112n);
    expect(ev.bound).to.equal("RevenueRate");
    expect(ev.budget).to.equal(160n * ONE);
  });

  it("does not starve honest providers: with a full history, an honest epoch is priced at its own TWAP", async function () {
    const { c, honest, payer } = await pumped();
    await sampleEpochs(c, 26);
    const honestPrice = await spot(c);
    const { epoch, t } = await nextEpochStart(c, 60n);
    await payer.pay(honest, 10_000n * USD, { redeemAt: t });
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
    const ev = await closedEvent(c, await c.emissions.closeEpochAt(epoch));
    // The pool sat at the honest price all along: the guard's price is that price (to rounding), 0.9% of revenue.
    expect(ev.price).to.be.gte(honestPrice - 1n).and.lte(honestPrice + 1n);
    expect(ev.bound).to.equal("WashGuard");
    expect((ev.budget * ev.price) / ONE).to.be.gte((feeFor(10_000n * USD, 100n) * 9_000n) / 10_000n - 100n);
  });
});

describe("Attack: one provider's failing pool blocks everyone's settlement", function () {
  it("settleMany settles the others, leaves the failing one undone and retryable", async function () {
    const c = await loadCinder();
    const vault = await new RevertingRewardVault__factory(c.deployer).deploy(await c.token.getAddress());
    const factory = new EmissionController__factory(c.deployer);
    const controller = await factory.deploy(
      await c.manager.getAddress(),
      {
        token: await c.token.getAddress(),
        vault: await vault.getAddress(),
        pair: await c.uniswapPair.getAddress(),
        asset: await c.stablecoin.getAddress(),
      },
      DEFAULT_SCHEDULE,
      { floorPrice: 10_000n, guardRatioBps: 9_000n, minTwapWindow: 1_800n },
    );
    // CNDR's minter is wired once, to the deployed controller: this test's own controller takes its place by
    // rewriting the slot that holds it (test-only; no call can rewire it).
    await rewireMinter(c, await controller.getAddress());
    const recorder = c.clients[2]!;
    await controller.connect(c.governance).wireRecorders(recorder.address, c.clients[1]!.address);
    const [a, b, d] = [c.providers[0]!, c.providers[1]!, c.providers[2]!];
    const { epoch, t } = await nextEpochStart(c, 60n);
    await at(c, t);
    for (const p of [a, b, d]) await controller.connect(recorder).recordRevenue(p.address, 1_000n * USD, 10n * USD);
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_860n);
    await controller.closeEpochAt(epoch);
    const share = await controller.pendingReward(a.address, epoch);
    expect(share).to.equal(16n * ONE);
    await vault.setFailing(b.address, true);
    // The single settle reverts with the vault's reason; settleMany goes on past it.
    await expect(controller.settle(b.address, epoch))
      .to.be.revertedWithCustomError(vault, "RevertingRewardVaultRefused")
      .withArgs(b.address);
    const tx = controller.settleMany([a.address, b.address, d.address], epoch);
    const reason = vault.interface.encodeErrorResult("RevertingRewardVaultRefused", [b.address]);
    await expect(tx).to.emit(controller, "EmissionSettlementFailed").withArgs(b.address, epoch, share, reason);
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [controller, vault], [-2n * share, 2n * share]);
    expect(await controller.isSettled(a.address, epoch)).to.equal(true);
    expect(await controller.isSettled(d.address, epoch)).to.equal(true);
    // The failing one's accounting is unchanged: still pending, not counted as settled.
    expect(await controller.isSettled(b.address, epoch)).to.equal(false);
    expect(await controller.pendingReward(b.address, epoch)).to.equal(share);
    expect((await controller.totals())[1]).to.equal(2n * share);
    // Once its pool accepts again, the retry settles it.
    await vault.setFailing(b.address, false);
    await expect(controller.settleMany([b.address], epoch))
      .to.emit(controller, "EmissionSettled")
      .withArgs(b.address, epoch, 1_000n * USD, share);
    expect((await controller.totals())[1]).to.equal(3n * share);
    expect(await c.token.balanceOf(await vault.getAddress())).to.equal(3n * share);
  });
});

/** Points CNDR's one-time minter slot at `minter` (found by the wired controller's address in storage). */
async function rewireMinter(c: Cinder, minter: string): Promise<void> {
  const token = await c.token.getAddress();
  const wired = c.ethers.zeroPadValue((await c.token.minter()).toLowerCase(), 32);
  for (let slot = 0n; slot < 32n; slot++) {
    if ((await c.ethers.provider.getStorage(token, slot)) === wired) {
      await c.networkHelpers.setStorageAt(token, slot, c.ethers.zeroPadValue(minter, 32));
      return;
    }
  }
  throw new Error("CNDR's minter slot not found");
}
