/**
 * ProviderRegistry providers: registration, metadata, payout, commission (with its increase delay), jail,
 * unjail and exit.
 */
import { expect } from "chai";
import {
  attestation,
  COMMISSION_DELAY,
  DAY,
  H100,
  H100_STAKE_PER_GPU,
  jailFor,
  latest,
  loadCinder,
  MAX_METADATA,
  onboardProvider,
  ONE,
  pinNextBlock,
  register,
  STATUS,
} from "./fixture.js";

describe("ProviderRegistry.register", function () {
  it("makes the caller an active provider with its payout and metadata", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const payout = c.delegators[0].address;
    await expect(c.registry.connect(p1).register("ipfs://p1", payout))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(p1.address, payout, "ipfs://p1");
    const p = await c.registry.getProvider(p1.address);
    expect(p.status).to.equal(STATUS.Active);
    expect(p.payout).to.equal(payout);
    expect(p.metadataURI).to.equal("ipfs://p1");
    expect(p.commissionBps).to.equal(0n);
    expect(p.pendingCommissionBps).to.equal(0n);
    expect(p.commissionEffectiveAt).to.equal(0n);
    expect(p.jailedUntil).to.equal(0n);
    expect(p.classMask).to.equal(0n);
    expect(p.committedGpus).to.equal(0n);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Active);
    expect(await c.registry.isActive(p1.address)).to.equal(true);
    expect(await c.registry.payoutOf(p1.address)).to.equal(payout);
    expect(await c.registry.statusOf(c.stranger.address)).to.equal(STATUS.None);
    expect(await c.registry.isActive(c.stranger.address)).to.equal(false);
  });

  it("accepts metadata of exactly MAX_METADATA_LENGTH bytes and rejects one byte more", async function () {
    const c = await loadCinder();
    const [p1, p2] = c.providers;
    expect(await c.registry.MAX_METADATA_LENGTH()).to.equal(MAX_METADATA);
    await expect(c.registry.connect(p1).register("x".repeat(513), p1.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryMetadataTooLong")
      .withArgs(513n, MAX_METADATA);
    const longest = "y".repeat(512);
    await expect(c.registry.connect(p2).register(longest, p2.address))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(p2.address, p2.address, longest);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.None);
  });

  it("measures the metadata limit in UTF-8 bytes, not characters", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    // "€" is three bytes in UTF-8: 171 of them are 513 bytes.
    await expect(c.registry.connect(p1).register("€".repeat(171), p1.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryMetadataTooLong")
      .withArgs(513n, MAX_METADATA);
    await expect(c.registry.connect(p1).register("€".repeat(170), p1.address))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(p1.address, p1.address, "€".repeat(170));
  });

  it("reverts for an account already registered, also after it exited", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).register("ipfs://again", p1.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryAlreadyRegistered")
      .withArgs(p1.address, STATUS.Active);
    await c.registry.connect(p1).exit();
    await expect(c.registry.connect(p1).register("ipfs://again", p1.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryAlreadyRegistered")
      .withArgs(p1.address, STATUS.Exited);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Exited);
  });

  it("reverts for a zero payout address", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(p1).register("ipfs://p1", c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryZeroAddress")
      .withArgs("payout");
  });

  it("reverts with EnforcedPause while the guardian has paused the registry", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await c.registry.connect(c.guardian).pause();
    await expect(c.registry.connect(p1).register("ipfs://p1", p1.address)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
    await c.registry.connect(c.guardian).unpause();
    await expect(c.registry.connect(p1).register("ipfs://p1", p1.address))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(p1.address, p1.address, "ipfs://p1");
  });
});

describe("ProviderRegistry.setMetadataURI", function () {
  it("replaces the caller's metadata URI", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).setMetadataURI("https://p1.example/v2"))
      .to.emit(c.registry, "MetadataUpdated")
      .withArgs(p1.address, "https://p1.example/v2");
    expect((await c.registry.getProvider(p1.address)).metadataURI).to.equal("https://p1.example/v2");
  });

  it("reverts for an unregistered caller and for a URI over the limit", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(c.stranger).setMetadataURI("ipfs://x"))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(c.stranger.address, STATUS.None);
    await register(c, p1);
    await expect(c.registry.connect(p1).setMetadataURI("z".repeat(600)))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryMetadataTooLong")
      .withArgs(600n, MAX_METADATA);
    expect((await c.registry.getProvider(p1.address)).metadataURI).to.equal(`ipfs://provider/${p1.address}`);
  });
});

describe("ProviderRegistry.setPayout", function () {
  it("replaces the caller's payout address", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const payout = c.delegators[1].address;
    await register(c, p1);
    await expect(c.registry.connect(p1).setPayout(payout))
      .to.emit(c.registry, "PayoutUpdated")
      .withArgs(p1.address, payout);
    expect(await c.registry.payoutOf(p1.address)).to.equal(payout);
    expect((await c.registry.getProvider(p1.address)).payout).to.equal(payout);
  });

  it("reverts for a zero payout and for an unregistered caller", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(c.stranger).setPayout(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(c.stranger.address, STATUS.None);
    await register(c, p1);
    await expect(c.registry.connect(p1).setPayout(c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryZeroAddress")
      .withArgs("payout");
    expect(await c.registry.payoutOf(p1.address)).to.equal(p1.address);
  });
});

describe("ProviderRegistry.setCommission", function () {
  it("delays an increase by commissionIncreaseDelay", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    expect(await c.registry.commissionIncreaseDelay()).to.equal(COMMISSION_DELAY);
    const at = await pinNextBlock(c);
    await expect(c.registry.connect(p1).setCommission(1_500))
      .to.emit(c.registry, "CommissionChangeScheduled")
      .withArgs(p1.address, 1_500n, at + COMMISSION_DELAY);
    expect(await c.registry.commissionOf(p1.address)).to.equal(0n);
    let p = await c.registry.getProvider(p1.address);
    expect(p.commissionBps).to.equal(0n);
    expect(p.pendingCommissionBps).to.equal(1_500n);
    expect(p.commissionEffectiveAt).to.equal(at + COMMISSION_DELAY);

    await c.networkHelpers.time.increaseTo(at + COMMISSION_DELAY - 10n);
    expect(await c.registry.commissionOf(p1.address)).to.equal(0n);
    expect((await c.registry.getProvider(p1.address)).commissionBps).to.equal(0n);

    await c.networkHelpers.time.increaseTo(at + COMMISSION_DELAY);
    expect(await c.registry.commissionOf(p1.address)).to.equal(1_500n);
    p = await c.registry.getProvider(p1.address);
    expect(p.commissionBps).to.equal(1_500n);
    expect(p.pendingCommissionBps).to.equal(0n);
    expect(p.commissionEffectiveAt).to.equal(0n);
  });

  it("applies a decrease at once", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(p1).setCommission(2_000);
    await c.networkHelpers.time.increase(COMMISSION_DELAY);
    expect(await c.registry.commissionOf(p1.address)).to.equal(2_000n);

    const at = await pinNextBlock(c);
    await expect(c.registry.connect(p1).setCommission(500))
      .to.emit(c.registry, "CommissionChangeScheduled")
      .withArgs(p1.address, 500n, at);
    expect(await c.registry.commissionOf(p1.address)).to.equal(500n);
    const p = await c.registry.getProvider(p1.address);
    expect(p.commissionBps).to.equal(500n);
    expect(p.pendingCommissionBps).to.equal(0n);
    expect(p.commissionEffectiveAt).to.equal(0n);
  });

  it("cancels a pending increase when the commission is lowered", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(p1).setCommission(1_000);
    await c.networkHelpers.time.increase(COMMISSION_DELAY);
    await c.registry.connect(p1).setCommission(4_000);
    await c.registry.connect(p1).setCommission(800);
    await c.networkHelpers.time.increase(COMMISSION_DELAY * 2n);
    expect(await c.registry.commissionOf(p1.address)).to.equal(800n);
    const p = await c.registry.getProvider(p1.address);
    expect(p.pendingCommissionBps).to.equal(0n);
    expect(p.commissionEffectiveAt).to.equal(0n);
  });

  it("restarts the delay when a pending increase is changed again", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const first = await pinNextBlock(c);
    await c.registry.connect(p1).setCommission(1_000);
    await c.networkHelpers.time.increaseTo(first + COMMISSION_DELAY / 2n);
    const second = await pinNextBlock(c);
    await expect(c.registry.connect(p1).setCommission(2_000))
      .to.emit(c.registry, "CommissionChangeScheduled")
      .withArgs(p1.address, 2_000n, second + COMMISSION_DELAY);

    // The first increase's time comes and goes: neither value applies yet.
    await c.networkHelpers.time.increaseTo(first + COMMISSION_DELAY + 10n);
    expect(await c.registry.commissionOf(p1.address)).to.equal(0n);
    const p = await c.registry.getProvider(p1.address);
    expect(p.commissionBps).to.equal(0n);
    expect(p.pendingCommissionBps).to.equal(2_000n);
    expect(p.commissionEffectiveAt).to.equal(second + COMMISSION_DELAY);

    await c.networkHelpers.time.increaseTo(second + COMMISSION_DELAY);
    expect(await c.registry.commissionOf(p1.address)).to.equal(2_000n);
  });

  it("keeps a matured increase in force while a further increase waits", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await c.registry.connect(p1).setCommission(1_000);
    await c.networkHelpers.time.increase(COMMISSION_DELAY + 1n);
    const at = await pinNextBlock(c);
    await c.registry.connect(p1).setCommission(3_000);
    expect(await c.registry.commissionOf(p1.address)).to.equal(1_000n);
    const p = await c.registry.getProvider(p1.address);
    expect(p.commissionBps).to.equal(1_000n);
    expect(p.pendingCommissionBps).to.equal(3_000n);
    expect(p.commissionEffectiveAt).to.equal(at + COMMISSION_DELAY);
  });

  it("accepts 100% and reverts above it, and for an unregistered caller", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(p1).setCommission(10_001))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidCommission")
      .withArgs(10_001n, 10_000n);
    const at = await pinNextBlock(c);
    await expect(c.registry.connect(p1).setCommission(10_000))
      .to.emit(c.registry, "CommissionChangeScheduled")
      .withArgs(p1.address, 10_000n, at + COMMISSION_DELAY);
    await expect(c.registry.connect(c.stranger).setCommission(100))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(c.stranger.address, STATUS.None);
  });
});

describe("ProviderRegistry.jail", function () {
  it("jails an active provider until the given time", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const until = (await latest(c)) + DAY;
    await expect(c.registry.connect(c.slasher).jail(p1.address, until))
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(p1.address, until);
    const p = await c.registry.getProvider(p1.address);
    expect(p.status).to.equal(STATUS.Jailed);
    expect(p.jailedUntil).to.equal(until);
    expect(await c.registry.isActive(p1.address)).to.equal(false);
  });

  it("extends a running jail but never shortens it", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const until = await jailFor(c, p1.address, 2n * DAY);
    await expect(c.registry.connect(c.slasher).jail(p1.address, until - DAY))
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(p1.address, until);
    expect((await c.registry.getProvider(p1.address)).jailedUntil).to.equal(until);
    await expect(c.registry.connect(c.slasher).jail(p1.address, until + DAY))
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(p1.address, until + DAY);
    const p = await c.registry.getProvider(p1.address);
    expect(p.jailedUntil).to.equal(until + DAY);
    expect(p.status).to.equal(STATUS.Jailed);
  });

  it("reverts for an unregistered and an exited provider", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const until = (await latest(c)) + DAY;
    await expect(c.registry.connect(c.slasher).jail(p1.address, until))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.None);
    await register(c, p1);
    await c.registry.connect(p1).exit();
    await expect(c.registry.connect(c.slasher).jail(p1.address, until))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Exited);
  });
});

describe("ProviderRegistry.unjail", function () {
  it("reverts while the jail runs, then succeeds at jailedUntil", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 2 });
    const until = await jailFor(c, p1.address, DAY);
    const early = until - 1n;
    await c.networkHelpers.time.setNextBlockTimestamp(early);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryStillJailed")
      .withArgs(p1.address, until, early);
    await c.networkHelpers.time.setNextBlockTimestamp(until);
    await expect(c.registry.connect(p1).unjail()).to.emit(c.registry, "ProviderUnjailed").withArgs(p1.address);
    const p = await c.registry.getProvider(p1.address);
    expect(p.status).to.equal(STATUS.Active);
    expect(p.jailedUntil).to.equal(0n);
    expect(await c.registry.isActive(p1.address)).to.equal(true);
  });

  it("reverts when a slash left the stake below the requirement, and succeeds after a top-up", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 2 });
    const required = 2n * H100_STAKE_PER_GPU;
    expect(await c.registry.requiredStake(p1.address)).to.equal(required);
    expect(await c.vault.activeStake(p1.address)).to.equal(required);

    const slashed = 150n * ONE;
    await c.vault.connect(c.slasher).executeSlash(p1.address, slashed, 0, false);
    await jailFor(c, p1.address, 100n);
    await c.networkHelpers.time.increase(200);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientStake")
      .withArgs(p1.address, required - slashed, required);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Jailed);

    // One wei short still fails; the full top-up succeeds.
    await c.vault.connect(p1).stake(slashed - 1n);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientStake")
      .withArgs(p1.address, required - 1n, required);
    await c.vault.connect(p1).stake(1n);
    await expect(c.registry.connect(p1).unjail()).to.emit(c.registry, "ProviderUnjailed").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Active);
  });

  it("reverts for a provider that is not jailed", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.None);
    await register(c, p1);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Active);
  });
});

describe("ProviderRegistry.exit", function () {
  it("exits an active provider for good", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const [gpuId] = await onboardProvider(c, p1, { gpus: 1 });
    await expect(c.registry.connect(p1).exit()).to.emit(c.registry, "ProviderExited").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Exited);
    expect(await c.registry.isActive(p1.address)).to.equal(false);

    await expect(c.registry.connect(p1).exit())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Exited);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Exited);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { gpuId })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, STATUS.Exited);
  });

  it("exits a jailed provider", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await jailFor(c, p1.address, 30n * DAY);
    await expect(c.registry.connect(p1).exit()).to.emit(c.registry, "ProviderExited").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(STATUS.Exited);
  });

  it("reverts while GPUs are committed to leases, and succeeds once they are released", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 3 });
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 2);
    await expect(c.registry.connect(p1).exit())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryCapacityCommitted")
      .withArgs(p1.address, 2n);
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);
    await expect(c.registry.connect(p1).exit())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryCapacityCommitted")
      .withArgs(p1.address, 1n);
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);
    await expect(c.registry.connect(p1).exit()).to.emit(c.registry, "ProviderExited").withArgs(p1.address);
  });

  it("reverts for an unregistered caller", async function () {
    const c = await loadCinder();
    await expect(c.registry.connect(c.stranger).exit())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(c.stranger.address, STATUS.None);
  });
});
