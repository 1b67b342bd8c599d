/**
 * Dispute PoCs (DESIGN.md "SlashingManager (and disputes)", "Reporters and self-slashing"):
 * (a) a verdict about another lease or another result never decides this dispute;
 * (b) a verdict applies once: replaying it, or its signatures on another lease, is refused;
 * (c) a verdict signed by an old oracle set or for another hub is refused;
 * (d) a griefing client cannot freeze the provider forever: after the arbitration deadline anyone expires the
 *     dispute, the lease closes, the stake is not held and the result cannot be disputed again;
 * (e) a provider disputing its own job as a sybil client (and the quorum finding the fraud) loses more self-stake
 *     than the bounty pays back, even with delegation at the cap and the highest bounty governance may set;
 * (f) reentrancy through a deposit token with transfer hooks into open and withdraw is refused, and the deposit is
 *     paid out exactly once;
 * (g) Medium 3, an expired dispute as a free option: a client who disputes a valid result and waits out a silent
 *     quorum and an absent arbitrator gets neither the job's escrow nor its deposit back (the result stands, the
 *     provider is paid and credited the deposit), while a client whose claim the quorum upholds still gets both.
 * Each fails on the naive code: a manager that trusted the verdict's lease or result without checking it against
 * the dispute, that kept no status, that accepted unaccepted verdicts, without an expiry, with a bounty >= 1/(1+m),
 * that paid before zeroing the balance without a guard, or whose expiry refunded the client.
 */
import { expect } from "chai";
import { verifyTypedData } from "ethers";
import { DisputeManager__factory, HookStablecoin__factory } from "../../types/ethers-contracts/index.js";
import { connectCinder, H100, H100_STAKE_PER_GPU, ONE, onboardProvider, USD, type Cinder } from "../helpers/fixture.js";
import { OUTCOME, ORACLE_TYPES, type JobVerdict, oracleDomain, reportDigest, signReport } from "../helpers/oracle.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const PRICE = 2_500_000n;
const VERDICT = 2n * DAY;
const ARBITRATION = 3n * DAY;
const VETO = 2n * DAY;
const KIND_BATCH = 1;
const DS = { None: 0n, Open: 1n, Abstained: 2n, Resolved: 3n, Expired: 4n } as const;
const LS_CLOSED = 3n;
const RESULT_A = `0x${"a1".repeat(32)}`;
const RESULT_B = `0x${"b2".repeat(32)}`;
const PARAMS = { minDeposit: 10n * USD, depositBps: 500n, verdictWindow: VERDICT, arbitrationWindow: ARBITRATION };

async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
async function domainOf(c: Cinder, hub?: string) {
  return { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: hub ?? (await c.oracleHub.getAddress()) };
}

async function sign(c: Cinder, v: JobVerdict, opts: { signers?: typeof c.oracleSigners; hub?: string } = {}) {
  const signers = opts.signers ?? c.oracleSigners.slice(0, 3);
  return signReport(signers, await domainOf(c, opts.hub), "JobVerdict", { ...v });
}

/** Who the hub recovers from `signature` over `v` in its own domain. */
async function recovered(c: Cinder, v: JobVerdict, signature: string): Promise<string> {
  return verifyTypedData(oracleDomain(await domainOf(c)), { JobVerdict: [...ORACLE_TYPES.JobVerdict] }, { ...v }, signature);
}

/** providers[0] with an offer; a batch job per result in `results`, each with its result in and disputed. */
async function disputed(results: string[]) {
  const c = await loadCinder();
  const p = c.providers[0];
  const client = c.clients[0];
  await onboardProvider(c, p, { gpus: 4 });
  await c.registry.connect(p).setOffer(H100, PRICE);
  const ids: bigint[] = [];
  for (const result of results) {
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND_BATCH);
    const id = await c.jobMarket.leaseCount();
    await c.jobMarket.connect(p).submitResult(id, result, "r");
    await c.disputeManager.connect(client).open(id);
    ids.push(id);
  }
  return { c, p, client, ids, dm: c.disputeManager };
}

async function verdictOf(c: Cinder, leaseId: bigint, resultHash: string, overrides: Partial<JobVerdict> = {}): Promise<JobVerdict> {
  return { configDigest: await c.oracleHub.configDigest(), leaseId, resultHash, outcome: OUTCOME.ClientUpheld, toProvider: 0n, ...overrides };
}

describe("DisputeManager attack: a verdict about another lease or result", function () {
  it("decides only the lease it names, and only for the result that lease disputes", async function () {
    const { c, ids, dm } = await disputed([RESULT_A, RESULT_B]);
    const [a, b] = ids;
    // The quorum's verdict on lease A, relabelled for lease B (same result), is another report: not signed.
    const onA = await verdictOf(c, a, RESULT_A);
    const sigsA = await sign(c, onA);
    const relabelled = { ...onA, leaseId: b };
    await expect(dm.submitVerdict(relabelled, sigsA))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(await recovered(c, relabelled, sigsA[0]));
    // A quorum-signed verdict naming lease B but lease A's result is refused: B disputes another result.
    const wrongResult = await verdictOf(c, b, RESULT_A);
    await expect(dm.submitVerdict(wrongResult, await sign(c, wrongResult)))
      .to.be.revertedWithCustomError(dm, "DisputeManagerResultMismatch")
      .withArgs(b, RESULT_B, RESULT_A);
    // The verdict on A decides A and leaves B open.
    await dm.submitVerdict(onA, sigsA);
    expect((await dm.getDispute(a)).status).to.equal(DS.Resolved);
    expect((await dm.getDispute(b)).status).to.equal(DS.Open);
    expect((await c.jobMarket.getLease(b)).status).to.equal(2n);
  });
});

describe("DisputeManager attack: verdict replay", function () {
  it("applies a verdict once: resolve and submitVerdict of the same verdict are refused afterwards", async function () {
    const { c, client, ids, dm } = await disputed([RESULT_A]);
    const [a] = ids;
    const v = await verdictOf(c, a, RESULT_A);
    const sigs = await sign(c, v);
    await dm.submitVerdict(v, sigs);
    const deposit = await dm.balanceOf(client.address);
    await expect(dm.resolve(v)).to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus").withArgs(a, DS.Resolved);
    await expect(dm.submitVerdict(v, sigs)).to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus").withArgs(a, DS.Resolved);
    await expect(c.oracleHub.submitJobVerdict(v, sigs))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubReportAlreadyAccepted")
      .withArgs(reportDigest(await domainOf(c), "JobVerdict", { ...v }));
    // Nothing moved twice: one deposit credited, one slash proposed.
    expect(await dm.balanceOf(client.address)).to.equal(deposit);
    expect((await c.vault.getPool(c.providers[0].address)).slashHolds).to.equal(1n);
  });
});

describe("DisputeManager attack: signatures of an old oracle set or another hub", function () {
  it("refuses a verdict signed under a replaced set, by members of the old set, or for another hub", async function () {
    const { c, ids, dm } = await disputed([RESULT_A]);
    const [a] = ids;
    const oldDigest = await c.oracleHub.configDigest();
    const old = await verdictOf(c, a, RESULT_A);
    const oldSigs = await sign(c, old);
    // Governance replaces oracleSigners[0] by a new node; after the set-change delay the old digest is dead.
    const newcomer = (await c.ethers.getSigners())[19];
    const newSet = [newcomer, ...c.oracleSigners.slice(1)];
    await c.oracleHub.connect(c.governance).proposeOracleSet(newSet.map((s) => s.address));
    await c.networkHelpers.time.increase(await c.oracleHub.SET_CHANGE_DELAY());
    await c.oracleHub.applyOracleSet();
    const newDigest = await c.oracleHub.configDigest();
    expect(newDigest).to.not.equal(oldDigest);
    await expect(dm.submitVerdict(old, oldSigs))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubConfigDigestMismatch")
      .withArgs(oldDigest, newDigest);
    // The new digest, but signed by the removed member among the quorum.
    const current = await verdictOf(c, a, RESULT_A);
    await expect(dm.submitVerdict(current, await sign(c, current, { signers: c.oracleSigners.slice(0, 3) })))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(c.oracleSigners[0].address);
    // Signed by the current set, but for another hub's domain.
    const elsewhere = await sign(c, current, { signers: newSet.slice(0, 3), hub: await c.jobMarket.getAddress() });
    await expect(dm.submitVerdict(current, elsewhere))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(await recovered(c, current, elsewhere[0]));
    expect((await dm.getDispute(a)).status).to.equal(DS.Open);
    // The current set's quorum decides it.
    await expect(dm.submitVerdict(current, await sign(c, current, { signers: newSet.slice(0, 3) }))).to.emit(dm, "DisputeResolved");
  });
});

describe("DisputeManager attack: a griefing client", function () {
  it("cannot freeze the provider forever: anyone expires the dispute, the stake is free and the result cannot be disputed again", async function () {
    const { c, p, client, ids, dm } = await disputed([RESULT_A]);
    const [a] = ids;
    const d = await dm.getDispute(a);
    // Nobody signs and the arbitrator stays idle; the bound is fixed at opening.
    expect(d.arbitrationDeadline).to.equal(d.openedAt + VERDICT + ARBITRATION);
    await at(c, d.arbitrationDeadline);
    await expect(dm.connect(c.stranger).expire(a)).to.emit(dm, "DisputeExpired");
    expect((await c.jobMarket.getLease(a)).status).to.equal(LS_CLOSED);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
    expect(await c.registry.statusOf(p.address)).to.equal(1n);
    await expect(dm.connect(client).open(a)).to.be.revertedWithCustomError(dm, "DisputeManagerAlreadyDisputed").withArgs(a, DS.Expired);
    // The provider's capacity is free for new work.
    await expect(c.jobMarket.connect(c.clients[1]).createDirectLease(p.address, H100, 4, 10n * HOUR, PRICE, KIND_BATCH)).to.emit(
      c.jobMarket,
      "LeaseCreated",
    );
  });

  it("cannot extend the freeze with repeated abstentions: only the first one counts", async function () {
    const { c, ids, dm } = await disputed([RESULT_A]);
    const [a] = ids;
    const d = await dm.getDispute(a);
    const first = await verdictOf(c, a, RESULT_A, { outcome: OUTCOME.Abstained });
    await at(c, d.arbitrationDeadline - 1n);
    await dm.submitVerdict(first, await sign(c, first));
    const extended = d.arbitrationDeadline - 1n + ARBITRATION;
    expect((await dm.getDispute(a)).arbitrationDeadline).to.equal(extended);
    const second = await verdictOf(c, a, RESULT_A, { outcome: OUTCOME.Abstained, toProvider: 1n });
    await expect(dm.submitVerdict(second, await sign(c, second)))
      .to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus")
      .withArgs(a, DS.Abstained);
    // The longest freeze stays within the span the unbonding period outlasts.
    const opened = (await dm.getDispute(a)).openedAt;
    expect(extended - opened).to.be.at.most(VERDICT + 2n * ARBITRATION);
    await at(c, extended);
    await expect(dm.expire(a)).to.emit(dm, "DisputeExpired");
  });
});

describe("DisputeManager attack: a provider disputing its own job as a sybil client", function () {
  it("loses more self-stake than the bounty pays, with delegation at the cap and the highest bounty", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    const sybil = c.clients[2]; // an address the provider controls: not its payout, not an oracle member
    const SELF = 40n * ONE;
    await onboardProvider(c, p, { gpus: 1, stake: SELF });
    await c.vault.connect(c.delegators[0]).delegate(p.address, await c.vault.delegationRoom(p.address));
    await c.registry.connect(p).setOffer(H100, PRICE);
    const q = await c.slashingManager.params();
    await c.slashingManager.connect(c.governance).setParams({
      vetoWindow: q.vetoWindow,
      rateWindow: q.rateWindow,
      jailCooldown: q.jailCooldown,
      bountyBps: 1_666n,
      maxPerEvent: q.maxPerEvent,
      maxPerWindow: q.maxPerWindow,
    });
    const usdBefore = (await c.stablecoin.balanceOf(sybil.address)) + (await c.stablecoin.balanceOf(p.address));
    await c.jobMarket.connect(sybil).createDirectLease(p.address, H100, 1, 10n * HOUR, PRICE, KIND_BATCH);
    const id = await c.jobMarket.leaseCount();
    await c.jobMarket.connect(p).submitResult(id, RESULT_A, "a deliberately wrong result");
    await c.disputeManager.connect(sybil).open(id);
    const v = await verdictOf(c, id, RESULT_A);
    await c.disputeManager.submitVerdict(v, await sign(c, v));
    await c.networkHelpers.time.increase(VETO);
    const selfBefore = (await c.vault.getPool(p.address)).selfActive;
    const cndrBefore = await c.token.balanceOf(sybil.address);
    const proposal = (await c.slashingManager.queryFilter(c.slashingManager.filters.SlashProposed()))[0];
    await c.slashingManager.execute(proposal.args.id);
    await c.slashingManager.connect(sybil).claimBounty();
    const selfLoss = selfBefore - (await c.vault.getPool(p.address)).selfActive;
    const gain = (await c.token.balanceOf(sybil.address)) - cndrBefore;
    // The whole per-GPU stake (200 CNDR) is slashed: the provider's 40 go first; the bounty is 1,666 bps of 200.
    expect(selfLoss).to.equal(SELF);
    expect(gain).to.equal((H100_STAKE_PER_GPU * 1_666n) / 10_000n);
    expect(gain).to.be.lessThan(selfLoss);
    expect(await c.registry.statusOf(p.address)).to.equal(2n);
    // In the stablecoin the pair only gets its own money back (escrow refund and deposit), nothing more.
    await c.disputeManager.connect(sybil).withdraw();
    await c.jobMarket.connect(sybil).withdrawBalance();
    const usdAfter = (await c.stablecoin.balanceOf(sybil.address)) + (await c.stablecoin.balanceOf(p.address));
    expect(usdAfter).to.equal(usdBefore);
  });
});

/** Points the registry's one-time DisputeManager wiring at `dm` (test only: no function can rewire it). */
async function rewireDisputeManager(c: Awaited<ReturnType<typeof loadCinder>>, dm: string) {
  const market = await c.registry.getAddress();
  const wired = c.ethers.zeroPadValue((await c.registry.disputeManager()).toLowerCase(), 32);
  for (let slot = 0; slot < 64; slot++) {
    if ((await c.ethers.provider.getStorage(market, slot)) === wired) {
      await c.networkHelpers.setStorageAt(market, slot, c.ethers.zeroPadValue(dm, 32));
      expect(await c.registry.disputeManager()).to.equal(dm);
      return;
    }
  }
  throw new Error("the registry's DisputeManager slot was not found");
}

describe("DisputeManager attack: reentrancy through a deposit token with transfer hooks", function () {
  /**
   * A DisputeManager whose deposit asset is HookStablecoin, wired to the fixture's market, hub, SlashingManager and
   * vault, and made the market's wired DisputeManager in place of the fixture's (its storage slot rewritten, as a
   * deployment with this asset would wire it). The token contract is also the attacker: the client of a batch job.
   */
  async function hooked() {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p, { gpus: 4 });
    await c.registry.connect(p).setOffer(H100, PRICE);
    const hook = await new HookStablecoin__factory(c.deployer).deploy();
    const hookAddress = await hook.getAddress();
    const dm = await new DisputeManager__factory(c.deployer).deploy(
      await c.manager.getAddress(),
      {
        asset: hookAddress,
        jobMarket: await c.jobMarket.getAddress(),
        oracleHub: await c.oracleHub.getAddress(),
        slashingManager: await c.slashingManager.getAddress(),
        vault: await c.vault.getAddress(),
      },
      PARAMS,
    );
    const dmAddress = await dm.getAddress();
    const market = await c.jobMarket.getAddress();
    await rewireDisputeManager(c, dmAddress);
    await c.stablecoin.faucet(hookAddress, 1_000n * USD);
    await hook.execute(await c.stablecoin.getAddress(), c.stablecoin.interface.encodeFunctionData("approve", [market, 2n ** 256n - 1n]));
    await hook.execute(market, c.jobMarket.interface.encodeFunctionData("createDirectLease", [p.address, H100, 1, 10n * HOUR, PRICE, KIND_BATCH]));
    const id = await c.jobMarket.leaseCount();
    await c.jobMarket.connect(p).submitResult(id, RESULT_A, "r");
    await hook.faucet(hookAddress, 100n * USD);
    await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [dmAddress, 2n ** 256n - 1n]));
    const asAttacker = (fn: "open" | "withdraw", args: unknown[] = []) =>
      hook.execute(dmAddress, dm.interface.encodeFunctionData(fn as never, args as never));
    const arm = async (onlyTo: string, fn: "open" | "withdraw" | "expire", args: unknown[] = []) =>
      hook.setHook(dmAddress, onlyTo, dm.interface.encodeFunctionData(fn as never, args as never));
    const disarm = () => hook.setHook("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", "0x");
    return { c, p, hook, hookAddress, dm, dmAddress, id, asAttacker, arm, disarm };
  }

  it("re-entering withdraw from the deposit's transferFrom in open reverts with ReentrancyGuardReentrantCall", async function () {
    const { c, hook, hookAddress, dm, dmAddress, id, asAttacker, arm, disarm } = await hooked();
    await arm(dmAddress, "withdraw");
    await expect(asAttacker("open", [id])).to.be.revertedWithCustomError(dm, "ReentrancyGuardReentrantCall");
    expect((await dm.getDispute(id)).status).to.equal(DS.None);
    expect(await hook.balanceOf(dmAddress)).to.equal(0n);
    await disarm();
    await asAttacker("open", [id]);
    expect(await hook.balanceOf(dmAddress)).to.equal(10n * USD);
    expect((await c.jobMarket.getLease(id)).status).to.equal(2n);
    expect(await dm.balanceOf(hookAddress)).to.equal(0n);
  });

  it("re-entering withdraw from its own payout reverts, and the deposit is paid exactly once", async function () {
    const { c, hook, hookAddress, dm, dmAddress, id, asAttacker, arm, disarm } = await hooked();
    await asAttacker("open", [id]);
    // The quorum upholds the client: its deposit is credited back (an expiry would credit it to the provider).
    const v = await verdictOf(c, id, RESULT_A);
    await dm.submitVerdict(v, await sign(c, v));
    expect(await dm.balanceOf(hookAddress)).to.equal(10n * USD);
    await arm(hookAddress, "withdraw");
    await expect(asAttacker("withdraw")).to.be.revertedWithCustomError(dm, "ReentrancyGuardReentrantCall");
    expect(await dm.balanceOf(hookAddress)).to.equal(10n * USD);
    // Re-entering another entry point (expire of the same lease) from the payout is refused the same way.
    await arm(hookAddress, "expire", [id]);
    await expect(asAttacker("withdraw")).to.be.revertedWithCustomError(dm, "ReentrancyGuardReentrantCall");
    await disarm();
    const before = await hook.balanceOf(hookAddress);
    await asAttacker("withdraw");
    expect((await hook.balanceOf(hookAddress)) - before).to.equal(10n * USD);
    expect(await hook.balanceOf(dmAddress)).to.equal(0n);
    await expect(asAttacker("withdraw")).to.be.revertedWithCustomError(dm, "DisputeManagerNoBalance").withArgs(hookAddress);
    expect((await dm.getDispute(id)).status).to.equal(DS.Resolved);
  });
});

describe("DisputeManager attack: an expired dispute as a free option (Medium 3)", function () {
  const feeOf = (gross: bigint) => (gross * 100n + 9_999n) / 10_000n;

  it("a client disputing a valid result while nobody answers gets neither the job nor its deposit back", async function () {
    const { c, p, client, ids, dm } = await disputed([RESULT_A]);
    const [a] = ids;
    const d = await dm.getDispute(a);
    const lease = await c.jobMarket.getLease(a);
    const held = lease.pricePerGpuHour * lease.gpuCount * (lease.end - lease.start) / HOUR - lease.released;
    const clientBefore = await c.jobMarket.balanceOf(client.address);
    // The quorum stays silent and the arbitrator misses its deadline; the client (or anyone) expires the dispute.
    await at(c, d.arbitrationDeadline);
    const tx = dm.connect(client).expire(a);
    await expect(tx).to.emit(dm, "DisputeExpired").withArgs(a, held, d.deposit);
    await expect(tx).to.emit(c.jobMarket, "DisputeResolved").withArgs(a, held, 0n);
    await expect(tx).to.emit(dm, "DepositCredited").withArgs(p.address, d.deposit);
    await expect(tx).to.not.emit(c.slashingManager, "SlashProposed");
    // Nothing comes back to the client: no escrow refund, no deposit.
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(clientBefore);
    expect(await dm.balanceOf(client.address)).to.equal(0n);
    await expect(dm.connect(client).withdraw()).to.be.revertedWithCustomError(dm, "DisputeManagerNoBalance").withArgs(client.address);
    // The provider is paid as if the result had not been disputed, and compensated with the deposit.
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(held - feeOf(held));
    const withdraw = dm.connect(p).withdraw();
    await expect(withdraw).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, p], [-d.deposit, d.deposit]);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(0n);
  });

  it("a client whose claim the quorum upholds before the deadline still gets the escrow and its deposit back", async function () {
    const { c, p, client, ids, dm } = await disputed([RESULT_B]);
    const [b] = ids;
    const d = await dm.getDispute(b);
    const lease = await c.jobMarket.getLease(b);
    const held = lease.pricePerGpuHour * lease.gpuCount * (lease.end - lease.start) / HOUR - lease.released;
    const clientBefore = await c.jobMarket.balanceOf(client.address);
    const v = await verdictOf(c, b, RESULT_B);
    await at(c, d.arbitrationDeadline - 1n);
    await expect(dm.submitVerdict(v, await sign(c, v))).to.emit(dm, "DepositCredited").withArgs(client.address, d.deposit);
    expect(await c.jobMarket.balanceOf(client.address)).to.equal(clientBefore + held);
    expect(await c.jobMarket.balanceOf(p.address)).to.equal(0n);
    await expect(dm.connect(client).withdraw()).to.changeTokenBalances(c.ethers, c.stablecoin, [dm, client], [-d.deposit, d.deposit]);
    await expect(dm.expire(b)).to.be.revertedWithCustomError(dm, "DisputeManagerInvalidStatus").withArgs(b, DS.Resolved);
  });
});
