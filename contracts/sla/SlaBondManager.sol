// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {ISlaBondManager} from "../interfaces/ISlaBondManager.sol";
import {ISlaFaultSink} from "../interfaces/ISlaFaultSink.sol";
import {LeaseMath} from "../libraries/LeaseMath.sol";
import {SlaMath} from "../libraries/SlaMath.sol";
import {UptimeWalk} from "../libraries/UptimeWalk.sol";

/// @title SlaBondManager
/// @notice Provider SLA bonds in the stablecoin, locked per lease by the JobMarket, and the credits they pay clients
/// when the oracle's uptime leaves show a breach.
/// @dev Assumptions:
/// - The stablecoin has no transfer fee and does not rebase; its hooks, if any, cannot reenter (nonReentrant).
/// - The JobMarket (immutable) calls the hooks with the lease's true values, and records the tier and bond percent
///   this contract returns at award in the lease; batch jobs carry no SLA (their result has the challenge path).
/// - The oracle quorum is honest above its threshold and puts one uptime leaf in each epoch report for every lease
///   active in that epoch (`secondsObserved` 0 when it could not observe it): a reported epoch without the lease's
///   leaf cannot be settled past, and the lock is then only released after the claim window, without credit.
/// - OracleHub's EPOCH_LENGTH and LATE_WINDOW_EPOCHS are immutable there, so they are copied here once.
///   The walk over a lease's epochs (each uptime leaf proven in order, an unreported epoch skipped only once it can
///   never be reported) is UptimeWalk's.
/// - The AccessManager maps `setTier`, `setParams` and `setFaultSink` to governance.
/// - The JobMarket reads the same OracleHub (checked at deployment) to hold an SLA lease's stream from the hub's
///   covered time on, and its `payStreamCredit` pays from what the lease still holds and marks the lease's SLA settled
///   (the once-only flag of a settlement that closes, kept in the lease's own slot).
/// Who pays (DESIGN "Who pays SLA credits"): the credit comes from the lease's held stream first (paid by the market
/// to the client's balance there), then from the lease's lock (to the client's balance here), capped at the sum, so a
/// settlement never reverts for lack of funds. The early-exit penalty comes only from the lock of the unserved part,
/// so the lock that backs the served part's credit is drawn on by credits first.
/// Binding bids (DESIGN "Orders", after the auction review): a bidder kept on an open order (best or runner-up) holds
/// the order's bid bond locked (`moveBidLock`) until finalize releases it, forfeits it to the client (no longer
/// eligible), or converts it into the lease's lock; the part above the lease's lock stays locked as the lease's
/// commitment, which quitting forfeits to the client and which unlocks with the lease's lock otherwise.
/// Invariant (DESIGN.md 1, 2): asset held >= liabilities = sum of bond totals + sum of balances; per provider,
/// locked <= total and locked = sum over its open leases of (lockOf(bondPercent, value) + commitment) + the bid bonds
/// of the open orders that keep its bid; deposited = withdrawn +
/// credits from the bond + penalties + total.
contract SlaBondManager is AccessManaged, ReentrancyGuardTransient, ISlaBondManager {
    using SafeERC20 for IERC20;

    /// @notice Tier ids are below this.
    uint8 public constant MAX_TIERS = 8;
    /// @notice Thresholds are at least 50% uptime.
    uint32 public constant MIN_THRESHOLD_PPM = 500_000;
    uint16 public constant MAX_EXIT_PENALTY_BPS = 10_000;
    uint16 public constant MAX_BREACH_FAULT_THRESHOLD = 100;
    /// @notice Unreported epochs one call may skip: bounds a call's gas (one hub read each).
    uint256 public constant MAX_SKIPPED_EPOCHS = UptimeWalk.MAX_SKIPPED_EPOCHS;

    IERC20 public immutable ASSET;
    IJobMarket public immutable JOB_MARKET;
    IOracleHub public immutable ORACLE_HUB;
    /// @notice OracleHub's epoch length and late window, copied at deployment.
    uint256 public immutable EPOCH_LENGTH;
    uint256 public immutable LATE_WINDOW_EPOCHS;

    /// @dev A tier as stored (one slot): its fields and, mirrored from `_params`, the breach fault threshold, so a
    /// settlement reads the schedule and the threshold in one slot.
    struct StoredTier {
        uint32 targetPpm;
        uint32 midPpm;
        uint32 lowPpm;
        uint16 creditBps;
        uint16 midCreditBps;
        uint16 lowCreditBps;
        uint8 bondPercent;
        uint16 breachFaultThreshold;
    }

    /// @dev A settlement as stored (one slot): `Settlement`'s fields, the next epoch narrowed to uint40 (an epoch index
    /// is at most the lease's end, a uint40 timestamp, over the epoch length), and an auction lease's commitment: the
    /// part of its winner's bid lock above the lease's own lock, held with it. The commitment is at most an order's
    /// bid bond <= its escrow <= (2^40 - 1) x (2^16 - 1) x 365 days / 3600 < 2^70 (JobMarket's bounds), so it fits a
    /// uint72. Sharing the slot keeps `settle` and `release` at one read for a lease without a commitment.
    struct StoredSettlement {
        uint40 nextEpoch;
        uint64 secondsUp;
        uint64 secondsObserved;
        bool started;
        bool closed;
        uint72 commitment;
    }

    Params private _params;
    ISlaFaultSink private _faultSink;
    uint256 private _liabilities;
    mapping(uint8 tier => StoredTier) private _tiers;
    mapping(address client => uint8) private _clientTiers;
    mapping(address provider => Bond) private _bonds;
    mapping(address account => uint256) private _balances;
    mapping(uint256 leaseId => StoredSettlement) private _settlements;

    /// @param tiers Tiers 0.. in order (0 is every client's default, so it must be given).
    constructor(
        address authority,
        IERC20 asset,
        IJobMarket jobMarket,
        IOracleHub oracleHub,
        Tier[] memory tiers,
        Params memory initialParams
    ) AccessManaged(authority) {
        require(address(asset) != address(0), SlaBondManagerZeroAddress("asset"));
        require(address(jobMarket) != address(0), SlaBondManagerZeroAddress("jobMarket"));
        require(address(oracleHub) != address(0), SlaBondManagerZeroAddress("oracleHub"));
        address marketHub = address(jobMarket.ORACLE_HUB());
        require(marketHub == address(oracleHub), SlaBondManagerHubMismatch(marketHub, address(oracleHub)));
        require(tiers.length > 0 && tiers.length <= MAX_TIERS, SlaBondManagerParameterOutOfBounds("tiers", tiers.length, 1, MAX_TIERS));
        ASSET = asset;
        JOB_MARKET = jobMarket;
        ORACLE_HUB = oracleHub;
        EPOCH_LENGTH = oracleHub.EPOCH_LENGTH();
        LATE_WINDOW_EPOCHS = oracleHub.LATE_WINDOW_EPOCHS();
        for (uint256 i; i < tiers.length; ++i) {
            // i < MAX_TIERS = 8.
            _setTier(uint8(i), tiers[i]);
        }
        _setParams(initialParams);
    }

    modifier onlyJobMarket() {
        require(msg.sender == address(JOB_MARKET), SlaBondManagerNotJobMarket(msg.sender));
        _;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Providers and clients
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlaBondManager
    function deposit(uint256 amount) external nonReentrant {
        require(amount > 0, SlaBondManagerZeroAmount());
        Bond storage bond = _bonds[msg.sender];
        uint256 total = bond.total + amount;
        require(total <= type(uint112).max, SlaBondManagerBondTooLarge(total, type(uint112).max));
        bond.total = uint112(total);
        _liabilities += amount;
        ASSET.safeTransferFrom(msg.sender, address(this), amount);
        emit BondDeposited(msg.sender, amount, total);
    }

    /// @inheritdoc ISlaBondManager
    function withdrawBond(uint256 amount) external nonReentrant {
        require(amount > 0, SlaBondManagerZeroAmount());
        Bond storage bond = _bonds[msg.sender];
        uint256 free = bond.total - bond.locked;
        require(amount <= free, SlaBondManagerInsufficientFreeBond(msg.sender, free, amount));
        // amount <= free <= total < 2^112.
        uint256 total = bond.total - amount;
        bond.total = uint112(total);
        _liabilities -= amount;
        ASSET.safeTransfer(msg.sender, amount);
        emit BondWithdrawn(msg.sender, amount, total);
    }

    /// @inheritdoc ISlaBondManager
    function setClientTier(uint8 tier) external {
        _requireTier(tier);
        _clientTiers[msg.sender] = tier;
        emit ClientTierSet(msg.sender, tier);
    }

    /// @inheritdoc ISlaBondManager
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender];
        require(amount > 0, SlaBondManagerNoBalance(msg.sender));
        _balances[msg.sender] = 0;
        _liabilities -= amount;
        ASSET.safeTransfer(msg.sender, amount);
        emit BalanceWithdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Settlement
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlaBondManager
    function settle(uint256 leaseId, UptimeProof[] calldata proofs)
        external
        nonReentrant
        returns (bool closed, uint256 credit)
    {
        IJobMarket.Lease memory lease = _slaLease(leaseId);
        StoredSettlement memory s = _settlements[leaseId];
        require(!s.closed && !lease.slaSettled, SlaBondManagerAlreadyClosed(leaseId));
        UptimeWalk.Walk memory w =
            UptimeWalk.begin(s.started, s.nextEpoch, lease.start, lease.end, EPOCH_LENGTH, LATE_WINDOW_EPOCHS);
        for (uint256 i; i < proofs.length; ++i) {
            (uint32 up, uint32 observed) = UptimeWalk.prove(w, ORACLE_HUB, leaseId, proofs[i]);
            // Sums of uint32 per epoch over fewer than 2^32 epochs stay below 2^64.
            s.secondsUp += up;
            s.secondsObserved += observed;
        }
        // After the proofs, skip what can be skipped: unreported epochs past the late window.
        UptimeWalk.skipUnreported(w, ORACLE_HUB);
        if (block.timestamp >= lease.end && w.next >= w.endEpoch) {
            // The market's hook marks the lease's SLA settled (the once-only flag), so the progress slot is left as
            // it was: a lease settled in one call never writes it.
            // Before the lock is releasable, the lease's last epoch (endEpoch - 1) is still within the late window:
            // the oldest reportable epoch is at most endEpoch (UptimeWalk.releasableAt).
            credit = _close(leaseId, lease, s, w.oldest <= w.endEpoch);
            return (true, credit);
        }
        // w.next <= the lease's last epoch + 1 <= its end (a uint40) / the epoch length: it fits.
        s.nextEpoch = uint40(w.next);
        s.started = true;
        _settlements[leaseId] = s;
        emit SlaProgressed(leaseId, w.next, s.secondsUp, s.secondsObserved);
    }

    /// @inheritdoc ISlaBondManager
    function release(uint256 leaseId) external nonReentrant returns (uint256 lock) {
        IJobMarket.Lease memory lease = _slaLease(leaseId);
        StoredSettlement storage s = _settlements[leaseId];
        require(!s.closed && !lease.slaSettled, SlaBondManagerAlreadyClosed(leaseId));
        uint256 at = UptimeWalk.releasableAt(lease.end, EPOCH_LENGTH, LATE_WINDOW_EPOCHS);
        require(block.timestamp >= at, SlaBondManagerClaimWindowOpen(leaseId, at));
        s.closed = true;
        // The commitment (if any) unlocks with the lease's lock; `closed` keeps it from being counted again.
        lock = SlaMath.lockOf(lease.slaBondPercent, _value(lease)) + s.commitment;
        // The lease's lock is part of the provider's locked total (see the contract invariant).
        _bonds[lease.provider].locked -= uint112(lock);
        emit BondReleased(leaseId, lease.provider, lock);
    }

    // ------------------------------------------------------------------------------------------------------------
    // JobMarket hooks
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlaBondManager
    function lockBond(
        uint256 leaseId,
        address provider,
        address client,
        uint256 value,
        uint256 held,
        address other,
        bool strict
    ) external onlyJobMarket returns (bool locked, uint8 tier, uint8 bondPercent) {
        tier = _clientTiers[client];
        bondPercent = _tiers[tier].bondPercent;
        uint256 lock = SlaMath.lockOf(bondPercent, value);
        Bond storage bond = _bonds[provider];
        // The bid lock `held` is part of locked (the market passes the order's bid bond of a kept bidder).
        uint256 free = bond.total - bond.locked + held;
        if (lock > free) {
            require(!strict, SlaBondManagerInsufficientFreeBond(provider, free, lock));
            // The bid lock is part of locked; the bidder gets it back (its tier-sized lock grew past it).
            if (held != 0) _releaseBidLock(provider, held);
            return (false, tier, bondPercent);
        }
        if (held > lock) {
            // The bid lock stays whole: the lease's lock plus its commitment (what quitting forfeits). held is an
            // order's bid bond < 2^70 (see StoredSettlement).
            _settlements[leaseId].commitment = uint72(held - lock);
        } else if (lock > held) {
            // lock - held <= free - held, so locked stays <= total < 2^112.
            bond.locked += uint112(lock - held);
        }
        if (other != address(0) && held != 0) _releaseBidLock(other, held);
        emit BondLocked(leaseId, provider, client, tier, lock);
        return (true, tier, bondPercent);
    }

    /// @inheritdoc ISlaBondManager
    function moveBidLock(address bidder, address dropped, uint256 amount) external onlyJobMarket {
        if (bidder != address(0)) {
            Bond storage bond = _bonds[bidder];
            uint256 free = bond.total - bond.locked;
            require(amount <= free, SlaBondManagerInsufficientFreeBond(bidder, free, amount));
            // amount <= free, so locked + amount <= total < 2^112.
            bond.locked += uint112(amount);
        }
        // The dropped bidder's bid lock of `amount` is part of its locked.
        if (dropped != address(0)) _bonds[dropped].locked -= uint112(amount);
        emit BidLockMoved(bidder, dropped, amount);
    }

    /// @inheritdoc ISlaBondManager
    function releaseBidLock(address provider, uint256 amount, address forfeitTo) external onlyJobMarket {
        if (forfeitTo == address(0)) return _releaseBidLock(provider, amount);
        Bond storage bond = _bonds[provider];
        // The bid lock is part of locked, so amount <= locked <= total.
        bond.locked -= uint112(amount);
        bond.total -= uint112(amount);
        _credit(forfeitTo, amount);
        emit BidLockReleased(provider, amount, forfeitTo);
    }

    /// @inheritdoc ISlaBondManager
    function adjustLock(uint256 leaseId, address provider, uint8 bondPercent, uint256 oldValue, uint256 newValue)
        external
        onlyJobMarket
    {
        uint256 oldLock = SlaMath.lockOf(bondPercent, oldValue);
        uint256 newLock = SlaMath.lockOf(bondPercent, newValue);
        Bond storage bond = _bonds[provider];
        if (newLock > oldLock) {
            uint256 free = bond.total - bond.locked;
            uint256 more = newLock - oldLock;
            require(more <= free, SlaBondManagerInsufficientFreeBond(provider, free, more));
            bond.locked += uint112(more);
        } else {
            // oldLock is part of locked.
            bond.locked -= uint112(oldLock - newLock);
        }
        emit BondLockChanged(leaseId, provider, oldLock, newLock);
    }

    /// @inheritdoc ISlaBondManager
    function penalizeExit(
        uint256 leaseId,
        address provider,
        address client,
        uint8 bondPercent,
        uint256 oldValue,
        uint256 newValue
    ) external onlyJobMarket {
        uint256 newLock = SlaMath.lockOf(bondPercent, newValue);
        // The unserved part's lock: what stops backing the lease. The penalty comes from it only, so the served
        // part's lock still backs its credit in full (credits draw on the bond first).
        uint256 freed = SlaMath.lockOf(bondPercent, oldValue) - newLock;
        uint256 penalty = Math.min((oldValue - newValue) * _params.exitPenaltyBps / SlaMath.MAX_BPS, freed);
        // An auction lease's commitment goes to the client whole: its winner bid, then did not serve.
        StoredSettlement storage s = _settlements[leaseId];
        uint256 commitment = s.commitment;
        if (commitment != 0) s.commitment = 0;
        penalty += commitment;
        freed += commitment;
        Bond storage bond = _bonds[provider];
        // freed is part of locked (the commitment too) and penalty <= freed <= locked <= total.
        bond.locked -= uint112(freed);
        bond.total -= uint112(penalty);
        _credit(client, penalty);
        emit ExitPenalized(leaseId, provider, client, penalty, newLock);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlaBondManager
    function setTier(uint8 tier, Tier calldata config) external restricted {
        require(tier < MAX_TIERS, SlaBondManagerUnknownTier(tier));
        _setTier(tier, config);
    }

    /// @inheritdoc ISlaBondManager
    function setParams(Params calldata newParams) external restricted {
        _setParams(newParams);
    }

    /// @inheritdoc ISlaBondManager
    function setFaultSink(address sink) external restricted {
        require(address(_faultSink) == address(0), SlaBondManagerFaultSinkAlreadySet(address(_faultSink)));
        require(sink != address(0), SlaBondManagerZeroAddress("sink"));
        _faultSink = ISlaFaultSink(sink);
        emit FaultSinkSet(sink);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlaBondManager
    function getTier(uint8 tier) external view returns (Tier memory) {
        return _tierOf(_tiers[tier]);
    }

    /// @inheritdoc ISlaBondManager
    function clientTier(address client) external view returns (uint8) {
        return _clientTiers[client];
    }

    /// @inheritdoc ISlaBondManager
    function bondOf(address provider) external view returns (Bond memory) {
        return _bonds[provider];
    }

    /// @inheritdoc ISlaBondManager
    function freeBond(address provider) external view returns (uint256) {
        Bond storage bond = _bonds[provider];
        return bond.total - bond.locked;
    }

    /// @inheritdoc ISlaBondManager
    function bidBondPercentOf(address client) external view returns (uint8) {
        return _tiers[_clientTiers[client]].bondPercent;
    }

    /// @inheritdoc ISlaBondManager
    function commitmentOf(uint256 leaseId) external view returns (uint256) {
        StoredSettlement memory s = _settlements[leaseId];
        // Unlocked by `release` (closed) or by a settlement that closed in one call (the lease's flag, see `settle`).
        return s.closed || JOB_MARKET.getLease(leaseId).slaSettled ? 0 : s.commitment;
    }

    /// @inheritdoc ISlaBondManager
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ISlaBondManager
    function getSettlement(uint256 leaseId) external view returns (Settlement memory s) {
        StoredSettlement memory stored = _settlements[leaseId];
        s = Settlement(stored.nextEpoch, stored.secondsUp, stored.secondsObserved, stored.started, stored.closed);
        // A settlement that closed in its last call left its flag in the lease (see `settle`).
        if (!s.closed && JOB_MARKET.getLease(leaseId).slaSettled) (s.started, s.closed) = (true, true);
    }

    /// @inheritdoc ISlaBondManager
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc ISlaBondManager
    function faultSink() external view returns (address) {
        return address(_faultSink);
    }

    /// @inheritdoc ISlaBondManager
    function liabilities() external view returns (uint256) {
        return _liabilities;
    }

    /// @inheritdoc ISlaBondManager
    function releasableAt(uint256 leaseId) external view returns (uint256) {
        return UptimeWalk.releasableAt(JOB_MARKET.getLease(leaseId).end, EPOCH_LENGTH, LATE_WINDOW_EPOCHS);
    }

    /// @inheritdoc ISlaBondManager
    function creditBpsFor(uint8 tier, uint256 secondsUp, uint256 secondsObserved) external view returns (uint256) {
        return SlaMath.creditBps(_requireTier(tier), secondsUp, secondsObserved);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Pays the credit from the lease's held stream (the market's hook, which also marks the SLA settled), the
    /// rest from the lease's lock, and the commitment (if any) at the credit rate; unlocks what is left of the lock and
    /// the commitment, and counts a breach.
    /// A settlement from `releasableAt` on (nobody settled in time; the lock could have been released) still pays the
    /// client, but does not count in the breach streak: a fault raised then could come after the vault's exposure tail
    /// (ExposureWindows counts the late window, not an unbounded settlement), when the self-stake may have left.
    function _close(uint256 leaseId, IJobMarket.Lease memory lease, StoredSettlement memory s, bool inTime)
        private
        returns (uint256 credit)
    {
        uint256 charge = _value(lease);
        uint256 lock = SlaMath.lockOf(lease.slaBondPercent, charge);
        StoredTier memory stored = _tiers[lease.slaTier];
        uint256 bps = SlaMath.creditBps(_tierOf(stored), s.secondsUp, s.secondsObserved);
        credit = SlaMath.credit(charge, bps);
        // The stream first: the market pays at most what the lease holds and returns it.
        uint256 fromStream = JOB_MARKET.payStreamCredit(leaseId, credit);
        // Then the bond, capped at the lock, so settlement never reverts for lack of funds; and an auction lease's
        // commitment at the same credit rate: the winner bound its bid on the order's value, so serving badly costs it
        // what quitting would in proportion (a winner that never serves forfeits it whole, as one that quits).
        uint256 fromBond = Math.min(credit - fromStream, lock);
        if (s.commitment != 0) fromBond += SlaMath.credit(s.commitment, bps);
        (bool fault, address sink) = _debit(
            lease.provider, lock + s.commitment, fromBond, inTime && s.secondsObserved != 0, bps != 0, stored.breachFaultThreshold
        );
        _credit(lease.client, fromBond);
        _emitSettled(leaseId, lease, s.secondsUp, s.secondsObserved, charge, fromStream, fromBond, lock);
        if (fault) _raiseFault(lease.provider, leaseId, sink);
        return fromStream + fromBond;
    }

    /// @dev Unlocks `provider`'s bid lock of `amount` (part of its locked: the market passes the order's bid bond of a
    /// kept bidder).
    function _releaseBidLock(address provider, uint256 amount) private {
        _bonds[provider].locked -= uint112(amount);
        emit BidLockReleased(provider, amount, address(0));
    }


    /// @dev Repeated breaches: the event, and the fault with the sink if one is wired. Effects are done by then; the
    /// sink is the governance-wired SlashingManager.
    function _raiseFault(address provider, uint256 leaseId, address sink) private {
        uint256 breaches = _params.breachFaultThreshold;
        emit RepeatedBreaches(provider, breaches, leaseId, sink);
        if (sink != address(0)) ISlaFaultSink(sink).onRepeatedBreaches(provider, breaches, leaseId);
    }

    /// @dev Unlocks `provider`'s `lock`, takes `fromBond` from its bond, and counts the settlement in the breach streak
    /// if it `counts` (something was observed, and it came in time: see `_close`): returns whether the streak raised a
    /// fault, and the sink to raise it with.
    function _debit(address provider, uint256 lock, uint256 fromBond, bool counts, bool breached, uint256 threshold)
        private
        returns (bool fault, address sink)
    {
        Bond memory bond = _bonds[provider];
        // lock is part of locked, fromBond <= lock <= total.
        bond.locked -= uint112(lock);
        bond.total -= uint112(fromBond);
        // Nothing observed (every epoch silent) is neither a breach nor a met SLA: the streak stays; so for a late
        // settlement.
        if (counts) {
            if (!breached) {
                bond.breachStreak = 0;
            } else if (++bond.breachStreak >= threshold) {
                fault = true;
                sink = address(_faultSink);
                bond.breachStreak = 0;
            }
        }
        _bonds[provider] = bond;
    }

    /// @dev Its own frame, for the stack: the settlement's event with both parts of the credit.
    function _emitSettled(
        uint256 leaseId,
        IJobMarket.Lease memory lease,
        uint256 up,
        uint256 observed,
        uint256 charge,
        uint256 fromStream,
        uint256 fromBond,
        uint256 lock
    ) private {
        emit SlaSettled(
            leaseId, lease.provider, lease.client, lease.slaTier, up, observed, charge, fromStream, fromBond, lock
        );
    }

    /// @dev The lease, if it carries an SLA bond (a lease, not a batch job, awarded while this contract was wired).
    function _slaLease(uint256 leaseId) private view returns (IJobMarket.Lease memory lease) {
        lease = JOB_MARKET.getLease(leaseId);
        require(
            lease.status != IJobMarket.LeaseStatus.None && lease.kind == IJobMarket.JobKind.Lease
                && lease.slaBondPercent != 0,
            SlaBondManagerNoSla(leaseId)
        );
    }

    function _value(IJobMarket.Lease memory lease) private pure returns (uint256) {
        return LeaseMath.value(lease.pricePerGpuHour, lease.gpuCount, lease.end - lease.start);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        // The amount moved from a bond total to a balance: liabilities are unchanged.
        _balances[account] += amount;
        emit BalanceCredited(account, amount);
    }

    function _tierOf(StoredTier memory t) private pure returns (Tier memory) {
        return Tier({
            targetPpm: t.targetPpm,
            midPpm: t.midPpm,
            lowPpm: t.lowPpm,
            creditBps: t.creditBps,
            midCreditBps: t.midCreditBps,
            lowCreditBps: t.lowCreditBps,
            bondPercent: t.bondPercent
        });
    }

    function _requireTier(uint8 tier) private view returns (Tier memory config) {
        config = _tierOf(_tiers[tier]);
        require(tier < MAX_TIERS && config.bondPercent != 0, SlaBondManagerUnknownTier(tier));
    }

    function _setTier(uint8 tier, Tier memory t) private {
        _checkBounds("targetPpm", t.targetPpm, MIN_THRESHOLD_PPM, SlaMath.PPM);
        _checkBounds("midPpm", t.midPpm, MIN_THRESHOLD_PPM, t.targetPpm);
        _checkBounds("lowPpm", t.lowPpm, MIN_THRESHOLD_PPM, t.midPpm);
        _checkBounds("creditBps", t.creditBps, 1, SlaMath.MAX_BPS);
        _checkBounds("midCreditBps", t.midCreditBps, t.creditBps, SlaMath.MAX_BPS);
        _checkBounds("lowCreditBps", t.lowCreditBps, t.midCreditBps, SlaMath.MAX_BPS);
        _checkBounds("bondPercent", t.bondPercent, 1, 100);
        _tiers[tier] = StoredTier({
            targetPpm: t.targetPpm,
            midPpm: t.midPpm,
            lowPpm: t.lowPpm,
            creditBps: t.creditBps,
            midCreditBps: t.midCreditBps,
            lowCreditBps: t.lowCreditBps,
            bondPercent: t.bondPercent,
            breachFaultThreshold: _params.breachFaultThreshold
        });
        emit TierSet(tier, t);
    }

    function _setParams(Params memory p) private {
        _checkBounds("exitPenaltyBps", p.exitPenaltyBps, 0, MAX_EXIT_PENALTY_BPS);
        _checkBounds("breachFaultThreshold", p.breachFaultThreshold, 1, MAX_BREACH_FAULT_THRESHOLD);
        _params = p;
        // Mirror the threshold into every set tier's slot (MAX_TIERS slots at most: bounded).
        for (uint8 i; i < MAX_TIERS; ++i) {
            StoredTier storage t = _tiers[i];
            if (t.bondPercent != 0) t.breachFaultThreshold = p.breachFaultThreshold;
        }
        emit ParamsSet(p);
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, SlaBondManagerParameterOutOfBounds(name, value, min, max));
    }
}
