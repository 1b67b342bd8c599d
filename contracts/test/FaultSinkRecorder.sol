// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISlaFaultSink} from "../interfaces/ISlaFaultSink.sol";

/// @title FaultSinkRecorder
/// @notice Test stand-in for the SlashingManager's fault hook: records each repeated-breach call.
contract FaultSinkRecorder is ISlaFaultSink {
    struct Call {
        address provider;
        uint256 breaches;
        uint256 leaseId;
    }

    Call[] private _calls;

    /// @inheritdoc ISlaFaultSink
    function onRepeatedBreaches(address provider, uint256 breaches, uint256 leaseId) external {
        _calls.push(Call({provider: provider, breaches: breaches, leaseId: leaseId}));
    }

    function callCount() external view returns (uint256) {
        return _calls.length;
    }

    function callAt(uint256 index) external view returns (Call memory) {
        return _calls[index];
    }
}
