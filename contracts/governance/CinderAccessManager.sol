// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title CinderAccessManager
/// @notice OpenZeppelin's AccessManager, administered by the CinderTimelock after deployment. It maps the governance
/// setters of every Cinder contract to the governance role (the timelock), pause and veto to the guardian, and the
/// abstained-dispute decision to the arbitrator. The role ids and the function map live in `deploy/roles.ts`, which
/// the Ignition module applies.
/// @dev No role here moves funds or mints (DESIGN: Powers): minting, reward funding, slashing, attestations and
/// dispute settlement check addresses wired once at deployment, so no grant, remap or authority change made here can
/// reach them. What stays here is guarded by delays longer than the longest exit:
/// - every role's grant delay and every Cinder target's admin delay (which guards `setTargetFunctionRole`,
///   `setTargetClosed` and `updateAuthority`) can never be set below MIN_DELAY, and MIN_DELAY > LONGEST_EXIT;
/// - a delay change takes effect at once when it raises the delay and only after the difference when it lowers it
///   (`minSetback` is 0 here, so the delays the deployment sets hold from its first block; OpenZeppelin's 5 days
///   would leave them at 0 for 5 days).
/// Assumptions:
/// - LONGEST_EXIT (the vault's longest unbonding plus its longest exposure tail) bounds how long a staker who starts
///   exiting needs: the tail covers every window that can still lead to a slash after an exposure ends (late
///   report, challenge, verdict, arbitration, veto), checked wherever one of those windows is set (DESIGN: Windows).
/// - A role id the deployment never configured has no grant delay, but no function can be mapped to it without
///   waiting the target admin delay, so granting it gives nothing sooner than MIN_DELAY.
contract CinderAccessManager is AccessManager {
    /// @notice A grant or target admin delay below MIN_DELAY, or a MIN_DELAY not above LONGEST_EXIT.
    /// @param delay The delay given.
    /// @param min The delay must be at least this (for MIN_DELAY itself: above it).
    error CinderAccessManagerDelayTooShort(uint256 delay, uint256 min);

    /// @notice The longest a staker's exit can take under the parameter bounds: the vault's longest unbonding
    /// (StakingVault.MAX_UNBONDING_PERIOD, 60 days) plus its longest exposure tail (MAX_EXPOSURE_TAIL, 59 days, which
    /// bounds every slash-leading window after an exposure ends). Solidity cannot read another contract's constant, so
    /// the deployment test checks this sum against the deployed vault's.
    uint256 public constant LONGEST_EXIT = 60 days + 59 days;

    /// @notice The shortest grant delay and target admin delay that may be set, fixed at deployment, above
    /// LONGEST_EXIT (deploy default: 120 days).
    uint32 public immutable MIN_DELAY;

    /// @param initialAdmin The deployer, which wires the protocol and hands the admin role to the timelock.
    /// @param minDelay The floor on every grant delay and target admin delay; must exceed LONGEST_EXIT.
    constructor(address initialAdmin, uint32 minDelay) AccessManager(initialAdmin) {
        require(minDelay > LONGEST_EXIT, CinderAccessManagerDelayTooShort(minDelay, LONGEST_EXIT + 1));
        MIN_DELAY = minDelay;
    }

    /// @notice Sets a role's grant delay, never below MIN_DELAY. Admin.
    function setGrantDelay(uint64 roleId, uint32 newDelay) public override {
        require(newDelay >= MIN_DELAY, CinderAccessManagerDelayTooShort(newDelay, MIN_DELAY));
        super.setGrantDelay(roleId, newDelay);
    }

    /// @notice Sets a target's admin delay (guards remaps, closing and authority changes), never below MIN_DELAY.
    /// Admin.
    function setTargetAdminDelay(address target, uint32 newDelay) public override {
        require(newDelay >= MIN_DELAY, CinderAccessManagerDelayTooShort(newDelay, MIN_DELAY));
        super.setTargetAdminDelay(target, newDelay);
    }

    /// @notice 0: a raised delay holds at once; a lowered one still waits the difference (OpenZeppelin's rule).
    function minSetback() public pure override returns (uint32) {
        return 0;
    }
}
