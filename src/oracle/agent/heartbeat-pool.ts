/**
 * Heartbeat verification on every core: worker threads (heartbeat.ts loads as the worker itself) fed binary batches.
 * This thread checks each heartbeat's shape and packs it into a binary record (`packHeartbeat`: hex decoded once,
 * a few microseconds); a batch is one `ArrayBuffer` of records, transferred, not copied, to a worker, which checks
 * each record (`RecordChecker`: gpusHash, digest, signature recovery) and transfers back one code per record plus the
 * details of the failures. Results are the same as `HeartbeatVerifier`'s, in the order of the items.
 *
 * Run from TypeScript sources (tests, benchmarks), the workers load the project through `tsx` (a development
 * dependency); from the built package they load the compiled JavaScript.
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
import type { SignatureBackendName } from "../crypto/recover.js";
import { AgentError } from "./errors.js";
import {
  HEARTBEAT_WORKER_MARKER,
  type HeartbeatBatch,
  type HeartbeatBatchResult,
  type HeartbeatResponse,
  type HeartbeatWorkerData,
  REJECTIONS,
  type VerifyHeartbeatParameters,
  type VerifyHeartbeatReturnType,
  heartbeatShape,
  packHeartbeat,
  recordCapacity,
} from "./heartbeat.js";

/** Options of `HeartbeatVerifierPool`. */
export interface HeartbeatVerifierPoolOptions {
  /** Worker threads; default the machine's available parallelism. */
  readonly threads?: number;
  /** Heartbeats per batch sent to a worker; default 1,000. */
  readonly batchSize?: number;
  /** Signature-recovery backend of the workers (`src/oracle/crypto/recover.ts`); default `auto`. */
  readonly backend?: SignatureBackendName | "auto";
}

/** One heartbeat to verify. */
export interface HeartbeatItem {
  readonly response: unknown;
  readonly expected: VerifyHeartbeatParameters;
}

type Pending = { resolve: (result: HeartbeatBatchResult) => void; reject: (error: Error) => void };

/** A pool of heartbeat-verifying worker threads. */
export class HeartbeatVerifierPool {
  readonly threads: number;
  readonly #batchSize: number;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #next = 0;

  constructor(options: HeartbeatVerifierPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    this.#batchSize = options.batchSize ?? 1_000;
    if (!Number.isInteger(this.threads) || this.threads < 1) {
      throw new AgentError("config", `threads must be a positive integer, got ${this.threads}`, { field: "threads" });
    }
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new AgentError("config", `batchSize must be a positive integer, got ${this.#batchSize}`, { field: "batchSize" });
    }
    const backend = options.backend ?? "auto";
    if (backend !== "auto" && backend !== "native" && backend !== "js") {
      throw new AgentError("config", `backend must be "native", "js" or "auto", got ${JSON.stringify(backend)}`, { field: "backend" });
    }
    const fromSources = import.meta.url.endsWith(".ts");
    const script = new URL(fromSources ? "./heartbeat.ts" : "./heartbeat.js", import.meta.url);
    // A worker does not inherit the loader hooks of this thread: from sources it loads tsx itself.
    const execArgv = fromSources && !process.execArgv.includes("tsx") ? [...process.execArgv, "--import", "tsx"] : undefined;
    const workerData: HeartbeatWorkerData = { marker: HEARTBEAT_WORKER_MARKER, backend };
    this.#workers = Array.from({ length: this.threads }, () => {
      const worker = new Worker(script, { workerData, execArgv });
      worker.on("message", (result: HeartbeatBatchResult) => {
        const pending = this.#pending.get(result.id);
        this.#pending.delete(result.id);
        pending?.resolve(result);
      });
      worker.on("error", (error) => {
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      return worker;
    });
  }

  /** Verifies `items` across the workers; results come back in the order of `items`. Never rejects on agent input. */
  async verifyMany(items: readonly HeartbeatItem[]): Promise<VerifyHeartbeatReturnType[]> {
    const results = new Array<VerifyHeartbeatReturnType>(items.length);
    const batches: Promise<void>[] = [];
    for (let start = 0; start < items.length; start += this.#batchSize) {
      const end = Math.min(start + this.#batchSize, items.length);
      // Shapes first: a malformed heartbeat is answered here; the rest go to a worker as records.
      const shapes: (HeartbeatResponse | null)[] = [];
      let capacity = 0;
      for (let i = start; i < end; i++) {
        const shape = heartbeatShape(items[i]!.response);
        if (typeof shape === "string") {
          results[i] = { ok: false, reason: "malformed", detail: shape };
          shapes.push(null);
        } else {
          shapes.push(shape);
          capacity += 4 + recordCapacity(shape);
        }
      }
      const records = Buffer.alloc(capacity);
      let at = 0;
      let count = 0;
      for (let i = start; i < end; i++) {
        const shape = shapes[i - start]!;
        if (shape === null) continue;
        const next = packHeartbeat(shape, items[i]!.expected, records, at + 4);
        records.writeUInt32LE(next - at - 4, at);
        at = next;
        count++;
      }
      if (count === 0) continue;
      const batch: HeartbeatBatch = { id: this.#nextId++, records: records.buffer as ArrayBuffer, count };
      const worker = this.#workers[this.#next++ % this.#workers.length]!;
      batches.push(
        new Promise<HeartbeatBatchResult>((resolve, reject) => {
          this.#pending.set(batch.id, { resolve, reject });
          worker.postMessage(batch, [batch.records]);
        }).then(({ codes, details }) => {
          let record = 0;
          let failure = 0;
          for (let i = start; i < end; i++) {
            const shape = shapes[i - start]!;
            if (shape === null) continue;
            const code = codes[record++]!;
            results[i] = code === 0 ? { ok: true, heartbeat: shape } : { ok: false, reason: REJECTIONS[code]!, detail: details[failure++]! };
          }
        }),
      );
    }
    await Promise.all(batches);
    return results;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
