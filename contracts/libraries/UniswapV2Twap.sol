// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV2Pair} from "../interfaces/external/IUniswapV2.sol";

/// @title UniswapV2Twap
/// @notice Time-weighted average prices from a Uniswap V2 pair's cumulative prices (the pair's own oracle).
/// @dev Cumulative prices are UQ112x112 sums of price x seconds that are meant to overflow: differences are taken
/// in unchecked arithmetic, as in Uniswap's UniswapV2OracleLibrary, and stay correct across one wrap.
library UniswapV2Twap {
    /// @notice The pair's cumulative price of `token0` in `token1` (or the reverse) as of now, including the time
    /// since the pair's last update at the current reserves (counterfactual, no state change).
    function currentCumulative(IUniswapV2Pair pair, bool ofToken0) internal view returns (uint256 cumulative) {
        cumulative = ofToken0 ? pair.price0CumulativeLast() : pair.price1CumulativeLast();
        (uint112 reserve0, uint112 reserve1, uint32 lastUpdate) = pair.getReserves();
        uint32 nowTime = uint32(block.timestamp);
        if (lastUpdate != nowTime && reserve0 != 0 && reserve1 != 0) {
            // Overflow is intended, as in the pair itself.
            unchecked {
                uint32 elapsed = nowTime - lastUpdate;
                uint256 price = ofToken0
                    ? (uint256(reserve1) << 112) / reserve0
                    : (uint256(reserve0) << 112) / reserve1;
                cumulative += price * elapsed;
            }
        }
    }

    /// @notice What `amountIn` of the base token buys at the average price between two cumulative readings taken
    /// `elapsed` seconds apart (rounded down).
    function quote(uint256 cumulativeStart, uint256 cumulativeEnd, uint256 elapsed, uint256 amountIn)
        internal
        pure
        returns (uint256)
    {
        uint256 averageUq112;
        // Differences of wrapping accumulators, as in UniswapV2OracleLibrary.
        unchecked {
            averageUq112 = (cumulativeEnd - cumulativeStart) / elapsed;
        }
        return Math.mulDiv(averageUq112, amountIn, 1 << 112);
    }
}
