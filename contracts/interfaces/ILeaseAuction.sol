// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobMarket} from "./IJobMarket.sol";

/// @title ILeaseAuction
/// @notice The reverse auction for GPU leases: a client posts an open order funded at its maximum price, providers
/// bid it down, and finalize awards the kept bid as a lease in the JobMarket (the one market wired to this auction,
/// once). While open, the order's escrow is held here; at finalize the whole escrow moves into the market, which opens
/// the lease from it and credits the rest to the client's market balance (`JobMarket.balanceOf`).
///
/// The order's terms are checked against the market's parameters (`JobMarket.params()`: lease duration and value
/// bounds, the bid window bounds and the minimum bid step), which governance sets there. Posting and bidding stop
/// while the market is paused (its one pause switch, the guardian's); finalize never pauses (the order fails and
/// everything goes back).
interface ILeaseAuction {
    /// @notice Open takes bids; Awarded became a lease (the best bid's, or the runner-up's when the best could not
    /// serve); Failed (neither kept bid could be awarded, or finalized while paused) and Expired (no bids) refunded the
    /// escrow; Cancelled by the client before any bid.
    enum OrderStatus {
        None,
        Open,
        Awarded,
        Failed,
        Expired,
        Cancelled
    }

    /// @notice An open order (reverse auction, 4 storage slots). It keeps two bids, the best and the runner-up, each
    /// binding: its bidder holds the order's bid bond (`bidBondPercent` of its escrow) of its SLA bond locked until
    /// finalize.
    /// @param client Posted and funded the order at its maximum price.
    /// @param bidDeadline Bids close at this time.
    /// @param duration Lease duration in seconds once awarded.
    /// @param gpuCount GPUs wanted.
    /// @param bestBidder The best bid's provider (zero if none).
    /// @param bestPrice The best bid's price per GPU-hour.
    /// @param maxPricePerGpuHour The most the client pays.
    /// @param status Lifecycle status.
    /// @param kind Lease or batch.
    /// @param modelClass The model class wanted.
    /// @param runnerUp The runner-up bid's provider (zero if none): awarded if the best bidder cannot serve.
    /// @param runnerUpPrice The runner-up bid's price per GPU-hour.
    /// @param bidBondPercent Each kept bidder locks this percent of the order's escrow (its value at the maximum price,
    /// rounded down) of its SLA bond: the client's tier's bond percent (SlaBondManager `bidBondPercentOf`), fixed when
    /// posted (0 if no SlaBondManager was wired then). A percent, not an amount, so the order keeps 4 slots.
    struct Order {
        address client;
        uint40 bidDeadline;
        uint40 duration;
        uint16 gpuCount;
        address bestBidder;
        uint40 bestPrice;
        uint40 maxPricePerGpuHour;
        OrderStatus status;
        IJobMarket.JobKind kind;
        bytes32 modelClass;
        address runnerUp;
        uint40 runnerUpPrice;
        uint8 bidBondPercent;
    }

    // --- errors ---

    error LeaseAuctionZeroAddress(string name);
    error LeaseAuctionZeroGpus();
    error LeaseAuctionDurationOutOfBounds(uint256 duration, uint256 min, uint256 max);
    error LeaseAuctionLeaseValueTooLow(uint256 value, uint256 min);
    error LeaseAuctionProviderNotActive(address provider);
    error LeaseAuctionInsufficientStake(address provider, uint256 stake, uint256 required);
    error LeaseAuctionUnknownModelClass(bytes32 modelClass);
    error LeaseAuctionInvalidOrderStatus(uint256 orderId, OrderStatus status);
    error LeaseAuctionNotClient(uint256 orderId, address caller);
    error LeaseAuctionBidWindowOutOfBounds(uint256 window, uint256 min, uint256 max);
    error LeaseAuctionBiddingClosed(uint256 orderId, uint256 bidDeadline);
    error LeaseAuctionBiddingOpen(uint256 orderId, uint256 bidDeadline);
    error LeaseAuctionBidTooHigh(uint256 price, uint256 maxAllowed);
    error LeaseAuctionSelfBid(uint256 orderId);
    error LeaseAuctionNoBids(uint256 orderId);
    error LeaseAuctionOrderHasBids(uint256 orderId);
    /// @notice The market is paused: no order is posted and no bid placed until it is unpaused.
    error LeaseAuctionMarketPaused();

    // --- events ---

    event OrderPosted(
        uint256 indexed orderId,
        address indexed client,
        bytes32 modelClass,
        uint256 gpuCount,
        uint256 duration,
        uint256 maxPricePerGpuHour,
        uint256 bidDeadline,
        IJobMarket.JobKind kind
    );
    /// @notice A bid became the best (`best`) or the runner-up. `bidBond` (the order's bid bond) was locked from the
    /// provider's SLA bond now (0 when its earlier bid on the order already held the lock); `dropped` (zero if none),
    /// the runner-up pushed out, got its lock back.
    event BidPlaced(
        uint256 indexed orderId,
        address indexed provider,
        uint256 pricePerGpuHour,
        bool best,
        address indexed dropped,
        uint256 bidBond
    );
    /// @notice `refund` was credited to the client's balance in the market.
    event OrderFinalized(uint256 indexed orderId, OrderStatus status, uint256 leaseId, uint256 refund);
    event OrderCancelled(uint256 indexed orderId, uint256 refund);

    // --- open orders ---

    /// @notice Posts an open order, funding escrow at the maximum price (held here until finalize or cancel).
    function postOrder(
        bytes32 modelClass,
        uint16 gpuCount,
        uint40 duration,
        uint40 maxPricePerGpuHour,
        uint40 bidWindow,
        IJobMarket.JobKind kind
    ) external returns (uint256 orderId);

    /// @notice Bids `pricePerGpuHour`, binding until finalize. The order keeps two bids (a fixed bound, no list): a
    /// bid that beats the best by the minimum step becomes the best (the best before it, if another provider's,
    /// becomes the runner-up); else a bid that beats the runner-up by the step (or any bid up to the maximum price
    /// while there is none) becomes the runner-up. A provider new to the order locks the bid bond of its SLA bond
    /// (`SlaBondManagerInsufficientFreeBond` if its free bond is short); the runner-up pushed out gets its lock back.
    /// The bidder must be eligible now: active, staked for its GPUs, with enough free GPUs of the class.
    /// Why binding (the sniping finding): a bid at the lowest price whose value still reaches `minLeaseValue` cannot
    /// be beaten, so the best bid alone could hold an order hostage; its bidder now risks a bond sized on the order,
    /// and an eligible runner-up still wins if it cannot serve.
    function bid(uint256 orderId, uint40 pricePerGpuHour) external;

    /// @notice After the bid window (or earlier by the client, accepting the kept bids) awards the best bid at its
    /// price; if its bidder can no longer serve, the runner-up is awarded at its own price (with the same rule), and
    /// the bidder's bid bond goes to the client if it was jailed or exited since it bid (its own fault or choice) or
    /// back to it if it is only short of free GPUs or stake (which others can cause: a direct lease of its GPUs
    /// through its published offer, a delegator's exit); the order fails (escrow refunded) only if neither can be awarded, or expires
    /// with no bid. A bidder whose bond no longer covers the lease's lock (the client's tier rose) gets its lock back.
    /// The winner's bid lock becomes its lease's lock (an SLA lease; the part above it stays locked as the lease's
    /// commitment, forfeited to the client if the provider quits), the other kept bid's lock is released. Never
    /// paused: while the market is paused the order fails and the escrow and both locks go back.
    /// The escrow moves into the market (`JobMarket.openAuctionLease`), which keeps the lease's value and credits the
    /// rest to the client's market balance.
    function finalizeAuction(uint256 orderId) external returns (uint256 leaseId);

    /// @notice Cancels an order that has no bid yet, sending its escrow back to the client. The client only.
    function cancelOrder(uint256 orderId) external;

    // --- views ---

    /// @notice The market that opens this auction's leases (immutable; it must wire this auction, once).
    function MARKET() external view returns (IJobMarket);
    function getOrder(uint256 orderId) external view returns (Order memory);
    function orderCount() external view returns (uint256);
}
