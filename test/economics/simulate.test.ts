/**
 * The supply simulator against the contracts: the same revenue scenario runs through src/economics/simulator.ts and
 * through the real contracts on the in-process network (channel payments, epoch closes, settlement, provider sales
 * on the Uniswap pool, fee sweeps, buybacks), on the simulator's own timeline, and every epoch's budget, bound,
 * price, each provider's reward, burn, supply, the burner's stablecoin and the pool's reserves must agree to the wei
 * (no tolerance anywhere). 25 warm-up epochs give the long TWAP its
 * history, so both TWAPs are exercised.
 */
import { expect } from "chai";
import { DEFAULT_PARAMS, DEFAULT_SCHEDULE } from "../../src/economics/emissions.js";
import { DEFAULT_SIMULATION, simulate, USD } from "../../src/economics/simulator.js";
import { connectCinder, onboardProvider, ONE } from "../helpers/fixture.js";
import type { Contract } from "ethers";
import { at, closedEvent, HOUR, now, Payer, reserves } from "../helpers/emissions.js";

const { loadCinder } = await connectCinder();

const REVENUE: bigint[][] = [
  [2_000n * USD, 1_000n * USD],
  [500n * USD, 4_000n * USD],
  [0n, 0n],
  [3_000n * USD, 3_000n * USD],
  [1_500_000n * USD, 0n],
  [10_000n * USD, 20_000n * USD],
];
const WARMUP = 25;

describe("Supply simulator against the contracts", function () {
  it("predicts every epoch's budget, bound, price, per-provider rewards, burn, supply, burner balance and pool reserves to the wei", async function () {
    this.timeout(120_000);
    const c = await loadCinder();
    const providers = [c.providers[0]!, c.providers[1]!];
    for (const p of providers) await onboardProvider(c, p);
    const payer = new Payer(c);
    const first = (await now(c)) / HOUR + 1n + BigInt(WARMUP);
    const start = (e: bigint) => e * HOUR;
    const pool = await reserves(c);
    const rows = simulate({
      ...DEFAULT_SIMULATION,
      epochs: REVENUE.length,
      firstEpoch: first,
      genesisEpoch: await c.emissions.GENESIS_EPOCH(),
      observedBefore: WARMUP,
      pool: { cndr: pool.cndr, asset: pool.asset },
      supply: await c.token.totalSupply(),
      revenue: (i) => REVENUE[i]!,
    });
    expect(rows.map((r) => r.bound)).to.deep.equal(["RevenueRate", "RevenueRate", "NoRevenue", "RevenueRate", "EpochCap", "RevenueRate"]);

    for (let k = WARMUP; k > 0; k--) {
      await at(c, start(first - BigInt(k)) + 5n);
      await c.emissions.observe();
    }
    const burner = await c.buybackBurner.getAddress();
    const router = await c.uniswapRouter.getAddress();
    for (const p of providers) await c.token.connect(p).approve(router, c.ethers.MaxUint256);
    const path = [await c.token.getAddress(), await c.stablecoin.getAddress()];
    for (let i = 0; i <= REVENUE.length; i++) {
      const e = first + BigInt(i);
      // Epoch e: sample the burner's TWAP (more than its 1,800 s window before the buyback at +1,820 s, and within
      // its 3,600 s maxAge), sweep the previous epoch's fees to the router and the burner...
      await at(c, start(e) + 15n);
      await c.buybackBurner.observe();
      await at(c, start(e) + 20n);
      await c.paymentChannels.sweepFees();
      await at(c, start(e) + 25n);
      await c.feeRouter.distribute(await c.stablecoin.getAddress());
      // ...record this epoch's revenue (first record at +60 s)...
      if (i < REVENUE.length) {
        for (let p = 0; p < providers.length; p++) {
          const amount = REVENUE[i]![p]!;
          if (amount > 0n) await payer.pay(providers[p]!, amount, { redeemAt: start(e) + 60n + BigInt(p) * 10n });
        }
      }
      if (i === 0) continue;
      // ...and close the previous one at +1,800 s, settle, let providers sell half their emission, buy back.
      const row = rows[i - 1]!;
      await at(c, start(e) + 1_800n);
      const ev = await closedEvent(c, await c.emissions.closeEpochAt(e - 1n));
      expect({ budget: ev.budget, bound: ev.bound, price: ev.price }, `epoch ${i - 1}`).to.deep.equal({
        budget: row.budget,
        bound: row.bound,
        price: row.price,
      });
      await at(c, start(e) + 1_805n);
      const streamed = new Map<string, bigint>();
      if (row.revenue > 0n) {
        const receipt = await (await c.emissions.settleMany(providers.map((p) => p.address), e - 1n)).wait();
        for (const log of receipt!.logs) {
          const parsed = c.emissions.interface.parseLog(log);
          if (parsed?.name === "EmissionSettled") streamed.set(parsed.args[0] as string, parsed.args[3] as bigint);
        }
      }
      for (let p = 0; p < providers.length; p++) {
        // Each provider's reward, to the wei (0 and no settlement when it earned nothing).
        expect(streamed.get(providers[p]!.address) ?? 0n, `reward of provider ${p} in epoch ${i - 1}`).to.equal(row.rewards[p]!);
        expect(await c.emissions.isSettled(providers[p]!.address, e - 1n)).to.equal(REVENUE[i - 1]![p]! > 0n);
        const sell = (row.rewards[p]! * DEFAULT_SIMULATION.sellShareBps) / 10_000n;
        if (sell > 0n) {
          await at(c, start(e) + 1_810n + BigInt(p));
          await (c.uniswapRouter.connect(providers[p]!) as Contract).getFunction("swapExactTokensForTokens")(
            sell, 0n, path, providers[p]!.address, start(e) + 3_000n,
          );
        }
      }
      if (row.buybackIn > 0n) {
        await at(c, start(e) + 1_820n);
        const supplyBefore = await c.token.totalSupply();
        await c.buybackBurner.execute(row.buybackIn, 0n, start(e) + 3_000n);
        expect(supplyBefore - (await c.token.totalSupply()), `burned in epoch ${i - 1}`).to.equal(row.burned);
      }
      expect(await c.token.totalSupply(), `supply after epoch ${i - 1}`).to.equal(row.supply);
      // The burner's stablecoin after its buyback, and the pool's reserves, to the unit.
      expect(await c.stablecoin.balanceOf(burner), `burner after epoch ${i - 1}`).to.equal(row.burnerBalance);
      const r = await reserves(c);
      expect(r, `reserves after epoch ${i - 1}`).to.deep.equal(row.reserves);
      expect((r.asset << 112n) / r.cndr * ONE >> 112n, `spot after epoch ${i - 1}`).to.equal(row.spot);
    }
    expect(DEFAULT_SIMULATION.schedule).to.deep.equal(DEFAULT_SCHEDULE);
    expect(DEFAULT_SIMULATION.params).to.deep.equal(DEFAULT_PARAMS);
  });
});
