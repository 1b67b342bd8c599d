/**
 * `npm run coverage`: runs the Solidity tests and every mocha suite but those that drive another process
 * (test/integration/, the SDK's end-to-end and the CLI suites: a `hardhat node` or a child process is not
 * instrumented, so they add time and no coverage) and those that never touch the chain, under Hardhat's coverage
 * (CINDER_COVERAGE=1 lifts the contract size limit for the instrumented code; the size test skips itself), keeps
 * the printed report in coverage/report.txt next to coverage/lcov.info, then runs the gate in check-coverage.ts.
 * Exits non-zero when a test fails or a threshold is missed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { check, REPORT } from "./check-coverage.js";

function files(dir: string, suffix: string, skip: string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (skip.includes(path)) continue;
    if (statSync(path).isDirectory()) out.push(...files(path, suffix, skip));
    else if (entry.endsWith(suffix)) out.push(path);
  }
  return out;
}

/**
 * Suites that drive a separate process (a `hardhat node`, the CLI binary): the contracts they call run outside this
 * run's instrumented network, so they add minutes and no coverage.
 */
const OUT_OF_PROCESS = ["test/integration", "test/sdk/client.e2e.test.ts", "test/cli", "test/oracle/node/cli.test.ts"];
/**
 * Suites that touch the chain at all, themselves or through a module of test/ they import (a concern's fixture.ts);
 * the rest test TypeScript only and add no contract coverage.
 */
const CHAIN = /connectCinder|from "hardhat"/;
const onChain = (path: string) => {
  const text = readFileSync(path, "utf8");
  const testModules = [...text.matchAll(/from "(\.\.?\/[^"]+)\.js"/g)]
    .map((m) => join(dirname(path), `${m[1]}.ts`))
    .filter((module) => module.startsWith("test/") && existsSync(module));
  return CHAIN.test(text) || testModules.some((module) => CHAIN.test(readFileSync(module, "utf8")));
};
const testFiles = [...files("test/sol", ".t.sol", []), ...files("test", ".test.ts", [...OUT_OF_PROCESS, "test/sol"]).filter(onChain)];
const started = Date.now();
const child = spawn("npx", ["hardhat", "test", "--coverage", ...testFiles], {
  // The invariant campaign runs too (its CI size), so its cross-contract sequences count toward coverage.
  env: { ...process.env, CINDER_COVERAGE: "1", CINDER_INVARIANTS: process.env.CINDER_INVARIANTS ?? "ci" },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
const status = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
mkdirSync("coverage", { recursive: true });
writeFileSync(REPORT, output);
console.log(`coverage run: ${testFiles.length} test files in ${Math.round((Date.now() - started) / 1000)} s (exit status ${status})`);
const verdict = check();
process.exitCode = status !== 0 ? status : verdict !== undefined && verdict.failures.length === 0 ? 0 : 1;
