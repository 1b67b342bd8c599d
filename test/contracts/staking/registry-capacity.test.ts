/**
 * ProviderRegistry capacity: offers, the job market's capacity commitments and releases, and the stake a
 * provider's attested GPUs require.
 */
import { expect } from "chai";
import {
  A100,
  A100_STAKE_PER_GPU,
  attest,
  DAY,
  H100,
  H100_STAKE_PER_GPU,
  jailFor,
  latest,
  loadCinder,
  MAX_PRICE,
  onboardProvider,
  ONE,
  register,
  STATUS,
  UNKNOWN_CLASS,
} from "./fixture.js";

describe("ProviderRegistry.setOffer", function () {
  it("publishes an offer and reprices it, up to MAX_PRICE_PER_GPU_HOUR", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).setOffer(H100, 2_500_000n))
      .to.emit(c.registry, "OfferPublished")
      .withArgs(p1.address, H100, 2_500_000n);
    let offer = await c.registry.getOffer(p1.address, H100);
    expect(offer.pricePerGpuHour).to.equal(2_500_000n);
    expect(offer.active).to.equal(true);
    expect(await c.registry.MAX_PRICE_PER_GPU_HOUR()).to.equal(MAX_PRICE);
    await expect(c.registry.connect(p1).setOffer(H100, MAX_PRICE))
      .to.emit(c.registry, "OfferPublished")
      .withArgs(p1.address, H100, MAX_PRICE);
    offer = await c.registry.getOffer(p1.address, H100);
    expect(offer.pricePerGpuHour).to.equal(MAX_PRICE);
    expect(offer.active).to.equal(true);
    expect((await c.registry.getOffer(p1.address, A100)).active).to.equal(false);
  });

  it("reverts unless the caller is an active provider (none, jailed, exited)", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    await expect(c.registry.connect(c.stranger).setOffer(H100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(c.stranger.address, STATUS.None);
    await register(c, p1);
    await jailFor(c, p1.address, DAY);
    await expect(c.registry.connect(p1).setOffer(H100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Jailed);
    await register(c, p2);
    await c.registry.connect(p2).exit();
    await expect(c.registry.connect(p2).setOffer(H100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p2.address, STATUS.Exited);
  });

  it("reverts for an unknown or a disabled model class", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).setOffer(UNKNOWN_CLASS, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(UNKNOWN_CLASS);
    await c.registry.connect(c.governance).setModelClass(A100, A100_STAKE_PER_GPU, false);
    await expect(c.registry.connect(p1).setOffer(A100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(A100);
  });

  it("reverts for a zero price and a price above MAX_PRICE_PER_GPU_HOUR", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).setOffer(H100, 0n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidPrice")
      .withArgs(0n, MAX_PRICE);
    await expect(c.registry.connect(p1).setOffer(H100, MAX_PRICE + 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidPrice")
      .withArgs(MAX_PRICE + 1n, MAX_PRICE);
    expect((await c.registry.getOffer(p1.address, H100)).active).to.equal(false);
  });

  it("reverts with EnforcedPause while paused", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(c.guardian).pause();
    await expect(c.registry.connect(p1).setOffer(H100, 1n)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
  });
});

describe("ProviderRegistry.withdrawOffer", function () {
  it("closes an open offer", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(p1).setOffer(H100, 3_000_000n);
    await expect(c.registry.connect(p1).withdrawOffer(H100))
      .to.emit(c.registry, "OfferWithdrawn")
      .withArgs(p1.address, H100);
    const offer = await c.registry.getOffer(p1.address, H100);
    expect(offer.active).to.equal(false);
    expect(offer.pricePerGpuHour).to.equal(3_000_000n);
  });

  it("reverts when no offer is open: never published, or already withdrawn", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).withdrawOffer(A100))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNoOffer")
      .withArgs(p1.address, A100);
    await c.registry.connect(p1).setOffer(H100, 1n);
    await c.registry.connect(p1).withdrawOffer(H100);
    await expect(c.registry.connect(p1).withdrawOffer(H100))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNoOffer")
      .withArgs(p1.address, H100);
  });

  it("still works for a jailed provider and while paused", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(p1).setOffer(H100, 1n);
    await c.registry.connect(p1).setOffer(A100, 1n);
    await jailFor(c, p1.address, DAY);
    await expect(c.registry.connect(p1).withdrawOffer(H100))
      .to.emit(c.registry, "OfferWithdrawn")
      .withArgs(p1.address, H100);
    await c.registry.connect(c.guardian).pause();
    await expect(c.registry.connect(p1).withdrawOffer(A100))
      .to.emit(c.registry, "OfferWithdrawn")
      .withArgs(p1.address, A100);
    expect((await c.registry.getOffer(p1.address, A100)).active).to.equal(false);
  });
});

describe("ProviderRegistry.commitCapacity", function () {
  it("commits free GPUs and counts them per class and per provider", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    for (let i = 0; i < 3; i++) await attest(c, p1.address);
    for (let i = 0; i < 2; i++) await attest(c, p1.address, { modelClass: A100 });
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 2))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(p1.address, H100, 2n, 2n);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, A100, 1))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(p1.address, A100, 1n, 1n);
    const cap = await c.registry.getCapacity(p1.address, H100);
    expect(cap.attested).to.equal(3n);
    expect(cap.committed).to.equal(2n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(1n);
    expect(await c.registry.freeCapacity(p1.address, A100)).to.equal(1n);
    expect((await c.registry.getProvider(p1.address)).committedGpus).to.equal(3n);
  });

  it("never sells one card twice: commits beyond the attested total fail", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 3 });
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 2);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 2))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p1.address, H100, 1n, 2n);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(p1.address, H100, 1n, 3n);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p1.address, H100, 0n, 1n);
    // Another class's free GPUs do not help.
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, A100, 1))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p1.address, A100, 0n, 1n);
    // A release frees a card for the next lease.
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(p1.address, H100, 1n, 3n);
    expect((await c.registry.getProvider(p1.address)).committedGpus).to.equal(3n);
  });

  it("reverts for a zero count", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 1 });
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 0)).to.be.revertedWithCustomError(
      c.registry,
      "ProviderRegistryZeroCount",
    );
  });

  it("reports zero free capacity (not an underflow) when a committed GPU is revoked", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const ids = await onboardProvider(c, p1, { gpus: 2 });
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 2);
    await c.registry.connect(c.attestor).revokeGpu(p1.address, ids[0]);
    const cap = await c.registry.getCapacity(p1.address, H100);
    expect(cap.attested).to.equal(1n);
    expect(cap.committed).to.equal(2n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(0n);
    await expect(c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientCapacity")
      .withArgs(p1.address, H100, 0n, 1n);
    // Releasing one lease still leaves the attested GPU fully committed.
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(0n);
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(1n);
  });
});

describe("ProviderRegistry.releaseCapacity", function () {
  it("releases committed GPUs", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 4 });
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 3);
    await expect(c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 2))
      .to.emit(c.registry, "CapacityReleased")
      .withArgs(p1.address, H100, 2n, 1n);
    expect((await c.registry.getCapacity(p1.address, H100)).committed).to.equal(1n);
    expect(await c.registry.freeCapacity(p1.address, H100)).to.equal(3n);
    expect((await c.registry.getProvider(p1.address)).committedGpus).to.equal(1n);
  });

  it("reverts for more than is committed and for a zero count", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 2 });
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1);
    await expect(c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 2))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryReleaseExceedsCommitted")
      .withArgs(p1.address, H100, 1n, 2n);
    await expect(c.registry.connect(c.exposure).releaseCapacity(p1.address, A100, 1))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryReleaseExceedsCommitted")
      .withArgs(p1.address, A100, 0n, 1n);
    await expect(c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 0)).to.be.revertedWithCustomError(
      c.registry,
      "ProviderRegistryZeroCount",
    );
    expect((await c.registry.getProvider(p1.address)).committedGpus).to.equal(1n);
  });
});

describe("ProviderRegistry.requiredStake", function () {
  it("sums attested GPUs times stakePerGpu over the classes held, and the vault agrees", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const required = 2n * H100_STAKE_PER_GPU + 3n * A100_STAKE_PER_GPU;
    await register(c, p1);
    const h100 = [await attest(c, p1.address), await attest(c, p1.address)];
    const expiresAt = (await latest(c)) + DAY;
    const a100 = [
      await attest(c, p1.address, { modelClass: A100 }),
      await attest(c, p1.address, { modelClass: A100, expiresAt }),
      await attest(c, p1.address, { modelClass: A100 }),
    ];
    expect(await c.registry.requiredStake(p1.address)).to.equal(required);

    await c.vault.connect(p1).stake(required - 1n);
    expect(await c.vault.hasSufficientStake(p1.address)).to.equal(false);
    await c.vault.connect(p1).stake(1n);
    expect(await c.vault.hasSufficientStake(p1.address)).to.equal(true);

    // A governance change of a class's stake applies to GPUs already attested.
    await c.registry.connect(c.governance).setModelClass(A100, A100_STAKE_PER_GPU + ONE, true);
    expect(await c.registry.requiredStake(p1.address)).to.equal(required + 3n * ONE);
    expect(await c.vault.hasSufficientStake(p1.address)).to.equal(false);

    // Revoking and pruning GPUs lowers the requirement.
    await c.registry.connect(c.attestor).revokeGpu(p1.address, a100[0].gpuId);
    expect(await c.registry.requiredStake(p1.address)).to.equal(required - A100_STAKE_PER_GPU + 2n * ONE);
    expect(await c.vault.hasSufficientStake(p1.address)).to.equal(true);
    await c.networkHelpers.time.increaseTo(expiresAt);
    await c.registry.connect(c.stranger).pruneExpired(p1.address, [a100[1].gpuId]);
    expect(await c.registry.requiredStake(p1.address)).to.equal(2n * H100_STAKE_PER_GPU + A100_STAKE_PER_GPU + ONE);
    await c.registry.connect(c.attestor).revokeGpu(p1.address, h100[0].gpuId);
    await c.registry.connect(c.attestor).revokeGpu(p1.address, h100[1].gpuId);
    expect(await c.registry.requiredStake(p1.address)).to.equal(A100_STAKE_PER_GPU + ONE);
    await c.registry.connect(c.attestor).revokeGpu(p1.address, a100[2].gpuId);
    expect(await c.registry.requiredStake(p1.address)).to.equal(0n);
    expect(await c.vault.hasSufficientStake(p1.address)).to.equal(true);
  });

  it("is zero for an unknown provider", async function () {
    const c = await loadCinder();
    expect(await c.registry.requiredStake(c.stranger.address)).to.equal(0n);
    expect(await c.vault.hasSufficientStake(c.stranger.address)).to.equal(true);
  });

  it("costs the same gas however many GPUs of one class the provider holds", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await attest(c, p1.address);
    const one = await c.registry.requiredStake.estimateGas(p1.address);
    for (let i = 1; i < 50; i++) await attest(c, p1.address);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(50n);
    expect(await c.registry.requiredStake(p1.address)).to.equal(50n * H100_STAKE_PER_GPU);
    const fifty = await c.registry.requiredStake.estimateGas(p1.address);
    const diff = fifty > one ? fifty - one : one - fifty;
    expect(diff * 100n < one * 5n, `gas ${one} with 1 GPU, ${fifty} with 50`).to.equal(true);
  });
});
