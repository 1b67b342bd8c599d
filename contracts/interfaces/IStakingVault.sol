// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IStakingVault
/// @notice CNDR stake and delegation, one pool per provider.
///
/// A pool has four tranches: the provider's own active stake and pending self-withdrawal (amounts), and two share
/// classes for delegators, active and pending-withdrawal. A slash lowers assets, never shares, so every share of a
/// class loses value pro rata in O(1); the provider's own stake takes losses first. A withdrawal moves stake into
/// the pending class (still slashable) and unlocks after the unbonding delay; a withdrawal that leaves the pool's
/// remaining stake below what its exposure needs (per-GPU stake x GPUs under lease, self-stake counted first) also
/// waits for the end of that exposure plus the exposure tail, which covers every window that can still lead to a
/// slash after a lease ends (late report, challenge, verdict, arbitration, veto: ExposureWindows). Rewards reach delegators
/// through a cumulative reward-per-share index, after the provider's commission, so a claim costs the same however
/// many rewards were notified.
///
/// Share classes never strand value: a class whose assets reach zero under live shares is retired (a new generation
/// starts), and a class priced below 1/MIN_ENTRY_PRICE_INVERSE CNDR per share is retired before anyone deposits into
/// it, so newcomers always join at a fresh price and cannot inherit a dust price that a later slash would wipe.
interface IStakingVault {
    /// @notice A pool's reward stream: `amount` vests linearly over [start, start + duration]; what vested is split
    /// between the provider's self-stake and the delegators by their active stake at each moment.
    /// @param amount The stream's total (after commission).
    /// @param released What has vested and been distributed.
    /// @param start When the stream began (a new stream restarts with the unvested rest added).
    /// @param duration How long it vests.
    /// @param accruedUntil Up to when vesting has been distributed.
    struct RewardStream {
        uint128 amount;
        uint128 released;
        uint40 start;
        uint40 duration;
        uint40 accruedUntil;
    }

    /// @notice What a retired pending class still held, claimed pro rata by its holders.
    struct RetiredClass {
        uint128 assets;
        uint128 shares;
    }

    /// @notice A provider's pool.
    /// @param selfActive The provider's active self-stake.
    /// @param selfPending The provider's pending self-withdrawal (slashable until claimed).
    /// @param delegatedAssets Assets of the delegated active class.
    /// @param delegatedShares Shares of the delegated active class.
    /// @param pendingAssets Assets of the delegated pending-withdrawal class.
    /// @param pendingShares Shares of the delegated pending-withdrawal class.
    /// @param rewardPerShare Cumulative rewards per delegated active share, scaled by 1e36.
    /// @param providerRewards Rewards owed to the provider (commission and its self-stake's share).
    /// @param selfUnlockAt When the provider's pending self-withdrawal may be claimed.
    /// @param exposureUntil The latest end among the leases this pool backs that are still running (see Exposure).
    /// @param slashHolds Pending slashes: while non-zero no withdrawal of this pool may be claimed.
    /// @param generation Generation of the delegated active class (bumped when a slash empties it).
    /// @param pendingGeneration Generation of the pending class (bumped when a slash empties it).
    struct Pool {
        uint128 selfActive;
        uint128 selfPending;
        uint128 delegatedAssets;
        uint128 delegatedShares;
        uint128 pendingAssets;
        uint128 pendingShares;
        uint256 rewardPerShare;
        uint96 providerRewards;
        uint40 selfUnlockAt;
        uint40 exposureUntil;
        uint16 slashHolds;
        uint32 generation;
        uint32 pendingGeneration;
    }

    /// @notice What a pool's leases need of its stake (the job market reports it). Leases still running need
    /// `need` until `Pool.exposureUntil`; leases that ended (or were cut short) keep needing what they needed during
    /// their tail: `coolingNeed`, until `coolingEnd` plus the exposure tail. One merged cooling part per pool: a lease
    /// ending within the tail of the previous one adds to it and takes the later end (an over-approximation that
    /// lasts at most the tail after the latest end; bounded state).
    /// @param need Stake needed by the leases still running (per-GPU stake x GPUs, at the award's per-GPU stake).
    /// @param coolingNeed Stake needed by the leases that ended within the tail of `coolingEnd`.
    /// @param coolingEnd The latest end among those.
    struct Exposure {
        uint104 need;
        uint104 coolingNeed;
        uint40 coolingEnd;
    }

    /// @notice A delegator's position in one pool.
    /// @param shares Delegated active shares (void if `generation` is not the pool's).
    /// @param unlockAt When the pending withdrawal may be claimed.
    /// @param generation The active class generation the shares belong to.
    /// @param pendingGeneration The pending class generation the pending shares belong to.
    /// @param pendingShares Shares of the pending-withdrawal class (one merged withdrawal).
    /// @param rewards Rewards settled but not yet claimed.
    /// @param rewardPerSharePaid The pool index at the last settlement.
    struct Delegation {
        uint128 shares;
        uint40 unlockAt;
        uint32 generation;
        uint32 pendingGeneration;
        uint128 pendingShares;
        uint128 rewards;
        uint256 rewardPerSharePaid;
    }

    // --- errors ---

    /// @notice An amount of zero.
    error StakingVaultZeroAmount();
    /// @notice The provider is not in a status that allows the call.
    error StakingVaultProviderNotAllowed(address provider, uint8 status);
    /// @notice A provider cannot delegate to its own pool; it stakes.
    error StakingVaultSelfDelegation(address provider);
    /// @notice A delegation below the minimum.
    error StakingVaultDelegationTooSmall(uint256 amount, uint256 minimum);
    /// @notice Delegated stake, active and pending (still slashable), would exceed the cap (multiple x self-stake).
    error StakingVaultDelegationCapExceeded(uint256 delegatedAfter, uint256 cap);
    /// @notice The amount rounds to zero shares.
    error StakingVaultZeroShares(uint256 assets);
    /// @notice A withdrawal request above the caller's active stake.
    error StakingVaultInsufficientStake(uint256 available, uint256 requested);
    /// @notice Nothing pending to claim.
    error StakingVaultNothingPending(address provider, address account);
    /// @notice The withdrawal is still unbonding.
    error StakingVaultStillUnbonding(uint256 unlockAt, uint256 nowTime);
    /// @notice A slash against the pool is pending, so its withdrawals wait.
    error StakingVaultSlashPending(address provider, uint256 holds);
    /// @notice No rewards to claim.
    error StakingVaultNothingToClaim(address provider, address account);
    /// @notice A release of a slash hold that was never placed.
    error StakingVaultNoSlashHold(address provider);
    /// @notice A stream duration of zero or above MAX_STREAM_DURATION.
    error StakingVaultInvalidStreamDuration(uint256 duration, uint256 max);
    /// @notice The exposure tail would not cover the windows that can still lead to a slash after a lease ends.
    error StakingVaultExposureTailTooShort(uint256 tail, uint256 span);
    /// @notice The unbonding period would not outlast a fault report's late window (the wired OracleHub's
    /// (lateWindowEpochs + 1) x epochLength): stake with no exposure could leave before a report about its GPUs.
    error StakingVaultUnbondingBelowLateReport(uint256 period, uint256 lateReport);
    /// @notice A governance parameter outside its hard bounds.
    error StakingVaultParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice An address argument is zero.
    error StakingVaultZeroAddress(string name);
    /// @notice Only the job market wired in the registry records exposure.
    error StakingVaultNotMarket(address caller);
    /// @notice Only the SlashingManager wired in the registry executes slashes it keeps here, pays bounties and burns.
    error StakingVaultNotSlashingManager(address caller);
    /// @notice Only the wired EmissionController funds rewards.
    error StakingVaultNotEmissionController(address caller);
    /// @notice The EmissionController is wired once, at deployment; it is already set.
    error StakingVaultEmissionControllerAlreadySet(address emissionController);
    /// @notice A bounty payment above the bounties the vault holds.
    error StakingVaultInsufficientBounties(uint256 held, uint256 amount);

    // --- events ---

    event Staked(address indexed provider, uint256 amount, uint256 selfActive);
    event Delegated(address indexed provider, address indexed delegator, uint256 assets, uint256 shares);
    event WithdrawRequested(
        address indexed provider, address indexed account, uint256 assets, uint256 pendingShares, uint256 unlockAt
    );
    event WithdrawClaimed(address indexed provider, address indexed account, uint256 assets);
    event RewardNotified(
        address indexed provider, uint256 amount, uint256 commission, uint256 toDelegators, uint256 rewardPerShare
    );
    /// @notice A reward stream started (or restarted with the previous stream's unvested rest added).
    event RewardStreamed(
        address indexed provider, uint256 amount, uint256 commission, uint256 streamAmount, uint256 duration
    );
    event RewardsClaimed(address indexed provider, address indexed account, address indexed to, uint256 amount);
    event Slashed(
        address indexed provider,
        uint256 requested,
        uint256 slashed,
        uint256 fromSelf,
        uint256 fromDelegated,
        uint256 fromPending,
        address recipient
    );
    /// @notice A share class was retired: its assets reached zero under live shares, or fell below the entry price
    /// before a new deposit. `remainder` (what its shares were still worth) stays its holders': an active class's
    /// as claimable rewards, a pending class's as a retired withdrawal claimed through `claimWithdraw`.
    event ShareClassRetired(address indexed provider, bool pendingClass, uint32 newGeneration, uint256 remainder);
    /// @notice A lease needing `need` of the pool's stake until `until` was awarded (or extended, `need` 0).
    event ExposureRecorded(address indexed provider, uint256 need, uint256 totalNeed, uint256 exposureUntil);
    /// @notice A lease that needed `need` ended at `endedAt`: its need moved to the pool's cooling part for the tail
    /// after `endedAt` (`getExposure` has the result; the event stays small on the market's close path).
    event ExposureReleased(address indexed provider, uint256 need, uint256 endedAt);
    event SlashHoldChanged(address indexed provider, uint256 holds);
    /// @notice `amount` of the bounties held here was paid to `to` (a reporter's claim through the SlashingManager).
    event SlashBountyPaid(address indexed to, uint256 amount);
    /// @notice `amount` of slashed CNDR held here was burned (the SlashingManager's batched burn).
    event SlashedCndrBurned(uint256 amount);
    /// @notice The EmissionController, the only funder of rewards, was wired (once, at deployment).
    event EmissionControllerSet(address emissionController);
    event UnbondingPeriodSet(uint256 period);
    event ExposureTailSet(uint256 tail);
    event DelegationCapMultipleSet(uint256 multiple);
    event MinDelegationSet(uint256 minimum);

    // --- providers and delegators ---

    /// @notice Adds to the caller's own stake as a provider (active or jailed). Not while paused.
    function stake(uint256 amount) external;

    /// @notice Delegates to an active provider's pool. Not while paused.
    /// @return shares The delegated active shares minted (rounded down).
    function delegate(address provider, uint256 amount) external returns (uint256 shares);

    /// @notice Moves `amount` of the caller's active stake in `provider`'s pool into its pending withdrawal (for the
    /// provider itself, its self-stake). `type(uint256).max` withdraws a delegator's whole position. Merges with an
    /// existing pending withdrawal, which then unlocks at the later of the two unlock times. Never paused.
    /// It unlocks after the unbonding period, or, when the stake left behind would no longer cover the pool's
    /// exposure need (see Exposure; the running leases' and, within its tail, the cooling part's), not before the end
    /// of that exposure plus the exposure tail. The stake left behind: for the provider, its own active stake (the
    /// self-stake covers exposure first); for a delegator, the active stake of the provider and the other delegators
    /// plus the provider's pending self-withdrawal when it stays locked as long. Other delegators' pending
    /// withdrawals never count (they may leave first). A pending slash holds every claim anyway (`claimWithdraw`).
    /// @return unlockAt When the merged withdrawal may be claimed.
    function requestWithdraw(address provider, uint256 amount) external returns (uint256 unlockAt);

    /// @notice Pays out the caller's pending withdrawal from `provider`'s pool once unlocked and no slash is
    /// pending. Never paused.
    /// @return assets What was paid (the pending class's value, after any slash while pending).
    function claimWithdraw(address provider) external returns (uint256 assets);

    /// @notice Pays out the caller's rewards in `provider`'s pool: a delegator's to itself, the provider's to its
    /// payout address. Never paused.
    function claimRewards(address provider) external returns (uint256 amount);

    // --- protocol roles ---

    /// @notice Funds rewards for a pool: the provider's commission first, the rest pro rata to active stake.
    /// Only the EmissionController wired once (`setEmissionController`); pulls `amount` CNDR from the caller.
    function notifyReward(address provider, uint256 amount) external;

    /// @notice Funds a pool's rewards as a stream: the provider's commission at once, the rest vesting linearly over
    /// `duration` and shared, as it vests, by the active stake of each moment, so stake that arrives just before
    /// the funding captures only what vests while it is there. Merges with a running stream (its unvested rest is
    /// added and the stream restarts). Only the wired EmissionController; pulls `amount` CNDR from the caller.
    function streamReward(address provider, uint256 amount, uint40 duration) external;

    /// @notice Marks a slash as pending: no withdrawal from the pool may be claimed until released. Only the
    /// SlashingManager wired in the registry.
    function holdForSlash(address provider) external;

    /// @notice Releases one pending-slash hold. Only the SlashingManager wired in the registry.
    function releaseSlashHold(address provider) external;

    /// @notice The SlashingManager's execution hook, the only way stake is ever slashed: takes up to `amount` from a
    /// pool (self-stake first) and keeps the CNDR here (no transfer, no recipient): the reporter's bounty, `bountyBps` of what was slashed capped below 1/(1 + m) and
    /// rounded down, joins the bounties held for the manager's pull payments, and the rest waits for its batched
    /// burn. Releases one slash hold when `releaseHold`. Only the SlashingManager wired in the registry (a
    /// hot-path hook: an address check instead of an AccessManager role).
    /// @param bountyBps The manager's bounty rate, 0 when the slash has no eligible reporter.
    /// @return slashed What was taken: min(amount, the pool's total), never zero if the pool holds anything.
    /// @return bounty The part of `slashed` held for the reporter.
    function executeSlash(address provider, uint256 amount, uint256 bountyBps, bool releaseHold)
        external
        returns (uint256 slashed, uint256 bounty);

    /// @notice Pays `amount` of the bounties held here to `to`. Only the wired SlashingManager (a reporter's claim).
    function payBounty(address to, uint256 amount) external;

    /// @notice Burns all the slashed CNDR held here that is not a bounty. Only the wired SlashingManager.
    /// @return burned What was burned (zero when nothing waits).
    function burnSlashed() external returns (uint256 burned);

    /// @notice Wires the EmissionController, the only funder of rewards, once (the deployment does it while it
    /// administers the AccessManager; a later call reverts with StakingVaultEmissionControllerAlreadySet).
    function setEmissionController(address emissionController) external;

    /// @notice Records a lease awarded (`need` of stake until `until`) or extended (`need` 0, its new end). The
    /// running leases' end is the latest of theirs, restarted when none was running. Only the job market wired in
    /// the registry (a hot-path hook: an address check instead of an AccessManager role).
    function recordExposure(address provider, uint256 need, uint40 until) external;

    /// @notice Records a lease that ended at `endedAt` (closed, quit or its batch result in): its `need` leaves the
    /// running leases' (saturating: the per-GPU stake may have changed since the award) and joins the cooling part
    /// for the tail after `endedAt`. Only the wired job market.
    function releaseExposure(address provider, uint256 need, uint40 endedAt) external;

    // --- governance ---

    /// @notice Sets the unbonding period (MIN_UNBONDING_PERIOD..MAX_UNBONDING_PERIOD): what a withdrawal with no
    /// exposure behind it waits. Longer than a fault report's late window (the wired OracleHub's), which any
    /// provider's GPUs are exposed to; the windows after a lease's end are the exposure tail's. Governance.
    function setUnbondingPeriod(uint40 period) external;
    /// @notice Sets the exposure tail: at most MAX_EXPOSURE_TAIL and at least `exposureSpan()`, the windows that can
    /// still lead to a slash after a lease ends, read from the wired contracts. Each of those windows' setters checks
    /// the same bound against this tail. Governance.
    function setExposureTail(uint40 tail) external;
    function setDelegationCapMultiple(uint16 multiple) external;
    function setMinDelegation(uint128 minimum) external;
    function pause() external;
    function unpause() external;

    // --- views ---

    function getPool(address provider) external view returns (Pool memory);
    function getDelegation(address provider, address account) external view returns (Delegation memory);
    function getRewardStream(address provider) external view returns (RewardStream memory);
    function getExposure(address provider) external view returns (Exposure memory);
    /// @notice The span the exposure tail must cover: ExposureWindows over the market, SlashingManager and
    /// DisputeManager wired in the registry (and the market's OracleHub); an unwired one counts zero.
    function exposureSpan() external view returns (uint256);
    /// @notice Reverts with StakingVaultExposureTailTooShort(tail, span) unless the tail covers `exposureSpan()`: the
    /// setters of the windows in the span (market, SlashingManager, DisputeManager) call it after they change one.
    function requireTailCovers() external view;
    /// @notice The provider's active stake: self-stake plus delegated active assets.
    function activeStake(address provider) external view returns (uint256);
    /// @notice The stake that backs new work: self-stake plus delegated active assets up to delegationCapMultiple x
    /// self-stake. A provider that withdraws its own stake cannot stay eligible on its delegators' CNDR alone, so
    /// its own stake always takes a slash's first loss and a self-report's bounty never pays (DESIGN, Reporters).
    function eligibleStake(address provider) external view returns (uint256);
    /// @notice Everything slashable in the pool: active and pending, self and delegated.
    function totalStake(address provider) external view returns (uint256);
    /// @notice Whether the eligible stake covers the provider's attested GPUs (the registry's requirement).
    function hasSufficientStake(address provider) external view returns (bool);
    /// @notice The assets a delegator's active shares are worth now.
    function delegatedBalance(address provider, address account) external view returns (uint256);
    /// @notice A delegator's pending withdrawal: what it is worth now and when it unlocks (`claimWithdraw` succeeds from
    /// then on while no slash is pending). The provider's own: its request's unlock, or the end of its exposure's lock
    /// (plus the tail) if that is later and the self-stake left active does not cover the exposure's need alone.
    function pendingWithdrawal(address provider, address account)
        external
        view
        returns (uint256 assets, uint256 unlockAt);
    /// @notice Rewards the account could claim now (the provider's own when `account` is the provider).
    function claimableRewards(address provider, address account) external view returns (uint256);
    /// @notice How much more may be delegated to the provider under the cap (which counts pending withdrawals).
    function delegationRoom(address provider) external view returns (uint256);
    /// @notice Rewards notified and not yet claimed, over all pools (index rounding dust and the remainders of
    /// retired active classes included).
    function totalRewardsOwed() external view returns (uint256);
    /// @notice Assets of retired pending-withdrawal classes not yet claimed, over all pools.
    function totalRetiredPending() external view returns (uint256);
    /// @notice Slashed CNDR kept here by `executeSlash`: what waits for the batched burn, and the bounties held for
    /// reporters' claims.
    function slashedHeld() external view returns (uint256 toBurn, uint256 bounties);
    function unbondingPeriod() external view returns (uint40);
    function exposureTail() external view returns (uint40);
    /// @notice The wired EmissionController (zero before the deployment wires it).
    function emissionController() external view returns (address);
    function delegationCapMultiple() external view returns (uint16);
    function minDelegation() external view returns (uint128);
}
