// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRevenueRecorder} from "./IRevenueRecorder.sol";

/// @title IRevenueLedger
/// @notice A minimal IRevenueRecorder: per-epoch revenue and fees, in total and per provider. Only the payment
/// contracts wired once at deployment record (a hot-path hook: an address check instead of an AccessManager role).
interface IRevenueLedger is IRevenueRecorder {
    /// @notice An epoch length outside (0, 30 days].
    error RevenueLedgerInvalidEpochLength(uint256 epochLength);

    /// @notice The caller is not a wired payment contract.
    error RevenueLedgerNotRecorder(address caller);
    /// @notice The recorders are already wired.
    error RevenueLedgerAlreadyWired();
    /// @notice A recorder address is zero.
    error RevenueLedgerZeroAddress();

    /// @notice The payment contracts allowed to record were wired.
    event RecordersWired(address jobMarket, address paymentChannels);

    /// @notice Revenue was recorded for `provider` in `epoch`.
    event RevenueRecorded(address indexed provider, uint256 indexed epoch, uint256 gross, uint256 fee);

    /// @notice Wires the two payment contracts allowed to record, once. Governance (the deployment).
    function wireRecorders(address jobMarket, address paymentChannels) external;

    /// @notice The epoch length in seconds.
    function EPOCH_LENGTH() external view returns (uint256);
    /// @notice The epoch `block.timestamp` falls in.
    function currentEpoch() external view returns (uint256);
    /// @notice Revenue and fees recorded in `epoch` over all providers.
    function epochTotals(uint256 epoch) external view returns (uint256 gross, uint256 fees);
    /// @notice Revenue recorded for `provider` in `epoch`.
    function providerRevenue(uint256 epoch, address provider) external view returns (uint256);
    /// @notice Whether `account` may record revenue.
    function isRecorder(address account) external view returns (bool);
}
