// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISlaBondManager
/// @notice SLA bonds in the stablecoin and the credits they pay clients. Providers deposit bond; awarding a lease
/// locks `bondPercent`% of the lease's value under the client's SLA tier; after the lease, anyone settles its SLA
/// with Merkle proofs of its uptime leaves from OracleHub's epoch reports, and a breach credits the client: from the
/// lease's held stream first (to the client's balance in the JobMarket), then from the locked bond (to the client's
/// balance here). The rest of the lock unlocks, and a lock nobody settled unlocks after the lease's end plus the
/// oracle's late-report window (one more epoch for the settlement to land).
///
/// Judgement (DESIGN "What uptime means"): uptime = sum(secondsUp) / sum(secondsObserved) over the lease's whole
/// term, epoch by epoch from the epoch of its start to the epoch of its last second. An epoch with no report is
/// skipped (no credit, no fault) once the oracle can no longer report it (it left the late window); an epoch with a
/// report must be proven, so a settler cannot leave out the bad ones. Proofs come in strictly increasing epochs and
/// the per-lease cursor only moves forward, so no leaf counts twice. A long lease may be settled in several calls.
///
/// Credits: the tier's schedule (below target / below mid / below low) times the lease's charge, its value from
/// start to end. DESIGN "Who pays SLA credits": the JobMarket holds an SLA lease's stream past the oracle's covered
/// time (`OracleHub.coveredUntil`), so what the lease still holds pays first (`IJobMarket.payStreamCredit`, no fee and
/// no revenue on it), then the lease's lock; the credit is capped at the two, so a settlement never reverts for lack
/// of funds.
/// A lease keeps the tier and bond percent it was awarded under (recorded in the JobMarket's lease); the schedule
/// applied is the tier's at settlement (governance changes go through the timelock).
interface ISlaBondManager {
    /// @notice An SLA tier (one storage slot). Uptimes are in parts per million of the observed time.
    /// @param targetPpm The uptime target: strictly below it the client gets `creditBps` of the charge.
    /// @param midPpm Strictly below it, `midCreditBps` (with `midPpm == targetPpm` the first band is empty).
    /// @param lowPpm Strictly below it, `lowCreditBps`.
    /// @param creditBps Credit below target, in basis points of the charge.
    /// @param midCreditBps Credit below `midPpm`.
    /// @param lowCreditBps Credit below `lowPpm`.
    /// @param bondPercent Bond locked at award, in percent of the lease value (1..100).
    struct Tier {
        uint32 targetPpm;
        uint32 midPpm;
        uint32 lowPpm;
        uint16 creditBps;
        uint16 midCreditBps;
        uint16 lowCreditBps;
        uint8 bondPercent;
    }

    /// @notice A provider's bond (one slot).
    /// @param total Deposited and not withdrawn or paid out, locked part included.
    /// @param locked Backing open leases; at most `total`.
    /// @param breachStreak Consecutive settled leases below their target (reset by a met SLA or a raised fault).
    struct Bond {
        uint112 total;
        uint112 locked;
        uint32 breachStreak;
    }

    /// @notice One epoch's uptime leaf of a lease, with its Merkle proof under the epoch's report root.
    struct UptimeProof {
        uint64 epoch;
        uint32 secondsUp;
        uint32 secondsObserved;
        bytes32[] proof;
    }

    /// @notice A lease's settlement progress (one slot).
    /// @param nextEpoch The first epoch not yet judged (meaningful once `started`).
    /// @param secondsUp Sum of proven up seconds so far.
    /// @param secondsObserved Sum of proven observed seconds so far.
    /// @param started Some epochs were judged.
    /// @param closed Settled or released: the lock is gone and the lease is never judged again. (A settlement that
    /// closes keeps this flag in the JobMarket's lease, `slaSettled`, and leaves the progress fields as its last
    /// partial call wrote them, all 0 when it settled in one call: its `SlaSettled` event has the totals.
    /// `getSettlement` reports `started` and `closed` from both.)
    struct Settlement {
        uint64 nextEpoch;
        uint64 secondsUp;
        uint64 secondsObserved;
        bool started;
        bool closed;
    }

    /// @notice Governance parameters.
    /// @param exitPenaltyBps The early-exit penalty, in basis points of the value a quitting provider leaves
    /// unserved; taken from the bond that backed the unserved part (never from what backs the served part's credit).
    /// @param breachFaultThreshold Consecutive breaches that raise a fault with the fault sink (the SlashingManager).
    struct Params {
        uint16 exitPenaltyBps;
        uint16 breachFaultThreshold;
    }

    // --- errors ---

    error SlaBondManagerZeroAddress(string name);
    error SlaBondManagerZeroAmount();
    error SlaBondManagerParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice A tier id at or above MAX_TIERS, or one governance never set.
    error SlaBondManagerUnknownTier(uint256 tier);
    /// @notice Only the wired JobMarket calls the lease hooks.
    error SlaBondManagerNotJobMarket(address caller);
    /// @notice The provider's free bond (total - locked) does not cover the amount.
    error SlaBondManagerInsufficientFreeBond(address provider, uint256 free, uint256 needed);
    /// @notice A deposit would take the provider's bond past the uint112 bookkeeping.
    error SlaBondManagerBondTooLarge(uint256 total, uint256 max);
    error SlaBondManagerNoBalance(address account);
    /// @notice The lease does not exist, or is a batch job (batch jobs carry no SLA bond).
    error SlaBondManagerNoSla(uint256 leaseId);
    error SlaBondManagerAlreadyClosed(uint256 leaseId);
    /// @notice A proof's epoch is not after the last one judged (a leaf used twice, or out of order).
    error SlaBondManagerEpochOutOfOrder(uint64 epoch, uint64 nextEpoch);
    /// @notice A proof's epoch is after the lease's last epoch.
    error SlaBondManagerEpochAfterLease(uint64 epoch, uint64 lastEpoch);
    /// @notice A proof for an epoch without a report.
    error SlaBondManagerEpochNotReported(uint64 epoch);
    /// @notice The proof does not prove this uptime leaf under the epoch's root.
    error SlaBondManagerInvalidProof(uint64 epoch);
    /// @notice A leaf with more up seconds than observed ones.
    error SlaBondManagerUptimeAboveObserved(uint64 epoch, uint32 secondsUp, uint32 secondsObserved);
    /// @notice The proofs skip a reported epoch of the lease.
    error SlaBondManagerMissingEpoch(uint64 epoch);
    /// @notice The proofs skip an unreported epoch the oracle may still report.
    error SlaBondManagerEpochStillReportable(uint64 epoch, uint64 oldestReportable);
    /// @notice More unreported epochs skipped in one call than MAX_SKIPPED_EPOCHS: settle in parts.
    error SlaBondManagerTooManySkipped(uint256 skipped, uint256 max);
    /// @notice The unsettled lock cannot be released before the claim window ends.
    error SlaBondManagerClaimWindowOpen(uint256 leaseId, uint256 releasableAt);
    error SlaBondManagerFaultSinkAlreadySet(address sink);
    /// @notice The JobMarket holds SLA streams against another OracleHub than the one given.
    error SlaBondManagerHubMismatch(address marketHub, address oracleHub);

    // --- events ---

    event BondDeposited(address indexed provider, uint256 amount, uint256 total);
    event BondWithdrawn(address indexed provider, uint256 amount, uint256 total);
    event BondLocked(uint256 indexed leaseId, address indexed provider, address indexed client, uint8 tier, uint256 amount);
    /// @notice The lease's value changed (extend, cancel) and its lock with it.
    event BondLockChanged(uint256 indexed leaseId, address indexed provider, uint256 oldLock, uint256 newLock);
    /// @notice A provider quit early: `penalty` went from its bond to the client; the lock shrank to `newLock`.
    event ExitPenalized(
        uint256 indexed leaseId, address indexed provider, address indexed client, uint256 penalty, uint256 newLock
    );
    /// @notice A partial settlement judged epochs up to `nextEpoch - 1`.
    event SlaProgressed(uint256 indexed leaseId, uint64 nextEpoch, uint256 secondsUp, uint256 secondsObserved);
    /// @notice A lease's SLA was settled: the credit, `fromStream + fromBond`, went to the client: `fromStream` from the
    /// lease's held stream (to its JobMarket balance), `fromBond` from the bond (to its balance here): from the lease's
    /// `lock`, plus an auction lease's commitment at the credit rate; the rest of both unlocked.
    event SlaSettled(
        uint256 indexed leaseId,
        address indexed provider,
        address indexed client,
        uint8 tier,
        uint256 secondsUp,
        uint256 secondsObserved,
        uint256 charge,
        uint256 fromStream,
        uint256 fromBond,
        uint256 lock
    );
    /// @notice A kept bid locked `amount` of `bidder`'s bond (zero: none) and released the same of `dropped` (zero:
    /// none), the runner-up it pushed out.
    event BidLockMoved(address indexed bidder, address indexed dropped, uint256 amount);
    /// @notice An order's finalize released `provider`'s bid lock; paid to `forfeitTo` (the client) unless zero.
    event BidLockReleased(address indexed provider, uint256 amount, address indexed forfeitTo);
    /// @notice An unsettled lock was released after its claim window.
    event BondReleased(uint256 indexed leaseId, address indexed provider, uint256 lock);
    /// @notice `breaches` consecutive breaches raised a fault with the fault sink (zero address: none wired yet).
    event RepeatedBreaches(address indexed provider, uint256 breaches, uint256 lastLeaseId, address sink);
    event BalanceCredited(address indexed account, uint256 amount);
    event BalanceWithdrawn(address indexed account, uint256 amount);
    event ClientTierSet(address indexed client, uint8 tier);
    event TierSet(uint8 indexed tier, Tier config);
    event ParamsSet(Params params);
    event FaultSinkSet(address sink);

    // --- providers ---

    /// @notice Adds `amount` of the stablecoin to the caller's bond.
    function deposit(uint256 amount) external;

    /// @notice Withdraws `amount` of the caller's free (unlocked) bond.
    function withdrawBond(uint256 amount) external;

    // --- clients ---

    /// @notice The SLA tier the caller's future leases are awarded under (0, Standard, until set).
    function setClientTier(uint8 tier) external;

    /// @notice Withdraws the caller's credited balance (SLA credits paid from bonds, and exit penalties; credits paid
    /// from a lease's stream are in the client's JobMarket balance).
    function withdraw() external returns (uint256 amount);

    // --- settlement (anyone) ---

    /// @notice Judges the lease's epochs from its cursor on: each proof (strictly increasing epochs) proves one
    /// reported epoch; every epoch skipped between proofs must be unreported and past the late window. After the
    /// proofs, further such epochs are skipped (at most MAX_SKIPPED_EPOCHS per call). Once the lease has ended and
    /// every epoch of its term is judged, it settles: the credit goes to the client, from the lease's held stream
    /// first (its JobMarket balance), then from the lock (its balance here), capped at the two; an auction lease's
    /// commitment (`commitmentOf`) pays the client at the same credit rate; the rest of the lock and commitment unlocks.
    /// The settlement counts in the provider's breach streak (which raises a fault) only before
    /// `releasableAt(leaseId)`: a later one still pays the client, but a fault from it could outlast the stake's
    /// exposure tail.
    /// @return closed Whether the lease was settled by this call.
    /// @return credit The credit paid, both parts (0 unless `closed`).
    function settle(uint256 leaseId, UptimeProof[] calldata proofs) external returns (bool closed, uint256 credit);

    /// @notice Unlocks the bond of a lease nobody settled, once `releasableAt(leaseId)` has passed. Anyone.
    function release(uint256 leaseId) external returns (uint256 lock);

    // --- JobMarket hooks ---

    /// @notice Locks the bond of a new lease (leases only, not batch jobs) under the client's tier. With `strict`
    /// a provider short of free bond reverts `SlaBondManagerInsufficientFreeBond`; without, the call returns false
    /// and locks nothing (an auction's finalize then tries the runner-up). `held` is the provider's bid lock on the
    /// order being awarded (0 for a direct lease): it counts as free for the lease's lock, and the part of it above
    /// that lock stays locked as the lease's commitment (`commitmentOf`), forfeited to the client by `penalizeExit`
    /// and unlocked with the lease's lock by `settle` or `release`; when the lock fails, `held` is released (the
    /// client's tier rose since the order was posted: not the bidder's fault). When the lock succeeds, `other` (zero:
    /// none), the order's other kept bidder, gets its bid lock of `held` back (one call for the award, not two).
    /// JobMarket only.
    function lockBond(
        uint256 leaseId,
        address provider,
        address client,
        uint256 value,
        uint256 held,
        address other,
        bool strict
    ) external returns (bool locked, uint8 tier, uint8 bondPercent);

    /// @notice A bid kept on an open order: locks `amount` of `bidder`'s free bond (zero address: none;
    /// `SlaBondManagerInsufficientFreeBond` if short) and releases the same bid lock of `dropped` (zero: none).
    /// JobMarket only.
    function moveBidLock(address bidder, address dropped, uint256 amount) external;

    /// @notice An order's finalize: releases `provider`'s bid lock of `amount`, and pays it to `forfeitTo`'s balance
    /// here unless that is zero (a kept bidder no longer eligible when awarded). JobMarket only.
    function releaseBidLock(address provider, uint256 amount, address forfeitTo) external;

    /// @notice The lease's value moved from `oldValue` to `newValue` (extend, cancel): its lock follows. A larger
    /// lock needs free bond (`SlaBondManagerInsufficientFreeBond`). JobMarket only.
    function adjustLock(uint256 leaseId, address provider, uint8 bondPercent, uint256 oldValue, uint256 newValue)
        external;

    /// @notice The provider quit, leaving `oldValue - newValue` unserved: the exit penalty goes from the lock of the
    /// unserved part to the client's balance, the rest of that part unlocks; an auction lease's commitment goes to the
    /// client whole. JobMarket only.
    function penalizeExit(
        uint256 leaseId,
        address provider,
        address client,
        uint8 bondPercent,
        uint256 oldValue,
        uint256 newValue
    ) external;

    // --- governance ---

    /// @notice Sets tier `tier` (< MAX_TIERS) within the hard bounds. Governance.
    function setTier(uint8 tier, Tier calldata config) external;

    function setParams(Params calldata params) external;

    /// @notice Wires the SlashingManager that repeated breaches raise a fault with; once. Governance.
    function setFaultSink(address sink) external;

    // --- views ---

    function getTier(uint8 tier) external view returns (Tier memory);
    function clientTier(address client) external view returns (uint8);
    function bondOf(address provider) external view returns (Bond memory);
    function freeBond(address provider) external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    /// @notice The bid bond percent of an order that `client` posts: its tier's bond percent now, so the bid bond
    /// (that percent of the order's escrow, its value at the maximum price) is the lock a lease of that value takes.
    /// Bidders lock the bid bond while their bid is kept.
    function bidBondPercentOf(address client) external view returns (uint8);
    /// @notice An auction lease's commitment: its winner's bid lock above the lease's lock, still locked (0 if none).
    function commitmentOf(uint256 leaseId) external view returns (uint256);
    function getSettlement(uint256 leaseId) external view returns (Settlement memory);
    function params() external view returns (Params memory);
    function faultSink() external view returns (address);
    /// @notice Every provider bond plus every client balance: what this contract owes (its asset balance covers it).
    function liabilities() external view returns (uint256);
    /// @notice When an unsettled lease's lock may be released.
    function releasableAt(uint256 leaseId) external view returns (uint256);
    /// @notice The credit in basis points of the charge that `tier` gives at this uptime (0 when nothing observed).
    function creditBpsFor(uint8 tier, uint256 secondsUp, uint256 secondsObserved) external view returns (uint256);
}
