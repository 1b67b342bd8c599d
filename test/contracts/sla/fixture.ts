/**
 * SlaBondManager suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts), two
 * providers with eight attested H100s offering at 2 USD per GPU-hour, a client on each SLA tier (Standard, Pro,
 * Enterprise), leases, signed OracleHub epoch reports of uptime leaves and their Merkle proofs.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { SLA_TIER, SLA_TIERS } from "../../../deploy/config.js";
import { buildTree, type Leaf, type LeafTree } from "../../../src/protocol/leaves.js";
import { connectCinder, H100, onboardProvider, USD, type Cinder } from "../../helpers/fixture.js";
import { signReport } from "../../helpers/oracle.js";

/** The shared deployment, restored from its snapshot. */
async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const EPOCH = 3_600n;
export const LATE = 24n;
export const HOUR = 3_600n;
export const PRICE = 2n * USD;
export const KIND = { Lease: 0, Batch: 1 } as const;

export const value = (gpus: bigint, seconds: bigint, price = PRICE) => (price * gpus * seconds) / HOUR;
export const lockOf = (percent: bigint, v: bigint) => (v * percent) / 100n;
export const tierOf = (id: number) => SLA_TIERS[id];

export interface Proof {
  epoch: bigint;
  secondsUp: bigint;
  secondsObserved: bigint;
  proof: string[];
}

export interface TestLease {
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

/** The SLA set-up, restored from its own snapshot (taken on top of the deployment's). */
export async function setupOnce(): Promise<Setup> {
  const { connection } = await connectCinder();
  return connection.networkHelpers.loadFixture(deploySla);
}

/** Creates a 1-GPU lease starting at `start` (a timestamp) for `hours` hours; returns its id, value and end. */
export async function leaseAt(
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
export async function toEpoch(s: Setup, epoch: bigint, offset = 10n) {
  await s.c.networkHelpers.time.increaseTo(epoch * EPOCH + offset);
}

let filler = 0n;
/** Signs and submits `epoch`'s report over `leaves` (plus two unrelated leaves, so proofs are not empty). */
export async function report(s: Setup, epoch: bigint, leaves: Leaf[]): Promise<LeafTree> {
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

export function uptime(leaseId: bigint, epoch: bigint, secondsUp: number, secondsObserved = 3_600): Leaf {
  return { kind: "uptime", leaseId, epoch: Number(epoch), secondsUp, secondsObserved };
}

export function proofOf(tree: LeafTree, leaf: Leaf): Proof {
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
export async function drain(s: Setup, l: TestLease, provider = s.provider): Promise<bigint> {
  const gross = await s.c.jobMarket.withdrawable(l.id);
  if (gross > 0n) await s.c.jobMarket.connect(provider).withdrawAccrued(l.id);
  return gross;
}

/** Bond and balance snapshot for delta checks. */
export async function snapshot(s: Setup, provider: string, client: string) {
  const sla = s.c.slaBondManager;
  const b = await sla.bondOf(provider);
  return { total: b.total, locked: b.locked, balance: await sla.balanceOf(client) };
}
