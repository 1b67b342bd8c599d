import { expect } from "chai";
import { connectCinder, H100, onboardProvider, USD } from "../../helpers/fixture.js";
import { coverUntil } from "../../helpers/oracle.js";

const { loadCinder } = await connectCinder();
const DELAY = 60n; // feeChangeDelay on local networks

describe("FeeRouter.proposeFeeConfig / applyFeeConfig", function () {
  it("applies a proposed configuration only after the change delay, for anyone", async function () {
    const c = await loadCinder();
    const treasury = c.delegators[0].address;
    const config = { feeBps: 200n, buybackShareBps: 7_000n, buyback: await c.buybackBurner.getAddress(), treasury };
    const before = await c.feeRouter.feeConfig();
    const tx = c.feeRouter.connect(c.governance).proposeFeeConfig(config);
    await expect(tx).to.emit(c.feeRouter, "FeeConfigProposed");
    const [, effectiveAt] = await c.feeRouter.pendingFeeConfig();
    const now = BigInt(await c.networkHelpers.time.latest());
    expect(effectiveAt).to.equal(now + DELAY);
    expect(await c.feeRouter.CHANGE_DELAY()).to.equal(DELAY);
    // Nothing changes before the delay: participants can leave first.
    expect(await c.feeRouter.feeBps()).to.equal(before.feeBps);
    await c.networkHelpers.time.setNextBlockTimestamp(effectiveAt - 1n);
    await expect(c.feeRouter.connect(c.stranger).applyFeeConfig())
      .to.be.revertedWithCustomError(c.feeRouter, "FeeRouterChangeNotReady")
      .withArgs(effectiveAt, effectiveAt - 1n);
    // A reverted call mines no block, so the next one is pinned explicitly.
    await c.networkHelpers.time.setNextBlockTimestamp(effectiveAt);
    await expect(c.feeRouter.connect(c.stranger).applyFeeConfig()).to.emit(c.feeRouter, "FeeConfigApplied");
    expect(await c.feeRouter.feeBps()).to.equal(200n);
    expect(await c.feeRouter.buybackShareBps()).to.equal(7_000n);
    expect(await c.feeRouter.treasury()).to.equal(treasury);
    expect(await c.feeRouter.feeFor(1_000_001n)).to.equal(20_001n); // 2%, rounded up
    const [pending, pendingAt] = await c.feeRouter.pendingFeeConfig();
    expect(pending.treasury).to.equal(c.ethers.ZeroAddress);
    expect(pendingAt).to.equal(0n);
    await expect(c.feeRouter.applyFeeConfig()).to.be.revertedWithCustomError(c.feeRouter, "FeeRouterNoPendingChange");
  });

  it("lets governance cancel a pending change, and only governance propose or cancel", async function () {
    const c = await loadCinder();
    const current = await c.feeRouter.feeConfig();
    const config = {
      feeBps: 300n,
      buybackShareBps: current.buybackShareBps,
      buyback: current.buyback,
      treasury: current.treasury,
    };
    await expect(c.feeRouter.connect(c.stranger).proposeFeeConfig(config))
      .to.be.revertedWithCustomError(c.feeRouter, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    await expect(c.feeRouter.connect(c.governance).cancelFeeConfigChange()).to.be.revertedWithCustomError(
      c.feeRouter,
      "FeeRouterNoPendingChange",
    );
    await c.feeRouter.connect(c.governance).proposeFeeConfig(config);
    await expect(c.feeRouter.connect(c.stranger).cancelFeeConfigChange())
      .to.be.revertedWithCustomError(c.feeRouter, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    await expect(c.feeRouter.connect(c.governance).cancelFeeConfigChange()).to.emit(c.feeRouter, "FeeConfigChangeCancelled");
    await c.networkHelpers.time.increase(Number(DELAY));
    await expect(c.feeRouter.applyFeeConfig()).to.be.revertedWithCustomError(c.feeRouter, "FeeRouterNoPendingChange");
    expect(await c.feeRouter.feeBps()).to.equal(100n);
  });

  it("rejects a configuration outside its bounds, naming the field", async function () {
    const c = await loadCinder();
    const good = await c.feeRouter.feeConfig();
    const base = { feeBps: good.feeBps, buybackShareBps: good.buybackShareBps, buyback: good.buyback, treasury: good.treasury };
    const gov = c.feeRouter.connect(c.governance);
    await expect(gov.proposeFeeConfig({ ...base, feeBps: 1_001n }))
      .to.be.revertedWithCustomError(c.feeRouter, "FeeRouterParameterOutOfBounds")
      .withArgs("feeBps", 1_001n, 0n, 1_000n);
    await expect(gov.proposeFeeConfig({ ...base, buybackShareBps: 10_001n }))
      .to.be.revertedWithCustomError(c.feeRouter, "FeeRouterParameterOutOfBounds")
      .withArgs("buybackShareBps", 10_001n, 0n, 10_000n);
    await expect(gov.proposeFeeConfig({ ...base, buyback: c.ethers.ZeroAddress }))
      .to.be.revertedWithCustomError(c.feeRouter, "FeeRouterZeroAddress")
      .withArgs("buyback");
    await expect(gov.proposeFeeConfig({ ...base, treasury: c.ethers.ZeroAddress }))
      .to.be.revertedWithCustomError(c.feeRouter, "FeeRouterZeroAddress")
      .withArgs("treasury");
  });
});

describe("FeeRouter.feeBpsFixedUntil and the JobMarket's cached rate", function () {
  it("bounds when the rate may change, and the market charges the router's rate on every release", async function () {
    const c = await loadCinder();
    const router = c.feeRouter;
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 2 });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    const { time } = c.networkHelpers;
    // No pending change: the rate holds for the change delay at least.
    await time.increase(1);
    let now = BigInt(await time.latest());
    expect(await router.feeBpsFixedUntil()).to.deep.equal([100n, now + DELAY]);
    // A 4-hour lease from an epoch start; the oracle covers its first hour, which the provider withdraws at 1%.
    const start = (now / 3_600n + 1n) * 3_600n;
    await time.setNextBlockTimestamp(start);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 4n * 3_600n, 2n * USD, 0);
    await time.increaseTo(start + 3_600n + 1n);
    await coverUntil(c, start + 3_600n);
    const hour = 2n * USD;
    await expect(c.jobMarket.connect(p).withdrawAccrued(1n)).to.emit(c.jobMarket, "PaymentReleased").withArgs(1n, p.address, hour, hour / 100n);
    // A proposal: the rate holds until its effective time, then until it is applied (`until` = now).
    const current = await router.feeConfig();
    await router
      .connect(c.governance)
      .proposeFeeConfig({ feeBps: 250n, buybackShareBps: current.buybackShareBps, buyback: current.buyback, treasury: current.treasury });
    const [, effectiveAt] = await router.pendingFeeConfig();
    await time.increase(1);
    now = BigInt(await time.latest());
    expect(await router.feeBpsFixedUntil()).to.deep.equal([100n, effectiveAt < now + DELAY ? effectiveAt : now + DELAY]);
    await time.increaseTo(start + 2n * 3_600n + 1n);
    expect(await router.feeBpsFixedUntil()).to.deep.equal([100n, BigInt(await time.latest())]);
    // Not applied yet: the second hour still pays 1%, although the market's cached time has passed.
    await coverUntil(c, start + 2n * 3_600n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(1n)).to.emit(c.jobMarket, "PaymentReleased").withArgs(1n, p.address, hour, hour / 100n);
    // Applied: the very next release pays 2.5%, rounded up like FeeRouter.feeFor.
    await router.applyFeeConfig();
    await time.increaseTo(start + 3n * 3_600n + 1n);
    await coverUntil(c, start + 3n * 3_600n);
    const fee = await router.feeFor(hour);
    expect(fee).to.equal((hour * 250n) / 10_000n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(1n)).to.emit(c.jobMarket, "PaymentReleased").withArgs(1n, p.address, hour, fee);
    expect(await c.jobMarket.collectedFees()).to.equal(2n * (hour / 100n) + fee);
  });
});

describe("EmissionController recorders and TestStablecoin edges", function () {
  it("knows its two recorders and cannot be rewired", async function () {
    const c = await loadCinder();
    expect(await c.emissions.isRecorder(await c.jobMarket.getAddress())).to.equal(true);
    expect(await c.emissions.isRecorder(await c.paymentChannels.getAddress())).to.equal(true);
    expect(await c.emissions.isRecorder(c.stranger.address)).to.equal(false);
    await expect(
      c.emissions.connect(c.governance).wireRecorders(c.stranger.address, c.stranger.address),
    ).to.be.revertedWithCustomError(c.emissions, "EmissionAlreadyWired");
    await expect(c.emissions.connect(c.stranger).recordRevenue(c.stranger.address, 1n, 0n))
      .to.be.revertedWithCustomError(c.emissions, "EmissionNotRecorder")
      .withArgs(c.stranger.address);
  });

  it("caps one faucet call at 10 million test dollars", async function () {
    const c = await loadCinder();
    const max = 10_000_000n * USD;
    await expect(c.stablecoin.faucet(c.stranger.address, max + 1n))
      .to.be.revertedWithCustomError(c.stablecoin, "TestStablecoinFaucetTooLarge")
      .withArgs(max + 1n, max);
    expect(await c.stablecoin.decimals()).to.equal(6n);
  });
});
