// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDisputeManager} from "../interfaces/IDisputeManager.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {ExposureWindows} from "./ExposureWindows.sol";

/// @title VaultParams
/// @notice The bounds of the StakingVault's governance parameters, their checks, and the windows the unbonding
/// period and the exposure tail must outlast (read from the contracts the registry has wired).
library VaultParams {
    uint256 internal constant MIN_UNBONDING_PERIOD = 1 days;
    uint256 internal constant MAX_UNBONDING_PERIOD = 60 days;
    uint256 internal constant MAX_EXPOSURE_TAIL = 59 days;
    uint256 internal constant MIN_DELEGATION_CAP_MULTIPLE = 1;
    uint256 internal constant MAX_DELEGATION_CAP_MULTIPLE = 20;
    uint256 internal constant MIN_MIN_DELEGATION = 1e15;
    uint256 internal constant MAX_MIN_DELEGATION = 1_000e18;

    /// @notice Reverts with `StakingVaultParameterOutOfBounds` unless the unbonding period is within its bounds.
    function checkUnbonding(uint256 period) internal pure {
        _checkBounds("unbondingPeriod", period, MIN_UNBONDING_PERIOD, MAX_UNBONDING_PERIOD);
    }

    /// @notice Reverts with `StakingVaultUnbondingBelowLateReport` unless `period` outlasts the late window of the
    /// registry's OracleHub (none wired: no bound).
    /// @dev Stake with no exposure behind it still backs the provider's GPUs: a fault report about them may arrive
    /// until its epoch leaves the late window, so the unbonding period must outlast that (the proposal's hold then
    /// stops the claim). The hub's windows are immutable; the registry checks the pair when it wires it.
    function checkUnbondingCoversLateReport(IProviderRegistry registry, uint256 period) internal view {
        address hub = registry.oracleHub();
        if (hub != address(0)) {
            uint256 lateReport = ExposureWindows.lateReportOf(IOracleHub(hub));
            require(period > lateReport, IStakingVault.StakingVaultUnbondingBelowLateReport(period, lateReport));
        }
    }

    /// @notice Reverts with `StakingVaultParameterOutOfBounds` unless the exposure tail is within its bound.
    function checkTail(uint256 tail) internal pure {
        _checkBounds("exposureTail", tail, 0, MAX_EXPOSURE_TAIL);
    }

    /// @notice Reverts with `StakingVaultParameterOutOfBounds` unless the delegation cap multiple is within its bounds.
    function checkDelegationCapMultiple(uint256 multiple) internal pure {
        _checkBounds("delegationCapMultiple", multiple, MIN_DELEGATION_CAP_MULTIPLE, MAX_DELEGATION_CAP_MULTIPLE);
    }

    /// @notice Reverts with `StakingVaultParameterOutOfBounds` unless the minimum delegation is within its bounds.
    function checkMinDelegation(uint256 minimum) internal pure {
        _checkBounds("minDelegation", minimum, MIN_MIN_DELEGATION, MAX_MIN_DELEGATION);
    }

    /// @notice The span the exposure tail must cover (ExposureWindows.span) over the windows of the job market,
    /// SlashingManager and DisputeManager the registry has wired (one not wired yet contributes nothing).
    function exposureSpan(IProviderRegistry registry) internal view returns (uint256) {
        return ExposureWindows.span(
            ExposureWindows.read(
                IJobMarket(registry.jobMarket()),
                ISlashingManager(registry.slashingManager()),
                IDisputeManager(registry.disputeManager())
            )
        );
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, IStakingVault.StakingVaultParameterOutOfBounds(name, value, min, max));
    }
}
