/**
 * OracleHub's delayed oracle-set change (replay protection per oracle-set version) and silence.
 */
import { expect } from "chai";
import { Wallet, ZeroAddress } from "ethers";
import { LOCAL_ORACLE_SIGNERS } from "../../../deploy/config.js";
import { OracleHub__factory, type OracleHub } from "../../../types/ethers-contracts/index.js";
import { configDigestOf, signReport, thresholdOf, type EpochReport } from "../../helpers/oracle.js";
import { DELAY, EPOCH, epochReport, hash, LATE_WINDOW, setup, SILENCE, submitEpoch, toNextEpoch } from "./fixture.js";

describe("OracleHub oracle-set change", function () {
  function wallets(n: number, label = "node"): Wallet[] {
    return Array.from({ length: n }, (_, i) => new Wallet(hash(`${label}-${i}`)));
  }

  it("applies a proposed set after the delay; signatures under the old digest are dead", async function () {
    const x = await setup();
    const g = x.c.governance;
    const next = wallets(5);
    const addresses = next.map((w) => w.address);
    // A report the old set signed before the change, not yet submitted.
    const epoch = (await toNextEpoch(x.c)) - 1n;
    const old = epochReport(x.digest, epoch);
    const oldSigs = await signReport(x.nodes, x.domain, "EpochReport", { ...old });

    const proposed = await x.hub.connect(g).proposeOracleSet(addresses);
    const effectiveAt = BigInt(await x.c.networkHelpers.time.latest()) + DELAY;
    await expect(proposed).to.emit(x.hub, "OracleSetProposed").withArgs(addresses, 3n, effectiveAt);
    const [pending, pendingAt] = await x.hub.pendingOracleSet();
    expect(pending).to.deep.equal(addresses);
    expect(pendingAt).to.equal(effectiveAt);

    await x.c.networkHelpers.time.setNextBlockTimestamp(effectiveAt - 1n);
    await expect(x.hub.applyOracleSet())
      .to.be.revertedWithCustomError(x.hub, "OracleHubSetChangeNotReady")
      .withArgs(effectiveAt, effectiveAt - 1n);
    // The refused call mined no block, so the timestamp is still pending: apply exactly at effectiveAt.
    await x.c.networkHelpers.time.setNextBlockTimestamp(effectiveAt);
    const newDigest = configDigestOf(x.domain.chainId, x.domain.hub, 2n, addresses, 3n);
    await expect(x.hub.connect(x.c.stranger).applyOracleSet())
      .to.emit(x.hub, "OracleSetApplied")
      .withArgs(2n, addresses, 3n, newDigest);
    expect(await x.hub.configDigest()).to.equal(newDigest);
    const [signers, threshold, version] = await x.hub.oracleSet();
    expect([signers, threshold, version]).to.deep.equal([addresses, 3n, 2n]);
    expect((await x.hub.pendingOracleSet())[0]).to.deep.equal([]);

    // The old set's report is dead, and so are old members signing the new digest.
    await expect(x.hub.submitEpochReport(old, oldSigs))
      .to.be.revertedWithCustomError(x.hub, "OracleHubConfigDigestMismatch")
      .withArgs(x.digest, newDigest);
    const fresh = epochReport(newDigest, epoch);
    const byOld = await signReport(x.nodes, x.domain, "EpochReport", { ...fresh });
    await expect(x.hub.submitEpochReport(fresh, byOld))
      .to.be.revertedWithCustomError(x.hub, "OracleHubSignerNotInSet")
      .withArgs(LOCAL_ORACLE_SIGNERS[0]);
    // n = 5: f = 1, threshold 3 (not 4 or 5): two signatures fail, three pass.
    const bySet = await signReport(next, x.domain, "EpochReport", { ...fresh });
    await expect(x.hub.submitEpochReport(fresh, bySet.slice(0, 2)))
      .to.be.revertedWithCustomError(x.hub, "OracleHubBelowThreshold")
      .withArgs(2n, 3n);
    await expect(x.hub.submitEpochReport(fresh, [bySet[4], bySet[0], bySet[2]]))
      .to.emit(x.hub, "EpochReported")
      .withArgs(epoch, fresh.root, fresh.leafCount, fresh.contentHash, newDigest, x.c.deployer.address);
  });

  it("derives the threshold 2f + 1 for every set size from 4 to 31", async function () {
    const x = await setup();
    for (const n of [4, 6, 7, 10, 13, 30, 31]) {
      const addresses = wallets(n, `size-${n}`).map((w) => w.address);
      await expect(x.hub.connect(x.c.governance).proposeOracleSet(addresses))
        .to.emit(x.hub, "OracleSetProposed")
        .withArgs(addresses, thresholdOf(n), (at: bigint) => at > 0n);
    }
    await x.c.networkHelpers.time.increase(Number(DELAY));
    await x.hub.applyOracleSet();
    const [signers, threshold, version] = await x.hub.oracleSet();
    expect([signers.length, threshold, version]).to.deep.equal([31, 21n, 2n]);
  });

  it("lets governance cancel a pending set; apply then finds nothing", async function () {
    const x = await setup();
    await expect(x.hub.applyOracleSet()).to.be.revertedWithCustomError(x.hub, "OracleHubNoPendingSet");
    await expect(x.hub.connect(x.c.governance).cancelOracleSet()).to.be.revertedWithCustomError(
      x.hub,
      "OracleHubNoPendingSet",
    );
    await x.hub.connect(x.c.governance).proposeOracleSet(wallets(4).map((w) => w.address));
    await expect(x.hub.connect(x.c.governance).cancelOracleSet()).to.emit(x.hub, "OracleSetCancelled");
    await x.c.networkHelpers.time.increase(Number(DELAY));
    await expect(x.hub.applyOracleSet()).to.be.revertedWithCustomError(x.hub, "OracleHubNoPendingSet");
    expect((await x.hub.oracleSet())[2]).to.equal(1n);
    expect(await x.hub.configDigest()).to.equal(x.digest);
  });

  it("rejects invalid sets: 32 signers, fewer than 4, a duplicate, the zero address", async function () {
    const x = await setup();
    const hub = x.hub.connect(x.c.governance);
    const many = wallets(32).map((w) => w.address);
    await expect(hub.proposeOracleSet(many)).to.be.revertedWithCustomError(hub, "OracleHubSetTooLarge").withArgs(32n, 31n);
    for (const n of [0, 1, 3]) {
      await expect(hub.proposeOracleSet(many.slice(0, n)))
        .to.be.revertedWithCustomError(hub, "OracleHubSetTooSmall")
        .withArgs(BigInt(n), 4n);
    }
    const dup = [many[0], many[1], many[2], many[3], many[1]];
    await expect(hub.proposeOracleSet(dup)).to.be.revertedWithCustomError(hub, "OracleHubDuplicateSetMember").withArgs(many[1]);
    const withZero = [many[0], many[1], ZeroAddress, many[3]];
    await expect(hub.proposeOracleSet(withZero)).to.be.revertedWithCustomError(hub, "OracleHubZeroSigner").withArgs(2n);
    // The constructor checks its initial set the same way.
    const factory = new OracleHub__factory(x.c.deployer);
    const params = { epochLength: EPOCH, setChangeDelay: DELAY, lateWindowEpochs: LATE_WINDOW, silenceEpochs: SILENCE };
    await expect(factory.deploy(await x.c.manager.getAddress(), await x.c.registry.getAddress(), many, params))
      .to.be.revertedWithCustomError(hub, "OracleHubSetTooLarge")
      .withArgs(32n, 31n);
  });

  it("refuses proposeOracleSet and cancelOracleSet to anyone but governance", async function () {
    const x = await setup();
    const set = wallets(4).map((w) => w.address);
    for (const caller of [x.c.stranger, x.c.guardian, x.c.attestor, x.c.deployer]) {
      await expect(x.hub.connect(caller).proposeOracleSet(set))
        .to.be.revertedWithCustomError(x.hub, "AccessManagedUnauthorized")
        .withArgs(caller.address);
      await expect(x.hub.connect(caller).cancelOracleSet())
        .to.be.revertedWithCustomError(x.hub, "AccessManagedUnauthorized")
        .withArgs(caller.address);
    }
  });
});

describe("OracleHub silence", function () {
  it("is silent after SILENCE_EPOCHS ended epochs without a report, and speaks again with a new one", async function () {
    const x = await setup();
    const deployEpoch = await x.hub.DEPLOY_EPOCH();
    expect(await x.hub.isSilent()).to.equal(false);
    // Ended epochs since deployment: [deployEpoch, current - 1].
    await x.c.networkHelpers.time.increaseTo((deployEpoch + SILENCE - 1n) * EPOCH + 1n);
    expect(await x.hub.isSilent()).to.equal(false); // SILENCE - 1 ended epochs
    await x.c.networkHelpers.time.increaseTo((deployEpoch + SILENCE) * EPOCH);
    expect(await x.hub.isSilent()).to.equal(true);

    const current = await x.hub.currentEpoch();
    await submitEpoch(x, epochReport(x.digest, current - 1n));
    expect(await x.hub.isSilent()).to.equal(false);
    await x.c.networkHelpers.time.increaseTo((current + SILENCE - 1n) * EPOCH + 5n);
    expect(await x.hub.isSilent()).to.equal(false);
    await x.c.networkHelpers.time.increaseTo((current + SILENCE) * EPOCH);
    expect(await x.hub.isSilent()).to.equal(true);
    // A late report of an older epoch does not end the silence; the latest ended one does.
    await submitEpoch(x, epochReport(x.digest, current - 2n));
    expect(await x.hub.isSilent()).to.equal(true);
    expect(await x.hub.lastReportedEpoch()).to.equal(current - 1n);
    await submitEpoch(x, epochReport(x.digest, current + SILENCE - 1n));
    expect(await x.hub.isSilent()).to.equal(false);
  });
});
