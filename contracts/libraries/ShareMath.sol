// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ShareMath
/// @notice Share accounting for the staking pools: conversions between assets and shares with a virtual offset,
/// and the split of a slash across a pool's tranches.
/// @dev The virtual share and asset (one each) make the first deposit mint shares 1:1 and keep conversions
/// defined when a class is empty. The vault tracks assets internally (no balanceOf), so donations cannot move
/// the price; the offset only guards the arithmetic.
library ShareMath {
    uint256 internal constant VIRTUAL_SHARES = 1;
    uint256 internal constant VIRTUAL_ASSETS = 1;

    /// @notice Shares worth `assets` in a class holding `totalAssets` under `totalShares`.
    /// @dev Deposits round down (the depositor gets no more than it paid for); burns for a given asset amount round
    /// up (the leaver gives up at least what it takes).
    function toShares(uint256 assets, uint256 totalAssets, uint256 totalShares, Math.Rounding rounding)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS, rounding);
    }

    /// @notice Assets that `shares` are worth in a class holding `totalAssets` under `totalShares`.
    /// @dev Callers round down when paying out, so a class never pays more than it holds: for
    /// shares <= totalShares, floor(shares * (A + 1) / (S + 1)) <= A.
    function toAssets(uint256 shares, uint256 totalAssets, uint256 totalShares, Math.Rounding rounding)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES, rounding);
    }

    /// @notice How a slash of `amount` falls on a pool's tranches.
    /// @dev The provider's own stake takes losses first (active, then pending); the rest falls on the delegated
    /// active and pending classes pro rata to their assets. The parts always sum to min(amount, total), so a slash
    /// of a pool that holds anything never rounds to zero. The pending part is the complement of a rounded-down
    /// product, so it is at most ceil(rest * pending / (delegated + pending)) <= pending.
    /// @return fromSelfActive Taken from the provider's active self-stake.
    /// @return fromSelfPending Taken from the provider's pending self-withdrawal.
    /// @return fromDelegated Taken from the delegated active class.
    /// @return fromPending Taken from the delegated pending-withdrawal class.
    function splitSlash(uint256 amount, uint256 selfActive, uint256 selfPending, uint256 delegated, uint256 pending)
        internal
        pure
        returns (uint256 fromSelfActive, uint256 fromSelfPending, uint256 fromDelegated, uint256 fromPending)
    {
        fromSelfActive = Math.min(amount, selfActive);
        uint256 rest = amount - fromSelfActive;
        fromSelfPending = Math.min(rest, selfPending);
        rest -= fromSelfPending;
        uint256 delegatedTotal = delegated + pending;
        if (rest == 0 || delegatedTotal == 0) return (fromSelfActive, fromSelfPending, 0, 0);
        rest = Math.min(rest, delegatedTotal);
        fromDelegated = Math.mulDiv(rest, delegated, delegatedTotal);
        fromPending = rest - fromDelegated;
    }
}
