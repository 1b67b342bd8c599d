/**
 * Attack PoC: TWAP manipulation and sandwiching of the buy-and-burn on the real Uniswap V2 pool (DESIGN.md
 * BuybackBurner; ANCHORS.md: Firepit's static threshold is flagged for MEV). The attacker owns the block: it buys
 * CNDR ahead of the keeper's buyback, lets the buyback run, and sells right after. Measured end to end in the
 * attacker's own dollars: a front-run inside the TWAP bound loses the pool's 0.3% fee both ways on more than the
 * buyback's price impact gives back; one big enough to matter pushes the spot past the bound and the buyback
 * refuses to trade, so the attacker pays both fees for nothing. (The emission side of the TWAP, the wash guard's
 * price, is in test/contracts/economics/emissions.test.ts: a pushed price never raises the mint.)
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { connectCinder, type Cinder, USD } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();
const WINDOW = 1_800;

async function primed(): Promise<Cinder> {
  const c = await loadCinder();
  await c.stablecoin.faucet(await c.buybackBurner.getAddress(), 5_000n * USD);
  await c.buybackBurner.observe();
  await c.networkHelpers.time.increase(WINDOW);
  return c;
}

/** The attacker's dollar and CNDR balances. */
async function wealth(c: Cinder) {
  return { usd: await c.stablecoin.balanceOf(c.stranger.address), cndr: await c.token.balanceOf(c.stranger.address) };
}

async function trade(c: Cinder, amountIn: bigint, buyCndr: boolean): Promise<bigint> {
  const t = c.stranger;
  const router = c.uniswapRouter.connect(t) as Contract;
  await c.stablecoin.connect(t).approve(await c.uniswapRouter.getAddress(), c.ethers.MaxUint256);
  await c.token.connect(t).approve(await c.uniswapRouter.getAddress(), c.ethers.MaxUint256);
  const usd = await c.stablecoin.getAddress();
  const cndr = await c.token.getAddress();
  const before = buyCndr ? await c.token.balanceOf(t.address) : await c.stablecoin.balanceOf(t.address);
  const deadline = BigInt(await c.networkHelpers.time.latest()) + 600n;
  await (await router.getFunction("swapExactTokensForTokens")(amountIn, 0n, buyCndr ? [usd, cndr] : [cndr, usd], t.address, deadline)).wait();
  const after = buyCndr ? await c.token.balanceOf(t.address) : await c.stablecoin.balanceOf(t.address);
  return after - before;
}

/** Sandwiches a 1,000-dollar buyback with a front-run of `front` dollars; returns the attacker's dollar P&L. */
async function sandwich(c: Cinder, front: bigint): Promise<{ pnl: bigint; executed: boolean; burned: bigint }> {
  const start = await wealth(c);
  const bought = await trade(c, front, true);
  const burnedBefore = await c.buybackBurner.totalBurned();
  const deadline = BigInt(await c.networkHelpers.time.latest()) + 600n;
  let executed = true;
  try {
    await (await c.buybackBurner.execute(1_000n * USD, 0n, deadline)).wait();
  } catch {
    executed = false;
  }
  await trade(c, bought, false);
  const end = await wealth(c);
  expect(end.cndr).to.equal(start.cndr); // every CNDR bought was sold back
  return { pnl: end.usd - start.usd, executed, burned: (await c.buybackBurner.totalBurned()) - burnedBefore };
}

describe("Attack: sandwiching the buyback on the real Uniswap V2 pool", function () {
  it("loses money at every front-run size: inside the bound the fees exceed the buyback's impact, past it the buyback refuses", async function () {
    const results: { front: bigint; pnl: bigint; executed: boolean }[] = [];
    for (const front of [500n, 2_000n, 5_000n, 30_000n, 100_000n]) {
      const c = await primed();
      const r = await sandwich(c, front * USD);
      results.push({ front, pnl: r.pnl, executed: r.executed });
      expect(r.pnl, `front-run of ${front} USD: P&L ${r.pnl}`).to.be.lessThan(0n);
      if (r.executed) expect(r.burned).to.be.greaterThan(0n);
    }
    // Small front-runs let the buyback run (and still lose); the big ones made it refuse (and lose more).
    expect(results.filter((r) => r.executed).map((r) => r.front)).to.include(500n);
    expect(results.filter((r) => !r.executed).map((r) => r.front)).to.include(100_000n);
    // The loss grows with the size: at least the 0.3% fee once on the front-run.
    const big = results.find((r) => r.front === 100_000n)!;
    expect(-big.pnl).to.be.greaterThan((100_000n * USD * 30n) / 10_000n);
  });

  it("holding the pushed price for a whole window to drag the TWAP never pays: the attacker's round trip loses", async function () {
    const c = await primed();
    const start = await wealth(c);
    // Push 30,000 dollars of CNDR (spot +12%) and hold it for the TWAP window, with no arbitrage (worst case).
    const bought = await trade(c, 30_000n * USD, true);
    await c.buybackBurner.observe();
    await c.networkHelpers.time.increase(WINDOW);
    const [twapOut, spotOut] = await c.buybackBurner.quote(1_000n * USD);
    // The TWAP has followed the held price, so the buyback trades at it (fewer CNDR per dollar: griefing, bounded
    // by the per-epoch cap)...
    expect(twapOut).to.be.lessThan((spotOut * 10_300n) / 10_000n);
    const burnedBefore = await c.buybackBurner.totalBurned();
    await c.buybackBurner.execute(1_000n * USD, 0n, BigInt(await c.networkHelpers.time.latest()) + 600n);
    expect(await c.buybackBurner.totalBurned()).to.be.greaterThan(burnedBefore);
    await trade(c, bought, false);
    const end = await wealth(c);
    // ... and the attacker, selling back into the buyback's own impact, still pays more in pool fees (0.3% each way
    // on 30,000 dollars) than that impact returns: a net loss (about 60 dollars here), never a profit.
    expect(end.cndr).to.equal(start.cndr);
    expect(start.usd - end.usd).to.be.greaterThan(10n * USD);
  });
});

/**
 * Low 9: the buyback accepted a TWAP starting anywhere from 30 minutes to 6 hours back (maxAge settable to 7 days).
 * After a real price fall the bound, dragged by hours of the old price, sat far below the spot output, leaving a
 * sandwich much more room than the intended slippage. Now maxAge is at most two minimum windows (Uniswap's
 * ExampleSlidingWindowOracle refuses the same state: MISSING_HISTORICAL_OBSERVATION), and a keeper samples once per
 * window.
 */
describe("Attack: a stale TWAP start after a real price fall (Low 9)", function () {
  const AMOUNT = 1_000n * USD;
  const SLIPPAGE_BPS = 300n;
  const Q112 = 2n ** 112n;

  /** The pair's counterfactual cumulative price of CNDR per stablecoin now (UniswapV2Twap.currentCumulative). */
  async function cumulative(c: Cinder, at: bigint): Promise<bigint> {
    const pair = c.uniswapPair;
    const assetIsToken0 = (await pair.getFunction("token0")()) === (await c.stablecoin.getAddress());
    const last = (await pair.getFunction(assetIsToken0 ? "price0CumulativeLast" : "price1CumulativeLast")()) as bigint;
    const [r0, r1, updated] = (await pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
    const price = assetIsToken0 ? (r1 * Q112) / r0 : (r0 * Q112) / r1;
    return last + price * (at - updated);
  }

  /** How far below the spot output the TWAP bound sits, in basis points of the spot output. */
  const roomBps = (spotOut: bigint, twapOut: bigint) => {
    const bound = (twapOut * (10_000n - SLIPPAGE_BPS) + 9_999n) / 10_000n;
    return ((spotOut - bound) * 10_000n) / spotOut;
  };

  /** A real fall: someone sells 200,000 CNDR into the pool (the price drops about 30%) and nobody arbitrages. */
  async function priceFalls(c: Cinder) {
    await trade(c, 200_000n * 10n ** 18n, false);
  }

  it("refuses a 6-hour-old start that would leave a sandwich over 1,000 bps of room, and governance cannot allow one", async function () {
    const c = await loadCinder();
    await c.stablecoin.faucet(await c.buybackBurner.getAddress(), 5_000n * USD);
    await c.token.transfer(c.stranger.address, 200_000n * 10n ** 18n);
    await c.buybackBurner.observe();
    const { newer: start } = await c.buybackBurner.observations();
    const startCumulative = await cumulative(c, start.timestamp);
    // Five hours of the old price, then the fall, then an hour with nobody sampling.
    await c.networkHelpers.time.increase(5 * 3_600);
    await priceFalls(c);
    await c.networkHelpers.time.increase(3_600);
    const now = BigInt(await c.networkHelpers.time.latest()) + 1n;
    await c.networkHelpers.time.setNextBlockTimestamp(now);
    await c.networkHelpers.mine();
    // What the old rule (maxAge 6 h) would have quoted from that start, and the room it left.
    const window = now - start.timestamp;
    const staleTwapOut = (((await cumulative(c, now)) - startCumulative) / window * AMOUNT) / Q112;
    const spotOut = (await c.uniswapRouter.getFunction("getAmountsOut")(AMOUNT, [await c.stablecoin.getAddress(), await c.token.getAddress()]))[1] as bigint;
    expect(roomBps(spotOut, staleTwapOut), "room under the old rule").to.be.greaterThan(1_000n);
    // The burner refuses that start, in quotes and in execution.
    await expect(c.buybackBurner.quote(AMOUNT))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerTwapStale")
      .withArgs(window, 3_600n);
    await c.networkHelpers.time.setNextBlockTimestamp(now + 1n);
    await expect(c.buybackBurner.execute(AMOUNT, 0n, now + 600n))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerTwapStale")
      .withArgs(window + 1n, 3_600n);
    expect(await c.buybackBurner.totalSpent()).to.equal(0n);
    // And the old setting is out of bounds: the TWAP may start at most two minimum windows back.
    await expect(
      c.buybackBurner.connect(c.governance).setParams({ maxPerEpoch: 10_000n * USD, minWindow: 1_800n, maxAge: 21_600n, maxSlippageBps: SLIPPAGE_BPS }),
    )
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("maxAge", 21_600n, 1_800n, 3_600n);
  });

  it("honest path: a keeper sampling every window catches up with the fall within maxAge and the room is back under the slippage bound", async function () {
    const c = await loadCinder();
    await c.stablecoin.faucet(await c.buybackBurner.getAddress(), 5_000n * USD);
    await c.token.transfer(c.stranger.address, 200_000n * 10n ** 18n);
    const keeper = async (seconds: number) => {
      for (let left = seconds; left > 0; left -= WINDOW) {
        await c.networkHelpers.time.increase(Math.min(WINDOW, left));
        await c.buybackBurner.observe();
      }
    };
    await c.buybackBurner.observe();
    await keeper(5 * 3_600);
    await priceFalls(c);
    // At most maxAge (two windows) after the fall, every usable start is after it.
    await keeper(2 * WINDOW);
    const [twapOut, spotOut, window] = await c.buybackBurner.quote(AMOUNT);
    expect(window).to.be.gte(BigInt(WINDOW)).and.lte(3_600n);
    expect(roomBps(spotOut, twapOut), "room once the keeper caught up").to.be.lte(SLIPPAGE_BPS);
    await expect(c.buybackBurner.execute(AMOUNT, 0n, BigInt(await c.networkHelpers.time.latest()) + 600n)).to.emit(
      c.buybackBurner,
      "BuybackExecuted",
    );
  });
});
