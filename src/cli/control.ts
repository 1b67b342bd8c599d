/**
 * The local network's control endpoint: how `cinder provider fail` reaches the simulated GPUs of a provider that
 * `cinder node` seeded. It exists only in local mode and is never part of an agent, so a real provider's agent has
 * no such endpoint:
 *
 * - the `cinder node` process serves it on loopback only (127.0.0.1, a free port);
 * - every request carries a bearer token of 32 random bytes, made at start, compared in constant time;
 * - the URL and token are written to a file only its owner can read (`$CINDER_HOME/local/control-<rpc>.json`,
 *   mode 0600), where `cinder provider fail --rpc <url>` finds them.
 *
 * `POST /v1/outages {provider, seconds}` makes the provider's simulated GPUs fail (every heartbeat answers with the
 * broken-driver recording, so no GPU is healthy) until `seconds` from now on the network's clock (the chain's clock:
 * moving the chain's time past the end ends the outage), then waits until the agent has answered `observers`
 * heartbeats failing (at most `waitMs`), so that the oracle nodes have seen the outage before a walk moves time.
 * With `kind: "challenge"` the heartbeats stay healthy and the GPUs compute wrong products instead: the nodes' next
 * challenge round (`nextRound`) proves the answers wrong and every node signs the same FailedGpuChallenge fault report.
 *
 * `POST /v1/time {seconds}` moves the local chain's clock: `evm_increaseTime` and `evm_mine` on the node, then the
 * network's clock takes the jump at once, then it waits (at most `waitMs`) until every oracle node has probed every
 * seeded provider at the new time, so that the time jumped over is counted from the provider's state before the jump
 * and a second jump is counted from its state after the first (`cinder chain advance`).
 *
 * @example
 * ```ts
 * const control = await startLocalControl({ rpcUrl, backends, now: clock.now, observers: 4 });
 * await requestOutage({ rpcUrl, provider: "0x...", seconds: 600 }); // from another process
 * await control.close();
 * ```
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { type Address, type Hex, getAddress, isAddress } from "viem";
import { CinderConfigError, CinderError } from "../protocol/errors.js";
import { ControlRequestError } from "./errors.js";
import type { GpuHealth } from "../oracle/gpu/backend.js";
import { SimulatedBackend } from "../oracle/gpu/simulated.js";
import { cinderHome } from "../sdk/node.js";
import { rpc } from "./local.js";

/**
 * A simulated backend that counts the heartbeats it answered while down (what the control waits for), and whose
 * GPUs can be made to compute wrong products for a while (`failChallengesUntil`: the agent's executor asks
 * `challengesFailing` and answers the oracle nodes' matrix challenges wrong, a faulty card's answer).
 */
export class ObservedBackend extends SimulatedBackend {
  #failedProbes = 0;
  #challengesFailUntilMs = 0;
  readonly #clock: () => number;

  constructor(...args: ConstructorParameters<typeof SimulatedBackend>) {
    super(...args);
    this.#clock = args[1]?.now ?? Date.now;
  }

  /** Health probes answered while down, since the backend started. */
  get failedProbes(): number {
    return this.#failedProbes;
  }

  /** Whether the GPUs compute wrong products now (within `failChallengesUntil`'s window, on the backend's clock). */
  get challengesFailing(): boolean {
    return this.#clock() < this.#challengesFailUntilMs;
  }

  /** Makes the GPUs compute wrong products until `ms` on the backend's clock. */
  failChallengesUntil(ms: number): void {
    this.#challengesFailUntilMs = ms;
  }

  override async probeHealth(): Promise<GpuHealth[]> {
    if (this.down) this.#failedProbes++;
    return super.probeHealth();
  }
}

/** Where the control endpoint of the local network at `rpcUrl` is recorded. */
export function controlFile(rpcUrl: string): string {
  return join(cinderHome(), "local", `control-${rpcUrl.replace(/^https?:\/\//, "").replace(/\/+$/, "").replace(/[^A-Za-z0-9]+/g, "_")}.json`);
}

/** Parameters of {@link startLocalControl}. */
export interface StartLocalControlParameters {
  /** The local network's RPC URL (names the control file). */
  readonly rpcUrl: string;
  /** Each seeded provider's simulated backend. */
  readonly backends: ReadonlyMap<Address, ObservedBackend>;
  /** The network's clock in ms (the oracle nodes' clock). */
  readonly now: () => number;
  /** Reads the chain's clock now, so a jump of the chain's time is taken at once (`ChainClock.refresh`). */
  readonly refreshClock?: () => Promise<void>;
  /** How many oracle nodes have probed `provider` at or after `sinceMs` on the network's clock (none run: omitted). */
  readonly probedSince?: (provider: Address, sinceMs: number) => number;
  /** The oracle nodes running (what a time jump waits for with `probedSince`). */
  readonly oracleNodes?: number;
  /** Failing heartbeats to wait for after an outage starts (default 4: about one per local oracle node). */
  readonly observers?: number;
  /** The longest a request waits for them (default 60,000 ms). */
  readonly waitMs?: number;
  /** The oracle nodes' challenge round in seconds (each node challenges each provider once a round; none: no challenges). */
  readonly challengeRoundSeconds?: number;
}

/** A running control endpoint. */
export interface LocalControl {
  readonly url: string;
  readonly file: string;
  close(): Promise<void>;
}

/** What fails in an outage: the heartbeats (the driver breaks) or the GPU challenges (the cards compute wrong products). */
export type OutageKind = "heartbeat" | "challenge";
/** The outage kinds, as `--kind` takes them. */
export const OUTAGE_KINDS: readonly OutageKind[] = ["heartbeat", "challenge"];

/** What an outage request returns. */
export interface OutageResult {
  readonly provider: Address;
  readonly kind: OutageKind;
  /** When the outage started and ends, in seconds on the network's clock. */
  readonly from: number;
  readonly until: number;
  /** Heartbeats the provider's agent answered failing while the request waited (a challenge outage waits for none). */
  readonly failedHeartbeats: number;
  /** A challenge outage: when the nodes' next challenge round starts, in seconds on the network's clock. */
  readonly nextRound?: number;
}

/** What a time jump returns. */
export interface AdvanceResult {
  /** The latest block's timestamp before and after the jump, in seconds. */
  readonly from: number;
  readonly to: number;
  /** The oracle nodes that probed every seeded provider after the jump (all of them unless `waitMs` ran out). */
  readonly probedBy: number;
}

const MAX_OUTAGE_SECONDS = 30 * 86_400;
/** The largest single jump of the chain's time (a year): larger ones are certainly typos. */
export const MAX_ADVANCE_SECONDS = 365 * 86_400;

/** Starts the control endpoint (see the module comment) and writes its file. */
export async function startLocalControl(parameters: StartLocalControlParameters): Promise<LocalControl> {
  const token = randomBytes(32).toString("hex");
  const observers = parameters.observers ?? 4;
  const waitMs = parameters.waitMs ?? 60_000;
  const server = createServer((req, res) => void handle(req, res));

  async function outage(body: unknown): Promise<OutageResult> {
    const { provider, seconds, kind = "heartbeat" } = (typeof body === "object" && body !== null ? body : {}) as { provider?: unknown; seconds?: unknown; kind?: unknown };
    if (typeof provider !== "string" || !isAddress(provider, { strict: false })) throw new ControlRequestError(400, "provider", "must be an address");
    if (!(OUTAGE_KINDS as readonly unknown[]).includes(kind)) throw new ControlRequestError(400, "kind", `must be ${OUTAGE_KINDS.join(" or ")}, got ${JSON.stringify(kind)}`);
    const round = parameters.challengeRoundSeconds;
    if (kind === "challenge" && round === undefined) throw new ControlRequestError(400, "kind", "this local network's oracle nodes run no GPU challenges");
    const backend = parameters.backends.get(getAddress(provider));
    if (backend === undefined) throw new ControlRequestError(404, "provider", `${getAddress(provider)} is not a provider this local network seeded`);
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_OUTAGE_SECONDS) {
      throw new ControlRequestError(400, "seconds", `must be a whole number of seconds from 1 to ${MAX_OUTAGE_SECONDS}`);
    }
    const fromMs = parameters.now();
    const from = Math.floor(fromMs / 1000);
    if (kind === "challenge") {
      // The nodes challenge each provider once a round: the next round's challenges find the wrong products.
      backend.failChallengesUntil(fromMs + seconds * 1000);
      return { provider: getAddress(provider), kind, from, until: from + seconds, failedHeartbeats: 0, nextRound: (Math.floor(from / round!) + 1) * round! };
    }
    backend.failUntil(fromMs + seconds * 1000);
    const before = backend.failedProbes;
    const deadline = Date.now() + waitMs;
    while (backend.failedProbes - before < observers && Date.now() < deadline && backend.down) await new Promise((r) => setTimeout(r, 100));
    return { provider: getAddress(provider), kind: "heartbeat", from, until: from + seconds, failedHeartbeats: backend.failedProbes - before };
  }

  async function advance(body: unknown): Promise<AdvanceResult> {
    const { seconds } = (typeof body === "object" && body !== null ? body : {}) as { seconds?: unknown };
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_ADVANCE_SECONDS) {
      throw new ControlRequestError(400, "seconds", `must be a whole number of seconds from 1 to ${MAX_ADVANCE_SECONDS}`);
    }
    const latest = async () => Number(BigInt(((await rpc(parameters.rpcUrl, "eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex }).timestamp));
    const from = await latest();
    await rpc(parameters.rpcUrl, "evm_increaseTime", [seconds]);
    await rpc(parameters.rpcUrl, "evm_mine");
    const to = await latest();
    await parameters.refreshClock?.();
    const { probedSince, oracleNodes = 0 } = parameters;
    if (probedSince === undefined || oracleNodes === 0) return { from, to, probedBy: 0 };
    // Probes sent from now on are at the new time (one in flight during the jump is not).
    const sinceMs = parameters.now();
    const providers = [...parameters.backends.keys()];
    const probedBy = () => Math.min(oracleNodes, ...providers.map((p) => probedSince(p, sinceMs)));
    const deadline = Date.now() + waitMs;
    while (probedBy() < oracleNodes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return { from, to, probedBy: probedBy() };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const given = Buffer.from(/^Bearer ([0-9a-f]{64})$/.exec(req.headers.authorization ?? "")?.[1] ?? "", "utf8");
      if (given.length !== token.length || !timingSafeEqual(given, Buffer.from(token, "utf8"))) throw new ControlRequestError(401, "authorization", "missing or wrong control token");
      const route = req.method === "POST" ? { "/v1/outages": outage, "/v1/time": advance }[req.url ?? ""] : undefined;
      if (route === undefined) throw new ControlRequestError(404, "path", `no route ${req.method} ${req.url}`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 4096) throw new ControlRequestError(413, "body", "is larger than 4096 bytes");
        chunks.push(chunk as Buffer);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        throw new ControlRequestError(400, "body", "is not JSON");
      }
      send(200, await route(body));
    } catch (error) {
      if (error instanceof ControlRequestError) send(error.status, { error: { field: error.field, message: error.message } });
      else send(500, { error: { field: "", message: (error as Error).message } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = controlFile(parameters.rpcUrl);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ rpcUrl: parameters.rpcUrl, url, token })}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return {
    url,
    file,
    async close() {
      rmSync(file, { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/** Parameters of {@link requestOutage}. */
export interface RequestOutageParameters {
  /** The local network's RPC URL (`cinder node` printed it). */
  readonly rpcUrl: string;
  readonly provider: Address;
  readonly seconds: number;
  /** What fails (default the heartbeats). */
  readonly kind?: OutageKind;
}

/** Asks the `cinder node` running at `rpcUrl` to make `provider`'s simulated GPUs fail for `seconds`. */
export async function requestOutage({ rpcUrl, provider, seconds, kind = "heartbeat" }: RequestOutageParameters): Promise<OutageResult> {
  return post<OutageResult>(rpcUrl, "/v1/outages", { provider, seconds, kind }, { provider: "--provider", seconds: "--for", kind: "--kind" });
}

/** Parameters of {@link requestAdvance}. */
export interface RequestAdvanceParameters {
  /** The local network's RPC URL (`cinder node` printed it). */
  readonly rpcUrl: string;
  readonly seconds: number;
}

/** Asks the `cinder node` running at `rpcUrl` to move its chain's time `seconds` forward (see the module comment). */
export async function requestAdvance({ rpcUrl, seconds }: RequestAdvanceParameters): Promise<AdvanceResult> {
  return post<AdvanceResult>(rpcUrl, "/v1/time", { seconds }, { seconds: "--by" });
}

/** A request to the control endpoint of the local network at `rpcUrl`; a refusal names the CLI option (`options`). */
async function post<T>(rpcUrl: string, path: string, request: unknown, options: Record<string, string>): Promise<T> {
  const file = controlFile(rpcUrl);
  if (!existsSync(file)) {
    throw new CinderConfigError("--rpc", `no local network runs at ${rpcUrl} (${file} does not exist; start one with \`cinder node\`)`);
  }
  const { url, token } = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string };
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw new CinderError(`the local network's control endpoint ${url} does not answer (has \`cinder node\` stopped?)`, { cause: error });
  }
  const body = (await response.json()) as T | { error: { field: string; message: string } };
  if (typeof body === "object" && body !== null && "error" in body) {
    const { field, message } = body.error;
    if (response.status === 400 || response.status === 404) throw new CinderConfigError(options[field] ?? field, message);
    throw new CinderError(`the local network's control endpoint refused ${path}: ${message}`);
  }
  return body as T;
}
