/**
 * The layout of test/ (docs/development.md, "Tests") and the size of its parts: the contracts' suites sit in test/contracts/<concern>/, one
 * folder per folder of contracts/; every other folder of test/ is named after the code it tests (a folder of src/ or
 * of the repository) or is one of the kinds that test across the code (architecture, attacks, integration,
 * invariants) or support the suites (helpers, fixtures, and sol/, the Solidity tests).
 */
import { expect } from "chai";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ACROSS_THE_CODE = ["architecture", "attacks", "integration", "invariants", "helpers", "fixtures", "sol"];

/** Issue 19's bound on a core contract and on a test suite ("about 600 lines"). */
const MAX_LINES = 620;

/** Every file under `dir` (recursively) whose name ends with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name));
}

/** The files among `files` over MAX_LINES lines, with their length. */
function overLong(files: string[]): string[] {
  return files.flatMap((file) => {
    const lines = readFileSync(file, "utf8").split("\n").length;
    return lines > MAX_LINES ? [`${file}: ${lines} lines`] : [];
  });
}

/** The folders directly under `dir`, less hidden ones (the docs snippets' temporary `test/.readme-*`). */
function folders(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith(".") && statSync(join(dir, name)).isDirectory()).sort();
}

describe("test/ layout", function () {
  it("keeps each contract suite in a folder of test/contracts/ named after a folder of contracts/", function () {
    const concerns = folders("test/contracts");
    expect(concerns).to.include.members(["disputes", "economics", "governance", "market", "oracle", "sla", "slashing", "token"]);
    expect(concerns.filter((concern) => !existsSync(join("contracts", concern)))).to.deep.equal([]);
  });

  it("names every other folder of test/ after the code it tests, a folder of src/ or of the repository", function () {
    const strays = folders("test").filter((folder) => !ACROSS_THE_CODE.includes(folder) && !existsSync(join("src", folder)) && !existsSync(folder));
    expect(strays).to.deep.equal([]);
  });

  it(`keeps every contract and every test suite within ${MAX_LINES} lines (one concern each)`, function () {
    const contracts = filesUnder("contracts", ".sol").filter((file) => !file.includes(join("contracts", "interfaces")));
    expect(overLong(contracts), "contracts").to.deep.equal([]);
    expect(overLong([...filesUnder("test", ".test.ts"), ...filesUnder("e2e", ".test.ts")]), "test suites").to.deep.equal([]);
  });
});
