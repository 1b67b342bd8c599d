// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {DelegatedShares} from "../libraries/DelegatedShares.sol";
import {PoolExposure} from "../libraries/PoolExposure.sol";
import {PoolSlash} from "../libraries/PoolSlash.sol";
import {PoolRewards} from "../libraries/PoolRewards.sol";
import {ShareClassRetirement} from "../libraries/ShareClassRetirement.sol";
import {ShareMath} from "../libraries/ShareMath.sol";
import {SlashMath} from "../libraries/SlashMath.sol";
import {VaultParams} from "../libraries/VaultParams.sol";

/// @title StakingVault
/// @notice CNDR stake and delegation, one share-accounted pool per provider.
/// @dev Assumptions:
/// - CNDR is the CinderToken: no transfer fee, no callbacks, and ERC20Burnable (`burnSlashed` burns from here).
/// - No AccessManager role moves stake or funds rewards (DESIGN: Powers): `recordExposure` and `releaseExposure` are the job market's alone
///   (the one the registry has wired); `executeSlash`, `holdForSlash`, `releaseSlashHold`, `payBounty` and
///   `burnSlashed` are the SlashingManager's alone (the one the registry has wired, once); `notifyReward` and
///   `streamReward` are the EmissionController's alone (wired once, `setEmissionController`). There is no slash to
///   a recipient the caller chooses. The AccessManager maps only setters to governance and `pause`/`unpause` to the
///   guardian.
/// - The job market reports every lease's need once at award and once when its capacity is released (the same
///   GPUs, at the per-GPU stake of each moment; a change of it in between is absorbed by saturation).
/// Exposure (DESIGN "Exposure locks what it needs", "Windows"): a withdrawal waits for the pool's exposure only when
/// the stake left behind would not cover what the leases need, and then until their end plus a tail that covers
/// every window that can still lead to a slash (checked against the windows' contracts wherever any is set).
/// Libraries: PoolRewards (funding, streams, the per-share index), ShareClassRetirement, DelegatedShares (minting
/// and burning the delegated classes' shares), PoolExposure (the exposure's bookkeeping and the lock it implies),
/// PoolSlash (a slash across the tranches) and VaultParams (the parameters' bounds and the windows they outlast).
/// Invariant (DESIGN.md 3): CNDR held = sum over pools of (selfActive + selfPending + delegatedAssets +
/// pendingAssets) + totalRewardsOwed + totalRetiredPending + slashedHeld (to burn + bounties); it falls only by
/// `claimWithdraw`, `claimRewards`, `payBounty` and `burnSlashed`.
contract StakingVault is AccessManaged, Pausable, ReentrancyGuardTransient, IStakingVault {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using PoolRewards for PoolRewards.Ledger;
    using ShareClassRetirement for ShareClassRetirement.Ledger;

    /// @notice Scale of the reward-per-share index.
    uint256 public constant REWARD_PRECISION = PoolRewards.PRECISION;
    /// @notice A class priced below 1/MIN_ENTRY_PRICE_INVERSE CNDR per share is retired before a deposit into it.
    uint256 public constant MIN_ENTRY_PRICE_INVERSE = ShareClassRetirement.MIN_ENTRY_PRICE_INVERSE;
    /// @notice The longest a reward stream may vest.
    uint256 public constant MAX_STREAM_DURATION = 30 days;
    uint256 public constant MIN_UNBONDING_PERIOD = VaultParams.MIN_UNBONDING_PERIOD;
    uint256 public constant MAX_UNBONDING_PERIOD = VaultParams.MAX_UNBONDING_PERIOD;
    uint256 public constant MAX_EXPOSURE_TAIL = VaultParams.MAX_EXPOSURE_TAIL;
    uint256 public constant MIN_DELEGATION_CAP_MULTIPLE = VaultParams.MIN_DELEGATION_CAP_MULTIPLE;
    uint256 public constant MAX_DELEGATION_CAP_MULTIPLE = VaultParams.MAX_DELEGATION_CAP_MULTIPLE;
    uint256 public constant MIN_MIN_DELEGATION = VaultParams.MIN_MIN_DELEGATION;
    uint256 public constant MAX_MIN_DELEGATION = VaultParams.MAX_MIN_DELEGATION;

    /// @notice The staked token (CNDR).
    IERC20 public immutable TOKEN;
    /// @notice The provider registry (status, commission, payout, stake requirement).
    IProviderRegistry public immutable REGISTRY;

    uint16 private _delegationCapMultiple;
    uint128 private _minDelegation;
    // Each struct starts a slot of its own, and so does the variable after it: the pair below stays in one slot.
    PoolRewards.Ledger private _rewards;
    ShareClassRetirement.Ledger private _retired;
    // One slot, written once per execution: slashed CNDR kept here for the batched burn, and reporters' bounties.
    uint128 private _slashedToBurn;
    uint128 private _bountiesHeld;

    mapping(address provider => Pool) private _pools;
    mapping(address provider => mapping(address account => Delegation)) private _delegations;
    address private _emissionController;
    mapping(address provider => Exposure) private _exposures;
    /// @dev One slot, read by the job market's hooks (`recordExposure`, `releaseExposure`) and every withdrawal
    /// request: the market wired in the registry, cached at its first hook call (the registry wires it once, so it
    /// never changes), the unbonding period and the exposure tail.
    address private _market;
    uint40 private _unbondingPeriod;
    uint40 private _exposureTail;

    /// @notice Initial parameters, each within its bounds.
    struct InitParams {
        uint40 unbondingPeriod;
        uint40 exposureTail;
        uint16 delegationCapMultiple;
        uint128 minDelegation;
    }

    constructor(address authority, IERC20 token, IProviderRegistry registry, InitParams memory params)
        AccessManaged(authority)
    {
        require(address(token) != address(0), StakingVaultZeroAddress("token"));
        require(address(registry) != address(0), StakingVaultZeroAddress("registry"));
        TOKEN = token;
        REGISTRY = registry;
        // The windows' contracts are deployed later: each of their constructors checks its windows against the tail.
        VaultParams.checkUnbonding(params.unbondingPeriod);
        VaultParams.checkTail(params.exposureTail);
        _unbondingPeriod = params.unbondingPeriod;
        _exposureTail = params.exposureTail;
        _setDelegationCapMultiple(params.delegationCapMultiple);
        _setMinDelegation(params.minDelegation);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Providers and delegators
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakingVault
    function stake(uint256 amount) external whenNotPaused nonReentrant {
        require(amount > 0, StakingVaultZeroAmount());
        IProviderRegistry.ProviderStatus status = REGISTRY.statusOf(msg.sender);
        require(
            status == IProviderRegistry.ProviderStatus.Active || status == IProviderRegistry.ProviderStatus.Jailed,
            StakingVaultProviderNotAllowed(msg.sender, uint8(status))
        );
        Pool storage pool = _pools[msg.sender];
        _rewards.accrue(msg.sender, pool);
        uint256 selfActive = pool.selfActive + amount;
        pool.selfActive = selfActive.toUint128();
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, selfActive);
    }

    /// @inheritdoc IStakingVault
    function delegate(address provider, uint256 amount) external whenNotPaused nonReentrant returns (uint256 shares) {
        require(provider != msg.sender, StakingVaultSelfDelegation(provider));
        require(amount >= _minDelegation, StakingVaultDelegationTooSmall(amount, _minDelegation));
        IProviderRegistry.ProviderStatus status = REGISTRY.statusOf(provider);
        require(
            status == IProviderRegistry.ProviderStatus.Active, StakingVaultProviderNotAllowed(provider, uint8(status))
        );
        Pool storage pool = _pools[provider];
        _rewards.accrue(provider, pool);
        uint256 delegatedAssets = pool.delegatedAssets;
        // Pending withdrawals count: they stay slashable, so they are exposure the self-stake must cover.
        uint256 delegatedAfter = delegatedAssets + pool.pendingAssets + amount;
        uint256 cap = uint256(pool.selfActive) * _delegationCapMultiple;
        require(delegatedAfter <= cap, StakingVaultDelegationCapExceeded(delegatedAfter, cap));

        if (ShareClassRetirement.isDepleted(delegatedAssets, pool.delegatedShares)) {
            _retired.retireActive(_rewards, provider, pool);
        }
        Delegation storage d = _delegations[provider][msg.sender];
        PoolRewards.settle(pool, d, _retired.index[provider]);
        shares = DelegatedShares.mintActive(pool, d, amount);
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit Delegated(provider, msg.sender, amount, shares);
    }

    /// @inheritdoc IStakingVault
    function requestWithdraw(address provider, uint256 amount) external nonReentrant returns (uint256 unlockAt) {
        require(amount > 0, StakingVaultZeroAmount());
        Pool storage pool = _pools[provider];
        _rewards.accrue(provider, pool);
        (uint256 need, uint256 lockedUntil) = _exposureLock(provider, pool.exposureUntil);
        uint256 unlockNew = block.timestamp + _unbondingPeriod;
        if (msg.sender == provider) {
            uint256 selfActive = pool.selfActive;
            require(amount <= selfActive, StakingVaultInsufficientStake(selfActive, amount));
            // The self-stake covers exposure first: what it leaves behind must cover the need alone.
            if (lockedUntil > unlockNew && selfActive - amount < need) unlockNew = lockedUntil;
            // A pending self-withdrawal slashed to zero leaves a stale unlock time behind: it does not merge.
            uint256 previousSelfUnlock = pool.selfPending == 0 ? 0 : pool.selfUnlockAt;
            // Cannot overflow or underflow: checked just above; selfPending + amount <= total stake < 2^128.
            unchecked {
                pool.selfActive = uint128(selfActive - amount);
                pool.selfPending += uint128(amount);
            }
            unlockAt = Math.max(previousSelfUnlock, unlockNew);
            pool.selfUnlockAt = uint40(unlockAt);
            emit WithdrawRequested(provider, msg.sender, amount, 0, unlockAt);
            return unlockAt;
        }

        Delegation storage d = _delegations[provider][msg.sender];
        PoolRewards.settle(pool, d, _retired.index[provider]);
        uint256 assets = DelegatedShares.burnActive(pool, d, amount);
        if (pool.delegatedAssets == 0 && pool.delegatedShares > 0) _retired.retireActive(_rewards, provider, pool);
        if (ShareClassRetirement.isDepleted(pool.pendingAssets, pool.pendingShares)) {
            _retired.retirePending(provider, pool);
        }

        // One merged pending withdrawal per account and pool: it unlocks at the later of the two unlock times. A
        // claim left in a retired class joins the new request, so it stays slashable until claimed.
        uint256 pendingHeld;
        uint256 previousUnlock;
        if (d.pendingShares > 0) {
            previousUnlock = d.unlockAt;
            if (d.pendingGeneration == pool.pendingGeneration) pendingHeld = d.pendingShares;
            else assets += _retired.takePending(provider, d);
        }
        // Left behind: the active stake and the provider's pending self-withdrawal if it stays locked as long.
        if (lockedUntil > unlockNew) {
            uint256 cover = uint256(pool.selfActive) + pool.delegatedAssets;
            if (pool.selfUnlockAt >= lockedUntil) cover += pool.selfPending;
            if (cover < need) unlockNew = lockedUntil;
        }
        uint256 minted = DelegatedShares.mintPending(pool, assets);
        d.pendingGeneration = pool.pendingGeneration;
        d.pendingShares = (pendingHeld + minted).toUint128();
        unlockAt = Math.max(previousUnlock, unlockNew);
        d.unlockAt = uint40(unlockAt);
        emit WithdrawRequested(provider, msg.sender, assets, minted, unlockAt);
    }

    /// @inheritdoc IStakingVault
    function claimWithdraw(address provider) external nonReentrant returns (uint256 assets) {
        Pool storage pool = _pools[provider];
        require(pool.slashHolds == 0, StakingVaultSlashPending(provider, pool.slashHolds));
        if (msg.sender == provider) {
            assets = pool.selfPending;
            require(assets > 0, StakingVaultNothingPending(provider, msg.sender));
            require(block.timestamp >= pool.selfUnlockAt, StakingVaultStillUnbonding(pool.selfUnlockAt, block.timestamp));
            // The exposure may have run longer since the request (a lease extended): the self-stake left behind must
            // still cover the need alone, else the claim waits until the exposure and its tail are over.
            (uint256 need, uint256 lockedUntil) = _exposureLock(provider, pool.exposureUntil);
            require(
                pool.selfActive >= need || block.timestamp >= lockedUntil,
                StakingVaultStillUnbonding(lockedUntil, block.timestamp)
            );
            pool.selfPending = 0;
        } else {
            Delegation storage d = _delegations[provider][msg.sender];
            require(d.pendingShares > 0, StakingVaultNothingPending(provider, msg.sender));
            require(block.timestamp >= d.unlockAt, StakingVaultStillUnbonding(d.unlockAt, block.timestamp));
            if (d.pendingGeneration != pool.pendingGeneration) {
                assets = _retired.takePending(provider, d);
            } else {
                assets = DelegatedShares.redeemPending(pool, d);
                if (pool.pendingAssets == 0 && pool.pendingShares > 0) _retired.retirePending(provider, pool);
            }
        }
        if (assets > 0) TOKEN.safeTransfer(msg.sender, assets);
        emit WithdrawClaimed(provider, msg.sender, assets);
    }

    /// @inheritdoc IStakingVault
    function claimRewards(address provider) external nonReentrant returns (uint256 amount) {
        amount = _rewards.claim(
            provider, msg.sender, _pools[provider], _delegations[provider][msg.sender], _retired.index[provider]
        );
        require(amount > 0, StakingVaultNothingToClaim(provider, msg.sender));
        address to = msg.sender == provider ? REGISTRY.payoutOf(provider) : msg.sender;
        TOKEN.safeTransfer(to, amount);
        emit RewardsClaimed(provider, msg.sender, to, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Protocol roles
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakingVault
    function notifyReward(address provider, uint256 amount) external nonReentrant {
        _requireEmissionController();
        require(amount > 0, StakingVaultZeroAmount());
        _requireKnownProvider(provider);
        (uint256 commission, uint256 toDelegators, uint256 index) =
            _rewards.notify(_pools[provider], amount, REGISTRY.commissionOf(provider));
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit RewardNotified(provider, amount, commission, toDelegators, index);
    }

    /// @inheritdoc IStakingVault
    function streamReward(address provider, uint256 amount, uint40 duration) external nonReentrant {
        _requireEmissionController();
        require(amount > 0, StakingVaultZeroAmount());
        require(
            duration > 0 && duration <= MAX_STREAM_DURATION,
            StakingVaultInvalidStreamDuration(duration, MAX_STREAM_DURATION)
        );
        _requireKnownProvider(provider);
        (uint256 commission, uint256 streamAmount) =
            _rewards.stream(provider, _pools[provider], amount, REGISTRY.commissionOf(provider), duration);
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit RewardStreamed(provider, amount, commission, streamAmount, duration);
    }

    /// @inheritdoc IStakingVault
    function executeSlash(address provider, uint256 amount, uint256 bountyBps, bool releaseHold)
        external
        nonReentrant
        returns (uint256 slashed, uint256 bounty)
    {
        _requireSlashingManager();
        require(amount > 0, StakingVaultZeroAmount());
        slashed = _slash(provider, amount, address(this));
        // Rounds down, and below 1/(1 + m) at the multiple in force now: the dust is burned.
        bounty = SlashMath.bounty(slashed, bountyBps, _delegationCapMultiple);
        // Cannot truncate: both stay below the vault's CNDR, which is below CNDR's supply cap (< 2^128).
        _slashedToBurn += uint128(slashed - bounty);
        _bountiesHeld += uint128(bounty);
        if (releaseHold) _releaseSlashHold(provider);
    }

    /// @inheritdoc IStakingVault
    function payBounty(address to, uint256 amount) external nonReentrant {
        _requireSlashingManager();
        uint256 held = _bountiesHeld;
        require(amount <= held, StakingVaultInsufficientBounties(held, amount));
        // Cannot underflow: checked just above.
        unchecked {
            _bountiesHeld = uint128(held - amount);
        }
        TOKEN.safeTransfer(to, amount);
        emit SlashBountyPaid(to, amount);
    }

    /// @inheritdoc IStakingVault
    function burnSlashed() external nonReentrant returns (uint256 burned) {
        _requireSlashingManager();
        burned = _slashedToBurn;
        if (burned == 0) return 0;
        _slashedToBurn = 0;
        ERC20Burnable(address(TOKEN)).burn(burned);
        emit SlashedCndrBurned(burned);
    }

    /// @inheritdoc IStakingVault
    function holdForSlash(address provider) external {
        _requireSlashingManager();
        uint16 holds = _pools[provider].slashHolds + 1;
        _pools[provider].slashHolds = holds;
        emit SlashHoldChanged(provider, holds);
    }

    /// @inheritdoc IStakingVault
    function releaseSlashHold(address provider) external {
        _requireSlashingManager();
        _releaseSlashHold(provider);
    }

    /// @inheritdoc IStakingVault
    function recordExposure(address provider, uint256 need, uint40 until) external {
        _requireMarket();
        Pool storage pool = _pools[provider];
        uint256 totalNeed = PoolExposure.record(_exposures[provider], pool, need, until);
        emit ExposureRecorded(provider, need, totalNeed, pool.exposureUntil);
    }

    /// @inheritdoc IStakingVault
    function releaseExposure(address provider, uint256 need, uint40 endedAt) external {
        uint256 tail = _requireMarket();
        _exposures[provider] = PoolExposure.release(_exposures[provider], need, endedAt, tail);
        emit ExposureReleased(provider, need, endedAt);
    }

    /// @inheritdoc IStakingVault
    function setEmissionController(address emissionController_) external restricted {
        require(
            _emissionController == address(0), StakingVaultEmissionControllerAlreadySet(_emissionController)
        );
        require(emissionController_ != address(0), StakingVaultZeroAddress("emissionController"));
        _emissionController = emissionController_;
        emit EmissionControllerSet(emissionController_);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakingVault
    function setUnbondingPeriod(uint40 period) external restricted {
        VaultParams.checkUnbonding(period);
        // Stake with no exposure behind it still backs the provider's GPUs until a fault report can no longer arrive.
        VaultParams.checkUnbondingCoversLateReport(REGISTRY, period);
        _unbondingPeriod = period;
        emit UnbondingPeriodSet(period);
    }

    /// @inheritdoc IStakingVault
    function setExposureTail(uint40 tail) external restricted {
        VaultParams.checkTail(tail);
        uint256 span = exposureSpan();
        require(tail >= span, StakingVaultExposureTailTooShort(tail, span));
        _exposureTail = tail;
        emit ExposureTailSet(tail);
    }

    /// @inheritdoc IStakingVault
    function setDelegationCapMultiple(uint16 multiple) external restricted {
        _setDelegationCapMultiple(multiple);
    }

    /// @inheritdoc IStakingVault
    function setMinDelegation(uint128 minimum) external restricted {
        _setMinDelegation(minimum);
    }

    /// @inheritdoc IStakingVault
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IStakingVault
    function unpause() external restricted {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakingVault
    function getPool(address provider) external view returns (Pool memory) {
        return _pools[provider];
    }

    /// @inheritdoc IStakingVault
    function getDelegation(address provider, address account) external view returns (Delegation memory) {
        return _delegations[provider][account];
    }

    /// @inheritdoc IStakingVault
    function activeStake(address provider) public view returns (uint256) {
        Pool storage pool = _pools[provider];
        return uint256(pool.selfActive) + pool.delegatedAssets;
    }

    /// @inheritdoc IStakingVault
    function totalStake(address provider) external view returns (uint256) {
        Pool storage pool = _pools[provider];
        return uint256(pool.selfActive) + pool.selfPending + pool.delegatedAssets + pool.pendingAssets;
    }

    /// @inheritdoc IStakingVault
    function eligibleStake(address provider) public view returns (uint256) {
        Pool storage pool = _pools[provider];
        uint256 selfActive = pool.selfActive;
        return selfActive + Math.min(pool.delegatedAssets, selfActive * _delegationCapMultiple);
    }

    /// @inheritdoc IStakingVault
    function hasSufficientStake(address provider) external view returns (bool) {
        return eligibleStake(provider) >= REGISTRY.requiredStake(provider);
    }

    /// @inheritdoc IStakingVault
    function delegatedBalance(address provider, address account) external view returns (uint256) {
        Pool storage pool = _pools[provider];
        Delegation storage d = _delegations[provider][account];
        if (d.generation != pool.generation) return 0;
        return ShareMath.toAssets(d.shares, pool.delegatedAssets, pool.delegatedShares, Math.Rounding.Floor);
    }

    /// @inheritdoc IStakingVault
    function pendingWithdrawal(address provider, address account)
        external
        view
        returns (uint256 assets, uint256 unlockAt)
    {
        Pool storage pool = _pools[provider];
        if (account == provider) {
            // As claimWithdraw judges it: past the request's unbonding, and past the exposure's lock unless the
            // self-stake left active covers the need alone (the exposure may have grown since the request).
            unlockAt = pool.selfUnlockAt;
            (uint256 need, uint256 lockedUntil) = _exposureLock(provider, pool.exposureUntil);
            if (pool.selfActive < need && lockedUntil > unlockAt) unlockAt = lockedUntil;
            return (pool.selfPending, unlockAt);
        }
        Delegation storage d = _delegations[provider][account];
        if (d.pendingShares == 0) return (0, 0);
        assets = d.pendingGeneration != pool.pendingGeneration
            ? _retired.pendingValue(provider, d)
            : ShareMath.toAssets(d.pendingShares, pool.pendingAssets, pool.pendingShares, Math.Rounding.Floor);
        unlockAt = d.unlockAt;
    }

    /// @inheritdoc IStakingVault
    function claimableRewards(address provider, address account) external view returns (uint256) {
        return _rewards.claimable(
            provider, account, _pools[provider], _delegations[provider][account], _retired.index[provider]
        );
    }

    /// @inheritdoc IStakingVault
    function getRewardStream(address provider) external view returns (RewardStream memory) {
        return _rewards.streams[provider];
    }

    /// @inheritdoc IStakingVault
    function getExposure(address provider) external view returns (Exposure memory) {
        return _exposures[provider];
    }

    /// @inheritdoc IStakingVault
    function requireTailCovers() external view {
        uint256 span = exposureSpan();
        require(_exposureTail >= span, StakingVaultExposureTailTooShort(_exposureTail, span));
    }

    /// @inheritdoc IStakingVault
    function exposureSpan() public view returns (uint256) {
        return VaultParams.exposureSpan(REGISTRY);
    }

    /// @inheritdoc IStakingVault
    function delegationRoom(address provider) external view returns (uint256) {
        Pool storage pool = _pools[provider];
        uint256 cap = uint256(pool.selfActive) * _delegationCapMultiple;
        uint256 delegated = uint256(pool.delegatedAssets) + pool.pendingAssets;
        return cap > delegated ? cap - delegated : 0;
    }

    /// @inheritdoc IStakingVault
    function totalRewardsOwed() external view returns (uint256) {
        return _rewards.totalOwed;
    }

    /// @inheritdoc IStakingVault
    function totalRetiredPending() external view returns (uint256) {
        return _retired.totalPending;
    }

    /// @inheritdoc IStakingVault
    function slashedHeld() external view returns (uint256 toBurn, uint256 bounties) {
        return (_slashedToBurn, _bountiesHeld);
    }

    /// @inheritdoc IStakingVault
    function unbondingPeriod() external view returns (uint40) {
        return _unbondingPeriod;
    }

    /// @inheritdoc IStakingVault
    function exposureTail() external view returns (uint40) {
        return _exposureTail;
    }

    /// @inheritdoc IStakingVault
    function emissionController() external view returns (address) {
        return _emissionController;
    }

    /// @inheritdoc IStakingVault
    function delegationCapMultiple() external view returns (uint16) {
        return _delegationCapMultiple;
    }

    /// @inheritdoc IStakingVault
    function minDelegation() external view returns (uint128) {
        return _minDelegation;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Slashes up to `amount` from `provider`'s pool (PoolSlash.slash). Moves no CNDR.
    function _slash(address provider, uint256 amount, address recipient) private returns (uint256 slashed) {
        (uint256 fromSelf, uint256 fromDelegated, uint256 fromPending) =
            PoolSlash.slash(_pools[provider], _rewards, _retired, provider, amount);
        slashed = fromSelf + fromDelegated + fromPending;
        emit Slashed(provider, amount, slashed, fromSelf, fromDelegated, fromPending, recipient);
    }

    function _releaseSlashHold(address provider) private {
        uint16 holds = _pools[provider].slashHolds;
        require(holds > 0, StakingVaultNoSlashHold(provider));
        _pools[provider].slashHolds = holds - 1;
        emit SlashHoldChanged(provider, holds - 1);
    }

    /// @dev Reverts unless the caller is the job market wired in the registry; returns the exposure tail (same slot).
    function _requireMarket() private returns (uint256 tail) {
        address market = _market;
        if (market == address(0)) {
            market = REGISTRY.jobMarket();
            if (market != address(0)) _market = market;
        }
        require(msg.sender == market, StakingVaultNotMarket(msg.sender));
        return _exposureTail;
    }

    function _requireSlashingManager() private view {
        require(msg.sender == REGISTRY.slashingManager(), StakingVaultNotSlashingManager(msg.sender));
    }

    function _requireEmissionController() private view {
        // Before the wiring the address is zero, which no caller is.
        require(msg.sender == _emissionController, StakingVaultNotEmissionController(msg.sender));
    }

    function _requireKnownProvider(address provider) private view {
        IProviderRegistry.ProviderStatus status = REGISTRY.statusOf(provider);
        require(
            status != IProviderRegistry.ProviderStatus.None, StakingVaultProviderNotAllowed(provider, uint8(status))
        );
    }

    /// @dev What the pool's exposure needs now and until when a withdrawal that uncovers it stays locked
    /// (PoolExposure.lock at the exposure tail).
    function _exposureLock(address provider, uint256 exposureUntil) private view returns (uint256, uint256) {
        return PoolExposure.lock(_exposures[provider], exposureUntil, _exposureTail);
    }

    function _setDelegationCapMultiple(uint16 multiple) private {
        VaultParams.checkDelegationCapMultiple(multiple);
        _delegationCapMultiple = multiple;
        emit DelegationCapMultipleSet(multiple);
    }

    function _setMinDelegation(uint128 minimum) private {
        VaultParams.checkMinDelegation(minimum);
        _minDelegation = minimum;
        emit MinDelegationSet(minimum);
    }
}
