// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFeeRouter} from "../interfaces/IFeeRouter.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {ILeaseAuction} from "../interfaces/ILeaseAuction.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IRevenueRecorder} from "../interfaces/IRevenueRecorder.sol";
import {ISlaBondManager} from "../interfaces/ISlaBondManager.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {LeaseMath} from "../libraries/LeaseMath.sol";
import {MarketFees} from "../libraries/MarketFees.sol";
import {MarketParams} from "../libraries/MarketParams.sol";
import {ProviderEligibility} from "../libraries/ProviderEligibility.sol";

/// @title JobMarket
/// @notice GPU leases with escrow: direct orders, the leases the wired LeaseAuction awards, per-second streaming,
/// batch jobs with a challenge window, pull payments, and the protocol fee and revenue record on every release.
/// @dev Assumptions:
/// - The settlement asset has no transfer fee and does not rebase (amounts received equal amounts sent). Its
///   transfer hooks, if any, cannot reenter: every state-changing entry point is nonReentrant.
/// - `dispute` and `resolveDispute` are the DisputeManager's alone (the one the registry has wired, once; no AccessManager
///   role moves escrow). The AccessManager maps setters to governance and `pause`/`unpause` to the guardian. The registry (`setJobMarket`), and through it the vault, and the revenue
///   recorder (`wireRecorders`) accept this contract's hook calls, wired once at deployment. The LeaseAuction
///   (`setLeaseAuction`, once) alone opens auction leases and moves bid locks; it moves the order's escrow in first.
/// - The FeeRouter's `feeBpsFixedUntil` is a time before which its rate cannot change: the rate is cached until
///   then, so every release pays the router's current rate.
/// - The OracleHub's epochs are absolute (`timestamp / EPOCH_LENGTH`), as the SlaBondManager judges a lease's, and
///   its `coveredUntil` never decreases; the SlaBondManager calls `payStreamCredit` once per lease, after its end.
/// Who pays SLA credits (DESIGN Hardening): an SLA lease's stream is withdrawable only up to the oracle's covered
/// time, so the uncovered tail stays here for the credit; the tail a closed lease still holds is released by
/// `withdrawAccrued` once covered (at the latest the late window after the lease's end), so nothing is stuck.
/// Invariant (DESIGN.md 1, 2): the asset held >= sum over leases of (value - released - streamCredited) + credited
/// balances + collected fees; per lease, value at award + top-ups = released +
/// refunds + streamCredited + still held.
contract JobMarket is AccessManaged, Pausable, ReentrancyGuardTransient, IJobMarket {
    using SafeERC20 for IERC20;
    using LeaseMath for Lease;

    /// @inheritdoc IJobMarket
    uint256 public constant MAX_LEASE_DURATION = MarketParams.MAX_LEASE_DURATION;
    uint256 public constant MIN_MIN_LEASE_DURATION = MarketParams.MIN_MIN_LEASE_DURATION;
    uint256 public constant MAX_MIN_LEASE_DURATION = MarketParams.MAX_MIN_LEASE_DURATION;
    uint256 public constant MAX_CANCEL_NOTICE = MarketParams.MAX_CANCEL_NOTICE;
    uint256 public constant MIN_CHALLENGE_WINDOW = MarketParams.MIN_CHALLENGE_WINDOW;
    uint256 public constant MAX_CHALLENGE_WINDOW = MarketParams.MAX_CHALLENGE_WINDOW;
    uint256 public constant MIN_BID_WINDOW = MarketParams.MIN_BID_WINDOW;
    uint256 public constant MAX_BID_WINDOW = MarketParams.MAX_BID_WINDOW;
    uint256 public constant MAX_BID_STEP_BPS = MarketParams.MAX_BID_STEP_BPS;
    uint256 public constant MAX_AMOUNT_PARAM = MarketParams.MAX_AMOUNT_PARAM;

    /// @inheritdoc IJobMarket
    IERC20 public immutable ASSET;
    /// @inheritdoc IJobMarket
    IProviderRegistry public immutable REGISTRY;
    /// @inheritdoc IJobMarket
    IStakingVault public immutable VAULT;
    IFeeRouter public immutable FEE_ROUTER;
    IRevenueRecorder public immutable REVENUE;
    /// @inheritdoc IJobMarket
    IOracleHub public immutable ORACLE_HUB;

    Params private _params;
    /// @dev One slot: the award reads the SLA bond manager where it counts the lease.
    uint96 private _leaseCount;
    ISlaBondManager private _sla;
    address private _auction;
    /// @dev The fees collected and the FeeRouter's rate cached until it may change: one slot (MarketFees).
    MarketFees.State private _fees;
    mapping(uint256 leaseId => Lease) private _leases;
    mapping(uint256 leaseId => Result) private _results;
    mapping(address account => uint256) private _balances;

    /// @notice The contracts this market calls, fixed at deployment.
    struct Wiring {
        IERC20 asset;
        IProviderRegistry registry;
        IStakingVault vault;
        IFeeRouter feeRouter;
        IRevenueRecorder revenue;
        IOracleHub oracleHub;
    }

    constructor(address authority, Wiring memory wiring, Params memory initialParams) AccessManaged(authority) {
        require(address(wiring.asset) != address(0), JobMarketZeroAddress("asset"));
        require(address(wiring.registry) != address(0), JobMarketZeroAddress("registry"));
        require(address(wiring.vault) != address(0), JobMarketZeroAddress("vault"));
        require(address(wiring.feeRouter) != address(0), JobMarketZeroAddress("feeRouter"));
        require(address(wiring.revenue) != address(0), JobMarketZeroAddress("revenue"));
        require(address(wiring.oracleHub) != address(0), JobMarketZeroAddress("oracleHub"));
        ASSET = wiring.asset;
        REGISTRY = wiring.registry;
        VAULT = wiring.vault;
        FEE_ROUTER = wiring.feeRouter;
        REVENUE = wiring.revenue;
        ORACLE_HUB = wiring.oracleHub;
        _setParams(initialParams);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Direct orders and leases
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IJobMarket
    function createDirectLease(
        address provider,
        bytes32 modelClass,
        uint16 gpuCount,
        uint40 duration,
        uint40 maxPricePerGpuHour,
        JobKind kind
    ) external whenNotPaused nonReentrant returns (uint256 leaseId) {
        IProviderRegistry.Offer memory offer = REGISTRY.getOffer(provider, modelClass);
        require(offer.active, JobMarketNoOffer(provider, modelClass));
        require(
            offer.pricePerGpuHour <= maxPricePerGpuHour,
            JobMarketPriceAboveMax(offer.pricePerGpuHour, maxPricePerGpuHour)
        );
        // The registry caps offer prices at 1e12 < 2^40.
        uint40 price = uint40(offer.pricePerGpuHour);
        uint256 value = LeaseMath.checkTerms(_params, price, gpuCount, duration);
        ProviderEligibility.enforce(REGISTRY, VAULT, provider, modelClass);
        (, uint16 sla) = _lockBond(provider, msg.sender, value, kind, true, 0, address(0));
        leaseId = _award(msg.sender, provider, modelClass, gpuCount, price, duration, kind, 0, sla);
        ASSET.safeTransferFrom(msg.sender, address(this), value);
    }

    /// @inheritdoc IJobMarket
    function withdrawAccrued(uint256 leaseId) external nonReentrant returns (uint256 net) {
        Lease storage lease = _leases[leaseId];
        require(msg.sender == lease.provider, JobMarketNotProvider(leaseId, msg.sender));
        require(lease.streams(), JobMarketInvalidLeaseStatus(leaseId, lease.status));
        uint256 gross = lease.withdrawable(_results[leaseId], ORACLE_HUB);
        require(gross > 0, JobMarketNothingToWithdraw(leaseId));
        lease.released += uint128(gross);
        net = _release(leaseId, lease.provider, gross);
        ASSET.safeTransfer(REGISTRY.payoutOf(lease.provider), net);
    }

    /// @inheritdoc IJobMarket
    function extend(uint256 leaseId, uint40 extraDuration) external whenNotPaused nonReentrant {
        Lease storage lease = _leases[leaseId];
        _requireClientOfActive(leaseId, lease);
        require(!lease.cancelled, JobMarketAlreadyCancelled(leaseId));
        require(block.timestamp < lease.end, JobMarketLeaseEnded(leaseId, lease.end));
        uint256 newEnd = uint256(lease.end) + extraDuration;
        uint256 total = newEnd - lease.start;
        require(
            extraDuration > 0 && total <= MAX_LEASE_DURATION,
            JobMarketDurationOutOfBounds(total, lease.end - lease.start + 1, MAX_LEASE_DURATION)
        );
        uint256 oldValue = lease.valueAt(lease.end);
        uint256 newValue = lease.valueAt(newEnd);
        uint256 topUp = newValue - oldValue;
        if (lease.slaBondPercent != 0) _sla.adjustLock(leaseId, lease.provider, lease.slaBondPercent, oldValue, newValue);
        // newEnd <= start + MAX_LEASE_DURATION < 2^40.
        lease.end = uint40(newEnd);
        VAULT.recordExposure(lease.provider, 0, uint40(newEnd));
        ASSET.safeTransferFrom(msg.sender, address(this), topUp);
        emit LeaseExtended(leaseId, newEnd, topUp);
    }

    /// @inheritdoc IJobMarket
    function cancel(uint256 leaseId) external nonReentrant {
        Lease storage lease = _leases[leaseId];
        _requireClientOfActive(leaseId, lease);
        require(!lease.cancelled, JobMarketAlreadyCancelled(leaseId));
        uint256 newEnd = block.timestamp + _params.cancelNotice;
        require(newEnd < lease.end, JobMarketNothingToCancel(leaseId, newEnd, lease.end));
        uint256 oldValue = lease.valueAt(lease.end);
        uint256 newValue = lease.valueAt(newEnd);
        uint256 refund = oldValue - newValue;
        if (lease.slaBondPercent != 0) _sla.adjustLock(leaseId, lease.provider, lease.slaBondPercent, oldValue, newValue);
        lease.end = uint40(newEnd);
        lease.cancelled = true;
        _credit(lease.client, refund);
        emit LeaseCancelled(leaseId, newEnd, refund);
    }

    /// @inheritdoc IJobMarket
    function quit(uint256 leaseId) external nonReentrant {
        Lease storage lease = _leases[leaseId];
        require(msg.sender == lease.provider, JobMarketNotProvider(leaseId, msg.sender));
        require(lease.status == LeaseStatus.Active, JobMarketInvalidLeaseStatus(leaseId, lease.status));
        require(block.timestamp < lease.end, JobMarketLeaseEnded(leaseId, lease.end));
        uint256 oldValue = lease.valueAt(lease.end);
        uint256 newValue = lease.valueAt(block.timestamp);
        uint256 refund = oldValue - newValue;
        if (lease.slaBondPercent != 0) {
            _sla.penalizeExit(leaseId, msg.sender, lease.client, lease.slaBondPercent, oldValue, newValue);
        }
        lease.end = uint40(block.timestamp);
        _releaseCapacity(lease);
        _credit(lease.client, refund);
        emit LeaseQuit(leaseId, msg.sender, block.timestamp, refund);
    }

    /// @inheritdoc IJobMarket
    function close(uint256 leaseId) external nonReentrant {
        Lease storage lease = _leases[leaseId];
        require(lease.status == LeaseStatus.Active, JobMarketInvalidLeaseStatus(leaseId, lease.status));
        require(block.timestamp >= lease.end, JobMarketLeaseNotEnded(leaseId, lease.end));
        uint256 refund;
        uint256 pay;
        if (lease.kind == JobKind.Batch) {
            // A batch job carries no SLA: its escrow is value - released.
            uint256 held = lease.valueAt(lease.end) - lease.released;
            uint40 challengeEndsAt = _results[leaseId].challengeEndsAt;
            // No result by the end: the provider earned nothing and the client gets everything back.
            if (challengeEndsAt != 0) {
                require(block.timestamp >= challengeEndsAt, JobMarketChallengeWindowOpen(leaseId, challengeEndsAt));
                pay = held;
            }
            refund = held - pay;
        } else {
            // Everything streamed (now >= end); an SLA lease's uncovered tail stays held (see the contract notice).
            pay = lease.withdrawable(_results[leaseId], ORACLE_HUB);
        }
        lease.status = LeaseStatus.Closed;
        _releaseCapacity(lease);
        _settle(leaseId, lease, pay, refund);
    }

    /// @inheritdoc IJobMarket
    function submitResult(uint256 leaseId, bytes32 resultHash, string calldata uri) external nonReentrant {
        Lease storage lease = _leases[leaseId];
        require(msg.sender == lease.provider, JobMarketNotProvider(leaseId, msg.sender));
        require(lease.status == LeaseStatus.Active, JobMarketInvalidLeaseStatus(leaseId, lease.status));
        require(lease.kind == JobKind.Batch, JobMarketWrongKind(leaseId, lease.kind));
        Result storage r = _results[leaseId];
        require(resultHash != bytes32(0), JobMarketZeroResultHash(leaseId));
        require(r.challengeEndsAt == 0, JobMarketResultAlreadySubmitted(leaseId));
        // No result by the end (or after a quit) earns nothing: close refunds the client in full.
        require(block.timestamp < lease.end, JobMarketLeaseEnded(leaseId, lease.end));
        uint256 refund = lease.valueAt(lease.end) - lease.valueAt(block.timestamp);
        lease.end = uint40(block.timestamp);
        _releaseCapacity(lease);
        uint256 challengeEndsAt = block.timestamp + _params.challengeWindow;
        r.resultHash = resultHash;
        r.challengeEndsAt = uint40(challengeEndsAt);
        if (refund > 0) _credit(lease.client, refund);
        emit ResultSubmitted(leaseId, resultHash, uri, challengeEndsAt);
    }

    /// @inheritdoc IJobMarket
    function dispute(uint256 leaseId, address client) external {
        _requireDisputeManager();
        Lease storage lease = _leases[leaseId];
        require(client == lease.client, JobMarketNotClient(leaseId, client));
        require(lease.status == LeaseStatus.Active, JobMarketInvalidLeaseStatus(leaseId, lease.status));
        uint40 challengeEndsAt = _results[leaseId].challengeEndsAt;
        require(challengeEndsAt != 0, JobMarketNoResult(leaseId));
        require(block.timestamp < challengeEndsAt, JobMarketChallengeWindowClosed(leaseId, challengeEndsAt));
        lease.status = LeaseStatus.Disputed;
        emit ResultDisputed(leaseId, client);
    }

    /// @inheritdoc IJobMarket
    function resolveDispute(uint256 leaseId, uint256 toProvider) external nonReentrant {
        _requireDisputeManager();
        Lease storage lease = _leases[leaseId];
        require(lease.status == LeaseStatus.Disputed, JobMarketInvalidLeaseStatus(leaseId, lease.status));
        uint256 held = lease.valueAt(lease.end) - lease.released;
        require(toProvider <= held, JobMarketPayoutAboveEscrow(leaseId, toProvider, held));
        lease.status = LeaseStatus.Closed;
        _settle(leaseId, lease, toProvider, held - toProvider);
        emit DisputeResolved(leaseId, toProvider, held - toProvider);
    }

    /// @inheritdoc IJobMarket
    /// @dev No external call and only this lease's fields and the client's balance change, so it needs no reentrancy
    /// guard: a call from inside another entry point's token transfer finds that entry point's effects done.
    function payStreamCredit(uint256 leaseId, uint256 credit) external returns (uint256 fromStream) {
        require(msg.sender == address(_sla), JobMarketNotSlaBondManager(msg.sender));
        Lease storage lease = _leases[leaseId];
        require(!lease.slaSettled, JobMarketSlaAlreadySettled(leaseId));
        // Everything the lease still holds (its stream credit is 0 until now): after its end nothing more streams
        // or is refunded.
        fromStream = Math.min(credit, lease.valueAt(lease.end) - lease.released);
        // fromStream <= the lease's value < 2^120 (price < 2^40, gpus < 2^16, duration < 2^25 seconds).
        lease.streamCredited = uint120(fromStream);
        lease.slaSettled = true;
        _credit(lease.client, fromStream);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Auction leases
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IJobMarket
    function openAuctionLease(AuctionAward calldata award) external nonReentrant returns (uint256 leaseId, uint256 refund) {
        _requireAuction();
        uint256 awardedValue;
        address best = award.best;
        address second = award.runnerUp;
        // No bid (an expired order): nothing to award or release.
        if (best != address(0)) {
            if (paused()) {
                // A pause stops new leases but never locks funds: the order fails without fault of the bidders, so
                // the client gets its escrow and the bidders their locks back.
                _releaseBid(best, award.bidBond, address(0));
                _releaseBid(second, award.bidBond, address(0));
            } else {
                // The best bid, else the runner-up (at its own price): at most two awards tried, each bounded. The
                // award releases the other kept bid's lock.
                (leaseId, awardedValue) = _awardOrder(award, best, award.bestPrice, second);
                if (leaseId == 0 && second != address(0)) {
                    (leaseId, awardedValue) = _awardOrder(award, second, award.runnerUpPrice, address(0));
                }
            }
        }
        // The lease's value is at most the order's escrow (awarded at a price at most the order's maximum).
        refund = award.escrow - awardedValue;
        _credit(award.client, refund);
    }

    /// @inheritdoc IJobMarket
    function moveAuctionBidLock(address bidder, address dropped, uint256 amount) external {
        _requireAuction();
        ISlaBondManager manager = _sla;
        if (address(manager) != address(0)) manager.moveBidLock(bidder, dropped, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Balances, fees, governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IJobMarket
    function withdrawBalance() external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender];
        require(amount > 0, JobMarketNoBalance(msg.sender));
        _balances[msg.sender] = 0;
        ASSET.safeTransfer(msg.sender, amount);
        emit BalanceWithdrawn(msg.sender, amount);
    }

    /// @inheritdoc IJobMarket
    function sweepFees() external nonReentrant returns (uint256 amount) {
        amount = _fees.collected;
        _fees.collected = 0;
        if (amount > 0) ASSET.safeTransfer(address(FEE_ROUTER), amount);
        emit FeesSwept(amount);
    }

    /// @inheritdoc IJobMarket
    function setParams(Params calldata newParams) external restricted {
        _setParams(newParams);
    }

    /// @inheritdoc IJobMarket
    function setSlaBondManager(address slaBondManager_) external restricted {
        require(address(_sla) == address(0), JobMarketSlaBondManagerAlreadySet(address(_sla)));
        require(slaBondManager_ != address(0), JobMarketZeroAddress("slaBondManager"));
        _sla = ISlaBondManager(slaBondManager_);
        emit SlaBondManagerSet(slaBondManager_);
    }

    /// @inheritdoc IJobMarket
    function setLeaseAuction(address leaseAuction_) external restricted {
        require(_auction == address(0), JobMarketLeaseAuctionAlreadySet(_auction));
        require(leaseAuction_ != address(0), JobMarketZeroAddress("leaseAuction"));
        address market = address(ILeaseAuction(leaseAuction_).MARKET());
        require(market == address(this), JobMarketWrongAuctionMarket(leaseAuction_, market));
        _auction = leaseAuction_;
        emit LeaseAuctionSet(leaseAuction_);
    }

    /// @inheritdoc IJobMarket
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IJobMarket
    function unpause() external restricted {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IJobMarket
    function getLease(uint256 leaseId) external view returns (Lease memory) {
        return _leases[leaseId];
    }

    /// @inheritdoc IJobMarket
    function getResult(uint256 leaseId) external view returns (Result memory) {
        return _results[leaseId];
    }

    /// @inheritdoc IJobMarket
    function leaseValue(uint256 leaseId) external view returns (uint256) {
        Lease storage lease = _leases[leaseId];
        return lease.valueAt(lease.end);
    }

    /// @inheritdoc IJobMarket
    function accrued(uint256 leaseId) external view returns (uint256) {
        Lease storage lease = _leases[leaseId];
        return lease.valueAt(Math.min(block.timestamp, lease.end));
    }

    /// @inheritdoc IJobMarket
    function withdrawable(uint256 leaseId) external view returns (uint256) {
        Lease storage lease = _leases[leaseId];
        return lease.streams() ? lease.withdrawable(_results[leaseId], ORACLE_HUB) : 0;
    }

    /// @inheritdoc IJobMarket
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IJobMarket
    function collectedFees() external view returns (uint256) {
        return _fees.collected;
    }

    /// @inheritdoc IJobMarket
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IJobMarket
    function leaseCount() external view returns (uint256) {
        return _leaseCount;
    }

    /// @inheritdoc IJobMarket
    function slaBondManager() external view returns (address) {
        return address(_sla);
    }

    /// @inheritdoc IJobMarket
    function leaseAuction() external view returns (address) {
        return _auction;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Awards the order to `bidder` at `price` if it is still eligible and its SLA bond locks; returns the lease id
    /// (0 when not awarded) and the lease's value. Its bid lock (the order's bid bond): converted into the lease's lock
    /// (an SLA lease), else released on award (a batch job) or by the manager when its bond no longer covers the
    /// lease's lock (the client's tier rose since the post: not the bidder's fault); forfeited to the client when the
    /// bidder was jailed or exited since it bid, released when it is only short of free GPUs or stake. On award, `other` (zero: none), the other kept bidder, gets its
    /// lock back in the same call.
    function _awardOrder(AuctionAward calldata order, address bidder, uint40 price, address other)
        private
        returns (uint256 leaseId, uint256 value)
    {
        {
            (bool eligible, bool active) =
                ProviderEligibility.check(REGISTRY, VAULT, bidder, order.modelClass, order.gpuCount);
            if (!eligible) {
                // Jailed or exited since it bid (its own fault or choice): the bid bond goes to the client. Short of
                // free GPUs or stake: released, since others can cause that (a direct lease of its GPUs, a
                // delegator's exit).
                _releaseBid(bidder, order.bidBond, active ? address(0) : order.client);
                return (0, 0);
            }
        }
        value = LeaseMath.value(price, order.gpuCount, order.duration);
        uint16 sla;
        {
            bool locked;
            (locked, sla) = _lockBond(bidder, order.client, value, order.kind, false, order.bidBond, other);
            if (!locked) return (0, 0);
        }
        leaseId = _award(
            order.client, bidder, order.modelClass, order.gpuCount, price, order.duration, order.kind, order.orderId, sla
        );
    }

    /// @dev Releases `provider`'s bid lock of `amount`, paying it to `forfeitTo` unless that is zero. No-op for no
    /// provider or no bond.
    function _releaseBid(address provider, uint256 amount, address forfeitTo) private {
        if (provider != address(0) && amount != 0) _sla.releaseBidLock(provider, amount, forfeitTo);
    }

    /// @dev Locks the SLA bond of the lease about to be created (id `_leaseCount + 1`): a lease (not a batch job)
    /// under a wired SlaBondManager. `sla` packs the tier (high byte) and the bond percent (low byte) for the lease
    /// (0: no SLA bond). With `strict` a short bond reverts in the manager; without, `locked` is false. `held` is the
    /// bidder's bid lock, which the manager converts into the lease's lock (or releases if the lock fails); `other`'s
    /// bid lock of `held` is released if it succeeds. Without an SLA bond for the lease (a batch job) both bid locks
    /// are released here.
    function _lockBond(
        address provider,
        address client,
        uint256 value,
        JobKind kind,
        bool strict,
        uint256 held,
        address other
    ) private returns (bool locked, uint16 sla) {
        if (address(_sla) == address(0) || kind != JobKind.Lease) {
            _releaseBid(provider, held, address(0));
            _releaseBid(other, held, address(0));
            return (true, 0);
        }
        uint8 tier;
        uint8 bondPercent;
        (locked, tier, bondPercent) = _sla.lockBond(_leaseCount + 1, provider, client, value, held, other, strict);
        sla = (uint16(tier) << 8) | bondPercent;
    }

    /// @dev Creates the lease: commits the provider's capacity (the registry reverts if too few GPUs are free) and
    /// records the stake exposure until the lease's end. The caller locked its SLA bond (`sla`, see `_lockBond`).
    function _award(
        address client,
        address provider,
        bytes32 modelClass,
        uint16 gpuCount,
        uint40 price,
        uint40 duration,
        JobKind kind,
        uint256 orderId,
        uint16 sla
    ) private returns (uint256 leaseId) {
        IProviderRegistry.ModelClass memory mc = REGISTRY.getModelClass(modelClass);
        require(mc.enabled, JobMarketUnknownModelClass(modelClass));
        REGISTRY.commitCapacity(provider, modelClass, gpuCount);
        uint256 end = block.timestamp + duration;
        VAULT.recordExposure(provider, uint256(gpuCount) * mc.stakePerGpu, uint40(end));
        leaseId = ++_leaseCount;
        _leases[leaseId] = Lease({
            client: client,
            start: uint40(block.timestamp),
            end: uint40(end),
            gpuCount: gpuCount,
            provider: provider,
            pricePerGpuHour: price,
            status: LeaseStatus.Active,
            kind: kind,
            cancelled: false,
            capacityReleased: false,
            modelClassIndex: mc.index,
            slaTier: uint8(sla >> 8),
            slaBondPercent: uint8(sla),
            released: 0,
            streamCredited: 0,
            slaSettled: false
        });
        emit LeaseCreated(leaseId, client, provider, modelClass, gpuCount, price, block.timestamp, end, kind, orderId);
    }

    /// @dev Pays `pay` to the provider (fee taken, revenue recorded) and credits `refund` to the client.
    function _settle(uint256 leaseId, Lease storage lease, uint256 pay, uint256 refund) private {
        if (pay > 0) {
            lease.released += uint128(pay);
            _credit(REGISTRY.payoutOf(lease.provider), _release(leaseId, lease.provider, pay));
        }
        if (refund > 0) _credit(lease.client, refund);
        emit LeaseClosed(leaseId, pay, refund);
    }

    /// @dev Takes the protocol fee from a release and records the provider's revenue; returns the net amount.
    function _release(uint256 leaseId, address provider, uint256 gross) private returns (uint256 net) {
        MarketFees.State memory f = _fees;
        uint256 fee = MarketFees.take(f, FEE_ROUTER, gross);
        _fees = f;
        REVENUE.recordRevenue(provider, gross, fee);
        emit PaymentReleased(leaseId, provider, gross, fee);
        return gross - fee;
    }

    function _requireDisputeManager() private view {
        // Before the wiring the address is zero, which no caller is.
        require(msg.sender == REGISTRY.disputeManager(), JobMarketNotDisputeManager(msg.sender));
    }

    function _requireAuction() private view {
        // Before the wiring the address is zero, which no caller is.
        require(msg.sender == _auction, JobMarketNotLeaseAuction(msg.sender));
    }

    /// @dev Frees the lease's GPUs once, and moves the stake they needed into the pool's cooling exposure from the
    /// lease's end (now for a quit or a batch result, the end reached for a close).
    function _releaseCapacity(Lease storage lease) private {
        if (lease.capacityReleased) return;
        lease.capacityReleased = true;
        address provider = lease.provider;
        uint256 stake = REGISTRY.releaseCapacity(provider, REGISTRY.modelClassAt(lease.modelClassIndex), lease.gpuCount);
        VAULT.releaseExposure(provider, stake, lease.end);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _balances[account] += amount;
        emit BalanceCredited(account, amount);
    }

    function _requireClientOfActive(uint256 leaseId, Lease storage lease) private view {
        require(msg.sender == lease.client, JobMarketNotClient(leaseId, msg.sender));
        require(lease.status == LeaseStatus.Active, JobMarketInvalidLeaseStatus(leaseId, lease.status));
    }

    function _setParams(Params memory p) private {
        MarketParams.check(p);
        _params = p;
        // The challenge window is one of the windows the vault's exposure tail covers: once this market is wired, the
        // vault's span reads the new window back from here, with the others' (ExposureWindows). Before (this
        // constructor), the SlashingManager and DisputeManager do not exist yet and check the bound when they do.
        // The vault reverts with StakingVaultExposureTailTooShort(tail, span) when the tail no longer covers it.
        if (REGISTRY.jobMarket() == address(this)) VAULT.requireTailCovers();
        emit ParamsSet(p);
    }
}
