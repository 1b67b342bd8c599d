/**
 * The oracle node's side of the agent protocol: heartbeats, challenges and CC evidence over HTTP, with every check
 * done here. A dead, slow or lying provider is data, not an exception: `heartbeat`, `inventory` and `ccEvidence`
 * return `{ ok: false, reason, detail }`, and the challenge runners return a failed verdict. Only misuse on the
 * oracle's side (a verifier driven out of order) throws.
 *
 * Challenge and CC evidence requests are signed with the node's oracle key (`signer`; ../auth.ts): agents refuse
 * them from anyone outside the current oracle set.
 *
 * Times are measured on the oracle's clock (`performance.now()`), from sending a request to reading its whole answer.
 *
 * @example
 * ```ts
 * const client = new AgentClient("http://10.0.0.7:8484", { expectedProvider, chainId: 1, timeoutMs: 2_000, signer: oracleAccount });
 * const beat = await client.heartbeat();
 * if (!beat.ok) console.log(beat.reason, beat.detail); // "timeout", "no answer within 2000 ms"
 * const verdict = await client.runMatmulChallenge(new Verifier({ modelClass: "H100" }));
 * ```
 */
import { randomBytes } from "node:crypto";
import type { Address, Hex, LocalAccount } from "viem";
import { signRequest } from "../auth.js";
import { type VerifiedGpuEvidence, type VerifyGpuEvidenceParameters, CcVerificationError, verifyGpuEvidence } from "../cc/verify.js";
import { ChallengeError } from "../challenge/errors.js";
import type { MemoryVerdict, MemoryVerdictReason, MemoryVerifier } from "../challenge/memory.js";
import type { Verdict, VerdictReason, Verifier } from "../challenge/protocol.js";
import type { GpuInfo } from "../gpu/backend.js";
import {
  type Json,
  decodeCommitment,
  decodeMemoryAnswers,
  decodeMemoryFilled,
  decodeResponse,
  encodeIssue,
  encodeMemoryIssue,
  encodeMemoryQuery,
  encodeReveal,
} from "./codec.js";
import { AgentError } from "./errors.js";
import { type HeartbeatGpu, type HeartbeatResponse, HeartbeatVerifier } from "./heartbeat.js";

/** Options of `AgentClient`. */
export interface AgentClientOptions {
  /** The provider's operator address on record. */
  readonly expectedProvider: Address;
  /** Chain id of the heartbeats' EIP-712 domain. */
  readonly chainId: number;
  /** Deadline of a heartbeat, inventory or evidence request, ms; default 2,000. */
  readonly timeoutMs?: number;
  /** Extra wait past a challenge's deadline before giving up on an answer, ms; default 1,000. */
  readonly challengeGraceMs?: number;
  /** Heartbeat verifier (its signature backend); default one per client, with the backend chosen at load. */
  readonly verifier?: HeartbeatVerifier;
  /** The oracle node's key, which signs challenge and CC evidence requests; without it agents refuse them. */
  readonly signer?: Pick<LocalAccount, "signTypedData">;
  /** The clock signed requests are stamped with, unix seconds; default the system clock (local mode: the chain's, as the agents'). */
  readonly now?: () => number;
}

/** Why a request to the agent failed. */
export type AgentFailureReason =
  | "timeout"
  | "unreachable"
  | "bad-signature"
  | "wrong-provider"
  | "nonce-mismatch"
  | "malformed"
  | "unhealthy";

/** A failed request: the reason, in words, and what the agent said when it said something. */
export interface AgentFailure {
  readonly ok: false;
  readonly reason: AgentFailureReason;
  readonly detail: string;
  /** Oracle-clock time until the failure was known, ms. */
  readonly latencyMs: number;
  /** For `unhealthy` after a valid signature: the signed heartbeat. */
  readonly heartbeat?: HeartbeatResponse;
}

/** A heartbeat that verified and reports every required GPU healthy. */
export interface HeartbeatSuccess {
  readonly ok: true;
  readonly latencyMs: number;
  readonly provider: Address;
  readonly nonce: Hex;
  readonly timestamp: number;
  readonly gpus: readonly HeartbeatGpu[];
  readonly heartbeat: HeartbeatResponse;
}

/** What `AgentClient.heartbeat` returns. */
export type HeartbeatResult = HeartbeatSuccess | AgentFailure;

/** Options of one heartbeat. */
export interface HeartbeatOptions {
  /** GPUs (uuids) that must be listed and healthy, e.g. the lease's; default every GPU listed (at least one). */
  readonly requireGpus?: readonly string[];
}

/** What `AgentClient.inventory` returns (unsigned: use it to plan, not to prove). */
export type InventoryResult =
  | { readonly ok: true; readonly latencyMs: number; readonly provider: Address; readonly chainId: number; readonly gpus: readonly GpuInfo[] }
  | AgentFailure;

/** What `AgentClient.ccEvidence` returns. */
export type CcEvidenceResult =
  | { readonly ok: true; readonly latencyMs: number; readonly evidence: VerifiedGpuEvidence }
  | AgentFailure
  | {
      readonly ok: false;
      /** `cc-unsupported`: the agent says the GPU has no CC; `rejected`: the evidence failed verification. */
      readonly reason: "cc-unsupported" | "rejected";
      readonly detail: string;
      readonly latencyMs: number;
      /** The failed check, for `rejected`. */
      readonly code?: CcVerificationError["code"];
    };

/** Verification options passed through to `verifyGpuEvidence` (the nonce and the evidence come from the exchange). */
export type CcVerifyOptions = Omit<VerifyGpuEvidenceParameters, "report" | "certChainPem" | "expectedNonce">;

type Exchange =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly latencyMs: number }
  | { readonly ok: false; readonly reason: "timeout" | "unreachable" | "malformed"; readonly detail: string; readonly latencyMs: number };

/** A client of one provider's agent (see the module comment). */
export class AgentClient {
  readonly url: string;
  readonly expectedProvider: Address;
  readonly chainId: number;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #verifier: HeartbeatVerifier;
  readonly #signer: Pick<LocalAccount, "signTypedData"> | undefined;
  readonly #now: (() => number) | undefined;

  constructor(url: string, options: AgentClientOptions) {
    this.url = url.replace(/\/+$/, "");
    this.expectedProvider = options.expectedProvider;
    this.chainId = options.chainId;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#graceMs = options.challengeGraceMs ?? 1_000;
    this.#verifier = options.verifier ?? new HeartbeatVerifier();
    this.#signer = options.signer;
    this.#now = options.now;
  }

  /**
   * Sends a heartbeat with `nonce` (default: 32 fresh random bytes) and verifies the signed answer.
   *
   * @example
   * ```ts
   * const beat = await client.heartbeat(undefined, { requireGpus: lease.gpuUuids });
   * ```
   */
  async heartbeat(nonce?: Hex, options: HeartbeatOptions = {}): Promise<HeartbeatResult> {
    const sent = nonce ?? (`0x${randomBytes(32).toString("hex")}` as Hex);
    const exchange = await this.#exchange("POST", "/v1/heartbeat", { nonce: sent }, this.#timeoutMs);
    if (!exchange.ok) return exchange;
    const { latencyMs } = exchange;
    if (exchange.status === 503) return { ok: false, reason: "unhealthy", detail: `the agent cannot probe its GPUs: ${errorText(exchange.body)}`, latencyMs };
    if (exchange.status !== 200) return { ok: false, reason: "malformed", detail: `HTTP ${exchange.status}: ${errorText(exchange.body)}`, latencyMs };
    const check = this.#verifier.verify(exchange.body, { expectedProvider: this.expectedProvider, nonce: sent, chainId: this.chainId });
    if (!check.ok) return { ok: false, reason: check.reason, detail: check.detail, latencyMs };
    const { heartbeat } = check;
    const listed = new Map(heartbeat.gpus.map((gpu) => [gpu.uuid, gpu.healthy]));
    const required = options.requireGpus ?? heartbeat.gpus.map((gpu) => gpu.uuid);
    const missing = required.filter((uuid) => !listed.has(uuid));
    const sick = required.filter((uuid) => listed.get(uuid) === false);
    if (required.length === 0) return { ok: false, reason: "unhealthy", detail: "the agent lists no GPU", latencyMs, heartbeat };
    if (missing.length > 0 || sick.length > 0) {
      const parts = [missing.length > 0 ? `missing ${missing.join(", ")}` : "", sick.length > 0 ? `unhealthy ${sick.join(", ")}` : ""];
      return { ok: false, reason: "unhealthy", detail: parts.filter((part) => part !== "").join("; "), latencyMs, heartbeat };
    }
    return { ok: true, latencyMs, provider: heartbeat.provider, nonce: heartbeat.nonce, timestamp: heartbeat.timestamp, gpus: heartbeat.gpus, heartbeat };
  }

  /** The agent's GPU listing; checks it names the expected provider. */
  async inventory(): Promise<InventoryResult> {
    const exchange = await this.#exchange("GET", "/v1/inventory", undefined, this.#timeoutMs);
    if (!exchange.ok) return exchange;
    const { latencyMs, body } = exchange;
    if (exchange.status === 503) return { ok: false, reason: "unhealthy", detail: errorText(body), latencyMs };
    if (exchange.status !== 200) return { ok: false, reason: "malformed", detail: `HTTP ${exchange.status}: ${errorText(body)}`, latencyMs };
    const record = body as { provider?: unknown; chainId?: unknown; gpus?: unknown };
    if (typeof record.provider !== "string" || typeof record.chainId !== "number" || !Array.isArray(record.gpus)) {
      return { ok: false, reason: "malformed", detail: "expected { provider, chainId, gpus[] }", latencyMs };
    }
    if (record.provider.toLowerCase() !== this.expectedProvider.toLowerCase()) {
      return { ok: false, reason: "wrong-provider", detail: `the agent is ${record.provider}, expected ${this.expectedProvider}`, latencyMs };
    }
    return { ok: true, latencyMs, provider: record.provider as Address, chainId: record.chainId, gpus: record.gpus as GpuInfo[] };
  }

  /**
   * Asks GPU `gpuIndex` for CC evidence answering `nonce` (default: fresh random) and verifies it with
   * `verifyGpuEvidence` (pinned NVIDIA root unless `options.roots`).
   */
  async ccEvidence(nonce: Hex | undefined, gpuIndex: number, options: CcVerifyOptions = {}): Promise<CcEvidenceResult> {
    const sent = nonce ?? (`0x${randomBytes(32).toString("hex")}` as Hex);
    const exchange = await this.#exchange("POST", "/v1/cc/evidence", { nonce: sent, gpuIndex }, this.#timeoutMs);
    if (!exchange.ok) return exchange;
    const { latencyMs, body } = exchange;
    if (exchange.status === 501) return { ok: false, reason: "cc-unsupported", detail: errorText(body), latencyMs };
    if (exchange.status !== 200) return { ok: false, reason: "malformed", detail: `HTTP ${exchange.status}: ${errorText(body)}`, latencyMs };
    const { report, certChainPem } = body as { report?: unknown; certChainPem?: unknown };
    if (typeof report !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(report) || typeof certChainPem !== "string") {
      return { ok: false, reason: "malformed", detail: "expected { report: hex, certChainPem: PEM }", latencyMs };
    }
    try {
      const evidence = verifyGpuEvidence({ ...options, report: report.slice(2), certChainPem, expectedNonce: sent });
      return { ok: true, latencyMs, evidence };
    } catch (error) {
      if (error instanceof CcVerificationError) return { ok: false, reason: "rejected", detail: error.message, code: error.code, latencyMs };
      throw error;
    }
  }

  /**
   * Drives a matrix-product challenge with `verifier` (fresh, not yet issued): issue, commitment, reveal, response.
   * The verifier's deadlines run on this machine's clock. A transport failure or an undecodable answer ends the
   * challenge with a failed verdict (`deadline` when no commitment came in time, `response-deadline` when no
   * response did, otherwise `malformed`).
   */
  async runMatmulChallenge(verifier: Verifier): Promise<Verdict> {
    const issue = verifier.issue();
    const started = performance.now();
    const { commitDeadlineMs, responseDeadlineMs } = verifier.parameters;
    const fail = (reason: VerdictReason, detail: string, responseMs: number | null = null): Verdict => ({
      type: "verdict",
      id: issue.id,
      passed: false,
      reason,
      detail,
      timings: { commitMs: performance.now() - started, responseMs, verifyMs: null },
    });
    const committed = await this.#exchange("POST", "/v1/challenge/matmul/issue", encodeIssue(issue), commitDeadlineMs + this.#graceMs);
    const commitFault = answerFault(committed);
    if (commitFault !== null) return fail(commitFault.timeout ? "deadline" : "malformed", `no commitment: ${commitFault.detail}`);
    let next: ReturnType<Verifier["onCommit"]>;
    try {
      next = verifier.onCommit(decodeCommitment((committed as { body: unknown }).body));
    } catch (error) {
      return fail("malformed", `commitment: ${faultText(error)}`);
    }
    if (next.type === "verdict") return next;
    const revealedAt = performance.now();
    const answered = await this.#exchange("POST", "/v1/challenge/matmul/reveal", encodeReveal(next), responseDeadlineMs + this.#graceMs);
    const responseFault = answerFault(answered);
    const responseMs = performance.now() - revealedAt;
    if (responseFault !== null) return fail(responseFault.timeout ? "response-deadline" : "malformed", `no response: ${responseFault.detail}`, responseMs);
    try {
      return verifier.onResponse(decodeResponse((answered as { body: unknown }).body));
    } catch (error) {
      return fail("malformed", `response: ${faultText(error)}`, responseMs);
    }
  }

  /** Drives a memory challenge with `verifier` (fresh): issue, "filled", query, answers; failures as for matmul. */
  async runMemoryChallenge(verifier: MemoryVerifier): Promise<MemoryVerdict> {
    const issue = verifier.issue();
    const started = performance.now();
    const { fillDeadlineMs, walkDeadlineMs } = verifier.parameters;
    const fail = (reason: MemoryVerdictReason, detail: string, walkMs: number | null = null): MemoryVerdict => ({
      type: "memory-verdict",
      id: issue.id,
      passed: false,
      reason,
      detail,
      timings: { fillMs: performance.now() - started, walkMs, verifyMs: null },
    });
    const filled = await this.#exchange("POST", "/v1/challenge/memory/issue", encodeMemoryIssue(issue), fillDeadlineMs + this.#graceMs);
    const fillFault = answerFault(filled);
    if (fillFault !== null) return fail(fillFault.timeout ? "fill-deadline" : "malformed", `no fill: ${fillFault.detail}`);
    let next: ReturnType<MemoryVerifier["onFilled"]>;
    try {
      next = verifier.onFilled(decodeMemoryFilled((filled as { body: unknown }).body));
    } catch (error) {
      return fail("malformed", `filled: ${faultText(error)}`);
    }
    if (next.type === "memory-verdict") return next;
    const queriedAt = performance.now();
    const answered = await this.#exchange("POST", "/v1/challenge/memory/query", encodeMemoryQuery(next), walkDeadlineMs + this.#graceMs);
    const walkFault = answerFault(answered);
    const walkMs = performance.now() - queriedAt;
    if (walkFault !== null) return fail(walkFault.timeout ? "deadline" : "malformed", `no answers: ${walkFault.detail}`, walkMs);
    try {
      return verifier.onAnswers(decodeMemoryAnswers((answered as { body: unknown }).body));
    } catch (error) {
      return fail("malformed", `answers: ${faultText(error)}`, walkMs);
    }
  }

  async #exchange(method: "GET" | "POST", path: string, body: Json | undefined, timeoutMs: number): Promise<Exchange> {
    const sent = body === undefined ? undefined : JSON.stringify(body);
    // Heartbeats and the inventory are open to anyone; everything else is signed when the client has a key.
    const signed = path !== "/v1/heartbeat" && path !== "/v1/inventory" && this.#signer !== undefined;
    const auth = signed ? await signRequest({ signer: this.#signer!, chainId: this.chainId, audience: this.expectedProvider, method, path, body: sent ?? "", timestamp: this.#now?.() }) : {};
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const latency = () => performance.now() - started;
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        signal: controller.signal,
        headers: { ...auth, ...(sent === undefined ? {} : { "content-type": "application/json" }) },
        ...(sent === undefined ? {} : { body: sent }),
      });
      const text = await response.text();
      const latencyMs = latency();
      try {
        return { ok: true, status: response.status, body: JSON.parse(text) as unknown, latencyMs };
      } catch {
        return { ok: false, reason: "malformed", detail: `HTTP ${response.status}, not JSON: ${JSON.stringify(text.slice(0, 120))}`, latencyMs };
      }
    } catch (error) {
      if (controller.signal.aborted) return { ok: false, reason: "timeout", detail: `no answer within ${timeoutMs} ms`, latencyMs: latency() };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      return { ok: false, reason: "unreachable", detail: `${this.url}: ${detail}`, latencyMs: latency() };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Why an exchange did not bring a 200 answer, or null when it did. */
function answerFault(exchange: Exchange): { timeout: boolean; detail: string } | null {
  if (!exchange.ok) return { timeout: exchange.reason === "timeout", detail: `${exchange.reason}: ${exchange.detail}` };
  if (exchange.status !== 200) return { timeout: false, detail: `HTTP ${exchange.status}: ${errorText(exchange.body)}` };
  return null;
}

function faultText(error: unknown): string {
  if (error instanceof AgentError || error instanceof ChallengeError) return error.message;
  throw error;
}

/** The message of an agent's error body, or the body itself. */
function errorText(body: unknown): string {
  const error = (body as { error?: { code?: unknown; field?: unknown; message?: unknown } } | null)?.error;
  if (error !== undefined && typeof error.message === "string") {
    return `${String(error.code)}${typeof error.field === "string" ? ` [${error.field}]` : ""}: ${error.message}`;
  }
  return JSON.stringify(body)?.slice(0, 200) ?? "no body";
}
