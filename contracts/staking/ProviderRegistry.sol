// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {ExposureWindows} from "../libraries/ExposureWindows.sol";

/// @title ProviderRegistry
/// @notice Providers, offers, the oracle-attested GPU inventory and its capacity.
/// @dev Assumptions:
/// - The AccessManager maps setters to governance and `pause`/`unpause` to the guardian; no role writes GPUs or
///   jails (DESIGN: Powers). `commitCapacity`/`releaseCapacity` are the job market's alone, `jail` the
///   SlashingManager's alone and `recordAttestation`/`revokeGpu` the OracleHub's alone, each wired once.
/// - The OracleHub only forwards attestations signed by the oracle quorum.
/// Expired attestations stop counting when pruned; anyone may prune, and oracle nodes do so every epoch, so the
/// award path never scans a provider's GPUs.
contract ProviderRegistry is AccessManaged, Pausable, IProviderRegistry {
    /// @notice At most this many model classes (one bit each in `Provider.classMask`).
    uint256 public constant MAX_MODEL_CLASSES = 32;
    /// @notice Longest metadata URI in bytes.
    uint256 public constant MAX_METADATA_LENGTH = 512;
    /// @notice Highest price per GPU-hour an offer may carry (1,000,000 units of a 6-decimal stablecoin per hour
    /// times 1e3 headroom), so lease values cannot overflow downstream arithmetic.
    uint256 public constant MAX_PRICE_PER_GPU_HOUR = 1e12;
    /// @notice Longest validity of one attestation.
    uint256 public constant MAX_ATTESTATION_VALIDITY = 30 days;
    /// @notice Bounds on the stake required per GPU.
    uint256 public constant MIN_STAKE_PER_GPU = 1e18;
    uint256 public constant MAX_STAKE_PER_GPU = 10_000_000e18;
    /// @notice Bounds on the commission increase delay.
    uint256 public constant MIN_COMMISSION_DELAY = 1 days;
    uint256 public constant MAX_COMMISSION_DELAY = 60 days;
    uint16 private constant _MAX_BPS = 10_000;
    uint8 private constant _TIER_CONFIDENTIAL = 2;

    mapping(address provider => Provider) private _providers;
    mapping(address provider => mapping(bytes32 modelClass => Offer)) private _offers;
    mapping(address provider => mapping(bytes32 modelClass => Capacity)) private _capacity;
    mapping(address provider => mapping(bytes32 gpuId => Gpu)) private _gpus;
    mapping(bytes32 gpuId => address provider) private _ccBinding;
    mapping(bytes32 modelClass => ModelClass) private _modelClasses;
    mapping(uint256 index => bytes32 modelClass) private _modelClassIds;
    uint256 private _modelClassCount;

    uint40 private _commissionIncreaseDelay;
    address private _stakingVault;
    address private _jobMarket;
    address private _slashingManager;
    address private _oracleHub;
    address private _disputeManager;

    /// @param authority The AccessManager.
    /// @param commissionIncreaseDelay_ Initial delay before a commission increase applies.
    constructor(address authority, uint40 commissionIncreaseDelay_) AccessManaged(authority) {
        _setCommissionIncreaseDelay(commissionIncreaseDelay_);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Provider actions
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProviderRegistry
    function register(string calldata metadataURI, address payout) external whenNotPaused {
        Provider storage p = _providers[msg.sender];
        require(p.status == ProviderStatus.None, ProviderRegistryAlreadyRegistered(msg.sender, p.status));
        require(payout != address(0), ProviderRegistryZeroAddress("payout"));
        _checkMetadata(metadataURI);
        p.status = ProviderStatus.Active;
        p.payout = payout;
        p.metadataURI = metadataURI;
        emit ProviderRegistered(msg.sender, payout, metadataURI);
    }

    /// @inheritdoc IProviderRegistry
    function setMetadataURI(string calldata metadataURI) external {
        _requireRegistered(msg.sender);
        _checkMetadata(metadataURI);
        _providers[msg.sender].metadataURI = metadataURI;
        emit MetadataUpdated(msg.sender, metadataURI);
    }

    /// @inheritdoc IProviderRegistry
    function setPayout(address payout) external {
        _requireRegistered(msg.sender);
        require(payout != address(0), ProviderRegistryZeroAddress("payout"));
        _providers[msg.sender].payout = payout;
        emit PayoutUpdated(msg.sender, payout);
    }

    /// @inheritdoc IProviderRegistry
    function setOffer(bytes32 modelClass, uint128 pricePerGpuHour) external whenNotPaused {
        _requireStatus(msg.sender, ProviderStatus.Active);
        require(_modelClasses[modelClass].enabled, ProviderRegistryUnknownModelClass(modelClass));
        require(
            pricePerGpuHour > 0 && pricePerGpuHour <= MAX_PRICE_PER_GPU_HOUR,
            ProviderRegistryInvalidPrice(pricePerGpuHour, MAX_PRICE_PER_GPU_HOUR)
        );
        _offers[msg.sender][modelClass] = Offer({pricePerGpuHour: pricePerGpuHour, active: true});
        emit OfferPublished(msg.sender, modelClass, pricePerGpuHour);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawOffer(bytes32 modelClass) external {
        Offer storage o = _offers[msg.sender][modelClass];
        require(o.active, ProviderRegistryNoOffer(msg.sender, modelClass));
        o.active = false;
        emit OfferWithdrawn(msg.sender, modelClass);
    }

    /// @inheritdoc IProviderRegistry
    function setCommission(uint16 commissionBps) external {
        _requireRegistered(msg.sender);
        require(commissionBps <= _MAX_BPS, ProviderRegistryInvalidCommission(commissionBps, _MAX_BPS));
        Provider storage p = _providers[msg.sender];
        uint16 current = _commissionInForce(p);
        uint256 effectiveAt;
        if (commissionBps <= current) {
            // A decrease (or no change) applies at once and cancels any pending increase.
            p.commissionBps = commissionBps;
            p.pendingCommissionBps = 0;
            p.commissionEffectiveAt = 0;
            effectiveAt = block.timestamp;
        } else {
            // An increase waits for the delay; it restarts if the provider changes it again.
            p.commissionBps = current;
            p.pendingCommissionBps = commissionBps;
            effectiveAt = block.timestamp + _commissionIncreaseDelay;
            p.commissionEffectiveAt = uint40(effectiveAt);
        }
        emit CommissionChangeScheduled(msg.sender, commissionBps, effectiveAt);
    }

    /// @inheritdoc IProviderRegistry
    function exit() external {
        Provider storage p = _providers[msg.sender];
        require(
            p.status == ProviderStatus.Active || p.status == ProviderStatus.Jailed,
            ProviderRegistryInvalidStatus(msg.sender, p.status)
        );
        require(p.committedGpus == 0, ProviderRegistryCapacityCommitted(msg.sender, p.committedGpus));
        p.status = ProviderStatus.Exited;
        emit ProviderExited(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function unjail() external {
        Provider storage p = _providers[msg.sender];
        require(p.status == ProviderStatus.Jailed, ProviderRegistryInvalidStatus(msg.sender, p.status));
        require(
            block.timestamp >= p.jailedUntil,
            ProviderRegistryStillJailed(msg.sender, p.jailedUntil, block.timestamp)
        );
        uint256 required = requiredStake(msg.sender);
        uint256 stake = IStakingVault(_stakingVault).eligibleStake(msg.sender);
        require(stake >= required, ProviderRegistryInsufficientStake(msg.sender, stake, required));
        p.status = ProviderStatus.Active;
        p.jailedUntil = 0;
        emit ProviderUnjailed(msg.sender);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Protocol roles
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProviderRegistry
    function jail(address provider, uint40 until) external {
        // Before the wiring the address is zero, which no caller is.
        require(msg.sender == _slashingManager, ProviderRegistryNotSlashingManager(msg.sender));
        Provider storage p = _providers[provider];
        require(
            p.status == ProviderStatus.Active || p.status == ProviderStatus.Jailed,
            ProviderRegistryInvalidStatus(provider, p.status)
        );
        p.status = ProviderStatus.Jailed;
        if (until > p.jailedUntil) p.jailedUntil = until;
        emit ProviderJailed(provider, p.jailedUntil);
    }

    /// @inheritdoc IProviderRegistry
    function recordAttestation(GpuAttestation calldata a) external {
        _requireOracleHub();
        ProviderStatus status = _providers[a.provider].status;
        require(
            status == ProviderStatus.Active || status == ProviderStatus.Jailed,
            ProviderRegistryInvalidStatus(a.provider, status)
        );
        require(_modelClasses[a.modelClass].enabled, ProviderRegistryUnknownModelClass(a.modelClass));
        require(a.tier <= _TIER_CONFIDENTIAL, ProviderRegistryInvalidTier(a.tier));
        uint256 maxExpiry = block.timestamp + MAX_ATTESTATION_VALIDITY;
        require(
            a.expiresAt > block.timestamp && a.expiresAt <= maxExpiry,
            ProviderRegistryInvalidExpiry(a.expiresAt, block.timestamp, maxExpiry)
        );
        require(a.issuedAt <= block.timestamp, ProviderRegistryAttestationFromFuture(a.issuedAt, block.timestamp));
        Gpu storage g = _gpus[a.provider][a.gpuId];
        // Strictly later: an attestation held back (or issued in the same round) never replaces the record.
        require(
            a.issuedAt > g.issuedAt, ProviderRegistryStaleAttestation(a.provider, a.gpuId, a.issuedAt, g.issuedAt)
        );
        if (a.tier == _TIER_CONFIDENTIAL) {
            address owner = gpuOwner(a.gpuId);
            require(owner == address(0) || owner == a.provider, ProviderRegistryGpuBoundElsewhere(a.gpuId, owner));
            _ccBinding[a.gpuId] = a.provider;
        }

        if (g.expiresAt == 0) {
            _addToCapacity(a.provider, a.modelClass);
        } else if (g.modelClass != a.modelClass) {
            _removeFromCapacity(a.provider, g.modelClass);
            _addToCapacity(a.provider, a.modelClass);
        }
        g.modelClass = a.modelClass;
        g.expiresAt = a.expiresAt;
        g.memoryMiB = a.memoryMiB;
        g.tier = a.tier;
        g.issuedAt = a.issuedAt;
        g.evidenceHash = a.evidenceHash;
        emit GpuAttested(a.provider, a.gpuId, a.modelClass, a.tier, a.memoryMiB, a.evidenceHash, a.expiresAt);
    }

    /// @inheritdoc IProviderRegistry
    function revokeGpu(address provider, bytes32 gpuId) external {
        _requireOracleHub();
        _removeGpu(provider, gpuId, false);
    }

    /// @inheritdoc IProviderRegistry
    function pruneExpired(address provider, bytes32[] calldata gpuIds) external {
        for (uint256 i = 0; i < gpuIds.length; ++i) {
            uint40 expiresAt = _gpus[provider][gpuIds[i]].expiresAt;
            require(expiresAt != 0, ProviderRegistryUnknownGpu(provider, gpuIds[i]));
            require(expiresAt <= block.timestamp, ProviderRegistryGpuNotExpired(gpuIds[i], expiresAt));
            _removeGpu(provider, gpuIds[i], true);
        }
    }

    /// @inheritdoc IProviderRegistry
    function commitCapacity(address provider, bytes32 modelClass, uint32 count) external {
        require(msg.sender == _jobMarket, ProviderRegistryNotMarket(msg.sender));
        require(count > 0, ProviderRegistryZeroCount());
        Capacity storage c = _capacity[provider][modelClass];
        uint256 free = _free(c);
        require(free >= count, ProviderRegistryInsufficientCapacity(provider, modelClass, free, count));
        c.committed += count;
        // Cannot overflow: count x stakePerGpu < 2^32 x 2^96.
        c.committedStake += uint192(uint256(count) * _modelClasses[modelClass].stakePerGpu);
        _providers[provider].committedGpus += count;
        emit CapacityCommitted(provider, modelClass, count, c.committed);
    }

    /// @inheritdoc IProviderRegistry
    function releaseCapacity(address provider, bytes32 modelClass, uint32 count) external returns (uint256 stake) {
        require(msg.sender == _jobMarket, ProviderRegistryNotMarket(msg.sender));
        require(count > 0, ProviderRegistryZeroCount());
        Capacity storage c = _capacity[provider][modelClass];
        require(
            c.committed >= count, ProviderRegistryReleaseExceedsCommitted(provider, modelClass, c.committed, count)
        );
        uint256 committed = c.committed;
        uint256 committedStake = c.committedStake;
        // Rounds down (the need left behind errs high); the last release takes the rest, so none is left over.
        stake = count == committed ? committedStake : (committedStake * count) / committed;
        // Cannot underflow: count <= committed (checked just above; committedGpus is the sum of every class's
        // committed count) and stake <= committedStake.
        unchecked {
            c.committed = uint32(committed - count);
            c.committedStake = uint192(committedStake - stake);
            _providers[provider].committedGpus -= count;
        }
        emit CapacityReleased(provider, modelClass, count, c.committed);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProviderRegistry
    function setModelClass(bytes32 modelClass, uint96 stakePerGpu, bool enabled) external restricted {
        require(
            stakePerGpu >= MIN_STAKE_PER_GPU && stakePerGpu <= MAX_STAKE_PER_GPU,
            ProviderRegistryParameterOutOfBounds("stakePerGpu", stakePerGpu, MIN_STAKE_PER_GPU, MAX_STAKE_PER_GPU)
        );
        ModelClass storage m = _modelClasses[modelClass];
        if (m.stakePerGpu == 0) {
            uint256 count = _modelClassCount;
            require(count < MAX_MODEL_CLASSES, ProviderRegistryTooManyModelClasses(MAX_MODEL_CLASSES));
            m.index = uint8(count);
            _modelClassIds[count] = modelClass;
            _modelClassCount = count + 1;
        }
        m.stakePerGpu = stakePerGpu;
        m.enabled = enabled;
        emit ModelClassSet(modelClass, m.index, stakePerGpu, enabled);
    }

    /// @inheritdoc IProviderRegistry
    function setCommissionIncreaseDelay(uint40 delay) external restricted {
        _setCommissionIncreaseDelay(delay);
    }

    /// @inheritdoc IProviderRegistry
    function setStakingVault(address vault) external restricted {
        require(_stakingVault == address(0), ProviderRegistryVaultAlreadySet(_stakingVault));
        require(vault != address(0), ProviderRegistryZeroAddress("vault"));
        _stakingVault = vault;
        emit StakingVaultSet(vault);
        _checkUnbondingCoversLateReports();
    }

    /// @inheritdoc IProviderRegistry
    function setJobMarket(address market) external restricted {
        require(_jobMarket == address(0), ProviderRegistryMarketAlreadySet(_jobMarket));
        require(market != address(0), ProviderRegistryZeroAddress("market"));
        _jobMarket = market;
        emit JobMarketSet(market);
    }

    /// @inheritdoc IProviderRegistry
    function setSlashingManager(address slashingManager_) external restricted {
        require(
            _slashingManager == address(0), ProviderRegistrySlashingManagerAlreadySet(_slashingManager)
        );
        require(slashingManager_ != address(0), ProviderRegistryZeroAddress("slashingManager"));
        _slashingManager = slashingManager_;
        emit SlashingManagerSet(slashingManager_);
    }

    /// @inheritdoc IProviderRegistry
    function setOracleHub(address oracleHub_) external restricted {
        require(_oracleHub == address(0), ProviderRegistryOracleHubAlreadySet(_oracleHub));
        require(oracleHub_ != address(0), ProviderRegistryZeroAddress("oracleHub"));
        _oracleHub = oracleHub_;
        emit OracleHubSet(oracleHub_);
        _checkUnbondingCoversLateReports();
    }

    /// @inheritdoc IProviderRegistry
    function setDisputeManager(address disputeManager_) external restricted {
        require(_disputeManager == address(0), ProviderRegistryDisputeManagerAlreadySet(_disputeManager));
        require(disputeManager_ != address(0), ProviderRegistryZeroAddress("disputeManager"));
        _disputeManager = disputeManager_;
        emit DisputeManagerSet(disputeManager_);
    }

    /// @inheritdoc IProviderRegistry
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IProviderRegistry
    function unpause() external restricted {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProviderRegistry
    function getProvider(address provider) external view returns (Provider memory p) {
        p = _providers[provider];
        p.commissionBps = _commissionInForce(_providers[provider]);
        if (p.commissionEffectiveAt != 0 && block.timestamp >= p.commissionEffectiveAt) {
            p.pendingCommissionBps = 0;
            p.commissionEffectiveAt = 0;
        }
    }

    /// @inheritdoc IProviderRegistry
    function statusOf(address provider) external view returns (ProviderStatus) {
        return _providers[provider].status;
    }

    /// @inheritdoc IProviderRegistry
    function isActive(address provider) external view returns (bool) {
        return _providers[provider].status == ProviderStatus.Active;
    }

    /// @inheritdoc IProviderRegistry
    function commissionOf(address provider) external view returns (uint16) {
        return _commissionInForce(_providers[provider]);
    }

    /// @inheritdoc IProviderRegistry
    function payoutOf(address provider) external view returns (address) {
        return _providers[provider].payout;
    }

    /// @inheritdoc IProviderRegistry
    function getOffer(address provider, bytes32 modelClass) external view returns (Offer memory) {
        return _offers[provider][modelClass];
    }

    /// @inheritdoc IProviderRegistry
    function getModelClass(bytes32 modelClass) external view returns (ModelClass memory) {
        return _modelClasses[modelClass];
    }

    /// @inheritdoc IProviderRegistry
    function modelClassIds() external view returns (bytes32[] memory ids) {
        ids = new bytes32[](_modelClassCount);
        for (uint256 i = 0; i < ids.length; ++i) {
            ids[i] = _modelClassIds[i];
        }
    }

    /// @inheritdoc IProviderRegistry
    function modelClassAt(uint256 index) external view returns (bytes32) {
        require(index < _modelClassCount, ProviderRegistryUnknownModelClass(bytes32(index)));
        return _modelClassIds[index];
    }

    /// @inheritdoc IProviderRegistry
    function getCapacity(address provider, bytes32 modelClass) external view returns (Capacity memory) {
        return _capacity[provider][modelClass];
    }

    /// @inheritdoc IProviderRegistry
    function freeCapacity(address provider, bytes32 modelClass) external view returns (uint256) {
        return _free(_capacity[provider][modelClass]);
    }

    /// @inheritdoc IProviderRegistry
    function getGpu(address provider, bytes32 gpuId) external view returns (Gpu memory) {
        return _gpus[provider][gpuId];
    }

    /// @inheritdoc IProviderRegistry
    function gpuStakePerGpu(address provider, bytes32 gpuId) external view returns (uint256) {
        bytes32 modelClass = _gpus[provider][gpuId].modelClass;
        return modelClass == bytes32(0) ? 0 : _modelClasses[modelClass].stakePerGpu;
    }

    /// @inheritdoc IProviderRegistry
    function gpuOwner(bytes32 gpuId) public view returns (address owner) {
        owner = _ccBinding[gpuId];
        if (owner != address(0)) {
            Gpu storage g = _gpus[owner][gpuId];
            // A binding ends with its attestation, a downgrade below tier 2, or the provider's exit.
            if (
                g.tier != _TIER_CONFIDENTIAL || g.expiresAt <= block.timestamp
                    || _providers[owner].status == ProviderStatus.Exited
            ) owner = address(0);
        }
    }

    /// @inheritdoc IProviderRegistry
    function requiredStake(address provider) public view returns (uint256 total) {
        uint256 mask = _providers[provider].classMask;
        // Bounded: at most MAX_MODEL_CLASSES iterations, one per model class the provider holds GPUs of.
        while (mask != 0) {
            uint256 index = _lowestBit(mask);
            mask &= mask - 1;
            bytes32 id = _modelClassIds[index];
            total += uint256(_capacity[provider][id].attested) * _modelClasses[id].stakePerGpu;
        }
    }

    /// @inheritdoc IProviderRegistry
    function eligibility(address provider, bytes32 modelClass)
        external
        view
        returns (ProviderStatus status, uint256 required, uint256 free)
    {
        status = _providers[provider].status;
        required = requiredStake(provider);
        if (_modelClasses[modelClass].enabled) free = _free(_capacity[provider][modelClass]);
    }

    /// @inheritdoc IProviderRegistry
    function commissionIncreaseDelay() external view returns (uint40) {
        return _commissionIncreaseDelay;
    }

    /// @inheritdoc IProviderRegistry
    function stakingVault() external view returns (address) {
        return _stakingVault;
    }

    /// @inheritdoc IProviderRegistry
    function jobMarket() external view returns (address) {
        return _jobMarket;
    }

    /// @inheritdoc IProviderRegistry
    function slashingManager() external view returns (address) {
        return _slashingManager;
    }

    /// @inheritdoc IProviderRegistry
    function oracleHub() external view returns (address) {
        return _oracleHub;
    }

    /// @inheritdoc IProviderRegistry
    function disputeManager() external view returns (address) {
        return _disputeManager;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Once both are wired: the vault's unbonding period outlasts a fault report's late window (the vault's
    /// setter keeps it so afterwards).
    function _checkUnbondingCoversLateReports() private view {
        if (_stakingVault == address(0) || _oracleHub == address(0)) return;
        uint256 unbonding = IStakingVault(_stakingVault).unbondingPeriod();
        uint256 lateReport = ExposureWindows.lateReportOf(IOracleHub(_oracleHub));
        require(unbonding > lateReport, ProviderRegistryUnbondingBelowLateReport(unbonding, lateReport));
    }

    function _requireOracleHub() private view {
        // Before the wiring the address is zero, which no caller is.
        require(msg.sender == _oracleHub, ProviderRegistryNotOracleHub(msg.sender));
    }

    function _addToCapacity(address provider, bytes32 modelClass) private {
        Capacity storage c = _capacity[provider][modelClass];
        if (c.attested == 0) _providers[provider].classMask |= uint32(1 << _modelClasses[modelClass].index);
        c.attested += 1;
    }

    function _removeFromCapacity(address provider, bytes32 modelClass) private {
        Capacity storage c = _capacity[provider][modelClass];
        c.attested -= 1;
        if (c.attested == 0) _providers[provider].classMask &= ~uint32(1 << _modelClasses[modelClass].index);
    }

    function _removeGpu(address provider, bytes32 gpuId, bool expired) private {
        Gpu storage g = _gpus[provider][gpuId];
        require(g.expiresAt != 0, ProviderRegistryUnknownGpu(provider, gpuId));
        bytes32 modelClass = g.modelClass;
        _removeFromCapacity(provider, modelClass);
        if (_ccBinding[gpuId] == provider) delete _ccBinding[gpuId];
        // The issue time stays: an attestation issued before the removal must not bring the GPU back.
        uint40 issuedAt = g.issuedAt;
        delete _gpus[provider][gpuId];
        g.issuedAt = issuedAt;
        emit GpuRemoved(provider, gpuId, modelClass, expired);
    }

    function _setCommissionIncreaseDelay(uint40 delay) private {
        require(
            delay >= MIN_COMMISSION_DELAY && delay <= MAX_COMMISSION_DELAY,
            ProviderRegistryParameterOutOfBounds(
                "commissionIncreaseDelay", delay, MIN_COMMISSION_DELAY, MAX_COMMISSION_DELAY
            )
        );
        _commissionIncreaseDelay = delay;
        emit CommissionIncreaseDelaySet(delay);
    }

    function _requireRegistered(address provider) private view {
        ProviderStatus status = _providers[provider].status;
        require(status != ProviderStatus.None, ProviderRegistryInvalidStatus(provider, status));
    }

    function _requireStatus(address provider, ProviderStatus expected) private view {
        ProviderStatus status = _providers[provider].status;
        require(status == expected, ProviderRegistryInvalidStatus(provider, status));
    }

    function _checkMetadata(string calldata metadataURI) private pure {
        uint256 length = bytes(metadataURI).length;
        require(length <= MAX_METADATA_LENGTH, ProviderRegistryMetadataTooLong(length, MAX_METADATA_LENGTH));
    }

    function _commissionInForce(Provider storage p) private view returns (uint16) {
        uint40 effectiveAt = p.commissionEffectiveAt;
        return effectiveAt != 0 && block.timestamp >= effectiveAt ? p.pendingCommissionBps : p.commissionBps;
    }

    function _free(Capacity storage c) private view returns (uint256) {
        return c.attested > c.committed ? c.attested - c.committed : 0;
    }

    /// @dev Index of the lowest set bit of a non-zero 32-bit mask.
    function _lowestBit(uint256 mask) private pure returns (uint256 index) {
        while (mask & 1 == 0) {
            mask >>= 1;
            ++index;
        }
    }
}
