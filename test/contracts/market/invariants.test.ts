/**
 * DESIGN.md invariants 1 (solvency: the market and the auction each hold exactly what they owe) and 2 (conservation
 * per lease), checked after every step of a mixed lease scenario and of an auction and dispute scenario (shared set-up:
 * ./fixture.ts).
 */
import { expect } from "chai";
import { coverUntil } from "../../helpers/oracle.js";
import { onboardProvider, H100 } from "../../helpers/fixture.js";
import {
  loadCinder,
  HOUR,
  DAY,
  PRICE,
  KIND,
  RESULT,
  now,
  at,
  mineAt,
  nextEpochStart,
  lease,
  expectInvariants,
  type Tx,
} from "./fixture.js";

describe("JobMarket invariants (DESIGN.md 1, 2)", function () {
  it("solvency and per-lease conservation hold after every step of a mixed lease scenario", async function () {
    const c = await loadCinder();
    const [p0, p1] = c.providers;
    const [c0, c1, c2] = c.clients;
    const payout = c.delegators[2];
    await onboardProvider(c, p0, { gpus: 4 });
    await onboardProvider(c, p1, { gpus: 4 });
    await c.registry.connect(p0).setOffer(H100, PRICE);
    await c.registry.connect(p1).setOffer(H100, 3_333_333n);
    await c.registry.connect(p1).setPayout(payout.address);
    const everyone = [c0, c1, c2, p0, p1, payout];
    const check = () => expectInvariants(c, everyone);
    const m = c.jobMarket;
    const a = c.leaseAuction;
    const step = async (t: bigint, tx: () => Tx) => {
      await at(c, t);
      await tx();
      await check();
    };
    /** At `at_` the oracle reports the epoch before: the SLA leases' streams up to `at_`'s epoch become withdrawable
     * (the report's block is the next second's). */
    const cover = async (at_: bigint) => {
      await mineAt(c, at_);
      await coverUntil(c, (at_ / HOUR) * HOUR);
      await check();
    };
    let t = (await nextEpochStart(c)) + 10n;
    await step(t, () => m.connect(c0).createDirectLease(p0.address, H100, 2, 10n * HOUR + 7n, PRICE, KIND.Lease)); // 1
    await step((t += 13n), () => m.connect(c1).createDirectLease(p1.address, H100, 3, 5n * HOUR, 3_333_333n, KIND.Lease)); // 2
    await step((t += 31n), () => m.connect(c2).createDirectLease(p0.address, H100, 1, 4n * HOUR, PRICE, KIND.Batch)); // 3
    await cover((t += HOUR));
    await step((t += 1_001n), () => m.connect(p0).withdrawAccrued(1n));
    await step((t += 7n), () => m.connect(p1).withdrawAccrued(2n));
    await step((t += 3n), () => m.connect(c0).extend(1n, 2n * HOUR + 3n));
    await step((t += 1_237n), () => m.connect(c1).cancel(2n));
    await cover((t += HOUR));
    await step((t += 17n), () => m.connect(p1).withdrawAccrued(2n));
    await step((t += 101n), () => m.connect(p0).submitResult(3n, RESULT, "ipfs://3"));
    await step((t += 1n), () => m.connect(c2).withdrawBalance());
    await step((t += 999n), () => m.connect(p0).withdrawAccrued(1n));
    await cover((t += 2n * HOUR));
    await step((t += 2n), () => m.connect(c.stranger).close(2n));
    await step((t += 5n), () => m.connect(payout).withdrawBalance());
    await step((t += 3n), () => m.connect(c1).withdrawBalance());
    await step((t += 2n * HOUR + 19n), () => m.connect(p0).quit(1n));
    await step((t += 1n), () => m.connect(c0).withdrawBalance());
    await step((t += DAY), () => m.connect(p0).withdrawAccrued(3n));
    await step((t += 1n), () => m.close(3n));
    await cover((t += HOUR));
    await step((t += 2n), () => m.close(1n));
    await step((t += 1n), () => m.connect(p0).withdrawBalance());
    await step((t += 1n), () => m.sweepFees());
    // Every lease settled and every balance withdrawn: the market holds nothing.
    expect(await c.stablecoin.balanceOf(await m.getAddress())).to.equal(0n);
    expect(await c.stablecoin.balanceOf(await a.getAddress())).to.equal(0n);
    expect(await c.registry.freeCapacity(p0.address, H100)).to.equal(4n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(4n);
  });

  it("solvency and per-lease conservation hold after every step of an auction and dispute scenario", async function () {
    const c = await loadCinder();
    const [p0, p1, p2] = c.providers;
    const [c0, c1] = c.clients;
    for (const p of [p0, p1, p2]) await onboardProvider(c, p, { gpus: 4 });
    const everyone = [c0, c1, p0, p1, p2];
    const check = () => expectInvariants(c, everyone);
    const m = c.jobMarket;
    const a = c.leaseAuction;
    const step = async (t: bigint, tx: () => Tx) => {
      await at(c, t);
      await tx();
      await check();
    };
    let t = (await now(c)) + 10n;
    const MAXP = 4_000_003n;
    await step(t, () => a.connect(c0).postOrder(H100, 2, 6n * HOUR + 1n, MAXP, HOUR, KIND.Lease)); // order 1
    await step((t += 1n), () => a.connect(c1).postOrder(H100, 3, 2n * HOUR, MAXP, 600, KIND.Batch)); // order 2
    await step((t += 1n), () => a.connect(c0).postOrder(H100, 1, HOUR, MAXP, 300, KIND.Lease)); // order 3
    await step((t += 1n), () => a.connect(c1).postOrder(H100, 1, HOUR, MAXP, 300, KIND.Lease)); // order 4
    await step((t += 1n), () => a.connect(p0).bid(1n, 3_900_000n));
    await step((t += 1n), () => a.connect(p1).bid(1n, 3_500_001n));
    await step((t += 1n), () => a.connect(p0).bid(1n, 3_400_000n)); // the runner-up beats the best: no new lock
    await step((t += 1n), () => a.connect(p2).bid(2n, 3_999_999n));
    await step((t += 1n), () => a.connect(p1).bid(3n, 2_000_000n));
    await step((t += 1n), () => a.connect(c1).cancelOrder(4n));
    await step((t += 1n), () => c.registry.connect(c.slasher).jail(p1.address, t + DAY));
    await step((t += 300n), () => a.connect(c.stranger).finalizeAuction(3n)); // Failed: p1 jailed, its bid bond to c0
    await step((t += 300n), () => a.connect(c.stranger).finalizeAuction(2n)); // Awarded to p2 -> lease 1 (batch)
    await step((t += HOUR), () => a.connect(c0).finalizeAuction(1n)); // Awarded to p0 -> lease 2
    await step((t += 1_800n), () => m.connect(p2).submitResult(1n, RESULT, "ipfs://batch"));
    await step((t += 5n), () => m.connect(c.disputeResolver).dispute(1n, c1.address));
    // The oracle reports the epoch before the current one: lease 2's stream up to this epoch becomes withdrawable.
    await mineAt(c, (t += HOUR));
    await coverUntil(c, (t / HOUR) * HOUR);
    await step((t += 1_003n), () => m.connect(p0).withdrawAccrued(2n));
    await step((t += 1n), () => m.connect(c0).extend(2n, HOUR));
    await step((t += 3n), () => m.connect(c.disputeResolver).resolveDispute(1n, 1_234_567n));
    await step((t += 3n), () => m.connect(c0).cancel(2n));
    await mineAt(c, (t += 2n * HOUR));
    await coverUntil(c, (t / HOUR) * HOUR);
    await step((t += 2n), () => m.close(2n));
    for (const who of everyone) {
      if ((await m.balanceOf(who.address)) > 0n) await step((t += 1n), () => m.connect(who).withdrawBalance());
    }
    await step((t += 1n), () => m.sweepFees());
    expect(await c.stablecoin.balanceOf(await m.getAddress())).to.equal(0n);
    expect(await c.stablecoin.balanceOf(await a.getAddress())).to.equal(0n);
  });
});
