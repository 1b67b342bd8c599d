/**
 * JobMarket batch jobs: result submission, the challenge window, dispute freezing and its resolution by the wired
 * DisputeManager (shared set-up: ./fixture.ts).
 */
import { expect } from "chai";
import { H100 } from "../../helpers/fixture.js";
import {
  HOUR,
  PRICE,
  CHALLENGE,
  LS,
  KIND,
  RESULT,
  value,
  feeOf,
  now,
  at,
  mineAt,
  usdDeltas,
  withOffer,
  lease,
  expectInvariants,
} from "./fixture.js";

describe("JobMarket batch jobs", function () {
  async function batch() {
    const { c, p, client } = await withOffer();
    const l = await lease(c, client, p, { gpus: 2n, kind: KIND.Batch });
    return { c, p, client, l };
  }

  it("submitResult ends the stream now, credits the remainder, releases capacity and opens the challenge window", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + 3n * HOUR + 5n;
    const earned = value(PRICE, 2n, t - l.start);
    const refund = l.v - earned;
    await at(c, t);
    const tx = c.jobMarket.connect(p).submitResult(l.id, RESULT, "ipfs://result");
    await expect(tx).to.emit(c.jobMarket, "ResultSubmitted").withArgs(l.id, RESULT, "ipfs://result", t + CHALLENGE);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, refund);
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 2n, 0n);
    await usdDeltas(c, tx, [client, p, c.jobMarket], [0n, 0n, 0n]);
    expect(await c.jobMarket.getResult(l.id)).to.deep.equal([RESULT, t + CHALLENGE]);
    const after = await c.jobMarket.getLease(l.id);
    expect(after.end).to.equal(t);
    expect(after.capacityReleased).to.equal(true);
    expect(await c.jobMarket.leaseValue(l.id)).to.equal(earned);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refund);
    await expectInvariants(c, [client, p]);

    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "again"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketResultAlreadySubmitted")
      .withArgs(l.id);
  });

  it("withdrawAccrued releases nothing until the challenge window has passed, then records the revenue", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    const ts = l.start + 2n * HOUR + 9n;
    await at(c, ts);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "ipfs://r");
    const earned = value(PRICE, 2n, ts - l.start);
    await mineAt(c, ts + CHALLENGE - 2n);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(0n);
    expect(await c.jobMarket.accrued(l.id)).to.equal(earned);
    await at(c, ts + CHALLENGE - 1n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNothingToWithdraw")
      .withArgs(l.id);
    // No revenue counted before the result is final.
    expect((await c.emissions.epochTotals(ts / HOUR))[0]).to.equal(0n);
    await mineAt(c, ts + CHALLENGE);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(earned);
    const tw = ts + CHALLENGE + 1n;
    await at(c, tw);
    const tx = c.jobMarket.connect(p).withdrawAccrued(l.id);
    await expect(tx).to.emit(c.jobMarket, "PaymentReleased").withArgs(l.id, p.address, earned, feeOf(earned));
    await expect(tx).to.emit(c.emissions, "RevenueRecorded").withArgs(p.address, tw / HOUR, earned, feeOf(earned));
    await usdDeltas(c, tx, [p, c.jobMarket], [earned - feeOf(earned), -(earned - feeOf(earned))]);
    // close then settles nothing and does not release capacity again.
    const close = c.jobMarket.close(l.id);
    await expect(close).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, 0n);
    await expect(close).to.not.emit(c.registry, "CapacityReleased");
    await expectInvariants(c, [client, p]);
  });

  it("refuses a late result (at or after the end, or after a quit): the client is refunded in full at close", async function () {
    const { c, p, client, l } = await batch();
    await at(c, l.end + 50n);
    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "late"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(l.id, l.end);
    await expect(c.jobMarket.close(l.id)).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, l.v);
    await expectInvariants(c, [client, p]);

    const quitter = await batch();
    await quitter.c.jobMarket.connect(quitter.p).quit(quitter.l.id);
    const ended = (await quitter.c.jobMarket.getLease(quitter.l.id)).end;
    await expect(quitter.c.jobMarket.connect(quitter.p).submitResult(quitter.l.id, RESULT, "after quit"))
      .to.be.revertedWithCustomError(quitter.c.jobMarket, "JobMarketLeaseEnded")
      .withArgs(quitter.l.id, ended);
  });

  it("submitResult reverts with JobMarketNotProvider, JobMarketWrongKind and for a zero hash", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(client).submitResult(l.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotProvider")
      .withArgs(l.id, client.address);
    await expect(c.jobMarket.connect(p).submitResult(l.id, `0x${"00".repeat(32)}`, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketZeroResultHash")
      .withArgs(l.id);
    const plain = await lease(c, client, p, { gpus: 1n, kind: KIND.Lease });
    await expect(c.jobMarket.connect(p).submitResult(plain.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketWrongKind")
      .withArgs(plain.id, KIND.Lease);
    // A closed job takes no result (its escrow already went back to the client).
    await at(c, l.end);
    await c.jobMarket.close(l.id);
    await expect(c.jobMarket.connect(p).submitResult(l.id, RESULT, "x"))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("close of a batch job without a result refunds everything to the client", async function () {
    const { c, p, client, l } = await batch();
    await at(c, l.end);
    const tx = c.jobMarket.connect(c.stranger).close(l.id);
    await expect(tx).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, 0n, l.v);
    await expect(tx).to.emit(c.jobMarket, "BalanceCredited").withArgs(client.address, l.v);
    await expect(tx).to.emit(c.registry, "CapacityReleased").withArgs(p.address, H100, 2n, 0n);
    await expect(tx).to.not.emit(c.jobMarket, "PaymentReleased");
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(l.v);
    expect(await c.jobMarket.collectedFees()).to.equal(0n);
    await expectInvariants(c, [client, p]);
  });

  it("close before the challenge window ends reverts with JobMarketChallengeWindowOpen", async function () {
    const { c, p, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await at(c, t + CHALLENGE - 1n);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketChallengeWindowOpen")
      .withArgs(l.id, t + CHALLENGE);
  });

  it("dispute freezes the escrow: withdrawAccrued and close revert with the Disputed status", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await at(c, t + CHALLENGE - 1n);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.emit(c.jobMarket, "ResultDisputed")
      .withArgs(l.id, client.address);
    expect((await c.jobMarket.getLease(l.id)).status).to.equal(LS.Disputed);
    await at(c, t + CHALLENGE + 10n);
    expect(await c.jobMarket.withdrawable(l.id)).to.equal(0n);
    await expect(c.jobMarket.connect(p).withdrawAccrued(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expect(c.jobMarket.close(l.id))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Disputed);
    await expectInvariants(c, [client, p]);
  });

  it("dispute (the wired DisputeManager only) reverts with JobMarketNotClient, JobMarketNoResult and JobMarketChallengeWindowClosed", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoResult")
      .withArgs(l.id);
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, c.stranger.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotClient")
      .withArgs(l.id, c.stranger.address);
    // Clients dispute through the DisputeManager (with a deposit): the market's entry point is its wired address only.
    for (const caller of [client, c.stranger, c.governance]) {
      await expect(c.jobMarket.connect(caller).dispute(l.id, client.address))
        .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
        .withArgs(caller.address);
    }
    await at(c, t + CHALLENGE);
    await expect(c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketChallengeWindowClosed")
      .withArgs(l.id, t + CHALLENGE);
  });

  it("resolveDispute (the wired DisputeManager only) splits the held escrow: the provider's part with the fee, the rest to the client", async function () {
    const { c, p, client, l } = await batch();
    const t = l.start + 5n * HOUR + 1n;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address);
    const held = value(PRICE, 2n, t - l.start);
    const refundAtResult = l.v - held;

    await expect(c.jobMarket.connect(c.stranger).resolveDispute(l.id, 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
      .withArgs(c.stranger.address);
    await expect(c.jobMarket.connect(c.guardian).resolveDispute(l.id, 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketNotDisputeManager")
      .withArgs(c.guardian.address);
    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, held + 1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketPayoutAboveEscrow")
      .withArgs(l.id, held + 1n, held);

    const toProvider = held / 3n;
    const toClient = held - toProvider;
    const tr = t + 600n;
    await at(c, tr);
    const tx = c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, toProvider);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(l.id, toProvider, toClient);
    await expect(tx).to.emit(c.jobMarket, "LeaseClosed").withArgs(l.id, toProvider, toClient);
    await expect(tx)
      .to.emit(c.jobMarket, "PaymentReleased")
      .withArgs(l.id, p.address, toProvider, feeOf(toProvider));
    await expect(tx)
      .to.emit(c.emissions, "RevenueRecorded")
      .withArgs(p.address, tr / HOUR, toProvider, feeOf(toProvider));
    await usdDeltas(c, tx, [client, p, c.jobMarket], [0n, 0n, 0n]);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(toProvider - feeOf(toProvider));
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(refundAtResult + toClient);
    expect((await c.jobMarket.getLease(l.id)).status).to.equal(LS.Closed);
    await expectInvariants(c, [client, p]);

    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Closed);
  });

  it("resolveDispute with nothing to the provider refunds the whole held escrow and releases no fee", async function () {
    const { c, p, client, l } = await batch();
    await expect(c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketInvalidLeaseStatus")
      .withArgs(l.id, LS.Active);
    const t = l.start + HOUR;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(l.id, RESULT, "r");
    await c.jobMarket.connect(c.disputeResolver).dispute(l.id, client.address);
    const held = value(PRICE, 2n, HOUR);
    const tx = c.jobMarket.connect(c.disputeResolver).resolveDispute(l.id, 0n);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(l.id, 0n, held);
    await expect(tx).to.not.emit(c.jobMarket, "PaymentReleased");
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(l.v);
    expect(await c.jobMarket.collectedFees()).to.equal(0n);
    await expectInvariants(c, [client, p]);
  });
});
