/**
 * The cross-contract invariant campaign's harness: narrow handlers for every actor's actions across the deployed
 * protocol (providers stake and stream, delegators delegate, withdraw and claim, clients lease, post orders, cancel
 * and pay through channels, keepers report epochs, settle SLAs, close emission epochs and buy back, reporters
 * propose slashes, the guardian vetoes, strangers probe every setter, clients dispute batch results that nobody
 * answers and anyone expires them, keepers execute pools' deferred slashes), and the checks of DESIGN.md invariants
 * 1-8 after every step.
 *
 * A sequence is a list of steps, each a handler index and its own seed, so dropping steps (shrinking) leaves every
 * other step's choices intact. Handlers choose among the actions the state allows (a lease to cancel, a pending
 * withdrawal to claim); a call the protocol refuses is allowed (it is counted), except where an invariant says it
 * must succeed (invariant 8: a withdrawal or claim that is due, a balance that is owed).
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, ContractTransactionResponse, Result } from "ethers";
import { type Abi, type Address, decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { type ReadBatch, ReadBatch__factory } from "../../types/ethers-contracts/index.js";
import { buildTree, type Leaf, type LeafTree } from "../../src/protocol/leaves.js";
import { type Cinder, H100, onboardProvider, ONE, USD } from "../helpers/fixture.js";
import { FAULT, signReport } from "../helpers/oracle.js";
import { swap } from "../helpers/emissions.js";

import { rng } from "../helpers/rng.js";

export { rng };

export interface Step {
  handler: number;
  seed: number;
}

/** A random sequence of `depth` steps drawn from `seed`. */
export function sequence(seed: number, depth: number): Step[] {
  const r = rng(seed);
  // Handlers are drawn by weight: time must pass often for leases to end, epochs to close and unbonding to finish.
  const table = HANDLERS.flatMap((h, i) => Array.from({ length: h.weight ?? 1 }, () => i));
  return Array.from({ length: depth }, () => ({ handler: table[r(table.length)]!, seed: r(2 ** 31) }));
}

/** An invariant that failed, with where. */
export class InvariantViolation extends Error {
  override name = "InvariantViolation" as const;
  constructor(
    readonly invariant: string,
    readonly step: number,
    readonly handlerName: string,
    detail: string,
  ) {
    super(`invariant ${invariant} broken after step ${step} (${handlerName}): ${detail}`);
  }
}

const PRICE = 2n * USD;
const HOUR = 3_600n;
const LATE = 24n;

interface TrackedLease {
  id: bigint;
  client: HardhatEthersSigner;
  provider: HardhatEthersSigner;
  slaDone: boolean;
}
interface TrackedSlash {
  id: string;
  executableAt: bigint;
}
interface TrackedDispute {
  id: bigint;
  client: HardhatEthersSigner;
  provider: HardhatEthersSigner;
}

/** The state of the protocol the handlers remember between steps (reset with the chain for every sequence). */
class Ghost {
  leases: TrackedLease[] = [];
  orders: bigint[] = [];
  slashes: TrackedSlash[] = [];
  disputes: TrackedDispute[] = [];
  trees = new Map<bigint, LeafTree>();
  leaves = new Map<string, Leaf>();
  closedEpochs: bigint[] = [];
  faults = 0;
  /** Counts of successful and refused calls per handler. */
  ok = new Map<string, number>();
  refused = new Map<string, number>();
}

/** Everything set up once per campaign (before the snapshot every sequence starts from). */
export interface World {
  c: Cinder;
  providers: HardhatEthersSigner[];
  delegators: HardhatEthersSigner[];
  clients: HardhatEthersSigner[];
  gpus: Map<string, string[]>;
  /** Every address that may hold the stablecoin: the sum of their balances is the total supply (conservation). */
  holders: string[];
  chainId: bigint;
  hubDomain: { chainId: bigint; hub: string };
  channelsDomain: { name: string; version: string; chainId: bigint; verifyingContract: string };
  oracleEpoch: bigint;
  emissionEpoch: bigint;
  maxSupply: bigint;
  /** Reads the state the checks need in one call (a test-only helper contract, deployed before the snapshot). */
  reads: ReadBatch;
  addresses: Record<"leaseAuction" | "jobMarket" | "disputeManager" | "slaBondManager" | "paymentChannels" | "vault" | "buybackBurner", string>;
}

export async function setUp(c: Cinder): Promise<World> {
  const providers = c.providers.slice(0, 2);
  const gpus = new Map<string, string[]>();
  for (const p of providers) {
    gpus.set(p.address, await onboardProvider(c, p, { gpus: 4 }));
    await c.registry.connect(p).setOffer(H100, PRICE);
  }
  const { chainId } = await c.ethers.provider.getNetwork();
  const contracts = [
    c.token, c.registry, c.vault, c.stablecoin, c.feeRouter, c.emissions, c.jobMarket, c.leaseAuction, c.paymentChannels,
    c.buybackBurner, c.oracleHub, c.slaBondManager, c.slashingManager, c.timelock, c.governor, c.manager,
    c.uniswapPair, c.uniswapRouter, c.uniswapFactory, c.disputeManager,
  ];
  const signers = await c.ethers.getSigners();
  const holders = new Set<string>([...signers.map((s) => s.address), ...(await Promise.all(contracts.map((k) => k.getAddress())))]);
  holders.add(await c.feeRouter.treasury());
  holders.add(await c.feeRouter.buyback());
  return {
    c,
    providers,
    delegators: c.delegators.slice(4, 5).concat([c.stranger]),
    clients: c.clients.slice(0, 2),
    gpus,
    holders: [...holders],
    chainId,
    hubDomain: { chainId, hub: await c.oracleHub.getAddress() },
    channelsDomain: { name: "CinderPaymentChannels", version: "1", chainId, verifyingContract: await c.paymentChannels.getAddress() },
    oracleEpoch: await c.oracleHub.EPOCH_LENGTH(),
    emissionEpoch: await c.emissions.EPOCH_LENGTH(),
    maxSupply: await c.token.MAX_SUPPLY(),
    reads: await new ReadBatch__factory(c.deployer).deploy(),
    addresses: {
      leaseAuction: await c.leaseAuction.getAddress(),
      jobMarket: await c.jobMarket.getAddress(),
      disputeManager: await c.disputeManager.getAddress(),
      slaBondManager: await c.slaBondManager.getAddress(),
      paymentChannels: await c.paymentChannels.getAddress(),
      vault: await c.vault.getAddress(),
      buybackBurner: await c.buybackBurner.getAddress(),
    },
  };
}

type Rand = (n: number) => number;
interface Ctx {
  w: World;
  g: Ghost;
  r: Rand;
  pick<T>(xs: T[]): T;
}
/** A handler: returns the action's name; a refused call throws and is counted by `attempt`. */
type Handler = { name: string; weight?: number; run: (x: Ctx) => Promise<void> };

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

/** Runs a call the protocol may refuse; returns whether it went through. */
async function attempt(x: Ctx, name: string, call: () => Promise<ContractTransactionResponse>): Promise<boolean> {
  try {
    await (await call()).wait();
    x.g.ok.set(name, (x.g.ok.get(name) ?? 0) + 1);
    return true;
  } catch (e) {
    if (e instanceof InvariantViolation) throw e;
    x.g.refused.set(name, (x.g.refused.get(name) ?? 0) + 1);
    return false;
  }
}

/** A call that must go through: a refusal breaks `invariant`. */
async function must(x: Ctx, invariant: string, what: string, call: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionResponse> {
  try {
    const tx = await call();
    await tx.wait();
    x.g.ok.set(what, (x.g.ok.get(what) ?? 0) + 1);
    return tx;
  } catch (e) {
    throw new InvariantViolation(invariant, -1, what, `refused: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** A replay that must be refused (invariant 4). */
async function refused(what: string, call: () => Promise<unknown>): Promise<void> {
  let went = false;
  try {
    await call();
    went = true;
  } catch {
    // refused, as it must be
  }
  if (went) throw new InvariantViolation("4 (once only)", -1, what, "a replay went through");
}

const amountOf = (r: Rand, max: number, unit: bigint) => BigInt(1 + r(max)) * unit;

export const HANDLERS: Handler[] = [
  {
    name: "stake",
    run: async (x) => {
      const p = x.pick(x.w.providers);
      await attempt(x, "stake", () => x.w.c.vault.connect(p).stake(amountOf(x.r, 500, ONE)));
    },
  },
  {
    name: "delegate",
    run: async (x) => {
      const d = x.pick(x.w.delegators);
      const p = x.pick(x.w.providers);
      await attempt(x, "delegate", () => x.w.c.vault.connect(d).delegate(p.address, amountOf(x.r, 300, ONE)));
    },
  },
  {
    name: "requestWithdraw",
    run: async (x) => {
      const p = x.pick(x.w.providers);
      const who = x.r(3) === 0 ? p : x.pick(x.w.delegators);
      const balance = await x.w.c.vault.delegatedBalance(p.address, who.address);
      const amount = balance === 0n ? ONE : (balance * BigInt(1 + x.r(100))) / 100n;
      await attempt(x, "requestWithdraw", () => x.w.c.vault.connect(who).requestWithdraw(p.address, amount));
    },
  },
  {
    name: "claimWithdraw",
    weight: 2,
    run: async (x) => {
      const p = x.pick(x.w.providers);
      const who = x.r(3) === 0 ? p : x.pick(x.w.delegators);
      const [assets, unlockAt] = (await x.w.c.vault.pendingWithdrawal(p.address, who.address)) as unknown as [bigint, bigint];
      if (assets === 0n) return;
      const t = await now(x.w.c);
      const held = (await x.w.c.vault.getPool(p.address)).slashHolds > 0n;
      // Invariant 8: a withdrawal past its unlock, with no slash pending on the pool, is always paid.
      if (t + 1n >= unlockAt && !held) await must(x, "8 (no blocking)", "claimWithdraw", () => x.w.c.vault.connect(who).claimWithdraw(p.address));
      else await attempt(x, "claimWithdraw.early", () => x.w.c.vault.connect(who).claimWithdraw(p.address));
    },
  },
  {
    name: "claimRewards",
    run: async (x) => {
      const p = x.pick(x.w.providers);
      const who = x.r(3) === 0 ? p : x.pick(x.w.delegators);
      await attempt(x, "claimRewards", () => x.w.c.vault.connect(who).claimRewards(p.address));
    },
  },
  {
    name: "lease",
    weight: 2,
    run: async (x) => {
      const client = x.pick(x.w.clients);
      const p = x.pick(x.w.providers);
      const hours = BigInt(1 + x.r(4));
      const ok = await attempt(x, "lease", () => x.w.c.jobMarket.connect(client).createDirectLease(p.address, H100, 1 + x.r(2), hours * HOUR, PRICE, 0));
      if (ok) x.g.leases.push({ id: await x.w.c.jobMarket.leaseCount(), client, provider: p, slaDone: false });
    },
  },
  {
    name: "postOrder",
    run: async (x) => {
      const client = x.pick(x.w.clients);
      const ok = await attempt(x, "postOrder", () => x.w.c.leaseAuction.connect(client).postOrder(H100, 1, BigInt(1 + x.r(3)) * HOUR, 3n * USD, 3_600n, 0));
      if (ok) x.g.orders.push(await x.w.c.leaseAuction.orderCount());
    },
  },
  {
    name: "bid",
    run: async (x) => {
      if (x.g.orders.length === 0) return;
      const id = x.pick(x.g.orders);
      const o = await x.w.c.leaseAuction.getOrder(id);
      const price = o.bestBidder === "0x0000000000000000000000000000000000000000" ? o.maxPricePerGpuHour - BigInt(x.r(1_000)) : (o.bestPrice * 95n) / 100n;
      await attempt(x, "bid", () => x.w.c.leaseAuction.connect(x.pick(x.w.providers)).bid(id, price));
    },
  },
  {
    name: "finalizeAuction",
    run: async (x) => {
      if (x.g.orders.length === 0) return;
      const id = x.pick(x.g.orders);
      const before = await x.w.c.jobMarket.leaseCount();
      const ok = await attempt(x, "finalizeAuction", () => x.w.c.leaseAuction.finalizeAuction(id));
      const after = await x.w.c.jobMarket.leaseCount();
      if (ok && after > before) {
        const l = await x.w.c.jobMarket.getLease(after);
        const provider = x.w.providers.find((p) => p.address === l.provider)!;
        const client = x.w.clients.find((k) => k.address === l.client)!;
        x.g.leases.push({ id: after, client, provider, slaDone: false });
      }
    },
  },
  {
    name: "stream",
    run: async (x) => {
      if (x.g.leases.length === 0) return;
      const l = x.pick(x.g.leases);
      await attempt(x, "withdrawAccrued", () => x.w.c.jobMarket.connect(l.provider).withdrawAccrued(l.id));
    },
  },
  {
    name: "cancel",
    run: async (x) => {
      if (x.g.leases.length === 0) return;
      const l = x.pick(x.g.leases);
      await attempt(x, "cancel", () => x.w.c.jobMarket.connect(l.client).cancel(l.id));
    },
  },
  {
    name: "close",
    run: async (x) => {
      if (x.g.leases.length === 0) return;
      const l = x.pick(x.g.leases);
      await attempt(x, "close", () => x.w.c.jobMarket.connect(x.pick(x.w.delegators)).close(l.id));
    },
  },
  {
    name: "withdrawBalances",
    run: async (x) => {
      // Invariant 8: whatever the market, the SLA manager or the channels owe an account, it can always take.
      const c = x.w.c;
      for (const who of [...x.w.clients, ...x.w.providers]) {
        if ((await c.jobMarket.balanceOf(who.address)) > 0n) await must(x, "8 (no blocking)", "market.withdrawBalance", () => c.jobMarket.connect(who).withdrawBalance());
        if ((await c.slaBondManager.balanceOf(who.address)) > 0n) await must(x, "8 (no blocking)", "sla.withdraw", () => c.slaBondManager.connect(who).withdraw());
      }
      for (const p of x.w.providers) {
        if ((await c.paymentChannels.earningsOf(p.address)) > 0n) await must(x, "8 (no blocking)", "channels.withdrawEarnings", () => c.paymentChannels.withdrawEarnings(p.address));
      }
    },
  },
  {
    name: "redeem",
    weight: 2,
    run: async (x) => {
      const c = x.w.c;
      const client = x.pick(x.w.clients);
      const p = x.pick(x.w.providers);
      const ch = await c.paymentChannels.getChannel(client.address, p.address);
      if (ch.balance < 10n * USD) await attempt(x, "channel.deposit", () => c.paymentChannels.connect(client).deposit(p.address, amountOf(x.r, 50, USD)));
      const voucher = { client: client.address, provider: p.address, cumulativeAmount: ch.redeemed + amountOf(x.r, 5_000, 1_000n) };
      const types = { Voucher: [{ name: "client", type: "address" }, { name: "provider", type: "address" }, { name: "cumulativeAmount", type: "uint128" }] };
      const signature = await client.signTypedData(x.w.channelsDomain, types, voucher);
      const ok = await attempt(x, "redeem", () => c.paymentChannels.connect(p).redeem(voucher, signature));
      if (ok) await refused("redeem replay", () => c.paymentChannels.connect(p).redeem.staticCall(voucher, signature));
    },
  },
  {
    name: "thaw",
    run: async (x) => {
      const c = x.w.c;
      const client = x.pick(x.w.clients);
      const p = x.pick(x.w.providers);
      const ch = await c.paymentChannels.getChannel(client.address, p.address);
      if (ch.thawing > 0n && (await now(c)) >= ch.thawEndsAt) await must(x, "8 (no blocking)", "channel.withdraw", () => c.paymentChannels.connect(client).withdraw(p.address));
      else if (ch.balance > 0n) await attempt(x, "channel.requestThaw", () => c.paymentChannels.connect(client).requestThaw(p.address, (ch.balance + 1n) / 2n));
    },
  },
  {
    name: "reportEpoch",
    weight: 2,
    run: async (x) => {
      const c = x.w.c;
      const E = x.w.oracleEpoch;
      const epoch = (await now(c)) / E - 1n;
      if (epoch < 0n || (await c.oracleHub.hasReport(epoch))) return;
      const leaves: Leaf[] = [{ kind: "uptime", leaseId: 10n ** 9n + epoch, epoch: Number(epoch), secondsUp: 1, secondsObserved: 1 }];
      for (const l of x.g.leases) {
        const lease = await c.jobMarket.getLease(l.id);
        if (epoch < lease.start / E || epoch >= (lease.end + E - 1n) / E) continue;
        const up = x.r(3) === 0 ? 3_600 - x.r(600) : 3_600;
        const leaf: Leaf = { kind: "uptime", leaseId: l.id, epoch: Number(epoch), secondsUp: up, secondsObserved: 3_600 };
        leaves.push(leaf);
        x.g.leaves.set(`${l.id}:${epoch}`, leaf);
      }
      const tree = buildTree(leaves);
      const report = { configDigest: await c.oracleHub.configDigest(), epoch, root: tree.root, leafCount: BigInt(tree.leafCount), contentHash: `0x${"00".repeat(31)}01` };
      const sigs = await signReport(c.oracleSigners.slice(0, 3), x.w.hubDomain, "EpochReport", { ...report });
      if (await attempt(x, "submitEpochReport", () => c.oracleHub.submitEpochReport(report, sigs))) {
        x.g.trees.set(epoch, tree);
        await refused("epoch report replay", () => c.oracleHub.submitEpochReport.staticCall(report, sigs));
      }
    },
  },
  {
    name: "settleSla",
    weight: 2,
    run: async (x) => {
      const c = x.w.c;
      const E = x.w.oracleEpoch;
      const t = await now(c);
      for (const l of x.g.leases) {
        if (l.slaDone) continue;
        const lease = await c.jobMarket.getLease(l.id);
        if (t < lease.end) continue;
        const first = lease.start / E;
        const end = (lease.end + E - 1n) / E;
        const proofs: { epoch: bigint; secondsUp: number; secondsObserved: number; proof: string[] }[] = [];
        for (let e = first; e < end; e++) {
          const leaf = x.g.leaves.get(`${l.id}:${e}`);
          const tree = x.g.trees.get(e);
          if (leaf === undefined || tree === undefined || leaf.kind !== "uptime") continue;
          proofs.push({ epoch: e, secondsUp: leaf.secondsUp, secondsObserved: leaf.secondsObserved, proof: tree.proof(leaf) });
        }
        const useRelease = x.r(3) === 0;
        const ok = useRelease
          ? await attempt(x, "sla.release", () => c.slaBondManager.release(l.id))
          : await attempt(x, "sla.settle", () => c.slaBondManager.connect(x.pick(x.w.delegators)).settle(l.id, proofs));
        // A settlement may advance without closing (epochs still inside the late window); once closed it is final.
        if (ok && (await c.slaBondManager.getSettlement(l.id)).closed) {
          l.slaDone = true;
          await refused("SLA settlement replay", () => c.slaBondManager.settle.staticCall(l.id, proofs));
          await refused("SLA release after close", () => c.slaBondManager.release.staticCall(l.id));
        }
        return;
      }
    },
  },
  {
    name: "proposeSlash",
    run: async (x) => {
      // Rare: a slash jails the provider, which ends its part in the rest of the sequence.
      if (x.r(4) !== 0) return;
      const c = x.w.c;
      const p = x.pick(x.w.providers);
      x.g.faults += 1;
      const report = {
        configDigest: await c.oracleHub.configDigest(),
        provider: p.address,
        faultType: FAULT.FailedGpuChallenge,
        subject: x.pick(x.w.gpus.get(p.address)!),
        epoch: await c.oracleHub.currentEpoch(),
        evidenceHash: `0x${(x.g.faults + 0x1000).toString(16).padStart(64, "0")}`,
      };
      const sigs = await signReport(c.oracleSigners.slice(0, 3), x.w.hubDomain, "FaultReport", { ...report });
      if (!(await attempt(x, "submitFaultReport", () => c.oracleHub.submitFaultReport(report, sigs)))) return;
      const id = await c.oracleHub.hashFaultReport(report);
      if (await attempt(x, "slash.propose", () => c.slashingManager.connect(c.delegators[4]).propose(report))) {
        const prop = await c.slashingManager.getProposal(id);
        x.g.slashes.push({ id, executableAt: prop.executableAt });
        await refused("slash proposal replay", () => c.slashingManager.propose.staticCall(report));
      }
    },
  },
  {
    name: "executeOrVetoSlash",
    run: async (x) => {
      const c = x.w.c;
      const s = x.g.slashes.shift();
      if (s === undefined) return;
      if (x.r(3) === 0) {
        await attempt(x, "slash.veto", () => c.slashingManager.connect(c.guardian).veto(s.id));
      } else {
        const t = await now(c);
        if (t < s.executableAt) await c.networkHelpers.time.increaseTo(s.executableAt);
        if (await attempt(x, "slash.execute", () => c.slashingManager.execute(s.id))) {
          await refused("slash execution replay", () => c.slashingManager.execute.staticCall(s.id));
          // The vault keeps what a slash takes until anyone burns the batch (the bounty stays credited).
          if (x.r(2) === 0) {
            const [toBurn] = await c.vault.slashedHeld();
            const supply = await c.token.totalSupply();
            if (await attempt(x, "slash.burnSlashed", () => c.slashingManager.burnSlashed())) {
              if (supply - (await c.token.totalSupply()) !== toBurn) {
                throw new InvariantViolation("3 (stake)", -1, "executeOrVetoSlash", `burnSlashed burned ${supply - (await c.token.totalSupply())}, the vault held ${toBurn} to burn`);
              }
            }
          }
        }
      }
    },
  },
  {
    name: "disputeJob",
    run: async (x) => {
      // A client disputes a batch job's result (valid or not: the quorum and the arbitrator stay silent here).
      const c = x.w.c;
      const client = x.pick(x.w.clients);
      const p = x.pick(x.w.providers);
      const hours = BigInt(1 + x.r(4));
      if (!(await attempt(x, "batchLease", () => c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, hours * HOUR, PRICE, 1)))) return;
      const id = await c.jobMarket.leaseCount();
      const result = `0x${(0x5000n + id).toString(16).padStart(64, "0")}`;
      if (!(await attempt(x, "submitResult", () => c.jobMarket.connect(p).submitResult(id, result, "r")))) return;
      if (await attempt(x, "dispute.open", () => c.disputeManager.connect(client).open(id))) x.g.disputes.push({ id, client, provider: p });
    },
  },
  {
    name: "expireDispute",
    run: async (x) => {
      // Disputes default to the result: an expiry pays the provider the escrow and the forfeited deposit, and gives
      // the client nothing back; anyone may expire it once the arbitration deadline passed (it cannot be blocked).
      const c = x.w.c;
      const t = x.g.disputes.shift();
      if (t === undefined) return;
      const dm = c.disputeManager;
      const d = await dm.getDispute(t.id);
      if (d.status !== 1n && d.status !== 2n) return;
      if ((await now(c)) < d.arbitrationDeadline) await c.networkHelpers.time.increaseTo(d.arbitrationDeadline);
      const lease = await c.jobMarket.getLease(t.id);
      const held = (await c.jobMarket.leaseValue(t.id)) - lease.released;
      const payout = await c.registry.payoutOf(t.provider.address);
      const read = async () => ({
        clientDeposit: await dm.balanceOf(t.client.address),
        clientMarket: await c.jobMarket.balanceOf(t.client.address),
        providerDeposit: await dm.balanceOf(t.provider.address),
        providerMarket: await c.jobMarket.balanceOf(payout),
        fees: await c.jobMarket.collectedFees(),
      });
      const before = await read();
      await must(x, "8 (no blocking)", "dispute.expire", () => dm.connect(x.pick(x.w.delegators)).expire(t.id));
      const after = await read();
      const fail = (detail: string) => {
        throw new InvariantViolation("disputes default to the result", -1, "expireDispute", `lease ${t.id}: ${detail}`);
      };
      if (after.clientDeposit !== before.clientDeposit || after.clientMarket !== before.clientMarket) fail("the client got something back");
      if (after.providerDeposit - before.providerDeposit !== d.deposit) fail(`the provider was credited ${after.providerDeposit - before.providerDeposit}, not the deposit ${d.deposit}`);
      if (after.providerMarket - before.providerMarket + (after.fees - before.fees) !== held) fail(`the provider was paid ${after.providerMarket - before.providerMarket} + fee, not the escrow ${held}`);
      await refused("dispute expiry replay", () => dm.expire.staticCall(t.id));
      if (x.r(2) === 0) await must(x, "8 (no blocking)", "dispute.withdraw", () => dm.connect(t.provider).withdraw());
    },
  },
  {
    name: "executeDeferredSlash",
    run: async (x) => {
      // Keepers: a pool's deferred slash executes in O(1) whenever the window has room, whatever other pools defer.
      const c = x.w.c;
      const sm = c.slashingManager;
      const p = x.pick(x.w.providers);
      const [id] = await sm.deferredOf(p.address);
      if (id === "0x" + "00".repeat(32)) return;
      if ((await sm.windowRoom()) === 0n) {
        await attempt(x, "slash.executeDeferred.full", () => sm.executeDeferred(p.address));
        return;
      }
      await must(x, "deferred, never dropped", "slash.executeDeferred", () => sm.executeDeferred(p.address));
      const [still, left] = await sm.deferredOf(p.address);
      if (still !== "0x" + "00".repeat(32) && (await sm.windowRoom()) !== 0n) {
        throw new InvariantViolation("deferred, never dropped", -1, "executeDeferredSlash", `${left} left deferred with room in the window`);
      }
    },
  },
  {
    name: "closeEpoch",
    run: async (x) => {
      const c = x.w.c;
      const epoch = (await now(c)) / x.w.emissionEpoch - 1n;
      if (await attempt(x, "closeEpoch", () => c.emissions.closeEpochAt(epoch))) {
        x.g.closedEpochs.push(epoch);
        await refused("epoch close replay", () => c.emissions.closeEpochAt.staticCall(epoch));
        for (const p of x.w.providers) await attempt(x, "emissions.settle", () => c.emissions.settle(p.address, epoch));
      }
    },
  },
  {
    name: "buyback",
    run: async (x) => {
      const c = x.w.c;
      await attempt(x, "market.sweepFees", () => c.jobMarket.sweepFees());
      await attempt(x, "channels.sweepFees", () => c.paymentChannels.sweepFees());
      await attempt(x, "feeRouter.distribute", () => c.feeRouter.distribute(c.stablecoin.getAddress()));
      await attempt(x, "buyback.observe", () => c.buybackBurner.observe());
      const balance = await c.stablecoin.balanceOf(await c.buybackBurner.getAddress());
      if (balance === 0n) return;
      const amount = (balance * BigInt(1 + x.r(100))) / 100n;
      const supply = await c.token.totalSupply();
      const tx = await c.buybackBurner.execute(amount, 0n, (await now(c)) + 3_600n).catch(() => undefined);
      if (tx === undefined) {
        x.g.refused.set("buyback.execute", (x.g.refused.get("buyback.execute") ?? 0) + 1);
        return;
      }
      const receipt = await tx.wait();
      x.g.ok.set("buyback.execute", (x.g.ok.get("buyback.execute") ?? 0) + 1);
      let burned: bigint | undefined;
      for (const log of receipt!.logs) {
        const parsed = c.buybackBurner.interface.parseLog(log);
        if (parsed?.name === "BuybackExecuted") burned = parsed.args.getValue("burned") as bigint;
      }
      if (burned === undefined || burned === 0n) throw new InvariantViolation("6 (buyback burned)", -1, "buyback", "no CNDR burned");
      // Invariant 6: every CNDR bought was burned in the same transaction (the supply fell by it, none is left).
      if (supply - (await c.token.totalSupply()) !== burned) throw new InvariantViolation("6 (buyback burned)", -1, "buyback", `supply fell by ${supply - (await c.token.totalSupply())}, burned ${burned}`);
    },
  },
  {
    name: "swap",
    run: async (x) => {
      // A trader moves the pool (TWAP inputs for the buyback and the wash guard) either way.
      const c = x.w.c;
      const sell = x.r(2) === 0;
      await attempt(x, "swap", () => swap(c, c.delegators[4], sell ? amountOf(x.r, 1_000, ONE) : amountOf(x.r, 500, USD), sell));
    },
  },
  {
    name: "warp",
    weight: 5,
    run: async (x) => {
      const r = x.r(10);
      // Minutes, hours, past the oracle's late window, or (rarely) past the unbonding period and its windows.
      const unbond = Number(await x.w.c.vault.unbondingPeriod()) + Number(await x.w.c.vault.exposureTail()) + 3_600;
      const seconds = r < 5 ? 60 * (1 + x.r(60)) : r < 8 ? 3_600 * (1 + x.r(6)) : r < 9 ? Number(LATE * HOUR) + 3_600 : unbond;
      await x.w.c.networkHelpers.time.increase(seconds);
      x.g.ok.set("warp", (x.g.ok.get("warp") ?? 0) + 1);
    },
  },
  {
    name: "governanceTakes",
    run: governanceTakes,
  },
  {
    // A provider leasing its own GPUs for a long time at its own price (Medium 4 of the audit's issue 15): the
    // lease needs its GPUs' stake, and no more of the pool than that.
    name: "selfDealtLease",
    run: async (x) => {
      const p = x.pick(x.w.providers);
      const days = BigInt(30 + x.r(336));
      const ok = await attempt(x, "selfDealtLease", () => x.w.c.jobMarket.connect(p).createDirectLease(p.address, H100, 1, days * 86_400n, PRICE, 0));
      if (ok) x.g.leases.push({ id: await x.w.c.jobMarket.leaseCount(), client: p, provider: p, slaDone: false });
    },
  },
  {
    // Invariant 8 (no blocking, exposure): a delegator whose withdrawal leaves the pool's active stake covering
    // everything its leases need (their need and, conservatively, the cooling part whatever its age) exits in the
    // unbonding period, however long the pool's leases run.
    name: "delegatorExitCovered",
    weight: 2,
    run: async (x) => {
      const c = x.w.c;
      const p = x.pick(x.w.providers);
      const d = x.pick(x.w.delegators);
      const balance = await c.vault.delegatedBalance(p.address, d.address);
      if (balance === 0n) return;
      // The whole position (type(uint256).max) or a part of it (rounding up the shares burned stays within it).
      const percent = BigInt(1 + x.r(100));
      const amount = (balance * percent) / 100n;
      if (amount === 0n) return;
      const pool = await c.vault.getPool(p.address);
      const e = await c.vault.getExposure(p.address);
      const cover = pool.selfActive + pool.delegatedAssets - amount;
      if (cover < e.need + e.coolingNeed) return;
      // A merged request keeps an earlier, later unlock (zero when nothing is pending).
      const [, unlockBefore] = (await c.vault.pendingWithdrawal(p.address, d.address)) as unknown as [bigint, bigint];
      const request = percent === 100n ? c.ethers.MaxUint256 : amount;
      const tx = await must(x, "8 (no blocking: exposure)", "requestWithdraw.covered", () => c.vault.connect(d).requestWithdraw(p.address, request));
      const block = await c.ethers.provider.getBlock((await tx.wait())!.blockNumber);
      const unbonded = BigInt(block!.timestamp) + (await c.vault.unbondingPeriod());
      const expected = unlockBefore > unbonded ? unlockBefore : unbonded;
      const [, unlockAt] = (await c.vault.pendingWithdrawal(p.address, d.address)) as unknown as [bigint, bigint];
      if (unlockAt !== expected) {
        throw new InvariantViolation("8 (no blocking: exposure)", -1, "requestWithdraw.covered", `unlock ${unlockAt}, expected ${expected}: it waited for exposure its share was not needed for`);
      }
    },
  },
];

/**
 * Governance as an attacker (DESIGN, "Powers"): the timelock grants a configured role to an outsider and a retired
 * or fresh role id to itself, tries to remap the vault's slash hook or replace the vault's authority at once, and tries every
 * wired power; each grant is pending for the access delay, the remap and authority change are refused without a
 * schedule, every power refuses it, and no CNDR, supply or stablecoin moved.
 */
async function governanceTakes(x: Ctx): Promise<void> {
  const c = x.w.c;
  const g = c.governance;
  const timelock = g.address;
  const p = x.pick(x.w.providers).address;
  const vault = await c.vault.getAddress();
  const snapshot = async () => [
    await c.token.balanceOf(vault),
    await c.token.balanceOf(timelock),
    await c.token.totalSupply(),
    await c.stablecoin.balanceOf(await c.jobMarket.getAddress()),
    await c.stablecoin.balanceOf(await c.leaseAuction.getAddress()),
    await c.vault.totalStake(p),
  ];
  const before = await snapshot();
  // A configured role to an outsider waits the access delay; a retired or fresh id to itself maps to no function.
  const role = BigInt(x.pick([0, 1, 2, 17]));
  if (await attempt(x, "governanceTakes.grant", () => c.manager.connect(g).grantRole(role, c.stranger.address, 0))) {
    const [member] = await c.manager.hasRole(role, c.stranger.address);
    if (member) throw new InvariantViolation("7 (powers)", -1, "governanceTakes", `role ${role} effective without the access delay`);
  }
  await attempt(x, "governanceTakes.grantRetired", () => c.manager.connect(g).grantRole(BigInt(x.pick([10, 11, 12, 14, 16, 99])), timelock, 0));
  const slashHook = c.vault.interface.getFunction("executeSlash")!.selector;
  const takes: [string, () => Promise<ContractTransactionResponse>][] = [
    ["remap", () => c.manager.connect(g).setTargetFunctionRole(vault, [slashHook], ROLES_GOVERNANCE)],
    ["updateAuthority", () => c.manager.connect(g).updateAuthority(vault, timelock)],
    ["mint", () => c.token.connect(g).mint(timelock, ONE)],
    ["executeSlash", () => c.vault.connect(g).executeSlash(p, ONE, 0, false)],
    ["holdForSlash", () => c.vault.connect(g).holdForSlash(p)],
    ["jail", () => c.registry.connect(g).jail(p, 1n)],
    ["resolveDispute", () => c.jobMarket.connect(g).resolveDispute(1n, 0n)],
    ["onDisputeLost", () => c.slashingManager.connect(g).onDisputeLost(p, 1n, timelock)],
  ];
  const [name, take] = takes[x.r(takes.length)]!;
  if (await attempt(x, `governanceTakes.${name}`, take)) {
    throw new InvariantViolation("7 (powers)", -1, "governanceTakes", `governance's ${name} went through`);
  }
  const after = await snapshot();
  if (after.some((v, i) => v !== before[i])) {
    throw new InvariantViolation("7 (powers)", -1, "governanceTakes", `funds moved: ${before.join(",")} -> ${after.join(",")}`);
  }
}

/** deploy/roles.ts ROLES.GOVERNANCE. */
const ROLES_GOVERNANCE = 1n;

/** A struct read from a view, as a plain (writable) object to pass back into a call. */
const plain = <T>(r: T): T => (r as unknown as Result).toObject(true) as T;

/** Invariant 7: a stranger and the guardian are refused every governance setter (static calls, no state change). */
async function checkAccess(w: World, r: Rand): Promise<void> {
  const c = w.c;
  const setters: [string, (s: HardhatEthersSigner) => Promise<unknown>][] = [
    ["vault.setUnbondingPeriod", (s) => c.vault.connect(s).setUnbondingPeriod.staticCall(1)],
    ["vault.setMinDelegation", (s) => c.vault.connect(s).setMinDelegation.staticCall(0)],
    ["market.setParams", async (s) => c.jobMarket.connect(s).setParams.staticCall(plain(await c.jobMarket.params()))],
    ["sla.setParams", async (s) => c.slaBondManager.connect(s).setParams.staticCall(plain(await c.slaBondManager.params()))],
    ["emissions.setParams", async (s) => c.emissions.connect(s).setParams.staticCall(plain(await c.emissions.params()))],
    ["buyback.setParams", async (s) => c.buybackBurner.connect(s).setParams.staticCall(plain(await c.buybackBurner.params()))],
    ["slashing.setParams", async (s) => c.slashingManager.connect(s).setParams.staticCall(plain(await c.slashingManager.params()))],
    ["hub.proposeOracleSet", (s) => c.oracleHub.connect(s).proposeOracleSet.staticCall([s.address])],
    ["feeRouter.proposeFeeConfig", async (s) => c.feeRouter.connect(s).proposeFeeConfig.staticCall(plain(await c.feeRouter.feeConfig()))],
  ];
  const [name, call] = setters[r(setters.length)]!;
  for (const who of [c.stranger, c.guardian]) {
    let outcome = "passed";
    try {
      await call(who);
    } catch (e) {
      outcome = (e as Error).message;
    }
    // Refused by the access check itself, not by anything else on the way.
    if (!outcome.includes("AccessManagedUnauthorized")) {
      throw new InvariantViolation("7 (only governance)", -1, name, `${who === c.guardian ? "the guardian" : "a stranger"}: ${outcome.split("\n")[0]}`);
    }
  }
  // ... and governance itself stays within the hard bounds.
  const outOfBounds: [string, () => Promise<unknown>][] = [
    ["vault.setUnbondingPeriod(0)", () => c.vault.connect(c.governance).setUnbondingPeriod.staticCall(0)],
    ["vault.setDelegationCapMultiple(65535)", () => c.vault.connect(c.governance).setDelegationCapMultiple.staticCall(65_535)],
    [
      "market.setParams(minLeaseDuration 0)",
      async () => {
        const p = await c.jobMarket.params();
        return c.jobMarket.connect(c.governance).setParams.staticCall({ ...(p as unknown as Result).toObject(), minLeaseDuration: 0n } as typeof p);
      },
    ],
  ];
  const [bound, probe] = outOfBounds[r(outOfBounds.length)]!;
  let outcome = "accepted";
  try {
    await probe();
  } catch (e) {
    outcome = (e as Error).message;
  }
  if (!outcome.includes("ParameterOutOfBounds")) {
    throw new InvariantViolation("7 (within bounds)", -1, bound, `governance, out of bounds: ${outcome.split("\n")[0]}`);
  }
}

/**
 * Reads many view functions in one `eth_call` through the test's ReadBatch contract: `add` queues a call and returns
 * a getter for its decoded result (the single return value, or the tuple), valid after `run`. About a hundred reads
 * a step cost one request instead of a hundred, which was most of the campaign's time; viem codes the ABI (ethers'
 * coder took as long as the request).
 */
class Reads {
  readonly #targets: Address[] = [];
  readonly #data: Hex[] = [];
  readonly #decoders: ((ret: Hex) => unknown)[] = [];
  #results: unknown[] = [];

  constructor(private readonly w: World) {}

  add<T = bigint>(contract: BaseContract, functionName: string, ...args: unknown[]): () => T {
    const i = this.#targets.length;
    const abi = abiOf(contract);
    this.#targets.push(contract.target as Address);
    this.#data.push(encodeFunctionData({ abi, functionName, args }));
    this.#decoders.push((data) => bigints(decodeFunctionResult({ abi, functionName, data })));
    return () => this.#results[i] as T;
  }

  async run(): Promise<void> {
    const batch = this.w.reads;
    const data = encodeFunctionData({ abi: READ_BATCH_ABI, functionName: "read", args: [this.#targets, this.#data] });
    const ret: Hex = await this.w.c.ethers.provider.send("eth_call", [{ to: batch.target, data }, "latest"]);
    const raw = decodeFunctionResult({ abi: READ_BATCH_ABI, functionName: "read", data: ret });
    this.#results = raw.map((r, i) => this.#decoders[i]!(r));
  }
}

/** viem decodes integers of up to 48 bits as numbers: every integer here is a bigint, as the checks compare. */
function bigints(value: unknown): unknown {
  if (typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return value.map(bigints);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigints(v)]));
  return value;
}

const READ_BATCH_ABI = ReadBatch__factory.abi;
const abis = new WeakMap<BaseContract, Abi>();
/** The contract's ABI in viem's form (from ethers' interface), once per contract object. */
function abiOf(contract: BaseContract): Abi {
  let abi = abis.get(contract);
  if (abi === undefined) {
    abi = JSON.parse(contract.interface.formatJson()) as Abi;
    abis.set(contract, abi);
  }
  return abi;
}

/** The checks of invariants 1, 2, 3, 5 and 6 over the whole protocol; throws an InvariantViolation. */
async function checkState(w: World, g: Ghost, vaultBefore: bigint, handlerName: string): Promise<bigint> {
  const c = w.c;
  const fail = (inv: string, detail: string) => {
    throw new InvariantViolation(inv, -1, handlerName, detail);
  };
  // Every read first, in one request; then the checks, in the order of the invariants.
  const q = new Reads(w);
  const bal = (a: string) => q.add(c.stablecoin, "balanceOf", a);
  const m = c.jobMarket;
  const dm = c.disputeManager;
  const sla = c.slaBondManager;
  const pc = c.paymentChannels;
  const v = c.vault;
  const accounts = [...w.clients, ...w.providers].map((a) => a.address);
  const leaseOf = (id: bigint) => ({ lease: q.add<Lease>(m, "getLease", id), value: q.add(m, "leaseValue", id) });
  const reads = {
    fees: q.add(m, "collectedFees"),
    marketBalances: accounts.map((a) => q.add(m, "balanceOf", a)),
    leases: g.leases.map((l) => ({ id: l.id, ...leaseOf(l.id) })),
    orders: g.orders.map((id) => q.add<Order>(c.leaseAuction, "getOrder", id)),
    auctionHeld: bal(w.addresses.leaseAuction),
    disputes: g.disputes.map((t) => ({ ...leaseOf(t.id), dispute: q.add<Dispute>(dm, "getDispute", t.id) })),
    marketHeld: bal(w.addresses.jobMarket),
    disputeBalances: accounts.map((a) => q.add(dm, "balanceOf", a)),
    dmHeld: bal(w.addresses.disputeManager),
    bonds: w.providers.map((p) => ({ p: p.address, bond: q.add<Bond>(sla, "bondOf", p.address) })),
    slaBalances: accounts.map((a) => q.add(sla, "balanceOf", a)),
    slaLiabilities: q.add(sla, "liabilities"),
    slaHeld: bal(w.addresses.slaBondManager),
    channelFees: q.add(pc, "collectedFees"),
    earnings: w.providers.map((p) => q.add(pc, "earningsOf", p.address)),
    channels: w.providers.flatMap((p) => w.clients.map((k) => q.add<Channel>(pc, "getChannel", k.address, p.address))),
    pcHeld: bal(w.addresses.paymentChannels),
    holders: w.holders.map((h) => bal(h)),
    supply: q.add(c.stablecoin, "totalSupply"),
    pools: w.providers.map((p) => ({ p: p.address, pool: q.add<Pool>(v, "getPool", p.address) })),
    vaultHeld: q.add(c.token, "balanceOf", w.addresses.vault),
    slashedHeld: q.add<[bigint, bigint]>(v, "slashedHeld"),
    rewardsOwed: q.add(v, "totalRewardsOwed"),
    retiredPending: q.add(v, "totalRetiredPending"),
    cndrSupply: q.add(c.token, "totalSupply"),
    emissionParams: q.add<{ guardRatioBps: bigint }>(c.emissions, "params"),
    epochs: g.closedEpochs.map((e) => ({ e, info: q.add<EpochInfo>(c.emissions, "epochInfo", e), cap: q.add<[bigint]>(c.emissions, "scheduleAt", e) })),
    burnerHeld: q.add(c.token, "balanceOf", w.addresses.buybackBurner),
  };
  await q.run();
  const sum = (xs: (() => bigint)[]) => xs.reduce((acc, x) => acc + x(), 0n);

  // 1. Solvency of the job market: open leases' unreleased value, open orders' escrow and deposits, balances, fees.
  let owed = reads.fees() + sum(reads.marketBalances);
  for (const { id, lease, value } of reads.leases) {
    const l = lease();
    if (l.status === 1n || l.status === 2n) {
      if (l.released > value()) fail("2 (conservation per job)", `lease ${id} released ${l.released} > value ${value()}`);
      // The SLA credit already paid from the held stream sits in the client's balance, counted above.
      owed += value() - l.released - l.streamCredited;
    }
  }
  // Bids lock SLA bond (in the SlaBondManager), not market funds: an open order owes its escrow only, held by the
  // LeaseAuction until finalize moves it into the market.
  let escrowed = 0n;
  for (const order of reads.orders) {
    const o = order();
    if (o.status !== 1n) continue;
    escrowed += (o.maxPricePerGpuHour * o.gpuCount * o.duration) / 3_600n;
  }
  if (reads.auctionHeld() < escrowed) fail("1 (solvency: lease auction)", `holds ${reads.auctionHeld()} < owes ${escrowed}`);
  for (const { lease, value } of reads.disputes) {
    const l = lease();
    if (l.status === 1n || l.status === 2n) owed += value() - l.released;
  }
  if (reads.marketHeld() < owed) fail("1 (solvency: job market)", `holds ${reads.marketHeld()} < owes ${owed}`);

  // 1. Disputes: the manager holds at least the open disputes' deposits and the credited balances.
  let deposits = sum(reads.disputeBalances);
  for (const { dispute } of reads.disputes) {
    const d = dispute();
    if (d.status === 1n || d.status === 2n) deposits += d.deposit;
  }
  if (reads.dmHeld() < deposits) fail("1 (solvency: disputes)", `holds ${reads.dmHeld()} < owes ${deposits}`);

  // 1 and 2. SLA bonds: the manager holds exactly its liabilities; per provider locked <= total.
  let liabilities = 0n;
  for (const { p, bond } of reads.bonds) {
    const b = bond();
    if (b.locked > b.total) fail("2 (conservation per bond)", `${p} locked ${b.locked} > total ${b.total}`);
    liabilities += b.total;
  }
  // Clients, and providers leasing their own GPUs (a self-dealt lease credits its SLA to the provider as client).
  liabilities += sum(reads.slaBalances);
  if (reads.slaLiabilities() !== liabilities) fail("1 (solvency: SLA)", `liabilities ${reads.slaLiabilities()} != bonds + balances ${liabilities}`);
  if (reads.slaHeld() < liabilities) fail("1 (solvency: SLA)", `holds ${reads.slaHeld()} < owes ${liabilities}`);

  // 1. Channels: deposits (less what was redeemed is already moved to earnings), earnings and fees.
  const channelsOwed = reads.channelFees() + sum(reads.earnings) + reads.channels.reduce((acc, ch) => acc + ch().balance, 0n);
  if (reads.pcHeld() < channelsOwed) fail("1 (solvency: channels)", `holds ${reads.pcHeld()} < owes ${channelsOwed}`);

  // 2. Conservation of the stablecoin: the protocol neither creates nor loses a unit.
  const held = sum(reads.holders);
  if (held !== reads.supply()) fail("2 (conservation: stablecoin)", `holders sum to ${held}, supply ${reads.supply()}`);

  // 3. Stake: the vault's CNDR = pool assets + pending withdrawals + rewards owed (+ retired pending shares) + what
  // executed slashes took and the vault keeps (to burn in a batch, and reporters' unclaimed bounties).
  let pools = 0n;
  for (const { p, pool } of reads.pools) {
    const x = pool();
    pools += x.selfActive + x.selfPending + x.delegatedAssets + x.pendingAssets;
    if (x.delegatedShares > 0n && x.delegatedAssets === 0n) fail("3 (stake)", `${p}: live delegated shares backed by nothing`);
  }
  const vaultHeld = reads.vaultHeld();
  const [toBurn, bounties] = reads.slashedHeld();
  const expected = pools + reads.rewardsOwed() + reads.retiredPending() + toBurn + bounties;
  if (vaultHeld !== expected) fail("3 (stake)", `vault holds ${vaultHeld} != pools + owed + retired + slashed kept ${expected}`);
  // ... and falls only by recorded slashes, withdrawals and reward claims.
  if (vaultHeld < vaultBefore && !["claimWithdraw", "claimRewards", "executeOrVetoSlash"].includes(handlerName)) {
    fail("3 (stake)", `the vault's CNDR fell by ${vaultBefore - vaultHeld} in ${handlerName}`);
  }

  // 5. Emissions: supply cap; each closed epoch within its cap and the wash guard.
  if (reads.cndrSupply() > w.maxSupply) fail("5 (emissions)", "supply above the cap");
  const { guardRatioBps } = reads.emissionParams();
  for (const { e, info: epochInfo, cap: schedule } of reads.epochs) {
    const info = epochInfo();
    const [cap] = schedule();
    if (info.budget > cap) fail("5 (emissions)", `epoch ${e}: budget ${info.budget} > cap ${cap}`);
    if (info.budget > 0n && (info.budget * info.price) / ONE > (info.fees * guardRatioBps) / 10_000n) {
      fail("5 (emissions)", `epoch ${e}: wash guard, budget ${info.budget} x price ${info.price} > ${guardRatioBps} bps of fees ${info.fees}`);
    }
  }
  // 6. The burner never keeps CNDR.
  if (reads.burnerHeld() !== 0n) fail("6 (buyback burned)", "the burner holds CNDR");
  return vaultHeld;
}

type Lease = { status: bigint; released: bigint; streamCredited: bigint };
type Order = { status: bigint; maxPricePerGpuHour: bigint; gpuCount: bigint; duration: bigint };
type Dispute = { status: bigint; deposit: bigint };
type Bond = { locked: bigint; total: bigint };
type Channel = { balance: bigint };
type Pool = { selfActive: bigint; selfPending: bigint; delegatedAssets: bigint; pendingAssets: bigint; delegatedShares: bigint };
type EpochInfo = { budget: bigint; price: bigint; fees: bigint };

export interface RunResult {
  failure?: InvariantViolation;
  ghost: Ghost;
}

/** Runs `steps` from the current chain state, checking every invariant after each step. */
export async function runSequence(w: World, steps: Step[]): Promise<RunResult> {
  const g = new Ghost();
  let vaultHeld = await w.c.token.balanceOf(await w.c.vault.getAddress());
  for (const [i, step] of steps.entries()) {
    const handler = HANDLERS[step.handler]!;
    const r = rng(step.seed);
    const x: Ctx = { w, g, r, pick: <T>(xs: T[]) => xs[r(xs.length)]! };
    try {
      await handler.run(x);
      vaultHeld = await checkState(w, g, vaultHeld, handler.name);
      await checkAccess(w, r);
    } catch (e) {
      if (e instanceof InvariantViolation) return { failure: new InvariantViolation(e.invariant, i, handler.name, e.message.replace(/^invariant .*?: /, "")), ghost: g };
      // A harness error (not a refused call: those are caught) is reported as such, with the step.
      return { failure: new InvariantViolation("harness", i, handler.name, (e as Error).message.split("\n")[0]!), ghost: g };
    }
  }
  return { ghost: g };
}

/**
 * Shrinks a failing sequence (delta debugging): removes chunks of halving size, then single steps, keeping each
 * removal after which the same invariant still breaks. `reset` restores the chain to the sequence's start.
 */
export async function shrink(w: World, steps: Step[], invariant: string, reset: () => Promise<void>): Promise<Step[]> {
  let current = steps;
  const fails = async (candidate: Step[]) => {
    await reset();
    const { failure } = await runSequence(w, candidate);
    return failure !== undefined && failure.invariant === invariant;
  };
  for (let chunk = Math.max(1, Math.floor(current.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    let start = 0;
    while (start < current.length) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      if (candidate.length > 0 && (await fails(candidate))) current = candidate;
      else start += chunk;
    }
    if (chunk === 1) break;
  }
  return current;
}

export function describeSteps(steps: Step[]): string {
  return steps.map((s, i) => `  ${i + 1}. ${HANDLERS[s.handler]!.name} (seed ${s.seed})`).join("\n");
}
