// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStakingVault} from "../../contracts/interfaces/IStakingVault.sol";
import {ShareMath} from "../../contracts/libraries/ShareMath.sol";
import {ProviderRegistry} from "../../contracts/staking/ProviderRegistry.sol";
import {StakingVault} from "../../contracts/staking/StakingVault.sol";
import {CinderToken} from "../../contracts/token/CinderToken.sol";
import {StakingVaultFixture} from "./StakingVault.fuzz.t.sol";
import {Test} from "./utils/Test.sol";

/// @notice Drives random sequences of real vault actions over 3 providers and 4 delegators. Every action bounds
/// its inputs and returns early only on a documented precondition (nothing to withdraw, nothing to claim, no
/// room under the cap...); where the chosen actor cannot act it looks for one that can, so nearly every call
/// does real work. A vault call that reverts although its preconditions hold is recorded, not swallowed: the
/// invariant suite fails on it (DESIGN invariant 8: nobody can block another's withdrawal or claim).
/// Ghost totals count every token flow into and out of the vault from the outside (balance deltas of the
/// receiving accounts, not the vault's own return values).
contract StakingVaultHandler is Test {
    uint256 internal constant N_PROVIDERS = 3;
    uint256 internal constant N_DELEGATORS = 4;
    uint256 internal constant MAX_STAKE = 1e23;
    uint256 internal constant MAX_REWARD = 1e22;
    uint16 internal constant MAX_HOLDS = 2;

    StakingVault public immutable vault;
    CinderToken public immutable token;
    ProviderRegistry public immutable registry;
    uint256 public immutable minDelegation;

    address[N_PROVIDERS] internal _providers;
    address[N_DELEGATORS] internal _delegators;
    address public immutable bountySink;

    // --- ghost totals (token flows across the vault's boundary) ---
    uint256 public ghostStakedIn;
    uint256 public ghostWithdrawnOut;
    uint256 public ghostRewardsNotified;
    uint256 public ghostRewardsClaimed;
    uint256 public ghostBountiesOut;
    uint256 public ghostBurned;

    // --- campaign bookkeeping ---
    uint256 public calls;
    uint256 public effectiveCalls;
    uint256 public slashCount;
    uint256 public claimCount;

    // --- violations seen inside actions (the runner ignores reverts, so they are recorded and asserted) ---
    uint256 public unexpectedReverts;
    string public lastRevertAction;
    bytes public lastRevertData;
    uint256 public slashViolations;
    uint256 public payoutMismatches;
    string public lastMismatch;

    constructor(StakingVault vault_, CinderToken token_, ProviderRegistry registry_) {
        vault = vault_;
        token = token_;
        registry = registry_;
        minDelegation = vault_.minDelegation();
        bountySink = makeAddr("bounty-sink");
        for (uint256 i = 0; i < N_PROVIDERS; ++i) {
            _providers[i] = makeAddr(string.concat("provider-", vm.toString(i)));
        }
        for (uint256 i = 0; i < N_DELEGATORS; ++i) {
            _delegators[i] = makeAddr(string.concat("delegator-", vm.toString(i)));
        }
    }

    /// @notice Registers and funds the actors from this handler's balance, and opens positions so that every
    /// action has something to act on from the first call. Not a fuzz target.
    function seed(uint256 fundsPerActor) external {
        token.approve(address(vault), type(uint256).max);
        for (uint256 i = 0; i < N_PROVIDERS; ++i) {
            address p = _providers[i];
            token.transfer(p, fundsPerActor);
            vm.startPrank(p);
            token.approve(address(vault), type(uint256).max);
            registry.register("ipfs://provider", makeAddr(string.concat("payout-", vm.toString(i))));
            vm.stopPrank();
            _doStake(p, 1e22 * (i + 1));
        }
        for (uint256 j = 0; j < N_DELEGATORS; ++j) {
            address d = _delegators[j];
            token.transfer(d, fundsPerActor);
            vm.prank(d);
            token.approve(address(vault), type(uint256).max);
            for (uint256 i = 0; i < N_PROVIDERS; ++i) {
                _doDelegate(d, _providers[i], minDelegation * (j + 1) * 1000);
            }
            _doRequest(d, _providers[j % N_PROVIDERS], minDelegation * 100);
        }
        _doSelfRequest(_providers[0], 1e21);
        // A slash with a bounty, so `payBounty` and `burnSlashed` have something to act on from the first call too.
        this.executeSlash(N_PROVIDERS - 1, 1e20, 1_000, false);
        for (uint256 i = 0; i < N_PROVIDERS; ++i) {
            _doNotify(_providers[i], 1e20);
        }
        calls = 0;
        effectiveCalls = 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Actions (fuzz targets)
    // ------------------------------------------------------------------------------------------------------------

    function stake(uint256 providerSeed, uint256 amount) external {
        ++calls;
        _doStake(_provider(providerSeed), bound(amount, 1, MAX_STAKE));
    }

    function delegate(uint256 delegatorSeed, uint256 providerSeed, uint256 amount) external {
        ++calls;
        address d = _delegator(delegatorSeed);
        for (uint256 k = 0; k < N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k);
            uint256 room = vault.delegationRoom(p);
            if (room < minDelegation) continue;
            uint256 value = bound(amount, minDelegation, Math.min(room, MAX_STAKE));
            IStakingVault.Pool memory pool = vault.getPool(p);
            uint256 shares = ShareMath.toShares(value, pool.delegatedAssets, pool.delegatedShares, Math.Rounding.Floor);
            // Preconditions: the deposit mints a share and the class stays within uint128.
            if (shares == 0 || uint256(pool.delegatedShares) + shares > type(uint128).max) continue;
            _doDelegate(d, p, value);
            return;
        }
    }

    /// @param mode 0: a partial amount, 1: type(uint256).max (everything), 2: exactly the current balance.
    function requestWithdraw(uint256 delegatorSeed, uint256 providerSeed, uint256 amount, uint8 mode) external {
        ++calls;
        for (uint256 k = 0; k < N_DELEGATORS * N_PROVIDERS; ++k) {
            address d = _delegator(delegatorSeed + k);
            address p = _provider(providerSeed + k / N_DELEGATORS);
            uint256 available = vault.delegatedBalance(p, d);
            if (available == 0) continue;
            mode = mode % 3;
            uint256 request = mode == 1 ? type(uint256).max : mode == 2 ? available : bound(amount, 1, available);
            uint256 assets = mode == 1 ? available : request;
            IStakingVault.Pool memory pool = vault.getPool(p);
            // Precondition: the assets mint at least one pending share.
            if (ShareMath.toShares(assets, pool.pendingAssets, pool.pendingShares, Math.Rounding.Floor) == 0) continue;
            _doRequest(d, p, request);
            return;
        }
    }

    function requestSelfWithdraw(uint256 providerSeed, uint256 amount) external {
        ++calls;
        for (uint256 k = 0; k < N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k);
            uint256 selfActive = vault.getPool(p).selfActive;
            if (selfActive == 0) continue;
            _doSelfRequest(p, bound(amount, 1, selfActive));
            return;
        }
    }

    /// @notice Claims a pending withdrawal, warping to its unlock time first.
    function claimWithdraw(uint256 delegatorSeed, uint256 providerSeed) external {
        ++calls;
        for (uint256 k = 0; k < N_DELEGATORS * N_PROVIDERS; ++k) {
            address d = _delegator(delegatorSeed + k);
            address p = _provider(providerSeed + k / N_DELEGATORS);
            IStakingVault.Pool memory pool = vault.getPool(p);
            if (pool.slashHolds > 0) continue;
            IStakingVault.Delegation memory del = vault.getDelegation(p, d);
            if (del.pendingGeneration != pool.pendingGeneration || del.pendingShares == 0) continue;
            if (block.timestamp < del.unlockAt) vm.warp(del.unlockAt);
            (uint256 expected,) = vault.pendingWithdrawal(p, d);
            _doClaimWithdraw(d, p, expected);
            return;
        }
    }

    function claimSelfWithdraw(uint256 providerSeed) external {
        ++calls;
        for (uint256 k = 0; k < N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k);
            IStakingVault.Pool memory pool = vault.getPool(p);
            if (pool.slashHolds > 0 || pool.selfPending == 0) continue;
            if (block.timestamp < pool.selfUnlockAt) vm.warp(pool.selfUnlockAt);
            _doClaimWithdraw(p, p, pool.selfPending);
            return;
        }
    }

    function notifyReward(uint256 providerSeed, uint256 amount) external {
        ++calls;
        _doNotify(_provider(providerSeed), bound(amount, 1, MAX_REWARD));
    }

    /// @notice Funds a reward stream (merging with a running one) that vests over up to a day.
    function streamReward(uint256 providerSeed, uint256 amount, uint256 duration) external {
        ++calls;
        address p = _provider(providerSeed);
        amount = bound(amount, 1, MAX_REWARD);
        uint256 before = token.balanceOf(address(this));
        try vault.streamReward(p, amount, uint40(bound(duration, 1, 1 days))) {
            ghostRewardsNotified += before - token.balanceOf(address(this));
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("streamReward", reason);
        }
    }

    /// @param accountSeed Picks a delegator, or the provider itself (its rewards go to its payout address).
    function claimRewards(uint256 accountSeed, uint256 providerSeed) external {
        ++calls;
        for (uint256 k = 0; k < (N_DELEGATORS + 1) * N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k / (N_DELEGATORS + 1));
            uint256 who = (accountSeed + k) % (N_DELEGATORS + 1);
            address account = who == N_DELEGATORS ? p : _delegators[who];
            uint256 claimable = vault.claimableRewards(p, account);
            if (claimable == 0) continue;
            address to = account == p ? registry.payoutOf(p) : account;
            uint256 before = token.balanceOf(to);
            vm.prank(account);
            try vault.claimRewards(p) returns (uint256 got) {
                uint256 received = token.balanceOf(to) - before;
                ghostRewardsClaimed += received;
                if (got != claimable || received != got) _mismatch("claimRewards paid other than claimable");
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("claimRewards", reason);
            }
            return;
        }
    }

    /// @notice The SlashingManager's hook (this handler is the registry's wired manager): slashes a random amount,
    /// keeps it in the vault with a bounty split off at a random rate (up to beyond the vault's cap), and releases a
    /// hold when one is placed and `release` says so.
    function executeSlash(uint256 providerSeed, uint256 amount, uint256 bountyBps, bool release) external {
        ++calls;
        address p = _provider(providerSeed);
        uint256 total = vault.totalStake(p);
        amount = bound(amount, 1, total + total / 2 + 1e18);
        bountyBps = bound(bountyBps, 0, 10_000);
        uint16 holds = vault.getPool(p).slashHolds;
        release = release && holds > 0;
        uint256 balanceBefore = token.balanceOf(address(vault));
        (uint256 toBurnBefore, uint256 bountiesBefore) = vault.slashedHeld();
        try vault.executeSlash(p, amount, bountyBps, release) returns (uint256 slashed, uint256 bounty) {
            ++slashCount;
            if (slashed < Math.min(amount, total) || slashed > total || (total > 0 && slashed == 0)) {
                ++slashViolations;
            }
            // r < 1/(1 + m) whatever rate was asked.
            if (slashed > 0 && bounty * (1 + uint256(vault.delegationCapMultiple())) >= slashed) {
                _mismatch("executeSlash bounty at or above 1/(1+m)");
            }
            if (token.balanceOf(address(vault)) != balanceBefore) _mismatch("executeSlash moved CNDR");
            (uint256 toBurn, uint256 bounties) = vault.slashedHeld();
            if (toBurn != toBurnBefore + slashed - bounty || bounties != bountiesBefore + bounty) {
                _mismatch("executeSlash held other than slashed");
            }
            if (vault.totalStake(p) != total - slashed) _mismatch("executeSlash moved the pool by other than slashed");
            if (vault.getPool(p).slashHolds != (release ? holds - 1 : holds)) _mismatch("executeSlash hold count");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("executeSlash", reason);
        }
    }

    /// @notice Pays part of the bounties held (a reporter's claim through the manager).
    function payBounty(uint256 amount) external {
        ++calls;
        (, uint256 bounties) = vault.slashedHeld();
        if (bounties == 0) return;
        amount = bound(amount, 1, bounties);
        uint256 before = token.balanceOf(bountySink);
        try vault.payBounty(bountySink, amount) {
            uint256 received = token.balanceOf(bountySink) - before;
            ghostBountiesOut += received;
            if (received != amount) _mismatch("payBounty paid other than asked");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("payBounty", reason);
        }
    }

    /// @notice Burns the slashed CNDR held for the burn (the manager's batched burn).
    function burnSlashed() external {
        ++calls;
        (uint256 toBurn,) = vault.slashedHeld();
        uint256 supply = token.totalSupply();
        try vault.burnSlashed() returns (uint256 burned) {
            uint256 destroyed = supply - token.totalSupply();
            ghostBurned += destroyed;
            if (burned != toBurn || destroyed != burned) _mismatch("burnSlashed burned other than held");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("burnSlashed", reason);
        }
    }

    function holdForSlash(uint256 providerSeed) external {
        ++calls;
        for (uint256 k = 0; k < N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k);
            // Bounded so that withdrawals are not held for the whole campaign.
            if (vault.getPool(p).slashHolds >= MAX_HOLDS) continue;
            try vault.holdForSlash(p) {
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("holdForSlash", reason);
            }
            return;
        }
    }

    function releaseSlashHold(uint256 providerSeed) external {
        ++calls;
        for (uint256 k = 0; k < N_PROVIDERS; ++k) {
            address p = _provider(providerSeed + k);
            if (vault.getPool(p).slashHolds == 0) continue;
            try vault.releaseSlashHold(p) {
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("releaseSlashHold", reason);
            }
            return;
        }
    }

    /// @notice Changes a provider's commission (a decrease applies at once, an increase after the delay).
    function setCommission(uint256 providerSeed, uint256 bps) external {
        ++calls;
        vm.prank(_provider(providerSeed));
        try registry.setCommission(uint16(bound(bps, 0, 10_000))) {
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("setCommission", reason);
        }
    }

    /// @notice Lets time pass (not counted as an action).
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 10 days));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views for the invariants
    // ------------------------------------------------------------------------------------------------------------

    function providers() external view returns (address[N_PROVIDERS] memory) {
        return _providers;
    }

    function delegators() external view returns (address[N_DELEGATORS] memory) {
        return _delegators;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    function _doStake(address p, uint256 amount) private {
        uint256 before = token.balanceOf(p);
        vm.prank(p);
        try vault.stake(amount) {
            ghostStakedIn += before - token.balanceOf(p);
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("stake", reason);
        }
    }

    function _doDelegate(address d, address p, uint256 amount) private {
        uint256 before = token.balanceOf(d);
        vm.prank(d);
        try vault.delegate(p, amount) {
            ghostStakedIn += before - token.balanceOf(d);
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("delegate", reason);
        }
    }

    function _doRequest(address d, address p, uint256 amount) private {
        vm.prank(d);
        try vault.requestWithdraw(p, amount) {
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("requestWithdraw", reason);
        }
    }

    function _doSelfRequest(address p, uint256 amount) private {
        vm.prank(p);
        try vault.requestWithdraw(p, amount) {
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("requestSelfWithdraw", reason);
        }
    }

    function _doClaimWithdraw(address account, address p, uint256 expected) private {
        uint256 before = token.balanceOf(account);
        vm.prank(account);
        try vault.claimWithdraw(p) returns (uint256 assets) {
            uint256 received = token.balanceOf(account) - before;
            ghostWithdrawnOut += received;
            ++claimCount;
            if (assets != expected || received != assets) _mismatch("claimWithdraw paid other than pending");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("claimWithdraw", reason);
        }
    }

    function _doNotify(address p, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        try vault.notifyReward(p, amount) {
            ghostRewardsNotified += before - token.balanceOf(address(this));
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("notifyReward", reason);
        }
    }

    function _provider(uint256 seed_) private view returns (address) {
        return _providers[seed_ % N_PROVIDERS];
    }

    function _delegator(uint256 seed_) private view returns (address) {
        return _delegators[seed_ % N_DELEGATORS];
    }

    function _unexpected(string memory action, bytes memory reason) private {
        ++unexpectedReverts;
        lastRevertAction = action;
        lastRevertData = reason;
    }

    function _mismatch(string memory what) private {
        ++payoutMismatches;
        lastMismatch = what;
    }
}

/// @title StakingVault invariants
/// @notice DESIGN.md invariants 3 (stake accounting and conservation), 4 (a reward is paid once: claimable never
/// exceeds what is owed) and 8 (no one blocks another's withdrawal or claim), plus share-class soundness, checked
/// after every handler call.
contract StakingVaultInvariantTest is StakingVaultFixture {
    StakingVaultHandler private handler;

    function setUp() public {
        _deploySystem();
        handler = new StakingVaultHandler(vault, token, registry);

        // Narrow wiring, as the deployment makes it: the handler is the registry's wired SlashingManager (executeSlash,
        // holds, payBounty, burnSlashed) and the vault's wired EmissionController (notifyReward, streamReward).
        _wirePowers(address(handler), address(handler));

        token.transfer(address(handler), GENESIS / 2);
        handler.seed(GENESIS / 20);

        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = StakingVaultHandler.stake.selector;
        selectors[1] = StakingVaultHandler.delegate.selector;
        selectors[2] = StakingVaultHandler.requestWithdraw.selector;
        selectors[3] = StakingVaultHandler.requestSelfWithdraw.selector;
        selectors[4] = StakingVaultHandler.claimWithdraw.selector;
        selectors[5] = StakingVaultHandler.claimSelfWithdraw.selector;
        selectors[6] = StakingVaultHandler.notifyReward.selector;
        selectors[7] = StakingVaultHandler.claimRewards.selector;
        selectors[8] = StakingVaultHandler.holdForSlash.selector;
        selectors[9] = StakingVaultHandler.releaseSlashHold.selector;
        selectors[10] = StakingVaultHandler.setCommission.selector;
        selectors[11] = StakingVaultHandler.warp.selector;
        selectors[12] = StakingVaultHandler.streamReward.selector;
        selectors[13] = StakingVaultHandler.executeSlash.selector;
        selectors[14] = StakingVaultHandler.payBounty.selector;
        selectors[15] = StakingVaultHandler.burnSlashed.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice (a) DESIGN invariant 3: the vault's CNDR is exactly the pools' four tranches plus unclaimed rewards plus
    /// unclaimed withdrawals of retired pending classes plus the slashed CNDR kept for the burn and the bounties.
    function invariant_balanceEqualsPoolsPlusRewardsOwed() public view {
        address[3] memory ps = handler.providers();
        uint256 pools;
        for (uint256 i = 0; i < ps.length; ++i) {
            IStakingVault.Pool memory pool = vault.getPool(ps[i]);
            pools += uint256(pool.selfActive) + pool.selfPending + pool.delegatedAssets + pool.pendingAssets;
        }
        (uint256 toBurn, uint256 bounties) = vault.slashedHeld();
        assertEq(
            token.balanceOf(address(vault)),
            pools + vault.totalRewardsOwed() + vault.totalRetiredPending() + toBurn + bounties,
            "vault CNDR != pools + owed + retired + slashed held"
        );
    }

    /// @notice (b) Conservation: the vault's CNDR moves only by stake in, rewards in, and recorded withdrawals,
    /// reward claims, bounty payments and burns out (a slash keeps its CNDR here until the burn).
    function invariant_conservationOfFlows() public view {
        uint256 inflow = handler.ghostStakedIn() + handler.ghostRewardsNotified();
        uint256 outflow = handler.ghostWithdrawnOut() + handler.ghostRewardsClaimed()
            + handler.ghostBountiesOut() + handler.ghostBurned();
        assertEq(token.balanceOf(address(vault)) + outflow, inflow, "vault CNDR != in - out");
    }

    /// @notice (c) No live shares backed by nothing, in either delegator class of any pool.
    function invariant_noLiveSharesBackedByNothing() public view {
        address[3] memory ps = handler.providers();
        for (uint256 i = 0; i < ps.length; ++i) {
            IStakingVault.Pool memory pool = vault.getPool(ps[i]);
            if (pool.delegatedShares > 0) {
                assertGt(pool.delegatedAssets, 0, string.concat("delegated shares backed by nothing, pool ", vm.toString(i)));
            }
            if (pool.pendingShares > 0) {
                assertGt(pool.pendingAssets, 0, string.concat("pending shares backed by nothing, pool ", vm.toString(i)));
            }
        }
    }

    /// @notice (d) Everything claimable, over every account of every pool, is covered by what the vault owes.
    function invariant_claimableRewardsWithinOwed() public view {
        address[3] memory ps = handler.providers();
        address[4] memory ds = handler.delegators();
        uint256 claimable;
        for (uint256 i = 0; i < ps.length; ++i) {
            claimable += vault.claimableRewards(ps[i], ps[i]);
            for (uint256 j = 0; j < ds.length; ++j) {
                claimable += vault.claimableRewards(ps[i], ds[j]);
            }
        }
        assertLe(claimable, vault.totalRewardsOwed(), "claimable > owed");
        assertLe(
            handler.ghostRewardsClaimed() + claimable, handler.ghostRewardsNotified(), "claimed + claimable > notified"
        );
    }

    /// @notice (e) The delegators' positions, valued, never exceed their class's assets (active and pending).
    function invariant_delegatorBalancesWithinPoolAssets() public view {
        address[3] memory ps = handler.providers();
        address[4] memory ds = handler.delegators();
        for (uint256 i = 0; i < ps.length; ++i) {
            uint256 active;
            uint256 pending;
            for (uint256 j = 0; j < ds.length; ++j) {
                active += vault.delegatedBalance(ps[i], ds[j]);
                (uint256 assets,) = vault.pendingWithdrawal(ps[i], ds[j]);
                pending += assets;
            }
            IStakingVault.Pool memory pool = vault.getPool(ps[i]);
            assertLe(active, pool.delegatedAssets, "sum of delegated balances > delegatedAssets");
            assertLe(pending, pool.pendingAssets, "sum of pending withdrawals > pendingAssets");
        }
    }

    /// @notice Every slash took at least min(amount, pool) and never more than the pool; never zero.
    function invariant_slashNeverShortOrZero() public view {
        assertEq(handler.slashViolations(), 0, "a slash took less than min(amount, total), or zero");
    }

    /// @notice DESIGN invariant 8: no action whose preconditions held was refused, so no participant's state could
    /// block another's withdrawal or claim; and every payout matched the views that promised it.
    function invariant_noBlockedActionsAndPayoutsMatchViews() public view {
        assertEq(
            handler.unexpectedReverts(),
            0,
            string.concat("unexpected revert in ", handler.lastRevertAction(), ": ", vm.toString(bytes32(handler.lastRevertData())))
        );
        assertEq(handler.payoutMismatches(), 0, handler.lastMismatch());
    }

    /// @notice The campaign is not vacuous: nearly every handler call performs a real vault action (the first
    /// two calls are allowed to find nothing to do), and the ghost totals include the seeded flows.
    function invariant_campaignDoesRealWork() public view {
        assertGe(handler.effectiveCalls() * 2 + 2, handler.calls(), "most handler calls did nothing");
        assertGt(handler.ghostStakedIn(), 0, "nothing staked");
        assertGt(handler.ghostRewardsNotified(), 0, "nothing notified");
    }
}
