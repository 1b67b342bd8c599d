// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title RevertingRewardVault
/// @notice Test stand-in for the StakingVault's reward stream: takes each reward, except for providers marked
/// failing, whose stream reverts (a pool that cannot take rewards), so settleMany's isolation can be shown.
contract RevertingRewardVault {
    using SafeERC20 for IERC20;

    error RevertingRewardVaultRefused(address provider);

    IERC20 public immutable TOKEN;
    mapping(address provider => bool) public failing;

    constructor(IERC20 token) {
        TOKEN = token;
    }

    function setFailing(address provider, bool on) external {
        failing[provider] = on;
    }

    /// @notice As IStakingVault.streamReward: pulls `amount` from the caller, or reverts for a failing provider.
    function streamReward(address provider, uint256 amount, uint40) external {
        require(!failing[provider], RevertingRewardVaultRefused(provider));
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
    }
}
