/**
 * Heartbeat verification on every core: worker threads each running `HeartbeatVerifier` (heartbeat.ts loads as the
 * worker itself), fed in batches. Each worker keeps its own key cache; send a provider's heartbeats to the same pool
 * and every worker learns the key on its first one.
 *
 * @example
 * ```ts
 * const pool = new HeartbeatVerifierPool({ threads: 2 });
 * const results = await pool.verifyMany(items); // same order as items
 * await pool.close();
 * ```
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  HEARTBEAT_WORKER_MARKER,
  type HeartbeatBatch,
  type HeartbeatBatchResult,
  type VerifyHeartbeatParameters,
  type VerifyHeartbeatReturnType,
} from "./heartbeat.js";

/** Options of `HeartbeatVerifierPool`. */
export interface HeartbeatVerifierPoolOptions {
  /** Worker threads; default the machine's available parallelism. */
  readonly threads?: number;
  /** Heartbeats per message to a worker; default 256. */
  readonly batchSize?: number;
}

/** One heartbeat to verify. */
export interface HeartbeatItem {
  readonly response: unknown;
  readonly expected: VerifyHeartbeatParameters;
}

/** A pool of heartbeat-verifying worker threads. */
export class HeartbeatVerifierPool {
  readonly threads: number;
  readonly #batchSize: number;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: (results: readonly VerifyHeartbeatReturnType[]) => void; reject: (error: Error) => void }>();
  #nextId = 0;
  #next = 0;

  constructor(options: HeartbeatVerifierPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    this.#batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`threads must be a positive integer, got ${this.threads}`);
    const script = new URL(import.meta.url.endsWith(".ts") ? "./heartbeat.ts" : "./heartbeat.js", import.meta.url);
    this.#workers = Array.from({ length: this.threads }, () => {
      const worker = new Worker(script, { workerData: { marker: HEARTBEAT_WORKER_MARKER } });
      worker.on("message", (result: HeartbeatBatchResult) => {
        const pending = this.#pending.get(result.id);
        this.#pending.delete(result.id);
        pending?.resolve(result.results);
      });
      worker.on("error", (error) => {
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      return worker;
    });
  }

  /** Verifies `items` across the workers; results come back in the order of `items`. */
  async verifyMany(items: readonly HeartbeatItem[]): Promise<VerifyHeartbeatReturnType[]> {
    const batches: Promise<readonly VerifyHeartbeatReturnType[]>[] = [];
    for (let start = 0; start < items.length; start += this.#batchSize) {
      const batch: HeartbeatBatch = { id: this.#nextId++, items: items.slice(start, start + this.#batchSize) };
      const worker = this.#workers[this.#next++ % this.#workers.length]!;
      batches.push(
        new Promise((resolve, reject) => {
          this.#pending.set(batch.id, { resolve, reject });
          worker.postMessage(batch);
        }),
      );
    }
    return (await Promise.all(batches)).flat();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
