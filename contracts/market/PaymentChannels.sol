// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFeeRouter} from "../interfaces/IFeeRouter.sol";
import {IPaymentChannels} from "../interfaces/IPaymentChannels.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IRevenueRecorder} from "../interfaces/IRevenueRecorder.sol";

/// @title PaymentChannels
/// @notice Escrow per (client, provider) and EIP-712 cumulative vouchers for per-request inference billing.
/// @dev Assumptions:
/// - The settlement asset has no transfer fee and does not rebase; its hooks cannot reenter (nonReentrant).
/// - Invariant (DESIGN.md 1): the asset held >= sum of channel balances + providers' earnings + collected fees.
/// - Vouchers are signed by the client's EOA key or a signer it authorized; a contract client authorizes an EOA.
/// - The domain separator binds vouchers to this contract and chain; the voucher binds client and provider; the
///   cumulative amount is monotonic per channel and never resets, so no voucher pays twice.
contract PaymentChannels is AccessManaged, Pausable, ReentrancyGuardTransient, EIP712, IPaymentChannels {
    using SafeERC20 for IERC20;

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address client,address provider,uint128 cumulativeAmount)");
    uint256 public constant MIN_THAW_PERIOD = 1 hours;
    uint256 public constant MAX_THAW_PERIOD = 90 days;

    IERC20 public immutable ASSET;
    IProviderRegistry public immutable REGISTRY;
    IFeeRouter public immutable FEE_ROUTER;
    IRevenueRecorder public immutable REVENUE;

    uint40 private _thawPeriod;
    uint256 private _collectedFees;
    mapping(address client => mapping(address provider => Channel)) private _channels;
    mapping(address client => mapping(address signer => uint40 validUntil)) private _signers;
    mapping(address provider => uint256) private _earnings;

    constructor(
        address authority,
        IERC20 asset,
        IProviderRegistry registry,
        IFeeRouter feeRouter,
        IRevenueRecorder revenue,
        uint40 thawPeriod_
    ) AccessManaged(authority) EIP712("CinderPaymentChannels", "1") {
        require(address(asset) != address(0), PaymentChannelsZeroAddress("asset"));
        require(address(registry) != address(0), PaymentChannelsZeroAddress("registry"));
        require(address(feeRouter) != address(0), PaymentChannelsZeroAddress("feeRouter"));
        require(address(revenue) != address(0), PaymentChannelsZeroAddress("revenue"));
        ASSET = asset;
        REGISTRY = registry;
        FEE_ROUTER = feeRouter;
        REVENUE = revenue;
        _setThawPeriod(thawPeriod_);
    }

    /// @inheritdoc IPaymentChannels
    function deposit(address provider, uint256 amount) external whenNotPaused nonReentrant {
        require(amount > 0, PaymentChannelsZeroAmount());
        IProviderRegistry.ProviderStatus status = REGISTRY.statusOf(provider);
        require(status != IProviderRegistry.ProviderStatus.None, PaymentChannelsUnknownProvider(provider));
        require(status != IProviderRegistry.ProviderStatus.Exited, PaymentChannelsProviderExited(provider));
        Channel storage ch = _channels[msg.sender][provider];
        uint256 balance = ch.balance + amount;
        // A stablecoin's supply in its smallest unit stays far below 2^128.
        ch.balance = uint128(balance);
        ASSET.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, provider, amount, balance);
    }

    /// @inheritdoc IPaymentChannels
    function requestThaw(address provider, uint256 amount) external {
        require(amount > 0, PaymentChannelsZeroAmount());
        Channel storage ch = _channels[msg.sender][provider];
        // Redemptions may have left less than was thawing: the thaw counts only what is still there.
        uint256 thawing = Math.min(ch.thawing, ch.balance) + amount;
        require(thawing <= ch.balance, PaymentChannelsInsufficientBalance(ch.balance, thawing));
        uint256 thawEndsAt = block.timestamp + _thawPeriod;
        ch.thawing = uint128(thawing);
        ch.thawEndsAt = uint40(thawEndsAt);
        emit ThawRequested(msg.sender, provider, thawing, thawEndsAt);
    }

    /// @inheritdoc IPaymentChannels
    function cancelThaw(address provider) external {
        Channel storage ch = _channels[msg.sender][provider];
        require(ch.thawing > 0, PaymentChannelsNothingThawing(msg.sender, provider));
        ch.thawing = 0;
        ch.thawEndsAt = 0;
        emit ThawCancelled(msg.sender, provider);
    }

    /// @inheritdoc IPaymentChannels
    function withdraw(address provider) external nonReentrant returns (uint256 amount) {
        Channel storage ch = _channels[msg.sender][provider];
        require(ch.thawing > 0, PaymentChannelsNothingThawing(msg.sender, provider));
        require(block.timestamp >= ch.thawEndsAt, PaymentChannelsStillThawing(ch.thawEndsAt, block.timestamp));
        // Redemptions during the thaw came first: the client gets what they left of the thawed amount.
        amount = ch.thawing < ch.balance ? ch.thawing : ch.balance;
        ch.balance -= uint128(amount);
        ch.thawing = 0;
        ch.thawEndsAt = 0;
        if (amount > 0) ASSET.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, provider, amount);
    }

    /// @inheritdoc IPaymentChannels
    function authorizeSigner(address signer) external {
        require(signer != address(0), PaymentChannelsZeroAddress("signer"));
        _signers[msg.sender][signer] = type(uint40).max;
        emit SignerAuthorized(msg.sender, signer);
    }

    /// @inheritdoc IPaymentChannels
    function revokeSigner(address signer) external {
        uint256 current = _signers[msg.sender][signer];
        require(current > block.timestamp, PaymentChannelsUnauthorizedSigner(msg.sender, signer));
        // A revocation only ever shortens a signer's validity: revoking again neither extends nor revives it.
        uint256 validUntil = Math.min(current, block.timestamp + _thawPeriod);
        _signers[msg.sender][signer] = uint40(validUntil);
        emit SignerRevoked(msg.sender, signer, validUntil);
    }

    /// @inheritdoc IPaymentChannels
    function redeem(Voucher calldata voucher, bytes calldata signature) external nonReentrant returns (uint256 net) {
        uint256 gross = _redeem(voucher, signature, false);
        net = _pay(voucher.provider, gross);
    }

    /// @inheritdoc IPaymentChannels
    function redeemBatch(address provider, Voucher[] calldata vouchers, bytes[] calldata signatures)
        external
        nonReentrant
        returns (uint256 net)
    {
        require(
            vouchers.length == signatures.length, PaymentChannelsLengthMismatch(vouchers.length, signatures.length)
        );
        require(vouchers.length > 0, PaymentChannelsEmptyBatch());
        uint256 gross;
        for (uint256 i = 0; i < vouchers.length; ++i) {
            require(vouchers[i].provider == provider, PaymentChannelsWrongProvider(provider, vouchers[i].provider));
            gross += _redeem(vouchers[i], signatures[i], true);
        }
        // Every voucher may have been skipped (each redeemed by someone else first): nothing to pay, nothing to record.
        if (gross > 0) net = _pay(provider, gross);
    }

    /// @inheritdoc IPaymentChannels
    function setThawPeriod(uint40 thawPeriod_) external restricted {
        _setThawPeriod(thawPeriod_);
    }

    /// @inheritdoc IPaymentChannels
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IPaymentChannels
    function unpause() external restricted {
        _unpause();
    }

    /// @inheritdoc IPaymentChannels
    function withdrawEarnings(address provider) external nonReentrant returns (uint256 amount) {
        amount = _earnings[provider];
        require(amount > 0, PaymentChannelsNoEarnings(provider));
        _earnings[provider] = 0;
        address payout = REGISTRY.payoutOf(provider);
        ASSET.safeTransfer(payout, amount);
        emit EarningsWithdrawn(provider, payout, amount);
    }

    /// @inheritdoc IPaymentChannels
    function earningsOf(address provider) external view returns (uint256) {
        return _earnings[provider];
    }

    /// @inheritdoc IPaymentChannels
    function sweepFees() external nonReentrant returns (uint256 amount) {
        amount = _collectedFees;
        _collectedFees = 0;
        if (amount > 0) ASSET.safeTransfer(address(FEE_ROUTER), amount);
        emit FeesSwept(amount);
    }

    /// @inheritdoc IPaymentChannels
    function collectedFees() external view returns (uint256) {
        return _collectedFees;
    }

    /// @inheritdoc IPaymentChannels
    function getChannel(address client, address provider) external view returns (Channel memory) {
        return _channels[client][provider];
    }

    /// @inheritdoc IPaymentChannels
    function coverage(address client, address provider, uint256 cumulativeAmount) external view returns (uint256) {
        Channel storage ch = _channels[client][provider];
        uint256 owed = cumulativeAmount > ch.redeemed ? cumulativeAmount - ch.redeemed : 0;
        // What the client is thawing may leave once the thaw ends: it covers nothing new.
        uint256 firm = ch.balance - Math.min(ch.thawing, ch.balance);
        return firm > owed ? firm - owed : 0;
    }

    /// @inheritdoc IPaymentChannels
    function signerValidUntil(address client, address signer) external view returns (uint256) {
        return _signers[client][signer];
    }

    /// @inheritdoc IPaymentChannels
    function voucherDigest(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(VOUCHER_TYPEHASH, voucher.client, voucher.provider, voucher.cumulativeAmount))
        );
    }

    /// @inheritdoc IPaymentChannels
    function thawPeriod() external view returns (uint40) {
        return _thawPeriod;
    }

    /// @dev Checks a voucher and moves the channel's redeemed mark; returns the gross amount it pays. With `skip`
    /// (a batch), a voucher that others' actions can have spoiled since the batch was signed pays 0 and emits
    /// RedeemSkipped instead of reverting: its channel already redeemed as far (anyone may redeem a copy of it
    /// first), its escrow no longer covers it (the client withdrew at its thaw's end), or its signer's revocation
    /// took effect. A malformed signature still reverts: nobody but the submitter can make one.
    function _redeem(Voucher calldata voucher, bytes calldata signature, bool skip) private returns (uint256 amount) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(voucherDigest(voucher), signature);
        require(err == ECDSA.RecoverError.NoError, PaymentChannelsInvalidSignature());
        if (signer != voucher.client && _signers[voucher.client][signer] <= block.timestamp) {
            require(skip, PaymentChannelsUnauthorizedSigner(voucher.client, signer));
            emit RedeemSkipped(
                voucher.client, voucher.provider, voucher.cumulativeAmount, SkipReason.UnauthorizedSigner
            );
            return 0;
        }
        Channel storage ch = _channels[voucher.client][voucher.provider];
        uint256 redeemed = ch.redeemed;
        if (voucher.cumulativeAmount <= redeemed) {
            require(skip, PaymentChannelsNothingToRedeem(voucher.cumulativeAmount, redeemed));
            emit RedeemSkipped(voucher.client, voucher.provider, voucher.cumulativeAmount, SkipReason.AlreadyRedeemed);
            return 0;
        }
        amount = voucher.cumulativeAmount - redeemed;
        uint256 balance = ch.balance;
        if (amount > balance) {
            require(skip, PaymentChannelsInsufficientBalance(balance, amount));
            emit RedeemSkipped(
                voucher.client, voucher.provider, voucher.cumulativeAmount, SkipReason.InsufficientBalance
            );
            return 0;
        }
        // Cannot underflow: amount <= balance, checked just above.
        unchecked {
            ch.balance = uint128(balance - amount);
        }
        // A thaw larger than what is left is clamped when withdrawn: redemptions come first.
        ch.redeemed = voucher.cumulativeAmount;
        emit Redeemed(voucher.client, voucher.provider, voucher.cumulativeAmount, amount);
    }

    /// @dev Takes the fee, records revenue and credits the provider's earnings.
    function _pay(address provider, uint256 gross) private returns (uint256 net) {
        uint256 fee = FEE_ROUTER.feeFor(gross);
        _collectedFees += fee;
        REVENUE.recordRevenue(provider, gross, fee);
        net = gross - fee;
        _earnings[provider] += net;
        emit PaymentReleased(provider, gross, fee, net);
    }

    function _setThawPeriod(uint40 thawPeriod_) private {
        require(
            thawPeriod_ >= MIN_THAW_PERIOD && thawPeriod_ <= MAX_THAW_PERIOD,
            PaymentChannelsParameterOutOfBounds("thawPeriod", thawPeriod_, MIN_THAW_PERIOD, MAX_THAW_PERIOD)
        );
        _thawPeriod = thawPeriod_;
        emit ThawPeriodSet(thawPeriod_);
    }
}
