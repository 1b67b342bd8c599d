/**
 * OracleHub epoch reports: the deployment's oracle set, quorum verification of epoch reports, every signature check
 * (another config digest, duplicate and outside signers, too few signatures, malformed and malleable ones), replay
 * protection per epoch, per chain and per hub, and the Merkle leaf views against the TypeScript tree of
 * `src/protocol/leaves.ts`.
 */
import { expect } from "chai";
import { recoverAddress, ZeroAddress, ZeroHash } from "ethers";
import { LOCAL_ORACLE_SIGNERS } from "../../../deploy/config.js";
import { buildTree, leafHash, type Leaf } from "../../../src/protocol/leaves.js";
import { OracleHub__factory, type OracleHub } from "../../../types/ethers-contracts/index.js";
import { configDigestOf, malleate, reportDigest, signReport, type EpochReport, type FaultReport, type JobVerdict } from "../../helpers/oracle.js";
import { attestation, type Ctx, DELAY, EPOCH, epochReport, fault, hash, LATE_WINDOW, setup, SILENCE, submitEpoch, toNextEpoch, verdict } from "./fixture.js";

describe("OracleHub deployment", function () {
  it("starts with the local set (accounts #10..#13), threshold 3, version 1, and the attestor role", async function () {
    const x = await setup();
    const [signers, threshold, version] = await x.hub.oracleSet();
    expect(signers).to.deep.equal([...LOCAL_ORACLE_SIGNERS]);
    expect(await Promise.all(x.nodes.map((n) => n.getAddress()))).to.deep.equal([...LOCAL_ORACLE_SIGNERS]);
    expect(threshold).to.equal(3n);
    expect(version).to.equal(1n);
    expect(x.digest).to.equal(configDigestOf(x.domain.chainId, x.domain.hub, 1n, LOCAL_ORACLE_SIGNERS, 3n));
    expect(await x.c.registry.oracleHub()).to.equal(x.domain.hub);
    expect(await x.hub.REGISTRY()).to.equal(await x.c.registry.getAddress());
    expect(await x.hub.EPOCH_LENGTH()).to.equal(await x.c.emissions.EPOCH_LENGTH());
    expect(await x.hub.SET_CHANGE_DELAY()).to.equal(DELAY);
    expect(await x.hub.LATE_WINDOW_EPOCHS()).to.equal(LATE_WINDOW);
    expect(await x.hub.SILENCE_EPOCHS()).to.equal(SILENCE);
    const [pending, effectiveAt] = await x.hub.pendingOracleSet();
    expect(pending).to.deep.equal([]);
    expect(effectiveAt).to.equal(0n);
  });

  it("computes each report id as the EIP-712 digest the off-chain side computes", async function () {
    const x = await setup();
    const e = epochReport(x.digest, 5n);
    expect(await x.hub.hashEpochReport(e)).to.equal(reportDigest(x.domain, "EpochReport", { ...e }));
    const a = attestation(x, x.c.providers[0].address, 0n);
    expect(await x.hub.hashGpuAttestation(a)).to.equal(reportDigest(x.domain, "GpuAttestation", { ...a }));
    const f = fault(x);
    expect(await x.hub.hashFaultReport(f)).to.equal(reportDigest(x.domain, "FaultReport", { ...f }));
    const v = verdict(x);
    expect(await x.hub.hashJobVerdict(v)).to.equal(reportDigest(x.domain, "JobVerdict", { ...v }));
    expect(await x.hub.EPOCH_REPORT_TYPEHASH()).to.equal(
      hash("EpochReport(bytes32 configDigest,uint64 epoch,bytes32 root,uint32 leafCount,bytes32 contentHash)"),
    );
  });

  it("checks its deployment parameters' bounds", async function () {
    const x = await setup();
    const factory = new OracleHub__factory(x.c.deployer);
    const manager = await x.c.manager.getAddress();
    const registry = await x.c.registry.getAddress();
    const ok = { epochLength: EPOCH, setChangeDelay: DELAY, lateWindowEpochs: LATE_WINDOW, silenceEpochs: SILENCE };
    const rows: [Partial<typeof ok>, string, bigint, bigint, bigint][] = [
      [{ epochLength: 0n }, "epochLength", 0n, 1n, 30n * 86_400n],
      [{ setChangeDelay: 59n }, "setChangeDelay", 59n, 60n, 30n * 86_400n],
      [{ setChangeDelay: 30n * 86_400n + 1n }, "setChangeDelay", 30n * 86_400n + 1n, 60n, 30n * 86_400n],
      [{ lateWindowEpochs: 0n }, "lateWindowEpochs", 0n, 1n, 720n],
      [{ silenceEpochs: 721n }, "silenceEpochs", 721n, 1n, 720n],
    ];
    for (const [override, name, value, min, max] of rows) {
      await expect(factory.deploy(manager, registry, [...LOCAL_ORACLE_SIGNERS], { ...ok, ...override }), name)
        .to.be.revertedWithCustomError(x.hub, "OracleHubParameterOutOfBounds")
        .withArgs(name, value, min, max);
    }
    await expect(factory.deploy(manager, ZeroAddress, [...LOCAL_ORACLE_SIGNERS], ok))
      .to.be.revertedWithCustomError(x.hub, "OracleHubZeroAddress")
      .withArgs("registry");
  });
});

describe("OracleHub.submitEpochReport", function () {
  it("accepts an ended epoch's root from anyone and stores only the root", async function () {
    const x = await setup();
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const report = epochReport(x.digest, epoch);
    expect(await x.hub.hasReport(epoch)).to.equal(false);
    await expect(submitEpoch(x, report).then((tx) => tx))
      .to.emit(x.hub, "EpochReported")
      .withArgs(epoch, report.root, report.leafCount, report.contentHash, x.digest, x.c.deployer.address);
    expect(await x.hub.hasReport(epoch)).to.equal(true);
    expect(await x.hub.epochRoot(epoch)).to.equal(report.root);
    expect(await x.hub.lastReportedEpoch()).to.equal(epoch);
    // A stranger submits too, with all four signatures.
    const next = await toNextEpoch(x.c);
    const later = epochReport(x.digest, next - 1n);
    const sigs = await signReport(x.nodes, x.domain, "EpochReport", { ...later });
    await expect(x.hub.connect(x.c.stranger).submitEpochReport(later, sigs))
      .to.emit(x.hub, "EpochReported")
      .withArgs(next - 1n, later.root, later.leafCount, later.contentHash, x.digest, x.c.stranger.address);
  });

  it("keeps every ended epoch of the late window reportable: a later epoch never closes an earlier one", async function () {
    const x = await setup();
    const now = await toNextEpoch(x.c);
    await submitEpoch(x, epochReport(x.digest, now - 1n));
    // Epochs now-2 .. now-LATE_WINDOW are still open, in any order, and never lower the latest reported epoch.
    for (const back of [5n, 2n, LATE_WINDOW]) {
      const report = epochReport(x.digest, now - back);
      await expect(submitEpoch(x, report)).to.emit(x.hub, "EpochReported");
      expect(await x.hub.epochRoot(now - back)).to.equal(report.root);
    }
    expect(await x.hub.lastReportedEpoch()).to.equal(now - 1n);
    expect(await x.hub.oldestAcceptedEpoch()).to.equal(now - LATE_WINDOW);
  });

  it("rejects an epoch that has not ended, one beyond the late window, and a second report", async function () {
    const x = await setup();
    const now = await toNextEpoch(x.c);
    for (const epoch of [now, now + 1n]) {
      await expect(submitEpoch(x, epochReport(x.digest, epoch)))
        .to.be.revertedWithCustomError(x.hub, "OracleHubEpochNotEnded")
        .withArgs(epoch, now);
    }
    const stale = now - LATE_WINDOW - 1n;
    await expect(submitEpoch(x, epochReport(x.digest, stale)))
      .to.be.revertedWithCustomError(x.hub, "OracleHubEpochTooOld")
      .withArgs(stale, now - LATE_WINDOW);
    await submitEpoch(x, epochReport(x.digest, now - 1n));
    // Twice: the same report, and a different root for the same epoch.
    for (const label of ["root", "other"]) {
      await expect(submitEpoch(x, epochReport(x.digest, now - 1n, label)))
        .to.be.revertedWithCustomError(x.hub, "OracleHubEpochAlreadyReported")
        .withArgs(now - 1n);
    }
  });

  it("rejects an empty report (zero root or no leaves)", async function () {
    const x = await setup();
    const epoch = (await toNextEpoch(x.c)) - 1n;
    await expect(submitEpoch(x, { ...epochReport(x.digest, epoch), root: ZeroHash }))
      .to.be.revertedWithCustomError(x.hub, "OracleHubEmptyReport")
      .withArgs(ZeroHash, 10n);
    const noLeaves = { ...epochReport(x.digest, epoch), leafCount: 0n };
    await expect(submitEpoch(x, noLeaves))
      .to.be.revertedWithCustomError(x.hub, "OracleHubEmptyReport")
      .withArgs(noLeaves.root, 0n);
  });
});

describe("OracleHub signature checks", function () {
  async function signed(x: Ctx) {
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const report = epochReport(x.digest, epoch);
    const sigs = await signReport(x.nodes, x.domain, "EpochReport", { ...report });
    return { report, sigs };
  }

  it("rejects a report signed under another config digest", async function () {
    const x = await setup();
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const wrong = hash("another set");
    await expect(submitEpoch(x, epochReport(wrong, epoch)))
      .to.be.revertedWithCustomError(x.hub, "OracleHubConfigDigestMismatch")
      .withArgs(wrong, x.digest);
  });

  it("rejects a duplicate signer, a signer outside the set and fewer signatures than the threshold", async function () {
    const x = await setup();
    const { report, sigs } = await signed(x);
    await expect(x.hub.submitEpochReport(report, [sigs[0], sigs[1], sigs[0]]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubDuplicateSigner")
      .withArgs(LOCAL_ORACLE_SIGNERS[0]);
    const [outsider] = await signReport([x.c.stranger], x.domain, "EpochReport", { ...report });
    await expect(x.hub.submitEpochReport(report, [sigs[0], outsider, sigs[1]]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignerNotInSet")
      .withArgs(x.c.stranger.address);
    await expect(x.hub.submitEpochReport(report, sigs.slice(0, 2)))
      .to.be.revertedWithCustomError(x.hub, "OracleHubBelowThreshold")
      .withArgs(2n, 3n);
    await expect(x.hub.submitEpochReport(report, []))
      .to.be.revertedWithCustomError(x.hub, "OracleHubBelowThreshold")
      .withArgs(0n, 3n);
    // A signature over another report recovers to an unrelated address.
    const other = { ...report, root: hash("forged") };
    const stray = recoverAddress(await x.hub.hashEpochReport(other), sigs[0]);
    await expect(x.hub.submitEpochReport(other, sigs.slice(0, 3)))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignerNotInSet")
      .withArgs(stray);
  });

  it("rejects malformed and malleable signatures, naming the signature's index", async function () {
    const x = await setup();
    const { report, sigs } = await signed(x);
    const short = sigs[1].slice(0, -2); // 64 bytes
    await expect(x.hub.submitEpochReport(report, [sigs[0], short, sigs[2]]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignatureLength")
      .withArgs(1n, 64n);
    await expect(x.hub.submitEpochReport(report, [sigs[0], sigs[1], `${sigs[2]}00`]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignatureLength")
      .withArgs(2n, 66n);
    const twin = malleate(sigs[2]);
    // ecrecover itself would accept the twin for the same signer (ethers refuses to even parse it); the hub must not.
    await expect(x.hub.submitEpochReport(report, [sigs[0], sigs[1], twin.signature]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignatureMalleable")
      .withArgs(2n, twin.s);
    const badV = `${sigs[0].slice(0, -2)}1d`; // v = 29
    await expect(x.hub.submitEpochReport(report, [badV, sigs[1], sigs[2]]))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignatureInvalid")
      .withArgs(0n);
    // The untouched signatures still go through.
    await expect(x.hub.submitEpochReport(report, sigs.slice(0, 3))).to.emit(x.hub, "EpochReported");
  });
});

describe("OracleHub leaf views", function () {
  function leavesFor(epoch: number, n: number): Leaf[] {
    const leaves: Leaf[] = [];
    for (let i = 0; i < n; i++) {
      leaves.push(
        i % 3 === 2
          ? { kind: "heartbeat", provider: `0x${hash(`provider-${i}`).slice(26)}` as `0x${string}`, epoch, heartbeatsAnswered: i % 60, heartbeatsSent: 60 }
          : { kind: "uptime", leaseId: BigInt(i + 1), epoch, secondsUp: 3_600 - (i % 100), secondsObserved: 3_600 },
      );
    }
    return leaves;
  }

  async function reportTree(x: Ctx, n: number) {
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const tree = buildTree(leavesFor(Number(epoch), n));
    const report = { ...epochReport(x.digest, epoch), root: tree.root, leafCount: BigInt(tree.leafCount) };
    await submitEpoch(x, report);
    return { epoch, tree };
  }

  async function check(x: Ctx, epoch: bigint, leaf: Leaf, proof: string[]): Promise<boolean> {
    const byHash = await x.hub.verifyLeaf(epoch, leafHash(leaf), proof);
    const byFields =
      leaf.kind === "uptime"
        ? await x.hub.verifyUptime(leaf.leaseId, epoch, leaf.secondsUp, leaf.secondsObserved, proof)
        : await x.hub.verifyHeartbeat(leaf.provider, epoch, leaf.heartbeatsAnswered, leaf.heartbeatsSent, proof);
    expect(byFields, "verifyUptime/verifyHeartbeat agrees with verifyLeaf").to.equal(byHash);
    return byHash;
  }

  it("agrees with the TypeScript tree on every leaf of a small tree, and rejects altered leaves", async function () {
    const x = await setup();
    const { epoch, tree } = await reportTree(x, 13);
    for (let i = 0; i < tree.leafCount; i++) {
      const leaf = tree.leaves[i];
      expect(await check(x, epoch, leaf, tree.proof(i)), `leaf ${i}`).to.equal(true);
      const altered: Leaf =
        leaf.kind === "uptime" ? { ...leaf, secondsUp: leaf.secondsUp - 1 } : { ...leaf, heartbeatsAnswered: leaf.heartbeatsAnswered + 1 };
      expect(await check(x, epoch, altered, tree.proof(i)), `altered leaf ${i}`).to.equal(false);
      expect(await check(x, epoch + 1n, leaf, tree.proof(i)), `leaf ${i} in an unreported epoch`).to.equal(false);
    }
    // A proof of another leaf, and an empty proof, fail.
    expect(await check(x, epoch, tree.leaves[0], tree.proof(1))).to.equal(false);
    expect(await check(x, epoch, tree.leaves[0], [])).to.equal(false);
  });

  it("proves a single-leaf tree with an empty proof (its root is the leaf hash)", async function () {
    const x = await setup();
    const { epoch, tree } = await reportTree(x, 1);
    expect(tree.root).to.equal(leafHash(tree.leaves[0]));
    expect(await check(x, epoch, tree.leaves[0], [])).to.equal(true);
  });

  it("verifies 17-deep proofs of a 100,000-leaf tree", async function () {
    this.timeout(120_000);
    const x = await setup();
    const { epoch, tree } = await reportTree(x, 100_000);
    expect(tree.depth).to.equal(17);
    for (const i of [0, 1, 65_535, 65_536, 99_998, 99_999]) {
      const proof = tree.proof(i);
      if (i < 2) expect(proof.length).to.equal(17);
      expect(await check(x, epoch, tree.leaves[i], proof), `leaf ${i} (proof of ${proof.length})`).to.equal(true);
    }
  });
});

describe("OracleHub replay PoC: another hub, another chain", function () {
  it("rejects a valid report replayed on a second hub deployment", async function () {
    const x = await setup();
    // A second hub with the same oracle set, the same registry and the same epochs (e.g. a redeployment).
    const params = { epochLength: EPOCH, setChangeDelay: DELAY, lateWindowEpochs: LATE_WINDOW, silenceEpochs: SILENCE };
    const other = await new OracleHub__factory(x.c.deployer).deploy(
      await x.c.manager.getAddress(),
      await x.c.registry.getAddress(),
      [...LOCAL_ORACLE_SIGNERS],
      params,
    );
    const otherDigest = await other.configDigest();
    expect(otherDigest).to.not.equal(x.digest);
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const report = epochReport(x.digest, epoch);
    const sigs = await signReport(x.nodes, x.domain, "EpochReport", { ...report });
    await x.hub.submitEpochReport(report, sigs);
    // Verbatim replay: the config digest binds the hub.
    await expect(other.submitEpochReport(report, sigs))
      .to.be.revertedWithCustomError(other, "OracleHubConfigDigestMismatch")
      .withArgs(x.digest, otherDigest);
    // Even with the other hub's digest in the report, the signatures are over this hub's EIP-712 domain: the
    // other hub recovers unrelated addresses.
    const retargeted = { ...report, configDigest: otherDigest };
    const sigsHere = await signReport(x.nodes, x.domain, "EpochReport", { ...retargeted });
    const stray = recoverAddress(await other.hashEpochReport(retargeted), sigsHere[0]);
    expect(LOCAL_ORACLE_SIGNERS).to.not.include(stray);
    await expect(other.submitEpochReport(retargeted, sigsHere))
      .to.be.revertedWithCustomError(other, "OracleHubSignerNotInSet")
      .withArgs(stray);
    // Signed for the other hub's domain, it goes through there: the rejection above is the domain's doing.
    const otherDomain = { chainId: x.domain.chainId, hub: await other.getAddress() };
    await expect(other.submitEpochReport(retargeted, await signReport(x.nodes, otherDomain, "EpochReport", { ...retargeted })))
      .to.emit(other, "EpochReported");
  });

  it("rejects a report signed for another chain id", async function () {
    const x = await setup();
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const report = epochReport(x.digest, epoch);
    const foreign = { chainId: x.domain.chainId + 1n, hub: x.domain.hub };
    const sigs = await signReport(x.nodes, foreign, "EpochReport", { ...report });
    const stray = recoverAddress(await x.hub.hashEpochReport(report), sigs[0]);
    await expect(x.hub.submitEpochReport(report, sigs))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignerNotInSet")
      .withArgs(stray);
    // The same attestation-style replay for a fault report.
    const f = fault(x);
    const faultSigs = await signReport(x.nodes, foreign, "FaultReport", { ...f });
    await expect(x.hub.submitFaultReport(f, faultSigs))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignerNotInSet")
      .withArgs(recoverAddress(await x.hub.hashFaultReport(f), faultSigs[0]));
  });
});
