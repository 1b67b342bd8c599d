import { expect } from "chai";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBuyback } from "../../scripts/lib/buyback.js";
import { DeploymentError, loadDeployment } from "../../scripts/lib/deployment.js";
import { connectCinder, USD } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

describe("scripts: buyback keeper step (runBuyback)", function () {
  it("says there is nothing to spend when the burner holds no stablecoin", async function () {
    const c = await loadCinder();
    const result = await runBuyback({ burner: await c.buybackBurner.getAddress(), signer: c.stranger });
    expect(result).to.deep.equal({ status: "nothing-to-spend", reason: "the burner holds no stablecoin" });
  });

  it("samples the TWAP and waits until its window is long enough, then buys and burns", async function () {
    const c = await loadCinder();
    const burner = await c.buybackBurner.getAddress();
    await c.stablecoin.faucet(burner, 500n * USD);
    const first = await runBuyback({ burner, signer: c.stranger });
    expect(first.status).to.equal("waiting");
    const sampled = (await c.buybackBurner.observations()).newer.timestamp;
    expect(first).to.include({ readyAt: sampled + 1_800n });

    await c.networkHelpers.time.increase(1_800);
    const supply = await c.token.totalSupply();
    const second = await runBuyback({ burner, signer: c.stranger });
    if (second.status !== "executed") throw new Error(`expected a buyback, got ${JSON.stringify(second)}`);
    expect(second.amountIn).to.equal(500n * USD);
    expect(second.burned).to.be.gte(second.minOut);
    expect(second.minOut).to.equal((second.twapOut * 9_700n + 9_999n) / 10_000n);
    expect(await c.token.totalSupply()).to.equal(supply - second.burned);
    expect(await c.stablecoin.balanceOf(burner)).to.equal(0n);
  });

  it("after a keeper gap longer than maxAge, samples again and waits a window instead of reverting", async function () {
    const c = await loadCinder();
    const burner = await c.buybackBurner.getAddress();
    await c.stablecoin.faucet(burner, 500n * USD);
    await c.buybackBurner.observe();
    // Nobody ran the keeper for 6 hours: the only sample is older than maxAge (3,600 s), so the contract would refuse.
    await c.networkHelpers.time.increase(6 * 3_600);
    const stale = await runBuyback({ burner, signer: c.stranger });
    const sampled = (await c.buybackBurner.observations()).newer.timestamp;
    expect(stale).to.deep.equal({
      status: "waiting",
      reason: "the last TWAP sample is older than 3600 s: sampled again",
      readyAt: sampled + 1_800n,
    });
    await c.networkHelpers.time.increase(1_800);
    expect((await runBuyback({ burner, signer: c.stranger })).status).to.equal("executed");
  });

  it("spends at most what is left of the epoch's cap", async function () {
    const c = await loadCinder();
    const burner = await c.buybackBurner.getAddress();
    await c.stablecoin.faucet(burner, 25_000n * USD);
    await c.buybackBurner.observe();
    await c.networkHelpers.time.increase(1_800);
    const result = await runBuyback({ burner, signer: c.stranger });
    expect(result.status).to.equal("executed");
    if (result.status === "executed") expect(result.amountIn).to.equal(10_000n * USD);
  });

  it("waits instead of reverting when the spot price is beyond the TWAP bound", async function () {
    const c = await loadCinder();
    const burner = await c.buybackBurner.getAddress();
    await c.stablecoin.faucet(burner, 1_000n * USD);
    await c.buybackBurner.observe();
    await c.networkHelpers.time.increase(1_800);
    // Someone buys 30,000 USD of CNDR: the spot price runs ~12% above the TWAP.
    const router = c.uniswapRouter.connect(c.stranger) as typeof c.uniswapRouter;
    await c.stablecoin.connect(c.stranger).approve(await router.getAddress(), 30_000n * USD);
    await router.getFunction("swapExactTokensForTokens")(
      30_000n * USD,
      0n,
      [await c.stablecoin.getAddress(), await c.token.getAddress()],
      c.stranger.address,
      2n ** 40n,
    );
    const result = await runBuyback({ burner, signer: c.stranger });
    expect(result.status).to.equal("waiting");
    if (result.status === "waiting") expect(result.reason).to.match(/below the TWAP bound/);
    expect(await c.buybackBurner.totalSpent()).to.equal(0n);
  });
});

describe("scripts: loadDeployment", function () {
  const root = mkdtempSync(join(tmpdir(), "cinder-deployments-"));

  it("names the missing journal file and how to deploy", function () {
    expect(() => loadDeployment(4242n, root))
      .to.throw(DeploymentError)
      .with.property("message")
      .that.matches(/no Cinder deployment for chain 4242: .*chain-4242\/deployed_addresses\.json does not exist/);
  });

  it("names the contract an incomplete journal lacks", function () {
    mkdirSync(join(root, "chain-7"), { recursive: true });
    writeFileSync(join(root, "chain-7", "deployed_addresses.json"), JSON.stringify({ "Cinder#CinderToken": "0x01" }));
    expect(() => loadDeployment(7n, root)).to.throw(DeploymentError, /has no Cinder#CinderAccessManager/);
  });

  it("reads every contract of a complete journal", function () {
    const names = [
      "CinderAccessManager", "CinderToken", "CinderTimelock", "CinderGovernor", "ProviderRegistry", "StakingVault",
      "FeeRouter", "EmissionController", "JobMarket", "LeaseAuction", "PaymentChannels", "BuybackBurner", "OracleHub",
      "SlaBondManager", "SlashingManager", "DisputeManager",
    ];
    const recorded = Object.fromEntries(names.map((n, i) => [`Cinder#${n}`, `0x${(i + 1).toString(16).padStart(40, "0")}`]));
    mkdirSync(join(root, "chain-8"), { recursive: true });
    writeFileSync(join(root, "chain-8", "deployed_addresses.json"), JSON.stringify(recorded));
    const addresses = loadDeployment(8n, root);
    expect(addresses.buybackBurner).to.equal(recorded["Cinder#BuybackBurner"]);
    expect(addresses.slashingManager).to.equal(recorded["Cinder#SlashingManager"]);
    expect(addresses.disputeManager).to.equal(recorded["Cinder#DisputeManager"]);
    expect(addresses.leaseAuction).to.equal(recorded["Cinder#LeaseAuction"]);
    expect(addresses.stablecoin).to.equal(undefined);
  });
});
