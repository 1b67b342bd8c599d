/**
 * The worker thread of `ChallengeThread` (thread.ts): computes matrix products with the CPU reference and keeps
 * memory fills, answering one message at a time. Holds at most `MAX_HELD` products and fills (the oldest go first).
 */
import { parentPort } from "node:worker_threads";
import { type ComputedProduct, CpuExecutor } from "./executors.js";
import { HostChunkStore, runWalk } from "./memory.js";

/** A request from the main thread; `ref` names the product or fill it concerns. */
export type ThreadRequest =
  | { readonly op: "compute"; readonly ref: number; readonly seed: Uint8Array; readonly n: number }
  | { readonly op: "products"; readonly ref: number; readonly vectors: readonly Uint16Array[] }
  | { readonly op: "rows"; readonly ref: number; readonly indices: readonly number[] }
  | { readonly op: "fill"; readonly ref: number; readonly seed: Uint8Array; readonly chunkBytes: number; readonly chunkCount: number }
  | { readonly op: "walk"; readonly ref: number; readonly nonce: Uint8Array; readonly steps: number; readonly chunkCount: number }
  | { readonly op: "drop"; readonly ref: number };

/** The answer to request `id`: its result, or the failure's message. */
export type ThreadReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly message: string };

const MAX_HELD = 8;
const executor = new CpuExecutor();
const products = new Map<number, ComputedProduct>();
const fills = new Map<number, HostChunkStore>();

function keep<T>(map: Map<number, T>, ref: number, value: T): void {
  map.set(ref, value);
  while (map.size > MAX_HELD) map.delete(map.keys().next().value!);
}

function held<T>(map: Map<number, T>, ref: number, what: string): T {
  const value = map.get(ref);
  if (value === undefined) throw new Error(`${what} ${ref} is no longer held (evicted after ${MAX_HELD} newer ones)`);
  return value;
}

async function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "compute": {
      const product = await executor.compute(request.seed, request.n);
      keep(products, request.ref, product);
      return Buffer.concat(product.tree.levels.flat());
    }
    case "products":
      return held(products, request.ref, "product").products(request.vectors);
    case "rows":
      return held(products, request.ref, "product").rows(request.indices);
    case "fill": {
      const store = new HostChunkStore();
      await store.fill(request.seed, request.chunkBytes, request.chunkCount);
      keep(fills, request.ref, store);
      return null;
    }
    case "walk": {
      const store = held(fills, request.ref, "fill");
      return runWalk(request.nonce, request.steps, request.chunkCount, (index) => store.chunk(index));
    }
    case "drop":
      products.delete(request.ref);
      fills.delete(request.ref);
      return null;
  }
}

parentPort?.on("message", async ({ id, request }: { id: number; request: ThreadRequest }) => {
  let reply: ThreadReply;
  try {
    reply = { id, ok: true, result: await answer(request) };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
