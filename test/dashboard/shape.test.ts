/**
 * The dashboard's data shaping (dashboard/src/shape.ts): pure functions from SDK reads and events to what the pages
 * show, checked on hand-made inputs whose answers are worked out here.
 */
import { expect } from "chai";
import { DEFAULT_PARAMS, DEFAULT_SCHEDULE, WAD } from "../../src/economics/emissions.js";
import { DEFAULT_SIMULATION, simulate } from "../../src/economics/simulator.js";
import {
  activeLeases,
  cumulative,
  earnings,
  epochRows,
  formatAmount,
  formatCndr,
  formatDuration,
  formatPpm,
  formatUsd,
  gpuMatrix,
  leaseProgress,
  metadataLabel,
  parseDecimal,
  projection,
  stakeSplit,
  uptimeByEpoch,
} from "../../dashboard/src/shape.js";

const USD = 1_000_000n;

describe("dashboard shape: formatting and parsing", function () {
  it("formats amounts grouped, rounded down to the shown digits, without trailing zeros", function () {
    expect(formatAmount(1_234_567_890n, 6)).to.equal("1,234.56");
    expect(formatAmount(2_000_000n, 6)).to.equal("2");
    expect(formatAmount(-1_500_000n, 6)).to.equal("-1.5");
    expect(formatAmount(0n, 18)).to.equal("0");
    expect(formatUsd(600_000n)).to.equal("0.6 USD");
    expect(formatCndr(32n * 10n ** 15n)).to.equal("0.032 CNDR");
    expect(formatCndr(123_456_789n * 10n ** 18n, 0)).to.equal("123,456,789 CNDR");
    expect(formatPpm(999_500)).to.equal("99.95%");
  });

  it("parses typed decimals exactly and names the field of a bad one", function () {
    expect(parseDecimal("12.5", 6, "USD")).to.equal(12_500_000n);
    expect(parseDecimal(" 0.000001 ", 6, "USD")).to.equal(1n);
    expect(parseDecimal("20", 18, "CNDR")).to.equal(20n * WAD);
    expect(() => parseDecimal("1.2345678", 6, "USD")).to.throw(RangeError, "USD: at most 6 decimals, got 7");
    expect(() => parseDecimal("-1", 6, "USD")).to.throw(RangeError, 'USD: not an amount: "-1" (e.g. 12.5)');
    expect(() => parseDecimal("1e3", 6, "USD")).to.throw(RangeError, "not an amount");
    expect(() => parseDecimal("0", 6, "USD")).to.throw(RangeError, "USD: must be positive");
    expect(parseDecimal("0", 6, "USD", { positive: false })).to.equal(0n);
  });

  it("labels a provider's metadata: a JSON data URI by its name and agent, anything else as it is", function () {
    const json = JSON.stringify({ name: "provider-6", agent: "http://127.0.0.1:35247" });
    expect(metadataLabel(`data:application/json,${encodeURIComponent(json)}`)).to.equal("provider-6 · agent http://127.0.0.1:35247");
    expect(metadataLabel(`data:application/json;base64,${Buffer.from(json).toString("base64")}`)).to.equal("provider-6 · agent http://127.0.0.1:35247");
    expect(metadataLabel("ipfs://cinder/h100")).to.equal("ipfs://cinder/h100");
    expect(metadataLabel("data:application/json,%7Bnot json")).to.equal("data:application/json,%7Bnot json");
    expect(metadataLabel("data:application/json,%5B1%5D")).to.equal("data:application/json,%5B1%5D");
  });

  it("formats durations as their two largest units", function () {
    expect(formatDuration(0)).to.equal("0 s");
    expect(formatDuration(45)).to.equal("45 s");
    expect(formatDuration(7_500)).to.equal("2 h 5 min");
    expect(formatDuration(90_061)).to.equal("1 d 1 h");
  });
});

describe("dashboard shape: network overview", function () {
  it("counts live attested GPUs by model and tier, and expired ones apart", function () {
    const now = 1_000;
    const matrix = gpuMatrix(
      [
        [
          { modelClass: "H100-80GB", tier: 1, expiresAt: 2_000 },
          { modelClass: "H100-80GB", tier: 2, expiresAt: 2_000 },
          { modelClass: "H100-80GB", tier: 1, expiresAt: 1_000 },
        ],
        [
          { modelClass: "A100-80GB", tier: 0, expiresAt: 5_000 },
          { modelClass: "H100-80GB", tier: 1, expiresAt: 5_000 },
        ],
        [],
      ],
      now,
    );
    expect(matrix.rows).to.deep.equal([
      { modelClass: "A100-80GB", byTier: [1, 0, 0], total: 1 },
      { modelClass: "H100-80GB", byTier: [0, 2, 1], total: 3 },
    ]);
    expect([matrix.total, matrix.expired]).to.deep.equal([4, 1]);
    expect(() => gpuMatrix([[{ modelClass: "X", tier: 3, expiresAt: 2_000 }]], now)).to.throw(RangeError, "attestation tier 3");
  });

  it("keeps only leases that are active and running now", function () {
    const base = { value: 1n, accrued: 0n };
    const leases = [
      { id: 1, statusName: "Active", start: 100, end: 200, ...base },
      { id: 2, statusName: "Active", start: 100, end: 150, ...base }, // ended, not closed yet
      { id: 3, statusName: "Closed", start: 100, end: 300, ...base },
      { id: 4, statusName: "Active", start: 170, end: 300, ...base }, // not started
      { id: 5, statusName: "Disputed", start: 100, end: 300, ...base },
    ];
    expect(activeLeases(leases, 160).map((l) => l.id)).to.deep.equal([1]);
  });
});

describe("dashboard shape: provider and lease", function () {
  it("a lease's progress: share of the term elapsed, share of the value streamed, time left", function () {
    const lease = { statusName: "Active", start: 1_000, end: 4_600, value: 2n * USD, accrued: USD / 2n };
    expect(leaseProgress(lease, 1_900)).to.deep.equal({ timeShare: 0.25, streamShare: 0.25, remaining: 2_700, unstreamed: 1_500_000n });
    expect(leaseProgress(lease, 9_999).timeShare).to.equal(1);
    expect(leaseProgress(lease, 9_999).remaining).to.equal(0);
    expect(leaseProgress({ ...lease, value: 0n }, 500).streamShare).to.equal(0);
  });

  it("uptime per epoch sums the provider's lease leaves, skips other leases, heartbeats and unobserved leaves", function () {
    const files = [
      {
        epoch: 11,
        leaves: [
          { kind: "uptime" as const, leaseId: 1n, epoch: 11, secondsUp: 3_000, secondsObserved: 3_600 },
          { kind: "uptime" as const, leaseId: 2n, epoch: 11, secondsUp: 3_600, secondsObserved: 3_600 },
          { kind: "uptime" as const, leaseId: 9n, epoch: 11, secondsUp: 0, secondsObserved: 3_600 },
          { kind: "heartbeat" as const, provider: "0xabc", epoch: 11, heartbeatsAnswered: 1, heartbeatsSent: 2 },
        ],
      },
      { epoch: 10, leaves: [{ kind: "uptime" as const, leaseId: 1n, epoch: 10, secondsUp: 1, secondsObserved: 3 }] },
      { epoch: 12, leaves: [{ kind: "uptime" as const, leaseId: 1n, epoch: 12, secondsUp: 0, secondsObserved: 0 }] },
    ];
    expect(uptimeByEpoch(files, new Set([1n, 2n]))).to.deep.equal([
      { epoch: 10, secondsUp: 1, secondsObserved: 3, uptimePpm: 333_333 },
      { epoch: 11, secondsUp: 6_600, secondsObserved: 7_200, uptimePpm: 916_666 },
    ]);
    expect(uptimeByEpoch(files, new Set())).to.deep.equal([]);
  });

  it("earnings: gross less fees, emission rewards, SLA credits paid", function () {
    const e = earnings({
      payments: [
        { gross: 2n * USD, fee: 20_000n },
        { gross: 1n * USD, fee: 10_000n },
      ],
      rewards: [
        { epoch: 5n, reward: 3n * WAD },
        { epoch: 6n, reward: WAD / 2n },
      ],
      credits: [{ credit: 600_000n }],
    });
    expect(e).to.deep.equal({ gross: 3n * USD, fees: 30_000n, net: 2_970_000n, rewards: 3n * WAD + WAD / 2n, creditsPaid: 600_000n });
  });

  it("splits a pool into self, delegated and pending stake", function () {
    const split = stakeSplit({ selfActive: 600n * WAD, selfPending: 0n, delegatedAssets: 200n * WAD, pendingAssets: 5n * WAD });
    expect(split).to.deep.equal({ self: 600n * WAD, delegated: 200n * WAD, pending: 5n * WAD, total: 805n * WAD, delegatedShare: 0.25 });
    expect(stakeSplit({ selfActive: 0n, selfPending: 0n, delegatedAssets: 0n, pendingAssets: 0n }).delegatedShare).to.equal(0);
  });
});

describe("dashboard shape: economics", function () {
  const close = (epoch: bigint, budget: bigint, bound: number) => ({ epoch, revenue: 2n * USD, fees: 20_000n, budget, bound, cap: 20_000n * WAD, byRate: budget, byGuard: 10n * WAD, price: 500_000n });

  it("per-epoch rows: closes with their bound's name, buybacks summed into their epoch, ascending", function () {
    const rows = epochRows(
      [close(12n, 5n, 2), close(11n, 7n, 3)],
      [
        { epoch: 12n, amountIn: 10_000n, burned: 4n },
        { epoch: 12n, amountIn: 5_000n, burned: 2n },
        { epoch: 13n, amountIn: 1_000n, burned: 1n },
      ],
    );
    expect(rows.map((r) => [r.epoch, r.closed, r.boundName, r.budget, r.buybackIn, r.burned])).to.deep.equal([
      [11n, true, "WashGuard", 7n, 0n, 0n],
      [12n, true, "RevenueRate", 5n, 15_000n, 6n],
      [13n, false, "open", 0n, 1_000n, 1n],
    ]);
    expect(cumulative(rows.map((r) => r.budget - r.burned))).to.deep.equal([7n, 6n, 5n]);
  });

  it("the projection is the simulator on the recorded revenue, and its net is emitted less burned, cumulated", function () {
    const inputs = {
      schedule: DEFAULT_SCHEDULE,
      params: DEFAULT_PARAMS,
      genesisEpoch: 1_000n,
      feeBps: 100n,
      buybackShareBps: 5_000n,
      buybackMaxPerEpoch: 10_000n * USD,
      pool: { cndr: 1_000_000n * WAD, asset: 500_000n * USD },
      supply: 100_000_000n * WAD,
      revenue: [[2n * USD], [2n * USD, 1n * USD], [0n]],
      firstEpoch: 1_001n,
    };
    const points = projection(inputs);
    const rows = simulate({ ...DEFAULT_SIMULATION, ...inputs, epochs: 3, sellShareBps: 0n, revenue: (i) => [...inputs.revenue[i]] });
    expect(points.map((p) => p.epoch)).to.deep.equal([1_001n, 1_002n, 1_003n]);
    expect(points.map((p) => p.projectedBudget)).to.deep.equal(rows.map((r) => r.budget));
    expect(points[2].projectedNet).to.equal(rows.reduce((a, r) => a + r.budget - r.burned, 0n));
    // 0.016 CNDR per dollar of revenue, under the cap and the guard at the pool's 0.5 USD price: the rate bound.
    expect(points.map((p) => p.projectedBudget)).to.deep.equal([32n * 10n ** 15n, 48n * 10n ** 15n, 0n]);
    expect(projection({ ...inputs, revenue: [] })).to.deep.equal([]);
  });

  it("the projection spends what the chain's buybacks spent, not one full buyback per epoch", function () {
    const inputs = {
      schedule: DEFAULT_SCHEDULE,
      params: DEFAULT_PARAMS,
      genesisEpoch: 1_000n,
      feeBps: 100n,
      buybackShareBps: 5_000n,
      buybackMaxPerEpoch: 10_000n * USD,
      pool: { cndr: 1_000_000n * WAD, asset: 500_000n * USD },
      supply: 100_000_000n * WAD,
      revenue: [[20_000n * USD], [20_000n * USD], [20_000n * USD]],
      firstEpoch: 1_001n,
    };
    // No buyback ran in the first epoch (the chain had none yet), one of 150 USD in the second, none in the third.
    const points = projection({ ...inputs, buybacks: [0n, 150n * USD, 0n] });
    expect(points.map((p) => p.projectedBurned > 0n)).to.deep.equal([false, true, false]);
    const assumed = projection(inputs);
    expect(assumed.map((p) => p.projectedBurned > 0n)).to.deep.equal([true, true, true]);
    expect(points[0].projectedNet).to.equal(points[0].projectedBudget);
    expect(points[0].projectedNet).to.be.greaterThan(assumed[0].projectedNet);
  });
});
