// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CinderAccessManager} from "../../contracts/governance/CinderAccessManager.sol";
import {IFeeRouter} from "../../contracts/interfaces/IFeeRouter.sol";
import {IJobMarket} from "../../contracts/interfaces/IJobMarket.sol";
import {ILeaseAuction} from "../../contracts/interfaces/ILeaseAuction.sol";
import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {IPaymentChannels} from "../../contracts/interfaces/IPaymentChannels.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";
import {IRevenueRecorder} from "../../contracts/interfaces/IRevenueRecorder.sol";
import {IStakingVault} from "../../contracts/interfaces/IStakingVault.sol";
import {FeeRouter} from "../../contracts/market/FeeRouter.sol";
import {JobMarket} from "../../contracts/market/JobMarket.sol";
import {LeaseAuction} from "../../contracts/market/LeaseAuction.sol";
import {PaymentChannels} from "../../contracts/market/PaymentChannels.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {ProviderRegistry} from "../../contracts/staking/ProviderRegistry.sol";
import {StakingVault} from "../../contracts/staking/StakingVault.sol";
import {CinderToken} from "../../contracts/token/CinderToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice Deploys the real market system wired like `deploy/modules/protocol.ts` (registry -> vault and market,
/// model classes), with this contract as the AccessManager's admin: every restricted function
/// left unmapped defaults to the admin role, so setUp may record attestations directly. Three providers hold
/// attested GPUs of two classes, stake for them and publish offers; three clients hold stablecoin, approvals, and
/// private keys (for vouchers).
/// @notice The revenue recorder for the market's own invariants: it sums what the payment contracts record (the
/// EmissionController, which needs a Uniswap pair, has its own suite in test/emissions*.test.ts).
contract RevenueSink is IRevenueRecorder {
    uint256 public totalGross;
    uint256 public totalFees;

    function recordRevenue(address, uint256 gross, uint256 fee) external {
        totalGross += gross;
        totalFees += fee;
    }
}

abstract contract MarketFixture is Test {
    uint256 internal constant GENESIS = 1e27;
    uint256 internal constant N_PROVIDERS = 3;
    uint256 internal constant N_CLIENTS = 3;
    bytes32 internal constant H100 = keccak256("H100-80GB");
    bytes32 internal constant A100 = keccak256("A100-80GB");
    uint96 internal constant H100_STAKE = 200e18;
    uint96 internal constant A100_STAKE = 120e18;
    uint16 internal constant FEE_BPS = 100;
    uint40 internal constant THAW = 2 days;
    /// @dev Faucet per client (10 million USD, the faucet's cap) and per provider.
    uint256 internal constant CLIENT_FUNDS = 10_000_000e6;
    uint256 internal constant PROVIDER_FUNDS = 1_000_000e6;

    CinderAccessManager internal manager;
    CinderToken internal token;
    ProviderRegistry internal registry;
    StakingVault internal vault;
    RevenueSink internal ledger;
    TestStablecoin internal usd;
    FeeRouter internal feeRouter;
    JobMarket internal market;
    LeaseAuction internal auction;
    PaymentChannels internal channels;

    address[N_PROVIDERS] internal providers;
    address[N_PROVIDERS] internal payouts;
    address[N_CLIENTS] internal clients;
    uint256[N_CLIENTS] internal clientKeys;
    /// @dev A hot key client 0 authorized to sign its vouchers.
    address internal hotSigner;
    uint256 internal hotSignerKey;

    /// @notice The OracleHub's windows, as this fixture (which stands in for the hub) reports them to the registry:
    /// the vault's unbonding period must outlast a fault report's late window.
    function LATE_WINDOW_EPOCHS() external pure returns (uint256) {
        return 24;
    }

    /// @notice The hub's epoch length (see LATE_WINDOW_EPOCHS).
    function EPOCH_LENGTH() external pure returns (uint256) {
        return 1 hours;
    }

    function _deployMarketSystem() internal {
        manager = new CinderAccessManager(address(this), 120 days);
        token = new CinderToken(address(manager), address(this), GENESIS, 10 * GENESIS, 1 days, 1e24);
        registry = new ProviderRegistry(address(manager), 7 days);
        vault = new StakingVault(
            address(manager),
            IERC20(address(token)),
            IProviderRegistry(address(registry)),
            StakingVault.InitParams({
                unbondingPeriod: 14 days,
                exposureTail: 7 days,
                delegationCapMultiple: 5,
                minDelegation: 1e18
            })
        );
        ledger = new RevenueSink();
        usd = new TestStablecoin();
        feeRouter = new FeeRouter(
            address(manager),
            IFeeRouter.FeeConfig({
                feeBps: FEE_BPS,
                buybackShareBps: 5_000,
                buyback: makeAddr("buyback"),
                treasury: makeAddr("treasury")
            }),
            60
        );
        market = new JobMarket(
            address(manager),
            JobMarket.Wiring({
                asset: IERC20(address(usd)),
                registry: IProviderRegistry(address(registry)),
                vault: IStakingVault(address(vault)),
                feeRouter: IFeeRouter(address(feeRouter)),
                revenue: IRevenueRecorder(address(ledger)),
                // No SlaBondManager is wired here, so no lease carries an SLA and the hub is never read.
                oracleHub: IOracleHub(makeAddr("oracleHub"))
            }),
            IJobMarket.Params({
                minLeaseDuration: 3_600,
                cancelNotice: 3_600,
                challengeWindow: 86_400,
                minBidWindow: 300,
                maxBidWindow: 7 days,
                minBidStepBps: 100,
                minLeaseValue: 1_000_000
            })
        );
        auction = new LeaseAuction(IJobMarket(address(market)));
        channels = new PaymentChannels(
            address(manager),
            IERC20(address(usd)),
            IProviderRegistry(address(registry)),
            IFeeRouter(address(feeRouter)),
            IRevenueRecorder(address(ledger)),
            THAW
        );
        // One-time wiring, as the deployment does it while the deployer is admin.
        registry.setStakingVault(address(vault));
        registry.setJobMarket(address(market));
        market.setLeaseAuction(address(auction));
        // This fixture stands in for the OracleHub: the one wired writer of GPU attestations.
        registry.setOracleHub(address(this));
        registry.setModelClass(H100, H100_STAKE, true);
        registry.setModelClass(A100, A100_STAKE, true);

        for (uint256 i = 0; i < N_PROVIDERS; ++i) _setUpProvider(i);
        for (uint256 j = 0; j < N_CLIENTS; ++j) _setUpClient(j);
        (hotSigner, hotSignerKey) = makeAddrAndKey("client-0-hot-signer");
        vm.prank(clients[0]);
        channels.authorizeSigner(hotSigner);
    }

    /// @dev Provider i: H100 x (6 - i), A100 x (3 + i), staked for all of them, offers on both classes. Provider 2
    /// pays out to its own operator address (so its earnings land in its own credited balance).
    function _setUpProvider(uint256 i) private {
        address p = makeAddr(string.concat("provider-", vm.toString(i)));
        address payout = i == 2 ? p : makeAddr(string.concat("payout-", vm.toString(i)));
        providers[i] = p;
        payouts[i] = payout;
        vm.prank(p);
        registry.register("ipfs://provider", payout);
        _attest(p, H100, 6 - i, i * 100);
        _attest(p, A100, 3 + i, i * 100 + 50);
        token.transfer(p, 1e22);
        vm.startPrank(p);
        token.approve(address(vault), type(uint256).max);
        vault.stake(1e22);
        registry.setOffer(H100, uint128(2e6 + i * 250_000));
        registry.setOffer(A100, uint128(1e6 + i * 100_000));
        usd.approve(address(market), type(uint256).max);
        vm.stopPrank();
        usd.faucet(p, PROVIDER_FUNDS);
    }

    function _attest(address p, bytes32 modelClass, uint256 count, uint256 salt) private {
        for (uint256 k = 0; k < count; ++k) {
            registry.recordAttestation(
                IProviderRegistry.GpuAttestation({
                    provider: p,
                    gpuId: keccak256(abi.encode("gpu", salt + k)),
                    modelClass: modelClass,
                    memoryMiB: 81_920,
                    tier: 1,
                    evidenceHash: keccak256(abi.encode("evidence", salt + k)),
                    issuedAt: uint40(block.timestamp),
                    expiresAt: uint40(block.timestamp + 30 days)
                })
            );
        }
    }

    function _setUpClient(uint256 j) private {
        (address c, uint256 key) = makeAddrAndKey(string.concat("client-", vm.toString(j)));
        clients[j] = c;
        clientKeys[j] = key;
        usd.faucet(c, CLIENT_FUNDS);
        vm.startPrank(c);
        usd.approve(address(market), type(uint256).max);
        usd.approve(address(auction), type(uint256).max);
        usd.approve(address(channels), type(uint256).max);
        vm.stopPrank();
    }

    /// @dev A voucher for `cumulative` signed with `key`, as (voucher, 65-byte signature).
    function _signVoucher(uint256 key, address client, address provider, uint256 cumulative)
        internal
        view
        returns (IPaymentChannels.Voucher memory v, bytes memory sig)
    {
        v = IPaymentChannels.Voucher({client: client, provider: provider, cumulativeAmount: uint128(cumulative)});
        (uint8 v8, bytes32 r, bytes32 s) = vm.sign(key, channels.voucherDigest(v));
        sig = abi.encodePacked(r, s, v8);
    }
}

/// @notice Drives random sequences of real market and channel actions over 3 providers, 2 model classes and 3
/// clients. Every action bounds its inputs and picks an existing lease, order or channel whose preconditions
/// hold (rotating from the fuzzed seed), warping time only where the action needs it (a lease's end, a bid
/// deadline, a thaw). A call whose preconditions held but which reverted is recorded, not swallowed: the suite
/// fails on it (DESIGN invariant 8). Ghost variables measure every movement from the counterparty's side (wallet
/// and credited-balance deltas, fee deltas), never from the contracts' own return values.
contract MarketHandler is Test {
    uint256 internal constant NP = 3;
    uint256 internal constant NC = 3;
    uint256 internal constant MAX_DURATION = 3 days;
    uint256 internal constant MAX_CHANNEL_DEPOSIT = 5_000e6;

    JobMarket public immutable market;
    /// @dev The market's wired auction: open orders' escrow is held there until finalize moves it into the market.
    LeaseAuction public immutable auction;
    PaymentChannels public immutable channels;
    TestStablecoin public immutable usd;
    ProviderRegistry public immutable registry;
    address public immutable feeRouter;

    address[NP] internal _providers;
    address[NP] internal _payouts;
    address[NC] internal _clients;
    uint256[NC] internal _clientKeys;
    address internal immutable _hotSigner;
    uint256 internal immutable _hotSignerKey;
    bytes32[2] internal _classes;
    /// @dev Every account the market may credit (clients, operators, payouts), without duplicates.
    address[] internal _accounts;

    // --- per-lease and per-order ghosts ---
    struct LeaseGhost {
        uint256 funded; // value at award + top-ups, measured from the client's side
        uint256 released; // gross paid to the provider: net received + fee collected
        uint256 refunded; // credited to the client
        bool closedSeen;
        uint256 releasedAtClose;
    }

    mapping(uint256 leaseId => LeaseGhost) internal _leaseGhost;
    mapping(uint256 orderId => uint256) public orderEscrow;
    mapping(address client => mapping(address provider => uint256)) public ghostRedeemed;

    // --- token flows across each contract's boundary ---
    uint256 public marketIn;
    uint256 public marketOut;
    uint256 public channelsIn;
    uint256 public channelsOut;

    // --- campaign bookkeeping ---
    uint256 public calls;
    uint256 public effectiveCalls;
    uint256 public leasesCreated;
    uint256 public leasesClosed;
    uint256 public redemptions;
    uint256 public awards;
    uint256 public failedOrders;
    uint256 public disputes;
    uint256 public resolutions;

    // --- violations seen inside actions ---
    uint256 public unexpectedReverts;
    string public lastRevertAction;
    bytes public lastRevertData;
    uint256 public mismatches;
    string public lastMismatch;
    uint256 public onceOnlyViolations;
    string public lastOnceOnlyViolation;
    /// @dev A batch lease with no result by its end whose provider could still submit one (and be paid).
    uint256 public lateResultsAccepted;
    uint256 public lateProbes;
    uint256 public lastLateResultLease;

    constructor(
        JobMarket market_,
        PaymentChannels channels_,
        TestStablecoin usd_,
        ProviderRegistry registry_,
        address[NP] memory providers_,
        address[NP] memory payouts_,
        address[NC] memory clients_,
        uint256[NC] memory clientKeys_,
        address hotSigner_,
        uint256 hotSignerKey_
    ) {
        market = market_;
        auction = LeaseAuction(market_.leaseAuction());
        channels = channels_;
        usd = usd_;
        registry = registry_;
        feeRouter = address(market_.FEE_ROUTER());
        _providers = providers_;
        _payouts = payouts_;
        _clients = clients_;
        _clientKeys = clientKeys_;
        _hotSigner = hotSigner_;
        _hotSignerKey = hotSignerKey_;
        _classes[0] = keccak256("H100-80GB");
        _classes[1] = keccak256("A100-80GB");
        for (uint256 j = 0; j < NC; ++j) _accounts.push(clients_[j]);
        for (uint256 i = 0; i < NP; ++i) {
            _accounts.push(providers_[i]);
            if (payouts_[i] != providers_[i]) _accounts.push(payouts_[i]);
        }
    }

    /// @notice Opens positions so that every action has something to act on from the first call. Not a target.
    function seed() external {
        for (uint256 j = 0; j < NC; ++j) {
            _createLease(_clients[j], _providers[j], _classes[j % 2], 1, 2 hours, IJobMarket.JobKind.Lease);
            _createLease(_clients[j], _providers[(j + 1) % NP], _classes[0], 1, 3 hours, IJobMarket.JobKind.Batch);
            _postOrder(_clients[j], _classes[(j + 1) % 2], 1, 4 hours, 3e6, 1 hours, IJobMarket.JobKind(j % 2));
            for (uint256 i = 0; i < NP; ++i) _deposit(_clients[j], _providers[i], 100e6);
        }
        calls = 0;
        effectiveCalls = 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // JobMarket actions
    // ------------------------------------------------------------------------------------------------------------

    function createDirectLease(
        uint256 clientSeed,
        uint256 providerSeed,
        uint256 classSeed,
        uint256 gpus,
        uint256 duration,
        bool batch
    ) external {
        ++calls;
        for (uint256 k = 0; k < NP * 2; ++k) {
            address p = _providers[(providerSeed + k / 2) % NP];
            bytes32 mc = _classes[(classSeed + k) % 2];
            uint256 free = registry.freeCapacity(p, mc);
            if (free == 0) continue;
            _createLease(
                _clients[clientSeed % NC],
                p,
                mc,
                bound(gpus, 1, Math.min(free, 4)),
                bound(duration, 1 hours, MAX_DURATION),
                batch ? IJobMarket.JobKind.Batch : IJobMarket.JobKind.Lease
            );
            return;
        }
        // Every GPU is committed: free some by closing an ended lease instead.
        _closeSomething(providerSeed);
    }

    function postOrder(
        uint256 clientSeed,
        uint256 classSeed,
        uint256 gpus,
        uint256 duration,
        uint256 maxPrice,
        uint256 window,
        bool batch
    ) external {
        ++calls;
        _postOrder(
            _clients[clientSeed % NC],
            _classes[classSeed % 2],
            bound(gpus, 1, 4),
            bound(duration, 1 hours, MAX_DURATION),
            bound(maxPrice, 1e6, 6e6),
            bound(window, 5 minutes, 1 days),
            batch ? IJobMarket.JobKind.Batch : IJobMarket.JobKind.Lease
        );
    }

    /// @notice A provider with free GPUs bids on an open order, beating the best bid by the step; with no order
    /// open for bids, one is posted first.
    function bid(uint256 orderSeed, uint256 providerSeed, uint256 price) external {
        ++calls;
        if (!_bidSomewhere(orderSeed, providerSeed, price)) {
            _openOrder(orderSeed);
            _bidSomewhere(orderSeed, providerSeed, price);
        }
    }

    /// @param byClient The client finalizes early (accepting the best bid) when the order has one.
    function finalizeAuction(uint256 orderSeed, uint256 providerSeed, bool byClient) external {
        ++calls;
        uint256 id = _pickOrder(orderSeed, false);
        if (id == 0) {
            id = _openOrder(orderSeed);
            if (id == 0) return;
            _bidSomewhere(id - 1, providerSeed, orderSeed);
        }
        ILeaseAuction.Order memory o = auction.getOrder(id);
        // Mostly award: an order without a bid gets one first, while bids are open (else it expires).
        if (o.bestBidder == address(0) && block.timestamp < o.bidDeadline && providerSeed % 4 != 0) {
            _bidSomewhere(id - 1, providerSeed, orderSeed);
            o = auction.getOrder(id);
        }
        // Sometimes another client takes the best bidder's free GPUs first: the bidder is then ineligible and the
        // order fails, or its runner-up (if any) wins.
        if (o.bestBidder != address(0) && providerSeed % 3 == 1) {
            uint256 free = registry.freeCapacity(o.bestBidder, o.modelClass);
            if (free >= o.gpuCount) {
                _createLease(
                    _clients[(orderSeed + 1) % NC], o.bestBidder, o.modelClass, free - o.gpuCount + 1, 2 hours,
                    IJobMarket.JobKind.Lease
                );
            }
        }
        bool early = byClient && o.bestBidder != address(0) && block.timestamp < o.bidDeadline;
        if (!early && block.timestamp < o.bidDeadline) vm.warp(o.bidDeadline);
        _finalize(id, early ? o.client : address(this));
    }

    /// @notice The client cancels an order that has no bid yet (posting one first if none is open).
    function cancelOrder(uint256 orderSeed) external {
        ++calls;
        uint256 id = _pickOrder(orderSeed, true);
        if (id == 0) id = _openOrder(orderSeed);
        if (id == 0) return;
        address client = auction.getOrder(id).client;
        uint256 before = usd.balanceOf(client);
        vm.prank(client);
        try auction.cancelOrder(id) {
            uint256 got = usd.balanceOf(client) - before;
            marketOut += got;
            if (got != orderEscrow[id]) _mismatch("cancelOrder refunded other than the escrow");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("cancelOrder", reason);
        }
    }

    /// @notice The provider withdraws what has streamed (an hour passes first if nothing has).
    function withdrawAccrued(uint256 leaseSeed) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Withdrawable);
        if (id == 0) {
            vm.warp(block.timestamp + 1 hours);
            id = _pickLease(leaseSeed, Pred.Withdrawable);
            if (id == 0) return;
        }
        IJobMarket.Lease memory l = market.getLease(id);
        address payout = registry.payoutOf(l.provider);
        uint256 expected = market.withdrawable(id);
        uint256 before = usd.balanceOf(payout);
        uint256 feesBefore = market.collectedFees();
        vm.prank(l.provider);
        try market.withdrawAccrued(id) {
            uint256 net = usd.balanceOf(payout) - before;
            uint256 gross = net + market.collectedFees() - feesBefore;
            marketOut += net;
            _leaseGhost[id].released += gross;
            if (gross != expected) _mismatch("withdrawAccrued released other than withdrawable");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("withdrawAccrued", reason);
        }
    }

    function extend(uint256 leaseSeed, uint256 extra) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Extendable);
        if (id == 0) id = _openLease(leaseSeed, IJobMarket.JobKind.Lease);
        if (id == 0) return;
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 valueBefore = market.leaseValue(id);
        uint256 before = usd.balanceOf(l.client);
        vm.prank(l.client);
        try market.extend(id, uint40(bound(extra, 1 minutes, 1 days))) {
            uint256 paid = before - usd.balanceOf(l.client);
            marketIn += paid;
            _leaseGhost[id].funded += paid;
            if (market.leaseValue(id) - valueBefore != paid) _mismatch("extend charged other than the value added");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("extend", reason);
        }
    }

    function cancel(uint256 leaseSeed) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Cancellable);
        if (id == 0) id = _openLease(leaseSeed, IJobMarket.JobKind(leaseSeed % 2));
        if (id == 0) return;
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 before = market.balanceOf(l.client);
        vm.prank(l.client);
        try market.cancel(id) {
            _leaseGhost[id].refunded += market.balanceOf(l.client) - before;
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("cancel", reason);
        }
    }

    function quit(uint256 leaseSeed) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Running);
        if (id == 0) id = _openLease(leaseSeed, IJobMarket.JobKind(leaseSeed % 2));
        if (id == 0) return;
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 before = market.balanceOf(l.client);
        vm.prank(l.provider);
        try market.quit(id) {
            _leaseGhost[id].refunded += market.balanceOf(l.client) - before;
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("quit", reason);
        }
    }

    function close(uint256 leaseSeed) external {
        ++calls;
        _closeSomething(leaseSeed);
    }

    /// @notice The provider of a running batch lease submits its result (a batch lease is opened first if none
    /// runs). Then probes the rule that a batch lease with no result by its end pays its provider nothing.
    function submitResult(uint256 leaseSeed, bytes32 resultHash) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Submittable);
        if (id == 0) id = _openLease(leaseSeed, IJobMarket.JobKind.Batch);
        if (id != 0) _submit(id, resultHash);
        _probeLateResult(leaseSeed);
    }

    /// @notice The client disputes a result within its window (a result is submitted first if none is open).
    function dispute(uint256 leaseSeed) external {
        ++calls;
        _disputeSomething(leaseSeed);
    }

    /// @notice The dispute resolver (this handler holds the role) splits a disputed lease's escrow.
    function resolveDispute(uint256 leaseSeed, uint256 toProvider) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Disputed);
        if (id == 0) id = _disputeSomething(leaseSeed);
        if (id == 0) return;
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 held = market.leaseValue(id) - l.released;
        toProvider = bound(toProvider, 0, held);
        (uint256 payoutBefore, uint256 clientBefore, uint256 feesBefore) = _settleSnapshot(l);
        try market.resolveDispute(id, toProvider) {
            _recordSettlement(id, l, payoutBefore, clientBefore, feesBefore);
            if (_leaseGhost[id].released != l.released + toProvider) _mismatch("resolveDispute paid other than asked");
            ++resolutions;
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("resolveDispute", reason);
        }
    }

    function withdrawBalance(uint256 accountSeed) external {
        ++calls;
        uint256 n = _accounts.length;
        for (uint256 k = 0; k < n; ++k) {
            address a = _accounts[(accountSeed + k) % n];
            uint256 owed = market.balanceOf(a);
            if (owed == 0) continue;
            uint256 before = usd.balanceOf(a);
            vm.prank(a);
            try market.withdrawBalance() {
                uint256 got = usd.balanceOf(a) - before;
                marketOut += got;
                if (got != owed || market.balanceOf(a) != 0) _mismatch("withdrawBalance paid other than the balance");
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("withdrawBalance", reason);
            }
            return;
        }
    }

    /// @param fromChannels Sweeps the channels' fees instead of the market's.
    function sweepFees(bool fromChannels) external {
        ++calls;
        uint256 before = usd.balanceOf(feeRouter);
        uint256 owed = fromChannels ? channels.collectedFees() : market.collectedFees();
        if (fromChannels) {
            try channels.sweepFees() {
                channelsOut += usd.balanceOf(feeRouter) - before;
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("channels.sweepFees", reason);
            }
        } else {
            try market.sweepFees() {
                marketOut += usd.balanceOf(feeRouter) - before;
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("market.sweepFees", reason);
            }
        }
        if (usd.balanceOf(feeRouter) - before != owed) _mismatch("sweepFees moved other than the collected fees");
    }

    /// @notice Tries to make a closed lease pay again, by every path (closing one first if none is); each must
    /// revert.
    function replayClosed(uint256 leaseSeed) external {
        ++calls;
        uint256 id = _pickLease(leaseSeed, Pred.Closed);
        if (id == 0) {
            _closeSomething(leaseSeed);
            id = _pickLease(leaseSeed, Pred.Closed);
            if (id == 0) return;
        }
        IJobMarket.Lease memory l = market.getLease(id);
        try market.close(id) {
            _onceOnly("close paid a closed lease again");
        } catch {}
        vm.prank(l.provider);
        try market.withdrawAccrued(id) {
            _onceOnly("withdrawAccrued paid a closed lease");
        } catch {}
        try market.resolveDispute(id, 0) {
            _onceOnly("resolveDispute settled a closed lease");
        } catch {}
        vm.prank(l.provider);
        try market.quit(id) {
            _onceOnly("quit moved a closed lease");
        } catch {}
        vm.prank(l.client);
        try market.cancel(id) {
            _onceOnly("cancel refunded a closed lease");
        } catch {}
        vm.prank(l.client);
        try market.extend(id, 1 hours) {
            _onceOnly("extend funded a closed lease");
        } catch {}
        ++effectiveCalls;
    }

    // ------------------------------------------------------------------------------------------------------------
    // PaymentChannels actions
    // ------------------------------------------------------------------------------------------------------------

    function deposit(uint256 clientSeed, uint256 providerSeed, uint256 amount) external {
        ++calls;
        _deposit(_clients[clientSeed % NC], _providers[providerSeed % NP], bound(amount, 1, MAX_CHANNEL_DEPOSIT));
    }

    function requestThaw(uint256 pairSeed, uint256 amount) external {
        ++calls;
        _thawSomething(pairSeed, amount);
    }

    function cancelThaw(uint256 pairSeed, uint256 amount) external {
        ++calls;
        (address c, address p) = _pickPair(pairSeed, PairPred.Thawing);
        if (c == address(0)) (c, p) = _thawSomething(pairSeed, amount);
        if (c == address(0)) return;
        vm.prank(c);
        try channels.cancelThaw(p) {
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("cancelThaw", reason);
        }
    }

    /// @notice Withdraws a thawed amount, warping to the thaw's end first (requesting a thaw if none is on).
    function withdraw(uint256 pairSeed, uint256 amount) external {
        ++calls;
        (address c, address p) = _pickPair(pairSeed, PairPred.Thawing);
        if (c == address(0)) (c, p) = _thawSomething(pairSeed, amount);
        if (c == address(0)) return;
        IPaymentChannels.Channel memory ch = channels.getChannel(c, p);
        if (block.timestamp < ch.thawEndsAt) vm.warp(ch.thawEndsAt);
        uint256 expected = Math.min(ch.thawing, ch.balance);
        uint256 before = usd.balanceOf(c);
        vm.prank(c);
        try channels.withdraw(p) {
            uint256 got = usd.balanceOf(c) - before;
            channelsOut += got;
            if (got != expected) _mismatch("channel withdraw paid other than min(thawing, balance)");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("withdraw", reason);
        }
    }

    /// @notice Redeems a fresh voucher for a random increment within the escrow (signed by the client, or by its
    /// authorized hot key), then replays it and an older one: both must revert.
    function redeem(uint256 pairSeed, uint256 increment, bool useHotKey) external {
        ++calls;
        _redeemSomething(pairSeed, increment, useHotKey);
    }

    /// @notice Redeems one provider's channels with every client that has escrow, in one batch.
    function redeemBatch(uint256 providerSeed, uint256 increment) external {
        ++calls;
        for (uint256 q = 0; q < NP; ++q) {
            address p = _providers[(providerSeed + q) % NP];
            (IPaymentChannels.Voucher[] memory vs, bytes[] memory sigs, uint256 total) = _batchFor(p, increment);
            if (vs.length == 0) continue;
            uint256 earningsBefore = channels.earningsOf(p);
            uint256 feesBefore = channels.collectedFees();
            uint256[NC] memory redeemedBefore;
            for (uint256 j = 0; j < NC; ++j) redeemedBefore[j] = channels.getChannel(_clients[j], p).redeemed;
            try channels.redeemBatch(p, vs, sigs) {
                uint256 gross = channels.earningsOf(p) - earningsBefore + channels.collectedFees() - feesBefore;
                if (gross != total) _mismatch("redeemBatch paid other than the sum of increments");
                for (uint256 j = 0; j < NC; ++j) {
                    ghostRedeemed[_clients[j]][p] += channels.getChannel(_clients[j], p).redeemed - redeemedBefore[j];
                }
                ++redemptions;
                ++effectiveCalls;
            } catch (bytes memory reason) {
                _unexpected("redeemBatch", reason);
                return;
            }
            // A replayed batch skips every voucher (already redeemed): it pays nothing and moves no channel.
            uint256 earningsAfter = channels.earningsOf(p);
            uint256 feesAfter = channels.collectedFees();
            try channels.redeemBatch(p, vs, sigs) returns (uint256 net) {
                if (net != 0 || channels.earningsOf(p) != earningsAfter || channels.collectedFees() != feesAfter) {
                    _onceOnly("a voucher batch was redeemed twice");
                }
            } catch {}
            return;
        }
        // No escrow anywhere: fund a channel instead.
        _deposit(_clients[increment % NC], _providers[providerSeed % NP], bound(increment, 1, MAX_CHANNEL_DEPOSIT));
    }

    /// @notice Pays a provider's earnings to its payout address (redeeming a voucher first if nobody has any).
    function withdrawEarnings(uint256 providerSeed, uint256 increment) external {
        ++calls;
        uint256 i = _pickEarner(providerSeed);
        if (i == NP) {
            _redeemSomething(providerSeed, increment, false);
            i = _pickEarner(providerSeed);
            if (i == NP) return;
        }
        uint256 owed = channels.earningsOf(_providers[i]);
        uint256 before = usd.balanceOf(_payouts[i]);
        // Anyone may trigger it; the money only goes to the payout address.
        try channels.withdrawEarnings(_providers[i]) {
            uint256 got = usd.balanceOf(_payouts[i]) - before;
            channelsOut += got;
            if (got != owed) _mismatch("withdrawEarnings paid other than the earnings");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("withdrawEarnings", reason);
        }
    }

    /// @notice Lets time pass (not counted as an action).
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views for the invariants
    // ------------------------------------------------------------------------------------------------------------

    function leaseGhost(uint256 id) external view returns (LeaseGhost memory) {
        return _leaseGhost[id];
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function providerList() external view returns (address[NP] memory) {
        return _providers;
    }

    function clientList() external view returns (address[NC] memory) {
        return _clients;
    }

    function classList() external view returns (bytes32[2] memory) {
        return _classes;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal: actions
    // ------------------------------------------------------------------------------------------------------------

    function _createLease(
        address client,
        address provider,
        bytes32 mc,
        uint256 gpus,
        uint256 duration,
        IJobMarket.JobKind kind
    ) private returns (uint256 leaseId) {
        uint40 maxPrice = uint40(registry.getOffer(provider, mc).pricePerGpuHour);
        uint256 before = usd.balanceOf(client);
        vm.prank(client);
        try market.createDirectLease(provider, mc, uint16(gpus), uint40(duration), maxPrice, kind) returns (
            uint256 id
        ) {
            uint256 paid = before - usd.balanceOf(client);
            marketIn += paid;
            _leaseGhost[id].funded = paid;
            ++leasesCreated;
            if (paid != market.leaseValue(id)) _mismatch("createDirectLease charged other than the lease value");
            ++effectiveCalls;
            leaseId = id;
        } catch (bytes memory reason) {
            _unexpected("createDirectLease", reason);
        }
    }

    function _postOrder(
        address client,
        bytes32 mc,
        uint256 gpus,
        uint256 duration,
        uint256 maxPrice,
        uint256 window,
        IJobMarket.JobKind kind
    ) private returns (uint256 orderId) {
        uint256 before = usd.balanceOf(client);
        vm.prank(client);
        try auction.postOrder(mc, uint16(gpus), uint40(duration), uint40(maxPrice), uint40(window), kind) returns (
            uint256 id
        ) {
            uint256 paid = before - usd.balanceOf(client);
            marketIn += paid;
            orderEscrow[id] = paid;
            ++effectiveCalls;
            orderId = id;
        } catch (bytes memory reason) {
            _unexpected("postOrder", reason);
        }
    }

    /// @dev Opens a lease of `kind` (1 GPU, 2 to 26 hours) with the first provider and class that has a free GPU,
    /// closing an ended lease first if none has; returns its id, or 0.
    function _openLease(uint256 seed_, IJobMarket.JobKind kind) private returns (uint256) {
        for (uint256 attempt = 0; attempt < 2; ++attempt) {
            for (uint256 k = 0; k < NP * 2; ++k) {
                address p = _providers[(seed_ + k / 2) % NP];
                bytes32 mc = _classes[(seed_ / 7 + k) % 2];
                if (registry.freeCapacity(p, mc) == 0) continue;
                return _createLease(_clients[(seed_ / 3) % NC], p, mc, 1, 2 hours + (seed_ % 1 days), kind);
            }
            _closeSomething(seed_);
        }
        return 0;
    }

    /// @dev Posts an order with terms derived from `seed_`; returns its id, or 0.
    function _openOrder(uint256 seed_) private returns (uint256) {
        return _postOrder(
            _clients[seed_ % NC],
            _classes[(seed_ / 3) % 2],
            1 + (seed_ / 5) % 3,
            1 hours + (seed_ / 11) % 2 days,
            2e6 + (seed_ / 13) % 4e6,
            5 minutes + (seed_ / 17) % 1 days,
            IJobMarket.JobKind((seed_ / 19) % 2)
        );
    }

    /// @dev An open order from `seed_` (rotating): with no bid yet if `unbid`, else any; 0 if none.
    function _pickOrder(uint256 seed_, bool unbid) private view returns (uint256) {
        uint256 n = auction.orderCount();
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (seed_ + k) % n + 1;
            ILeaseAuction.Order memory o = auction.getOrder(id);
            if (o.status != ILeaseAuction.OrderStatus.Open) continue;
            if (unbid && o.bestBidder != address(0)) continue;
            return id;
        }
        return 0;
    }

    /// @dev Places a valid bid (beating the best by the step, value above the minimum) on the first order open for
    /// bids, by the first provider with enough free GPUs; false if there was none.
    function _bidSomewhere(uint256 orderSeed, uint256 providerSeed, uint256 price) private returns (bool) {
        uint256 n = auction.orderCount();
        IJobMarket.Params memory params = market.params();
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (orderSeed + k) % n + 1;
            ILeaseAuction.Order memory o = auction.getOrder(id);
            if (o.status != ILeaseAuction.OrderStatus.Open || block.timestamp >= o.bidDeadline) continue;
            uint256 maxAllowed = o.maxPricePerGpuHour;
            if (o.bestBidder != address(0)) {
                uint256 best = o.bestPrice;
                maxAllowed = best - Math.max(1, (best * params.minBidStepBps) / 10_000);
            }
            // The lowest price whose lease value still reaches the minimum.
            uint256 minPrice = Math.ceilDiv(uint256(params.minLeaseValue) * 3_600, uint256(o.gpuCount) * o.duration);
            if (maxAllowed < minPrice) continue;
            for (uint256 q = 0; q < NP; ++q) {
                address p = _providers[(providerSeed + q) % NP];
                if (registry.freeCapacity(p, o.modelClass) < o.gpuCount) continue;
                _bid(id, p, bound(price, minPrice, maxAllowed));
                return true;
            }
        }
        return false;
    }

    /// @dev Disputes a result in its window, submitting one first (on a fresh batch lease if need be); returns the
    /// disputed lease, or 0.
    function _disputeSomething(uint256 leaseSeed) private returns (uint256 id) {
        id = _pickLease(leaseSeed, Pred.Disputable);
        if (id == 0) {
            id = _pickLease(leaseSeed, Pred.Submittable);
            if (id == 0) id = _openLease(leaseSeed, IJobMarket.JobKind.Batch);
            if (id == 0 || !_submit(id, keccak256(abi.encode(leaseSeed)))) return 0;
        }
        // The handler is the wired DisputeManager (which disputes for the client).
        try market.dispute(id, market.getLease(id).client) {
            ++disputes;
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("dispute", reason);
            id = 0;
        }
    }

    /// @dev Requests a thaw of part of a channel's unthawed escrow (funding a channel first if none has any);
    /// returns the pair, or zeros.
    function _thawSomething(uint256 pairSeed, uint256 amount) private returns (address c, address p) {
        (c, p) = _pickPair(pairSeed, PairPred.Unthawed);
        if (c == address(0)) {
            (c, p) = _pair(pairSeed);
            _deposit(c, p, bound(amount, 1, MAX_CHANNEL_DEPOSIT));
        }
        IPaymentChannels.Channel memory ch = channels.getChannel(c, p);
        if (ch.thawing >= ch.balance) return (address(0), address(0));
        vm.prank(c);
        try channels.requestThaw(p, bound(amount, 1, ch.balance - ch.thawing)) {
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("requestThaw", reason);
            return (address(0), address(0));
        }
    }

    /// @dev Redeems a fresh voucher on the first channel with escrow (funding one first if none has any), then
    /// replays it and an older one; both replays must revert.
    function _redeemSomething(uint256 pairSeed, uint256 increment, bool useHotKey) private {
        (address c, address p) = _pickPair(pairSeed, PairPred.Funded);
        if (c == address(0)) {
            (c, p) = _pair(pairSeed);
            _deposit(c, p, bound(increment, 1, MAX_CHANNEL_DEPOSIT));
        }
        IPaymentChannels.Channel memory ch = channels.getChannel(c, p);
        if (ch.balance == 0) return;
        uint256 cumulative = uint256(ch.redeemed) + bound(increment, 1, ch.balance);
        uint256 key = useHotKey && c == _clients[0] ? _hotSignerKey : _keyOf(c);
        (IPaymentChannels.Voucher memory v, bytes memory sig) = _signVoucherWith(key, c, p, cumulative);
        uint256 earningsBefore = channels.earningsOf(p);
        uint256 feesBefore = channels.collectedFees();
        vm.prank(p);
        try channels.redeem(v, sig) {
            uint256 gross = channels.earningsOf(p) - earningsBefore + channels.collectedFees() - feesBefore;
            ghostRedeemed[c][p] += gross;
            ++redemptions;
            if (gross != cumulative - ch.redeemed) _mismatch("redeem paid other than the voucher's increment");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("redeem", reason);
            return;
        }
        try channels.redeem(v, sig) {
            _onceOnly("a voucher was redeemed twice");
        } catch {}
        if (ch.redeemed > 0) {
            (v, sig) = _signVoucherWith(key, c, p, ch.redeemed);
            try channels.redeem(v, sig) {
                _onceOnly("an older voucher was redeemed");
            } catch {}
        }
    }

    function _bid(uint256 id, address p, uint256 price) private {
        uint256 before = usd.balanceOf(p);
        vm.prank(p);
        try auction.bid(id, uint40(price)) {
            marketIn += before - usd.balanceOf(p);
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("bid", reason);
        }
    }

    function _finalize(uint256 id, address caller) private {
        ILeaseAuction.Order memory o = auction.getOrder(id);
        uint256 clientBefore = market.balanceOf(o.client);
        uint256 bidderBefore = o.bestBidder == address(0) ? 0 : market.balanceOf(o.bestBidder);
        vm.prank(caller);
        try auction.finalizeAuction(id) returns (uint256 leaseId) {
            uint256 refund = market.balanceOf(o.client) - clientBefore;
            ILeaseAuction.OrderStatus outcome = auction.getOrder(id).status;
            if (outcome == ILeaseAuction.OrderStatus.Awarded) {
                ++awards;
                _leaseGhost[leaseId].funded = orderEscrow[id] - refund;
                ++leasesCreated;
                if (orderEscrow[id] - refund != market.leaseValue(leaseId)) _mismatch("award kept other than the value");
                // No SlaBondManager is wired here, so bids lock no bond and the bidder's market balance is untouched.
                if (market.balanceOf(o.bestBidder) != bidderBefore) _mismatch("award credited the bidder");
            } else if (outcome == ILeaseAuction.OrderStatus.Failed) {
                ++failedOrders;
                if (refund != orderEscrow[id]) _mismatch("failed order refunded other than all");
            } else if (refund != orderEscrow[id]) {
                _mismatch("expired order refunded other than the escrow");
            }
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("finalizeAuction", reason);
        }
    }

    /// @dev Closes a closable lease; if none is, warps to the earliest time one becomes closable and closes it.
    function _closeSomething(uint256 leaseSeed) private {
        uint256 id = _pickLease(leaseSeed, Pred.Closable);
        if (id == 0) {
            uint256 soonest = type(uint256).max;
            uint256 n = market.leaseCount();
            for (uint256 k = 1; k <= n; ++k) {
                uint256 t = _closableAt(k);
                if (t < soonest) (soonest, id) = (t, k);
            }
            if (id == 0) return;
            vm.warp(soonest);
        }
        IJobMarket.Lease memory l = market.getLease(id);
        (uint256 payoutBefore, uint256 clientBefore, uint256 feesBefore) = _settleSnapshot(l);
        try market.close(id) {
            _recordSettlement(id, l, payoutBefore, clientBefore, feesBefore);
            LeaseGhost storage g = _leaseGhost[id];
            if (g.released + g.refunded != g.funded) _mismatch("close left escrow behind");
            if (
                l.kind == IJobMarket.JobKind.Batch && market.getResult(id).challengeEndsAt == 0
                    && g.released != l.released
            ) _mismatch("batch lease without a result paid the provider at close");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("close", reason);
        }
    }

    function _submit(uint256 id, bytes32 resultHash) private returns (bool ok) {
        if (resultHash == bytes32(0)) resultHash = keccak256("result");
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 before = market.balanceOf(l.client);
        vm.prank(l.provider);
        try market.submitResult(id, resultHash, "ipfs://result") {
            _leaseGhost[id].refunded += market.balanceOf(l.client) - before;
            ++effectiveCalls;
            ok = true;
        } catch (bytes memory reason) {
            _unexpected("submitResult", reason);
        }
    }

    /// @dev A batch lease that reached its end with no result: its provider earned nothing (JobMarket.close), so a
    /// result submitted now must be refused. Probed on a snapshot, so the campaign's state is unchanged.
    function _probeLateResult(uint256 leaseSeed) private {
        uint256 id = _pickLease(leaseSeed, Pred.LateBatch);
        if (id == 0) return;
        address provider = market.getLease(id).provider;
        ++lateProbes;
        uint256 snap = vm.snapshotState();
        bool accepted;
        vm.prank(provider);
        try market.submitResult(id, keccak256("late"), "ipfs://late") {
            accepted = true;
        } catch {}
        // Reverting to the snapshot also undoes storage writes, so the outcome is recorded after it.
        vm.revertToState(snap);
        if (accepted) {
            ++lateResultsAccepted;
            lastLateResultLease = id;
        }
    }

    function _deposit(address c, address p, uint256 amount) private {
        uint256 before = usd.balanceOf(c);
        vm.prank(c);
        try channels.deposit(p, amount) {
            uint256 paid = before - usd.balanceOf(c);
            channelsIn += paid;
            if (paid != amount) _mismatch("channel deposit took other than the amount");
            ++effectiveCalls;
        } catch (bytes memory reason) {
            _unexpected("deposit", reason);
        }
    }

    function _batchFor(address p, uint256 increment)
        private
        view
        returns (IPaymentChannels.Voucher[] memory vs, bytes[] memory sigs, uint256 total)
    {
        uint256 count;
        for (uint256 j = 0; j < NC; ++j) {
            if (channels.getChannel(_clients[j], p).balance > 0) ++count;
        }
        vs = new IPaymentChannels.Voucher[](count);
        sigs = new bytes[](count);
        uint256 idx;
        for (uint256 j = 0; j < NC; ++j) {
            IPaymentChannels.Channel memory ch = channels.getChannel(_clients[j], p);
            if (ch.balance == 0) continue;
            uint256 inc = bound(uint256(keccak256(abi.encode(increment, j))), 1, ch.balance);
            (vs[idx], sigs[idx]) = _signVoucherWith(_clientKeys[j], _clients[j], p, uint256(ch.redeemed) + inc);
            total += inc;
            ++idx;
        }
    }

    function _signVoucherWith(uint256 key, address c, address p, uint256 cumulative)
        private
        view
        returns (IPaymentChannels.Voucher memory v, bytes memory sig)
    {
        v = IPaymentChannels.Voucher({client: c, provider: p, cumulativeAmount: uint128(cumulative)});
        (uint8 v8, bytes32 r, bytes32 s) = vm.sign(key, channels.voucherDigest(v));
        sig = abi.encodePacked(r, s, v8);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal: settlement bookkeeping
    // ------------------------------------------------------------------------------------------------------------

    function _settleSnapshot(IJobMarket.Lease memory l)
        private
        view
        returns (uint256 payoutBefore, uint256 clientBefore, uint256 feesBefore)
    {
        payoutBefore = market.balanceOf(registry.payoutOf(l.provider));
        clientBefore = market.balanceOf(l.client);
        feesBefore = market.collectedFees();
    }

    /// @dev Records a close or a resolution: gross to the provider = its payout's credit + the fee taken.
    function _recordSettlement(
        uint256 id,
        IJobMarket.Lease memory l,
        uint256 payoutBefore,
        uint256 clientBefore,
        uint256 feesBefore
    ) private {
        LeaseGhost storage g = _leaseGhost[id];
        g.released += market.balanceOf(registry.payoutOf(l.provider)) - payoutBefore + market.collectedFees()
            - feesBefore;
        g.refunded += market.balanceOf(l.client) - clientBefore;
        g.closedSeen = true;
        g.releasedAtClose = g.released;
        ++leasesClosed;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal: picking
    // ------------------------------------------------------------------------------------------------------------

    enum Pred {
        Withdrawable,
        Extendable,
        Cancellable,
        Running,
        Closable,
        Submittable,
        Disputable,
        Disputed,
        Closed,
        LateBatch
    }

    /// @dev The first lease from `seed_` (rotating) that satisfies `pred`, or 0.
    function _pickLease(uint256 seed_, Pred pred) private view returns (uint256) {
        uint256 n = market.leaseCount();
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (seed_ + k) % n + 1;
            if (_matches(id, pred)) return id;
        }
        return 0;
    }

    function _matches(uint256 id, Pred pred) private view returns (bool) {
        IJobMarket.Lease memory l = market.getLease(id);
        uint256 challengeEndsAt = market.getResult(id).challengeEndsAt;
        bool active = l.status == IJobMarket.LeaseStatus.Active;
        bool batch = l.kind == IJobMarket.JobKind.Batch;
        if (pred == Pred.Withdrawable) return active && market.withdrawable(id) > 0;
        if (pred == Pred.Extendable) {
            return active && !l.cancelled && block.timestamp < l.end && l.end + 1 days - l.start <= 365 days;
        }
        if (pred == Pred.Cancellable) {
            return active && !l.cancelled && block.timestamp + market.params().cancelNotice < l.end;
        }
        if (pred == Pred.Running) return active && block.timestamp < l.end;
        if (pred == Pred.Closable) return active && _closableAt(id) <= block.timestamp;
        if (pred == Pred.Submittable) return active && batch && challengeEndsAt == 0 && block.timestamp < l.end;
        if (pred == Pred.Disputable) return active && challengeEndsAt != 0 && block.timestamp < challengeEndsAt;
        if (pred == Pred.Disputed) return l.status == IJobMarket.LeaseStatus.Disputed;
        if (pred == Pred.Closed) return l.status == IJobMarket.LeaseStatus.Closed;
        // LateBatch
        return active && batch && challengeEndsAt == 0 && block.timestamp >= l.end;
    }

    /// @dev When an active lease becomes closable (its end, and a batch result's challenge end); max if not active.
    function _closableAt(uint256 id) private view returns (uint256) {
        IJobMarket.Lease memory l = market.getLease(id);
        if (l.status != IJobMarket.LeaseStatus.Active) return type(uint256).max;
        uint256 at = l.end;
        if (l.kind == IJobMarket.JobKind.Batch) at = Math.max(at, market.getResult(id).challengeEndsAt);
        return at;
    }

    enum PairPred {
        Funded,
        Unthawed,
        Thawing
    }

    /// @dev The first (client, provider) channel from `seed_` (rotating) that satisfies `pred`, or zeros.
    function _pickPair(uint256 seed_, PairPred pred) private view returns (address, address) {
        for (uint256 k = 0; k < NC * NP; ++k) {
            (address c, address p) = _pair(seed_ + k);
            IPaymentChannels.Channel memory ch = channels.getChannel(c, p);
            bool ok = pred == PairPred.Funded
                ? ch.balance > 0
                : pred == PairPred.Unthawed ? ch.thawing < ch.balance : ch.thawing > 0;
            if (ok) return (c, p);
        }
        return (address(0), address(0));
    }

    /// @dev The first provider index from `seed_` with channel earnings, or NP.
    function _pickEarner(uint256 seed_) private view returns (uint256) {
        for (uint256 q = 0; q < NP; ++q) {
            uint256 i = (seed_ + q) % NP;
            if (channels.earningsOf(_providers[i]) > 0) return i;
        }
        return NP;
    }

    function _keyOf(address c) private view returns (uint256) {
        for (uint256 j = 0; j < NC; ++j) {
            if (_clients[j] == c) return _clientKeys[j];
        }
        revert("unknown client");
    }

    /// @dev Pair s: client (s mod 9) / 3, provider (s mod 9) mod 3.
    function _pair(uint256 s) private view returns (address c, address p) {
        uint256 idx = s % (NC * NP);
        c = _clients[idx / NP];
        p = _providers[idx % NP];
    }

    function _unexpected(string memory action, bytes memory reason) private {
        ++unexpectedReverts;
        lastRevertAction = action;
        lastRevertData = reason;
    }

    function _mismatch(string memory what) private {
        ++mismatches;
        lastMismatch = what;
    }

    function _onceOnly(string memory what) private {
        ++onceOnlyViolations;
        lastOnceOnlyViolation = what;
    }
}

/// @title JobMarket and PaymentChannels invariants
/// @notice DESIGN.md invariants 1 (solvency, here exact), 2 (conservation per lease), 4 (once only: vouchers and
/// closed leases), 8 (no blocked withdrawal or claim), and the registry's capacity accounting, checked after every
/// handler call.
contract MarketInvariantTest is MarketFixture {
    MarketHandler private handler;

    function setUp() public {
        _deployMarketSystem();
        handler = new MarketHandler(
            market, channels, usd, registry, providers, payouts, clients, clientKeys, hotSigner, hotSignerKey
        );
        // Narrow wiring: the handler is the registry's wired DisputeManager (the market's `dispute`, `resolveDispute`).
        registry.setDisputeManager(address(handler));
        handler.seed();

        bytes4[] memory selectors = new bytes4[](24);
        selectors[0] = MarketHandler.createDirectLease.selector;
        selectors[1] = MarketHandler.postOrder.selector;
        selectors[2] = MarketHandler.bid.selector;
        selectors[3] = MarketHandler.finalizeAuction.selector;
        selectors[4] = MarketHandler.cancelOrder.selector;
        selectors[5] = MarketHandler.withdrawAccrued.selector;
        selectors[6] = MarketHandler.extend.selector;
        selectors[7] = MarketHandler.cancel.selector;
        selectors[8] = MarketHandler.quit.selector;
        selectors[9] = MarketHandler.close.selector;
        selectors[10] = MarketHandler.submitResult.selector;
        selectors[11] = MarketHandler.dispute.selector;
        selectors[12] = MarketHandler.resolveDispute.selector;
        selectors[13] = MarketHandler.withdrawBalance.selector;
        selectors[14] = MarketHandler.sweepFees.selector;
        selectors[15] = MarketHandler.replayClosed.selector;
        selectors[16] = MarketHandler.deposit.selector;
        selectors[17] = MarketHandler.requestThaw.selector;
        selectors[18] = MarketHandler.cancelThaw.selector;
        selectors[19] = MarketHandler.withdraw.selector;
        selectors[20] = MarketHandler.redeem.selector;
        selectors[21] = MarketHandler.redeemBatch.selector;
        selectors[22] = MarketHandler.withdrawEarnings.selector;
        selectors[23] = MarketHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice (1) DESIGN invariant 1, exact: the market's stablecoin is what it owes, to the last unit: open
    /// leases' unreleased value, every credited balance, and uncollected fees; the auction's is open orders' escrow
    /// at their maximum price. And the two together moved only by the flows the handler measured.
    function invariant_marketHoldsExactlyWhatItOwes() public view {
        uint256 owed = market.collectedFees();
        uint256 leases = market.leaseCount();
        for (uint256 id = 1; id <= leases; ++id) {
            IJobMarket.Lease memory l = market.getLease(id);
            if (l.status == IJobMarket.LeaseStatus.Active || l.status == IJobMarket.LeaseStatus.Disputed) {
                owed += market.leaseValue(id) - l.released;
            }
        }
        uint256 orders = auction.orderCount();
        uint256 escrowed;
        for (uint256 id = 1; id <= orders; ++id) {
            ILeaseAuction.Order memory o = auction.getOrder(id);
            if (o.status != ILeaseAuction.OrderStatus.Open) continue;
            escrowed += handler.orderEscrow(id);
        }
        assertEq(usd.balanceOf(address(auction)), escrowed, "auction: stablecoin held != open orders' escrow");
        address[] memory accts = handler.accounts();
        for (uint256 k = 0; k < accts.length; ++k) {
            owed += market.balanceOf(accts[k]);
        }
        uint256 held = usd.balanceOf(address(market));
        assertEq(held, owed, "market: stablecoin held != owed");
        assertEq(held + escrowed + handler.marketOut(), handler.marketIn(), "market: held != measured in - out");
    }

    /// @notice (2) DESIGN invariant 1 for channels, exact: held = channel balances + earnings + fees.
    function invariant_channelsHoldExactlyWhatTheyOwe() public view {
        address[3] memory ps = handler.providerList();
        address[3] memory cs = handler.clientList();
        uint256 owed = channels.collectedFees();
        for (uint256 i = 0; i < ps.length; ++i) {
            owed += channels.earningsOf(ps[i]);
            for (uint256 j = 0; j < cs.length; ++j) {
                IPaymentChannels.Channel memory ch = channels.getChannel(cs[j], ps[i]);
                owed += ch.balance;
                assertLe(ch.thawing == 0 ? 0 : ch.thawEndsAt, block.timestamp + THAW, "thaw ends beyond one period");
            }
        }
        uint256 held = usd.balanceOf(address(channels));
        assertEq(held, owed, "channels: stablecoin held != owed");
        assertEq(held + handler.channelsOut(), handler.channelsIn(), "channels: held != measured in - out");
    }

    /// @notice (3) DESIGN invariant 2 per lease: funded (value at award + top-ups) = released to the provider (fee
    /// included) + refunds credited to the client + still held; a closed lease holds nothing. The contract's own
    /// `released` matches what the provider side measurably received.
    function invariant_leaseConservation() public view {
        uint256 leases = market.leaseCount();
        for (uint256 id = 1; id <= leases; ++id) {
            IJobMarket.Lease memory l = market.getLease(id);
            MarketHandler.LeaseGhost memory g = handler.leaseGhost(id);
            bool open = l.status == IJobMarket.LeaseStatus.Active || l.status == IJobMarket.LeaseStatus.Disputed;
            uint256 held = open ? market.leaseValue(id) - l.released : 0;
            string memory which = vm.toString(id);
            assertEq(g.funded, g.released + g.refunded + held, string.concat("lease funded != out + held, lease ", which));
            assertEq(g.released, l.released, string.concat("lease released != measured gross, lease ", which));
            assertLe(l.released, market.leaseValue(id), string.concat("released beyond value, lease ", which));
        }
    }

    /// @notice (4) DESIGN invariant 4: a channel's redeemed mark is exactly the sum of the increments redeemed
    /// (so it never decreased and no voucher paid twice); a closed lease never paid again; every replay reverted.
    function invariant_onceOnly() public view {
        address[3] memory ps = handler.providerList();
        address[3] memory cs = handler.clientList();
        for (uint256 i = 0; i < ps.length; ++i) {
            for (uint256 j = 0; j < cs.length; ++j) {
                assertEq(
                    channels.getChannel(cs[j], ps[i]).redeemed,
                    handler.ghostRedeemed(cs[j], ps[i]),
                    "channel redeemed mark != sum of redeemed increments"
                );
            }
        }
        uint256 leases = market.leaseCount();
        for (uint256 id = 1; id <= leases; ++id) {
            MarketHandler.LeaseGhost memory g = handler.leaseGhost(id);
            if (!g.closedSeen) continue;
            assertEq(uint256(market.getLease(id).status), uint256(IJobMarket.LeaseStatus.Closed), "closed lease reopened");
            assertEq(market.getLease(id).released, g.releasedAtClose, "a closed lease paid again");
        }
        assertEq(handler.onceOnlyViolations(), 0, handler.lastOnceOnlyViolation());
    }

    /// @notice (5) One card is never sold twice: per provider and class, the registry's committed GPUs are exactly
    /// the GPUs of that provider's leases of the class that have not released their capacity, within attested.
    function invariant_committedCapacityMatchesLeases() public view {
        address[3] memory ps = handler.providerList();
        bytes32[2] memory mcs = handler.classList();
        uint256[2][3] memory expected;
        uint256 leases = market.leaseCount();
        for (uint256 id = 1; id <= leases; ++id) {
            IJobMarket.Lease memory l = market.getLease(id);
            if (l.capacityReleased) continue;
            uint256 i = l.provider == ps[0] ? 0 : l.provider == ps[1] ? 1 : 2;
            uint256 c = registry.modelClassAt(l.modelClassIndex) == mcs[0] ? 0 : 1;
            expected[i][c] += l.gpuCount;
        }
        for (uint256 i = 0; i < ps.length; ++i) {
            uint256 total;
            for (uint256 c = 0; c < 2; ++c) {
                IProviderRegistry.Capacity memory cap = registry.getCapacity(ps[i], mcs[c]);
                assertEq(cap.committed, expected[i][c], "registry committed != GPUs of unreleased leases");
                assertLe(cap.committed, cap.attested, "more GPUs committed than attested");
                total += cap.committed;
            }
            assertEq(registry.getProvider(ps[i]).committedGpus, total, "provider committedGpus != sum over classes");
        }
    }

    /// @notice (6) DESIGN invariant 8: no action whose preconditions held was refused, and every payout matched
    /// the view that promised it. Then, on a snapshot, every account with a credited balance withdraws it and every
    /// provider with channel earnings is paid: none of them can be blocked by anyone's state.
    function invariant_noBlockedWithdrawals() public {
        assertEq(
            handler.unexpectedReverts(),
            0,
            string.concat(
                "unexpected revert in ", handler.lastRevertAction(), ": ", vm.toString(bytes32(handler.lastRevertData()))
            )
        );
        assertEq(handler.mismatches(), 0, handler.lastMismatch());
        uint256 snap = vm.snapshotState();
        address[] memory accts = handler.accounts();
        for (uint256 k = 0; k < accts.length; ++k) {
            uint256 owed = market.balanceOf(accts[k]);
            if (owed == 0) continue;
            vm.prank(accts[k]);
            assertEq(market.withdrawBalance(), owed, "withdrawBalance paid other than the balance");
        }
        address[3] memory ps = handler.providerList();
        for (uint256 i = 0; i < ps.length; ++i) {
            uint256 earned = channels.earningsOf(ps[i]);
            if (earned > 0) assertEq(channels.withdrawEarnings(ps[i]), earned, "withdrawEarnings paid other than owed");
        }
        market.sweepFees();
        channels.sweepFees();
        vm.revertToState(snap);
    }

    /// @notice A batch lease with no result by its end earned its provider nothing (JobMarket.close): the provider
    /// must not be able to submit a result after the end and turn that refund into a payment.
    function invariant_noResultAfterBatchEnd() public view {
        assertEq(
            handler.lateResultsAccepted(),
            0,
            string.concat(
                "submitResult accepted after the end of batch lease ", vm.toString(handler.lastLateResultLease())
            )
        );
    }

    /// @notice (7) The campaign is not vacuous: most handler calls perform a real action (the first two may find
    /// nothing to do), and the seeded leases, orders and channels exist.
    function invariant_campaignDoesRealWork() public view {
        assertGe(handler.effectiveCalls() * 2 + 2, handler.calls(), "most handler calls did nothing");
        assertGe(handler.leasesCreated(), 6, "seeded leases missing");
        assertGe(auction.orderCount(), 3, "seeded orders missing");
        assertGt(handler.marketIn(), 0, "nothing entered the market");
        assertGt(handler.channelsIn(), 0, "nothing entered the channels");
    }
}
