import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** EIP-170: the most runtime bytecode a contract may deploy. */
const LIMIT = 24_576;

function artifacts(dir: string): { name: string; size: number }[] {
  const found: { name: string; size: number }[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...artifacts(path));
    else if (entry.endsWith(".json") && !entry.endsWith(".dbg.json") && !path.includes("build-info")) {
      const artifact = JSON.parse(readFileSync(path, "utf8")) as { contractName?: string; deployedBytecode?: string };
      const code = artifact.deployedBytecode ?? "0x";
      if (artifact.contractName !== undefined && code.length > 2) {
        found.push({ name: artifact.contractName, size: (code.length - 2) / 2 });
      }
    }
  }
  return found;
}

describe("Contract sizes", function () {
  it("keeps every deployable contract under the 24 KiB limit (EIP-170)", function () {
    // Coverage runs read instrumented artifacts, which are larger than what is deployed: sizes mean nothing there.
    if (process.env.CINDER_COVERAGE === "1") this.skip();
    const all = artifacts("artifacts/contracts");
    expect(all.map((a) => a.name)).to.include.members(["StakingVault", "JobMarket", "CinderGovernor", "BuybackBurner"]);
    for (const { name, size } of all) expect(size, `${name} is ${size} bytes`).to.be.at.most(LIMIT);
  });
});
