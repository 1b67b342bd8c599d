/**
 * Local mode's clock and what it drives, without a chain: the chain clock (extrapolation between blocks, jumps,
 * never backwards), uptime counted in the clock's seconds between probes when it jumps, and a simulated outage that
 * ends on the clock.
 */
import { expect } from "chai";
import type { Address } from "viem";
import { ChainClock, ClockError } from "../../src/oracle/clock.js";
import { SimulatedBackend } from "../../src/oracle/gpu/simulated.js";
import type { Probe } from "../../src/oracle/node/store.js";
import { observeEpoch } from "../../src/oracle/node/uptime.js";

/** A chain whose latest block's timestamp the test sets, and a wall clock the test moves. */
function fakeChain(startSeconds: number) {
  const state = { timestamp: BigInt(startSeconds), wallMs: 1_000_000, reads: 0 };
  return {
    state,
    publicClient: {
      getBlock: async () => {
        state.reads++;
        return { timestamp: state.timestamp };
      },
    },
    wall: () => state.wallMs,
  };
}

describe("ChainClock", () => {
  it("reads the latest block at start and advances with wall time between blocks", async () => {
    const chain = fakeChain(7_200);
    const clock = await ChainClock.start({ publicClient: chain.publicClient, wall: chain.wall, refreshMs: 60_000 });
    expect(clock.now()).to.equal(7_200_000);
    chain.state.wallMs += 1_500;
    expect(clock.now()).to.equal(7_201_500);
    clock.stop();
  });

  it("takes a jump of the chain's time at the next refresh", async () => {
    const chain = fakeChain(7_200);
    const clock = await ChainClock.start({ publicClient: chain.publicClient, wall: chain.wall, refreshMs: 60_000 });
    chain.state.timestamp = 7_200n + 3_600n; // evm_increaseTime 3600 and a block
    await clock.refresh();
    expect(clock.now()).to.equal(10_800_000);
    chain.state.wallMs += 250;
    expect(clock.now()).to.equal(10_800_250);
    clock.stop();
  });

  it("never runs backwards when the latest block lags the extrapolated time", async () => {
    const chain = fakeChain(7_200);
    const clock = await ChainClock.start({ publicClient: chain.publicClient, wall: chain.wall, refreshMs: 60_000 });
    chain.state.wallMs += 2_700;
    expect(clock.now()).to.equal(7_202_700);
    chain.state.timestamp = 7_202n; // the block mined at +2 s, read later
    await clock.refresh();
    expect(clock.now()).to.equal(7_202_700);
    chain.state.wallMs += 100;
    expect(clock.now()).to.equal(7_202_800);
    clock.stop();
  });

  it("keeps reading the chain every refreshMs until stopped", async () => {
    const chain = fakeChain(100);
    const clock = await ChainClock.start({ publicClient: chain.publicClient, refreshMs: 20 });
    chain.state.timestamp = 1_000_000n;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(clock.now()).to.be.at.least(1_000_000_000);
    clock.stop();
    const reads = chain.state.reads;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(chain.state.reads).to.equal(reads);
  });

  it("refuses to start without a readable chain, naming what failed", async () => {
    const broken = { getBlock: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")) };
    try {
      await ChainClock.start({ publicClient: broken });
      expect.fail("started");
    } catch (error) {
      expect(error).to.be.instanceOf(ClockError);
      expect((error as ClockError).message).to.equal("publicClient: cannot read the latest block: connect ECONNREFUSED 127.0.0.1:1");
    }
  });

  it("refuses a refresh interval under 10 ms", async () => {
    try {
      await ChainClock.start({ publicClient: fakeChain(0).publicClient, refreshMs: 1 });
      expect.fail("started");
    } catch (error) {
      expect((error as ClockError).message).to.equal("refreshMs: must be at least 10 ms, got 1");
    }
  });
});

const NODE = "0x00000000000000000000000000000000000000A1" as Address;
const P = "0x00000000000000000000000000000000000000b1" as Address;
const L = 3_600;
const E = 10;
const FROM = E * L;
const probe = (atS: number, ok: boolean): Probe => ({ provider: P, atMs: atS * 1000, ok, healthyGpus: ok ? 1 : 0 });
const lease = { leaseId: 1n, provider: P, gpuCount: 1, start: FROM, end: FROM + 4 * L };

describe("observeEpoch on a chain clock that jumps", () => {
  const base = { node: NODE, epochLength: L, setupGraceSeconds: 0, leases: [lease], maxHoldSeconds: 25 * L };

  it("counts a jump while the agent answers as up", () => {
    // probes every 5 s for a minute, then the chain's time jumps 50 minutes, then probes again
    const probes = [...Array.from({ length: 12 }, (_, i) => probe(FROM + 5 * i, true)), ...Array.from({ length: 12 }, (_, i) => probe(FROM + 3_000 + 5 * i, true))];
    const [uptime] = observeEpoch({ ...base, epoch: E, probes });
    expect(uptime).to.include({ kind: "uptime", secondsUp: L, secondsObserved: L });
  });

  it("counts a jump while the GPUs fail as down, up again from the first probe that answers", () => {
    // up for a minute; failing probes from +60 s; the chain's time jumps 10 minutes (+70 -> +670); the outage has ended
    const probes = [
      ...Array.from({ length: 12 }, (_, i) => probe(FROM + 5 * i, true)),
      probe(FROM + 60, false),
      probe(FROM + 65, false),
      probe(FROM + 70, false),
      ...Array.from({ length: 100 }, (_, i) => probe(FROM + 670 + 5 * i, true)),
    ];
    const [uptime] = observeEpoch({ ...base, epoch: E, probes });
    expect(uptime).to.include({ kind: "uptime", secondsUp: L - 610, secondsObserved: L });
  });

  it("observes an epoch the jump skipped entirely from the probe before it", () => {
    const probes = [probe(FROM + L - 10, false), probe(FROM + 3 * L + 20, true)];
    const skipped = observeEpoch({ ...base, epoch: E + 1, probes });
    expect(skipped).to.deep.equal([{ kind: "uptime", node: NODE, leaseId: 1n, epoch: E + 1, secondsUp: 0, secondsObserved: L }]);
    const after = observeEpoch({ ...base, epoch: E + 3, probes });
    expect(after.find((o) => o.kind === "uptime")).to.include({ secondsUp: L - 20, secondsObserved: L });
  });

  it("stops a probe's outcome after maxHoldSeconds: the rest is unobserved, not down", () => {
    const probes = [probe(FROM, false)];
    const [uptime] = observeEpoch({ ...base, epoch: E, probes, maxHoldSeconds: 600 });
    expect(uptime).to.include({ secondsUp: 0, secondsObserved: 600 });
  });
});

describe("SimulatedBackend.failUntil", () => {
  it("fails every heartbeat until the outage's end on its clock, and a jump of the clock past it ends it", async () => {
    let nowMs = 5_000_000;
    const backend = SimulatedBackend.fromRecording("h100", { now: () => nowMs });
    expect((await backend.probeHealth()).every((gpu) => gpu.healthy)).to.equal(true);
    backend.failUntil(nowMs + 600_000);
    expect(backend.down).to.equal(true);
    try {
      await backend.probeHealth();
      expect.fail("answered while failing");
    } catch (error) {
      expect((error as { code: string }).code).to.equal("driver-error");
    }
    nowMs += 599_999;
    expect(backend.down).to.equal(true);
    nowMs += 1; // the chain's time moved past the end
    expect(backend.down).to.equal(false);
    expect((await backend.probeHealth()).every((gpu) => gpu.healthy)).to.equal(true);
  });

  it("refuses an end that is not a time", () => {
    expect(() => SimulatedBackend.fromRecording("h100").failUntil(Number.NaN)).to.throw("the outage's end must be a time in ms, got NaN");
  });
});
