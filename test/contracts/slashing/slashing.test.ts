/**
 * SlashingManager: proposals from hub-accepted fault reports (amounts in bps of the per-GPU stake, the hold on the
 * pool's withdrawals), the guardian's veto window, execution by anyone (jail, slash, bounty, burn), the rate limit
 * with one deferred slot per pool (never dropped, bounded, other pools unaffected), a slash of a pool with pending withdrawals, bounty
 * exclusions (the provider, its payout, oracle members), bounties as pull payments (only the reporter withdraws
 * its own; an execution moves no CNDR), the execute path's wiring (registry `jail` and vault `executeSlash` check
 * the wired manager, not a role), unjail after the cooldown and a top-up, governance bounds (incl. exposure tail >=
 * challenge + verdict + 2 x arbitration + veto windows, bounty < 1/(1+m)), the batched burn, and every revert by its custom error.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress, ZeroHash } from "ethers";
import { connectCinder, H100, H100_STAKE_PER_GPU, ONE, onboardProvider, USD, type Cinder } from "../../helpers/fixture.js";
import { FAULT, type FaultReport, signReport } from "../../helpers/oracle.js";
import { ProviderRegistry__factory } from "../../../types/ethers-contracts/index.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
const VETO = 2n * DAY;
const JAIL = 7n * DAY;
const STATUS = { None: 0n, Pending: 1n, Deferred: 2n, Executed: 3n, Vetoed: 4n } as const;
const PROVIDER_STATUS_JAILED = 2n;
const FRAUD = H100_STAKE_PER_GPU; // 10,000 bps of the per-GPU stake
const DOWNTIME = (H100_STAKE_PER_GPU * 3_333n + 9_999n) / 10_000n; // 3,333 bps, rounded up
const BOUNTY_BPS = 1_000n;
const DEFAULT_PARAMS = {
  vetoWindow: VETO,
  rateWindow: DAY,
  jailCooldown: JAIL,
  bountyBps: BOUNTY_BPS,
  maxPerEvent: 10_000n * ONE,
  maxPerWindow: 50_000n * ONE,
};

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

let evidence = 0n;
/** Signs `fault` with a quorum of the local oracle set, submits it to the hub and returns the report and its id. */
async function acceptFault(
  c: Cinder,
  provider: string,
  faultType: bigint,
  subject: string,
): Promise<{ report: FaultReport; id: string }> {
  evidence += 1n;
  const report: FaultReport = {
    configDigest: await c.oracleHub.configDigest(),
    provider,
    faultType,
    subject,
    epoch: await c.oracleHub.currentEpoch(),
    evidenceHash: `0x${evidence.toString(16).padStart(64, "0")}`,
  };
  const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
  const signatures = await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report });
  await c.oracleHub.submitFaultReport(report, signatures);
  return { report, id: await c.oracleHub.hashFaultReport(report) };
}

/** A provider onboarded with two H100s, and an accepted failed-challenge report about its first GPU. */
async function withFault(c: Cinder, p: HardhatEthersSigner, opts: { stake?: bigint } = {}) {
  const gpus = await onboardProvider(c, p, { stake: opts.stake });
  const fault = await acceptFault(c, p.address, FAULT.FailedGpuChallenge, gpus[0]);
  return { gpus, ...fault };
}

async function proposed(c: Cinder, p: HardhatEthersSigner, reporter: HardhatEthersSigner, opts: { stake?: bigint } = {}) {
  const f = await withFault(c, p, opts);
  await c.slashingManager.connect(reporter).propose(f.report);
  return f;
}

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

describe("SlashingManager wiring", function () {
  it("jails, holds and slashes through the registry's wiring alone: no AccessManager role is involved", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const smAddress = await sm.getAddress();
    expect(await c.registry.slashingManager()).to.equal(smAddress);
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    // The manager holds no role at all: the wiring is everything.
    for (const role of [0n, 1n, 2n, 12n, 17n]) expect((await c.manager.hasRole(role, smAddress))[0]).to.equal(false);
    await c.networkHelpers.time.increase(VETO);
    const tx = sm.execute(f.id);
    await expect(tx).to.emit(c.registry, "ProviderJailed");
    await expect(tx).to.emit(c.vault, "Slashed");
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    // Every other caller of jail is refused, governance included.
    for (const caller of [c.stranger, c.governance]) {
      await expect(c.registry.connect(caller).jail(p.address, 1n))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotSlashingManager")
        .withArgs(caller.address);
    }
    await expect(c.registry.connect(c.slasher).jail(p.address, 1n)).to.emit(c.registry, "ProviderJailed");
  });

  it("refuses the vault's slashing-manager hooks to everyone but the wired manager", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p);
    for (const caller of [c.stranger, c.governance, c.guardian, c.rewarder, c.exposure]) {
      await expect(c.vault.connect(caller).executeSlash(p.address, ONE, 0n, false))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).payBounty(caller.address, 1n))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).burnSlashed())
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
    }
    // As the manager: no zero slash, no payment beyond the bounties held, a release only of a placed hold.
    const smAddress = await c.slashingManager.getAddress();
    await c.networkHelpers.impersonateAccount(smAddress);
    await c.networkHelpers.setBalance(smAddress, 10n ** 18n);
    const manager = await c.ethers.getSigner(smAddress);
    await expect(c.vault.connect(manager).executeSlash(p.address, 0n, 0n, false)).to.be.revertedWithCustomError(
      c.vault,
      "StakingVaultZeroAmount",
    );
    await expect(c.vault.connect(manager).executeSlash(p.address, ONE, 0n, true))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNoSlashHold")
      .withArgs(p.address);
    // A bounty rate above 1/(1+m) is capped by the vault (m = 5: 1,666 bps).
    await expect(c.vault.connect(manager).executeSlash(p.address, 100n * ONE, 10_000n, false)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [c.vault],
      [0n],
    );
    const capped = (100n * ONE * 1_666n) / 10_000n;
    expect(await c.vault.slashedHeld()).to.deep.equal([100n * ONE - capped, capped]);
    await expect(c.vault.connect(manager).payBounty(c.stranger.address, capped + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientBounties")
      .withArgs(capped, capped + 1n);
    expect(await c.vault.connect(manager).burnSlashed.staticCall()).to.equal(100n * ONE - capped);
  });

  it("wires the registry's slashing manager once, never to zero", async function () {
    const c = await loadCinder();
    const sm = await c.slashingManager.getAddress();
    await expect(c.registry.connect(c.governance).setSlashingManager(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistrySlashingManagerAlreadySet")
      .withArgs(sm);
    const fresh = await new ProviderRegistry__factory(c.deployer).deploy(await c.manager.getAddress(), DAY);
    expect(await fresh.slashingManager()).to.equal(ZeroAddress);
    await expect(fresh.connect(c.governance).setSlashingManager(ZeroAddress))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryZeroAddress")
      .withArgs("slashingManager");
    await expect(fresh.connect(c.governance).setSlashingManager(sm)).to.emit(fresh, "SlashingManagerSet").withArgs(sm);
    expect(await fresh.slashingManager()).to.equal(sm);
  });
});

describe("SlashingManager rate limit", function () {
  it("defers what the window does not allow into each pool's slot and executes it in a later window, never dropping it", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: FRAUD, maxPerWindow: 300n * ONE });
    const [p0, p1, p2] = c.providers;
    const f0 = await proposed(c, p0, c.stranger);
    const f1 = await proposed(c, p1, c.stranger);
    const f2 = await proposed(c, p2, c.stranger);
    await c.networkHelpers.time.increase(VETO);
    await sm.execute(f0.id);
    expect(await sm.windowRoom()).to.equal(100n * ONE);
    // The second fault gets the 100 CNDR left in the window; its other 100 wait in p1's slot.
    const partial = sm.execute(f1.id);
    await expect(partial).to.emit(sm, "SlashDeferred").withArgs(f1.id, p1.address, 100n * ONE);
    await expect(partial)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f1.id, p1.address, 100n * ONE, 10n * ONE, c.stranger.address, 90n * ONE, 100n * ONE);
    // The third takes nothing (the window is full) and waits in p2's own slot; its provider is jailed anyway.
    const deferred = sm.execute(f2.id);
    await expect(deferred).to.emit(sm, "SlashDeferred").withArgs(f2.id, p2.address, FRAUD);
    await expect(deferred).to.not.emit(c.vault, "Slashed");
    expect(await c.registry.statusOf(p2.address)).to.equal(PROVIDER_STATUS_JAILED);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Deferred);
    expect((await c.vault.getPool(p1.address)).slashHolds).to.equal(1n);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([f1.id, 100n * ONE]);
    expect(await sm.deferredOf(p2.address)).to.deep.equal([f2.id, FRAUD]);
    expect(await sm.deferredOf(p0.address)).to.deep.equal([ZeroHash, 0n]);
    await expect(sm.executeDeferred(p1.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingDeferred")
      .withArgs(p1.address, 0n);
    // The next window: each pool's slot is executed on its own (any order), its hold released with its slash.
    await c.networkHelpers.time.increase(DAY);
    const credited = await sm.bountyOf(c.stranger.address);
    const second = sm.connect(c.clients[0]).executeDeferred(p2.address);
    await expect(second).to.changeTokenBalances(c.ethers, c.token, [c.vault, c.stranger], [0n, 0n]);
    await expect(second)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f2.id, p2.address, FRAUD, FRAUD / 10n, c.stranger.address, FRAUD - FRAUD / 10n, 0n);
    await expect(second).to.emit(c.vault, "SlashHoldChanged").withArgs(p2.address, 0n);
    const first = sm.connect(c.clients[0]).executeDeferred(p1.address);
    await expect(first).to.emit(c.vault, "SlashHoldChanged").withArgs(p1.address, 0n);
    expect((await sm.bountyOf(c.stranger.address)) - credited).to.equal(30n * ONE);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Executed);
    expect((await sm.getProposal(f2.id)).status).to.equal(STATUS.Executed);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([ZeroHash, 0n]);
    expect(await sm.deferredOf(p2.address)).to.deep.equal([ZeroHash, 0n]);
    expect((await sm.limiter()).usedInWindow).to.equal(300n * ONE);
    await expect(sm.executeDeferred(p1.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingDeferred")
      .withArgs(p1.address, 0n);
  });

  it("caps one event at maxPerEvent, and keeps a pool's next proposal pending while its slot is taken", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const cap = ONE;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: cap, maxPerWindow: cap });
    const p = c.providers[0];
    const gpus = await onboardProvider(c, p);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await acceptFault(c, p.address, FAULT.AttestationMismatch, gpus[0]);
      await sm.propose(f.report);
      ids.push(f.id);
    }
    expect((await sm.getProposal(ids[0])).amount).to.equal(cap);
    await c.networkHelpers.time.increase(VETO);
    // The first takes the window's whole room; the second waits in the pool's slot; the third waits pending.
    await sm.execute(ids[0]);
    await expect(sm.execute(ids[1])).to.emit(sm, "SlashDeferred").withArgs(ids[1], p.address, cap);
    await expect(sm.execute(ids[2]))
      .to.be.revertedWithCustomError(sm, "SlashingManagerPoolDeferred")
      .withArgs(p.address, ids[1]);
    expect((await sm.getProposal(ids[2])).status).to.equal(STATUS.Pending);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(2n);
    // One per window at this cap: the slot first, then the pool's next proposal.
    await c.networkHelpers.time.increase(DAY);
    await expect(sm.executeDeferred(p.address))
      .to.emit(sm, "SlashExecuted")
      .withArgs(ids[1], p.address, cap, cap / 10n, c.deployer.address, cap - cap / 10n, 0n);
    await expect(sm.execute(ids[2])).to.emit(sm, "SlashDeferred").withArgs(ids[2], p.address, cap);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(1n);
    await c.networkHelpers.time.increase(DAY);
    await expect(sm.executeDeferred(p.address)).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    expect((await sm.getProposal(ids[2])).status).to.equal(STATUS.Executed);
  });

  it("a pool that runs dry finishes its deferred proposal, releases its hold and frees its slot", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: FRAUD, maxPerWindow: FRAUD });
    const [p0, p1] = c.providers;
    const f0 = await proposed(c, p0, c.stranger);
    // p1 staked 50 CNDR only, less than its 200 CNDR fault.
    const f1 = await proposed(c, p1, c.stranger, { stake: 50n * ONE });
    await c.networkHelpers.time.increase(VETO);
    await sm.execute(f0.id);
    await expect(sm.execute(f1.id)).to.emit(sm, "SlashDeferred").withArgs(f1.id, p1.address, FRAUD);
    await c.networkHelpers.time.increase(DAY);
    const tx = sm.executeDeferred(p1.address);
    await expect(tx)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f1.id, p1.address, 50n * ONE, 5n * ONE, c.stranger.address, 45n * ONE, 0n);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p1.address, 0n);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Executed);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([ZeroHash, 0n]);
    expect((await sm.limiter()).usedInWindow).to.equal(50n * ONE);
  });
});

describe("SlashingManager governance", function () {
  it("sets parameters and kind amounts within hard bounds, rejecting the rest with the failing value", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager.connect(c.governance);
    const bound = "SlashingManagerParameterOutOfBounds";
    const ok = { ...DEFAULT_PARAMS };
    await expect(sm.setParams({ ...ok, bountyBps: 1_500n })).to.emit(sm, "ParamsSet");
    expect((await sm.params()).bountyBps).to.equal(1_500n);
    // m = 5: r x 6 < 10,000, so at most 1,666 bps.
    const bad: [Partial<typeof ok>, string, bigint, bigint, bigint][] = [
      [{ vetoWindow: 3_599n }, "vetoWindow", 3_599n, 3_600n, 14n * DAY],
      [{ vetoWindow: 14n * DAY + 1n }, "vetoWindow", 14n * DAY + 1n, 3_600n, 14n * DAY],
      [{ rateWindow: 3_599n }, "rateWindow", 3_599n, 3_600n, 30n * DAY],
      [{ jailCooldown: 366n * DAY }, "jailCooldown", 366n * DAY, 3_600n, 365n * DAY],
      [{ maxPerEvent: ONE - 1n }, "maxPerEvent", ONE - 1n, ONE, 10n ** 27n],
      [{ maxPerWindow: ok.maxPerEvent - 1n }, "maxPerWindow", ok.maxPerEvent - 1n, ok.maxPerEvent, 10n ** 28n],
      [{ bountyBps: 1_667n }, "bountyBps", 1_667n, 0n, 1_666n],
    ];
    for (const [change, name, v, min, max] of bad) {
      await expect(sm.setParams({ ...ok, ...change }), name).to.be.revertedWithCustomError(sm, bound).withArgs(name, v, min, max);
    }
    // The exposure tail (12 days) must cover challenge (1 day) + verdict (2) + 2 x arbitration (3) + the veto window.
    await expect(sm.setParams({ ...ok, vetoWindow: 3n * DAY + 1n }))
      .to.be.revertedWithCustomError(sm, "SlashingManagerExposureTailTooShort")
      .withArgs(12n * DAY, 12n * DAY + 1n);
    await expect(sm.setParams({ ...ok, vetoWindow: 3n * DAY })).to.emit(sm, "ParamsSet");
    await expect(sm.setSlashBps(4, 5_000)).to.emit(sm, "SlashBpsSet").withArgs(4n, 5_000n);
    expect(await sm.slashBps(4)).to.equal(5_000n);
    await expect(sm.setSlashBps(0, 5_000)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidKind").withArgs(0n);
    await expect(sm.setSlashBps(6, 5_000)).to.emit(sm, "SlashBpsSet").withArgs(6n, 5_000n);
    await expect(sm.setSlashBps(7, 5_000)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidKind").withArgs(7n);
    await expect(sm.setSlashBps(1, 0)).to.be.revertedWithCustomError(sm, bound).withArgs("slashBps", 0n, 1n, 10_000n);
    await expect(sm.setSlashBps(1, 10_001)).to.be.revertedWithCustomError(sm, bound).withArgs("slashBps", 10_001n, 1n, 10_000n);
    await expect(c.slashingManager.connect(c.stranger).setParams(ok))
      .to.be.revertedWithCustomError(sm, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
  });

  it("keeps the applied bounty below 1/(1+m) when governance later raises the vault's delegation cap multiple", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, bountyBps: 1_666n });
    expect(await sm.effectiveBountyBps()).to.equal(1_666n);
    await c.vault.connect(c.governance).setDelegationCapMultiple(20);
    // 9,999 / 21 = 476: 476 x 21 = 9,996 < 10,000.
    expect(await sm.effectiveBountyBps()).to.equal(476n);
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    await c.networkHelpers.time.increase(VETO);
    const bounty = (FRAUD * 476n) / 10_000n;
    await expect(sm.execute(f.id))
      .to.emit(sm, "SlashExecuted")
      .withArgs(f.id, p.address, FRAUD, bounty, c.stranger.address, FRAUD - bounty, 0n);
  });
});
