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
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { type Address, getAddress, keccak256, toHex } from "viem";
import { type PrivateKeyAccount, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { type Agent, createAgent } from "../../src/oracle/agent/server.js";
import { type Observation, type ObservationBundle, deriveLeaves, signBundle } from "../../src/oracle/aggregate.js";
import { CpuExecutor } from "../../src/oracle/challenge/executors.js";
import { SimulatedBackend } from "../../src/oracle/gpu/simulated.js";
import { type ChallengeSettings, failedChallengeFault, faultReportSigner } from "../../src/oracle/node/attest.js";
import type { NodeChain, OracleSetView } from "../../src/oracle/node/chain.js";
import { OracleNode } from "../../src/oracle/node/node.js";
import { type NodeStore, openStore } from "../../src/oracle/node/store.js";
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

/**
 * Attack: an agent that never answers a challenge correctly but says it is only busy (issue 17, finding 2). The node
 * used to match the agent's own words (`/unknown-challenge|HTTP 503/`) and retry forever, so such an agent was never
 * recorded as failing and no fault report followed. Now the node alone decides: a round without a correct answer is
 * unanswered, whatever the agent said, and `unansweredRounds` (here 2) of them in a row are a failed challenge with
 * its `FailedGpuChallenge` fault report. A host that is down (the node's own connection refused) counts the same way;
 * an honest agent still passes.
 */
describe("Attack: an agent that answers every challenge with 'busy' (issue 17, finding 2)", function () {
  this.timeout(120_000);
  const MNEMONIC = "test test test test test test test test test test test junk";
  const oracleKeys = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
  const [honestKey, busyKey, unknownKey] = [6, 7, 8].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
  const downProvider = mnemonicToAccount(MNEMONIC, { addressIndex: 9 }).address;
  const ROUND = 600;
  const R = 3_000_000; // the first round
  const SET: OracleSetView = { signers: oracleKeys.map((k) => k.address), threshold: 3, version: 1, configDigest: CONFIG };
  const SETTINGS: ChallengeSettings = {
    roundSeconds: ROUND,
    validitySeconds: 86_400,
    classNames: { H100: "H100-80GB" },
    matmul: { n: 24, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
    memory: { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4096, steps: 64, checks: 8, walkDeadlineMs: 20_000 },
    unansweredRounds: 2,
  };
  const agents: Agent[] = [];
  const liars: Server[] = [];
  let node: OracleNode;
  let store: NodeStore;
  let downUrl: string;
  const clock = { ms: R * ROUND * 1000 + 1_000 };

  /** A real agent for `key`, behind a loopback server that forwards the inventory and answers every challenge `status`. */
  async function lyingAgent(key: typeof busyKey, status: number, error: { code: string; message: string }): Promise<string> {
    const agent = await createAgent({ account: key, backend: SimulatedBackend.fromRecording("h100"), executor: new CpuExecutor(), chainId: 31337, maxMatmulN: 64, maxMemoryFillBytes: 64 * 1024, oracleSet: oracleKeys.map((k) => k.address) });
    agents.push(agent);
    const server = createServer((req, res) => {
      void (async () => {
        if (req.method === "GET" && req.url === "/v1/inventory") {
          const inventory = await fetch(`${agent.url}/v1/inventory`);
          res.writeHead(inventory.status, { "content-type": "application/json" }).end(await inventory.text());
          return;
        }
        for await (const _chunk of req); // read the challenge, then refuse it
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error }));
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    liars.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function until(what: string, condition: () => boolean): Promise<void> {
    for (let i = 0; i < 600 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(condition(), `timed out waiting: ${what}`).to.equal(true);
  }

  before(async () => {
    const honest = await createAgent({ account: honestKey, backend: SimulatedBackend.fromRecording("h100"), executor: new CpuExecutor(), chainId: 31337, maxMatmulN: 64, maxMemoryFillBytes: 64 * 1024, oracleSet: oracleKeys.map((k) => k.address) });
    agents.push(honest);
    // A port that was just free: the host is down, so the node's connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const providers = [
      { provider: honestKey.address, agentUrl: honest.url },
      { provider: busyKey.address, agentUrl: await lyingAgent(busyKey, 503, { code: "busy", message: "HTTP 503: another challenge is running" }) },
      { provider: unknownKey.address, agentUrl: await lyingAgent(unknownKey, 400, { code: "unknown-challenge", message: "no such challenge" }) },
      { provider: downProvider, agentUrl: downUrl }, // nothing listens: the node's own connection fails
    ];
    const chain: NodeChain = {
      oracleHub: HUB,
      chainId: async () => CHAIN_ID,
      epochLength: async () => L,
      lateWindowEpochs: async () => 24,
      oracleSet: async () => SET,
      hasReport: async () => false,
      epochRoot: async () => `0x${"00".repeat(32)}`,
      refresh: async () => {},
      providers: () => providers,
      leasesOverlapping: async () => [],
      isAccepted: async () => false,
      submitGpuAttestation: async () => null,
      submitEpochReport: async () => null,
    };
    store = openStore(":memory:");
    node = new OracleNode({
      account: oracleKeys[0],
      chain,
      store,
      heartbeat: async () => ({ ok: true, healthyGpus: 1, reason: "" }),
      peers: [],
      settings: { listen: { host: "127.0.0.1", port: 0 }, heartbeat: { meanIntervalMs: 3_600_000 }, epoch: { settleDelayMs: 0, leaderTimeoutMs: 600_000, setupGraceSeconds: 0 }, pollIntervalMs: 50 },
      now: () => clock.ms,
      random: () => 0,
      challenges: { settings: SETTINGS, client: (provider, agentUrl) => new AgentClient(agentUrl, { expectedProvider: provider, chainId: 31337, timeoutMs: 2_000, signer: oracleKeys[0] }) },
    });
    await node.start();
  });
  after(async () => {
    await node.stop();
    for (const server of liars) await new Promise((resolve) => server.close(resolve));
    for (const agent of agents) await agent.close();
  });

  it("records a failed challenge and signs the fault report after 2 unanswered rounds, for 503 and 400 unknown-challenge forever and a host that is down; an honest agent passes", async function () {
    const liarsAndDown = [busyKey.address, unknownKey.address, downProvider];
    const domain = { chainId: CHAIN_ID, oracleHub: HUB };

    // Round R: the honest agent passes at once; the others are retried within the round, never recorded as passed.
    await until("the honest agent's round R", () => store.challenged(honestKey.address, R) !== undefined);
    expect(store.challenged(honestKey.address, R)?.passed, store.challenged(honestKey.address, R)?.detail).to.equal(true);
    for (let retry = 0; retry < 3; retry++) {
      clock.ms += 1_000; // past the retry time: the node asks again, and is refused again
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    for (const provider of liarsAndDown) expect(store.challenged(provider, R), `${provider} round R still open`).to.equal(undefined);

    // Round R + 1 begins: round R is recorded unanswered (1 of 2), not yet a failure.
    clock.ms = (R + 1) * ROUND * 1000 + 1_000;
    await until("round R closed for every liar", () => liarsAndDown.every((p) => store.challenged(p, R) !== undefined));
    for (const provider of liarsAndDown) {
      expect(store.challenged(provider, R)).to.include({ passed: false });
      expect(store.challenged(provider, R)!.detail).to.match(/^unanswered: /);
    }
    expect(node.faultReports()).to.deep.equal([]);
    await until("the honest agent's round R + 1", () => store.challenged(honestKey.address, R + 1) !== undefined);
    expect(store.challenged(honestKey.address, R + 1)?.passed).to.equal(true);

    // Round R + 2 begins: round R + 1 was the second unanswered in a row, a failed challenge with its fault report.
    await new Promise((resolve) => setTimeout(resolve, 300)); // the liars are asked (and refuse) in round R + 1
    clock.ms = (R + 2) * ROUND * 1000 + 1_000;
    await until("round R + 1 closed for every liar", () => liarsAndDown.every((p) => store.challenged(p, R + 1) !== undefined));
    const details = {
      [busyKey.address]: "no correct answer in 2 consecutive round(s): H100 matrix challenge: malformed: no commitment: HTTP 503: busy: HTTP 503: another challenge is running",
      [unknownKey.address]: "no correct answer in 2 consecutive round(s): H100 matrix challenge: malformed: no commitment: HTTP 400: unknown-challenge: no such challenge",
      [downProvider]: `no correct answer in 2 consecutive round(s): inventory: unreachable: ${downUrl}: ECONNREFUSED`,
    };
    for (const provider of liarsAndDown) expect(store.challenged(provider, R + 1)).to.deep.equal({ passed: false, detail: details[provider] });
    const expected = liarsAndDown.map((provider) =>
      failedChallengeFault({ configDigest: CONFIG, provider, round: R + 1, roundSeconds: ROUND, epochLength: L, proven: false }),
    );
    const held = node.faultReports();
    expect(held.map((f) => f.report)).to.have.deep.members(expected);
    for (const { report, signature } of held) {
      expect(report).to.include({ faultType: 1, epoch: BigInt(Math.floor(((R + 2) * ROUND - 1) / L)) });
      expect(await faultReportSigner(domain, report, signature)).to.equal(oracleKeys[0].address);
    }
    expect(store.challenged(honestKey.address, R + 1)?.passed).to.equal(true);
  });
});
