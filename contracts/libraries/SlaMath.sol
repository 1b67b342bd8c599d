// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISlaBondManager} from "../interfaces/ISlaBondManager.sol";

/// @title SlaMath
/// @notice Bond locks and SLA credits: uptime compared to tier thresholds exactly (no division), amounts rounded
/// down.
library SlaMath {
    uint256 internal constant PPM = 1_000_000;
    uint256 internal constant MAX_BPS = 10_000;

    /// @notice The bond a lease worth `value` locks: `bondPercent`% of it, rounded down.
    /// @dev Down: the provider never locks more than its ratio. Every lock and unlock of a lease goes through this
    /// function of its current value, so the provider's locked total always equals the sum of its leases' locks.
    /// Cannot overflow: value < 2^84 (LeaseMath) and bondPercent <= 255.
    function lockOf(uint256 bondPercent, uint256 value) internal pure returns (uint256) {
        return (value * bondPercent) / 100;
    }

    /// @notice Whether `secondsUp / secondsObserved` is strictly below `ppm` parts per million.
    /// @dev Exact: `up * 1e6 < ppm * observed`, so an uptime exactly at a threshold is not below it. Sums are below
    /// 2^64 and ppm <= 1e6, so neither product overflows.
    function below(uint256 secondsUp, uint256 secondsObserved, uint256 ppm) internal pure returns (bool) {
        return secondsUp * PPM < ppm * secondsObserved;
    }

    /// @notice The credit in basis points of the charge at this uptime under `tier`; 0 when nothing was observed
    /// (absence of evidence never costs the provider).
    function creditBps(ISlaBondManager.Tier memory tier, uint256 secondsUp, uint256 secondsObserved)
        internal
        pure
        returns (uint256)
    {
        if (secondsObserved == 0) return 0;
        if (below(secondsUp, secondsObserved, tier.lowPpm)) return tier.lowCreditBps;
        if (below(secondsUp, secondsObserved, tier.midPpm)) return tier.midCreditBps;
        if (below(secondsUp, secondsObserved, tier.targetPpm)) return tier.creditBps;
        return 0;
    }

    /// @notice `bps` of `charge`, rounded down (the credit never exceeds the schedule).
    function credit(uint256 charge, uint256 bps) internal pure returns (uint256) {
        return (charge * bps) / MAX_BPS;
    }
}
