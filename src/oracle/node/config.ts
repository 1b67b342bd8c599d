/**
 * An oracle node's configuration, validated at the edge: every bad value gets a message naming its field, never a
 * stack trace. Read from a JSON file (`--config`), with the key from the environment (`CINDER_ORACLE_KEY`) so it
 * is never written in the file.
 *
 * ```json
 * {
 *   "rpcUrl": "http://127.0.0.1:8545",
 *   "contracts": { "oracleHub": "0x...", "registry": "0x...", "jobMarket": "0x..." },
 *   "listen": { "host": "0.0.0.0", "port": 7400 },
 *   "peers": [{ "address": "0x...", "url": "http://oracle-2.example.org:7400" }],
 *   "databasePath": "/var/lib/cinder-oracle/node.db",
 *   "heartbeat": { "meanIntervalMs": 60000, "timeoutMs": 3000 },
 *   "epoch": { "settleDelayMs": 30000, "leaderTimeoutMs": 60000, "setupGraceSeconds": 300 },
 *   "pollIntervalMs": 5000,
 *   "logLevel": "info",
 *   "verdicts": { "sampleSize": 8, "fetchTimeoutMs": 5000, "retryWindowMs": 120000, "leaderTimeoutMs": 30000 }
 * }
 * ```
 * `challenges.cc` turns on tier-2 attestation (see attest.ts): `trust` is "nvidia" (NVIDIA's pinned root, real GPUs) or
 * "simulation" (only the simulated GPUs' test root), and `referenceMeasurements` the path of a reference-measurement
 * file (src/oracle/cc/reference.ts; relative paths are resolved from the working directory).
 * ```json
 * "challenges": { "cc": { "trust": "nvidia", "referenceMeasurements": "/etc/cinder-oracle/rim-550.90.07.json" } }
 * ```
 * `verdicts` (job-dispute judging, see verdict.ts) needs `contracts.disputeManager`.
 * ```json
 * "contracts": { "oracleHub": "0x...", "registry": "0x...", "jobMarket": "0x...", "disputeManager": "0x..." }
 * ```
 */
import { type Address, type Hex, getAddress, isAddress } from "viem";
import { CcVerificationError } from "../cc/errors.js";
import { loadReferenceMeasurements } from "../cc/reference.js";
import { type CcSettings, type ChallengeSettings, DEFAULT_UNANSWERED_ROUNDS } from "./attest.js";
import type { LogLevel } from "./log.js";
import { DEFAULT_VERDICT_SETTINGS, type VerdictSettings } from "./verdict.js";

export interface PeerConfig {
  readonly address: Address;
  readonly url: string;
}

export interface NodeConfig {
  readonly rpcUrl: string;
  readonly contracts: { readonly oracleHub: Address; readonly registry: Address; readonly jobMarket: Address; readonly disputeManager?: Address };
  readonly privateKey: Hex;
  readonly listen: { readonly host: string; readonly port: number };
  readonly peers: readonly PeerConfig[];
  readonly databasePath: string;
  readonly heartbeat: { readonly meanIntervalMs: number; readonly timeoutMs: number };
  readonly epoch: { readonly settleDelayMs: number; readonly leaderTimeoutMs: number; readonly setupGraceSeconds: number };
  /** Nodes that must observe a lease or provider for its leaf to carry a value (default and least 2f + 1 of the current set). */
  readonly minObservers?: number;
  readonly pollIntervalMs: number;
  readonly logLevel: LogLevel;
  /** Chain block to start following events from (default 0). */
  readonly fromBlock: bigint;
  /** GPU challenges and attestations; absent: the node only measures uptime. */
  readonly challenges?: ChallengeSettings;
  /** Job-dispute verdicts; absent: the node judges no dispute. */
  readonly verdicts?: VerdictSettings;
}

/** A configuration value is missing or wrong; `field` is its path, e.g. `peers[1].url`. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly field: string,
    readonly shortMessage: string,
  ) {
    super(`invalid oracle node configuration: ${field} ${shortMessage}`);
  }
}

type Raw = Record<string, unknown>;

function obj(value: unknown, field: string): Raw {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(field, "must be an object");
  return value as Raw;
}

function url(value: unknown, field: string, schemes = ["http:", "https:", "ws:", "wss:"]): string {
  if (typeof value !== "string") throw new ConfigError(field, `must be a URL string, got ${JSON.stringify(value)}`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(field, `is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (!schemes.includes(parsed.protocol)) throw new ConfigError(field, `must use ${schemes.join(" or ")}, got ${parsed.protocol}`);
  return value.replace(/\/+$/, "");
}

function address(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) throw new ConfigError(field, `must be a 20-byte hex address, got ${JSON.stringify(value)}`);
  return getAddress(value);
}

function int(value: unknown, field: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
const KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * Validates a parsed configuration. `env` supplies `CINDER_ORACLE_KEY` (the node's signing key, 32 bytes hex) unless
 * the object has `privateKey` (tests).
 */
export function parseNodeConfig(raw: unknown, env: Record<string, string | undefined> = process.env): NodeConfig {
  const c = obj(raw, "(root)");
  const known = new Set(["rpcUrl", "contracts", "privateKey", "listen", "peers", "databasePath", "heartbeat", "epoch", "minObservers", "pollIntervalMs", "logLevel", "fromBlock", "challenges", "verdicts"]);
  for (const k of Object.keys(c)) if (!known.has(k)) throw new ConfigError(k, `is not a known setting (known: ${[...known].join(", ")})`);
  const contracts = obj(c.contracts, "contracts");
  const listen = obj(c.listen ?? {}, "listen");
  const heartbeat = obj(c.heartbeat ?? {}, "heartbeat");
  const epoch = obj(c.epoch ?? {}, "epoch");
  const key = (c.privateKey ?? (env.CINDER_ORACLE_KEY || undefined)) as unknown;
  if (key === undefined) throw new ConfigError("privateKey", "is missing: set CINDER_ORACLE_KEY to the node's 32-byte hex signing key");
  if (typeof key !== "string" || !KEY.test(key)) throw new ConfigError("privateKey", "must be 32 bytes of hex (0x + 64 digits)");
  if (!Array.isArray(c.peers ?? [])) throw new ConfigError("peers", "must be an array");
  const peers = ((c.peers ?? []) as unknown[]).map((p, i) => {
    const peer = obj(p, `peers[${i}]`);
    return { address: address(peer.address, `peers[${i}].address`), url: url(peer.url, `peers[${i}].url`, ["http:", "https:"]) };
  });
  const seen = new Set<string>();
  peers.forEach((p, i) => {
    if (seen.has(p.address)) throw new ConfigError(`peers[${i}].address`, `lists ${p.address} twice`);
    seen.add(p.address);
  });
  if (typeof c.databasePath !== "string" || c.databasePath === "") throw new ConfigError("databasePath", "must be a file path (or \":memory:\")");
  const logLevel = (c.logLevel ?? "info") as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError("logLevel", `must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(c.logLevel)}`);
  let fromBlock = 0n;
  if (c.fromBlock !== undefined) {
    if (typeof c.fromBlock !== "number" && typeof c.fromBlock !== "string") throw new ConfigError("fromBlock", "must be a block number");
    try {
      fromBlock = BigInt(c.fromBlock);
    } catch {
      throw new ConfigError("fromBlock", `must be a block number, got ${JSON.stringify(c.fromBlock)}`);
    }
  }
  let challenges: ChallengeSettings | undefined;
  if (c.challenges !== undefined) {
    const ch = obj(c.challenges, "challenges");
    const names = obj(ch.classNames ?? { H200: "H200-141GB", H100: "H100-80GB", A100: "A100-80GB", L40S: "L40S-48GB", RTX4090: "RTX4090-24GB" }, "challenges.classNames");
    for (const [k, v] of Object.entries(names)) {
      if (!["H200", "H100", "A100", "L40S", "RTX4090"].includes(k)) throw new ConfigError(`challenges.classNames.${k}`, "is not a model class (H200, H100, A100, L40S, RTX4090)");
      if (typeof v !== "string" || v === "") throw new ConfigError(`challenges.classNames.${k}`, "must be the registry's model-class name, e.g. \"H100-80GB\"");
    }
    const numbers = (value: unknown, field: string): Record<string, number> | undefined => {
      if (value === undefined) return undefined;
      const o = obj(value, field);
      for (const [k, v] of Object.entries(o)) if (typeof v !== "number" || !(v > 0)) throw new ConfigError(`${field}.${k}`, `must be a positive number, got ${JSON.stringify(v)}`);
      return o as Record<string, number>;
    };
    let cc: CcSettings | undefined;
    if (ch.cc !== undefined) {
      const c2 = obj(ch.cc, "challenges.cc");
      for (const k of Object.keys(c2)) if (!["trust", "referenceMeasurements"].includes(k)) throw new ConfigError(`challenges.cc.${k}`, "is not a known setting (known: trust, referenceMeasurements)");
      if (c2.trust !== "nvidia" && c2.trust !== "simulation") throw new ConfigError("challenges.cc.trust", `must be "nvidia" or "simulation", got ${JSON.stringify(c2.trust)}`);
      if (typeof c2.referenceMeasurements !== "string" || c2.referenceMeasurements === "") {
        throw new ConfigError("challenges.cc.referenceMeasurements", "must be the path of a reference-measurement file");
      }
      try {
        cc = { trust: c2.trust, referenceMeasurements: loadReferenceMeasurements(c2.referenceMeasurements) };
      } catch (error) {
        if (error instanceof CcVerificationError) throw new ConfigError(`challenges.cc.referenceMeasurements`, error.shortMessage + (error.field === undefined ? "" : ` [${error.field}]`));
        throw error;
      }
    }
    challenges = {
      ...(cc === undefined ? {} : { cc }),
      roundSeconds: int(ch.roundSeconds, "challenges.roundSeconds", 60, 30 * 86_400, 86_400),
      validitySeconds: int(ch.validitySeconds, "challenges.validitySeconds", 60, 365 * 86_400, 7 * 86_400),
      classNames: names as ChallengeSettings["classNames"],
      matmul: numbers(ch.matmul, "challenges.matmul"),
      memory: ch.memory === false ? false : numbers(ch.memory, "challenges.memory"),
      unansweredRounds: int(ch.unansweredRounds, "challenges.unansweredRounds", 1, 30, DEFAULT_UNANSWERED_ROUNDS),
    };
  }
  let verdicts: VerdictSettings | undefined;
  if (c.verdicts !== undefined) {
    const v = obj(c.verdicts, "verdicts");
    const fields = ["sampleSize", "fetchTimeoutMs", "retryWindowMs", "leaderTimeoutMs"];
    for (const k of Object.keys(v)) if (!fields.includes(k)) throw new ConfigError(`verdicts.${k}`, `is not a known setting (known: ${fields.join(", ")})`);
    if (contracts.disputeManager === undefined) throw new ConfigError("contracts.disputeManager", "is required when verdicts is set");
    const d = DEFAULT_VERDICT_SETTINGS;
    verdicts = {
      sampleSize: int(v.sampleSize, "verdicts.sampleSize", 1, 256, d.sampleSize),
      fetchTimeoutMs: int(v.fetchTimeoutMs, "verdicts.fetchTimeoutMs", 100, 60_000, d.fetchTimeoutMs),
      retryWindowMs: int(v.retryWindowMs, "verdicts.retryWindowMs", 0, 86_400_000, d.retryWindowMs),
      leaderTimeoutMs: int(v.leaderTimeoutMs, "verdicts.leaderTimeoutMs", 500, 3_600_000, d.leaderTimeoutMs),
    };
  }
  const heartbeatTimeout = int(heartbeat.timeoutMs, "heartbeat.timeoutMs", 50, 60_000, 3_000);
  return {
    rpcUrl: url(c.rpcUrl, "rpcUrl"),
    contracts: {
      oracleHub: address(contracts.oracleHub, "contracts.oracleHub"),
      registry: address(contracts.registry, "contracts.registry"),
      jobMarket: address(contracts.jobMarket, "contracts.jobMarket"),
      ...(contracts.disputeManager === undefined ? {} : { disputeManager: address(contracts.disputeManager, "contracts.disputeManager") }),
    },
    privateKey: key as Hex,
    listen: { host: typeof listen.host === "string" ? listen.host : "127.0.0.1", port: int(listen.port, "listen.port", 0, 65_535, 7_400) },
    peers,
    databasePath: c.databasePath,
    heartbeat: {
      meanIntervalMs: int(heartbeat.meanIntervalMs, "heartbeat.meanIntervalMs", 100, 3_600_000, 60_000),
      timeoutMs: heartbeatTimeout,
    },
    epoch: {
      settleDelayMs: int(epoch.settleDelayMs, "epoch.settleDelayMs", 0, 3_600_000, 30_000),
      leaderTimeoutMs: int(epoch.leaderTimeoutMs, "epoch.leaderTimeoutMs", 500, 3_600_000, 60_000),
      setupGraceSeconds: int(epoch.setupGraceSeconds, "epoch.setupGraceSeconds", 0, 86_400, 300),
    },
    minObservers: c.minObservers === undefined ? undefined : int(c.minObservers, "minObservers", 1, 31),
    pollIntervalMs: int(c.pollIntervalMs, "pollIntervalMs", 50, 600_000, 5_000),
    logLevel,
    fromBlock,
    challenges,
    verdicts,
  };
}
