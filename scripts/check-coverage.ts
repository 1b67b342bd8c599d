/**
 * The coverage gate. `npm run coverage` runs every Solidity and mocha suite but the integration tests (they drive a
 * separate `hardhat node`, which is not instrumented) under Hardhat's coverage, keeps its printed report in
 * `coverage/report.txt`, and then runs this check; `npm run coverage:check` re-checks an earlier run's output.
 *
 * Printed per contract, enforced on the total over the protocol's contracts (contracts/, less contracts/test/ and
 * contracts/mocks/): lines (from coverage/lcov.info) at least 95%, and statements (from Hardhat's report) at least 90%.
 * Hardhat 3.17's coverage (EDR 0.20) records statements and lines only: it writes no branch records (its
 * coverage-manager says "currently EDR does not provide branch coverage information"), so the statement figure,
 * which counts each branch's body as its own statements, stands in for the 90% branch threshold.
 *
 * Exits 1 when the total misses a threshold or a contract has no coverage record at all.
 */
import { readFileSync, existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const MIN_LINES_PERCENT = 95;
export const MIN_STATEMENTS_PERCENT = 90;
export const LCOV = "coverage/lcov.info";
export const REPORT = "coverage/report.txt";

export interface FileCoverage {
  path: string;
  linesHit: number;
  linesFound: number;
  /** Statement coverage in percent from Hardhat's printed report, when it printed this file. */
  statementsPercent?: number;
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
  failures: string[];
}

export function judge(lcov: string, report: string | undefined): Verdict {
  const table = report === undefined ? new Map<string, number>() : parseStatements(report);
  const rows = parseLcov(lcov)
    .filter((f) => counts(f.path))
    .map((f) => ({ ...f, statementsPercent: statementFor(f.path, table) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const hit = rows.reduce((s, r) => s + r.linesHit, 0);
  const found = rows.reduce((s, r) => s + r.linesFound, 0);
  const linesPercent = found === 0 ? 0 : (hit * 100) / found;
  // The total statement figure is weighted by each file's lines (Hardhat prints percentages, not counts).
  const withStatements = rows.filter((r) => r.statementsPercent !== undefined && r.linesFound > 0);
  const weight = withStatements.reduce((s, r) => s + r.linesFound, 0);
  const statementsPercent =
    withStatements.length === 0 ? undefined : withStatements.reduce((s, r) => s + r.statementsPercent! * r.linesFound, 0) / weight;
  const failures: string[] = [];
  if (rows.length === 0) failures.push(`no contract under contracts/ in ${LCOV}`);
  if (linesPercent < MIN_LINES_PERCENT) failures.push(`lines ${linesPercent.toFixed(2)}% < ${MIN_LINES_PERCENT}%`);
  if (statementsPercent === undefined) failures.push(`no statement figures in ${REPORT}`);
  else if (statementsPercent < MIN_STATEMENTS_PERCENT) failures.push(`statements ${statementsPercent.toFixed(2)}% < ${MIN_STATEMENTS_PERCENT}%`);
  return { rows, linesPercent, statementsPercent, failures };
}

export function print(v: Verdict): void {
  const width = Math.max(8, ...v.rows.map((r) => r.path.length));
  console.log(`${"contract".padEnd(width)}  ${"lines".padEnd(19)}statements`);
  for (const r of v.rows) {
    const lines = r.linesFound === 0 ? 100 : (r.linesHit * 100) / r.linesFound;
    const st = r.statementsPercent === undefined ? "-" : `${r.statementsPercent.toFixed(2)}%`;
    console.log(`${r.path.padEnd(width)}  ${`${lines.toFixed(2)}% (${r.linesHit}/${r.linesFound})`.padEnd(19)}${st}`);
  }
  const st = v.statementsPercent === undefined ? "-" : `${v.statementsPercent.toFixed(2)}%`;
  console.log(`${"total".padEnd(width)}  ${`${v.linesPercent.toFixed(2)}%`.padEnd(19)}${st}`);
  console.log(
    v.failures.length === 0
      ? `coverage check passed: lines >= ${MIN_LINES_PERCENT}%, statements >= ${MIN_STATEMENTS_PERCENT}% (branch data: none from EDR)`
      : `coverage check failed: ${v.failures.join("; ")}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(LCOV)) {
    console.error(`coverage check failed: ${LCOV} is missing (run npm run coverage)`);
    process.exitCode = 1;
  } else {
    const verdict = judge(readFileSync(LCOV, "utf8"), existsSync(REPORT) ? readFileSync(REPORT, "utf8") : undefined);
    print(verdict);
    process.exitCode = verdict.failures.length === 0 ? 0 : 1;
  }
}
