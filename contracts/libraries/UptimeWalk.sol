// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {ISlaBondManager} from "../interfaces/ISlaBondManager.sol";
import {OracleLeaves} from "./OracleLeaves.sol";

/// @title UptimeWalk
/// @notice The SlaBondManager's walk over a lease's epochs: each uptime leaf proven under its epoch's root in the
/// OracleHub, in order, and an epoch without a leaf passed only when it can never be reported, so a settlement
/// cannot leave out an epoch the oracle reported. Also the epoch arithmetic of the hub's late window.
/// @dev Assumptions:
/// - `epochLength` and `lateWindowEpochs` are the hub's (immutable there): an epoch `e` is reportable until epoch
///   `e + lateWindowEpochs` ends, and the hub has no root for an epoch it never accepted a report for.
/// - The oracle quorum puts one uptime leaf in each epoch report for every lease active in that epoch.
library UptimeWalk {
    /// @notice Unreported epochs one call may skip: bounds a call's gas (one hub read each).
    uint256 internal constant MAX_SKIPPED_EPOCHS = 1_000;

    /// @notice A settlement call's walk over the lease's epochs: the next epoch to judge, the end (exclusive), the
    /// oldest epoch still reportable, and how many unreported epochs were skipped.
    struct Walk {
        uint64 next;
        uint64 endEpoch;
        uint64 oldest;
        uint256 skipped;
    }

    /// @notice The walk over a lease [start, end)'s epochs, [start / L, ceil(end / L)) (the last one holds its last
    /// second), from `next` once the settlement has started.
    function begin(
        bool started,
        uint64 next,
        uint256 start,
        uint256 end,
        uint256 epochLength,
        uint256 lateWindowEpochs
    ) internal view returns (Walk memory) {
        return Walk({
            next: started ? next : uint64(start / epochLength),
            endEpoch: uint64((end + epochLength - 1) / epochLength),
            oldest: oldestReportable(epochLength, lateWindowEpochs),
            skipped: 0
        });
    }

    /// @notice Checks one proof against the walk: its epoch is the next to judge or later, every epoch skipped before
    /// it can never be reported, and the leaf is under the epoch's root; moves the walk past it.
    /// @return up The proof's seconds up.
    /// @return observed The proof's seconds observed.
    function prove(Walk memory w, IOracleHub hub, uint256 leaseId, ISlaBondManager.UptimeProof calldata p)
        internal
        view
        returns (uint32 up, uint32 observed)
    {
        uint64 epoch = p.epoch;
        uint64 next = w.next;
        require(epoch >= next, ISlaBondManager.SlaBondManagerEpochOutOfOrder(epoch, next));
        require(epoch < w.endEpoch, ISlaBondManager.SlaBondManagerEpochAfterLease(epoch, w.endEpoch - 1));
        for (; next < epoch; ++next) {
            require(hub.epochRoot(next) == 0, ISlaBondManager.SlaBondManagerMissingEpoch(next));
            require(next < w.oldest, ISlaBondManager.SlaBondManagerEpochStillReportable(next, w.oldest));
            require(
                ++w.skipped <= MAX_SKIPPED_EPOCHS,
                ISlaBondManager.SlaBondManagerTooManySkipped(w.skipped, MAX_SKIPPED_EPOCHS)
            );
        }
        bytes32 root = hub.epochRoot(epoch);
        require(root != 0, ISlaBondManager.SlaBondManagerEpochNotReported(epoch));
        up = p.secondsUp;
        observed = p.secondsObserved;
        require(up <= observed, ISlaBondManager.SlaBondManagerUptimeAboveObserved(epoch, up, observed));
        require(
            MerkleProof.verifyCalldata(p.proof, root, OracleLeaves.uptime(leaseId, epoch, up, observed)),
            ISlaBondManager.SlaBondManagerInvalidProof(epoch)
        );
        w.next = epoch + 1;
    }

    /// @notice Moves the walk past the unreported epochs that can never be reported (past the late window), at most
    /// MAX_SKIPPED_EPOCHS in the call.
    function skipUnreported(Walk memory w, IOracleHub hub) internal view {
        while (
            w.next < w.endEpoch && w.next < w.oldest && w.skipped < MAX_SKIPPED_EPOCHS && hub.epochRoot(w.next) == 0
        ) {
            ++w.next;
            ++w.skipped;
        }
    }

    /// @notice The oldest epoch the hub still accepts a report for: every earlier unreported epoch stays unreported.
    function oldestReportable(uint256 epochLength, uint256 lateWindowEpochs) internal view returns (uint64) {
        uint256 current = block.timestamp / epochLength;
        // lateWindowEpochs <= 720 in the hub; the epoch fits a uint64 for any timestamp.
        return uint64(current > lateWindowEpochs ? current - lateWindowEpochs : 0);
    }

    /// @notice The start of the epoch after the one where the lease's last epoch stops being reportable: the last
    /// epoch e = ceil(end / L) - 1 is reportable until epoch e + lateWindowEpochs ends, and one more epoch is left
    /// for the settlement itself.
    function releasableAt(uint256 end, uint256 epochLength, uint256 lateWindowEpochs) internal pure returns (uint256) {
        uint256 endEpoch = (end + epochLength - 1) / epochLength;
        return (endEpoch + lateWindowEpochs + 1) * epochLength;
    }
}
