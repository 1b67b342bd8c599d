/**
 * Challenge work off the event loop: `ChallengeThread` runs the CPU reference of the matrix-product challenge and the
 * host memory fill and walk on a worker thread, so a provider agent keeps answering heartbeats within their deadline
 * while a large challenge computes (a 2048-sized product takes tens of seconds on the CPU; a 1 GiB fill, seconds).
 * The GPU executors already compute in their own worker process.
 *
 * @example
 * ```ts
 * const thread = new ChallengeThread();
 * const agent = await createAgent({ ..., executor: thread.executor, chunkStore: () => thread.chunkStore() });
 * await thread.close();
 * ```
 */
import { Worker } from "node:worker_threads";
import { ChallengeError } from "./errors.js";
import type { ComputedProduct, Executor } from "./executors.js";
import { assertDimension, merkleTreeFromNodes } from "./matmul.js";
import type { ChunkStore } from "./memory.js";
import { assertSeed } from "./prng.js";
import type { ThreadReply, ThreadRequest } from "./thread-worker.js";

const WORKER = new URL(`./thread-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** A worker thread that computes challenges (see the module comment); started on first use. */
export class ChallengeThread {
  /** The CPU reference executor, computing on the thread. */
  readonly executor: Executor;
  #worker: Worker | undefined;
  #nextId = 0;
  #nextRef = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor() {
    const call = <T>(request: ThreadRequest) => this.#call<T>(request);
    const nextRef = () => ++this.#nextRef;
    this.executor = {
      kind: "cpu",
      description: "CPU reference (TypeScript, O(n^3)) on a worker thread",
      start: async () => {},
      close: () => this.close(),
      async compute(seed: Uint8Array, n: number): Promise<ComputedProduct> {
        assertSeed(seed);
        assertDimension(n);
        const ref = nextRef();
        const nodes = await call<Uint8Array>({ op: "compute", ref, seed, n });
        return {
          n,
          tree: merkleTreeFromNodes(n, nodes),
          products: (vectors) => call<BigInt64Array[]>({ op: "products", ref, vectors }),
          rows: (indices) => call<Int32Array[]>({ op: "rows", ref, indices }),
        };
      },
    };
  }

  /** A chunk store whose fill and walk run on the thread (one per memory challenge). */
  chunkStore(): ChunkStore {
    const ref = ++this.#nextRef;
    let chunkCount = 0;
    return {
      fill: async (seed, chunkBytes, count) => {
        await this.#call({ op: "fill", ref, seed, chunkBytes, chunkCount: count });
        chunkCount = count;
      },
      chunk: () => {
        throw new ChallengeError("protocol-state", "the fill is held on the challenge thread: walk it with walk()");
      },
      walk: (nonce, steps) => this.#call<Uint32Array>({ op: "walk", ref, nonce, steps, chunkCount }),
      release: () => this.#call({ op: "drop", ref }).then(() => undefined),
    };
  }

  /** Stops the thread (a later call starts a new one). */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  #call<T>(request: ThreadRequest): Promise<T> {
    const worker = this.#start();
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, request });
    });
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    // tsx resolved from this package, for processes that load the TypeScript sources (as compute.ts does).
    const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", import.meta.resolve("tsx")];
    const worker = new Worker(WORKER, { execArgv });
    worker.unref();
    worker.on("message", (reply: ThreadReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new ChallengeError("executor-failed", `challenge thread: ${reply.message}`));
    });
    const fail = (message: string) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const waiter of this.#pending.values()) waiter.reject(new ChallengeError("executor-failed", `challenge thread: ${message}`));
      this.#pending.clear();
    };
    worker.on("error", (error) => fail(error.message));
    worker.on("exit", (code) => fail(`exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }
}
