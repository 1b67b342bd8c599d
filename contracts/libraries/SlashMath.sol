// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SlashMath
/// @notice A fault's slash amount and the reporter's bounty: the amount rounds up and is never zero, the bounty
/// rounds down and stays strictly below 1/(1 + m) of the slash.
library SlashMath {
    uint256 internal constant MAX_BPS = 10_000;

    /// @notice `bps` of `base` (a per-GPU stake), rounded up, at least 1 wei, at most `cap`.
    /// @dev Up, and at least 1: rounding never turns a fault into no slash (DESIGN, SlashingManager). `cap` >= 1
    /// (the manager's maxPerEvent is at least 1 CNDR). Cannot overflow: mulDiv is full-width.
    function amount(uint256 base, uint256 bps, uint256 cap) internal pure returns (uint256) {
        return Math.min(Math.max(1, Math.mulDiv(base, bps, MAX_BPS, Math.Rounding.Ceil)), cap);
    }

    /// @notice The largest bounty rate r (bps) with r x (1 + m) < 10,000, so a provider reporting its own fault
    /// never recovers what its self-stake loses (DESIGN, Reporters and self-slashing).
    function maxBountyBps(uint256 multiple) internal pure returns (uint256) {
        return (MAX_BPS - 1) / (1 + multiple);
    }

    /// @notice The bounty on `slashed` at min(`bountyBps`, maxBountyBps(m)), rounded down (the dust is burned).
    /// @dev Cannot overflow: slashed < 2^128 (a pool's tranches are uint128) and the rate is below 10,000.
    function bounty(uint256 slashed, uint256 bountyBps, uint256 multiple) internal pure returns (uint256) {
        return (slashed * Math.min(bountyBps, maxBountyBps(multiple))) / MAX_BPS;
    }
}
