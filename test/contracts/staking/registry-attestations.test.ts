/**
 * ProviderRegistry attestations: recording a GPU's attestation, revoking a GPU and pruning expired ones.
 */
import { expect } from "chai";
import {
  A100,
  A100_STAKE_PER_GPU,
  attest,
  attestation,
  bit,
  DAY,
  EVIDENCE,
  H100,
  H100_STAKE_PER_GPU,
  jailFor,
  latest,
  loadCinder,
  MAX_VALIDITY,
  nextGpuId,
  OTHER_EVIDENCE,
  pinNextBlock,
  register,
  STATUS,
  UNKNOWN_CLASS,
} from "./fixture.js";

describe("ProviderRegistry.recordAttestation", function () {
  it("records a new GPU and counts it in its class", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const a = await attestation(c, p1.address, { tier: 2, memoryMiB: 81_920 });
    await expect(c.registry.connect(c.attestor).recordAttestation(a))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(p1.address, a.gpuId, H100, 2n, 81_920n, EVIDENCE, a.expiresAt);
    const gpu = await c.registry.getGpu(p1.address, a.gpuId);
    expect(gpu.modelClass).to.equal(H100);
    expect(gpu.expiresAt).to.equal(a.expiresAt);
    expect(gpu.memoryMiB).to.equal(81_920n);
    expect(gpu.tier).to.equal(2n);
    expect(gpu.evidenceHash).to.equal(EVIDENCE);
    const cap = await c.registry.getCapacity(p1.address, H100);
    expect(cap.attested).to.equal(1n);
    expect(cap.committed).to.equal(0n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(1n);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, H100));
    expect(await c.registry.requiredStake(p1.address)).to.equal(H100_STAKE_PER_GPU);
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(p1.address);
  });

  it("refreshes a re-attested GPU in place", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const first = await attest(c, p1.address, { tier: 0 });
    const refreshed = await attestation(c, p1.address, {
      gpuId: first.gpuId,
      tier: 1,
      memoryMiB: 80_000,
      evidenceHash: OTHER_EVIDENCE,
      expiresAt: first.expiresAt + 5n * DAY,
    });
    await expect(c.registry.connect(c.attestor).recordAttestation(refreshed))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(p1.address, first.gpuId, H100, 1n, 80_000n, OTHER_EVIDENCE, refreshed.expiresAt);
    const gpu = await c.registry.getGpu(p1.address, first.gpuId);
    expect(gpu.tier).to.equal(1n);
    expect(gpu.memoryMiB).to.equal(80_000n);
    expect(gpu.evidenceHash).to.equal(OTHER_EVIDENCE);
    expect(gpu.expiresAt).to.equal(refreshed.expiresAt);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(1n);
    expect(await c.registry.requiredStake(p1.address)).to.equal(H100_STAKE_PER_GPU);
  });

  it("moves a GPU between classes when its class changes", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const a = await attest(c, p1.address);
    await attest(c, p1.address);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, H100));

    await attest(c, p1.address, { gpuId: a.gpuId, modelClass: A100 });
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(1n);
    expect((await c.registry.getCapacity(p1.address, A100)).attested).to.equal(1n);
    const bothBits = (await bit(c, H100)) | (await bit(c, A100));
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(bothBits);
    expect((await c.registry.getGpu(p1.address, a.gpuId)).modelClass).to.equal(A100);
    expect(await c.registry.requiredStake(p1.address)).to.equal(H100_STAKE_PER_GPU + A100_STAKE_PER_GPU);

    // And back again.
    await attest(c, p1.address, { gpuId: a.gpuId, modelClass: H100 });
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(2n);
    expect((await c.registry.getCapacity(p1.address, A100)).attested).to.equal(0n);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, H100));
  });

  it("clears a class's bit in classMask when its last GPU moves to another class", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const a = await attest(c, p1.address);
    await attest(c, p1.address, { gpuId: a.gpuId, modelClass: A100 });
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(0n);
    expect((await c.registry.getCapacity(p1.address, A100)).attested).to.equal(1n);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, A100));
    expect(await c.registry.requiredStake(p1.address)).to.equal(A100_STAKE_PER_GPU);
  });

  it("reverts for a tier above 2", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { tier: 3 })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidTier")
      .withArgs(3n);
  });

  it("records a GPU's attestations in issue order only: one issued no later than the record (or in the future) reverts", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const first = await attest(c, p1.address);
    // Issued in the same second as the record (the same round), or earlier: refused, the record unchanged.
    for (const issuedAt of [first.issuedAt, first.issuedAt - 1n]) {
      const stale = await attestation(c, p1.address, { gpuId: first.gpuId, issuedAt, memoryMiB: 1 });
      await expect(c.registry.connect(c.attestor).recordAttestation(stale))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryStaleAttestation")
        .withArgs(p1.address, first.gpuId, issuedAt, first.issuedAt);
    }
    const at = await pinNextBlock(c, 10n);
    const ahead = await attestation(c, p1.address, { gpuId: first.gpuId, issuedAt: at + 1n });
    await expect(c.registry.connect(c.attestor).recordAttestation(ahead))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryAttestationFromFuture")
      .withArgs(at + 1n, at);
    expect((await c.registry.getGpu(p1.address, first.gpuId)).memoryMiB).to.equal(81_559n);
    // Issued exactly now is fine, and becomes the record's issue time.
    const now = await pinNextBlock(c);
    await c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { gpuId: first.gpuId, issuedAt: now }));
    expect((await c.registry.getGpu(p1.address, first.gpuId)).issuedAt).to.equal(now);
  });

  it("reverts for an expiry not in the future or beyond 30 days, and accepts exactly 30 days", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    expect(await c.registry.MAX_ATTESTATION_VALIDITY()).to.equal(MAX_VALIDITY);

    let at = await pinNextBlock(c, 10n);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { expiresAt: at })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidExpiry")
      .withArgs(at, at, at + MAX_VALIDITY);

    at = await pinNextBlock(c, 10n);
    await expect(
      c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { expiresAt: at - 5n })),
    )
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidExpiry")
      .withArgs(at - 5n, at, at + MAX_VALIDITY);

    at = await pinNextBlock(c, 10n);
    const tooLate = at + MAX_VALIDITY + 1n;
    await expect(
      c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { expiresAt: tooLate })),
    )
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidExpiry")
      .withArgs(tooLate, at, at + MAX_VALIDITY);

    at = await pinNextBlock(c, 10n);
    const a = await attestation(c, p1.address, { expiresAt: at + MAX_VALIDITY });
    await expect(c.registry.connect(c.attestor).recordAttestation(a))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(p1.address, a.gpuId, H100, 1n, 81_559n, EVIDENCE, at + MAX_VALIDITY);
  });

  it("reverts for an unknown or a disabled model class", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(
      c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { modelClass: UNKNOWN_CLASS })),
    )
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(UNKNOWN_CLASS);
    await c.registry.connect(c.governance).setModelClass(A100, A100_STAKE_PER_GPU, false);
    await expect(
      c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { modelClass: A100 })),
    )
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(A100);
  });

  it("reverts for a provider not registered or exited, and accepts a jailed one", async function () {
    const c = await loadCinder();
    const [p1, p2, p3] = c.providers;
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address)))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.None);
    await register(c, p2);
    await c.registry.connect(p2).exit();
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p2.address)))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p2.address, STATUS.Exited);
    await register(c, p3);
    await jailFor(c, p3.address, DAY);
    const a = await attestation(c, p3.address);
    await expect(c.registry.connect(c.attestor).recordAttestation(a))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(p3.address, a.gpuId, H100, 1n, 81_559n, EVIDENCE, a.expiresAt);
  });

  it("binds a tier-2 identity to one provider while its attestation is live", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await register(c, p1);
    await register(c, p2);
    const gpuId = nextGpuId();
    const first = await attest(c, p1.address, { gpuId, tier: 2, expiresAt: (await latest(c)) + DAY });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p1.address);

    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p2.address, { gpuId, tier: 2 })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuBoundElsewhere")
      .withArgs(gpuId, p1.address);
    expect((await c.registry.getCapacity(p2.address, H100)).attested).to.equal(0n);

    // The owner itself may refresh its binding.
    await attest(c, p1.address, { gpuId, tier: 2, expiresAt: first.expiresAt });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p1.address);

    // Once the first attestation expires, the identity is free for another provider.
    await c.networkHelpers.time.increaseTo(first.expiresAt);
    expect(await c.registry.gpuOwner(gpuId)).to.equal(c.ethers.ZeroAddress);
    const second = await attestation(c, p2.address, { gpuId, tier: 2 });
    await expect(c.registry.connect(c.attestor).recordAttestation(second))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(p2.address, gpuId, H100, 2n, 81_559n, EVIDENCE, second.expiresAt);
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p2.address);

    // Now the first provider is the one locked out.
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { gpuId, tier: 2 })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuBoundElsewhere")
      .withArgs(gpuId, p2.address);

    // Pruning the first provider's stale record leaves the second's binding alone.
    await c.registry.connect(c.stranger).pruneExpired(p1.address, [gpuId]);
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p2.address);
  });

  it("never binds an identity at tiers 0 and 1", async function () {
    const c = await loadCinder();
    const [p1, p2, p3] = c.providers;
    await register(c, p1);
    await register(c, p2);
    await register(c, p3);
    const gpuId = nextGpuId();
    await attest(c, p1.address, { gpuId, tier: 1 });
    await attest(c, p2.address, { gpuId, tier: 0 });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(c.ethers.ZeroAddress);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(1n);
    expect((await c.registry.getCapacity(p2.address, H100)).attested).to.equal(1n);
    expect((await c.registry.getGpu(p2.address, gpuId)).tier).to.equal(0n);

    // A tier-2 attestation binds despite lower-tier holders, and lower tiers still are not blocked by it.
    await attest(c, p3.address, { gpuId, tier: 2 });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p3.address);
    await attest(c, p1.address, { gpuId, tier: 1, evidenceHash: OTHER_EVIDENCE });
    expect((await c.registry.getGpu(p1.address, gpuId)).evidenceHash).to.equal(OTHER_EVIDENCE);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { gpuId, tier: 2 })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuBoundElsewhere")
      .withArgs(gpuId, p3.address);
  });

  it("drops the binding when the owner's GPU falls to a lower tier", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await register(c, p1);
    await register(c, p2);
    const gpuId = nextGpuId();
    await attest(c, p1.address, { gpuId, tier: 2 });
    await attest(c, p1.address, { gpuId, tier: 1 });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(c.ethers.ZeroAddress);
    await attest(c, p2.address, { gpuId, tier: 2 });
    expect(await c.registry.gpuOwner(gpuId)).to.equal(p2.address);
  });
});

describe("ProviderRegistry.revokeGpu", function () {
  it("removes the GPU, its capacity, its stake requirement and its binding", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await register(c, p1);
    await register(c, p2);
    const a = await attest(c, p1.address, { tier: 2 });
    const b = await attest(c, p1.address, { modelClass: A100 });
    await expect(c.registry.connect(c.attestor).revokeGpu(p1.address, a.gpuId))
      .to.emit(c.registry, "GpuRemoved")
      .withArgs(p1.address, a.gpuId, H100, false);
    const gpu = await c.registry.getGpu(p1.address, a.gpuId);
    expect(gpu.expiresAt).to.equal(0n);
    expect(gpu.modelClass).to.equal(c.ethers.ZeroHash);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(0n);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, A100));
    expect(await c.registry.requiredStake(p1.address)).to.equal(A100_STAKE_PER_GPU);
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(c.ethers.ZeroAddress);
    // The identity is free for another provider at once.
    await attest(c, p2.address, { gpuId: a.gpuId, tier: 2 });
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(p2.address);

    await c.registry.connect(c.attestor).revokeGpu(p1.address, b.gpuId);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(0n);
    expect(await c.registry.requiredStake(p1.address)).to.equal(0n);
  });

  it("frees the tier-2 identity of an exited provider's GPU at once", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await register(c, p1);
    await register(c, p2);
    const a = await attest(c, p1.address, { tier: 2 });
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(p1.address);
    await c.registry.connect(p1).exit();
    // An exited provider binds nothing: the card can move to its new provider without waiting for expiry.
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(c.ethers.ZeroAddress);
    await attest(c, p2.address, { gpuId: a.gpuId, tier: 2 });
    expect(await c.registry.gpuOwner(a.gpuId)).to.equal(p2.address);
  });

  it("lets the attestor revoke an exited provider's GPU", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const a = await attest(c, p1.address, { tier: 2 });
    await c.registry.connect(p1).exit();
    await expect(c.registry.connect(c.attestor).revokeGpu(p1.address, a.gpuId))
      .to.emit(c.registry, "GpuRemoved")
      .withArgs(p1.address, a.gpuId, H100, false);
    expect((await c.registry.getGpu(p1.address, a.gpuId)).expiresAt).to.equal(0n);
  });

  it("reverts for a GPU the provider does not hold", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await register(c, p1);
    await register(c, p2);
    const unknown = nextGpuId();
    await expect(c.registry.connect(c.attestor).revokeGpu(p1.address, unknown))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownGpu")
      .withArgs(p1.address, unknown);
    const a = await attest(c, p1.address);
    await expect(c.registry.connect(c.attestor).revokeGpu(p2.address, a.gpuId))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownGpu")
      .withArgs(p2.address, a.gpuId);
    await c.registry.connect(c.attestor).revokeGpu(p1.address, a.gpuId);
    await expect(c.registry.connect(c.attestor).revokeGpu(p1.address, a.gpuId))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownGpu")
      .withArgs(p1.address, a.gpuId);
  });
});

describe("ProviderRegistry.pruneExpired", function () {
  it("lets anyone prune expired GPUs, from their expiry on", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const expiresAt = (await latest(c)) + DAY;
    const a = await attest(c, p1.address, { expiresAt, tier: 2 });
    const b = await attest(c, p1.address, { expiresAt, modelClass: A100 });
    const live = await attest(c, p1.address, { expiresAt: expiresAt + DAY });

    await c.networkHelpers.time.setNextBlockTimestamp(expiresAt - 1n);
    await expect(c.registry.connect(c.stranger).pruneExpired(p1.address, [a.gpuId]))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuNotExpired")
      .withArgs(a.gpuId, expiresAt);

    await c.networkHelpers.time.setNextBlockTimestamp(expiresAt);
    await expect(c.registry.connect(c.stranger).pruneExpired(p1.address, [a.gpuId, b.gpuId]))
      .to.emit(c.registry, "GpuRemoved")
      .withArgs(p1.address, a.gpuId, H100, true)
      .and.to.emit(c.registry, "GpuRemoved")
      .withArgs(p1.address, b.gpuId, A100, true);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(1n);
    expect((await c.registry.getCapacity(p1.address, A100)).attested).to.equal(0n);
    expect((await c.registry.getGpu(p1.address, a.gpuId)).expiresAt).to.equal(0n);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal(await bit(c, H100));
    expect(await c.registry.requiredStake(p1.address)).to.equal(H100_STAKE_PER_GPU);

    await expect(c.registry.connect(c.stranger).pruneExpired(p1.address, [live.gpuId]))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryGpuNotExpired")
      .withArgs(live.gpuId, expiresAt + DAY);
  });

  it("takes an expired GPU out of the free capacity once it is pruned", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const expiresAt = (await latest(c)) + DAY;
    const a = await attest(c, p1.address, { expiresAt });
    await c.networkHelpers.time.increaseTo(expiresAt + 1n);
    // Until someone prunes it, the registry still counts the card (documented: oracle nodes prune every epoch).
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(1n);
    await c.registry.connect(c.stranger).pruneExpired(p1.address, [a.gpuId]);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(0n);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p1.address, H100, 0n, 1n);
  });

  it("reverts the whole batch for an unknown GPU", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const expiresAt = (await latest(c)) + DAY;
    const a = await attest(c, p1.address, { expiresAt });
    await c.networkHelpers.time.increaseTo(expiresAt + 1n);
    const unknown = nextGpuId();
    await expect(c.registry.connect(c.stranger).pruneExpired(p1.address, [a.gpuId, unknown]))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownGpu")
      .withArgs(p1.address, unknown);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(1n);
  });
});
