/**
 * The documentation's tested snippets: fenced blocks in README.md and docs/*.md opened with
 * ```` ```ts readme-test role=<role> ```` (SDK code) or ```` ```sh readme-test ```` (CLI lines). `test/docs/readme.test.ts`
 * runs the ts blocks on the in-process network and `test/cli/cli.test.ts` spawns the sh lines against `cinder node`,
 * so the docs show only code that runs.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** One tested block of a documentation file. */
export interface ReadmeBlock {
  lang: "ts" | "sh";
  /** Whose path it is (`role=`), "any" when not given. */
  role: string;
  code: string;
  /** The file it is in, relative to the repository root (`docs/users.md`). */
  file: string;
  /** The 1-based line of its opening fence. */
  line: number;
}

const OPEN = /^```(ts|sh) readme-test(?: role=([a-z-]+))?\s*$/;

/** The documentation files whose snippets are tested: README.md, then every Markdown page of docs/, by name. */
export function documentationFiles(): string[] {
  const pages = readdirSync("docs").filter((name) => name.endsWith(".md")).sort();
  return ["README.md", ...pages.map((name) => join("docs", name))];
}

/**
 * The tested blocks of one language, file by file in `files` order and in each file's order; an unclosed fence is
 * an error naming its file and line.
 */
export function readmeBlocks(lang: "ts" | "sh", files: readonly string[] = documentationFiles()): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = OPEN.exec(lines[i]);
      if (open === null) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`${file}:${start + 1}: the readme-test block is never closed`);
      if (open[1] === lang) blocks.push({ lang, role: open[2] ?? "any", code: body.join("\n"), file, line: start + 1 });
    }
  }
  return blocks;
}

/** The source entry module each of the package's subpath exports is compiled from. */
export const PACKAGE_SOURCES: Readonly<Record<string, string>> = {
  "cinder-protocol/sdk": "src/sdk/index.ts",
  "cinder-protocol/sdk/node": "src/sdk/node.ts",
  "cinder-protocol/sdk/ethers": "src/sdk/ethers.ts",
  "cinder-protocol/protocol": "src/protocol/index.ts",
};

/**
 * A ts block as a module: its (single-line) imports at the top, the rest in `export default async function (env)`,
 * with each name of `env` bound as a constant, so a snippet uses `publicClient`, `walletClient`, … as given. With
 * `sources` (the default), an import of the package (`cinder-protocol/sdk`) reads the entry module it is compiled
 * from; without, the snippet imports the package as written (e2e/package/ runs it against the installed tarball).
 */
export function snippetModule(block: ReadmeBlock, names: readonly string[], { sources = true }: { sources?: boolean } = {}): string {
  const imports: string[] = [];
  const body: string[] = [];
  for (const line of block.code.split("\n")) (/^import .* from ".*";$/.test(line) ? imports : body).push(line);
  if (sources) {
    for (const [i, line] of imports.entries()) {
      imports[i] = line.replace(/ from "(cinder-protocol\/[^"]+)";$/, (text, specifier: string) => {
        const source = PACKAGE_SOURCES[specifier];
        if (source === undefined) throw new Error(`${block.file} line ${block.line}: ${specifier} is not one of the package's exports (${Object.keys(PACKAGE_SOURCES).join(", ")})`);
        return ` from ${JSON.stringify(pathToFileURL(resolve(source)).href)};`;
      });
    }
  }
  return [
    ...imports,
    `// ${block.file} line ${block.line} (role ${block.role})`,
    "export default async function (env: Record<string, unknown>): Promise<void> {",
    `  const { ${names.join(", ")} } = env as Record<string, any>;`,
    ...body.map((l) => `  ${l}`),
    "}",
    "",
  ].join("\n");
}
