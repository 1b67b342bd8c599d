// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICinderToken} from "../interfaces/ICinderToken.sol";
import {IEmissionController} from "../interfaces/IEmissionController.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {IUniswapV2Pair} from "../interfaces/external/IUniswapV2.sol";
import {EmissionMath} from "../libraries/EmissionMath.sol";
import {UniswapV2Twap} from "../libraries/UniswapV2Twap.sol";

/// @title EmissionController
/// @notice Records final revenue per epoch and provider, closes epochs into a bounded CNDR budget, and streams each
/// provider's share into its StakingVault pool.
/// @dev Assumptions:
/// - Only the wired JobMarket and PaymentChannels record, and only final revenue (after any challenge window, net
///   of refunds and credits): see IRevenueRecorder.
/// - PAIR is the Uniswap V2 CNDR/asset pair. Its cumulative price is sampled once per epoch, on the epoch's first
///   revenue record, `observe()` or close, so an epoch with revenue always has a TWAP start inside it. The epoch
///   TWAP runs from that sample to the close. The long TWAP ends at the last sample before the closed epoch and
///   starts at the latest sample at least LONG_TWAP_EPOCHS epochs before that one, whichever epochs were left
///   unsampled; until such a sample exists it starts at the first sample, and SEED_PRICE (the price the deployment
///   seeded the pool at) counts as well. The guard prices CNDR at the highest of these and the governance floor,
///   never at spot: a price pushed down cannot raise the mint, and one pushed up only lowers it.
/// - The price pushed down during the epoch and before its first sample is outside the long TWAP (which ends at an
///   earlier sample); holding it down for a whole long window is what the long TWAP does not stop, and costs the
///   attacker the pool's arbitrage over LONG_TWAP_EPOCHS epochs.
/// - No fresh TWAP: a TWAP window below `minTwapWindow` makes the close revert until it is long enough (never a
///   guess); a pool without reserves gives no price at all, and then nothing is minted (Bound.NoPrice).
/// - This contract is the minter wired once in CNDR (`setMinter`) and the reward funder wired once in the vault
///   (`setEmissionController`); no AccessManager role mints or funds rewards. CNDR has no transfer hooks.
contract EmissionController is AccessManaged, ReentrancyGuardTransient, IEmissionController {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    uint256 public constant MAX_GUARD_RATIO_BPS = 9_500;
    uint256 public constant MIN_MIN_TWAP_WINDOW = 1 minutes;
    uint256 public constant MAX_FLOOR_PRICE = 1e30;
    uint256 public constant MAX_LONG_TWAP_EPOCHS = 8_760;

    ICinderToken public immutable TOKEN;
    IStakingVault public immutable VAULT;
    IUniswapV2Pair public immutable PAIR;
    /// @inheritdoc IEmissionController
    uint256 public immutable EPOCH_LENGTH;
    /// @inheritdoc IEmissionController
    uint256 public immutable GENESIS_EPOCH;
    uint256 public immutable INITIAL_EPOCH_CAP;
    uint256 public immutable INITIAL_RATE_WAD;
    uint256 public immutable DECAY_BPS;
    uint256 public immutable DECAY_INTERVAL;
    uint256 public immutable LONG_TWAP_EPOCHS;
    /// @inheritdoc IEmissionController
    uint256 public immutable SEED_PRICE;
    /// @dev SEED_PRICE as UQ112x112 asset units per CNDR wei, rounded up (stricter).
    uint256 private immutable _SEED_PRICE_Q112;
    /// @dev CNDR's hard supply cap and per-window mint cap, read once.
    uint256 private immutable _MAX_SUPPLY;
    uint256 private immutable _MAX_MINT_PER_WINDOW;
    /// @dev Whether CNDR is the pair's token0 (then price0 is asset per CNDR).
    bool private immutable _TOKEN_IS_TOKEN0;

    /// @dev One slot, the only one the hot path reads and writes: 2^96 smallest units is 7.9e22 dollars of a
    /// 6-decimal stablecoin per epoch. `sampleIndex` is the epoch's position in `_sampled` (when observed).
    struct EpochState {
        uint96 revenue;
        uint96 fees;
        bool observed;
        bool closed;
        Bound bound;
        uint40 sampleIndex;
    }

    /// @dev One slot, written first by the epoch's price sample (so the close updates it instead of creating it):
    /// 2^112 wei is 5e15 CNDR, far above any epoch cap; 2^104 units per CNDR is far above MAX_FLOOR_PRICE.
    struct EpochResult {
        uint40 observedAt;
        uint112 budget;
        uint104 price;
    }

    /// @dev An epoch close's figures (see the EpochClosed event).
    struct Close {
        uint256 budget;
        uint256 cap;
        uint256 byRate;
        uint256 byGuard;
        uint256 price;
        Bound bound;
    }

    struct ProviderEpoch {
        uint128 revenue;
        bool settled;
    }

    Params private _params;
    bool private _wired;
    mapping(address account => bool) private _recorders;
    mapping(uint256 epoch => EpochState) private _epochs;
    mapping(uint256 epoch => EpochResult) private _results;
    mapping(uint256 epoch => uint256) private _cumulative;
    /// @dev Every sampled epoch, ascending (at most one sample per epoch; six to a slot). The long TWAP's start is
    /// found here by a binary search over at most LONG_TWAP_EPOCHS entries (see _longStart).
    uint40[] private _sampled;
    mapping(uint256 epoch => mapping(address provider => ProviderEpoch)) private _providerEpochs;
    uint256 private _totalMinted;
    uint256 private _totalSettled;

    /// @notice The contracts this controller uses, fixed at deployment.
    struct Wiring {
        ICinderToken token;
        IStakingVault vault;
        IUniswapV2Pair pair;
        address asset;
    }

    constructor(address authority, Wiring memory wiring, Schedule memory schedule_, Params memory initialParams)
        AccessManaged(authority)
    {
        require(address(wiring.token) != address(0), EmissionZeroAddress("token"));
        require(address(wiring.vault) != address(0), EmissionZeroAddress("vault"));
        require(wiring.asset != address(0), EmissionZeroAddress("asset"));
        address token0 = wiring.pair.token0();
        address token1 = wiring.pair.token1();
        bool tokenIsToken0 = token0 == address(wiring.token);
        require(
            (tokenIsToken0 && token1 == wiring.asset) || (token0 == wiring.asset && token1 == address(wiring.token)),
            EmissionPairMismatch(token0, token1)
        );
        _checkBounds("epochLength", schedule_.epochLength, 1, 30 days);
        // The token's window cap must never bind in steady state: it is a backstop for catch-up closes only.
        _checkBounds("initialEpochCap", schedule_.initialEpochCap, 0, wiring.token.MAX_MINT_PER_WINDOW());
        _checkBounds("initialRateWad", schedule_.initialRateWad, 0, 1e42);
        _checkBounds("decayBps", schedule_.decayBps, 0, EmissionMath.MAX_BPS - 1);
        _checkBounds("decayInterval", schedule_.decayInterval, 1, type(uint64).max);
        _checkBounds("longTwapEpochs", schedule_.longTwapEpochs, 1, MAX_LONG_TWAP_EPOCHS);
        _checkBounds("seedPrice", schedule_.seedPrice, 1, MAX_FLOOR_PRICE);
        TOKEN = wiring.token;
        VAULT = wiring.vault;
        PAIR = wiring.pair;
        _TOKEN_IS_TOKEN0 = tokenIsToken0;
        EPOCH_LENGTH = schedule_.epochLength;
        GENESIS_EPOCH = block.timestamp / schedule_.epochLength;
        INITIAL_EPOCH_CAP = schedule_.initialEpochCap;
        INITIAL_RATE_WAD = schedule_.initialRateWad;
        DECAY_BPS = schedule_.decayBps;
        DECAY_INTERVAL = schedule_.decayInterval;
        LONG_TWAP_EPOCHS = schedule_.longTwapEpochs;
        SEED_PRICE = schedule_.seedPrice;
        _SEED_PRICE_Q112 = EmissionMath.wholeToQ112(schedule_.seedPrice);
        _MAX_SUPPLY = wiring.token.MAX_SUPPLY();
        _MAX_MINT_PER_WINDOW = wiring.token.MAX_MINT_PER_WINDOW();
        _setParams(initialParams);
        IERC20(address(wiring.token)).forceApprove(address(wiring.vault), type(uint256).max);
    }

    /// @inheritdoc IEmissionController
    function wireRecorders(address jobMarket, address paymentChannels) external restricted {
        require(!_wired, EmissionAlreadyWired());
        require(jobMarket != address(0), EmissionZeroAddress("jobMarket"));
        require(paymentChannels != address(0), EmissionZeroAddress("paymentChannels"));
        _wired = true;
        _recorders[jobMarket] = true;
        _recorders[paymentChannels] = true;
        emit RecordersWired(jobMarket, paymentChannels);
    }

    /// @notice Records revenue released to a provider. The wired payment contracts only.
    /// @dev The epoch's first record samples the pair (about 30,000 gas once per epoch); later ones only add.
    function recordRevenue(address provider, uint256 gross, uint256 fee) external {
        require(_recorders[msg.sender], EmissionNotRecorder(msg.sender));
        uint256 epoch = block.timestamp / EPOCH_LENGTH;
        EpochState storage state = _epochs[epoch];
        if (!state.observed) _observe(epoch, state);
        state.revenue = (uint256(state.revenue) + gross).toUint96();
        state.fees = (uint256(state.fees) + fee).toUint96();
        ProviderEpoch storage pe = _providerEpochs[epoch][provider];
        pe.revenue = (uint256(pe.revenue) + gross).toUint128();
        emit RevenueRecorded(provider, epoch, gross, fee);
    }

    /// @inheritdoc IEmissionController
    function observe() external {
        uint256 epoch = block.timestamp / EPOCH_LENGTH;
        EpochState storage state = _epochs[epoch];
        if (!state.observed) _observe(epoch, state);
    }

    /// @inheritdoc IEmissionController
    function closeEpoch() external nonReentrant returns (uint256 budget) {
        return _close(block.timestamp / EPOCH_LENGTH - 1);
    }

    /// @inheritdoc IEmissionController
    function closeEpochAt(uint256 epoch) external nonReentrant returns (uint256 budget) {
        return _close(epoch);
    }

    /// @inheritdoc IEmissionController
    function settle(address provider, uint256 epoch) external nonReentrant returns (uint256 reward) {
        require(_epochs[epoch].closed, EmissionEpochNotClosed(epoch));
        ProviderEpoch storage pe = _providerEpochs[epoch][provider];
        require(pe.revenue > 0 && !pe.settled, EmissionNothingToSettle(provider, epoch));
        reward = _shareOf(epoch, pe.revenue);
        pe.settled = true;
        emit EmissionSettled(provider, epoch, pe.revenue, reward);
        if (reward == 0) return 0;
        _totalSettled += reward;
        VAULT.streamReward(provider, reward, uint40(EPOCH_LENGTH));
    }

    /// @inheritdoc IEmissionController
    function settleMany(address[] calldata providers, uint256 epoch) external nonReentrant returns (uint256 total) {
        require(_epochs[epoch].closed, EmissionEpochNotClosed(epoch));
        for (uint256 i; i < providers.length; ++i) {
            address provider = providers[i];
            ProviderEpoch storage pe = _providerEpochs[epoch][provider];
            if (pe.revenue == 0 || pe.settled) continue;
            uint256 reward = _shareOf(epoch, pe.revenue);
            pe.settled = true;
            if (reward > 0) {
                try VAULT.streamReward(provider, reward, uint40(EPOCH_LENGTH)) {}
                catch (bytes memory reason) {
                    // One provider's failing pool never blocks the others: its settlement stays undone (nothing
                    // moved, nothing counted), so it can be retried once the cause is gone.
                    pe.settled = false;
                    emit EmissionSettlementFailed(provider, epoch, reward, reason);
                    continue;
                }
                _totalSettled += reward;
                total += reward;
            }
            emit EmissionSettled(provider, epoch, pe.revenue, reward);
        }
    }

    /// @inheritdoc IEmissionController
    function setParams(Params calldata newParams) external restricted {
        _setParams(newParams);
    }

    /// @inheritdoc IEmissionController
    function currentEpoch() external view returns (uint256) {
        return block.timestamp / EPOCH_LENGTH;
    }

    /// @inheritdoc IEmissionController
    function epochTotals(uint256 epoch) external view returns (uint256 gross, uint256 fees) {
        EpochState storage state = _epochs[epoch];
        return (state.revenue, state.fees);
    }

    /// @inheritdoc IEmissionController
    function providerRevenue(uint256 epoch, address provider) external view returns (uint256) {
        return _providerEpochs[epoch][provider].revenue;
    }

    /// @inheritdoc IEmissionController
    function pendingReward(address provider, uint256 epoch) external view returns (uint256) {
        ProviderEpoch storage pe = _providerEpochs[epoch][provider];
        if (!_epochs[epoch].closed || pe.settled) return 0;
        return _shareOf(epoch, pe.revenue);
    }

    /// @inheritdoc IEmissionController
    function isSettled(address provider, uint256 epoch) external view returns (bool) {
        return _providerEpochs[epoch][provider].settled;
    }

    /// @inheritdoc IEmissionController
    function epochInfo(uint256 epoch) external view returns (EpochInfo memory info) {
        EpochState storage state = _epochs[epoch];
        EpochResult storage result = _results[epoch];
        info = EpochInfo({
            revenue: state.revenue,
            fees: state.fees,
            observedAt: result.observedAt,
            closed: state.closed,
            bound: state.bound,
            budget: result.budget,
            price: result.price
        });
    }

    /// @inheritdoc IEmissionController
    function scheduleAt(uint256 epoch) public view returns (uint256 cap, uint256 rateWad) {
        uint256 periods = epoch > GENESIS_EPOCH ? (epoch - GENESIS_EPOCH) / DECAY_INTERVAL : 0;
        return EmissionMath.scheduled(
            INITIAL_EPOCH_CAP, INITIAL_RATE_WAD, EmissionMath.decayFactor(DECAY_BPS, periods)
        );
    }

    /// @inheritdoc IEmissionController
    function schedule() external view returns (Schedule memory) {
        return Schedule({
            epochLength: EPOCH_LENGTH,
            initialEpochCap: INITIAL_EPOCH_CAP,
            initialRateWad: INITIAL_RATE_WAD,
            decayBps: DECAY_BPS,
            decayInterval: DECAY_INTERVAL,
            longTwapEpochs: LONG_TWAP_EPOCHS,
            seedPrice: SEED_PRICE
        });
    }

    /// @inheritdoc IEmissionController
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IEmissionController
    function isRecorder(address account) external view returns (bool) {
        return _recorders[account];
    }

    /// @inheritdoc IEmissionController
    function totals() external view returns (uint256 minted, uint256 settled) {
        return (_totalMinted, _totalSettled);
    }

    function _close(uint256 epoch) private returns (uint256) {
        uint256 nowEpoch = block.timestamp / EPOCH_LENGTH;
        require(
            epoch < nowEpoch && epoch >= GENESIS_EPOCH, EmissionEpochNotClosable(epoch, nowEpoch, GENESIS_EPOCH)
        );
        EpochState storage state = _epochs[epoch];
        require(!state.closed, EmissionEpochAlreadyClosed(epoch));
        state.closed = true;
        // The close starts the current epoch's TWAP if nothing has yet.
        EpochState storage current = _epochs[nowEpoch];
        if (!current.observed) _observe(nowEpoch, current);

        Close memory c = _compute(epoch, state.revenue, state.fees);
        state.bound = c.bound;
        EpochResult storage result = _results[epoch];
        result.budget = c.budget.toUint112();
        // A price beyond uint104 (1e31 units per CNDR) is stored clamped; the event carries it exactly.
        result.price = uint104(Math.min(c.price, type(uint104).max));
        if (c.budget > 0) {
            _totalMinted += c.budget;
            TOKEN.mint(address(this), c.budget);
        }
        emit EpochClosed(epoch, state.revenue, state.fees, c.budget, c.bound, c.cap, c.byRate, c.byGuard, c.price);
        return c.budget;
    }

    /// @dev The three bounds of a close, the least of them within what the token lets mint, and the price used.
    function _compute(uint256 epoch, uint256 revenue, uint256 fees) private view returns (Close memory c) {
        uint256 rateWad;
        (c.cap, rateWad) = scheduleAt(epoch);
        c.byRate = Math.mulDiv(revenue, rateWad, EmissionMath.WAD);
        if (revenue == 0) {
            c.bound = Bound.NoRevenue;
            return c;
        }
        uint256 priceQ112 = _guardPrice(epoch, _results[epoch].observedAt);
        if (priceQ112 == 0) {
            c.bound = Bound.NoPrice;
            return c;
        }
        c.price = EmissionMath.q112ToWhole(priceQ112);
        c.byGuard = EmissionMath.guardMax(fees, _params.guardRatioBps, priceQ112);
        (c.budget, c.bound) = _least(c.cap, c.byRate, c.byGuard);
        uint256 room = Math.min(
            _MAX_SUPPLY - IERC20(address(TOKEN)).totalSupply(),
            _MAX_MINT_PER_WINDOW - TOKEN.mintedInCurrentWindow()
        );
        if (c.budget > room) (c.budget, c.bound) = (room, Bound.TokenLimit);
    }

    /// @dev The highest of the epoch TWAP, the long TWAP and the floor, as UQ112x112 asset units per CNDR wei;
    /// 0 when the pair gives no price (no reserves over the window). Reverts while the epoch window is too short.
    function _guardPrice(uint256 epoch, uint256 observedAt) private view returns (uint256 priceQ112) {
        uint256 cumulativeNow = UniswapV2Twap.currentCumulative(PAIR, _TOKEN_IS_TOKEN0);
        uint256 window = block.timestamp - observedAt;
        uint256 minWindow = _params.minTwapWindow;
        require(window >= minWindow, EmissionTwapTooYoung(epoch, window, minWindow));
        priceQ112 = _average(_cumulative[epoch], cumulativeNow, window);
        if (priceQ112 == 0) return 0;
        priceQ112 = Math.max(priceQ112, _longPrice(epoch, _epochs[epoch].sampleIndex));
        priceQ112 = Math.max(priceQ112, EmissionMath.wholeToQ112(_params.floorPrice));
    }

    /// @dev The long price for `epoch`, sampled at `index` in `_sampled`: the TWAP from the latest sample at least
    /// LONG_TWAP_EPOCHS epochs before the last sample preceding the epoch, to that sample. It ends before the epoch,
    /// so nothing done during the epoch (or before its first sample) moves it, and it spans at least
    /// LONG_TWAP_EPOCHS epochs whichever epochs went unsampled. Until such a start exists (young history), the
    /// highest of the seed price and the TWAP over the history there is (first sample to that last one).
    /// In steady state (both ends sampled where expected) it reads the two ends only, as a fixed window would.
    function _longPrice(uint256 epoch, uint256 index) private view returns (uint256 priceQ112) {
        if (index == 0) return _SEED_PRICE_Q112;
        // The last sample before the epoch: the previous epoch's when it has one (index > 0, so epoch > 0).
        uint256 end = epoch - 1;
        uint256 endAt = _results[end].observedAt;
        if (endAt == 0) {
            end = _sampled[index - 1];
            endAt = _results[end].observedAt;
        }
        (uint256 start, uint256 startAt) = _longStart(end, index - 1);
        if (startAt == 0) {
            start = _sampled[0];
            priceQ112 = _SEED_PRICE_Q112;
            if (start == end) return priceQ112;
            startAt = _results[start].observedAt;
        }
        priceQ112 = Math.max(priceQ112, _average(_cumulative[start], _cumulative[end], endAt - startAt));
    }

    /// @dev The latest sampled epoch at most `end` - LONG_TWAP_EPOCHS and when it was sampled, where `end` is
    /// `_sampled[endIndex]`; (0, 0) when there is none. Bounded: with at most one sample per epoch, at most
    /// LONG_TWAP_EPOCHS entries lie after it and up to `end`, so it is at index endIndex - LONG_TWAP_EPOCHS or later;
    /// a sampled target epoch is found in one read, else a binary search over those LONG_TWAP_EPOCHS entries takes at
    /// most log2(MAX_LONG_TWAP_EPOCHS) + 2 = 16 reads.
    function _longStart(uint256 end, uint256 endIndex) private view returns (uint256 start, uint256 startAt) {
        if (end < LONG_TWAP_EPOCHS || endIndex == 0) return (0, 0);
        uint256 target = end - LONG_TWAP_EPOCHS;
        startAt = _results[target].observedAt;
        if (startAt != 0) return (target, startAt);
        uint256 lo = endIndex > LONG_TWAP_EPOCHS ? endIndex - LONG_TWAP_EPOCHS : 0;
        uint256 hi = endIndex;
        if (_sampled[lo] > target) return (0, 0);
        // Invariant: _sampled[lo] <= target, and every entry at hi or later is above it (entries ascend).
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (_sampled[mid] <= target) lo = mid;
            else hi = mid;
        }
        start = _sampled[lo];
        startAt = _results[start].observedAt;
    }

    /// @dev `revenue`'s share of the epoch budget, rounded down: the shares never sum past the budget, and the
    /// dust stays here (counted in totals().minted - totals().settled).
    function _shareOf(uint256 epoch, uint256 revenue) private view returns (uint256) {
        uint256 total = _epochs[epoch].revenue;
        return total == 0 ? 0 : Math.mulDiv(revenue, _results[epoch].budget, total);
    }

    function _observe(uint256 epoch, EpochState storage state) private {
        uint256 cumulative = UniswapV2Twap.currentCumulative(PAIR, _TOKEN_IS_TOKEN0);
        state.observed = true;
        state.sampleIndex = uint40(_sampled.length);
        // Epochs fit in 40 bits: block.timestamp does, and an epoch is at least one second.
        _sampled.push(uint40(epoch));
        _results[epoch].observedAt = uint40(block.timestamp);
        _cumulative[epoch] = cumulative;
        emit PriceObserved(epoch, cumulative, block.timestamp);
    }

    function _setParams(Params memory p) private {
        _checkBounds("floorPrice", p.floorPrice, 0, MAX_FLOOR_PRICE);
        _checkBounds("guardRatioBps", p.guardRatioBps, 0, MAX_GUARD_RATIO_BPS);
        _checkBounds("minTwapWindow", p.minTwapWindow, MIN_MIN_TWAP_WINDOW, EPOCH_LENGTH);
        _params = p;
        emit ParamsSet(p);
    }

    /// @dev The least of the three bounds, and which it was (ties go to the earlier one).
    function _least(uint256 cap, uint256 byRate, uint256 byGuard) private pure returns (uint256 least, Bound bound) {
        (least, bound) = (cap, Bound.EpochCap);
        if (byRate < least) (least, bound) = (byRate, Bound.RevenueRate);
        if (byGuard < least) (least, bound) = (byGuard, Bound.WashGuard);
    }

    /// @dev The average of a wrapping cumulative price over `elapsed` > 0 seconds (UniswapV2OracleLibrary).
    function _average(uint256 cumulativeStart, uint256 cumulativeEnd, uint256 elapsed)
        private
        pure
        returns (uint256)
    {
        unchecked {
            return (cumulativeEnd - cumulativeStart) / elapsed;
        }
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, EmissionParameterOutOfBounds(name, value, min, max));
    }
}
