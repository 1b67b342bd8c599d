// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IFeeRouter} from "../interfaces/IFeeRouter.sol";

/// @title MarketFees
/// @notice The JobMarket's protocol fee on a release: the FeeRouter's rate, cached until the router says it may
/// change (`feeBpsFixedUntil`), and the fees collected, in one slot read and written by every release.
/// @dev Assumptions:
/// - The router's `feeBpsFixedUntil` is a time before which its rate cannot change, so every fee uses the router's
///   current rate.
library MarketFees {
    uint256 private constant _MAX_BPS = 10_000;

    /// @notice The cached rate and the fees collected (one slot).
    struct State {
        uint128 collected;
        uint16 feeBps;
        uint40 fixedUntil;
    }

    /// @notice Takes the fee on a release of `gross` at `router`'s rate (read from the router only once the cached one
    /// may have changed) and adds it to the collected fees of `f`, a memory copy of the state that the caller stores
    /// back (one slot read and one written per release).
    function take(State memory f, IFeeRouter router, uint256 gross) internal view returns (uint256 fee) {
        if (block.timestamp >= f.fixedUntil) {
            (uint16 bps, uint256 until) = router.feeBpsFixedUntil();
            // until <= now + the router's 30-day maximum delay < 2^40.
            (f.feeBps, f.fixedUntil) = (bps, uint40(until));
        }
        // The router's rounding (FeeRouter.feeFor): up, so splitting a release never avoids the fee.
        fee = Math.mulDiv(gross, f.feeBps, _MAX_BPS, Math.Rounding.Ceil);
        // Fees are below the asset's supply (< 2^128 for any real stablecoin).
        f.collected += uint128(fee);
    }
}
