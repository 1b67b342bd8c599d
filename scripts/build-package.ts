/**
 * Builds the package's `dist/`: the compiled JavaScript and `.d.ts` of the protocol layer, the SDK, the typechain
 * ethers bindings, the oracle and the CLI (`tsconfig.build.json`), then the files they read at run time beside
 * them (simulated GPU recordings, the NVIDIA root certificate, the CC evidence script, the native workers' sources,
 * the built dashboard, the local network's Ignition parameters), and the compact artifacts of every contract the local
 * Ignition module deploys (`deploy/artifacts.ts`: Cinder's from Hardhat's build, Uniswap V2's from npm), so that
 * `cinder node` deploys from the installed package without Hardhat. `npm run build` runs it after the ABIs and the
 * dashboard; `npm pack` ships `dist/` and `bin/` only (package.json `files`).
 *
 * Usage: `node --import tsx scripts/build-package.ts`
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Artifact, type Future, type IgnitionModule, isContractFuture } from "@nomicfoundation/ignition-core";
import { readHardhatArtifact, toCompact } from "../deploy/artifacts.js";
import CinderModule from "../deploy/modules/Cinder.js";

const OUT = "dist";

/** Files the compiled modules read next to themselves (source -> destination under dist/). */
export const PACKAGE_ASSETS: readonly (readonly [string, string])[] = [
  ["src/oracle/gpu/recordings", "src/oracle/gpu/recordings"],
  ["src/oracle/gpu/cc_evidence.py", "src/oracle/gpu/cc_evidence.py"],
  ["src/oracle/cc/roots", "src/oracle/cc/roots"],
  ["native/cuda", "native/cuda"],
  ["native/torch", "native/torch"],
  ["dashboard/dist", "dashboard/dist"],
  ["deploy/parameters/localhost.json", "deploy/parameters/localhost.json"],
];

/**
 * The artifact of every contract `module` (and its submodules) deploys or attaches to, by contract name: the one a
 * future carries (Uniswap V2's, from npm), else Hardhat's build of this repository's contract.
 */
export function moduleArtifacts(module: IgnitionModule): Map<string, Artifact> {
  const artifacts = new Map<string, Artifact>();
  const visit = (m: IgnitionModule) => {
    for (const future of m.futures as Set<Future>) {
      if (!isContractFuture(future) || artifacts.has(future.contractName)) continue;
      const artifact = "artifact" in future ? future.artifact : readHardhatArtifact(future.contractName);
      if (artifact === undefined) throw new Error(`build-package: no Hardhat artifact for ${future.contractName}; run \`npx hardhat build\` first`);
      artifacts.set(future.contractName, artifact);
    }
    for (const submodule of m.submodules) visit(submodule);
  };
  visit(module);
  return artifacts;
}

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
  const artifactsDir = join(OUT, "deploy", "artifacts");
  mkdirSync(artifactsDir, { recursive: true });
  const artifacts = moduleArtifacts(CinderModule);
  for (const [name, artifact] of artifacts) writeFileSync(join(artifactsDir, `${name}.json`), JSON.stringify(toCompact(artifact)));
  console.log(`wrote ${artifacts.size} compact artifacts to ${artifactsDir}/`);
  console.log(`wrote ${OUT}/`);
}
