// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {MarketParams} from "./MarketParams.sol";

/// @title LeaseMath
/// @notice Per-second value of a GPU lease, what of it a provider may withdraw, and the terms a new lease must meet.
library LeaseMath {
    uint256 internal constant SECONDS_PER_HOUR = 3_600;

    /// @notice What `gpus` GPUs at `pricePerGpuHour` are worth over `seconds_`, rounded down.
    /// @dev Rounds down, so a lease's value over [start, t] is monotone in t and never exceeds its value over
    /// [start, end]: a provider is never paid more than was funded, and a refund value(end) - value(t) is never
    /// negative. Cannot overflow: price < 2^40, gpus < 2^16 and seconds < 2^40.
    function value(uint256 pricePerGpuHour, uint256 gpus, uint256 seconds_) internal pure returns (uint256) {
        return (pricePerGpuHour * gpus * seconds_) / SECONDS_PER_HOUR;
    }

    /// @notice The lease's value over [start, `until`], rounded down (see `value`).
    function valueAt(IJobMarket.Lease storage lease, uint256 until) internal view returns (uint256) {
        return value(lease.pricePerGpuHour, lease.gpuCount, until - lease.start);
    }

    /// @notice Whether the lease may still pay out its stream: an active lease, or a closed SLA lease's held tail (a
    /// closed batch job or no-SLA lease paid or refunded everything at close or resolution).
    function streams(IJobMarket.Lease storage lease) internal view returns (bool) {
        IJobMarket.LeaseStatus status = lease.status;
        return status == IJobMarket.LeaseStatus.Active
            || (status == IJobMarket.LeaseStatus.Closed && lease.slaBondPercent != 0);
    }

    /// @notice Streamed, covered (an SLA lease: before `hub`'s covered time; a batch job: once its `result`'s challenge
    /// window passed) and not yet released or credited.
    /// @dev Never negative: `released` was taken up to an earlier, not later, point (now, the end and the covered time
    /// only grow, and cancel and quit move the end to now or later), and `streamCredited` only after the end is covered.
    function withdrawable(IJobMarket.Lease storage lease, IJobMarket.Result storage result, IOracleHub hub)
        internal
        view
        returns (uint256)
    {
        uint256 until = Math.min(block.timestamp, lease.end);
        if (lease.kind == IJobMarket.JobKind.Batch) {
            uint40 challengeEndsAt = result.challengeEndsAt;
            if (challengeEndsAt == 0 || block.timestamp < challengeEndsAt) return 0;
        } else if (lease.slaBondPercent != 0) {
            until = Math.max(Math.min(until, hub.coveredUntil()), lease.start);
        }
        return valueAt(lease, until) - lease.released - lease.streamCredited;
    }

    /// @notice Reverts unless a lease of `gpuCount` GPUs (at least one) for `duration` (within the market's minimum
    /// and `MAX_LEASE_DURATION`) at `price` is worth at least the minimum value of `p`; returns that value.
    function checkTerms(IJobMarket.Params storage p, uint256 price, uint16 gpuCount, uint40 duration)
        internal
        view
        returns (uint256 leaseValue)
    {
        require(gpuCount > 0, IJobMarket.JobMarketZeroGpus());
        uint256 minDuration = p.minLeaseDuration;
        uint256 maxDuration = MarketParams.MAX_LEASE_DURATION;
        require(
            duration >= minDuration && duration <= maxDuration,
            IJobMarket.JobMarketDurationOutOfBounds(duration, minDuration, maxDuration)
        );
        leaseValue = value(price, gpuCount, duration);
        require(leaseValue >= p.minLeaseValue, IJobMarket.JobMarketLeaseValueTooLow(leaseValue, p.minLeaseValue));
    }
}
