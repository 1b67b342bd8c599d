/**
 * SlashingManager: proposals from hub-accepted fault reports (amounts in bps of the per-GPU stake, the hold on the
 * pool's withdrawals), the guardian's veto window, execution by anyone (jail, slash, bounty, the batched burn), unjail
 * after the cooldown and a top-up, a slash of a pool with pending withdrawals, bounty exclusions (the provider, its
 * payout, oracle members), bounties as pull payments (only the reporter withdraws its own; an execution moves no
 * CNDR), and every revert by its custom error.
 */
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { H100, H100_STAKE_PER_GPU, ONE, onboardProvider, USD } from "../../helpers/fixture.js";
import { FAULT } from "../../helpers/oracle.js";
import { acceptFault, BOUNTY_BPS, DEFAULT_PARAMS, DOWNTIME, FRAUD, JAIL, loadCinder, now, proposed, PROVIDER_STATUS_JAILED, STATUS, VETO, withFault } from "./fixture.js";

describe("SlashingManager.propose", function () {
  it("proposes a hub-accepted fault at its bps of the per-GPU stake and holds the pool's withdrawals", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const f = await withFault(c, p);
    const sm = c.slashingManager;
    const tx = sm.connect(c.stranger).propose(f.report);
    await expect(tx)
      .to.emit(sm, "SlashProposed")
      .withArgs(f.id, p.address, FAULT.FailedGpuChallenge, f.gpus[0], FRAUD, c.stranger.address, (await now(c)) + 1n + VETO);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 1n);
    const proposal = await sm.getProposal(f.id);
    expect([proposal.provider, proposal.amount, proposal.reporter, proposal.kind, proposal.status]).to.deep.equal([
      p.address,
      FRAUD,
      c.stranger.address,
      FAULT.FailedGpuChallenge,
      STATUS.Pending,
    ]);
    await expect(sm.propose(f.report))
      .to.be.revertedWithCustomError(sm, "SlashingManagerAlreadyProposed")
      .withArgs(f.id, STATUS.Pending);
  });

  it("rejects a report the hub has not accepted, a lease subject of another provider, and an invalid kind", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const [p0, p1] = c.providers;
    const f = await withFault(c, p0);
    const unaccepted = { ...f.report, evidenceHash: `0x${"ee".repeat(32)}` };
    const unacceptedId = await c.oracleHub.hashFaultReport(unaccepted);
    await expect(sm.propose(unaccepted))
      .to.be.revertedWithCustomError(sm, "SlashingManagerReportNotAccepted")
      .withArgs(unacceptedId);
    // A missed-heartbeats fault names a lease of the provider; lease 0 does not exist (its provider is zero).
    await onboardProvider(c, p1);
    const heartbeat = await acceptFault(c, p1.address, FAULT.MissedHeartbeats, ZeroHash);
    await expect(sm.propose(heartbeat.report))
      .to.be.revertedWithCustomError(sm, "SlashingManagerSubjectMismatch")
      .withArgs(ZeroHash, p1.address, "0x0000000000000000000000000000000000000000");
    await expect(sm.faultAmount(p0.address, 7, f.gpus[0]))
      .to.be.revertedWithCustomError(sm, "SlashingManagerInvalidKind")
      .withArgs(7n);
  });

  it("charges a missed-heartbeats fault a third of the lease's per-GPU stake, rounded up", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p);
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.jobMarket.connect(c.clients[0]).createDirectLease(p.address, H100, 1, 3_600, 2n * USD, 0);
    const leaseId = await c.jobMarket.leaseCount();
    const subject = `0x${leaseId.toString(16).padStart(64, "0")}`;
    expect(await c.slashingManager.faultAmount(p.address, 4, subject)).to.equal(DOWNTIME);
    const f = await acceptFault(c, p.address, FAULT.MissedHeartbeats, subject);
    await expect(c.slashingManager.connect(c.stranger).propose(f.report))
      .to.emit(c.slashingManager, "SlashProposed")
      .withArgs(f.id, p.address, FAULT.MissedHeartbeats, subject, DOWNTIME, c.stranger.address, (await now(c)) + 1n + VETO);
  });

  it("charges a GPU no longer recorded at the highest per-GPU stake of any model class", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p);
    const unknownGpu = `0x${"77".repeat(32)}`;
    // H200-141GB: 300 CNDR per GPU, the highest class deployed.
    expect(await c.slashingManager.faultAmount(p.address, 1, unknownGpu)).to.equal(300n * ONE);
  });

  it("refuses the repeated-breach hook to anyone but the wired SlaBondManager", async function () {
    const c = await loadCinder();
    await expect(c.slashingManager.connect(c.stranger).onRepeatedBreaches(c.providers[0].address, 3, 1))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerNotSlaBondManager")
      .withArgs(c.stranger.address);
  });
});

describe("SlashingManager.veto", function () {
  it("lets the guardian veto within the window: the hold is released and the slash can never execute", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    const sm = c.slashingManager;
    await expect(sm.connect(c.stranger).veto(f.id))
      .to.be.revertedWithCustomError(sm, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
    const tx = sm.connect(c.guardian).veto(f.id);
    await expect(tx).to.emit(sm, "SlashVetoed").withArgs(f.id, p.address, c.guardian.address);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    expect((await sm.getProposal(f.id)).status).to.equal(STATUS.Vetoed);
    // The fault cannot be proposed again: one report, one slash decision.
    await expect(sm.propose(f.report)).to.be.revertedWithCustomError(sm, "SlashingManagerAlreadyProposed").withArgs(f.id, STATUS.Vetoed);
    await c.networkHelpers.time.increase(VETO);
    await expect(sm.execute(f.id)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidStatus").withArgs(f.id, STATUS.Vetoed);
    await expect(sm.connect(c.guardian).veto(f.id))
      .to.be.revertedWithCustomError(sm, "SlashingManagerInvalidStatus")
      .withArgs(f.id, STATUS.Vetoed);
    // Nor later, once its epoch left the late window.
    await expect(sm.propose(f.report)).to.be.revertedWithCustomError(sm, "SlashingManagerReportTooOld");
    expect((await c.vault.getPool(p.address)).selfActive).to.equal(2n * H100_STAKE_PER_GPU);
  });

  it("refuses a veto once the window has ended", async function () {
    const c = await loadCinder();
    const f = await proposed(c, c.providers[0], c.stranger);
    const executableAt = (await c.slashingManager.getProposal(f.id)).executableAt;
    await c.networkHelpers.time.setNextBlockTimestamp(executableAt);
    await expect(c.slashingManager.connect(c.guardian).veto(f.id))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerVetoWindowClosed")
      .withArgs(f.id, executableAt, executableAt);
  });
});

describe("SlashingManager.execute", function () {
  it("waits out the veto window, then jails, slashes, pays the reporter's bounty and burns the rest, once", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    const sm = c.slashingManager;
    const executableAt = (await sm.getProposal(f.id)).executableAt;
    await c.networkHelpers.time.setNextBlockTimestamp(executableAt - 1n);
    await expect(sm.execute(f.id))
      .to.be.revertedWithCustomError(sm, "SlashingManagerVetoWindowOpen")
      .withArgs(f.id, executableAt, executableAt - 1n);
    const supply = await c.token.totalSupply();
    const bounty = (FRAUD * BOUNTY_BPS) / 10_000n;
    await c.networkHelpers.time.setNextBlockTimestamp(executableAt);
    const tx = sm.connect(c.clients[0]).execute(f.id);
    await expect(tx)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f.id, p.address, FRAUD, bounty, c.stranger.address, FRAUD - bounty, 0n);
    await expect(tx).to.emit(c.registry, "ProviderJailed").withArgs(p.address, executableAt + JAIL);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, FRAUD, FRAUD, FRAUD, 0n, 0n, await c.vault.getAddress());
    // No CNDR moves: the vault keeps the slash, the bounty is credited to the reporter (a pull payment).
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [c.vault, c.stranger, sm], [0n, 0n, 0n]);
    expect(await sm.bountyOf(c.stranger.address)).to.equal(bounty);
    expect(await c.vault.slashedHeld()).to.deep.equal([FRAUD - bounty, bounty]);
    // The rest waits in the vault for a batched burn, which anyone may call; it never burns the bounty.
    expect(await c.token.totalSupply()).to.equal(supply);
    const burn = sm.connect(c.clients[1]).burnSlashed();
    await expect(burn).to.emit(sm, "SlashedBurned").withArgs(FRAUD - bounty, c.clients[1].address);
    await expect(burn).to.emit(c.vault, "SlashedCndrBurned").withArgs(FRAUD - bounty);
    await expect(burn).to.changeTokenBalances(c.ethers, c.token, [c.vault, sm], [-(FRAUD - bounty), 0n]);
    expect(await c.token.totalSupply()).to.equal(supply - (FRAUD - bounty));
    expect(await c.vault.slashedHeld()).to.deep.equal([0n, bounty]);
    await expect(sm.burnSlashed()).to.be.revertedWithCustomError(sm, "SlashingManagerNothingToBurn");
    // The reporter withdraws its bounty, once.
    const claim = sm.connect(c.stranger).claimBounty();
    await expect(claim).to.emit(sm, "BountyClaimed").withArgs(c.stranger.address, bounty);
    await expect(claim).to.emit(c.vault, "SlashBountyPaid").withArgs(c.stranger.address, bounty);
    await expect(claim).to.changeTokenBalances(c.ethers, c.token, [c.vault, c.stranger], [-bounty, bounty]);
    expect(await sm.bountyOf(c.stranger.address)).to.equal(0n);
    expect(await c.vault.slashedHeld()).to.deep.equal([0n, 0n]);
    await expect(sm.connect(c.stranger).claimBounty())
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingToClaim")
      .withArgs(c.stranger.address);
    expect(await c.registry.statusOf(p.address)).to.equal(PROVIDER_STATUS_JAILED);
    expect((await c.vault.getPool(p.address)).selfActive).to.equal(2n * H100_STAKE_PER_GPU - FRAUD);
    const proposal = await sm.getProposal(f.id);
    expect([proposal.status, proposal.amount]).to.deep.equal([STATUS.Executed, 0n]);
    await expect(sm.execute(f.id)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidStatus").withArgs(f.id, STATUS.Executed);
    await expect(sm.execute(ZeroHash)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidStatus").withArgs(ZeroHash, STATUS.None);
  });

  it("keeps a jailed provider from winning leases until the cooldown has passed and its stake is topped up", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    const executableAt = (await c.slashingManager.getProposal(f.id)).executableAt;
    await c.networkHelpers.time.setNextBlockTimestamp(executableAt);
    await c.slashingManager.execute(f.id);
    const lease = () => c.jobMarket.connect(c.clients[0]).createDirectLease(p.address, H100, 1, 3_600, 2n * USD, 0);
    await expect(lease()).to.be.revertedWithCustomError(c.jobMarket, "JobMarketProviderNotActive").withArgs(p.address);
    const until = executableAt + JAIL;
    await c.networkHelpers.time.setNextBlockTimestamp(until - 1n);
    await expect(c.registry.connect(p).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryStillJailed")
      .withArgs(p.address, until, until - 1n);
    const required = 2n * H100_STAKE_PER_GPU;
    await c.networkHelpers.time.setNextBlockTimestamp(until);
    await expect(c.registry.connect(p).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientStake")
      .withArgs(p.address, required - FRAUD, required);
    await c.vault.connect(p).stake(FRAUD);
    await expect(c.registry.connect(p).unjail()).to.emit(c.registry, "ProviderUnjailed").withArgs(p.address);
    await expect(lease()).to.emit(c.jobMarket, "LeaseCreated");
  });

  it("slashes a pool with pending withdrawals: self-stake first, then active and pending delegators pro rata", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const [active, leaving] = c.delegators;
    const SELF = 100n * ONE;
    const f = await withFault(c, p, { stake: SELF });
    await c.vault.connect(active).delegate(p.address, 200n * ONE);
    await c.vault.connect(leaving).delegate(p.address, 200n * ONE);
    await c.vault.connect(leaving).requestWithdraw(p.address, 2n ** 256n - 1n);
    await c.slashingManager.connect(c.stranger).propose(f.report);
    // While the slash is pending, no withdrawal of the pool can be claimed, even after its unbonding.
    const [, unlockAt] = await c.vault.pendingWithdrawal(p.address, leaving.address);
    await c.networkHelpers.time.increaseTo(unlockAt);
    await expect(c.vault.connect(leaving).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultSlashPending")
      .withArgs(p.address, 1n);
    const tx = c.slashingManager.execute(f.id);
    // 200 CNDR: 100 from the provider's own stake, the other 100 split 50/50 over active and pending delegators.
    await expect(tx)
      .to.emit(c.vault, "Slashed")
      .withArgs(p.address, FRAUD, FRAUD, SELF, 50n * ONE, 50n * ONE, await c.vault.getAddress());
    const [pending] = await c.vault.pendingWithdrawal(p.address, leaving.address);
    expect(pending).to.be.closeTo(150n * ONE, 1n);
    expect(await c.vault.delegatedBalance(p.address, active.address)).to.be.closeTo(150n * ONE, 1n);
    // The hold is released with the execution: the leaving delegator claims what is left of its withdrawal.
    await expect(c.vault.connect(leaving).claimWithdraw(p.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [leaving],
      [pending],
    );
  });

  it("pays no bounty to the provider, its payout address or an oracle member: all of it is burned", async function () {
    const c = await loadCinder();
    const [p0, p1, p2] = c.providers;
    const payout = c.clients[2];
    const oracle = c.oracleSigners[0];
    const a = await proposed(c, p0, p0);
    const b = await withFault(c, p1);
    await c.registry.connect(p1).setPayout(payout.address);
    await c.slashingManager.connect(payout).propose(b.report);
    const d = await proposed(c, p2, oracle);
    await c.networkHelpers.time.increase(VETO);
    for (const [f, p] of [
      [a, p0],
      [b, p1],
      [d, p2],
    ] as const) {
      const tx = c.slashingManager.execute(f.id);
      const [toBurn] = await c.vault.slashedHeld();
      await expect(tx)
        .to.emit(c.slashingManager, "SlashExecuted")
        .withArgs(f.id, p.address, FRAUD, 0n, "0x0000000000000000000000000000000000000000", FRAUD, 0n);
      await expect(tx).to.changeTokenBalances(c.ethers, c.token, [c.vault, p, oracle, payout], [0n, 0n, 0n, 0n]);
      expect(await c.vault.slashedHeld()).to.deep.equal([toBurn + FRAUD, 0n]);
    }
    for (const who of [p0, p1, p2, payout, oracle]) expect(await c.slashingManager.bountyOf(who.address)).to.equal(0n);
  });

  it("credits bounties as pull payments: only each reporter withdraws its own, and a reporter that never claims blocks nothing", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const [p0, p1] = c.providers;
    const [r0, r1] = [c.clients[0], c.clients[1]];
    const a = await proposed(c, p0, r0);
    const b = await proposed(c, p1, r1);
    await c.networkHelpers.time.increase(VETO);
    const bounty = (FRAUD * BOUNTY_BPS) / 10_000n;
    // Executions credit the reporters without touching their accounts.
    const before = [await c.token.balanceOf(r0.address), await c.token.balanceOf(r1.address)];
    await sm.connect(c.stranger).execute(a.id);
    await sm.connect(c.stranger).execute(b.id);
    expect([await c.token.balanceOf(r0.address), await c.token.balanceOf(r1.address)]).to.deep.equal(before);
    expect([await sm.bountyOf(r0.address), await sm.bountyOf(r1.address)]).to.deep.equal([bounty, bounty]);
    // Nobody claims another's bounty: a claim pays the caller's own credit, and a stranger has none.
    await expect(sm.connect(c.stranger).claimBounty())
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingToClaim")
      .withArgs(c.stranger.address);
    await expect(sm.connect(r0).claimBounty()).to.changeTokenBalances(c.ethers, c.token, [r0, r1, c.vault], [bounty, 0n, -bounty]);
    // r1 never claims: the burn takes only the non-bounty part, and r1's credit stays whole and claimable.
    await expect(sm.burnSlashed()).to.changeTokenBalances(c.ethers, c.token, [c.vault], [-2n * (FRAUD - bounty)]);
    expect(await sm.bountyOf(r1.address)).to.equal(bounty);
    expect(await c.vault.slashedHeld()).to.deep.equal([0n, bounty]);
    await expect(sm.connect(r1).claimBounty()).to.changeTokenBalances(c.ethers, c.token, [r1, c.vault], [bounty, -bounty]);
  });

  it("finishes a proposal whose pool runs dry although the rate limit deferred a rest, releasing its hold", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: FRAUD, maxPerWindow: 300n * ONE });
    const [p0, p1] = c.providers;
    const f0 = await proposed(c, p0, c.stranger);
    // p1 staked 50 CNDR only: the window's 100 CNDR of room is more than its pool holds.
    const f1 = await proposed(c, p1, c.stranger, { stake: 50n * ONE });
    await c.networkHelpers.time.increase(VETO);
    await sm.execute(f0.id);
    const tx = sm.execute(f1.id);
    await expect(tx)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f1.id, p1.address, 50n * ONE, 5n * ONE, c.stranger.address, 45n * ONE, 0n);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p1.address, 0n);
    await expect(tx).to.not.emit(sm, "SlashDeferred");
    const proposal = await sm.getProposal(f1.id);
    expect([proposal.status, proposal.amount]).to.deep.equal([STATUS.Executed, 0n]);
    expect((await c.vault.getPool(p1.address)).slashHolds).to.equal(0n);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([ZeroHash, 0n]);
  });
});
