// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleHub} from "./IOracleHub.sol";
import {ISlaFaultSink} from "./ISlaFaultSink.sol";

/// @title ISlashingManager
/// @notice Turns faults into slashes of a provider's pool: a proposal (from a quorum-signed fault report accepted by
/// the OracleHub, or from the SlaBondManager's repeated-breach hook) holds the pool's withdrawals, waits a veto
/// window in which the guardian may veto it, then anyone executes it. Execution jails the provider and slashes
/// up to the window's rate limit; what the limit does not allow now is deferred in the pool's own slot (one deferred
/// proposal per pool) and slashed later by `executeDeferred(provider)`, never dropped. The slots are per pool, so one
/// provider's deferred slashes never delay another pool's execution, its holds or its delegators' exits; a pool
/// whose slot is taken executes its other proposals once the slot is done (they wait pending, holding that pool). The reporter gets a fixed fraction r of what is slashed, with r < 1/(1+m) (m the
/// vault's delegation cap multiple), so reporting one's own fault never pays, credited as a pull payment
/// (`claimBounty`); the rest is burned (in batches, by anyone, through `burnSlashed`). The vault keeps the slashed
/// CNDR until it is claimed or burned.
///
/// Fault kinds: 1 failed GPU challenge, 2 attestation mismatch, 3 duplicate GPU identity, 4 missed heartbeats (the
/// OracleHub's FaultType values), 5 repeated SLA breaches, 6 job fraud (a lost job dispute). The amount of a fault is `slashBps(kind)` of the
/// per-GPU stake of the model class the fault is about, rounded up, capped by `maxPerEvent`.
/// Subjects: kinds 1-3 name a GPU id (its class is read from the registry; a GPU no longer recorded is charged at
/// the highest per-GPU stake of any model class), kind 4 names a lease id (as bytes32) of the provider, kind 5 the
/// lease whose settlement completed the breach streak, kind 6 the disputed lease.
interface ISlashingManager is ISlaFaultSink {
    /// @notice A proposal's lifecycle: Pending waits out its veto window (and, after it, for its pool's deferred
    /// slot to be done); Deferred was executed but still has an amount in its pool's slot behind the rate limit;
    /// Executed and Vetoed are final.
    enum Status {
        None,
        Pending,
        Deferred,
        Executed,
        Vetoed
    }

    /// @notice A proposed slash (two storage slots).
    /// @param provider The provider whose pool is slashed.
    /// @param amount CNDR still to slash (the whole amount until execution; the deferred rest after).
    /// @param reporter Receives the bounty (zero: none, everything is burned).
    /// @param executableAt End of the veto window: the earliest execution.
    /// @param kind The fault kind (1-6).
    /// @param status Lifecycle status.
    struct Proposal {
        address provider;
        uint96 amount;
        address reporter;
        uint40 executableAt;
        uint8 kind;
        Status status;
    }

    /// @notice Governance parameters, each within hard bounds.
    /// @param vetoWindow Seconds between a proposal and its earliest execution (the guardian's veto window).
    /// @param rateWindow Length of the rate limit's window in seconds.
    /// @param jailCooldown Seconds a provider stays jailed after an execution (then `unjail` with enough stake).
    /// @param bountyBps The reporter's fraction of what is slashed; bountyBps x (1 + m) < 10,000.
    /// @param maxPerEvent Cap on one fault's slash, in CNDR wei.
    /// @param maxPerWindow Cap on what all executions slash in one rate window, in CNDR wei (>= maxPerEvent).
    struct Params {
        uint40 vetoWindow;
        uint40 rateWindow;
        uint40 jailCooldown;
        uint16 bountyBps;
        uint96 maxPerEvent;
        uint96 maxPerWindow;
    }

    /// @notice The rate limiter, in one slot (the deferred amounts live in each pool's slot, `deferredOf`).
    /// @param windowStart When the current rate window began.
    /// @param usedInWindow CNDR slashed in the current window.
    /// @param slaFaults How many repeated-breach faults were proposed (makes their ids unique).
    struct Limiter {
        uint40 windowStart;
        uint96 usedInWindow;
        uint32 slaFaults;
    }

    /// @notice The contracts the manager reads and acts on, all fixed at deployment.
    struct Contracts {
        address token;
        address registry;
        address vault;
        address oracleHub;
        address jobMarket;
        address slaBondManager;
    }

    // --- errors ---

    /// @notice The fault report was not accepted by the OracleHub (no quorum signed it yet).
    error SlashingManagerReportNotAccepted(bytes32 reportId);
    /// @notice A proposal with this id exists already (a fault is slashed once).
    error SlashingManagerAlreadyProposed(bytes32 id, Status status);
    /// @notice The call needs a proposal in another status.
    error SlashingManagerInvalidStatus(bytes32 id, Status status);
    /// @notice The veto window has not ended: execution must wait.
    error SlashingManagerVetoWindowOpen(bytes32 id, uint256 executableAt, uint256 nowTime);
    /// @notice The veto window has ended: the guardian may no longer veto.
    error SlashingManagerVetoWindowClosed(bytes32 id, uint256 executableAt, uint256 nowTime);
    /// @notice The proposal's pool has a deferred slash (`deferredId`; `deferredOf` tells what it still has to slash):
    /// the proposal stays pending (holding only its own pool) and executes once `executeDeferred(provider)` has
    /// finished that one.
    error SlashingManagerPoolDeferred(address provider, bytes32 deferredId);
    /// @notice A fault kind outside 1-6.
    error SlashingManagerInvalidKind(uint256 kind);
    /// @notice A fault report's lease subject is not a lease of the reported provider.
    error SlashingManagerSubjectMismatch(bytes32 subject, address provider, address leaseProvider);
    /// @notice Nothing deferred on `provider`'s pool, or the rate window has no room left (`room`).
    error SlashingManagerNothingDeferred(address provider, uint256 room);
    /// @notice Only the wired SlaBondManager reports repeated breaches.
    error SlashingManagerNotSlaBondManager(address caller);
    /// @notice Only the DisputeManager wired in the job market proposes a lost dispute's slash.
    error SlashingManagerNotDisputeManager(address caller);
    /// @notice A governance parameter outside its hard bounds.
    error SlashingManagerParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice The vault's exposure tail would not cover the windows that can still lead to a slash after a lease
    /// ends, with this veto window (ExposureWindows.span).
    error SlashingManagerExposureTailTooShort(uint256 tail, uint256 span);
    /// @notice A fault report about an epoch older than the hub's late window: no finite exposure tail covers it.
    error SlashingManagerReportTooOld(bytes32 id, uint64 epoch, uint64 oldestAccepted);
    /// @notice An address argument is zero.
    error SlashingManagerZeroAddress(string name);
    /// @notice No slashed CNDR waits to be burned.
    error SlashingManagerNothingToBurn();
    /// @notice The caller has no bounty to claim.
    error SlashingManagerNothingToClaim(address reporter);

    // --- events ---

    event SlashProposed(
        bytes32 indexed id,
        address indexed provider,
        uint8 indexed kind,
        bytes32 subject,
        uint256 amount,
        address reporter,
        uint256 executableAt
    );
    event SlashVetoed(bytes32 indexed id, address indexed provider, address guardian);
    /// @notice A slash (or one deferred part of it) was taken from the pool: `bounty` credited to `reporter` (zero
    /// address: none), `burned` kept in the vault for `burnSlashed`; `deferred` is what the rate limit left in the pool's deferred slot.
    event SlashExecuted(
        bytes32 indexed id,
        address indexed provider,
        uint256 slashed,
        uint256 bounty,
        address reporter,
        uint256 burned,
        uint256 deferred
    );
    /// @notice `amount` of slashed CNDR held by the vault was burned, at `caller`'s request.
    event SlashedBurned(uint256 amount, address caller);
    /// @notice `reporter` withdrew `amount` of its credited bounties.
    event BountyClaimed(address indexed reporter, uint256 amount);
    /// @notice `amount` of proposal `id` waits in `provider`'s deferred slot for `executeDeferred(provider)`.
    event SlashDeferred(bytes32 indexed id, address indexed provider, uint256 amount);
    event ParamsSet(Params params);
    event SlashBpsSet(uint8 indexed kind, uint256 slashBps);

    // --- faults ---

    /// @notice Proposes the slash of a fault report the OracleHub accepted; the caller is the reporter. Holds the
    /// provider's withdrawals until the proposal closes. Only while the report's epoch is within the hub's late window
    /// (`SlashingManagerReportTooOld`): an accepted report cannot be kept back to be proposed later.
    /// @dev Assumptions: the oracle quorum is honest above its threshold (DESIGN, OracleHub); the subject follows
    /// the kind's convention above. Proposal id = the hub's report id, so one report is slashed once.
    /// @return id The proposal id (the report id).
    function propose(IOracleHub.FaultReport calldata report) external returns (bytes32 id);

    /// @notice Proposes a job-fraud fault (kind 6) against `provider` about the disputed `leaseId`, with `reporter`
    /// (the client who won the dispute) as the bounty's recipient. Only the DisputeManager wired in the job market
    /// (`JobMarket.disputeManager`; no AccessManager role).
    /// @dev Assumptions: the caller decided the dispute (quorum verdict or arbitrator) and calls once per lease, with
    /// the lease's own provider (checked against the JobMarket). The bounty rules exclude the provider's own
    /// addresses and oracle members, and r < 1/(1+m), so a provider disputing its own job as a sybil client loses
    /// more than the bounty it gets back.
    /// @return id The proposal id: keccak256(abi.encode(keccak256("CinderJobFraud"), leaseId)).
    function onDisputeLost(address provider, uint256 leaseId, address reporter) external returns (bytes32 id);

    /// @notice Executes a proposal whose veto window ended: jails the provider and slashes up to the rate limit's
    /// room, deferring the rest to the pool's slot (the proposal keeps its hold on the pool until that is slashed).
    /// Reverts with `SlashingManagerPoolDeferred` while the same pool's slot holds another proposal. Anyone.
    /// @dev Assumptions: other pools' slots are not read; the room is shared, first come first served, so a pool's
    /// deferred rest competes for each new window's room with new executions (a keeper calls `executeDeferred` at
    /// the window's start). Deferred amounts are never dropped.
    /// @return slashed What was taken from the pool now.
    function execute(bytes32 id) external returns (uint256 slashed);

    /// @notice Slashes `provider`'s deferred proposal as far as the rate window allows, in one O(1) step; when it is
    /// done (or the pool ran dry) its hold is released and the slot freed for the pool's next proposal. Anyone.
    /// @return slashed What was taken from the pool.
    function executeDeferred(address provider) external returns (uint256 slashed);

    /// @notice Burns the slashed CNDR the vault keeps that is not a bounty: the non-bounty part of executed
    /// slashes. Anyone.
    /// @return burned What was burned.
    function burnSlashed() external returns (uint256 burned);

    /// @notice Pays the caller every bounty credited to it (from the CNDR the vault keeps). Only the reporter
    /// itself withdraws its bounties; an execution only credits them, so no reporter can block one.
    /// @return amount What was paid.
    function claimBounty() external returns (uint256 amount);

    /// @notice Vetoes a pending proposal within its veto window and releases its hold. Guardian role.
    function veto(bytes32 id) external;

    // --- governance ---

    /// @notice Sets the parameters; checks that the vault's exposure tail covers the windows that can still lead to
    /// a slash after a lease ends with this veto window (ExposureWindows: the market's challenge window and hub's
    /// late window, the DisputeManager's windows once wired in the registry), and that bountyBps x (1 + m) < 10,000
    /// for the vault's cap multiple.
    function setParams(Params calldata params) external;

    /// @notice Sets a fault kind's slash amount in basis points of the per-GPU stake (1 to 10,000).
    function setSlashBps(uint8 kind, uint16 slashBps) external;

    // --- views ---

    function getProposal(bytes32 id) external view returns (Proposal memory);
    function params() external view returns (Params memory);
    function limiter() external view returns (Limiter memory);
    function slashBps(uint8 kind) external view returns (uint16);
    /// @notice `provider`'s deferred slot: the proposal waiting in it (zero: none) and what it still has to slash.
    function deferredOf(address provider) external view returns (bytes32 id, uint256 amount);
    /// @notice Bounties credited to `reporter` and not yet claimed.
    function bountyOf(address reporter) external view returns (uint256);
    /// @notice What the rate window allows to slash now.
    function windowRoom() external view returns (uint256);
    /// @notice The reporter's fraction applied now: min(bountyBps, the largest bps below 1/(1+m)).
    function effectiveBountyBps() external view returns (uint256);
    /// @notice The amount a fault of `kind` about `subject` would slash from `provider` now (before the pool cap).
    function faultAmount(address provider, uint8 kind, bytes32 subject) external view returns (uint256);
}
