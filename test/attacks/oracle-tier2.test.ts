/**
 * Attack PoCs against tier-2 (confidential-computing) GPU attestation, from the GPU's evidence to the registry's
 * identity binding (DESIGN.md "Governance and identity": exclusivity applies to tier 2 only):
 * - the high-s twin of a genuine SPDM signature (same content, other report bytes and report hash) is refused;
 * - evidence replayed for a stale nonce (NVIDIA's sample, or a simulated GPU's earlier answer) is refused, and the
 *   card gets no attestation at all (no tier-1 fallback);
 * - evidence of another root (simulated GPUs before a node that trusts NVIDIA's) or with a tampered measurement is
 *   refused;
 * - one tier-2 identity claimed by two providers (or twice by one host) binds one provider only, while a tier-1
 *   identity (a uuid anyone can read) never binds.
 * Nodes are the real `challengeProvider` against real agents (`createAgent`) over HTTP; the chain is the shared
 * in-process fixture, and each on-chain attestation is signed by a quorum (3 of 4) of the local oracle keys.
 */
import { expect } from "chai";
import { verify } from "node:crypto";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { type Agent, createAgent } from "../../src/oracle/agent/server.js";
import { CpuExecutor } from "../../src/oracle/challenge/executors.js";
import { loadReferenceMeasurements, simulatedReferenceMeasurementsPath } from "../../src/oracle/cc/reference.js";
import { parseSpdmEvidence } from "../../src/oracle/cc/spdm.js";
import { P384_ORDER, ccIdentity, simulatedDeviceRoot, splitCertificateChain, verifyGpuEvidence } from "../../src/oracle/cc/verify.js";
import type { CcEvidence, GpuBackend } from "../../src/oracle/gpu/backend.js";
import { type Recording, SimulatedBackend, loadRecording } from "../../src/oracle/gpu/simulated.js";
import {
  type ChallengeOutcome,
  type ChallengeSettings,
  type GpuAttestation,
  ccEvidenceHashOf,
  challengeProvider,
  gpuIdOf,
  signAttestation,
} from "../../src/oracle/node/attest.js";
import { A100, H100, connectCinder } from "../helpers/fixture.js";
import { AT, CHAIN_PEM, NONCE, NOW, REPORT } from "../oracle/cc/vectors.js";

const { loadCinder } = await connectCinder();
const MNEMONIC = "test test test test test test test test test test test junk";
/** The fixture's providers (signers 6..9) and oracle set (signers 10..13) as viem accounts. */
const providerKeys = [6, 7, 8, 9].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const oracleKeys = [10, 11, 12].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const SIMULATION: ChallengeSettings["cc"] = { trust: "simulation", referenceMeasurements: loadReferenceMeasurements(simulatedReferenceMeasurementsPath()) };
const SETTINGS: ChallengeSettings = {
  roundSeconds: 3_600,
  validitySeconds: 86_400,
  classNames: { H100: "H100-80GB", A100: "A100-80GB" },
  matmul: { n: 16, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
  memory: false,
  cc: SIMULATION,
};

/** The report with its signature's s replaced by n - s: the malleable twin, which plain ECDSA verification accepts. */
function highS(report: Uint8Array): Buffer {
  const out = Buffer.from(report);
  const at = out.length - 48;
  const s = BigInt(`0x${out.subarray(at).toString("hex")}`);
  Buffer.from((P384_ORDER - s).toString(16).padStart(96, "0"), "hex").copy(out, at);
  return out;
}

/** A backend that answers like `inner` but passes every evidence answer through `tamper` (a lying agent's host). */
function tampering(inner: GpuBackend, tamper: (evidence: CcEvidence, nonce: Uint8Array, gpuIndex: number) => Promise<CcEvidence> | CcEvidence): GpuBackend {
  return {
    description: `tampering ${inner.description}`,
    listGpus: () => inner.listGpus(),
    probeHealth: () => inner.probeHealth(),
    ccEvidence: async (nonce, gpuIndex) => tamper(await inner.ccEvidence(nonce, gpuIndex), nonce, gpuIndex),
  };
}

describe("Attack: forged, replayed and duplicated confidential-computing evidence (tier 2)", function () {
  this.timeout(120_000);
  const agents: Agent[] = [];

  async function agentOf(account: HDAccount, backend: GpuBackend): Promise<{ account: HDAccount; client: AgentClient }> {
    const agent = await createAgent({ account, backend, executor: new CpuExecutor(), chainId: 31337, maxMatmulN: 64, maxMemoryFillBytes: 64 * 1024, oracleSet: oracleKeys.map((k) => k.address) });
    agents.push(agent);
    return { account, client: new AgentClient(agent.url, { expectedProvider: account.address, chainId: 31337, timeoutMs: 5_000, signer: oracleKeys[0]! }) };
  }

  async function challenge(host: { account: HDAccount; client: AgentClient }, settings: ChallengeSettings = SETTINGS, now = 1_800_000_000): Promise<ChallengeOutcome> {
    return challengeProvider({ client: host.client, provider: host.account.address, configDigest: `0x${"cd".repeat(32)}`, now, leased: false, settings });
  }

  after(async () => {
    for (const agent of agents) await agent.close();
  });

  describe("the high-s twin of a genuine SPDM signature", function () {
    it("refuses the twin of NVIDIA's genuine sample signature, which plain ECDSA verification accepts", () => {
      const twin = highS(REPORT);
      const evidence = parseSpdmEvidence(twin);
      const [leaf] = splitCertificateChain(CHAIN_PEM);
      // The attack is real: the twin is a valid ECDSA signature of the same bytes, with another report hash.
      expect(verify("sha384", evidence.signedBytes, { key: leaf!.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(evidence.response.signature.slice(2), "hex"))).to.equal(true);
      expect(keccak256(twin)).to.not.equal(keccak256(REPORT));
      expect(verifyGpuEvidence({ report: REPORT, certChainPem: CHAIN_PEM, expectedNonce: NONCE, now: NOW }).gpu.model).to.equal("GH100 A01 GSP BROM");
      expect(() => verifyGpuEvidence({ report: twin, certChainPem: CHAIN_PEM, expectedNonce: NONCE, now: NOW }))
        .to.throw("non-canonical-signature: the report's signature has a high s (s > n / 2); only the low-s form is accepted")
        .with.property("offset", AT.signature + 48);
    });

    it("gives a card whose agent sends only high-s twins no attestation, after the retries a non-normalizing GPU gets", async () => {
      let asked = 0;
      const backend = tampering(SimulatedBackend.fromRecording("h100-cc"), (evidence) => {
        asked++;
        return { ...evidence, report: highS(evidence.report) };
      });
      const outcome = await challenge(await agentOf(providerKeys[0]!, backend));
      expect(asked).to.equal(6); // 3 tries for each of the 2 cards
      expect(outcome.attestations).to.deep.equal([]);
      expect(outcome.detail).to.contain("GPU 0 refused: CC evidence rejected: non-canonical-signature: the report's signature has a high s");
      expect(outcome.detail).to.contain("GPU 1 refused: CC evidence rejected: non-canonical-signature");
    });
  });

  describe("evidence replayed for a stale nonce", function () {
    it("refuses NVIDIA's genuine sample replayed to a node trusting NVIDIA's root, with no tier-1 fallback", async () => {
      const sample = parseSpdmEvidence(REPORT);
      const references = Object.fromEntries(sample.response.blocks.map((block) => [block.index, [block.value]]));
      const outcome = await challenge(await agentOf(providerKeys[0]!, SimulatedBackend.fromRecording("h100")), { ...SETTINGS, cc: { trust: "nvidia", referenceMeasurements: references } });
      expect(outcome.attestations).to.deep.equal([]);
      expect(outcome.detail).to.match(/GPU 0 refused: CC evidence rejected: nonce-mismatch: the report answers nonce 0x931d8dd0.*, not 0x[0-9a-f]{64}/);
      expect(outcome.detail).to.contain("GPU 1 refused: CC evidence rejected: nonce-mismatch");
    });

    it("refuses a simulated GPU's genuine earlier answer replayed for the node's fresh nonce", async () => {
      const genuine = SimulatedBackend.fromRecording("h100-cc");
      const captured = await genuine.ccEvidence(new Uint8Array(32).fill(7), 0);
      const backend = tampering(genuine, () => captured);
      const outcome = await challenge(await agentOf(providerKeys[0]!, backend));
      expect(outcome.attestations).to.deep.equal([]);
      expect(outcome.detail).to.match(/GPU 0 refused: CC evidence rejected: nonce-mismatch: the report answers nonce 0x(07){32}, not 0x[0-9a-f]{64}/);
    });
  });

  describe("evidence of the wrong root or measurements", function () {
    it("refuses the simulated GPUs' evidence before a node that trusts NVIDIA's root (the test root is pinned only in simulation)", async () => {
      const outcome = await challenge(await agentOf(providerKeys[0]!, SimulatedBackend.fromRecording("h100-cc")), { ...SETTINGS, cc: { ...SIMULATION!, trust: "nvidia" } });
      expect(outcome.attestations).to.deep.equal([]);
      expect(outcome.detail).to.contain('GPU 0 refused: CC evidence rejected: untrusted-root: the chain ends at "GH100 A01 GSP BROM"');
    });

    it("refuses evidence whose signed measurement differs from the reference values", async () => {
      const recording = loadRecording("h100-cc");
      const template = Buffer.from(recording.ccSigner!.template);
      const block = parseSpdmEvidence(template).response.blocks.find((b) => b.index === 2)!;
      template[block.offset + 7] ^= 0x01; // first byte of measurement 2's value; the simulated GPU signs it as its own
      const tampered: Recording = { ...recording, ccSigner: { ...recording.ccSigner!, template } };
      const outcome = await challenge(await agentOf(providerKeys[0]!, new SimulatedBackend(tampered)));
      expect(outcome.attestations).to.deep.equal([]);
      expect(outcome.detail).to.contain("GPU 0 refused: CC evidence rejected: measurement-mismatch: measurement 2 is 0x8148dfd1");
    });
  });

  describe("one tier-2 identity claimed twice", function () {
    it("binds the identity to the first provider: a second provider presenting it is refused on chain, and the record stays the first's", async () => {
      const c = await loadCinder();
      const [first, second] = c.providers;
      for (const p of [first!, second!]) await c.registry.connect(p).register("ipfs://tier2", p.address);
      const domain = { chainId: 31337, oracleHub: (await c.oracleHub.getAddress()) as Address };
      const configDigest = (await c.oracleHub.configDigest()) as Hex;
      const now = Number(await c.networkHelpers.time.latest());
      const submit = async (attestation: GpuAttestation) =>
        c.oracleHub.submitGpuAttestation(attestation, await Promise.all(oracleKeys.map((key) => signAttestation(key, domain, attestation))));
      const attest = async (account: HDAccount) => {
        const host = await agentOf(account, SimulatedBackend.fromRecording("h100-cc"));
        const outcome = await challengeProvider({ client: host.client, provider: account.address, configDigest, now, leased: false, settings: SETTINGS });
        expect(outcome.attestations).to.have.length(2);
        return outcome.attestations;
      };
      const ofFirst = await attest(providerKeys[0]!);
      const ofSecond = await attest(providerKeys[1]!);
      // Both hosts show the same two simulated GPUs: the same identities and evidence hashes, different providers.
      expect(ofSecond.map((a) => [a.gpuId, a.evidenceHash, a.tier])).to.deep.equal(ofFirst.map((a) => [a.gpuId, a.evidenceHash, a.tier]));
      expect(ofFirst[0]!.tier).to.equal(2);
      for (const a of ofFirst) await expect(submit(a)).to.emit(c.registry, "GpuAttested").withArgs(first!.address, a.gpuId, H100, 2n, a.memoryMiB, a.evidenceHash, a.expiresAt);
      for (const a of ofSecond) {
        await expect(submit(a)).to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuBoundElsewhere").withArgs(a.gpuId, first!.address);
        expect(await c.registry.gpuOwner(a.gpuId)).to.equal(first!.address);
      }
      expect((await c.registry.getCapacity(first!.address, H100)).attested).to.equal(2n);
      expect((await c.registry.getCapacity(second!.address, H100)).attested).to.equal(0n);
      expect((await c.registry.getGpu(second!.address, ofFirst[0]!.gpuId)).expiresAt).to.equal(0n);
    });

    it("refuses the second card of a host whose two cards present one identity", async () => {
      const genuine = SimulatedBackend.fromRecording("h100-cc");
      const backend = tampering(genuine, (_evidence, nonce) => genuine.ccEvidence(nonce, 0));
      const outcome = await challenge(await agentOf(providerKeys[0]!, backend));
      expect(outcome.attestations).to.have.length(1);
      expect(outcome.detail).to.contain("GPU 1 refused: its CC identity is another card's of this host");
    });

    it("a tier-1 identity never binds: two providers listing the same uuid are both attested, and no one owns it", async () => {
      const c = await loadCinder();
      const [first, second] = c.providers;
      for (const p of [first!, second!]) await c.registry.connect(p).register("ipfs://tier1", p.address);
      const domain = { chainId: 31337, oracleHub: (await c.oracleHub.getAddress()) as Address };
      const configDigest = (await c.oracleHub.configDigest()) as Hex;
      const now = Number(await c.networkHelpers.time.latest());
      const [card] = await SimulatedBackend.fromRecording("a100").listGpus();
      for (const [i, p] of [first!, second!].entries()) {
        // A100 hosts have no CC (the agent says cc-unsupported): tier 1, identified by the uuid.
        const host = await agentOf(providerKeys[i]!, SimulatedBackend.fromRecording("a100"));
        const outcome = await challengeProvider({ client: host.client, provider: providerKeys[i]!.address, configDigest, now, leased: false, settings: SETTINGS });
        const a = outcome.attestations[0]!;
        expect([a.tier, a.gpuId]).to.deep.equal([1, gpuIdOf(card!.uuid)]);
        await expect(c.oracleHub.submitGpuAttestation(a, await Promise.all(oracleKeys.map((key) => signAttestation(key, domain, a)))))
          .to.emit(c.registry, "GpuAttested")
          .withArgs(p.address, a.gpuId, A100, 1n, a.memoryMiB, a.evidenceHash, a.expiresAt);
      }
      expect(await c.registry.gpuOwner(gpuIdOf(card!.uuid))).to.equal(c.ethers.ZeroAddress);
      expect((await c.registry.getCapacity(second!.address, A100)).attested).to.be.greaterThan(0n);
    });
  });

  it("tier-2 fields are what every node derives alike: the device identity and the nonce-free evidence hash", async () => {
    const outcome = await challenge(await agentOf(providerKeys[0]!, SimulatedBackend.fromRecording("h100-cc")));
    const again = await challenge(await agentOf(providerKeys[0]!, SimulatedBackend.fromRecording("h100-cc")));
    expect(again.attestations).to.deep.equal(outcome.attestations);
    const backend = SimulatedBackend.fromRecording("h100-cc");
    const nonce = new Uint8Array(32).fill(1);
    const evidence = await backend.ccEvidence(nonce, 1);
    const verified = verifyGpuEvidence({ ...evidence, expectedNonce: nonce, roots: [simulatedDeviceRoot()] });
    expect(outcome.attestations[1]).to.include({ gpuId: ccIdentity(verified), evidenceHash: ccEvidenceHashOf(verified), tier: 2 });
    expect(outcome.attestations[1]!.gpuId).to.not.equal(keccak256(toBytes("cinder/gpu/v1:GPU-c4a90f35-2e71-4b8d-a0f6-93d15e8b2c44")));
  });
});
