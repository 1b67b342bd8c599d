/**
 * Every contract's constructor refuses a zero address for each contract it is wired to, naming the field, and
 * deploys with the same arguments once the address is there (so each refusal is the field's own check).
 */
import { expect } from "chai";
import { type Result, ZeroAddress } from "ethers";
import {
  BuybackBurner__factory,
  FeeRouter__factory,
  JobMarket__factory,
  PaymentChannels__factory,
  SlaBondManager__factory,
  SlashingManager__factory,
  StakingVault__factory,
} from "../../types/ethers-contracts/index.js";
import { SLA_TIERS } from "../../deploy/config.js";
import { connectCinder } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
/** A struct read back from a contract, as a fresh object ethers may encode again (its Result is frozen). */
const plain = <T>(struct: T): T => (struct as unknown as Result).toObject() as T;

/** Deploys `deploy(wiring)` once per field with that field zeroed, expecting `error(field)`, then with all set. */
async function eachZeroed<W extends Record<string, string>>(
  factory: { interface: unknown },
  error: string,
  wiring: W,
  deploy: (w: W) => Promise<{ waitForDeployment(): Promise<unknown> }>,
): Promise<void> {
  for (const field of Object.keys(wiring)) {
    await expect(deploy({ ...wiring, [field]: ZeroAddress }), field)
      .to.be.revertedWithCustomError(factory as never, error)
      .withArgs(field);
  }
  await (await deploy(wiring)).waitForDeployment();
}

/** One slash amount per fault kind (six). */
const SLASH_BPS = [10_000n, 10_000n, 10_000n, 3_333n, 3_333n, 10_000n];
const BURNER_PARAMS = { maxPerEpoch: 10_000n * 1_000_000n, minWindow: 1_800n, maxAge: 3_600n, maxSlippageBps: 300n };

/** The fixture's deployment: the manager's address, and every contract address a constructor is wired to. */
async function deployed(c: Awaited<ReturnType<typeof loadCinder>>) {
  const a = {
    token: await c.token.getAddress(),
    registry: await c.registry.getAddress(),
    vault: await c.vault.getAddress(),
    asset: await c.stablecoin.getAddress(),
    router: await c.uniswapRouter.getAddress(),
    pair: await c.uniswapPair.getAddress(),
    feeRouter: await c.feeRouter.getAddress(),
    revenue: await c.emissions.getAddress(),
    oracleHub: await c.oracleHub.getAddress(),
    jobMarket: await c.jobMarket.getAddress(),
    slaBondManager: await c.slaBondManager.getAddress(),
  };
  return {
    manager: await c.manager.getAddress(),
    a,
    marketWiring: { asset: a.asset, registry: a.registry, vault: a.vault, feeRouter: a.feeRouter, revenue: a.revenue, oracleHub: a.oracleHub },
    slashWiring: { token: a.token, registry: a.registry, vault: a.vault, oracleHub: a.oracleHub, jobMarket: a.jobMarket, slaBondManager: a.slaBondManager },
  };
}

describe("Constructors: a zero address for a wired contract is refused by name", function () {
  it("StakingVault, BuybackBurner, JobMarket, PaymentChannels, SlaBondManager and SlashingManager", async function () {
    const c = await loadCinder();
    const [deployer] = await c.ethers.getSigners();
    const { manager, a, marketWiring, slashWiring } = await deployed(c);

    const vault = new StakingVault__factory(deployer);
    const vaultParams = { unbondingPeriod: 14n * DAY, exposureTail: 12n * DAY, delegationCapMultiple: 5n, minDelegation: 10n ** 18n };
    await eachZeroed(vault, "StakingVaultZeroAddress", { token: a.token, registry: a.registry }, (w) => vault.deploy(manager, w.token, w.registry, vaultParams));

    const burner = new BuybackBurner__factory(deployer);
    await eachZeroed(burner, "BuybackBurnerZeroAddress", { asset: a.asset, token: a.token, router: a.router }, (w) =>
      burner.deploy(manager, { ...w, pair: a.pair }, 3_600n, BURNER_PARAMS),
    );

    const market = new JobMarket__factory(deployer);
    const marketParams = await c.jobMarket.params();
    await eachZeroed(market, "JobMarketZeroAddress", marketWiring, (w) => market.deploy(manager, w, plain(marketParams)));

    const channels = new PaymentChannels__factory(deployer);
    await eachZeroed(channels, "PaymentChannelsZeroAddress", { asset: a.asset, registry: a.registry, feeRouter: a.feeRouter, revenue: a.revenue }, (w) =>
      channels.deploy(manager, w.asset, w.registry, w.feeRouter, w.revenue, 2n * DAY),
    );

    const sla = new SlaBondManager__factory(deployer);
    const tiers = SLA_TIERS.map(({ name: _name, ...tier }) => tier);
    const slaParams = { exitPenaltyBps: 1_000n, breachFaultThreshold: 3n };
    await eachZeroed(sla, "SlaBondManagerZeroAddress", { asset: a.asset, jobMarket: a.jobMarket, oracleHub: a.oracleHub }, (w) =>
      sla.deploy(manager, w.asset, w.jobMarket, w.oracleHub, tiers, slaParams),
    );
    await expect(sla.deploy(manager, a.asset, a.jobMarket, a.oracleHub, [], slaParams))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
      .withArgs("tiers", 0n, 1n, await c.slaBondManager.MAX_TIERS());

    const slashing = new SlashingManager__factory(deployer);
    const slashParams = await c.slashingManager.params();
    await eachZeroed(slashing, "SlashingManagerZeroAddress", slashWiring, (w) => slashing.deploy(manager, w, plain(slashParams), SLASH_BPS));
  });

  it("JobMarket's one-time SLA wiring refuses a zero address by name, then takes a manager once", async function () {
    const c = await loadCinder();
    const [deployer] = await c.ethers.getSigners();
    const { manager, a, marketWiring } = await deployed(c);
    const market = await new JobMarket__factory(deployer).deploy(manager, marketWiring, plain(await c.jobMarket.params()));
    // A fresh target's functions need the manager's admin role: the timelock's.
    const governed = market.connect(c.governance);
    await expect(governed.setSlaBondManager(ZeroAddress)).to.be.revertedWithCustomError(market, "JobMarketZeroAddress").withArgs("slaBondManager");
    await governed.setSlaBondManager(a.slaBondManager);
    await expect(governed.setSlaBondManager(a.slaBondManager)).to.be.revertedWithCustomError(market, "JobMarketSlaBondManagerAlreadySet").withArgs(a.slaBondManager);
  });

  it("a constructor bound is refused with the field, the value and the bounds: buyback pair and epoch, fee delay, slash table", async function () {
    const c = await loadCinder();
    const [deployer] = await c.ethers.getSigners();
    const { manager, a, slashWiring } = await deployed(c);
    const pair = c.uniswapPair;
    const burner = new BuybackBurner__factory(deployer);
    const wiring = { asset: a.asset, token: a.token, router: a.router, pair: a.pair };
    // A pool that is not CNDR against the settlement asset (here the asset named as CNDR too).
    await expect(burner.deploy(manager, { ...wiring, asset: a.token }, 3_600n, BURNER_PARAMS))
      .to.be.revertedWithCustomError(burner, "BuybackBurnerPairMismatch")
      .withArgs(await pair.token0(), await pair.token1());
    for (const epochLength of [0n, 30n * DAY + 1n]) {
      await expect(burner.deploy(manager, wiring, epochLength, BURNER_PARAMS))
        .to.be.revertedWithCustomError(burner, "BuybackBurnerParameterOutOfBounds")
        .withArgs("epochLength", epochLength, 1n, 30n * DAY);
    }

    const fees = new FeeRouter__factory(deployer);
    const max = await c.feeRouter.MAX_CHANGE_DELAY();
    await expect(fees.deploy(manager, plain(await c.feeRouter.feeConfig()), max + 1n))
      .to.be.revertedWithCustomError(fees, "FeeRouterParameterOutOfBounds")
      .withArgs("changeDelay", max + 1n, 0n, max);

    const slashing = new SlashingManager__factory(deployer);
    // One amount per fault kind, no more and no fewer.
    for (const bps of [SLASH_BPS.slice(0, -1), [...SLASH_BPS, 1n]]) {
      await expect(slashing.deploy(manager, slashWiring, plain(await c.slashingManager.params()), bps))
        .to.be.revertedWithCustomError(slashing, "SlashingManagerParameterOutOfBounds")
        .withArgs("slashBpsByKind.length", BigInt(bps.length), 6n, 6n);
    }
  });
});
