/**
 * Builds the package's `dist/`: the compiled JavaScript and `.d.ts` of the protocol layer, the SDK, the typechain
 * ethers bindings, the oracle and the CLI (`tsconfig.build.json`), then the files they read at run time beside
 * them (simulated GPU recordings, the NVIDIA root certificate, the CC evidence script, the native workers' sources,
 * the built dashboard). `npm run build` runs it after the ABIs and the dashboard; `npm pack` ships `dist/` and
 * `bin/` only (package.json `files`).
 *
 * Usage: `node --import tsx scripts/build-package.ts`
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";

const OUT = "dist";

/** Files the compiled modules read next to themselves (source -> destination under dist/). */
export const PACKAGE_ASSETS: readonly (readonly [string, string])[] = [
  ["src/oracle/gpu/recordings", "src/oracle/gpu/recordings"],
  ["src/oracle/gpu/cc_evidence.py", "src/oracle/gpu/cc_evidence.py"],
  ["src/oracle/cc/roots", "src/oracle/cc/roots"],
  ["native/cuda", "native/cuda"],
  ["native/torch", "native/torch"],
  ["dashboard/dist", "dashboard/dist"],
];

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  if (!existsSync("types/ethers-contracts/index.ts")) throw new Error("build-package: types/ethers-contracts is missing; run `npx hardhat build` first");
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit" });
  for (const [from, to] of PACKAGE_ASSETS) {
    if (!existsSync(from)) {
      if (from === "dashboard/dist") {
        console.warn("build-package: dashboard/dist is missing (`npm run dashboard:build`); `cinder dashboard` will say so");
        continue;
      }
      throw new Error(`build-package: ${from} is missing`);
    }
    cpSync(from, join(OUT, to), { recursive: true });
  }
  console.log(`wrote ${OUT}/`);
}
