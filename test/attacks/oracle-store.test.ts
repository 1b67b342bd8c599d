/**
 * Attack PoCs against an oracle node's signing memory (issue 17, finding 5): its embedded store is what stops it from
 * signing two different reports for one epoch, so a store that is damaged, deleted or written by another release
 * must never let the node run as if nothing happened.
 *
 * - 4 KiB of garbage over one page of a real store: the real node process refuses to start, with one line naming the
 *   file and the damage (before, it started, answered /health with 200, and failed every probe).
 * - The store deleted after the node signed epoch E (still within the late window): the restarted node refuses to
 *   co-sign E again (the same report or a different one) and signs no second bundle for it, yet signs epoch E + 1,
 *   which ended after its new store began.
 * - A store that fails under a running node turns /health into 503 naming the fault.
 * - A store carrying a newer schema version is refused with a message naming the versions.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, keccak256, recoverTypedDataAddress, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { type Observation, type ObservationBundle, deriveLeaves, oracleDomain, signBundle } from "../../src/oracle/aggregate.js";
import { signRequest } from "../../src/oracle/auth.js";
import type { NodeChain, OracleSetView } from "../../src/oracle/node/chain.js";
import { OracleNode } from "../../src/oracle/node/node.js";
import { type EpochReport, epochReportTypes } from "../../src/oracle/node/report.js";
import { BUSY_TIMEOUT_MS, STORE_SCHEMA_VERSION, StoreError, openStore } from "../../src/oracle/node/store.js";
import { bundleFromWire, bundleToJson } from "../../src/oracle/node/wire.js";
import { buildTree, contentHash, serializeLeafFile } from "../../src/protocol/leaves.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const keys = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const HUB = "0x00000000000000000000000000000000000000f1" as Address;
const PROVIDER = "0x00000000000000000000000000000000000000b1" as Address;
const CHAIN_ID = 31337;
const L = 60;
const E = 1_000;
const LATE_WINDOW = 24;
const DIGEST = keccak256(toHex("config v1"));
const SET: OracleSetView = { signers: keys.map((k) => k.address), threshold: 3, version: 1, configDigest: DIGEST };
const LEASE = { leaseId: 7n, provider: PROVIDER, gpuCount: 1, start: 0, end: (E + 10) * L };

function fakeChain(): NodeChain {
  return {
    oracleHub: HUB,
    chainId: async () => CHAIN_ID,
    epochLength: async () => L,
    lateWindowEpochs: async () => LATE_WINDOW,
    oracleSet: async () => SET,
    hasReport: async () => false,
    epochRoot: async () => `0x${"00".repeat(32)}`,
    refresh: async () => {},
    providers: () => [],
    leasesOverlapping: async (from: number, to: number) => (LEASE.start < to && LEASE.end > from ? [LEASE] : []),
    isAccepted: async () => false,
    submitGpuAttestation: async () => null,
    submitEpochReport: async () => `0x${"11".repeat(32)}`,
  };
}

const uptime = (node: Address, epoch: number, secondsUp: number): Observation => ({ kind: "uptime", node, leaseId: 7n, epoch, secondsUp, secondsObserved: L });
const bundleOf = (i: number, epoch: number, secondsUp: number) =>
  signBundle({ signer: keys[i], chainId: CHAIN_ID, oracleHub: HUB, configDigest: DIGEST, epoch, observations: [uptime(keys[i].address, epoch, secondsUp)] });

/** A report over `bundles` as an honest leader derives it, in the wire form `POST /v1/epochs/:epoch/sign` takes. */
async function proposal(epoch: number, bundles: ObservationBundle[]) {
  const { leaves } = await deriveLeaves(bundles, { chainId: CHAIN_ID, oracleHub: HUB, oracleSet: SET.signers, configDigest: DIGEST, epoch, epochLength: L, minObservers: 3 });
  const tree = buildTree(leaves);
  const file = serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch, tree });
  const report: EpochReport = { configDigest: DIGEST, epoch, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(file) };
  return { report, bundles: bundles.map((b) => JSON.parse(bundleToJson(b)) as unknown) };
}

/** Probes of the provider every 6 s of `epoch`, all answered. */
function probeEpoch(store: ReturnType<typeof openStore>, epoch: number): void {
  for (let t = 0; t < L; t += 6) store.recordProbe({ provider: PROVIDER, atMs: (epoch * L + t) * 1000, ok: true, healthyGpus: 1 });
}

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("attack: an oracle node's damaged, deleted or foreign store", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "cinder-store-attack-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses to start the node process on a store with 4 KiB of garbage over one page, naming the file", () => {
    const path = join(dir, "node.db");
    const store = openStore(path);
    for (let i = 0; i < 2_000; i++) store.recordProbe({ provider: PROVIDER, atMs: 1_000 * i, ok: i % 3 !== 0, healthyGpus: 8, reason: i % 3 ? "" : "timeout" });
    store.recordSignature({ epoch: 5, digest: `0x${"11".repeat(32)}`, reportJson: "{}", signature: "0x01" }, "leaf-file");
    store.close(); // checkpoints the write-ahead log into the file
    const pages = statSync(path).size / 4096;
    expect(pages, "the store spans many pages").to.be.greaterThan(10);
    // Deterministic garbage over one page in the middle of the probes table (no page of this store is free).
    let garbage = Buffer.alloc(0);
    for (let i = 0; garbage.length < 4096; i++) garbage = Buffer.concat([garbage, createHash("sha256").update(`garbage ${i}`).digest()]);
    const fd = openSync(path, "r+");
    writeSync(fd, garbage, 0, 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);

    expect(() => openStore(path)).to.throw(StoreError).with.property("code", "damaged");
    const config = join(dir, "oracle.json");
    writeFileSync(
      config,
      JSON.stringify({
        rpcUrl: "http://127.0.0.1:9",
        contracts: { oracleHub: HUB, registry: "0x00000000000000000000000000000000000000f2", jobMarket: "0x00000000000000000000000000000000000000f3" },
        databasePath: path,
      }),
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/oracle/node/main.ts", "--config", config], {
      env: { ...process.env, CINDER_ORACLE_KEY: `0x${"ab".repeat(32)}` },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).to.equal(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines, `one line, no stack trace: ${run.stderr}`).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(
        `^oracle node: store ${path.replace(/[.]/g, "\\.")}: is damaged \\(.+\\); restore it from a backup, or move it aside to start a fresh store \\(a fresh store signs no epoch that had already ended\\)$`,
      ),
    );
  });

  it("refuses a store whose first page (the database header) is garbage", () => {
    const path = join(dir, "node.db");
    openStore(path).close();
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 0);
    closeSync(fd);
    expect(() => openStore(path)).to.throw(StoreError, `store ${path}: is damaged (file is not a database); restore it from a backup`);
  });

  it("after its store is deleted, refuses to sign an epoch within the late window that it signed before, and signs a later one", async () => {
    const path = join(dir, "node.db");
    const clock = { ms: (E + 1) * L * 1000 + 5_000 };
    const start = async (pollIntervalMs: number, store: ReturnType<typeof openStore>) => {
      const node = new OracleNode({
        account: keys[0],
        chain: fakeChain(),
        store,
        heartbeat: async () => ({ ok: true, healthyGpus: 1, reason: "" }),
        peers: [],
        settings: { listen: { host: "127.0.0.1", port: 0 }, heartbeat: { meanIntervalMs: 600_000 }, epoch: { settleDelayMs: 0, leaderTimeoutMs: 600_000, setupGraceSeconds: 0 }, minObservers: 3, pollIntervalMs },
        now: () => clock.ms,
      });
      await node.start();
      return node;
    };
    const post = async (node: OracleNode, epoch: number, body: unknown) => {
      // Co-signing traffic comes from a peer in the set, signed at the node's clock.
      const json = JSON.stringify(body);
      const path = `/v1/epochs/${epoch}/sign`;
      const auth = await signRequest({ signer: keys[1], chainId: CHAIN_ID, audience: keys[0].address, method: "POST", path, body: json, timestamp: Math.floor(clock.ms / 1000) });
      const response = await fetch(`${node.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: json });
      return { status: response.status, body: (await response.json()) as { signature?: Hex; error?: { code: string; field?: string; message: string } } };
    };
    const ownBundle = (node: OracleNode, epoch: number) =>
      until(`node 0's own bundle for epoch ${epoch}`, async () => {
        const held = (await (await fetch(`${node.url}/v1/epochs/${epoch}/bundles`)).json()) as ObservationBundle[];
        const own = held.find((b) => b.node === keys[0].address);
        return own === undefined ? undefined : bundleFromWire(own);
      });

    // First life: the store has kept the node's signatures since epoch E began; it probes E and co-signs E's report.
    const first = openStore(path, { now: () => E * L * 1000 });
    probeEpoch(first, E);
    let node = await start(600_000, first);
    const ownE = await ownBundle(node, E);
    const signed = await proposal(E, [ownE, await bundleOf(1, E, 60), await bundleOf(2, E, 60)]);
    const firstAnswer = await post(node, E, signed);
    expect(firstAnswer.status).to.equal(200);
    await node.stop();
    first.close();

    // The store is deleted (with its write-ahead log); the node restarts in epoch E + 1, E still within the late window.
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    const fresh = openStore(path, { now: () => clock.ms });
    expect(fresh.memorySinceMs).to.equal(clock.ms);
    node = await start(100, fresh);
    try {
      expect(E + LATE_WINDOW).to.be.greaterThan(node.epochAt(clock.ms));
      // A byzantine leader asks for a contrary report for E (median 0, not 60): refused; so is the same report again.
      const contrary = await proposal(E, [ownE, await bundleOf(1, E, 0), await bundleOf(3, E, 0)]);
      const message = `epoch ${E}: this node's store remembers its signatures from epoch ${E + 1} on and cannot prove it has not signed epoch ${E}; refusing to sign it`;
      for (const body of [contrary, signed]) {
        const answer = await post(node, E, body);
        expect(answer.status).to.equal(409);
        expect(answer.body.error).to.deep.equal({ code: "NO_SIGNING_MEMORY", field: "report.epoch", message });
      }
      expect(fresh.signedReport(E), "no signature of E was made").to.equal(undefined);
      expect(fresh.ownBundle(E), "no second bundle for E was signed").to.equal(undefined);

      // Epoch E + 1 ended after the new store began: the node builds its bundle and co-signs the report.
      probeEpoch(fresh, E + 1);
      clock.ms = (E + 2) * L * 1000 + 5_000;
      const ownNext = await ownBundle(node, E + 1);
      expect(ownNext.observations.filter((o) => o.kind === "uptime")).to.have.length(1);
      const next = await proposal(E + 1, [ownNext, await bundleOf(1, E + 1, 60), await bundleOf(2, E + 1, 60)]);
      const answer = await post(node, E + 1, next);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      const signer = await recoverTypedDataAddress({
        domain: oracleDomain({ chainId: CHAIN_ID, oracleHub: HUB }),
        types: epochReportTypes,
        primaryType: "EpochReport",
        message: { ...next.report, epoch: BigInt(next.report.epoch) },
        signature: answer.body.signature!,
      });
      expect(signer).to.equal(keys[0].address);
      expect(fresh.ownBundle(E), "still no bundle for E after later polls").to.equal(undefined);
    } finally {
      await node.stop();
      fresh.close();
    }
  });

  it("answers /health with 503 naming the fault once the store fails under a running node", async () => {
    const store = openStore(join(dir, "node.db"));
    const chain = { ...fakeChain(), providers: () => [{ provider: PROVIDER, agentUrl: "http://agent.invalid" }] };
    const node = new OracleNode({
      account: keys[0],
      chain: chain as NodeChain,
      store,
      heartbeat: async () => ({ ok: true, healthyGpus: 1, reason: "" }),
      peers: [],
      settings: { listen: { host: "127.0.0.1", port: 0 }, heartbeat: { meanIntervalMs: 100 }, epoch: { settleDelayMs: 0, leaderTimeoutMs: 600_000, setupGraceSeconds: 0 }, pollIntervalMs: 600_000 },
    });
    await node.start();
    try {
      await until("a probe recorded", async () => (store.probesBetween(0, Date.now() + 1_000).length > 0 ? true : undefined));
      expect((await fetch(`${node.url}/health`)).status).to.equal(200);
      store.close(); // the database goes away under the running node
      const health = await until("/health to fail", async () => {
        const response = await fetch(`${node.url}/health`);
        return response.status === 503 ? ((await response.json()) as { ok: boolean; error: { code: string; message: string } }) : undefined;
      });
      expect(health).to.deep.equal({ ok: false, node: keys[0].address, error: { code: "STORE_FAILED", message: "the store cannot record probes: database is not open" } });
    } finally {
      await node.stop();
    }
  });

  it("refuses a store with a newer schema version, naming both versions", () => {
    const path = join(dir, "node.db");
    openStore(path).close();
    const { DatabaseSync } = createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${STORE_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openStore(path))
      .to.throw(StoreError, `store ${path}: has schema version ${STORE_SCHEMA_VERSION + 1}, newer than this node's ${STORE_SCHEMA_VERSION}; run the node release that wrote it, or a later one`)
      .with.property("code", "schema");
  });

  it("opens beside another process that holds the store's write lock for a moment: it waits, and fails only past the busy timeout", async () => {
    const path = join(dir, "node.db");
    openStore(path).close();
    // Another process (a restarted node's predecessor finishing, an operator's tool) holds the write lock.
    const holdFor = (ms: number) => {
      const holder = spawn(process.execPath, ["-e", `const { DatabaseSync } = require("node:sqlite"); const db = new DatabaseSync(${JSON.stringify(path)}); db.exec("BEGIN IMMEDIATE"); console.log("locked"); setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${ms});`], { stdio: ["ignore", "pipe", "ignore"] });
      return {
        locked: new Promise<void>((resolve) => holder.stdout.once("data", () => resolve())),
        exited: new Promise<void>((resolve) => holder.once("exit", () => resolve())),
      };
    };
    const brief = holdFor(500);
    await brief.locked;
    const started = performance.now();
    const store = openStore(path);
    expect(performance.now() - started, "it waited for the lock").to.be.above(100);
    store.recordProbe({ provider: PROVIDER, atMs: 1_000, ok: true, healthyGpus: 1 });
    store.close();
    await brief.exited;
    const stuck = holdFor(BUSY_TIMEOUT_MS + 3_000);
    await stuck.locked;
    expect(() => openStore(path))
      .to.throw(StoreError, `store ${path}: is locked by another process for over ${BUSY_TIMEOUT_MS / 1000} s (database is locked); is another oracle node running on this store?`)
      .with.property("code", "locked");
    await stuck.exited;
  });

  it("on a Node without node:sqlite (Node 20), refuses with one line naming the Node version and what to run instead", function () {
    // The system's Node, outside node_modules (the project brings Node 22 for itself); this image's is Node 20.
    const node = (process.env.PATH ?? "").split(":").filter((dir) => dir !== "" && !dir.includes("node_modules")).map((dir) => join(dir, "node")).find((file) => existsSync(file));
    const version = node === undefined ? undefined : spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
    if (version === undefined || Number(version.slice(1).split(".")[0]) >= 22) this.skip(); // every Node here has node:sqlite
    const path = join(dir, "node.db");
    const script = `const m = await import("./src/oracle/node/store.ts"); try { m.openStore(${JSON.stringify(path)}); console.log("opened"); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
    const run = spawnSync(node!, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).to.deep.equal({
      name: "StoreError",
      code: "runtime",
      message: `store ${path}: needs node:sqlite, which Node ${version!.slice(1)} lacks: run the oracle node on Node 22 or newer (\`cinder node --no-oracles\` runs a local network without oracle nodes)`,
    });
  });

  it("keeps a store from before schema versions, with its signing memory complete since the node first ran", () => {
    const path = join(dir, "node.db");
    const { DatabaseSync } = createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
    const raw = new DatabaseSync(path);
    raw.exec("CREATE TABLE signed (epoch INTEGER PRIMARY KEY, digest TEXT NOT NULL, report TEXT NOT NULL, signature TEXT NOT NULL)");
    raw.prepare("INSERT INTO signed VALUES (?, ?, ?, ?)").run(3, `0x${"33".repeat(32)}`, "{}", "0x03");
    raw.close();
    const store = openStore(path, { now: () => 1e12 });
    expect(store.memorySinceMs).to.equal(0);
    expect(store.signedReport(3)?.digest).to.equal(`0x${"33".repeat(32)}`);
    store.close();
    const again = openStore(path);
    expect(again.memorySinceMs, "stamped once").to.equal(0);
    again.close();
  });
});
