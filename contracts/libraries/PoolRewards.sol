// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";

/// @title PoolRewards
/// @notice The StakingVault's rewards: instant and streamed funding of a pool, the split between the provider and
/// the delegators, and the cumulative reward-per-share index that makes a delegator's settlement O(1) however many
/// rewards were funded.
/// @dev Assumptions:
/// - The caller moves the CNDR: every function here is bookkeeping, and `totalOwed` rises by exactly what the
///   caller pulls in (`notify`, `stream`) or what a retired active class leaves behind (ShareClassRetirement).
/// - The caller brings a pool's stream up to date (`accrue`) before anything that changes its active stake, so
///   what vested is always split at the stakes in force while it vested.
/// - Commission is in basis points (at most 10,000; the registry bounds it) and rounds down, in the stakers' favour.
/// - Every rounding of the index is down: it never promises more than was funded, and the dust stays in `totalOwed`.
library PoolRewards {
    using SafeCast for uint256;

    /// @notice Scale of the reward-per-share index.
    uint256 internal constant PRECISION = 1e36;
    uint256 private constant _MAX_BPS = 10_000;

    /// @notice The vault's reward state.
    /// @param streams Each pool's reward stream.
    /// @param totalOwed Rewards funded and not yet claimed, over all pools (dust and retired remainders included).
    struct Ledger {
        mapping(address provider => IStakingVault.RewardStream) streams;
        uint256 totalOwed;
    }

    /// @notice Credits `amount` to a pool at once: the commission to the provider, the rest split by active stake.
    /// @return commission The provider's commission (rounded down).
    /// @return toDelegators What the delegators' index received.
    /// @return index The pool's reward-per-share index after the credit.
    function notify(Ledger storage self, IStakingVault.Pool storage pool, uint256 amount, uint256 commissionBps)
        internal
        returns (uint256 commission, uint256 toDelegators, uint256 index)
    {
        commission = (amount * commissionBps) / _MAX_BPS;
        pool.providerRewards = (uint256(pool.providerRewards) + commission).toUint96();
        (toDelegators, index) = distribute(pool, amount - commission);
        self.totalOwed += amount;
    }

    /// @notice Funds a pool's stream with `amount`: the commission to the provider at once, the rest added to what
    /// the running stream has not vested yet, and the whole restarting now over `duration`.
    /// @return commission The provider's commission (rounded down).
    /// @return streamAmount The restarted stream's total.
    function stream(
        Ledger storage self,
        address provider,
        IStakingVault.Pool storage pool,
        uint256 amount,
        uint256 commissionBps,
        uint40 duration
    ) internal returns (uint256 commission, uint256 streamAmount) {
        IStakingVault.RewardStream storage s = self.streams[provider];
        accrue(self, provider, pool);
        commission = (amount * commissionBps) / _MAX_BPS;
        pool.providerRewards = (uint256(pool.providerRewards) + commission).toUint96();
        // After accrue, amount - released is what the running stream has not vested yet: it joins the new one.
        streamAmount = uint256(s.amount) - s.released + amount - commission;
        s.amount = streamAmount.toUint128();
        s.released = 0;
        s.start = uint40(block.timestamp);
        s.duration = duration;
        s.accruedUntil = uint40(block.timestamp);
        self.totalOwed += amount;
    }

    /// @notice Distributes what a pool's stream vested since the last accrual, at the stakes in force until now.
    function accrue(Ledger storage self, address provider, IStakingVault.Pool storage pool) internal {
        IStakingVault.RewardStream storage s = self.streams[provider];
        (uint256 delta, uint256 until) = vested(s);
        if (until == 0) return;
        // Cannot truncate: released + delta <= amount, a uint128.
        s.released += uint128(delta);
        s.accruedUntil = uint40(until);
        if (delta > 0) distribute(pool, delta);
    }

    /// @notice Brings a delegation's rewards up to the pool index, and voids shares of a retired generation (their
    /// rewards up to the retirement, through `retiredIndex`, stay owed). Rounds down: a delegator is never paid
    /// more than the index funded.
    function settle(
        IStakingVault.Pool storage pool,
        IStakingVault.Delegation storage d,
        mapping(uint32 generation => uint256) storage retiredIndex
    ) internal {
        uint32 generation = pool.generation;
        uint256 index = pool.rewardPerShare;
        uint256 shares = d.shares;
        if (d.generation != generation) {
            if (shares > 0) {
                uint256 retired = retiredIndex[d.generation];
                d.rewards = (d.rewards + Math.mulDiv(shares, retired - d.rewardPerSharePaid, PRECISION)).toUint128();
                d.shares = 0;
            }
            d.generation = generation;
            d.rewardPerSharePaid = index;
            return;
        }
        uint256 paid = d.rewardPerSharePaid;
        if (paid == index) return;
        if (shares > 0) d.rewards = (d.rewards + Math.mulDiv(shares, index - paid, PRECISION)).toUint128();
        d.rewardPerSharePaid = index;
    }

    /// @notice Takes what `account` has earned in the pool (its settled rewards, the provider's commission and
    /// self-stake share for the provider) off the ledger and returns it; the caller pays it out.
    function claim(
        Ledger storage self,
        address provider,
        address account,
        IStakingVault.Pool storage pool,
        IStakingVault.Delegation storage d,
        mapping(uint32 generation => uint256) storage retiredIndex
    ) internal returns (uint256 amount) {
        accrue(self, provider, pool);
        if (account == provider) {
            amount = pool.providerRewards;
            pool.providerRewards = 0;
        } else {
            settle(pool, d, retiredIndex);
            amount = d.rewards;
            d.rewards = 0;
        }
        self.totalOwed -= amount;
    }

    /// @notice What `account` could claim from the pool now, the stream's vesting since its last accrual included.
    function claimable(
        Ledger storage self,
        address provider,
        address account,
        IStakingVault.Pool storage pool,
        IStakingVault.Delegation storage d,
        mapping(uint32 generation => uint256) storage retiredIndex
    ) internal view returns (uint256) {
        (uint256 delta,) = vested(self.streams[provider]);
        (uint256 toDelegators, uint256 indexDelta) = split(pool, delta);
        if (account == provider) return pool.providerRewards + delta - toDelegators;
        uint256 index =
            d.generation == pool.generation ? pool.rewardPerShare + indexDelta : retiredIndex[d.generation];
        return d.rewards + Math.mulDiv(d.shares, index - d.rewardPerSharePaid, PRECISION);
    }

    /// @notice What a stream vested since its last accrual and up to when (0, 0 when nothing is left to accrue).
    function vested(IStakingVault.RewardStream storage s) internal view returns (uint256 delta, uint256 until) {
        uint256 start = s.start;
        uint256 end = start + s.duration;
        uint256 from = s.accruedUntil;
        if (from >= end || block.timestamp <= from) return (0, 0);
        until = Math.min(block.timestamp, end);
        uint256 amount = s.amount;
        // Rounds down until the end, where the whole amount has vested: nothing is lost to rounding.
        uint256 total = until == end ? amount : Math.mulDiv(amount, until - start, s.duration);
        delta = total - s.released;
    }

    /// @notice Splits `rest` between the self-stake and the delegators by their active stake now.
    /// @return toDelegators The delegators' part (rounded down).
    /// @return indexDelta What it adds to the index (rounded down; the dust stays in `totalOwed`).
    function split(IStakingVault.Pool storage pool, uint256 rest)
        internal
        view
        returns (uint256 toDelegators, uint256 indexDelta)
    {
        uint256 delegatedAssets = pool.delegatedAssets;
        uint256 delegatedShares = pool.delegatedShares;
        if (rest == 0 || delegatedShares == 0 || delegatedAssets == 0) return (0, 0);
        toDelegators = Math.mulDiv(rest, delegatedAssets, delegatedAssets + pool.selfActive);
        indexDelta = Math.mulDiv(toDelegators, PRECISION, delegatedShares);
    }

    /// @notice Credits `rest` to the pool: the delegators' part through the index, the self-stake's to the provider.
    /// @return toDelegators The delegators' part.
    /// @return index The pool's index after the credit.
    function distribute(IStakingVault.Pool storage pool, uint256 rest)
        internal
        returns (uint256 toDelegators, uint256 index)
    {
        uint256 indexDelta;
        (toDelegators, indexDelta) = split(pool, rest);
        index = pool.rewardPerShare + indexDelta;
        if (indexDelta > 0) pool.rewardPerShare = index;
        pool.providerRewards = (uint256(pool.providerRewards) + rest - toDelegators).toUint96();
    }
}
