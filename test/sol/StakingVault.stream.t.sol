// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStakingVault} from "../../contracts/interfaces/IStakingVault.sol";
import {StakingVaultFixture} from "./StakingVault.fuzz.t.sol";

/// @title Reward streams
/// @notice A stream vests linearly and is shared by the active stake of each moment: stake that arrives just before
/// it is funded captures only what vests while it is there (DESIGN: "a pool's epoch emissions stream in over the
/// next epoch, so stake that arrives just before a close captures nothing").
contract StakingVaultStreamTest is StakingVaultFixture {
    uint40 private constant DURATION = 1 hours;
    address private provider;
    address private alice;
    address private bob;

    function setUp() public {
        _deploySystem();
        _wirePowers(address(this), address(this));
        provider = _provider("provider", 10 * MAX_AMOUNT);
        alice = _actor("alice", 10 * MAX_AMOUNT);
        bob = _actor("bob", 10 * MAX_AMOUNT);
        vm.prank(provider);
        vault.stake(1e18);
        vm.prank(alice);
        vault.delegate(provider, 1e18);
    }

    function test_streamReward_vestsLinearlyAndSplitsByStake() public {
        vault.streamReward(provider, 1_000e18, DURATION);
        assertEq(vault.claimableRewards(provider, alice), 0, "nothing vested yet");
        vm.warp(block.timestamp + DURATION / 2);
        // Half vested, split 50/50 between the self-stake and alice.
        assertApproxEqAbs(vault.claimableRewards(provider, alice), 250e18, 1, "alice at half time");
        assertApproxEqAbs(vault.claimableRewards(provider, provider), 250e18, 1, "provider at half time");
        vm.warp(block.timestamp + DURATION);
        assertApproxEqAbs(vault.claimableRewards(provider, alice), 500e18, 1, "alice at the end");
        vm.prank(alice);
        assertApproxEqAbs(vault.claimRewards(provider), 500e18, 1, "alice claims her half");
        _assertSolvent();
    }

    function test_streamReward_lateStakeCapturesOnlyWhatVestsWhileItIsThere() public {
        vault.streamReward(provider, 1_000e18, DURATION);
        vm.warp(block.timestamp + (DURATION * 9) / 10);
        // Bob arrives with a large stake when 90% has vested: he shares only the last 10%.
        vm.prank(provider);
        vault.stake(9e18); // room under the cap for bob
        vm.prank(bob);
        vault.delegate(provider, 8e18);
        vm.warp(block.timestamp + DURATION);
        uint256 bobRewards = vault.claimableRewards(provider, bob);
        // Last 100 split by stake 10 (self) : 1 (alice) : 8 (bob) => bob 100 x 8/19.
        assertApproxEqAbs(bobRewards, (uint256(100e18) * 8) / 19, 1e6, "bob gets a share of the last 10% only");
        assertGt(vault.claimableRewards(provider, alice), 450e18, "alice keeps what vested before bob came");
        _assertSolvent();
    }

    function test_streamReward_mergesTheUnvestedRestIntoANewStream() public {
        vault.streamReward(provider, 1_000e18, DURATION);
        vm.warp(block.timestamp + DURATION / 4);
        vault.streamReward(provider, 600e18, DURATION);
        IStakingVault.RewardStream memory stream = vault.getRewardStream(provider);
        assertEq(stream.amount, 750e18 + 600e18, "unvested 750 plus the new 600");
        assertEq(stream.released, 0, "restarted");
        vm.warp(block.timestamp + DURATION);
        uint256 total = vault.claimableRewards(provider, alice) + vault.claimableRewards(provider, provider);
        assertApproxEqAbs(total, 1_600e18, 2, "everything streamed is claimable in the end");
        _assertSolvent();
    }

    function test_streamReward_takesTheCommissionAtOnce() public {
        vm.prank(provider);
        registry.setCommission(1_000); // 10%: a decrease from 0 is not possible, an increase waits
        vm.warp(block.timestamp + COMMISSION_DELAY);
        vault.streamReward(provider, 1_000e18, DURATION);
        assertEq(vault.claimableRewards(provider, provider), 100e18, "commission credited at once");
        assertEq(vault.getRewardStream(provider).amount, 900e18, "the rest streams");
    }

    function test_revert_streamReward_InvalidStreamDuration() public {
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultInvalidStreamDuration.selector, 0, 30 days)
        );
        vault.streamReward(provider, 1e18, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultInvalidStreamDuration.selector, 30 days + 1, 30 days)
        );
        vault.streamReward(provider, 1e18, 30 days + 1);
    }

    function test_revert_streamReward_ZeroAmountAndUnknownProvider() public {
        vm.expectRevert(IStakingVault.StakingVaultZeroAmount.selector);
        vault.streamReward(provider, 0, DURATION);
        vm.expectRevert(
            abi.encodeWithSelector(IStakingVault.StakingVaultProviderNotAllowed.selector, makeAddr("nobody"), 0)
        );
        vault.streamReward(makeAddr("nobody"), 1e18, DURATION);
    }

    /// @notice Whatever the timing of stakes, claims and a slash, nobody is paid more than was streamed.
    function testFuzz_streamReward_neverPaysMoreThanStreamed(uint256 amount, uint256 t1, uint256 t2, uint256 bobIn)
        public
    {
        amount = bound(amount, 1e6, 1e24);
        t1 = bound(t1, 0, DURATION);
        t2 = bound(t2, 0, 2 * DURATION);
        bobIn = bound(bobIn, 1e18, 4e18);
        vault.streamReward(provider, amount, DURATION);
        vm.warp(block.timestamp + t1);
        vm.prank(bob);
        vault.delegate(provider, bobIn);
        _slash(provider, 5e17);
        vm.warp(block.timestamp + t2);
        uint256 paid;
        address[3] memory who = [provider, alice, bob];
        for (uint256 i = 0; i < who.length; ++i) {
            if (vault.claimableRewards(provider, who[i]) == 0) continue;
            vm.prank(who[i]);
            paid += vault.claimRewards(provider);
        }
        assertLe(paid, amount, "paid more than streamed");
        _assertSolvent();
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
