// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDisputeManager} from "../interfaces/IDisputeManager.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";

/// @title ExposureWindows
/// @notice The windows that can still lead to a slash after a lease ends, and the span they add up to: the time the
/// stake behind an exposure must stay locked after its end (the StakingVault's exposure tail covers it, and every
/// setter of any of these windows checks that it still does).
/// @dev The span is the longest of the two ways to a slash proposal after the end E of a lease, plus the veto window:
/// - job fraud: a result at E at the latest, a dispute before its challenge window closes, the verdict window, an
///   abstention just before the arbitration deadline (which extends it by one window) and a decision just before the
///   extended deadline: E + challenge + verdict + 2 x arbitration (DisputeManager);
/// - a late report: an epoch report (SLA breaches, settled until the lease's last epoch leaves the late window) or a
///   fault report is accepted only within the late window of its epoch, and the epoch holding E ends at most one
///   epoch after E: E + (lateWindowEpochs + 1) x epochLength (OracleHub).
/// A proposal holds every claim of the pool until it is executed or vetoed, so the veto window is a margin, counted
/// as DESIGN lists it. A contract not deployed or not wired yet contributes zero: its own constructor checks the
/// bound against the others once it exists.
library ExposureWindows {
    /// @notice The windows, in seconds.
    struct Windows {
        uint256 challenge;
        uint256 verdict;
        uint256 arbitration;
        uint256 veto;
        uint256 lateReport;
    }

    /// @notice Reads the windows of the contracts given (zero addresses contribute nothing).
    function read(IJobMarket market, ISlashingManager slashing, IDisputeManager disputes)
        internal
        view
        returns (Windows memory w)
    {
        if (address(market) != address(0)) {
            w.challenge = market.params().challengeWindow;
            w.lateReport = lateReportOf(market.ORACLE_HUB());
        }
        if (address(slashing) != address(0)) w.veto = slashing.params().vetoWindow;
        if (address(disputes) != address(0)) {
            IDisputeManager.Params memory p = disputes.params();
            (w.verdict, w.arbitration) = (p.verdictWindow, p.arbitrationWindow);
        }
    }

    /// @notice How long after its epoch's end a report about something in that epoch may still arrive: the late
    /// window plus the epoch holding the end itself. The hub's values are immutable.
    function lateReportOf(IOracleHub hub) internal view returns (uint256) {
        // Both are bounded in the hub (720 epochs, 30 days each): no overflow.
        return (hub.LATE_WINDOW_EPOCHS() + 1) * hub.EPOCH_LENGTH();
    }

    /// @notice The span after an exposure's end during which a slash can still be proposed and executed.
    function span(Windows memory w) internal pure returns (uint256) {
        return Math.max(w.challenge + w.verdict + 2 * w.arbitration, w.lateReport) + w.veto;
    }
}
