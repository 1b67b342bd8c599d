/**
 * Oracle node GPU attestation: challenging a real agent (CPU executor, test sizes), the attestation's derived
 * fields, transient failures, and the signed attestation as the OracleHub verifies it (digest equal to the hub's,
 * a quorum of the local oracle keys writes the registry's inventory).
 */
import { expect } from "chai";
import { type Address, keccak256, toBytes } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { AgentClient } from "../../../src/oracle/agent/client.js";
import { type Agent, createAgent } from "../../../src/oracle/agent/server.js";
import { CpuExecutor } from "../../../src/oracle/challenge/executors.js";
import { SimulatedBackend } from "../../../src/oracle/gpu/simulated.js";
import {
  type ChallengeSettings,
  attestationDigest,
  attestationSigner,
  challengeProvider,
  evidenceHashOf,
  gpuIdOf,
  signAttestation,
} from "../../../src/oracle/node/attest.js";
import { H100, connectCinder } from "../../helpers/fixture.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const provider = mnemonicToAccount(MNEMONIC, { addressIndex: 6 });
const oracleKeys = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const DIGEST = `0x${"cd".repeat(32)}` as const;
const SETTINGS: ChallengeSettings = {
  roundSeconds: 3_600,
  validitySeconds: 86_400,
  classNames: { H100: "H100-80GB" },
  matmul: { n: 24, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
  memory: { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4096, steps: 64, checks: 8, walkDeadlineMs: 20_000 },
};

describe("oracle node: GPU challenges and attestations", function () {
  this.timeout(60_000);
  let agent: Agent;
  const client = (url: string, expected: Address = provider.address) => new AgentClient(url, { expectedProvider: expected, chainId: 31337, timeoutMs: 2_000, signer: oracleKeys[0] });

  before(async () => {
    agent = await createAgent({ account: provider, backend: SimulatedBackend.fromRecording("h100"), executor: new CpuExecutor(), oracleSet: oracleKeys.map((k) => k.address), chainId: 31337, maxMatmulN: 64, maxMemoryFillBytes: 64 * 1024 });
  });
  after(async () => agent.close());

  it("attests every card of a class whose challenges pass, with fields every node derives alike", async () => {
    const cards = await SimulatedBackend.fromRecording("h100").listGpus();
    expect(cards.length).to.be.above(1);
    const now = 1_800_000_123;
    const outcome = await challengeProvider({ client: client(agent.url), provider: provider.address, configDigest: DIGEST, now, leased: false, settings: SETTINGS });
    expect(outcome.passed, outcome.detail).to.equal(true);
    expect(outcome.detail).to.match(/H100 matmul \d+ ms, H100 memory passed/);
    expect(outcome.attestations).to.deep.equal(
      cards.map((card) => ({
        configDigest: DIGEST,
        provider: provider.address,
        gpuId: keccak256(toBytes(`cinder/gpu/v1:${card.uuid}`)),
        modelClass: keccak256(toBytes("H100-80GB")),
        memoryMiB: card.memoryTotalMiB,
        tier: 1,
        evidenceHash: evidenceHashOf(card),
        issuedAt: Math.floor(now / 3_600) * 3_600,
        expiresAt: (Math.floor(now / 3_600) + 1) * 3_600 + 86_400,
      })),
    );
    expect(gpuIdOf(cards[1].uuid)).to.equal(outcome.attestations[1].gpuId);
  });

  it("skips the memory challenge while the provider has a running lease", async () => {
    const outcome = await challengeProvider({ client: client(agent.url), provider: provider.address, configDigest: DIGEST, now: 0, leased: true, settings: SETTINGS });
    expect(outcome.passed).to.equal(true);
    expect(outcome.detail).to.not.contain("memory");
  });

  it("judges by what the node saw: a missed deadline and an unreachable agent are no answer, another key is a wrong answer", async () => {
    const slow = await challengeProvider({
      client: client(agent.url),
      provider: provider.address,
      configDigest: DIGEST,
      now: 0,
      leased: true,
      settings: { ...SETTINGS, matmul: { ...SETTINGS.matmul, n: 64, commitDeadlineMs: 0.001 } },
    });
    expect(slow).to.include({ passed: false, answered: false });
    expect(slow.detail).to.contain("H100 matrix challenge: deadline");
    expect(slow.attestations).to.deep.equal([]);
    const down = await challengeProvider({ client: client("http://127.0.0.1:9"), provider: provider.address, configDigest: DIGEST, now: 0, leased: false, settings: SETTINGS });
    expect(down).to.include({ passed: false, answered: false });
    const impostor = await challengeProvider({ client: client(agent.url, oracleKeys[0].address), provider: oracleKeys[0].address, configDigest: DIGEST, now: 0, leased: false, settings: SETTINGS });
    expect(impostor).to.include({ passed: false, answered: true });
    expect(impostor.detail).to.contain("wrong-provider");
  });

  it("signs what the OracleHub verifies: a quorum of node signatures writes the registry's inventory", async () => {
    const { loadCinder } = await connectCinder();
    const c = await loadCinder();
    const signer = c.providers[0];
    await c.registry.connect(signer).register("ipfs://p", signer.address);
    const oracleHub = (await c.oracleHub.getAddress()) as Address;
    const domain = { chainId: 31337, oracleHub };
    const now = Number(await c.networkHelpers.time.latest());
    const configDigest = (await c.oracleHub.configDigest()) as `0x${string}`;
    const outcome = await challengeProvider({ client: client(agent.url), provider: provider.address, configDigest, now, leased: false, settings: SETTINGS });
    const attestation = { ...outcome.attestations[0], provider: signer.address as Address };
    expect(await c.oracleHub.hashGpuAttestation(attestation)).to.equal(attestationDigest(domain, attestation));
    const signatures = await Promise.all(oracleKeys.slice(0, 3).map((key) => signAttestation(key, domain, attestation)));
    expect(await attestationSigner(domain, attestation, signatures[1])).to.equal(oracleKeys[1].address);
    await expect(c.oracleHub.submitGpuAttestation(attestation, signatures.slice(0, 2)))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubBelowThreshold")
      .withArgs(2, 3);
    await c.oracleHub.submitGpuAttestation(attestation, signatures);
    const gpu = await c.registry.getGpu(signer.address, attestation.gpuId);
    expect(gpu.modelClass).to.equal(H100);
    expect(gpu.tier).to.equal(1n);
    expect(gpu.expiresAt).to.equal(BigInt(attestation.expiresAt));
    expect(await c.oracleHub.isAccepted(attestationDigest(domain, attestation))).to.equal(true);
  });
});
