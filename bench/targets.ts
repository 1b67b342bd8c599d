/**
 * Gas targets per operation (receipt gasUsed, 21,000 base included). Relative targets compare two operations.
 * Later issues add their operations here; `npm run bench` prints every figure against its target.
 */
export type Target =
  | { kind: "max"; gas: number }
  | { kind: "within"; of: string; percent: number };

export const TARGETS: Record<string, Target> = {
  "StakingVault.stake.first": { kind: "max", gas: 110_000 },
  "StakingVault.delegate.first": { kind: "max", gas: 110_000 },
  "StakingVault.stake.again": { kind: "max", gas: 70_000 },
  "StakingVault.requestWithdraw": { kind: "max", gas: 90_000 },
  "StakingVault.claimWithdraw": { kind: "max", gas: 70_000 },
  "StakingVault.claimRewards.after1000": { kind: "within", of: "StakingVault.claimRewards.after1", percent: 5 },
  "JobMarket.createDirectLease": { kind: "max", gas: 190_000 },
  "JobMarket.createDirectLease.with1000Jobs": { kind: "within", of: "JobMarket.createDirectLease", percent: 2 },
  "LeaseAuction.bid": { kind: "max", gas: 80_000 },
  // Measured 208,787 (was 178,935) as JobMarket.finalizeAuction: binding bids (issue 15) add the winner's commitment (a
  // fresh slot, 22,100) and the runner-up's bid-lock release, less the bid deposit's credit (199,943); recording the
  // lease's stake need in the vault (exposure that locks only what it needs) adds the rest, as on createDirectLease.
  // Measured 228,145 since the auction is its own contract (issue 19): see CHANGE_NOTES.
  "LeaseAuction.finalizeAuction": { kind: "max", gas: 230_000 },
  "JobMarket.withdrawAccrued": { kind: "max", gas: 90_000 },
  "JobMarket.close": { kind: "max", gas: 140_000 },
  "PaymentChannels.redeem": { kind: "max", gas: 90_000 },
  "PaymentChannels.redeemBatch.perChannel": { kind: "max", gas: 40_000 },
  "PaymentChannels.gasPerRequest": { kind: "max", gas: 100 },
  "BuybackBurner.execute": { kind: "max", gas: 220_000 },
  "EmissionController.closeEpoch": { kind: "max", gas: 150_000 },
  // The same ~2,800 gas of revenue-slot pattern as before; 2.5% since the mint lost its AccessManager check (~9,500 gas
  // off the base: CNDR's minter is a wired address).
  "EmissionController.closeEpoch.with1000Providers": { kind: "within", of: "EmissionController.closeEpoch", percent: 2.5 },
  "EmissionController.recordRevenue": { kind: "max", gas: 30_000 },
  "OracleHub.submitEpochReport.sigs5": { kind: "max", gas: 95_000 },
  // The leaf count is a uint32 in the report: 100,000 leaves cost what 1 does, but for a calldata byte or two.
  "OracleHub.submitEpochReport.leaves100000": { kind: "within", of: "OracleHub.submitEpochReport.leaves1", percent: 0.1 },
  // One settlement of one lease at proof depth 17: over 24 epochs (total / 24), and over a single epoch.
  "SlaBondManager.settle.epochs24.perEpoch": { kind: "max", gas: 30_000 },
  "SlaBondManager.settle.epochs1": { kind: "max", gas: 110_000 },
  "SlashingManager.propose": { kind: "max", gas: 120_000 },
  "SlashingManager.execute": { kind: "max", gas: 120_000 },
  // Disputes (measured 175,683 / 201,638 / 251,682 / 156,756): open writes the dispute's three slots and pulls the
  // deposit; resolve (ClientUpheld) settles the escrow and opens the job-fraud proposal (two more slots and the hold);
  // submitVerdict adds the hub's 3-of-4 signature check and its accepted-id slot; arbitrate (ProviderUpheld) pays the
  // provider through the market's fee and revenue record. About 8% headroom each.
  "DisputeManager.open": { kind: "max", gas: 190_000 },
  "DisputeManager.resolve": { kind: "max", gas: 218_000 },
  "DisputeManager.submitVerdict.sigs3": { kind: "max", gas: 272_000 },
  "DisputeManager.arbitrate": { kind: "max", gas: 170_000 },
};

/** Whether `name`'s figure meets its target (true when it has none). */
export function meetsTarget(name: string, figures: Record<string, number>): boolean {
  const target = TARGETS[name];
  if (target === undefined) return true;
  const gas = figures[name];
  if (target.kind === "max") return gas <= target.gas;
  const base = figures[target.of];
  return Math.abs(gas - base) * 100 <= base * target.percent;
}

export function describeTarget(name: string): string {
  const target = TARGETS[name];
  if (target === undefined) return "";
  return target.kind === "max"
    ? `<= ${target.gas.toLocaleString("en-US")}`
    : `within ${target.percent}% of ${target.of.split(".").slice(-1)[0]}`;
}

/**
 * Why a figure moved more than the 2% tolerance in the change that moved it, shown under the operations in
 * bench/REPORT.md. A note stays while its figure's name and cause still hold.
 */
export const CHANGE_NOTES: Record<string, string> = {
  "LeaseAuction.bid":
    "73,905 as JobMarket.bid, 79,219 since the reverse auction is its own contract (issue 19), +7.2%: the bid enters " +
    "the LeaseAuction, so the JobMarket is a cold account (2,600) reached by three calls (its pause, its order " +
    "parameters, and the bid-lock move, which it forwards to the SlaBondManager after reading its wired auction, one " +
    "cold slot: 2,100). Within the 80,000 target.",
  "LeaseAuction.finalizeAuction":
    "208,848 as JobMarket.finalizeAuction, 228,145 since the reverse auction is its own contract (issue 19), +9.2%: " +
    "the order's escrow, held by the auction, moves into the market (one stablecoin transfer: the token a cold " +
    "account, both balance slots cold and rewritten, its Transfer event, about 14,500), the market is a cold account " +
    "reached by one call carrying the order's award (about 3,000 with its ABI coding), and it reads its wired " +
    "auction (2,100). The target moved from 210,000 to 230,000 with it; the refund is still credited in the market " +
    "(no second transfer). Holding 210,000 would take more than moving the escrow back into the market: without the " +
    "transfer (about 16,000 with its call) the figure would be about 212,000, the cold call and the wiring read " +
    "remaining; only a library split with the state kept in the market could hold it.",
};
