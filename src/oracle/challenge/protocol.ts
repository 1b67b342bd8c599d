/**
 * The matrix-product challenge as a protocol between a verifier (an oracle node) and a prover (a provider's agent).
 *
 * ```
 * Verifier                                         Prover
 * issue {seed, n, commitDeadlineMs}         ->     derive A, B; C = A·B; tree over C's rows   (Executor)
 *                                           <-     commit {root}             must arrive within commitDeadlineMs
 * reveal {r_1..r_k, rows i_1..i_s}          ->     y_j = C·r_j; open rows i_1..i_s with proofs
 *                                           <-     response {y_1..y_k, openings}
 * verdict {passed, reason, timings}
 * ```
 * The reveal exists only once a commitment is in (it is what `onCommit` returns), so r and the rows to open are
 * unknown while C is being committed. Deadlines are measured on the verifier's clock, from sending to receiving.
 *
 * Per-class parameters (`MATMUL_PARAMETERS`), from `commitDeadlineFor`:
 *
 * | class   | n      | honest GPU estimate | commit deadline | int8 CPU at 30 TOPS | at 150 TOPS (AMX) |
 * |---------|--------|---------------------|-----------------|---------------------|-------------------|
 * | H200    | 32768  | 168 ms              | 630 ms          | 2.3 s               | 0.47 s            |
 * | H100    | 32768  | 186 ms              | 670 ms          | 2.3 s               | 0.47 s            |
 * | A100    | 24576  | 190 ms              | 680 ms          | 1.0 s               | 0.20 s            |
 * | L40S    | 24576  | 162 ms              | 620 ms          | 1.0 s               | 0.20 s            |
 * | RTX4090 | 24576  | 180 ms              | 650 ms          | 1.0 s               | 0.20 s            |
 *
 * - Work: 2n^3 int8 operations (7.0e13 at n = 32768, 3.0e13 at 24576); the honest estimate assumes the CUDA worker's
 *   tiled tensor-core kernel reaches 25% of the class's dense INT8 peak (`DEADLINE_MODEL.efficiency`, to be
 *   calibrated on hardware; cuBLASLt would reach more, which only widens an honest prover's margin).
 * - Deadline = 250 ms network allowance + 2 x (estimate + 20 ms for deriving A and B and hashing C on the device).
 *   A prover may not be credited for round-trip time it could inflate, hence a fixed allowance.
 * - n: large enough that the product dominates the allowance, small enough that A, B and C (6n^2 bytes: 6 GiB at
 *   32768, 3.4 GiB at 24576) fit every class's memory; the smaller classes get a smaller n so that each class's honest
 *   time is about the same share of its deadline, and their verifiers do less work.
 * - Rounds k = 2 (a wrong opened row survives both with probability 2^-32); openings s = 16 (a prover that computed
 *   a fraction f of the rows passes with probability about f^16: 2.8% at f = 0.8, 1.5e-5 at f = 0.5).
 * - Response deadline 5 s: after the commitment nothing the prover computes can change C, so it only bounds a session.
 *
 * Limits, honestly: the challenge proves INT8 throughput within a deadline, not the silicon. A CPU at 30 TOPS fails
 * every class, but a two-socket server with AMX (150-400 TOPS INT8) passes the A100, L40S and RTX4090 deadlines, and
 * nothing here tells two cards of similar throughput apart (H200 from H100: the memory challenge does). Binding an
 * identity needs confidential-computing attestation (tier 2). The verifier's own work is O((k + s) n^2) plus deriving
 * 2n^2 bytes: about a minute of one core at n = 32768 (2 GiB of SHAKE128, 2 rounds, 16 rows), off the critical path.
 *
 * @example
 * ```ts
 * const verifier = new Verifier({ modelClass: "H100" });
 * const prover = new Prover(new CpuExecutor());
 * const commit = await prover.onIssue(verifier.issue());
 * const next = verifier.onCommit(commit);
 * const verdict = next.type === "verdict" ? next : verifier.onResponse(await prover.onReveal(next));
 * ```
 */
import { randomBytes } from "node:crypto";
import { GPU_CLASSES, type GpuClassSpec, type ModelClass, isModelClass } from "./classes.js";
import { ChallengeError } from "./errors.js";
import type { ComputedProduct, Executor } from "./executors.js";
import { MAX_N, type Opening, assertDimension, checkOpenedRow, deriveMatrices, freivaldsCheck, merkleProof, merkleRoot } from "./matmul.js";
import { SEED_BYTES, assertSeed } from "./prng.js";

/** The parameters of one matrix-product challenge. */
export interface MatmulParameters {
  /** Matrix dimension. */
  readonly n: number;
  /** Freivalds rounds k: vectors r revealed. */
  readonly rounds: number;
  /** Rows s of C opened and checked. */
  readonly openings: number;
  /** Milliseconds from issuing the seed to receiving the commitment. */
  readonly commitDeadlineMs: number;
  /** Milliseconds from the reveal to receiving the response. */
  readonly responseDeadlineMs: number;
}

/** The assumptions behind the commit deadlines (see the module comment). */
export const DEADLINE_MODEL = {
  /** Fraction of the dense INT8 peak the CUDA worker is assumed to reach. */
  efficiency: 0.25,
  /** Factor on the honest estimate. */
  margin: 2,
  /** Fixed allowance for the two messages and scheduling, ms. */
  networkAllowanceMs: 250,
  /** Deriving A and B, hashing C's rows and building the tree on the device, ms. */
  pipelineOverheadMs: 20,
} as const;

/** Matrix dimension per class. */
export const CLASS_DIMENSIONS: Readonly<Record<ModelClass, number>> = {
  H200: 32_768,
  H100: 32_768,
  A100: 24_576,
  L40S: 24_576,
  RTX4090: 24_576,
};

/** The commit deadline for a class at dimension n, rounded up to 10 ms. */
export function commitDeadlineFor(spec: GpuClassSpec, n: number): number {
  const { efficiency, margin, networkAllowanceMs, pipelineOverheadMs } = DEADLINE_MODEL;
  const computeMs = ((2 * n ** 3) / (efficiency * spec.int8Tops * 1e12)) * 1e3;
  return Math.ceil((networkAllowanceMs + margin * (computeMs + pipelineOverheadMs)) / 10) * 10;
}

/** The default parameters of each class. */
export const MATMUL_PARAMETERS: Readonly<Record<ModelClass, MatmulParameters>> = Object.fromEntries(
  (Object.keys(GPU_CLASSES) as ModelClass[]).map((modelClass) => {
    const n = CLASS_DIMENSIONS[modelClass];
    const commitDeadlineMs = commitDeadlineFor(GPU_CLASSES[modelClass], n);
    return [modelClass, { n, rounds: 2, openings: 16, commitDeadlineMs, responseDeadlineMs: 5_000 }];
  }),
) as Record<ModelClass, MatmulParameters>;

/** A class's parameters with `overrides` applied and checked (tests use a tiny n this way). */
export function matmulParameters(modelClass: ModelClass, overrides: Partial<MatmulParameters> = {}): MatmulParameters {
  if (!isModelClass(modelClass)) {
    throw new ChallengeError("invalid-parameter", `unknown model class ${String(modelClass)}`, { field: "modelClass" });
  }
  const parameters = { ...MATMUL_PARAMETERS[modelClass], ...overrides };
  assertDimension(parameters.n, "parameters.n");
  checkInteger(parameters.rounds, 1, 64, "parameters.rounds");
  checkInteger(parameters.openings, 0, parameters.n, "parameters.openings");
  checkPositive(parameters.commitDeadlineMs, "parameters.commitDeadlineMs");
  checkPositive(parameters.responseDeadlineMs, "parameters.responseDeadlineMs");
  return parameters;
}

/** Verifier -> prover: the seed; the clock starts when this is sent. */
export interface ChallengeIssue {
  readonly type: "issue";
  readonly id: string;
  readonly seed: Uint8Array;
  readonly n: number;
  readonly commitDeadlineMs: number;
}

/** Prover -> verifier: the root of the tree over C's rows. */
export interface Commitment {
  readonly type: "commit";
  readonly id: string;
  readonly root: Uint8Array;
}

/** Verifier -> prover, only after a timely commitment: the vectors r and the rows to open. */
export interface Reveal {
  readonly type: "reveal";
  readonly id: string;
  /** r_1..r_k, n entries each in [0, 2^16). */
  readonly vectors: readonly Uint16Array[];
  /** Distinct row indices to open, in the order the openings must come. */
  readonly rows: readonly number[];
  readonly responseDeadlineMs: number;
}

/** Prover -> verifier: y_j = C·r_j for every vector, and the requested rows with their proofs. */
export interface ChallengeResponse {
  readonly type: "response";
  readonly id: string;
  readonly products: readonly BigInt64Array[];
  readonly openings: readonly Opening[];
}

/** Why a challenge passed or failed. */
export type VerdictReason =
  | "passed"
  /** The commitment came after the commit deadline. */
  | "deadline"
  /** The response came after the response deadline. */
  | "response-deadline"
  /** A message had the wrong shape: root length, vector counts or lengths, openings not as requested. */
  | "malformed"
  /** Some y_j is not A·B·r_j. */
  | "freivalds"
  /** An opened row does not hash to a leaf under the committed root. */
  | "merkle-proof"
  /** An opened row disagrees with y (row·r_j != y_j[i]). */
  | "row-inconsistent"
  /** An opened row is not A_i·B. */
  | "row-product";

/** Milliseconds on the verifier's clock. */
export interface VerdictTimings {
  /** Issue to commitment. */
  readonly commitMs: number;
  /** Reveal to response; null when the challenge ended before a reveal. */
  readonly responseMs: number | null;
  /** The verifier's checks of the response; null when there was none. */
  readonly verifyMs: number | null;
}

/** The outcome of a challenge. */
export interface Verdict {
  readonly type: "verdict";
  readonly id: string;
  readonly passed: boolean;
  readonly reason: VerdictReason;
  /** What failed, in words ("y_2 is not A·B·r_2"), or a summary when passed. */
  readonly detail: string;
  readonly timings: VerdictTimings;
}

/** Bytes from a source of randomness; defaults to `crypto.randomBytes`. */
export type RandomSource = (length: number) => Uint8Array;

/** Milliseconds from some fixed origin; defaults to `performance.now()`. */
export type Clock = () => number;

/** Options of a `Verifier`. */
export interface VerifierOptions {
  readonly modelClass: ModelClass;
  /** Overrides of the class's parameters (validated). */
  readonly parameters?: Partial<MatmulParameters>;
  readonly random?: RandomSource;
  readonly now?: Clock;
}

/** The oracle node's side of one challenge: issue, take the commitment, reveal, judge the response. */
export class Verifier {
  readonly modelClass: ModelClass;
  readonly parameters: MatmulParameters;
  readonly #random: RandomSource;
  readonly #now: Clock;
  #state: VerifierState = "new";
  #issue: ChallengeIssue | undefined;
  #issuedAt = 0;
  #commitMs = 0;
  #root: Uint8Array | undefined;
  #reveal: Reveal | undefined;
  #revealedAt = 0;
  #verdict: Verdict | undefined;

  constructor(options: VerifierOptions) {
    this.modelClass = options.modelClass;
    this.parameters = matmulParameters(options.modelClass, options.parameters);
    this.#random = options.random ?? ((length) => new Uint8Array(randomBytes(length)));
    this.#now = options.now ?? (() => performance.now());
  }

  /** The verdict, once there is one. */
  get verdict(): Verdict | undefined {
    return this.#verdict;
  }

  /** Draws the seed and starts the commit clock. */
  issue(): ChallengeIssue {
    this.#expectState("new", "issue");
    const seed = this.#random(SEED_BYTES);
    assertSeed(seed, "random(32)");
    const id = Buffer.from(this.#random(16)).toString("hex");
    this.#issue = { type: "issue", id, seed, n: this.parameters.n, commitDeadlineMs: this.parameters.commitDeadlineMs };
    this.#state = "issued";
    this.#issuedAt = this.#now();
    return this.#issue;
  }

  /** Takes the commitment: a late one ends the challenge with `deadline`, a timely one gets the reveal. */
  onCommit(commit: Commitment): Reveal | Verdict {
    this.#expectState("issued", "onCommit");
    this.#expectId(commit.id);
    this.#commitMs = this.#now() - this.#issuedAt;
    if (this.#commitMs > this.parameters.commitDeadlineMs) {
      return this.#finish("deadline", `committed after ${fmt(this.#commitMs)} ms, deadline ${this.parameters.commitDeadlineMs} ms`);
    }
    if (!(commit.root instanceof Uint8Array) || commit.root.length !== 32) {
      return this.#finish("malformed", "the root is not 32 bytes");
    }
    this.#root = commit.root;
    const { n, rounds, openings } = this.parameters;
    const vectors = Array.from({ length: rounds }, () => this.#vector(n));
    this.#reveal = {
      type: "reveal",
      id: this.#issue!.id,
      vectors,
      rows: this.#rows(n, openings),
      responseDeadlineMs: this.parameters.responseDeadlineMs,
    };
    this.#state = "revealed";
    this.#revealedAt = this.#now();
    return this.#reveal;
  }

  /** Judges the response: shape, Freivalds on every round, then every opened row. */
  onResponse(response: ChallengeResponse): Verdict {
    this.#expectState("revealed", "onResponse");
    this.#expectId(response.id);
    const responseMs = this.#now() - this.#revealedAt;
    if (responseMs > this.parameters.responseDeadlineMs) {
      return this.#finish(
        "response-deadline",
        `responded after ${fmt(responseMs)} ms, deadline ${this.parameters.responseDeadlineMs} ms`,
        responseMs,
      );
    }
    const malformed = this.#shapeError(response);
    if (malformed !== null) return this.#finish("malformed", malformed, responseMs);

    const started = this.#now();
    const elapsed = () => this.#now() - started;
    const { vectors, rows } = this.#reveal!;
    const pair = deriveMatrices(this.#issue!.seed, this.parameters.n);
    for (let j = 0; j < vectors.length; j++) {
      if (!freivaldsCheck(pair, vectors[j], response.products[j])) {
        return this.#finish("freivalds", `y_${j + 1} is not A·B·r_${j + 1}`, responseMs, elapsed());
      }
    }
    for (const opening of response.openings) {
      const failure = checkOpenedRow({ pair, root: this.#root!, opening, vectors, products: response.products });
      if (failure !== null) {
        return this.#finish(failure, `opened row ${opening.index}: ${OPENING_FAILURES[failure]}`, responseMs, elapsed());
      }
    }
    const summary = `${vectors.length} rounds and ${rows.length} opened rows checked at n = ${this.parameters.n}`;
    return this.#finish("passed", summary, responseMs, elapsed());
  }

  #vector(n: number): Uint16Array {
    const bytes = this.#random(2 * n);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Uint16Array.from({ length: n }, (_, j) => view.getUint16(2 * j, true));
  }

  /** `count` distinct rows, uniform in [0, n) (rejection sampling on 32-bit draws, no modulo bias). */
  #rows(n: number, count: number): number[] {
    const limit = 2 ** 32 - (2 ** 32 % n);
    const chosen = new Set<number>();
    while (chosen.size < count) {
      const bytes = this.#random(4);
      const draw = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
      if (draw < limit) chosen.add(draw % n);
    }
    return [...chosen];
  }

  #shapeError(response: ChallengeResponse): string | null {
    const { n, rounds } = this.parameters;
    const { rows } = this.#reveal!;
    if (!Array.isArray(response.products) || response.products.length !== rounds) return `expected ${rounds} products`;
    for (const [j, y] of response.products.entries()) {
      if (!(y instanceof BigInt64Array) || y.length !== n) return `y_${j + 1} is not ${n} int64 values`;
    }
    if (!Array.isArray(response.openings) || response.openings.length !== rows.length) return `expected ${rows.length} openings`;
    for (const [t, opening] of response.openings.entries()) {
      if (opening.index !== rows[t]) return `opening ${t} is row ${opening.index}, row ${rows[t]} was asked`;
      if (!(opening.row instanceof Int32Array) || opening.row.length !== n) return `row ${opening.index} is not ${n} int32 values`;
      if (!Array.isArray(opening.proof)) return `row ${opening.index} has no proof`;
    }
    return null;
  }

  #finish(reason: VerdictReason, detail: string, responseMs: number | null = null, verifyMs: number | null = null): Verdict {
    this.#state = "done";
    const timings = { commitMs: this.#commitMs, responseMs, verifyMs };
    this.#verdict = { type: "verdict", id: this.#issue!.id, passed: reason === "passed", reason, detail, timings };
    return this.#verdict;
  }

  #expectState(state: VerifierState, call: string): void {
    if (this.#state !== state) {
      throw new ChallengeError("protocol-state", `Verifier.${call} called in state ${this.#state}, expected ${state}`);
    }
  }

  #expectId(id: string): void {
    if (id !== this.#issue!.id) {
      throw new ChallengeError("protocol-state", `message for challenge ${id}, this is ${this.#issue!.id}`, { field: "id" });
    }
  }
}

/** Options of a `Prover`. */
export interface ProverOptions {
  /** Largest n the prover accepts (default MAX_N); a verifier asking more gets `invalid-parameter`. */
  readonly maxN?: number;
}

/** The provider agent's side: computes through an `Executor`, commits, answers the reveal. */
export class Prover {
  readonly #executor: Executor;
  readonly #maxN: number;
  #issue: ChallengeIssue | undefined;
  #product: ComputedProduct | undefined;

  constructor(executor: Executor, options: ProverOptions = {}) {
    this.#executor = executor;
    this.#maxN = options.maxN ?? MAX_N;
  }

  /** Derives A and B, computes C and commits to its rows. */
  async onIssue(issue: ChallengeIssue): Promise<Commitment> {
    assertSeed(issue.seed, "issue.seed");
    assertDimension(issue.n, "issue.n");
    if (issue.n > this.#maxN) {
      throw new ChallengeError("invalid-parameter", `n = ${issue.n} exceeds this prover's limit ${this.#maxN}`, { field: "issue.n" });
    }
    this.#issue = issue;
    this.#product = undefined;
    this.#product = await this.#executor.compute(issue.seed, issue.n);
    return { type: "commit", id: issue.id, root: merkleRoot(this.#product.tree) };
  }

  /** Computes y_j = C·r_j and opens the requested rows. */
  async onReveal(reveal: Reveal): Promise<ChallengeResponse> {
    const issue = this.#issue;
    const product = this.#product;
    if (issue === undefined || product === undefined) throw new ChallengeError("protocol-state", "reveal before a commitment");
    if (reveal.id !== issue.id) {
      throw new ChallengeError("protocol-state", `reveal for challenge ${reveal.id}, committed to ${issue.id}`, { field: "id" });
    }
    for (const [j, r] of reveal.vectors.entries()) {
      if (!(r instanceof Uint16Array) || r.length !== issue.n) {
        throw new ChallengeError("invalid-parameter", `r_${j + 1} is not ${issue.n} uint16 values`, { field: `reveal.vectors[${j}]` });
      }
    }
    for (const [t, index] of reveal.rows.entries()) {
      if (!Number.isInteger(index) || index < 0 || index >= issue.n) {
        throw new ChallengeError("invalid-parameter", `row ${index} is outside [0, ${issue.n})`, { field: `reveal.rows[${t}]` });
      }
    }
    const products = await product.products(reveal.vectors);
    const rows = await product.rows(reveal.rows);
    const openings = reveal.rows.map((index, t) => ({ index, row: rows[t], proof: merkleProof(product.tree, index) }));
    return { type: "response", id: issue.id, products, openings };
  }
}

type VerifierState = "new" | "issued" | "revealed" | "done";

const OPENING_FAILURES: Record<"merkle-proof" | "row-inconsistent" | "row-product", string> = {
  "merkle-proof": "does not hash to a leaf under the committed root",
  "row-inconsistent": "row·r disagrees with y",
  "row-product": "is not A_i·B",
};

function checkInteger(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ChallengeError("invalid-parameter", `must be an integer in [${min}, ${max}], got ${value}`, { field });
  }
}

function checkPositive(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ChallengeError("invalid-parameter", `must be a positive number, got ${value}`, { field });
  }
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}
