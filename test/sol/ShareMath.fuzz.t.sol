// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ShareMath} from "../../contracts/libraries/ShareMath.sol";
import {Test} from "./utils/Test.sol";

/// @notice Exposes ShareMath's internal functions as external calls, so the properties below run against the
/// compiled library code exactly as the vault inlines it.
contract ShareMathHarness {
    function toShares(uint256 assets, uint256 totalAssets, uint256 totalShares, Math.Rounding rounding)
        external
        pure
        returns (uint256)
    {
        return ShareMath.toShares(assets, totalAssets, totalShares, rounding);
    }

    function toAssets(uint256 shares, uint256 totalAssets, uint256 totalShares, Math.Rounding rounding)
        external
        pure
        returns (uint256)
    {
        return ShareMath.toAssets(shares, totalAssets, totalShares, rounding);
    }

    function splitSlash(uint256 amount, uint256 selfActive, uint256 selfPending, uint256 delegated, uint256 pending)
        external
        pure
        returns (uint256, uint256, uint256, uint256)
    {
        return ShareMath.splitSlash(amount, selfActive, selfPending, delegated, pending);
    }
}

/// @title ShareMath fuzz properties
/// @notice Conversions never create value, and a slash split is exact, ordered (self first) and never zero.
/// Amounts are bounded to uint128, the width the vault stores them in.
contract ShareMathFuzzTest is Test {
    uint256 private constant MAX_AMOUNT = type(uint128).max;

    ShareMathHarness private math;

    function setUp() public {
        math = new ShareMathHarness();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Conversions
    // ------------------------------------------------------------------------------------------------------------

    function test_toShares_firstDepositMintsOneToOne() public view {
        assertEq(math.toShares(1e18, 0, 0, Math.Rounding.Floor), 1e18, "empty class mints 1:1");
        assertEq(math.toAssets(1e18, 1e18, 1e18, Math.Rounding.Floor), 1e18, "and redeems 1:1");
        assertEq(math.toShares(0, 0, 0, Math.Rounding.Ceil), 0, "zero assets mint nothing");
    }

    /// @notice Depositing `assets` and redeeming the shares it minted, in the class as it is after the deposit,
    /// never returns more than was deposited.
    function testFuzz_toShares_roundTripNeverCreatesValue(uint256 assets, uint256 totalAssets, uint256 totalShares)
        public
        view
    {
        assets = bound(assets, 0, MAX_AMOUNT);
        totalAssets = bound(totalAssets, 0, MAX_AMOUNT);
        totalShares = bound(totalShares, 0, MAX_AMOUNT);
        uint256 shares = math.toShares(assets, totalAssets, totalShares, Math.Rounding.Floor);
        uint256 back = math.toAssets(shares, totalAssets + assets, totalShares + shares, Math.Rounding.Floor);
        assertLe(back, assets, "round trip created value");
    }

    /// @notice Burning shares for `assets` (rounded up) never burns fewer shares than those assets are worth: the
    /// leaver's remaining shares are worth at most what it had minus what it took.
    function testFuzz_toShares_burnRoundsAgainstTheLeaver(uint256 held, uint256 totalAssets, uint256 totalShares, uint256 take)
        public
        view
    {
        totalShares = bound(totalShares, 1, MAX_AMOUNT);
        totalAssets = bound(totalAssets, 0, MAX_AMOUNT);
        held = bound(held, 1, totalShares);
        uint256 available = math.toAssets(held, totalAssets, totalShares, Math.Rounding.Floor);
        take = bound(take, 0, available);
        uint256 burned = math.toShares(take, totalAssets, totalShares, Math.Rounding.Ceil);
        assertLe(burned, held, "burn exceeds the holding although take <= available");
        uint256 left = math.toAssets(held - burned, totalAssets - take, totalShares - burned, Math.Rounding.Floor);
        assertLe(left + take, available + 1, "leaver kept more than it had");
    }

    /// @notice A class never pays out more than it holds for shares it has issued.
    function testFuzz_toAssets_neverExceedsClassAssets(uint256 shares, uint256 totalAssets, uint256 totalShares)
        public
        view
    {
        totalAssets = bound(totalAssets, 0, MAX_AMOUNT);
        totalShares = bound(totalShares, 0, MAX_AMOUNT);
        shares = bound(shares, 0, totalShares);
        assertLe(math.toAssets(shares, totalAssets, totalShares, Math.Rounding.Floor), totalAssets, "pays more than held");
    }

    /// @notice Ceil is never below Floor and exceeds it by at most one, in both directions.
    function testFuzz_toShares_ceilAtLeastFloor(uint256 x, uint256 totalAssets, uint256 totalShares) public view {
        x = bound(x, 0, MAX_AMOUNT);
        totalAssets = bound(totalAssets, 0, MAX_AMOUNT);
        totalShares = bound(totalShares, 0, MAX_AMOUNT);
        uint256 sFloor = math.toShares(x, totalAssets, totalShares, Math.Rounding.Floor);
        uint256 sCeil = math.toShares(x, totalAssets, totalShares, Math.Rounding.Ceil);
        assertGe(sCeil, sFloor, "toShares: ceil < floor");
        assertLe(sCeil - sFloor, 1, "toShares: ceil - floor > 1");
        uint256 aFloor = math.toAssets(x, totalAssets, totalShares, Math.Rounding.Floor);
        uint256 aCeil = math.toAssets(x, totalAssets, totalShares, Math.Rounding.Ceil);
        assertGe(aCeil, aFloor, "toAssets: ceil < floor");
        assertLe(aCeil - aFloor, 1, "toAssets: ceil - floor > 1");
    }

    // ------------------------------------------------------------------------------------------------------------
    // splitSlash
    // ------------------------------------------------------------------------------------------------------------

    function test_splitSlash_selfStakeTakesLossesFirst() public view {
        (uint256 sa, uint256 sp, uint256 d, uint256 p) = math.splitSlash(150, 100, 40, 300, 100);
        assertEq(sa, 100, "self active first");
        assertEq(sp, 40, "then self pending");
        // 10 left, split 300:100 -> 7 (floor 7.5) and the complement 3.
        assertEq(d, 7, "delegated pro rata, rounded down");
        assertEq(p, 3, "pending takes the complement");
    }

    /// @notice The parts sum to min(amount, total) exactly, and no part exceeds its tranche.
    function testFuzz_splitSlash_partsSumToMinAmountTotal(
        uint256 amount,
        uint256 selfActive,
        uint256 selfPending,
        uint256 delegated,
        uint256 pending
    ) public view {
        (amount, selfActive, selfPending, delegated, pending) =
            _boundSplit(amount, selfActive, selfPending, delegated, pending);
        (uint256 sa, uint256 sp, uint256 d, uint256 p) =
            math.splitSlash(amount, selfActive, selfPending, delegated, pending);
        uint256 total = selfActive + selfPending + delegated + pending;
        assertEq(sa + sp + d + p, Math.min(amount, total), "parts do not sum to min(amount, total)");
        assertLe(sa, selfActive, "self active part above tranche");
        assertLe(sp, selfPending, "self pending part above tranche");
        assertLe(d, delegated, "delegated part above tranche");
        assertLe(p, pending, "pending part above tranche");
    }

    /// @notice Delegators lose nothing until both self tranches are exhausted, and self-pending is touched only
    /// once self-active is gone.
    function testFuzz_splitSlash_selfTranchesExhaustedFirst(
        uint256 amount,
        uint256 selfActive,
        uint256 selfPending,
        uint256 delegated,
        uint256 pending
    ) public view {
        (amount, selfActive, selfPending, delegated, pending) =
            _boundSplit(amount, selfActive, selfPending, delegated, pending);
        (uint256 sa, uint256 sp, uint256 d, uint256 p) =
            math.splitSlash(amount, selfActive, selfPending, delegated, pending);
        if (sp > 0) assertEq(sa, selfActive, "self pending hit before self active was exhausted");
        if (d + p > 0) {
            assertEq(sa, selfActive, "delegators hit before self active was exhausted");
            assertEq(sp, selfPending, "delegators hit before self pending was exhausted");
        }
        if (amount <= selfActive + selfPending) assertEq(d + p, 0, "delegators hit by a slash self-stake covers");
    }

    /// @notice A positive slash of a pool that holds anything never rounds to zero.
    function testFuzz_splitSlash_neverZeroOnNonEmptyPool(
        uint256 amount,
        uint256 selfActive,
        uint256 selfPending,
        uint256 delegated,
        uint256 pending
    ) public view {
        (amount, selfActive, selfPending, delegated, pending) =
            _boundSplit(amount, selfActive, selfPending, delegated, pending);
        amount = bound(amount, 1, MAX_AMOUNT);
        // Make the pool non-empty by putting at least one wei in a fuzz-chosen tranche.
        if (selfActive + selfPending + delegated + pending == 0) {
            uint256 which = amount % 4;
            if (which == 0) selfActive = 1;
            else if (which == 1) selfPending = 1;
            else if (which == 2) delegated = 1;
            else pending = 1;
        }
        (uint256 sa, uint256 sp, uint256 d, uint256 p) =
            math.splitSlash(amount, selfActive, selfPending, delegated, pending);
        assertGt(sa + sp + d + p, 0, "slash rounded to zero");
    }

    /// @notice What falls on delegators is split between the active and pending classes pro rata to their assets,
    /// within one wei of the exact real-valued split.
    function testFuzz_splitSlash_delegatorSplitWithinOneWeiOfProRata(
        uint256 amount,
        uint256 selfActive,
        uint256 selfPending,
        uint256 delegated,
        uint256 pending
    ) public view {
        (amount, selfActive, selfPending, delegated, pending) =
            _boundSplit(amount, selfActive, selfPending, delegated, pending);
        uint256 delegatedTotal = delegated + pending;
        vm.assume(delegatedTotal > 0);
        (,, uint256 d, uint256 p) = math.splitSlash(amount, selfActive, selfPending, delegated, pending);
        uint256 selfTotal = selfActive + selfPending;
        uint256 rest = amount > selfTotal ? Math.min(amount - selfTotal, delegatedTotal) : 0;
        assertEq(d + p, rest, "delegator parts do not sum to the rest");
        // Exact shares are rest * delegated / total and rest * pending / total; each part is within 1 wei:
        // |part * total - rest * tranche| < total. Products stay below 2^257 / 2 for uint128 inputs.
        uint256 exactD = rest * delegated;
        uint256 exactP = rest * pending;
        assertLt(_absDiff(d * delegatedTotal, exactD), delegatedTotal, "delegated part off pro rata by >= 1 wei");
        assertLt(_absDiff(p * delegatedTotal, exactP), delegatedTotal, "pending part off pro rata by >= 1 wei");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Keeps every tranche below 2^126 so their sum (and products with `rest`) cannot overflow, while the
    /// amount ranges over zero, the tranche boundaries and far beyond the total.
    function _boundSplit(uint256 amount, uint256 selfActive, uint256 selfPending, uint256 delegated, uint256 pending)
        private
        pure
        returns (uint256, uint256, uint256, uint256, uint256)
    {
        uint256 maxTranche = type(uint128).max >> 2;
        selfActive = bound(selfActive, 0, maxTranche);
        selfPending = bound(selfPending, 0, maxTranche);
        delegated = bound(delegated, 0, maxTranche);
        pending = bound(pending, 0, maxTranche);
        amount = bound(amount, 0, MAX_AMOUNT);
        return (amount, selfActive, selfPending, delegated, pending);
    }

    function _absDiff(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }
}
