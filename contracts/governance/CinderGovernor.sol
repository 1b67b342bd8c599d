// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title CinderGovernor
/// @notice CNDR holders govern through this Governor and the CinderTimelock. Production defaults: 1 day voting
/// delay, 5 days voting period, 4% quorum, 2 days timelock; a local network uses short values.
/// @dev Every setting has hard bounds: the maxima are constants, the minimum voting period is fixed at
/// deployment (so a local network may run a proposal in minutes while production keeps days).
contract CinderGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice A governor setting is outside its hard bounds.
    /// @param name The setting.
    /// @param value The value given.
    /// @param min The lowest value allowed.
    /// @param max The highest value allowed.
    error CinderGovernorSettingOutOfBounds(string name, uint256 value, uint256 min, uint256 max);

    /// @notice The longest voting delay governance may set.
    uint256 public constant MAX_VOTING_DELAY = 30 days;
    /// @notice The longest voting period governance may set.
    uint256 public constant MAX_VOTING_PERIOD = 30 days;
    /// @notice Quorum bounds, in percent of the supply at the snapshot.
    uint256 public constant MIN_QUORUM_PERCENT = 1;
    uint256 public constant MAX_QUORUM_PERCENT = 50;
    /// @notice The highest proposal threshold governance may set (10 million CNDR).
    uint256 public constant MAX_PROPOSAL_THRESHOLD = 10_000_000e18;
    /// @notice The shortest voting period governance may set, fixed at deployment.
    uint256 public immutable MIN_VOTING_PERIOD;

    constructor(
        IVotes token,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumPercent,
        uint32 minVotingPeriod
    )
        Governor("CinderGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {
        require(
            minVotingPeriod > 0 && minVotingPeriod <= initialVotingPeriod,
            CinderGovernorSettingOutOfBounds("minVotingPeriod", minVotingPeriod, 1, initialVotingPeriod)
        );
        MIN_VOTING_PERIOD = minVotingPeriod;
    }

    // --- bounds on every setting ---

    function _setVotingDelay(uint48 newVotingDelay) internal override {
        require(
            newVotingDelay <= MAX_VOTING_DELAY,
            CinderGovernorSettingOutOfBounds("votingDelay", newVotingDelay, 0, MAX_VOTING_DELAY)
        );
        super._setVotingDelay(newVotingDelay);
    }

    function _setVotingPeriod(uint32 newVotingPeriod) internal override {
        // MIN_VOTING_PERIOD is zero while the constructor runs; the constructor checks the initial value against
        // the minimum it is given.
        require(
            newVotingPeriod >= MIN_VOTING_PERIOD && newVotingPeriod <= MAX_VOTING_PERIOD,
            CinderGovernorSettingOutOfBounds("votingPeriod", newVotingPeriod, MIN_VOTING_PERIOD, MAX_VOTING_PERIOD)
        );
        super._setVotingPeriod(newVotingPeriod);
    }

    function _setProposalThreshold(uint256 newProposalThreshold) internal override {
        require(
            newProposalThreshold <= MAX_PROPOSAL_THRESHOLD,
            CinderGovernorSettingOutOfBounds("proposalThreshold", newProposalThreshold, 0, MAX_PROPOSAL_THRESHOLD)
        );
        super._setProposalThreshold(newProposalThreshold);
    }

    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        // The denominator is OpenZeppelin's fixed 100, so the numerator is the quorum in percent.
        require(
            newQuorumNumerator >= MIN_QUORUM_PERCENT && newQuorumNumerator <= MAX_QUORUM_PERCENT,
            CinderGovernorSettingOutOfBounds("quorumNumerator", newQuorumNumerator, MIN_QUORUM_PERCENT, MAX_QUORUM_PERCENT)
        );
        super._updateQuorumNumerator(newQuorumNumerator);
    }

    // --- overrides required by Solidity ---

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
