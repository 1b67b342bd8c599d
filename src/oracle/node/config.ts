/**
 * An oracle node's configuration, validated at the edge by a zod schema: every bad value gets one line naming its
 * field, what was expected and what was given (`oracle node config: peers[2].url: expected an http(s) URL, got
 * "foo"`), never a stack trace; the signing key is never echoed. Read from a JSON file (`--config`), with the key from the environment (`CINDER_ORACLE_KEY`) so it
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
import { z } from "zod";
import { CcVerificationError } from "../cc/errors.js";
import { loadReferenceMeasurements } from "../cc/reference.js";
import { expecting, fieldOf, show } from "../schema.js";
import { type ChallengeSettings, DEFAULT_UNANSWERED_ROUNDS } from "./attest.js";
import { OracleNodeError } from "./errors.js";
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
export class ConfigError extends OracleNodeError {
  override name = "ConfigError";
  constructor(
    readonly field: string,
    override readonly shortMessage: string,
  ) {
    super(shortMessage, { message: `oracle node config: ${field}: ${shortMessage}` });
  }
}

const int = (min: number, max: number) => z.number(expecting(`an integer in [${min}, ${max}]`)).int().min(min).max(max);
const address = z
  .string(expecting("a 20-byte hex address"))
  .refine((v) => isAddress(v, { strict: false }), (v) => ({ message: `expected a 20-byte hex address, got ${show(v)}` }))
  .transform((v) => getAddress(v));
const url = (schemes: readonly string[], what: string) =>
  z
    .string(expecting(what))
    .refine(
      (v) => {
        try {
          return schemes.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      (v) => ({ message: `expected ${what}, got ${show(v)}` }),
    )
    .transform((v) => v.replace(/\/+$/, ""));
const positives = z.record(z.number(expecting("a positive number")).positive());
const MODEL_CLASSES = ["H200", "H100", "A100", "L40S", "RTX4090"] as const;
const DEFAULT_CLASS_NAMES = { H200: "H200-141GB", H100: "H100-80GB", A100: "A100-80GB", L40S: "L40S-48GB", RTX4090: "RTX4090-24GB" };
const LEVELS = ["debug", "info", "warn", "error"] as const;
const d = DEFAULT_VERDICT_SETTINGS;

/** The configuration file's schema (the key comes in as `privateKey` from the environment). */
const nodeConfigSchema = z
  .object({
    rpcUrl: url(["http:", "https:", "ws:", "wss:"], "an http(s) or ws(s) URL"),
    contracts: z
      .object({ oracleHub: address, registry: address, jobMarket: address, disputeManager: address.optional() }, expecting("an object of contract addresses"))
      .strict(),
    privateKey: z
      .string({ errorMap: (_issue, ctx) => ({ message: ctx.data === undefined ? "missing: set CINDER_ORACLE_KEY to the node's 32-byte hex signing key" : "expected 32 bytes of hex (0x + 64 digits)" }) })
      .regex(/^0x[0-9a-fA-F]{64}$/)
      .transform((v) => v as Hex),
    listen: z
      .object({ host: z.string(expecting("a host name or IP address")).min(1).default("127.0.0.1"), port: int(0, 65_535).default(7_400) }, expecting("an object"))
      .strict()
      .default({}),
    peers: z
      .array(z.object({ address, url: url(["http:", "https:"], "an http(s) URL") }, expecting("an object { address, url }")).strict(), expecting("an array of peers"))
      .default([])
      .superRefine((peers, ctx) => {
        const seen = new Set<string>();
        peers.forEach((peer, i) => {
          if (seen.has(peer.address)) ctx.addIssue({ code: "custom", path: [i, "address"], message: `expected each peer once, got ${peer.address} twice` });
          seen.add(peer.address);
        });
      }),
    databasePath: z.string(expecting('a file path (or ":memory:")')).min(1),
    heartbeat: z
      .object({ meanIntervalMs: int(100, 3_600_000).default(60_000), timeoutMs: int(50, 60_000).default(3_000) }, expecting("an object"))
      .strict()
      .default({}),
    epoch: z
      .object(
        { settleDelayMs: int(0, 3_600_000).default(30_000), leaderTimeoutMs: int(500, 3_600_000).default(60_000), setupGraceSeconds: int(0, 86_400).default(300) },
        expecting("an object"),
      )
      .strict()
      .default({}),
    minObservers: int(1, 31).optional(),
    pollIntervalMs: int(50, 600_000).default(5_000),
    logLevel: z.enum(LEVELS, expecting(`one of ${LEVELS.join(", ")}`)).default("info"),
    fromBlock: z
      .union([z.number(expecting("a block number")).int().nonnegative(), z.string(expecting("a block number")).regex(/^(0|[1-9][0-9]*)$/)], expecting("a block number"))
      .transform((v) => BigInt(v))
      .default(0),
    challenges: z
      .object(
        {
          roundSeconds: int(60, 30 * 86_400).default(86_400),
          validitySeconds: int(60, 365 * 86_400).default(7 * 86_400),
          classNames: z
            .object(
              Object.fromEntries(MODEL_CLASSES.map((k) => [k, z.string(expecting('the registry\'s model-class name, e.g. "H100-80GB"')).min(1).optional()])) as Record<
                (typeof MODEL_CLASSES)[number],
                z.ZodOptional<z.ZodString>
              >,
              expecting("an object of model-class names"),
            )
            .strict()
            .default(DEFAULT_CLASS_NAMES),
          matmul: positives.optional(),
          memory: z.union([z.literal(false), positives], expecting("false or an object of positive numbers")).optional(),
          unansweredRounds: int(1, 30).default(DEFAULT_UNANSWERED_ROUNDS),
          cc: z
            .object(
              {
                trust: z.enum(["nvidia", "simulation"], expecting('"nvidia" or "simulation"')),
                referenceMeasurements: z.string(expecting("the path of a reference-measurement file")).min(1),
              },
              expecting("an object { trust, referenceMeasurements }"),
            )
            .strict()
            .optional(),
        },
        expecting("an object"),
      )
      .strict()
      .optional(),
    verdicts: z
      .object(
        {
          sampleSize: int(1, 256).default(d.sampleSize),
          fetchTimeoutMs: int(100, 60_000).default(d.fetchTimeoutMs),
          retryWindowMs: int(0, 86_400_000).default(d.retryWindowMs),
          leaderTimeoutMs: int(500, 3_600_000).default(d.leaderTimeoutMs),
        },
        expecting("an object"),
      )
      .strict()
      .optional(),
  }, expecting("a JSON object"))
  .strict()
  .superRefine((c, ctx) => {
    if (c.verdicts !== undefined && c.contracts.disputeManager === undefined) {
      ctx.addIssue({ code: "custom", path: ["contracts", "disputeManager"], message: "expected an address when verdicts is set, got nothing" });
    }
  });

/** The object schema under optional, default, refinement and array wrappers (to list an object's known keys). */
function objectAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodTypeAny {
  const unwrap = (s: z.ZodTypeAny): z.ZodTypeAny => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault) return unwrap(s._def.innerType as z.ZodTypeAny);
    if (s instanceof z.ZodEffects) return unwrap(s.innerType());
    return s;
  };
  let shape = unwrap(schema);
  for (const part of path) {
    if (shape instanceof z.ZodArray) shape = unwrap(shape.element as z.ZodTypeAny);
    else if (shape instanceof z.ZodObject) shape = unwrap((shape.shape as Record<string, z.ZodTypeAny>)[part as string]!);
  }
  return shape;
}

/** The first issue as a `ConfigError`: an unknown key names itself and the known ones. */
function configError(issue: z.ZodIssue, schema: z.ZodTypeAny): ConfigError {
  if (issue.code === "unrecognized_keys") {
    const shape = objectAt(schema, issue.path);
    const known = shape instanceof z.ZodObject ? Object.keys(shape.shape as object).join(", ") : "";
    return new ConfigError(fieldOf([...issue.path, issue.keys[0]!]), `unknown setting (known: ${known})`);
  }
  return new ConfigError(fieldOf(issue.path), issue.message);
}

/**
 * Validates a parsed configuration; throws `ConfigError` for the first bad value. `env` supplies `CINDER_ORACLE_KEY`
 * (the node's signing key, 32 bytes hex) unless the object has `privateKey` (tests).
 *
 * @example
 * ```ts
 * parseNodeConfig({ ...config, peers: [{ address, url: "foo" }] }, env);
 * // ConfigError: oracle node config: peers[0].url: expected an http(s) URL, got "foo"
 * ```
 */
export function parseNodeConfig(raw: unknown, env: Record<string, string | undefined> = process.env): NodeConfig {
  const withKey = typeof raw === "object" && raw !== null && !Array.isArray(raw) && !("privateKey" in raw) ? { ...raw, privateKey: env.CINDER_ORACLE_KEY || undefined } : raw;
  const parsed = nodeConfigSchema.safeParse(withKey);
  if (!parsed.success) throw configError(parsed.error.issues[0]!, nodeConfigSchema);
  const c = parsed.data;
  return {
    ...c,
    contracts: { oracleHub: c.contracts.oracleHub, registry: c.contracts.registry, jobMarket: c.contracts.jobMarket, ...(c.contracts.disputeManager === undefined ? {} : { disputeManager: c.contracts.disputeManager }) },
    challenges: c.challenges && {
      roundSeconds: c.challenges.roundSeconds,
      validitySeconds: c.challenges.validitySeconds,
      classNames: c.challenges.classNames,
      matmul: c.challenges.matmul,
      memory: c.challenges.memory,
      unansweredRounds: c.challenges.unansweredRounds,
      ...(c.challenges.cc === undefined ? {} : { cc: { trust: c.challenges.cc.trust, referenceMeasurements: referenceMeasurements(c.challenges.cc.referenceMeasurements) } }),
    },
  };
}

/** The reference measurements at `path`; a bad file is a ConfigError naming the setting. */
function referenceMeasurements(path: string): ReturnType<typeof loadReferenceMeasurements> {
  try {
    return loadReferenceMeasurements(path);
  } catch (error) {
    if (error instanceof CcVerificationError) {
      throw new ConfigError("challenges.cc.referenceMeasurements", error.shortMessage + (error.field === undefined ? "" : ` [${error.field}]`));
    }
    throw error;
  }
}
