// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {ILeaseAuction} from "../interfaces/ILeaseAuction.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ISlaBondManager} from "../interfaces/ISlaBondManager.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {LeaseMath} from "../libraries/LeaseMath.sol";
import {SlaMath} from "../libraries/SlaMath.sol";

/// @title LeaseAuction
/// @notice The reverse auction for GPU leases: open orders funded at their maximum price, two binding bids kept per
/// order with a bid bond each, and finalize, which hands the order to the JobMarket to open the lease.
/// @dev Assumptions:
/// - The settlement asset (the market's) has no transfer fee and does not rebase (amounts received equal amounts
///   sent). Its transfer hooks, if any, cannot reenter: every state-changing entry point is nonReentrant.
/// - The market (`MARKET`, immutable) wires this auction once (`JobMarket.setLeaseAuction`) and then accepts its
///   `openAuctionLease` and `moveAuctionBidLock` calls; it keeps the order terms' parameters and the one pause switch
///   (the guardian's `JobMarket.pause`), which also stops posting and bidding here. This contract has no governance
///   function of its own.
/// - The SlaBondManager's `bidBondPercentOf` is the client's tier's bond percent at posting time.
/// Invariant (DESIGN.md 1, 2): the asset held >= the sum of open orders' escrow (value at the maximum price); an
/// order's escrow leaves only to the client (cancel) or into the market (finalize), once.
contract LeaseAuction is ReentrancyGuardTransient, ILeaseAuction {
    using SafeERC20 for IERC20;

    uint256 private constant _MAX_BPS = 10_000;

    /// @inheritdoc ILeaseAuction
    IJobMarket public immutable MARKET;
    IERC20 private immutable _ASSET;
    IProviderRegistry private immutable _REGISTRY;
    IStakingVault private immutable _VAULT;
    /// @dev The market's MAX_LEASE_DURATION (a constant there).
    uint256 private immutable _MAX_LEASE_DURATION;

    uint256 private _orderCount;
    mapping(uint256 orderId => Order) private _orders;

    constructor(IJobMarket market) {
        require(address(market) != address(0), LeaseAuctionZeroAddress("market"));
        MARKET = market;
        _ASSET = market.ASSET();
        _REGISTRY = market.REGISTRY();
        _VAULT = market.VAULT();
        _MAX_LEASE_DURATION = market.MAX_LEASE_DURATION();
    }

    /// @dev Posting and bidding stop while the market is paused (a pause stops new leases, auctioned ones included).
    modifier whenLive() {
        require(!Pausable(address(MARKET)).paused(), LeaseAuctionMarketPaused());
        _;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Open orders
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaseAuction
    function postOrder(
        bytes32 modelClass,
        uint16 gpuCount,
        uint40 duration,
        uint40 maxPricePerGpuHour,
        uint40 bidWindow,
        IJobMarket.JobKind kind
    ) external whenLive nonReentrant returns (uint256 orderId) {
        require(_REGISTRY.getModelClass(modelClass).enabled, LeaseAuctionUnknownModelClass(modelClass));
        IJobMarket.Params memory p = MARKET.params();
        uint256 escrow = _checkTerms(p, maxPricePerGpuHour, gpuCount, duration);
        require(
            bidWindow >= p.minBidWindow && bidWindow <= p.maxBidWindow,
            LeaseAuctionBidWindowOutOfBounds(bidWindow, p.minBidWindow, p.maxBidWindow)
        );
        orderId = ++_orderCount;
        uint256 bidDeadline = block.timestamp + bidWindow;
        _orders[orderId] = Order({
            client: msg.sender,
            bidDeadline: uint40(bidDeadline),
            duration: duration,
            gpuCount: gpuCount,
            bestBidder: address(0),
            bestPrice: 0,
            maxPricePerGpuHour: maxPricePerGpuHour,
            status: OrderStatus.Open,
            kind: kind,
            modelClass: modelClass,
            runnerUp: address(0),
            runnerUpPrice: 0,
            bidBondPercent: _bidBondPercent()
        });
        _ASSET.safeTransferFrom(msg.sender, address(this), escrow);
        emit OrderPosted(
            orderId, msg.sender, modelClass, gpuCount, duration, maxPricePerGpuHour, bidDeadline, kind
        );
    }

    /// @inheritdoc ILeaseAuction
    function bid(uint256 orderId, uint40 pricePerGpuHour) external whenLive nonReentrant {
        Order storage order = _orders[orderId];
        require(order.status == OrderStatus.Open, LeaseAuctionInvalidOrderStatus(orderId, order.status));
        require(block.timestamp < order.bidDeadline, LeaseAuctionBiddingClosed(orderId, order.bidDeadline));
        require(msg.sender != order.client, LeaseAuctionSelfBid(orderId));
        IJobMarket.Params memory p = MARKET.params();
        // The order's GPU count and duration were checked when it was posted; the price sets the value.
        uint256 value = LeaseMath.value(pricePerGpuHour, order.gpuCount, order.duration);
        require(value >= p.minLeaseValue, LeaseAuctionLeaseValueTooLow(value, p.minLeaseValue));
        uint256 free = _requireEligible(msg.sender, order.modelClass);
        require(
            free >= order.gpuCount,
            IProviderRegistry.ProviderRegistryInsufficientCapacity(msg.sender, order.modelClass, free, order.gpuCount)
        );
        // Two bids are kept, each holding the order's bid bond: the best and the runner-up (DESIGN "Orders", after
        // the auction review). A bid that beats the best by the step becomes the best (a different best before it
        // becomes the runner-up); else one that beats the runner-up by the step (any price below the maximum while
        // there is none) replaces it. The runner-up it pushes out, if any, gets its lock back.
        address best = order.bestBidder;
        address second = order.runnerUp;
        uint256 maxBest = best == address(0) ? order.maxPricePerGpuHour : _beat(order.bestPrice, p.minBidStepBps);
        address dropped;
        bool isBest = pricePerGpuHour <= maxBest;
        if (isBest) {
            if (msg.sender != best && best != address(0)) {
                if (second != msg.sender) dropped = second;
                (order.runnerUp, order.runnerUpPrice) = (best, order.bestPrice);
            }
            (order.bestBidder, order.bestPrice) = (msg.sender, pricePerGpuHour);
        } else {
            uint256 maxSecond =
                second == address(0) ? order.maxPricePerGpuHour : _beat(order.runnerUpPrice, p.minBidStepBps);
            require(
                msg.sender != best && pricePerGpuHour <= maxSecond,
                LeaseAuctionBidTooHigh(pricePerGpuHour, msg.sender == best ? maxBest : Math.max(maxBest, maxSecond))
            );
            if (second != msg.sender) dropped = second;
            (order.runnerUp, order.runnerUpPrice) = (msg.sender, pricePerGpuHour);
        }
        // A bidder already kept on this order holds its lock; a new one locks the bond now (the manager reverts if its
        // free bond is short). The market forwards the move to its SlaBondManager.
        uint256 bond = _bidBondOf(order);
        address locker = msg.sender == best || msg.sender == second ? address(0) : msg.sender;
        if (bond != 0 && (locker != address(0) || dropped != address(0))) MARKET.moveAuctionBidLock(locker, dropped, bond);
        emit BidPlaced(orderId, msg.sender, pricePerGpuHour, isBest, dropped, locker == address(0) ? 0 : bond);
    }

    /// @inheritdoc ILeaseAuction
    function finalizeAuction(uint256 orderId) external nonReentrant returns (uint256 leaseId) {
        Order storage order = _orders[orderId];
        require(order.status == OrderStatus.Open, LeaseAuctionInvalidOrderStatus(orderId, order.status));
        address bidder = order.bestBidder;
        if (msg.sender == order.client && block.timestamp < order.bidDeadline) {
            require(bidder != address(0), LeaseAuctionNoBids(orderId));
        } else {
            require(block.timestamp >= order.bidDeadline, LeaseAuctionBiddingOpen(orderId, order.bidDeadline));
        }
        // Effects before the calls: the order is settled once, whatever the market does.
        order.status = OrderStatus.Failed;
        uint256 escrow = _escrowOf(order);
        _ASSET.safeTransfer(address(MARKET), escrow);
        uint256 refund;
        (leaseId, refund) = MARKET.openAuctionLease(
            IJobMarket.AuctionAward({
                orderId: orderId,
                client: order.client,
                modelClass: order.modelClass,
                gpuCount: order.gpuCount,
                duration: order.duration,
                kind: order.kind,
                escrow: escrow,
                bidBond: _bidBondOf(order),
                best: bidder,
                bestPrice: order.bestPrice,
                runnerUp: order.runnerUp,
                runnerUpPrice: order.runnerUpPrice
            })
        );
        OrderStatus outcome = bidder == address(0) ? OrderStatus.Expired : leaseId != 0 ? OrderStatus.Awarded : OrderStatus.Failed;
        order.status = outcome;
        emit OrderFinalized(orderId, outcome, leaseId, refund);
    }

    /// @inheritdoc ILeaseAuction
    function cancelOrder(uint256 orderId) external nonReentrant {
        Order storage order = _orders[orderId];
        require(msg.sender == order.client, LeaseAuctionNotClient(orderId, msg.sender));
        require(order.status == OrderStatus.Open, LeaseAuctionInvalidOrderStatus(orderId, order.status));
        require(order.bestBidder == address(0), LeaseAuctionOrderHasBids(orderId));
        order.status = OrderStatus.Cancelled;
        uint256 refund = _escrowOf(order);
        _ASSET.safeTransfer(msg.sender, refund);
        emit OrderCancelled(orderId, refund);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaseAuction
    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @inheritdoc ILeaseAuction
    function orderCount() external view returns (uint256) {
        return _orderCount;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    /// @dev The bid bond percent of an order the caller posts: its SLA tier's bond percent (0 with no manager wired).
    function _bidBondPercent() private view returns (uint8) {
        address manager = MARKET.slaBondManager();
        return manager == address(0) ? 0 : ISlaBondManager(manager).bidBondPercentOf(msg.sender);
    }

    /// @dev What each bidder kept on `order` locks of its SLA bond: its bid bond percent of the escrow, rounded down
    /// as the lock of a lease of that value (SlaMath.lockOf).
    function _bidBondOf(Order storage order) private view returns (uint256) {
        return SlaMath.lockOf(order.bidBondPercent, _escrowOf(order));
    }

    /// @dev What an open order holds in escrow: its whole duration at the maximum price.
    function _escrowOf(Order storage order) private view returns (uint256) {
        return LeaseMath.value(order.maxPricePerGpuHour, order.gpuCount, order.duration);
    }

    /// @dev The highest price that beats `price` by the minimum step (and by at least one unit). Rounds the step down,
    /// so the bound rounds up: never a step above `stepBps`.
    function _beat(uint256 price, uint256 stepBps) private pure returns (uint256) {
        return price - Math.max(1, (price * stepBps) / _MAX_BPS);
    }

    /// @dev The market's lease terms (LeaseMath.checkTerms, with this contract's errors): GPUs, duration within the
    /// bounds, value above the minimum; returns the value at `price`.
    function _checkTerms(IJobMarket.Params memory p, uint256 price, uint16 gpuCount, uint40 duration)
        private
        view
        returns (uint256 value)
    {
        require(gpuCount > 0, LeaseAuctionZeroGpus());
        uint256 minDuration = p.minLeaseDuration;
        require(
            duration >= minDuration && duration <= _MAX_LEASE_DURATION,
            LeaseAuctionDurationOutOfBounds(duration, minDuration, _MAX_LEASE_DURATION)
        );
        value = LeaseMath.value(price, gpuCount, duration);
        require(value >= p.minLeaseValue, LeaseAuctionLeaseValueTooLow(value, p.minLeaseValue));
    }

    /// @dev Reverts unless the provider is active and staked for its attested GPUs; returns its free GPUs of the
    /// class (the registry's commit enforces them at award).
    function _requireEligible(address provider, bytes32 modelClass) private view returns (uint256 free) {
        (IProviderRegistry.ProviderStatus status, uint256 required, uint256 free_) =
            _REGISTRY.eligibility(provider, modelClass);
        require(status == IProviderRegistry.ProviderStatus.Active, LeaseAuctionProviderNotActive(provider));
        uint256 stake = _VAULT.eligibleStake(provider);
        require(stake >= required, LeaseAuctionInsufficientStake(provider, stake, required));
        return free_;
    }
}
