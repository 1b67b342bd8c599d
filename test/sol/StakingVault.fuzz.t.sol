// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CinderAccessManager} from "../../contracts/governance/CinderAccessManager.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";
import {IStakingVault} from "../../contracts/interfaces/IStakingVault.sol";
import {ProviderRegistry} from "../../contracts/staking/ProviderRegistry.sol";
import {StakingVault} from "../../contracts/staking/StakingVault.sol";
import {CinderToken} from "../../contracts/token/CinderToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice Deploys the real staking system: AccessManager (this contract is its admin, so every restricted
/// function, unmapped and thus ADMIN_ROLE, is callable from here), CNDR, the registry and the vault.
abstract contract StakingVaultFixture is Test {
    uint256 internal constant GENESIS = 1e27;
    uint128 internal constant MIN_DELEGATION = 1e18;
    uint40 internal constant UNBONDING = 14 days;
    uint40 internal constant TAIL = 7 days;
    uint16 internal constant CAP_MULTIPLE = 5;
    uint40 internal constant COMMISSION_DELAY = 7 days;
    bytes32 internal constant MODEL_CLASS = bytes32("H100");
    /// @dev Largest amount any actor moves in one call; keeps every sum far below uint96/uint128.
    uint256 internal constant MAX_AMOUNT = 1e24;

    CinderAccessManager internal manager;
    CinderToken internal token;
    ProviderRegistry internal registry;
    StakingVault internal vault;

    function _deploySystem() internal {
        manager = new CinderAccessManager(address(this), 120 days);
        token = new CinderToken(address(manager), address(this), GENESIS, 10 * GENESIS, 1 days, 1e24);
        registry = new ProviderRegistry(address(manager), COMMISSION_DELAY);
        vault = new StakingVault(
            address(manager),
            IERC20(address(token)),
            IProviderRegistry(address(registry)),
            StakingVault.InitParams({
                unbondingPeriod: UNBONDING,
                exposureTail: TAIL,
                delegationCapMultiple: CAP_MULTIPLE,
                minDelegation: MIN_DELEGATION
            })
        );
        registry.setStakingVault(address(vault));
        registry.setModelClass(MODEL_CLASS, 1e18, true);
        token.approve(address(vault), type(uint256).max);
    }

    /// @dev The one-time wiring of the vault's internal powers, as the deployment makes it: `slasher` is the registry's
    /// SlashingManager (the only one who slashes, and only into the vault's burn), `rewarder` the EmissionController
    /// (the only reward funder).
    function _wirePowers(address slasher, address rewarder) internal {
        registry.setSlashingManager(slasher);
        vault.setEmissionController(rewarder);
    }

    /// @dev Slashes through the SlashingManager's hook (this test is the wired manager): no bounty, no hold.
    function _slash(address p, uint256 amount) internal returns (uint256 slashed) {
        (slashed,) = vault.executeSlash(p, amount, 0, false);
    }

    /// @dev A funded, approved account.
    function _actor(string memory name, uint256 funds) internal returns (address account) {
        account = makeAddr(name);
        token.transfer(account, funds);
        vm.prank(account);
        token.approve(address(vault), type(uint256).max);
    }

    /// @dev A registered, funded, approved provider paying out to `<name>-payout`.
    function _provider(string memory name, uint256 funds) internal returns (address provider) {
        provider = _actor(name, funds);
        address payout = makeAddr(string.concat(name, "-payout"));
        vm.prank(provider);
        registry.register("ipfs://provider", payout);
    }
}

/// @title StakingVault fuzz properties
/// @notice Stake, delegation, withdrawal, slashing and reward properties over fuzzed amounts and orders.
contract StakingVaultFuzzTest is StakingVaultFixture {
    address private provider;
    address private alice;
    address private bob;

    function setUp() public {
        _deploySystem();
        _wirePowers(address(this), address(this));
        provider = _provider("provider", 10 * MAX_AMOUNT);
        alice = _actor("alice", 10 * MAX_AMOUNT);
        bob = _actor("bob", 10 * MAX_AMOUNT);
    }

    // ------------------------------------------------------------------------------------------------------------
    // stake / delegate
    // ------------------------------------------------------------------------------------------------------------

    function testFuzz_stake_addsToSelfActive(uint256 first, uint256 second) public {
        first = bound(first, 1, MAX_AMOUNT);
        second = bound(second, 1, MAX_AMOUNT);
        uint256 vaultBefore = token.balanceOf(address(vault));
        uint256 providerBefore = token.balanceOf(provider);
        _stake(provider, first);
        _stake(provider, second);
        assertEq(vault.getPool(provider).selfActive, first + second, "selfActive");
        assertEq(vault.activeStake(provider), first + second, "activeStake");
        assertEq(token.balanceOf(address(vault)) - vaultBefore, first + second, "vault balance delta");
        assertEq(providerBefore - token.balanceOf(provider), first + second, "provider balance delta");
    }

    /// @notice A delegation is worth what was paid, at most, and at least that minus one wei of rounding.
    function testFuzz_delegate_balanceWithinOneWeiOfAmount(uint256 selfStake, uint256 a1, uint256 a2) public {
        selfStake = bound(selfStake, MIN_DELEGATION, MAX_AMOUNT);
        _stake(provider, selfStake);
        a1 = bound(a1, MIN_DELEGATION, vault.delegationRoom(provider));
        _delegate(alice, a1);
        uint256 room = vault.delegationRoom(provider);
        vm.assume(room >= MIN_DELEGATION);
        a2 = bound(a2, MIN_DELEGATION, room);
        uint256 bobBefore = token.balanceOf(bob);
        _delegate(bob, a2);
        assertEq(bobBefore - token.balanceOf(bob), a2, "bob paid");
        uint256 balA = vault.delegatedBalance(provider, alice);
        uint256 balB = vault.delegatedBalance(provider, bob);
        assertLe(balA, a1, "alice worth more than paid");
        assertLe(balB, a2, "bob worth more than paid");
        assertGe(balA + 1, a1, "alice lost more than 1 wei");
        assertGe(balB + 1, a2, "bob lost more than 1 wei");
        assertEq(vault.getPool(provider).delegatedAssets, a1 + a2, "pool assets");
    }

    function testFuzz_revert_delegate_DelegationTooSmall(uint256 amount) public {
        _stake(provider, MAX_AMOUNT);
        amount = bound(amount, 0, MIN_DELEGATION - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultDelegationTooSmall.selector, amount, MIN_DELEGATION)
        );
        vm.prank(alice);
        vault.delegate(provider, amount);
    }

    function testFuzz_revert_delegate_DelegationCapExceeded(uint256 selfStake, uint256 amount) public {
        selfStake = bound(selfStake, 1, MAX_AMOUNT / CAP_MULTIPLE);
        _stake(provider, selfStake);
        uint256 cap = selfStake * CAP_MULTIPLE;
        amount = bound(amount, Math.max(cap + 1, MIN_DELEGATION), 2 * MAX_AMOUNT);
        vm.expectRevert(abi.encodeWithSelector(IStakingVault.StakingVaultDelegationCapExceeded.selector, amount, cap));
        vm.prank(alice);
        vault.delegate(provider, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // requestWithdraw / claimWithdraw
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Without rewards or slashes, a delegator never gets back more than it delegated, whatever the order
    /// and size of the partial, maximal and merged withdrawals; and it loses at most a few wei of rounding.
    function testFuzz_claimWithdraw_delegatorNeverGetsMoreThanDelegated(
        uint256 selfStake,
        uint256 a1,
        uint256 a2,
        uint256 w1,
        uint256 w2,
        uint256 w3,
        bool aliceMax,
        bool bobFirst
    ) public {
        selfStake = bound(selfStake, MIN_DELEGATION, MAX_AMOUNT);
        _stake(provider, selfStake);
        a1 = bound(a1, MIN_DELEGATION, vault.delegationRoom(provider));
        _delegate(alice, a1);
        uint256 room = vault.delegationRoom(provider);
        vm.assume(room >= MIN_DELEGATION);
        a2 = bound(a2, MIN_DELEGATION, room);
        _delegate(bob, a2);

        // Alice: a partial request, then either everything or another partial (merged into one withdrawal).
        w1 = bound(w1, 1, vault.delegatedBalance(provider, alice));
        _requestWithdraw(alice, w1);
        vm.warp(block.timestamp + 1 days);
        uint256 aliceLeft = vault.delegatedBalance(provider, alice);
        if (aliceLeft > 0) {
            if (aliceMax) _requestWithdraw(alice, type(uint256).max);
            else _requestWithdraw(alice, bound(w3, 1, aliceLeft));
        }
        // Bob: one partial request between Alice's.
        w2 = bound(w2, 1, vault.delegatedBalance(provider, bob));
        _requestWithdraw(bob, w2);

        vm.warp(block.timestamp + UNBONDING);
        uint256 gotAlice;
        uint256 gotBob;
        if (bobFirst) {
            gotBob = _claimWithdraw(bob);
            gotAlice = _claimWithdraw(alice);
        } else {
            gotAlice = _claimWithdraw(alice);
            gotBob = _claimWithdraw(bob);
        }
        uint256 totalAlice = gotAlice + vault.delegatedBalance(provider, alice);
        uint256 totalBob = gotBob + vault.delegatedBalance(provider, bob);
        assertLe(totalAlice, a1, "alice got more than delegated");
        assertLe(totalBob, a2, "bob got more than delegated");
        assertGe(totalAlice + 4, a1, "alice lost more than rounding");
        assertGe(totalBob + 4, a2, "bob lost more than rounding");
    }

    /// @notice DESIGN invariant 8: another delegator's activity in the same pool (delegating, merging into the
    /// pending class) can neither delay nor shrink a pending withdrawal.
    function testFuzz_claimWithdraw_otherDelegatorCannotBlock(uint256 a1, uint256 a2, uint256 w2, uint256 gap)
        public
    {
        _stake(provider, MAX_AMOUNT);
        a1 = bound(a1, MIN_DELEGATION, MAX_AMOUNT);
        _delegate(alice, a1);
        uint256 unlockAt = _requestWithdraw(alice, type(uint256).max);
        (uint256 pendingBefore,) = vault.pendingWithdrawal(provider, alice);

        gap = bound(gap, 0, UNBONDING);
        vm.warp(block.timestamp + gap);
        a2 = bound(a2, MIN_DELEGATION, MAX_AMOUNT);
        _delegate(bob, a2);
        w2 = bound(w2, 1, vault.delegatedBalance(provider, bob));
        _requestWithdraw(bob, w2);

        (uint256 pendingAfter, uint256 unlockAfter) = vault.pendingWithdrawal(provider, alice);
        assertEq(unlockAfter, unlockAt, "alice's unlock moved");
        assertGe(pendingAfter, pendingBefore, "alice's pending value fell");

        vm.warp(unlockAt);
        assertGe(_claimWithdraw(alice), pendingBefore, "alice's claim shrank");
    }

    function testFuzz_revert_claimWithdraw_StillUnbonding(uint256 amount, uint256 elapsed) public {
        _stake(provider, MAX_AMOUNT);
        amount = bound(amount, MIN_DELEGATION, MAX_AMOUNT);
        _delegate(alice, amount);
        uint256 unlockAt = _requestWithdraw(alice, type(uint256).max);
        assertEq(unlockAt, block.timestamp + UNBONDING, "unlock = now + unbonding");
        elapsed = bound(elapsed, 0, UNBONDING - 1);
        vm.warp(block.timestamp + elapsed);
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultStillUnbonding.selector, unlockAt, block.timestamp)
        );
        vm.prank(alice);
        vault.claimWithdraw(provider);
    }

    function test_revert_claimWithdraw_SlashPending() public {
        _stake(provider, MAX_AMOUNT);
        _delegate(alice, MIN_DELEGATION);
        uint256 unlockAt = _requestWithdraw(alice, type(uint256).max);
        vault.holdForSlash(provider);
        vm.warp(unlockAt);
        vm.expectRevert(abi.encodeWithSelector(IStakingVault.StakingVaultSlashPending.selector, provider, 1));
        vm.prank(alice);
        vault.claimWithdraw(provider);
        // Released: the claim goes through in full.
        vault.releaseSlashHold(provider);
        assertEq(_claimWithdraw(alice), MIN_DELEGATION, "claim after release");
    }

    function testFuzz_revert_requestWithdraw_InsufficientStake(uint256 selfStake, uint256 amount) public {
        selfStake = bound(selfStake, 1, MAX_AMOUNT);
        _stake(provider, selfStake);
        amount = bound(amount, selfStake + 1, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultInsufficientStake.selector, selfStake, amount)
        );
        vm.prank(provider);
        vault.requestWithdraw(provider, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // slash
    // ------------------------------------------------------------------------------------------------------------

    /// @notice A slash takes at least min(amount, pool total) and at most the pool total (the surplus is only the
    /// dust of a closed class), never zero from a non-empty pool, and exactly that waits in the vault for the burn
    /// (no CNDR leaves: there is no slash to a recipient).
    function testFuzz_slash_neverRoundsToZero(
        uint256 selfStake,
        uint256 selfWithdraw,
        uint256 delegation,
        uint256 withdraw,
        uint256 amount
    ) public {
        selfStake = bound(selfStake, 1, MAX_AMOUNT);
        _stake(provider, selfStake);
        uint256 room = vault.delegationRoom(provider);
        if (room >= MIN_DELEGATION) {
            delegation = bound(delegation, MIN_DELEGATION, Math.min(room, MAX_AMOUNT));
            _delegate(alice, delegation);
            withdraw = bound(withdraw, 0, delegation);
            if (withdraw > 0) _requestWithdraw(alice, withdraw);
        }
        selfWithdraw = bound(selfWithdraw, 0, selfStake);
        if (selfWithdraw > 0) _requestWithdraw(provider, selfWithdraw);

        uint256 total = vault.totalStake(provider);
        amount = bound(amount, 1, 2 * total + 1);
        uint256 vaultBefore = token.balanceOf(address(vault));
        (uint256 toBurnBefore,) = vault.slashedHeld();
        uint256 slashed = _slash(provider, amount);

        assertGt(slashed, 0, "slash rounded to zero");
        assertGe(slashed, Math.min(amount, total), "slashed less than min(amount, total)");
        assertLe(slashed, total, "slashed more than the pool");
        (uint256 toBurn,) = vault.slashedHeld();
        assertEq(toBurn - toBurnBefore, slashed, "to-burn delta");
        assertEq(token.balanceOf(address(vault)), vaultBefore, "vault delta");
        assertEq(vault.totalStake(provider), total - slashed, "pool total delta");
        _assertNoLiveSharesBackedByNothing();
    }

    /// @notice No live shares backed by nothing, whichever way a class empties: here by withdrawals after a slash
    /// priced the class at 1/3. Bob asks for exactly his balance (the burn rounds up, leaving him one share worth
    /// a third of a wei), then Alice leaves with everything; the class must not keep a share with zero assets.
    function test_requestWithdraw_neverLeavesSharesBackedByNothing() public {
        _stake(provider, 1e18);
        _delegate(alice, 2e18);
        _delegate(bob, 1e18);
        // All self-stake and two thirds of the class: 1e18 assets under 3e18 shares (open: 1e18 * 1e9 >= 3e18).
        assertEq(_slash(provider, 3e18), 3e18, "slashed");
        uint256 bobBalance = vault.delegatedBalance(provider, bob);
        assertEq(bobBalance, 333_333_333_333_333_333, "bob's balance at 1/3");
        _requestWithdraw(bob, bobBalance);
        assertEq(vault.getDelegation(provider, bob).shares, 1, "bob keeps one dust share");
        _requestWithdraw(alice, type(uint256).max);
        _assertNoLiveSharesBackedByNothing();
    }

    /// @notice A slash falls on delegators pro rata (DESIGN: "every share loses value pro rata"), also for one who
    /// joins a class that an earlier slash priced near the dust threshold (1e-9 CNDR per share) and that its
    /// holders then left, down to a dust position worth 1 wei. Carol's 1e18 joins that class; a slash taking 40%
    /// of the class must leave her about 60%, not close the class under her and take it all as "dust".
    function test_slash_newcomerInEmptiedDustPricedClassLosesProRata() public {
        address carol = _actor("carol", 10 * MAX_AMOUNT);
        _stake(provider, 1e18);
        _delegate(alice, 1e18);
        _delegate(bob, 1e18);
        // All self-stake and all but 2e9 wei of the class: 2e9 assets under 2e18 shares, open (2e9 * 1e9 >= 2e18).
        _slash(provider, 3e18 - 2e9);
        assertEq(vault.getPool(provider).generation, 0, "class still open");
        // Bob leaves all but ~1 wei (his dust position), Alice leaves entirely: 1 wei under ~1.5e9 shares.
        _requestWithdraw(bob, vault.delegatedBalance(provider, bob) - 1);
        _requestWithdraw(alice, type(uint256).max);
        assertEq(vault.getPool(provider).delegatedAssets, 1, "class emptied to 1 wei");

        _stake(provider, 1e18);
        vm.prank(carol);
        vault.delegate(provider, 1e18);
        assertGe(vault.delegatedBalance(provider, carol) + 1, 1e18, "carol's deposit is worth its amount");

        // 1e18 from self-stake, then 0.4e18 from the delegators (Carol holds ~all of the active class).
        _slash(provider, 1e18 + 4e17);
        assertGe(vault.delegatedBalance(provider, carol), 1e18 - 4e17 - 1, "carol lost more than the slash's part");
    }

    function testFuzz_revert_slash_ZeroAmount(uint256 selfStake) public {
        selfStake = bound(selfStake, 1, MAX_AMOUNT);
        _stake(provider, selfStake);
        vm.expectRevert(abi.encodeWithSelector(IStakingVault.StakingVaultZeroAmount.selector));
        vault.executeSlash(provider, 0, 0, false);
    }

    /// @notice First-depositor inflation is impossible: after an attacker's minimum delegation, any slash that
    /// leaves the class open and any partial exit of the attacker (down to its last wei of assets), a victim's
    /// delegation is still worth its amount within one wei, and it can take it out again.
    function testFuzz_delegate_firstDepositorInflationImpossible(
        uint256 selfStake,
        uint256 slashAmount,
        uint256 attackerExit,
        uint256 victimAmount
    ) public {
        selfStake = bound(selfStake, 1, MAX_AMOUNT);
        _stake(provider, selfStake);
        address attacker = bob;
        // The attacker is alone in the class with the minimum delegation (cap permitting).
        vm.assume(vault.delegationRoom(provider) >= MIN_DELEGATION);
        _delegate(attacker, MIN_DELEGATION);
        // Any slash that leaves the class open: it may take all self-stake and all but 1e9 wei of the class
        // (closure starts when assets * 1e9 < shares).
        slashAmount = bound(slashAmount, 1, selfStake + MIN_DELEGATION - 1e9);
        uint32 generation = vault.getPool(provider).generation;
        _slash(provider, slashAmount);
        assertEq(vault.getPool(provider).generation, generation, "class closed (bound is wrong)");
        // The attacker may pull out any part of what is left, rounding the share price up as far as it can.
        attackerExit = bound(attackerExit, 0, vault.delegatedBalance(provider, attacker));
        if (attackerExit > 0) _requestWithdraw(attacker, attackerExit);

        victimAmount = bound(victimAmount, MIN_DELEGATION, MAX_AMOUNT);
        // The provider tops up so the cap admits the victim.
        _stake(provider, victimAmount);
        _delegate(alice, victimAmount);
        uint256 balance = vault.delegatedBalance(provider, alice);
        assertLe(balance, victimAmount, "victim worth more than paid");
        assertGe(balance + 1, victimAmount, "victim lost more than 1 wei");

        uint256 unlockAt = _requestWithdraw(alice, type(uint256).max);
        vm.warp(unlockAt);
        assertGe(_claimWithdraw(alice) + 1, victimAmount, "victim's exit lost more than 1 wei");
    }

    // ------------------------------------------------------------------------------------------------------------
    // notifyReward / claimRewards
    // ------------------------------------------------------------------------------------------------------------

    /// @notice What every account can claim never exceeds what was notified, across rewards, withdrawals and a
    /// slash in between; claiming it all leaves the vault owing only index dust.
    function testFuzz_notifyReward_claimableNeverExceedsNotified(
        uint256 selfStake,
        uint256 a1,
        uint256 a2,
        uint256 r1,
        uint256 r2,
        uint256 withdraw,
        uint256 slashAmount,
        uint16 commissionBps
    ) public {
        selfStake = bound(selfStake, MIN_DELEGATION, MAX_AMOUNT);
        _stake(provider, selfStake);
        _setCommission(uint16(bound(commissionBps, 0, 10_000)));
        a1 = bound(a1, MIN_DELEGATION, vault.delegationRoom(provider));
        _delegate(alice, a1);
        uint256 room = vault.delegationRoom(provider);
        vm.assume(room >= MIN_DELEGATION);
        a2 = bound(a2, MIN_DELEGATION, room);
        _delegate(bob, a2);

        r1 = bound(r1, 1, MAX_AMOUNT);
        r2 = bound(r2, 1, MAX_AMOUNT);
        vault.notifyReward(provider, r1);
        _assertClaimableWithin(r1);
        withdraw = bound(withdraw, 1, vault.delegatedBalance(provider, alice));
        _requestWithdraw(alice, withdraw);
        slashAmount = bound(slashAmount, 1, vault.totalStake(provider));
        _slash(provider, slashAmount);
        vault.notifyReward(provider, r2);
        _assertClaimableWithin(r1 + r2);

        uint256 claimed = _claimAllRewards();
        assertLe(claimed, r1 + r2, "claimed more than notified");
        assertEq(vault.totalRewardsOwed(), r1 + r2 - claimed, "owed = notified - claimed");
        // Each delegator loses at most a wei per settlement to the index; the provider's part is exact.
        assertLe(r1 + r2 - claimed, 4, "more than index dust left unclaimed");
    }

    /// @notice The provider's commission is exactly floor(amount * bps / 10_000) of what it receives, delegators
    /// share at most the rest pro rata to active stake, and nobody receives more than the reward.
    function testFuzz_notifyReward_commissionBounds(
        uint256 selfStake,
        uint256 delegation,
        uint256 amount,
        uint16 commissionBps
    ) public {
        selfStake = bound(selfStake, MIN_DELEGATION, MAX_AMOUNT);
        _stake(provider, selfStake);
        commissionBps = uint16(bound(commissionBps, 0, 10_000));
        _setCommission(commissionBps);
        assertEq(registry.commissionOf(provider), commissionBps, "commission in force");
        delegation = bound(delegation, MIN_DELEGATION, Math.min(vault.delegationRoom(provider), MAX_AMOUNT));
        _delegate(alice, delegation);
        amount = bound(amount, 1, MAX_AMOUNT);

        vault.notifyReward(provider, amount);
        uint256 commission = (amount * commissionBps) / 10_000;
        uint256 providerPart = vault.claimableRewards(provider, provider);
        uint256 alicePart = vault.claimableRewards(provider, alice);
        // Exact pro-rata part of the delegators (before index rounding).
        uint256 exactDelegators = Math.mulDiv(amount - commission, delegation, delegation + selfStake);

        assertGe(providerPart, commission, "provider got less than its commission");
        assertLe(providerPart + alicePart, amount, "paid out more than the reward");
        assertLe(alicePart, exactDelegators, "delegator got more than its pro-rata part");
        assertGe(alicePart + 1, exactDelegators, "delegator got less than its pro-rata part");
        assertEq(providerPart, amount - exactDelegators, "provider part = commission + self share");
        if (commissionBps == 10_000) assertEq(alicePart, 0, "full commission leaves delegators nothing");

        address payout = registry.payoutOf(provider);
        uint256 payoutBefore = token.balanceOf(payout);
        vm.prank(provider);
        vault.claimRewards(provider);
        assertEq(token.balanceOf(payout) - payoutBefore, providerPart, "payout received the provider part");
    }

    function test_revert_claimRewards_NothingToClaim() public {
        _stake(provider, MAX_AMOUNT);
        _delegate(alice, MIN_DELEGATION);
        vm.expectRevert(abi.encodeWithSelector(IStakingVault.StakingVaultNothingToClaim.selector, provider, alice));
        vm.prank(alice);
        vault.claimRewards(provider);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    function _stake(address who, uint256 amount) private {
        vm.prank(who);
        vault.stake(amount);
    }

    function _delegate(address who, uint256 amount) private returns (uint256 shares) {
        vm.prank(who);
        shares = vault.delegate(provider, amount);
    }

    function _requestWithdraw(address who, uint256 amount) private returns (uint256 unlockAt) {
        vm.prank(who);
        unlockAt = vault.requestWithdraw(provider, amount);
    }

    /// @dev Claims and checks the payout equals the caller's token balance delta.
    function _claimWithdraw(address who) private returns (uint256 assets) {
        uint256 before = token.balanceOf(who);
        vm.prank(who);
        assets = vault.claimWithdraw(provider);
        assertEq(token.balanceOf(who) - before, assets, "claimWithdraw paid a different amount");
    }

    /// @dev Sets a commission and waits out the increase delay.
    function _setCommission(uint16 bps) private {
        vm.prank(provider);
        registry.setCommission(bps);
        vm.warp(block.timestamp + COMMISSION_DELAY);
    }

    function _assertClaimableWithin(uint256 notified) private view {
        uint256 sum = vault.claimableRewards(provider, provider) + vault.claimableRewards(provider, alice)
            + vault.claimableRewards(provider, bob);
        assertLe(sum, notified, "claimable exceeds notified");
        assertLe(sum, vault.totalRewardsOwed(), "claimable exceeds owed");
    }

    function _claimAllRewards() private returns (uint256 claimed) {
        address[3] memory accounts = [provider, alice, bob];
        for (uint256 i = 0; i < accounts.length; ++i) {
            uint256 claimable = vault.claimableRewards(provider, accounts[i]);
            if (claimable == 0) continue;
            vm.prank(accounts[i]);
            uint256 got = vault.claimRewards(provider);
            assertEq(got, claimable, "claimed differs from claimable");
            claimed += got;
        }
    }

    function _assertNoLiveSharesBackedByNothing() private view {
        IStakingVault.Pool memory pool = vault.getPool(provider);
        if (pool.delegatedShares > 0) assertGt(pool.delegatedAssets, 0, "delegated shares backed by nothing");
        if (pool.pendingShares > 0) assertGt(pool.pendingAssets, 0, "pending shares backed by nothing");
    }
}
