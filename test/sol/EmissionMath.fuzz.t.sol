// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EmissionMath} from "../../contracts/libraries/EmissionMath.sol";
import {Test} from "./utils/Test.sol";

/// @title EmissionMath fuzz properties
/// @notice The wash guard's amount is the exact maximum that satisfies budget x price <= ratio x fees; the decay
/// never grows and never exceeds the exact power; the floor's conversion never lowers the price.
contract EmissionMathFuzzTest is Test {
    /// @dev Fees up to 2^96 (the controller stores them in uint96), prices over the whole UQ112x112 range used.
    function testFuzz_guardMax_isTheLargestBudgetWithinTheGuard(uint256 fees, uint256 ratioBps, uint256 priceQ112)
        public
        pure
    {
        fees = bound(fees, 0, type(uint96).max);
        ratioBps = bound(ratioBps, 0, 9_500);
        priceQ112 = bound(priceQ112, 1, type(uint224).max);
        uint256 budget = EmissionMath.guardMax(fees, ratioBps, priceQ112);
        // budget x price x 10,000 <= fees x ratio x 2^112, and one more wei would break it (512-bit safe forms).
        assertTrue(_mulLe(budget, priceQ112 * 10_000, fees * ratioBps), "within the guard");
        assertFalse(_mulLe(budget + 1, priceQ112 * 10_000, fees * ratioBps) && fees * ratioBps > 0, "maximal");
    }

    function testFuzz_decayFactor_neverGrowsAndNeverExceedsOne(uint256 decayBps, uint256 periods) public pure {
        decayBps = bound(decayBps, 0, 9_999);
        periods = bound(periods, 0, 1e6);
        uint256 f = EmissionMath.decayFactor(decayBps, periods);
        uint256 next = EmissionMath.decayFactor(decayBps, periods + 1);
        assertLe(f, EmissionMath.WAD, "<= 1");
        assertLe(next, f, "non-increasing");
        if (decayBps == 0) assertEq(f, EmissionMath.WAD, "no decay");
    }

    function testFuzz_decayFactor_isBelowTheExactPowerForSmallExponents(uint256 decayBps, uint256 periods) public pure {
        decayBps = bound(decayBps, 0, 9_999);
        periods = bound(periods, 0, 4);
        uint256 exact = EmissionMath.WAD;
        uint256 keep = EmissionMath.MAX_BPS - decayBps;
        // (keep / 10,000)^periods in WAD, computed exactly with one final rounding down.
        uint256 numerator = EmissionMath.WAD;
        uint256 denominator = 1;
        for (uint256 i; i < periods; ++i) {
            numerator *= keep;
            denominator *= EmissionMath.MAX_BPS;
        }
        exact = numerator / denominator;
        uint256 f = EmissionMath.decayFactor(decayBps, periods);
        assertLe(f, exact, "never above the exact power");
        assertLe(exact - f, periods, "at most one wei of rounding per step");
    }

    function testFuzz_wholeToQ112_neverLowersTheFloor(uint256 pricePerWhole) public pure {
        pricePerWhole = bound(pricePerWhole, 0, 1e30);
        uint256 q = EmissionMath.wholeToQ112(pricePerWhole);
        // Back to a price per whole CNDR (rounded down) gives at least the floor set.
        assertGe(EmissionMath.q112ToWhole(q), pricePerWhole, "rounded up");
    }

    /// @dev a x b <= c x 2^112, without overflow.
    function _mulLe(uint256 a, uint256 b, uint256 c) private pure returns (bool) {
        (uint256 hi1, uint256 lo1) = _mul512(a, b);
        (uint256 hi2, uint256 lo2) = _mul512(c, 1 << 112);
        return hi1 < hi2 || (hi1 == hi2 && lo1 <= lo2);
    }

    function _mul512(uint256 a, uint256 b) private pure returns (uint256 hi, uint256 lo) {
        assembly ("memory-safe") {
            let mm := mulmod(a, b, not(0))
            lo := mul(a, b)
            hi := sub(sub(mm, lo), lt(mm, lo))
        }
    }
}
