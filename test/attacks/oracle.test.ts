/**
 * Attack PoCs against the oracle path, end to end to the money it guards (DESIGN.md OracleHub, invariants 1 and 4):
 * a colluding minority (f = 1 of the local 4 nodes, threshold 2f + 1 = 3) forging an epoch report to drain an
 * honest provider's SLA bond through credits, or a fault report to slash its stake; a captured old set replaying
 * after a rotation (config digest); a quorum's signatures over one report type moved to another (type confusion);
 * and SLA proofs against an epoch no quorum reported; a held-back older GPU attestation submitted after a newer one
 * (attestations carry their issue time, and the registry records a GPU's attestations in issue order only). Each
 * shows the attack refused with the exact error, and the bond and the stake it aimed at unchanged to the unit.
 *
 * The same "older report overwrites newer" class does not reach the other report types: an epoch's root is written
 * once and never replaced, each fault report is its own slash case (its age is bounded by the late window), and a
 * dispute is decided by the first decisive verdict, once.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, recoverAddress } from "ethers";
import { buildTree } from "../../src/protocol/leaves.js";
import { connectCinder, type Cinder, H100, onboardProvider, USD } from "../helpers/fixture.js";
import { FAULT, signReport, type FaultReport, type OracleDomain } from "../helpers/oracle.js";

const { loadCinder } = await connectCinder();
const EPOCH = 3_600n;
const PRICE = 2n * USD;
const tag = (label: string) => keccak256(toUtf8Bytes(label));

async function setup() {
  const c = await loadCinder();
  const [honest] = c.providers;
  const gpus = await onboardProvider(c, honest, { gpus: 2 });
  await c.registry.connect(honest).setOffer(H100, PRICE);
  const { chainId } = await c.ethers.provider.getNetwork();
  const domain: OracleDomain = { chainId, hub: await c.oracleHub.getAddress() };
  // The colluder is node #0 alone (f = 1); the honest nodes are #1..#3.
  const [colluder, ...honestNodes] = c.oracleSigners;
  return { c, honest, gpus, domain, colluder: colluder!, honestNodes };
}

async function moneyAtStake(c: Cinder, provider: string) {
  const bond = await c.slaBondManager.bondOf(provider);
  return { bond: bond.total, stake: await c.vault.totalStake(provider) };
}

describe("Attack: a colluding oracle minority (f of 3f + 1) forging reports", function () {
  it("cannot drain a provider's SLA bond with a forged 0%-uptime epoch report: the hub refuses it and settlement finds no root", async function () {
    const { c, honest, domain, colluder } = await setup();
    const [client] = c.clients;
    const t0 = (BigInt(await c.networkHelpers.time.latest()) / EPOCH + 1n) * EPOCH;
    await c.networkHelpers.time.setNextBlockTimestamp(t0);
    await c.jobMarket.connect(client).createDirectLease(honest.address, H100, 1, EPOCH, PRICE, 0);
    const leaseId = await c.jobMarket.leaseCount();
    const epoch = t0 / EPOCH;
    await c.networkHelpers.time.increaseTo(t0 + EPOCH + 10n);
    const before = await moneyAtStake(c, honest.address);

    // The forged tree: the lease down for the whole epoch (a 100% credit under every tier).
    const tree = buildTree([{ kind: "uptime", leaseId, epoch: Number(epoch), secondsUp: 0, secondsObserved: 3_600 }]);
    const report = { configDigest: await c.oracleHub.configDigest(), epoch, root: tree.root, leafCount: 1n, contentHash: tag("forged") };
    const [own] = await signReport([colluder], domain, "EpochReport", { ...report });
    // Alone, or its own signature repeated: never the threshold.
    await expect(c.oracleHub.submitEpochReport(report, [own!])).to.be.revertedWithCustomError(c.oracleHub, "OracleHubBelowThreshold").withArgs(1n, 3n);
    await expect(c.oracleHub.submitEpochReport(report, [own!, own!, own!]))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubDuplicateSigner")
      .withArgs(colluder.address);
    // With outsiders' signatures (keys the colluder controls outside the set).
    const outsiders = await signReport([c.stranger, c.deployer], domain, "EpochReport", { ...report });
    await expect(c.oracleHub.submitEpochReport(report, [own!, ...outsiders]))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(c.stranger.address);
    expect(await c.oracleHub.hasReport(epoch)).to.equal(false);

    // The forged proof against the unreported epoch pays nothing.
    const proof = { epoch, secondsUp: 0, secondsObserved: 3_600, proof: tree.proof(0) };
    await expect(c.slaBondManager.connect(client).settle(leaseId, [proof]))
      .to.be.revertedWithCustomError(c.slaBondManager, "SlaBondManagerEpochNotReported")
      .withArgs(epoch);
    expect(await c.slaBondManager.balanceOf(client.address)).to.equal(0n);
    expect(await moneyAtStake(c, honest.address)).to.deep.equal(before);
  });

  it("cannot slash an honest provider with a forged fault report: the hub refuses it and the slashing manager refuses an unaccepted report", async function () {
    const { c, honest, gpus, domain, colluder } = await setup();
    const before = await moneyAtStake(c, honest.address);
    const report: FaultReport = {
      configDigest: await c.oracleHub.configDigest(),
      provider: honest.address,
      faultType: FAULT.FailedGpuChallenge, // the whole per-GPU stake, were it accepted
      subject: gpus[0]!,
      epoch: BigInt(await c.oracleHub.currentEpoch()),
      evidenceHash: tag("fabricated"),
    };
    const sigs = await signReport([colluder, c.stranger, c.deployer], domain, "FaultReport", { ...report });
    await expect(c.oracleHub.submitFaultReport(report, sigs))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(c.stranger.address);
    const id = await c.oracleHub.hashFaultReport(report);
    await expect(c.slashingManager.connect(colluder).propose(report))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerReportNotAccepted")
      .withArgs(id);
    expect(await moneyAtStake(c, honest.address)).to.deep.equal(before);
    expect((await c.registry.getProvider(honest.address)).status).to.equal(1n); // still active
  });
});

describe("Attack: signature replay across oracle-set versions and report types", function () {
  it("a rotated-out set's full quorum cannot sign anything: its old digest is dead and under the new one it is not in the set", async function () {
    const { c, honest, gpus, domain } = await setup();
    const old = c.oracleSigners; // version 1: all four
    const oldDigest = await c.oracleHub.configDigest();
    // A fault report the old quorum signed before the rotation, held back to replay later.
    const held: FaultReport = {
      configDigest: oldDigest,
      provider: honest.address,
      faultType: FAULT.FailedGpuChallenge,
      subject: gpus[0]!,
      epoch: BigInt(await c.oracleHub.currentEpoch()),
      evidenceHash: tag("held back"),
    };
    const heldSigs = await signReport(old.slice(0, 3), domain, "FaultReport", { ...held });
    // Governance rotates to four fresh nodes (the old keys leaked, say).
    const fresh = [c.delegators[4]!, c.clients[0]!, c.clients[1]!, c.clients[2]!];
    await c.oracleHub.connect(c.governance).proposeOracleSet(fresh.map((s) => s.address));
    await c.networkHelpers.time.increase(Number(await c.oracleHub.SET_CHANGE_DELAY()));
    await c.oracleHub.applyOracleSet();
    const newDigest = await c.oracleHub.configDigest();
    expect(newDigest).to.not.equal(oldDigest);
    const before = await moneyAtStake(c, honest.address);

    await expect(c.oracleHub.submitFaultReport(held, heldSigs))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubConfigDigestMismatch")
      .withArgs(oldDigest, newDigest);
    // Re-signed under the new digest by the old quorum: none of them is in the set.
    const resigned = { ...held, configDigest: newDigest };
    await expect(c.oracleHub.submitFaultReport(resigned, await signReport(old.slice(0, 3), domain, "FaultReport", { ...resigned })))
      .to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet")
      .withArgs(old[0]!.address);
    expect(await moneyAtStake(c, honest.address)).to.deep.equal(before);
    // The new set's quorum is accepted (the rotation itself works).
    await expect(c.oracleHub.submitFaultReport(resigned, await signReport(fresh.slice(0, 3), domain, "FaultReport", { ...resigned })))
      .to.emit(c.oracleHub, "FaultReportAccepted");
  });

  it("a quorum's signatures over an epoch report are worthless as a fault report with the same fields' bytes (EIP-712 type hash)", async function () {
    const { c, honest, gpus, domain } = await setup();
    const digest = await c.oracleHub.configDigest();
    const epoch = BigInt(await c.oracleHub.currentEpoch());
    const fault: FaultReport = { configDigest: digest, provider: honest.address, faultType: FAULT.FailedGpuChallenge, subject: gpus[0]!, epoch, evidenceHash: tag("x") };
    const epochSigs = await signReport(c.oracleSigners.slice(0, 3), domain, "EpochReport", {
      configDigest: digest,
      epoch,
      root: gpus[0]!,
      leafCount: 1n,
      contentHash: tag("x"),
    });
    const stray = recoverAddress(await c.oracleHub.hashFaultReport(fault), epochSigs[0]!);
    await expect(c.oracleHub.submitFaultReport(fault, epochSigs)).to.be.revertedWithCustomError(c.oracleHub, "OracleHubSignerNotInSet").withArgs(stray);
    expect(await c.oracleHub.isAccepted(await c.oracleHub.hashFaultReport(fault))).to.equal(false);
  });

  it("an accepted fault report is slashable once: a second submission and a second proposal are refused", async function () {
    const { c, honest, gpus, domain } = await setup();
    const report: FaultReport = {
      configDigest: await c.oracleHub.configDigest(),
      provider: honest.address,
      faultType: FAULT.FailedGpuChallenge,
      subject: gpus[0]!,
      epoch: BigInt(await c.oracleHub.currentEpoch()),
      evidenceHash: tag("real fault"),
    };
    const sigs = await signReport(c.oracleSigners.slice(0, 3), domain, "FaultReport", { ...report });
    await c.oracleHub.submitFaultReport(report, sigs);
    const id = await c.oracleHub.hashFaultReport(report);
    await expect(c.oracleHub.submitFaultReport(report, sigs)).to.be.revertedWithCustomError(c.oracleHub, "OracleHubReportAlreadyAccepted").withArgs(id);
    await c.slashingManager.connect(c.stranger).propose(report);
    await expect(c.slashingManager.connect(c.stranger).propose(report))
      .to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerAlreadyProposed")
      .withArgs(id, 1n);
    await c.networkHelpers.time.increase(Number((await c.slashingManager.params()).vetoWindow));
    const stake = await c.vault.totalStake(honest.address);
    await c.slashingManager.execute(id);
    const once = await c.vault.totalStake(honest.address);
    expect(once).to.be.lessThan(stake);
    await expect(c.slashingManager.execute(id)).to.be.revertedWithCustomError(c.slashingManager, "SlashingManagerInvalidStatus").withArgs(id, 3n);
    expect(await c.vault.totalStake(honest.address)).to.equal(once);
  });
});

describe("Attack: a held-back older GPU attestation overwriting a newer one", function () {
  const DAY = 86_400n;

  /** A provider with no GPUs yet, and a builder of quorum-signed attestations of one card. */
  async function oneCard() {
    const c = await loadCinder();
    const provider = c.providers[1];
    await c.registry.connect(provider).register("ipfs://attacks/held-back", provider.address);
    const { chainId } = await c.ethers.provider.getNetwork();
    const domain: OracleDomain = { chainId, hub: await c.oracleHub.getAddress() };
    const configDigest = await c.oracleHub.configDigest();
    const gpuId = tag("held-back-gpu");
    const sign = async (fields: { tier: bigint; memoryMiB: bigint; evidence: string; issuedAt: bigint; expiresAt: bigint }) => {
      const a = {
        configDigest,
        provider: provider.address,
        gpuId,
        modelClass: H100,
        memoryMiB: fields.memoryMiB,
        tier: fields.tier,
        evidenceHash: tag(fields.evidence),
        issuedAt: fields.issuedAt,
        expiresAt: fields.expiresAt,
      };
      return { a, sigs: await signReport(c.oracleSigners.slice(0, 3), domain, "GpuAttestation", { ...a }) };
    };
    const now = async () => BigInt(await c.networkHelpers.time.latest());
    return { c, provider, gpuId, sign, now };
  }

  it("refuses an older attestation (a CC tier-2 record the oracle has since downgraded) submitted after the newer one", async function () {
    const { c, provider, gpuId, sign, now } = await oneCard();
    // Round 1: the quorum attests the card at tier 2 for 7 days. The provider holds the signatures back.
    const t1 = await now();
    const old = await sign({ tier: 2n, memoryMiB: 81_920n, evidence: "cc evidence", issuedAt: t1, expiresAt: t1 + 7n * DAY });
    // Round 2, an hour later: the card's CC evidence no longer verifies; the quorum attests it at tier 1 only.
    await c.networkHelpers.time.increase(3_600);
    const t2 = await now();
    const fresh = await sign({ tier: 1n, memoryMiB: 81_920n, evidence: "telemetry", issuedAt: t2, expiresAt: t2 + DAY });
    await expect(c.oracleHub.submitGpuAttestation(fresh.a, fresh.sigs)).to.emit(c.registry, "GpuAttested");
    // The provider submits the held-back tier-2 attestation: quorum-signed, unexpired, never accepted (a fresh id).
    // Before the fix it overwrote the record back to tier 2 for another 7 days.
    expect(await c.oracleHub.isAccepted(await c.oracleHub.hashGpuAttestation(old.a))).to.equal(false);
    await expect(c.oracleHub.connect(provider).submitGpuAttestation(old.a, old.sigs))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryStaleAttestation")
      .withArgs(provider.address, gpuId, t1, t2);
    const gpu = await c.registry.getGpu(provider.address, gpuId);
    expect([gpu.tier, gpu.evidenceHash, gpu.issuedAt, gpu.expiresAt]).to.deep.equal([1n, tag("telemetry"), t2, t2 + DAY]);
    expect(await c.registry.gpuOwner(gpuId), "no CC identity bound").to.equal(c.ethers.ZeroAddress);
  });

  it("refuses an older attestation after the newer record expired and was pruned: the issue time outlives the record", async function () {
    const { c, provider, gpuId, sign, now } = await oneCard();
    const t1 = await now();
    const old = await sign({ tier: 1n, memoryMiB: 81_920n, evidence: "round 1", issuedAt: t1, expiresAt: t1 + 7n * DAY });
    await c.networkHelpers.time.increase(3_600);
    const t2 = await now();
    const fresh = await sign({ tier: 1n, memoryMiB: 40_960n, evidence: "round 2", issuedAt: t2, expiresAt: t2 + DAY });
    await c.oracleHub.submitGpuAttestation(fresh.a, fresh.sigs);
    await c.networkHelpers.time.increaseTo(t2 + DAY);
    await expect(c.registry.pruneExpired(provider.address, [gpuId])).to.emit(c.registry, "GpuRemoved");
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(0n);
    await expect(c.oracleHub.submitGpuAttestation(old.a, old.sigs))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryStaleAttestation")
      .withArgs(provider.address, gpuId, t1, t2);
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(0n);
  });

  it("refuses an attestation issued in the future (it would lock the record against every honest one until then)", async function () {
    const { c, provider, sign, now } = await oneCard();
    const t = await now();
    const ahead = await sign({ tier: 1n, memoryMiB: 81_920n, evidence: "future", issuedAt: t + DAY, expiresAt: t + 2n * DAY });
    await c.networkHelpers.time.setNextBlockTimestamp(t + 1n);
    await expect(c.oracleHub.submitGpuAttestation(ahead.a, ahead.sigs))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryAttestationFromFuture")
      .withArgs(t + DAY, t + 1n);
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(0n);
  });

  it("honest path: attestations submitted in issue order each replace the record, also after a prune", async function () {
    const { c, provider, gpuId, sign, now } = await oneCard();
    const t1 = await now();
    const first = await sign({ tier: 1n, memoryMiB: 81_920n, evidence: "round 1", issuedAt: t1, expiresAt: t1 + DAY });
    await c.oracleHub.submitGpuAttestation(first.a, first.sigs);
    await c.networkHelpers.time.increase(3_600);
    const t2 = await now();
    const second = await sign({ tier: 2n, memoryMiB: 81_920n, evidence: "round 2", issuedAt: t2, expiresAt: t2 + DAY });
    await expect(c.oracleHub.submitGpuAttestation(second.a, second.sigs))
      .to.emit(c.registry, "GpuAttested")
      .withArgs(provider.address, gpuId, H100, 2n, 81_920n, tag("round 2"), t2 + DAY);
    expect((await c.registry.getGpu(provider.address, gpuId)).issuedAt).to.equal(t2);
    await c.networkHelpers.time.increaseTo(t2 + DAY);
    await c.registry.pruneExpired(provider.address, [gpuId]);
    const t3 = await now();
    const third = await sign({ tier: 1n, memoryMiB: 81_920n, evidence: "round 3", issuedAt: t3, expiresAt: t3 + DAY });
    await expect(c.oracleHub.submitGpuAttestation(third.a, third.sigs)).to.emit(c.registry, "GpuAttested");
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(1n);
    expect((await c.registry.getGpu(provider.address, gpuId)).issuedAt).to.equal(t3);
  });
});
