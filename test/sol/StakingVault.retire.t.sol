// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStakingVault} from "../../contracts/interfaces/IStakingVault.sol";
import {StakingVaultFixture} from "./StakingVault.fuzz.t.sol";

/// @title Share-class retirement
/// @notice A class whose price falls below the entry price is retired before the next deposit into it; what its
/// shares were still worth stays their holders' (active class: as rewards; pending class: as a retired withdrawal).
contract StakingVaultRetireTest is StakingVaultFixture {
    address private provider;
    address private alice;
    address private bob;
    address private carol;

    function setUp() public {
        _deploySystem();
        _wirePowers(address(this), address(this));
        provider = _provider("provider", 10 * MAX_AMOUNT);
        alice = _actor("alice", 10 * MAX_AMOUNT);
        bob = _actor("bob", 10 * MAX_AMOUNT);
        carol = _actor("carol", 10 * MAX_AMOUNT);
        vm.prank(provider);
        vault.stake(1e18);
    }

    function test_requestWithdraw_retiresDepletedPendingClassAndItsHoldersClaimTheRemainder() public {
        _delegate(alice, 2e18);
        _delegate(bob, 2e18);
        _request(alice, type(uint256).max);
        // Self-stake first, then the rest pro rata: 1e12 left in each delegator class, under ~2e18 shares.
        _slash(provider, 1e18 + 4e18 - 2e12);
        IStakingVault.Pool memory pool = vault.getPool(provider);
        assertEq(pool.pendingAssets, 1e12, "pending class left with 1e12");
        assertEq(pool.delegatedAssets, 1e12, "active class left with 1e12");
        _assertSolvent();

        // Bob's request burns the rest of the active class (retiring it: no live shares on nothing), and the
        // pending class is priced below 1e-6 per share, so it is retired before Bob's assets enter it.
        vm.expectEmit(true, false, false, true, address(vault));
        emit IStakingVault.ShareClassRetired(provider, true, 1, 1e12);
        _request(bob, type(uint256).max);
        pool = vault.getPool(provider);
        assertEq(pool.pendingGeneration, 1, "pending class retired");
        assertEq(vault.totalRetiredPending(), 1e12, "remainder kept for its holders");
        (uint256 aliceAssets,) = vault.pendingWithdrawal(provider, alice);
        assertEq(aliceAssets, 1e12, "alice's claim on the retired class");
        (uint256 bobAssets,) = vault.pendingWithdrawal(provider, bob);
        assertEq(bobAssets, 1e12, "bob entered the fresh class at full value");
        _assertSolvent();

        vm.warp(block.timestamp + UNBONDING + 1);
        assertEq(_claim(alice), 1e12, "alice is paid the retired remainder");
        assertEq(vault.totalRetiredPending(), 0, "retired class fully claimed");
        assertEq(_claim(bob), 1e12, "bob is paid in full");
        _assertSolvent();
    }

    function test_delegate_retiresDepletedActiveClassAndCreditsTheRemainderAsRewards() public {
        _delegate(alice, 2e18);
        _slash(provider, 1e18 + 2e18 - 1e12);
        assertApproxEqAbs(vault.delegatedBalance(provider, alice), 1e12, 1, "alice's position is worth ~1e12");

        vm.prank(provider);
        vault.stake(1e18);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IStakingVault.ShareClassRetired(provider, false, 1, 1e12);
        _delegate(carol, 1e18);

        assertEq(vault.delegatedBalance(provider, carol), 1e18, "carol joins at a fresh 1:1 price");
        assertEq(vault.delegatedBalance(provider, alice), 0, "alice's shares are retired");
        uint256 claimable = vault.claimableRewards(provider, alice);
        assertApproxEqAbs(claimable, 1e12, 1, "alice's remainder is claimable as rewards");
        vm.prank(alice);
        assertEq(vault.claimRewards(provider), claimable, "alice claims it");
        _assertSolvent();

        // A later slash falls on carol pro rata, never wiping her through an inherited dust price.
        _slash(provider, 1e18 + 4e17); // 1e18 self-stake first, then 4e17 from carol
        assertApproxEqAbs(vault.delegatedBalance(provider, carol), 6e17, 1, "carol loses exactly the slash's part");
        _assertSolvent();
    }

    function test_requestWithdraw_mergesAClaimOnARetiredClassIntoTheNewRequest() public {
        _delegate(alice, 2e18);
        _delegate(bob, 2e18);
        _request(alice, 1e18);
        // Self-stake first, then pro rata: each delegator class keeps 0.9e-6 of its value (below the entry price).
        _slash(provider, 1e18 + 4e18 - 36e11);
        // bob's full exit retires the depleted pending class; alice still holds active shares worth ~0.9e12.
        _request(bob, type(uint256).max);
        (uint256 retiredClaim, uint256 firstUnlock) = vault.pendingWithdrawal(provider, alice);
        assertGt(retiredClaim, 0, "alice holds a claim on the retired class");
        uint256 retiredBefore = vault.totalRetiredPending();

        vm.warp(block.timestamp + 1 days);
        uint256 activeAlice = vault.delegatedBalance(provider, alice);
        uint256 unlockAt = _request(alice, type(uint256).max);
        (uint256 merged,) = vault.pendingWithdrawal(provider, alice);
        assertApproxEqAbs(merged, activeAlice + retiredClaim, 1, "the retired claim joins the new request");
        assertEq(vault.totalRetiredPending(), retiredBefore - retiredClaim, "moved back into the live class");
        assertGe(unlockAt, firstUnlock, "the merged withdrawal unlocks at the later time");
        _assertSolvent();
    }

    // --- helpers ---

    function _delegate(address who, uint256 amount) private {
        vm.prank(who);
        vault.delegate(provider, amount);
    }

    function _request(address who, uint256 amount) private returns (uint256 unlockAt) {
        vm.prank(who);
        unlockAt = vault.requestWithdraw(provider, amount);
    }

    function _claim(address who) private returns (uint256 assets) {
        vm.prank(who);
        assets = vault.claimWithdraw(provider);
    }

    /// @dev DESIGN invariant 3, exactly.
    function _assertSolvent() private view {
        IStakingVault.Pool memory pool = vault.getPool(provider);
        uint256 tranches = uint256(pool.selfActive) + pool.selfPending + pool.delegatedAssets + pool.pendingAssets;
        // A slash (executeSlash, the only one) keeps its CNDR here for the burn and the bounties.
        (uint256 toBurn, uint256 bounties) = vault.slashedHeld();
        assertEq(
            token.balanceOf(address(vault)),
            tranches + vault.totalRewardsOwed() + vault.totalRetiredPending() + toBurn + bounties,
            "vault CNDR != tranches + rewards owed + retired pending + slashed held"
        );
    }
}
