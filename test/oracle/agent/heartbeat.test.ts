/**
 * Heartbeat verification without a server: the digest equals viem's EIP-712 hash, gpusHash is EIP-712's array
 * encoding, the native and pure-JS signature backends give the same verdicts, the worker pool (binary batches)
 * gives the single thread's results, and the
 * codec round-trips every challenge message. Also the agent CLI's --help and configuration errors.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Hex, concat, encodeAbiParameters, getAddress, hashTypedData, keccak256, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { MemoryVerifier } from "../../../src/oracle/challenge/memory.js";
import { Verifier } from "../../../src/oracle/challenge/protocol.js";
import { parseAgentConfig } from "../../../src/oracle/agent/cli.js";
import * as codec from "../../../src/oracle/agent/codec.js";
import { AgentError } from "../../../src/oracle/agent/errors.js";
import {
  GPU_STATUS_TYPE,
  HEARTBEAT_TYPES,
  HeartbeatVerifier,
  type HeartbeatResponse,
  gpusHash,
  heartbeatDigest,
  heartbeatDomain,
  verifyHeartbeat,
} from "../../../src/oracle/agent/heartbeat.js";
import { HeartbeatVerifierPool } from "../../../src/oracle/agent/heartbeat-pool.js";

const account = privateKeyToAccount(generatePrivateKey());
const GPUS = [
  { uuid: "GPU-5a3c0e2b-1d4f-4c8e-9a7b-2f6d8e1c3b5a", healthy: true },
  { uuid: "GPU-9e1f7c44-82b0-4d1a-b3c6-5e0a9d2f7b18", healthy: false },
];

async function signed(nonce: Hex, chainId = 1, signer = account): Promise<HeartbeatResponse> {
  const message = { provider: signer.address, nonce, timestamp: 1_800_000_000, gpusHash: gpusHash(GPUS) };
  const signature = await signer.signTypedData({
    domain: heartbeatDomain(chainId),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { ...message, timestamp: BigInt(message.timestamp) },
  });
  return { ...message, gpus: GPUS, signature };
}
const nonceOf = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as Hex;

describe("heartbeat signatures", () => {
  it("digests exactly as viem's hashTypedData", () => {
    const message = { provider: account.address, nonce: nonceOf(7), timestamp: 1_800_000_000, gpusHash: gpusHash(GPUS) };
    const viem = hashTypedData({ domain: heartbeatDomain(5), types: HEARTBEAT_TYPES, primaryType: "Heartbeat", message: { ...message, timestamp: 1_800_000_000n } });
    expect(`0x${Buffer.from(heartbeatDigest(message, 5)).toString("hex")}`).to.equal(viem);
  });

  it("hashes the GPU list as EIP-712 encodes a GpuStatus[] member", () => {
    const typeHash = keccak256(stringToHex(GPU_STATUS_TYPE));
    const items = GPUS.map((gpu) =>
      keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "bool" }], [typeHash, keccak256(stringToHex(gpu.uuid)), gpu.healthy])),
    );
    expect(gpusHash(GPUS)).to.equal(keccak256(concat(items)));
    expect(gpusHash([])).to.equal(keccak256("0x"));
  });

  for (const backend of ["native", "js"] as const) {
    it(`gives the same verdicts on the ${backend} signature backend`, async () => {
      const verifier = new HeartbeatVerifier({ backend });
      expect(verifier.backend).to.equal(backend);
      const expected = (nonce: Hex) => ({ expectedProvider: account.address, nonce, chainId: 1 });
      for (let i = 0; i < 3; i++) {
        const response = await signed(nonceOf(i));
        expect(verifier.verify(response, expected(nonceOf(i)))).to.deep.equal({ ok: true, heartbeat: response });
        const flipped = { ...response, signature: `${response.signature.slice(0, 10)}${response.signature[10] === "0" ? "1" : "0"}${response.signature.slice(11)}` as Hex };
        expect(verifier.verify(flipped, expected(nonceOf(i)))).to.deep.include({ ok: false, reason: "bad-signature" });
        expect(verifier.verify(await signed(nonceOf(i), 2), expected(nonceOf(i)))).to.deep.include({ ok: false, reason: "bad-signature" });
      }
      const other = privateKeyToAccount(generatePrivateKey());
      expect(verifier.verify(await signed(nonceOf(9), 1, other), expected(nonceOf(9)))).to.deep.equal({
        ok: false,
        reason: "wrong-provider",
        detail: `signed by ${other.address.toLowerCase()}, expected ${account.address.toLowerCase()}`,
      });
      const response = await signed(nonceOf(4));
      expect(verifier.verify({ ...response, gpus: [GPUS[0]] }, expected(nonceOf(4)))).to.deep.include({ ok: false, reason: "malformed" });
      expect(verifier.verify(response, expected(nonceOf(5)))).to.deep.include({ ok: false, reason: "nonce-mismatch" });
      const zeroR = { ...response, signature: `0x${"00".repeat(32)}${response.signature.slice(66)}` as Hex };
      expect(verifier.verify(zeroR, expected(nonceOf(4)))).to.deep.equal({ ok: false, reason: "bad-signature", detail: "not a canonical (low-s) secp256k1 signature: bad-r: r must be in [1, n)" });
      expect(verifyHeartbeat({ ...response, timestamp: -1 }, expected(nonceOf(4)))).to.deep.include({ ok: false, reason: "malformed" });
      expect(verifyHeartbeat({ ...response, gpus: [{ uuid: "x".repeat(257), healthy: true }] }, expected(nonceOf(4)))).to.deep.equal({
        ok: false,
        reason: "malformed",
        detail: "gpus[0].uuid must be at most 256 characters",
      });
      expect(verifyHeartbeat("nope", expected(nonceOf(1)))).to.deep.include({ ok: false, reason: "malformed" });
    });
  }

  it("rejects a high-s (malleated) copy of a valid signature", async () => {
    const response = await signed(nonceOf(3));
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${response.signature.slice(66, 130)}`);
    const v = Number.parseInt(response.signature.slice(130), 16) === 27 ? "1c" : "1b";
    const malleated = `${response.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${v}` as Hex;
    const check = new HeartbeatVerifier().verify({ ...response, signature: malleated }, { expectedProvider: account.address, nonce: nonceOf(3), chainId: 1 });
    expect(check).to.deep.include({ ok: false, reason: "bad-signature" });
  });

  it("gives the same results on a worker pool as on one thread, in order, on both backends", async function () {
    this.timeout(60_000);
    const items = [];
    for (let i = 0; i < 40; i++) {
      const response = await signed(nonceOf(i));
      const expected = { expectedProvider: account.address, nonce: nonceOf(i), chainId: 1 };
      if (i % 5 === 4) items.push({ response: { ...response, nonce: nonceOf(i + 1) }, expected });
      else if (i % 7 === 6) items.push({ response: { ...response, signature: `0x${"00".repeat(64)}1b` }, expected });
      else if (i % 11 === 10) items.push({ response: { ...response, gpus: "none" }, expected });
      else items.push({ response, expected });
    }
    const single = new HeartbeatVerifier();
    const expected = items.map((item) => single.verify(item.response, item.expected));
    expect(expected.filter((result) => result.ok)).to.have.length(25);
    for (const backend of ["native", "js"] as const) {
      const pool = new HeartbeatVerifierPool({ threads: 2, batchSize: 8, backend });
      try {
        expect(await pool.verifyMany(items)).to.deep.equal(expected);
      } finally {
        await pool.close();
      }
    }
  });

  it("refuses a pool configuration naming the field", () => {
    expect(() => new HeartbeatVerifierPool({ threads: 0 })).to.throw(AgentError, "config: threads must be a positive integer, got 0 [threads]");
    expect(() => new HeartbeatVerifierPool({ batchSize: 1.5 })).to.throw(AgentError, "config: batchSize must be a positive integer, got 1.5 [batchSize]");
  });
});

describe("agent codec", () => {
  it("round-trips the matmul and memory messages through JSON", () => {
    const verifier = new Verifier({ modelClass: "H100", parameters: { n: 8, openings: 2 } });
    const issue = verifier.issue();
    const roundTrip = <T>(encode: (value: T) => codec.Json, decode: (value: unknown) => T, value: T) => decode(JSON.parse(JSON.stringify(encode(value))));
    expect(roundTrip(codec.encodeIssue, codec.decodeIssue, issue)).to.deep.equal(issue);
    const commit = { type: "commit" as const, id: issue.id, root: new Uint8Array(32).fill(9) };
    expect(roundTrip(codec.encodeCommitment, codec.decodeCommitment, commit)).to.deep.equal(commit);
    const reveal = { type: "reveal" as const, id: issue.id, vectors: [Uint16Array.from([1, 65535, 3])], rows: [0, 7], responseDeadlineMs: 5 };
    expect(roundTrip(codec.encodeReveal, codec.decodeReveal, reveal)).to.deep.equal(reveal);
    const response = {
      type: "response" as const,
      id: issue.id,
      products: [BigInt64Array.from([-(2n ** 62n), 0n, 2n ** 62n])],
      openings: [{ index: 7, row: Int32Array.from([-5, 2 ** 30]), proof: [new Uint8Array(32).fill(1)] }],
    };
    expect(roundTrip(codec.encodeResponse, codec.decodeResponse, response)).to.deep.equal(response);
    const memory = new MemoryVerifier({ modelClass: "H100", parameters: { claimedBytes: 4096, fillFraction: 1, chunkBytes: 1024, steps: 4, checks: 1 } });
    const memoryIssue = memory.issue();
    expect(roundTrip(codec.encodeMemoryIssue, codec.decodeMemoryIssue, memoryIssue)).to.deep.equal(memoryIssue);
    const answers = { type: "memory-answers" as const, id: memoryIssue.id, answers: Uint32Array.from([0, 0xffffffff]) };
    expect(roundTrip(codec.encodeMemoryAnswers, codec.decodeMemoryAnswers, answers)).to.deep.equal(answers);
  });

  it("names the field that fails to decode", () => {
    const field = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).to.be.instanceOf(AgentError);
        return (error as AgentError).field;
      }
      return expect.fail("expected an AgentError");
    };
    const opening = { index: 0, row: "0x00000000", proof: ["0x00"] };
    expect(field(() => codec.decodeResponse({ type: "response", id: "ab", products: [], openings: [opening] }))).to.equal("openings[0].proof[0]");
    expect(field(() => codec.decodeResponse({ type: "response", id: "ab", products: ["0x00"], openings: [] }))).to.equal("products[0]");
    expect(field(() => codec.decodeIssue({ type: "commit" }))).to.equal("type");
    expect(field(() => codec.decodeIssue({ type: "issue", id: "XYZ" }))).to.equal("id");
    expect(field(() => codec.decodeMemoryIssue({ type: "memory-issue", id: "ab", seed: `0x${"00".repeat(32)}`, chunkBytes: 6, chunkCount: 1, fillDeadlineMs: 1 }))).to.equal(
      "chunkBytes",
    );
  });
});

describe("agent CLI", () => {
  const key = `0x${"11".repeat(32)}`;
  const configError = (argv: string[], env: NodeJS.ProcessEnv = { CINDER_AGENT_KEY: key }) => {
    try {
      parseAgentConfig(argv, env);
    } catch (error) {
      expect(error).to.be.instanceOf(AgentError);
      expect((error as AgentError).code).to.equal("config");
      return (error as AgentError).field;
    }
    return expect.fail("expected a config error");
  };

  it("reads flags and environment, with defaults", () => {
    const config = parseAgentConfig(["--chain-id", "1", "--backend", "simulated:h200x8"], {
      CINDER_AGENT_KEY: key,
      CINDER_AGENT_PORT: "9000",
      CINDER_ORACLE_HUB: "0x00000000000000000000000000000000000000f1",
      CINDER_RPC_URL: "http://127.0.0.1:8545",
    });
    expect(config).to.deep.include({
      chainId: 1,
      port: 9000,
      host: "127.0.0.1",
      executor: "auto",
      backend: { kind: "simulated", recording: "h200x8" },
      oracleSet: { kind: "hub", rpcUrl: "http://127.0.0.1:8545", oracleHub: getAddress("0x00000000000000000000000000000000000000f1") },
    });
    const listed = parseAgentConfig(["--chain-id", "1", "--oracle-set", "0x00000000000000000000000000000000000000a1, 0x00000000000000000000000000000000000000a2"], { CINDER_AGENT_KEY: key });
    expect(listed).to.deep.include({
      oracleSet: { kind: "list", members: [getAddress("0x00000000000000000000000000000000000000a1"), getAddress("0x00000000000000000000000000000000000000a2")] },
    });
  });

  it("refuses to start without knowing the oracle set, naming the flag", () => {
    expect(configError(["--chain-id", "1"])).to.equal("--oracle-hub");
    expect(configError(["--chain-id", "1", "--oracle-hub", "0x00000000000000000000000000000000000000f1"])).to.equal("--rpc-url");
    expect(configError(["--chain-id", "1", "--oracle-hub", "nope", "--rpc-url", "http://127.0.0.1:8545"])).to.equal("--oracle-hub");
    expect(configError(["--chain-id", "1", "--oracle-set", "0x01,nope"])).to.equal("--oracle-set");
  });

  it("names the flag at fault", () => {
    expect(configError(["--chain-id", "1", "--port", "http"])).to.equal("--port");
    expect(configError(["--port", "1"])).to.equal("--chain-id");
    expect(configError(["--chain-id", "1", "--backend", "simulated:nope"])).to.equal("--backend");
    expect(configError(["--chain-id", "1", "--executor", "tpu"])).to.equal("--executor");
    expect(configError(["--chain-id", "1"], {})).to.equal("--key-file");
    expect(configError(["--chain-id", "1"], { CINDER_AGENT_KEY: "0x12" })).to.equal("CINDER_AGENT_KEY");
    expect(configError(["--chain-id", "1", "--key-file", "/nonexistent/key"])).to.equal("--key-file");
    expect(configError(["--colour"])).to.equal("--colour");
  });

  it("runs under plain Node 22 as `node src/oracle/agent/main.ts --help`", async function () {
    this.timeout(30_000);
    const main = fileURLToPath(new URL("../../../src/oracle/agent/main.ts", import.meta.url));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [main, ...args], { env: { PATH: process.env.PATH } }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr }),
        );
      });
    const help = await run(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain("usage: npm run agent -- [flags]");
    expect(help.stderr).to.equal("");
    const bad = await run(["--chain-id", "zero"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal("cinder-agent: --key-file: no operator key: pass --key-file or set CINDER_AGENT_KEY\n");
  });
});
