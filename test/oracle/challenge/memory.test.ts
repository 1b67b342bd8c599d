/**
 * The memory challenge (src/oracle/challenge/memory.ts): pinned walk answers (computed independently with Python's
 * hashlib), an honest prover passes, a prover that kept only part of the fill and regenerates the rest is slower
 * (an injected clock stands for time: each read and each regeneration advances it), wrong answers and a late fill
 * fail, and the parameters are validated.
 */
import { expect } from "chai";
import { ChallengeError } from "../../../src/oracle/challenge/errors.js";
import {
  type ChunkStore,
  HostChunkStore,
  MEMORY_PARAMETERS,
  type MemoryParameters,
  MemoryProver,
  type MemoryQuery,
  type MemoryVerdict,
  MemoryVerifier,
  chunkCount,
  deriveChunk,
  keyedWordSum,
  memoryParameters,
  runWalk,
  walkStep,
} from "../../../src/oracle/challenge/memory.js";
import { FIXED_SEED, ManualClock, seededRandom } from "./support.js";

/** 57 chunks of 1 KiB (90% of 64 KiB), a 64-step walk, every step checked. */
const SMALL: Partial<MemoryParameters> = {
  claimedBytes: 64 * 1024,
  chunkBytes: 1024,
  steps: 64,
  checks: 64,
  walkDeadlineMs: 20,
};
const READ_MS = 0.01;
const REGENERATE_MS = 2;

/** Holds every chunk; a read costs READ_MS on the clock. */
class TimedStore implements ChunkStore {
  readonly #inner = new HostChunkStore();
  constructor(private readonly clock: ManualClock) {}
  fill(seed: Uint8Array, chunkBytes: number, count: number): Promise<void> {
    return this.#inner.fill(seed, chunkBytes, count);
  }
  chunk(index: number): Uint8Array {
    this.clock.advance(READ_MS);
    return this.#inner.chunk(index);
  }
}

/** Keeps only the even chunks and regenerates an odd one from the seed on demand, at REGENERATE_MS each. */
class HalfStore implements ChunkStore {
  readonly kept = new Map<number, Uint8Array>();
  regenerated = 0;
  #seed: Uint8Array = new Uint8Array(32);
  #chunkBytes = 0;
  constructor(private readonly clock: ManualClock) {}
  async fill(seed: Uint8Array, chunkBytes: number, count: number): Promise<void> {
    this.#seed = seed;
    this.#chunkBytes = chunkBytes;
    for (let i = 0; i < count; i += 2) this.kept.set(i, deriveChunk(seed, i, chunkBytes));
  }
  chunk(index: number): Uint8Array {
    const kept = this.kept.get(index);
    this.clock.advance(kept ? READ_MS : REGENERATE_MS);
    if (kept) return kept;
    this.regenerated++;
    return deriveChunk(this.#seed, index, this.#chunkBytes);
  }
}

function verifier(label: string, clock: ManualClock, parameters: Partial<MemoryParameters> = SMALL): MemoryVerifier {
  return new MemoryVerifier({ modelClass: "RTX4090", parameters, random: seededRandom(label), now: clock.now });
}

async function run(v: MemoryVerifier, prover: MemoryProver, edit?: (answers: Uint32Array) => void): Promise<MemoryVerdict> {
  const next = v.onFilled(await prover.onIssue(v.issue()));
  if (next.type === "memory-verdict") return next;
  const response = await prover.onQuery(next);
  edit?.(response.answers);
  return v.onAnswers(response);
}

describe("challenge memory", () => {
  describe("the walk", () => {
    it("pins the first steps for a fixed seed and nonce", async () => {
      const nonce = new Uint8Array(32).fill(0xab);
      const answers = await runWalk(nonce, 3, 5, (index) => deriveChunk(FIXED_SEED, index, 64));
      expect([...answers]).to.deep.equal([2_389_045_111, 3_476_114_767, 2_066_056_953]);
      expect(walkStep(nonce, 0, 0, 5)).to.deep.equal({ chunk: 4, key: 2_499_484_561 });
      expect(walkStep(nonce, 1, answers[0]!, 5)).to.deep.equal({ chunk: 3, key: 2_427_508_969 });
    });

    it("computes the keyed word sum exactly, and any single changed word changes it", () => {
      const chunk = deriveChunk(FIXED_SEED, 9, 256);
      const key = 0x9e37_79b9;
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let expected = 0n;
      let power = 1n;
      for (let j = 0; j < 64; j++) {
        power = (power * BigInt(key)) % 2n ** 32n;
        expected += BigInt(view.getUint32(4 * j, true)) * power;
      }
      const answer = keyedWordSum(chunk, key);
      expect(answer).to.equal(Number(BigInt.asUintN(32, expected)));
      for (let j = 0; j < 64; j++) {
        const changed = chunk.slice();
        changed[4 * j + (j % 4)] ^= 1 << (j % 8);
        expect(keyedWordSum(changed, key), `word ${j}`).to.not.equal(answer);
      }
    });

    it("lands on every chunk index in range", () => {
      const nonce = new Uint8Array(32).fill(1);
      const seen = new Set<number>();
      for (let t = 0; t < 200; t++) seen.add(walkStep(nonce, t, t, 7).chunk);
      expect([...seen].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });
  });

  describe("a prover", () => {
    it("that holds the fill passes", async () => {
      const clock = new ManualClock();
      const v = verifier("honest", clock);
      expect(v.chunkCount).to.equal(57);
      const verdict = await run(v, new MemoryProver(new TimedStore(clock)));
      expect(verdict).to.include({ passed: true, reason: "passed" });
      expect(verdict.detail).to.equal("64 of 64 steps checked over 57 chunks");
      // chai's closeTo is overridden for integers by the ethers matchers, so compare floats directly.
      expect(Math.abs(verdict.timings.walkMs! - 64 * READ_MS)).to.be.lessThan(1e-9);
    });

    it("that kept half the fill and regenerates the rest misses the deadline", async () => {
      const clock = new ManualClock();
      const store = new HalfStore(clock);
      const verdict = await run(verifier("half", clock), new MemoryProver(store));
      expect(verdict).to.include({ passed: false, reason: "deadline" });
      expect(store.regenerated).to.be.above(10);
      expect(verdict.timings.walkMs).to.be.above(SMALL.walkDeadlineMs!);
    });

    it("that regenerates gives right answers, so the deadline alone separates it (a generous deadline lets it pass)", async () => {
      const clock = new ManualClock();
      const verdict = await run(verifier("half", clock, { ...SMALL, walkDeadlineMs: 10_000 }), new MemoryProver(new HalfStore(clock)));
      expect(verdict.reason).to.equal("passed");
    });

    it("that answers a step wrongly fails, naming the step", async () => {
      const clock = new ManualClock();
      const verdict = await run(verifier("wrong", clock), new MemoryProver(new HostChunkStore()), (answers) => {
        answers[17] ^= 1;
      });
      expect(verdict.reason).to.equal("wrong-answer");
      expect(verdict.detail).to.match(/^step 17 \(chunk \d+\) answered \d+, expected \d+$/);
    });

    it("that guesses the answers of chunks it dropped fails the spot checks", async () => {
      const clock = new ManualClock();
      const v = verifier("guess", clock);
      const issue = v.issue();
      const query = v.onFilled(await new MemoryProver().onIssue(issue)) as MemoryQuery;
      const fill = new HostChunkStore();
      await fill.fill(issue.seed, issue.chunkBytes, issue.chunkCount);
      // Walk honestly where the chunk index is even, guess where it is odd (as if odd chunks were dropped).
      const answers = new Uint32Array(query.steps);
      let previous = 0;
      for (let t = 0; t < query.steps; t++) {
        const { chunk, key } = walkStep(query.nonce, t, previous, issue.chunkCount);
        previous = answers[t] = chunk % 2 === 0 ? keyedWordSum(fill.chunk(chunk), key) : 12_345;
      }
      const verdict = v.onAnswers({ type: "memory-answers", id: query.id, answers });
      expect(verdict.reason).to.equal("wrong-answer");
    });

    it("that fills too slowly fails with fill-deadline and gets no walk", async () => {
      const clock = new ManualClock();
      const v = verifier("slow-fill", clock, { ...SMALL, fillDeadlineMs: 1_000 });
      const filled = await new MemoryProver().onIssue(v.issue());
      clock.advance(1_001);
      const verdict = v.onFilled(filled);
      expect(verdict).to.include({ type: "memory-verdict", reason: "fill-deadline" });
      expect(() => v.onAnswers({ type: "memory-answers", id: filled.id, answers: new Uint32Array(64) }))
        .to.throw(ChallengeError)
        .with.property("code", "protocol-state");
    });

    it("that sends the wrong number of answers fails as malformed", async () => {
      const clock = new ManualClock();
      const v = verifier("short", clock);
      const prover = new MemoryProver();
      const query = v.onFilled(await prover.onIssue(v.issue())) as MemoryQuery;
      const { answers } = await prover.onQuery(query);
      expect(v.onAnswers({ type: "memory-answers", id: query.id, answers: answers.subarray(1) }).reason).to.equal("malformed");
    });
  });

  describe("parameters", () => {
    it("fills 90% of each class's memory in 64 MiB chunks and pins the walk deadlines", () => {
      const table = Object.fromEntries(Object.entries(MEMORY_PARAMETERS).map(([k, p]) => [k, [chunkCount(p), p.walkDeadlineMs]]));
      expect(table).to.deep.equal({
        H200: [2_021, 1_560],
        H100: [1_146, 2_480],
        A100: [576, 2_930],
        L40S: [647, 4_550],
        RTX4090: [345, 4_030],
      });
    });

    it("names the field of a bad override", () => {
      expect(() => memoryParameters("H100", { chunkBytes: 1_000_001 }))
        .to.throw(ChallengeError, "must be a positive multiple of 4, got 1000001")
        .with.property("field", "parameters.chunkBytes");
      expect(() => memoryParameters("H100", { fillFraction: 1.5 }))
        .to.throw(ChallengeError)
        .with.property("field", "parameters.fillFraction");
      expect(() => memoryParameters("H100", { ...SMALL, checks: 65 }))
        .to.throw(ChallengeError)
        .with.property("field", "parameters.checks");
      expect(() => memoryParameters("H100", { claimedBytes: 100, chunkBytes: 1024 })).to.throw(ChallengeError, "0 chunks");
    });
  });
});
