/** The committed `src/protocol/abis.ts` is exactly what the current artifacts generate (run `npm run build` to refresh). */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { renderAbis } from "../../scripts/generate-abis.js";
import { oracleHubAbi } from "../../src/protocol/abis.js";

describe("SDK ABIs", () => {
  it("are generated from the artifacts and up to date", () => {
    expect(readFileSync("src/protocol/abis.ts", "utf8")).to.equal(renderAbis());
  });

  it("are typed as const for viem", () => {
    const submit = oracleHubAbi.find((item) => item.type === "function" && item.name === "submitEpochReport");
    expect(submit?.type).to.equal("function");
  });
});
