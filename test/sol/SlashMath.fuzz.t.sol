// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SlashMath} from "../../contracts/libraries/SlashMath.sol";
import {Test} from "./utils/Test.sol";

/// @notice Exposes SlashMath's internal functions as external calls.
contract SlashMathHarness {
    function amount(uint256 base, uint256 bps, uint256 cap) external pure returns (uint256) {
        return SlashMath.amount(base, bps, cap);
    }

    function maxBountyBps(uint256 multiple) external pure returns (uint256) {
        return SlashMath.maxBountyBps(multiple);
    }

    function bounty(uint256 slashed, uint256 bountyBps, uint256 multiple) external pure returns (uint256) {
        return SlashMath.bounty(slashed, bountyBps, multiple);
    }
}

/// @title SlashMath fuzz properties
/// @notice A fault's amount is never zero, never above its cap, and never below its exact share; a self-report
/// never pays: the bounty times (1 + m) stays below the slash for every cap multiple the vault allows. Stakes are
/// bounded to 2^128 (the vault's tranche width), bps to 10,000, multiples to the vault's 1..20, caps to >= 1.
contract SlashMathFuzzTest is Test {
    uint256 private constant MAX_STAKE = 2 ** 128 - 1;
    uint256 private constant MAX_MULTIPLE = 20;

    SlashMathHarness private math;

    function setUp() public {
        math = new SlashMathHarness();
    }

    function test_amount_examples() public view {
        assertEq(math.amount(200e18, 3_333, 1e27), 66.66e18, "a third of 200 CNDR");
        assertEq(math.amount(200e18, 10_000, 1e27), 200e18, "all of it");
        assertEq(math.amount(1, 1, 1e27), 1, "a dust share rounds up to 1 wei");
        assertEq(math.amount(0, 10_000, 1e27), 1, "a zero base still slashes 1 wei");
        assertEq(math.amount(200e18, 10_000, 150e18), 150e18, "capped per event");
        assertEq(math.maxBountyBps(5), 1_666, "m = 5");
        assertEq(math.maxBountyBps(20), 476, "m = 20");
    }

    /// @notice Never zero, never above the cap, and at least the exact share whenever the cap allows it.
    function testFuzz_amount_neverZeroAndCapped(uint256 base, uint256 bps, uint256 cap) public view {
        base = bound(base, 0, MAX_STAKE);
        bps = bound(bps, 1, SlashMath.MAX_BPS);
        cap = bound(cap, 1, MAX_STAKE);
        uint256 a = math.amount(base, bps, cap);
        assertGt(a, 0, "slash rounded to zero");
        assertLe(a, cap, "above the cap");
        uint256 exactDown = (base * bps) / SlashMath.MAX_BPS;
        if (exactDown <= cap) assertGe(a, exactDown, "below the exact share");
        // Rounded up by less than one wei of the exact share.
        if (a < cap && a > 1) assertLt((a - 1) * SlashMath.MAX_BPS, base * bps, "rounded up by a whole wei or more");
    }

    /// @notice The provider's own stake loses the slash; its bounty as reporter is below slash / (1 + m), so with
    /// delegators' stake at most m x its own in the pool, reporting itself never recovers its loss.
    function testFuzz_bounty_selfReportNeverPays(uint256 slashed, uint256 bountyBps, uint256 multiple) public view {
        slashed = bound(slashed, 1, MAX_STAKE);
        bountyBps = bound(bountyBps, 0, SlashMath.MAX_BPS);
        multiple = bound(multiple, 1, MAX_MULTIPLE);
        uint256 b = math.bounty(slashed, bountyBps, multiple);
        assertLt(b * (1 + multiple), slashed, "bounty x (1 + m) reached the slash");
        assertLe(b, (slashed * bountyBps) / SlashMath.MAX_BPS, "above the governance rate");
        assertLt(math.maxBountyBps(multiple) * (1 + multiple), SlashMath.MAX_BPS, "rate not below 1/(1+m)");
    }
}
