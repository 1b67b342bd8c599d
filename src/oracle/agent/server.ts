/**
 * The provider agent: an HTTP server beside the GPUs that reports them, signs heartbeats and answers the oracle's
 * challenges. It is untrusted by design: everything it says is either signed by the provider's operator key
 * (heartbeats) or checked by the oracle (challenges, CC evidence), so a lying agent only fails its own checks.
 *
 * Endpoints (JSON bodies; every non-2xx answer is `{ error: { code, field, message } }`, never a stack trace):
 * | method and path                     | body                         | answer                                        |
 * |-------------------------------------|------------------------------|-----------------------------------------------|
 * | GET  /v1/inventory                  |                              | `{ provider, chainId, gpus: GpuInfo[] }`      |
 * | POST /v1/heartbeat                  | `{ nonce }` (bytes32 hex)    | `HeartbeatResponse` (heartbeat.ts)            |
 * | POST /v1/challenge/matmul/issue     | `ChallengeIssue` (codec.ts)  | `Commitment`                                  |
 * | POST /v1/challenge/matmul/reveal    | `Reveal`                     | `ChallengeResponse`                           |
 * | POST /v1/challenge/memory/issue     | `MemoryIssue`                | `MemoryFilled`                                |
 * | POST /v1/challenge/memory/query     | `MemoryQuery`                | `MemoryAnswers`                               |
 * | POST /v1/cc/evidence                | `{ nonce, gpuIndex }`        | `{ gpuIndex, report (hex), certChainPem }`    |
 * | GET  /metrics                       |                              | Prometheus text: heartbeats answered, challenge step durations, process |
 *
 * Status codes: 400 bad input (`invalid-json`, `invalid-field`), 404 `not-found` / `unknown-challenge`, 405, 413
 * `too-large`, 501 `cc-unsupported`, 503 `backend-failed` (nvidia-smi or the executor failed; a heartbeat while the
 * driver is broken gets this). State is bounded: at most `maxChallenges` challenges are held (the oldest is evicted
 * first, and any older than `challengeTtlMs`), and at most one memory challenge, whose fill is capped at
 * `maxMemoryFillBytes` (the reference chunk store keeps the fill in host memory).
 *
 * @example
 * ```ts
 * const agent = await createAgent({ account, backend: new NvidiaSmiBackend(), executor, chainId: 1, port: 8484, host: "0.0.0.0" });
 * console.log(agent.url); // http://0.0.0.0:8484
 * await agent.close();
 * ```
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address, Hex, LocalAccount } from "viem";
import { ChallengeError } from "../challenge/errors.js";
import type { Executor } from "../challenge/executors.js";
import { MAX_N } from "../challenge/matmul.js";
import { type ChunkStore, HostChunkStore, MemoryProver } from "../challenge/memory.js";
import { Prover } from "../challenge/protocol.js";
import type { GpuBackend } from "../gpu/backend.js";
import { GpuBackendError } from "../gpu/errors.js";
import {
  type Json,
  bytesField,
  decodeIssue,
  decodeMemoryIssue,
  decodeMemoryQuery,
  decodeReveal,
  encodeCommitment,
  encodeMemoryAnswers,
  encodeMemoryFilled,
  encodeResponse,
  integerField,
  object,
  typedToHex,
} from "./codec.js";
import { AgentError } from "./errors.js";
import { HEARTBEAT_TYPES, type HeartbeatResponse, gpusHash, heartbeatDomain } from "./heartbeat.js";
import { Metrics } from "../node/metrics.js";

/** Parameters of `createAgent`. */
export interface CreateAgentParameters {
  /** The provider's operator key; heartbeats are signed with it. */
  readonly account: LocalAccount;
  readonly backend: GpuBackend;
  /** Computes the matrix-product challenge; started by the caller. */
  readonly executor: Executor;
  /** Chain id of the EIP-712 domain. */
  readonly chainId: number;
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Most challenges held at once; default 4. */
  readonly maxChallenges?: number;
  /** A challenge older than this is dropped, ms; default 600,000. */
  readonly challengeTtlMs?: number;
  /** Largest matrix dimension accepted; default MAX_N (lower it for the CPU executor). */
  readonly maxMatmulN?: number;
  /** Largest memory fill accepted, bytes; default 1 GiB. */
  readonly maxMemoryFillBytes?: number;
  /** Where memory fills go; default a new `HostChunkStore` per challenge. */
  readonly chunkStore?: () => ChunkStore;
  /** Largest request body, bytes; default 8 MiB. */
  readonly maxBodyBytes?: number;
  /** Unix seconds for heartbeat timestamps; default the system clock. */
  readonly now?: () => number;
  /** Where the agent's metrics go; default a registry of its own (with the process metrics). */
  readonly metrics?: Metrics;
}

/** A running agent. */
export interface Agent {
  /** e.g. `http://127.0.0.1:43817`. */
  readonly url: string;
  readonly provider: Address;
  /** What `GET /metrics` serves. */
  readonly metrics: Metrics;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface Held {
  readonly kind: "matmul" | "memory";
  readonly createdAt: number;
  readonly prover: Prover | MemoryProver;
}

/**
 * Starts the agent's HTTP server (see the module comment).
 *
 * @example
 * ```ts
 * const agent = await createAgent({ account: privateKeyToAccount(key), backend, executor: new CpuExecutor(), chainId: 31337 });
 * ```
 */
export async function createAgent(parameters: CreateAgentParameters): Promise<Agent> {
  const { account, backend, executor, chainId } = parameters;
  const maxChallenges = parameters.maxChallenges ?? 4;
  const ttlMs = parameters.challengeTtlMs ?? 600_000;
  const maxN = parameters.maxMatmulN ?? MAX_N;
  const maxFill = parameters.maxMemoryFillBytes ?? 2 ** 30;
  const maxBody = parameters.maxBodyBytes ?? 8 * 2 ** 20;
  const chunkStore = parameters.chunkStore ?? (() => new HostChunkStore());
  const now = parameters.now ?? (() => Math.floor(Date.now() / 1000));
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new AgentError("config", "must be a positive integer", { field: "chainId" });
  const held = new Map<string, Held>();
  const metrics = parameters.metrics ?? new Metrics();
  const heartbeats = metrics.counter("cinder_agent_heartbeats_total", "Heartbeats answered, by result (ok or the error code)", ["result"]);
  const heartbeatSeconds = metrics.histogram("cinder_agent_heartbeat_seconds", "Time to answer a heartbeat (GPU health probe and signature)");
  const challengeSeconds = metrics.histogram("cinder_agent_challenge_seconds", "Time to answer a challenge step, by step and result", ["step", "result"]);
  const STEPS: Record<string, string> = {
    "/v1/challenge/matmul/issue": "matmul_issue",
    "/v1/challenge/matmul/reveal": "matmul_reveal",
    "/v1/challenge/memory/issue": "memory_issue",
    "/v1/challenge/memory/query": "memory_query",
    "/v1/cc/evidence": "cc_evidence",
  };

  const hold = (id: string, entry: Held) => {
    const cutoff = performance.now() - ttlMs;
    for (const [key, value] of held) if (value.createdAt < cutoff || (entry.kind === "memory" && value.kind === "memory")) held.delete(key);
    held.delete(id);
    while (held.size >= maxChallenges) held.delete(held.keys().next().value!);
    held.set(id, entry);
  };
  const take = (id: string, kind: Held["kind"]): Held => {
    const entry = held.get(id);
    if (entry === undefined || entry.kind !== kind || entry.createdAt < performance.now() - ttlMs) {
      throw new AgentError("unknown-challenge", `no ${kind} challenge ${id} held (never issued, finished or evicted)`, { field: "id" });
    }
    return entry;
  };

  const routes: Record<string, { method: "GET" | "POST"; handle: (body: unknown) => Promise<Json | HeartbeatResponse> }> = {
    "/v1/inventory": {
      method: "GET",
      handle: async () => ({ provider: account.address, chainId, gpus: (await backend.listGpus()) as unknown as Json }),
    },
    "/v1/heartbeat": {
      method: "POST",
      handle: async (body) => {
        const nonce = `0x${Buffer.from(bytesField(object(body), "nonce", 32)).toString("hex")}` as Hex;
        const gpus = (await backend.probeHealth()).map(({ uuid, healthy }) => ({ uuid, healthy }));
        const message = { provider: account.address, nonce, timestamp: now(), gpusHash: gpusHash(gpus) };
        const signature = await account.signTypedData({
          domain: heartbeatDomain(chainId),
          types: HEARTBEAT_TYPES,
          primaryType: "Heartbeat",
          message: { ...message, timestamp: BigInt(message.timestamp) },
        });
        return { ...message, gpus, signature };
      },
    },
    "/v1/challenge/matmul/issue": {
      method: "POST",
      handle: async (body) => {
        const issue = decodeIssue(body);
        if (issue.n > maxN) throw new AgentError("invalid-field", `n = ${issue.n} exceeds this agent's limit ${maxN}`, { field: "n" });
        const prover = new Prover(executor, { maxN });
        hold(issue.id, { kind: "matmul", createdAt: performance.now(), prover });
        return encodeCommitment(await prover.onIssue(issue));
      },
    },
    "/v1/challenge/matmul/reveal": {
      method: "POST",
      handle: async (body) => {
        const reveal = decodeReveal(body);
        const entry = take(reveal.id, "matmul");
        held.delete(reveal.id);
        return encodeResponse(await (entry.prover as Prover).onReveal(reveal));
      },
    },
    "/v1/challenge/memory/issue": {
      method: "POST",
      handle: async (body) => {
        const issue = decodeMemoryIssue(body);
        if (issue.chunkBytes * issue.chunkCount > maxFill) {
          throw new AgentError("invalid-field", `a fill of ${issue.chunkBytes * issue.chunkCount} bytes exceeds this agent's limit ${maxFill}`, {
            field: "chunkCount",
          });
        }
        const prover = new MemoryProver(chunkStore());
        hold(issue.id, { kind: "memory", createdAt: performance.now(), prover });
        return encodeMemoryFilled(await prover.onIssue(issue));
      },
    },
    "/v1/challenge/memory/query": {
      method: "POST",
      handle: async (body) => {
        const query = decodeMemoryQuery(body);
        const entry = take(query.id, "memory");
        held.delete(query.id);
        return encodeMemoryAnswers(await (entry.prover as MemoryProver).onQuery(query));
      },
    },
    "/v1/cc/evidence": {
      method: "POST",
      handle: async (body) => {
        const record = object(body);
        const nonce = bytesField(record, "nonce", 32);
        const gpuIndex = integerField(record, "gpuIndex", 0, 255);
        const evidence = await backend.ccEvidence(nonce, gpuIndex);
        return { gpuIndex, report: typedToHex(evidence.report), certChainPem: evidence.certChainPem };
      },
    },
  };

  const server = createServer((request, response) => {
    void serve(request, response);
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let observe: ((result: string) => void) | undefined;
    try {
      const path = new URL(request.url ?? "/", "http://agent").pathname;
      if (path === "/metrics" && request.method === "GET") {
        const text = await metrics.render();
        response.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text) });
        response.end(text);
        return;
      }
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (route === undefined) throw new AgentError("not-found", `no endpoint ${path}`);
      if (request.method !== route.method) throw new AgentError("method-not-allowed", `${path} takes ${route.method}`);
      if (path === "/v1/heartbeat") {
        const end = heartbeatSeconds.startTimer();
        observe = (result) => (heartbeats.inc({ result }), end());
      } else if (STEPS[path] !== undefined) {
        const end = challengeSeconds.startTimer({ step: STEPS[path] });
        observe = (result) => end({ result });
      }
      const body = route.method === "POST" ? await readJson(request, maxBody) : undefined;
      const answer = await route.handle(body);
      observe?.("ok");
      send(response, 200, answer);
    } catch (error) {
      const agentError = toAgentError(error);
      observe?.(agentError.code);
      send(response, STATUS[agentError.code], agentError.toBody());
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parameters.port ?? 0, parameters.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    provider: account.address,
    metrics,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

const STATUS: Record<AgentError["code"], number> = {
  "invalid-json": 400,
  "invalid-field": 400,
  "too-large": 413,
  "not-found": 404,
  "method-not-allowed": 405,
  "unknown-challenge": 404,
  "backend-failed": 503,
  "cc-unsupported": 501,
  config: 500,
};

/** Any error as the `AgentError` the agent answers with; never carries a stack trace to the peer. */
function toAgentError(error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  if (error instanceof ChallengeError) {
    if (error.code === "invalid-parameter") return new AgentError("invalid-field", error.shortMessage, fieldOf(error.field));
    if (error.code === "protocol-state") return new AgentError("unknown-challenge", error.shortMessage, fieldOf(error.field));
    return new AgentError("backend-failed", `executor: ${error.shortMessage}`);
  }
  if (error instanceof GpuBackendError) {
    if (error.code === "cc-unsupported") return new AgentError("cc-unsupported", error.shortMessage);
    if (error.code === "invalid-parameter") return new AgentError("invalid-field", error.shortMessage, fieldOf(error.field));
    return new AgentError("backend-failed", `GPU backend ${error.code}: ${error.shortMessage}`);
  }
  return new AgentError("backend-failed", `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

function fieldOf(field: string | undefined): { field?: string } {
  return field === undefined ? {} : { field: field.replace(/^(issue|reveal|query)\./, "") };
}

function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Answer at once; the rest of the body is read and dropped.
        if (chunks.length > 0) chunks.length = 0;
        reject(new AgentError("too-large", `the body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on("error", reject);
    request.on("end", () => {
      if (size > limit) return;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new AgentError("invalid-json", "the body is not JSON", { field: "body" }));
      }
    });
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
