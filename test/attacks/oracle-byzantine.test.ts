/**
 * Attack: f byzantine oracle nodes choose their observations to move a lease's uptime (or a provider's heartbeat
 * record) outside what the honest nodes saw (issue 17, oracle finding 1; DESIGN "Leaves are byzantine-robust").
 *
 * Per-field medians over as few as f + 1 observers let one byzantine node of four (n = 4, f = 1) turn honest ratios
 * of 54-100% into 300/3600 (8%), heartbeats of at least 0.5 into 5/12, and a lease with one honest and one byzantine
 * observer into the byzantine 0/3600: SLA credits, then slashes, against an honest provider. `deriveLeaves` now takes
 * the (up, observed) pair of the observation at the median ratio over at least 2f + 1 observers, and gives a subject
 * with fewer a neutral leaf (0 of 0), never none.
 *
 * The property, over seeded random trials in which f byzantine nodes pick values adversarially (extremes, values
 * just outside the honest spread, 0 of 0, tiny or epoch-long observed times, more than the epoch, leases nobody
 * runs, a subject left out, a bundle sent twice, two different bundles), for n = 4, 7 and 10:
 * - every subject an honest node names has exactly one leaf;
 * - a subject with at least 2f + 1 observers has a leaf whose ratio lies between the lowest and the highest honest
 *   ratio of that subject, and whose pair is one an accepted node signed;
 * - a subject with fewer has the neutral leaf (0 up, 0 observed).
 */
import { expect } from "chai";
import { type Address, getAddress, keccak256, toHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { type Observation, type ObservationBundle, deriveLeaves, signBundle } from "../../src/oracle/aggregate.js";
import type { Leaf } from "../../src/protocol/leaves.js";

const CHAIN_ID = 31_337;
const HUB = getAddress("0x00000000000000000000000000000000000c1de5");
const CONFIG = keccak256(toHex("cinder/test/oracle-byzantine/config"));
const EPOCH = 500_000;
const L = 3_600;
const KEYS: PrivateKeyAccount[] = Array.from({ length: 10 }, (_, i) => privateKeyToAccount(keccak256(toHex(`cinder/test/oracle-byzantine/${i}`))));
const PROVIDERS = [`0x${"b1".repeat(20)}`, `0x${"b2".repeat(20)}`] as Address[];

/** A seeded PRNG (mulberry32): the same trials on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

type Subject = { kind: "uptime"; leaseId: bigint } | { kind: "heartbeat"; provider: Address };
const keyOf = (s: Subject) => (s.kind === "uptime" ? `lease ${s.leaseId}` : `provider ${s.provider}`);
const leafKey = (leaf: Leaf) => (leaf.kind === "uptime" ? `lease ${leaf.leaseId}` : `provider ${leaf.provider}`);
const pairOf = (leaf: Leaf): [number, number] => (leaf.kind === "uptime" ? [leaf.secondsUp, leaf.secondsObserved] : [leaf.heartbeatsAnswered, leaf.heartbeatsSent]);

function observation(node: PrivateKeyAccount, subject: Subject, up: number, observed: number): Observation {
  return subject.kind === "uptime"
    ? { kind: "uptime", node: node.address, leaseId: subject.leaseId, epoch: EPOCH, secondsUp: up, secondsObserved: observed }
    : { kind: "heartbeat", node: node.address, provider: subject.provider, epoch: EPOCH, heartbeatsAnswered: up, heartbeatsSent: observed };
}

const sign = (node: PrivateKeyAccount, observations: Observation[]) =>
  signBundle({ signer: node, chainId: CHAIN_ID, oracleHub: HUB, configDigest: CONFIG, epoch: EPOCH, observations });

const parametersFor = (n: number) => ({ chainId: CHAIN_ID, oracleHub: HUB, oracleSet: KEYS.slice(0, n).map((k) => k.address), configDigest: CONFIG, epoch: EPOCH, epochLength: L });

/** `a/b <= c/d` exactly, for b, d > 0. */
const atMost = ([a, b]: [number, number], [c, d]: [number, number]) => BigInt(a) * BigInt(d) <= BigInt(c) * BigInt(b);

/** An honest reading of a subject: a ratio in its range, over an observed time a node could have seen. */
function honestReading(r: ReturnType<typeof rng>, subject: Subject, low: number, high: number): [number, number] {
  const observed = subject.kind === "uptime" ? r.pick([L, L, L - r.int(60), 300 + r.int(L - 300), 1 + r.int(50)]) : 1 + r.int(90);
  const ratio = low + (high - low) * r.next();
  return [Math.min(observed, Math.floor(ratio * observed)), observed];
}

/**
 * A byzantine reading chosen against the honest ones: an extreme, a ratio just below the lowest or above the highest
 * honest one, no evidence, a tiny or an epoch-long observed time; undefined: the subject is left out.
 */
function byzantineReading(r: ReturnType<typeof rng>, subject: Subject, honest: readonly [number, number][]): [number, number] | undefined {
  const cap = subject.kind === "uptime" ? L : 2 ** 32 - 1;
  const lowest = honest.reduce((m, p) => (atMost(p, m) ? p : m), honest[0] ?? [0, 1]);
  switch (r.int(9)) {
    case 0:
      return [0, cap];
    case 1:
      return [cap, cap];
    case 2:
      return [0, 1];
    case 3:
      return [0, 0];
    case 4: // just below the lowest honest ratio, at full weight
      return [Math.max(0, Math.floor((lowest[0] / Math.max(1, lowest[1])) * cap) - 1), cap];
    case 5:
      return [1, 1];
    case 6:
      return undefined;
    case 7:
      return [r.int(cap + 1), cap];
    default: {
      const observed = 1 + r.int(cap);
      return [r.int(observed + 1), observed];
    }
  }
}

/** What one trial built: the bundles, and per subject the honest readings and the accepted observers. */
interface Trial {
  readonly n: number;
  readonly f: number;
  readonly bundles: ObservationBundle[];
  readonly honest: Map<string, [number, number][]>;
  /** Accepted nodes with evidence (observed > 0) per subject. */
  readonly observers: Map<string, number>;
  /** Every subject an honest node named. */
  readonly named: Set<string>;
}

async function randomTrial(seed: number): Promise<Trial> {
  const r = rng(seed);
  const n = r.pick([4, 7, 10]);
  const f = Math.floor((n - 1) / 3);
  const nodes = KEYS.slice(0, n);
  const byzantine = new Set(r.pick([true, false]) ? nodes.slice(0, f) : nodes.slice(n - f)); // exactly f, either end of the address order
  const subjects: Subject[] = [
    ...[1n, 2n, 3n, BigInt(1 + r.int(1_000_000))].map((leaseId) => ({ kind: "uptime" as const, leaseId })),
    ...PROVIDERS.map((provider) => ({ kind: "heartbeat" as const, provider })),
  ];
  const honest = new Map<string, [number, number][]>();
  const observers = new Map<string, number>();
  const named = new Set<string>();
  const perNode = new Map<PrivateKeyAccount, Observation[]>(nodes.map((node) => [node, []]));
  for (const subject of subjects) {
    const key = keyOf(subject);
    const low = r.pick([0, 0.5, 0.9, 0.99, r.next()]);
    const high = Math.min(1, low + r.pick([0, 0.01, 0.2, 1]));
    const readings: [number, number][] = [];
    for (const node of nodes.filter((nd) => !byzantine.has(nd))) {
      if (r.int(6) === 0) continue; // this honest node did not follow the subject
      if (r.int(12) === 0) {
        perNode.get(node)!.push(observation(node, subject, 0, 0)); // followed it, but probed it in no slot: no evidence
        named.add(key);
        continue;
      }
      const reading = honestReading(r, subject, low, high);
      readings.push(reading);
      perNode.get(node)!.push(observation(node, subject, ...reading));
      named.add(key);
    }
    honest.set(key, readings);
    observers.set(key, readings.length);
    for (const node of byzantine) {
      const reading = byzantineReading(r, subject, readings);
      if (reading === undefined) continue;
      perNode.get(node)!.push(observation(node, subject, ...reading));
      if (reading[1] > 0) observers.set(key, observers.get(key)! + 1);
    }
  }
  const bundles: ObservationBundle[] = [];
  for (const [node, observations] of perNode) {
    if (!byzantine.has(node)) {
      bundles.push(await sign(node, observations));
      continue;
    }
    const fabricated = observation(node, { kind: "uptime", leaseId: 10_000_000n + BigInt(r.int(5)) }, 0, L); // a lease nobody runs
    const bundle = await sign(node, [...observations, fabricated]);
    bundles.push(bundle, ...(r.int(3) === 0 ? [bundle] : [])); // sent twice: counted once
  }
  return { n, f, bundles: shuffled(bundles, r), honest, observers, named };
}

function shuffled<T>(items: T[], r: ReturnType<typeof rng>): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Checks the property on one trial's leaves; returns how many subjects got a value and how many a neutral leaf. */
function checkProperty(trial: Trial, leaves: readonly Leaf[], label: string): { valued: number; neutral: number } {
  const byKey = new Map<string, Leaf[]>();
  for (const leaf of leaves) byKey.set(leafKey(leaf), [...(byKey.get(leafKey(leaf)) ?? []), leaf]);
  let valued = 0;
  let neutral = 0;
  for (const key of trial.named) {
    const found = byKey.get(key) ?? [];
    expect(found, `${label}: ${key} has exactly one leaf`).to.have.length(1);
    const pair = pairOf(found[0]);
    const readings = trial.honest.get(key)!;
    if (trial.observers.get(key)! < 2 * trial.f + 1) {
      expect(pair, `${label}: ${key} has ${trial.observers.get(key)} observers, fewer than 2f + 1: neutral`).to.deep.equal([0, 0]);
      neutral++;
      continue;
    }
    const lowest = readings.reduce((m, p) => (atMost(p, m) ? p : m));
    const highest = readings.reduce((m, p) => (atMost(m, p) ? p : m));
    expect(pair[1], `${label}: ${key} carries an observation, not 0 of 0`).to.be.greaterThan(0);
    expect(atMost(lowest, pair) && atMost(pair, highest), `${label}: ${key} ${pair.join("/")} outside the honest ${lowest.join("/")}..${highest.join("/")}`).to.equal(true);
    valued++;
  }
  return { valued, neutral };
}

describe("Attack: f byzantine oracle nodes choosing their observations (issue 17, finding 1)", function () {
  this.timeout(600_000);

  it("n = 4, f = 1: honest uptime ratios of 54-100% no longer aggregate to 300/3600 (8%)", async function () {
    const [byzantine, ...honest] = KEYS.slice(0, 4);
    const lease: Subject = { kind: "uptime", leaseId: 1n };
    const readings: [number, number][] = [[3_600, 3_600], [1_950, 3_600], [300, 300]]; // 100%, 54%, 100%
    const bundles = await Promise.all([
      ...honest.map((node, i) => sign(node, [observation(node, lease, ...readings[i])])),
      sign(byzantine, [observation(byzantine, lease, 0, 3_600)]),
    ]);
    const { leaves } = await deriveLeaves(bundles, parametersFor(4));
    // Per-field lower medians gave up = median(0, 300, 1950, 3600) = 300 over observed = 3600: 8%.
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 1_950, secondsObserved: 3_600 }]);
  });

  it("n = 4, f = 1: honest heartbeat ratios of at least 0.5 no longer aggregate to 5/12", async function () {
    const [byzantine, ...honest] = KEYS.slice(0, 4);
    const provider: Subject = { kind: "heartbeat", provider: PROVIDERS[0] };
    const readings: [number, number][] = [[5, 10], [12, 12], [6, 12]]; // 0.5, 1, 0.5
    const bundles = await Promise.all([
      ...honest.map((node, i) => sign(node, [observation(node, provider, ...readings[i])])),
      sign(byzantine, [observation(byzantine, provider, 0, 12)]),
    ]);
    const [leaf] = (await deriveLeaves(bundles, parametersFor(4))).leaves;
    // Per-field lower medians gave answered = median(0, 5, 6, 12) = 5 over sent = median(10, 12, 12, 12) = 12.
    expect(leaf).to.deep.equal({ kind: "heartbeat", provider: PROVIDERS[0], epoch: EPOCH, heartbeatsAnswered: 5, heartbeatsSent: 10 });
  });

  it("n = 4, f = 1: a lease seen by one honest and one byzantine node gets the neutral leaf, not the byzantine 0/3600", async function () {
    const [byzantine, honest, idle1, idle2] = KEYS.slice(0, 4);
    const lease: Subject = { kind: "uptime", leaseId: 9n };
    const bundles = await Promise.all([
      sign(honest, [observation(honest, lease, 3_600, 3_600)]),
      sign(byzantine, [observation(byzantine, lease, 0, 3_600)]),
      sign(idle1, [observation(idle1, lease, 0, 0)]), // followed the lease, probed it in no slot
      sign(idle2, []),
    ]);
    const { leaves, diagnostics } = await deriveLeaves(bundles, parametersFor(4));
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 9n, epoch: EPOCH, secondsUp: 0, secondsObserved: 0 }]);
    expect(diagnostics.neutral).to.deep.equal([
      { kind: "uptime", leaseId: 9n, observers: 2, reason: "observed by 2 accepted node(s), fewer than minObservers 3: neutral leaf" },
    ]);
  });

  it("n = 4, f = 1: a byzantine node at a ratio inside the honest spread but a different weight is still within the spread", async function () {
    const [byzantine, ...honest] = KEYS.slice(0, 4);
    const lease: Subject = { kind: "uptime", leaseId: 4n };
    const readings: [number, number][] = [[1_800, 3_600], [3_000, 3_000], [10, 600]]; // 50%, 100%, 1.7%
    const bundles = await Promise.all([
      ...honest.map((node, i) => sign(node, [observation(node, lease, ...readings[i])])),
      sign(byzantine, [observation(byzantine, lease, 1, 3_600), observation(byzantine, { kind: "uptime", leaseId: 5n }, 0, 3_600)]),
    ]);
    const { leaves } = await deriveLeaves(bundles, parametersFor(4));
    // Ratios sorted: 1/3600, 10/600, 1800/3600, 3000/3000; the lower middle is honest 10/600.
    expect(leaves).to.deep.equal([
      { kind: "uptime", leaseId: 4n, epoch: EPOCH, secondsUp: 10, secondsObserved: 600 },
      { kind: "uptime", leaseId: 5n, epoch: EPOCH, secondsUp: 0, secondsObserved: 0 },
    ]);
  });

  it("in 150 seeded random trials (n = 4, 7, 10; f adversarial nodes), every leaf lies within the honest spread, none is dropped, and too few observers give the neutral leaf", async function () {
    let valued = 0;
    let neutral = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const trial = await randomTrial(seed);
      const { leaves, diagnostics } = await deriveLeaves(trial.bundles, parametersFor(trial.n));
      expect(diagnostics.nodes, `seed ${seed}: every node's bundle is used (a bundle sent twice counts once)`).to.have.length(trial.n);
      const counted = checkProperty(trial, leaves, `seed ${seed}`);
      valued += counted.valued;
      neutral += counted.neutral;
      const fabricated = leaves.filter((leaf) => leaf.kind === "uptime" && leaf.leaseId >= 10_000_000n);
      for (const leaf of fabricated) expect(pairOf(leaf), `seed ${seed}: a lease only byzantine nodes name is neutral`).to.deep.equal([0, 0]);
    }
    // The trials exercise both branches of the property many times over.
    expect(valued).to.be.greaterThan(300);
    expect(neutral).to.be.greaterThan(30);
  });

  it("a byzantine node's two different bundles (equivocation) and one observing longer than the epoch are left out, and the property still holds", async function () {
    const nodes = KEYS.slice(0, 7); // f = 2
    const lease: Subject = { kind: "uptime", leaseId: 1n };
    const readings: [number, number][] = [[3_500, 3_600], [3_550, 3_600], [3_300, 3_600], [3_400, 3_500], [3_590, 3_600]];
    const honestBundles = await Promise.all(nodes.slice(2).map((node, i) => sign(node, [observation(node, lease, ...readings[i])])));
    const [liar, stretcher] = nodes;
    const bundles = [
      ...honestBundles,
      await sign(liar, [observation(liar, lease, 0, 3_600)]),
      await sign(liar, [observation(liar, lease, 0, 3_599)]),
      await sign(stretcher, [observation(stretcher, lease, 0, L + 1)]),
    ];
    const { leaves, diagnostics } = await deriveLeaves(bundles, parametersFor(7));
    expect(diagnostics.equivocations.map((e) => e.node)).to.deep.equal([liar.address]);
    expect(diagnostics.rejected.map(({ node, code }) => ({ node, code }))).to.deep.equal([{ node: stretcher.address, code: "OUT_OF_RANGE" }]);
    expect(leaves).to.deep.equal([{ kind: "uptime", leaseId: 1n, epoch: EPOCH, secondsUp: 3_500, secondsObserved: 3_600 }]);
  });
});
