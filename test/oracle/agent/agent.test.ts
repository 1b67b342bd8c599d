/**
 * The provider agent and the oracle's AgentClient end to end on 127.0.0.1 (ephemeral ports): heartbeats (valid,
 * wrong provider, replayed nonce, forged GPU list, agent down, slow agent, unhealthy GPUs), the matrix-product and
 * memory challenges with the CPU executor (honest and cheating agents), CC evidence, bad input and bounded state.
 */
import { expect } from "chai";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Hex, verifyTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { CpuExecutor, type ComputedProduct, type Executor } from "../../../src/oracle/challenge/executors.js";
import { MemoryVerifier } from "../../../src/oracle/challenge/memory.js";
import { Verifier } from "../../../src/oracle/challenge/protocol.js";
import { SimulatedBackend } from "../../../src/oracle/gpu/simulated.js";
import { AgentClient } from "../../../src/oracle/agent/client.js";
import { signRequest } from "../../../src/oracle/auth.js";
import { HEARTBEAT_TYPES, gpusHash, heartbeatDomain } from "../../../src/oracle/agent/heartbeat.js";
import { type Agent, type CreateAgentParameters, createAgent } from "../../../src/oracle/agent/server.js";
import { NONCE, NOW } from "../cc/vectors.js";

const CHAIN_ID = 31_337;
const account = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
/** The oracle set member that drives the challenges. */
const oracle = privateKeyToAccount(generatePrivateKey());
const SMALL = { n: 24, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 };
const MEMORY = { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4096, steps: 64, checks: 8, walkDeadlineMs: 20_000 };

const started: Agent[] = [];
async function agentWith(overrides: Partial<CreateAgentParameters> = {}): Promise<Agent> {
  const agent = await createAgent({ account, backend: SimulatedBackend.fromRecording("h100"), executor: new CpuExecutor(), oracleSet: [oracle.address], chainId: CHAIN_ID, ...overrides });
  started.push(agent);
  return agent;
}
const clientOf = (url: string, timeoutMs = 2_000) => new AgentClient(url, { expectedProvider: account.address, chainId: CHAIN_ID, timeoutMs, signer: oracle });

/** A fake agent answering every request with `answer(path, body)`. */
async function fakeAgent(answer: (path: string, body: unknown) => unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const body = JSON.stringify(answer(request.url ?? "", text === "" ? undefined : JSON.parse(text)));
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** POSTs `body` signed by the oracle member. */
async function post(url: string, path: string, body: string): Promise<{ status: number; json: { error?: { code: string; field: string | null; message: string } } }> {
  const auth = await signRequest({ signer: oracle, chainId: CHAIN_ID, audience: account.address, method: "POST", path, body });
  const response = await fetch(`${url}${path}`, { method: "POST", body, headers: { ...auth, "content-type": "application/json" } });
  return { status: response.status, json: (await response.json()) as { error?: { code: string; field: string | null; message: string } } };
}

/** An executor that computes honestly but answers y = C·r + 1 in its first entry. */
class CheatingExecutor implements Executor {
  readonly kind = "cpu";
  readonly description = "cheats on y";
  readonly #inner = new CpuExecutor();
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async compute(seed: Uint8Array, n: number): Promise<ComputedProduct> {
    const product = await this.#inner.compute(seed, n);
    return {
      n,
      tree: product.tree,
      rows: (indices) => product.rows(indices),
      products: async (vectors) => (await product.products(vectors)).map((y) => {
        const wrong = BigInt64Array.from(y);
        wrong[0] = wrong[0]! + 1n;
        return wrong;
      }),
    };
  }
}

describe("provider agent", () => {
  after(async () => {
    await Promise.all(started.splice(0).map((agent) => agent.close().catch(() => undefined)));
  });

  describe("heartbeat", () => {
    it("answers a signed heartbeat that the client verifies, and viem agrees with the signature", async () => {
      const agent = await agentWith();
      const nonce = `0x${"ab".repeat(32)}` as Hex;
      const beat = await clientOf(agent.url).heartbeat(nonce);
      if (!beat.ok) expect.fail(`${beat.reason}: ${beat.detail}`);
      expect(beat.provider).to.equal(account.address);
      expect(beat.nonce).to.equal(nonce);
      expect(beat.gpus.map((gpu) => gpu.healthy)).to.deep.equal([true, true]);
      expect(beat.latencyMs).to.be.greaterThan(0);
      const { heartbeat } = beat;
      expect(heartbeat.gpusHash).to.equal(gpusHash(heartbeat.gpus));
      const valid = await verifyTypedData({
        address: account.address,
        domain: heartbeatDomain(CHAIN_ID),
        types: HEARTBEAT_TYPES,
        primaryType: "Heartbeat",
        message: { provider: heartbeat.provider, nonce, timestamp: BigInt(heartbeat.timestamp), gpusHash: heartbeat.gpusHash },
        signature: heartbeat.signature,
      });
      expect(valid).to.equal(true);
    });

    it("is wrong-provider when the agent runs with another key", async () => {
      const agent = await agentWith({ account: stranger });
      const beat = await clientOf(agent.url).heartbeat();
      expect(beat).to.deep.include({ ok: false, reason: "wrong-provider" });
    });

    it("is bad-signature for the wrong chain id", async () => {
      const agent = await agentWith({ chainId: 1 });
      expect(await clientOf(agent.url).heartbeat()).to.deep.include({ ok: false, reason: "bad-signature" });
    });

    it("is nonce-mismatch when an agent replays an earlier heartbeat", async () => {
      const agent = await agentWith();
      const recorded = await (await fetch(`${agent.url}/v1/heartbeat`, { method: "POST", body: JSON.stringify({ nonce: `0x${"01".repeat(32)}` }) })).json();
      const fake = await fakeAgent(() => recorded);
      try {
        const beat = await clientOf(fake.url).heartbeat();
        expect(beat).to.deep.include({ ok: false, reason: "nonce-mismatch" });
      } finally {
        fake.server.close();
      }
    });

    it("is bad-signature when an agent rewrites the signed GPU list (hash recomputed)", async () => {
      const agent = await agentWith({ backend: SimulatedBackend.fromRecording("h200x8") });
      const forger = await fakeAgent(() => undefined);
      forger.server.removeAllListeners("request");
      forger.server.on("request", (request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", async () => {
          const real = (await (await fetch(`${agent.url}/v1/heartbeat`, { method: "POST", body: Buffer.concat(chunks) })).json()) as {
            gpus: { uuid: string; healthy: boolean }[];
          };
          const gpus = real.gpus.map((gpu) => ({ ...gpu, healthy: true }));
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...real, gpus, gpusHash: gpusHash(gpus) }));
        });
      });
      try {
        expect(await clientOf(forger.url).heartbeat()).to.deep.include({ ok: false, reason: "bad-signature" });
      } finally {
        forger.server.close();
      }
    });

    it("is malformed for an answer that is not a heartbeat", async () => {
      const fake = await fakeAgent(() => ({ hello: "world" }));
      try {
        const beat = await clientOf(fake.url).heartbeat();
        expect(beat).to.deep.include({ ok: false, reason: "malformed" });
        expect(!beat.ok && beat.detail).to.contain("provider");
      } finally {
        fake.server.close();
      }
    });

    it("is unreachable when the agent is down", async () => {
      const agent = await agentWith();
      await agent.close();
      const beat = await clientOf(agent.url).heartbeat();
      expect(beat).to.deep.include({ ok: false, reason: "unreachable" });
      expect(!beat.ok && beat.detail).to.contain("ECONNREFUSED");
    });

    it("is timeout when the agent answers after the deadline", async () => {
      const agent = await agentWith({ backend: SimulatedBackend.fromRecording("h100", { delayMs: 600 }) });
      const startedAt = performance.now();
      const beat = await clientOf(agent.url, 150).heartbeat();
      expect(beat).to.deep.include({ ok: false, reason: "timeout" });
      expect(performance.now() - startedAt).to.be.below(550);
    });

    it("is unhealthy, with the signed heartbeat, when a GPU has an uncorrected ECC error; a lease on other GPUs is up", async () => {
      const agent = await agentWith({ backend: SimulatedBackend.fromRecording("h200x8") });
      const client = clientOf(agent.url);
      const beat = await client.heartbeat();
      if (beat.ok) expect.fail("expected unhealthy");
      expect(beat.reason).to.equal("unhealthy");
      expect(beat.heartbeat?.gpus).to.have.length(8);
      const sick = beat.heartbeat!.gpus[5]!.uuid;
      expect(beat.detail).to.equal(`unhealthy ${sick}`);
      const lease = beat.heartbeat!.gpus.slice(0, 2).map((gpu) => gpu.uuid);
      expect((await client.heartbeat(undefined, { requireGpus: lease })).ok).to.equal(true);
      expect(await client.heartbeat(undefined, { requireGpus: ["GPU-not-here"] })).to.deep.include({ ok: false, reason: "unhealthy", detail: "missing GPU-not-here" });
    });

    it("is unhealthy when the backend is down, and up again when it recovers", async () => {
      const backend = SimulatedBackend.fromRecording("h100");
      const agent = await agentWith({ backend });
      const client = clientOf(agent.url);
      backend.setDown(true);
      const beat = await client.heartbeat();
      expect(beat).to.deep.include({ ok: false, reason: "unhealthy" });
      expect(!beat.ok && beat.detail).to.contain("couldn't communicate with the NVIDIA driver");
      backend.setDown(false);
      expect((await client.heartbeat()).ok).to.equal(true);
    });
  });

  describe("matrix-product challenge", () => {
    it("an honest agent with the CPU executor passes at small n", async () => {
      const agent = await agentWith();
      const verdict = await clientOf(agent.url).runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: SMALL }));
      expect(verdict).to.include({ passed: true, reason: "passed" });
      expect(verdict.timings.commitMs).to.be.greaterThan(0);
    });

    it("an agent that lies about y fails Freivalds' check", async () => {
      const agent = await agentWith({ executor: new CheatingExecutor() });
      const verdict = await clientOf(agent.url).runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: SMALL }));
      expect(verdict).to.include({ passed: false, reason: "freivalds" });
    });

    it("an agent that refuses n beyond its limit fails as malformed with its reason", async () => {
      const agent = await agentWith({ maxMatmulN: 16 });
      const verdict = await clientOf(agent.url).runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: SMALL }));
      expect(verdict).to.include({ passed: false, reason: "malformed" });
      expect(verdict.detail).to.contain("invalid-field [n]");
    });

    it("a down agent fails the challenge, reported as unreachable", async () => {
      const agent = await agentWith();
      await agent.close();
      const verdict = await clientOf(agent.url).runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: SMALL }));
      expect(verdict).to.include({ passed: false, reason: "malformed" });
      expect(verdict.detail).to.contain("unreachable");
    });

    it("a commitment that never comes is a deadline failure", async () => {
      const fake = await fakeAgent(() => undefined);
      fake.server.removeAllListeners("request");
      fake.server.on("request", () => undefined);
      try {
        const client = new AgentClient(fake.url, { expectedProvider: account.address, chainId: CHAIN_ID, challengeGraceMs: 50, signer: oracle });
        const verdict = await client.runMatmulChallenge(new Verifier({ modelClass: "H100", parameters: { ...SMALL, commitDeadlineMs: 100 } }));
        expect(verdict).to.include({ passed: false, reason: "deadline" });
      } finally {
        fake.server.closeAllConnections();
        fake.server.close();
      }
    });

    it("holds a bounded number of challenges: the oldest is evicted", async () => {
      const agent = await agentWith({ maxChallenges: 2 });
      const verifiers = [0, 1, 2].map(() => new Verifier({ modelClass: "H100", parameters: SMALL }));
      const { encodeIssue, encodeReveal, decodeCommitment } = await import("../../../src/oracle/agent/codec.js");
      const reveals = [];
      for (const verifier of verifiers) {
        const body = JSON.stringify(encodeIssue(verifier.issue()));
        const auth = await signRequest({ signer: oracle, chainId: CHAIN_ID, audience: account.address, method: "POST", path: "/v1/challenge/matmul/issue", body });
        const commit = await (await fetch(`${agent.url}/v1/challenge/matmul/issue`, { method: "POST", body, headers: auth })).json();
        const next = verifier.onCommit(decodeCommitment(commit));
        if (next.type === "verdict") expect.fail(next.detail);
        reveals.push(next);
      }
      const first = await post(agent.url, "/v1/challenge/matmul/reveal", JSON.stringify(encodeReveal(reveals[0]!)));
      expect(first.status).to.equal(404);
      expect(first.json.error).to.deep.include({ code: "unknown-challenge", field: "id" });
      const last = await post(agent.url, "/v1/challenge/matmul/reveal", JSON.stringify(encodeReveal(reveals[2]!)));
      expect(last.status).to.equal(200);
    });
  });

  describe("memory challenge", () => {
    it("an honest agent passes; one asked for more than its fill limit refuses", async () => {
      const agent = await agentWith({ maxMemoryFillBytes: 64 * 1024 });
      const client = clientOf(agent.url);
      const verdict = await client.runMemoryChallenge(new MemoryVerifier({ modelClass: "H100", parameters: MEMORY }));
      expect(verdict).to.include({ passed: true, reason: "passed" });
      const refused = await client.runMemoryChallenge(new MemoryVerifier({ modelClass: "H100", parameters: { ...MEMORY, claimedBytes: 128 * 1024 } }));
      expect(refused).to.include({ passed: false, reason: "malformed" });
      expect(refused.detail).to.contain("[chunkCount]");
    });

    it("an agent that answers the walk with made-up numbers fails", async () => {
      const fake = await fakeAgent((path, body) => {
        const { id, steps } = body as { id: string; steps?: number };
        if (path.endsWith("/memory/issue")) return { type: "memory-filled", id };
        return { type: "memory-answers", id, answers: `0x${"07".repeat(4 * steps!)}` };
      });
      try {
        const verdict = await clientOf(fake.url).runMemoryChallenge(new MemoryVerifier({ modelClass: "H100", parameters: MEMORY }));
        expect(verdict).to.include({ passed: false, reason: "wrong-answer" });
      } finally {
        fake.server.close();
      }
    });
  });

  describe("CC evidence", () => {
    it("replays NVIDIA's sample, which the client verifies for the sample nonce", async () => {
      const agent = await agentWith();
      const result = await clientOf(agent.url).ccEvidence(NONCE, 0, { now: NOW });
      if (!result.ok) expect.fail(`${result.reason}: ${result.detail}`);
      expect(result.evidence.driverVersion).to.equal("550.90.07");
    });

    it("rejects the replay for a fresh nonce, and is cc-unsupported on an A100 host", async () => {
      const agent = await agentWith();
      expect(await clientOf(agent.url).ccEvidence(undefined, 0, { now: NOW })).to.deep.include({ ok: false, reason: "rejected", code: "nonce-mismatch" });
      const a100 = await agentWith({ backend: SimulatedBackend.fromRecording("a100") });
      expect(await clientOf(a100.url).ccEvidence(undefined, 0)).to.deep.include({ ok: false, reason: "cc-unsupported" });
    });
  });

  describe("inventory", () => {
    it("lists the GPUs with their classes and checks the provider", async () => {
      const agent = await agentWith({ backend: SimulatedBackend.fromRecording("rtx4090") });
      const inventory = await clientOf(agent.url).inventory();
      if (!inventory.ok) expect.fail(inventory.detail);
      expect(inventory.gpus.map((gpu) => [gpu.modelClass, gpu.eccErrorsUncorrected])).to.deep.equal([["RTX4090", null]]);
      const other = new AgentClient(agent.url, { expectedProvider: stranger.address, chainId: CHAIN_ID });
      expect(await other.inventory()).to.deep.include({ ok: false, reason: "wrong-provider" });
    });
  });

  describe("bad input", () => {
    it("answers 400 with code and field, never a stack trace", async () => {
      const agent = await agentWith();
      const cases: [string, string, number, string, string | null][] = [
        ["/v1/heartbeat", "not json", 400, "invalid-json", "body"],
        ["/v1/heartbeat", "[]", 400, "invalid-field", "body"],
        ["/v1/heartbeat", '{"nonce":"0x1234"}', 400, "invalid-field", "nonce"],
        ["/v1/challenge/matmul/issue", '{"type":"issue","id":"ab","seed":"0x00","n":4,"commitDeadlineMs":1}', 400, "invalid-field", "seed"],
        ["/v1/challenge/matmul/reveal", '{"type":"reveal","id":"ab","vectors":["0x123"],"rows":[],"responseDeadlineMs":1}', 400, "invalid-field", "vectors[0]"],
        ["/v1/challenge/matmul/reveal", '{"type":"reveal","id":"ab","vectors":[],"rows":[],"responseDeadlineMs":1}', 404, "unknown-challenge", "id"],
        ["/v1/challenge/memory/query", '{"type":"memory-query","id":"ab","nonce":"0x00","steps":1,"walkDeadlineMs":1}', 400, "invalid-field", "nonce"],
        ["/v1/cc/evidence", `{"nonce":"0x${"00".repeat(32)}","gpuIndex":-1}`, 400, "invalid-field", "gpuIndex"],
        ["/v1/cc/evidence", `{"nonce":"0x${"00".repeat(32)}","gpuIndex":9}`, 400, "invalid-field", "gpuIndex"],
        ["/v1/nothing", "{}", 404, "not-found", null],
        ["/v1/inventory", "{}", 405, "method-not-allowed", null],
      ];
      for (const [path, body, status, code, field] of cases) {
        const answer = await post(agent.url, path, body);
        expect([path, body, answer.status], JSON.stringify(answer.json)).to.deep.equal([path, body, status]);
        expect(answer.json.error, `${path} ${body}`).to.deep.include({ code, field });
        expect(answer.json.error!.message).to.not.match(/\bat .*\.ts:\d+/);
      }
    });

    it("answers 413 for a body over the limit", async () => {
      const agent = await agentWith({ maxBodyBytes: 1024 });
      const answer = await post(agent.url, "/v1/heartbeat", JSON.stringify({ nonce: "0x", pad: "x".repeat(4096) }));
      expect(answer.status).to.equal(413);
      expect(answer.json.error?.code).to.equal("too-large");
    });
  });
});
