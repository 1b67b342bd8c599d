// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPaymentChannels
/// @notice Per-request inference billing. A client keeps an escrow per provider; it signs EIP-712 vouchers
/// carrying the cumulative amount it owes; the provider redeems the latest voucher for the difference, so one
/// transaction settles any number of requests, and `redeemBatch` settles many channels at once. Withdrawing
/// escrow needs a thaw, during which the provider can still redeem what it earned.
interface IPaymentChannels {
    /// @notice A (client, provider) channel.
    /// @param balance Escrow left, the thawing part included.
    /// @param redeemed Cumulative amount redeemed so far; never decreases, so no voucher pays twice.
    /// @param thawing Part of `balance` the client asked to withdraw.
    /// @param thawEndsAt When `thawing` may be withdrawn.
    struct Channel {
        uint128 balance;
        uint128 redeemed;
        uint128 thawing;
        uint40 thawEndsAt;
    }

    /// @notice What a client signs: it owes `provider` `cumulativeAmount` in total over the channel's life.
    struct Voucher {
        address client;
        address provider;
        uint128 cumulativeAmount;
    }

    /// @notice Why `redeemBatch` skipped a voucher (each a case that others' actions can cause after the batch
    /// was signed; `redeem` reverts with the matching error instead).
    enum SkipReason {
        /// The channel already redeemed this cumulative amount or more (the voucher, or a later one, was redeemed
        /// first, perhaps by a third party; or it appears twice in the batch).
        AlreadyRedeemed,
        /// The escrow no longer covers the difference (the client withdrew a thaw that had ended).
        InsufficientBalance,
        /// The key that signed it is not the client and is no longer authorized (its revocation took effect).
        UnauthorizedSigner
    }

    error PaymentChannelsZeroAmount();
    error PaymentChannelsZeroAddress(string name);
    error PaymentChannelsUnknownProvider(address provider);
    error PaymentChannelsInsufficientBalance(uint256 available, uint256 needed);
    error PaymentChannelsNothingToRedeem(uint256 cumulativeAmount, uint256 redeemed);
    error PaymentChannelsInvalidSignature();
    error PaymentChannelsUnauthorizedSigner(address client, address signer);
    error PaymentChannelsWrongProvider(address expected, address actual);
    error PaymentChannelsLengthMismatch(uint256 vouchers, uint256 signatures);
    error PaymentChannelsNothingThawing(address client, address provider);
    error PaymentChannelsStillThawing(uint256 thawEndsAt, uint256 nowTime);
    error PaymentChannelsParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    error PaymentChannelsNoEarnings(address provider);
    error PaymentChannelsProviderExited(address provider);
    error PaymentChannelsEmptyBatch();

    event Deposited(address indexed client, address indexed provider, uint256 amount, uint256 balance);
    event ThawRequested(address indexed client, address indexed provider, uint256 thawing, uint256 thawEndsAt);
    event ThawCancelled(address indexed client, address indexed provider);
    event Withdrawn(address indexed client, address indexed provider, uint256 amount);
    /// @notice A voucher moved a channel's redeemed mark by `amount`.
    event Redeemed(address indexed client, address indexed provider, uint256 cumulativeAmount, uint256 amount);
    /// @notice `redeemBatch` left a voucher out and settled the rest; the voucher's channel did not move.
    event RedeemSkipped(
        address indexed client, address indexed provider, uint256 cumulativeAmount, SkipReason reason
    );
    /// @notice A redemption (or batch) released `gross` from escrow: `fee` went to the protocol, `net` to the
    /// provider's earnings.
    event PaymentReleased(address indexed provider, uint256 gross, uint256 fee, uint256 net);
    /// @notice A provider's earnings were paid to its payout address.
    event EarningsWithdrawn(address indexed provider, address indexed payout, uint256 amount);
    event FeesSwept(uint256 amount);
    event SignerAuthorized(address indexed client, address indexed signer);
    event SignerRevoked(address indexed client, address indexed signer, uint256 validUntil);
    event ThawPeriodSet(uint256 thawPeriod);

    /// @notice Adds `amount` to the caller's channel with `provider` (registered, not exited). Not while paused.
    function deposit(address provider, uint256 amount) external;

    /// @notice Starts (or adds to) a thaw of `amount`; the thaw period restarts. A thaw that redemptions outgrew
    /// counts only what is left.
    function requestThaw(address provider, uint256 amount) external;

    /// @notice Stops the thaw; the amount stays in escrow.
    function cancelThaw(address provider) external;

    /// @notice After the thaw, pays the client the thawed amount (what redemptions left of it). Never paused.
    function withdraw(address provider) external returns (uint256 amount);

    /// @notice Lets `signer` sign vouchers for the caller's channels (for example a hot key of an inference
    /// gateway, or the EOA behind a contract client).
    function authorizeSigner(address signer) external;

    /// @notice Revokes `signer` after the thaw period, so vouchers it already signed can still be redeemed. A
    /// second revocation never extends the first, and an expired signer cannot be revoked (revived) again.
    function revokeSigner(address signer) external;

    /// @notice Redeems a voucher: credits the provider's earnings with cumulativeAmount - redeemed, minus the fee.
    /// All-or-nothing: reverts unless the escrow covers the whole difference. Anyone may submit. Never paused.
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 net);

    /// @notice Redeems the vouchers of many clients of one provider in one transaction (one fee, one revenue
    /// record). Anyone may submit. Never paused. A batch settles what it still can: a voucher that others can have
    /// spoiled since it was signed (already redeemed as far, say by a third party who copied it from the pending
    /// batch; no longer covered by the escrow; signed by a revoked key past its validity) is skipped with
    /// `RedeemSkipped` and its channel does not move, each voucher still all-or-nothing. Only a malformed batch
    /// reverts: length mismatch, empty, a voucher of another provider, a malformed signature.
    /// @dev Third parties may redeem a provider's vouchers (keepers can settle for it): the money only ever goes to
    /// the provider's earnings, so the one harm a copy could do, sinking the provider's batch, is what skipping
    /// removes.
    /// @return net What the settled vouchers credited to the provider's earnings (0 if all were skipped; then no
    /// fee, no revenue record and no PaymentReleased).
    function redeemBatch(address provider, Voucher[] calldata vouchers, bytes[] calldata signatures)
        external
        returns (uint256 net);

    /// @notice Pays a provider's earnings to its payout address (a pull payment: one transfer for any number of
    /// redemptions). Anyone may trigger it; the money only goes to the payout address. Never paused.
    function withdrawEarnings(address provider) external returns (uint256 amount);

    /// @notice Sends the collected fees to the FeeRouter. Anyone.
    function sweepFees() external returns (uint256 amount);

    function setThawPeriod(uint40 thawPeriod) external;
    function pause() external;
    function unpause() external;

    function getChannel(address client, address provider) external view returns (Channel memory);
    /// @notice What the escrow still covers once a voucher for `cumulativeAmount` is redeemed, leaving out what the
    /// client is thawing (0 if it does not cover it): a provider stops serving when this nears zero.
    function coverage(address client, address provider, uint256 cumulativeAmount) external view returns (uint256);
    /// @notice Until when `signer` may sign for `client` (0: never authorized; max: no revocation pending).
    function signerValidUntil(address client, address signer) external view returns (uint256);
    /// @notice The EIP-712 digest a voucher's signature covers.
    function voucherDigest(Voucher calldata voucher) external view returns (bytes32);
    function thawPeriod() external view returns (uint40);
    /// @notice Fees collected and not yet swept.
    function collectedFees() external view returns (uint256);
    /// @notice A provider's redeemed earnings not yet withdrawn.
    function earningsOf(address provider) external view returns (uint256);
}
