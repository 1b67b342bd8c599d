/**
 * BuybackBurner and the real Uniswap V2 pool on the local network (DESIGN.md: BuybackBurner; invariant 6: every
 * CNDR bought back is burned in the same transaction).
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { UNISWAP_ARTIFACTS } from "../../../deploy/uniswap.js";
import { connectCinder, H100, onboardProvider, ONE, USD, type Cinder } from "../../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const WINDOW = 1_800;
const MAX_AGE = 3_600n;
const CAP = 10_000n * USD;
const SLIPPAGE_BPS = 300n;

async function deadline(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest()) + 600n;
}

/** Funds the burner with `amount` test dollars and takes a first TWAP sample a full window ago. */
async function primed(amount: bigint = 2_000n * USD) {
  const c = await loadCinder();
  await c.stablecoin.faucet(await c.buybackBurner.getAddress(), amount);
  await c.buybackBurner.observe();
  await c.networkHelpers.time.increase(WINDOW);
  return c;
}

/** Moves time on by `seconds` with a keeper sampling the TWAP once per window, as it must (maxAge <= 2 windows). */
async function keeperRuns(c: Cinder, seconds: number) {
  for (let left = seconds; left > 0; left -= WINDOW) {
    await c.networkHelpers.time.increase(Math.min(WINDOW, left));
    await c.buybackBurner.observe();
  }
}

/** An account that trades on the pool directly (the attacker in the manipulation tests). */
async function trader(c: Cinder) {
  const t = c.stranger;
  const router = await c.uniswapRouter.getAddress();
  await c.stablecoin.connect(t).approve(router, c.ethers.MaxUint256);
  await c.token.connect(t).approve(router, c.ethers.MaxUint256);
  return t;
}

async function swap(c: Cinder, who: Awaited<ReturnType<typeof trader>>, amountIn: bigint, usdToCndr: boolean) {
  const path = usdToCndr
    ? [await c.stablecoin.getAddress(), await c.token.getAddress()]
    : [await c.token.getAddress(), await c.stablecoin.getAddress()];
  const router = c.uniswapRouter.connect(who) as Contract;
  await router.getFunction("swapExactTokensForTokens")(amountIn, 0n, path, who.address, await deadline(c));
}

describe("Uniswap V2 on the local network", function () {
  it("deploys the factory and router from the npm artifacts and seeds the CNDR/stablecoin pool", async function () {
    const c = await loadCinder();
    const pair = await c.uniswapPair.getAddress();
    expect(await c.uniswapFactory.getFunction("getPair")(await c.token.getAddress(), await c.stablecoin.getAddress())).to.equal(pair);
    expect(await c.uniswapRouter.getFunction("factory")()).to.equal(await c.uniswapFactory.getAddress());
    // The pair was created by the npm factory from the npm pair bytecode: nothing re-implemented.
    expect(await c.ethers.provider.getCode(pair)).to.equal(UNISWAP_ARTIFACTS.pair.deployedBytecode);
    const [r0, r1] = await c.uniswapPair.getFunction("getReserves")();
    const cndrIsToken0 = (await c.uniswapPair.getFunction("token0")()) === (await c.token.getAddress());
    expect(cndrIsToken0 ? r0 : r1).to.equal(1_000_000n * ONE);
    expect(cndrIsToken0 ? r1 : r0).to.equal(500_000n * USD);
    expect(await c.buybackBurner.PAIR()).to.equal(pair);
    expect(await c.feeRouter.buyback()).to.equal(await c.buybackBurner.getAddress());
  });
});

describe("BuybackBurner.execute", function () {
  it("buys CNDR within the TWAP bound and burns every CNDR it received in the same transaction", async function () {
    const c = await primed();
    const amountIn = 1_000n * USD;
    const [twapOut, spotOut, window] = await c.buybackBurner.quote(amountIn);
    // 1,000,000 CNDR against 500,000 USD: 2 CNDR per dollar.
    expect(twapOut).to.be.closeTo(2_000n * ONE, ONE / 1_000n);
    expect(spotOut).to.be.lt(twapOut);
    const supplyBefore = await c.token.totalSupply();
    const epoch = await c.buybackBurner.currentEpoch();
    const tx = c.buybackBurner.connect(c.stranger).execute(amountIn, 0n, await deadline(c));
    await expect(tx).to.emit(c.buybackBurner, "BuybackExecuted");
    const receipt = await (await tx).wait();
    const event = receipt!.logs
      .map((l) => c.buybackBurner.interface.parseLog(l))
      .find((e) => e?.name === "BuybackExecuted")!;
    const [evEpoch, evIn, cndrOut, burned, evTwap, minOut, evWindow] = event.args;
    expect(evEpoch).to.equal(epoch);
    expect(evIn).to.equal(amountIn);
    expect(burned).to.equal(cndrOut);
    expect(evTwap).to.be.closeTo(twapOut, twapOut / 1_000n);
    expect(minOut).to.equal((evTwap * (10_000n - SLIPPAGE_BPS) + 9_999n) / 10_000n);
    expect(cndrOut).to.be.gte(minOut);
    expect(evWindow).to.be.gte(window);
    expect(await c.token.totalSupply()).to.equal(supplyBefore - burned);
    expect(await c.token.balanceOf(await c.buybackBurner.getAddress())).to.equal(0n);
    expect(await c.stablecoin.balanceOf(await c.buybackBurner.getAddress())).to.equal(1_000n * USD);
    expect(await c.buybackBurner.totalSpent()).to.equal(amountIn);
    expect(await c.buybackBurner.totalBurned()).to.equal(burned);
    expect(await c.buybackBurner.spentInEpoch(epoch)).to.equal(amountIn);
  });

  it("burns CNDR donated to it along with what it bought", async function () {
    const c = await primed();
    await c.token.connect(c.delegators[0]).transfer(await c.buybackBurner.getAddress(), 5n * ONE);
    const tx = await c.buybackBurner.execute(100n * USD, 0n, await deadline(c));
    const receipt = await tx.wait();
    const event = receipt!.logs.map((l) => c.buybackBurner.interface.parseLog(l)).find((e) => e?.name === "BuybackExecuted")!;
    expect(event.args.burned).to.equal(event.args.cndrOut + 5n * ONE);
    expect(await c.token.balanceOf(await c.buybackBurner.getAddress())).to.equal(0n);
  });

  it("is funded by the buyback share of the protocol fee", async function () {
    const c = await loadCinder();
    const [p] = c.providers;
    const [client] = c.clients;
    await onboardProvider(c, p, { gpus: 2 });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, 10n * 3_600n, 2n * USD, 0);
    await c.networkHelpers.time.increase(10 * 3_600);
    await c.jobMarket.close(1n);
    const fees = await c.jobMarket.collectedFees();
    await c.jobMarket.sweepFees();
    const burner = await c.buybackBurner.getAddress();
    const toBuyback = (fees * 5_000n) / 10_000n;
    await expect(c.feeRouter.distribute(await c.stablecoin.getAddress())).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [burner],
      [toBuyback],
    );
  });

  it("reverts with BuybackBurnerZeroAmount, BuybackBurnerDeadlinePassed and BuybackBurnerInsufficientBalance", async function () {
    const c = await primed(100n * USD);
    await expect(c.buybackBurner.execute(0n, 0n, await deadline(c))).to.be.revertedWithCustomError(
      c.buybackBurner,
      "BuybackBurnerZeroAmount",
    );
    const past = BigInt(await c.networkHelpers.time.latest());
    await c.networkHelpers.time.setNextBlockTimestamp(past + 10n);
    await expect(c.buybackBurner.execute(USD, 0n, past))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerDeadlinePassed")
      .withArgs(past, past + 10n);
    await expect(c.buybackBurner.execute(101n * USD, 0n, await deadline(c)))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerInsufficientBalance")
      .withArgs(100n * USD, 101n * USD);
  });

  it("spends at most the cap per epoch, and again in the next epoch", async function () {
    const c = await loadCinder();
    await c.stablecoin.faucet(await c.buybackBurner.getAddress(), 30_000n * USD);
    // Align to the start of an epoch so both calls fall in it, the TWAP sampled a window before.
    const now = BigInt(await c.networkHelpers.time.latest());
    const start = now - (now % 3_600n) + 7_200n;
    await c.networkHelpers.time.setNextBlockTimestamp(start - BigInt(WINDOW));
    await c.buybackBurner.observe();
    await c.networkHelpers.time.setNextBlockTimestamp(start);
    await c.buybackBurner.observe();
    await c.buybackBurner.execute(CAP, 0n, 2n ** 40n);
    await expect(c.buybackBurner.execute(1n, 0n, 2n ** 40n))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerEpochCapExceeded")
      .withArgs(CAP + 1n, CAP);
    await keeperRuns(c, 3_600);
    await expect(c.buybackBurner.execute(1_000n * USD, 0n, 2n ** 40n)).to.emit(c.buybackBurner, "BuybackExecuted");
  });

  it("refuses a TWAP younger than the minimum window and a stale one", async function () {
    const c = await loadCinder();
    await c.stablecoin.faucet(await c.buybackBurner.getAddress(), 100n * USD);
    await expect(c.buybackBurner.execute(USD, 0n, 2n ** 40n))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerTwapTooYoung")
      .withArgs(0n, WINDOW);
    await c.buybackBurner.observe();
    await c.networkHelpers.time.increase(WINDOW - 10);
    await expect(c.buybackBurner.execute(USD, 0n, 2n ** 40n))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerTwapTooYoung")
      .withArgs(0n, WINDOW);
    const sampled = (await c.buybackBurner.observations()).newer.timestamp;
    await c.networkHelpers.time.setNextBlockTimestamp(sampled + MAX_AGE + 1n);
    await expect(c.buybackBurner.execute(USD, 0n, 2n ** 40n))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerTwapStale")
      .withArgs(MAX_AGE + 1n, MAX_AGE);
  });
});

describe("BuybackBurner against manipulation (attacks)", function () {
  it("a price pushed up just before cannot make the buyback pay beyond the TWAP bound", async function () {
    const c = await primed();
    const attacker = await trader(c);
    const [twapBefore] = await c.buybackBurner.quote(1_000n * USD);
    // Buying 30,000 USD of CNDR moves the spot price ~12%: far past the 3% bound.
    await swap(c, attacker, 30_000n * USD, true);
    const [twapAfter, spotAfter] = await c.buybackBurner.quote(1_000n * USD);
    // Within the block of the push the TWAP barely moves: the pushed price has not been held for any time.
    expect(twapAfter).to.be.gte((twapBefore * 995n) / 1_000n);
    expect(spotAfter).to.be.lt((twapAfter * (10_000n - SLIPPAGE_BPS)) / 10_000n);
    await expect(c.buybackBurner.execute(1_000n * USD, 0n, await deadline(c))).to.be.revertedWith(
      "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT",
    );
    expect(await c.buybackBurner.totalSpent()).to.equal(0n);
  });

  it("bounds a sandwich: the buyback always gets at least the TWAP output less the slippage bound", async function () {
    const c = await primed();
    const attacker = await trader(c);
    const amountIn = 1_000n * USD;
    const [twapOut] = await c.buybackBurner.quote(amountIn);
    // A front-run small enough to stay inside the bound.
    await swap(c, attacker, 2_000n * USD, true);
    const tx = await c.buybackBurner.execute(amountIn, 0n, await deadline(c));
    const receipt = await tx.wait();
    const event = receipt!.logs.map((l) => c.buybackBurner.interface.parseLog(l)).find((e) => e?.name === "BuybackExecuted")!;
    expect(event.args.cndrOut).to.be.gte((twapOut * (10_000n - SLIPPAGE_BPS)) / 10_000n);
  });

  it("a price pushed down only makes the buyback burn more, at the pusher's cost", async function () {
    const c = await primed();
    const attacker = await trader(c);
    const amountIn = 1_000n * USD;
    const [twapOut] = await c.buybackBurner.quote(amountIn);
    await swap(c, attacker, 50_000n * ONE, false);
    const tx = await c.buybackBurner.execute(amountIn, 0n, await deadline(c));
    const receipt = await tx.wait();
    const event = receipt!.logs.map((l) => c.buybackBurner.interface.parseLog(l)).find((e) => e?.name === "BuybackExecuted")!;
    expect(event.args.burned).to.be.gt(twapOut);
  });
});

describe("BuybackBurner.observe and setParams", function () {
  it("samples at most once per minimum window", async function () {
    const c = await loadCinder();
    await expect(c.buybackBurner.observe()).to.emit(c.buybackBurner, "Observed");
    await expect(c.buybackBurner.observe()).to.not.emit(c.buybackBurner, "Observed");
    await c.networkHelpers.time.increase(WINDOW);
    await expect(c.buybackBurner.observe()).to.emit(c.buybackBurner, "Observed");
    const { older, newer } = await c.buybackBurner.observations();
    expect(newer.timestamp - older.timestamp).to.be.gte(BigInt(WINDOW));
  });

  it("setParams is governance's, within bounds", async function () {
    const c = await loadCinder();
    const good = { maxPerEpoch: CAP, minWindow: 600n, maxAge: 1_200n, maxSlippageBps: 100n };
    await expect(c.buybackBurner.connect(c.stranger).setParams(good))
      .to.be.revertedWithCustomError(c.buybackBurner, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    await expect(c.buybackBurner.connect(c.governance).setParams(good)).to.emit(c.buybackBurner, "ParamsSet");
    await expect(c.buybackBurner.connect(c.governance).setParams({ ...good, maxSlippageBps: 5n }))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("maxSlippageBps", 5n, 10n, 1_000n);
    await expect(c.buybackBurner.connect(c.governance).setParams({ ...good, minWindow: 30n }))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("minWindow", 30n, 60n, 86_400n);
    await expect(c.buybackBurner.connect(c.governance).setParams({ ...good, maxAge: 300n }))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("maxAge", 300n, 600n, 1_200n);
    // The TWAP may start at most two minimum windows back: a longer maxAge is refused, however long the window.
    await expect(c.buybackBurner.connect(c.governance).setParams({ ...good, maxAge: 1_201n }))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("maxAge", 1_201n, 600n, 1_200n);
    await expect(c.buybackBurner.connect(c.governance).setParams({ ...good, minWindow: 86_400n, maxAge: 7n * 86_400n }))
      .to.be.revertedWithCustomError(c.buybackBurner, "BuybackBurnerParameterOutOfBounds")
      .withArgs("maxAge", 7n * 86_400n, 86_400n, 2n * 86_400n);
  });
});
