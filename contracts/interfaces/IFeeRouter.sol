// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IFeeRouter
/// @notice The protocol fee: one rate on every payment path, and the split of collected fees between the buyback
/// (the BuybackBurner, emissions issue) and the treasury.
interface IFeeRouter {
    /// @notice A governance parameter outside its hard bounds.
    error FeeRouterParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice An address argument is zero.
    error FeeRouterZeroAddress(string name);

    event FeeRateSet(uint256 feeBps);
    event BuybackShareSet(uint256 buybackShareBps);
    event BuybackSet(address buyback);
    event TreasurySet(address treasury);
    /// @notice Collected fees were split and sent.
    event FeesDistributed(address indexed token, uint256 toBuyback, uint256 toTreasury);

    /// @notice The fee on `amount`: amount x feeBps / 10,000, rounded up, so splitting a payment into many small
    /// ones never avoids the fee.
    function feeFor(uint256 amount) external view returns (uint256);

    /// @notice Splits this router's whole balance of `token` between the buyback and the treasury. Anyone.
    function distribute(address token) external returns (uint256 toBuyback, uint256 toTreasury);

    function setFeeRate(uint16 feeBps) external;
    function setBuybackShare(uint16 buybackShareBps) external;
    function setBuyback(address buyback) external;
    function setTreasury(address treasury) external;

    function feeBps() external view returns (uint16);
    function buybackShareBps() external view returns (uint16);
    function buyback() external view returns (address);
    function treasury() external view returns (address);
}
