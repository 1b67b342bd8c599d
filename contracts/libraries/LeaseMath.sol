// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LeaseMath
/// @notice Per-second value of a GPU lease.
library LeaseMath {
    uint256 internal constant SECONDS_PER_HOUR = 3_600;

    /// @notice What `gpus` GPUs at `pricePerGpuHour` are worth over `seconds_`, rounded down.
    /// @dev Rounds down, so a lease's value over [start, t] is monotone in t and never exceeds its value over
    /// [start, end]: a provider is never paid more than was funded, and a refund value(end) - value(t) is never
    /// negative. Cannot overflow: price < 2^40, gpus < 2^16 and seconds < 2^40.
    function value(uint256 pricePerGpuHour, uint256 gpus, uint256 seconds_) internal pure returns (uint256) {
        return (pricePerGpuHour * gpus * seconds_) / SECONDS_PER_HOUR;
    }
}
