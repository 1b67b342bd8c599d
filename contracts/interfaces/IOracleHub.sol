// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOracleHub
/// @notice Verifies reports signed by the oracle quorum and keeps what other contracts need of them: one Merkle
/// root per epoch (per-lease uptime and per-provider heartbeat leaves), and the ids of accepted GPU attestations,
/// fault reports and job verdicts. GPU attestations are forwarded to the ProviderRegistry.
/// @dev EIP-712 domain: name "CinderOracle", version "1", the chain id, verifyingContract = this hub. Every report
/// carries the config digest of the oracle set it was signed under; a report id is the report's EIP-712 digest.
/// Signatures are 65-byte (r, s, v) ECDSA signatures over that digest, with s in the lower half order.
///
/// Assumptions:
/// - Fewer than a third of the oracle set (at most f of n >= 3f + 1) is faulty or colluding: any 2f + 1
///   signatures then include f + 1 honest nodes, and f nodes can never reach the threshold alone.
/// - Governance's oracle-set changes wait SET_CHANGE_DELAY (7 days by default on public networks) after
///   governance's own timelock, so participants can exit before a new set signs anything.
/// - Anyone may submit a signed report; there is no pause (the guardian may never stop report submission).
interface IOracleHub {
    /// @notice Objective fault kinds an oracle fault report may carry (0 is invalid).
    enum FaultType {
        Invalid,
        /// A GPU failed a challenge (matrix product or memory).
        FailedGpuChallenge,
        /// A GPU's live evidence contradicts its attestation.
        AttestationMismatch,
        /// One confidential-computing GPU identity claimed by two providers.
        DuplicateGpuIdentity,
        /// Heartbeats missed past the threshold.
        MissedHeartbeats
    }

    /// @notice A job verdict's outcome (0 is invalid). A quorum that cannot decide (a non-deterministic workload
    /// whose samples are inconclusive, a spec it cannot run) signs `Abstained`, which hands the dispute to the
    /// arbitrator at once; a quorum that signs nothing leaves it to the arbitrator after the verdict window.
    enum Outcome {
        Invalid,
        /// The provider's result stands.
        ProviderUpheld,
        /// The client's dispute stands.
        ClientUpheld,
        /// The quorum abstains: the arbitrator decides.
        Abstained
    }

    /// @notice An epoch's report: the Merkle root of its leaves.
    /// EIP-712: `EpochReport(bytes32 configDigest,uint64 epoch,bytes32 root,uint32 leafCount,bytes32 contentHash)`.
    /// @param configDigest The oracle set's config digest the report was signed under.
    /// @param epoch The ended epoch reported (`block.timestamp / EPOCH_LENGTH` during it).
    /// @param root The Merkle root of the epoch's leaves (sorted-pair tree, double-hashed leaves); not zero.
    /// @param leafCount How many leaves the tree has; not zero.
    /// @param contentHash keccak256 of the published canonical leaf file.
    struct EpochReport {
        bytes32 configDigest;
        uint64 epoch;
        bytes32 root;
        uint32 leafCount;
        bytes32 contentHash;
    }

    /// @notice An oracle-verified attestation of one GPU, forwarded to `ProviderRegistry.recordAttestation`.
    /// EIP-712: `GpuAttestation(bytes32 configDigest,address provider,bytes32 gpuId,bytes32 modelClass,
    /// uint32 memoryMiB,uint8 tier,bytes32 evidenceHash,uint40 issuedAt,uint40 expiresAt)`.
    /// @param issuedAt When the quorum issued it (nodes sign the start of their attestation round, so they sign the
    /// same bytes). Report ids alone only stop the same attestation twice; the registry records a GPU's attestations
    /// in issue order only, so a held-back older one can never overwrite a newer record.
    struct GpuAttestation {
        bytes32 configDigest;
        address provider;
        bytes32 gpuId;
        bytes32 modelClass;
        uint32 memoryMiB;
        uint8 tier;
        bytes32 evidenceHash;
        uint40 issuedAt;
        uint40 expiresAt;
    }

    /// @notice An objective fault of a provider.
    /// EIP-712: `FaultReport(bytes32 configDigest,address provider,uint8 faultType,bytes32 subject,uint64 epoch,
    /// bytes32 evidenceHash)`.
    /// @param faultType A `FaultType` from 1 to 4.
    /// @param subject What the fault is about (a GPU id, a lease id as bytes32, ...), per fault type.
    /// @param epoch The epoch the fault was observed in.
    struct FaultReport {
        bytes32 configDigest;
        address provider;
        uint8 faultType;
        bytes32 subject;
        uint64 epoch;
        bytes32 evidenceHash;
    }

    /// @notice The quorum's verdict on a disputed job.
    /// EIP-712: `JobVerdict(bytes32 configDigest,uint256 leaseId,bytes32 resultHash,uint8 outcome,uint256 toProvider)`.
    /// @param outcome An `Outcome` from 1 to 3 (3: the quorum abstains; `toProvider` is then ignored).
    /// @param toProvider What the provider should receive of the disputed amount (applied by the dispute path).
    struct JobVerdict {
        bytes32 configDigest;
        uint256 leaseId;
        bytes32 resultHash;
        uint8 outcome;
        uint256 toProvider;
    }

    /// @notice Deployment parameters, each within hard bounds.
    /// @param epochLength Seconds per epoch: the same value the EmissionController uses.
    /// @param setChangeDelay Seconds between an oracle-set proposal and the earliest apply.
    /// @param lateWindowEpochs How many ended epochs back a report is still accepted (1 = only the last one).
    /// @param silenceEpochs After this many ended epochs without a report, the oracle counts as silent.
    struct Params {
        uint256 epochLength;
        uint256 setChangeDelay;
        uint256 lateWindowEpochs;
        uint256 silenceEpochs;
    }

    // --- errors: signatures ---

    /// @notice The report was signed under another oracle set (or a stale version of this one).
    error OracleHubConfigDigestMismatch(bytes32 given, bytes32 current);
    /// @notice Fewer signatures than the threshold.
    error OracleHubBelowThreshold(uint256 valid, uint256 threshold);
    /// @notice Signature `index` is not 65 bytes long.
    error OracleHubSignatureLength(uint256 index, uint256 length);
    /// @notice Signature `index` has an s in the upper half order (a malleable twin of a valid signature).
    error OracleHubSignatureMalleable(uint256 index, bytes32 s);
    /// @notice Signature `index` recovers to no address (bad v or r).
    error OracleHubSignatureInvalid(uint256 index);
    /// @notice A signature recovers to an address outside the current oracle set.
    error OracleHubSignerNotInSet(address signer);
    /// @notice Two signatures of the same signer.
    error OracleHubDuplicateSigner(address signer);

    // --- errors: reports ---

    /// @notice The epoch has not ended yet.
    error OracleHubEpochNotEnded(uint64 epoch, uint64 current);
    /// @notice A fault report about an epoch that has not started yet.
    error OracleHubEpochNotStarted(uint64 epoch, uint64 current);
    /// @notice The epoch is older than the late window.
    error OracleHubEpochTooOld(uint64 epoch, uint64 oldestAccepted);
    /// @notice The epoch already has a report.
    error OracleHubEpochAlreadyReported(uint64 epoch);
    /// @notice An epoch report with a zero root or no leaves.
    error OracleHubEmptyReport(bytes32 root, uint32 leafCount);
    /// @notice This attestation, fault report or verdict was accepted before.
    error OracleHubReportAlreadyAccepted(bytes32 reportId);
    /// @notice A fault type outside 1..4.
    error OracleHubInvalidFaultType(uint8 faultType);
    /// @notice A verdict outcome outside 1..3.
    error OracleHubInvalidOutcome(uint8 outcome);

    // --- errors: oracle set and parameters ---

    /// @notice An oracle set larger than MAX_SIGNERS (the duplicate bitmap has one bit per member).
    error OracleHubSetTooLarge(uint256 size, uint256 max);
    /// @notice An oracle set smaller than MIN_SIGNERS (below it f = 0 and one node signs alone).
    error OracleHubSetTooSmall(uint256 size, uint256 min);
    /// @notice A threshold other than 2f + 1 with f = (n - 1) / 3 (so n >= 3f + 1 and any quorum is mostly honest).
    error OracleHubInvalidThreshold(uint256 size, uint256 threshold, uint256 required);
    /// @notice A zero address in an oracle set.
    error OracleHubZeroSigner(uint256 index);
    /// @notice The same address twice in an oracle set.
    error OracleHubDuplicateSetMember(address signer);
    /// @notice No oracle-set change is pending.
    error OracleHubNoPendingSet();
    /// @notice The pending oracle set's delay has not passed.
    error OracleHubSetChangeNotReady(uint256 effectiveAt, uint256 nowTime);
    /// @notice A deployment parameter outside its hard bounds.
    error OracleHubParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice An address argument is zero.
    error OracleHubZeroAddress(string name);

    // --- events ---

    /// @notice An epoch's root was accepted.
    event EpochReported(
        uint64 indexed epoch,
        bytes32 root,
        uint32 leafCount,
        bytes32 contentHash,
        bytes32 configDigest,
        address submitter
    );
    /// @notice A GPU attestation was accepted and written to the registry (which emits `GpuAttested` with its data).
    event GpuAttestationAccepted(
        bytes32 indexed reportId,
        address indexed provider,
        bytes32 indexed gpuId,
        bytes32 configDigest,
        address submitter
    );
    /// @notice A fault report was accepted; the SlashingManager acts on it by its id.
    event FaultReportAccepted(
        bytes32 indexed reportId,
        address indexed provider,
        uint8 indexed faultType,
        bytes32 subject,
        uint64 epoch,
        bytes32 evidenceHash,
        bytes32 configDigest,
        address submitter
    );
    /// @notice A job verdict was accepted; the dispute path acts on it by its id.
    event JobVerdictAccepted(
        bytes32 indexed reportId,
        uint256 indexed leaseId,
        bytes32 resultHash,
        uint8 outcome,
        uint256 toProvider,
        bytes32 configDigest,
        address submitter
    );
    /// @notice Governance proposed a new oracle set, applicable from `effectiveAt`.
    event OracleSetProposed(address[] signers, uint8 threshold, uint256 effectiveAt);
    /// @notice The pending proposal was withdrawn.
    event OracleSetCancelled();
    /// @notice An oracle set took effect (the constructor's set is version 1); older signatures are dead.
    event OracleSetApplied(uint32 indexed version, address[] signers, uint8 threshold, bytes32 configDigest);

    // --- reports (anyone) ---

    /// @notice Accepts an ended epoch's root, once per epoch, within the late window. Anyone.
    /// @dev A later epoch's report never closes an earlier one: each ended epoch in the window stays reportable.
    /// Only the root is stored; the leaf count and content hash are in the event.
    function submitEpochReport(EpochReport calldata report, bytes[] calldata signatures) external;

    /// @notice Accepts a GPU attestation once per report id and records it in the ProviderRegistry (whose errors
    /// bubble up: unknown provider or model class, bad tier or expiry, a bound identity). Anyone.
    function submitGpuAttestation(GpuAttestation calldata attestation, bytes[] calldata signatures) external;

    /// @notice Accepts a fault report once per report id, only about an epoch that has started and is within the late
    /// window (`oldestAcceptedEpoch()`), like an epoch report, so a finite exposure tail covers its slash. Anyone.
    function submitFaultReport(FaultReport calldata report, bytes[] calldata signatures) external;

    /// @notice Accepts a job verdict (outcome 1 to 3: provider upheld, client upheld, abstained) once per report id.
    /// Anyone. The DisputeManager applies it by its id.
    function submitJobVerdict(JobVerdict calldata verdict, bytes[] calldata signatures) external;

    // --- oracle set ---

    /// @notice Proposes a new oracle set (replacing any pending one), applicable after SET_CHANGE_DELAY. Its
    /// threshold is 2f + 1 with f = (n - 1) / 3. Governance.
    function proposeOracleSet(address[] calldata signers) external;

    /// @notice Withdraws the pending oracle set. Governance.
    function cancelOracleSet() external;

    /// @notice Applies the pending oracle set once its delay has passed: the version increments and the config
    /// digest changes, so every signature under the old digest is dead. Anyone.
    function applyOracleSet() external;

    // --- views ---

    /// @notice keccak256(abi.encode(block.chainid, address(this), version, signers, threshold)) of the current set,
    /// with `version` a uint32, `signers` an address[] and `threshold` a uint8.
    function configDigest() external view returns (bytes32);
    function oracleSet() external view returns (address[] memory signers, uint8 threshold, uint32 version);
    /// @notice The pending set and when it may be applied (an empty list and 0 when none).
    function pendingOracleSet() external view returns (address[] memory signers, uint256 effectiveAt);
    /// @notice `block.timestamp / EPOCH_LENGTH`.
    function currentEpoch() external view returns (uint64);
    /// @notice The oldest epoch a report is accepted for now.
    function oldestAcceptedEpoch() external view returns (uint64);
    /// @notice The latest epoch with a report (0 when none; see `hasReport`).
    function lastReportedEpoch() external view returns (uint64);
    /// @notice The end of the time the oracle has covered, as a timestamp: `max(lastReportedEpoch + 1,
    /// oldestAcceptedEpoch) * EPOCH_LENGTH` (`oldestAcceptedEpoch * EPOCH_LENGTH` before any report). Every epoch
    /// ending by then has its report, or can no longer get one (older than the late window), or is a hole below the
    /// latest report that a late report may still fill. Never decreases. One read of the hub's state slot: the
    /// JobMarket holds an SLA lease's stream from this time on.
    function coveredUntil() external view returns (uint256);
    function hasReport(uint64 epoch) external view returns (bool);
    /// @notice The epoch's root (zero when unreported).
    function epochRoot(uint64 epoch) external view returns (bytes32);
    /// @notice Whether SILENCE_EPOCHS ended epochs passed since the latest reported epoch (or since deployment when
    /// none was reported): SLA settlement then skips those epochs and no liveness fault can be raised.
    function isSilent() external view returns (bool);
    /// @notice Whether an attestation, fault report or verdict with this id was accepted.
    function isAccepted(bytes32 reportId) external view returns (bool);

    /// @notice Whether `proof` proves the uptime leaf `abi.encode(uint8 1, leaseId, epoch, secondsUp,
    /// secondsObserved)` (double keccak256) under the epoch's root; false for an unreported epoch.
    function verifyUptime(
        uint256 leaseId,
        uint64 epoch,
        uint32 secondsUp,
        uint32 secondsObserved,
        bytes32[] calldata proof
    ) external view returns (bool);
    /// @notice Whether `proof` proves the heartbeat leaf `abi.encode(uint8 2, provider, epoch, answered, sent)`
    /// (double keccak256) under the epoch's root; false for an unreported epoch.
    function verifyHeartbeat(
        address provider,
        uint64 epoch,
        uint32 answered,
        uint32 sent,
        bytes32[] calldata proof
    ) external view returns (bool);
    /// @notice Whether `proof` proves the leaf hash under the epoch's root (OpenZeppelin MerkleProof, sorted
    /// pairs); false for an unreported epoch.
    function verifyLeaf(uint64 epoch, bytes32 leafHash, bytes32[] calldata proof) external view returns (bool);

    /// @notice The EIP-712 digest (the report id) of each report type.
    function hashEpochReport(EpochReport calldata report) external view returns (bytes32);
    function hashGpuAttestation(GpuAttestation calldata attestation) external view returns (bytes32);
    function hashFaultReport(FaultReport calldata report) external view returns (bytes32);
    function hashJobVerdict(JobVerdict calldata verdict) external view returns (bytes32);

    /// @notice The EIP-712 type hashes.
    function EPOCH_REPORT_TYPEHASH() external view returns (bytes32);
    function GPU_ATTESTATION_TYPEHASH() external view returns (bytes32);
    function FAULT_REPORT_TYPEHASH() external view returns (bytes32);
    function JOB_VERDICT_TYPEHASH() external view returns (bytes32);

    function EPOCH_LENGTH() external view returns (uint256);
    function SET_CHANGE_DELAY() external view returns (uint256);
    function LATE_WINDOW_EPOCHS() external view returns (uint256);
    function SILENCE_EPOCHS() external view returns (uint256);
    /// @notice The registry attestations are written to.
    function REGISTRY() external view returns (address);
}
