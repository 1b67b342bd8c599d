/**
 * DisputeManager: a job dispute from the client's spec to the verdict, every revert by its custom error and arguments.
 * - the client's spec (before the result, once), the dispute with its deposit (max(minDeposit, depositBps x escrow),
 *   rounded up), which freezes the escrow in the JobMarket;
 * - a quorum verdict (submitted here or at the hub): ProviderUpheld pays the provider the escrow (fee taken) and the
 *   deposit; ClientUpheld refunds the client, returns its deposit and opens a job-fraud slash (kind 6) that executes
 *   after the veto window, jails the provider and pays the client the bounty.
 * The manager's stablecoin equals the open disputes' deposits plus the credited balances after every step.
 */
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { H100, onboardProvider, USD } from "../../helpers/fixture.js";
import { OUTCOME } from "../../helpers/oracle.js";
import { ARBITRATION, at, BOUNTY_BPS, CHALLENGE, DEFAULT_PARAMS, depositOf, DS, expectSolvent, feeOf, FRAUD, HOUR, KIND, loadCinder, LS, MIN_DEPOSIT, now, PRICE, PROVIDER_JAILED, RESULT, signedVerdict, slashIdOf, SPEC, subjectOf, VERDICT, VETO, withDispute, withResult } from "./fixture.js";

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
