/**
 * SlaBondManager: bonds (deposit, withdraw of the free part only, the award's lock), SLA settlement with Merkle
 * proofs of OracleHub uptime leaves (credit tiers exactly at and one second under each threshold, silent epochs,
 * a leaf used twice, settling in parts), the exit penalty, unsettled release, repeated breaches, every revert by
 * its custom error, and bond solvency (DESIGN.md invariants 1 and 2) over a fixed-seed random sequence.
 */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { AbiCoder, keccak256, toBeHex, toUtf8Bytes, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { SLA_TIER, SLA_TIERS } from "../deploy/config.js";
import { buildTree, type Leaf, type LeafTree } from "../src/protocol/leaves.js";
import { connectCinder, H100, H100_STAKE_PER_GPU, onboardProvider, PROVIDER_BOND, USD, type Cinder } from "./helpers/fixture.js";
import { signReport } from "./helpers/oracle.js";

const { connection, loadCinder } = await connectCinder();

const EPOCH = 3_600n;
const LATE = 24n;
const HOUR = 3_600n;
const PRICE = 2n * USD;
const KIND = { Lease: 0, Batch: 1 } as const;
const STATUS_FAILED = 3n;

const value = (gpus: bigint, seconds: bigint, price = PRICE) => (price * gpus * seconds) / HOUR;
const lockOf = (percent: bigint, v: bigint) => (v * percent) / 100n;
const tierOf = (id: number) => SLA_TIERS[id];

interface Proof {
  epoch: bigint;
  secondsUp: bigint;
  secondsObserved: bigint;
  proof: string[];
}

interface TestLease {
  id: bigint;
  start: bigint;
  end: bigint;
  v: bigint;
  proofs: Proof[];
}

interface Setup {
  c: Cinder;
  provider: HardhatEthersSigner;
  provider2: HardhatEthersSigner;
  /** clients[0] Standard, clients[1] Pro, clients[2] Enterprise. */
  clients: HardhatEthersSigner[];
  /** The epoch the next lease starts in (at its first second). */
  epoch: bigint;
}

async function deploySla(): Promise<Setup> {
  const c = await loadCinder();
  const [provider, provider2] = c.providers;
  for (const p of [provider, provider2]) {
    await onboardProvider(c, p, { gpus: 8 });
    await c.registry.connect(p).setOffer(H100, PRICE);
  }
  const clients = c.clients;
  await c.slaBondManager.connect(clients[1]).setClientTier(SLA_TIER.Pro);
  await c.slaBondManager.connect(clients[2]).setClientTier(SLA_TIER.Enterprise);
  const epoch = BigInt(await c.networkHelpers.time.latest()) / EPOCH + 2n;
  await c.networkHelpers.time.setNextBlockTimestamp(epoch * EPOCH - 1n);
  await c.networkHelpers.mine();
  return { c, provider, provider2, clients, epoch };
}
const setupOnce = () => connection.networkHelpers.loadFixture(deploySla);

/** Creates a 1-GPU lease starting at `start` (a timestamp) for `hours` hours; returns its id, value and end. */
async function leaseAt(
  s: Setup,
  client: HardhatEthersSigner,
  start: bigint,
  hours: bigint,
  provider = s.provider,
  kind: number = KIND.Lease,
): Promise<TestLease> {
  await s.c.networkHelpers.time.setNextBlockTimestamp(start);
  await s.c.jobMarket.connect(client).createDirectLease(provider.address, H100, 1, hours * HOUR, PRICE, kind);
  const id = await s.c.jobMarket.leaseCount();
  return { id, start, end: start + hours * HOUR, v: value(1n, hours * HOUR), proofs: [] };
}

/** Moves time to `epoch`'s start + `offset` seconds (mining a block there). */
async function toEpoch(s: Setup, epoch: bigint, offset = 10n) {
  await s.c.networkHelpers.time.increaseTo(epoch * EPOCH + offset);
}

let filler = 0n;
/** Signs and submits `epoch`'s report over `leaves` (plus two unrelated leaves, so proofs are not empty). */
async function report(s: Setup, epoch: bigint, leaves: Leaf[]): Promise<LeafTree> {
  filler += 2n;
  const all: Leaf[] = [
    ...leaves,
    { kind: "uptime", leaseId: 1_000_000n + filler, epoch: Number(epoch), secondsUp: 3_000, secondsObserved: 3_600 },
    { kind: "uptime", leaseId: 1_000_001n + filler, epoch: Number(epoch), secondsUp: 3_600, secondsObserved: 3_600 },
  ];
  const tree = buildTree(all);
  const hub = s.c.oracleHub;
  const { chainId } = await s.c.ethers.provider.getNetwork();
  const r = {
    configDigest: await hub.configDigest(),
    epoch,
    root: tree.root,
    leafCount: BigInt(tree.leafCount),
    contentHash: `0x${"cd".repeat(32)}`,
  };
  const domain = { chainId, hub: await hub.getAddress() };
  const sigs = await signReport(s.c.oracleSigners.slice(0, 3), domain, "EpochReport", { ...r });
  await hub.connect(s.c.stranger).submitEpochReport(r, sigs);
  return tree;
}

function uptime(leaseId: bigint, epoch: bigint, secondsUp: number, secondsObserved = 3_600): Leaf {
  return { kind: "uptime", leaseId, epoch: Number(epoch), secondsUp, secondsObserved };
}

function proofOf(tree: LeafTree, leaf: Leaf): Proof {
  if (leaf.kind !== "uptime") throw new Error("uptime leaves only");
  return {
    epoch: BigInt(leaf.epoch),
    secondsUp: BigInt(leaf.secondsUp),
    secondsObserved: BigInt(leaf.secondsObserved),
    proof: tree.proof(leaf),
  };
}

/**
 * The provider withdraws everything the market lets it (the stream up to the oracle's covered time), so a credit
 * settled afterwards comes from the bond alone; returns the gross withdrawn.
 */
async function drain(s: Setup, l: TestLease, provider = s.provider): Promise<bigint> {
  const gross = await s.c.jobMarket.withdrawable(l.id);
  if (gross > 0n) await s.c.jobMarket.connect(provider).withdrawAccrued(l.id);
  return gross;
}

/** Bond and balance snapshot for delta checks. */
async function snapshot(s: Setup, provider: string, client: string) {
  const sla = s.c.slaBondManager;
  const b = await sla.bondOf(provider);
  return { total: b.total, locked: b.locked, balance: await sla.balanceOf(client) };
}

describe("SlaBondManager bonds", function () {
  it("deposits and withdraws only the free part, with events and token deltas", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const p = s.provider;
    expect(await sla.freeBond(p.address)).to.equal(PROVIDER_BOND);
    const dep = sla.connect(p).deposit(5n * USD);
    await expect(dep).to.emit(sla, "BondDeposited").withArgs(p.address, 5n * USD, PROVIDER_BOND + 5n * USD);
    await expect(dep).to.changeTokenBalances(c.ethers, c.stablecoin, [p, sla], [-5n * USD, 5n * USD]);

    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 10n, 10n);
    const lock = lockOf(10n, l.v);
    expect((await sla.bondOf(p.address)).locked).to.equal(lock);
    const free = PROVIDER_BOND + 5n * USD - lock;
    expect(await sla.freeBond(p.address)).to.equal(free);
    await expect(sla.connect(p).withdrawBond(free + 1n))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(p.address, free, free + 1n);
    const w = sla.connect(p).withdrawBond(free);
    await expect(w).to.emit(sla, "BondWithdrawn").withArgs(p.address, free, lock);
    await expect(w).to.changeTokenBalances(c.ethers, c.stablecoin, [p, sla], [free, -free]);
    expect(await sla.liabilities()).to.equal(await c.stablecoin.balanceOf(await sla.getAddress()));
    await expect(sla.connect(p).deposit(0)).to.be.revertedWithCustomError(sla, "SlaBondManagerZeroAmount");
    await expect(sla.connect(p).withdrawBond(0)).to.be.revertedWithCustomError(sla, "SlaBondManagerZeroAmount");
  });

  it("refuses a deposit that would take a bond past its uint112 slot, naming the total and the bound, and moves nothing", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const p = s.provider;
    // No faucet mints 2^112 units (5.2e27 USD): give the provider that much by writing its ERC20 balance slot
    // (OpenZeppelin's ERC20 keeps _balances at slot 0).
    const max = (1n << 112n) - 1n;
    const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [p.address, 0n]));
    await connection.provider.request({ method: "hardhat_setStorageAt", params: [await c.stablecoin.getAddress(), slot, toBeHex(max, 32)] });
    await c.stablecoin.connect(p).approve(await sla.getAddress(), max);
    const held = (await sla.bondOf(p.address)).total;
    const over = max - held + 1n;
    await expect(sla.connect(p).deposit(over)).to.be.revertedWithCustomError(sla, "SlaBondManagerBondTooLarge").withArgs(held + over, max);
    expect((await sla.bondOf(p.address)).total).to.equal(held);
    expect(await c.stablecoin.balanceOf(p.address)).to.equal(max);
    // Up to the bound itself is fine.
    await expect(sla.connect(p).deposit(over - 1n)).to.emit(sla, "BondDeposited").withArgs(p.address, over - 1n, max);
  });

  it("locks the client's tier ratio at award, and an award the free bond cannot back reverts with both numbers", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    for (const [i, client] of s.clients.entries()) {
      const before = await sla.bondOf(s.provider.address);
      const tx = c.jobMarket.connect(client).createDirectLease(s.provider.address, H100, 1, 10n * HOUR, PRICE, KIND.Lease);
      const percent = BigInt(tierOf(i).bondPercent);
      const lock = lockOf(percent, value(1n, 10n * HOUR));
      await expect(tx).to.emit(sla, "BondLocked").withArgs(BigInt(i + 1), s.provider.address, client.address, i, lock);
      const lease = await c.jobMarket.getLease(BigInt(i + 1));
      expect([lease.slaTier, lease.slaBondPercent]).to.deep.equal([BigInt(i), percent]);
      expect((await sla.bondOf(s.provider.address)).locked - before.locked).to.equal(lock);
    }
    // A provider with a small bond: the award needs 10% of 100 hours at 2 USD = 20 USD.
    const poor = c.providers[2];
    await onboardProvider(c, poor, { gpus: 2, bond: 19n * USD });
    await c.registry.connect(poor).setOffer(H100, PRICE);
    await expect(c.jobMarket.connect(s.clients[0]).createDirectLease(poor.address, H100, 1, 100n * HOUR, PRICE, KIND.Lease))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(poor.address, 19n * USD, 20n * USD);
    // Batch jobs lock nothing.
    await expect(c.jobMarket.connect(s.clients[0]).createDirectLease(poor.address, H100, 1, 100n * HOUR, PRICE, KIND.Batch)).to.not
      .emit(sla, "BondLocked");
    expect((await sla.bondOf(poor.address)).locked).to.equal(0n);
  });

  it("refuses a bid whose bidder's free bond does not cover the order's bid bond (a bid binds its bond)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const poor = c.providers[2];
    await onboardProvider(c, poor, { gpus: 2, bond: USD });
    const client = s.clients[0];
    await c.leaseAuction.connect(client).postOrder(H100, 1, 100n * HOUR, PRICE, 600n, KIND.Lease);
    const orderId = await c.leaseAuction.orderCount();
    // The bid bond: the client's tier (10%) of the order's escrow at its maximum price.
    const bidBond = value(1n, 100n * HOUR) / 10n;
    expect((await c.leaseAuction.getOrder(orderId)).bidBondPercent).to.equal(10n);
    await expect(c.leaseAuction.connect(poor).bid(orderId, PRICE))
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerInsufficientFreeBond")
      .withArgs(poor.address, USD, bidBond);
    expect((await c.slaBondManager.bondOf(poor.address)).locked).to.equal(0n);
  });

  it("moves the lock with extend and cancel, and takes the exit penalty from the unserved part's lock", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[2]; // Enterprise: 30%
    const l = await leaseAt(s, client, s.epoch * EPOCH, 10n);
    const m = c.jobMarket.connect(client);
    await expect(m.extend(l.id, 2n * HOUR))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, s.provider.address, lockOf(30n, l.v), lockOf(30n, value(1n, 12n * HOUR)));
    // Cancel with one hour's notice at the start of hour 3: the lease ends after 3 hours.
    await c.networkHelpers.time.setNextBlockTimestamp(l.start + 2n * HOUR);
    await expect(m.cancel(l.id))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, s.provider.address, lockOf(30n, value(1n, 12n * HOUR)), lockOf(30n, value(1n, 3n * HOUR)));
    expect((await sla.bondOf(s.provider.address)).locked).to.equal(lockOf(30n, value(1n, 3n * HOUR)));

    // Quit: a second lease of 10 hours, quit after 4.
    const q = await leaseAt(s, client, l.start + 3n * HOUR, 10n);
    const before = await snapshot(s, s.provider.address, client.address);
    await c.networkHelpers.time.setNextBlockTimestamp(q.start + 4n * HOUR);
    const unserved = value(1n, 6n * HOUR);
    const freed = lockOf(30n, q.v) - lockOf(30n, value(1n, 4n * HOUR));
    const penalty = (unserved * 1_000n) / 10_000n; // 10% of the unserved value, below the freed lock
    expect(penalty <= freed).to.equal(true);
    const tx = c.jobMarket.connect(s.provider).quit(q.id);
    await expect(tx)
      .to.emit(sla, "ExitPenalized")
      .withArgs(q.id, s.provider.address, client.address, penalty, lockOf(30n, value(1n, 4n * HOUR)));
    await expect(tx).to.emit(sla, "BalanceCredited").withArgs(client.address, penalty);
    const after = await snapshot(s, s.provider.address, client.address);
    expect(before.total - after.total).to.equal(penalty);
    expect(before.locked - after.locked).to.equal(freed);
    expect(after.balance - before.balance).to.equal(penalty);
    const w = sla.connect(client).withdraw();
    await expect(w).to.emit(sla, "BalanceWithdrawn").withArgs(client.address, penalty);
    await expect(w).to.changeTokenBalances(c.ethers, c.stablecoin, [client, sla], [penalty, -penalty]);
    await expect(sla.connect(client).withdraw()).to.be.revertedWithCustomError(sla, "SlaBondManagerNoBalance").withArgs(client.address);
  });

  it("refuses lease hooks from anyone but the JobMarket", async function () {
    const s = await setupOnce();
    const sla = s.c.slaBondManager.connect(s.c.stranger);
    const who = s.c.stranger.address;
    await expect(sla.lockBond(1n, who, who, USD, 0n, who, true)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.adjustLock(1n, who, 10, USD, 2n * USD)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.penalizeExit(1n, who, who, 10, USD, 0n)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.moveBidLock(who, who, USD)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
    await expect(sla.releaseBidLock(who, USD, who)).to.be.revertedWithCustomError(sla, "SlaBondManagerNotJobMarket").withArgs(who);
  });
});

describe("SlaBondManager.settle", function () {
  it("pays each tier's credit exactly at and one second under each threshold, capped at the lock", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    // 10 epochs of 3,600 observed seconds: 36,000 in all. [client index, total up seconds, credit bps].
    const cases: [number, number, bigint][] = [
      [0, 35_640, 0n], // Standard, exactly 99.0%
      [0, 35_639, 2_500n], // one second under: 25%, capped at the 10% lock
      [1, 35_964, 0n], // Pro, exactly 99.9%
      [1, 35_963, 1_000n],
      [1, 35_640, 1_000n], // exactly 99%
      [1, 35_639, 2_500n],
      [2, 35_982, 0n], // Enterprise, exactly 99.95%
      [2, 35_981, 1_000n],
      [2, 34_200, 2_500n], // exactly 95%
      [2, 34_199, 10_000n], // 100%, capped at the 30% lock
    ];
    const start = s.epoch * EPOCH;
    const leases: TestLease[] = [];
    for (const [i, [client]] of cases.entries()) {
      const provider = i < 5 ? s.provider : s.provider2;
      leases.push(await leaseAt(s, s.clients[client], start + 1n + BigInt(i), 10n, provider));
    }
    // The leases start in the first seconds of epoch e and end 10 hours later, in epoch e + 10.
    const leaves: Leaf[][] = [];
    for (let k = 0n; k <= 10n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const epochLeaves = cases.map(([, up], i) => {
        // The deficit falls in the first epoch; the oracle did not observe the last few seconds in epoch e + 10.
        if (k === 10n) return uptime(leases[i].id, s.epoch + k, 0, 0);
        const observed = 3_600;
        const deficit = 36_000 - up;
        return uptime(leases[i].id, s.epoch + k, k === 0n ? observed - deficit : observed, observed);
      });
      leaves.push(epochLeaves);
      const tree = await report(s, s.epoch + k, epochLeaves);
      for (const [i, leaf] of epochLeaves.entries()) leases[i].proofs.push(proofOf(tree, leaf));
    }
    for (const [i, [client, up, bps]] of cases.entries()) {
      const l = leases[i];
      const tier = client;
      // Every epoch is reported: the provider took the whole stream, so the bond alone pays (capped at the lock).
      expect(await drain(s, l, i < 5 ? s.provider : s.provider2), `case ${i} stream`).to.equal(l.v);
      expect(await sla.creditBpsFor(tier, BigInt(up), 36_000n), `case ${i} bps`).to.equal(bps);
      const percent = BigInt(tierOf(tier).bondPercent);
      const lock = lockOf(percent, l.v);
      const schedule = (l.v * bps) / 10_000n;
      const credit = schedule < lock ? schedule : lock;
      const provider = i < 5 ? s.provider : s.provider2;
      const before = await snapshot(s, provider.address, s.clients[client].address);
      const tx = sla.connect(c.stranger).settle(l.id, l.proofs);
      await expect(tx)
        .to.emit(sla, "SlaSettled")
        .withArgs(l.id, provider.address, s.clients[client].address, tier, BigInt(up), 36_000n, l.v, 0n, credit, lock);
      const after = await snapshot(s, provider.address, s.clients[client].address);
      expect(before.locked - after.locked, `case ${i} unlock`).to.equal(lock);
      expect(before.total - after.total, `case ${i} paid`).to.equal(credit);
      expect(after.balance - before.balance, `case ${i} credited`).to.equal(credit);
      expect((await sla.getSettlement(l.id)).closed).to.equal(true);
    }
    expect(await sla.liabilities()).to.equal(await c.stablecoin.balanceOf(await sla.getAddress()));
  });

  it("skips silent epochs only once they can no longer be reported, and never credits or faults on them", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[1]; // Pro
    const l = await leaseAt(s, client, s.epoch * EPOCH, 6n);
    // Epochs e..e+5; e+2 and e+3 are silent; e+1 is bad (50%), the rest perfect.
    const proofs: Proof[] = [];
    for (const k of [0n, 1n, 4n, 5n]) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaf = uptime(l.id, s.epoch + k, k === 1n ? 1_800 : 3_600);
      proofs.push(proofOf(await report(s, s.epoch + k, [leaf]), leaf));
    }
    const oldest = s.epoch + 6n - LATE > 0n ? s.epoch + 6n - LATE : 0n;
    await expect(sla.settle(l.id, proofs))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochStillReportable")
      .withArgs(s.epoch + 2n, oldest);
    // Leaving out a reported epoch is refused whenever.
    await expect(sla.settle(l.id, [proofs[0], proofs[2], proofs[3]]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerMissingEpoch")
      .withArgs(s.epoch + 1n);
    // Past the late window the silent epochs are skipped: 12,600 up of 14,400 observed = 87.5%: 100%, capped.
    await toEpoch(s, s.epoch + 4n + LATE);
    const lock = lockOf(20n, l.v);
    expect(await drain(s, l)).to.equal(l.v); // the bond alone pays
    await expect(sla.settle(l.id, proofs))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Pro, 12_600n, 14_400n, l.v, 0n, lock, lock);

    // A lease whose every epoch is silent settles without credit and without a breach.
    const silent = await leaseAt(s, client, (s.epoch + 4n + LATE) * EPOCH + 100n, 2n);
    await toEpoch(s, s.epoch + 4n + LATE + 3n + LATE);
    const before = await snapshot(s, s.provider.address, client.address);
    await expect(sla.settle(silent.id, []))
      .to.emit(sla, "SlaSettled")
      .withArgs(silent.id, s.provider.address, client.address, SLA_TIER.Pro, 0n, 0n, silent.v, 0n, 0n, lockOf(20n, silent.v));
    const after = await snapshot(s, s.provider.address, client.address);
    expect(after.total).to.equal(before.total);
    expect(after.balance).to.equal(before.balance);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(1n); // the breach of the first lease only
  });

  it("never counts a leaf twice: within a call, across calls, or for another lease", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const a = await leaseAt(s, client, s.epoch * EPOCH, 4n);
    const b = await leaseAt(s, client, s.epoch * EPOCH + 1n, 4n);
    const pa: Proof[] = [];
    const pb: Proof[] = [];
    for (let k = 0n; k <= 4n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const la = uptime(a.id, s.epoch + k, 3_600);
      const lb = uptime(b.id, s.epoch + k, 3_000);
      const tree = await report(s, s.epoch + k, [la, lb]);
      pa.push(proofOf(tree, la));
      pb.push(proofOf(tree, lb));
    }
    await expect(sla.settle(a.id, [pa[0], pa[0]]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch, s.epoch + 1n);
    // Lease a's (perfect) leaves do not prove lease b's uptime.
    await expect(sla.settle(b.id, pa)).to.be.revertedWithCustomError(sla, "SlaBondManagerInvalidProof").withArgs(s.epoch);
    // A forged count under a real proof.
    await expect(sla.settle(b.id, [{ ...pb[0], secondsUp: 3_600n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInvalidProof")
      .withArgs(s.epoch);
    await expect(sla.settle(b.id, [{ ...pb[0], secondsUp: 3_601n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerUptimeAboveObserved")
      .withArgs(s.epoch, 3_601n, 3_600n);
    // In parts: the first two epochs, then the same leaf again is refused, then the rest settles.
    await expect(sla.settle(b.id, pb.slice(0, 2))).to.emit(sla, "SlaProgressed").withArgs(b.id, s.epoch + 2n, 6_000n, 7_200n);
    await expect(sla.settle(b.id, pb.slice(1)))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch + 1n, s.epoch + 2n);
    const extra = { ...pb[4], epoch: s.epoch + 5n };
    await expect(sla.settle(b.id, [...pb.slice(2), extra]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochAfterLease")
      .withArgs(s.epoch + 5n, s.epoch + 4n);
    await expect(sla.settle(b.id, pb.slice(2))).to.emit(sla, "SlaSettled");
    await expect(sla.settle(b.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(b.id);
    // An epoch without a report cannot be proven.
    await expect(sla.settle(a.id, [{ ...pa[0], epoch: s.epoch - 1n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochOutOfOrder")
      .withArgs(s.epoch - 1n, s.epoch);
    const c2 = await leaseAt(s, client, (s.epoch + 6n) * EPOCH, 2n);
    await toEpoch(s, s.epoch + 9n);
    await expect(sla.settle(c2.id, [{ ...pa[0], epoch: s.epoch + 6n }]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerEpochNotReported")
      .withArgs(s.epoch + 6n);
  });

  it("bounds the unreported epochs one call skips, and a long silent lease settles in parts", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const l = await leaseAt(s, client, s.epoch * EPOCH, 1_010n);
    const target = s.epoch + 1_001n;
    await toEpoch(s, target + 1n);
    const leaf = uptime(l.id, target, 3_600);
    const proof = proofOf(await report(s, target, [leaf]), leaf);
    await toEpoch(s, s.epoch + 1_011n + LATE);
    await expect(sla.settle(l.id, [proof]))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerTooManySkipped")
      .withArgs(1_001n, 1_000n);
    await expect(sla.settle(l.id, [])).to.emit(sla, "SlaProgressed").withArgs(l.id, s.epoch + 1_000n, 0n, 0n);
    await expect(sla.settle(l.id, [proof]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 3_600n, 3_600n, l.v, 0n, 0n, lockOf(10n, l.v));
  });

  it("an auction lease's commitment survives a partial settlement and unlocks with the lease's lock when it closes", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0]; // Standard: 10%
    // An order at twice the price the provider bids: its bid bond (10% of the escrow) is twice the lease's lock.
    await c.leaseAuction.connect(client).postOrder(H100, 1, 2n * HOUR, 2n * PRICE, 300n, KIND.Lease);
    const orderId = await c.leaseAuction.orderCount();
    await c.leaseAuction.connect(s.provider).bid(orderId, PRICE);
    const start = s.epoch * EPOCH + 600n;
    await c.networkHelpers.time.setNextBlockTimestamp(start);
    await c.leaseAuction.connect(client).finalizeAuction(orderId);
    const id = await c.jobMarket.leaseCount();
    const lock = lockOf(10n, value(1n, 2n * HOUR));
    const commitment = lockOf(10n, value(1n, 2n * HOUR, 2n * PRICE)) - lock;
    expect(await sla.commitmentOf(id)).to.equal(commitment);
    // Epochs e, e + 1, e + 2 (it ends 600 s into e + 2), each fully up.
    const proofs: Proof[] = [];
    for (let k = 0n; k < 3n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaf = uptime(id, s.epoch + k, 3_600);
      proofs.push(proofOf(await report(s, s.epoch + k, [leaf]), leaf));
    }
    // A partial settlement writes its progress and keeps the commitment.
    await expect(sla.settle(id, [proofs[0]!])).to.emit(sla, "SlaProgressed").withArgs(id, s.epoch + 1n, 3_600n, 3_600n);
    expect(await sla.commitmentOf(id)).to.equal(commitment);
    expect((await sla.getSettlement(id)).nextEpoch).to.equal(s.epoch + 1n);
    const before = await sla.bondOf(s.provider.address);
    await sla.settle(id, [proofs[1]!, proofs[2]!]);
    const after = await sla.bondOf(s.provider.address);
    expect(before.locked - after.locked).to.equal(lock + commitment);
    expect(after.total).to.equal(before.total);
    expect(await sla.commitmentOf(id)).to.equal(0n);
    expect((await sla.getSettlement(id)).closed).to.equal(true);
  });

  it("refuses leases without an SLA bond", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    await expect(sla.settle(99n, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(99n);
    const batch = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 2n, s.provider, KIND.Batch);
    await expect(sla.settle(batch.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(batch.id);
    await expect(sla.release(batch.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerNoSla").withArgs(batch.id);
  });
});

describe("JobMarket SLA stream hold (DESIGN: who pays SLA credits)", function () {
  const feeOf = (gross: bigint) => (gross * 100n + 9_999n) / 10_000n; // the 1% protocol fee, rounded up

  it("withdraws an SLA lease's stream only up to the oracle's covered time (a hole below the latest report counts)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 4n);
    await toEpoch(s, s.epoch + 1n);
    // Nothing reported: only time older than the late window is covered, and the lease started after it.
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 1n - LATE) * EPOCH);
    expect(await m.accrued(l.id)).to.equal(value(1n, EPOCH + 10n));
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    await report(s, s.epoch, [uptime(l.id, s.epoch, 3_600)]);
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 1n) * EPOCH);
    const first = value(1n, EPOCH);
    expect(await m.withdrawable(l.id)).to.equal(first);
    const paid = await c.stablecoin.balanceOf(s.provider.address);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.emit(m, "PaymentReleased").withArgs(l.id, s.provider.address, first, feeOf(first));
    expect((await c.stablecoin.balanceOf(s.provider.address)) - paid).to.equal(first - feeOf(first));
    expect(await m.withdrawable(l.id)).to.equal(0n);
    // Epoch e + 2 reported before e + 1: the covered time is the latest report's end (e + 1 may still come late).
    await toEpoch(s, s.epoch + 3n);
    await report(s, s.epoch + 2n, [uptime(l.id, s.epoch + 2n, 3_600)]);
    expect(await m.withdrawable(l.id)).to.equal(value(1n, 3n * EPOCH) - first);
    await report(s, s.epoch + 1n, [uptime(l.id, s.epoch + 1n, 3_600)]);
    expect(await c.oracleHub.coveredUntil()).to.equal((s.epoch + 3n) * EPOCH);
    await m.connect(s.provider).withdrawAccrued(l.id);
    // The stream stops at the end too: the last epoch's report releases exactly the rest.
    await toEpoch(s, s.epoch + 5n);
    await report(s, s.epoch + 3n, [uptime(l.id, s.epoch + 3n, 3_600)]);
    expect(await m.withdrawable(l.id)).to.equal(l.v - value(1n, 3n * EPOCH));
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, l.v - value(1n, 3n * EPOCH), 0n);
    expect((await m.getLease(l.id)).released).to.equal(l.v);
  });

  it("a silent oracle never locks the pay: time older than the late window becomes withdrawable", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH, 3n);
    await toEpoch(s, s.epoch + LATE);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await toEpoch(s, s.epoch + 1n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(value(1n, EPOCH));
    await toEpoch(s, s.epoch + 3n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(l.v);
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, l.v, 0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    // Every epoch silent: no credit, and the whole lock unlocks.
    await expect(c.slaBondManager.settle(l.id, []))
      .to.emit(c.slaBondManager, "SlaSettled")
      .withArgs(l.id, s.provider.address, s.clients[0].address, SLA_TIER.Standard, 0n, 0n, l.v, 0n, 0n, lockOf(10n, l.v));
  });

  it("pays the credit from the held stream first, then the bond, capped at the two (exact amounts)", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const start = s.epoch * EPOCH;
    // 2-hour leases starting 600, 601 and 602 seconds into epoch e (epochs e, e + 1, e + 2): Standard, Pro, Enterprise.
    const leases = [0, 1, 2].map(() => undefined as unknown as TestLease);
    for (const i of [0, 1, 2]) leases[i] = await leaseAt(s, s.clients[i], start + 600n + BigInt(i), 2n);
    // Uptime 7,000 of 7,200 s (97.2%: 25% credit) for the first two, 3,600 of 7,200 (50%: 100%) for the third.
    const lossIn1 = [200, 200, 3_600];
    const proofs: Proof[][] = [[], [], []];
    for (let k = 0n; k <= 2n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      const leaves = leases.map((l, i) => {
        const off = 600 + i;
        const observed = k === 0n ? 3_600 - off : k === 1n ? 3_600 : off;
        return uptime(l.id, s.epoch + k, k === 1n ? observed - lossIn1[i] : observed, observed);
      });
      const tree = await report(s, s.epoch + k, leaves);
      leaves.forEach((leaf, i) => proofs[i].push(proofOf(tree, leaf)));
      // With epochs e and e + 1 reported, the Pro and Enterprise providers take the stream up to (e + 2) * EPOCH.
      if (k === 1n) for (const i of [1, 2]) await m.connect(s.provider).withdrawAccrued(leases[i].id);
    }
    const charge = value(1n, 2n * HOUR);
    const cases = [
      // [credit wanted, held in the lease, lock]: the stream covers it; the stream then the bond; capped at both.
      { tier: SLA_TIER.Standard, wanted: charge / 4n, held: charge, lock: lockOf(10n, charge) },
      { tier: SLA_TIER.Pro, wanted: charge / 4n, held: charge - value(1n, 2n * EPOCH - 601n), lock: lockOf(20n, charge) },
      { tier: SLA_TIER.Enterprise, wanted: charge, held: charge - value(1n, 2n * EPOCH - 602n), lock: lockOf(30n, charge) },
    ];
    expect(cases[1].held).to.be.lessThan(cases[1].wanted);
    expect(cases[1].wanted - cases[1].held).to.be.lessThan(cases[1].lock);
    expect(cases[2].held + cases[2].lock).to.be.lessThan(cases[2].wanted);
    const marketAddress = await m.getAddress();
    for (const [i, { tier, wanted, held, lock }] of cases.entries()) {
      const l = leases[i];
      const client = s.clients[i];
      const fromStream = wanted < held ? wanted : held;
      const fromBond = wanted - fromStream < lock ? wanted - fromStream : lock;
      const before = { ...(await snapshot(s, s.provider.address, client.address)), market: await m.balanceOf(client.address) };
      const marketHeld = await c.stablecoin.balanceOf(marketAddress);
      const tx = sla.connect(c.stranger).settle(l.id, proofs[i]);
      await expect(tx)
        .to.emit(sla, "SlaSettled")
        .withArgs(l.id, s.provider.address, client.address, tier, i === 2 ? 3_600n : 7_000n, 7_200n, charge, fromStream, fromBond, lock);
      await expect(tx).to.emit(m, "BalanceCredited").withArgs(client.address, fromStream);
      // The stream credit never left the market: it moved from the lease to the client's balance there.
      expect(await c.stablecoin.balanceOf(marketAddress), `case ${i}: market holdings`).to.equal(marketHeld);
      const after = { ...(await snapshot(s, s.provider.address, client.address)), market: await m.balanceOf(client.address) };
      expect(after.market - before.market, `case ${i}: stream part`).to.equal(fromStream);
      expect(after.balance - before.balance, `case ${i}: bond part`).to.equal(fromBond);
      expect(before.total - after.total, `case ${i}: bond paid`).to.equal(fromBond);
      expect(before.locked - after.locked, `case ${i}: unlocked`).to.equal(lock);
      const lease = await m.getLease(l.id);
      expect([lease.streamCredited, lease.slaSettled]).to.deep.equal([fromStream, true]);
      expect((await sla.getSettlement(l.id)).closed).to.equal(true);
      // The rest of the held stream is the provider's; per lease, funded = released + stream credit + held.
      expect(await m.withdrawable(l.id)).to.equal(held - fromStream);
      if (held > fromStream) await m.connect(s.provider).withdrawAccrued(l.id);
      const done = await m.getLease(l.id);
      expect(done.released + done.streamCredited, `case ${i}: conservation`).to.equal(l.v);
    }
    await expect(sla.settle(leases[0].id, proofs[0])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(leases[0].id);
  });

  it("close leaves the uncovered tail held; settle takes the credit from it; withdrawAccrued releases the rest", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const client = s.clients[0];
    const l = await leaseAt(s, client, s.epoch * EPOCH, 2n);
    await toEpoch(s, s.epoch + 1n);
    const l0 = uptime(l.id, s.epoch, 3_400);
    const p0 = proofOf(await report(s, s.epoch, [l0]), l0);
    await toEpoch(s, s.epoch + 2n);
    const hour = value(1n, EPOCH);
    await expect(m.close(l.id)).to.emit(m, "LeaseClosed").withArgs(l.id, hour, 0n);
    expect((await m.getLease(l.id)).status).to.equal(3n);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    const l1 = uptime(l.id, s.epoch + 1n, 3_600);
    const p1 = proofOf(await report(s, s.epoch + 1n, [l1]), l1);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    // 7,000 of 7,200 s: 25% of the charge, all of it from the tail the closed lease holds.
    const credit = l.v / 4n;
    await expect(sla.settle(l.id, [p0, p1]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 7_000n, 7_200n, l.v, credit, 0n, lockOf(10n, l.v));
    expect(await m.balanceOf(client.address)).to.equal(credit);
    expect(await m.withdrawable(l.id)).to.equal(hour - credit);
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.emit(m, "PaymentReleased").withArgs(l.id, s.provider.address, hour - credit, feeOf(hour - credit));
    await expect(m.connect(s.provider).withdrawAccrued(l.id)).to.be.revertedWithCustomError(m, "JobMarketNothingToWithdraw").withArgs(l.id);
    const done = await m.getLease(l.id);
    expect(done.released + done.streamCredited).to.equal(l.v);
    await expect(m.close(l.id)).to.be.revertedWithCustomError(m, "JobMarketInvalidLeaseStatus").withArgs(l.id, 3n);
    // The hook is the wired SlaBondManager's alone, and pays once.
    await expect(m.connect(c.stranger).payStreamCredit(l.id, 1n)).to.be.revertedWithCustomError(m, "JobMarketNotSlaBondManager").withArgs(c.stranger.address);
    const slaAddress = await sla.getAddress();
    await c.networkHelpers.impersonateAccount(slaAddress);
    await c.networkHelpers.setBalance(slaAddress, 10n ** 18n);
    const asSla = await c.ethers.getSigner(slaAddress);
    await expect(m.connect(asSla).payStreamCredit(l.id, 1n)).to.be.revertedWithCustomError(m, "JobMarketSlaAlreadySettled").withArgs(l.id);
  });

  it("a lease spanning silent epochs releases them as they age out; the credit takes what is still held, then the bond", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const sla = c.slaBondManager;
    const client = s.clients[1]; // Pro: 20% lock
    const l = await leaseAt(s, client, s.epoch * EPOCH, 3n);
    await toEpoch(s, s.epoch + 1n);
    const bad = uptime(l.id, s.epoch, 1_800); // 50%: 100% credit
    const p0 = proofOf(await report(s, s.epoch, [bad]), bad);
    // Epochs e + 1 and e + 2 stay silent.
    await toEpoch(s, s.epoch + 3n);
    const hour = value(1n, EPOCH);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    await m.connect(s.provider).withdrawAccrued(l.id);
    await toEpoch(s, s.epoch + 1n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    await toEpoch(s, s.epoch + 2n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(hour);
    await m.connect(s.provider).withdrawAccrued(l.id);
    await toEpoch(s, s.epoch + 3n + LATE);
    expect(await m.withdrawable(l.id)).to.equal(l.v - 2n * hour);
    // Settled now: the silent epochs are skipped; 1,800 of 3,600 observed is 100% of the charge. The last hour is
    // still held and pays first, the lock the rest, capped.
    const lock = lockOf(20n, l.v);
    await expect(sla.settle(l.id, [p0]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Pro, 1_800n, 3_600n, l.v, l.v - 2n * hour, lock, lock);
    expect(await m.withdrawable(l.id)).to.equal(0n);
    expect(await m.balanceOf(client.address)).to.equal(l.v - 2n * hour);
    expect(await sla.balanceOf(client.address)).to.equal(lock);
  });

  it("the market needs a hub, and the SlaBondManager refuses a hub other than the market's", async function () {
    const s = await setupOnce();
    const { c } = s;
    const m = c.jobMarket;
    const p = await m.params();
    const params = {
      minLeaseDuration: p.minLeaseDuration,
      cancelNotice: p.cancelNotice,
      challengeWindow: p.challengeWindow,
      minBidWindow: p.minBidWindow,
      maxBidWindow: p.maxBidWindow,
      minBidStepBps: p.minBidStepBps,
      minLeaseValue: p.minLeaseValue,
    };
    const wiring = {
      asset: await m.ASSET(),
      registry: await m.REGISTRY(),
      vault: await m.VAULT(),
      feeRouter: await m.FEE_ROUTER(),
      revenue: await m.REVENUE(),
      oracleHub: ZeroAddress,
    };
    const marketFactory = await c.ethers.getContractFactory("JobMarket");
    await expect(marketFactory.deploy(await c.manager.getAddress(), wiring, params))
      .to.be.revertedWithCustomError(m, "JobMarketZeroAddress")
      .withArgs("oracleHub");
    expect(await m.ORACLE_HUB()).to.equal(await c.oracleHub.getAddress());
    const factory = await c.ethers.getContractFactory("SlaBondManager");
    const tiers = SLA_TIERS.map(({ name: _name, ...tier }) => tier);
    await expect(
      factory.deploy(await c.manager.getAddress(), await c.stablecoin.getAddress(), await c.jobMarket.getAddress(), c.stranger.address, tiers, {
        exitPenaltyBps: 1_000,
        breachFaultThreshold: 3,
      }),
    )
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerHubMismatch")
      .withArgs(await c.oracleHub.getAddress(), c.stranger.address);
  });
});

describe("SlaBondManager.release", function () {
  it("unlocks an unsettled bond after the lease's end plus the late window and one epoch, once", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 5n, 3n);
    // The last second is in epoch e + 3; reportable until epoch e + 3 + LATE ends; one more epoch to settle.
    const at = (s.epoch + 4n + LATE + 1n) * EPOCH;
    expect(await sla.releasableAt(l.id)).to.equal(at);
    await c.networkHelpers.time.setNextBlockTimestamp(at - 1n);
    await expect(sla.release(l.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerClaimWindowOpen").withArgs(l.id, at);
    const before = await snapshot(s, s.provider.address, s.clients[0].address);
    await c.networkHelpers.time.setNextBlockTimestamp(at);
    await expect(sla.connect(c.stranger).release(l.id)).to.emit(sla, "BondReleased").withArgs(l.id, s.provider.address, lockOf(10n, l.v));
    const after = await snapshot(s, s.provider.address, s.clients[0].address);
    expect(before.locked - after.locked).to.equal(lockOf(10n, l.v));
    expect(after.total).to.equal(before.total);
    await expect(sla.release(l.id)).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(l.id);
    await expect(sla.settle(l.id, [])).to.be.revertedWithCustomError(sla, "SlaBondManagerAlreadyClosed").withArgs(l.id);
  });
});

describe("SlaBondManager repeated breaches", function () {
  it("raises a fault with the wired sink after the threshold of consecutive breaches; a met SLA resets the streak", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    // Deployment wired the SlashingManager as the sink, once.
    const sinkAddress = await c.slashingManager.getAddress();
    expect(await sla.faultSink()).to.equal(sinkAddress);
    await expect(sla.connect(c.governance).setFaultSink(c.stranger.address))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerFaultSinkAlreadySet")
      .withArgs(sinkAddress);
    const client = s.clients[0];
    // Five 1-hour leases in one epoch; uptimes: breach, met, breach, breach, breach.
    const ups = [3_000, 3_600, 3_000, 3_000, 3_000];
    const leases: TestLease[] = [];
    for (const [i] of ups.entries()) leases.push(await leaseAt(s, client, s.epoch * EPOCH + 100n + BigInt(i), 1n));
    const trees: LeafTree[] = [];
    const leaves: Leaf[][] = [[], []];
    for (let k = 0n; k <= 1n; k++) {
      await toEpoch(s, s.epoch + k + 1n);
      leaves[Number(k)] = leases.map((l, i) => (k === 0n ? uptime(l.id, s.epoch, ups[i]) : uptime(l.id, s.epoch + 1n, 0, 0)));
      trees.push(await report(s, s.epoch + k, leaves[Number(k)]));
    }
    const settle = (i: number) => sla.settle(leases[i].id, [0, 1].map((k) => proofOf(trees[k], leaves[k][i])));
    await settle(0);
    await settle(1);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(0n);
    await settle(2);
    await settle(3);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(2n);
    const faultId = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "uint32"],
        [keccak256(toUtf8Bytes("CinderSlaRepeatedBreaches")), leases[4].id, 1n],
      ),
    );
    const fourth = settle(4);
    await expect(fourth).to.emit(sla, "RepeatedBreaches").withArgs(s.provider.address, 3n, leases[4].id, sinkAddress);
    // The sink turned the breaches into a kind-5 proposal (a third of the H100 per-GPU stake, rounded up), with no
    // reporter, holding the pool's withdrawals.
    const amount = (H100_STAKE_PER_GPU * 3_333n + 9_999n) / 10_000n;
    await expect(fourth)
      .to.emit(c.slashingManager, "SlashProposed")
      .withArgs(faultId, s.provider.address, 5n, toBeHex(leases[4].id, 32), amount, ZeroAddress, anyValue);
    const proposal = await c.slashingManager.getProposal(faultId);
    expect([proposal.provider, proposal.amount, proposal.kind, proposal.status]).to.deep.equal([s.provider.address, amount, 5n, 1n]);
    expect((await c.vault.getPool(s.provider.address)).slashHolds).to.equal(1n);
    // After the veto window anyone executes it: the provider is jailed, and with no reporter all of it is burned.
    await c.networkHelpers.time.setNextBlockTimestamp(proposal.executableAt);
    const executed = c.slashingManager.connect(c.stranger).execute(faultId);
    await expect(executed)
      .to.emit(c.slashingManager, "SlashExecuted")
      .withArgs(faultId, s.provider.address, amount, 0n, ZeroAddress, amount, 0n);
    await expect(executed)
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(s.provider.address, proposal.executableAt + (await c.slashingManager.params()).jailCooldown);
    expect((await sla.bondOf(s.provider.address)).breachStreak).to.equal(0n);
  });
});

describe("SlaBondManager breach threshold changes", function () {
  it("a new threshold applies at once to leases of every tier, the ones set before and after it", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    await sla.connect(c.governance).setParams({ exitPenaltyBps: 1_000, breachFaultThreshold: 1 });
    const ok = { targetPpm: 999_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 40 };
    await sla.connect(c.governance).setTier(3, ok); // set after the change
    await sla.connect(s.clients[2]).setClientTier(3);
    const sink = await c.slashingManager.getAddress();
    // One breached lease each, under tier 1 (Pro, set at deployment) and tier 3: each raises the fault alone.
    const pro = await leaseAt(s, s.clients[1], s.epoch * EPOCH + 30n, 1n);
    const custom = await leaseAt(s, s.clients[2], s.epoch * EPOCH + 31n, 1n, s.provider2);
    await toEpoch(s, s.epoch + 1n, 40n);
    const leaves0 = [uptime(pro.id, s.epoch, 3_000, 3_570), uptime(custom.id, s.epoch, 3_000, 3_569)];
    const t0 = await report(s, s.epoch, leaves0);
    await toEpoch(s, s.epoch + 2n);
    const leaves1 = [uptime(pro.id, s.epoch + 1n, 30, 30), uptime(custom.id, s.epoch + 1n, 31, 31)];
    const t1 = await report(s, s.epoch + 1n, leaves1);
    await expect(sla.settle(pro.id, [proofOf(t0, leaves0[0]), proofOf(t1, leaves1[0])]))
      .to.emit(sla, "RepeatedBreaches")
      .withArgs(s.provider.address, 1n, pro.id, sink);
    await expect(sla.settle(custom.id, [proofOf(t0, leaves0[1]), proofOf(t1, leaves1[1])]))
      .to.emit(sla, "RepeatedBreaches")
      .withArgs(s.provider2.address, 1n, custom.id, sink);
    expect((await sla.getTier(3)).bondPercent).to.equal(40n);
  });
});

describe("SlaBondManager governance", function () {
  it("sets tiers and parameters within hard bounds, and rejects the rest with the failing value", async function () {
    const s = await setupOnce();
    const sla = s.c.slaBondManager.connect(s.c.governance);
    const ok = { targetPpm: 999_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 40 };
    await expect(sla.setTier(3, ok)).to.emit(sla, "TierSet");
    expect((await sla.getTier(3)).bondPercent).to.equal(40n);
    await s.c.slaBondManager.connect(s.clients[0]).setClientTier(3);
    expect(await sla.clientTier(s.clients[0].address)).to.equal(3n);
    await expect(s.c.slaBondManager.connect(s.clients[0]).setClientTier(4)).to.be.revertedWithCustomError(sla, "SlaBondManagerUnknownTier").withArgs(4n);
    await expect(sla.setTier(8, ok)).to.be.revertedWithCustomError(sla, "SlaBondManagerUnknownTier").withArgs(8n);
    const bad: [Partial<typeof ok>, string, bigint, bigint, bigint][] = [
      [{ targetPpm: 1_000_001 }, "targetPpm", 1_000_001n, 500_000n, 1_000_000n],
      [{ targetPpm: 499_999, midPpm: 499_999, lowPpm: 499_999 }, "targetPpm", 499_999n, 500_000n, 1_000_000n],
      [{ midPpm: 999_001 }, "midPpm", 999_001n, 500_000n, 999_000n],
      [{ lowPpm: 990_001 }, "lowPpm", 990_001n, 500_000n, 990_000n],
      [{ creditBps: 0 }, "creditBps", 0n, 1n, 10_000n],
      [{ midCreditBps: 999 }, "midCreditBps", 999n, 1_000n, 10_000n],
      [{ lowCreditBps: 2_499 }, "lowCreditBps", 2_499n, 2_500n, 10_000n],
      [{ bondPercent: 0 }, "bondPercent", 0n, 1n, 100n],
      [{ bondPercent: 101 }, "bondPercent", 101n, 1n, 100n],
    ];
    for (const [change, name, v, min, max] of bad) {
      await expect(sla.setTier(1, { ...ok, ...change }), name)
        .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
        .withArgs(name, v, min, max);
    }
    await expect(sla.setParams({ exitPenaltyBps: 500, breachFaultThreshold: 5 })).to.emit(sla, "ParamsSet");
    expect((await sla.params()).breachFaultThreshold).to.equal(5n);
    await expect(sla.setParams({ exitPenaltyBps: 10_001, breachFaultThreshold: 5 }))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
      .withArgs("exitPenaltyBps", 10_001n, 0n, 10_000n);
    await expect(sla.setParams({ exitPenaltyBps: 0, breachFaultThreshold: 0 }))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerParameterOutOfBounds")
      .withArgs("breachFaultThreshold", 0n, 1n, 100n);
    await expect(sla.setFaultSink("0x0000000000000000000000000000000000000000"))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerFaultSinkAlreadySet")
      .withArgs(await s.c.slashingManager.getAddress());
  });
});


describe("SlaBondManager attacks", function () {
  it("a provider cannot dodge a breach by quitting: the served part's lock still pays the credit", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const client = s.clients[0]; // Standard, 10%
    const l = await leaseAt(s, client, s.epoch * EPOCH, 10n);
    // A bad first epoch (50% up), then the provider quits early in the second.
    await toEpoch(s, s.epoch + 1n, 0n);
    const bad = uptime(l.id, s.epoch, 1_800);
    const p0 = proofOf(await report(s, s.epoch, [bad]), bad);
    await c.networkHelpers.time.setNextBlockTimestamp((s.epoch + 1n) * EPOCH + 600n);
    await c.jobMarket.connect(s.provider).quit(l.id);
    const served = value(1n, EPOCH + 600n);
    const lock = lockOf(10n, served);
    expect((await sla.bondOf(s.provider.address)).locked).to.equal(lock);
    await toEpoch(s, s.epoch + 2n);
    const last = uptime(l.id, s.epoch + 1n, 600, 600);
    const p1 = proofOf(await report(s, s.epoch + 1n, [last]), last);
    // 2,400 up of 4,200 observed: 100% of the served charge. With the stream already withdrawn, the served part's
    // lock pays, capped at it: the exit penalty never drew on it.
    expect(await drain(s, { ...l, v: served })).to.equal(served);
    await expect(sla.settle(l.id, [p0, p1]))
      .to.emit(sla, "SlaSettled")
      .withArgs(l.id, s.provider.address, client.address, SLA_TIER.Standard, 2_400n, 4_200n, served, 0n, lock, lock);
  });

  it("an extension the provider's free bond cannot back is refused with both numbers", async function () {
    const s = await setupOnce();
    const { c } = s;
    const sla = c.slaBondManager;
    const small = c.providers[2];
    await onboardProvider(c, small, { gpus: 2, bond: 3n * USD });
    await c.registry.connect(small).setOffer(H100, PRICE);
    const l = await leaseAt(s, s.clients[0], s.epoch * EPOCH + 100n, 10n, small); // locks 2 USD of 3
    await expect(c.jobMarket.connect(s.clients[0]).extend(l.id, 10n * HOUR))
      .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
      .withArgs(small.address, USD, 2n * USD);
    await expect(c.jobMarket.connect(s.clients[0]).extend(l.id, 5n * HOUR))
      .to.emit(sla, "BondLockChanged")
      .withArgs(l.id, small.address, 2n * USD, 3n * USD);
  });
});
