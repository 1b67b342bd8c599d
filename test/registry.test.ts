import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MODEL_CLASSES, modelClassId } from "../deploy/config.js";
import { ProviderRegistry__factory } from "../types/ethers-contracts/index.js";
import {
  A100,
  H100,
  H100_STAKE_PER_GPU,
  ONE,
  connectCinder,
  nextGpuId,
  onboardProvider,
  type Cinder,
} from "./helpers/fixture.js";

const { loadCinder } = await connectCinder();

/** IProviderRegistry.ProviderStatus as the ABI returns it. */
const Status = { None: 0n, Active: 1n, Jailed: 2n, Exited: 3n } as const;

const DAY = 86_400n;
const EVIDENCE = `0x${"ab".repeat(32)}`;
const OTHER_EVIDENCE = `0x${"cd".repeat(32)}`;
const UNKNOWN_CLASS = modelClassId("B200-192GB");
const A100_STAKE_PER_GPU = MODEL_CLASSES.find((m) => m.name === "A100-80GB")!.stakePerGpu;
const MAX_PRICE = 10n ** 12n;
const MAX_METADATA = 512n;
const MAX_VALIDITY = 30n * DAY;
const MIN_STAKE_PER_GPU = ONE;
const MAX_STAKE_PER_GPU = 10_000_000n * ONE;
const MIN_COMMISSION_DELAY = DAY;
const MAX_COMMISSION_DELAY = 60n * DAY;
/** The deployment's commission increase delay (deploy/modules/Cinder.ts default). */
const COMMISSION_DELAY = 7n * DAY;

interface Attestation {
  provider: string;
  gpuId: string;
  modelClass: string;
  memoryMiB: number;
  tier: number;
  evidenceHash: string;
  issuedAt: bigint;
  expiresAt: bigint;
}

async function latest(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

/** Pins the next block's timestamp to `latest + offset` and returns it. */
async function pinNextBlock(c: Cinder, offset = 1n): Promise<bigint> {
  const at = (await latest(c)) + offset;
  await c.networkHelpers.time.setNextBlockTimestamp(at);
  return at;
}

async function attestation(c: Cinder, provider: string, opts: Partial<Attestation> = {}): Promise<Attestation> {
  return {
    provider,
    gpuId: opts.gpuId ?? nextGpuId(),
    modelClass: opts.modelClass ?? H100,
    memoryMiB: opts.memoryMiB ?? 81_559,
    tier: opts.tier ?? 1,
    evidenceHash: opts.evidenceHash ?? EVIDENCE,
    // The latest block's time: the attestation's own block comes after it, so each is issued later than the last.
    issuedAt: opts.issuedAt ?? (await latest(c)),
    expiresAt: opts.expiresAt ?? (await latest(c)) + 14n * DAY,
  };
}

/** Records an attestation through the attestor role and returns it. */
async function attest(c: Cinder, provider: string, opts: Partial<Attestation> = {}): Promise<Attestation> {
  const a = await attestation(c, provider, opts);
  await c.registry.connect(c.attestor).recordAttestation(a);
  return a;
}

/** The on-chain bit index of a model class (Ignition may register the classes in any order). */
async function classIndex(c: Cinder, modelClass: string): Promise<bigint> {
  return (await c.registry.getModelClass(modelClass)).index;
}

/** The class's bit in `Provider.classMask`. */
async function bit(c: Cinder, modelClass: string): Promise<bigint> {
  return 1n << (await classIndex(c, modelClass));
}

async function register(c: Cinder, provider: HardhatEthersSigner): Promise<void> {
  await c.registry.connect(provider).register(`ipfs://provider/${provider.address}`, provider.address);
}

/** Jails `provider` until `seconds` after the latest block and returns jailedUntil. */
async function jailFor(c: Cinder, provider: string, seconds: bigint): Promise<bigint> {
  const until = (await latest(c)) + seconds;
  await c.registry.connect(c.slasher).jail(provider, until);
  return until;
}

describe("ProviderRegistry.register", function () {
  it("makes the caller an active provider with its payout and metadata", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const payout = c.delegators[0].address;
    await expect(c.registry.connect(p1).register("ipfs://p1", payout))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(p1.address, payout, "ipfs://p1");
    const p = await c.registry.getProvider(p1.address);
    expect(p.status).to.equal(Status.Active);
    expect(p.payout).to.equal(payout);
    expect(p.metadataURI).to.equal("ipfs://p1");
    expect(p.commissionBps).to.equal(0n);
    expect(p.pendingCommissionBps).to.equal(0n);
    expect(p.commissionEffectiveAt).to.equal(0n);
    expect(p.jailedUntil).to.equal(0n);
    expect(p.classMask).to.equal(0n);
    expect(p.committedGpus).to.equal(0n);
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Active);
    expect(await c.registry.isActive(p1.address)).to.equal(true);
    expect(await c.registry.payoutOf(p1.address)).to.equal(payout);
    expect(await c.registry.statusOf(c.stranger.address)).to.equal(Status.None);
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
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.None);
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
      .withArgs(p1.address, Status.Active);
    await c.registry.connect(p1).exit();
    await expect(c.registry.connect(p1).register("ipfs://again", p1.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryAlreadyRegistered")
      .withArgs(p1.address, Status.Exited);
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Exited);
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
      .withArgs(c.stranger.address, Status.None);
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
      .withArgs(c.stranger.address, Status.None);
    await register(c, p1);
    await expect(c.registry.connect(p1).setPayout(c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryZeroAddress")
      .withArgs("payout");
    expect(await c.registry.payoutOf(p1.address)).to.equal(p1.address);
  });
});

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
      .withArgs(c.stranger.address, Status.None);
    await register(c, p1);
    await jailFor(c, p1.address, DAY);
    await expect(c.registry.connect(p1).setOffer(H100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Jailed);
    await register(c, p2);
    await c.registry.connect(p2).exit();
    await expect(c.registry.connect(p2).setOffer(H100, 1n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p2.address, Status.Exited);
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
      .withArgs(c.stranger.address, Status.None);
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
    expect(p.status).to.equal(Status.Jailed);
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
    expect(p.status).to.equal(Status.Jailed);
  });

  it("reverts for an unregistered and an exited provider", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const until = (await latest(c)) + DAY;
    await expect(c.registry.connect(c.slasher).jail(p1.address, until))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.None);
    await register(c, p1);
    await c.registry.connect(p1).exit();
    await expect(c.registry.connect(c.slasher).jail(p1.address, until))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Exited);
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
    expect(p.status).to.equal(Status.Active);
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
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Jailed);

    // One wei short still fails; the full top-up succeeds.
    await c.vault.connect(p1).stake(slashed - 1n);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInsufficientStake")
      .withArgs(p1.address, required - 1n, required);
    await c.vault.connect(p1).stake(1n);
    await expect(c.registry.connect(p1).unjail()).to.emit(c.registry, "ProviderUnjailed").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Active);
  });

  it("reverts for a provider that is not jailed", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.None);
    await register(c, p1);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Active);
  });
});

describe("ProviderRegistry.exit", function () {
  it("exits an active provider for good", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    const [gpuId] = await onboardProvider(c, p1, { gpus: 1 });
    await expect(c.registry.connect(p1).exit()).to.emit(c.registry, "ProviderExited").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Exited);
    expect(await c.registry.isActive(p1.address)).to.equal(false);

    await expect(c.registry.connect(p1).exit())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Exited);
    await expect(c.registry.connect(p1).unjail())
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Exited);
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p1.address, { gpuId })))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p1.address, Status.Exited);
  });

  it("exits a jailed provider", async function () {
    const c = await loadCinder();
    const [p1] = c.providers;
    await register(c, p1);
    await jailFor(c, p1.address, 30n * DAY);
    await expect(c.registry.connect(p1).exit()).to.emit(c.registry, "ProviderExited").withArgs(p1.address);
    expect(await c.registry.statusOf(p1.address)).to.equal(Status.Exited);
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
      .withArgs(c.stranger.address, Status.None);
  });
});

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
      .withArgs(p1.address, Status.None);
    await register(c, p2);
    await c.registry.connect(p2).exit();
    await expect(c.registry.connect(c.attestor).recordAttestation(await attestation(c, p2.address)))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryInvalidStatus")
      .withArgs(p2.address, Status.Exited);
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
