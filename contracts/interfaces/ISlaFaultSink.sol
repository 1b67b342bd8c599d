// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISlaFaultSink
/// @notice What the SlaBondManager calls when a provider's SLA breaches repeat: the SlashingManager implements it
/// and turns the breaches into a fault (proposal, veto window, slash).
interface ISlaFaultSink {
    /// @notice `provider` breached the SLA of `breaches` consecutive settled leases, the last one `leaseId`.
    function onRepeatedBreaches(address provider, uint256 breaches, uint256 leaseId) external;
}
