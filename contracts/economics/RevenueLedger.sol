// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IRevenueLedger} from "../interfaces/IRevenueLedger.sol";

/// @title RevenueLedger
/// @notice Records final revenue per epoch and provider. The EmissionController replaces it as the recorder in the
/// emissions issue; the payment contracts call it through IRevenueRecorder either way.
/// @dev Assumptions: `wireRecorders` (governance, once) names the JobMarket and PaymentChannels of the deployment.
contract RevenueLedger is AccessManaged, IRevenueLedger {
    /// @inheritdoc IRevenueLedger
    uint256 public immutable EPOCH_LENGTH;

    struct Totals {
        uint128 gross;
        uint128 fees;
    }

    mapping(uint256 epoch => Totals) private _epochTotals;
    mapping(uint256 epoch => mapping(address provider => uint256)) private _providerRevenue;
    bool private _wired;
    mapping(address account => bool) private _recorders;

    constructor(address authority, uint256 epochLength) AccessManaged(authority) {
        require(epochLength > 0 && epochLength <= 30 days, RevenueLedgerInvalidEpochLength(epochLength));
        EPOCH_LENGTH = epochLength;
    }

    /// @inheritdoc IRevenueLedger
    function wireRecorders(address jobMarket, address paymentChannels) external restricted {
        require(!_wired, RevenueLedgerAlreadyWired());
        require(jobMarket != address(0) && paymentChannels != address(0), RevenueLedgerZeroAddress());
        _wired = true;
        _recorders[jobMarket] = true;
        _recorders[paymentChannels] = true;
        emit RecordersWired(jobMarket, paymentChannels);
    }

    /// @notice Records revenue released to a provider. The wired payment contracts only.
    function recordRevenue(address provider, uint256 gross, uint256 fee) external {
        require(_recorders[msg.sender], RevenueLedgerNotRecorder(msg.sender));
        uint256 epoch = block.timestamp / EPOCH_LENGTH;
        Totals storage t = _epochTotals[epoch];
        // uint128 holds 3.4e38: more than any stablecoin supply in its smallest unit.
        t.gross += uint128(gross);
        t.fees += uint128(fee);
        _providerRevenue[epoch][provider] += gross;
        emit RevenueRecorded(provider, epoch, gross, fee);
    }

    /// @inheritdoc IRevenueLedger
    function currentEpoch() external view returns (uint256) {
        return block.timestamp / EPOCH_LENGTH;
    }

    /// @inheritdoc IRevenueLedger
    function epochTotals(uint256 epoch) external view returns (uint256 gross, uint256 fees) {
        Totals storage t = _epochTotals[epoch];
        return (t.gross, t.fees);
    }

    /// @inheritdoc IRevenueLedger
    function providerRevenue(uint256 epoch, address provider) external view returns (uint256) {
        return _providerRevenue[epoch][provider];
    }

    /// @inheritdoc IRevenueLedger
    function isRecorder(address account) external view returns (bool) {
        return _recorders[account];
    }
}
