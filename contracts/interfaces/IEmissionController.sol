// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRevenueRecorder} from "./IRevenueRecorder.sol";

/// @title IEmissionController
/// @notice Revenue-linked CNDR emissions. The payment contracts record each provider's final revenue per epoch;
/// once an epoch has ended anyone closes it, once: the budget is the least of the epoch cap, revenue x emission
/// rate (both decaying on a schedule fixed at deployment), and the wash guard (budget x CNDR price <= guard ratio
/// x fees paid in the epoch, at the highest of the epoch's own TWAP, a long TWAP (or, before the long TWAP has
/// LONG_TWAP_EPOCHS epochs of samples, the pool's seed price and the TWAP of the samples so far) and a governance
/// floor; never spot). The
/// budget is minted here and settled lazily, O(1) per provider and epoch, by each provider's share of the epoch's
/// revenue: it streams into the provider's StakingVault pool over the next epoch.
/// @dev Schedule: with k = epoch - GENESIS_EPOCH and p = k / DECAY_INTERVAL, both the epoch cap and the rate are
/// their initial values x (1 - DECAY_BPS / 10,000)^p (a step decay, fixed-point WAD, rounded down).
interface IEmissionController is IRevenueRecorder {
    /// @notice Which bound set an epoch's budget.
    enum Bound {
        /// The epoch had no revenue.
        NoRevenue,
        /// The decaying per-epoch cap.
        EpochCap,
        /// Revenue x the decaying emission rate.
        RevenueRate,
        /// The wash guard: budget x price <= guard ratio x fees.
        WashGuard,
        /// The token's hard supply cap or its per-window mint cap.
        TokenLimit,
        /// No usable TWAP (the pool had no reserves): nothing is minted, the strictest bound.
        NoPrice
    }

    /// @notice Governance parameters, each within hard bounds.
    /// @param floorPrice The governance price floor, in the settlement asset's smallest unit per whole CNDR (1e18).
    /// @param guardRatioBps The wash guard's ratio of fees, in basis points (at most MAX_GUARD_RATIO_BPS < 10,000).
    /// @param minTwapWindow The shortest TWAP window an epoch close accepts, in seconds.
    struct Params {
        uint128 floorPrice;
        uint16 guardRatioBps;
        uint40 minTwapWindow;
    }

    /// @notice The emission schedule, fixed at deployment.
    /// @param epochLength Seconds per epoch.
    /// @param initialEpochCap The first epoch's cap, in CNDR wei.
    /// @param initialRateWad The first epoch's rate: CNDR wei per smallest unit of revenue, x 1e18.
    /// @param decayBps How much the cap and the rate fall each decay interval, in basis points.
    /// @param decayInterval Epochs per decay step.
    /// @param longTwapEpochs How many epochs the long TWAP spans at least: it ends at the last sample before the
    /// closed epoch and starts at the latest sample at least this many epochs before that one.
    /// @param seedPrice The price the deployment seeds the pool at, in the asset's smallest unit per whole CNDR:
    /// the guard's price is never below it until the long TWAP has a start (its first LONG_TWAP_EPOCHS epochs of
    /// samples), so a price held down in those epochs cannot raise the mint.
    struct Schedule {
        uint256 epochLength;
        uint256 initialEpochCap;
        uint256 initialRateWad;
        uint256 decayBps;
        uint256 decayInterval;
        uint256 longTwapEpochs;
        uint256 seedPrice;
    }

    /// @notice An epoch's record.
    /// @param revenue Final revenue recorded in the epoch (fees included), in the settlement asset.
    /// @param fees Protocol fees paid on that revenue.
    /// @param observedAt When the epoch's first price observation was taken (0: none yet).
    /// @param closed Whether the epoch was closed.
    /// @param bound The bound that set the budget.
    /// @param budget CNDR minted for the epoch.
    /// @param price The price the wash guard used, in the asset's smallest unit per whole CNDR (0 if none).
    struct EpochInfo {
        uint256 revenue;
        uint256 fees;
        uint256 observedAt;
        bool closed;
        Bound bound;
        uint256 budget;
        uint256 price;
    }

    error EmissionZeroAddress(string name);
    error EmissionPairMismatch(address token0, address token1);
    error EmissionParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice The caller is not a wired payment contract.
    error EmissionNotRecorder(address caller);
    /// @notice The recorders are already wired.
    error EmissionAlreadyWired();
    /// @notice The epoch has not ended yet, or precedes the controller.
    error EmissionEpochNotClosable(uint256 epoch, uint256 currentEpoch, uint256 genesisEpoch);
    error EmissionEpochAlreadyClosed(uint256 epoch);
    error EmissionEpochNotClosed(uint256 epoch);
    /// @notice The epoch's TWAP window is still shorter than the minimum: close it later.
    error EmissionTwapTooYoung(uint256 epoch, uint256 window, uint256 minWindow);
    /// @notice The provider has no unsettled revenue in the epoch.
    error EmissionNothingToSettle(address provider, uint256 epoch);

    event RecordersWired(address jobMarket, address paymentChannels);
    /// @notice Revenue was recorded for `provider` in `epoch`.
    event RevenueRecorded(address indexed provider, uint256 indexed epoch, uint256 gross, uint256 fee);
    /// @notice The pair's cumulative CNDR price was sampled for `epoch`.
    event PriceObserved(uint256 indexed epoch, uint256 cumulative, uint256 timestamp);
    /// @notice `epoch` closed: `budget` CNDR minted, set by `bound`.
    /// @param cap The epoch cap. @param byRate Revenue x rate. @param byGuard The wash guard's most.
    /// @param price The guard's price in asset units per whole CNDR (0 when no price was needed or found).
    event EpochClosed(
        uint256 indexed epoch,
        uint256 revenue,
        uint256 fees,
        uint256 budget,
        Bound bound,
        uint256 cap,
        uint256 byRate,
        uint256 byGuard,
        uint256 price
    );
    /// @notice `provider`'s share of `epoch`'s budget started streaming into its pool.
    event EmissionSettled(address indexed provider, uint256 indexed epoch, uint256 revenue, uint256 reward);
    /// @notice In `settleMany`, streaming `provider`'s `reward` for `epoch` into its pool reverted with `reason`:
    /// its settlement was left undone (retry it with `settle` or `settleMany`) and the others went on.
    event EmissionSettlementFailed(address indexed provider, uint256 indexed epoch, uint256 reward, bytes reason);
    event ParamsSet(Params params);

    /// @notice Wires the two payment contracts allowed to record, once. Governance (the deployment).
    function wireRecorders(address jobMarket, address paymentChannels) external;

    /// @notice Samples the pair's price for the current epoch if not yet sampled. Anyone; recording revenue and
    /// closing an epoch sample too.
    function observe() external;

    /// @notice Closes the last ended epoch. Anyone, once per epoch.
    /// @return budget The CNDR minted for it.
    function closeEpoch() external returns (uint256 budget);

    /// @notice Closes `epoch`, which must have ended. Anyone, once per epoch (for catching up on missed epochs).
    function closeEpochAt(uint256 epoch) external returns (uint256 budget);

    /// @notice Streams `provider`'s share of closed `epoch`'s budget into its pool, once. Anyone.
    /// @return reward The CNDR streamed.
    function settle(address provider, uint256 epoch) external returns (uint256 reward);

    /// @notice `settle` for each of `providers`, skipping those with nothing to settle. A provider whose stream
    /// into its pool reverts is skipped too (EmissionSettlementFailed), its settlement left undone to retry: one
    /// provider's pool never blocks the others'.
    /// @return total The CNDR streamed in all.
    function settleMany(address[] calldata providers, uint256 epoch) external returns (uint256 total);

    function setParams(Params calldata params) external;

    /// @notice The epoch length in seconds.
    function EPOCH_LENGTH() external view returns (uint256);
    /// @notice The epoch the controller was deployed in: the schedule's epoch 0.
    function GENESIS_EPOCH() external view returns (uint256);
    /// @notice The pool's seed price (Schedule.seedPrice), in the asset's smallest unit per whole CNDR.
    function SEED_PRICE() external view returns (uint256);
    /// @notice The epoch `block.timestamp` falls in.
    function currentEpoch() external view returns (uint256);
    /// @notice Revenue and fees recorded in `epoch` over all providers.
    function epochTotals(uint256 epoch) external view returns (uint256 gross, uint256 fees);
    /// @notice Revenue recorded for `provider` in `epoch`.
    function providerRevenue(uint256 epoch, address provider) external view returns (uint256);
    /// @notice What `settle(provider, epoch)` would stream now (0 if the epoch is open or already settled).
    function pendingReward(address provider, uint256 epoch) external view returns (uint256);
    /// @notice Whether `provider`'s revenue in `epoch` was settled.
    function isSettled(address provider, uint256 epoch) external view returns (bool);
    function epochInfo(uint256 epoch) external view returns (EpochInfo memory);
    /// @notice `epoch`'s cap in CNDR wei and its rate (CNDR wei per unit of revenue, x 1e18).
    function scheduleAt(uint256 epoch) external view returns (uint256 cap, uint256 rateWad);
    function schedule() external view returns (Schedule memory);
    function params() external view returns (Params memory);
    /// @notice Whether `account` may record revenue.
    function isRecorder(address account) external view returns (bool);
    /// @notice CNDR minted by all closes, and streamed out by all settlements.
    function totals() external view returns (uint256 minted, uint256 settled);
}
