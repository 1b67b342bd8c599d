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
 *
 * Status codes: 400 bad input (`invalid-json`, `invalid-field`), 404 `not-found` / `unknown-challenge`, 405, 413
 * `too-large`, 501 `cc-unsupported`, 503 `backend-failed` (nvidia-smi or the executor failed; a heartbeat while the
 * driver is broken gets this) or `busy`. State is bounded: at most `maxChallenges` challenges are held (the oldest is
 * evicted first, and any older than `challengeTtlMs`), and at most one memory challenge, whose fill is capped at
 * `maxMemoryFillBytes` (the default chunk store keeps the fill in host memory, on a worker thread).
 *
 * Strangers cannot drive it: the challenge and CC evidence endpoints accept only requests signed by a member of the
 * current oracle set (`oracleSet`), fresh and not replayed (../auth.ts; 401 `unsigned` / `stale` / `body-mismatch`,
 * 403 `bad-signature`, 409 `replayed`), checked before the body is read. Challenge work runs at most
 * `maxConcurrentChallenges` at once (more get 503 `busy` at once) and off the event loop (pass a GPU executor, whose
 * worker is a process, or `ChallengeThread`'s), so heartbeats keep answering while challenges run. The server
 * closes slow clients and caps connections (../http.ts).
 *
 * @example
 * ```ts
 * const agent = await createAgent({ account, backend: new NvidiaSmiBackend(), executor, oracleSet: set.signers, chainId: 1, port: 8484, host: "0.0.0.0" });
 * console.log(agent.url); // http://0.0.0.0:8484
 * await agent.close();
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Address, Hex, LocalAccount } from "viem";
import { RequestAuthError, RequestGuard } from "../auth.js";
import { ChallengeError } from "../challenge/errors.js";
import type { Executor } from "../challenge/executors.js";
import { MAX_N } from "../challenge/matmul.js";
import { type ChunkStore, MemoryProver } from "../challenge/memory.js";
import { Prover } from "../challenge/protocol.js";
import type { GpuBackend } from "../gpu/backend.js";
import { GpuBackendError } from "../gpu/errors.js";
import { ChallengeThread } from "../challenge/thread.js";
import { HttpFault, type HttpLimits, WorkLimit, parseJson, readBody, sendJson, startHttpServer } from "../http.js";
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

/** Parameters of `createAgent`. */
export interface CreateAgentParameters {
  /** The provider's operator key; heartbeats are signed with it. */
  readonly account: LocalAccount;
  readonly backend: GpuBackend;
  /**
   * Computes the matrix-product challenge; started by the caller. Keep its work off the event loop: a GPU executor
   * (a worker process) or `new ChallengeThread().executor`, not the bare `CpuExecutor`.
   */
  readonly executor: Executor;
  /**
   * The current oracle set's members, who alone may start challenges and ask for CC evidence: a list, or a function
   * that reads it (from OracleHub), called at most every `oracleSetTtlMs`.
   */
  readonly oracleSet: readonly Address[] | (() => Promise<readonly Address[]>);
  /** How long a read oracle set is used, ms; default 60,000. */
  readonly oracleSetTtlMs?: number;
  /** Largest clock difference accepted on a signed request, seconds; default 30. */
  readonly maxSkewSeconds?: number;
  /** Challenge steps that run at once (more get 503 `busy`); default 2. */
  readonly maxConcurrentChallenges?: number;
  /** Timeouts and the connection cap of the HTTP server (../http.ts defaults). */
  readonly http?: Omit<HttpLimits, "maxBodyBytes">;
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
  /** Where memory fills go; default host memory on a worker thread the agent owns (`ChallengeThread`). */
  readonly chunkStore?: () => ChunkStore;
  /** Largest body of a challenge or evidence request, bytes; default 8 MiB (heartbeats: 1 KiB). */
  readonly maxBodyBytes?: number;
  /** Unix seconds for heartbeat timestamps; default the system clock. */
  readonly now?: () => number;
}

/** A running agent. */
export interface Agent {
  /** e.g. `http://127.0.0.1:43817`. */
  readonly url: string;
  readonly provider: Address;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface Held {
  readonly kind: "matmul" | "memory";
  readonly createdAt: number;
  readonly prover: Prover | MemoryProver;
  readonly release?: () => Promise<void>;
}

/** Largest heartbeat or inventory body, bytes (a heartbeat is `{ nonce }`). */
const SMALL_BODY = 1_024;

/**
 * Starts the agent's HTTP server (see the module comment).
 *
 * @example
 * ```ts
 * const thread = new ChallengeThread();
 * const agent = await createAgent({ account: privateKeyToAccount(key), backend, executor: thread.executor, oracleSet: [oracle], chainId: 31337 });
 * ```
 */
export async function createAgent(parameters: CreateAgentParameters): Promise<Agent> {
  const { account, backend, executor, chainId } = parameters;
  const maxChallenges = parameters.maxChallenges ?? 4;
  const ttlMs = parameters.challengeTtlMs ?? 600_000;
  const maxN = parameters.maxMatmulN ?? MAX_N;
  const maxFill = parameters.maxMemoryFillBytes ?? 2 ** 30;
  const maxBody = parameters.maxBodyBytes ?? 8 * 2 ** 20;
  const ownThread = parameters.chunkStore === undefined ? new ChallengeThread() : undefined;
  const chunkStore = parameters.chunkStore ?? (() => ownThread!.chunkStore());
  const now = parameters.now ?? (() => Math.floor(Date.now() / 1000));
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new AgentError("config", "must be a positive integer", { field: "chainId" });
  const work = new WorkLimit(parameters.maxConcurrentChallenges ?? 2);
  const guard = new RequestGuard({
    chainId,
    audience: account.address,
    members: oracleMembers(parameters.oracleSet, parameters.oracleSetTtlMs ?? 60_000),
    maxSkewSeconds: parameters.maxSkewSeconds ?? 30,
    now,
  });
  const held = new Map<string, Held>();

  const drop = (id: string) => {
    const entry = held.get(id);
    held.delete(id);
    void entry?.release?.().catch(() => undefined);
  };
  const hold = (id: string, entry: Held) => {
    const cutoff = performance.now() - ttlMs;
    for (const [key, value] of held) if (value.createdAt < cutoff || (entry.kind === "memory" && value.kind === "memory")) drop(key);
    drop(id);
    while (held.size >= maxChallenges) drop(held.keys().next().value!);
    held.set(id, entry);
  };
  const take = (id: string, kind: Held["kind"]): Held => {
    const entry = held.get(id);
    if (entry === undefined || entry.kind !== kind || entry.createdAt < performance.now() - ttlMs) {
      throw new AgentError("unknown-challenge", `no ${kind} challenge ${id} held (never issued, finished or evicted)`, { field: "id" });
    }
    return entry;
  };

  /** `signed`: only oracle set members may call it; `work`: it runs under the concurrency limit. */
  const routes: Record<string, { method: "GET" | "POST"; signed?: true; work?: true; handle: (body: unknown) => Promise<Json | HeartbeatResponse> }> = {
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
      signed: true,
      work: true,
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
      signed: true,
      work: true,
      handle: async (body) => {
        const reveal = decodeReveal(body);
        const entry = take(reveal.id, "matmul");
        drop(reveal.id);
        return encodeResponse(await (entry.prover as Prover).onReveal(reveal));
      },
    },
    "/v1/challenge/memory/issue": {
      method: "POST",
      signed: true,
      work: true,
      handle: async (body) => {
        const issue = decodeMemoryIssue(body);
        if (issue.chunkBytes * issue.chunkCount > maxFill) {
          throw new AgentError("invalid-field", `a fill of ${issue.chunkBytes * issue.chunkCount} bytes exceeds this agent's limit ${maxFill}`, {
            field: "chunkCount",
          });
        }
        const store = chunkStore();
        const prover = new MemoryProver(store);
        hold(issue.id, { kind: "memory", createdAt: performance.now(), prover, ...(store.release === undefined ? {} : { release: () => store.release!() }) });
        return encodeMemoryFilled(await prover.onIssue(issue));
      },
    },
    "/v1/challenge/memory/query": {
      method: "POST",
      signed: true,
      work: true,
      handle: async (body) => {
        const query = decodeMemoryQuery(body);
        const entry = take(query.id, "memory");
        held.delete(query.id);
        try {
          return encodeMemoryAnswers(await (entry.prover as MemoryProver).onQuery(query));
        } finally {
          void entry.release?.().catch(() => undefined);
        }
      },
    },
    "/v1/cc/evidence": {
      method: "POST",
      signed: true,
      handle: async (body) => {
        const record = object(body);
        const nonce = bytesField(record, "nonce", 32);
        const gpuIndex = integerField(record, "gpuIndex", 0, 255);
        const evidence = await backend.ccEvidence(nonce, gpuIndex);
        return { gpuIndex, report: typedToHex(evidence.report), certChainPem: evidence.certChainPem };
      },
    },
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://agent").pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined) throw new AgentError("not-found", `no endpoint ${path}`);
    if (request.method !== route.method) throw new AgentError("method-not-allowed", `${path} takes ${route.method}`);
    // A stranger is refused on its headers alone, before its body is read.
    const signed = route.signed === true ? await guard.check(request) : undefined;
    let body: unknown;
    if (route.method === "POST") {
      const bytes = await readBody(request, route.signed === true ? maxBody : SMALL_BODY);
      signed?.checkBody(bytes);
      body = parseJson(bytes);
    }
    const answer = route.work === true ? await work.run(`challenge ${path}`, () => route.handle(body)) : await route.handle(body);
    sendJson(response, 200, answer);
  }

  const server = await startHttpServer({
    ...parameters.http,
    host: parameters.host ?? "127.0.0.1",
    port: parameters.port ?? 0,
    handle: serve,
    fault: (error) => {
      const agentError = toAgentError(error);
      return { status: STATUS[agentError.code], body: agentError.toBody() };
    },
  });
  return {
    url: server.url,
    provider: account.address,
    close: async () => {
      await server.close();
      await ownThread?.close();
    },
  };
}

/** The members, read through `source` at most every `ttlMs` (a failed read keeps the last list, or has none). */
function oracleMembers(source: CreateAgentParameters["oracleSet"], ttlMs: number): () => Promise<readonly Address[]> {
  if (typeof source !== "function") {
    const members = [...source];
    return async () => members;
  }
  let cached: { members: readonly Address[]; at: number } | undefined;
  let reading: Promise<readonly Address[]> | undefined;
  return async () => {
    if (cached !== undefined && performance.now() - cached.at < ttlMs) return cached.members;
    reading ??= source()
      .then((members) => {
        cached = { members, at: performance.now() };
        return members;
      })
      .catch(() => cached?.members ?? [])
      .finally(() => (reading = undefined));
    return reading;
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
  unsigned: 401,
  stale: 401,
  "body-mismatch": 401,
  "bad-signature": 403,
  replayed: 409,
  busy: 503,
};

/** Any error as the `AgentError` the agent answers with; never carries a stack trace to the peer. */
function toAgentError(error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  if (error instanceof RequestAuthError) return new AgentError(error.code, error.shortMessage, { field: error.field });
  if (error instanceof HttpFault) return new AgentError(error.code, error.shortMessage, fieldOf(error.field));
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
