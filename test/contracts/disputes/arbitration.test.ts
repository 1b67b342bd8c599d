/**
 * DisputeManager after the oracle: an abstention hands the dispute to the arbitrator (deadline = max(existing, now +
 * arbitrationWindow)); so does the end of the verdict window; the arbitrator is refused at the arbitration deadline
 * and accepted one second before; after it anyone expires the dispute (the result stands: the provider is paid and
 * gets the deposit, no slash). Governance bounds, including exposure tail >= challenge + verdict + 2 x arbitration +
 * veto windows, and the SlashingManager's `onDisputeLost` hook.
 */
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { DisputeManager__factory } from "../../../types/ethers-contracts/index.js";
import { USD } from "../../helpers/fixture.js";
import { OUTCOME } from "../../helpers/oracle.js";
import { ARBITRATION, at, BOUNTY_BPS, CHALLENGE, DAY, DEFAULT_PARAMS, depositOf, DS, expectSolvent, feeOf, FRAUD, HOUR, loadCinder, now, signedVerdict, slashIdOf, subjectOf, value, VERDICT, VETO, withDispute, withResult } from "./fixture.js";

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
