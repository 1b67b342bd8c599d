/**
 * The coverage gate. `npm run coverage` runs the Solidity suites and every mocha suite that drives the in-process
 * network (not the integration tests: a separate `hardhat node` is not instrumented) under Hardhat's coverage, keeps
 * its printed report in `coverage/report.txt`, and then runs this check; `npm run coverage:check` re-checks an
 * earlier run's output.
 *
 * Printed per contract, enforced on the total over the protocol's contracts (contracts/, less contracts/test/ and
 * contracts/mocks/): lines (from coverage/lcov.info) at least 95%, branches at least 90%, statements (from Hardhat's
 * report) at least 90%. Hardhat 3.17's coverage (EDR 0.20) writes no branch records, so the branch figure is derived
 * from the run's statement probes (coverage/data/) by `branch-coverage.ts`; the arms not taken are listed in
 * coverage/branches.txt.
 *
 * Exits 1 when the total misses a threshold or a contract has no coverage record at all.
 */
import { readFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { measureBranches, type FileBranches } from "./branch-coverage.js";

export const MIN_LINES_PERCENT = 95;
export const MIN_STATEMENTS_PERCENT = 90;
export const MIN_BRANCHES_PERCENT = 90;
export const LCOV = "coverage/lcov.info";
export const REPORT = "coverage/report.txt";
/** Where Hardhat keeps each runner's probe hits (`<runner>/<uuid>.json`: tag -> transactions that hit it). */
export const DATA = "coverage/data";
export const BRANCHES = "coverage/branches.txt";

export interface FileCoverage {
  path: string;
  linesHit: number;
  linesFound: number;
  /** Statement coverage in percent from Hardhat's printed report, when it printed this file. */
  statementsPercent?: number;
  branchesHit?: number;
  branchesFound?: number;
  ternaries?: number;
}

/** Sums the probe hits of every runner's data files. */
export function readHits(dir = DATA): Map<string, number> {
  const hits = new Map<string, number>();
  if (!existsSync(dir)) return hits;
  for (const runner of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, runner))) {
      const entries = JSON.parse(readFileSync(join(dir, runner, file), "utf8")) as Record<string, number>;
      for (const [tag, n] of Object.entries(entries)) hits.set(tag, (hits.get(tag) ?? 0) + n);
    }
  }
  return hits;
}

/** Branch arms of the counted contracts (those lcov lists), from the run's probe hits. */
export function branchesOf(paths: string[], hits: ReadonlyMap<string, number>): FileBranches[] {
  const require = createRequire(import.meta.url);
  const solcVersion = (require("solc/package.json") as { version: string }).version;
  const files = Object.fromEntries(paths.filter(counts).map((p) => [p, readFileSync(p, "utf8")]));
  return measureBranches(files, hits, solcVersion);
}

/** Whether a source counts toward the gate: the protocol's own contracts, not test doubles or mocks. */
export function counts(path: string): boolean {
  return path.startsWith("contracts/") && !path.startsWith("contracts/test/") && !path.startsWith("contracts/mocks/");
}

export function parseLcov(text: string): FileCoverage[] {
  const files: FileCoverage[] = [];
  let current: FileCoverage | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("SF:")) current = { path: line.slice(3), linesHit: 0, linesFound: 0 };
    else if (line.startsWith("DA:") && current !== undefined) {
      const [, count] = line.slice(3).split(",");
      current.linesFound += 1;
      if (Number(count) > 0) current.linesHit += 1;
    } else if (line === "end_of_record" && current !== undefined) {
      files.push(current);
      current = undefined;
    }
  }
  return files;
}

/**
 * Reads the statement column of Hardhat's printed table: rows "║ <path> │ <line %> │ <statement %> │ <lines> ║".
 * Paths longer than the column are shortened by Hardhat with a leading "…"; they are matched by their tail.
 */
export function parseStatements(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const plain = text.replace(/\x1B\[[0-9;]*[A-Za-z]/g, "");
  for (const row of plain.split("\n")) {
    // Hardhat draws the table with box characters on a terminal and in logs alike; "|" is accepted too.
    const cells = row.split(/[|│║]/).map((c) => c.trim());
    if (cells.length < 5) continue;
    const [, path, lines, statements] = cells;
    if (path === undefined || !/\.sol$/.test(path) || !/^\d+(\.\d+)?$/.test(lines ?? "") || !/^\d+(\.\d+)?$/.test(statements ?? "")) continue;
    out.set(path, Number(statements));
  }
  return out;
}

function statementFor(path: string, table: Map<string, number>): number | undefined {
  const exact = table.get(path);
  if (exact !== undefined) return exact;
  for (const [shown, value] of table) {
    if (shown.startsWith("…") && path.endsWith(shown.slice(1))) return value;
  }
  return undefined;
}

export interface Verdict {
  rows: FileCoverage[];
  linesPercent: number;
  statementsPercent: number | undefined;
  branchesPercent: number | undefined;
  /** Ternary expressions over all contracts (not decided by statement probes, so outside the branch figure). */
  ternaries: number;
  failures: string[];
}

export function judge(lcov: string, report: string | undefined, branches?: FileBranches[]): Verdict {
  const table = report === undefined ? new Map<string, number>() : parseStatements(report);
  const rows = parseLcov(lcov)
    .filter((f) => counts(f.path))
    .map((f) => {
      const b = branches?.find((x) => x.path === f.path);
      return {
        ...f,
        statementsPercent: statementFor(f.path, table),
        ...(b === undefined ? {} : { branchesHit: b.arms.filter((a) => a.taken).length, branchesFound: b.arms.length, ternaries: b.ternaries }),
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
  const hit = rows.reduce((s, r) => s + r.linesHit, 0);
  const found = rows.reduce((s, r) => s + r.linesFound, 0);
  const linesPercent = found === 0 ? 0 : (hit * 100) / found;
  // The total statement figure is weighted by each file's lines (Hardhat prints percentages, not counts).
  const withStatements = rows.filter((r) => r.statementsPercent !== undefined && r.linesFound > 0);
  const weight = withStatements.reduce((s, r) => s + r.linesFound, 0);
  const statementsPercent =
    withStatements.length === 0 ? undefined : withStatements.reduce((s, r) => s + r.statementsPercent! * r.linesFound, 0) / weight;
  const armsHit = rows.reduce((s, r) => s + (r.branchesHit ?? 0), 0);
  const armsFound = rows.reduce((s, r) => s + (r.branchesFound ?? 0), 0);
  const branchesPercent = branches === undefined || armsFound === 0 ? undefined : (armsHit * 100) / armsFound;
  const ternaries = rows.reduce((s, r) => s + (r.ternaries ?? 0), 0);
  const failures: string[] = [];
  if (rows.length === 0) failures.push(`no contract under contracts/ in ${LCOV}`);
  if (linesPercent < MIN_LINES_PERCENT) failures.push(`lines ${linesPercent.toFixed(2)}% < ${MIN_LINES_PERCENT}%`);
  if (statementsPercent === undefined) failures.push(`no statement figures in ${REPORT}`);
  else if (statementsPercent < MIN_STATEMENTS_PERCENT) failures.push(`statements ${statementsPercent.toFixed(2)}% < ${MIN_STATEMENTS_PERCENT}%`);
  if (branchesPercent === undefined) failures.push(`no branch figures (no probe hits in ${DATA})`);
  else if (branchesPercent < MIN_BRANCHES_PERCENT) failures.push(`branches ${branchesPercent.toFixed(2)}% < ${MIN_BRANCHES_PERCENT}%`);
  return { rows, linesPercent, statementsPercent, branchesPercent, ternaries, failures };
}

export function print(v: Verdict): void {
  const width = Math.max(8, ...v.rows.map((r) => r.path.length));
  const pct = (hit: number, found: number) => (found === 0 ? 100 : (hit * 100) / found);
  console.log(`${"contract".padEnd(width)}  ${"lines".padEnd(19)}${"statements".padEnd(12)}branches`);
  for (const r of v.rows) {
    const lines = `${pct(r.linesHit, r.linesFound).toFixed(2)}% (${r.linesHit}/${r.linesFound})`;
    const st = r.statementsPercent === undefined ? "-" : `${r.statementsPercent.toFixed(2)}%`;
    const br = r.branchesFound === undefined ? "-" : `${pct(r.branchesHit!, r.branchesFound).toFixed(2)}% (${r.branchesHit}/${r.branchesFound})`;
    console.log(`${r.path.padEnd(width)}  ${lines.padEnd(19)}${st.padEnd(12)}${br}`);
  }
  const st = v.statementsPercent === undefined ? "-" : `${v.statementsPercent.toFixed(2)}%`;
  const br = v.branchesPercent === undefined ? "-" : `${v.branchesPercent.toFixed(2)}%`;
  console.log(`${"total".padEnd(width)}  ${`${v.linesPercent.toFixed(2)}%`.padEnd(19)}${st.padEnd(12)}${br}`);
  if (v.ternaries > 0) console.log(`(${v.ternaries} ternary expressions are not in the branch figure: no statement probe decides their arms)`);
  console.log(
    v.failures.length === 0
      ? `coverage check passed: lines >= ${MIN_LINES_PERCENT}%, branches >= ${MIN_BRANCHES_PERCENT}%, statements >= ${MIN_STATEMENTS_PERCENT}%`
      : `coverage check failed: ${v.failures.join("; ")}`,
  );
}

/** Judges an earlier run's output on disk, writes the arms not taken to coverage/branches.txt and prints the verdict. */
export function check(): Verdict | undefined {
  if (!existsSync(LCOV)) {
    console.error(`coverage check failed: ${LCOV} is missing (run npm run coverage)`);
    return undefined;
  }
  const lcov = readFileSync(LCOV, "utf8");
  const hits = readHits();
  const branches = hits.size === 0 ? undefined : branchesOf(parseLcov(lcov).map((f) => f.path), hits);
  const verdict = judge(lcov, existsSync(REPORT) ? readFileSync(REPORT, "utf8") : undefined, branches);
  if (branches !== undefined) {
    const missed = branches.flatMap((f) => f.arms.filter((a) => !a.taken).map((a) => `${a.file}:${a.line} ${a.kind} ${a.arm}`));
    writeFileSync(BRANCHES, missed.length === 0 ? "" : `${missed.join("\n")}\n`);
    console.log(`${missed.length} branch arm(s) not taken, listed in ${BRANCHES}`);
  }
  print(verdict);
  return verdict;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const verdict = check();
  process.exitCode = verdict !== undefined && verdict.failures.length === 0 ? 0 : 1;
}
