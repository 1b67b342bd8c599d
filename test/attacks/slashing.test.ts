/**
 * Slashing PoCs (DESIGN.md "Reporters and self-slashing", "Stake that backs exposure"):
 * - a provider that reports its own fault through a fresh address, with its pool filled to the delegation cap,
 *   loses more self-stake than the bounty pays it (r < 1/(1+m));
 * - stake cannot flee a pending slash: a withdrawal requested before the proposal and unbonded before the
 *   execution still cannot be claimed until the slash has reached it;
 * - Low 7, one provider's deferred slashes delaying other pools: a provider with more deferred faults than the old
 *   global queue held (64) cannot make another pool's execution revert or keep its hold, so that pool's delegator
 *   exits on time; the first provider's slashes stay deferred (pending), never dropped, and hold only its own pool.
 * Each fails on the naive code: a bounty of 1/(1+m) or more pays the self-reporter, a vault without the hold
 * lets the withdrawal out before the slash, and a global deferred queue answers the other pool's execute with
 * SlashingManagerQueueFull (its hold stays until the whole queue drained, one entry per window).
 */
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { connectCinder, H100_STAKE_PER_GPU, ONE, onboardProvider, type Cinder } from "../helpers/fixture.js";
import { FAULT, signReport } from "../helpers/oracle.js";

const { loadCinder } = await connectCinder();
const VETO = 2n * 86_400n;

describe("SlashingManager attacks", function () {
  it("a self-report through a fresh address never pays, even with delegation at the cap multiple", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const accomplice = c.clients[2]; // a fresh address the provider controls: not its payout, not an oracle member
    const SELF = 40n * ONE; // 1/5 of the fault; delegation fills the cap (m = 5) to cover the two GPUs' 400 CNDR
    const gpus = await onboardProvider(c, p, { stake: SELF });
    const room = await c.vault.delegationRoom(p.address);
    expect(room).to.equal(5n * SELF);
    await c.vault.connect(c.delegators[0]).delegate(p.address, room);
    // Governance's highest allowed bounty for m = 5: 1,666 bps.
    const q = await c.slashingManager.params();
    await c.slashingManager.connect(c.governance).setParams({
      vetoWindow: q.vetoWindow,
      rateWindow: q.rateWindow,
      jailCooldown: q.jailCooldown,
      bountyBps: 1_666n,
      maxPerEvent: q.maxPerEvent,
      maxPerWindow: q.maxPerWindow,
    });
    const report = {
      configDigest: await c.oracleHub.configDigest(),
      provider: p.address,
      faultType: FAULT.FailedGpuChallenge,
      subject: gpus[0],
      epoch: await c.oracleHub.currentEpoch(),
      evidenceHash: `0x${"5e".repeat(32)}`,
    };
    const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
    await c.oracleHub.submitFaultReport(report, await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report }));
    await c.slashingManager.connect(accomplice).propose(report);
    const id = await c.oracleHub.hashFaultReport(report);
    await c.networkHelpers.time.increase(VETO);
    const selfBefore = (await c.vault.getPool(p.address)).selfActive;
    const gainBefore = await c.token.balanceOf(accomplice.address);
    await c.slashingManager.execute(id);
    await c.slashingManager.connect(accomplice).claimBounty();
    const selfLoss = selfBefore - (await c.vault.getPool(p.address)).selfActive;
    const gain = (await c.token.balanceOf(accomplice.address)) - gainBefore;
    // The whole 200 CNDR fault: the provider's 40 go first; the bounty is 1,666 bps of 200 = 33.32.
    expect(selfLoss).to.equal(SELF);
    expect(gain).to.equal((H100_STAKE_PER_GPU * 1_666n) / 10_000n);
    expect(gain).to.be.lessThan(selfLoss);
  });

  it("a withdrawal unbonded while a slash is pending waits for the slash, which reaches it", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const d = c.delegators[0];
    const gpus = await onboardProvider(c, p, { stake: 100n * ONE });
    await c.vault.connect(d).delegate(p.address, 300n * ONE);
    await c.vault.connect(d).requestWithdraw(p.address, 2n ** 256n - 1n);
    const report = {
      configDigest: await c.oracleHub.configDigest(),
      provider: p.address,
      faultType: FAULT.AttestationMismatch,
      subject: gpus[1],
      epoch: await c.oracleHub.currentEpoch(),
      evidenceHash: `0x${"a1".repeat(32)}`,
    };
    const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
    await c.oracleHub.submitFaultReport(report, await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report }));
    await c.slashingManager.connect(c.stranger).propose(report);
    const id = await c.oracleHub.hashFaultReport(report);
    const [, unlockAt] = await c.vault.pendingWithdrawal(p.address, d.address);
    await c.networkHelpers.time.increaseTo(unlockAt + 1n);
    await expect(c.vault.connect(d).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 1n);
    await c.slashingManager.execute(id);
    // 200 CNDR: 100 from the provider's stake, 100 from the pending withdrawal (the only delegated stake left).
    const [pending] = await c.vault.pendingWithdrawal(p.address, d.address);
    expect(pending).to.be.closeTo(200n * ONE, 1n);
    await expect(c.vault.connect(d).claimWithdraw(p.address)).to.changeTokenBalances(c.ethers, c.token, [d], [pending]);
  });
});

describe("SlashingManager attack: one provider's deferred slashes delay other pools' exits (Low 7)", function () {
  const DAY = 86_400n;
  let evidence = 0;
  /** Signs and submits a fault report about `provider`'s GPU with a quorum, proposes it, and returns its id. */
  async function propose(c: Cinder, provider: string, gpu: string): Promise<string> {
    evidence += 1;
    const report = {
      configDigest: await c.oracleHub.configDigest(),
      provider,
      faultType: FAULT.AttestationMismatch,
      subject: gpu,
      epoch: await c.oracleHub.currentEpoch(),
      evidenceHash: `0x${evidence.toString(16).padStart(64, "7")}`,
    };
    const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
    await c.oracleHub.submitFaultReport(report, await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report }));
    await c.slashingManager.connect(c.stranger).propose(report);
    return c.oracleHub.hashFaultReport(report);
  }

  it("70 deferred faults on one pool never block another pool's slash, hold or delegator's exit; none is dropped", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const [a, b] = c.providers;
    const d = c.delegators[0];
    const cap = ONE; // each fault capped at 1 CNDR, and one fault's worth of room per window
    const q = await sm.params();
    await sm.connect(c.governance).setParams({
      vetoWindow: q.vetoWindow,
      rateWindow: DAY,
      jailCooldown: q.jailCooldown,
      bountyBps: q.bountyBps,
      maxPerEvent: cap,
      maxPerWindow: cap,
    });
    const gpusA = await onboardProvider(c, a);
    const gpusB = await onboardProvider(c, b, { stake: 100n * ONE });
    await c.vault.connect(d).delegate(b.address, 300n * ONE);
    await c.vault.connect(d).requestWithdraw(b.address, 2n ** 256n - 1n);
    const [, unlockAt] = await c.vault.pendingWithdrawal(b.address, d.address);
    // Provider a collects more faults than the old global queue held (64); b one.
    const idsA: string[] = [];
    for (let i = 0; i < 70; i++) idsA.push(await propose(c, a.address, gpusA[i % 2]));
    const idB = await propose(c, b.address, gpusB[0]);
    await c.networkHelpers.time.increase(VETO);
    // a's first fault fills the window; its second waits in a's slot; the rest wait pending, holding a's pool only.
    await sm.execute(idsA[0]);
    await sm.execute(idsA[1]);
    for (const id of idsA.slice(2)) {
      await expect(sm.execute(id)).to.be.revertedWithCustomError(sm, "SlashingManagerPoolDeferred").withArgs(a.address, idsA[1]);
    }
    // b's execution is not refused: its slash waits in b's own slot, behind nothing of a's.
    await expect(sm.execute(idB)).to.emit(sm, "SlashDeferred").withArgs(idB, b.address, cap);
    expect(await sm.deferredOf(a.address)).to.deep.equal([idsA[1], cap]);
    // The next window: b's slot executes first (a's slot and pending proposals are not in its way).
    await c.networkHelpers.time.increase(DAY);
    const tx = sm.executeDeferred(b.address);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(b.address, 0n);
    expect(await sm.deferredOf(b.address)).to.deep.equal([ZeroHash, 0n]);
    // b's delegator exits at its unlock, reduced by the 1 CNDR slash that reached its pending withdrawal (b's own
    // 100 CNDR self-stake takes it first: the withdrawal keeps all of its 300).
    await c.networkHelpers.time.increaseTo(unlockAt);
    const [pending] = await c.vault.pendingWithdrawal(b.address, d.address);
    expect(pending).to.be.closeTo(300n * ONE, 1n);
    await expect(c.vault.connect(d).claimWithdraw(b.address)).to.changeTokenBalances(c.ethers, c.token, [d], [pending]);
    // a's pool stays held by its 69 open proposals, none dropped: its slot and then each pending one execute later.
    expect((await c.vault.getPool(a.address)).slashHolds).to.equal(69n);
    expect((await sm.getProposal(idsA[69])).status).to.equal(1n);
    await expect(sm.executeDeferred(a.address)).to.emit(sm, "SlashExecuted");
    expect((await sm.getProposal(idsA[1])).status).to.equal(3n);
    await expect(sm.execute(idsA[2])).to.emit(sm, "SlashDeferred").withArgs(idsA[2], a.address, cap);
  });
});
