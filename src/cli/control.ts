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
import { type Address, getAddress, isAddress } from "viem";
import { CinderConfigError, CinderError } from "../protocol/errors.js";
import { ControlRequestError } from "./errors.js";
import type { GpuHealth } from "../oracle/gpu/backend.js";
import { SimulatedBackend } from "../oracle/gpu/simulated.js";
import { cinderHome } from "../sdk/node.js";

/** A simulated backend that counts the heartbeats it answered while down (what the control waits for). */
export class ObservedBackend extends SimulatedBackend {
  #failedProbes = 0;

  /** Health probes answered while down, since the backend started. */
  get failedProbes(): number {
    return this.#failedProbes;
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
  /** Failing heartbeats to wait for after an outage starts (default 4: about one per local oracle node). */
  readonly observers?: number;
  /** The longest a request waits for them (default 60,000 ms). */
  readonly waitMs?: number;
}

/** A running control endpoint. */
export interface LocalControl {
  readonly url: string;
  readonly file: string;
  close(): Promise<void>;
}

/** What an outage request returns. */
export interface OutageResult {
  readonly provider: Address;
  /** When the outage started and ends, in seconds on the network's clock. */
  readonly from: number;
  readonly until: number;
  /** Heartbeats the provider's agent answered failing while the request waited. */
  readonly failedHeartbeats: number;
}

const MAX_OUTAGE_SECONDS = 30 * 86_400;

/** Starts the control endpoint (see the module comment) and writes its file. */
export async function startLocalControl(parameters: StartLocalControlParameters): Promise<LocalControl> {
  const token = randomBytes(32).toString("hex");
  const observers = parameters.observers ?? 4;
  const waitMs = parameters.waitMs ?? 60_000;
  const server = createServer((req, res) => void handle(req, res));

  async function outage(body: unknown): Promise<OutageResult> {
    const { provider, seconds } = (typeof body === "object" && body !== null ? body : {}) as { provider?: unknown; seconds?: unknown };
    if (typeof provider !== "string" || !isAddress(provider, { strict: false })) throw new ControlRequestError(400, "provider", "must be an address");
    const backend = parameters.backends.get(getAddress(provider));
    if (backend === undefined) throw new ControlRequestError(404, "provider", `${getAddress(provider)} is not a provider this local network seeded`);
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_OUTAGE_SECONDS) {
      throw new ControlRequestError(400, "seconds", `must be a whole number of seconds from 1 to ${MAX_OUTAGE_SECONDS}`);
    }
    const fromMs = parameters.now();
    backend.failUntil(fromMs + seconds * 1000);
    const before = backend.failedProbes;
    const deadline = Date.now() + waitMs;
    while (backend.failedProbes - before < observers && Date.now() < deadline && backend.down) await new Promise((r) => setTimeout(r, 100));
    return { provider: getAddress(provider), from: Math.floor(fromMs / 1000), until: Math.floor(fromMs / 1000) + seconds, failedHeartbeats: backend.failedProbes - before };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const given = Buffer.from(/^Bearer ([0-9a-f]{64})$/.exec(req.headers.authorization ?? "")?.[1] ?? "", "utf8");
      if (given.length !== token.length || !timingSafeEqual(given, Buffer.from(token, "utf8"))) throw new ControlRequestError(401, "authorization", "missing or wrong control token");
      if (req.method !== "POST" || req.url !== "/v1/outages") throw new ControlRequestError(404, "path", `no route ${req.method} ${req.url}`);
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
      send(200, await outage(body));
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
}

/** Asks the `cinder node` running at `rpcUrl` to make `provider`'s simulated GPUs fail for `seconds`. */
export async function requestOutage({ rpcUrl, provider, seconds }: RequestOutageParameters): Promise<OutageResult> {
  const file = controlFile(rpcUrl);
  if (!existsSync(file)) {
    throw new CinderConfigError("--rpc", `no local network with simulated providers runs at ${rpcUrl} (${file} does not exist; start one with \`cinder node\`)`);
  }
  const { url, token } = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string };
  let response: Response;
  try {
    response = await fetch(`${url}/v1/outages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ provider, seconds }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw new CinderError(`the local network's control endpoint ${url} does not answer (has \`cinder node\` stopped?)`, { cause: error });
  }
  const body = (await response.json()) as OutageResult | { error: { field: string; message: string } };
  if ("error" in body) throw new CinderConfigError(body.error.field === "provider" ? "--provider" : body.error.field === "seconds" ? "--for" : body.error.field, body.error.message);
  return body;
}
