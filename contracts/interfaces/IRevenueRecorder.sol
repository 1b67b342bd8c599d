// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRevenueRecorder
/// @notice Where payment contracts record each provider's revenue as it is released: the EmissionController.
/// @dev Callers record only final revenue: amounts actually released to the provider (after any challenge window),
/// never escrow that may still be refunded or credited back, so revenue is net of refunds and credits.
interface IRevenueRecorder {
    /// @notice Records `gross` released to `provider`, of which `fee` went to the protocol.
    /// @param provider The provider (operator address) credited with the revenue.
    /// @param gross The amount released, fee included, in the settlement asset.
    /// @param fee The protocol fee taken from `gross`.
    function recordRevenue(address provider, uint256 gross, uint256 fee) external;
}
