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
    /// @notice The longest change delay a deployment may choose.
    uint256 public constant MAX_CHANGE_DELAY = 30 days;
    uint16 private constant _MAX_BPS = 10_000;

    /// @inheritdoc IFeeRouter
    uint256 public immutable CHANGE_DELAY;

    FeeConfig private _config;
    FeeConfig private _pending;
    uint40 private _pendingEffectiveAt;

    constructor(address authority, FeeConfig memory initialConfig, uint256 changeDelay) AccessManaged(authority) {
        require(
            changeDelay <= MAX_CHANGE_DELAY,
            FeeRouterParameterOutOfBounds("changeDelay", changeDelay, 0, MAX_CHANGE_DELAY)
        );
        CHANGE_DELAY = changeDelay;
        _checkConfig(initialConfig);
        _config = initialConfig;
        emit FeeConfigApplied(initialConfig);
    }

    /// @inheritdoc IFeeRouter
    function feeFor(uint256 amount) external view returns (uint256) {
        return Math.mulDiv(amount, _config.feeBps, _MAX_BPS, Math.Rounding.Ceil);
    }

    /// @inheritdoc IFeeRouter
    function feeBpsFixedUntil() external view returns (uint16 bps, uint256 until) {
        until = block.timestamp + CHANGE_DELAY;
        uint256 pendingAt = _pendingEffectiveAt;
        // A pending change may be applied from its effective time on (at once if that passed).
        if (pendingAt != 0 && pendingAt < until) until = pendingAt < block.timestamp ? block.timestamp : pendingAt;
        return (_config.feeBps, until);
    }

    /// @inheritdoc IFeeRouter
    function distribute(address token) external returns (uint256 toBuyback, uint256 toTreasury) {
        uint256 balance = IERC20(token).balanceOf(address(this));
        // The buyback's share rounds down; the treasury takes the remainder, so nothing is left behind.
        toBuyback = (balance * _config.buybackShareBps) / _MAX_BPS;
        toTreasury = balance - toBuyback;
        if (toBuyback > 0) IERC20(token).safeTransfer(_config.buyback, toBuyback);
        if (toTreasury > 0) IERC20(token).safeTransfer(_config.treasury, toTreasury);
        emit FeesDistributed(token, toBuyback, toTreasury);
    }

    /// @inheritdoc IFeeRouter
    function proposeFeeConfig(FeeConfig calldata config) external restricted {
        _checkConfig(config);
        uint256 effectiveAt = block.timestamp + CHANGE_DELAY;
        _pending = config;
        _pendingEffectiveAt = uint40(effectiveAt);
        emit FeeConfigProposed(config, effectiveAt);
    }

    /// @inheritdoc IFeeRouter
    function cancelFeeConfigChange() external restricted {
        require(_pendingEffectiveAt != 0, FeeRouterNoPendingChange());
        delete _pending;
        _pendingEffectiveAt = 0;
        emit FeeConfigChangeCancelled();
    }

    /// @inheritdoc IFeeRouter
    function applyFeeConfig() external {
        uint256 effectiveAt = _pendingEffectiveAt;
        require(effectiveAt != 0, FeeRouterNoPendingChange());
        require(block.timestamp >= effectiveAt, FeeRouterChangeNotReady(effectiveAt, block.timestamp));
        _config = _pending;
        delete _pending;
        _pendingEffectiveAt = 0;
        emit FeeConfigApplied(_config);
    }

    /// @inheritdoc IFeeRouter
    function feeConfig() external view returns (FeeConfig memory) {
        return _config;
    }

    /// @inheritdoc IFeeRouter
    function pendingFeeConfig() external view returns (FeeConfig memory config, uint256 effectiveAt) {
        return (_pending, _pendingEffectiveAt);
    }

    /// @inheritdoc IFeeRouter
    function feeBps() external view returns (uint16) {
        return _config.feeBps;
    }

    /// @inheritdoc IFeeRouter
    function buybackShareBps() external view returns (uint16) {
        return _config.buybackShareBps;
    }

    /// @inheritdoc IFeeRouter
    function buyback() external view returns (address) {
        return _config.buyback;
    }

    /// @inheritdoc IFeeRouter
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    function _checkConfig(FeeConfig memory config) private pure {
        require(config.feeBps <= MAX_FEE_BPS, FeeRouterParameterOutOfBounds("feeBps", config.feeBps, 0, MAX_FEE_BPS));
        require(
            config.buybackShareBps <= _MAX_BPS,
            FeeRouterParameterOutOfBounds("buybackShareBps", config.buybackShareBps, 0, _MAX_BPS)
        );
        require(config.buyback != address(0), FeeRouterZeroAddress("buyback"));
        require(config.treasury != address(0), FeeRouterZeroAddress("treasury"));
    }
}
