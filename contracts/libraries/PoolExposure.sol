// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";

/// @title PoolExposure
/// @notice Bookkeeping of what a StakingVault pool's leases need of its stake (IStakingVault.Exposure), and the
/// withdrawal lock it implies: the running leases' need until their latest end plus the exposure tail, and the
/// merged cooling part of the leases that ended, until its end plus the tail.
/// @dev Assumptions:
/// - The job market reports every lease's need once at award and once when it ends, with the same GPUs; the
///   release saturates, absorbing a change of the per-GPU stake in between.
/// - `tail` is the vault's exposure tail, which covers every window that can still lead to a slash (ExposureWindows).
library PoolExposure {
    using SafeCast for uint256;

    /// @notice Adds a lease needing `need` until `until` (`need` 0: a running lease extended to `until`).
    /// @return totalNeed What the running leases need now.
    function record(IStakingVault.Exposure storage e, IStakingVault.Pool storage pool, uint256 need, uint40 until)
        internal
        returns (uint256 totalNeed)
    {
        totalNeed = e.need;
        // No lease running: a new run starts, and its end is this lease's (ended leases live on in the cooling part).
        if (totalNeed == 0 || until > pool.exposureUntil) pool.exposureUntil = until;
        if (need > 0) {
            totalNeed += need;
            e.need = totalNeed.toUint104();
        }
    }

    /// @notice `e` after a lease that needed `need` ended at `endedAt`: its need leaves the running part and joins
    /// the cooling part while `endedAt` plus the tail is still ahead.
    function release(IStakingVault.Exposure memory e, uint256 need, uint40 endedAt, uint256 tail)
        internal
        view
        returns (IStakingVault.Exposure memory)
    {
        // Saturates: the per-GPU stake may have changed between the award and now.
        uint256 running = e.need > need ? e.need - need : 0;
        e.need = uint104(running);
        if (uint256(endedAt) + tail > block.timestamp) {
            // A live cooling part absorbs it (the later end); a stale one is replaced.
            if (uint256(e.coolingEnd) + tail > block.timestamp) {
                e.coolingNeed = (uint256(e.coolingNeed) + need).toUint104();
                if (endedAt > e.coolingEnd) e.coolingEnd = endedAt;
            } else {
                (e.coolingNeed, e.coolingEnd) = (need.toUint104(), endedAt);
            }
        }
        return e;
    }

    /// @notice What the exposure needs now and until when a withdrawal that uncovers it stays locked: the running
    /// leases' need until their latest end (`exposureUntil`) plus the tail, and the cooling part's while its tail
    /// runs. (0, 0) when nothing is needed.
    function lock(IStakingVault.Exposure memory e, uint256 exposureUntil, uint256 tail)
        internal
        view
        returns (uint256 need, uint256 lockedUntil)
    {
        need = e.need;
        if (need > 0) lockedUntil = exposureUntil + tail;
        uint256 coolingUntil = uint256(e.coolingEnd) + tail;
        if (e.coolingNeed > 0 && coolingUntil > block.timestamp) {
            need += e.coolingNeed;
            lockedUntil = Math.max(lockedUntil, coolingUntil);
        }
    }
}
