/**
 * `cinder job spec` / `cinder job run` as a real process: the client writes a spec, an honest provider's result is
 * the runner's, a cheating provider's differs, and bad input names the option and the spec field.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { batchRoot, parseResultDocument } from "../../../src/oracle/workloads/matmul.js";
import { runJob } from "../../../src/oracle/workloads/run.js";
import { parseJobSpec, specHashOf } from "../../../src/oracle/workloads/spec.js";

function cinder(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", ["bin/cinder.js", ...args], (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }));
  });
}

describe("cinder job", function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), "cinder-job-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const seed = `0x${"3c".repeat(32)}`;

  it("writes a spec, runs it honestly and as a cheater", async () => {
    const specFile = join(dir, "spec.json");
    const made = await cinder(["--json", "job", "spec", "--type", "matmul-int8-batch", "--n", "8", "--items", "6", "--seed", seed, "--out", specFile]);
    expect(made.code, made.stderr).to.equal(0);
    const spec = JSON.parse(made.stdout) as { specHash: Hex; uri: string };
    expect(spec.specHash).to.equal(specHashOf(readFileSync(specFile)));
    const honest = await cinder(["--json", "job", "run", "--spec", spec.uri, "--out", join(dir, "result.json")]);
    expect(honest.code, honest.stderr).to.equal(0);
    const r = JSON.parse(honest.stdout) as { resultHash: Hex; specHash: Hex };
    expect(r).to.include({ resultHash: runJob(parseJobSpec(readFileSync(specFile))).resultHash, specHash: spec.specHash });
    expect(batchRoot(parseResultDocument(readFileSync(join(dir, "result.json"))))).to.equal(r.resultHash);
    const cheat = JSON.parse((await cinder(["--json", "job", "run", "--spec", specFile, "--cheat", "2"])).stdout) as { resultHash: Hex };
    expect(cheat.resultHash).to.not.equal(r.resultHash);
  });

  it("names the option and the field on bad input, without a stack trace", async () => {
    const big = await cinder(["job", "spec", "--n", "5000"]);
    expect(big.code).to.equal(1);
    expect(big.stderr.trim()).to.equal("error: --n: n: must be an integer in [1, 1024], got 5000");
    const unknown = await cinder(["job", "run", "--spec", "data:application/json,%7B%22type%22%3A%22x%22%7D"]);
    expect(unknown.stderr).to.match(/^error: --spec: type: "x" is not a supported workload/);
    const missing = await cinder(["job", "run", "--spec", join(dir, "nope.json")]);
    expect(missing.stderr).to.match(/^error: --spec: .*does not exist/);
    const cheat = await cinder(["job", "run", "--spec", `data:application/json,${encodeURIComponent(JSON.stringify({ type: "matmul-int8", n: 2, seed }))}`, "--cheat", "4"]);
    expect(cheat.stderr).to.match(/^error: --cheat: corruptItems: index 4 is outside \[0, 1\)/);
    for (const run of [big, unknown, missing, cheat]) expect(run.stderr).to.not.match(/\n\s+at /);
  });
});
