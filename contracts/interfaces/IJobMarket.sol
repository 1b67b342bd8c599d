// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IOracleHub} from "./IOracleHub.sol";
import {IProviderRegistry} from "./IProviderRegistry.sol";
import {IStakingVault} from "./IStakingVault.sol";

/// @title IJobMarket
/// @notice GPU leases with escrow: direct orders against published offers and the leases the wired LeaseAuction
/// awards (`openAuctionLease`); payment streams per second to the provider; batch jobs hold payment until their result is final.
///
/// A lease's escrow is always value(price, gpus, end - start) minus what was released: the amount funded is
/// derived from the lease's own fields, so cancel, quit, extend and result submission only move `end`, and the
/// difference is refunded or topped up. Outflows a third party triggers are pull payments (credited to
/// `balanceOf`, withdrawn by the owner).
///
/// SLA leases (a lease awarded with an SLA bond, `slaBondPercent != 0`) hold their stream until the oracle has
/// covered it (DESIGN "Who pays SLA credits"): the provider withdraws only the time before `OracleHub.coveredUntil()`
/// (epochs reported, or too old to be reported, so a silent oracle never locks the pay). `close` pays what is
/// withdrawable then and leaves the tail in the lease, where `withdrawAccrued` still reaches it as it is covered. The
/// SlaBondManager's settlement takes the client's credit from what the lease still holds first (`payStreamCredit`),
/// then from the bond. Per lease: value at award + top-ups = released + refunds + streamCredited + still held.
interface IJobMarket {
    /// @notice Lease: interactive, paid as it streams. Batch: paid once its result is final.
    enum JobKind {
        Lease,
        Batch
    }

    /// @notice Active streams (or waits for a result); Disputed is frozen until resolved; Closed is settled (an SLA
    /// lease may still hold its uncovered tail, see the contract's notice).
    enum LeaseStatus {
        None,
        Active,
        Disputed,
        Closed
    }

    /// @notice A lease (3 storage slots).
    /// @param client Funds the lease and receives refunds.
    /// @param start When streaming began (the award).
    /// @param end When streaming ends; cancel, quit and result submission bring it forward, extend pushes it back.
    /// @param gpuCount GPUs leased.
    /// @param provider The provider (operator address).
    /// @param pricePerGpuHour Price per GPU-hour in the settlement asset's smallest unit.
    /// @param status Lifecycle status.
    /// @param kind Lease or batch.
    /// @param cancelled The client cancelled (no further extension).
    /// @param capacityReleased The lease's GPUs went back to the provider's free capacity.
    /// @param modelClassIndex The registry's index of the leased model class.
    /// @param slaTier The SLA tier the lease was awarded under (the client's tier in the SlaBondManager).
    /// @param slaBondPercent Its bond lock in percent of the lease value (0: no SLA bond, e.g. a batch job).
    /// @param released Paid out to the provider so far, fee included.
    /// @param streamCredited Taken from the held stream by the SLA credit and credited to the client.
    /// @param slaSettled The SlaBondManager settled the lease's SLA (its credit is paid, once).
    struct Lease {
        address client;
        uint40 start;
        uint40 end;
        uint16 gpuCount;
        address provider;
        uint40 pricePerGpuHour;
        LeaseStatus status;
        JobKind kind;
        bool cancelled;
        bool capacityReleased;
        uint8 modelClassIndex;
        uint8 slaTier;
        uint8 slaBondPercent;
        uint128 released;
        uint120 streamCredited;
        bool slaSettled;
    }

    /// @notice A batch job's result.
    /// @param resultHash Hash of the result the provider submitted.
    /// @param challengeEndsAt Until when the client may dispute it.
    struct Result {
        bytes32 resultHash;
        uint40 challengeEndsAt;
    }

    /// @notice What the wired LeaseAuction hands the market when it finalizes an order (`openAuctionLease`).
    /// @param orderId The auction's order.
    /// @param client Funded the order; the lease's client and the refund's recipient.
    /// @param modelClass The model class wanted.
    /// @param gpuCount GPUs wanted.
    /// @param duration Lease duration in seconds.
    /// @param kind Lease or batch.
    /// @param escrow The order's escrow, moved into the market with this call.
    /// @param bidBond What each kept bidder locked of its SLA bond (the order's bid bond).
    /// @param best The best bid's provider (zero: no bid, the escrow is refunded).
    /// @param bestPrice The best bid's price per GPU-hour.
    /// @param runnerUp The runner-up bid's provider (zero if none).
    /// @param runnerUpPrice The runner-up bid's price per GPU-hour.
    struct AuctionAward {
        uint256 orderId;
        address client;
        bytes32 modelClass;
        uint16 gpuCount;
        uint40 duration;
        JobKind kind;
        uint256 escrow;
        uint256 bidBond;
        address best;
        uint40 bestPrice;
        address runnerUp;
        uint40 runnerUpPrice;
    }

    /// @notice Governance parameters, each within hard bounds (the bid window and step bound the LeaseAuction's
    /// orders, which read them here).
    struct Params {
        uint40 minLeaseDuration;
        uint40 cancelNotice;
        uint40 challengeWindow;
        uint40 minBidWindow;
        uint40 maxBidWindow;
        uint16 minBidStepBps;
        uint128 minLeaseValue;
    }

    // --- errors ---

    error JobMarketZeroAddress(string name);
    error JobMarketParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    error JobMarketZeroGpus();
    error JobMarketDurationOutOfBounds(uint256 duration, uint256 min, uint256 max);
    error JobMarketLeaseValueTooLow(uint256 value, uint256 min);
    error JobMarketNoOffer(address provider, bytes32 modelClass);
    error JobMarketPriceAboveMax(uint256 price, uint256 maxPrice);
    error JobMarketProviderNotActive(address provider);
    error JobMarketInsufficientStake(address provider, uint256 stake, uint256 required);
    error JobMarketUnknownModelClass(bytes32 modelClass);
    error JobMarketInvalidLeaseStatus(uint256 leaseId, LeaseStatus status);
    error JobMarketNotClient(uint256 id, address caller);
    error JobMarketNotProvider(uint256 leaseId, address caller);
    error JobMarketWrongKind(uint256 leaseId, JobKind kind);
    error JobMarketLeaseEnded(uint256 leaseId, uint256 end);
    error JobMarketLeaseNotEnded(uint256 leaseId, uint256 end);
    error JobMarketAlreadyCancelled(uint256 leaseId);
    error JobMarketNothingToCancel(uint256 leaseId, uint256 newEnd, uint256 end);
    error JobMarketNothingToWithdraw(uint256 leaseId);
    error JobMarketResultAlreadySubmitted(uint256 leaseId);
    error JobMarketZeroResultHash(uint256 leaseId);
    error JobMarketNoResult(uint256 leaseId);
    error JobMarketChallengeWindowOpen(uint256 leaseId, uint256 challengeEndsAt);
    error JobMarketChallengeWindowClosed(uint256 leaseId, uint256 challengeEndsAt);
    error JobMarketPayoutAboveEscrow(uint256 leaseId, uint256 payout, uint256 held);
    error JobMarketNoBalance(address account);
    error JobMarketSlaBondManagerAlreadySet(address current);
    /// @notice Only the wired SlaBondManager pays a credit from a lease's stream.
    error JobMarketNotSlaBondManager(address caller);
    /// @notice Only the wired DisputeManager freezes and settles disputed escrow.
    error JobMarketNotDisputeManager(address caller);
    /// @notice The lease's SLA credit was already paid.
    error JobMarketSlaAlreadySettled(uint256 leaseId);
    error JobMarketLeaseAuctionAlreadySet(address current);
    /// @notice The auction to wire opens its leases in another market.
    error JobMarketWrongAuctionMarket(address auction, address market);
    /// @notice Only the wired LeaseAuction opens auction leases and moves bid locks.
    error JobMarketNotLeaseAuction(address caller);

    // --- events ---

    event LeaseCreated(
        uint256 indexed leaseId,
        address indexed client,
        address indexed provider,
        bytes32 modelClass,
        uint256 gpuCount,
        uint256 pricePerGpuHour,
        uint256 start,
        uint256 end,
        JobKind kind,
        uint256 orderId
    );
    event LeaseExtended(uint256 indexed leaseId, uint256 newEnd, uint256 topUp);
    event LeaseCancelled(uint256 indexed leaseId, uint256 newEnd, uint256 refund);
    event LeaseQuit(uint256 indexed leaseId, address indexed provider, uint256 end, uint256 refund);
    event LeaseClosed(uint256 indexed leaseId, uint256 paidToProvider, uint256 refundedToClient);
    /// @notice A release to the provider: `gross` left escrow, `fee` went to the protocol.
    event PaymentReleased(uint256 indexed leaseId, address indexed provider, uint256 gross, uint256 fee);
    event ResultSubmitted(uint256 indexed leaseId, bytes32 resultHash, string uri, uint256 challengeEndsAt);
    event ResultDisputed(uint256 indexed leaseId, address indexed client);
    event DisputeResolved(uint256 indexed leaseId, uint256 toProvider, uint256 toClient);
    event BalanceCredited(address indexed account, uint256 amount);
    event BalanceWithdrawn(address indexed account, uint256 amount);
    event FeesSwept(uint256 amount);
    event ParamsSet(Params params);
    event SlaBondManagerSet(address slaBondManager);
    event LeaseAuctionSet(address leaseAuction);

    // --- direct orders and leases ---

    /// @notice Leases `gpuCount` GPUs of `modelClass` from `provider` at its published offer, paying for the whole
    /// duration now. Reverts if the offer's price is above `maxPricePerGpuHour` (no front-running a price rise).
    function createDirectLease(
        address provider,
        bytes32 modelClass,
        uint16 gpuCount,
        uint40 duration,
        uint40 maxPricePerGpuHour,
        JobKind kind
    ) external returns (uint256 leaseId);

    /// @notice Pays the provider what has streamed and not been released (a batch job's only once its result is
    /// final; an SLA lease's only up to `OracleHub.coveredUntil()`), minus the fee, to its payout address. Works on an
    /// active lease, and on a closed SLA lease for the tail `close` left held. The provider only.
    function withdrawAccrued(uint256 leaseId) external returns (uint256 net);

    /// @notice Extends an active lease by `extraDuration`, paying for it now. The client only.
    function extend(uint256 leaseId, uint40 extraDuration) external;

    /// @notice Ends the lease after the notice period and credits the client what will not stream.
    function cancel(uint256 leaseId) external;

    /// @notice The provider ends the lease now; the client is credited what has not streamed.
    function quit(uint256 leaseId) external;

    /// @notice After the end (and a batch job's challenge window), settles: the provider is credited what has
    /// streamed and not been released (of an SLA lease, what is withdrawable: its uncovered tail stays held for the
    /// SLA credit and `withdrawAccrued`), the client the rest of a batch job's escrow. Anyone.
    function close(uint256 leaseId) external;

    /// @notice A batch job's result, before the lease's end: streaming stops now, the unstreamed rest is credited to
    /// the client, and the challenge window opens. The provider only.
    function submitResult(uint256 leaseId, bytes32 resultHash, string calldata uri) external;

    /// @notice Freezes a batch lease's escrow until resolved: `client` (the lease's client, who paid the
    /// DisputeManager's deposit) disputes its result within the challenge window. Only the wired DisputeManager (no
    /// AccessManager role); clients dispute through `DisputeManager.open`.
    function dispute(uint256 leaseId, address client) external;

    /// @notice Settles a disputed lease: `toProvider` to the provider (fee taken), the rest to the client.
    /// Only the wired DisputeManager (no AccessManager role: governance cannot grant itself client escrow).
    function resolveDispute(uint256 leaseId, uint256 toProvider) external;

    /// @notice SLA settlement hook: pays up to `credit` of the lease's SLA credit from what the lease still holds
    /// (no fee, no revenue) to the client's balance here, and marks its SLA settled. Returns the part paid; the
    /// SlaBondManager takes the rest from the bond. The wired SlaBondManager only, once per lease, after the lease's
    /// end (it checks the end; this market trusts it, as it trusts the manager's award hooks).
    function payStreamCredit(uint256 leaseId, uint256 credit) external returns (uint256 fromStream);

    // --- auction leases (the wired LeaseAuction only) ---

    /// @notice Settles a finalized order of the wired LeaseAuction, which moved `award.escrow` in with this call: with
    /// no bid nothing is awarded; while the market is paused both bid locks are released and nothing is awarded; else the best bid is awarded at its price if its bidder is still eligible and its SLA bond locks, else
    /// the runner-up at its own (the bid bond rules of `LeaseAuction.finalizeAuction`). The lease's value stays here as
    /// its escrow, the rest of the escrow is credited to the client. Returns the lease (0: none) and the refund.
    /// Only the wired LeaseAuction (`JobMarketNotLeaseAuction` otherwise; no AccessManager role reaches it).
    function openAuctionLease(AuctionAward calldata award) external returns (uint256 leaseId, uint256 refund);

    /// @notice A bid's lock move (SlaBondManager `moveBidLock`): `bidder` (zero: none) locks `amount` of its SLA bond,
    /// `dropped` (zero: none) gets its lock of `amount` back. Only the wired LeaseAuction (`JobMarketNotLeaseAuction`
    /// otherwise); a no-op while no SlaBondManager is wired.
    function moveAuctionBidLock(address bidder, address dropped, uint256 amount) external;

    // --- balances and fees ---

    /// @notice Withdraws the caller's credited balance.
    function withdrawBalance() external returns (uint256 amount);

    /// @notice Sends the collected fees to the FeeRouter. Anyone.
    function sweepFees() external returns (uint256 amount);

    // --- governance ---

    /// @notice Sets the parameters, each within its bounds, and checks that the vault's exposure tail still covers
    /// the windows that can lead to a slash after a lease ends with this challenge window (the vault's
    /// `exposureSpan()`, which reads it back with the SlashingManager's, DisputeManager's and OracleHub's windows;
    /// checked once this market is the one wired in the registry). Governance.
    function setParams(Params calldata params) external;
    /// @notice Wires the SlaBondManager, once: from then on a lease's award locks the provider's SLA bond (an award
    /// reverts, an auction fails, if the bond's free part is short), extend and cancel move the lock with the value,
    /// and quit pays the exit penalty from it. Batch jobs carry no SLA bond. Governance (deployment wiring).
    function setSlaBondManager(address slaBondManager) external;
    /// @notice Wires the LeaseAuction, once: from then on it alone opens auction leases (`openAuctionLease`) and moves
    /// bid locks. Reverts unless the auction's `MARKET()` is this market. Governance (deployment wiring).
    function setLeaseAuction(address leaseAuction) external;
    function pause() external;
    function unpause() external;

    // --- views ---

    function getLease(uint256 leaseId) external view returns (Lease memory);
    function getResult(uint256 leaseId) external view returns (Result memory);
    /// @notice What the lease is worth from start to its current end (its escrow before any release).
    function leaseValue(uint256 leaseId) external view returns (uint256);
    /// @notice What has streamed so far.
    function accrued(uint256 leaseId) external view returns (uint256);
    /// @notice What `withdrawAccrued` would release now (gross): 0 unless the lease is active, or closed with an SLA.
    function withdrawable(uint256 leaseId) external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function collectedFees() external view returns (uint256);
    function params() external view returns (Params memory);
    function leaseCount() external view returns (uint256);
    function slaBondManager() external view returns (address);
    /// @notice The OracleHub whose covered time releases SLA leases' streams (immutable).
    function ORACLE_HUB() external view returns (IOracleHub);
    /// @notice The wired LeaseAuction (zero before the wiring).
    function leaseAuction() external view returns (address);
    /// @notice The longest lease, in seconds.
    function MAX_LEASE_DURATION() external view returns (uint256);
    /// @notice The settlement stablecoin (immutable).
    function ASSET() external view returns (IERC20);
    /// @notice The provider registry (immutable).
    function REGISTRY() external view returns (IProviderRegistry);
    /// @notice The staking vault (immutable).
    function VAULT() external view returns (IStakingVault);
}
