/**
 * Bond and stream solvency (DESIGN.md invariants 1 and 2) over fixed-seed random sequences of real actions:
 * deposits, withdrawals of free bond, leases under random tiers, early exits, epochs reported or left silent with
 * random uptimes, the providers' stream withdrawals (held past the oracle's covered time), closes, settlements (the
 * credit from the held stream first, then the bond), releases and client withdrawals. After every action:
 * - the manager's stablecoin balance equals its liabilities, which equal every bond total plus every balance;
 * - per provider, locked <= total, and locked equals the sum of its open leases' locks;
 * - per provider, deposited = withdrawn + credits paid from the bond + exit penalties + total (from the events);
 * - the market's stablecoin equals what its leases still hold + its credited balances + its fees;
 * - per lease, funded = released + refunds + credits paid from the stream + still held, and the stream credit is
 *   what the settlement's event says.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { SLA_TIERS } from "../../../deploy/config.js";
import { buildTree, type Leaf, type LeafTree } from "../../../src/protocol/leaves.js";
import { connectCinder, H100, onboardProvider, USD } from "../../helpers/fixture.js";
import { signReport } from "../../helpers/oracle.js";
import { rng } from "../../helpers/rng.js";
import type { ContractTransactionResponse } from "ethers";

const { loadCinder } = await connectCinder();

const EPOCH = 3_600n;
const LATE = 24n;
const PRICE = 2n * USD;


interface TrackedLease {
  id: bigint;
  provider: HardhatEthersSigner;
  client: HardhatEthersSigner;
  /** The SLA settled or released. */
  closed: boolean;
  funded: bigint;
  refunds: bigint;
  fromStream: bigint;
}

describe("SlaBondManager invariants: bond solvency under random sequences", function () {
  for (const seed of [7, 1_234, 99]) {
    it(`holds every bond and balance it owes after each of 100 random actions (seed ${seed})`, async function () {
      const c = await loadCinder();
      const { time } = c.networkHelpers;
      const sla = c.slaBondManager;
      const slaAddress = await sla.getAddress();
      const market = c.jobMarket;
      const rand = rng(seed);
      const providers = c.providers.slice(0, 2);
      const clients = c.clients;
      const deposited = new Map<string, bigint>();
      const withdrawn = new Map<string, bigint>();
      const paidOut = new Map<string, bigint>();
      /** Credits paid from each provider's bond and exit penalties, from SlaSettled and ExitPenalized. */
      const paidByEvents = new Map<string, bigint>();
      for (const p of providers) {
        const bond = BigInt(20 + rand(40)) * USD;
        await onboardProvider(c, p, { gpus: 6, bond });
        await c.registry.connect(p).setOffer(H100, PRICE);
        deposited.set(p.address, bond);
        withdrawn.set(p.address, 0n);
        paidOut.set(p.address, 0n);
        paidByEvents.set(p.address, 0n);
      }
      for (const [i, client] of clients.entries()) await sla.connect(client).setClientTier(i % SLA_TIERS.length);
      const { chainId } = await c.ethers.provider.getNetwork();
      const domain = { chainId, hub: await c.oracleHub.getAddress() };
      const trees = new Map<bigint, LeafTree>();
      const leafOf = new Map<string, Leaf>();
      const leases: TrackedLease[] = [];
      const done = { leases: 0, refused: 0, quits: 0, settled: 0, released: 0, credited: 0n, fromStream: 0n, withdrawals: 0 };
      const marketAddress = await market.getAddress();
      const marketEvents = async (tx: Promise<ContractTransactionResponse>) => {
        const receipt = await (await tx).wait();
        return receipt!.logs.flatMap((log) => {
          const parsed = log.address === marketAddress ? market.interface.parseLog(log) : log.address === slaAddress ? sla.interface.parseLog(log) : null;
          return parsed === null ? [] : [parsed];
        });
      };
      /** What a lease still holds (an open lease, or a closed one's uncovered tail: every lease here has an SLA). */
      const heldBy = async (id: bigint) => {
        const l = await market.getLease(id);
        return (await market.leaseValue(id)) - l.released - l.streamCredited;
      };

      const epochNow = async () => BigInt(await time.latest()) / EPOCH;
      const epochsOf = async (id: bigint) => {
        const l = await market.getLease(id);
        return { first: l.start / EPOCH, end: (l.end + EPOCH - 1n) / EPOCH, lease: l };
      };

      /** Ends the current epoch and, with probability 3/4, reports it with a leaf for every lease in it. */
      const tick = async () => {
        const epoch = await epochNow();
        await time.increaseTo((epoch + 1n) * EPOCH + 5n);
        if (rand(4) === 0) return;
        const leaves: Leaf[] = [{ kind: "uptime", leaseId: 10n ** 9n + epoch, epoch: Number(epoch), secondsUp: 1, secondsObserved: 1 }];
        for (const t of leases) {
          const { first, end } = await epochsOf(t.id);
          if (epoch < first || epoch >= end) continue;
          const observed = 3_600;
          const up = rand(3) === 0 ? observed - rand(400) : observed;
          const leaf: Leaf = { kind: "uptime", leaseId: t.id, epoch: Number(epoch), secondsUp: up, secondsObserved: observed };
          leaves.push(leaf);
          leafOf.set(`${t.id}:${epoch}`, leaf);
        }
        const tree = buildTree(leaves);
        trees.set(epoch, tree);
        const r = { configDigest: await c.oracleHub.configDigest(), epoch, root: tree.root, leafCount: BigInt(tree.leafCount), contentHash: `0x${"00".repeat(31)}01` };
        await c.oracleHub.submitEpochReport(r, await signReport(c.oracleSigners.slice(0, 3), domain, "EpochReport", { ...r }));
      };

      const check = async (step: number, action: string) => {
        const where = `seed ${seed} step ${step} (${action})`;
        let owed = 0n;
        for (const p of providers) {
          const b = await sla.bondOf(p.address);
          owed += b.total;
          expect(b.locked <= b.total, `${where}: locked <= total`).to.equal(true);
          let locks = 0n;
          for (const t of leases) {
            if (t.closed || t.provider !== p) continue;
            const l = await market.getLease(t.id);
            locks += (((l.pricePerGpuHour * l.gpuCount * (l.end - l.start)) / 3_600n) * l.slaBondPercent) / 100n;
          }
          expect(b.locked, `${where}: locked = sum of open locks`).to.equal(locks);
          expect(deposited.get(p.address), `${where}: bond conservation`).to.equal(withdrawn.get(p.address)! + paidOut.get(p.address)! + b.total);
          expect(paidByEvents.get(p.address), `${where}: bond credits and penalties = their events`).to.equal(paidOut.get(p.address));
        }
        for (const client of clients) owed += await sla.balanceOf(client.address);
        expect(await sla.liabilities(), `${where}: liabilities`).to.equal(owed);
        expect(await c.stablecoin.balanceOf(slaAddress), `${where}: solvency`).to.equal(owed);
        // The market: what its leases hold, its credited balances and its fees, to the unit.
        let marketOwed = await market.collectedFees();
        for (const a of [...clients, ...providers]) marketOwed += await market.balanceOf(a.address);
        for (const t of leases) {
          const held = await heldBy(t.id);
          marketOwed += held;
          const l = await market.getLease(t.id);
          expect(l.streamCredited, `${where}: lease ${t.id} stream credit = its event`).to.equal(t.fromStream);
          expect(t.funded, `${where}: lease ${t.id} funded = released + refunds + stream credit + held`).to.equal(
            l.released + t.refunds + l.streamCredited + held,
          );
        }
        expect(await c.stablecoin.balanceOf(marketAddress), `${where}: market solvency`).to.equal(marketOwed);
      };

      await check(0, "setup");
      for (let step = 1; step <= 100; step++) {
        const action = rand(10);
        const p = providers[rand(providers.length)];
        let name = "tick";
        if (action === 0) {
          name = "deposit";
          const amount = BigInt(1 + rand(10)) * USD;
          await sla.connect(p).deposit(amount);
          deposited.set(p.address, deposited.get(p.address)! + amount);
        } else if (action === 1) {
          name = "withdrawBond";
          const free = await sla.freeBond(p.address);
          const amount = free === 0n ? 1n : BigInt(rand(Number(free / USD) + 1)) * USD + 1n;
          if (amount <= free) {
            await sla.connect(p).withdrawBond(amount);
            withdrawn.set(p.address, withdrawn.get(p.address)! + amount);
          } else {
            await expect(sla.connect(p).withdrawBond(amount))
              .to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond")
              .withArgs(p.address, free, amount);
          }
        } else if (action === 2 || action === 3) {
          name = "lease";
          // Ended leases go back to the provider's capacity (the market's close; the SLA does not depend on it).
          const now = BigInt(await time.latest());
          for (const t of leases) {
            const l = await market.getLease(t.id);
            if (l.status === 1n && l.end < now) await market.close(t.id);
          }
          const client = clients[rand(clients.length)];
          const hours = BigInt(1 + rand(3));
          const percent = BigInt(SLA_TIERS[Number(await sla.clientTier(client.address))].bondPercent);
          const lock = (((PRICE * hours * 3_600n) / 3_600n) * percent) / 100n;
          const free = await sla.freeBond(p.address);
          const tx = market.connect(client).createDirectLease(p.address, H100, 1, hours * 3_600n, PRICE, 0);
          if (lock <= free) {
            await tx;
            done.leases++;
            leases.push({ id: await market.leaseCount(), provider: p, client, closed: false, funded: PRICE * hours, refunds: 0n, fromStream: 0n });
          } else {
            await expect(tx).to.be.revertedWithCustomError(sla, "SlaBondManagerInsufficientFreeBond").withArgs(p.address, free, lock);
            done.refused++;
          }
        } else if (action === 4) {
          name = "quit";
          const now = BigInt(await time.latest());
          const open = [];
          for (const t of leases) if ((await market.getLease(t.id)).end > now + 1n) open.push(t);
          if (open.length > 0) {
            const t = open[rand(open.length)];
            const before = (await sla.bondOf(t.provider.address)).total;
            for (const e of await marketEvents(market.connect(t.provider).quit(t.id))) {
              if (e.name === "LeaseQuit") t.refunds += e.args.refund;
              if (e.name === "ExitPenalized") paidByEvents.set(t.provider.address, paidByEvents.get(t.provider.address)! + e.args.penalty);
            }
            done.quits++;
            paidOut.set(t.provider.address, paidOut.get(t.provider.address)! + before - (await sla.bondOf(t.provider.address)).total);
          }
        } else if (action === 5) {
          name = "settleOrRelease";
          const now = BigInt(await time.latest());
          const current = now / EPOCH;
          for (const t of leases) {
            if (t.closed) continue;
            const { first, end, lease } = await epochsOf(t.id);
            if (now < lease.end) continue;
            // Settleable once every epoch of the term is reported or can no longer be: else wait.
            let ready = true;
            for (let e = first; e < end; e++) if (!trees.has(e) && e >= current - LATE) ready = false;
            if (!ready) continue;
            const before = (await sla.bondOf(t.provider.address)).total;
            const heldBefore = await heldBy(t.id);
            if (rand(3) === 0 && now >= (await sla.releasableAt(t.id))) {
              await sla.release(t.id);
              done.released++;
            } else {
              const proofs = [];
              for (let e = first; e < end; e++) {
                const leaf = leafOf.get(`${t.id}:${e}`);
                const tree = trees.get(e);
                if (leaf === undefined || tree === undefined || leaf.kind !== "uptime") continue;
                proofs.push({ epoch: e, secondsUp: leaf.secondsUp, secondsObserved: leaf.secondsObserved, proof: tree.proof(leaf) });
              }
              for (const e of await marketEvents(sla.connect(c.stranger).settle(t.id, proofs))) {
                if (e.name !== "SlaSettled") continue;
                // The stream pays first, at most what the lease held; the bond the rest, at most the lock.
                expect(e.args.fromStream <= heldBefore, "stream part <= held").to.equal(true);
                if (e.args.fromStream < heldBefore) expect(e.args.fromBond, "stream first").to.equal(0n);
                expect(e.args.fromBond <= e.args.lock, "bond part <= lock").to.equal(true);
                t.fromStream += e.args.fromStream;
                done.fromStream += e.args.fromStream;
                done.credited += e.args.fromStream;
                paidByEvents.set(t.provider.address, paidByEvents.get(t.provider.address)! + e.args.fromBond);
              }
              done.settled++;
            }
            t.closed = true;
            const paid = before - (await sla.bondOf(t.provider.address)).total;
            done.credited += paid;
            paidOut.set(t.provider.address, paidOut.get(t.provider.address)! + paid);
          }
        } else if (action === 6) {
          name = "withdraw";
          const client = clients[rand(clients.length)];
          if ((await sla.balanceOf(client.address)) > 0n) await sla.connect(client).withdraw();
          if ((await market.balanceOf(client.address)) > 0n) await market.connect(client).withdrawBalance();
        } else if (action === 7) {
          name = "withdrawAccrued";
          // The provider takes each of its leases' streams up to the oracle's covered time, never more.
          for (const t of leases.filter((x) => x.provider === p)) {
            await time.increase(1);
            const l = await market.getLease(t.id);
            const covered = await c.oracleHub.coveredUntil();
            const nowT = BigInt(await time.latest()) + 1n;
            let until = nowT < l.end ? nowT : l.end;
            if (covered < until) until = covered > l.start ? covered : l.start;
            const expected = (l.pricePerGpuHour * l.gpuCount * (until - l.start)) / 3_600n - l.released - l.streamCredited;
            await time.setNextBlockTimestamp(nowT);
            if (expected === 0n) {
              await expect(market.connect(p).withdrawAccrued(t.id)).to.be.revertedWithCustomError(market, "JobMarketNothingToWithdraw").withArgs(t.id);
            } else {
              await expect(market.connect(p).withdrawAccrued(t.id)).to.emit(market, "PaymentReleased").withArgs(t.id, p.address, expected, (expected * 100n + 9_999n) / 10_000n);
              done.withdrawals++;
            }
          }
        } else {
          await tick();
          if (rand(3) === 0) await time.increase(Number(LATE * EPOCH));
        }
        await check(step, name);
      }
      // The sequence really exercised the bond: leases locked it, and settlements paid credits from it.
      expect(done.leases).to.be.greaterThan(5);
      expect(done.settled + done.released).to.be.greaterThan(2);
      expect(done.credited).to.be.greaterThan(0n);
      expect(done.fromStream).to.be.greaterThan(0n);
      expect(done.withdrawals).to.be.greaterThan(2);
    });
  }
});
