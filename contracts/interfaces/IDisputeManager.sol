// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleHub} from "./IOracleHub.sol";

/// @title IDisputeManager
/// @notice Disputes of batch-job results. The client posts the job's spec (a hash and a URI) before the provider
/// submits its result; within the JobMarket's challenge window the client disputes the result with a deposit in the
/// settlement asset, which freezes the lease's escrow. The oracle quorum re-executes the job (deterministic
/// workloads) or samples it (the others) and signs a `JobVerdict` that the OracleHub accepts; anyone then applies
/// it here. If the quorum abstains (a verdict with outcome `Abstained`) or signs nothing before the verdict deadline,
/// the arbitrator role decides before the arbitration deadline; after that deadline anyone may expire the dispute.
///
/// What moves:
/// - `ProviderUpheld`: the provider receives min(toProvider, held) of the escrow (the client the rest) and the
///   client's deposit (compensation for the frozen payment); no slash.
/// - `ClientUpheld`: the provider receives min(toProvider, held) (usually zero), the client the rest and its deposit
///   back; the SlashingManager gets a job-fraud proposal (kind 6) against the provider with the client as reporter.
/// - Expired (no decisive verdict and no arbitration in time): the disputed result stands, as if it had not been
///   disputed. The provider receives the whole escrow and the client's deposit (compensation for the frozen
///   payment, as when upheld): a claim nobody proved pays the client nothing, so disputing a valid result while the
///   quorum is silent and the arbitrator absent is no free option. Nothing is slashed (absence of evidence never
///   slashes).
/// Outflows of deposits are pull payments (`balanceOf`, `withdraw`).
interface IDisputeManager {
    /// @notice Open waits for a verdict; Abstained waits for the arbitrator; Resolved and Expired are final.
    enum Status {
        None,
        Open,
        Abstained,
        Resolved,
        Expired
    }

    /// @notice A dispute (three storage slots).
    /// @param client The lease's client, who disputed and paid the deposit.
    /// @param openedAt When the dispute was opened.
    /// @param verdictDeadline Until when a quorum verdict decides it (after: the arbitrator may).
    /// @param arbitrationDeadline Until when the arbitrator may decide (after: anyone may expire it).
    /// @param provider The lease's provider.
    /// @param deposit The client's deposit in the settlement asset.
    /// @param status Lifecycle status.
    /// @param outcome How it was decided (an `IOracleHub.Outcome`; `Invalid` until decided or when expired).
    /// @param resultHash The disputed result, as the JobMarket recorded it.
    struct Dispute {
        address client;
        uint40 openedAt;
        uint40 verdictDeadline;
        address provider;
        uint40 arbitrationDeadline;
        uint96 deposit;
        Status status;
        IOracleHub.Outcome outcome;
        bytes32 resultHash;
    }

    /// @notice Governance parameters, each within hard bounds.
    /// @param minDeposit The least deposit, in the settlement asset's smallest unit.
    /// @param depositBps Deposit as a fraction of the disputed escrow (the larger of the two applies).
    /// @param verdictWindow Seconds after opening in which only a quorum verdict decides.
    /// @param arbitrationWindow Seconds after the verdict deadline (or after an abstention, whichever is later)
    /// in which the arbitrator may decide.
    struct Params {
        uint96 minDeposit;
        uint16 depositBps;
        uint40 verdictWindow;
        uint40 arbitrationWindow;
    }

    /// @notice The contracts a DisputeManager is wired to at deployment (immutable).
    /// @param asset The settlement stablecoin (the JobMarket's asset): deposits are paid and credited in it.
    /// @param jobMarket Freezes and settles the disputed escrow (`dispute`, `resolveDispute`).
    /// @param oracleHub Verifies and records the quorum's job verdicts.
    /// @param slashingManager Receives the job-fraud proposal of a lost dispute (`onDisputeLost`).
    /// @param vault Its unbonding period bounds the dispute's windows.
    struct Contracts {
        address asset;
        address jobMarket;
        address oracleHub;
        address slashingManager;
        address vault;
    }

    // --- errors ---

    error DisputeManagerZeroAddress(string name);
    error DisputeManagerParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice Only the lease's client may post its spec or dispute it.
    error DisputeManagerNotClient(uint256 leaseId, address caller, address client);
    /// @notice The spec must be posted before the provider submits its result, once.
    error DisputeManagerSpecLocked(uint256 leaseId);
    error DisputeManagerZeroSpecHash(uint256 leaseId);
    /// @notice The lease is not a batch job.
    error DisputeManagerNotBatch(uint256 leaseId);
    /// @notice A dispute for this lease exists already (a result is disputed once).
    error DisputeManagerAlreadyDisputed(uint256 leaseId, Status status);
    /// @notice The call needs a dispute in another status.
    error DisputeManagerInvalidStatus(uint256 leaseId, Status status);
    /// @notice The verdict was not accepted by the OracleHub (no quorum signed it yet).
    error DisputeManagerVerdictNotAccepted(bytes32 verdictId);
    /// @notice The verdict is about another result than the one disputed.
    error DisputeManagerResultMismatch(uint256 leaseId, bytes32 disputed, bytes32 verdict);
    error DisputeManagerInvalidOutcome(uint8 outcome);
    /// @notice The arbitrator may decide only once the quorum abstained or its verdict window ended.
    error DisputeManagerArbitrationNotOpen(uint256 leaseId, uint256 verdictDeadline, uint256 nowTime);
    /// @notice The arbitration deadline passed: the dispute can only expire.
    error DisputeManagerArbitrationClosed(uint256 leaseId, uint256 arbitrationDeadline, uint256 nowTime);
    /// @notice The dispute cannot expire before its arbitration deadline.
    error DisputeManagerNotExpired(uint256 leaseId, uint256 arbitrationDeadline, uint256 nowTime);
    error DisputeManagerNoBalance(address account);
    /// @notice The vault's exposure tail must cover the longest span from a lease's end to the execution of a slash
    /// it can still lead to (ExposureWindows.span): challengeWindow + verdictWindow + 2 x arbitrationWindow (an
    /// abstention just before the deadline extends it by one window), or the hub's late-report span, + vetoWindow.
    error DisputeManagerExposureTailTooShort(uint256 tail, uint256 span);

    // --- events ---

    event JobSpecPosted(uint256 indexed leaseId, bytes32 specHash, string uri);
    event DisputeOpened(
        uint256 indexed leaseId,
        address indexed client,
        address indexed provider,
        bytes32 resultHash,
        uint256 deposit,
        uint256 verdictDeadline,
        uint256 arbitrationDeadline
    );
    /// @notice The quorum abstained: the arbitrator decides, until `arbitrationDeadline`.
    event DisputeAbstained(uint256 indexed leaseId, bytes32 verdictId, uint256 arbitrationDeadline);
    /// @notice Decided by a quorum verdict (`verdictId` non-zero) or by the arbitrator (`verdictId` zero).
    event DisputeResolved(
        uint256 indexed leaseId,
        IOracleHub.Outcome outcome,
        bytes32 verdictId,
        uint256 toProvider,
        uint256 toClient,
        bytes32 slashProposal
    );
    /// @notice Nobody decided the dispute by its arbitration deadline: the result stands. `toProvider` is the escrow
    /// released to the provider (the JobMarket takes the protocol fee from it, as on any release) and `forfeitedDeposit` the client's
    /// deposit credited to the provider.
    event DisputeExpired(uint256 indexed leaseId, uint256 toProvider, uint256 forfeitedDeposit);
    event DepositCredited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event ParamsSet(Params params);

    // --- actions ---

    /// @notice The client states what the batch job is (the oracle re-executes or samples against it). Before the
    /// provider submits its result, once.
    function postJobSpec(uint256 leaseId, bytes32 specHash, string calldata uri) external;

    /// @notice The client disputes the lease's result within the challenge window, paying `depositFor(leaseId)`
    /// (approved to this contract). Freezes the escrow in the JobMarket.
    function open(uint256 leaseId) external returns (uint256 deposit);

    /// @notice Applies a verdict the OracleHub accepted (anyone). An `Abstained` verdict hands the dispute to the
    /// arbitrator.
    function resolve(IOracleHub.JobVerdict calldata verdict) external;

    /// @notice Submits the quorum's signatures to the OracleHub (unless accepted already) and applies the verdict.
    function submitVerdict(IOracleHub.JobVerdict calldata verdict, bytes[] calldata signatures) external;

    /// @notice The arbitrator decides (ARBITRATOR role): after an abstention or the verdict deadline, before the
    /// arbitration deadline. `outcome` is 1 (ProviderUpheld) or 2 (ClientUpheld).
    function arbitrate(uint256 leaseId, uint8 outcome, uint256 toProvider) external;

    /// @notice Anyone, after the arbitration deadline of an undecided dispute: the disputed result stands. The
    /// provider is paid the escrow and credited the client's deposit; the client gets nothing back.
    /// @dev Assumptions: the quorum and the arbitrator had the whole verdict and arbitration windows to disprove the
    /// result; a client whose claim is true is served by them, not by their silence. The recipient is the lease's
    /// provider as recorded at `open`, never the caller.
    function expire(uint256 leaseId) external;

    /// @notice Withdraws the caller's credited deposits.
    function withdraw() external returns (uint256 amount);

    /// @notice Sets the parameters, each within its hard bounds, and checks that the vault's exposure tail covers
    /// the span after a lease's end (see `DisputeManagerExposureTailTooShort`), reading the vault, the JobMarket,
    /// the SlashingManager and the OracleHub now. Governance.
    function setParams(Params calldata params) external;

    // --- views ---

    /// @notice The lease's dispute (all zero when none).
    function getDispute(uint256 leaseId) external view returns (Dispute memory);
    /// @notice The spec hash the client posted for the lease (zero when none).
    function jobSpecHash(uint256 leaseId) external view returns (bytes32);
    /// @notice The deposit a dispute of `leaseId` needs now.
    function depositFor(uint256 leaseId) external view returns (uint256);
    /// @notice Deposits credited to `account`, waiting for `withdraw`.
    function balanceOf(address account) external view returns (uint256);
    /// @notice The governance parameters in force.
    function params() external view returns (Params memory);
    /// @notice The longest span from a result to the execution of its dispute's slash, with the current
    /// parameters of this contract, the JobMarket and the SlashingManager (the job-fraud part of
    /// `DisputeManagerExposureTailTooShort`'s span).
    function disputeSpan() external view returns (uint256);
}
