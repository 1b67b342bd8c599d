/**
 * JobMarket's SLA stream hold (DESIGN: who pays SLA credits): the part of a lease's stream held back for SLA
 * credits, its release to the provider and its payment to the client.
 */
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { SLA_TIER, SLA_TIERS } from "../../../deploy/config.js";
import { EPOCH, HOUR, LATE, leaseAt, lockOf, type Proof, proofOf, report, setupOnce, snapshot, type TestLease, toEpoch, uptime, value } from "./fixture.js";

describe("JobMarket SLA stream hold (DESIGN: who pays SLA credits)", function () {
  const feeOf = (gross: bigint) => (gross * 100n + 9_999n) / 10_000n; // the 1% protocol fee, rounded up

  it("withdraws an SLA lease's stream only up to the oracle's covered time (a hole below the latest report counts)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 4n);
    await toEpoch(s, s.epoch + 1n);
    // Nothing reported: only time older than the late window is covered, and the lease started after it.
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 1n - LATE) * EPOCH);
    expect(await m.accrued(l.id)).to.equal(value(1n, EPOCH + 10n));
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    await report(s, s.epoch, [uptime(l.id, s.epoch, 3_600)]);
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 1n) * EPOCH);
    const first = value(1n, EPOCH);
    expect(await m.withdrawable(l.id)).to.equal(first);
    const paid = await c.stablecoin.balanceOf(s.provider.address);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.emit(m, "PaymentReleased").withArgs(l.id, s.provider.address, first, feeOf(first));
    expect((await c.stablecoin.balanceOf(s.provider.address)) - paid).to.equal(first - feeOf(first));
    expect(await m.withdrawable(l.id)).to.equal(0n);
    // Epoch e + 2 reported before e + 1: the covered time is the latest report's end (e + 1 may still come late).
    await toEpoch(s, s.epoch + 3n);
    await report(s, s.epoch + 2n, [uptime(l.id, s.epoch + 2n, 3_600)]);
    expect(await m.withdrawable(l.id)).to.equal(value(1n, 3n * EPOCH) - first);
    await report(s, s.epoch + 1n, [uptime(l.id, s.epoch + 1n, 3_600)]);
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 3n) * EPOCH);
    await m.connect(s.provider).withdrawAccrued(l.id);
    // The stream stops at the end too: the last epoch's report releases exactly the rest.
    await toEpoch(s, s.epoch + 5n);
    await report(s, s.epoch + 3n, [uptime(l.id, s.epoch + 3n, 3_600)]);
    expect(await m.withdrawable(l.id)).to.equal(l.v - value(1n, 3n * EPOCH));
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, l.v - value(1n, 3n * EPOCH), 0n);
    expect((await m.getLease(l.id)).released).to.equal(l.v);
  });

  it("a silent oracle never locks the pay: time older than the late window becomes withdrawable", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 3n);
    await toEpoch(s, s.epoch + LATE);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await toEpoch(s, s.epoch + 1n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(value(1n, EPOCH));
    await toEpoch(s, s.epoch + 3n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(l.v);
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, l.v, 0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    // Every epoch silent: no credit, and the whole lock unlocks.
    await expect(c.slaBondManager.settle(l.id, []))
      .to.emit(c.slaBondManager, "SlaSettled")
      .withArgs(l.id, s.provider.address, s.clients[0].address, SLA_TIER.Standard, 0n, 0n, l.v, 0n, 0n, lockOf(10n, l.v));
  });

  it("pays the credit from the held stream first, then the bond, capped at the two (exact amounts)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const start = s.epoch * EPOCH;
    // 2-hour leases starting 600, 601 and 602 seconds into epoch e (epochs e, e + 1, e + 2): Standard, Pro, Enterprise.
    const leases = [0, 1, 2].map(() => undefined as unknown as TestLease);
    for (const i of [0, 1, 2]) leases[i] = await leaseAt(s, s.clients[i], start + 600n + BigInt(i), 2n);
    // Uptime 7,000 of 7,200 s (97.2%: 25% credit) for the first two, 3,600 of 7,200 (50%: 100%) for the third.
    const lossIn1 = [200, 200, 3_600];
    const proofs: Proof[][] = [[], [], []];
    for (let k = 0n; k <= 2n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaves = leases.map((l, i) => {
        const off = 600 + i;
        const observed = k === 0n ? 3_600 - off : k === 1n ? 3_600 : off;
        return uptime(l.id, s.epoch + k, k === 1n ? observed - lossIn1[i] : observed, observed);
      });
      const tree = await report(s, s.epoch + k, leaves);
      leaves.forEach((leaf, i) => proofs[i].push(proofOf(tree, leaf)));
      // With epochs e and e + 1 reported, the Pro and Enterprise providers take the stream up to (e + 2) * EPOCH.
      if (k === 1n) for (const i of [1, 2]) await m.connect(s.provider).withdrawAccrued(leases[i].id);
    }
    const charge = value(1n, 2n * HOUR);
    const cases = [
      // [credit wanted, held in the lease, lock]: the stream covers it; the stream then the bond; capped at both.
      { tier: SLA_TIER.Standard, wanted: charge / 4n, held: charge, lock: lockOf(10n, charge) },
      { tier: SLA_TIER.Pro, wanted: charge / 4n, held: charge - value(1n, 2n * EPOCH - 601n), lock: lockOf(20n, charge) },
      { tier: SLA_TIER.Enterprise, wanted: charge, held: charge - value(1n, 2n * EPOCH - 602n), lock: lockOf(30n, charge) },
    ];
    expect(cases[1].held).to.be.lessThan(cases[1].wanted);
    expect(cases[1].wanted - cases[1].held).to.be.lessThan(cases[1].lock);
    expect(cases[2].held + cases[2].lock).to.be.lessThan(cases[2].wanted);
    const marketAddress = await m.getAddress();
    for (const [i, { tier, wanted, held, lock }] of cases.entries()) {
      const l = leases[i];
      const client = s.clients[i];
      const fromStream = wanted < held ? wanted : held;
      const fromBond = wanted - fromStream < lock ? wanted - fromStream : lock;
      const before = { ...(await snapshot(s, s.provider.address, client.address)), market: await m.balanceOf(client.address) };
      const marketHeld = await c.stablecoin.balanceOf(marketAddress);
      const tx = sla.connect(c.stranger).settle(l.id, proofs[i]);
      await expect(tx)
        .to.emit(sla, "SlaSettled")
        .withArgs(l.id, s.provider.address, client.address, tier, i === 2 ? 3_600n : 7_000n, 7_200n, charge, fromStream, fromBond, lock);
      await expect(tx).to.emit(m, "BalanceCredited").withArgs(client.address, fromStream);
      // The stream credit never left the market: it moved from the lease to the client's balance there.
      expect(await c.stablecoin.balanceOf(marketAddress), `case ${i}: market holdings`).to.equal(marketHeld);
      const after = { ...(await snapshot(s, s.provider.address, client.address)), market: await m.balanceOf(client.address) };
      expect(after.market - before.market, `case ${i}: stream part`).to.equal(fromStream);
      expect(after.balance - before.balance, `case ${i}: bond part`).to.equal(fromBond);
      expect(before.total - after.total, `case ${i}: bond paid`).to.equal(fromBond);
      expect(before.locked - after.locked, `case ${i}: unlocked`).to.equal(lock);
      const lease = await m.getLease(l.id);
      expect([lease.streamCredited, lease.slaSettled]).to.deep.equal([fromStream, true]);
      expect((await sla.getSettlement(l.id)).closed).to.equal(true);
      // The rest of the held stream is the provider's; per lease, funded = released + stream credit + held.
      expect(await m.withdrawable(l.id)).to.equal(held - fromStream);
      if (held > fromStream) await m.connect(s.provider).withdrawAccrued(l.id);
      const done = await m.getLease(l.id);
      expect(done.released + done.streamCredited, `case ${i}: conservation`).to.equal(l.v);
    }
    await expect(sla.settle(leases[0].id, proofs[0])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(leases[0].id);
  });

  it("close leaves the uncovered tail held; settle takes the credit from it; withdrawAccrued releases the rest", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const l = await leaseAt(s, client, s.epoch * EPOCH, 2n);
    await toEpoch(s, s.epoch + 1n);
    const l0 = uptime(l.id, s.epoch, 3_400);
    const p0 = proofOf(await report(s, s.epoch, [l0]), l0);
    await toEpoch(s, s.epoch + 2n);
    const hour = value(1n, EPOCH);
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, hour, 0n);
    expect((await m.getLease(l.id)).status).to.equal(3n);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    const l1 = uptime(l.id, s.epoch + 1n, 3_600);
    const p1 = proofOf(await report(s, s.epoch + 1n, [l1]), l1);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    // 7,000 of 7,200 s: 25% of the charge, all of it from the tail the closed lease holds.
    const credit = l.v / 4n;
    await expect(sla.settle(l.id, [p0, p1]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 7_000n, 7_200n, l.v, credit, 0n, lockOf(10n, l.v));
    expect(await m.balanceOf(client.address)).to.equal(credit);
    expect(await m.withdrawable(l.id)).to.equal(hour - credit);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.emit(m, "PaymentReleased").withArgs(l.id, s.provider.address, hour - credit, feeOf(hour - credit));
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    const done = await m.getLease(l.id);
    expect(done.released + done.streamCredited).to.equal(l.v);
    await expect(m.close(l.id)).to.be.revertedWithCustomError(m, "JobMarketInvalidLeaseStatus").withArgs(l.id, 3n);
    // The hook is the wired SlaBondManager's alone, and pays once.
    await expect(m.connect(c.stranger).payStreamCredit(l.id, 1n)).to.be.revertedWithCustomError(m, "JobMarketNotSlaBondManager").withArgs(c.stranger.address);
    const slaAddress = await sla.getAddress();
    await c.networkHelpers.impersonateAccount(slaAddress);
    await c.networkHelpers.setBalance(slaAddress, 10n ** 18n);
    const asSla = await c.ethers.getSigner(slaAddress);
    await expect(m.connect(asSla).payStreamCredit(l.id, 1n)).to.be.revertedWithCustomError(m, "JobMarketSlaAlreadySettled").withArgs(l.id);
  });

  it("a lease spanning silent epochs releases them as they age out; the credit takes what is still held, then the bond", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const client = s.clients[1]; // Pro: 20% lock
    const l = await leaseAt(s, client, s.epoch * EPOCH, 3n);
    await toEpoch(s, s.epoch + 1n);
    const bad = uptime(l.id, s.epoch, 1_800); // 50%: 100% credit
    const p0 = proofOf(await report(s, s.epoch, [bad]), bad);
    // Epochs e + 1 and e + 2 stay silent.
    await toEpoch(s, s.epoch + 3n);
    const hour = value(1n, EPOCH);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    await m.connect(s.provider).withdrawAccrued(l.id);
    await toEpoch(s, s.epoch + 1n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await toEpoch(s, s.epoch + 2n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    await m.connect(s.provider).withdrawAccrued(l.id);
    await toEpoch(s, s.epoch + 3n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(l.v - 2n * hour);
    // Settled now: the silent epochs are skipped; 1,800 of 3,600 observed is 100% of the charge. The last hour is
    // still held and pays first, the lock the rest, capped.
    const lock = lockOf(20n, l.v);
    await expect(sla.settle(l.id, [p0]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Pro, 1_800n, 3_600n, l.v, l.v - 2n * hour, lock, lock);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    expect(await m.balanceOf(client.address)).to.equal(l.v - 2n * hour);
    expect(await sla.balanceOf(client.address)).to.equal(lock);
  });

  it("the market needs a hub, and the SlaBondManager refuses a hub other than the market's", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const p = await m.params();
    const params = {
      minLeaseDuration: p.minLeaseDuration,
      cancelNotice: p.cancelNotice,
      challengeWindow: p.challengeWindow,
      minBidWindow: p.minBidWindow,
      maxBidWindow: p.maxBidWindow,
      minBidStepBps: p.minBidStepBps,
      minLeaseValue: p.minLeaseValue,
    };
    const wiring = {
      asset: await m.ASSET(),
      registry: await m.REGISTRY(),
      vault: await m.VAULT(),
      feeRouter: await m.FEE_ROUTER(),
      revenue: await m.REVENUE(),
      oracleHub: ZeroAddress,
    };
    const marketFactory = await c.ethers.getContractFactory("JobMarket");
    await expect(marketFactory.deploy(await c.manager.getAddress(), wiring, params))
      .to.be.revertedWithCustomError(m, "JobMarketZeroAddress")
      .withArgs("oracleHub");
    expect(await m.ORACLE_HUB()).to.equal(await c.oracleHub.getAddress());
    const factory = await c.ethers.getContractFactory("SlaBondManager");
    const tiers = SLA_TIERS.map(({ name: _name, ...tier }) => tier);
    await expect(
      factory.deploy(await c.manager.getAddress(), await c.stablecoin.getAddress(), await c.jobMarket.getAddress(), c.stranger.address, tiers, {
        exitPenaltyBps: 1_000,
        breachFaultThreshold: 3,
      }),
    )
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerHubMismatch")
      .withArgs(await c.oracleHub.getAddress(), c.stranger.address);
  });
});
