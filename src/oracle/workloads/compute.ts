/**
 * Where a judging node spends its CPU: the `matmul-int8` products it recomputes. `hashInThread` computes them on the
 * calling thread (for one-off checks, the CLI and tests); `hashInWorker` runs them on a worker thread, so a node's
 * event loop keeps serving heartbeats, challenges and its HTTP API while it re-executes a 1024-sized product
 * (about 2 s here). Both return the same hashes in the order of the tasks.
 *
 * @example
 * ```ts
 * const [hash] = await hashInWorker([{ seed, n: 1024 }]);
 * ```
 */
import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import { matmulResultHash } from "./matmul.js";

/** One product to recompute: the generator's seed and the matrices' size. */
export interface MatmulTask {
  readonly seed: Hex;
  readonly n: number;
}
/** Recomputes the result hashes of `tasks`, in order. */
export type MatmulHasher = (tasks: readonly MatmulTask[]) => Promise<Hex[]>;

/** On the calling thread. */
export const hashInThread: MatmulHasher = async (tasks) => tasks.map((t) => matmulResultHash(t.seed, t.n));

const WORKER = new URL(`./compute-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/**
 * On a fresh worker thread (started per call: disputes are rare, and a worker that ends cannot leak). The worker
 * loads the TypeScript sources through tsx, as the node itself does.
 */
export const hashInWorker: MatmulHasher = (tasks) =>
  new Promise<Hex[]>((resolve, reject) => {
    // tsx resolved from this package (not the working directory), for processes that registered it in code.
    const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", import.meta.resolve("tsx")];
    const worker = new Worker(WORKER, { workerData: { tasks }, execArgv });
    let settled = false;
    worker.once("message", (hashes: Hex[]) => {
      settled = true;
      resolve(hashes);
    });
    worker.once("error", (error) => {
      settled = true;
      reject(new Error(`recomputing on a worker thread failed: ${error.message}`));
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the recomputing worker thread exited with code ${code} before it answered`));
    });
  });
