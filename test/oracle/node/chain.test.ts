/**
 * ChainView over a scripted public client: which leases a node follows. Ended leases leave the followed set once
 * they are older than the hub's late window (so a node's reads per epoch do not grow with every lease ever
 * created), batch jobs leave at once, and leases still inside the window stay, overlapping or not.
 */
import { expect } from "chai";
import type { Address, PublicClient } from "viem";
import { ChainView, type ChainParameters } from "../../../src/oracle/node/chain.js";

const L = 60;
const LATE = 4;
const HUB = "0x00000000000000000000000000000000000000f1" as Address;
const MARKET = "0x00000000000000000000000000000000000000f2" as Address;
const PROVIDER = "0x00000000000000000000000000000000000000B1" as Address;

interface FakeLease {
  start: number;
  end: number;
  kind: 0 | 1;
}

function scriptedChain(leases: Map<bigint, FakeLease>, now: () => number) {
  const reads: string[] = [];
  const publicClient = {
    getBlockNumber: async () => 10n,
    getBlock: async () => ({ timestamp: BigInt(now()) }),
    getContractEvents: async ({ eventName }: { eventName: string }) =>
      eventName === "LeaseCreated" ? [...leases.keys()].map((leaseId) => ({ args: { leaseId }, blockNumber: 1n, logIndex: 0 })) : [],
    readContract: async ({ functionName, args }: { functionName: string; args?: readonly unknown[] }) => {
      reads.push(functionName);
      if (functionName === "EPOCH_LENGTH") return BigInt(L);
      if (functionName === "LATE_WINDOW_EPOCHS") return BigInt(LATE);
      if (functionName === "getLease") {
        const lease = leases.get(args![0] as bigint)!;
        return { ...lease, provider: PROVIDER, gpuCount: 1, start: BigInt(lease.start), end: BigInt(lease.end) };
      }
      throw new Error(`unexpected read ${functionName}`);
    },
  } as unknown as PublicClient;
  const view = new ChainView({ publicClient, walletClient: {} as ChainParameters["walletClient"], oracleHub: HUB, registry: HUB, jobMarket: MARKET });
  return { view, reads };
}

describe("Oracle node: ChainView follows the leases of the late window", () => {
  const epoch = 1_000;
  const now = epoch * L + 30;
  const leases = new Map<bigint, FakeLease>([
    [1n, { start: 0, end: (epoch - 20) * L, kind: 0 }], // ended long before the late window
    [2n, { start: 0, end: (epoch - 2) * L, kind: 0 }], // ended inside the window: a late report still needs it
    [3n, { start: (epoch - 1) * L, end: (epoch + 50) * L, kind: 0 }], // running
    [4n, { start: (epoch - 1) * L, end: (epoch + 50) * L, kind: 1 }], // a batch job: never an uptime leaf
  ]);

  it("returns the overlapping leases and stops reading those that can never be reported again", async () => {
    const { view, reads } = scriptedChain(leases, () => now);
    await view.refresh();
    expect(view.followedLeases).to.equal(4);

    const lastEpoch = await view.leasesOverlapping((epoch - 1) * L, epoch * L);
    expect(lastEpoch.map((l) => l.leaseId)).to.deep.equal([3n]);
    expect(view.followedLeases, "lease 1 (long ended) and lease 4 (batch) are dropped").to.equal(2);

    // A late report of an older epoch inside the window still sees lease 2.
    const older = await view.leasesOverlapping((epoch - 3) * L, (epoch - 2) * L);
    expect(older.map((l) => l.leaseId)).to.deep.equal([2n]);

    const before = reads.filter((r) => r === "getLease").length;
    await view.leasesOverlapping((epoch - 1) * L, epoch * L);
    expect(reads.filter((r) => r === "getLease").length - before, "one read per followed lease").to.equal(2);
  });

  it("drops a lease once its end falls behind the window as time moves on", async () => {
    let clock = now;
    const { view } = scriptedChain(new Map([[2n, leases.get(2n)!]]), () => clock);
    await view.refresh();
    await view.leasesOverlapping((epoch - 1) * L, epoch * L);
    expect(view.followedLeases).to.equal(1);
    clock = (epoch + LATE + 2) * L;
    await view.leasesOverlapping((epoch + LATE) * L, (epoch + LATE + 1) * L);
    expect(view.followedLeases).to.equal(0);
  });
});
