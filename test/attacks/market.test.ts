/**
 * Attack proofs of concept against JobMarket (STYLE.md: each exploit class gets a PoC that fails on the naive code):
 * (a) reentrancy through a settlement token with transfer hooks (a separate protocol deployed with CinderPublic on
 *     contracts/test/HookStablecoin.sol, which is also the attacker's account);
 * (b) a direct order front-run by a price rise (the client's maximum price holds);
 * (c) per-second rounding fuzzed over hundreds of random timings (a provider never gets more than was funded, a
 *     client never gets back more than did not stream);
 * (d) a client leasing from its own provider pays the full fee, however it splits withdrawals;
 * (e) griefing (DESIGN.md invariant 8): no third party, and no reverting payout, blocks another's refund or payout.
 * Every lease here carries an SLA (the providers post bonds), so its stream is withdrawable up to the oracle's covered
 * time: the tests have the oracle report the epochs they need (`coverUntil`; epochs are hours locally).
 */
import { expect } from "chai";
import CinderPublicModule from "../../deploy/modules/CinderPublic.js";
import { connectCinder, nextGpuId, onboardProvider, H100, ONE, USD, type Cinder } from "../helpers/fixture.js";
import { coverUntil, reportEpoch, type HubDeployment } from "../helpers/oracle.js";
import { rng as numberRng } from "../helpers/rng.js";
import {
  CinderToken__factory,
  HookStablecoin__factory,
  JobMarket__factory,
  OracleHub__factory,
  ProviderRegistry__factory,
  SlaBondManager__factory,
  StakingVault__factory,
} from "../../types/ethers-contracts/index.js";

const { connection, loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const PRICE = 2_500_000n;
const FEE_BPS = 100n;
const NOTICE = HOUR;
const KIND = { Lease: 0, Batch: 1 } as const;

const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** The start of the oracle epoch after the current one. */
async function nextEpochStart(c: Cinder): Promise<bigint> {
  return ((await now(c)) / HOUR + 1n) * HOUR;
}
/** Moves into the epoch after the one holding `t - 1` (if not there yet) and has the oracle of `d` cover `t`. */
async function coveredAfter(c: Cinder, t: bigint, d: HubDeployment = c) {
  const after = ((t - 1n) / HOUR + 1n) * HOUR + 1n;
  if ((await now(c)) < after) await c.networkHelpers.time.increaseTo(after);
  await coverUntil(d, t);
}

/** The fuzz loop's draws as bigints (a fixed seed replays the same timings on every run). */
function rng(seed: number): (n: number) => bigint {
  const next = numberRng(seed);
  return (n: number) => BigInt(next(n));
}

// ---------------------------------------------------------------------------------------------------------------
// (a) reentrancy through a hooked settlement token
// ---------------------------------------------------------------------------------------------------------------

/**
 * A second, complete protocol settled in HookStablecoin (CinderPublic module). The token contract is the attacker:
 * it registers as a provider (four attested H100s, 800 CNDR staked, an offer at PRICE) with itself as payout, and
 * it is also a client. providers[1] is an honest provider and clients[0] an honest client of this deployment.
 */
async function deployHooked() {
  const c = await loadCinder();
  const hook = await new HookStablecoin__factory(c.deployer).deploy();
  const hookAddress = await hook.getAddress();
  const deployed = await connection.ignition.deploy(CinderPublicModule, {
    parameters: {
      Cinder: {
        settlementAsset: hookAddress,
        guardian: c.guardian.address,
        treasury: c.deployer.address,
        // The local Uniswap V2 creates this deployment's CNDR/HookStablecoin pair.
        uniswapFactory: await c.uniswapFactory.getAddress(),
        uniswapRouter: await c.uniswapRouter.getAddress(),
        // Public deployments name their arbitrator (here any account: no dispute is arbitrated in this suite).
        arbitrator: c.stranger.address,
        // Public deployments name the price the treasury seeds the pool at (the wash guard's young-history price).
        emissionSeedPrice: 500_000n,
      },
    },
    displayUi: false,
    defaultSender: c.deployer.address,
  });
  const addr = async (x: { getAddress(): Promise<string> }) => x.getAddress();
  const market = JobMarket__factory.connect(await addr(deployed.jobMarket), c.deployer);
  const registry = ProviderRegistry__factory.connect(await addr(deployed.registry), c.deployer);
  const vault = StakingVault__factory.connect(await addr(deployed.vault), c.deployer);
  const sla = SlaBondManager__factory.connect(await addr(deployed.slaBondManager), c.deployer);
  const slaAddress = await sla.getAddress();
  const cndr = CinderToken__factory.connect(await addr(deployed.token), c.deployer);
  const timelock = await addr(deployed.timelock);
  await c.networkHelpers.impersonateAccount(timelock);
  await c.networkHelpers.setBalance(timelock, 10n ** 20n);
  const governance = await c.ethers.getSigner(timelock);
  // Attestations come only from this deployment's wired OracleHub: the test writes them as it.
  const hubAddress = await addr(deployed.oracleHub);
  await c.networkHelpers.impersonateAccount(hubAddress);
  await c.networkHelpers.setBalance(hubAddress, 10n ** 20n);
  const attestor = await c.ethers.getSigner(hubAddress);
  const marketAddress = await market.getAddress();
  const vaultAddress = await vault.getAddress();
  const expiresAt = (await now(c)) + 14n * DAY;

  const attest = async (provider: string, gpus: number) => {
    for (let i = 0; i < gpus; i++) {
      await registry.connect(attestor).recordAttestation({
        provider,
        gpuId: nextGpuId(),
        modelClass: H100,
        memoryMiB: 81_559,
        tier: 1,
        evidenceHash: `0x${"ab".repeat(32)}`,
        issuedAt: expiresAt - 14n * DAY,
        expiresAt,
      });
    }
  };
  // The attacker: the token contract as provider (payout itself) and as client.
  await hook.execute(await registry.getAddress(), registry.interface.encodeFunctionData("register", ["ipfs://evil", hookAddress]));
  await attest(hookAddress, 4);
  await cndr.connect(c.deployer).transfer(hookAddress, 800n * ONE);
  await hook.execute(await cndr.getAddress(), cndr.interface.encodeFunctionData("approve", [vaultAddress, 800n * ONE]));
  await hook.execute(vaultAddress, vault.interface.encodeFunctionData("stake", [800n * ONE]));
  await hook.execute(await registry.getAddress(), registry.interface.encodeFunctionData("setOffer", [H100, PRICE]));
  await hook.faucet(hookAddress, 1_000_000n * USD);
  await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [marketAddress, 2n ** 256n - 1n]));
  // SLA bond, so its leases can be awarded.
  await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [slaAddress, 2n ** 256n - 1n]));
  await hook.execute(slaAddress, sla.interface.encodeFunctionData("deposit", [10_000n * USD]));

  // An honest provider and an honest client.
  const honest = c.providers[1];
  await registry.connect(honest).register("ipfs://honest", honest.address);
  await attest(honest.address, 4);
  await cndr.connect(c.deployer).transfer(honest.address, 800n * ONE);
  await cndr.connect(honest).approve(vaultAddress, 800n * ONE);
  await vault.connect(honest).stake(800n * ONE);
  await registry.connect(honest).setOffer(H100, PRICE);
  await hook.faucet(honest.address, 10_000n * USD);
  await hook.connect(honest).approve(slaAddress, 2n ** 256n - 1n);
  await sla.connect(honest).deposit(10_000n * USD);
  const client = c.clients[0];
  await hook.faucet(client.address, 1_000_000n * USD);
  await hook.connect(client).approve(marketAddress, 2n ** 256n - 1n);
  // This deployment's own hub, signed by the same local oracle set.
  const cover: HubDeployment = {
    oracleHub: OracleHub__factory.connect(await addr(deployed.oracleHub), c.deployer),
    oracleSigners: c.oracleSigners,
    ethers: c.ethers,
  };
  return { c, hook, hookAddress, market, marketAddress, registry, governance, honest, client, cover };
}
const loadHooked = () => connection.networkHelpers.loadFixture(deployHooked);
type Hooked = Awaited<ReturnType<typeof deployHooked>>;

/** Makes the attacker (the token contract) call the market. */
function asAttacker(h: Hooked, fn: string, args: unknown[] = []) {
  return h.hook.execute(h.marketAddress, h.market.interface.encodeFunctionData(fn as never, args as never));
}
/** Arms the hook: on transfers to `onlyTo` (any if zero) the token calls the market with `fn(args)` as itself. */
async function armMarketHook(h: Hooked, onlyTo: string, fn: string, args: unknown[] = []) {
  await h.hook.setHook(h.marketAddress, onlyTo, h.market.interface.encodeFunctionData(fn as never, args as never));
}

describe("JobMarket attack: reentrancy through a token with transfer hooks", function () {
  it("a client re-entering withdrawBalance from its refund transfer reverts with ReentrancyGuardReentrantCall and loses nothing", async function () {
    const h = await loadHooked();
    const { c, hook, hookAddress, market } = h;
    // The attacker leases 2 GPUs from the honest provider and cancels: its refund is credited.
    const t = (await now(c)) + 10n;
    await at(c, t);
    await asAttacker(h, "createDirectLease", [h.honest.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease]);
    const v = value(PRICE, 2n, 10n * HOUR);
    await at(c, t + HOUR);
    await asAttacker(h, "cancel", [1n]);
    const refund = v - value(PRICE, 2n, 2n * HOUR);
    expect(await market.balanceOf(hookAddress)).to.equal(refund);
    const held = await hook.balanceOf(h.marketAddress);

    // The naive double withdrawal: re-enter withdrawBalance while the refund is being transferred.
    await armMarketHook(h, hookAddress, "withdrawBalance");
    await expect(asAttacker(h, "withdrawBalance")).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    expect(await market.balanceOf(hookAddress)).to.equal(refund);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(held);

    // Disarmed, the refund is paid exactly once.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    const w = asAttacker(h, "withdrawBalance");
    await expect(w).to.emit(market, "BalanceWithdrawn").withArgs(hookAddress, refund);
    await expect(w).to.changeTokenBalances(c.ethers, hook, [hookAddress, h.marketAddress], [refund, -refund]);
    await expect(asAttacker(h, "withdrawBalance"))
      .to.be.revertedWithCustomError(market, "JobMarketNoBalance")
      .withArgs(hookAddress);
  });

  it("a provider re-entering withdrawAccrued (and close) from its payout transfer reverts and loses nothing", async function () {
    const h = await loadHooked();
    const { c, hook, hookAddress, market, client } = h;
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await market.connect(client).createDirectLease(hookAddress, H100, 2, 2n * HOUR, PRICE, KIND.Lease);
    await market.connect(client).createDirectLease(hookAddress, H100, 1, HOUR, PRICE, KIND.Lease);
    const held = await hook.balanceOf(h.marketAddress);

    await armMarketHook(h, hookAddress, "withdrawAccrued", [1n]);
    // The oracle reports the leases' first epoch: lease 1's stream up to `boundary` is withdrawable.
    await coveredAfter(c, boundary, h.cover);
    await expect(asAttacker(h, "withdrawAccrued", [1n])).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    // close of the other lease from inside the payout transfer is refused as well.
    await at(c, t + HOUR + 5n);
    await armMarketHook(h, hookAddress, "close", [2n]);
    await expect(asAttacker(h, "withdrawAccrued", [1n])).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    expect((await market.getLease(1n)).released).to.equal(0n);
    expect((await market.getLease(2n)).status).to.equal(1n);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(held);

    // Disarmed, each is paid once and exactly.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    const t2 = t + HOUR + 20n;
    await at(c, t2);
    const gross = value(PRICE, 2n, boundary - t);
    const w = asAttacker(h, "withdrawAccrued", [1n]);
    await expect(w).to.emit(market, "PaymentReleased").withArgs(1n, hookAddress, gross, feeOf(gross));
    await expect(w).to.changeTokenBalances(
      c.ethers,
      hook,
      [hookAddress, h.marketAddress],
      [gross - feeOf(gross), -(gross - feeOf(gross))],
    );
    // close pays lease 2's covered part; the uncovered tail stays held for its SLA.
    const v2 = value(PRICE, 1n, boundary - (await market.getLease(2n)).start);
    await expect(market.close(2n)).to.emit(market, "LeaseClosed").withArgs(2n, v2, 0n);
  });

  it("a client re-entering from its own payment (transferFrom) into createDirectLease is refused", async function () {
    const h = await loadHooked();
    const { hook, market } = h;
    await armMarketHook(h, h.marketAddress, "withdrawBalance");
    await expect(
      asAttacker(h, "createDirectLease", [h.honest.address, H100, 1, HOUR, PRICE, KIND.Lease]),
    ).to.be.revertedWithCustomError(market, "ReentrancyGuardReentrantCall");
    expect(await market.leaseCount()).to.equal(0n);
    expect(await hook.balanceOf(h.marketAddress)).to.equal(0n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) front-running a direct order with a price rise
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket attack: direct order front-run by a price change", function () {
  it("a provider raising its price ahead of the client's order cannot charge more than the client's maximum", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    const seen = (await c.registry.getOffer(p.address, H100)).pricePerGpuHour;
    expect(seen).to.equal(PRICE);

    // Both transactions land in one block, the provider's first (it saw the client's order in the mempool).
    await c.networkHelpers.mine();
    await connection.provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const raise = await c.registry.connect(p).setOffer(H100, 10n * PRICE, { gasLimit: 200_000 });
      const order = await c.jobMarket
        .connect(client)
        .createDirectLease(p.address, H100, 2, 10n * HOUR, seen, KIND.Lease, { gasLimit: 500_000 });
      await c.networkHelpers.mine();
      expect((await raise.wait())!.status).to.equal(1);
      expect((await c.ethers.provider.getTransactionReceipt(order.hash))!.status).to.equal(0);
    } finally {
      await connection.provider.request({ method: "evm_setAutomine", params: [true] });
    }
    expect(await c.jobMarket.leaseCount()).to.equal(0n);
    // The exact reason: the offer's price is above the client's maximum.
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, 10n * HOUR, seen, KIND.Lease))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketPriceAboveMax")
      .withArgs(10n * PRICE, seen);
    // Nothing moved: the client paid nothing and no capacity was committed.
    expect(await c.stablecoin.balanceOf(await c.jobMarket.getAddress())).to.equal(0n);
    expect(await c.registry.freeCapacity(p.address, H100)).to.equal(4n);
  });

  it("a price cut before the order is applied: the client pays the offer's price, never its maximum", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    await c.registry.connect(p).setOffer(H100, PRICE / 2n);
    const tx = c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    const v = value(PRICE / 2n, 2n, 10n * HOUR);
    await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, [client, c.jobMarket], [-v, v]);
    expect((await c.jobMarket.getLease(1n)).pricePerGpuHour).to.equal(PRICE / 2n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (c) per-second rounding
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket attack: per-second rounding", function () {
  it("hundreds of withdrawals at random odd-second intervals never pay more than streamed and covered or refund more than unstreamed", async function () {
    this.timeout(300_000);
    const c = await loadCinder();
    const p = c.providers[0];
    const payout = c.delegators[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setPayout(payout.address);
    const rand = rng(0xc1de7);
    const prices = [1_234_567n, 999_999n, 7_777_777n];
    const m = c.jobMarket;
    let steps = 0;
    let payments = 0;
    let cancels = 0;
    for (const [i, price] of prices.entries()) {
      await c.registry.connect(p).setOffer(H100, price);
      const gpus = BigInt(i + 1);
      const duration = HOUR + 1n + rand(3_600);
      // Each lease starts at a fixed offset into an epoch, so the same seed replays the same timings whatever the
      // wall clock (the chain's time, and so the epochs' phase, follows it).
      let t = (await nextEpochStart(c)) + 10n;
      await at(c, t);
      await m.connect(client).createDirectLease(p.address, H100, gpus, duration, price, KIND.Lease);
      const id = await m.leaseCount();
      const start = t;
      let end = start + duration;
      const funded = value(price, gpus, duration);
      let gross = 0n;
      let fees = 0n;
      let refunds = 0n;
      const cancelAt = start + rand(Number(duration - NOTICE));
      let cancelled = false;
      // Until the oracle covers the end: the epoch after the end's has begun and its predecessor is reported.
      while (t < ((end - 1n) / HOUR + 1n) * HOUR + 5n) {
        t += 1n + 2n * rand(40); // odd-second steps
        // A step may overshoot the drawn cancel time; a cancel needs a full notice before the end (else it is
        // refused with JobMarketNothingToCancel, tested elsewhere), so an overshoot past that lets the lease run out.
        if (!cancelled && t >= cancelAt && t + NOTICE < end) {
          await at(c, t);
          const receipt = await (await m.connect(client).cancel(id)).wait();
          const ev = receipt!.logs.map((l) => m.interface.parseLog(l)).find((e) => e?.name === "LeaseCancelled")!;
          refunds += ev.args.refund;
          end = t + NOTICE;
          expect(ev.args.refund, "cancel refund = value(end) - value(newEnd)").to.equal(
            funded - value(price, gpus, end - start),
          );
          cancelled = true;
          cancels += 1;
          continue;
        }
        // The oracle reports each epoch as soon as it ends: the stream is withdrawable up to its end.
        const epochStart = (t / HOUR) * HOUR;
        if ((await c.oracleHub.coveredUntil()) < epochStart) {
          await at(c, t);
          await reportEpoch(c, t / HOUR - 1n);
          t += 1n;
        }
        await at(c, t);
        const covered = await c.oracleHub.coveredUntil();
        let until = t < end ? t : end;
        if (covered < until) until = covered > start ? covered : start;
        const expected = value(price, gpus, until - start) - gross;
        steps += 1;
        if (expected === 0n) {
          await expect(m.connect(p).withdrawAccrued(id))
            .to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw")
            .withArgs(id);
          continue;
        }
        const receipt = await (await m.connect(p).withdrawAccrued(id)).wait();
        const ev = receipt!.logs.map((l) => m.interface.parseLog(l)).find((e) => e?.name === "PaymentReleased")!;
        expect(ev.args.gross, `step ${steps}`).to.equal(expected);
        expect(ev.args.fee).to.equal(feeOf(expected));
        gross += ev.args.gross;
        fees += ev.args.fee;
        payments += 1;
        // Never more than what has streamed, never more than what was funded net of refunds.
        expect(gross).to.be.lte(value(price, gpus, (t < end ? t : end) - start));
        expect(gross + refunds).to.be.lte(funded);
      }
      // Close settles the rest (nothing: the provider already withdrew the whole stream).
      await at(c, t + 1n);
      await expect(m.close(id)).to.emit(m, "LeaseClosed").withArgs(id, 0n, 0n);
      const l = await m.getLease(id);
      expect(l.released).to.equal(gross);
      expect(gross + refunds, "paid + refunded = funded, to the unit").to.equal(funded);
      expect(fees).to.be.gte(feeOf(gross));
    }
    expect(steps).to.be.gte(200);
    expect(payments).to.be.gte(6);
    expect(cancels, "leases cancelled mid-stream").to.be.gte(1);
    // The market holds exactly the fees (every refund and payout left it or sits in a balance).
    expect(await c.stablecoin.balanceOf(await m.getAddress())).to.equal(
      (await m.collectedFees()) + (await m.balanceOf(client.address)),
    );
  });

  it("a refund computed from the start never over-refunds: cancel and quit at every second of a 1-GPU lease's first minute", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    const price = 1_000_001n; // 277.778 units per second
    await c.registry.connect(p).setOffer(H100, price);
    const m = c.jobMarket;
    for (let s = 1n; s <= 6n; s++) {
      const t = (await now(c)) + 10n;
      await at(c, t);
      await m.connect(client).createDirectLease(p.address, H100, 1, 2n * HOUR + s, price, KIND.Lease);
      const id = await m.leaseCount();
      const funded = value(price, 1n, 2n * HOUR + s);
      await at(c, t + s);
      const q = m.connect(p).quit(id);
      const refund = funded - value(price, 1n, s);
      await expect(q).to.emit(m, "LeaseQuit").withArgs(id, p.address, t + s, refund);
      await at(c, t + s + 1n);
      // Nothing covered yet: close pays nothing and the lease holds its s seconds until the oracle covers them.
      await expect(m.close(id)).to.emit(m, "LeaseClosed").withArgs(id, 0n, 0n);
      await coveredAfter(c, t + s);
      await expect(m.connect(p).withdrawAccrued(id))
        .to.emit(m, "PaymentReleased")
        .withArgs(id, p.address, value(price, 1n, s), feeOf(value(price, 1n, s)));
      // streamed + refunded = funded exactly, although each part was rounded down on its own.
      expect(value(price, 1n, s) + refund).to.equal(funded);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) self-dealing
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket attack: a client leasing from its own provider", function () {
  it("pays the full fee, and splitting into many withdrawals only pays more (the fee rounds up)", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p, { gpus: 4 });
    // 1,000,001 units per GPU-hour: each epoch's release of 1,000,001 pays a fee of 10,001 (10,000.01 rounded up).
    const price = 1_000_001n;
    await c.registry.connect(p).setOffer(H100, price);
    const m = c.jobMarket;
    const start0 = await c.stablecoin.balanceOf(p.address);
    // The provider's operator is its own client (and its own payout). An SLA lease releases per covered epoch, so
    // the finest split is one withdrawal per epoch the oracle reports.
    const start = await nextEpochStart(c);
    const hours = 12n;
    await at(c, start);
    await m.connect(p).createDirectLease(p.address, H100, 1, hours * HOUR, price, KIND.Lease);
    const funded = value(price, 1n, hours * HOUR);
    let fees = 0n;
    let gross = 0n;
    for (let k = 1n; k <= hours; k++) {
      await coveredAfter(c, start + k * HOUR);
      const receipt = await (await m.connect(p).withdrawAccrued(1n)).wait();
      const ev = receipt!.logs.map((l) => m.interface.parseLog(l)).find((e) => e?.name === "PaymentReleased")!;
      expect(ev.args.gross).to.equal(price);
      expect(ev.args.fee).to.equal(10_001n);
      fees += ev.args.fee;
      gross += ev.args.gross;
    }
    expect(gross).to.equal(funded);
    expect(fees).to.be.gt(feeOf(gross)); // more than one withdrawal of the same amount would pay
    // The round trip cost the self-dealer exactly the fees, which the protocol holds.
    expect(start0 - (await c.stablecoin.balanceOf(p.address))).to.equal(fees);
    expect(await m.collectedFees()).to.equal(fees);
    // The ledger records the fee paid against the revenue, so emissions can price the wash (emissions issue).
    let recordedFees = 0n;
    for (let e = start / HOUR; e <= (await now(c)) / HOUR; e++) recordedFees += (await c.emissions.epochTotals(e))[1];
    expect(recordedFees).to.equal(fees);
  });

  it("cannot bid on its own open order", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.jobMarket.connect(p).postOrder(H100, 1, HOUR, PRICE, 600, KIND.Lease);
    await expect(c.jobMarket.connect(p).bid(1n, PRICE))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketSelfBid")
      .withArgs(1n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (e) griefing (invariant 8)
// ---------------------------------------------------------------------------------------------------------------

describe("JobMarket attack: griefing refunds and payouts (invariant 8)", function () {
  async function twoLeases() {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const client = c.clients[0];
    for (const p of [p0, p1]) {
      await onboardProvider(c, p, { gpus: 4 });
      await c.registry.connect(p).setOffer(H100, PRICE);
    }
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.jobMarket.connect(client).createDirectLease(p0.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    await c.jobMarket.connect(client).createDirectLease(p1.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    return { c, p0, p1, client, t };
  }

  it("a stranger can neither act on nor take from another's lease, and closing it only credits its owners", async function () {
    const { c, p0, client, t } = await twoLeases();
    const m = c.jobMarket.connect(c.stranger);
    const s = c.stranger.address;
    await expect(m.withdrawAccrued(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider").withArgs(1n, s);
    await expect(m.quit(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider").withArgs(1n, s);
    await expect(m.cancel(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient").withArgs(1n, s);
    await expect(m.extend(1n, HOUR)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient").withArgs(1n, s);
    // Disputes go through the DisputeManager: the market refuses a direct call, and the manager checks the client.
    await expect(m.dispute(1n, s)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager").withArgs(s);
    await expect(c.disputeManager.connect(c.stranger).open(1n))
      .to.be.revertedWithCustomError(c.disputeManager, "DisputeManagerNotClient")
      .withArgs(1n, s, client.address);
    await expect(m.close(1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseNotEnded")
      .withArgs(1n, t + 10n * HOUR);
    await coveredAfter(c, t + 10n * HOUR);
    const v = value(PRICE, 2n, 10n * HOUR);
    const close = m.close(1n);
    await expect(close).to.emit(c.jobMarket, "BalanceCredited").withArgs(p0.address, v - feeOf(v));
    await expect(close).to.changeTokenBalances(c.ethers, c.stablecoin, [c.stranger, c.jobMarket], [0n, 0n]);
    await expect(m.withdrawBalance()).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoBalance").withArgs(s);
    await expect(c.jobMarket.connect(p0).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [p0],
      [v - feeOf(v)],
    );
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(0n);
  });

  it("a jailed or slashed provider cannot hold the client's refund: cancel, close and withdrawBalance still pay", async function () {
    const { c, p0, client, t } = await twoLeases();
    await c.registry.connect(c.slasher).jail(p0.address, t + 30n * DAY);
    await c.vault.connect(c.slasher).executeSlash(p0.address, 400n * ONE, 0, false);
    await at(c, t + HOUR);
    await c.jobMarket.connect(client).cancel(1n);
    const refund = value(PRICE, 2n, 10n * HOUR) - value(PRICE, 2n, 2n * HOUR);
    await expect(c.jobMarket.connect(client).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [refund],
    );
    await at(c, t + 2n * HOUR);
    await expect(c.jobMarket.close(1n)).to.emit(c.jobMarket, "LeaseClosed");
  });

  it("a reverting payout (a blacklisted recipient) blocks only its own provider's withdrawal", async function () {
    const h = await loadHooked();
    const { c, hook, market, client, honest } = h;
    // Lease 1 from the honest provider, lease 2 from the attacker (whose payout is the token contract).
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await market.connect(client).createDirectLease(honest.address, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    await market.connect(client).createDirectLease(h.hookAddress, H100, 2, 10n * HOUR, PRICE, KIND.Lease);
    // Transfers to the honest provider now revert (an unknown selector on the registry, no fallback).
    await hook.setHook(await h.registry.getAddress(), honest.address, "0xdeadbeef");
    await coveredAfter(c, boundary, h.cover);
    await expect(market.connect(honest).withdrawAccrued(1n)).to.be.revertedWithoutReason(c.ethers);

    // Everyone else is unaffected: the client cancels and withdraws its refunds, the other provider is paid.
    await at(c, t + HOUR);
    await market.connect(client).cancel(1n);
    await at(c, t + HOUR + 1n);
    await market.connect(client).cancel(2n);
    const gross = value(PRICE, 2n, boundary - t - 1n); // lease 2 started one second after lease 1; covered to boundary
    await at(c, t + HOUR + 5n);
    await expect(asAttacker(h, "withdrawAccrued", [2n]))
      .to.emit(market, "PaymentReleased")
      .withArgs(2n, h.hookAddress, gross, feeOf(gross));
    const refunds = 2n * (value(PRICE, 2n, 10n * HOUR) - value(PRICE, 2n, 2n * HOUR));
    await expect(market.connect(client).withdrawBalance()).to.changeTokenBalances(c.ethers, hook, [client], [refunds]);
    // close still settles the blocked provider's lease (a credit, not a transfer), once the oracle covers its end.
    await coveredAfter(c, t + 2n * HOUR, h.cover);
    const earned = value(PRICE, 2n, 2n * HOUR);
    await expect(market.close(1n)).to.emit(market, "BalanceCredited").withArgs(honest.address, earned - feeOf(earned));
    // The provider recovers by pointing its payout elsewhere for new releases; its credited balance is its own.
    await hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    await expect(market.connect(honest).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      hook,
      [honest],
      [earned - feeOf(earned)],
    );
  });

  it("a client whose address reverts on receipt cannot block the provider's payout or the close", async function () {
    const h = await loadHooked();
    const { c, hook, market, honest } = h;
    const boundary = (await nextEpochStart(c)) + HOUR;
    const t = boundary - HOUR + 10n;
    await at(c, t);
    await asAttacker(h, "createDirectLease", [honest.address, H100, 2, 3n * HOUR, PRICE, KIND.Lease]);
    await hook.setHook(await h.registry.getAddress(), h.hookAddress, "0xdeadbeef");
    await at(c, t + HOUR);
    await asAttacker(h, "cancel", [1n]);
    await coveredAfter(c, boundary, h.cover);
    const gross = value(PRICE, 2n, boundary - t);
    await expect(market.connect(honest).withdrawAccrued(1n))
      .to.emit(market, "PaymentReleased")
      .withArgs(1n, honest.address, gross, feeOf(gross));
    await coveredAfter(c, t + 2n * HOUR, h.cover);
    const rest = value(PRICE, 2n, 2n * HOUR) - gross;
    await expect(market.close(1n)).to.emit(market, "LeaseClosed").withArgs(1n, rest, 0n);
    await expect(market.connect(honest).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      hook,
      [honest],
      [rest - feeOf(rest)],
    );
    // Only the reverting client's own withdrawal fails.
    await expect(asAttacker(h, "withdrawBalance")).to.be.revertedWithoutReason(c.ethers);
  });

  it("an outbid or ineligible bidder never blocks the order: the runner-up wins, and with neither the client gets the escrow back", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    for (const p of [p0, p1]) await onboardProvider(c, p, { gpus: 4 });
    const client = c.clients[0];
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.jobMarket.connect(client).postOrder(H100, 2, HOUR, PRICE, 600, KIND.Lease);
    await c.jobMarket.connect(client).postOrder(H100, 2, HOUR, PRICE, 600, KIND.Lease);
    const escrow = value(PRICE, 2n, HOUR);
    const bidBond = escrow / 10n; // the Standard tier's 10% of the escrow
    for (const id of [1n, 2n]) {
      await c.jobMarket.connect(p0).bid(id, PRICE);
      await c.jobMarket.connect(p1).bid(id, PRICE - PRICE / 100n);
    }
    // The best bidder then makes itself ineligible (jailed): its bid bond goes to the client, the runner-up wins.
    await c.registry.connect(c.slasher).jail(p1.address, t + DAY);
    await at(c, t + 600n);
    const first = c.jobMarket.connect(c.stranger).finalizeAuction(1n);
    await expect(first).to.emit(c.jobMarket, "OrderFinalized").withArgs(1n, 2n, 1n, 0n);
    await expect(first).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p1.address, bidBond, client.address);
    expect((await c.jobMarket.getLease(1n)).provider).to.equal(p0.address);
    // Neither kept bidder can serve order 2: it fails, the escrow goes back and both bid bonds go to the client.
    await c.registry.connect(c.slasher).jail(p0.address, t + DAY);
    await expect(c.jobMarket.connect(c.stranger).finalizeAuction(2n))
      .to.emit(c.jobMarket, "OrderFinalized")
      .withArgs(2n, 3n, 0n, escrow);
    await expect(c.jobMarket.connect(client).withdrawBalance()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [escrow],
    );
    await expect(c.slaBondManager.connect(client).withdraw()).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [client],
      [3n * bidBond],
    );
  });
});

