/**
 * The emission keeper step: close the last ended epoch (or a given one), then settle every provider that earned
 * revenue in it, so each provider's share starts streaming into its pool. Used by `npm run epoch:close` and tested
 * on the in-process network (test/scripts/epoch.test.ts).
 */
import type { Signer } from "ethers";
import { EmissionController__factory } from "../../types/ethers-contracts/index.js";
import { BOUNDS, type Bound } from "../../src/economics/emissions.js";

/** Parameters of {@link runEpochClose}. */
export interface EpochCloseParameters {
  /** The EmissionController's address. */
  controller: string;
  /** Sends the transactions (any account: closing and settling are permissionless). */
  signer: Signer;
  /** The epoch to close; default: the last ended one. */
  epoch?: bigint;
  /** Blocks to scan back for RevenueRecorded events when listing the epoch's providers (default: from block 0). */
  fromBlock?: number;
}

/** One provider's emission for the epoch. */
export interface ProviderReward {
  provider: string;
  revenue: bigint;
  reward: bigint;
}

/** What {@link runEpochClose} did. */
export type EpochCloseResult =
  | {
      status: "closed" | "already-closed";
      epoch: bigint;
      revenue: bigint;
      fees: bigint;
      budget: bigint;
      bound: Bound;
      /** The wash guard's price in stablecoin units per whole CNDR (0 if none was needed). */
      price: bigint;
      rewards: ProviderReward[];
      txHash?: string;
    }
  | { status: "waiting"; epoch: bigint; reason: string; readyAt?: bigint };

/** Closes and settles one epoch. Never throws for an epoch that cannot close yet: it says why and when. */
export async function runEpochClose(parameters: EpochCloseParameters): Promise<EpochCloseResult> {
  const controller = EmissionController__factory.connect(parameters.controller, parameters.signer);
  const provider = parameters.signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  const nowTime = BigInt((await provider.getBlock("latest"))!.timestamp);
  const length = await controller.EPOCH_LENGTH();
  const current = nowTime / length;
  const epoch = parameters.epoch ?? current - 1n;
  if (epoch >= current) {
    return { status: "waiting", epoch, reason: `epoch ${epoch} has not ended`, readyAt: (epoch + 1n) * length };
  }
  const genesis = await controller.GENESIS_EPOCH();
  if (epoch < genesis) throw new Error(`epoch ${epoch} precedes the controller's first epoch ${genesis}`);

  let info = await controller.epochInfo(epoch);
  let txHash: string | undefined;
  const wasClosed = info.closed;
  if (!wasClosed) {
    const { minTwapWindow } = await controller.params();
    // The close needs a TWAP window of minTwapWindow from the epoch's first sample; wait rather than revert.
    if (info.revenue > 0n && nowTime + 1n - info.observedAt < minTwapWindow) {
      return {
        status: "waiting",
        epoch,
        reason: `the epoch's TWAP window is shorter than ${minTwapWindow} s`,
        readyAt: info.observedAt + minTwapWindow,
      };
    }
    const tx = await controller.closeEpochAt(epoch);
    await tx.wait();
    txHash = tx.hash;
    info = await controller.epochInfo(epoch);
  }

  const recorded = await controller.queryFilter(
    controller.filters.RevenueRecorded(undefined, epoch),
    parameters.fromBlock ?? 0,
  );
  const providers = [...new Set(recorded.map((e) => e.args.provider))].sort();
  const rewards: ProviderReward[] = [];
  const unsettled: string[] = [];
  for (const p of providers) {
    const revenue = await controller.providerRevenue(epoch, p);
    const pending = await controller.pendingReward(p, epoch);
    const settled = await controller.isSettled(p, epoch);
    if (!settled) unsettled.push(p);
    rewards.push({ provider: p, revenue, reward: settled ? shareOf(revenue, info.revenue, info.budget) : pending });
  }
  if (unsettled.length > 0) await (await controller.settleMany(unsettled, epoch)).wait();

  return {
    status: wasClosed ? "already-closed" : "closed",
    epoch,
    revenue: info.revenue,
    fees: info.fees,
    budget: info.budget,
    bound: BOUNDS[Number(info.bound)]!,
    price: info.price,
    rewards,
    txHash,
  };
}

function shareOf(revenue: bigint, total: bigint, budget: bigint): bigint {
  return total === 0n ? 0n : (revenue * budget) / total;
}
