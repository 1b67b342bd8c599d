/**
 * Exposure PoCs (audit issue 15, High 1 and Medium 4; DESIGN "Windows", "Exposure locks what it needs"):
 * (a) a provider requesting its whole self-stake right after a batch award cannot claim it before the job-fraud
 *     windows close (challenge + verdict + 2 x arbitration + veto = 11 days after the end at the defaults, where the
 *     old tail was 7): the fraud slash lands on its pending self-stake, not on its delegators; an account with no
 *     exposure behind it still exits in exactly the unbonding period, even one of a single day;
 * (b) a fault report outside the late window of its epoch is refused by the hub and by the SlashingManager (an
 *     accepted report kept back and proposed later), so a finite tail covers it;
 * (c) every setter of a window the tail covers (vault tail, market challenge, SlashingManager veto, DisputeManager
 *     verdict and arbitration) refuses a value that leaves the tail short, with the tail and the span;
 * (d) a self-dealt 365-day one-GPU dust lease no longer locks the delegators of a big pool: they exit in the
 *     unbonding period; a withdrawal that would uncover the need (the self-stake first) still waits; a lease that
 *     ends early releases its need after its own tail.
 * Each fails on the naive code: one pool-wide `exposureUntil` (never lowered) applied to every withdrawal, a tail
 * bounded only by `unbonding - 1` (7 days), fault reports with no age limit, and window setters that check the
 * unbonding period (or nothing) instead of the tail.
 */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { keccak256, AbiCoder, toUtf8Bytes } from "ethers";
import { connectCinder, H100, H100_STAKE_PER_GPU, ONE, onboardProvider, USD, type Cinder } from "../helpers/fixture.js";
import { FAULT, OUTCOME, signReport } from "../helpers/oracle.js";
import { at, expectDeltas, now } from "../helpers/staking.js";
import { ProviderRegistry__factory, StakingVault__factory } from "../../types/ethers-contracts/index.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const UNBONDING = 14n * DAY;
const TAIL = 12n * DAY;
const CHALLENGE = DAY;
const VERDICT = 2n * DAY;
const ARBITRATION = 3n * DAY;
const VETO = 2n * DAY;
/** challenge + verdict + 2 x arbitration + veto at the defaults (the late-report span, 25 h + veto, is shorter). */
const SPAN = CHALLENGE + VERDICT + 2n * ARBITRATION + VETO;
const PRICE = 2_500_000n;
const KIND_LEASE = 0;
const KIND_BATCH = 1;
const LATE_WINDOW_EPOCHS = 24n;
/** A fault report about an epoch may arrive until its late window ends: (24 + 1) epochs of an hour after it began. */
const LATE_REPORT = (LATE_WINDOW_EPOCHS + 1n) * HOUR;
/** The shortest unbonding period the late window allows. */
const SHORT = LATE_REPORT + 1n;

async function domainOf(c: Cinder) {
  return { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
}

/** providers[0] with 2 attested H100s, `self` of self-stake and an offer at `price`. */
async function withProvider(opts: { self?: bigint; price?: bigint } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p, { gpus: 2, stake: opts.self ?? 2n * H100_STAKE_PER_GPU });
  await c.registry.connect(p).setOffer(H100, opts.price ?? PRICE);
  return { c, p };
}

describe("Exposure attack: stake escapes a provable job-fraud fault (High 1)", function () {
  it("a self-withdrawal requested right after an award waits for the fraud windows; the slash lands on it", async function () {
    const { c, p } = await withProvider();
    const client = c.clients[0];
    const delegator = c.delegators[0];
    const self = 2n * H100_STAKE_PER_GPU;
    await c.vault.connect(delegator).delegate(p.address, 1_000n * ONE);

    const t0 = (await now(c)) + 10n;
    await at(c, t0);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, Number(10n * DAY), PRICE, KIND_BATCH);
    const leaseId = await c.jobMarket.leaseCount();
    const end = t0 + 10n * DAY;
    expect(await c.vault.getExposure(p.address)).to.deep.equal([H100_STAKE_PER_GPU, 0n, 0n]);

    // The whole self-stake, right after the award: what is left (nothing) no longer covers the lease's 200 CNDR.
    await expect(c.vault.connect(p).requestWithdraw(p.address, self))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, self, 0n, end + TAIL);

    // The longest way to a fraud slash: a result just before the end, a dispute just before its challenge window
    // closes, an abstention just before the arbitration deadline, and the arbitrator's decision just before the
    // extended deadline.
    const submittedAt = end - HOUR;
    await at(c, submittedAt);
    await c.jobMarket.connect(p).submitResult(leaseId, `0x${"a1".repeat(32)}`, "r");
    const openedAt = submittedAt + CHALLENGE - 1n;
    await at(c, openedAt);
    await c.disputeManager.connect(client).open(leaseId);
    const verdict = {
      configDigest: await c.oracleHub.configDigest(),
      leaseId,
      resultHash: `0x${"a1".repeat(32)}`,
      outcome: OUTCOME.Abstained,
      toProvider: 0n,
    };
    const signatures = await signReport(c.oracleSigners.slice(0, 3), await domainOf(c), "JobVerdict", { ...verdict });
    const abstainedAt = openedAt + VERDICT + ARBITRATION - 1n;
    await at(c, abstainedAt);
    await c.disputeManager.submitVerdict(verdict, signatures);

    // Where the old vault unlocked it (the end plus a 7-day tail), no slash is proposed yet: the claim must fail.
    const oldUnlock = end + 7n * DAY;
    await at(c, oldUnlock);
    await expect(c.vault.connect(p).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(end + TAIL, oldUnlock);

    const decidedAt = abstainedAt + ARBITRATION - 1n;
    expect(decidedAt).to.be.greaterThan(oldUnlock);
    expect(decidedAt + VETO).to.be.lessThanOrEqual(end + SPAN);
    await at(c, decidedAt);
    await c.disputeManager.connect(c.governance).arbitrate(leaseId, OUTCOME.ClientUpheld, 0n);
    const slashId = keccak256(
      AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [keccak256(toUtf8Bytes("CinderJobFraud")), leaseId]),
    );
    await c.networkHelpers.time.increase(VETO);
    await c.slashingManager.execute(slashId);

    // The fraud (all of one GPU's stake) came out of the pending self-stake; the delegator lost nothing.
    const pool = await c.vault.getPool(p.address);
    expect(pool.selfPending).to.equal(self - H100_STAKE_PER_GPU);
    expect(await c.vault.delegatedBalance(p.address, delegator.address)).to.equal(1_000n * ONE);

    await at(c, end + TAIL);
    const claim = c.vault.connect(p).claimWithdraw(p.address);
    await expectDeltas(c, claim, [p, c.vault], [self - H100_STAKE_PER_GPU, -(self - H100_STAKE_PER_GPU)]);
  });

  it("an account with no exposure behind it exits in exactly the unbonding period, even the shortest one the late window allows", async function () {
    const { c, p } = await withProvider();
    const delegator = c.delegators[0];
    await c.vault.connect(delegator).delegate(p.address, 1_000n * ONE);
    // The unbonding period no longer has to outlast the lease windows (the tail covers them), only a fault report's
    // late window ((24 + 1) epochs of an hour): stake with no lease behind it still backs the provider's GPUs.
    await expect(c.vault.connect(c.governance).setUnbondingPeriod(LATE_REPORT))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultUnbondingBelowLateReport")
      .withArgs(LATE_REPORT, LATE_REPORT);
    await expect(c.vault.connect(c.governance).setUnbondingPeriod(SHORT))
      .to.emit(c.vault, "UnbondingPeriodSet")
      .withArgs(SHORT);
    await c.jobMarket.connect(c.clients[0]).createDirectLease(p.address, H100, 1, Number(30n * DAY), PRICE, KIND_BATCH);
    const end = (await now(c)) + 30n * DAY;

    // The self-stake (400) covers the lease's need (200): the delegator's withdrawal uncovers nothing.
    const t = (await now(c)) + 10n;
    await at(c, t);
    await expect(c.vault.connect(delegator).requestWithdraw(p.address, 1_000n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, delegator.address, 1_000n * ONE, anyValue, t + SHORT);
    await at(c, t + SHORT - 1n);
    await expect(c.vault.connect(delegator).claimWithdraw(p.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultStillUnbonding")
      .withArgs(t + SHORT, t + SHORT - 1n);
    await c.networkHelpers.time.increaseTo(t + SHORT);
    await expectDeltas(c, c.vault.connect(delegator).claimWithdraw(p.address), [delegator], [1_000n * ONE]);

    // The provider's first 200 out leave 200 covering the need; one wei more would uncover it: that withdrawal
    // (merged with the first) waits for the end plus the tail.
    const u = (await now(c)) + 10n;
    await at(c, u);
    await expect(c.vault.connect(p).requestWithdraw(p.address, H100_STAKE_PER_GPU))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, H100_STAKE_PER_GPU, 0n, u + SHORT);
    await expect(c.vault.connect(p).requestWithdraw(p.address, 1n))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 1n, 0n, end + TAIL);
  });
});

describe("Exposure attack: a fault report with no age limit", function () {
  async function reportAbout(c: Cinder, provider: string, gpuId: string, epoch: bigint) {
    const report = {
      configDigest: await c.oracleHub.configDigest(),
      provider,
      faultType: FAULT.FailedGpuChallenge,
      subject: gpuId,
      epoch,
      evidenceHash: `0x${"5e".repeat(32)}`,
    };
    const signatures = await signReport(c.oracleSigners.slice(0, 3), await domainOf(c), "FaultReport", { ...report });
    return { report, signatures };
  }

  it("the hub refuses a report about an epoch before the late window or not started yet", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const [gpu] = await onboardProvider(c, p, { gpus: 1 });
    // A minute into an epoch 100 epochs on, so every call below runs in the same epoch.
    const epochLength = await c.oracleHub.EPOCH_LENGTH();
    await c.networkHelpers.time.increaseTo(((await now(c)) / epochLength + 100n) * epochLength + 60n);
    const current = await c.oracleHub.currentEpoch();
    const oldest = current - LATE_WINDOW_EPOCHS;
    expect(await c.oracleHub.oldestAcceptedEpoch()).to.equal(oldest);

    const stale = await reportAbout(c, p.address, gpu, oldest - 1n);
    await expect(c.oracleHub.submitFaultReport(stale.report, stale.signatures))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubEpochTooOld")
      .withArgs(oldest - 1n, oldest);
    const future = await reportAbout(c, p.address, gpu, current + 1n);
    await expect(c.oracleHub.submitFaultReport(future.report, future.signatures))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubEpochNotStarted")
      .withArgs(current + 1n, current);

    // The honest path: the oldest epoch of the window, and the current one, are accepted and proposable.
    for (const epoch of [oldest, current]) {
      const ok = await reportAbout(c, p.address, gpu, epoch);
      await expect(c.oracleHub.submitFaultReport(ok.report, ok.signatures)).to.emit(c.oracleHub, "FaultReportAccepted");
      await expect(c.slashingManager.connect(c.stranger).propose(ok.report)).to.emit(c.slashingManager, "SlashProposed");
    }
  });

  it("an accepted report kept back past its late window cannot be proposed", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const [gpu] = await onboardProvider(c, p, { gpus: 1 });
    const epoch = await c.oracleHub.currentEpoch();
    const { report, signatures } = await reportAbout(c, p.address, gpu, epoch);
    await c.oracleHub.submitFaultReport(report, signatures);
    const id = await c.oracleHub.hashFaultReport(report);

    // Held back until the epoch leaves the window (its last accepted epoch is epoch + 24).
    const epochLength = await c.oracleHub.EPOCH_LENGTH();
    await at(c, (epoch + LATE_WINDOW_EPOCHS + 1n) * epochLength);
    await expect(c.slashingManager.connect(c.stranger).propose(report))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerReportTooOld")
      .withArgs(id, epoch, epoch + 1n);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
  });

  it("a report proposed on the last second of its late window is still slashed", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const [gpu] = await onboardProvider(c, p, { gpus: 1 });
    const epoch = await c.oracleHub.currentEpoch();
    const { report, signatures } = await reportAbout(c, p.address, gpu, epoch);
    await c.oracleHub.submitFaultReport(report, signatures);
    const epochLength = await c.oracleHub.EPOCH_LENGTH();
    await at(c, (epoch + LATE_WINDOW_EPOCHS + 1n) * epochLength - 1n);
    await expect(c.slashingManager.connect(c.stranger).propose(report))
      .to.emit(c.slashingManager, "SlashProposed")
      .withArgs(await c.oracleHub.hashFaultReport(report), p.address, FAULT.FailedGpuChallenge, gpu, H100_STAKE_PER_GPU, c.stranger.address, (epoch + LATE_WINDOW_EPOCHS + 1n) * epochLength - 1n + VETO);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(1n);
  });
});

describe("Exposure attack: a window setter breaks the tail's bound", function () {
  it("the registry refuses to wire a vault and a hub whose unbonding period the late window outlasts", async function () {
    const c = await loadCinder();
    const manager = await c.manager.getAddress();
    const registry = await new ProviderRegistry__factory(c.deployer).deploy(manager, 7n * DAY);
    const params = { unbondingPeriod: DAY, exposureTail: TAIL, delegationCapMultiple: 10n, minDelegation: ONE };
    const vault = await new StakingVault__factory(c.deployer).deploy(manager, await c.token.getAddress(), await registry.getAddress(), params);
    // The timelock administers the manager: a fresh target's functions are its own (ADMIN) until mapped.
    await expect(registry.connect(c.governance).setStakingVault(await vault.getAddress())).to.emit(registry, "StakingVaultSet");
    await expect(registry.connect(c.governance).setOracleHub(await c.oracleHub.getAddress()))
      .to.be.revertedWithCustomError(registry, "ProviderRegistryUnbondingBelowLateReport")
      .withArgs(DAY, LATE_REPORT);
    // The deployed pair (14 days over 25 hours) was accepted, and the vault's setter keeps it so.
    expect(await c.registry.oracleHub()).to.equal(await c.oracleHub.getAddress());
    await expect(c.vault.connect(c.governance).setUnbondingPeriod(DAY))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultUnbondingBelowLateReport")
      .withArgs(DAY, LATE_REPORT);
  });

  it("each setter of a covered window refuses a value the tail no longer covers, with the tail and the span", async function () {
    const c = await loadCinder();
    expect(await c.vault.exposureSpan()).to.equal(SPAN);
    expect(await c.disputeManager.disputeSpan()).to.equal(SPAN);

    // The vault's own tail.
    await expect(c.vault.connect(c.governance).setExposureTail(SPAN - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultExposureTailTooShort")
      .withArgs(SPAN - 1n, SPAN);

    // Each other window, lengthened by 2 days, needs a 13-day tail: the 12-day one is refused.
    const m = await c.jobMarket.params();
    const market = { minLeaseDuration: m.minLeaseDuration, cancelNotice: m.cancelNotice, challengeWindow: m.challengeWindow, minBidWindow: m.minBidWindow, maxBidWindow: m.maxBidWindow, minBidStepBps: m.minBidStepBps, minLeaseValue: m.minLeaseValue };
    await expect(c.jobMarket.connect(c.governance).setParams({ ...market, challengeWindow: CHALLENGE + 2n * DAY }))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultExposureTailTooShort")
      .withArgs(TAIL, SPAN + 2n * DAY);
    const q = await c.slashingManager.params();
    const slashing = { vetoWindow: q.vetoWindow, rateWindow: q.rateWindow, jailCooldown: q.jailCooldown, bountyBps: q.bountyBps, maxPerEvent: q.maxPerEvent, maxPerWindow: q.maxPerWindow };
    await expect(c.slashingManager.connect(c.governance).setParams({ ...slashing, vetoWindow: VETO + 2n * DAY }))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerExposureTailTooShort")
      .withArgs(TAIL, SPAN + 2n * DAY);
    const d = await c.disputeManager.params();
    const disputes = { minDeposit: d.minDeposit, depositBps: d.depositBps, verdictWindow: d.verdictWindow, arbitrationWindow: d.arbitrationWindow };
    await expect(c.disputeManager.connect(c.governance).setParams({ ...disputes, verdictWindow: VERDICT + 2n * DAY }))
      .to.be.revertedWithCustomError(c.disputeManager, "DisputeManagerExposureTailTooShort")
      .withArgs(TAIL, SPAN + 2n * DAY);
    await expect(c.disputeManager.connect(c.governance).setParams({ ...disputes, arbitrationWindow: ARBITRATION + DAY }))
      .to.be.revertedWithCustomError(c.disputeManager, "DisputeManagerExposureTailTooShort")
      .withArgs(TAIL, SPAN + 2n * DAY);

    // The unbonding period is not one of them: the shortest the late window allows is accepted and the span does
    // not move.
    await c.vault.connect(c.governance).setUnbondingPeriod(SHORT);
    expect(await c.vault.exposureSpan()).to.equal(SPAN);

    // The honest path: the tail first, then the window; the span follows, and the tail cannot drop below it again.
    await expect(c.vault.connect(c.governance).setExposureTail(SPAN + 2n * DAY))
      .to.emit(c.vault, "ExposureTailSet")
      .withArgs(SPAN + 2n * DAY);
    await c.jobMarket.connect(c.governance).setParams({ ...market, challengeWindow: CHALLENGE + 2n * DAY });
    expect(await c.vault.exposureSpan()).to.equal(SPAN + 2n * DAY);
    await expect(c.vault.connect(c.governance).setExposureTail(SPAN + 2n * DAY - 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultExposureTailTooShort")
      .withArgs(SPAN + 2n * DAY - 1n, SPAN + 2n * DAY);
    await expect(c.slashingManager.connect(c.governance).setParams({ ...slashing, vetoWindow: VETO + 1n }))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerExposureTailTooShort")
      .withArgs(SPAN + 2n * DAY, SPAN + 2n * DAY + 1n);
  });
});

describe("Exposure attack: a dust lease locks a whole pool (Medium 4)", function () {
  /** A 5,000 CNDR pool (1,000 self, 4,000 delegated) and a self-dealt 365-day one-GPU lease worth about 1 USD. */
  async function dustLeased() {
    const dust = 115n; // 115 x 8,760 h = 1.0074 USD, just above the minimum lease value
    const { c, p } = await withProvider({ self: 1_000n * ONE, price: dust });
    const delegator = c.delegators[0];
    await c.vault.connect(delegator).delegate(p.address, 4_000n * ONE);
    await c.jobMarket.connect(p).createDirectLease(p.address, H100, 1, Number(365n * DAY), dust, KIND_LEASE);
    const leaseId = await c.jobMarket.leaseCount();
    const lease = await c.jobMarket.getLease(leaseId);
    expect(await c.jobMarket.leaseValue(leaseId)).to.be.lessThan(2n * USD);
    return { c, p, delegator, leaseId, end: lease.end };
  }

  it("the delegators of a big pool exit in the unbonding period, not after the year-long lease", async function () {
    const { c, p, delegator } = await dustLeased();
    const t = (await now(c)) + 10n;
    await at(c, t);
    await expect(c.vault.connect(delegator).requestWithdraw(p.address, 4_000n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, delegator.address, 4_000n * ONE, anyValue, t + UNBONDING);
    await at(c, t + UNBONDING);
    await expectDeltas(c, c.vault.connect(delegator).claimWithdraw(p.address), [delegator], [4_000n * ONE]);
  });

  it("the self-stake covers the need first: its withdrawal waits, the delegators' does not", async function () {
    const { c, p, delegator, end } = await dustLeased();
    // 801 of 1,000 out leaves 199 < 200 needed: the provider's withdrawal waits for the end plus the tail.
    await expect(c.vault.connect(p).requestWithdraw(p.address, 801n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 801n * ONE, 0n, end + TAIL);
    // Its pending self-stake stays locked that long and keeps covering: the delegator still leaves in the unbonding.
    const t = (await now(c)) + 10n;
    await at(c, t);
    await expect(c.vault.connect(delegator).requestWithdraw(p.address, 4_000n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, delegator.address, 4_000n * ONE, anyValue, t + UNBONDING);
  });

  it("the last stake covering the need waits for it; what is left over does not", async function () {
    const { c, p, delegator, end } = await dustLeased();
    const other = c.delegators[1];
    await c.vault.connect(other).delegate(p.address, 500n * ONE);
    const request = async (who: typeof p, amount: bigint) => {
      const t = (await now(c)) + 10n;
      await at(c, t);
      await c.vault.connect(who).requestWithdraw(p.address, amount);
      return t;
    };
    // The provider's 800 out leave 200 of its own covering the 200 needed: unlocked in the unbonding period.
    let t = await request(p, 800n * ONE);
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([800n * ONE, t + UNBONDING]);
    // Its pending leaves before the exposure's tail, so it covers nothing; the active 200 + 500 + 1 wei left do.
    t = await request(delegator, 4_000n * ONE - 1n);
    expect((await c.vault.pendingWithdrawal(p.address, delegator.address))[1]).to.equal(t + UNBONDING);
    // 200 + 1 wei left cover 200, and so do the 200 left after the last wei.
    t = await request(other, 500n * ONE);
    expect((await c.vault.pendingWithdrawal(p.address, other.address))[1]).to.equal(t + UNBONDING);
    t = await request(delegator, 1n);
    expect((await c.vault.pendingWithdrawal(p.address, delegator.address))[1]).to.equal(t + UNBONDING);
    // Only the stake the need takes waits: any of the provider's last 200.
    await request(p, 1n);
    expect(await c.vault.pendingWithdrawal(p.address, p.address)).to.deep.equal([800n * ONE + 1n, end + TAIL]);
  });

  it("a lease that ends early releases its need after its own tail, not the year", async function () {
    const { c, p, leaseId } = await dustLeased();
    await c.vault.connect(c.governance).setUnbondingPeriod(SHORT);
    const quitAt = (await now(c)) + 30n * DAY;
    await at(c, quitAt);
    await expect(c.jobMarket.connect(p).quit(leaseId))
      .to.emit(c.vault, "ExposureReleased")
      .withArgs(p.address, H100_STAKE_PER_GPU, quitAt);
    expect(await c.vault.getExposure(p.address)).to.deep.equal([0n, H100_STAKE_PER_GPU, quitAt]);

    // Within the quit lease's tail the stake it needed still waits, for the tail after the quit only.
    await expect(c.vault.connect(p).requestWithdraw(p.address, 900n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, p.address, 900n * ONE, 0n, quitAt + TAIL);
    // Once that tail is over, the need is gone: the rest exits in the (one-day) unbonding period.
    const after = quitAt + TAIL;
    await at(c, after);
    const delegator = c.delegators[0];
    await expect(c.vault.connect(delegator).requestWithdraw(p.address, 4_000n * ONE))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(p.address, delegator.address, 4_000n * ONE, anyValue, after + SHORT);
  });
});
