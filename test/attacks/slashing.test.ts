/**
 * Slashing PoCs (DESIGN.md "Reporters and self-slashing", "Stake that backs exposure"):
 * - a provider that reports its own fault through a fresh address, with its pool filled to the delegation cap,
 *   loses more self-stake than the bounty pays it (r < 1/(1+m));
 * - stake cannot flee a pending slash: a withdrawal requested before the proposal and unbonded before the
 *   execution still cannot be claimed until the slash has reached it.
 * Each fails on the naive code: a bounty of 1/(1+m) or more pays the self-reporter, and a vault without the hold
 * lets the withdrawal out before the slash.
 */
import { expect } from "chai";
import { connectCinder, H100_STAKE_PER_GPU, ONE, onboardProvider } from "../helpers/fixture.js";
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
