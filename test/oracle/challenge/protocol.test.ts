/**
 * The matrix-product protocol (src/oracle/challenge/protocol.ts): an honest prover passes; provers that skip the
 * product, forge rows or roots, commit late, or compute only part of C fail with the right reason; a lazy prover's
 * pass rate matches the bound the openings promise; the per-class table and its validation.
 */
import { expect } from "chai";
import { GPU_CLASSES, type ModelClass } from "../../../src/oracle/challenge/classes.js";
import { ChallengeError } from "../../../src/oracle/challenge/errors.js";
import { CpuExecutor } from "../../../src/oracle/challenge/executors.js";
import {
  buildMerkleTree,
  deriveMatrices,
  merkleProof,
  merkleRoot,
  multiply,
  productVector,
  rowLeaves,
} from "../../../src/oracle/challenge/matmul.js";
import {
  type ChallengeIssue,
  type ChallengeResponse,
  type Commitment,
  MATMUL_PARAMETERS,
  type MatmulParameters,
  Prover,
  type Reveal,
  type Verdict,
  Verifier,
  matmulParameters,
} from "../../../src/oracle/challenge/protocol.js";
import { ManualClock, seededRandom } from "./support.js";

/** Anything that answers like a prover. */
interface ProverLike {
  onIssue(issue: ChallengeIssue): Promise<Commitment>;
  onReveal(reveal: Reveal): Promise<ChallengeResponse>;
}

/** How a cheating prover departs from the protocol. */
interface Cheat {
  /** The C it commits to, given the true one (default: the true C). */
  commit?: (c: Int32Array, n: number) => Int32Array;
  /** A root sent instead of its tree's. */
  root?: Uint8Array;
  /** y it returns: C'·r from its committed C' (default), the true A·B·r, or random. */
  products?: "committed" | "true" | "random";
  /** Changes an opened row after committing. */
  tamperOpenedRows?: boolean;
}

/** A prover built from the spec's pure functions, cheating as told. */
class CheatingProver implements ProverLike {
  #state: { n: number; c: Int32Array; committed: Int32Array; id: string } | undefined;

  constructor(private readonly cheat: Cheat) {}

  async onIssue(issue: ChallengeIssue): Promise<Commitment> {
    const c = multiply(deriveMatrices(issue.seed, issue.n));
    const committed = this.cheat.commit?.(c, issue.n) ?? c;
    this.#state = { n: issue.n, c, committed, id: issue.id };
    return { type: "commit", id: issue.id, root: this.cheat.root ?? merkleRoot(buildMerkleTree(rowLeaves(committed, issue.n))) };
  }

  async onReveal(reveal: Reveal): Promise<ChallengeResponse> {
    const { n, c, committed, id } = this.#state!;
    const random = seededRandom(`random-y-${id}`);
    const products = reveal.vectors.map((r) => {
      if (this.cheat.products === "random") return new BigInt64Array(new Uint8Array(random(8 * n)).buffer);
      return productVector(this.cheat.products === "true" ? c : committed, n, r);
    });
    const tree = buildMerkleTree(rowLeaves(committed, n));
    const openings = reveal.rows.map((index) => {
      const row = committed.slice(index * n, (index + 1) * n);
      if (this.cheat.tamperOpenedRows) row[0] += 1;
      return { index, row, proof: merkleProof(tree, index) };
    });
    return { type: "response", id, products, openings };
  }
}

const SMALL: Partial<MatmulParameters> = { n: 64, rounds: 3, openings: 5 };

function verifier(label: string, parameters: Partial<MatmulParameters> = SMALL, clock = new ManualClock()): Verifier {
  return new Verifier({ modelClass: "H100", parameters, random: seededRandom(label), now: clock.now });
}

/** Runs a whole challenge and returns the verdict. */
async function run(v: Verifier, prover: ProverLike, beforeCommit?: () => void): Promise<Verdict> {
  const commit = await prover.onIssue(v.issue());
  beforeCommit?.();
  const next = v.onCommit(commit);
  return next.type === "verdict" ? next : v.onResponse(await prover.onReveal(next));
}

/** The true C with rows [from, n) left at zero: a prover that did part of the work. */
function partial(from: number) {
  return (c: Int32Array, n: number) => {
    const out = c.slice();
    out.fill(0, from * n);
    return out;
  };
}

describe("challenge protocol", () => {
  describe("an honest prover", () => {
    it("passes, with timings on the verifier's clock", async () => {
      const clock = new ManualClock();
      const v = verifier("honest", SMALL, clock);
      const prover = new Prover(new CpuExecutor());
      const commit = await prover.onIssue(v.issue());
      clock.advance(40);
      const reveal = v.onCommit(commit);
      expect(reveal.type).to.equal("reveal");
      if (reveal.type !== "reveal") return;
      expect(reveal.vectors).to.have.length(3);
      expect(new Set(reveal.rows).size).to.equal(5);
      clock.advance(7);
      const verdict = v.onResponse(await prover.onReveal(reveal));
      expect(verdict).to.include({ passed: true, reason: "passed" });
      expect(verdict.timings).to.deep.equal({ commitMs: 40, responseMs: 7, verifyMs: 0 });
      expect(v.verdict).to.equal(verdict);
    });

    it("passes with one round and no openings, and at an odd n", async () => {
      const verdict = await run(verifier("odd", { n: 37, rounds: 1, openings: 0 }), new Prover(new CpuExecutor()));
      expect(verdict.reason).to.equal("passed");
    });
  });

  describe("a prover that skips the product", () => {
    it("fails Freivalds when it returns random y", async () => {
      const verdict = await run(verifier("skip"), new CheatingProver({ products: "random" }));
      expect(verdict).to.include({ passed: false, reason: "freivalds" });
      expect(verdict.detail).to.equal("y_1 is not A·B·r_1");
    });
  });

  describe("a prover that forges rows", () => {
    it("fails when an opened row was changed after the commitment", async () => {
      const verdict = await run(verifier("tamper"), new CheatingProver({ tamperOpenedRows: true }));
      expect(verdict.reason).to.equal("merkle-proof");
    });

    it("fails when the root does not match the rows it opens", async () => {
      const verdict = await run(verifier("root"), new CheatingProver({ root: new Uint8Array(32).fill(7), products: "true" }));
      expect(verdict.reason).to.equal("merkle-proof");
    });

    it("fails when it committed wrong rows and answers with the true y", async () => {
      const shifted = (c: Int32Array) => c.map((value, k) => (k % 5 === 0 ? value + 1 : value));
      const verdict = await run(verifier("wrong-rows"), new CheatingProver({ commit: shifted, products: "true" }));
      expect(verdict.reason).to.equal("row-inconsistent");
      expect(verdict.detail).to.match(/^opened row \d+: row·r disagrees with y$/);
    });

    it("is caught only by the exact recomputation when it knew r before committing", async () => {
      const parameters = { n: 16, rounds: 1, openings: 2 };
      // A twin verifier with the same randomness shows the forger r ahead of time, which the protocol never does.
      const twin = verifier("clairvoyant", parameters);
      const twinIssue = twin.issue();
      const peek = twin.onCommit({ type: "commit", id: twinIssue.id, root: new Uint8Array(32) }) as Reveal;
      const r = peek.vectors[0]!;
      const forge = (c: Int32Array, n: number) => {
        const out = c.slice();
        for (let i = 0; i < n; i++) {
          out[i * n] += r[1]!; // d = (r_1, -r_0, 0, ...) has d·r = 0: every row still agrees with y
          out[i * n + 1] -= r[0]!;
        }
        return out;
      };
      const verdict = await run(verifier("clairvoyant", parameters), new CheatingProver({ commit: forge, products: "true" }));
      expect(verdict.reason).to.equal("row-product");
    });
  });

  describe("deadlines", () => {
    it("fails a late commitment with reason deadline, and never reveals", async () => {
      const clock = new ManualClock();
      const v = verifier("late", { ...SMALL, commitDeadlineMs: 500 }, clock);
      const verdict = await run(v, new Prover(new CpuExecutor()), () => clock.advance(500.5));
      expect(verdict).to.include({ passed: false, reason: "deadline" });
      expect(verdict.detail).to.equal("committed after 500.5 ms, deadline 500 ms");
      expect(verdict.timings).to.deep.equal({ commitMs: 500.5, responseMs: null, verifyMs: null });
      expect(() => v.onResponse({ type: "response", id: verdict.id, products: [], openings: [] }))
        .to.throw(ChallengeError)
        .with.property("code", "protocol-state");
    });

    it("accepts a commitment exactly at the deadline", async () => {
      const clock = new ManualClock();
      const verdict = await run(verifier("edge", { ...SMALL, commitDeadlineMs: 500 }, clock), new Prover(new CpuExecutor()), () =>
        clock.advance(500),
      );
      expect(verdict.reason).to.equal("passed");
    });

    it("fails a late response with reason response-deadline", async () => {
      const clock = new ManualClock();
      const v = verifier("slow", { ...SMALL, responseDeadlineMs: 100 }, clock);
      const prover = new Prover(new CpuExecutor());
      const reveal = v.onCommit(await prover.onIssue(v.issue())) as Reveal;
      const response = await prover.onReveal(reveal);
      clock.advance(101);
      expect(v.onResponse(response).reason).to.equal("response-deadline");
    });
  });

  describe("a lazy prover that computed only part of C", () => {
    it("fails Freivalds when its y comes from the partial C", async () => {
      const verdict = await run(verifier("lazy"), new CheatingProver({ commit: partial(32) }));
      expect(verdict.reason).to.equal("freivalds");
    });

    it("passes only when no opened row falls in the part it skipped, at the rate the openings promise", async () => {
      // n = 16, half of C computed, s = 2 openings: P(pass) = C(8,2) / C(16,2) = 28/120.
      const parameters = { n: 16, rounds: 2, openings: 2 };
      const trials = 300;
      let passed = 0;
      for (let t = 0; t < trials; t++) {
        const v = verifier(`lazy-rate-${t}`, parameters);
        const verdict = await run(v, new CheatingProver({ commit: partial(8), products: "true" }));
        expect(verdict.reason).to.be.oneOf(["passed", "row-inconsistent"]);
        if (verdict.passed) passed++;
      }
      const expected = (trials * 28) / 120; // 70
      const sigma = Math.sqrt(trials * (28 / 120) * (92 / 120)); // 7.3
      expect(Math.abs(passed - expected)).to.be.below(4 * sigma);
    });
  });

  describe("malformed responses and misuse", () => {
    it("fails a response with the wrong number of products or openings out of order", async () => {
      const v1 = verifier("shape-1");
      const prover1 = new Prover(new CpuExecutor());
      const response1 = await prover1.onReveal(v1.onCommit(await prover1.onIssue(v1.issue())) as Reveal);
      const verdict1 = v1.onResponse({ ...response1, products: response1.products.slice(1) });
      expect(verdict1).to.include({ reason: "malformed", detail: "expected 3 products" });

      const v2 = verifier("shape-2");
      const prover2 = new Prover(new CpuExecutor());
      const response2 = await prover2.onReveal(v2.onCommit(await prover2.onIssue(v2.issue())) as Reveal);
      const verdict2 = v2.onResponse({ ...response2, openings: [...response2.openings].reverse() });
      expect(verdict2.reason).to.equal("malformed");
      expect(verdict2.detail).to.match(/^opening 0 is row \d+, row \d+ was asked$/);
    });

    it("fails a root that is not 32 bytes", () => {
      const v = verifier("short-root");
      const issue = v.issue();
      const verdict = v.onCommit({ type: "commit", id: issue.id, root: new Uint8Array(31) });
      expect(verdict).to.include({ type: "verdict", reason: "malformed" });
    });

    it("throws protocol-state when driven out of order or given another challenge's message", () => {
      const v = verifier("order");
      expect(() => v.onCommit({ type: "commit", id: "x", root: new Uint8Array(32) }))
        .to.throw(ChallengeError, "Verifier.onCommit called in state new, expected issued")
        .with.property("code", "protocol-state");
      v.issue();
      expect(() => v.issue())
        .to.throw(ChallengeError)
        .with.property("code", "protocol-state");
      expect(() => v.onCommit({ type: "commit", id: "other", root: new Uint8Array(32) }))
        .to.throw(ChallengeError)
        .with.property("field", "id");
    });

    it("makes the prover refuse a reveal before its commitment and an n over its limit", async () => {
      const v = verifier("prover-limits");
      const issue = v.issue();
      const prover = new Prover(new CpuExecutor(), { maxN: 32 });
      try {
        await prover.onReveal({ type: "reveal", id: issue.id, vectors: [], rows: [], responseDeadlineMs: 1 });
        expect.fail("expected a protocol-state error");
      } catch (error) {
        expect(error).to.be.instanceOf(ChallengeError).with.property("code", "protocol-state");
      }
      try {
        await prover.onIssue(issue);
        expect.fail("expected an invalid-parameter error");
      } catch (error) {
        expect(error).to.be.instanceOf(ChallengeError).with.property("field", "issue.n");
      }
    });
  });

  describe("parameters", () => {
    it("pins n and the commit deadline of every class", () => {
      const table = Object.fromEntries(Object.entries(MATMUL_PARAMETERS).map(([k, p]) => [k, [p.n, p.commitDeadlineMs]]));
      expect(table).to.deep.equal({
        H200: [32_768, 630],
        H100: [32_768, 670],
        A100: [24_576, 680],
        L40S: [24_576, 620],
        RTX4090: [24_576, 650],
      });
    });

    it("fits A, B and C of every class's challenge in its memory", () => {
      for (const [modelClass, { n }] of Object.entries(MATMUL_PARAMETERS)) {
        expect(6 * n * n, modelClass).to.be.below(GPU_CLASSES[modelClass as ModelClass].memoryMiB * 2 ** 20);
      }
    });

    it("applies overrides and names the field of a bad one", () => {
      expect(matmulParameters("A100", { n: 64 })).to.include({ n: 64, rounds: 2, openings: 16, commitDeadlineMs: 680 });
      expect(() => matmulParameters("H100", { n: 0 }))
        .to.throw(ChallengeError)
        .with.property("field", "parameters.n");
      expect(() => matmulParameters("H100", { n: 8, openings: 9 }))
        .to.throw(ChallengeError, "must be an integer in [0, 8], got 9")
        .with.property("field", "parameters.openings");
      expect(() => matmulParameters("H100", { commitDeadlineMs: -1 }))
        .to.throw(ChallengeError)
        .with.property("field", "parameters.commitDeadlineMs");
      expect(() => matmulParameters("GTX1080" as ModelClass)).to.throw(ChallengeError, "unknown model class GTX1080");
    });
  });
});
