/**
 * PoCs from the review of the issue-15 fixes (each fails on the first version of those fixes):
 * (a) an order's client confiscating an honest bidder's bid bond by renting one of its GPUs through its published
 *     offer just before finalizing (the bidder turns "ineligible" through no fault of its own);
 * (b) a lease extended after the provider requested its whole self-stake: the request's unlock was fixed before the
 *     extension, so the stake left while the lease still ran;
 * (c) a rise of the per-GPU stake while leases run: the release of a short lease subtracted its GPUs at the new
 *     per-GPU stake and zeroed the need of a long lease still running;
 * (d) an SLA settlement made after the lease's bond became releasable (nobody settled in time) counted a breach and
 *     could raise a fault long after the vault's exposure tail, when the provider's self-stake may have left and the
 *     slash lands on the delegators who stayed.
 */
import { expect } from "chai";
import { connectCinder, H100, H100_STAKE_PER_GPU, onboardProvider, USD } from "../helpers/fixture.js";
import { now } from "../helpers/staking.js";
import { EPOCH, leaseAt, proofOf, report, setupOnce, toEpoch, uptime } from "../contracts/sla/fixture.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
const ORDER = { gpus: 8, duration: 30n * DAY, maxPrice: 3n * USD, bidWindow: 3_600 };
const ENTERPRISE = 2;
const KIND_LEASE = 0;

describe("Review attack: a client confiscates an honest bidder's bid bond", function () {
  async function honestBid() {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: ORDER.gpus });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.slaBondManager.connect(client).setClientTier(ENTERPRISE);
    await c.leaseAuction.connect(client).postOrder(H100, ORDER.gpus, Number(ORDER.duration), ORDER.maxPrice, ORDER.bidWindow, KIND_LEASE);
    const id = await c.leaseAuction.orderCount();
    await c.leaseAuction.connect(p).bid(id, 2n * USD);
    return { c, p, client, id };
  }

  it("renting one of the bidder's GPUs before finalizing releases its bid bond: the client gains nothing from it", async function () {
    const { c, p, client, id } = await honestBid();
    const bond = await c.slaBondManager.bondOf(p.address);
    expect(bond.locked).to.be.greaterThan(0n);
    const clientCredit = await c.slaBondManager.balanceOf(client.address);
    // The client takes one GPU through the bidder's offer, then finalizes early: the bidder is short of one GPU.
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 3_600, 2n * USD, KIND_LEASE);
    const leaseLock = (await c.slaBondManager.bondOf(p.address)).locked - bond.locked;
    const tx = c.leaseAuction.connect(client).finalizeAuction(id);
    await expect(tx).to.emit(c.slaBondManager, "BidLockReleased").withArgs(p.address, bond.locked, c.ethers.ZeroAddress);
    await expect(tx).to.not.emit(c.jobMarket, "LeaseCreated");
    expect((await c.leaseAuction.getOrder(id)).status).to.equal(3n); // Failed: no eligible bid, the escrow goes back
    const after = await c.slaBondManager.bondOf(p.address);
    expect(after.total).to.equal(bond.total);
    expect(after.locked).to.equal(leaseLock); // only the direct lease's own lock is left
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(clientCredit);
  });

  it("a bidder jailed since it bid still forfeits its bid bond to the client", async function () {
    const { c, p, client, id } = await honestBid();
    const bond = await c.slaBondManager.bondOf(p.address);
    const clientCredit = await c.slaBondManager.balanceOf(client.address);
    await c.registry.connect(c.slasher).jail(p.address, (await now(c)) + DAY);
    await expect(c.leaseAuction.connect(client).finalizeAuction(id))
      .to.emit(c.slaBondManager, "BidLockReleased")
      .withArgs(p.address, bond.locked, client.address);
    expect((await c.slaBondManager.bondOf(p.address)).total).to.equal(bond.total - bond.locked);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(clientCredit + bond.locked);
  });
});

describe("Review attack: a lease extended after the provider's self-withdrawal request", function () {
  it("the self-stake cannot be claimed while the extended lease still needs it; it can after the new end and tail", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 2 });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, Number(DAY), 2n * USD, KIND_LEASE);
    const leaseId = await c.jobMarket.leaseCount();
    const self = (await c.vault.getPool(p.address)).selfActive;
    await c.vault.connect(p).requestWithdraw(p.address, self);
    const unlock = (await c.vault.getPool(p.address)).selfUnlockAt;
    await c.jobMarket.connect(client).extend(leaseId, Number(200n * DAY));
    const end = (await c.jobMarket.getLease(leaseId)).end;
    const tail = await c.vault.exposureTail();

    // What the vault tells the provider matches what its claim will meet (the long campaign found the view still
    // reporting the request's unlock: a keeper or wallet claiming then was refused).
    expect((await c.vault.pendingWithdrawal(p.address, p.address)).unlockAt).to.equal(end + tail);

    await c.networkHelpers.time.increaseTo(unlock);
    const t = (await now(c)) + 1n;
    await c.networkHelpers.time.setNextBlockTimestamp(t);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(end + tail, t);
    expect(await c.vault.totalStake(p.address)).to.equal(self);

    await c.networkHelpers.time.increaseTo(end + tail);
    await expect(c.vault.connect(p).claimWithdraw(p.address)).to.changeTokenBalance(c.ethers, c.token, p, self);
  });
});

describe("Review attack: a per-GPU stake change zeroes the need of running leases", function () {
  it("closing a short lease after the per-GPU stake doubled leaves the long lease's need behind", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4, stake: 8n * H100_STAKE_PER_GPU });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, Number(DAY), 2n * USD, KIND_LEASE);
    const shortId = await c.jobMarket.leaseCount();
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, Number(300n * DAY), 2n * USD, KIND_LEASE);
    const longEnd = (await c.jobMarket.getLease(shortId + 1n)).end;
    expect((await c.vault.getExposure(p.address)).need).to.equal(4n * H100_STAKE_PER_GPU);

    await c.registry.connect(c.governance).setModelClass(H100, 2n * H100_STAKE_PER_GPU, true);
    await c.networkHelpers.time.increase(DAY);
    // The short lease releases the stake its GPUs needed when committed: the long lease's stays.
    await expect(c.jobMarket.close(shortId))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, 2n * H100_STAKE_PER_GPU, (await c.jobMarket.getLease(shortId)).end);
    expect((await c.vault.getExposure(p.address)).need).to.equal(2n * H100_STAKE_PER_GPU);
    expect((await c.registry.getCapacity(p.address, H100)).committedStake).to.equal(2n * H100_STAKE_PER_GPU);

    // After the short lease's cooling tail, a full self-withdrawal still waits for the long lease's end and tail.
    await c.networkHelpers.time.increase(14n * DAY);
    const self = (await c.vault.getPool(p.address)).selfActive;
    const unlock = await c.vault.connect(p).requestWithdraw.staticCall(p.address, self);
    expect(unlock).to.equal(longEnd + (await c.vault.exposureTail()));

    // The last lease out takes what is left: nothing stays committed.
    await c.networkHelpers.time.increaseTo(longEnd);
    await c.jobMarket.close(shortId + 1n);
    expect((await c.registry.getCapacity(p.address, H100)).committedStake).to.equal(0n);
    expect((await c.vault.getExposure(p.address)).need).to.equal(0n);
  });
});

describe("Review attack: a late SLA settlement raises a breach fault after the exposure tail", function () {
  it("a settlement from releasableAt on pays the client's credit but counts no breach; one before it still raises the fault", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    // One breach raises the fault, so each settlement below shows whether it counts.
    await sla.connect(c.governance).setParams({ exitPenaltyBps: (await sla.params()).exitPenaltyBps, breachFaultThreshold: 1 });
    const client = s.clients[0];
    const inTime = await leaseAt(s, client, s.epoch * EPOCH + 100n, 1n);
    const late = await leaseAt(s, client, s.epoch * EPOCH + 101n, 1n);
    const leaves0 = [uptime(inTime.id, s.epoch, 3_000), uptime(late.id, s.epoch, 3_000)];
    const leaves1 = [uptime(inTime.id, s.epoch + 1n, 0, 0), uptime(late.id, s.epoch + 1n, 0, 0)];
    await toEpoch(s, s.epoch + 1n);
    const t0 = await report(s, s.epoch, leaves0);
    await toEpoch(s, s.epoch + 2n);
    const t1 = await report(s, s.epoch + 1n, leaves1);
    const proofs = (i: number) => [proofOf(t0, leaves0[i]!), proofOf(t1, leaves1[i]!)];

    // The window that counts is covered by the stake's exposure tail: a fault raised before releasableAt is proposed
    // while the stake behind the lease is still locked.
    const tail = await c.vault.exposureTail();
    expect(await sla.releasableAt(late.id)).to.be.at.most(late.end + tail);

    // Honest path: settled in time, the breach counts and raises the fault.
    await expect(sla.settle(inTime.id, proofs(0))).to.emit(sla, "RepeatedBreaches");

    // The attack: nobody settles the other lease until long after its tail (the self-stake could be gone by then).
    await c.networkHelpers.time.increaseTo(late.end + tail + 30n * 86_400n);
    const credit = await sla.settle.staticCall(late.id, proofs(1));
    const settled = sla.settle(late.id, proofs(1));
    await expect(settled).to.emit(sla, "SlaSettled");
    await expect(settled).not.to.emit(sla, "RepeatedBreaches");
    await expect(settled).not.to.emit(c.slashingManager, "SlashProposed");
    // The client still gets its credit (the lock was still there), and the streak did not move.
    expect(credit.credit).to.be.greaterThan(0n);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(0n);
  });

  it("the last second before releasableAt still counts: the boundary is the release's", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    await sla.connect(c.governance).setParams({ exitPenaltyBps: (await sla.params()).exitPenaltyBps, breachFaultThreshold: 1 });
    const lease = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 100n, 1n);
    const leaves0 = [uptime(lease.id, s.epoch, 3_000)];
    const leaves1 = [uptime(lease.id, s.epoch + 1n, 0, 0)];
    await toEpoch(s, s.epoch + 1n);
    const t0 = await report(s, s.epoch, leaves0);
    await toEpoch(s, s.epoch + 2n);
    const t1 = await report(s, s.epoch + 1n, leaves1);
    const at = await sla.releasableAt(lease.id);
    await c.networkHelpers.time.setNextBlockTimestamp(at - 1n);
    await expect(sla.settle(lease.id, [proofOf(t0, leaves0[0]!), proofOf(t1, leaves1[0]!)])).to.emit(sla, "RepeatedBreaches");
  });
});
