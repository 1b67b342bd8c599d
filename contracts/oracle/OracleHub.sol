// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {OracleLeaves} from "../libraries/OracleLeaves.sol";
import {OracleQuorum} from "../libraries/OracleQuorum.sol";

/// @title OracleHub
/// @notice Verifies the oracle quorum's EIP-712 reports: epoch roots, GPU attestations (forwarded to the
/// ProviderRegistry), fault reports and job verdicts.
/// @dev Assumptions:
/// - At most f of the n >= 3f + 1 oracle nodes are faulty; threshold 2f + 1 (see IOracleHub).
/// - The AccessManager maps `proposeOracleSet`/`cancelOracleSet` to governance, and this hub is the registry's
///   wired OracleHub (`setOracleHub`, once; no AccessManager role writes attestations); nothing here is pausable.
/// - EPOCH_LENGTH equals the EmissionController's, so both count the same epochs.
/// Replay: the domain binds chain id and hub address; the config digest binds the set version; epoch reports are
/// once per epoch, other reports once per id (their EIP-712 digest). Order: an epoch's root is never replaced;
/// a GPU attestation carries its issue time and the registry only moves a GPU's record forward in it; fault
/// reports and verdicts replace nothing (each fault is its own slash case; a dispute takes the first verdict
/// that decides it, once).
contract OracleHub is AccessManaged, EIP712, IOracleHub {
    /// @notice Bounds on the deployment parameters.
    uint256 public constant MAX_EPOCH_LENGTH = 30 days;
    /// @notice A local network may use a short set-change delay; public networks use 7 days.
    uint256 public constant MIN_SET_CHANGE_DELAY = 60;
    uint256 public constant MAX_SET_CHANGE_DELAY = 30 days;
    uint256 public constant MAX_WINDOW_EPOCHS = 720;
    /// @notice Oracle-set size bounds (see OracleQuorum).
    uint256 public constant MAX_SIGNERS = OracleQuorum.MAX_SIGNERS;
    uint256 public constant MIN_SIGNERS = OracleQuorum.MIN_SIGNERS;

    /// @inheritdoc IOracleHub
    bytes32 public constant EPOCH_REPORT_TYPEHASH =
        keccak256("EpochReport(bytes32 configDigest,uint64 epoch,bytes32 root,uint32 leafCount,bytes32 contentHash)");
    /// @inheritdoc IOracleHub
    bytes32 public constant GPU_ATTESTATION_TYPEHASH = keccak256(
        "GpuAttestation(bytes32 configDigest,address provider,bytes32 gpuId,bytes32 modelClass,uint32 memoryMiB,"
        "uint8 tier,bytes32 evidenceHash,uint40 issuedAt,uint40 expiresAt)"
    );
    /// @inheritdoc IOracleHub
    bytes32 public constant FAULT_REPORT_TYPEHASH = keccak256(
        "FaultReport(bytes32 configDigest,address provider,uint8 faultType,bytes32 subject,uint64 epoch,"
        "bytes32 evidenceHash)"
    );
    /// @inheritdoc IOracleHub
    bytes32 public constant JOB_VERDICT_TYPEHASH = keccak256(
        "JobVerdict(bytes32 configDigest,uint256 leaseId,bytes32 resultHash,uint8 outcome,uint256 toProvider)"
    );

    /// @inheritdoc IOracleHub
    uint256 public immutable EPOCH_LENGTH;
    /// @inheritdoc IOracleHub
    uint256 public immutable SET_CHANGE_DELAY;
    /// @inheritdoc IOracleHub
    uint256 public immutable LATE_WINDOW_EPOCHS;
    /// @inheritdoc IOracleHub
    uint256 public immutable SILENCE_EPOCHS;
    /// @notice The epoch the hub was deployed in: silence counts from it until the first report.
    uint64 public immutable DEPLOY_EPOCH;
    IProviderRegistry private immutable _REGISTRY;

    /// @dev One slot, read by every report: the current set's data contract (digest and members, see
    /// OracleQuorum), the latest reported epoch plus one (0: none yet), and the set's version.
    struct State {
        address set;
        uint64 lastReportedPlusOne;
        uint32 version;
    }

    /// @dev A proposed set (its data contract already holds the digest of version + 1) and when it may apply.
    struct Pending {
        address set;
        uint40 effectiveAt;
    }

    State private _state;
    Pending private _pending;
    mapping(uint64 epoch => bytes32 root) private _roots;
    mapping(bytes32 reportId => bool) private _accepted;

    /// @param authority The AccessManager.
    /// @param registry The ProviderRegistry attestations are written to (it must wire this hub once, `setOracleHub`).
    /// @param initialSigners The version-1 oracle set; its threshold is 2f + 1.
    /// @param params Epoch length, set-change delay, late window and silence, each within bounds.
    constructor(address authority, IProviderRegistry registry, address[] memory initialSigners, Params memory params)
        AccessManaged(authority)
        EIP712("CinderOracle", "1")
    {
        require(address(registry) != address(0), OracleHubZeroAddress("registry"));
        _checkBounds("epochLength", params.epochLength, 1, MAX_EPOCH_LENGTH);
        _checkBounds("setChangeDelay", params.setChangeDelay, MIN_SET_CHANGE_DELAY, MAX_SET_CHANGE_DELAY);
        _checkBounds("lateWindowEpochs", params.lateWindowEpochs, 1, MAX_WINDOW_EPOCHS);
        _checkBounds("silenceEpochs", params.silenceEpochs, 1, MAX_WINDOW_EPOCHS);
        _REGISTRY = registry;
        EPOCH_LENGTH = params.epochLength;
        SET_CHANGE_DELAY = params.setChangeDelay;
        LATE_WINDOW_EPOCHS = params.lateWindowEpochs;
        SILENCE_EPOCHS = params.silenceEpochs;
        DEPLOY_EPOCH = uint64(block.timestamp / params.epochLength);
        (address set, uint8 threshold, bytes32 digest) = _storeSet(initialSigners, 1);
        _state = State({set: set, lastReportedPlusOne: 0, version: 1});
        emit OracleSetApplied(1, initialSigners, threshold, digest);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reports
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function submitEpochReport(EpochReport calldata report, bytes[] calldata signatures) external {
        uint64 epoch = report.epoch;
        uint64 current = currentEpoch();
        require(epoch < current, OracleHubEpochNotEnded(epoch, current));
        uint64 oldest = _oldestAccepted(current);
        require(epoch >= oldest, OracleHubEpochTooOld(epoch, oldest));
        require(_roots[epoch] == 0, OracleHubEpochAlreadyReported(epoch));
        require(report.root != 0 && report.leafCount != 0, OracleHubEmptyReport(report.root, report.leafCount));
        State memory s = _state;
        OracleQuorum.verify(s.set, report.configDigest, hashEpochReport(report), signatures);
        _roots[epoch] = report.root;
        // A late report for an older epoch leaves the latest one in place. epoch < current, so + 1 cannot overflow.
        if (epoch >= s.lastReportedPlusOne) _state.lastReportedPlusOne = epoch + 1;
        emit EpochReported(epoch, report.root, report.leafCount, report.contentHash, report.configDigest, msg.sender);
    }

    /// @inheritdoc IOracleHub
    function submitGpuAttestation(GpuAttestation calldata a, bytes[] calldata signatures) external {
        bytes32 id = hashGpuAttestation(a);
        _acceptOnce(id, a.configDigest, signatures);
        _REGISTRY.recordAttestation(
            IProviderRegistry.GpuAttestation({
                provider: a.provider,
                gpuId: a.gpuId,
                modelClass: a.modelClass,
                memoryMiB: a.memoryMiB,
                tier: a.tier,
                evidenceHash: a.evidenceHash,
                issuedAt: a.issuedAt,
                expiresAt: a.expiresAt
            })
        );
        emit GpuAttestationAccepted(id, a.provider, a.gpuId, a.configDigest, msg.sender);
    }

    /// @inheritdoc IOracleHub
    function submitFaultReport(FaultReport calldata report, bytes[] calldata signatures) external {
        uint8 faultType = report.faultType;
        require(
            faultType > uint8(FaultType.Invalid) && faultType <= uint8(FaultType.MissedHeartbeats),
            OracleHubInvalidFaultType(faultType)
        );
        // Within the late window of its epoch (DESIGN "Windows"), so a finite exposure tail covers the slash.
        uint64 epoch = report.epoch;
        uint64 current = currentEpoch();
        require(epoch <= current, OracleHubEpochNotStarted(epoch, current));
        uint64 oldest = _oldestAccepted(current);
        require(epoch >= oldest, OracleHubEpochTooOld(epoch, oldest));
        bytes32 id = hashFaultReport(report);
        _acceptOnce(id, report.configDigest, signatures);
        emit FaultReportAccepted(
            id,
            report.provider,
            faultType,
            report.subject,
            report.epoch,
            report.evidenceHash,
            report.configDigest,
            msg.sender
        );
    }

    /// @inheritdoc IOracleHub
    function submitJobVerdict(JobVerdict calldata verdict, bytes[] calldata signatures) external {
        uint8 outcome = verdict.outcome;
        require(
            outcome > uint8(Outcome.Invalid) && outcome <= uint8(Outcome.Abstained),
            OracleHubInvalidOutcome(outcome)
        );
        bytes32 id = hashJobVerdict(verdict);
        _acceptOnce(id, verdict.configDigest, signatures);
        emit JobVerdictAccepted(
            id,
            verdict.leaseId,
            verdict.resultHash,
            outcome,
            verdict.toProvider,
            verdict.configDigest,
            msg.sender
        );
    }

    // ------------------------------------------------------------------------------------------------------------
    // Oracle set
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function proposeOracleSet(address[] calldata signers) external restricted {
        // Only `applyOracleSet` changes the version, and it consumes the one pending proposal: the proposed set will
        // apply as version + 1, so its digest is fixed now.
        (address set, uint8 threshold,) = _storeSet(signers, _state.version + 1);
        uint256 effectiveAt = block.timestamp + SET_CHANGE_DELAY;
        _pending = Pending({set: set, effectiveAt: uint40(effectiveAt)});
        emit OracleSetProposed(signers, threshold, effectiveAt);
    }

    /// @inheritdoc IOracleHub
    function cancelOracleSet() external restricted {
        require(_pending.set != address(0), OracleHubNoPendingSet());
        delete _pending;
        emit OracleSetCancelled();
    }

    /// @inheritdoc IOracleHub
    function applyOracleSet() external {
        Pending memory p = _pending;
        require(p.set != address(0), OracleHubNoPendingSet());
        require(block.timestamp >= p.effectiveAt, OracleHubSetChangeNotReady(p.effectiveAt, block.timestamp));
        uint32 version = _state.version + 1;
        _state.set = p.set;
        _state.version = version;
        delete _pending;
        (bytes32 digest, address[] memory signers) = OracleQuorum.load(p.set);
        emit OracleSetApplied(version, signers, uint8(OracleQuorum.thresholdOf(signers.length)), digest);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function configDigest() external view returns (bytes32 digest) {
        (digest,) = OracleQuorum.load(_state.set);
    }

    /// @inheritdoc IOracleHub
    function oracleSet() external view returns (address[] memory signers, uint8 threshold, uint32 version) {
        State memory s = _state;
        (, signers) = OracleQuorum.load(s.set);
        return (signers, uint8(OracleQuorum.thresholdOf(signers.length)), s.version);
    }

    /// @inheritdoc IOracleHub
    function pendingOracleSet() external view returns (address[] memory signers, uint256 effectiveAt) {
        Pending memory p = _pending;
        if (p.set == address(0)) return (new address[](0), 0);
        (, signers) = OracleQuorum.load(p.set);
        return (signers, p.effectiveAt);
    }

    /// @inheritdoc IOracleHub
    function currentEpoch() public view returns (uint64) {
        return uint64(block.timestamp / EPOCH_LENGTH);
    }

    /// @inheritdoc IOracleHub
    function oldestAcceptedEpoch() external view returns (uint64) {
        return _oldestAccepted(currentEpoch());
    }

    /// @inheritdoc IOracleHub
    function lastReportedEpoch() external view returns (uint64) {
        uint64 plusOne = _state.lastReportedPlusOne;
        return plusOne == 0 ? 0 : plusOne - 1;
    }

    /// @inheritdoc IOracleHub
    function coveredUntil() external view returns (uint256) {
        uint256 reported = _state.lastReportedPlusOne;
        uint256 oldest = _oldestAccepted(currentEpoch());
        // Epochs are below 2^64 and EPOCH_LENGTH at most 30 days: the product fits easily.
        return (reported > oldest ? reported : oldest) * EPOCH_LENGTH;
    }

    /// @inheritdoc IOracleHub
    function hasReport(uint64 epoch) external view returns (bool) {
        return _roots[epoch] != 0;
    }

    /// @inheritdoc IOracleHub
    function epochRoot(uint64 epoch) external view returns (bytes32) {
        return _roots[epoch];
    }

    /// @inheritdoc IOracleHub
    function isSilent() external view returns (bool) {
        uint64 plusOne = _state.lastReportedPlusOne;
        // The first epoch no report covers: the one after the latest reported, or the deployment's.
        uint256 uncovered = plusOne == 0 ? DEPLOY_EPOCH : plusOne;
        uint256 current = currentEpoch();
        // Ended epochs since then: [uncovered, current - 1]. A late report on an old epoch never lowers `uncovered`.
        return current > uncovered && current - uncovered >= SILENCE_EPOCHS;
    }

    /// @inheritdoc IOracleHub
    function isAccepted(bytes32 reportId) external view returns (bool) {
        return _accepted[reportId];
    }

    /// @inheritdoc IOracleHub
    function verifyUptime(
        uint256 leaseId,
        uint64 epoch,
        uint32 secondsUp,
        uint32 secondsObserved,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return _verifyLeaf(epoch, OracleLeaves.uptime(leaseId, epoch, secondsUp, secondsObserved), proof);
    }

    /// @inheritdoc IOracleHub
    function verifyHeartbeat(address provider, uint64 epoch, uint32 answered, uint32 sent, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        return _verifyLeaf(epoch, OracleLeaves.heartbeat(provider, epoch, answered, sent), proof);
    }

    /// @inheritdoc IOracleHub
    function verifyLeaf(uint64 epoch, bytes32 leafHash, bytes32[] calldata proof) external view returns (bool) {
        return _verifyLeaf(epoch, leafHash, proof);
    }

    /// @inheritdoc IOracleHub
    function hashEpochReport(EpochReport calldata r) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(EPOCH_REPORT_TYPEHASH, r.configDigest, r.epoch, r.root, r.leafCount, r.contentHash))
        );
    }

    /// @inheritdoc IOracleHub
    function hashGpuAttestation(GpuAttestation calldata a) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    GPU_ATTESTATION_TYPEHASH,
                    a.configDigest,
                    a.provider,
                    a.gpuId,
                    a.modelClass,
                    a.memoryMiB,
                    a.tier,
                    a.evidenceHash,
                    a.issuedAt,
                    a.expiresAt
                )
            )
        );
    }

    /// @inheritdoc IOracleHub
    function hashFaultReport(FaultReport calldata r) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    FAULT_REPORT_TYPEHASH, r.configDigest, r.provider, r.faultType, r.subject, r.epoch, r.evidenceHash
                )
            )
        );
    }

    /// @inheritdoc IOracleHub
    function hashJobVerdict(JobVerdict calldata v) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(JOB_VERDICT_TYPEHASH, v.configDigest, v.leaseId, v.resultHash, v.outcome, v.toProvider))
        );
    }

    /// @inheritdoc IOracleHub
    // solhint-disable-next-line func-name-mixedcase
    function REGISTRY() external view returns (address) {
        return address(_REGISTRY);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Verifies the quorum under the current set and marks the report id accepted, once.
    function _acceptOnce(bytes32 id, bytes32 givenConfigDigest, bytes[] calldata signatures) private {
        require(!_accepted[id], OracleHubReportAlreadyAccepted(id));
        OracleQuorum.verify(_state.set, givenConfigDigest, id, signatures);
        _accepted[id] = true;
    }

    /// @dev Checks a set, computes its digest for `version` and writes both into a new data contract.
    function _storeSet(address[] memory signers, uint32 version)
        private
        returns (address set, uint8 threshold, bytes32 digest)
    {
        // checkSet bounds n to 31 first, so the threshold (at most 21) fits a uint8.
        uint256 required = signers.length == 0 ? 0 : OracleQuorum.thresholdOf(signers.length);
        OracleQuorum.checkSet(signers, required);
        threshold = uint8(required);
        digest = OracleQuorum.digestOf(block.chainid, address(this), version, signers, threshold);
        set = OracleQuorum.store(digest, signers);
    }

    function _verifyLeaf(uint64 epoch, bytes32 leafHash, bytes32[] calldata proof) private view returns (bool) {
        bytes32 root = _roots[epoch];
        return root != 0 && MerkleProof.verifyCalldata(proof, root, leafHash);
    }

    function _oldestAccepted(uint64 current) private view returns (uint64) {
        // LATE_WINDOW_EPOCHS <= 720, so the cast is exact; saturates at epoch 0.
        uint64 window = uint64(LATE_WINDOW_EPOCHS);
        return current > window ? current - window : 0;
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, OracleHubParameterOutOfBounds(name, value, min, max));
    }
}
