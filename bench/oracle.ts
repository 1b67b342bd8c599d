/**
 * `npm run bench:oracle`: the oracle's throughput figures, written to `bench/results/oracle.json`.
 *
 * - Heartbeats verified per second, as an oracle node verifies them (shape, nonce, gpusHash, EIP-712 digest,
 *   secp256k1 recovery, provider): with the native backend on one thread, with the pure-JavaScript fallback on one
 *   thread, and with the native backend on a pool of worker threads (one per core, binary batches of 1,000), with the
 *   pool's ratio to one thread. 1,024 heartbeats from 64 providers with 8 GPUs each, signed here with viem, in their
 *   wire form (parsed JSON), verified 16 times over (verification keeps no state between heartbeats); the fallback,
 *   a thousand times slower, verifies 128 of them.
 * - The epoch-report Merkle tree of 100,000 uptime leaves, built with WebAssembly keccak and with the pure-JS
 *   fallback (the same root, checked), and its leaf file serialized.
 *
 * Each figure is the median of three timed runs after a warm-up. The machine is recorded beside the figures.
 * `bench/oracle-check.ts` (`npm run bench:oracle:check`) runs the same measurement and compares it with the
 * committed file. The targets of issue 17 are printed beside the figures; missing one is reported, not fatal.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { HEARTBEAT_TYPES, HeartbeatVerifier, type HeartbeatResponse, gpusHash, heartbeatDomain } from "../src/oracle/agent/heartbeat.js";
import { type HeartbeatItem, HeartbeatVerifierPool } from "../src/oracle/agent/heartbeat-pool.js";
import { SIGNATURE_BACKEND, nativeRecoveryAvailable } from "../src/oracle/crypto/recover.js";
import { keccakBackend, useKeccakBackend } from "../src/protocol/keccak.js";
import { type Leaf, buildTree, serializeLeafFile } from "../src/protocol/leaves.js";

/** What `bench/results/oracle.json` holds. */
export interface OracleFigures {
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly platform: string;
    /** The one-minute load average when the run ended: above `cores`, other processes shared the CPUs. */
    readonly loadAverage: number;
  };
  readonly heartbeats: {
    readonly nativeOneThreadPerSecond: number;
    readonly fallbackOneThreadPerSecond: number;
    readonly poolThreads: number;
    readonly poolPerSecond: number;
    /** poolPerSecond / nativeOneThreadPerSecond, measured in the same run. */
    readonly poolRatio: number;
  };
  readonly tree: {
    readonly leaves: number;
    readonly depth: number;
    readonly root: Hex;
    readonly nativeSeconds: number;
    readonly fallbackSeconds: number;
    readonly leafFileSerializeSeconds: number;
  };
}

/** The targets of issue 17. */
export const TARGETS = { nativeOneThreadPerSecond: 10_000, poolRatio: 1.6, treeNativeSeconds: 0.5 } as const;

export const RESULTS = new URL("results/oracle.json", import.meta.url);

const PROVIDERS = 64;
const PER_PROVIDER = 16;
const REPEAT = 16;
const FALLBACK_SAMPLE = 128;
const LEAVES = 100_000;
const RUNS = 3;
const CHAIN_ID = 1;

/** The median wall time of `RUNS` calls after one untimed warm-up call, in seconds, and the last result. */
async function time<T>(run: () => T | Promise<T>): Promise<{ seconds: number; result: T }> {
  const seconds: number[] = [];
  let result = await run();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = await run();
    seconds.push((performance.now() - start) / 1_000);
  }
  return { seconds: seconds.sort((a, b) => a - b)[RUNS >> 1]!, result };
}

/** Signed heartbeats in their wire form (parsed JSON), as an oracle node receives them. */
async function heartbeats(): Promise<HeartbeatItem[]> {
  const accounts = Array.from({ length: PROVIDERS }, (_, i) => privateKeyToAccount(`0x${(i + 1).toString(16).padStart(64, "0")}` as Hex));
  const gpus = Array.from({ length: 8 }, (_, g) => ({ uuid: `GPU-1c7e5a0${g}-4e2c-4d8a-9f17-3a6b0c9d2e4${g}`, healthy: g !== 5 }));
  const hash = gpusHash(gpus);
  const items: HeartbeatItem[] = [];
  for (let k = 0; k < PER_PROVIDER; k++) {
    for (const account of accounts) {
      const nonce = `0x${(items.length + 1).toString(16).padStart(64, "0")}` as Hex;
      const message = { provider: account.address, nonce, timestamp: 1_800_000_000 + k, gpusHash: hash };
      const signature = await account.signTypedData({
        domain: heartbeatDomain(CHAIN_ID),
        types: HEARTBEAT_TYPES,
        primaryType: "Heartbeat",
        message: { ...message, timestamp: BigInt(message.timestamp) },
      });
      const response: HeartbeatResponse = { ...message, gpus, signature };
      items.push({ response: JSON.parse(JSON.stringify(response)) as unknown, expected: { expectedProvider: account.address as Address, nonce, chainId: CHAIN_ID } });
    }
  }
  return items;
}

/** Heartbeats verified per second by `verifier` on this thread over `items`; throws if one fails. */
async function oneThread(verifier: HeartbeatVerifier, items: readonly HeartbeatItem[]): Promise<number> {
  const { seconds } = await time(() => {
    for (const item of items) {
      const check = verifier.verify(item.response, item.expected);
      if (!check.ok) throw new Error(`a valid heartbeat failed to verify: ${check.reason} ${check.detail}`);
    }
  });
  return items.length / seconds;
}

/** Measures every figure (nothing is written). Needs the native backend: the figures compare it with the fallback. */
export async function measureOracle(): Promise<OracleFigures> {
  if (!nativeRecoveryAvailable()) throw new Error(`the native signature backend did not load (${SIGNATURE_BACKEND.detail}): nothing to compare`);
  const signed = await heartbeats();
  const items = Array.from({ length: REPEAT }, () => signed).flat();
  const nativeOneThreadPerSecond = await oneThread(new HeartbeatVerifier({ backend: "native" }), items);
  const keccak = useKeccakBackend("js");
  const fallbackOneThreadPerSecond = await oneThread(new HeartbeatVerifier({ backend: "js" }), signed.slice(0, FALLBACK_SAMPLE));
  useKeccakBackend(keccak);

  const poolThreads = availableParallelism();
  const pool = new HeartbeatVerifierPool({ threads: poolThreads, batchSize: 1_000, backend: "native" });
  let poolPerSecond: number;
  try {
    const { seconds, result } = await time(() => pool.verifyMany(items));
    if (result.some((check) => !check.ok)) throw new Error("a valid heartbeat failed to verify on the pool");
    poolPerSecond = items.length / seconds;
  } finally {
    await pool.close();
  }

  const file = { chainId: 31_337, oracleHub: "0x00000000000000000000000000000000000c1de5" as Address, epoch: 480_000 };
  const leaves: Leaf[] = Array.from({ length: LEAVES }, (_, i) => ({
    kind: "uptime",
    leaseId: BigInt(i) * 7_919n + 1n,
    epoch: file.epoch,
    secondsUp: 3_000 + (i % 600),
    secondsObserved: 3_600,
  }));
  const native = await time(() => buildTree(leaves));
  useKeccakBackend("js");
  const fallback = await time(() => buildTree(leaves));
  useKeccakBackend(keccak);
  if (fallback.result.root !== native.result.root) throw new Error(`the fallback tree's root ${fallback.result.root} differs from ${native.result.root}`);
  const serialize = await time(() => serializeLeafFile({ ...file, tree: native.result }));

  const cpu = cpus()[0]?.model.trim() ?? "unknown";
  const rate = (value: number) => Math.round(value);
  const secondsOf = (value: number) => Math.round(value * 1_000) / 1_000;
  return {
    machine: { cpu, cores: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}`, loadAverage: Math.round(loadavg()[0]! * 100) / 100 },
    heartbeats: {
      nativeOneThreadPerSecond: rate(nativeOneThreadPerSecond),
      fallbackOneThreadPerSecond: rate(fallbackOneThreadPerSecond),
      poolThreads,
      poolPerSecond: rate(poolPerSecond),
      poolRatio: Math.round((poolPerSecond / nativeOneThreadPerSecond) * 100) / 100,
    },
    tree: {
      leaves: LEAVES,
      depth: native.result.depth,
      root: native.result.root,
      nativeSeconds: secondsOf(native.seconds),
      fallbackSeconds: secondsOf(fallback.seconds),
      leafFileSerializeSeconds: secondsOf(serialize.seconds),
    },
  };
}

/** The figures as printed lines, with the targets beside them. */
export function describeFigures(figures: OracleFigures): string[] {
  const { heartbeats: h, tree: t, machine: m } = figures;
  const n = (value: number) => value.toLocaleString("en-US");
  const mark = (ok: boolean) => (ok ? "meets" : "MISSES");
  return [
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, load average ${m.loadAverage}; keccak ${keccakBackend()}`,
    `heartbeats verified per second`,
    `  native, one thread     ${n(h.nativeOneThreadPerSecond)}/s (${mark(h.nativeOneThreadPerSecond >= TARGETS.nativeOneThreadPerSecond)} >= ${n(TARGETS.nativeOneThreadPerSecond)})`,
    `  fallback, one thread   ${n(h.fallbackOneThreadPerSecond)}/s`,
    `  native, ${h.poolThreads} workers     ${n(h.poolPerSecond)}/s, ${h.poolRatio}x one thread (${mark(h.poolRatio >= TARGETS.poolRatio)} >= ${TARGETS.poolRatio}x)`,
    `merkle tree of ${n(t.leaves)} leaves (depth ${t.depth}, root ${t.root})`,
    `  native (WebAssembly)   ${t.nativeSeconds} s (${mark(t.nativeSeconds <= TARGETS.treeNativeSeconds)} <= ${TARGETS.treeNativeSeconds} s)`,
    `  fallback (JavaScript)  ${t.fallbackSeconds} s`,
    `  leaf file serialized   ${t.leafFileSerializeSeconds} s`,
  ];
}

/** The committed figures, or null when there are none yet. */
export function committedFigures(): OracleFigures | null {
  try {
    return JSON.parse(readFileSync(RESULTS, "utf8")) as OracleFigures;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const figures = await measureOracle();
  const temporary = new URL(`results/oracle.json.${process.pid}.tmp`, import.meta.url);
  writeFileSync(temporary, `${JSON.stringify(figures, null, 2)}\n`);
  renameSync(temporary, RESULTS);
  for (const line of describeFigures(figures)) console.log(line);
  console.log(`wrote ${RESULTS.pathname}`);
}
