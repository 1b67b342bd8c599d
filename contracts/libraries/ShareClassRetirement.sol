// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {PoolRewards} from "./PoolRewards.sol";

/// @title ShareClassRetirement
/// @notice Retirement of the StakingVault's delegated share classes, so a class never strands value: a class whose
/// assets reach zero under live shares, or priced below 1/MIN_ENTRY_PRICE_INVERSE CNDR per share before a deposit,
/// is retired and a new generation starts at a fresh price.
/// @dev What a retired class still held stays its holders': an active class's through a frozen reward-per-share
/// index (owed as rewards, PoolRewards), a pending class's as a retired withdrawal claimed pro rata.
/// Assumptions:
/// - The caller retires a class only while it has live shares (`shares > 0`), and takes a delegation's claim on a
///   retired pending class only when the delegation holds pending shares of that generation.
/// - Every rounding is down (the last claimer of a pending class takes what is left): a retired class never pays
///   more than it held, and the active class's dust stays in the rewards owed.
library ShareClassRetirement {
    /// @notice A class priced below 1/MIN_ENTRY_PRICE_INVERSE CNDR per share is retired before a deposit into it,
    /// so a deposit mints at most amount x 1e6 shares: the shares of all CNDR ever minted stay below 2^128.
    uint256 internal constant MIN_ENTRY_PRICE_INVERSE = 1e6;

    /// @notice The vault's retired classes.
    /// @param index Each retired active generation's final reward-per-share index (its remainder included).
    /// @param pending What each retired pending generation still holds, and under how many shares.
    /// @param totalPending Assets of retired pending classes not yet claimed, over all pools.
    struct Ledger {
        mapping(address provider => mapping(uint32 generation => uint256 rewardPerShare)) index;
        mapping(address provider => mapping(uint32 generation => IStakingVault.RetiredClass)) pending;
        uint256 totalPending;
    }

    /// @notice Whether a share class is priced below the entry price (assets reaching zero under live shares
    /// included).
    function isDepleted(uint256 assets, uint256 shares) internal pure returns (bool) {
        return shares > 0 && assets * MIN_ENTRY_PRICE_INVERSE < shares;
    }

    /// @notice Retires the delegated active class: its shares are void from the next generation on, and what they
    /// were still worth is owed to their holders as rewards through the retired generation's index (rounded down;
    /// the dust stays in `rewards.totalOwed`).
    function retireActive(
        Ledger storage self,
        PoolRewards.Ledger storage rewards,
        address provider,
        IStakingVault.Pool storage pool
    ) internal {
        uint256 remainder = pool.delegatedAssets;
        uint32 generation = pool.generation;
        self.index[provider][generation] =
            pool.rewardPerShare + Math.mulDiv(remainder, PoolRewards.PRECISION, pool.delegatedShares);
        rewards.totalOwed += remainder;
        pool.delegatedAssets = 0;
        pool.delegatedShares = 0;
        pool.generation = generation + 1;
        emit IStakingVault.ShareClassRetired(provider, false, generation + 1, remainder);
    }

    /// @notice Retires the pending class: its holders claim what it still holds pro rata, after their unlock.
    function retirePending(Ledger storage self, address provider, IStakingVault.Pool storage pool) internal {
        uint32 generation = pool.pendingGeneration;
        uint256 remainder = pool.pendingAssets;
        self.pending[provider][generation] =
            IStakingVault.RetiredClass({assets: uint128(remainder), shares: pool.pendingShares});
        self.totalPending += remainder;
        pool.pendingAssets = 0;
        pool.pendingShares = 0;
        pool.pendingGeneration = generation + 1;
        emit IStakingVault.ShareClassRetired(provider, true, generation + 1, remainder);
    }

    /// @notice Removes a delegation's claim on a retired pending class and returns its assets (rounded down; the
    /// last claimer takes what is left).
    function takePending(Ledger storage self, address provider, IStakingVault.Delegation storage d)
        internal
        returns (uint256 assets)
    {
        IStakingVault.RetiredClass storage r = self.pending[provider][d.pendingGeneration];
        uint256 shares = d.pendingShares;
        assets = shares == r.shares ? r.assets : Math.mulDiv(shares, r.assets, r.shares);
        // Cannot underflow: the delegation's shares are part of the class's, and assets <= r.assets.
        unchecked {
            r.assets -= uint128(assets);
            r.shares -= uint128(shares);
            self.totalPending -= assets;
        }
        d.pendingShares = 0;
    }

    /// @notice What a delegation's claim on a retired pending class is worth (as `takePending` would pay it).
    function pendingValue(Ledger storage self, address provider, IStakingVault.Delegation storage d)
        internal
        view
        returns (uint256)
    {
        IStakingVault.RetiredClass storage r = self.pending[provider][d.pendingGeneration];
        uint256 shares = d.pendingShares;
        return shares == r.shares ? r.assets : Math.mulDiv(shares, r.assets, r.shares);
    }
}
