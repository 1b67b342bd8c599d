/**
 * The memory challenge: the prover fills most of its claimed memory with chunks derived from a seed, then answers a
 * sequential walk over random chunks faster than it could regenerate them.
 *
 * ```
 * chunk i   = first chunkBytes bytes of stream("cinder/pogpu/v1/M", seed, i)        (prng.ts; SHAKE128)
 *             0 <= i < chunkCount = floor(claimedBytes * fillFraction / chunkBytes), chunkBytes a multiple of 4
 * walk      after the fill, from the verifier's fresh 32-byte nonce, for t = 0 .. steps-1, with a_{-1} = 0:
 *   d_t     = SHA3-256("cinder/pogpu/v1/W" || nonce || u32le(t) || u32le(a_{t-1}))
 *   c_t     = u64le(d_t[0..8]) mod chunkCount                                        the chunk read at step t
 *   k_t     = u32le(d_t[8..12]) | 1                                                   an odd key
 *   a_t     = sum_j w_j * k_t^(j+1) mod 2^32, w_j = u32le(chunk c_t [4j .. 4j+4])     the answer
 * response  a_0 .. a_{steps-1}; the verifier recomputes `checks` random steps from the transcript
 * ```
 *
 * Why a prover must hold the chunks (the reasoning):
 * - The walk is sequential: c_t depends on a_{t-1}, so no step can be computed ahead of, or in parallel with, the
 *   previous one, and a prover that dropped a chunk pays for regenerating it on the critical path every time.
 * - An answer needs every word of its chunk: each coefficient k_t^(j+1) is odd, hence invertible mod 2^32, so changing
 *   any one word changes a_t; k_t is fresh per step, so nothing per chunk can be precomputed during the fill.
 * - Regenerating a chunk costs at least chunkBytes / 168 Keccak permutations (SHAKE128 emits 168 bytes per
 *   permutation), whatever state checkpoints the prover kept; reading it costs chunkBytes / memory bandwidth.
 * - Each answer is checked exactly at `checks` random steps, so fabricating a fraction x of the answers to save time
 *   survives with probability (1 - x)^checks (32 checks: 3.4% at x = 0.1).
 *
 * Per-class parameters (`MEMORY_PARAMETERS`): fill 90% of the class's memory in 64 MiB chunks, 16384 steps; the walk
 * deadline is 250 ms + 2 x steps x (64 MiB at 70% of peak bandwidth + 20 us per step):
 * H200 1560 ms, H100 2480 ms, A100 2930 ms, L40S 4550 ms, RTX4090 4030 ms. Fill deadline 120 s (it only bounds the
 * session: filling is not what is being proved). The verifier regenerates 32 chunks of 64 MiB (~2 GiB of SHAKE128).
 *
 * Limits, honestly:
 * - The regeneration bound is a throughput bound. A GPU's own Keccak throughput (very roughly 3-4 x 10^9
 *   permutations/s on the largest cards, so 0.5-0.7 TB/s of SHAKE output) is 4-7x below HBM bandwidth on H100/H200
 *   but close to GDDR bandwidth (RTX4090, L40S): there a prover regenerating on the GPU is nearly as fast as one
 *   reading, and the challenge shows little beyond a fast device. On HBM classes (regeneration R = 4-7x slower than a
 *   read, deadline about twice the honest walk) it catches a prover missing more than about 1.2 / (R - 1), i.e. 20-40%,
 *   of the fill; it cannot tell 90% from 100%.
 * - It proves fast memory, not GPU memory: a host walking the fill in DRAM (100-400 GB/s) fails the HBM classes'
 *   deadlines but comes close on GDDR classes.
 * - Nothing binds this memory to the GPU that passed the matrix challenge; run both on the same worker if that matters.
 * - Only the CPU reference exists (`HostChunkStore`); a GPU chunk store (fill and walk on the device, one kernel per
 *   step) is what the per-class deadlines assume, and the figures above are planning numbers to calibrate on hardware.
 *
 * @example
 * ```ts
 * const verifier = new MemoryVerifier({ modelClass: "H100" });
 * const prover = new MemoryProver(new HostChunkStore());
 * const next = verifier.onFilled(await prover.onIssue(verifier.issue()));
 * const verdict = next.type === "memory-verdict" ? next : verifier.onAnswers(await prover.onQuery(next));
 * ```
 */
import { createHash, randomBytes } from "node:crypto";
import { GPU_CLASSES, type GpuClassSpec, type ModelClass, isModelClass } from "./classes.js";
import { ChallengeError } from "./errors.js";
import { SEED_BYTES, assertSeed, expandSeed, u32le } from "./prng.js";
import type { Clock, RandomSource } from "./protocol.js";

/** The parameters of one memory challenge. */
export interface MemoryParameters {
  /** Memory the provider claims, bytes. */
  readonly claimedBytes: number;
  /** Share of the claimed memory to fill, in (0, 1]. */
  readonly fillFraction: number;
  /** Bytes per chunk, a multiple of 4. */
  readonly chunkBytes: number;
  /** Milliseconds from the issue to receiving "filled". */
  readonly fillDeadlineMs: number;
  /** Walk length. */
  readonly steps: number;
  /** Milliseconds from sending the query to receiving the answers. */
  readonly walkDeadlineMs: number;
  /** Steps the verifier recomputes. */
  readonly checks: number;
}

/** The assumptions behind the per-class memory parameters (see the module comment). */
export const MEMORY_MODEL = {
  fillFraction: 0.9,
  chunkBytes: 64 * 2 ** 20,
  steps: 16_384,
  checks: 32,
  /** Share of peak bandwidth a chunk read reaches. */
  bandwidthEfficiency: 0.7,
  /** Per-step cost besides the read (kernel launch, the 4-byte answer, hashing d_t), ms. */
  stepOverheadMs: 0.02,
  margin: 2,
  networkAllowanceMs: 250,
  fillDeadlineMs: 120_000,
} as const;

/** The walk deadline for a class, rounded up to 10 ms. */
export function walkDeadlineFor(spec: GpuClassSpec, chunkBytes: number, steps: number): number {
  const { bandwidthEfficiency, stepOverheadMs, margin, networkAllowanceMs } = MEMORY_MODEL;
  const stepMs = (chunkBytes / (bandwidthEfficiency * spec.bandwidthGBs * 1e9)) * 1e3 + stepOverheadMs;
  return Math.ceil((networkAllowanceMs + margin * steps * stepMs) / 10) * 10;
}

/** The default parameters of each class (claimed memory: the class's, as nvidia-smi reports it). */
export const MEMORY_PARAMETERS: Readonly<Record<ModelClass, MemoryParameters>> = Object.fromEntries(
  (Object.keys(GPU_CLASSES) as ModelClass[]).map((modelClass) => {
    const spec = GPU_CLASSES[modelClass];
    const { fillFraction, chunkBytes, steps, checks, fillDeadlineMs } = MEMORY_MODEL;
    const walkDeadlineMs = walkDeadlineFor(spec, chunkBytes, steps);
    return [
      modelClass,
      { claimedBytes: spec.memoryMiB * 2 ** 20, fillFraction, chunkBytes, fillDeadlineMs, steps, walkDeadlineMs, checks },
    ];
  }),
) as Record<ModelClass, MemoryParameters>;

/** A class's memory parameters with `overrides` applied and checked. */
export function memoryParameters(modelClass: ModelClass, overrides: Partial<MemoryParameters> = {}): MemoryParameters {
  if (!isModelClass(modelClass)) {
    throw new ChallengeError("invalid-parameter", `unknown model class ${String(modelClass)}`, { field: "modelClass" });
  }
  const p = { ...MEMORY_PARAMETERS[modelClass], ...overrides };
  if (!Number.isSafeInteger(p.claimedBytes) || p.claimedBytes < 1) invalid("parameters.claimedBytes", "a positive integer", p.claimedBytes);
  if (!(p.fillFraction > 0 && p.fillFraction <= 1)) invalid("parameters.fillFraction", "in (0, 1]", p.fillFraction);
  if (!Number.isSafeInteger(p.chunkBytes) || p.chunkBytes < 4 || p.chunkBytes % 4 !== 0) {
    invalid("parameters.chunkBytes", "a positive multiple of 4", p.chunkBytes);
  }
  const chunks = chunkCount(p);
  if (chunks < 1 || chunks > 0xffff_ffff) invalid("parameters.chunkBytes", "small enough for 1 to 2^32 - 1 chunks", `${chunks} chunks`);
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > 2 ** 24) invalid("parameters.steps", "an integer in [1, 2^24]", p.steps);
  if (!Number.isInteger(p.checks) || p.checks < 0 || p.checks > p.steps) {
    invalid("parameters.checks", `an integer in [0, ${p.steps}]`, p.checks);
  }
  for (const field of ["fillDeadlineMs", "walkDeadlineMs"] as const) {
    if (!Number.isFinite(p[field]) || p[field] <= 0) invalid(`parameters.${field}`, "a positive number", p[field]);
  }
  return p;
}

/** How many chunks the fill has. */
export function chunkCount(parameters: Pick<MemoryParameters, "claimedBytes" | "fillFraction" | "chunkBytes">): number {
  return Math.floor((parameters.claimedBytes * parameters.fillFraction) / parameters.chunkBytes);
}

/** Chunk `index` of the fill for `seed`. */
export function deriveChunk(seed: Uint8Array, index: number, chunkBytes: number): Uint8Array {
  return expandSeed("M", seed, index, chunkBytes);
}

/** Step t of the walk: which chunk it reads and with which key, given the previous answer (0 before step 0). */
export function walkStep(nonce: Uint8Array, t: number, previous: number, chunks: number): { chunk: number; key: number } {
  const d = createHash("sha3-256").update(WALK_TAG).update(nonce).update(u32le(t)).update(u32le(previous)).digest();
  return { chunk: Number(d.readBigUInt64LE(0) % BigInt(chunks)), key: (d.readUInt32LE(8) | 1) >>> 0 };
}

/** a = sum_j w_j * key^(j+1) mod 2^32 over the little-endian 32-bit words w_j of `chunk`. */
export function keyedWordSum(chunk: Uint8Array, key: number): number {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let sum = 0;
  let power = key;
  for (let offset = 0; offset + 4 <= chunk.length; offset += 4) {
    sum = (sum + Math.imul(view.getUint32(offset, true), power)) | 0;
    power = Math.imul(power, key);
  }
  return sum >>> 0;
}

/** Runs the walk over chunks from `read` (the prover's work; the verifier replays single steps). */
export async function runWalk(
  nonce: Uint8Array,
  steps: number,
  chunks: number,
  read: (index: number) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint32Array> {
  const answers = new Uint32Array(steps);
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    const { chunk, key } = walkStep(nonce, t, previous, chunks);
    previous = answers[t] = keyedWordSum(await read(chunk), key);
  }
  return answers;
}

/** Verifier -> prover: what to fill; the fill clock starts when this is sent. */
export interface MemoryIssue {
  readonly type: "memory-issue";
  readonly id: string;
  readonly seed: Uint8Array;
  readonly chunkBytes: number;
  readonly chunkCount: number;
  readonly fillDeadlineMs: number;
}

/** Prover -> verifier: the fill is in memory. */
export interface MemoryFilled {
  readonly type: "memory-filled";
  readonly id: string;
}

/** Verifier -> prover: the walk; its clock starts when this is sent. */
export interface MemoryQuery {
  readonly type: "memory-query";
  readonly id: string;
  readonly nonce: Uint8Array;
  readonly steps: number;
  readonly walkDeadlineMs: number;
}

/** Prover -> verifier: a_0 .. a_{steps-1}. */
export interface MemoryAnswers {
  readonly type: "memory-answers";
  readonly id: string;
  readonly answers: Uint32Array;
}

/** Why a memory challenge passed or failed. */
export type MemoryVerdictReason = "passed" | "fill-deadline" | "deadline" | "malformed" | "wrong-answer";

/** The outcome of a memory challenge; timings in ms on the verifier's clock (null: the phase did not happen). */
export interface MemoryVerdict {
  readonly type: "memory-verdict";
  readonly id: string;
  readonly passed: boolean;
  readonly reason: MemoryVerdictReason;
  readonly detail: string;
  readonly timings: { readonly fillMs: number; readonly walkMs: number | null; readonly verifyMs: number | null };
}

/** Options of a `MemoryVerifier`. */
export interface MemoryVerifierOptions {
  readonly modelClass: ModelClass;
  /** Overrides of the class's parameters, e.g. the memory the provider actually claims (validated). */
  readonly parameters?: Partial<MemoryParameters>;
  readonly random?: RandomSource;
  readonly now?: Clock;
}

/** The oracle node's side of a memory challenge. */
export class MemoryVerifier {
  readonly parameters: MemoryParameters;
  readonly chunkCount: number;
  readonly #random: RandomSource;
  readonly #now: Clock;
  #state: MemoryVerifierState = "new";
  #issue: MemoryIssue | undefined;
  #query: MemoryQuery | undefined;
  #issuedAt = 0;
  #fillMs = 0;
  #queriedAt = 0;
  #verdict: MemoryVerdict | undefined;

  constructor(options: MemoryVerifierOptions) {
    this.parameters = memoryParameters(options.modelClass, options.parameters);
    this.chunkCount = chunkCount(this.parameters);
    this.#random = options.random ?? ((length) => new Uint8Array(randomBytes(length)));
    this.#now = options.now ?? (() => performance.now());
  }

  /** The verdict, once there is one. */
  get verdict(): MemoryVerdict | undefined {
    return this.#verdict;
  }

  /** Draws the seed and starts the fill clock. */
  issue(): MemoryIssue {
    this.#expectState("new", "issue");
    const seed = this.#random(SEED_BYTES);
    assertSeed(seed, "random(32)");
    const { chunkBytes, fillDeadlineMs } = this.parameters;
    const id = Buffer.from(this.#random(16)).toString("hex");
    this.#issue = { type: "memory-issue", id, seed, chunkBytes, chunkCount: this.chunkCount, fillDeadlineMs };
    this.#state = "issued";
    this.#issuedAt = this.#now();
    return this.#issue;
  }

  /** Takes "filled": too late ends the challenge, in time gets the walk. */
  onFilled(filled: MemoryFilled): MemoryQuery | MemoryVerdict {
    this.#expectState("issued", "onFilled");
    this.#expectId(filled.id);
    this.#fillMs = this.#now() - this.#issuedAt;
    if (this.#fillMs > this.parameters.fillDeadlineMs) {
      return this.#finish(
        "fill-deadline",
        `filled after ${this.#fillMs.toFixed(1)} ms, deadline ${this.parameters.fillDeadlineMs} ms`,
        null,
      );
    }
    const { steps, walkDeadlineMs } = this.parameters;
    this.#query = { type: "memory-query", id: this.#issue!.id, nonce: this.#random(32), steps, walkDeadlineMs };
    this.#state = "queried";
    this.#queriedAt = this.#now();
    return this.#query;
  }

  /** Judges the walk: deadline, shape, then `checks` random steps recomputed from the seed. */
  onAnswers(message: MemoryAnswers): MemoryVerdict {
    this.#expectState("queried", "onAnswers");
    this.#expectId(message.id);
    const walkMs = this.#now() - this.#queriedAt;
    const { steps, walkDeadlineMs, checks, chunkBytes } = this.parameters;
    if (walkMs > walkDeadlineMs) {
      return this.#finish("deadline", `answered after ${walkMs.toFixed(1)} ms, deadline ${walkDeadlineMs} ms`, walkMs);
    }
    const { answers } = message;
    if (!(answers instanceof Uint32Array) || answers.length !== steps) {
      return this.#finish("malformed", `expected ${steps} uint32 answers`, walkMs);
    }
    const started = this.#now();
    const { seed } = this.#issue!;
    const { nonce } = this.#query!;
    for (const t of this.#sample(steps, checks)) {
      const { chunk, key } = walkStep(nonce, t, t === 0 ? 0 : answers[t - 1], this.chunkCount);
      const expected = keyedWordSum(deriveChunk(seed, chunk, chunkBytes), key);
      if (answers[t] !== expected) {
        return this.#finish(
          "wrong-answer",
          `step ${t} (chunk ${chunk}) answered ${answers[t]}, expected ${expected}`,
          walkMs,
          this.#now() - started,
        );
      }
    }
    return this.#finish("passed", `${checks} of ${steps} steps checked over ${this.chunkCount} chunks`, walkMs, this.#now() - started);
  }

  /** `count` distinct steps uniform in [0, steps) (rejection sampling, no modulo bias), in walk order. */
  #sample(steps: number, count: number): number[] {
    const limit = 2 ** 32 - (2 ** 32 % steps);
    const chosen = new Set<number>();
    while (chosen.size < count) {
      const draw = Buffer.from(this.#random(4)).readUInt32LE(0);
      if (draw < limit) chosen.add(draw % steps);
    }
    return [...chosen].sort((x, y) => x - y);
  }

  #finish(reason: MemoryVerdictReason, detail: string, walkMs: number | null, verifyMs: number | null = null): MemoryVerdict {
    this.#state = "done";
    const timings = { fillMs: this.#fillMs, walkMs, verifyMs };
    this.#verdict = { type: "memory-verdict", id: this.#issue!.id, passed: reason === "passed", reason, detail, timings };
    return this.#verdict;
  }

  #expectState(state: MemoryVerifierState, call: string): void {
    if (this.#state !== state) {
      throw new ChallengeError("protocol-state", `MemoryVerifier.${call} called in state ${this.#state}, expected ${state}`);
    }
  }

  #expectId(id: string): void {
    if (id !== this.#issue!.id) {
      throw new ChallengeError("protocol-state", `message for challenge ${id}, this is ${this.#issue!.id}`, { field: "id" });
    }
  }
}

/** Where a prover keeps the fill. */
export interface ChunkStore {
  /** Derives and stores chunks 0 .. chunkCount-1 of `seed`. */
  fill(seed: Uint8Array, chunkBytes: number, chunkCount: number): Promise<void>;
  /** Chunk `index` of the last fill. */
  chunk(index: number): Uint8Array | Promise<Uint8Array>;
  /** Runs the walk where the fill is held (instead of reading chunks one by one), when the store can. */
  walk?(nonce: Uint8Array, steps: number): Promise<Uint32Array>;
  /** Frees the fill, when the store holds it elsewhere. */
  release?(): Promise<void>;
}

/** The reference store: every chunk in host memory. */
export class HostChunkStore implements ChunkStore {
  #chunks: Uint8Array[] = [];

  async fill(seed: Uint8Array, chunkBytes: number, chunkCount: number): Promise<void> {
    this.#chunks = Array.from({ length: chunkCount }, (_, i) => deriveChunk(seed, i, chunkBytes));
  }

  chunk(index: number): Uint8Array {
    const chunk = this.#chunks[index];
    if (chunk === undefined) {
      throw new ChallengeError("invalid-parameter", `no chunk ${index} in a fill of ${this.#chunks.length}`, { field: "index" });
    }
    return chunk;
  }
}

/** The provider agent's side of a memory challenge. */
export class MemoryProver {
  readonly #store: ChunkStore;
  #issue: MemoryIssue | undefined;

  constructor(store: ChunkStore = new HostChunkStore()) {
    this.#store = store;
  }

  /** Fills the store. */
  async onIssue(issue: MemoryIssue): Promise<MemoryFilled> {
    assertSeed(issue.seed, "issue.seed");
    this.#issue = issue;
    await this.#store.fill(issue.seed, issue.chunkBytes, issue.chunkCount);
    return { type: "memory-filled", id: issue.id };
  }

  /** Walks the fill. */
  async onQuery(query: MemoryQuery): Promise<MemoryAnswers> {
    const issue = this.#issue;
    if (issue === undefined || query.id !== issue.id) {
      throw new ChallengeError("protocol-state", `query for challenge ${query.id} without its fill`, { field: "id" });
    }
    const store = this.#store;
    const answers = store.walk !== undefined ? await store.walk(query.nonce, query.steps) : await runWalk(query.nonce, query.steps, issue.chunkCount, (index) => store.chunk(index));
    return { type: "memory-answers", id: issue.id, answers };
  }
}

type MemoryVerifierState = "new" | "issued" | "queried" | "done";

const WALK_TAG = Buffer.from("cinder/pogpu/v1/W", "ascii");

function invalid(field: string, expected: string, got: unknown): never {
  throw new ChallengeError("invalid-parameter", `must be ${expected}, got ${String(got)}`, { field });
}
