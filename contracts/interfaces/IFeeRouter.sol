// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IFeeRouter
/// @notice The protocol fee: one rate on every payment path, and the split of collected fees between the buyback
/// (the BuybackBurner, emissions issue) and the treasury. A change of any of them is proposed by governance and
/// takes effect only after CHANGE_DELAY (on top of the governance timelock), so participants can exit first.
interface IFeeRouter {
    /// @notice The fee configuration.
    /// @param feeBps The fee on every payment, in basis points (at most MAX_FEE_BPS).
    /// @param buybackShareBps The buyback's share of collected fees, in basis points.
    /// @param buyback Receives the buyback share.
    /// @param treasury Receives the rest.
    struct FeeConfig {
        uint16 feeBps;
        uint16 buybackShareBps;
        address buyback;
        address treasury;
    }

    /// @notice A governance parameter outside its hard bounds.
    error FeeRouterParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice An address argument is zero.
    error FeeRouterZeroAddress(string name);
    /// @notice No change is pending.
    error FeeRouterNoPendingChange();
    /// @notice The pending change's delay has not passed.
    error FeeRouterChangeNotReady(uint256 effectiveAt, uint256 nowTime);

    event FeeConfigProposed(FeeConfig config, uint256 effectiveAt);
    event FeeConfigApplied(FeeConfig config);
    event FeeConfigChangeCancelled();
    /// @notice Collected fees were split and sent.
    event FeesDistributed(address indexed token, uint256 toBuyback, uint256 toTreasury);

    /// @notice The fee on `amount`: amount x feeBps / 10,000, rounded up, so splitting a payment into many small
    /// ones never avoids the fee.
    function feeFor(uint256 amount) external view returns (uint256);

    /// @notice The fee rate now and a time before which it cannot change: the earlier of now + CHANGE_DELAY (a change
    /// proposed from now on waits that long) and a pending change's effective time (now, once it could be applied).
    /// A payment contract may cache `feeBps` until `until` and charge exactly the rate this contract holds.
    function feeBpsFixedUntil() external view returns (uint16 bps, uint256 until);

    /// @notice Splits this router's whole balance of `token` between the buyback and the treasury. Anyone.
    function distribute(address token) external returns (uint256 toBuyback, uint256 toTreasury);

    /// @notice Proposes a new configuration, effective CHANGE_DELAY from now (replacing any pending one).
    /// Governance.
    function proposeFeeConfig(FeeConfig calldata config) external;

    /// @notice Withdraws the pending proposal. Governance.
    function cancelFeeConfigChange() external;

    /// @notice Applies the pending configuration once its delay has passed. Anyone.
    function applyFeeConfig() external;

    /// @notice The delay between a proposal and its effect, fixed at deployment.
    function CHANGE_DELAY() external view returns (uint256);
    function feeConfig() external view returns (FeeConfig memory);
    function pendingFeeConfig() external view returns (FeeConfig memory config, uint256 effectiveAt);
    function feeBps() external view returns (uint16);
    function buybackShareBps() external view returns (uint16);
    function buyback() external view returns (address);
    function treasury() external view returns (address);
}
