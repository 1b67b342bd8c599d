/**
 * The oracle node's embedded database (Node 22's built-in `node:sqlite`, synchronous, so every write is on disk
 * before the next step runs): heartbeat probes as they happen, bundles received from peers, the node's own bundle
 * per epoch, the one epoch report it signed per epoch, the leaf files it serves, and the one job verdict it signed
 * per disputed result with the peers' signatures of it.
 *
 * Crash safety: a node killed mid-epoch loses no probe (each is committed when recorded) and, restarted, builds the
 * same bundle and signs no second report for an epoch (`recordSignature` refuses a different one, atomically), and
 * no second verdict for a (lease, result) (`recordOwnVerdict` keeps the first, atomically).
 *
 * Damage and loss: `openStore` refuses a store that fails SQLite's `quick_check` (a damaged page, a file that is not
 * a database) or carries a schema version this code does not know, with a `StoreError` naming the file; the node
 * never runs on a store it cannot trust. A fresh store (first start, or a deleted or replaced one: the two look the
 * same) records when its signing memory begins (`memorySinceMs`); the node signs no epoch that had ended by then
 * (`NoSigningMemoryError`), nor judges a dispute opened by then, since a lost store may hold a signature of it.
 * Epochs that end later cannot have been signed by any earlier store of this key: a node signs only ended epochs.
 * Assumptions: the wall clock does not run backward across the loss (the new store's stamp is later than every
 * signature the old one made), and a store's `-wal` file is not removed on its own (that drops the last commits
 * without a trace SQLite can detect: keep the database and its `-wal` together, as one unit, in backups too).
 *
 * @example
 * ```ts
 * const store = openStore("/var/lib/cinder-oracle/node.db");
 * store.recordProbe({ provider, atMs: Date.now(), ok: true, healthyGpus: 8 });
 * ```
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync as DatabaseSyncType } from "node:sqlite";
import { createRequire } from "node:module";
import type { Address, Hex } from "viem";
import { OracleNodeError } from "./errors.js";

// `node:sqlite` prints an ExperimentalWarning when first loaded; load it lazily so importing this module is quiet
// until a store is opened, and keep the warning out of an operator's logs.
const require = createRequire(import.meta.url);
function loadSqlite(): typeof import("node:sqlite") {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.includes("SQLite")) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return require("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = emit;
  }
}

/** One heartbeat sent to a provider's agent and its outcome. */
export interface Probe {
  readonly provider: Address;
  /** When it was sent (ms since the Unix epoch). */
  readonly atMs: number;
  /** The agent answered in time with a valid signature. */
  readonly ok: boolean;
  /** GPUs the agent reported healthy (0 when not ok). */
  readonly healthyGpus: number;
  /** Why it failed ("timeout", "unreachable", ...), or "" when ok. */
  readonly reason?: string;
}

/** The report a node signed for an epoch. */
export interface SignedReport {
  readonly epoch: number;
  /** The EIP-712 digest of the report. */
  readonly digest: Hex;
  /** The report as JSON (see wire.ts). */
  readonly reportJson: string;
  readonly signature: Hex;
}

/** The schema version this code writes (`PRAGMA user_version`); a store with another is refused. */
export const STORE_SCHEMA_VERSION = 1;

/**
 * Why a store was refused.
 * - `damaged`: SQLite's `quick_check` fails, or the file is not a database;
 * - `schema`: the store carries a schema version this code does not know (a newer node wrote it);
 * - `unreadable`: the file cannot be opened at all (permissions, a directory).
 * - `locked`: another process held its write lock past the busy timeout (another node running on the same store?);
 * - `runtime`: the running Node has no `node:sqlite` (before Node 22).
 */
export type StoreErrorCode = "damaged" | "schema" | "unreadable" | "locked" | "runtime";

/** The node must not run on this store; the message names the file and what is wrong, on one line. */
export class StoreError extends OracleNodeError {
  override name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`store ${path}: ${problem}`);
  }
}

/**
 * Thrown when the node is asked to sign an epoch that had ended before its store's signing memory began: a lost
 * store may hold a signature of it, so a second one could contradict the first.
 */
export class NoSigningMemoryError extends OracleNodeError {
  override name = "NoSigningMemoryError";
  constructor(
    readonly epoch: number,
    readonly firstEpoch: number,
  ) {
    super(`epoch ${epoch}: this node's store remembers its signatures from epoch ${firstEpoch} on and cannot prove it has not signed epoch ${epoch}; refusing to sign it`);
  }
}

/** Thrown when the node is asked to sign a second, different report for an epoch it already signed. */
export class AlreadySignedError extends OracleNodeError {
  override name = "AlreadySignedError";
  constructor(
    readonly epoch: number,
    readonly signedDigest: Hex,
    readonly askedDigest: Hex,
  ) {
    super(`epoch ${epoch}: already signed report ${signedDigest}; refusing to sign a different one (${askedDigest})`);
  }
}

/** The job verdict this node signed for a disputed (lease, result): at most one, ever. */
export interface OwnVerdict {
  readonly leaseId: bigint;
  readonly resultHash: Hex;
  /** The verdict's EIP-712 digest (its report id on the hub). */
  readonly digest: Hex;
  /** The verdict as JSON (see wire.ts `verdictToJson`). */
  readonly verdictJson: string;
  readonly signature: Hex;
  /** When it was signed (ms since the Unix epoch): the verdict's leader rotation counts from here. */
  readonly signedAtMs: number;
  /** The judgement's reason, for logs and operators. */
  readonly reason: string;
  /** The dispute is no longer open on chain (decided, expired): nothing left to gossip or submit. */
  readonly closed: boolean;
}

/** Where a store lives and the clock that stamps a fresh one. */
export interface OpenStoreOptions {
  /** The file, for messages (default ":memory:"). */
  readonly path?: string;
  /** Stamps a fresh store's `memorySinceMs` (default `Date.now`; tests give the node's clock). */
  readonly now?: () => number;
}

/** How long opening or writing waits for another connection's write lock before failing (ms). */
export const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS probes (provider TEXT NOT NULL, at_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
        healthy INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (provider, at_ms));
      CREATE TABLE IF NOT EXISTS bundles (epoch INTEGER NOT NULL, node TEXT NOT NULL, signature TEXT NOT NULL,
        json TEXT NOT NULL, PRIMARY KEY (epoch, node, signature));
      CREATE TABLE IF NOT EXISTS own_bundles (epoch INTEGER PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS signed (epoch INTEGER PRIMARY KEY, digest TEXT NOT NULL, report TEXT NOT NULL,
        signature TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS leaf_files (epoch INTEGER PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS submitted (epoch INTEGER PRIMARY KEY, tx TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attestation_signatures (digest TEXT NOT NULL, signer TEXT NOT NULL, signature TEXT NOT NULL,
        json TEXT NOT NULL, PRIMARY KEY (digest, signer));
      CREATE TABLE IF NOT EXISTS challenged (provider TEXT NOT NULL, round INTEGER NOT NULL, passed INTEGER NOT NULL,
        detail TEXT NOT NULL, PRIMARY KEY (provider, round));
      CREATE TABLE IF NOT EXISTS own_verdicts (lease_id TEXT NOT NULL, result_hash TEXT NOT NULL, digest TEXT NOT NULL,
        json TEXT NOT NULL, signature TEXT NOT NULL, signed_at_ms INTEGER NOT NULL, reason TEXT NOT NULL,
        closed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (lease_id, result_hash));
      CREATE TABLE IF NOT EXISTS verdict_signatures (digest TEXT NOT NULL, signer TEXT NOT NULL, signature TEXT NOT NULL,
        PRIMARY KEY (digest, signer));
      CREATE TABLE IF NOT EXISTS verdict_submitted (digest TEXT PRIMARY KEY, tx TEXT NOT NULL);
`;

export class NodeStore {
  readonly #db: DatabaseSyncType;
  /**
   * When this store began to record the node's signatures (ms since the Unix epoch): its creation, or 0 for a store
   * written before schema versions existed (it has kept every signature since the node first ran).
   */
  readonly memorySinceMs: number;

  /** Checks the database's integrity and schema version, creating the schema in an empty one (see `openStore`). */
  constructor(db: DatabaseSyncType, options: OpenStoreOptions = {}) {
    const path = options.path ?? ":memory:";
    this.#db = db;
    const locked = (error: unknown) => new StoreError("locked", path, `is locked by another process for over ${BUSY_TIMEOUT_MS / 1000} s (${firstLine(error)}); is another oracle node running on this store?`);
    const damaged = (problem: string) => new StoreError("damaged", path, `${problem}; restore it from a backup, or move it aside to start a fresh store (a fresh store signs no epoch that had already ended)`);
    // Another process may hold the write lock for a moment (a node writing while an operator's tool reads its store,
    // or a restarted node whose predecessor's last transaction is ending): wait for it rather than fail at once.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    let check: string[];
    try {
      // One finding per row; a row may span lines ("*** in database main ***\nTree 5 page 41: ..."): keep one line.
      check = (db.prepare("PRAGMA quick_check").all() as Record<string, string>[]).map((row) =>
        String(Object.values(row)[0]).replace("*** in database main ***", "").replace(/\s+/g, " ").trim(),
      );
    } catch (error) {
      if (isBusy(error)) throw locked(error);
      throw damaged(`is damaged (${firstLine(error)})`);
    }
    if (check.length !== 1 || check[0] !== "ok") throw damaged(`is damaged (quick_check: ${check.slice(0, 3).join("; ")})`);
    try {
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
      db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      throw isBusy(error) ? locked(error) : error;
    }
    try {
      const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      if (version !== 0 && version !== STORE_SCHEMA_VERSION) {
        const newer = version > STORE_SCHEMA_VERSION;
        throw new StoreError(
          "schema",
          path,
          `has schema version ${version}, ${newer ? "newer than" : "unknown to"} this node's ${STORE_SCHEMA_VERSION}; ${newer ? "run the node release that wrote it, or a later one" : "it was not written by a Cinder oracle node"}`,
        );
      }
      db.exec(SCHEMA);
      // An empty database is a fresh store: its memory begins now. One with tables and no version predates versions.
      if (version === 0) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('memory_since_ms', ?)").run(String(tables === 0 ? (options.now ?? Date.now)() : 0));
        db.exec(`PRAGMA user_version = ${STORE_SCHEMA_VERSION}`);
      }
      const since = db.prepare("SELECT value FROM meta WHERE key = 'memory_since_ms'").get() as { value: string } | undefined;
      if (since === undefined || !/^\d+$/.test(since.value)) throw damaged("has no record of when its signing memory began");
      this.memorySinceMs = Number(since.value);
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  recordProbe(probe: Probe): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO probes (provider, at_ms, ok, healthy, reason) VALUES (?, ?, ?, ?, ?)")
      .run(probe.provider.toLowerCase(), probe.atMs, probe.ok ? 1 : 0, probe.healthyGpus, probe.reason ?? "");
  }

  /** Probes sent in [fromMs, toMs), oldest first. */
  probesBetween(fromMs: number, toMs: number): Probe[] {
    const rows = this.#db
      .prepare("SELECT provider, at_ms, ok, healthy, reason FROM probes WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, provider")
      .all(fromMs, toMs) as { provider: string; at_ms: number; ok: number; healthy: number; reason: string }[];
    return rows.map((r) => ({ provider: r.provider as Address, atMs: r.at_ms, ok: r.ok === 1, healthyGpus: r.healthy, reason: r.reason }));
  }

  /** Stores a peer's (or the node's own) bundle JSON; a copy already held is ignored. */
  recordBundle(epoch: number, node: Address, signature: Hex, json: string): void {
    this.#db.prepare("INSERT OR IGNORE INTO bundles (epoch, node, signature, json) VALUES (?, ?, ?, ?)").run(epoch, node.toLowerCase(), signature, json);
  }

  /** Every bundle JSON held for an epoch (all copies, equivocations included), ordered by node. */
  bundles(epoch: number): string[] {
    const rows = this.#db.prepare("SELECT json FROM bundles WHERE epoch = ? ORDER BY node, signature").all(epoch) as { json: string }[];
    return rows.map((r) => r.json);
  }

  /** The node's own bundle for an epoch, as first built. */
  ownBundle(epoch: number): string | undefined {
    const row = this.#db.prepare("SELECT json FROM own_bundles WHERE epoch = ?").get(epoch) as { json: string } | undefined;
    return row?.json;
  }

  /** Keeps the node's own bundle; returns the one kept (an earlier one wins, so a restart never signs a second). */
  keepOwnBundle(epoch: number, json: string): string {
    this.#db.prepare("INSERT OR IGNORE INTO own_bundles (epoch, json) VALUES (?, ?)").run(epoch, json);
    return this.ownBundle(epoch)!;
  }

  signedReport(epoch: number): SignedReport | undefined {
    const row = this.#db.prepare("SELECT digest, report, signature FROM signed WHERE epoch = ?").get(epoch) as
      | { digest: string; report: string; signature: string }
      | undefined;
    return row && { epoch, digest: row.digest as Hex, reportJson: row.report, signature: row.signature as Hex };
  }

  /**
   * Records the node's signature of an epoch's report, with the leaf file it commits to. Idempotent for the same
   * digest; throws `AlreadySignedError` for a different one. The check and the write are one transaction.
   */
  recordSignature(report: SignedReport, leafFile: string): SignedReport {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const existing = this.signedReport(report.epoch);
      if (existing !== undefined) {
        this.#db.exec("COMMIT");
        if (existing.digest !== report.digest) throw new AlreadySignedError(report.epoch, existing.digest, report.digest);
        return existing;
      }
      this.#db.prepare("INSERT INTO signed (epoch, digest, report, signature) VALUES (?, ?, ?, ?)").run(report.epoch, report.digest, report.reportJson, report.signature);
      this.#db.prepare("INSERT OR REPLACE INTO leaf_files (epoch, json) VALUES (?, ?)").run(report.epoch, leafFile);
      this.#db.exec("COMMIT");
      return report;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Stores a leaf file the node serves (its own signed one, or one fetched for a report already on chain). */
  recordLeafFile(epoch: number, json: string): void {
    this.#db.prepare("INSERT OR IGNORE INTO leaf_files (epoch, json) VALUES (?, ?)").run(epoch, json);
  }

  leafFile(epoch: number): string | undefined {
    const row = this.#db.prepare("SELECT json FROM leaf_files WHERE epoch = ?").get(epoch) as { json: string } | undefined;
    return row?.json;
  }

  /** Epochs with a leaf file, ascending. */
  leafFileEpochs(): number[] {
    return (this.#db.prepare("SELECT epoch FROM leaf_files ORDER BY epoch").all() as { epoch: number }[]).map((r) => r.epoch);
  }

  recordSubmission(epoch: number, tx: Hex): void {
    this.#db.prepare("INSERT OR IGNORE INTO submitted (epoch, tx) VALUES (?, ?)").run(epoch, tx);
  }

  submission(epoch: number): Hex | undefined {
    const row = this.#db.prepare("SELECT tx FROM submitted WHERE epoch = ?").get(epoch) as { tx: string } | undefined;
    return row?.tx as Hex | undefined;
  }

  /** Keeps a node's signature of a GPU attestation (the attestation as JSON). */
  recordAttestationSignature(digest: Hex, signer: Address, signature: Hex, json: string): void {
    this.#db
      .prepare("INSERT OR IGNORE INTO attestation_signatures (digest, signer, signature, json) VALUES (?, ?, ?, ?)")
      .run(digest, signer.toLowerCase(), signature, json);
  }

  /** Attestations with their signatures, by digest. */
  attestationSignatures(): Map<Hex, { json: string; signatures: Map<Address, Hex> }> {
    const rows = this.#db.prepare("SELECT digest, signer, signature, json FROM attestation_signatures ORDER BY digest, signer").all() as {
      digest: string;
      signer: string;
      signature: string;
      json: string;
    }[];
    const out = new Map<Hex, { json: string; signatures: Map<Address, Hex> }>();
    for (const r of rows) {
      const entry = out.get(r.digest as Hex) ?? { json: r.json, signatures: new Map<Address, Hex>() };
      entry.signatures.set(r.signer as Address, r.signature as Hex);
      out.set(r.digest as Hex, entry);
    }
    return out;
  }

  /** Forgets an attestation once the hub holds it. */
  dropAttestation(digest: Hex): void {
    this.#db.prepare("DELETE FROM attestation_signatures WHERE digest = ?").run(digest);
  }

  /** Records that this node challenged `provider` in `round` (once per round, also across restarts). */
  recordChallenge(provider: Address, round: number, passed: boolean, detail: string): void {
    this.#db.prepare("INSERT OR REPLACE INTO challenged (provider, round, passed, detail) VALUES (?, ?, ?, ?)").run(provider.toLowerCase(), round, passed ? 1 : 0, detail);
  }

  challenged(provider: Address, round: number): { passed: boolean; detail: string } | undefined {
    const row = this.#db.prepare("SELECT passed, detail FROM challenged WHERE provider = ? AND round = ?").get(provider.toLowerCase(), round) as
      | { passed: number; detail: string }
      | undefined;
    return row && { passed: row.passed === 1, detail: row.detail };
  }

  ownVerdict(leaseId: bigint, resultHash: Hex): OwnVerdict | undefined {
    const row = this.#db.prepare("SELECT * FROM own_verdicts WHERE lease_id = ? AND result_hash = ?").get(leaseId.toString(), resultHash.toLowerCase()) as
      | VerdictRow
      | undefined;
    return row && verdictOf(row);
  }

  /** Verdicts this node signed whose disputes are not closed, oldest first. */
  openVerdicts(): OwnVerdict[] {
    return (this.#db.prepare("SELECT * FROM own_verdicts WHERE closed = 0 ORDER BY signed_at_ms, lease_id").all() as unknown as VerdictRow[]).map(verdictOf);
  }

  /**
   * Records this node's signed verdict for (leaseId, resultHash) unless it holds one; returns the one kept. The check
   * and the write are one transaction, so a node never holds two verdicts for a result, across restarts: a caller
   * whose verdict is not the one returned must discard its signature unsent.
   */
  recordOwnVerdict(verdict: Omit<OwnVerdict, "closed">): OwnVerdict {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const existing = this.ownVerdict(verdict.leaseId, verdict.resultHash);
      if (existing === undefined) {
        this.#db
          .prepare("INSERT INTO own_verdicts (lease_id, result_hash, digest, json, signature, signed_at_ms, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")
          .run(verdict.leaseId.toString(), verdict.resultHash.toLowerCase(), verdict.digest, verdict.verdictJson, verdict.signature, verdict.signedAtMs, verdict.reason);
      }
      this.#db.exec("COMMIT");
      return existing ?? { ...verdict, resultHash: verdict.resultHash.toLowerCase() as Hex, closed: false };
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Marks a verdict's dispute as closed on chain. */
  closeVerdict(leaseId: bigint, resultHash: Hex): void {
    this.#db.prepare("UPDATE own_verdicts SET closed = 1 WHERE lease_id = ? AND result_hash = ?").run(leaseId.toString(), resultHash.toLowerCase());
  }

  /** Keeps a set member's signature of a verdict digest (this node's own included). */
  recordVerdictSignature(digest: Hex, signer: Address, signature: Hex): void {
    this.#db.prepare("INSERT OR IGNORE INTO verdict_signatures (digest, signer, signature) VALUES (?, ?, ?)").run(digest, signer.toLowerCase(), signature);
  }

  /** The signatures held for a verdict digest, by lowercase signer. */
  verdictSignatures(digest: Hex): Map<Address, Hex> {
    const rows = this.#db.prepare("SELECT signer, signature FROM verdict_signatures WHERE digest = ? ORDER BY signer").all(digest) as { signer: string; signature: string }[];
    return new Map(rows.map((r) => [r.signer as Address, r.signature as Hex]));
  }

  recordVerdictSubmission(digest: Hex, tx: Hex): void {
    this.#db.prepare("INSERT OR IGNORE INTO verdict_submitted (digest, tx) VALUES (?, ?)").run(digest, tx);
  }

  verdictSubmission(digest: Hex): Hex | undefined {
    const row = this.#db.prepare("SELECT tx FROM verdict_submitted WHERE digest = ?").get(digest) as { tx: string } | undefined;
    return row?.tx as Hex | undefined;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

interface VerdictRow {
  lease_id: string;
  result_hash: string;
  digest: string;
  json: string;
  signature: string;
  signed_at_ms: number;
  reason: string;
  closed: number;
}

function verdictOf(r: VerdictRow): OwnVerdict {
  return {
    leaseId: BigInt(r.lease_id),
    resultHash: r.result_hash as Hex,
    digest: r.digest as Hex,
    verdictJson: r.json,
    signature: r.signature as Hex,
    signedAtMs: r.signed_at_ms,
    reason: r.reason,
    closed: r.closed === 1,
  };
}

/** SQLite's "database is locked" (SQLITE_BUSY): another connection held the lock past the busy timeout. */
function isBusy(error: unknown): boolean {
  return /database is locked|SQLITE_BUSY/i.test(firstLine(error));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/**
 * Opens (creating if needed) the store at `path`; ":memory:" for a throwaway one. Throws `StoreError` for a store
 * the node must not run on: damaged, of an unknown schema version, or unreadable.
 *
 * @example
 * ```ts
 * openStore("/var/lib/cinder-oracle/node.db");
 * // StoreError: store /var/lib/cinder-oracle/node.db: is damaged (database disk image is malformed); restore it ...
 * ```
 */
export function openStore(path: string, options: Omit<OpenStoreOptions, "path"> = {}): NodeStore {
  let sqlite: typeof import("node:sqlite");
  try {
    sqlite = loadSqlite();
  } catch {
    throw new StoreError("runtime", path, `needs node:sqlite, which Node ${process.versions.node} lacks: run the oracle node on Node 22 or newer (\`cinder node --no-oracles\` runs a local network without oracle nodes)`);
  }
  let db: DatabaseSyncType;
  try {
    const { DatabaseSync } = sqlite;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
  } catch (error) {
    throw new StoreError("unreadable", path, `cannot be opened (${firstLine(error)})`);
  }
  try {
    return new NodeStore(db, { ...options, path });
  } catch (error) {
    if (db.isOpen) db.close();
    throw error;
  }
}
