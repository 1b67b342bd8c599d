/**
 * Entry point of the provider agent: `npm run agent -- --help` (`node src/oracle/agent/main.ts`, Node 22).
 *
 * Node 22 runs TypeScript by stripping types, but it neither maps the project's `./x.js` import specifiers to the
 * `.ts` files nor accepts TypeScript-only runtime syntax (parameter properties) in strip-only mode. This file uses
 * neither, and registers two module hooks before loading the rest: `.js` specifiers inside the project that do not
 * exist resolve to the `.ts` beside them, and project `.ts` files load through `module.stripTypeScriptTypes` in
 * transform mode. Files under node_modules load untouched.
 *
 * @example
 * ```sh
 * CINDER_AGENT_KEY=0x... npm run agent -- --chain-id 1 --oracle-hub 0x... --rpc-url https://... --host 0.0.0.0 --backend nvidia-smi --executor cuda
 * ```
 */
import { readFileSync } from "node:fs";
import { registerHooks, stripTypeScriptTypes } from "node:module";

// The hooks use module.stripTypeScriptTypes, which warns that it is experimental on every start; other warnings print.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (!warning.message.includes("stripTypeScriptTypes")) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const inProject = (url: string | undefined): boolean => url !== undefined && url.startsWith("file:") && !url.includes("/node_modules/");

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (relative && specifier.endsWith(".js") && inProject(context.parentURL)) return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      throw error;
    }
  },
  load(url, context, nextLoad) {
    if (inProject(url) && url.endsWith(".ts")) {
      const source = readFileSync(new URL(url), "utf8");
      return { format: "module", source: stripTypeScriptTypes(source, { mode: "transform", sourceUrl: url }), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});

const { runAgentCli } = await import("./cli.js");
process.exitCode = await runAgentCli(process.argv.slice(2));
