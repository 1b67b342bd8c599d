/**
 * `npm run bench:check` (a CI gate): runs the gas bench into a temporary directory and compares every figure with
 * the committed snapshot `bench/results/gas.json`. Exits 1, naming each operation with its old and new figure and
 * the change, when a figure rose more than 2%, or when the snapshot and the run do not name the same operations
 * (a new or removed operation needs `npm run bench` and the new snapshot in the same change). A change that updates
 * the snapshot compares against the updated one, so a deliberate rise passes once it is committed.
 *
 * `node --import tsx bench/compare.ts <snapshot.json> <fresh.json>` compares two files without running the bench.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { meetsTarget, TARGETS } from "./targets.js";

/** The largest rise, in percent, a figure may show against the snapshot. */
export const TOLERANCE_PERCENT = 2;

export interface Comparison {
  /** Figures that rose more than the tolerance. */
  regressions: { name: string; old: number; new: number; percent: number }[];
  /** Figures that fell more than the tolerance (the snapshot is stale but nothing got worse). */
  improvements: { name: string; old: number; new: number; percent: number }[];
  /** Operations the run measured that the snapshot lacks. */
  added: string[];
  /** Operations in the snapshot the run no longer measures. */
  removed: string[];
}

export function compare(snapshot: Record<string, number>, fresh: Record<string, number>): Comparison {
  const result: Comparison = { regressions: [], improvements: [], added: [], removed: [] };
  for (const name of Object.keys(fresh).sort()) {
    const old = snapshot[name];
    const now = fresh[name]!;
    if (old === undefined) {
      result.added.push(name);
      continue;
    }
    const percent = old === 0 ? (now === 0 ? 0 : Infinity) : ((now - old) * 100) / old;
    if (percent > TOLERANCE_PERCENT) result.regressions.push({ name, old, new: now, percent });
    else if (percent < -TOLERANCE_PERCENT) result.improvements.push({ name, old, new: now, percent });
  }
  for (const name of Object.keys(snapshot).sort()) if (!(name in fresh)) result.removed.push(name);
  return result;
}

function readFigures(path: string): Record<string, number> {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${path}: not a JSON object`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${path}: ${k} is not a number`);
    out[k] = v;
  }
  return out;
}

/** Prints the comparison and returns the exit status: 0 when nothing regressed and both name the same operations. */
export function report(c: Comparison, fresh: Record<string, number>): number {
  const fmt = (n: number) => n.toLocaleString("en-US");
  const pct = (p: number) => `${p >= 0 ? "+" : ""}${p.toFixed(2)}%`;
  for (const r of c.regressions) console.log(`REGRESSION ${r.name}: ${fmt(r.old)} -> ${fmt(r.new)} (${pct(r.percent)})`);
  for (const r of c.improvements) console.log(`improved   ${r.name}: ${fmt(r.old)} -> ${fmt(r.new)} (${pct(r.percent)}); update the snapshot`);
  for (const name of c.added) console.log(`NEW        ${name}: ${fmt(fresh[name]!)} is not in bench/results/gas.json; run npm run bench and commit it`);
  for (const name of c.removed) console.log(`REMOVED    ${name}: in bench/results/gas.json but no longer measured; run npm run bench and commit it`);
  const missed = Object.keys(TARGETS).filter((name) => name in fresh && !meetsTarget(name, fresh));
  for (const name of missed) console.log(`note       ${name}: ${fmt(fresh[name]!)} misses its target (bench/targets.ts)`);
  const failed = c.regressions.length + c.added.length + c.removed.length;
  console.log(
    failed === 0
      ? `gas check passed: ${Object.keys(fresh).length} operations within ${TOLERANCE_PERCENT}% of the snapshot`
      : `gas check failed: ${c.regressions.length} regression(s) over ${TOLERANCE_PERCENT}%, ${c.added.length} new and ${c.removed.length} removed operation(s)`,
  );
  return failed === 0 ? 0 : 1;
}

function main(): number {
  const args = process.argv.slice(2);
  if (args.length === 2) return report(compare(readFigures(args[0]!), readFigures(args[1]!)), readFigures(args[1]!));
  const snapshotPath = "bench/results/gas.json";
  const dir = mkdtempSync(join(tmpdir(), "cinder-bench-"));
  const freshPath = join(dir, "gas.json");
  const run = spawnSync("npx", ["hardhat", "run", "bench/gas.ts"], {
    stdio: "inherit",
    env: { ...process.env, CINDER_BENCH_OUT: freshPath, CINDER_BENCH_REPORT: join(dir, "REPORT.md") },
  });
  // The bench exits 1 on a missed target after writing its figures; only a run that wrote nothing is an error here.
  if (!existsSync(freshPath)) {
    console.error(`gas check failed: the bench wrote no figures (exit status ${run.status ?? run.signal})`);
    return 1;
  }
  return report(compare(readFigures(snapshotPath), readFigures(freshPath)), readFigures(freshPath));
}

// Run only as a script, so tests can import compare() and report().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
