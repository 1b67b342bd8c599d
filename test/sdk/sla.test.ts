/** `src/sdk/sla.ts`: settlement proofs from leaf files, accepted by the deployed SlaBondManager. */
import { expect } from "chai";
import { getAddress, type Address } from "viem";
import { buildTree, type Leaf, type LeafFile, verifyProof } from "../../src/protocol/leaves.js";
import { leaseEpochs, settlementProofs, SlaProofError } from "../../src/sdk/sla.js";
import { connectCinder, H100, onboardProvider, USD } from "../helpers/fixture.js";
import { signReport } from "../helpers/oracle.js";

const { loadCinder } = await connectCinder();
const EPOCH = 3_600n;
const HUB = "0x00000000000000000000000000000000000000aa" as Address;

const uptime = (leaseId: bigint, epoch: number, secondsUp: number, secondsObserved = 3_600): Leaf => ({
  kind: "uptime",
  leaseId,
  epoch,
  secondsUp,
  secondsObserved,
});
const file = (epoch: number, leaves: Leaf[], hub = HUB): LeafFile => ({ chainId: 31_337, oracleHub: hub, epoch, tree: buildTree(leaves) });

describe("SDK: SLA settlement proofs", function () {
  it("counts a lease's epochs as the contract does", function () {
    expect(leaseEpochs({ start: 7_200n, end: 10_800n, epochLength: EPOCH })).to.deep.equal({ first: 2n, end: 3n });
    expect(leaseEpochs({ start: 7_201n, end: 10_801n, epochLength: EPOCH })).to.deep.equal({ first: 2n, end: 4n });
    expect(() => leaseEpochs({ start: 5n, end: 4n, epochLength: EPOCH })).to.throw(SlaProofError, /not a range/);
    expect(() => leaseEpochs({ start: 0n, end: 4n, epochLength: 0n })).to.throw(SlaProofError, /must be positive/);
  });

  it("orders the proofs by epoch, keeps the lease's epochs only, and proves each leaf under its root", function () {
    const files = [5, 3, 4, 9].map((e) => file(e, [uptime(7n, e, 3_500 + e), uptime(8n, e, 3_600)]));
    const proofs = settlementProofs({ leaseId: 7n, start: 3n * EPOCH, end: 6n * EPOCH, epochLength: EPOCH, files });
    expect(proofs.map((p) => p.epoch)).to.deep.equal([3n, 4n, 5n]);
    for (const p of proofs) {
      const f = files.find((x) => BigInt(x.epoch) === p.epoch)!;
      expect(p.secondsUp).to.equal(3_500 + f.epoch);
      expect(verifyProof(f.tree.root, uptime(7n, f.epoch, p.secondsUp), p.proof)).to.equal(true);
    }
    const parts = { leaseId: 7n, start: 3n * EPOCH, end: 6n * EPOCH, epochLength: EPOCH, files };
    expect(settlementProofs({ ...parts, maxProofs: 2 }).map((p) => p.epoch)).to.deep.equal([3n, 4n]);
    expect(settlementProofs({ ...parts, fromEpoch: 5n }).map((p) => p.epoch)).to.deep.equal([5n]);
  });

  it("refuses a reported epoch without the lease's leaf, and two files for one epoch", function () {
    const base = { leaseId: 7n, start: 3n * EPOCH, end: 5n * EPOCH, epochLength: EPOCH };
    const missing = [file(3, [uptime(7n, 3, 3_600)]), file(4, [uptime(8n, 4, 3_600)])];
    expect(() => settlementProofs({ ...base, files: missing })).to.throw(SlaProofError, "files[epoch 4]: no uptime leaf for lease 7");
    const twice = [file(3, [uptime(7n, 3, 3_600)]), file(3, [uptime(7n, 3, 3_000)])];
    expect(() => settlementProofs({ ...base, files: twice })).to.throw(SlaProofError, "two leaf files for one epoch");
    expect(() => settlementProofs({ ...base, files: [], maxProofs: -1 })).to.throw(SlaProofError, /maxProofs/);
  });

  it("builds a settlement the deployed SlaBondManager accepts", async function () {
    const c = await loadCinder();
    const [provider] = c.providers;
    const client = c.clients[0];
    await onboardProvider(c, provider, { gpus: 2 });
    await c.registry.connect(provider).setOffer(H100, 2n * USD);
    const e = BigInt(await c.networkHelpers.time.latest()) / EPOCH + 1n;
    await c.networkHelpers.time.setNextBlockTimestamp(e * EPOCH + 60n);
    await c.jobMarket.connect(client).createDirectLease(provider.address, H100, 1, 2n * EPOCH, 2n * USD, 0);
    const leaseId = await c.jobMarket.leaseCount();
    const hub = getAddress(await c.oracleHub.getAddress());
    const { chainId } = await c.ethers.provider.getNetwork();
    const files: LeafFile[] = [];
    for (let k = 0n; k <= 2n; k++) {
      await c.networkHelpers.time.increaseTo((e + k + 1n) * EPOCH + 5n);
      const epoch = Number(e + k);
      const f = file(epoch, [uptime(leaseId, epoch, k === 0n ? 3_000 : 3_540, k === 1n ? 3_600 : 3_540), uptime(999n, epoch, 1)], hub);
      files.push(f);
      const report = { configDigest: await c.oracleHub.configDigest(), epoch: BigInt(epoch), root: f.tree.root, leafCount: BigInt(f.tree.leafCount), contentHash: `0x${"11".repeat(32)}` };
      await c.oracleHub.submitEpochReport(report, await signReport(c.oracleSigners.slice(0, 3), { chainId, hub }, "EpochReport", { ...report }));
    }
    const lease = await c.jobMarket.getLease(leaseId);
    const proofs = settlementProofs({ leaseId, start: lease.start, end: lease.end, epochLength: EPOCH, files });
    expect(proofs).to.have.length(3);
    // 3,000 + 3,540 + 3,540 up of 3,540 + 3,600 + 3,540 observed: 94.4%, the Standard tier's 100% credit. The
    // provider took the whole (covered) stream first, so the bond pays, capped at the lock.
    const v = (2n * USD * 2n * EPOCH) / 3_600n;
    await c.jobMarket.connect(provider).withdrawAccrued(leaseId);
    await expect(c.slaBondManager.settle(leaseId, proofs))
      .to.emit(c.slaBondManager, "SlaSettled")
      .withArgs(leaseId, provider.address, client.address, 0, 10_080n, 10_680n, v, 0n, v / 10n, v / 10n);
  });
});
