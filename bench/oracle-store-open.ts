/**
 * `npx tsx bench/oracle-store-open.ts`: what the start-up integrity check costs. Fills an oracle node store with
 * probes (100 providers, one probe a minute each: 1,000,000 probes is about a week), closes it, and prints the
 * median time of `openStore` (SQLite `quick_check`, schema version, signing-memory record) over three opens, with
 * the file size. Prints figures only; there is no target.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { openStore } from "../src/oracle/node/store.js";

const SIZES = [100_000, 1_000_000];
const PROVIDERS = 100;
const RUNS = 3;

const dir = mkdtempSync(join(tmpdir(), "cinder-bench-store-"));
try {
  const path = join(dir, "node.db");
  let written = 0;
  for (const size of SIZES) {
    const store = openStore(path);
    for (; written < size; written++) {
      const provider = `0x${(written % PROVIDERS).toString(16).padStart(40, "0")}` as Address;
      store.recordProbe({ provider, atMs: 1_700_000_000_000 + Math.floor(written / PROVIDERS) * 60_000, ok: written % 17 !== 0, healthyGpus: 8, reason: "" });
    }
    store.close();
    const seconds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      openStore(path).close();
      seconds.push((performance.now() - start) / 1_000);
    }
    const median = seconds.sort((a, b) => a - b)[RUNS >> 1]!;
    console.log(`openStore with ${size.toLocaleString("en")} probes (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB): ${median.toFixed(3)} s (median of ${RUNS})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
