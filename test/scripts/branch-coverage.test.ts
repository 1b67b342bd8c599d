/**
 * scripts/branch-coverage.ts: branch arms decided from statement-probe hits. Each case takes a small contract, EDR's
 * own probes for it, and a chosen set of hits (what a run would have recorded), and checks which arms count as taken.
 */
import { expect } from "chai";
import { addStatementCoverageInstrumentation } from "@nomicfoundation/edr";
import { fileBranches, parseSources, type BranchArm } from "../../scripts/branch-coverage.js";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

contract T {
    error E(uint256 x);

    uint256 internal y;

    function guarded(uint256 x) external {
        require(x > 1, E(x));
        y = x;
    }

    function choose(uint256 x) external {
        if (x > 5) {
            y = 1;
        } else {
            y = 2;
        }
    }

    function early(uint256 x) external {
        if (x > 9) revert E(x);
        y = 3;
    }

    function maybe(uint256 x) external {
        if (x > 7) {
            y = 4;
        }
        y += 1;
    }

    function setAll(uint256 a, uint256 b) external {
        _bound(a);
        _bound(b);
        y = a + b;
    }

    function _bound(uint256 x) private pure {
        require(x < 100, E(x));
    }

    function pick(uint256 x) external pure returns (uint256) {
        return x > 3 ? 1 : 2;
    }
}
`;
const PATH = "contracts/T.sol";
const VERSION = "0.8.30";

/** Hits by the statement's leading text (its first occurrence in the source): what a run recorded. */
function hitsFor(counts: Record<string, number>): Map<string, number> {
  const { metadata } = addStatementCoverageInstrumentation(SOURCE, `project/${PATH}`, VERSION);
  const hits = new Map<string, number>();
  for (const [text, n] of Object.entries(counts)) {
    const at = SOURCE.indexOf(text);
    if (at < 0) throw new Error(`no "${text}" in the test contract`);
    const probe = metadata.find((m) => SOURCE.slice(m.startUtf16, m.endUtf16).trimStart().startsWith(text) && m.startUtf16 <= at && at < m.endUtf16);
    if (probe === undefined) throw new Error(`no probe before "${text}"`);
    hits.set(Buffer.from(probe.tag).toString("hex"), n);
  }
  return hits;
}

function arms(counts: Record<string, number>): Record<string, boolean> {
  const ast = parseSources({ [PATH]: SOURCE })[PATH]!;
  const result = fileBranches(PATH, `project/${PATH}`, SOURCE, ast, hitsFor(counts), VERSION);
  expect(result.ternaries).to.equal(1);
  return Object.fromEntries(result.arms.map((a: BranchArm) => [`${a.line} ${a.kind} ${a.arm}`, a.taken]));
}

describe("scripts/branch-coverage.ts: branch arms from statement probes", function () {
  it("finds every branch of the contract and counts none taken without hits", function () {
    const none = arms({});
    expect(Object.keys(none)).to.deep.equal([
      "10 require pass", "10 require revert",
      "15 if true", "15 if false",
      "23 if true", "23 if false",
      "28 if true", "28 if false",
      "41 require pass", "41 require revert",
    ]);
    expect(Object.values(none).every((taken) => !taken)).to.equal(true);
  });

  it("require: passed when the next statement ran, reverted when a transaction reached it and not the next", function () {
    expect(arms({ "require(x > 1": 3, "y = x;": 3 })).to.include({ "10 require pass": true, "10 require revert": false });
    expect(arms({ "require(x > 1": 3, "y = x;": 2 })).to.include({ "10 require pass": true, "10 require revert": true });
    expect(arms({ "require(x > 1": 2 })).to.include({ "10 require pass": false, "10 require revert": true });
  });

  it("if/else: each arm by its own block's probe", function () {
    expect(arms({ "if (x > 5)": 2, "y = 1;": 2 })).to.include({ "15 if true": true, "15 if false": false });
    expect(arms({ "if (x > 5)": 2, "y = 2;": 1, "y = 1;": 1 })).to.include({ "15 if true": true, "15 if false": true });
  });

  it("if with no else: false when the statement after a leaving arm ran, or when the if ran more often than its arm", function () {
    // `if (x > 9) revert E(x);` leaves the block: the statement after it is reached by the false arm only.
    expect(arms({ "if (x > 9)": 1, "y = 3;": 1 })).to.include({ "23 if true": false, "23 if false": true });
    expect(arms({ "if (x > 9)": 1, "revert E(x)": 1 })).to.include({ "23 if true": true, "23 if false": false });
    // A non-leaving arm: the statement after it runs either way, so only more hits on the if than on the arm tell.
    expect(arms({ "if (x > 7)": 2, "y = 4;": 2, "y += 1;": 2 })).to.include({ "28 if true": true, "28 if false": false });
    expect(arms({ "if (x > 7)": 3, "y = 4;": 2, "y += 1;": 3 })).to.include({ "28 if true": true, "28 if false": true });
  });

  it("a require that ends an internal helper: passed and reverted as seen at its call sites", function () {
    // setAll calls _bound twice per transaction; the probe counts transactions, so the helper's require is hit once.
    const passing = { "_bound(a)": 4, "_bound(b)": 4, "y = a + b": 4, "require(x < 100": 4 };
    expect(arms(passing)).to.include({ "41 require pass": true, "41 require revert": false });
    // One transaction reverted in the second call: `_bound(b)` ran 4 times, what follows it 3.
    const second = { "_bound(a)": 4, "_bound(b)": 4, "y = a + b": 3, "require(x < 100": 4 };
    expect(arms(second)).to.include({ "41 require pass": true, "41 require revert": true });
  });
});
