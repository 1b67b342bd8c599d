// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IFeeRouter} from "../interfaces/IFeeRouter.sol";

/// @title FeeRouter
/// @notice Holds the protocol fee rate and splits collected fees between the buyback and the treasury.
/// @dev Assumptions: the buyback and treasury are governance-set addresses that accept the settlement asset.
/// Payment contracts send their collected fees here; `distribute` is permissionless.
contract FeeRouter is AccessManaged, IFeeRouter {
    using SafeERC20 for IERC20;

    /// @notice The highest fee rate governance may set (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 private constant _MAX_BPS = 10_000;

    uint16 private _feeBps;
    uint16 private _buybackShareBps;
    address private _buyback;
    address private _treasury;

    constructor(address authority, uint16 feeBps_, uint16 buybackShareBps_, address buyback_, address treasury_)
        AccessManaged(authority)
    {
        _setFeeRate(feeBps_);
        _setBuybackShare(buybackShareBps_);
        _setBuyback(buyback_);
        _setTreasury(treasury_);
    }

    /// @inheritdoc IFeeRouter
    function feeFor(uint256 amount) external view returns (uint256) {
        return Math.mulDiv(amount, _feeBps, _MAX_BPS, Math.Rounding.Ceil);
    }

    /// @inheritdoc IFeeRouter
    function distribute(address token) external returns (uint256 toBuyback, uint256 toTreasury) {
        uint256 balance = IERC20(token).balanceOf(address(this));
        // The buyback's share rounds down; the treasury takes the remainder, so nothing is left behind.
        toBuyback = (balance * _buybackShareBps) / _MAX_BPS;
        toTreasury = balance - toBuyback;
        if (toBuyback > 0) IERC20(token).safeTransfer(_buyback, toBuyback);
        if (toTreasury > 0) IERC20(token).safeTransfer(_treasury, toTreasury);
        emit FeesDistributed(token, toBuyback, toTreasury);
    }

    /// @inheritdoc IFeeRouter
    function setFeeRate(uint16 feeBps_) external restricted {
        _setFeeRate(feeBps_);
    }

    /// @inheritdoc IFeeRouter
    function setBuybackShare(uint16 buybackShareBps_) external restricted {
        _setBuybackShare(buybackShareBps_);
    }

    /// @inheritdoc IFeeRouter
    function setBuyback(address buyback_) external restricted {
        _setBuyback(buyback_);
    }

    /// @inheritdoc IFeeRouter
    function setTreasury(address treasury_) external restricted {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IFeeRouter
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    /// @inheritdoc IFeeRouter
    function buybackShareBps() external view returns (uint16) {
        return _buybackShareBps;
    }

    /// @inheritdoc IFeeRouter
    function buyback() external view returns (address) {
        return _buyback;
    }

    /// @inheritdoc IFeeRouter
    function treasury() external view returns (address) {
        return _treasury;
    }

    function _setFeeRate(uint16 feeBps_) private {
        require(feeBps_ <= MAX_FEE_BPS, FeeRouterParameterOutOfBounds("feeBps", feeBps_, 0, MAX_FEE_BPS));
        _feeBps = feeBps_;
        emit FeeRateSet(feeBps_);
    }

    function _setBuybackShare(uint16 share) private {
        require(share <= _MAX_BPS, FeeRouterParameterOutOfBounds("buybackShareBps", share, 0, _MAX_BPS));
        _buybackShareBps = share;
        emit BuybackShareSet(share);
    }

    function _setBuyback(address buyback_) private {
        require(buyback_ != address(0), FeeRouterZeroAddress("buyback"));
        _buyback = buyback_;
        emit BuybackSet(buyback_);
    }

    function _setTreasury(address treasury_) private {
        require(treasury_ != address(0), FeeRouterZeroAddress("treasury"));
        _treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
