/**
 * Branch coverage derived from Hardhat's statement probes. Hardhat 3.17's coverage (EDR 0.20) instruments statements
 * only: before every statement of a contract it inserts a probe, and the run records, per probe, how many
 * transactions (or Solidity test calls) hit it (a probe hit twice in one transaction counts once). This module
 * re-derives the same probes (EDR's tags are deterministic in the source, its source name and the compiler version),
 * parses each contract with solc and decides, for every branch, whether a test took it:
 *
 * - `if (c) A else B`: the true arm was taken when A's probe was hit, the false arm when B's was.
 * - `if (c) A` with no else: true as above; false when some transaction hit the `if` but not A
 *   (hits(if) > hits(A)), or, when A always leaves the block (ends in return, revert, break or continue), when the
 *   statement that runs after the `if` was hit (only the false arm reaches it).
 * - `require(c, E(...))`: the pass arm was taken when the statement that runs after it was hit; the revert arm when
 *   some transaction hit the require and not what runs after it (hits(require) > the sum of the hits of what runs
 *   after it). "What runs after" is the next statement of the block, or, at the end of a block, what runs after the
 *   enclosing statement, and at the end of an internal function, what runs after each of its call sites.
 * - `try` / `catch`: each clause was taken when its block's probe was hit.
 *
 * Revert and false arms count only when some transaction visibly took them; where a loop or a second call in the
 * same transaction hides one, it counts as not taken, so the figure errs low. A revert arm whose continuation
 * cannot be known (a require at the end of a loop body or of an external function) counts as not taken, and its
 * pass arm as taken once the require was reached. A pass arm whose continuation is also reached another way (the
 * statement after an `if` whose block ends in the require) counts as taken when that statement ran. Ternary expressions (`c ? a : b`) have no statement inside them, so no probe decides them:
 * they are counted and reported apart, never as covered.
 */
import { addStatementCoverageInstrumentation } from "@nomicfoundation/edr";
import { createRequire } from "node:module";

export interface BranchArm {
  file: string;
  /** 1-based line of the branch's statement. */
  line: number;
  kind: "if" | "require" | "try";
  arm: "true" | "false" | "pass" | "revert" | "success" | "catch";
  taken: boolean;
}

export interface FileBranches {
  path: string;
  arms: BranchArm[];
  /** Ternary expressions: two arms each, which statement probes cannot decide. */
  ternaries: number;
  /** Requires whose revert arm no probe can show (counted as not taken). */
  undecided: number;
}

interface Node {
  nodeType: string;
  src: string;
  [key: string]: unknown;
}

type Hits = ReadonlyMap<string, number>;

const STATEMENT_LISTS = new Set(["Block", "UncheckedBlock"]);
const LOOPS = new Set(["ForStatement", "WhileStatement", "DoWhileStatement"]);
const LEAVES = new Set(["Return", "RevertStatement", "Break", "Continue"]);
/** Statements a call site may stand in for its function's continuation. */
const SIMPLE_SITES = new Set(["ExpressionStatement", "VariableDeclarationStatement", "Return", "EmitStatement"]);

/** Parses sources with solc (parsing only: no imports are resolved) and returns each one's AST. */
export function parseSources(sources: Record<string, string>): Record<string, Node> {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([path, content]) => [path, { content }])),
    settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    sources?: Record<string, { ast: Node }>;
    errors?: { severity: string; formattedMessage: string }[];
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc could not parse the contracts: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  return Object.fromEntries(Object.entries(output.sources ?? {}).map(([path, s]) => [path, s.ast]));
}

/** UTF-16 offset of every UTF-8 byte offset of `text` (solc's `src` counts bytes, EDR's metadata UTF-16 units). */
function utf16Offsets(text: string): Uint32Array {
  const bytes = Buffer.byteLength(text, "utf8");
  const map = new Uint32Array(bytes + 1);
  let b = 0;
  let u = 0;
  for (const ch of text) {
    const width = Buffer.byteLength(ch, "utf8");
    for (let i = 0; i < width; i++) map[b + i] = u;
    b += width;
    u += ch.length;
  }
  map[b] = u;
  return map;
}

/** Skips whitespace and comments from `i`: where a probe's statement itself starts (EDR's ranges include trivia). */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else return i;
  }
}

function isRequire(n: Node): boolean {
  if (n.nodeType !== "ExpressionStatement") return false;
  const e = n.expression as Node;
  return e.nodeType === "FunctionCall" && (e.expression as Node).nodeType === "Identifier" && (e.expression as Node).name === "require";
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "src") continue;
    if (Array.isArray(value)) {
      for (const v of value) if (v !== null && typeof v === "object" && "nodeType" in v) out.push(v as Node);
    } else if (value !== null && typeof value === "object" && "nodeType" in value) out.push(value as Node);
  }
  return out;
}

/** Branch arms of one file, given its probes' hit counts (by tag, hex). */
export function fileBranches(path: string, sourceName: string, content: string, ast: Node, hits: Hits, solcVersion: string): FileBranches {
  const { metadata } = addStatementCoverageInstrumentation(content, sourceName, solcVersion);
  /** Probe tag by the UTF-16 offset where its statement starts. */
  const probeAt = new Map<number, string>();
  for (const m of metadata) {
    if (m.kind !== "statement") continue;
    const start = skipTrivia(content, m.startUtf16);
    if (!probeAt.has(start)) probeAt.set(start, Buffer.from(m.tag).toString("hex"));
  }
  const toUtf16 = utf16Offsets(content);
  const startOf = (n: Node) => toUtf16[Number(n.src.split(":")[0])]!;
  const lineOf = (n: Node) => content.slice(0, startOf(n)).split("\n").length;
  /** Hits of a statement's probe; undefined when EDR put none before it. */
  const count = (n: Node): number | undefined => {
    const tag = probeAt.get(startOf(n));
    return tag === undefined ? undefined : (hits.get(tag) ?? 0);
  };

  const parent = new Map<Node, Node>();
  const functionsByName = new Map<string, Node[]>();
  const calls: { name: string; member: boolean; node: Node }[] = [];
  let ternaries = 0;
  let unknown = 0;
  const visit = (n: Node) => {
    if (n.nodeType === "FunctionDefinition" && typeof n.name === "string" && n.name !== "") {
      const list = functionsByName.get(n.name) ?? [];
      list.push(n);
      functionsByName.set(n.name, list);
    }
    if (n.nodeType === "Conditional") ternaries++;
    if (n.nodeType === "FunctionCall") {
      const callee = n.expression as Node;
      if (callee.nodeType === "Identifier") calls.push({ name: callee.name as string, member: false, node: n });
      else if (callee.nodeType === "MemberAccess") calls.push({ name: callee.memberName as string, member: true, node: n });
    }
    for (const c of children(n)) {
      parent.set(c, n);
      visit(c);
    }
  };
  visit(ast);

  /** The statement (a member of a block, or a branch's single-statement body) that contains `n`. */
  const enclosingStatement = (n: Node): Node | undefined => {
    let cur: Node | undefined = n;
    while (cur !== undefined) {
      const p = parent.get(cur);
      if (p === undefined) return undefined;
      // A call in a condition returns into a branch, not into a statement: what runs after it is not known.
      if ((p.nodeType === "IfStatement" || LOOPS.has(p.nodeType)) && cur === p.condition) return undefined;
      if (STATEMENT_LISTS.has(p.nodeType) || p.nodeType === "IfStatement" || LOOPS.has(p.nodeType)) return cur;
      cur = p;
    }
    return undefined;
  };
  const enclosingFunction = (n: Node): Node | undefined => {
    let cur = parent.get(n);
    while (cur !== undefined && cur.nodeType !== "FunctionDefinition" && cur.nodeType !== "ModifierDefinition") cur = parent.get(cur);
    return cur;
  };

  /**
   * The statements that call internal function `fn` (undefined for an external or public one): a library's
   * functions are called as `Lib.f(...)` or `x.f(...)`, a contract's internal ones by name alone. A site whose
   * statement could still fail after the call returns (a require or a condition around the call) is undefined.
   */
  const callSites = (fn: Node): (Node | undefined)[] | undefined => {
    if (fn.visibility === "external" || fn.visibility === "public") return undefined;
    const library = parent.get(fn)?.contractKind === "library";
    return calls
      .filter((c) => c.name === fn.name && (library || !c.member))
      .map((site) => {
        const stmt = enclosingStatement(site.node);
        return stmt === undefined || !SIMPLE_SITES.has(stmt.nodeType) || isRequire(stmt) ? undefined : stmt;
      });
  };
  /** What runs right after `s` completes normally: statements, or "unknown" where probes cannot tell. */
  const after = (s: Node, seen: Set<Node>): Node[] | "unknown" => {
    if (s.nodeType === "Return") {
      const fn = enclosingFunction(s);
      return fn === undefined ? "unknown" : afterFunction(fn, seen);
    }
    const p = parent.get(s);
    if (p === undefined) return "unknown";
    if (STATEMENT_LISTS.has(p.nodeType)) {
      const list = p.statements as Node[];
      const i = list.indexOf(s);
      if (i + 1 < list.length) return [list[i + 1]!];
      return after(p, seen);
    }
    if (p.nodeType === "IfStatement") return after(p, seen);
    if (p.nodeType === "TryCatchClause") {
      const t = parent.get(p);
      return t === undefined ? "unknown" : after(t, seen);
    }
    if (p.nodeType === "FunctionDefinition") return afterFunction(p, seen);
    return "unknown"; // a loop body (it loops back), a modifier, anything else
  };
  const afterFunction = (fn: Node, seen: Set<Node>): Node[] | "unknown" => {
    if (seen.has(fn)) return "unknown";
    seen.add(fn);
    const sites = callSites(fn);
    if (sites === undefined || sites.length === 0) return "unknown";
    const out: Node[] = [];
    for (const stmt of sites) {
      if (stmt === undefined) return "unknown";
      const next = after(stmt, seen);
      if (next === "unknown") return "unknown";
      out.push(...next);
    }
    return out;
  };
  const sumHits = (list: Node[]): number | undefined => {
    let total = 0;
    for (const n of list) {
      const c = count(n);
      if (c === undefined) return undefined;
      total += c;
    }
    return total;
  };
  /**
   * A require that is the whole body of an internal helper (`_bound(...)`, called several times in one transaction):
   * its revert arm was taken when some call site's statement was hit more often than what runs after it.
   */
  const helperReverted = (r: Node): boolean => {
    const body = parent.get(r);
    const fn = body === undefined ? undefined : parent.get(body);
    if (fn?.nodeType !== "FunctionDefinition" || (body!.statements as Node[]).length !== 1) return false;
    for (const stmt of callSites(fn) ?? []) {
      if (stmt === undefined) continue;
      const next = after(stmt, new Set());
      const reached = count(stmt);
      const passed = next === "unknown" ? undefined : sumHits(next);
      if (reached !== undefined && passed !== undefined && reached > passed) return true;
    }
    return false;
  };
  /** Hits of an arm: its block's probe, or its first statement's (both run when the arm is taken). */
  const armCount = (body: Node): number => {
    let n = count(body) ?? 0;
    if (STATEMENT_LISTS.has(body.nodeType)) {
      const first = (body.statements as Node[])[0];
      if (first !== undefined) n = Math.max(n, armCount(first));
    }
    return n;
  };
  const leaves = (body: Node): boolean => {
    if (LEAVES.has(body.nodeType)) return true;
    if (STATEMENT_LISTS.has(body.nodeType)) {
      const list = body.statements as Node[];
      return list.length > 0 && leaves(list[list.length - 1]!);
    }
    return false;
  };

  const arms: BranchArm[] = [];
  const add = (n: Node, kind: BranchArm["kind"], arm: BranchArm["arm"], taken: boolean) =>
    arms.push({ file: path, line: lineOf(n), kind, arm, taken });
  const decide = (n: Node) => {
    if (n.nodeType === "IfStatement") {
      const here = count(n) ?? 0;
      const t = armCount(n.trueBody as Node);
      add(n, "if", "true", t > 0);
      const falseBody = n.falseBody as Node | null;
      if (falseBody !== null && falseBody !== undefined) {
        add(n, "if", "false", armCount(falseBody) > 0);
      } else {
        let taken = here > t;
        if (!taken && leaves(n.trueBody as Node)) {
          const next = after(n, new Set());
          taken = next !== "unknown" && (sumHits(next) ?? 0) > 0;
        }
        add(n, "if", "false", taken);
      }
    } else if (isRequire(n)) {
      const here = count(n) ?? 0;
      const next = after(n, new Set());
      const passed = next === "unknown" ? undefined : sumHits(next);
      if (passed === undefined) {
        // Nothing after it tells: it was passed if it was ever reached and did not always revert; its revert arm
        // cannot be seen, so it counts as not taken.
        unknown++;
        add(n, "require", "pass", here > 0);
        add(n, "require", "revert", false);
      } else {
        add(n, "require", "pass", passed > 0);
        add(n, "require", "revert", here > passed || helperReverted(n));
      }
    } else if (n.nodeType === "TryStatement") {
      for (const [i, clause] of (n.clauses as Node[]).entries()) {
        add(n, "try", i === 0 ? "success" : "catch", armCount(clause.block as Node) > 0);
      }
    }
    for (const c of children(n)) decide(c);
  };
  decide(ast);
  return { path, arms, ternaries, undecided: unknown };
}

/** Branch arms of every file: `files` maps a project path (contracts/...) to its source. */
export function measureBranches(files: Record<string, string>, hits: Hits, solcVersion: string, sourceNameOf = (path: string) => `project/${path}`): FileBranches[] {
  const asts = parseSources(files);
  return Object.keys(files)
    .sort()
    .map((path) => fileBranches(path, sourceNameOf(path), files[path]!, asts[path]!, hits, solcVersion));
}
