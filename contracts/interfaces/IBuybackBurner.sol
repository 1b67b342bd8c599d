// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBuybackBurner
/// @notice Receives the buyback share of protocol fees (stablecoin) and, when anyone calls `execute`, swaps it for
/// CNDR through the Uniswap V2 router and burns every CNDR it holds in the same transaction. Each swap must return
/// at least the time-weighted average price's output less a slippage bound, with the TWAP taken from the pair's
/// cumulative prices as sampled by this contract, so a sandwich or a pushed price cannot make a buyback overpay.
interface IBuybackBurner {
    /// @notice A cumulative-price sample of the pair.
    struct Observation {
        uint256 cumulative;
        uint40 timestamp;
    }

    /// @notice Governance parameters, each within hard bounds.
    /// @param maxPerEpoch The most stablecoin a buyback epoch may spend.
    /// @param minWindow The shortest TWAP window accepted; keepers sample at least this often.
    /// @param maxAge The oldest observation a TWAP may start from: between `minWindow` and 2 x `minWindow`, so the
    /// TWAP spans at most twice its minimum and stays close to a price that really moved.
    /// @param maxSlippageBps How far below the TWAP's output a swap may return, in basis points.
    struct Params {
        uint128 maxPerEpoch;
        uint40 minWindow;
        uint40 maxAge;
        uint16 maxSlippageBps;
    }

    error BuybackBurnerZeroAddress(string name);
    error BuybackBurnerPairMismatch(address token0, address token1);
    error BuybackBurnerParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    error BuybackBurnerZeroAmount();
    error BuybackBurnerDeadlinePassed(uint256 deadline, uint256 nowTime);
    error BuybackBurnerInsufficientBalance(uint256 balance, uint256 amountIn);
    error BuybackBurnerEpochCapExceeded(uint256 spentAfter, uint256 cap);
    /// @notice No observation is old enough to span the minimum window yet.
    error BuybackBurnerTwapTooYoung(uint256 window, uint256 minWindow);
    /// @notice The usable observation is older than the maximum age (no keeper sampled within the last
    /// `minWindow`): a buyback waits until a fresh sample spans `minWindow`.
    error BuybackBurnerTwapStale(uint256 age, uint256 maxAge);

    event Observed(uint256 cumulative, uint256 timestamp);
    /// @notice A buyback swapped `amountIn` stablecoin for CNDR and burned `burned` CNDR.
    /// @param twapOut What `amountIn` buys at the TWAP.
    /// @param minOut The least the swap was allowed to return.
    /// @param window The TWAP's window in seconds.
    event BuybackExecuted(
        uint256 indexed epoch,
        uint256 amountIn,
        uint256 cndrOut,
        uint256 burned,
        uint256 twapOut,
        uint256 minOut,
        uint256 window
    );
    event ParamsSet(Params params);

    /// @notice Samples the pair's cumulative price if the last sample is at least `minWindow` old. Anyone; keepers
    /// call it at least once per `minWindow` so a TWAP within [`minWindow`, `maxAge`] is always available.
    function observe() external;

    /// @notice Swaps `amountIn` stablecoin for CNDR and burns all CNDR held. Anyone, up to the epoch cap. The swap
    /// must return at least max(`minOut`, TWAP output less the slippage bound).
    /// @return burned The CNDR burned.
    function execute(uint256 amountIn, uint256 minOut, uint256 deadline) external returns (uint256 burned);

    function setParams(Params calldata params) external;

    /// @notice What `amountIn` buys at the TWAP and at the spot price, and the TWAP's window.
    function quote(uint256 amountIn) external view returns (uint256 twapOut, uint256 spotOut, uint256 window);
    function params() external view returns (Params memory);
    function observations() external view returns (Observation memory older, Observation memory newer);
    function currentEpoch() external view returns (uint256);
    function spentInEpoch(uint256 epoch) external view returns (uint256);
    function totalSpent() external view returns (uint256);
    function totalBurned() external view returns (uint256);
}
