/**
 * DisputeManager: every path of a job dispute and every revert by its custom error and arguments.
 * - the client's spec (before the result, once), the dispute with its deposit (max(minDeposit, depositBps x escrow),
 *   rounded up), which freezes the escrow in the JobMarket;
 * - a quorum verdict (submitted here or at the hub): ProviderUpheld pays the provider the escrow (fee taken) and the
 *   deposit; ClientUpheld refunds the client, returns its deposit and opens a job-fraud slash (kind 6) that executes
 *   after the veto window, jails the provider and pays the client the bounty;
 * - an abstention hands the dispute to the arbitrator (deadline = max(existing, now + arbitrationWindow)); so does
 *   the end of the verdict window; the arbitrator is refused at the arbitration deadline and accepted one second
 *   before; after it anyone expires the dispute (the result stands: the provider is paid and gets the deposit, no
 *   slash);
 * - governance bounds, including exposure tail >= challenge + verdict + 2 x arbitration + veto windows.
 * The manager's stablecoin equals the open disputes' deposits plus the credited balances after every step.
 *
 * Local parameters (deploy/modules/protocol.ts): challenge window 1 day, minDeposit 10 USD, depositBps 500, verdict
 * window 2 days, arbitration window 3 days, veto window 2 days, bounty 1,000 bps, job fraud 10,000 bps of the
 * per-GPU stake; the timelock is the arbitrator.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, ZeroAddress, ZeroHash, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import { DisputeManager__factory } from "../../../types/ethers-contracts/index.js";
import { connectCinder, H100, H100_STAKE_PER_GPU, onboardProvider, USD, type Cinder } from "../../helpers/fixture.js";
import { OUTCOME, type JobVerdict, reportDigest, signReport } from "../../helpers/oracle.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const PRICE = 2_500_000n;
const CHALLENGE = DAY;
const VERDICT = 2n * DAY;
const ARBITRATION = 3n * DAY;
const VETO = 2n * DAY;
const MIN_DEPOSIT = 10n * USD;
const DEPOSIT_BPS = 500n;
const BOUNTY_BPS = 1_000n;
const FRAUD = H100_STAKE_PER_GPU;
const KIND = { Lease: 0, Batch: 1 } as const;
const LS = { None: 0n, Active: 1n, Disputed: 2n, Closed: 3n } as const;
const DS = { None: 0n, Open: 1n, Abstained: 2n, Resolved: 3n, Expired: 4n } as const;
const PROVIDER_JAILED = 2n;
const RESULT = `0x${"5e".repeat(32)}`;
const SPEC = `0x${"5c".repeat(32)}`;
const DEFAULT_PARAMS = {
  minDeposit: MIN_DEPOSIT,
  depositBps: DEPOSIT_BPS,
  verdictWindow: VERDICT,
  arbitrationWindow: ARBITRATION,
};

const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
const feeOf = (gross: bigint) => (gross * 100n + 9_999n) / 10_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const depositOf = (escrow: bigint) => {
  const fraction = ceilDiv(escrow * DEPOSIT_BPS, 10_000n);
  return fraction > MIN_DEPOSIT ? fraction : MIN_DEPOSIT;
};
const slashIdOf = (leaseId: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [keccak256(toUtf8Bytes("CinderJobFraud")), leaseId]));
const subjectOf = (leaseId: bigint) => zeroPadValue(toBeHex(leaseId), 32);

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}

/**
 * DESIGN.md invariant 1 for the DisputeManager, exactly: its stablecoin = the deposits of undecided disputes + the
 * balances credited to `accounts`.
 */
async function expectSolvent(c: Cinder, accounts: HardhatEthersSigner[]) {
  let owed = 0n;
  for (let id = 1n; id <= (await c.jobMarket.leaseCount()); id++) {
    const d = await c.disputeManager.getDispute(id);
    if (d.status === DS.Open || d.status === DS.Abstained) owed += d.deposit;
  }
  for (const a of new Set(accounts)) owed += await c.disputeManager.balanceOf(a.address);
  expect(await c.stablecoin.balanceOf(await c.disputeManager.getAddress()), "manager holds exactly what it owes").to.equal(owed);
}

/**
 * providers[0] onboarded (4 H100s) with an offer; clients[0] leases 2 GPUs for 10 hours as a batch job, posts its
 * spec, and the provider submits its result `seconds` after the start (1 hour by default).
 */
async function withResult(opts: { seconds?: bigint; spec?: boolean } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  const client = c.clients[0];
  await onboardProvider(c, p, { gpus: 4 });
  await c.registry.connect(p).setOffer(H100, PRICE);
  await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, 10n * HOUR, PRICE, KIND.Batch);
  const id = await c.jobMarket.leaseCount();
  const start = (await c.jobMarket.getLease(id)).start;
  if (opts.spec !== false) await c.disputeManager.connect(client).postJobSpec(id, SPEC, "ipfs://spec");
  const resultAt = start + (opts.seconds ?? HOUR);
  await at(c, resultAt);
  await c.jobMarket.connect(p).submitResult(id, RESULT, "ipfs://result");
  const held = value(PRICE, 2n, resultAt - start);
  const funded = value(PRICE, 2n, 10n * HOUR);
  return { c, p, client, id, held, funded, resultAt, dm: c.disputeManager };
}

/** `withResult`, then the client disputes 100 seconds after the result. */
async function withDispute(opts: { seconds?: bigint } = {}) {
  const x = await withResult(opts);
  const openedAt = x.resultAt + 100n;
  await at(x.c, openedAt);
  await x.dm.connect(x.client).open(x.id);
  return {
    ...x,
    openedAt,
    deposit: depositOf(x.held),
    verdictDeadline: openedAt + VERDICT,
    arbitrationDeadline: openedAt + VERDICT + ARBITRATION,
  };
}

/** A verdict about `leaseId` signed by a quorum (3 of the local 4) of the current oracle set, and its id. */
async function signedVerdict(c: Cinder, leaseId: bigint, overrides: Partial<JobVerdict> = {}) {
  const verdict: JobVerdict = {
    configDigest: await c.oracleHub.configDigest(),
    leaseId,
    resultHash: RESULT,
    outcome: OUTCOME.ClientUpheld,
    toProvider: 0n,
    ...overrides,
  };
  const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
  const signatures = await signReport(c.oracleSigners.slice(0, 3), domain, "JobVerdict", { ...verdict });
  return { verdict, signatures, id: reportDigest(domain, "JobVerdict", { ...verdict }) };
}

describe("DisputeManager.postJobSpec", function () {
  it("records the client's spec before the result, once, and locks it once the result is in", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Batch);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Batch);
    const dm = c.disputeManager;
    await expect(dm.connect(client).postJobSpec(1n, SPEC, "ipfs://spec"))
      .to.emit(dm, "JobSpecPosted")
      .withArgs(1n, SPEC, "ipfs://spec");
    expect(await dm.jobSpecHash(1n)).to.equal(SPEC);
    await expect(dm.connect(client).postJobSpec(1n, ZeroHash.replace(/0$/, "1"), "again"))
      .to.be.revertedWithCustomError(dm, "DisputeManagerSpecLocked")
      .withArgs(1n);
    // Lease 2 gets its result first: its spec can no longer be posted.
    await c.jobMarket.connect(p).submitResult(2n, RESULT, "r");
    await expect(dm.connect(client).postJobSpec(2n, SPEC, "late"))
      .to.be.revertedWithCustomError(dm, "DisputeManagerSpecLocked")
      .withArgs(2n);
    expect(await dm.jobSpecHash(2n)).to.equal(ZeroHash);
  });

  it("reverts for another caller than the client, a zero hash and a lease that is not a batch job", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Batch);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Lease);
    const dm = c.disputeManager;
    for (const caller of [c.stranger, p]) {
      await expect(dm.connect(caller).postJobSpec(1n, SPEC, "x"))
        .to.be.revertedWithCustomError(dm, "DisputeManagerNotClient")
        .withArgs(1n, caller.address, client.address);
    }
    await expect(dm.connect(client).postJobSpec(9n, SPEC, "x"))
      .to.be.revertedWithCustomError(dm, "DisputeManagerNotClient")
      .withArgs(9n, client.address, ZeroAddress);
    await expect(dm.connect(client).postJobSpec(1n, ZeroHash, "x"))
      .to.be.revertedWithCustomError(dm, "DisputeManagerZeroSpecHash")
      .withArgs(1n);
    await expect(dm.connect(client).postJobSpec(2n, SPEC, "x"))
      .to.be.revertedWithCustomError(dm, "DisputeManagerNotBatch")
      .withArgs(2n);
  });
});

describe("DisputeManager.open", function () {
  it("takes the deposit, freezes the escrow in the market and records the dispute with its deadlines", async function () {
    const { c, p, client, id, held, resultAt, dm } = await withResult();
    const deposit = depositOf(held);
    expect(deposit, "5% of 5 USD is below the 10 USD floor").to.equal(MIN_DEPOSIT);
    expect(await dm.depositFor(id)).to.equal(deposit);
    const t = resultAt + CHALLENGE - 1n;
    await at(c, t);
    const tx = dm.connect(client).open(id);
    await expect(tx)
      .to.emit(dm, "DisputeOpened")
      .withArgs(id, client.address, p.address, RESULT, deposit, t + VERDICT, t + VERDICT + ARBITRATION);
    await expect(tx).to.emit(c.jobMarket, "ResultDisputed").withArgs(id, client.address);
    await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, [client, dm], [-deposit, deposit]);
    const d = await dm.getDispute(id);
    expect([d.client, d.openedAt, d.verdictDeadline, d.provider, d.arbitrationDeadline, d.deposit, d.status, d.outcome, d.resultHash]).to.deep.equal([
      client.address, t, t + VERDICT, p.address, t + VERDICT + ARBITRATION, deposit, DS.Open, 0n, RESULT,
    ]);
    expect((await c.jobMarket.getLease(id)).status).to.equal(LS.Disputed);
    await expectSolvent(c, [client, p]);
  });

  it("reverts for a non-client, a lease that is not a batch job, a second dispute, and with the market's errors", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const client = c.clients[0];
    const dm = c.disputeManager;
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Batch);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Lease);
    await expect(dm.connect(client).open(2n)).to.be.revertedWithCustomError(dm, "DisputeManagerNotBatch").withArgs(2n);
    await expect(dm.connect(client).open(1n)).to.be.revertedWithCustomError(c.jobMarket, "JobMarketNoResult").withArgs(1n);
    const t = (await now(c)) + 10n;
    await at(c, t);
    await c.jobMarket.connect(p).submitResult(1n, RESULT, "r");
    await expect(dm.connect(c.stranger).open(1n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerNotClient")
      .withArgs(1n, c.stranger.address, client.address);
    await at(c, t + CHALLENGE);
    await expect(dm.connect(client).open(1n))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketChallengeWindowClosed")
      .withArgs(1n, t + CHALLENGE);
    // A fresh result, disputed once.
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND.Batch);
    await c.jobMarket.connect(p).submitResult(3n, RESULT, "r");
    await dm.connect(client).open(3n);
    await expect(dm.connect(client).open(3n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerAlreadyDisputed")
      .withArgs(3n, DS.Open);
  });

  it("charges max(minDeposit, depositBps x escrow) with the fraction rounded up, at each boundary", async function () {
    // Result 3,601 s after the start: the escrow is 5,001,388 (rounded down from 5,001,388.9).
    const { c, client, id, held, dm } = await withResult({ seconds: HOUR + 1n });
    expect(held).to.equal(5_001_388n);
    const g = dm.connect(c.governance);
    // 1 bps: 500.1388 rounds up to 501.
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 1n, depositBps: 1n });
    expect(await dm.depositFor(id)).to.equal(501n);
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 501n, depositBps: 1n });
    expect(await dm.depositFor(id)).to.equal(501n);
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 502n, depositBps: 1n });
    expect(await dm.depositFor(id)).to.equal(502n);
    // 10,000 bps: the whole escrow; 0 bps: the floor alone.
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 1n, depositBps: 10_000n });
    expect(await dm.depositFor(id)).to.equal(held);
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 7n, depositBps: 0n });
    expect(await dm.depositFor(id)).to.equal(7n);
    // The escrow at which 5% reaches the 10 USD floor is 200 USD: 1 unit above it rounds up past the floor.
    await g.setParams(DEFAULT_PARAMS);
    expect(depositOf(200n * USD)).to.equal(MIN_DEPOSIT);
    expect(depositOf(200n * USD + 1n)).to.equal(MIN_DEPOSIT + 1n);
    expect(await dm.depositFor(id)).to.equal(MIN_DEPOSIT);
    // open takes exactly depositFor.
    await g.setParams({ ...DEFAULT_PARAMS, minDeposit: 1n, depositBps: 1n });
    await expect(dm.connect(client).open(id)).to.changeTokenBalances(c.ethers, c.stablecoin, [client, dm], [-501n, 501n]);
    expect((await dm.getDispute(id)).deposit).to.equal(501n);
  });
});

describe("DisputeManager.submitVerdict and resolve", function () {
  it("ProviderUpheld pays the provider the escrow (fee taken) and the client's deposit; nothing is slashed", async function () {
    const { c, p, client, id, held, funded, deposit, dm } = await withDispute();
    const v = await signedVerdict(c, id, { outcome: OUTCOME.ProviderUpheld, toProvider: held });
    const tx = dm.connect(c.stranger).submitVerdict(v.verdict, v.signatures);
    await expect(tx).to.emit(c.oracleHub, "JobVerdictAccepted");
    await expect(tx).to.emit(dm, "DisputeResolved").withArgs(id, OUTCOME.ProviderUpheld, v.id, held, 0n, ZeroHash);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(id, held, 0n);
    await expect(tx).to.emit(dm, "DepositCredited").withArgs(p.address, deposit);
    await expect(tx).to.not.emit(c.slashingManager, "SlashProposed");
    await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, p, client], [0n, 0n, 0n]);
    const d = await dm.getDispute(id);
    expect([d.status, d.outcome]).to.deep.equal([DS.Resolved, OUTCOME.ProviderUpheld]);
    expect(await dm.balanceOf(p.address)).to.equal(deposit);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(held - feeOf(held));
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(funded - held);
    expect((await c.jobMarket.getLease(id)).status).to.equal(LS.Closed);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
    await expectSolvent(c, [client, p]);
    const withdraw = dm.connect(p).withdraw();
    await expect(withdraw).to.emit(dm, "Withdrawn").withArgs(p.address, deposit);
    await expect(withdraw).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, p], [-deposit, deposit]);
    await expect(dm.connect(p).withdraw()).to.be.revertedWithCustomError(dm, "DisputeManagerNoBalance").withArgs(p.address);
    await expectSolvent(c, [client, p]);
  });

  it("caps the provider's part at what the market holds (the client gets the rest)", async function () {
    const { c, p, client, id, held, dm } = await withDispute();
    const v = await signedVerdict(c, id, { outcome: OUTCOME.ProviderUpheld, toProvider: held * 10n });
    await expect(dm.submitVerdict(v.verdict, v.signatures))
      .to.emit(dm, "DisputeResolved")
      .withArgs(id, OUTCOME.ProviderUpheld, v.id, held, 0n, ZeroHash);
    const partial = await withDispute();
    const half = partial.held / 2n;
    const w = await signedVerdict(partial.c, partial.id, { outcome: OUTCOME.ProviderUpheld, toProvider: half });
    await expect(partial.dm.submitVerdict(w.verdict, w.signatures))
      .to.emit(partial.c.jobMarket, "DisputeResolved")
      .withArgs(partial.id, half, partial.held - half);
    await expectSolvent(partial.c, [client, p]);
  });

  it("ClientUpheld refunds the client and its deposit and opens a job-fraud slash that executes after the veto window and jails", async function () {
    const { c, p, client, id, held, funded, deposit, dm } = await withDispute();
    const sm = c.slashingManager;
    const v = await signedVerdict(c, id, { outcome: OUTCOME.ClientUpheld, toProvider: 0n });
    const t = (await now(c)) + 50n;
    await at(c, t);
    const tx = dm.connect(c.stranger).submitVerdict(v.verdict, v.signatures);
    const slashId = slashIdOf(id);
    await expect(tx).to.emit(dm, "DisputeResolved").withArgs(id, OUTCOME.ClientUpheld, v.id, 0n, held, slashId);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(id, 0n, held);
    await expect(tx).to.emit(dm, "DepositCredited").withArgs(client.address, deposit);
    await expect(tx)
      .to.emit(sm, "SlashProposed")
      .withArgs(slashId, p.address, 6n, subjectOf(id), FRAUD, client.address, t + VETO);
    const proposal = await sm.getProposal(slashId);
    expect([proposal.provider, proposal.amount, proposal.reporter, proposal.kind]).to.deep.equal([p.address, FRAUD, client.address, 6n]);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(1n);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(funded);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(0n);
    expect(await dm.balanceOf(client.address)).to.equal(deposit);
    await expectSolvent(c, [client, p]);

    await at(c, t + VETO - 1n);
    await expect(sm.execute(slashId))
      .to.be.revertedWithCustomError(sm, "SlashingManagerVetoWindowOpen")
      .withArgs(slashId, t + VETO, t + VETO - 1n);
    const bounty = (FRAUD * BOUNTY_BPS) / 10_000n;
    await at(c, t + VETO);
    const exec = sm.connect(c.stranger).execute(slashId);
    await expect(exec).to.emit(sm, "SlashExecuted").withArgs(slashId, p.address, FRAUD, bounty, client.address, FRAUD - bounty, 0n);
    await expect(exec).to.emit(c.registry, "ProviderJailed");
    // The vault keeps the slashed CNDR (the burn is batched); the bounty is credited to the client, who claims it.
    await expect(exec).to.changeTokenBalances(c.ethers, c.token, [client, c.vault], [0n, 0n]);
    expect(await sm.bountyOf(client.address)).to.equal(bounty);
    await expect(sm.connect(client).claimBounty()).to.changeTokenBalances(c.ethers, c.token, [client, c.vault], [bounty, -bounty]);
    expect(await c.registry.statusOf(p.address)).to.equal(PROVIDER_JAILED);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
    await expect(dm.connect(client).withdraw()).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, client], [-deposit, deposit]);
    await expectSolvent(c, [client, p]);
  });

  it("resolve applies a verdict someone accepted at the hub directly; submitVerdict applies it without resubmitting", async function () {
    const { c, id, held, dm } = await withDispute();
    const v = await signedVerdict(c, id, { outcome: OUTCOME.ProviderUpheld, toProvider: held });
    await expect(dm.resolve(v.verdict)).to.be.revertedWithCustomError(dm, "DisputeManagerVerdictNotAccepted").withArgs(v.id);
    await c.oracleHub.connect(c.stranger).submitJobVerdict(v.verdict, v.signatures);
    await expect(dm.connect(c.stranger).resolve(v.verdict))
      .to.emit(dm, "DisputeResolved")
      .withArgs(id, OUTCOME.ProviderUpheld, v.id, held, 0n, ZeroHash);

    const y = await withDispute();
    const w = await signedVerdict(y.c, y.id, { outcome: OUTCOME.ClientUpheld });
    await y.c.oracleHub.submitJobVerdict(w.verdict, w.signatures);
    // No signatures needed any more: the hub accepted it already.
    const tx = y.dm.submitVerdict(w.verdict, []);
    await expect(tx).to.not.emit(y.c.oracleHub, "JobVerdictAccepted");
    await expect(tx).to.emit(y.dm, "DisputeResolved").withArgs(y.id, OUTCOME.ClientUpheld, w.id, 0n, y.held, slashIdOf(y.id));
  });

  it("reverts for a verdict about another result, an undisputed lease, a decided dispute, and after the arbitration deadline", async function () {
    const { c, id, dm, arbitrationDeadline } = await withDispute();
    const other = `0x${"0e".repeat(32)}`;
    const wrong = await signedVerdict(c, id, { resultHash: other });
    await expect(dm.submitVerdict(wrong.verdict, wrong.signatures))
      .to.be.revertedWithCustomError(dm, "DisputeManagerResultMismatch")
      .withArgs(id, RESULT, other);
    const none = await signedVerdict(c, id + 1n);
    await expect(dm.submitVerdict(none.verdict, none.signatures))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id + 1n, DS.None);
    const late = await signedVerdict(c, id, { outcome: OUTCOME.ProviderUpheld });
    await c.oracleHub.submitJobVerdict(late.verdict, late.signatures);
    await at(c, arbitrationDeadline);
    await expect(dm.resolve(late.verdict))
      .to.be.revertedWithCustomError(dm, "DisputeManagerArbitrationClosed")
      .withArgs(id, arbitrationDeadline, arbitrationDeadline);
    await dm.expire(id);
    await expect(dm.resolve(late.verdict))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id, DS.Expired);
  });
});

describe("DisputeManager abstention and arbitration", function () {
  it("an early abstention keeps the deadline and lets the arbitrator decide at once (ClientUpheld, split, slash)", async function () {
    const { c, p, client, id, held, deposit, dm, arbitrationDeadline, verdictDeadline } = await withDispute();
    const v = await signedVerdict(c, id, { outcome: OUTCOME.Abstained, toProvider: 123n });
    const tx = dm.submitVerdict(v.verdict, v.signatures);
    await expect(tx).to.emit(dm, "DisputeAbstained").withArgs(id, v.id, arbitrationDeadline);
    await expect(tx).to.not.emit(c.jobMarket, "DisputeResolved");
    const d = await dm.getDispute(id);
    expect([d.status, d.arbitrationDeadline]).to.deep.equal([DS.Abstained, arbitrationDeadline]);
    expect(await now(c)).to.be.lessThan(verdictDeadline);
    const toProvider = held / 4n;
    const decide = dm.connect(c.governance).arbitrate(id, Number(OUTCOME.ClientUpheld), toProvider);
    await expect(decide)
      .to.emit(dm, "DisputeResolved")
      .withArgs(id, OUTCOME.ClientUpheld, ZeroHash, toProvider, held - toProvider, slashIdOf(id));
    await expect(decide).to.emit(c.slashingManager, "SlashProposed");
    await expect(decide).to.emit(dm, "DepositCredited").withArgs(client.address, deposit);
    expect((await dm.getDispute(id)).outcome).to.equal(OUTCOME.ClientUpheld);
    await expectSolvent(c, [client, p]);
  });

  it("a late abstention extends the deadline to now + arbitrationWindow, once; a quorum decision still applies after it", async function () {
    const { c, id, held, dm, verdictDeadline, arbitrationDeadline } = await withDispute();
    const t = verdictDeadline + DAY;
    const v = await signedVerdict(c, id, { outcome: OUTCOME.Abstained });
    await at(c, t);
    await expect(dm.submitVerdict(v.verdict, v.signatures))
      .to.emit(dm, "DisputeAbstained")
      .withArgs(id, v.id, t + ARBITRATION);
    expect(t + ARBITRATION).to.be.greaterThan(arbitrationDeadline);
    expect((await dm.getDispute(id)).arbitrationDeadline).to.equal(t + ARBITRATION);
    const again = await signedVerdict(c, id, { outcome: OUTCOME.Abstained, toProvider: 1n });
    await expect(dm.submitVerdict(again.verdict, again.signatures))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id, DS.Abstained);
    const decided = await signedVerdict(c, id, { outcome: OUTCOME.ProviderUpheld, toProvider: held });
    await expect(dm.submitVerdict(decided.verdict, decided.signatures))
      .to.emit(dm, "DisputeResolved")
      .withArgs(id, OUTCOME.ProviderUpheld, decided.id, held, 0n, ZeroHash);
  });

  it("the arbitrator waits for the verdict deadline without an abstention, then decides (ProviderUpheld)", async function () {
    const { c, p, client, id, held, deposit, dm, verdictDeadline } = await withDispute();
    await at(c, verdictDeadline - 1n);
    await expect(dm.connect(c.governance).arbitrate(id, 1, held))
      .to.be.revertedWithCustomError(dm, "DisputeManagerArbitrationNotOpen")
      .withArgs(id, verdictDeadline, verdictDeadline - 1n);
    await at(c, verdictDeadline);
    const tx = dm.connect(c.governance).arbitrate(id, 1, held);
    await expect(tx).to.emit(dm, "DisputeResolved").withArgs(id, OUTCOME.ProviderUpheld, ZeroHash, held, 0n, ZeroHash);
    await expect(tx).to.emit(dm, "DepositCredited").withArgs(p.address, deposit);
    await expect(tx).to.not.emit(c.slashingManager, "SlashProposed");
    await expectSolvent(c, [client, p]);
  });

  it("refuses the arbitrator at exactly the arbitration deadline; one second before works", async function () {
    const early = await withDispute();
    await at(early.c, early.arbitrationDeadline - 1n);
    await expect(early.dm.connect(early.c.governance).arbitrate(early.id, 2, 0n))
      .to.emit(early.dm, "DisputeResolved")
      .withArgs(early.id, OUTCOME.ClientUpheld, ZeroHash, 0n, early.held, slashIdOf(early.id));

    const { c, id, dm, arbitrationDeadline } = await withDispute();
    await at(c, arbitrationDeadline);
    await expect(dm.connect(c.governance).arbitrate(id, 2, 0n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerArbitrationClosed")
      .withArgs(id, arbitrationDeadline, arbitrationDeadline);
  });

  it("reverts arbitrate for a stranger, an invalid outcome and a dispute that is not open", async function () {
    const { c, id, dm, verdictDeadline } = await withDispute();
    for (const caller of [c.stranger, c.guardian, c.clients[0], c.providers[0]]) {
      await expect(dm.connect(caller).arbitrate(id, 1, 0n))
        .to.be.revertedWithCustomError(dm, "AccessManagedUnauthorized")
        .withArgs(caller.address);
    }
    await at(c, verdictDeadline);
    for (const outcome of [0, 3, 4]) {
      await expect(dm.connect(c.governance).arbitrate(id, outcome, 0n))
        .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidOutcome")
        .withArgs(outcome);
    }
    await expect(dm.connect(c.governance).arbitrate(id + 1n, 1, 0n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id + 1n, DS.None);
    await dm.connect(c.governance).arbitrate(id, 1, 0n);
    await expect(dm.connect(c.governance).arbitrate(id, 2, 0n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id, DS.Resolved);
  });
});

describe("DisputeManager.expire", function () {
  it("after the arbitration deadline anyone lets the result stand: the provider gets the escrow and the deposit; nothing is slashed", async function () {
    const { c, p, client, id, held, funded, deposit, dm, arbitrationDeadline } = await withDispute();
    await at(c, arbitrationDeadline - 1n);
    await expect(dm.connect(c.stranger).expire(id))
      .to.be.revertedWithCustomError(dm, "DisputeManagerNotExpired")
      .withArgs(id, arbitrationDeadline, arbitrationDeadline - 1n);
    await at(c, arbitrationDeadline);
    const tx = dm.connect(c.stranger).expire(id);
    await expect(tx).to.emit(dm, "DisputeExpired").withArgs(id, held, deposit);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(id, held, 0n);
    await expect(tx).to.emit(dm, "DepositCredited").withArgs(p.address, deposit);
    await expect(tx).to.not.emit(c.slashingManager, "SlashProposed");
    await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, p, client, c.stranger], [0n, 0n, 0n, 0n]);
    const d = await dm.getDispute(id);
    expect([d.status, d.outcome]).to.deep.equal([DS.Expired, 0n]);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(funded - held);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(held - feeOf(held));
    expect(await dm.balanceOf(client.address)).to.equal(0n);
    expect(await dm.balanceOf(p.address)).to.equal(deposit);
    expect(await dm.balanceOf(c.stranger.address)).to.equal(0n);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
    await expectSolvent(c, [client, p]);
    await expect(dm.expire(id)).to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus").withArgs(id, DS.Expired);
    await expect(dm.connect(c.governance).arbitrate(id, 1, 0n))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(id, DS.Expired);
    await expect(dm.connect(client).open(id))
      .to.be.revertedWithCustomError(dm, "DisputeManagerAlreadyDisputed")
      .withArgs(id, DS.Expired);
    await expect(dm.expire(id + 1n)).to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus").withArgs(id + 1n, DS.None);
  });

  it("expires an abstained dispute at its extended deadline", async function () {
    const { c, id, held, dm, verdictDeadline } = await withDispute();
    const t = verdictDeadline + 10n;
    const v = await signedVerdict(c, id, { outcome: OUTCOME.Abstained });
    await at(c, t);
    await dm.submitVerdict(v.verdict, v.signatures);
    await at(c, t + ARBITRATION - 1n);
    await expect(dm.expire(id))
      .to.be.revertedWithCustomError(dm, "DisputeManagerNotExpired")
      .withArgs(id, t + ARBITRATION, t + ARBITRATION - 1n);
    await at(c, t + ARBITRATION);
    await expect(dm.expire(id)).to.emit(dm, "DisputeExpired").withArgs(id, held, depositOf(held));
  });
});

describe("DisputeManager governance", function () {
  it("sets parameters within hard bounds and rejects the rest with the failing value", async function () {
    const c = await loadCinder();
    const dm = c.disputeManager.connect(c.governance);
    const bound = "DisputeManagerParameterOutOfBounds";
    const changed = { ...DEFAULT_PARAMS, minDeposit: 5n * USD, depositBps: 1_000n };
    await expect(dm.setParams(changed)).to.emit(dm, "ParamsSet");
    const p = await dm.params();
    expect([p.minDeposit, p.depositBps, p.verdictWindow, p.arbitrationWindow]).to.deep.equal([5n * USD, 1_000n, VERDICT, ARBITRATION]);
    const bad: [Partial<typeof DEFAULT_PARAMS>, string, bigint, bigint, bigint][] = [
      [{ minDeposit: 0n }, "minDeposit", 0n, 1n, 10n ** 24n],
      [{ minDeposit: 10n ** 24n + 1n }, "minDeposit", 10n ** 24n + 1n, 1n, 10n ** 24n],
      [{ depositBps: 10_001n }, "depositBps", 10_001n, 0n, 10_000n],
      [{ verdictWindow: HOUR - 1n }, "verdictWindow", HOUR - 1n, HOUR, 14n * DAY],
      [{ verdictWindow: 14n * DAY + 1n }, "verdictWindow", 14n * DAY + 1n, HOUR, 14n * DAY],
      [{ arbitrationWindow: HOUR - 1n }, "arbitrationWindow", HOUR - 1n, HOUR, 14n * DAY],
      [{ arbitrationWindow: 14n * DAY + 1n }, "arbitrationWindow", 14n * DAY + 1n, HOUR, 14n * DAY],
    ];
    for (const [change, name, v, min, max] of bad) {
      await expect(dm.setParams({ ...DEFAULT_PARAMS, ...change }), name).to.be.revertedWithCustomError(dm, bound).withArgs(name, v, min, max);
    }
    await expect(c.disputeManager.connect(c.stranger).setParams(DEFAULT_PARAMS))
      .to.be.revertedWithCustomError(dm, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
  });

  it("keeps the vault's exposure tail at least challenge + verdict + 2 x arbitration + veto windows", async function () {
    const c = await loadCinder();
    const dm = c.disputeManager.connect(c.governance);
    expect(await dm.disputeSpan()).to.equal(CHALLENGE + VERDICT + 2n * ARBITRATION + VETO);
    // Tail 12 days: 1 + v + 2 x 3 + 2 <= 12 needs v <= 3 days.
    await expect(dm.setParams({ ...DEFAULT_PARAMS, verdictWindow: 3n * DAY + 1n }))
      .to.be.revertedWithCustomError(dm, "DisputeManagerExposureTailTooShort")
      .withArgs(12n * DAY, 12n * DAY + 1n);
    await expect(dm.setParams({ ...DEFAULT_PARAMS, verdictWindow: 3n * DAY })).to.emit(dm, "ParamsSet");
    // The arbitration window counts twice (an abstention just before the deadline extends it by one window).
    await expect(dm.setParams({ ...DEFAULT_PARAMS, arbitrationWindow: 3n * DAY + 12n * HOUR + 1n }))
      .to.be.revertedWithCustomError(dm, "DisputeManagerExposureTailTooShort")
      .withArgs(12n * DAY, 12n * DAY + 2n);
    await expect(dm.setParams({ ...DEFAULT_PARAMS, arbitrationWindow: 3n * DAY + 12n * HOUR })).to.emit(dm, "ParamsSet");
    // The bound reads the others now: a longer veto window leaves less room.
    await dm.setParams(DEFAULT_PARAMS);
    await c.slashingManager.connect(c.governance).setParams({
      vetoWindow: 3n * DAY,
      rateWindow: DAY,
      jailCooldown: 7n * DAY,
      bountyBps: BOUNTY_BPS,
      maxPerEvent: 10_000n * 10n ** 18n,
      maxPerWindow: 50_000n * 10n ** 18n,
    });
    await expect(dm.setParams({ ...DEFAULT_PARAMS, verdictWindow: VERDICT + 1n }))
      .to.be.revertedWithCustomError(dm, "DisputeManagerExposureTailTooShort")
      .withArgs(12n * DAY, CHALLENGE + VERDICT + 1n + 2n * ARBITRATION + 3n * DAY);
  });

  it("the constructor rejects zero addresses and out-of-bounds parameters", async function () {
    const c = await loadCinder();
    const factory = new DisputeManager__factory(c.deployer);
    const contracts = {
      asset: await c.stablecoin.getAddress(),
      jobMarket: await c.jobMarket.getAddress(),
      oracleHub: await c.oracleHub.getAddress(),
      slashingManager: await c.slashingManager.getAddress(),
      vault: await c.vault.getAddress(),
    };
    const manager = await c.manager.getAddress();
    for (const name of Object.keys(contracts) as (keyof typeof contracts)[]) {
      await expect(factory.deploy(manager, { ...contracts, [name]: ZeroAddress }, DEFAULT_PARAMS))
        .to.be.revertedWithCustomError(factory, "DisputeManagerZeroAddress")
        .withArgs(name);
    }
    await expect(factory.deploy(manager, contracts, { ...DEFAULT_PARAMS, depositBps: 10_001n }))
      .to.be.revertedWithCustomError(factory, "DisputeManagerParameterOutOfBounds")
      .withArgs("depositBps", 10_001n, 0n, 10_000n);
    const deployed = await factory.deploy(manager, contracts, DEFAULT_PARAMS);
    expect(await deployed.ASSET()).to.equal(contracts.asset);
  });
});

describe("SlashingManager.onDisputeLost", function () {
  it("is the wired DisputeManager's only, and checks the lease's provider", async function () {
    const { c, p, client, id } = await withResult();
    const sm = c.slashingManager;
    for (const caller of [c.stranger, c.governance, client]) {
      await expect(sm.connect(caller).onDisputeLost(p.address, id, client.address))
        .to.be.revertedWithCustomError(sm, "SlashingManagerNotDisputeManager")
        .withArgs(caller.address);
    }
    const other = c.providers[1];
    await expect(sm.connect(c.disputeResolver).onDisputeLost(other.address, id, client.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerSubjectMismatch")
      .withArgs(subjectOf(id), other.address, p.address);
    expect(await sm.faultAmount(p.address, 6, subjectOf(id))).to.equal(FRAUD);
    const t = (await now(c)) + 5n;
    await at(c, t);
    await expect(sm.connect(c.disputeResolver).onDisputeLost(p.address, id, client.address))
      .to.emit(sm, "SlashProposed")
      .withArgs(slashIdOf(id), p.address, 6n, subjectOf(id), FRAUD, client.address, t + VETO);
    await expect(sm.connect(c.disputeResolver).onDisputeLost(p.address, id, client.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerAlreadyProposed")
      .withArgs(slashIdOf(id), 1n);
  });
});
