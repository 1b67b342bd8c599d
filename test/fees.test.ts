import { expect } from "chai";
import { connectCinder, USD } from "./helpers/fixture.js";

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
