/** The worker thread of `hashInWorker` (compute.ts): recomputes the tasks it was started with and posts the hashes. */
import { parentPort, workerData } from "node:worker_threads";
import type { MatmulTask } from "./compute.js";
import { matmulResultHash } from "./matmul.js";

const { tasks } = workerData as { tasks: readonly MatmulTask[] };
parentPort!.postMessage(tasks.map((t) => matmulResultHash(t.seed, t.n)));
