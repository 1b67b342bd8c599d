/**
 * `npm run check:anvil`: the gate that anvil (Foundry's node, the optional dependency
 * `@foundry-rs/anvil-linux-amd64`, which declares os linux and cpu x64) is installed and runs wherever it can be.
 * On Linux x64 its absence, or a binary that does not run, is a failure (exit 1): the integration suites would
 * otherwise skip their anvil run silently. On any other platform the package cannot install, so the check says so
 * and passes (the suites skip with the same message).
 */
import { execFileSync } from "node:child_process";
import { anvilBinary } from "../src/cli/local.js";

const supported = process.platform === "linux" && process.arch === "x64";
const binary = anvilBinary();
if (binary === undefined) {
  if (supported) {
    console.error("check:anvil: @foundry-rs/anvil-linux-amd64 is not installed on Linux x64 (it is an optional dependency: run `npm install` without --omit=optional)");
    process.exit(1);
  }
  console.log(`check:anvil: anvil installs on Linux x64 only (this is ${process.platform} ${process.arch}); its tests skip`);
  process.exit(0);
}
try {
  const version = execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim().split("\n")[0];
  console.log(`check:anvil: ${version} (${binary})`);
} catch (error) {
  console.error(`check:anvil: ${binary} does not run: ${(error as Error).message.split("\n")[0]}`);
  process.exit(1);
}
