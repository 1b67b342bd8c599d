/**
 * Attacks (b) and (d): a direct order front-run by a price change (the client's maximum price holds), and a client
 * leasing from its own provider (the full fee, more when split; no bid on its own order) (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { onboardProvider, H100 } from "../../helpers/fixture.js";
import { connection, loadCinder, HOUR, PRICE, KIND, value, feeOf, now, at, nextEpochStart, coveredAfter } from "./fixture.js";

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
    await c.leaseAuction.connect(p).postOrder(H100, 1, HOUR, PRICE, 600, KIND.Lease);
    await expect(c.leaseAuction.connect(p).bid(1n, PRICE))
      .to.be.revertedWithCustomError(c.leaseAuction, "LeaseAuctionSelfBid")
      .withArgs(1n);
  });
});

