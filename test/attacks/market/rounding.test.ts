/**
 * Attack (c): per-second rounding fuzzed over hundreds of random timings: a provider never gets more than was funded
 * and covered, a client never gets back more than did not stream (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { reportEpoch } from "../../helpers/oracle.js";
import { onboardProvider, H100 } from "../../helpers/fixture.js";
import { loadCinder, HOUR, NOTICE, KIND, value, feeOf, now, at, nextEpochStart, coveredAfter, rng } from "./fixture.js";

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

