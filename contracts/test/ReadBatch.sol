// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReadBatch
/// @notice Test helper: many view calls in one `eth_call` (as Multicall3's `aggregate`, without its state changes),
/// so the invariant campaign reads the whole protocol's state after a step in one request instead of about a hundred.
contract ReadBatch {
    /// @notice The call at `index` (to `target`) reverted with `reason`.
    error ReadBatchCallFailed(uint256 index, address target, bytes reason);

    /// @notice Static-calls `targets[i]` with `data[i]` for each i; returns each call's return data, in order.
    function read(address[] calldata targets, bytes[] calldata data) external view returns (bytes[] memory results) {
        require(targets.length == data.length, ReadBatchCallFailed(targets.length, address(0), ""));
        results = new bytes[](targets.length);
        for (uint256 i = 0; i < targets.length; i++) {
            (bool ok, bytes memory ret) = targets[i].staticcall(data[i]);
            require(ok, ReadBatchCallFailed(i, targets[i], ret));
            results[i] = ret;
        }
    }
}
