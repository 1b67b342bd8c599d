/**
 * `npx tsx bench/oracle-tree.ts`: times building the epoch-report Merkle tree of 100,000 uptime leaves and
 * serializing its leaf file, and merges the figures into `bench/results/oracle.json` under `treeBuildSeconds`,
 * `treeProofDepth` and `leafFileSerializeSeconds` (keyed `leaves100000`); other keys in that file are left as they
 * are. Each time is the median of three runs after a warm-up. Deterministic leaves; exits 1 if a build exceeds
 * the 5-second target.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { type Address } from "viem";
import { type Leaf, type LeafTree, buildTree, contentHash, serializeLeafFile } from "../src/protocol/leaves.js";

const LEAVES = 100_000;
const RUNS = 3;
const TARGET_SECONDS = 5;
const RESULTS = new URL("results/oracle.json", import.meta.url);
const KEY = `leaves${LEAVES}`;
const file = { chainId: 31_337, oracleHub: "0x00000000000000000000000000000000000c1de5" as Address, epoch: 480_000 };

const leaves: Leaf[] = Array.from({ length: LEAVES }, (_, i) => ({
  kind: "uptime",
  leaseId: BigInt(i) * 7_919n + 1n,
  epoch: file.epoch,
  secondsUp: 3_000 + (i % 600),
  secondsObserved: 3_600,
}));

/** The median wall time of `RUNS` calls after one untimed warm-up call, in seconds, and the last result. */
function time<T>(run: () => T): { seconds: number; result: T } {
  const seconds: number[] = [];
  let result = run();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = run();
    seconds.push((performance.now() - start) / 1_000);
  }
  return { seconds: seconds.sort((a, b) => a - b)[RUNS >> 1], result };
}

const build = time(() => buildTree(leaves));
const tree: LeafTree = build.result;
const serialize = time(() => serializeLeafFile({ ...file, tree }));
const round = (seconds: number) => Math.round(seconds * 1_000) / 1_000;

let results: Record<string, unknown> = {};
try {
  results = JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown>;
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
const merge = (name: string, value: number) => {
  const current = results[name];
  results[name] = { ...(typeof current === "object" && current !== null ? current : {}), [KEY]: value };
};
merge("treeBuildSeconds", round(build.seconds));
merge("treeProofDepth", tree.depth);
merge("leafFileSerializeSeconds", round(serialize.seconds));
const temporary = new URL(`results/oracle.json.${process.pid}.tmp`, import.meta.url);
writeFileSync(temporary, `${JSON.stringify(results, null, 2)}\n`);
renameSync(temporary, RESULTS);

console.log(`oracle tree, ${LEAVES.toLocaleString("en-US")} uptime leaves (median of ${RUNS} runs)`);
console.log(`  build            ${build.seconds.toFixed(3)} s (target <= ${TARGET_SECONDS} s)`);
console.log(`  proof depth      ${tree.depth}`);
console.log(`  leaf file        ${serialize.seconds.toFixed(3)} s, ${serialize.result.length.toLocaleString("en-US")} bytes`);
console.log(`  root ${tree.root}, content hash ${contentHash(serialize.result)}`);
if (build.seconds > TARGET_SECONDS) process.exitCode = 1;
