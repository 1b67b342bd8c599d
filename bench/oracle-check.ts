/**
 * `npm run bench:oracle:check`: runs the oracle bench (bench/oracle.ts) and compares it with the committed
 * `bench/results/oracle.json`, printing a table. It fails (exit 1) only on what cannot flake:
 * - the native path slower than the fallback in the same run (heartbeats on one thread, the tree build);
 * - a figure at less than half of the committed one (for a time, more than twice the committed one); the pool's
 *   ratio to one thread is printed, not gated (a quotient of two noisy figures, it swings with other load; the
 *   pool's own rate is gated).
 * The absolute targets are printed, not enforced: they depend on the machine. Nothing is written.
 */
import { type OracleFigures, committedFigures, describeFigures, measureOracle } from "./oracle.js";

/** One compared figure: `higher` is true when a larger value is better. */
interface Row {
  readonly name: string;
  readonly committed: number;
  readonly measured: number;
  readonly higher: boolean;
  /** False for a figure only printed: the pool's ratio divides two noisy figures and swings with other load. */
  readonly gated: boolean;
}

function rows(committed: OracleFigures, measured: OracleFigures): Row[] {
  const h = (name: keyof OracleFigures["heartbeats"], label: string): Row => ({
    name: label,
    committed: committed.heartbeats[name],
    measured: measured.heartbeats[name],
    higher: true,
    gated: name !== "poolRatio",
  });
  const t = (name: "nativeSeconds" | "fallbackSeconds" | "leafFileSerializeSeconds", label: string): Row => ({
    name: label,
    committed: committed.tree[name],
    measured: measured.tree[name],
    higher: false,
    gated: true,
  });
  return [
    h("nativeOneThreadPerSecond", "heartbeats/s, native, one thread"),
    h("fallbackOneThreadPerSecond", "heartbeats/s, fallback, one thread"),
    h("poolPerSecond", "heartbeats/s, native, pool"),
    h("poolRatio", "pool / one thread"),
    t("nativeSeconds", "tree 100k leaves, native, s"),
    t("fallbackSeconds", "tree 100k leaves, fallback, s"),
    t("leafFileSerializeSeconds", "leaf file serialize, s"),
  ];
}

/** The failures of `measured` against `committed` (empty when the check passes). */
export function compareFigures(committed: OracleFigures, measured: OracleFigures): string[] {
  const failures: string[] = [];
  if (measured.heartbeats.nativeOneThreadPerSecond < measured.heartbeats.fallbackOneThreadPerSecond) {
    failures.push(`the native heartbeat path (${measured.heartbeats.nativeOneThreadPerSecond}/s) is slower than the fallback (${measured.heartbeats.fallbackOneThreadPerSecond}/s)`);
  }
  if (measured.tree.nativeSeconds > measured.tree.fallbackSeconds) {
    failures.push(`the native tree build (${measured.tree.nativeSeconds} s) is slower than the fallback (${measured.tree.fallbackSeconds} s)`);
  }
  if (measured.tree.root !== committed.tree.root) failures.push(`the tree's root ${measured.tree.root} differs from the committed ${committed.tree.root}`);
  for (const row of rows(committed, measured)) {
    const worse = row.higher ? row.measured < row.committed / 2 : row.measured > row.committed * 2;
    if (worse && row.gated) failures.push(`${row.name}: ${row.measured} is ${row.higher ? "below half" : "above twice"} the committed ${row.committed}`);
  }
  return failures;
}

/** The comparison as a table. */
export function table(committed: OracleFigures, measured: OracleFigures): string {
  const lines = [["figure", "committed", "measured", "limit", ""]];
  for (const row of rows(committed, measured)) {
    const limit = row.higher ? `>= ${round(row.committed / 2)}` : `<= ${round(row.committed * 2)}`;
    const ok = row.higher ? row.measured >= row.committed / 2 : row.measured <= row.committed * 2;
    lines.push([row.name, String(row.committed), String(row.measured), row.gated ? limit : "(printed)", !row.gated ? "" : ok ? "ok" : "FAIL"]);
  }
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  return lines.map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()).join("\n");
}

const round = (value: number) => Math.round(value * 1_000) / 1_000;

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const committed = committedFigures();
  if (committed === null || committed.heartbeats === undefined || committed.tree === undefined) {
    console.error("bench:oracle:check: bench/results/oracle.json is missing or from an older bench; run `npm run bench:oracle` and commit it");
    process.exit(1);
  }
  const measured = await measureOracle();
  for (const line of describeFigures(measured)) console.log(line);
  console.log(`\ncommitted figures: ${committed.machine.cpu}, ${committed.machine.cores} cores, Node ${committed.machine.node}`);
  console.log(table(committed, measured));
  const failures = compareFigures(committed, measured);
  for (const failure of failures) console.error(`FAIL ${failure}`);
  console.log(failures.length === 0 ? "oracle bench check: ok" : `oracle bench check: ${failures.length} failure(s)`);
  if (failures.length > 0) process.exitCode = 1;
}
