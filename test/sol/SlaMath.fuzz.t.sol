// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISlaBondManager} from "../../contracts/interfaces/ISlaBondManager.sol";
import {SlaMath} from "../../contracts/libraries/SlaMath.sol";
import {Test} from "./utils/Test.sol";

/// @notice Exposes SlaMath's internal functions as external calls.
contract SlaMathHarness {
    function lockOf(uint256 bondPercent, uint256 value) external pure returns (uint256) {
        return SlaMath.lockOf(bondPercent, value);
    }

    function below(uint256 up, uint256 observed, uint256 ppm) external pure returns (bool) {
        return SlaMath.below(up, observed, ppm);
    }

    function creditBps(ISlaBondManager.Tier memory tier, uint256 up, uint256 observed) external pure returns (uint256) {
        return SlaMath.creditBps(tier, up, observed);
    }

    function credit(uint256 charge, uint256 bps) external pure returns (uint256) {
        return SlaMath.credit(charge, bps);
    }
}

/// @title SlaMath fuzz properties
/// @notice Thresholds are exact (at a threshold is not below it, one second less is), the credit never rises with
/// uptime, nothing observed never pays, and locks and credits never exceed what they are a share of. Sums are
/// bounded to uint64 and values to 2^84, the widths the SlaBondManager and LeaseMath produce.
contract SlaMathFuzzTest is Test {
    uint256 private constant MAX_SECONDS = type(uint64).max;
    uint256 private constant MAX_VALUE = 2 ** 84;

    SlaMathHarness private math;

    function setUp() public {
        math = new SlaMathHarness();
    }

    function _pro() private pure returns (ISlaBondManager.Tier memory) {
        return ISlaBondManager.Tier({
            targetPpm: 999_000,
            midPpm: 990_000,
            lowPpm: 950_000,
            creditBps: 1_000,
            midCreditBps: 2_500,
            lowCreditBps: 10_000,
            bondPercent: 20
        });
    }

    function test_creditBps_boundaries() public view {
        ISlaBondManager.Tier memory t = _pro();
        assertEq(math.creditBps(t, 999_000, 1_000_000), 0, "exactly at target");
        assertEq(math.creditBps(t, 998_999, 1_000_000), 1_000, "one second under target");
        assertEq(math.creditBps(t, 990_000, 1_000_000), 1_000, "exactly at 99%");
        assertEq(math.creditBps(t, 989_999, 1_000_000), 2_500, "one second under 99%");
        assertEq(math.creditBps(t, 950_000, 1_000_000), 2_500, "exactly at 95%");
        assertEq(math.creditBps(t, 949_999, 1_000_000), 10_000, "one second under 95%");
        assertEq(math.creditBps(t, 0, 0), 0, "nothing observed");
    }

    /// @notice At a threshold is never below it; one second less is, whenever the threshold is a whole second.
    function testFuzz_below_exactAtThreshold(uint256 observed, uint256 ppm) public view {
        observed = bound(observed, 1, MAX_SECONDS);
        ppm = bound(ppm, 1, SlaMath.PPM);
        // The least whole number of seconds at or above ppm of observed.
        uint256 atThreshold = (observed * ppm + SlaMath.PPM - 1) / SlaMath.PPM;
        assertFalse(math.below(atThreshold, observed, ppm), "at the threshold counted as below");
        assertTrue(math.below(atThreshold - 1, observed, ppm), "one second under not counted as below");
    }

    /// @notice More up seconds over the same observed time never earn the client more.
    function testFuzz_creditBps_neverRisesWithUptime(uint256 observed, uint256 up, uint256 more) public view {
        observed = bound(observed, 0, MAX_SECONDS);
        up = bound(up, 0, observed);
        more = bound(more, up, observed);
        ISlaBondManager.Tier memory t = _pro();
        assertGe(math.creditBps(t, up, observed), math.creditBps(t, more, observed), "credit rose with uptime");
        assertEq(math.creditBps(t, observed, observed), 0, "full uptime pays");
    }

    function testFuzz_lockAndCredit_neverExceedTheirBase(uint256 value, uint256 percent, uint256 bps) public view {
        value = bound(value, 0, MAX_VALUE);
        percent = bound(percent, 0, 100);
        bps = bound(bps, 0, SlaMath.MAX_BPS);
        assertLe(math.lockOf(percent, value), value, "lock above the value");
        assertLe(math.credit(value, bps), value, "credit above the charge");
        assertEq(math.lockOf(percent, value), (value * percent) / 100, "lock rounds down");
    }
}
