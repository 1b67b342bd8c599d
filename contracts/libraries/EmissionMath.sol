// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title EmissionMath
/// @notice The emission schedule and the wash guard, as pure functions. `scripts/lib/emissions.ts` implements the
/// same formulas in bigint arithmetic for the supply simulator; a test checks the two agree.
library EmissionMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_BPS = 10_000;
    /// @dev 2^112: Uniswap V2's UQ112x112 fixed point.
    uint256 internal constant Q112 = 1 << 112;

    /// @notice (1 - decayBps / 10,000) ^ periods in WAD, by binary exponentiation.
    /// @dev Each product rounds down, so the factor never exceeds the exact power: the schedule never emits more
    /// than it promises. Cannot overflow: both operands are <= WAD, so each product is <= 1e36.
    function decayFactor(uint256 decayBps, uint256 periods) internal pure returns (uint256 factor) {
        uint256 base = WAD - (decayBps * WAD) / MAX_BPS;
        factor = WAD;
        while (periods != 0) {
            if (periods & 1 == 1) factor = (factor * base) / WAD;
            base = (base * base) / WAD;
            periods >>= 1;
        }
    }

    /// @notice An epoch's cap and rate: the initial values times the decay factor, rounded down.
    function scheduled(uint256 initialCap, uint256 initialRateWad, uint256 factor)
        internal
        pure
        returns (uint256 cap, uint256 rateWad)
    {
        cap = Math.mulDiv(initialCap, factor, WAD);
        rateWad = Math.mulDiv(initialRateWad, factor, WAD);
    }

    /// @notice The most CNDR (wei) whose value at `priceQ112` (asset units per CNDR wei, UQ112x112) is at most
    /// `guardRatioBps` of `fees`. Rounds down, so budget x price <= ratio x fees holds exactly.
    /// @dev priceQ112 > 0. Cannot overflow: fees < 2^128 and the ratio < 2^14 keep the numerator's first factor
    /// under 2^142, and mulDiv takes a 512-bit product; 10,000 x priceQ112 < 2^14 x 2^224.
    function guardMax(uint256 fees, uint256 guardRatioBps, uint256 priceQ112) internal pure returns (uint256) {
        return Math.mulDiv(fees * guardRatioBps, Q112, MAX_BPS * priceQ112);
    }

    /// @notice A price in asset units per whole CNDR (1e18 wei), as UQ112x112 per wei, rounded up (a higher price
    /// mints less, so rounding up keeps the floor strict).
    function wholeToQ112(uint256 pricePerWhole) internal pure returns (uint256) {
        return Math.mulDiv(pricePerWhole, Q112, WAD, Math.Rounding.Ceil);
    }

    /// @notice A UQ112x112 price per wei in asset units per whole CNDR, rounded down (for display in events).
    function q112ToWhole(uint256 priceQ112) internal pure returns (uint256) {
        return Math.mulDiv(priceQ112, WAD, Q112);
    }
}
