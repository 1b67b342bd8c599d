// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IProviderRegistry
/// @notice Providers, their offers, their oracle-attested GPU inventory and its capacity.
/// A provider is keyed by its operator address (the account that called `register`). GPU records are written
/// only by the OracleHub wired once; capacity is committed and released only by the job market wired once (the
/// JobMarket), so one card is never sold twice at the same time.
interface IProviderRegistry {
    /// @notice A provider's lifecycle: Active takes new work; Jailed does not, until `unjail`; Exited is final.
    enum ProviderStatus {
        None,
        Active,
        Jailed,
        Exited
    }

    /// @notice A provider's record.
    /// @param status Lifecycle status.
    /// @param commissionBps The provider's cut of pool rewards in force (basis points).
    /// @param pendingCommissionBps A raised commission waiting for its delay.
    /// @param commissionEffectiveAt When `pendingCommissionBps` takes effect (0: none pending).
    /// @param jailedUntil While jailed, the earliest time `unjail` may succeed.
    /// @param classMask Bit i is set when the provider has attested GPUs of the model class with index i.
    /// @param committedGpus GPUs committed to active leases, over all model classes.
    /// @param payout Receives the provider's rewards.
    /// @param metadataURI Off-chain description (endpoint, region, contact).
    struct Provider {
        ProviderStatus status;
        uint16 commissionBps;
        uint16 pendingCommissionBps;
        uint40 commissionEffectiveAt;
        uint40 jailedUntil;
        uint32 classMask;
        uint32 committedGpus;
        address payout;
        string metadataURI;
    }

    /// @notice A GPU model class known to the protocol (for example keccak256("H100-80GB")).
    /// @param enabled Whether new attestations and offers of this class are accepted.
    /// @param index Bit index of the class in `Provider.classMask`.
    /// @param stakePerGpu CNDR stake required per attested GPU of this class.
    struct ModelClass {
        bool enabled;
        uint8 index;
        uint96 stakePerGpu;
    }

    /// @notice A provider's published offer for one model class: publishing is acceptance of direct orders.
    /// @param pricePerGpuHour Price per GPU-hour in the settlement stablecoin's smallest unit.
    /// @param active Whether the offer is open.
    struct Offer {
        uint128 pricePerGpuHour;
        bool active;
    }

    /// @notice Capacity of one provider in one model class.
    /// @param attested GPUs with a recorded, unpruned attestation.
    /// @param committed GPUs committed to active leases.
    /// @param committedStake The stake the committed GPUs needed when each was committed (count x the class's
    /// per-GPU stake then): a release takes its share of it, so a change of the per-GPU stake while leases run never
    /// zeroes the need of the leases still running.
    struct Capacity {
        uint32 attested;
        uint32 committed;
        uint192 committedStake;
    }

    /// @notice An attested GPU of a provider.
    /// @param modelClass The GPU's model class.
    /// @param expiresAt The attestation's expiry: after it the GPU is ineligible for new work and may be pruned.
    /// @param memoryMiB GPU memory in MiB.
    /// @param tier 0 telemetry, 1 challenge-verified, 2 confidential-computing verified.
    /// @param evidenceHash Hash of the evidence the oracle verified.
    /// @param issuedAt When the latest attestation recorded for this (provider, GPU) was issued. It outlives the
    /// record's removal (expiry, revocation), so no attestation issued earlier is ever recorded again.
    struct Gpu {
        bytes32 modelClass;
        uint40 expiresAt;
        uint32 memoryMiB;
        uint8 tier;
        uint40 issuedAt;
        bytes32 evidenceHash;
    }

    /// @notice An oracle-verified attestation of one GPU, as the wired OracleHub writes it.
    /// @param issuedAt When the oracle issued it (not after the block's time): a GPU's record only ever moves to a
    /// strictly later one, so an attestation held back and submitted late cannot overwrite a newer record.
    struct GpuAttestation {
        address provider;
        bytes32 gpuId;
        bytes32 modelClass;
        uint32 memoryMiB;
        uint8 tier;
        bytes32 evidenceHash;
        uint40 issuedAt;
        uint40 expiresAt;
    }

    // --- errors ---

    /// @notice The account is already registered (an exited provider cannot register again).
    error ProviderRegistryAlreadyRegistered(address provider, ProviderStatus status);
    /// @notice The provider is not in the status the call needs.
    error ProviderRegistryInvalidStatus(address provider, ProviderStatus status);
    /// @notice An address argument is zero.
    error ProviderRegistryZeroAddress(string name);
    /// @notice The vault's unbonding period would not outlast the OracleHub's late window for fault reports.
    error ProviderRegistryUnbondingBelowLateReport(uint256 unbonding, uint256 lateReport);
    /// @notice The metadata URI is longer than MAX_METADATA_LENGTH.
    error ProviderRegistryMetadataTooLong(uint256 length, uint256 max);
    /// @notice The model class is unknown or disabled.
    error ProviderRegistryUnknownModelClass(bytes32 modelClass);
    /// @notice The protocol already knows MAX_MODEL_CLASSES model classes.
    error ProviderRegistryTooManyModelClasses(uint256 max);
    /// @notice An offer's price is zero or above MAX_PRICE_PER_GPU_HOUR.
    error ProviderRegistryInvalidPrice(uint256 price, uint256 max);
    /// @notice The provider has no open offer for the model class.
    error ProviderRegistryNoOffer(address provider, bytes32 modelClass);
    /// @notice A commission above 100%.
    error ProviderRegistryInvalidCommission(uint256 commissionBps, uint256 max);
    /// @notice The jail has not ended yet.
    error ProviderRegistryStillJailed(address provider, uint256 jailedUntil, uint256 nowTime);
    /// @notice The provider's stake does not cover its attested GPUs.
    error ProviderRegistryInsufficientStake(address provider, uint256 stake, uint256 required);
    /// @notice The provider still has GPUs committed to leases.
    error ProviderRegistryCapacityCommitted(address provider, uint256 committed);
    /// @notice An attestation's tier is above 2.
    error ProviderRegistryInvalidTier(uint8 tier);
    /// @notice An attestation's expiry is in the past or beyond the longest validity.
    error ProviderRegistryInvalidExpiry(uint256 expiresAt, uint256 nowTime, uint256 maxExpiry);
    /// @notice An attestation was issued no later than the one the GPU's record already holds (or than the last
    /// one recorded before the record was removed): a held-back older attestation cannot overwrite a newer one.
    error ProviderRegistryStaleAttestation(
        address provider, bytes32 gpuId, uint256 issuedAt, uint256 recordedIssuedAt
    );
    /// @notice An attestation claims to be issued after the current block's time.
    error ProviderRegistryAttestationFromFuture(uint256 issuedAt, uint256 nowTime);
    /// @notice A confidential-computing identity is bound to another provider by a live tier-2 attestation.
    error ProviderRegistryGpuBoundElsewhere(bytes32 gpuId, address owner);
    /// @notice The provider has no record of this GPU.
    error ProviderRegistryUnknownGpu(address provider, bytes32 gpuId);
    /// @notice The GPU's attestation has not expired yet, so it may not be pruned.
    error ProviderRegistryGpuNotExpired(bytes32 gpuId, uint256 expiresAt);
    /// @notice An award asked for more GPUs than are free.
    error ProviderRegistryInsufficientCapacity(address provider, bytes32 modelClass, uint256 free, uint256 needed);
    /// @notice A release of more GPUs than are committed.
    error ProviderRegistryReleaseExceedsCommitted(address provider, bytes32 modelClass, uint256 committed, uint256 released);
    /// @notice A count of zero where at least one is needed.
    error ProviderRegistryZeroCount();
    /// @notice A governance parameter outside its hard bounds.
    error ProviderRegistryParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice The staking vault is already wired.
    error ProviderRegistryVaultAlreadySet(address vault);
    /// @notice The job market is already wired.
    error ProviderRegistryMarketAlreadySet(address market);
    /// @notice The slashing manager is already wired.
    error ProviderRegistrySlashingManagerAlreadySet(address slashingManager);
    /// @notice The oracle hub is already wired.
    error ProviderRegistryOracleHubAlreadySet(address oracleHub);
    /// @notice Only the wired SlashingManager jails.
    error ProviderRegistryNotSlashingManager(address caller);
    /// @notice Only the wired OracleHub writes and revokes GPU attestations.
    error ProviderRegistryNotOracleHub(address caller);
    /// @notice The dispute manager is already wired.
    error ProviderRegistryDisputeManagerAlreadySet(address disputeManager);
    /// @notice Only the job market commits and releases capacity.
    error ProviderRegistryNotMarket(address caller);

    // --- events ---

    event ProviderRegistered(address indexed provider, address payout, string metadataURI);
    event MetadataUpdated(address indexed provider, string metadataURI);
    event PayoutUpdated(address indexed provider, address payout);
    event OfferPublished(address indexed provider, bytes32 indexed modelClass, uint256 pricePerGpuHour);
    event OfferWithdrawn(address indexed provider, bytes32 indexed modelClass);
    /// @notice A commission change; an increase takes effect at `effectiveAt`, a decrease at once.
    event CommissionChangeScheduled(address indexed provider, uint256 commissionBps, uint256 effectiveAt);
    event ProviderJailed(address indexed provider, uint256 jailedUntil);
    event ProviderUnjailed(address indexed provider);
    event ProviderExited(address indexed provider);
    event GpuAttested(
        address indexed provider,
        bytes32 indexed gpuId,
        bytes32 indexed modelClass,
        uint8 tier,
        uint32 memoryMiB,
        bytes32 evidenceHash,
        uint40 expiresAt
    );
    event GpuRemoved(address indexed provider, bytes32 indexed gpuId, bytes32 indexed modelClass, bool expired);
    event CapacityCommitted(address indexed provider, bytes32 indexed modelClass, uint256 count, uint256 committed);
    event CapacityReleased(address indexed provider, bytes32 indexed modelClass, uint256 count, uint256 committed);
    event ModelClassSet(bytes32 indexed modelClass, uint8 index, uint96 stakePerGpu, bool enabled);
    event CommissionIncreaseDelaySet(uint256 delay);
    event StakingVaultSet(address vault);
    event JobMarketSet(address market);
    event SlashingManagerSet(address slashingManager);
    event OracleHubSet(address oracleHub);
    event DisputeManagerSet(address disputeManager);

    // --- provider actions ---

    /// @notice Registers the caller as a provider's operator. Not while paused.
    /// @param metadataURI Off-chain description, at most MAX_METADATA_LENGTH bytes.
    /// @param payout Receives the provider's rewards; not zero.
    function register(string calldata metadataURI, address payout) external;

    /// @notice Replaces the caller's metadata URI.
    function setMetadataURI(string calldata metadataURI) external;

    /// @notice Replaces the caller's payout address.
    function setPayout(address payout) external;

    /// @notice Publishes or reprices the caller's offer for a model class. Active providers only; not while paused.
    function setOffer(bytes32 modelClass, uint128 pricePerGpuHour) external;

    /// @notice Withdraws the caller's offer for a model class.
    function withdrawOffer(bytes32 modelClass) external;

    /// @notice Sets the caller's commission: a decrease applies at once, an increase after the delay, so
    /// delegators can leave first.
    function setCommission(uint16 commissionBps) external;

    /// @notice Leaves the protocol for good. Needs no GPUs committed to leases. Stake stays in the vault until
    /// withdrawn through its unbonding path.
    function exit() external;

    /// @notice Ends the caller's jail after its cooldown, when its stake covers its attested GPUs again.
    function unjail() external;

    // --- protocol roles ---

    /// @notice Jails a provider until `until` (or later if already jailed longer). Only the wired SlashingManager
    /// (an address check, no AccessManager role: governance cannot grant itself the power).
    function jail(address provider, uint40 until) external;

    /// @notice Records an oracle-verified attestation. Only the wired OracleHub (an address check, no role: the
    /// oracle set changes only through the hub's own delayed `proposeOracleSet`). Only one issued strictly later
    /// than the GPU's current (or last removed) record is accepted, and none issued after the block's time.
    /// @dev Tier-2 attestations bind the GPU identity to one provider while live; lower tiers never bind.
    function recordAttestation(GpuAttestation calldata attestation) external;

    /// @notice Removes a provider's GPU at once (failed challenge, attestation mismatch). Only the wired OracleHub.
    function revokeGpu(address provider, bytes32 gpuId) external;

    /// @notice Removes expired GPUs from the capacity counts. Anyone.
    function pruneExpired(address provider, bytes32[] calldata gpuIds) external;

    /// @notice Commits `count` free GPUs of a class to a lease. The job market only.
    function commitCapacity(address provider, bytes32 modelClass, uint32 count) external;

    /// @notice Releases `count` committed GPUs when a lease ends or is cancelled. The job market only.
    /// @return stake The stake those GPUs needed when committed (the exposure they release): their share of the
    /// class's committed stake, rounded down; the last release takes what is left.
    function releaseCapacity(address provider, bytes32 modelClass, uint32 count) external returns (uint256 stake);

    // --- governance ---

    /// @notice Adds or updates a model class. Governance.
    function setModelClass(bytes32 modelClass, uint96 stakePerGpu, bool enabled) external;

    /// @notice Sets the delay before a commission increase takes effect. Governance.
    function setCommissionIncreaseDelay(uint40 delay) external;

    /// @notice Wires the staking vault, once. Governance (the deployment).
    function setStakingVault(address vault) external;

    /// @notice Wires the job market, once. Governance (the deployment). The market's capacity and exposure hooks
    /// are on its hot path, so they check this address instead of an AccessManager role (~13,000 gas each).
    function setJobMarket(address market) external;

    /// @notice Wires the SlashingManager, once. Governance (the deployment). Its hot path (`execute`) jails here
    /// and slashes in the vault, and both check this address instead of an AccessManager role.
    function setSlashingManager(address slashingManager) external;

    /// @notice Wires the OracleHub, once. Governance (the deployment). Only it writes and revokes GPU attestations.
    /// Once the vault and the hub are both wired, the vault's unbonding period must outlast the hub's late window
    /// for fault reports (ProviderRegistryUnbondingBelowLateReport).
    function setOracleHub(address oracleHub) external;
    /// @notice Wires the DisputeManager, once. Governance (the deployment). Read by the setters of the windows that
    /// can still lead to a slash after a lease ends (ExposureWindows), which must find each other's windows.
    function setDisputeManager(address disputeManager) external;

    /// @notice Pauses new activity (registration, offers). Guardian.
    function pause() external;

    /// @notice Resumes new activity. Guardian.
    function unpause() external;

    // --- views ---

    function getProvider(address provider) external view returns (Provider memory);
    function statusOf(address provider) external view returns (ProviderStatus);
    function isActive(address provider) external view returns (bool);
    /// @notice The commission in force now (a pending increase counts once its time has come).
    function commissionOf(address provider) external view returns (uint16);
    function payoutOf(address provider) external view returns (address);
    function getOffer(address provider, bytes32 modelClass) external view returns (Offer memory);
    function getModelClass(bytes32 modelClass) external view returns (ModelClass memory);
    function modelClassIds() external view returns (bytes32[] memory);
    /// @notice The model class id with bit index `index` (reverts past the last class).
    function modelClassAt(uint256 index) external view returns (bytes32);
    function getCapacity(address provider, bytes32 modelClass) external view returns (Capacity memory);
    /// @notice GPUs of the class not committed to leases (0 when more are committed than attested).
    function freeCapacity(address provider, bytes32 modelClass) external view returns (uint256);
    function getGpu(address provider, bytes32 gpuId) external view returns (Gpu memory);
    /// @notice The stake per GPU of the model class of the provider's recorded GPU, or zero if it has no such GPU
    /// (one call and two reads, for the SlashingManager's fault amounts).
    function gpuStakePerGpu(address provider, bytes32 gpuId) external view returns (uint256);
    /// @notice The provider a live tier-2 attestation binds the GPU identity to, or zero (also once it exited).
    function gpuOwner(bytes32 gpuId) external view returns (address);
    /// @notice CNDR stake the provider needs for its attested GPUs (sum over classes of count x stakePerGpu).
    function requiredStake(address provider) external view returns (uint256);
    /// @notice Everything an award checks, in one call: the provider's status, the stake its attested GPUs need,
    /// and its free GPUs of `modelClass` (0 if the class is disabled).
    function eligibility(address provider, bytes32 modelClass)
        external
        view
        returns (ProviderStatus status, uint256 required, uint256 free);
    function commissionIncreaseDelay() external view returns (uint40);
    function stakingVault() external view returns (address);
    function jobMarket() external view returns (address);
    /// @notice The wired SlashingManager (zero until wired).
    function slashingManager() external view returns (address);
    /// @notice The wired OracleHub (zero until wired).
    function oracleHub() external view returns (address);
    /// @notice The wired DisputeManager (zero until wired).
    function disputeManager() external view returns (address);
}
