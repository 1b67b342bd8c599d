// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDisputeManager} from "../interfaces/IDisputeManager.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {ExposureWindows} from "../libraries/ExposureWindows.sol";
import {LeaseMath} from "../libraries/LeaseMath.sol";

/// @title DisputeManager
/// @notice Job disputes: the client's spec and deposit, the quorum's verdict (or abstention), the arbitrator's
/// decision before a deadline, expiry, and the moves of escrow, deposit and stake they cause.
/// @dev Assumptions:
/// - It is the DisputeManager wired once in the registry (`setDisputeManager`): market `dispute`, `resolveDispute`
///   and SlashingManager `onDisputeLost` accept only it (no AccessManager role moves escrow or proposes slashes).
///   The AccessManager maps `arbitrate` to the arbitrator role and `setParams` to governance.
/// - The settlement asset has no transfer fee and does not rebase (the deposit received equals the deposit
///   asked). Its transfer hooks, if any, cannot reenter: every state-changing entry point is nonReentrant, and
///   state is written before the transfer.
/// - The OracleHub's quorum is honest above its threshold: an accepted verdict about the disputed lease and result
///   is a fact, whichever oracle set signed it (the hub refuses signatures from a set no longer current).
/// - One dispute per lease: the JobMarket's Disputed status can be entered once (a disputed lease only closes).
/// - The vault's exposure tail covers `disputeSpan()` and the hub's late-report span (ExposureWindows), checked when
///   this contract's parameters are set; the vault's, market's and SlashingManager's setters check the same bound,
///   reading this contract through the registry's wiring (`setDisputeManager`).
/// Rounding: the deposit's fraction of the escrow rounds up (never below depositBps of the escrow).
/// Invariant (DESIGN.md 1): the asset held >= the sum of open disputes' deposits + credited balances.
contract DisputeManager is AccessManaged, ReentrancyGuardTransient, IDisputeManager {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_MIN_DEPOSIT = 1e24;
    uint256 public constant MAX_DEPOSIT_BPS = 10_000;
    uint256 public constant MIN_VERDICT_WINDOW = 1 hours;
    uint256 public constant MAX_VERDICT_WINDOW = 14 days;
    uint256 public constant MIN_ARBITRATION_WINDOW = 1 hours;
    uint256 public constant MAX_ARBITRATION_WINDOW = 14 days;
    uint256 private constant _BPS = 10_000;

    /// @notice The settlement stablecoin (deposits).
    IERC20 public immutable ASSET;
    IJobMarket public immutable JOB_MARKET;
    IOracleHub public immutable ORACLE_HUB;
    ISlashingManager public immutable SLASHING_MANAGER;
    IStakingVault public immutable VAULT;

    Params private _params;
    mapping(uint256 leaseId => Dispute) private _disputes;
    mapping(uint256 leaseId => bytes32) private _specHashes;
    mapping(address account => uint256) private _balances;

    constructor(address manager, Contracts memory c, Params memory p) AccessManaged(manager) {
        require(c.asset != address(0), DisputeManagerZeroAddress("asset"));
        require(c.jobMarket != address(0), DisputeManagerZeroAddress("jobMarket"));
        require(c.oracleHub != address(0), DisputeManagerZeroAddress("oracleHub"));
        require(c.slashingManager != address(0), DisputeManagerZeroAddress("slashingManager"));
        require(c.vault != address(0), DisputeManagerZeroAddress("vault"));
        ASSET = IERC20(c.asset);
        JOB_MARKET = IJobMarket(c.jobMarket);
        ORACLE_HUB = IOracleHub(c.oracleHub);
        SLASHING_MANAGER = ISlashingManager(c.slashingManager);
        VAULT = IStakingVault(c.vault);
        _setParams(p);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Client
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function postJobSpec(uint256 leaseId, bytes32 specHash, string calldata uri) external {
        IJobMarket.Lease memory lease = JOB_MARKET.getLease(leaseId);
        require(msg.sender == lease.client, DisputeManagerNotClient(leaseId, msg.sender, lease.client));
        require(lease.kind == IJobMarket.JobKind.Batch, DisputeManagerNotBatch(leaseId));
        require(specHash != bytes32(0), DisputeManagerZeroSpecHash(leaseId));
        require(
            _specHashes[leaseId] == bytes32(0) && JOB_MARKET.getResult(leaseId).challengeEndsAt == 0,
            DisputeManagerSpecLocked(leaseId)
        );
        _specHashes[leaseId] = specHash;
        emit JobSpecPosted(leaseId, specHash, uri);
    }

    /// @inheritdoc IDisputeManager
    /// @dev The JobMarket checks the rest and reverts with its own errors: the lease is active (not closed or
    /// disputed), has a result, and its challenge window is open.
    function open(uint256 leaseId) external nonReentrant returns (uint256 deposit) {
        IJobMarket.Lease memory lease = JOB_MARKET.getLease(leaseId);
        require(msg.sender == lease.client, DisputeManagerNotClient(leaseId, msg.sender, lease.client));
        require(lease.kind == IJobMarket.JobKind.Batch, DisputeManagerNotBatch(leaseId));
        Dispute storage d = _disputes[leaseId];
        require(d.status == Status.None, DisputeManagerAlreadyDisputed(leaseId, d.status));
        deposit = _depositFor(lease);
        JOB_MARKET.dispute(leaseId, msg.sender);
        Params memory p = _params;
        uint256 verdictDeadline = block.timestamp + p.verdictWindow;
        uint256 arbitrationDeadline = verdictDeadline + p.arbitrationWindow;
        d.client = msg.sender;
        d.openedAt = uint40(block.timestamp);
        d.verdictDeadline = uint40(verdictDeadline);
        d.provider = lease.provider;
        d.arbitrationDeadline = uint40(arbitrationDeadline);
        // Cannot truncate: deposit <= max(MAX_MIN_DEPOSIT, escrow) and a lease's escrow is far below 2^96.
        d.deposit = SafeCast.toUint96(deposit);
        d.status = Status.Open;
        bytes32 resultHash = JOB_MARKET.getResult(leaseId).resultHash;
        d.resultHash = resultHash;
        ASSET.safeTransferFrom(msg.sender, address(this), deposit);
        emit DisputeOpened(
            leaseId, msg.sender, lease.provider, resultHash, deposit, verdictDeadline, arbitrationDeadline
        );
    }

    // ------------------------------------------------------------------------------------------------------------
    // Verdicts, arbitration, expiry
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function resolve(IOracleHub.JobVerdict calldata verdict) external nonReentrant {
        bytes32 id = ORACLE_HUB.hashJobVerdict(verdict);
        require(ORACLE_HUB.isAccepted(id), DisputeManagerVerdictNotAccepted(id));
        _apply(verdict, id);
    }

    /// @inheritdoc IDisputeManager
    /// @dev A verdict accepted already (someone submitted it to the hub directly) is applied without resubmitting,
    /// so a front-run submission cannot block the application.
    function submitVerdict(IOracleHub.JobVerdict calldata verdict, bytes[] calldata signatures)
        external
        nonReentrant
    {
        bytes32 id = ORACLE_HUB.hashJobVerdict(verdict);
        if (!ORACLE_HUB.isAccepted(id)) ORACLE_HUB.submitJobVerdict(verdict, signatures);
        _apply(verdict, id);
    }

    /// @inheritdoc IDisputeManager
    function arbitrate(uint256 leaseId, uint8 outcome, uint256 toProvider) external restricted nonReentrant {
        Dispute storage d = _disputes[leaseId];
        Status status = d.status;
        require(status == Status.Open || status == Status.Abstained, DisputeManagerInvalidStatus(leaseId, status));
        require(
            outcome == uint8(IOracleHub.Outcome.ProviderUpheld) || outcome == uint8(IOracleHub.Outcome.ClientUpheld),
            DisputeManagerInvalidOutcome(outcome)
        );
        require(
            status == Status.Abstained || block.timestamp >= d.verdictDeadline,
            DisputeManagerArbitrationNotOpen(leaseId, d.verdictDeadline, block.timestamp)
        );
        _requireBeforeArbitrationDeadline(leaseId, d);
        _decide(leaseId, d, IOracleHub.Outcome(outcome), toProvider, bytes32(0));
    }

    /// @inheritdoc IDisputeManager
    function expire(uint256 leaseId) external nonReentrant {
        Dispute storage d = _disputes[leaseId];
        Status status = d.status;
        require(status == Status.Open || status == Status.Abstained, DisputeManagerInvalidStatus(leaseId, status));
        require(
            block.timestamp >= d.arbitrationDeadline,
            DisputeManagerNotExpired(leaseId, d.arbitrationDeadline, block.timestamp)
        );
        d.status = Status.Expired;
        // Nobody disproved the result in time: it stands, as if the challenge window had closed undisputed. The
        // provider is paid the whole escrow and gets the deposit as compensation for the frozen payment (as when
        // upheld); the client's claim was never proven, so neither the escrow nor the deposit goes back to it, and
        // nothing is slashed (absence of evidence never slashes). Both go to the lease's own provider, never to the
        // caller.
        uint256 held = _held(leaseId);
        uint256 deposit = d.deposit;
        JOB_MARKET.resolveDispute(leaseId, held);
        _credit(d.provider, deposit);
        emit DisputeExpired(leaseId, held, deposit);
    }

    /// @inheritdoc IDisputeManager
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender];
        require(amount > 0, DisputeManagerNoBalance(msg.sender));
        _balances[msg.sender] = 0;
        ASSET.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function setParams(Params calldata p) external restricted {
        _setParams(p);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function getDispute(uint256 leaseId) external view returns (Dispute memory) {
        return _disputes[leaseId];
    }

    /// @inheritdoc IDisputeManager
    function jobSpecHash(uint256 leaseId) external view returns (bytes32) {
        return _specHashes[leaseId];
    }

    /// @inheritdoc IDisputeManager
    function depositFor(uint256 leaseId) external view returns (uint256) {
        return _depositFor(JOB_MARKET.getLease(leaseId));
    }

    /// @inheritdoc IDisputeManager
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IDisputeManager
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IDisputeManager
    function disputeSpan() external view returns (uint256) {
        return _disputeSpan(_params);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Checks a hub-accepted verdict against the dispute and applies it: an abstention hands the dispute to the
    /// arbitrator (once), a decision settles it. A decisive verdict also applies after an abstention or after the
    /// verdict deadline, until the arbitrator decides or the arbitration deadline passes (first one wins).
    function _apply(IOracleHub.JobVerdict calldata v, bytes32 id) private {
        uint256 leaseId = v.leaseId;
        Dispute storage d = _disputes[leaseId];
        Status status = d.status;
        require(status == Status.Open || status == Status.Abstained, DisputeManagerInvalidStatus(leaseId, status));
        require(v.resultHash == d.resultHash, DisputeManagerResultMismatch(leaseId, d.resultHash, v.resultHash));
        uint8 outcome = v.outcome;
        require(
            outcome > uint8(IOracleHub.Outcome.Invalid) && outcome <= uint8(IOracleHub.Outcome.Abstained),
            DisputeManagerInvalidOutcome(outcome)
        );
        _requireBeforeArbitrationDeadline(leaseId, d);
        if (outcome == uint8(IOracleHub.Outcome.Abstained)) {
            // An abstention counts once: a second one would only push the deadline (and the stake's exposure) out.
            require(status == Status.Open, DisputeManagerInvalidStatus(leaseId, status));
            // Cannot exceed the span the unbonding bound allows: now < arbitrationDeadline, so the new deadline is
            // below the original one + arbitrationWindow (see disputeSpan).
            uint256 deadline = Math.max(d.arbitrationDeadline, block.timestamp + _params.arbitrationWindow);
            d.arbitrationDeadline = uint40(deadline);
            d.status = Status.Abstained;
            emit DisputeAbstained(leaseId, id, deadline);
        } else {
            _decide(leaseId, d, IOracleHub.Outcome(outcome), v.toProvider, id);
        }
    }

    /// @dev Settles the escrow in the JobMarket (the provider min(toProvider, held), the client the rest), credits
    /// the deposit (to the provider if upheld, back to the client otherwise) and, when the client is upheld, opens
    /// the job-fraud slash proposal with the client as reporter.
    function _decide(uint256 leaseId, Dispute storage d, IOracleHub.Outcome outcome, uint256 toProvider, bytes32 id)
        private
    {
        d.status = Status.Resolved;
        d.outcome = outcome;
        uint256 held = _held(leaseId);
        uint256 pay = Math.min(toProvider, held);
        address client = d.client;
        address provider = d.provider;
        JOB_MARKET.resolveDispute(leaseId, pay);
        bytes32 slashId;
        if (outcome == IOracleHub.Outcome.ProviderUpheld) {
            _credit(provider, d.deposit);
        } else {
            _credit(client, d.deposit);
            slashId = SLASHING_MANAGER.onDisputeLost(provider, leaseId, client);
        }
        emit DisputeResolved(leaseId, outcome, id, pay, held - pay, slashId);
    }

    function _requireBeforeArbitrationDeadline(uint256 leaseId, Dispute storage d) private view {
        require(
            block.timestamp < d.arbitrationDeadline,
            DisputeManagerArbitrationClosed(leaseId, d.arbitrationDeadline, block.timestamp)
        );
    }

    /// @dev What the JobMarket holds of the lease: its value over [start, end] (the market's own formula) minus
    /// what was released (nothing for a batch lease before its result is final). Zero for an unknown lease.
    function _held(uint256 leaseId) private view returns (uint256) {
        return _escrowOf(JOB_MARKET.getLease(leaseId));
    }

    function _escrowOf(IJobMarket.Lease memory lease) private pure returns (uint256) {
        return LeaseMath.value(lease.pricePerGpuHour, lease.gpuCount, lease.end - lease.start) - lease.released;
    }

    /// @dev max(minDeposit, depositBps x escrow), the fraction rounded up.
    function _depositFor(IJobMarket.Lease memory lease) private view returns (uint256) {
        Params memory p = _params;
        return Math.max(p.minDeposit, Math.mulDiv(_escrowOf(lease), p.depositBps, _BPS, Math.Rounding.Ceil));
    }

    function _credit(address account, uint256 amount) private {
        _balances[account] += amount;
        emit DepositCredited(account, amount);
    }

    /// @dev challengeWindow + verdictWindow + 2 x arbitrationWindow + vetoWindow: a result, a dispute at the end of
    /// its challenge window, an abstention just before the original arbitration deadline (which extends it by one
    /// window), a decision just before the extended deadline, and the slash proposal's veto window.
    function _disputeSpan(Params memory p) private view returns (uint256) {
        return uint256(JOB_MARKET.params().challengeWindow) + p.verdictWindow + 2 * uint256(p.arbitrationWindow)
            + SLASHING_MANAGER.params().vetoWindow;
    }

    function _setParams(Params memory p) private {
        _bound("minDeposit", p.minDeposit, 1, MAX_MIN_DEPOSIT);
        _bound("depositBps", p.depositBps, 0, MAX_DEPOSIT_BPS);
        _bound("verdictWindow", p.verdictWindow, MIN_VERDICT_WINDOW, MAX_VERDICT_WINDOW);
        _bound("arbitrationWindow", p.arbitrationWindow, MIN_ARBITRATION_WINDOW, MAX_ARBITRATION_WINDOW);
        ExposureWindows.Windows memory w =
            ExposureWindows.read(JOB_MARKET, SLASHING_MANAGER, IDisputeManager(address(0)));
        (w.verdict, w.arbitration) = (p.verdictWindow, p.arbitrationWindow);
        uint256 tail = VAULT.exposureTail();
        uint256 span = ExposureWindows.span(w);
        require(tail >= span, DisputeManagerExposureTailTooShort(tail, span));
        _params = p;
        emit ParamsSet(p);
    }

    function _bound(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, DisputeManagerParameterOutOfBounds(name, value, min, max));
    }
}
