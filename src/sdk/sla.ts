/**
 * SLA settlement proofs for `SlaBondManager.settle(leaseId, proofs)`, built from the leaf files the oracle nodes
 * publish (one per reported epoch). The contract judges a lease over the epochs `[start / L, ceil(end / L))`; every
 * reported epoch in that range must be proven, in strictly increasing epochs, so a file that lacks the lease's leaf
 * is an error here rather than a revert there. Unreported epochs need no proof (the contract skips them once the
 * oracle can no longer report them).
 *
 * @example
 * ```ts
 * const lease = await jobMarket.read.getLease([leaseId]);
 * const proofs = settlementProofs({ leaseId, start: lease.start, end: lease.end, epochLength: 3_600n, files });
 * await slaBondManager.write.settle([leaseId, proofs]);
 * // A long lease in parts: the first 200 epochs, then the rest from where the contract's cursor stands.
 * const first = settlementProofs({ leaseId, start, end, epochLength, files, maxProofs: 200 });
 * const rest = settlementProofs({ leaseId, start, end, epochLength, files, fromEpoch: settlement.nextEpoch });
 * ```
 */
import type { Hex } from "viem";
import type { LeafFile } from "../protocol/leaves.js";
import { CinderError } from "./errors.js";

/** One epoch's uptime leaf of a lease with its Merkle proof: `ISlaBondManager.UptimeProof`. */
export interface UptimeProof {
  epoch: bigint;
  secondsUp: number;
  secondsObserved: number;
  proof: Hex[];
}

/** A settlement cannot be built from the files; `field` names what was wrong. */
export class SlaProofError extends CinderError {
  override name = "SlaProofError" as const;
  constructor(
    readonly code: "BAD_RANGE" | "DUPLICATE_EPOCH" | "MISSING_LEAF",
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Parameters of `leaseEpochs`. */
export interface LeaseEpochsParameters {
  /** The lease's start and end (JobMarket `Lease.start`, `Lease.end`), in seconds. */
  start: bigint;
  end: bigint;
  /** OracleHub's `EPOCH_LENGTH`. */
  epochLength: bigint;
}

/** The epochs a lease is judged over: `first` to `end` (exclusive), as `SlaBondManager` counts them. */
export interface LeaseEpochsReturnType {
  first: bigint;
  end: bigint;
}

/** The lease's epochs: `[start / L, ceil(end / L))`. Throws `SlaProofError` `BAD_RANGE` on a bad lease or length. */
export function leaseEpochs({ start, end, epochLength }: LeaseEpochsParameters): LeaseEpochsReturnType {
  if (epochLength <= 0n) throw new SlaProofError("BAD_RANGE", "epochLength", `must be positive, got ${epochLength}`);
  if (start < 0n || end < start) throw new SlaProofError("BAD_RANGE", "end", `lease [${start}, ${end}] is not a range`);
  return { first: start / epochLength, end: (end + epochLength - 1n) / epochLength };
}

/** Parameters of `settlementProofs`. */
export interface SettlementProofsParameters extends LeaseEpochsParameters {
  /** The JobMarket lease id. */
  leaseId: bigint;
  /** The leaf files of reported epochs (any order; files outside the lease's epochs are ignored). */
  files: readonly LeafFile[];
  /** Start here instead of the lease's first epoch: the contract's `getSettlement(leaseId).nextEpoch`. */
  fromEpoch?: bigint;
  /** At most this many proofs (settling a long lease in parts). */
  maxProofs?: number;
}

/** The proofs, in strictly increasing epochs. */
export type SettlementProofsReturnType = UptimeProof[];

/**
 * The lease's uptime proofs for every given file in its epochs, in strictly increasing epochs. Throws
 * `SlaProofError`: `DUPLICATE_EPOCH` for two files of one epoch, `MISSING_LEAF` for a file without the lease's
 * uptime leaf (the contract refuses to skip a reported epoch), `BAD_RANGE` for a bad lease range or `maxProofs`.
 */
export function settlementProofs(parameters: SettlementProofsParameters): SettlementProofsReturnType {
  const { leaseId, files, fromEpoch, maxProofs } = parameters;
  const range = leaseEpochs(parameters);
  const from = fromEpoch !== undefined && fromEpoch > range.first ? fromEpoch : range.first;
  if (maxProofs !== undefined && (!Number.isInteger(maxProofs) || maxProofs < 0)) {
    throw new SlaProofError("BAD_RANGE", "maxProofs", `must be a non-negative integer, got ${maxProofs}`);
  }
  const inRange = files
    .filter((f) => BigInt(f.epoch) >= from && BigInt(f.epoch) < range.end)
    .sort((a, b) => a.epoch - b.epoch);
  const proofs: UptimeProof[] = [];
  for (const [i, file] of inRange.entries()) {
    if (i > 0 && inRange[i - 1].epoch === file.epoch) {
      throw new SlaProofError("DUPLICATE_EPOCH", `files[epoch ${file.epoch}]`, "two leaf files for one epoch");
    }
    const leaf = file.tree.leaves.find((l) => l.kind === "uptime" && l.leaseId === leaseId);
    if (leaf === undefined || leaf.kind !== "uptime") {
      throw new SlaProofError("MISSING_LEAF", `files[epoch ${file.epoch}]`, `no uptime leaf for lease ${leaseId}`);
    }
    proofs.push({ epoch: BigInt(file.epoch), secondsUp: leaf.secondsUp, secondsObserved: leaf.secondsObserved, proof: file.tree.proof(leaf) });
  }
  return maxProofs === undefined ? proofs : proofs.slice(0, maxProofs);
}
