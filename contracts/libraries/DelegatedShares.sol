// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {ShareMath} from "./ShareMath.sol";

/// @title DelegatedShares
/// @notice The two delegated share classes of a StakingVault pool, active and pending-withdrawal: minting and burning
/// a delegation's shares at the class's price (ShareMath).
/// @dev Assumptions:
/// - The caller settles the delegation's rewards (PoolRewards.settle) before its active shares change, and retires
///   a class priced below the entry price before anyone deposits into it (ShareClassRetirement).
/// - The delegation's pending shares belong to the live pending class when `redeemPending` is called.
/// Every rounding favours the class: a deposit mints shares rounded down, a burn for an amount burns shares rounded
/// up, a payout pays assets rounded down.
library DelegatedShares {
    using SafeCast for uint256;

    /// @notice Mints the delegation active shares worth `amount` (rounded down) and adds `amount` to the class.
    function mintActive(IStakingVault.Pool storage pool, IStakingVault.Delegation storage d, uint256 amount)
        internal
        returns (uint256 shares)
    {
        uint256 delegatedAssets = pool.delegatedAssets;
        uint256 delegatedShares = pool.delegatedShares;
        shares = ShareMath.toShares(amount, delegatedAssets, delegatedShares, Math.Rounding.Floor);
        require(shares > 0, IStakingVault.StakingVaultZeroShares(amount));
        pool.delegatedAssets = (delegatedAssets + amount).toUint128();
        pool.delegatedShares = (delegatedShares + shares).toUint128();
        d.shares = (d.shares + shares).toUint128();
    }

    /// @notice Burns the delegation's active shares worth `amount` (all of them for type(uint256).max) and returns
    /// the assets leaving the active class.
    function burnActive(IStakingVault.Pool storage pool, IStakingVault.Delegation storage d, uint256 amount)
        internal
        returns (uint256 assets)
    {
        uint256 delegatedAssets = pool.delegatedAssets;
        uint256 delegatedShares = pool.delegatedShares;
        uint256 held = d.shares;
        uint256 available = ShareMath.toAssets(held, delegatedAssets, delegatedShares, Math.Rounding.Floor);
        uint256 burned;
        if (amount == type(uint256).max) {
            burned = held;
            assets = available;
        } else {
            // Round the shares burned up: the leaver gives up at least the value it takes.
            burned = ShareMath.toShares(amount, delegatedAssets, delegatedShares, Math.Rounding.Ceil);
            assets = amount;
        }
        require(
            burned <= held && assets <= available && assets > 0,
            IStakingVault.StakingVaultInsufficientStake(available, amount)
        );
        // Cannot underflow: burned <= held <= delegatedShares and assets <= available <= delegatedAssets.
        unchecked {
            pool.delegatedAssets = uint128(delegatedAssets - assets);
            pool.delegatedShares = uint128(delegatedShares - burned);
            d.shares = uint128(held - burned);
        }
    }

    /// @notice Adds `assets` to the pending-withdrawal class and returns the pending shares minted (rounded down).
    function mintPending(IStakingVault.Pool storage pool, uint256 assets) internal returns (uint256 minted) {
        uint256 pendingAssets = pool.pendingAssets;
        uint256 pendingShares = pool.pendingShares;
        minted = ShareMath.toShares(assets, pendingAssets, pendingShares, Math.Rounding.Floor);
        require(minted > 0, IStakingVault.StakingVaultZeroShares(assets));
        pool.pendingAssets = (pendingAssets + assets).toUint128();
        pool.pendingShares = (pendingShares + minted).toUint128();
    }

    /// @notice Burns all the delegation's pending shares and returns what they are worth (rounded down).
    function redeemPending(IStakingVault.Pool storage pool, IStakingVault.Delegation storage d)
        internal
        returns (uint256 assets)
    {
        uint256 shares = d.pendingShares;
        uint256 pendingAssets = pool.pendingAssets;
        uint256 pendingShares = pool.pendingShares;
        assets = ShareMath.toAssets(shares, pendingAssets, pendingShares, Math.Rounding.Floor);
        // Cannot underflow: shares <= pendingShares, and so assets <= pendingAssets (ShareMath.toAssets).
        unchecked {
            pool.pendingAssets = uint128(pendingAssets - assets);
            pool.pendingShares = uint128(pendingShares - shares);
        }
        d.pendingShares = 0;
    }
}
