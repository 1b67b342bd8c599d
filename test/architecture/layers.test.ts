/**
 * The dependency direction of the TypeScript tree, read from the import specifiers of every module under `src/` and
 * `dashboard/src/`: the protocol layer (`src/protocol`) stands on nothing of ours; the SDK and the oracle stand on
 * it and never on each other; the CLI and the dashboard reach the SDK only through its entries; nothing in `src/`
 * reaches into `deploy/`, `scripts/` or `test/`, except that `cinder node` (`src/cli/deploy.ts`, and only it) runs the
 * local Ignition module with its artifacts (`deploy/modules/Cinder.ts`, `deploy/artifacts.ts`); the SDK's browser entry has no `node:` import anywhere below it.
 */
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { MODEL_CLASSES } from "../../deploy/config.js";
import { MODEL_CLASS_NAMES } from "../../src/protocol/models.js";

const ROOT = resolve(".");
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)|^import\s+"([^"]+)"/gm;

function modules(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return modules(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** A module's imports: packages and `node:` builtins as written, relative ones as repository paths (`src/sdk/x.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const specifier = m[1] ?? m[2] ?? m[3];
    if (!specifier.startsWith(".")) return specifier;
    return relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, ".ts");
  });
}

const GRAPH = new Map([...modules("src"), ...modules("dashboard/src")].map((file) => [file, importsOf(file)]));

/** Each module under `folder` importing something `forbidden` accepts, as "module -> import". */
function violations(folder: string, forbidden: (target: string, from: string) => boolean): string[] {
  return [...GRAPH].filter(([file]) => file.startsWith(`${folder}/`)).flatMap(([file, targets]) => targets.filter((t) => forbidden(t, file)).map((t) => `${file} -> ${t}`));
}

const under = (target: string, ...folders: string[]) => folders.some((folder) => target.startsWith(`${folder}/`));
const SDK_ENTRIES = ["src/sdk/index.ts", "src/sdk/node.ts"];

describe("layers: the dependency direction of src/", function () {
  it("finds the modules and their imports", function () {
    expect(GRAPH.size).to.be.greaterThan(50);
    expect(GRAPH.get("src/sdk/keeper.ts")).to.include("src/protocol/signing.ts");
  });

  it("the protocol layer imports nothing of the SDK, the oracle, the CLI, the deployment or node: builtins", function () {
    expect(violations("src/protocol", (t) => !under(t, "src/protocol") && (t.startsWith("src/") || t.startsWith("node:") || !/^[@a-z]/.test(t) || t.includes("/..") || under(t, "deploy", "scripts", "test")))).to.deep.equal([]);
  });

  it("the SDK stands on the protocol layer only (never the oracle, the CLI or deploy/)", function () {
    expect(violations("src/sdk", (t) => under(t, "src/oracle", "src/cli", "src/economics", "deploy", "scripts", "test"))).to.deep.equal([]);
  });

  it("the oracle stands on the protocol layer, never on the SDK or the CLI", function () {
    expect(violations("src/oracle", (t) => under(t, "src/sdk", "src/cli", "deploy", "scripts", "test"))).to.deep.equal([]);
  });

  it("the CLI and the dashboard reach the SDK through its entries only", function () {
    const internal = (t: string) => under(t, "src/sdk") && !SDK_ENTRIES.includes(t);
    expect([...violations("src/cli", internal), ...violations("dashboard/src", internal)]).to.deep.equal([]);
    expect(violations("dashboard/src", (t) => under(t, "src/oracle", "src/cli") || t === "src/sdk/node.ts")).to.deep.equal([]);
    const deploysTheModule = (t: string, from: string) => from === "src/cli/deploy.ts" && ["deploy/modules/Cinder.ts", "deploy/artifacts.ts"].includes(t);
    expect(violations("src/cli", (t, from) => under(t, "deploy", "scripts", "test") && !deploysTheModule(t, from))).to.deep.equal([]);
  });

  it("the SDK's browser entry reaches no node: builtin (only cinder-protocol/sdk/node does)", function () {
    const seen = new Set<string>();
    const reached: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const target of GRAPH.get(file) ?? []) {
        if (target.startsWith("node:")) reached.push(`${file} -> ${target}`);
        else if (GRAPH.has(target)) walk(target);
      }
    };
    walk("src/sdk/index.ts");
    walk("src/protocol/index.ts");
    expect(seen.has("src/protocol/leaves.ts")).to.equal(true);
    expect(reached).to.deep.equal([]);
  });

  it("the deployment registers exactly the protocol layer's model classes", function () {
    expect(MODEL_CLASSES.map((m) => m.name)).to.deep.equal([...MODEL_CLASS_NAMES]);
  });
});
