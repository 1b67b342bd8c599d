/**
 * The CI quality gates' own logic: the gas comparison against the committed snapshot (bench/compare.ts), the
 * report's scaling tables (bench/report.ts) and the coverage thresholds read from Hardhat's lcov and printed table
 * (scripts/check-coverage.ts).
 */
import { expect } from "chai";
import { compare, TOLERANCE_PERCENT } from "../../bench/compare.js";
import { parseScaling, renderReport } from "../../bench/report.js";
import { judge, parseLcov, parseStatements } from "../../scripts/check-coverage.js";

describe("bench/compare.ts: the gas regression gate", function () {
  it("flags a rise over 2% with its old and new figure, and passes one at exactly 2%", function () {
    const snapshot = { "A.op": 100_000, "B.op": 50_000, "C.op": 1_000 };
    const fresh = { "A.op": 102_001, "B.op": 51_000, "C.op": 900 };
    const c = compare(snapshot, fresh);
    expect(TOLERANCE_PERCENT).to.equal(2);
    expect(c.regressions).to.deep.equal([{ name: "A.op", old: 100_000, new: 102_001, percent: 2.001 }]);
    expect(c.improvements.map((r) => r.name)).to.deep.equal(["C.op"]);
    expect(c.added).to.deep.equal([]);
    expect(c.removed).to.deep.equal([]);
  });

  it("names operations the snapshot lacks and ones the run no longer measures", function () {
    const c = compare({ "Old.op": 1, "Same.op": 5 }, { "Same.op": 5, "New.op": 7 });
    expect(c.added).to.deep.equal(["New.op"]);
    expect(c.removed).to.deep.equal(["Old.op"]);
    expect(c.regressions).to.deep.equal([]);
  });
});

describe("bench/report.ts: REPORT.md", function () {
  it("puts each scaling figure in its dimension's table and every other figure, its target and comparison, in the operations table", function () {
    expect(parseScaling("JobMarket.quit.leases1000")).to.deep.equal({ operation: "JobMarket.quit", dimension: "leases", size: 1000 });
    expect(parseScaling("JobMarket.createDirectLease.with1000Jobs")).to.equal(undefined);
    expect(parseScaling("X.op.leases7")).to.equal(undefined); // not a measured size
    const md = renderReport({
      "PaymentChannels.redeem": 77_125,
      "EmissionController.closeEpoch.providers1": 140_000,
      "EmissionController.closeEpoch.providers10000": 141_400,
      "SlaBondManager.settle.epochs1": 109_085,
    });
    expect(md).to.contain("| `PaymentChannels.redeem` | 77,125 | <= 90,000 | ok | Livepeer TicketBroker");
    expect(md).to.contain("## Scaling with the number of providers");
    expect(md).to.contain("| `EmissionController.closeEpoch` | 140,000 | - | - | 141,400 | 1.00% |");
    expect(md).to.not.contain("Scaling with the number of leases");
    // Measured at one size only: an operation of its own, not a scaling row.
    expect(md).to.contain("| `SlaBondManager.settle.epochs1` | 109,085 | <= 110,000 | ok |");
    expect(md).to.not.contain("Scaling with the number of epochs");
  });
});

describe("scripts/check-coverage.ts: the coverage gate", function () {
  const lcov = [
    "TN:",
    "SF:contracts/a/A.sol", "DA:1,1", "DA:2,1", "DA:3,1", "DA:4,0", "LH:3", "LF:4", "end_of_record",
    "SF:contracts/b/B.sol", "DA:1,1", "DA:2,1", "DA:3,1", "DA:4,1", "LH:4", "LF:4", "end_of_record",
    "SF:contracts/test/Hook.sol", "DA:1,0", "LH:0", "LF:1", "end_of_record",
    "SF:contracts/mocks/M.sol", "DA:1,0", "LH:0", "LF:1", "end_of_record",
  ].join("\n");
  const table = ["| File Path | Line % | Statement % | Uncovered Lines |", "| contracts/a/A.sol | 75.00 | 80.00 | 4 |", "| …/b/B.sol | 100.00 | 100.00 | - |"].join("\n");

  it("reads lines from lcov and statements from Hardhat's table (shortened paths included), leaving out test doubles and mocks", function () {
    expect(parseLcov(lcov).map((f) => [f.path, f.linesHit, f.linesFound])).to.deep.equal([
      ["contracts/a/A.sol", 3, 4],
      ["contracts/b/B.sol", 4, 4],
      ["contracts/test/Hook.sol", 0, 1],
      ["contracts/mocks/M.sol", 0, 1],
    ]);
    expect([...parseStatements(table)]).to.deep.equal([["contracts/a/A.sol", 80], ["…/b/B.sol", 100]]);
    const v = judge(lcov, table);
    expect(v.rows.map((r) => [r.path, r.statementsPercent])).to.deep.equal([["contracts/a/A.sol", 80], ["contracts/b/B.sol", 100]]);
    expect(v.linesPercent).to.equal(87.5);
    expect(v.statementsPercent).to.equal(90);
  });

  /** Branch arms of A.sol: `hit` of `found` taken. */
  const armsOf = (path: string, hit: number, found: number) => ({
    path,
    arms: Array.from({ length: found }, (_, i) => ({ file: path, line: i + 1, kind: "if" as const, arm: "true" as const, taken: i < hit })),
    ternaries: 1,
    undecided: 0,
  });

  it("fails below 95% lines, 90% branches or 90% statements, and without statement or branch figures", function () {
    const branches = [armsOf("contracts/a/A.sol", 9, 10), armsOf("contracts/b/B.sol", 10, 10)];
    expect(judge(lcov, table, branches).failures).to.deep.equal(["lines 87.50% < 95%"]);
    expect(judge(lcov, undefined).failures).to.deep.equal([
      "lines 87.50% < 95%",
      "no statement figures in coverage/report.txt",
      "no branch figures (no probe hits in coverage/data)",
    ]);
    const full = "SF:contracts/a/A.sol\nDA:1,1\nend_of_record\n";
    const allArms = [armsOf("contracts/a/A.sol", 10, 10)];
    expect(judge(full, "| contracts/a/A.sol | 100.00 | 89.99 | - |", allArms).failures).to.deep.equal(["statements 89.99% < 90%"]);
    expect(judge(full, "| contracts/a/A.sol | 100.00 | 90.00 | - |", allArms).failures).to.deep.equal([]);
    const v = judge(full, "| contracts/a/A.sol | 100.00 | 90.00 | - |", [armsOf("contracts/a/A.sol", 89, 100)]);
    expect(v.failures).to.deep.equal(["branches 89.00% < 90%"]);
    expect([v.branchesPercent, v.ternaries, v.rows[0]!.branchesHit, v.rows[0]!.branchesFound]).to.deep.equal([89, 1, 89, 100]);
    expect(judge(full, "| contracts/a/A.sol | 100.00 | 90.00 | - |", [armsOf("contracts/a/A.sol", 90, 100)]).failures).to.deep.equal([]);
  });
});
