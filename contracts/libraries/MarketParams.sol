// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobMarket} from "../interfaces/IJobMarket.sol";

/// @title MarketParams
/// @notice The bounds of the JobMarket's governance parameters (IJobMarket.Params) and their check.
library MarketParams {
    uint256 internal constant MAX_LEASE_DURATION = 365 days;
    uint256 internal constant MIN_MIN_LEASE_DURATION = 5 minutes;
    uint256 internal constant MAX_MIN_LEASE_DURATION = 30 days;
    uint256 internal constant MAX_CANCEL_NOTICE = 7 days;
    uint256 internal constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint256 internal constant MAX_CHALLENGE_WINDOW = 14 days;
    uint256 internal constant MIN_BID_WINDOW = 1 minutes;
    uint256 internal constant MAX_BID_WINDOW = 30 days;
    uint256 internal constant MAX_BID_STEP_BPS = 2_000;
    uint256 internal constant MAX_AMOUNT_PARAM = 1e30;

    /// @notice Reverts with `JobMarketParameterOutOfBounds` naming the first field of `p` outside its bounds (the
    /// maximum bid window at least the minimum one).
    function check(IJobMarket.Params memory p) internal pure {
        _checkBounds("minLeaseDuration", p.minLeaseDuration, MIN_MIN_LEASE_DURATION, MAX_MIN_LEASE_DURATION);
        _checkBounds("cancelNotice", p.cancelNotice, 0, MAX_CANCEL_NOTICE);
        _checkBounds("challengeWindow", p.challengeWindow, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        _checkBounds("minBidWindow", p.minBidWindow, MIN_BID_WINDOW, MAX_BID_WINDOW);
        _checkBounds("maxBidWindow", p.maxBidWindow, p.minBidWindow, MAX_BID_WINDOW);
        _checkBounds("minBidStepBps", p.minBidStepBps, 1, MAX_BID_STEP_BPS);
        _checkBounds("minLeaseValue", p.minLeaseValue, 0, MAX_AMOUNT_PARAM);
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, IJobMarket.JobMarketParameterOutOfBounds(name, value, min, max));
    }
}
