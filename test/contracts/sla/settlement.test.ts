/**
 * SlaBondManager settlement with Merkle proofs of OracleHub uptime leaves: credit tiers exactly at and one second
 * under each threshold, silent epochs, a leaf used twice, settling in parts, the exit penalty, repeated breaches,
 * breach threshold changes and a provider quitting to dodge a breach.
 */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { AbiCoder, keccak256, toBeHex, toUtf8Bytes, ZeroAddress } from "ethers";
import { SLA_TIER } from "../../../deploy/config.js";
import { type Leaf, type LeafTree } from "../../../src/protocol/leaves.js";
import { H100, H100_STAKE_PER_GPU, onboardProvider, USD } from "../../helpers/fixture.js";
import { drain, EPOCH, HOUR, KIND, LATE, leaseAt, lockOf, PRICE, type Proof, proofOf, report, setupOnce, snapshot, type TestLease, tierOf, toEpoch, uptime, value } from "./fixture.js";

describe("SlaBondManager.settle", function () {
  it("pays each tier's credit exactly at and one second under each threshold, capped at the lock", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    // 10 epochs of 3,600 observed seconds: 36,000 in all. [client index, total up seconds, credit bps].
    const cases: [number, number, bigint][] = [
      [0, 35_640, 0n], // Standard, exactly 99.0%
      [0, 35_639, 2_500n], // one second under: 25%, capped at the 10% lock
      [1, 35_964, 0n], // Pro, exactly 99.9%
      [1, 35_963, 1_000n],
      [1, 35_640, 1_000n], // exactly 99%
      [1, 35_639, 2_500n],
      [2, 35_982, 0n], // Enterprise, exactly 99.95%
      [2, 35_981, 1_000n],
      [2, 34_200, 2_500n], // exactly 95%
      [2, 34_199, 10_000n], // 100%, capped at the 30% lock
    ];
    const start = s.epoch * EPOCH;
    const leases: TestLease[] = [];
    for (const [i, [client]] of cases.entries()) {
      const provider = i < 5 ? s.provider : s.provider2;
      leases.push(await leaseAt(s, s.clients[client], start + 1n + BigInt(i), 10n, provider));
    }
    // The leases start in the first seconds of epoch e and end 10 hours later, in epoch e + 10.
    const leaves: Leaf[][] = [];
    for (let k = 0n; k <= 10n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const epochLeaves = cases.map(([, up], i) => {
        // The deficit falls in the first epoch; the oracle did not observe the last few seconds in epoch e + 10.
        if (k === 10n) return uptime(leases[i].id, s.epoch + k, 0, 0);
        const observed = 3_600;
        const deficit = 36_000 - up;
        return uptime(leases[i].id, s.epoch + k, k === 0n ? observed - deficit : observed, observed);
      });
      leaves.push(epochLeaves);
      const tree = await report(s, s.epoch + k, epochLeaves);
      for (const [i, leaf] of epochLeaves.entries()) leases[i].proofs.push(proofOf(tree, leaf));
    }
    for (const [i, [client, up, bps]] of cases.entries()) {
      const l = leases[i];
      const tier = client;
      // Every epoch is reported: the provider took the whole stream, so the bond alone pays (capped at the lock).
      expect(await drain(s, l, i < 5 ? s.provider : s.provider2), `case ${i} stream`).to.equal(l.v);
      expect(await sla.creditBpsFor(tier, BigInt(up), 36_000n), `case ${i} bps`).to.equal(bps);
      const percent = BigInt(tierOf(tier).bondPercent);
      const lock = lockOf(percent, l.v);
      const schedule = (l.v * bps) / 10_000n;
      const credit = schedule < lock ? schedule : lock;
      const provider = i < 5 ? s.provider : s.provider2;
      const before = await snapshot(s, provider.address, s.clients[client].address);
      const tx = sla.connect(c.stranger).settle(l.id, l.proofs);
      await expect(tx)
        .to.emit(sla, "SlaSettled")
        .withArgs(l.id, provider.address, s.clients[client].address, tier, BigInt(up), 36_000n, l.v, 0n, credit, lock);
      const after = await snapshot(s, provider.address, s.clients[client].address);
      expect(before.locked - after.locked, `case ${i} unlock`).to.equal(lock);
      expect(before.total - after.total, `case ${i} paid`).to.equal(credit);
      expect(after.balance - before.balance, `case ${i} credited`).to.equal(credit);
      expect((await sla.getSettlement(l.id)).closed).to.equal(true);
    }
    expect(await sla.liabilities()).to.equal(await c.stablecoin.balanceOf(await sla.getAddress()));
  });

  it("skips silent epochs only once they can no longer be reported, and never credits or faults on them", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[1]; // Pro
    const l = await leaseAt(s, client, s.epoch * EPOCH, 6n);
    // Epochs e..e+5; e+2 and e+3 are silent; e+1 is bad (50%), the rest perfect.
    const proofs: Proof[] = [];
    for (const k of [0n, 1n, 4n, 5n]) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaf = uptime(l.id, s.epoch + k, k === 1n ? 1_800 : 3_600);
      proofs.push(proofOf(await report(s, s.epoch + k, [leaf]), leaf));
    }
    const oldest = s.epoch + 6n - LATE > 0n ? s.epoch + 6n - LATE : 0n;
    await expect(sla.settle(l.id, proofs))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochStillReportable")
      .withArgs(s.epoch + 2n, oldest);
    // Leaving out a reported epoch is refused whenever.
    await expect(sla.settle(l.id, [proofs[0], proofs[2], proofs[3]]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerMissingEpoch")
      .withArgs(s.epoch + 1n);
    // Past the late window the silent epochs are skipped: 12,600 up of 14,400 observed = 87.5%: 100%, capped.
    await toEpoch(s, s.epoch + 4n + LATE);
    const lock = lockOf(20n, l.v);
    expect(await drain(s, l)).to.equal(l.v); // the bond alone pays
    await expect(sla.settle(l.id, proofs))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Pro, 12_600n, 14_400n, l.v, 0n, lock, lock);

    // A lease whose every epoch is silent settles without credit and without a breach.
    const silent = await leaseAt(s, client, (s.epoch + 4n + LATE) * EPOCH + 100n, 2n);
    await toEpoch(s, s.epoch + 4n + LATE + 3n + LATE);
    const before = await snapshot(s, s.provider.address, client.address);
    await expect(sla.settle(silent.id, []))
      .to.emit(sla, "SlaSettled")
      .withArgs(silent.id, s.provider.address, client.address, SLA_TIER.Pro, 0n, 0n, silent.v, 0n, 0n, lockOf(20n, silent.v));
    const after = await snapshot(s, s.provider.address, client.address);
    expect(after.total).to.equal(before.total);
    expect(after.balance).to.equal(before.balance);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(1n); // the breach of the first lease only
  });

  it("never counts a leaf twice: within a call, across calls, or for another lease", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const a = await leaseAt(s, client, s.epoch * EPOCH, 4n);
    const b = await leaseAt(s, client, s.epoch * EPOCH + 1n, 4n);
    const pa: Proof[] = [];
    const pb: Proof[] = [];
    for (let k = 0n; k <= 4n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const la = uptime(a.id, s.epoch + k, 3_600);
      const lb = uptime(b.id, s.epoch + k, 3_000);
      const tree = await report(s, s.epoch + k, [la, lb]);
      pa.push(proofOf(tree, la));
      pb.push(proofOf(tree, lb));
    }
    await expect(sla.settle(a.id, [pa[0], pa[0]]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch, s.epoch + 1n);
    // Lease a's (perfect) leaves do not prove lease b's uptime.
    await expect(sla.settle(b.id, pa)).to.be.revertedWithCustomError(sla, "SlaBondManagerInvalidProof").withArgs(s.epoch);
    // A forged count under a real proof.
    await expect(sla.settle(b.id, [{ ...pb[0], secondsUp: 3_600n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInvalidProof")
      .withArgs(s.epoch);
    await expect(sla.settle(b.id, [{ ...pb[0], secondsUp: 3_601n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerUptimeAboveObserved")
      .withArgs(s.epoch, 3_601n, 3_600n);
    // In parts: the first two epochs, then the same leaf again is refused, then the rest settles.
    await expect(sla.settle(b.id, pb.slice(0, 2))).to.emit(sla, "SlaProgressed").withArgs(b.id, s.epoch + 2n, 6_000n, 7_200n);
    await expect(sla.settle(b.id, pb.slice(1)))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch + 1n, s.epoch + 2n);
    const extra = { ...pb[4], epoch: s.epoch + 5n };
    await expect(sla.settle(b.id, [...pb.slice(2), extra]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochAfterLease")
      .withArgs(s.epoch + 5n, s.epoch + 4n);
    await expect(sla.settle(b.id, pb.slice(2))).to.emit(sla, "SlaSettled");
    await expect(sla.settle(b.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(b.id);
    // An epoch without a report cannot be proven.
    await expect(sla.settle(a.id, [{ ...pa[0], epoch: s.epoch - 1n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch - 1n, s.epoch);
    const c2 = await leaseAt(s, client, (s.epoch + 6n) * EPOCH, 2n);
    await toEpoch(s, s.epoch + 9n);
    await expect(sla.settle(c2.id, [{ ...pa[0], epoch: s.epoch + 6n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochNotReported")
      .withArgs(s.epoch + 6n);
  });

  it("bounds the unreported epochs one call skips, and a long silent lease settles in parts", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const l = await leaseAt(s, client, s.epoch * EPOCH, 1_010n);
    const target = s.epoch + 1_001n;
    await toEpoch(s, target + 1n);
    const leaf = uptime(l.id, target, 3_600);
    const proof = proofOf(await report(s, target, [leaf]), leaf);
    await toEpoch(s, s.epoch + 1_011n + LATE);
    await expect(sla.settle(l.id, [proof]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerTooManySkipped")
      .withArgs(1_001n, 1_000n);
    await expect(sla.settle(l.id, [])).to.emit(sla, "SlaProgressed").withArgs(l.id, s.epoch + 1_000n, 0n, 0n);
    await expect(sla.settle(l.id, [proof]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 3_600n, 3_600n, l.v, 0n, 0n, lockOf(10n, l.v));
  });

  it("an auction lease's commitment survives a partial settlement and unlocks with the lease's lock when it closes", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0]; // Standard: 10%
    // An order at twice the price the provider bids: its bid bond (10% of the escrow) is twice the lease's lock.
    await c.leaseAuction.connect(client).postOrder(H100, 1, 2n * HOUR, 2n * PRICE, 300n, KIND.Lease);
    const orderId = await c.leaseAuction.orderCount();
    await c.leaseAuction.connect(s.provider).bid(orderId, PRICE);
    const start = s.epoch * EPOCH + 600n;
    await c.networkHelpers.time.setNextBlockTimestamp(start);
    await c.leaseAuction.connect(client).finalizeAuction(orderId);
    const id = await c.jobMarket.leaseCount();
    const lock = lockOf(10n, value(1n, 2n * HOUR));
    const commitment = lockOf(10n, value(1n, 2n * HOUR, 2n * PRICE)) - lock;
    expect(await sla.commitmentOf(id)).to.equal(commitment);
    // Epochs e, e + 1, e + 2 (it ends 600 s into e + 2), each fully up.
    const proofs: Proof[] = [];
    for (let k = 0n; k < 3n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaf = uptime(id, s.epoch + k, 3_600);
      proofs.push(proofOf(await report(s, s.epoch + k, [leaf]), leaf));
    }
    // A partial settlement writes its progress and keeps the commitment.
    await expect(sla.settle(id, [proofs[0]!])).to.emit(sla, "SlaProgressed").withArgs(id, s.epoch + 1n, 3_600n, 3_600n);
    expect(await sla.commitmentOf(id)).to.equal(commitment);
    expect((await sla.getSettlement(id)).nextEpoch).to.equal(s.epoch + 1n);
    const before = await sla.bondOf(s.provider.address);
    await sla.settle(id, [proofs[1]!, proofs[2]!]);
    const after = await sla.bondOf(s.provider.address);
    expect(before.locked - after.locked).to.equal(lock + commitment);
    expect(after.total).to.equal(before.total);
    expect(await sla.commitmentOf(id)).to.equal(0n);
    expect((await sla.getSettlement(id)).closed).to.equal(true);
  });

  it("refuses leases without an SLA bond", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    await expect(sla.settle(99n, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(99n);
    const batch = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 2n, s.provider, KIND.Batch);
    await expect(sla.settle(batch.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(batch.id);
    await expect(sla.release(batch.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(batch.id);
  });
});

describe("SlaBondManager repeated breaches", function () {
  it("raises a fault with the wired sink after the threshold of consecutive breaches; a met SLA resets the streak", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    // Deployment wired the SlashingManager as the sink, once.
    const sinkAddress = await c.slashingManager.getAddress();
    expect(await sla.faultSink()).to.equal(sinkAddress);
    await expect(sla.connect(c.governance).setFaultSink(c.stranger.address))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerFaultSinkAlreadySet")
      .withArgs(sinkAddress);
    const client = s.clients[0];
    // Five 1-hour leases in one epoch; uptimes: breach, met, breach, breach, breach.
    const ups = [3_000, 3_600, 3_000, 3_000, 3_000];
    const leases: TestLease[] = [];
    for (const [i] of ups.entries()) leases.push(await leaseAt(s, client, s.epoch * EPOCH + 100n + BigInt(i), 1n));
    const trees: LeafTree[] = [];
    const leaves: Leaf[][] = [[], []];
    for (let k = 0n; k <= 1n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      leaves[Number(k)] = leases.map((l, i) => (k === 0n ? uptime(l.id, s.epoch, ups[i]) : uptime(l.id, s.epoch + 1n, 0, 0)));
      trees.push(await report(s, s.epoch + k, leaves[Number(k)]));
    }
    const settle = (i: number) => sla.settle(leases[i].id, [0, 1].map((k) => proofOf(trees[k], leaves[k][i])));
    await settle(0);
    await settle(1);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(0n);
    await settle(2);
    await settle(3);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(2n);
    const faultId = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "uint32"],
        [keccak256(toUtf8Bytes("CinderSlaRepeatedBreaches")), leases[4].id, 1n],
      ),
    );
    const fourth = settle(4);
    await expect(fourth).to.emit(sla, "RepeatedBreaches").withArgs(s.provider.address, 3n, leases[4].id, sinkAddress);
    // The sink turned the breaches into a kind-5 proposal (a third of the H100 per-GPU stake, rounded up), with no
    // reporter, holding the pool's withdrawals.
    const amount = (H100_STAKE_PER_GPU * 3_333n + 9_999n) / 10_000n;
    await expect(fourth)
      .to.emit(c.slashingManager, "SlashProposed")
      .withArgs(faultId, s.provider.address, 5n, toBeHex(leases[4].id, 32), amount, ZeroAddress, anyValue);
    const proposal = await c.slashingManager.getProposal(faultId);
    expect([proposal.provider, proposal.amount, proposal.kind, proposal.status]).to.deep.equal([s.provider.address, amount, 5n, 1n]);
    expect((await c.vault.getPool(s.provider.address)).slashHolds).to.equal(1n);
    // After the veto window anyone executes it: the provider is jailed, and with no reporter all of it is burned.
    await c.networkHelpers.time.setNextBlockTimestamp(proposal.executableAt);
    const executed = c.slashingManager.connect(c.stranger).execute(faultId);
    await expect(executed)
      .to.emit(c.slashingManager, "SlashExecuted")
      .withArgs(faultId, s.provider.address, amount, 0n, ZeroAddress, amount, 0n);
    await expect(executed)
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(s.provider.address, proposal.executableAt + (await c.slashingManager.params()).jailCooldown);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(0n);
  });
});

describe("SlaBondManager breach threshold changes", function () {
  it("a new threshold applies at once to leases of every tier, the ones set before and after it", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    await sla.connect(c.governance).setParams({ exitPenaltyBps: 1_000, breachFaultThreshold: 1 });
    const ok = { targetPpm: 999_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 40 };
    await sla.connect(c.governance).setTier(3, ok); // set after the change
    await sla.connect(s.clients[2]).setClientTier(3);
    const sink = await c.slashingManager.getAddress();
    // One breached lease each, under tier 1 (Pro, set at deployment) and tier 3: each raises the fault alone.
    const pro = await leaseAt(s, s.clients[1], s.epoch * EPOCH + 30n, 1n);
    const custom = await leaseAt(s, s.clients[2], s.epoch * EPOCH + 31n, 1n, s.provider2);
    await toEpoch(s, s.epoch + 1n, 40n);
    const leaves0 = [uptime(pro.id, s.epoch, 3_000, 3_570), uptime(custom.id, s.epoch, 3_000, 3_569)];
    const t0 = await report(s, s.epoch, leaves0);
    await toEpoch(s, s.epoch + 2n);
    const leaves1 = [uptime(pro.id, s.epoch + 1n, 30, 30), uptime(custom.id, s.epoch + 1n, 31, 31)];
    const t1 = await report(s, s.epoch + 1n, leaves1);
    await expect(sla.settle(pro.id, [proofOf(t0, leaves0[0]), proofOf(t1, leaves1[0])]))
      .to.emit(sla, "RepeatedBreaches")
      .withArgs(s.provider.address, 1n, pro.id, sink);
    await expect(sla.settle(custom.id, [proofOf(t0, leaves0[1]), proofOf(t1, leaves1[1])]))
      .to.emit(sla, "RepeatedBreaches")
      .withArgs(s.provider2.address, 1n, custom.id, sink);
    expect((await sla.getTier(3)).bondPercent).to.equal(40n);
  });
});

describe("SlaBondManager attacks", function () {
  it("a provider cannot dodge a breach by quitting: the served part's lock still pays the credit", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0]; // Standard, 10%
    const l = await leaseAt(s, client, s.epoch * EPOCH, 10n);
    // A bad first epoch (50% up), then the provider quits early in the second.
    await toEpoch(s, s.epoch + 1n, 0n);
    const bad = uptime(l.id, s.epoch, 1_800);
    const p0 = proofOf(await report(s, s.epoch, [bad]), bad);
    await c.networkHelpers.time.setNextBlockTimestamp((s.epoch + 1n) * EPOCH + 600n);
    await c.jobMarket.connect(s.provider).quit(l.id);
    const served = value(1n, EPOCH + 600n);
    const lock = lockOf(10n, served);
    expect((await sla.bondOf(s.provider.address)).locked).to.equal(lock);
    await toEpoch(s, s.epoch + 2n);
    const last = uptime(l.id, s.epoch + 1n, 600, 600);
    const p1 = proofOf(await report(s, s.epoch + 1n, [last]), last);
    // 2,400 up of 4,200 observed: 100% of the served charge. With the stream already withdrawn, the served part's
    // lock pays, capped at it: the exit penalty never drew on it.
    expect(await drain(s, { ...l, v: served })).to.equal(served);
    await expect(sla.settle(l.id, [p0, p1]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 2_400n, 4_200n, served, 0n, lock, lock);
  });

  it("an extension the provider's free bond cannot back is refused with both numbers", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const small = c.providers[2];
    await onboardProvider(c, small, { gpus: 2, bond: 3n * USD });
    await c.registry.connect(small).setOffer(H100, PRICE);
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 100n, 10n, small); // locks 2 USD of 3
    await expect(c.jobMarket.connect(s.clients[0]).extend(l.id, 10n * HOUR))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(small.address, USD, 2n * USD);
    await expect(c.jobMarket.connect(s.clients[0]).extend(l.id, 5n * HOUR))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, small.address, 2n * USD, 3n * USD);
  });
});
