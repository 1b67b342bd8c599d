// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {PoolRewards} from "./PoolRewards.sol";
import {ShareClassRetirement} from "./ShareClassRetirement.sol";
import {ShareMath} from "./ShareMath.sol";

/// @title PoolSlash
/// @notice Takes a slash out of a StakingVault pool's tranches. Moves no CNDR.
library PoolSlash {
    using PoolRewards for PoolRewards.Ledger;
    using ShareClassRetirement for ShareClassRetirement.Ledger;

    /// @notice Slashes up to `amount` from `provider`'s pool (its rewards accrued first): self-stake first (active,
    /// then pending), then active and pending delegators pro rata (ShareMath.splitSlash); retires a delegated class
    /// slashed to zero.
    /// @return fromSelf Taken from the self-stake, active and pending.
    /// @return fromDelegated Taken from the active delegated class.
    /// @return fromPending Taken from the pending delegated class.
    function slash(
        IStakingVault.Pool storage pool,
        PoolRewards.Ledger storage rewards,
        ShareClassRetirement.Ledger storage retired,
        address provider,
        uint256 amount
    ) internal returns (uint256 fromSelf, uint256 fromDelegated, uint256 fromPending) {
        rewards.accrue(provider, pool);
        uint256 fromSelfActive;
        uint256 fromSelfPending;
        (fromSelfActive, fromSelfPending, fromDelegated, fromPending) = ShareMath.splitSlash(
            amount, pool.selfActive, pool.selfPending, pool.delegatedAssets, pool.pendingAssets
        );
        // Cannot underflow: splitSlash takes no more than each tranche holds.
        unchecked {
            pool.selfActive -= uint128(fromSelfActive);
            pool.selfPending -= uint128(fromSelfPending);
            pool.delegatedAssets -= uint128(fromDelegated);
            pool.pendingAssets -= uint128(fromPending);
        }
        if (pool.delegatedAssets == 0 && pool.delegatedShares > 0) retired.retireActive(rewards, provider, pool);
        if (pool.pendingAssets == 0 && pool.pendingShares > 0) retired.retirePending(provider, pool);
        fromSelf = fromSelfActive + fromSelfPending;
    }
}
