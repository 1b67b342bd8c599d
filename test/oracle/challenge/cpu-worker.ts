/**
 * A worker process for executors.test.ts: the worker protocol (serveWorker) over the CPU reference, so that
 * WorkerExecutor is exercised end to end without a GPU. Spawned as `node --import tsx cpu-worker.ts`; importing it
 * (as `hardhat test` does with every file under test/) does nothing.
 */
import { pathToFileURL } from "node:url";
import { CpuExecutor, serveWorker } from "../../../src/oracle/challenge/executors.js";

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serveWorker(new CpuExecutor(), process.stdin, process.stdout);
}
