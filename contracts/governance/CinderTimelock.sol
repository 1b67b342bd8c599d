// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title CinderTimelock
/// @notice The executor of governance: it administers the AccessManager and so holds the governance role of every
/// Cinder contract. Its delay may change only within hard bounds.
contract CinderTimelock is TimelockController {
    /// @notice A delay outside [MIN_DELAY_FLOOR, MAX_DELAY].
    /// @param delay The delay given.
    /// @param min The lowest delay allowed.
    /// @param max The highest delay allowed.
    error CinderTimelockDelayOutOfBounds(uint256 delay, uint256 min, uint256 max);

    /// @notice The longest delay governance may set.
    uint256 public constant MAX_DELAY = 30 days;
    /// @notice The shortest delay governance may set, fixed at deployment (2 days in production).
    uint256 public immutable MIN_DELAY_FLOOR;

    /// @param minDelay The initial delay.
    /// @param minDelayFloor The lowest delay governance may ever set.
    /// @param proposers Accounts allowed to propose (the Governor; may be empty and granted after deployment).
    /// @param executors Accounts allowed to execute (address(0) opens execution to anyone).
    /// @param admin An optional admin for the deployment's wiring, expected to renounce.
    constructor(
        uint256 minDelay,
        uint256 minDelayFloor,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        require(
            minDelayFloor <= minDelay && minDelay <= MAX_DELAY,
            CinderTimelockDelayOutOfBounds(minDelay, minDelayFloor, MAX_DELAY)
        );
        MIN_DELAY_FLOOR = minDelayFloor;
    }

    /// @notice Changes the delay; only through the timelock itself, within bounds.
    function updateDelay(uint256 newDelay) public override {
        require(msg.sender == address(this), TimelockUnauthorizedCaller(msg.sender));
        require(
            newDelay >= MIN_DELAY_FLOOR && newDelay <= MAX_DELAY,
            CinderTimelockDelayOutOfBounds(newDelay, MIN_DELAY_FLOOR, MAX_DELAY)
        );
        super.updateDelay(newDelay);
    }
}
