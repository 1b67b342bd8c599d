/**
 * SimulatedBackend: recordings replayed through the nvidia-smi parser, the down switch, and CC evidence replayed from
 * NVIDIA's H100 sample and verified by the tier-2 verifier (src/oracle/cc/verify.ts).
 */
import { expect } from "chai";
import { verifyGpuEvidence } from "../../../src/oracle/cc/verify.js";
import { GpuBackendError } from "../../../src/oracle/gpu/errors.js";
import { RECORDINGS, SimulatedBackend, loadRecording } from "../../../src/oracle/gpu/simulated.js";
import { CHAIN_PEM, NONCE, NOW, REPORT } from "../cc/vectors.js";

const SAMPLE_NONCE = new Uint8Array(Buffer.from(NONCE.slice(2), "hex"));

async function rejection(promise: Promise<unknown>): Promise<GpuBackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(GpuBackendError);
    return error as GpuBackendError;
  }
  throw new Error("expected a GpuBackendError");
}

describe("SimulatedBackend", () => {
  it("ships every recording with notes on what is invented", () => {
    for (const name of RECORDINGS) {
      const recording = loadRecording(name);
      expect(recording.host, name).to.not.equal("");
      expect(recording.notes.length, name).to.be.greaterThan(0);
    }
  });

  it("lists the recorded GPUs and their health", async () => {
    const backend = SimulatedBackend.fromRecording("h200x8");
    expect(backend.description).to.contain("8 x H200");
    expect(await backend.listGpus()).to.have.length(8);
    const health = await backend.probeHealth();
    expect(health.map((gpu) => gpu.healthy)).to.deep.equal([true, true, true, true, true, false, true, true]);
  });

  it("fails like a broken driver when switched down, and recovers when switched up", async () => {
    const backend = SimulatedBackend.fromRecording("h100");
    backend.setDown(true);
    expect(backend.down).to.equal(true);
    const error = await rejection(backend.probeHealth());
    expect(error.code).to.equal("driver-error");
    expect(error.shortMessage).to.contain("couldn't communicate with the NVIDIA driver");
    backend.setDown(false);
    expect(await backend.probeHealth()).to.have.length(2);
  });

  it("replays the broken-driver recording as driver-error", async () => {
    expect((await rejection(SimulatedBackend.fromRecording("broken-driver").listGpus())).code).to.equal("driver-error");
  });

  it("replays NVIDIA's H100 sample evidence, byte for byte, which the CC verifier accepts for the sample nonce", async () => {
    const evidence = await SimulatedBackend.fromRecording("h100").ccEvidence(SAMPLE_NONCE, 1);
    expect(Buffer.from(evidence.report).equals(REPORT)).to.equal(true);
    expect(evidence.certChainPem).to.equal(CHAIN_PEM);
    const verified = verifyGpuEvidence({ report: evidence.report, certChainPem: evidence.certChainPem, expectedNonce: SAMPLE_NONCE, now: NOW });
    expect(verified.driverVersion).to.equal("550.90.07");
    expect(verified.gpu.model).to.equal("GH100 A01 GSP BROM");
  });

  it("a replay cannot answer a fresh nonce: the verifier rejects it with nonce-mismatch", async () => {
    const fresh = new Uint8Array(32).fill(7);
    const evidence = await SimulatedBackend.fromRecording("h100").ccEvidence(fresh, 0);
    expect(() => verifyGpuEvidence({ ...evidence, expectedNonce: fresh, now: NOW })).to.throw("nonce-mismatch");
  });

  it("is cc-unsupported on hosts without CC, and rejects a GPU index the host lacks", async () => {
    const nonce = new Uint8Array(32);
    expect((await rejection(SimulatedBackend.fromRecording("a100").ccEvidence(nonce, 0))).code).to.equal("cc-unsupported");
    expect((await rejection(SimulatedBackend.fromRecording("rtx4090").ccEvidence(nonce, 0))).code).to.equal("cc-unsupported");
    const missing = await rejection(SimulatedBackend.fromRecording("h100").ccEvidence(nonce, 2));
    expect([missing.code, missing.field]).to.deep.equal(["invalid-parameter", "gpuIndex"]);
  });

  it("rejects an unknown recording name, naming the field", () => {
    expect(() => loadRecording("nope" as "h100")).to.throw(GpuBackendError, "[recording]");
  });
});
