// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IBuybackBurner} from "../interfaces/IBuybackBurner.sol";
import {IUniswapV2Pair, IUniswapV2Router02} from "../interfaces/external/IUniswapV2.sol";
import {UniswapV2Twap} from "../libraries/UniswapV2Twap.sol";

/// @title BuybackBurner
/// @notice Buys CNDR with the buyback share of fees through Uniswap V2, within a TWAP bound, and burns it at once.
/// @dev Assumptions:
/// - ROUTER and PAIR are Uniswap V2 (v2-core 1.0.1 / v2-periphery) for the ASSET/CNDR pair; the router swaps through
///   exactly that pair.
/// - A TWAP over at least `minWindow` resists manipulation within one block: moving it costs holding a skewed
///   price for the whole window. The slippage bound limits what a sandwich can extract to `maxSlippageBps`.
/// - A TWAP over at most `maxAge` <= 2 x `minWindow` follows a real price move within that span: an older start
///   would leave the bound far from the spot price after a real fall (room for a sandwich well past
///   `maxSlippageBps`), so it is refused, as Uniswap's ExampleSlidingWindowOracle refuses a missing historical
///   observation. Keepers sample (`observe`) at least once per `minWindow`: with two samples `minWindow` apart
///   a start aged between `minWindow` and 2 x `minWindow` is then always there (granularity 2 in Uniswap's terms).
/// - CNDR is burnable by its holder (ERC20Burnable); every CNDR this contract holds is burned in each execute.
contract BuybackBurner is AccessManaged, ReentrancyGuardTransient, IBuybackBurner {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_AMOUNT_PARAM = 1e30;
    uint256 public constant MIN_MIN_WINDOW = 1 minutes;
    uint256 public constant MAX_MIN_WINDOW = 1 days;
    /// @notice `maxAge` is at most this many `minWindow`s: the TWAP's span is bounded from both sides.
    uint256 public constant MAX_AGE_WINDOWS = 2;
    uint256 public constant MIN_SLIPPAGE_BPS = 10;
    uint256 public constant MAX_SLIPPAGE_BPS = 1_000;
    uint256 private constant _MAX_BPS = 10_000;

    /// @notice The stablecoin the fees are paid in.
    IERC20 public immutable ASSET;
    /// @notice CNDR.
    ERC20Burnable public immutable TOKEN;
    IUniswapV2Router02 public immutable ROUTER;
    IUniswapV2Pair public immutable PAIR;
    /// @notice Buyback epochs (the per-epoch cap's period), fixed at deployment.
    uint256 public immutable EPOCH_LENGTH;
    /// @dev Whether ASSET is the pair's token0 (then price0 is CNDR per ASSET).
    bool private immutable _ASSET_IS_TOKEN0;

    Params private _params;
    Observation private _older;
    Observation private _newer;
    uint256 private _totalSpent;
    uint256 private _totalBurned;
    mapping(uint256 epoch => uint256) private _spent;

    /// @notice The contracts this burner uses, fixed at deployment.
    struct Wiring {
        IERC20 asset;
        ERC20Burnable token;
        IUniswapV2Router02 router;
        IUniswapV2Pair pair;
    }

    constructor(address authority, Wiring memory wiring, uint256 epochLength, Params memory initialParams)
        AccessManaged(authority)
    {
        require(address(wiring.asset) != address(0), BuybackBurnerZeroAddress("asset"));
        require(address(wiring.token) != address(0), BuybackBurnerZeroAddress("token"));
        require(address(wiring.router) != address(0), BuybackBurnerZeroAddress("router"));
        address token0 = wiring.pair.token0();
        address token1 = wiring.pair.token1();
        bool assetIsToken0 = token0 == address(wiring.asset);
        require(
            (assetIsToken0 && token1 == address(wiring.token))
                || (token0 == address(wiring.token) && token1 == address(wiring.asset)),
            BuybackBurnerPairMismatch(token0, token1)
        );
        require(
            epochLength > 0 && epochLength <= 30 days,
            BuybackBurnerParameterOutOfBounds("epochLength", epochLength, 1, 30 days)
        );
        ASSET = wiring.asset;
        TOKEN = wiring.token;
        ROUTER = wiring.router;
        PAIR = wiring.pair;
        EPOCH_LENGTH = epochLength;
        _ASSET_IS_TOKEN0 = assetIsToken0;
        _setParams(initialParams);
    }

    /// @inheritdoc IBuybackBurner
    function observe() public {
        uint256 nowTime = block.timestamp;
        if (_newer.timestamp != 0 && nowTime - _newer.timestamp < _params.minWindow) return;
        uint256 cumulative = UniswapV2Twap.currentCumulative(PAIR, _ASSET_IS_TOKEN0);
        _older = _newer;
        _newer = Observation({cumulative: cumulative, timestamp: uint40(nowTime)});
        emit Observed(cumulative, nowTime);
    }

    /// @inheritdoc IBuybackBurner
    function execute(uint256 amountIn, uint256 minOut, uint256 deadline)
        external
        nonReentrant
        returns (uint256 burned)
    {
        require(amountIn > 0, BuybackBurnerZeroAmount());
        require(block.timestamp <= deadline, BuybackBurnerDeadlinePassed(deadline, block.timestamp));
        uint256 balance = ASSET.balanceOf(address(this));
        require(balance >= amountIn, BuybackBurnerInsufficientBalance(balance, amountIn));
        uint256 epoch = block.timestamp / EPOCH_LENGTH;
        uint256 spentAfter = _spent[epoch] + amountIn;
        require(spentAfter <= _params.maxPerEpoch, BuybackBurnerEpochCapExceeded(spentAfter, _params.maxPerEpoch));
        _spent[epoch] = spentAfter;

        (uint256 twapOut, uint256 window) = _twapQuote(amountIn);
        // The bound rounds up: a swap returning less than TWAP x (1 - slippage) never passes.
        uint256 boundOut = Math.mulDiv(twapOut, _MAX_BPS - _params.maxSlippageBps, _MAX_BPS, Math.Rounding.Ceil);
        uint256 amountOutMin = Math.max(minOut, boundOut);
        observe();

        ASSET.forceApprove(address(ROUTER), amountIn);
        uint256[] memory amounts =
            ROUTER.swapExactTokensForTokens(amountIn, amountOutMin, _path(), address(this), block.timestamp);
        uint256 cndrOut = amounts[1];

        // Every CNDR held is burned, what any donor sent included: none ever sits here.
        burned = IERC20(address(TOKEN)).balanceOf(address(this));
        TOKEN.burn(burned);
        _totalSpent += amountIn;
        _totalBurned += burned;
        emit BuybackExecuted(epoch, amountIn, cndrOut, burned, twapOut, amountOutMin, window);
    }

    /// @inheritdoc IBuybackBurner
    function setParams(Params calldata newParams) external restricted {
        _setParams(newParams);
    }

    /// @inheritdoc IBuybackBurner
    function quote(uint256 amountIn) external view returns (uint256 twapOut, uint256 spotOut, uint256 window) {
        (twapOut, window) = _twapQuote(amountIn);
        spotOut = amountIn == 0 ? 0 : ROUTER.getAmountsOut(amountIn, _path())[1];
    }

    /// @inheritdoc IBuybackBurner
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IBuybackBurner
    function observations() external view returns (Observation memory older, Observation memory newer) {
        return (_older, _newer);
    }

    /// @inheritdoc IBuybackBurner
    function currentEpoch() external view returns (uint256) {
        return block.timestamp / EPOCH_LENGTH;
    }

    /// @inheritdoc IBuybackBurner
    function spentInEpoch(uint256 epoch) external view returns (uint256) {
        return _spent[epoch];
    }

    /// @inheritdoc IBuybackBurner
    function totalSpent() external view returns (uint256) {
        return _totalSpent;
    }

    /// @inheritdoc IBuybackBurner
    function totalBurned() external view returns (uint256) {
        return _totalBurned;
    }

    /// @dev The TWAP output of `amountIn` from the freshest sample that spans at least `minWindow`, refusing a
    /// too-young window and a sample older than `maxAge` (at most 2 x `minWindow`): the window is bounded from both
    /// sides.
    function _twapQuote(uint256 amountIn) private view returns (uint256 twapOut, uint256 window) {
        Params storage p = _params;
        Observation memory start = _newer;
        if (start.timestamp == 0 || block.timestamp - start.timestamp < p.minWindow) start = _older;
        window = start.timestamp == 0 ? 0 : block.timestamp - start.timestamp;
        require(start.timestamp != 0 && window >= p.minWindow, BuybackBurnerTwapTooYoung(window, p.minWindow));
        require(window <= p.maxAge, BuybackBurnerTwapStale(window, p.maxAge));
        uint256 cumulative = UniswapV2Twap.currentCumulative(PAIR, _ASSET_IS_TOKEN0);
        twapOut = UniswapV2Twap.quote(start.cumulative, cumulative, window, amountIn);
    }

    /// @dev The swap route: the stablecoin straight to CNDR through PAIR.
    function _path() private view returns (address[] memory path) {
        path = new address[](2);
        path[0] = address(ASSET);
        path[1] = address(TOKEN);
    }

    function _setParams(Params memory p) private {
        _checkBounds("maxPerEpoch", p.maxPerEpoch, 0, MAX_AMOUNT_PARAM);
        _checkBounds("minWindow", p.minWindow, MIN_MIN_WINDOW, MAX_MIN_WINDOW);
        // Cannot overflow: minWindow <= 1 day, checked just above.
        _checkBounds("maxAge", p.maxAge, p.minWindow, MAX_AGE_WINDOWS * p.minWindow);
        _checkBounds("maxSlippageBps", p.maxSlippageBps, MIN_SLIPPAGE_BPS, MAX_SLIPPAGE_BPS);
        _params = p;
        emit ParamsSet(p);
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, BuybackBurnerParameterOutOfBounds(name, value, min, max));
    }
}
