/**
 * OracleHub's other report types: GPU attestations, fault reports and job verdicts, each verified by quorum and
 * accepted once per report id.
 */
import { expect } from "chai";
import { type OracleHub } from "../../../types/ethers-contracts/index.js";
import { H100 } from "../../helpers/fixture.js";
import { FAULT, OUTCOME, reportDigest, signReport, type FaultReport, type JobVerdict } from "../../helpers/oracle.js";
import { attestation, fault, hash, setup, verdict } from "./fixture.js";

describe("OracleHub.submitGpuAttestation", function () {
  it("writes the registry's inventory once per report id", async function () {
    const x = await setup();
    const provider = x.c.providers[0];
    await x.c.registry.connect(provider).register("ipfs://p0", provider.address);
    const now = BigInt(await x.c.networkHelpers.time.latest());
    const a = attestation(x, provider.address, now);
    const sigs = await signReport(x.nodes.slice(1), x.domain, "GpuAttestation", { ...a });
    const id = reportDigest(x.domain, "GpuAttestation", { ...a });
    const tx = x.hub.connect(x.c.stranger).submitGpuAttestation(a, sigs);
    await expect(tx)
      .to.emit(x.hub, "GpuAttestationAccepted")
      .withArgs(id, provider.address, a.gpuId, x.digest, x.c.stranger.address);
    await expect(tx)
      .to.emit(x.c.registry, "GpuAttested")
      .withArgs(provider.address, a.gpuId, H100, a.tier, a.memoryMiB, a.evidenceHash, a.expiresAt);
    const gpu = await x.c.registry.getGpu(provider.address, a.gpuId);
    expect([gpu.modelClass, gpu.expiresAt, gpu.memoryMiB, gpu.tier, gpu.evidenceHash]).to.deep.equal([
      H100,
      a.expiresAt,
      a.memoryMiB,
      a.tier,
      a.evidenceHash,
    ]);
    expect((await x.c.registry.getCapacity(provider.address, H100)).attested).to.equal(1n);
    expect(await x.c.registry.gpuOwner(a.gpuId)).to.equal(provider.address);
    expect(await x.hub.isAccepted(id)).to.equal(true);
    await expect(x.hub.submitGpuAttestation(a, sigs))
      .to.be.revertedWithCustomError(x.hub, "OracleHubReportAlreadyAccepted")
      .withArgs(id);
  });

  it("bubbles up the registry's errors and records nothing", async function () {
    const x = await setup();
    const now = BigInt(await x.c.networkHelpers.time.latest());
    const a = attestation(x, x.c.stranger.address, now);
    const sigs = await signReport(x.nodes, x.domain, "GpuAttestation", { ...a });
    await expect(x.hub.submitGpuAttestation(a, sigs))
      .to.be.revertedWithCustomError(x.c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(x.c.stranger.address, 0n);
    expect(await x.hub.isAccepted(reportDigest(x.domain, "GpuAttestation", { ...a }))).to.equal(false);
  });
});

describe("OracleHub.submitFaultReport and submitJobVerdict", function () {
  it("accepts a fault report once, with every field in the event", async function () {
    const x = await setup();
    for (const faultType of Object.values(FAULT)) {
      const f = fault(x, { faultType, subject: hash(`subject-${faultType}`) });
      const id = reportDigest(x.domain, "FaultReport", { ...f });
      const sigs = await signReport(x.nodes.slice(0, 3), x.domain, "FaultReport", { ...f });
      await expect(x.hub.connect(x.c.stranger).submitFaultReport(f, sigs))
        .to.emit(x.hub, "FaultReportAccepted")
        .withArgs(id, f.provider, faultType, f.subject, f.epoch, f.evidenceHash, x.digest, x.c.stranger.address);
      expect(await x.hub.isAccepted(id)).to.equal(true);
      await expect(x.hub.submitFaultReport(f, sigs))
        .to.be.revertedWithCustomError(x.hub, "OracleHubReportAlreadyAccepted")
        .withArgs(id);
    }
    for (const faultType of [0n, 5n]) {
      const f = fault(x, { faultType });
      await expect(x.hub.submitFaultReport(f, await signReport(x.nodes, x.domain, "FaultReport", { ...f })))
        .to.be.revertedWithCustomError(x.hub, "OracleHubInvalidFaultType")
        .withArgs(faultType);
    }
  });

  it("accepts a job verdict once, with every field in the event", async function () {
    const x = await setup();
    for (const outcome of Object.values(OUTCOME)) {
      const v = verdict(x, { outcome, leaseId: 10n + outcome });
      const id = reportDigest(x.domain, "JobVerdict", { ...v });
      const sigs = await signReport(x.nodes.slice(0, 3), x.domain, "JobVerdict", { ...v });
      await expect(x.hub.submitJobVerdict(v, sigs))
        .to.emit(x.hub, "JobVerdictAccepted")
        .withArgs(id, v.leaseId, v.resultHash, outcome, v.toProvider, x.digest, x.c.deployer.address);
      expect(await x.hub.isAccepted(id)).to.equal(true);
      await expect(x.hub.submitJobVerdict(v, sigs))
        .to.be.revertedWithCustomError(x.hub, "OracleHubReportAlreadyAccepted")
        .withArgs(id);
    }
    // 3 (Abstained) is accepted above; 0 and anything past 3 are not.
    for (const outcome of [0n, 4n]) {
      const v = verdict(x, { outcome });
      await expect(x.hub.submitJobVerdict(v, await signReport(x.nodes, x.domain, "JobVerdict", { ...v })))
        .to.be.revertedWithCustomError(x.hub, "OracleHubInvalidOutcome")
        .withArgs(outcome);
    }
    expect(await x.hub.isAccepted(hash("never submitted"))).to.equal(false);
  });
});
