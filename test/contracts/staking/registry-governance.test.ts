/**
 * ProviderRegistry governance: model classes, the commission increase delay, the one-time wiring of the
 * StakingVault and the JobMarket, pause, and access control.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MODEL_CLASSES, modelClassId } from "../../../deploy/config.js";
import { ProviderRegistry__factory } from "../../../types/ethers-contracts/index.js";
import {
  attest,
  attestation,
  bit,
  classIndex,
  COMMISSION_DELAY,
  DAY,
  H100,
  H100_STAKE_PER_GPU,
  loadCinder,
  MAX_COMMISSION_DELAY,
  MAX_STAKE_PER_GPU,
  MIN_COMMISSION_DELAY,
  MIN_STAKE_PER_GPU,
  onboardProvider,
  ONE,
  pinNextBlock,
  register,
} from "./fixture.js";

describe("ProviderRegistry.setModelClass", function () {
  it("adds a class with the next index", async function () {
    const c = await loadCinder();
    const id = modelClassId("B200-192GB");
    const count = BigInt(MODEL_CLASSES.length);
    expect((await c.registry.modelClassIds()).length).to.equal(MODEL_CLASSES.length);
    await expect(c.registry.connect(c.governance).setModelClass(id, 500n * ONE, true))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(id, count, 500n * ONE, true);
    const m = await c.registry.getModelClass(id);
    expect(m.enabled).to.equal(true);
    expect(m.index).to.equal(count);
    expect(m.stakePerGpu).to.equal(500n * ONE);
    const ids = await c.registry.modelClassIds();
    expect(ids.length).to.equal(MODEL_CLASSES.length + 1);
    expect(ids[ids.length - 1]).to.equal(id);
    expect(await c.registry.modelClassAt(count)).to.equal(id);
    expect(await c.registry.modelClassAt(await classIndex(c, H100))).to.equal(H100);
    await expect(c.registry.modelClassAt(count + 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(c.ethers.toBeHex(count + 1n, 32));
  });

  it("updates an existing class in place", async function () {
    const c = await loadCinder();
    await expect(c.registry.connect(c.governance).setModelClass(H100, 250n * ONE, true))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(H100, await classIndex(c, H100), 250n * ONE, true);
    const m = await c.registry.getModelClass(H100);
    expect(m.index).to.equal(await classIndex(c, H100));
    expect(m.stakePerGpu).to.equal(250n * ONE);
    expect((await c.registry.modelClassIds()).length).to.equal(MODEL_CLASSES.length);
  });

  it("enforces the stakePerGpu bounds", async function () {
    const c = await loadCinder();
    const id = modelClassId("B200-192GB");
    await expect(c.registry.connect(c.governance).setModelClass(id, MIN_STAKE_PER_GPU - 1n, true))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryParameterOutOfBounds")
      .withArgs("stakePerGpu", MIN_STAKE_PER_GPU - 1n, MIN_STAKE_PER_GPU, MAX_STAKE_PER_GPU);
    await expect(c.registry.connect(c.governance).setModelClass(H100, MAX_STAKE_PER_GPU + 1n, true))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryParameterOutOfBounds")
      .withArgs("stakePerGpu", MAX_STAKE_PER_GPU + 1n, MIN_STAKE_PER_GPU, MAX_STAKE_PER_GPU);
    await expect(c.registry.connect(c.governance).setModelClass(id, MIN_STAKE_PER_GPU, true))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(id, BigInt(MODEL_CLASSES.length), MIN_STAKE_PER_GPU, true);
    await expect(c.registry.connect(c.governance).setModelClass(H100, MAX_STAKE_PER_GPU, true))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(H100, await classIndex(c, H100), MAX_STAKE_PER_GPU, true);
  });

  it("blocks new offers and attestations of a disabled class until it is enabled again", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    const existing = await attest(c, p1.address);
    await c.registry.connect(p1).setOffer(H100, 5n);
    await expect(c.registry.connect(c.governance).setModelClass(H100, H100_STAKE_PER_GPU, false))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(H100, await classIndex(c, H100), H100_STAKE_PER_GPU, false);
    expect((await c.registry.getModelClass(H100)).enabled).to.equal(false);
    await expect(c.registry.connect(p1).setOffer(H100, 6n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(H100);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address)))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryUnknownModelClass")
      .withArgs(H100);
    // GPUs already attested still need their stake.
    expect(await c.registry.requiredStake(p1.address)).to.equal(H100_STAKE_PER_GPU);
    expect((await c.registry.getGpu(p1.address, existing.gpuId)).modelClass).to.equal(H100);

    await c.registry.connect(c.governance).setModelClass(H100, H100_STAKE_PER_GPU, true);
    await expect(c.registry.connect(p1).setOffer(H100, 6n))
      .to.emit(c.registry, "OfferPublished")
      .withArgs(p1.address, H100, 6n);
    await attest(c, p1.address);
    expect((await c.registry.getCapacity(p1.address, H100)).attested).to.equal(2n);
  });

  it("reverts once MAX_MODEL_CLASSES classes exist, but still updates existing ones", async function () {
    const c = await loadCinder();
    expect(await c.registry.MAX_MODEL_CLASSES()).to.equal(32n);
    for (let i = MODEL_CLASSES.length; i < 32; i++) {
      await c.registry.connect(c.governance).setModelClass(modelClassId(`class-${i}`), ONE, true);
    }
    expect((await c.registry.modelClassIds()).length).to.equal(32);
    const last = modelClassId("class-31");
    expect((await c.registry.getModelClass(last)).index).to.equal(31n);
    await expect(c.registry.connect(c.governance).setModelClass(modelClassId("class-32"), ONE, true))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryTooManyModelClasses")
      .withArgs(32n);
    await expect(c.registry.connect(c.governance).setModelClass(last, 2n * ONE, false))
      .to.emit(c.registry, "ModelClassSet")
      .withArgs(last, 31n, 2n * ONE, false);

    // The highest bit of classMask works for the 32nd class.
    await c.registry.connect(c.governance).setModelClass(last, 2n * ONE, true);
    const [p1] = c.providers;
    await register(c, p1);
    await attest(c, p1.address, { modelClass: last });
    await attest(c, p1.address);
    expect((await c.registry.getProvider(p1.address)).classMask).to.equal((1n << 31n) | (await bit(c, H100)));
    expect(await c.registry.requiredStake(p1.address)).to.equal(2n * ONE + H100_STAKE_PER_GPU);
  });
});

describe("ProviderRegistry.setCommissionIncreaseDelay", function () {
  it("sets the delay within its bounds and applies it to later increases", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(c.governance).setCommissionIncreaseDelay(MIN_COMMISSION_DELAY - 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryParameterOutOfBounds")
      .withArgs("commissionIncreaseDelay", MIN_COMMISSION_DELAY - 1n, MIN_COMMISSION_DELAY, MAX_COMMISSION_DELAY);
    await expect(c.registry.connect(c.governance).setCommissionIncreaseDelay(MAX_COMMISSION_DELAY + 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryParameterOutOfBounds")
      .withArgs("commissionIncreaseDelay", MAX_COMMISSION_DELAY + 1n, MIN_COMMISSION_DELAY, MAX_COMMISSION_DELAY);
    await expect(c.registry.connect(c.governance).setCommissionIncreaseDelay(MAX_COMMISSION_DELAY))
      .to.emit(c.registry, "CommissionIncreaseDelaySet")
      .withArgs(MAX_COMMISSION_DELAY);
    await expect(c.registry.connect(c.governance).setCommissionIncreaseDelay(MIN_COMMISSION_DELAY))
      .to.emit(c.registry, "CommissionIncreaseDelaySet")
      .withArgs(MIN_COMMISSION_DELAY);
    expect(await c.registry.commissionIncreaseDelay()).to.equal(MIN_COMMISSION_DELAY);

    await register(c, p1);
    const at = await pinNextBlock(c);
    await expect(c.registry.connect(p1).setCommission(700))
      .to.emit(c.registry, "CommissionChangeScheduled")
      .withArgs(p1.address, 700n, at + MIN_COMMISSION_DELAY);
  });

  it("is bounded in the constructor too", async function () {
    const c = await loadCinder();
    const factory = new ProviderRegistry__factory(c.deployer);
    await expect(factory.deploy(await c.manager.getAddress(), 0n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryParameterOutOfBounds")
      .withArgs("commissionIncreaseDelay", 0n, MIN_COMMISSION_DELAY, MAX_COMMISSION_DELAY);
  });
});

describe("ProviderRegistry.setStakingVault", function () {
  it("reverts once the vault is wired", async function () {
    const c = await loadCinder();
    const vault = await c.vault.getAddress();
    expect(await c.registry.stakingVault()).to.equal(vault);
    await expect(c.registry.connect(c.governance).setStakingVault(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryVaultAlreadySet")
      .withArgs(vault);
  });

  it("wires a fresh registry once, never to zero", async function () {
    const c = await loadCinder();
    // A fresh registry's functions default to the AccessManager's admin role, which the timelock holds.
    const fresh = await new ProviderRegistry__factory(c.deployer).deploy(
      await c.manager.getAddress(),
      COMMISSION_DELAY,
    );
    expect(await fresh.stakingVault()).to.equal(c.ethers.ZeroAddress);
    await expect(fresh.connect(c.governance).setStakingVault(c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryZeroAddress")
      .withArgs("vault");
    const vault = await c.vault.getAddress();
    await expect(fresh.connect(c.governance).setStakingVault(vault))
      .to.emit(fresh, "StakingVaultSet")
      .withArgs(vault);
    expect(await fresh.stakingVault()).to.equal(vault);
    await expect(fresh.connect(c.governance).setStakingVault(c.stranger.address))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryVaultAlreadySet")
      .withArgs(vault);
  });
});

describe("ProviderRegistry.setJobMarket", function () {
  it("reverts once the market is wired", async function () {
    const c = await loadCinder();
    const market = await c.jobMarket.getAddress();
    expect(await c.registry.jobMarket()).to.equal(market);
    await expect(c.registry.connect(c.governance).setJobMarket(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryMarketAlreadySet")
      .withArgs(market);
  });

  it("wires a fresh registry once, never to zero", async function () {
    const c = await loadCinder();
    const fresh = await new ProviderRegistry__factory(c.deployer).deploy(
      await c.manager.getAddress(),
      COMMISSION_DELAY,
    );
    expect(await fresh.jobMarket()).to.equal(c.ethers.ZeroAddress);
    await expect(fresh.connect(c.governance).setJobMarket(c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryZeroAddress")
      .withArgs("market");
    await expect(fresh.connect(c.governance).setJobMarket(c.stranger.address))
      .to.emit(fresh, "JobMarketSet")
      .withArgs(c.stranger.address);
    expect(await fresh.jobMarket()).to.equal(c.stranger.address);
    await expect(fresh.connect(c.governance).setJobMarket(c.attestor.address))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryMarketAlreadySet")
      .withArgs(c.stranger.address);
  });
});

describe("ProviderRegistry.pause", function () {
  it("lets the guardian pause and unpause new activity only", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await expect(c.registry.connect(c.guardian).pause()).to.emit(c.registry, "Paused").withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(true);
    await expect(c.registry.connect(c.guardian).pause()).to.be.revertedWithCustomError(c.registry, "EnforcedPause");

    // Existing providers keep managing themselves, and the protocol roles keep working.
    await expect(c.registry.connect(p1).setMetadataURI("ipfs://paused"))
      .to.emit(c.registry, "MetadataUpdated")
      .withArgs(p1.address, "ipfs://paused");
    await attest(c, p1.address);
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1);
    await c.registry.connect(c.exposure).releaseCapacity(p1.address, H100, 1);

    await expect(c.registry.connect(c.guardian).unpause())
      .to.emit(c.registry, "Unpaused")
      .withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(false);
    await expect(c.registry.connect(c.guardian).unpause()).to.be.revertedWithCustomError(
      c.registry,
      "ExpectedPause",
    );
    await expect(c.registry.connect(p1).setOffer(H100, 1n))
      .to.emit(c.registry, "OfferPublished")
      .withArgs(p1.address, H100, 1n);
  });
});

describe("ProviderRegistry access control", function () {
  it("reverts every restricted function for a stranger", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const ids = await onboardProvider(c, p1, { gpus: 1 });
    const r = c.registry.connect(c.stranger);
    const a = await attestation(c, p1.address);
    // The wired powers refuse by address, never through the AccessManager.
    await expect(r.jail(p1.address, 1n)).to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotSlashingManager").withArgs(c.stranger.address);
    await expect(r.recordAttestation(a)).to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotOracleHub").withArgs(c.stranger.address);
    await expect(r.revokeGpu(p1.address, ids[0])).to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotOracleHub").withArgs(c.stranger.address);
    const calls: [string, () => Promise<unknown>][] = [
      ["setModelClass", () => r.setModelClass(H100, ONE, true)],
      ["setCommissionIncreaseDelay", () => r.setCommissionIncreaseDelay(DAY)],
      ["setStakingVault", () => r.setStakingVault(c.stranger.address)],
      ["setJobMarket", () => r.setJobMarket(c.stranger.address)],
      ["pause", () => r.pause()],
      ["unpause", () => r.unpause()],
    ];
    for (const [name, call] of calls) {
      await expect(call(), name)
        .to.be.revertedWithCustomError(c.registry, "AccessManagedUnauthorized")
        .withArgs(c.stranger.address);
    }
  });

  it("keeps each role to its own functions", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 1 });
    const a = await attestation(c, p1.address);
    const checks: [HardhatEthersSigner, () => Promise<unknown>, string][] = [
      [c.exposure, () => c.registry.connect(c.exposure).recordAttestation(a), "ProviderRegistryNotOracleHub"],
      [c.slasher, () => c.registry.connect(c.slasher).revokeGpu(p1.address, a.gpuId), "ProviderRegistryNotOracleHub"],
      [c.guardian, () => c.registry.connect(c.guardian).setModelClass(H100, ONE, true), "AccessManagedUnauthorized"],
      [c.guardian, () => c.registry.connect(c.guardian).jail(p1.address, 1n), "ProviderRegistryNotSlashingManager"],
      [c.attestor, () => c.registry.connect(c.attestor).pause(), "AccessManagedUnauthorized"],
      [p1, () => c.registry.connect(p1).jail(p1.address, 1n), "ProviderRegistryNotSlashingManager"],
    ];
    for (const [caller, call, error] of checks) {
      await expect(call()).to.be.revertedWithCustomError(c.registry, error).withArgs(caller.address);
    }
  });

  it("lets only the wired job market commit and release capacity", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await onboardProvider(c, p1, { gpus: 2 });
    expect(await c.registry.jobMarket()).to.equal(await c.jobMarket.getAddress());
    expect(c.exposure.address).to.equal(await c.jobMarket.getAddress());
    await c.registry.connect(c.exposure).commitCapacity(p1.address, H100, 1);
    for (const caller of [c.stranger, c.attestor, c.slasher, c.guardian, c.governance, p1]) {
      await expect(c.registry.connect(caller).commitCapacity(p1.address, H100, 1))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotMarket")
        .withArgs(caller.address);
      await expect(c.registry.connect(caller).releaseCapacity(p1.address, H100, 1))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotMarket")
        .withArgs(caller.address);
    }
    expect((await c.registry.getCapacity(p1.address, H100)).committed).to.equal(1n);
  });
});
