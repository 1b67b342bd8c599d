// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";
import {IDisputeManager} from "../interfaces/IDisputeManager.sol";
import {ExposureWindows} from "../libraries/ExposureWindows.sol";
import {SlashMath} from "../libraries/SlashMath.sol";

/// @title SlashingManager
/// @notice Proposals, veto window, rate-limited execution with one deferred slot per pool, reporter bounty and burn.
/// @dev Assumptions:
/// - It is the SlashingManager wired once in the registry (`setSlashingManager`): registry `jail` and vault
///   `executeSlash`, `holdForSlash`, `releaseSlashHold` check that address; no AccessManager role can slash
///   (DESIGN: Powers). The AccessManager maps `veto` to the guardian and `setParams`, `setSlashBps` to governance.
///   `onDisputeLost` is the DisputeManager's alone: the one wired once in the job market (deployed after this
///   contract, so read from the market and not an immutable).
/// - The token is CNDR: a plain ERC20Burnable without transfer hooks or fees, kept by the vault.
/// - The OracleHub's quorum is honest above its threshold: an accepted fault report is a fact.
/// - The vault's `executeSlash` takes min(amount, pool total) and never more, and caps the bounty below 1/(1+m);
///   a result below the amount asked means the pool is empty, so the proposal is finished (nothing more can be
///   taken from it).
/// - The veto window is one of the windows the vault's exposure tail covers (ExposureWindows): checked here when it
///   is set, reading the market, the hub and the DisputeManager wired in the registry (zero before it is wired: its
///   own constructor checks the bound then); the other windows' setters read this contract back.
/// - A fault report is proposed only within the hub's late window of its epoch, so a finite tail covers it.
/// Custody: an execution moves no CNDR. The vault keeps what it slashes: the bounty is credited here to the reporter
/// (a pull payment, `claimBounty`, so no reporter can block an execution) and held by the vault; the rest waits in
/// the vault until anyone calls `burnSlashed`. Batching the burns pays CNDR's supply checkpoint once per batch
/// instead of once per slash (about 39,000 gas of an execution), and keeping the CNDR in the vault saves two
/// token transfers (about 30,000 gas) per execution.
/// Deferral: what the rate limit does not allow now waits in its pool's own slot (`_deferred`, one proposal per
/// provider), never in a shared queue, so one pool's deferred slashes never hold up another pool's execution or the
/// holds (and exits) behind it. While a pool's slot is taken its other proposals wait, still pending and holding
/// that pool only; nothing is dropped, and the rate limit is shared by all pools as before.
/// Rounding: a fault's amount rounds up (never zero); the bounty rounds down, so the burn takes the dust.
contract SlashingManager is AccessManaged, ReentrancyGuardTransient, ISlashingManager {
    uint8 public constant KIND_COUNT = 6;
    uint8 public constant KIND_REPEATED_SLA_BREACHES = 5;
    uint8 public constant KIND_JOB_FRAUD = 6;
    uint256 public constant MIN_VETO_WINDOW = 1 hours;
    uint256 public constant MAX_VETO_WINDOW = 14 days;
    uint256 public constant MIN_RATE_WINDOW = 1 hours;
    uint256 public constant MAX_RATE_WINDOW = 30 days;
    uint256 public constant MIN_JAIL_COOLDOWN = 1 hours;
    uint256 public constant MAX_JAIL_COOLDOWN = 365 days;
    uint256 public constant MIN_MAX_PER_EVENT = 1e18;
    uint256 public constant MAX_MAX_PER_EVENT = 1e27;
    uint256 public constant MAX_MAX_PER_WINDOW = 1e28;
    uint256 private constant _MAX_BPS = 10_000;
    bytes32 private constant _SLA_FAULT_TAG = keccak256("CinderSlaRepeatedBreaches");
    bytes32 private constant _JOB_FRAUD_TAG = keccak256("CinderJobFraud");

    IERC20 public immutable TOKEN;
    IProviderRegistry public immutable REGISTRY;
    IStakingVault public immutable VAULT;
    IOracleHub public immutable ORACLE_HUB;
    IJobMarket public immutable JOB_MARKET;
    address public immutable SLA_BOND_MANAGER;

    /// @dev The parameters as stored: everything `execute` reads (rate window, jail cooldown, bounty rate, window
    /// cap) in the first slot, everything a proposal reads (veto window, maxPerEvent) in the second.
    struct StoredParams {
        uint40 rateWindow;
        uint40 jailCooldown;
        uint16 bountyBps;
        uint96 maxPerWindow;
        // 192 bits so far: maxPerEvent starts the second slot, and the veto window joins it.
        uint96 maxPerEvent;
        uint40 vetoWindow;
    }

    StoredParams private _params;
    Limiter private _limiter;
    mapping(uint8 kind => uint16) private _slashBps;
    mapping(bytes32 id => Proposal) private _proposals;
    mapping(address provider => bytes32 id) private _deferred;
    mapping(address reporter => uint256) private _bounties;

    /// @param slashBpsByKind The slash of kinds 1..6 in order, in bps of the per-GPU stake.
    constructor(address manager, Contracts memory c, Params memory p, uint16[] memory slashBpsByKind)
        AccessManaged(manager)
    {
        require(c.token != address(0), SlashingManagerZeroAddress("token"));
        require(c.registry != address(0), SlashingManagerZeroAddress("registry"));
        require(c.vault != address(0), SlashingManagerZeroAddress("vault"));
        require(c.oracleHub != address(0), SlashingManagerZeroAddress("oracleHub"));
        require(c.jobMarket != address(0), SlashingManagerZeroAddress("jobMarket"));
        require(c.slaBondManager != address(0), SlashingManagerZeroAddress("slaBondManager"));
        TOKEN = IERC20(c.token);
        REGISTRY = IProviderRegistry(c.registry);
        VAULT = IStakingVault(c.vault);
        ORACLE_HUB = IOracleHub(c.oracleHub);
        JOB_MARKET = IJobMarket(c.jobMarket);
        SLA_BOND_MANAGER = c.slaBondManager;
        require(
            slashBpsByKind.length == KIND_COUNT,
            SlashingManagerParameterOutOfBounds("slashBpsByKind.length", slashBpsByKind.length, KIND_COUNT, KIND_COUNT)
        );
        for (uint256 i = 0; i < KIND_COUNT; ++i) {
            _setSlashBps(uint8(i + 1), slashBpsByKind[i]);
        }
        _setParams(p);
        _limiter.windowStart = uint40(block.timestamp);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Faults
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlashingManager
    function propose(IOracleHub.FaultReport calldata report) external returns (bytes32 id) {
        id = ORACLE_HUB.hashFaultReport(report);
        require(ORACLE_HUB.isAccepted(id), SlashingManagerReportNotAccepted(id));
        uint64 oldest = ORACLE_HUB.oldestAcceptedEpoch();
        require(report.epoch >= oldest, SlashingManagerReportTooOld(id, report.epoch, oldest));
        uint256 amount = _faultAmount(report.provider, report.faultType, report.subject, true);
        _open(id, report.provider, report.faultType, report.subject, amount, msg.sender);
    }

    /// @notice Proposes a repeated-SLA-breach fault (kind 5) against `provider`, about `leaseId`; no reporter, so
    /// the whole slash is burned. Only the wired SlaBondManager.
    /// @dev Never reverts for the wired caller (settlement must not be blocked by slashing): the lease is the
    /// settled one, so its provider and model class exist.
    function onRepeatedBreaches(address provider, uint256, uint256 leaseId) external {
        require(msg.sender == SLA_BOND_MANAGER, SlashingManagerNotSlaBondManager(msg.sender));
        uint32 n = _limiter.slaFaults + 1;
        _limiter.slaFaults = n;
        bytes32 id = keccak256(abi.encode(_SLA_FAULT_TAG, leaseId, n));
        bytes32 subject = bytes32(leaseId);
        uint256 amount = _faultAmount(provider, KIND_REPEATED_SLA_BREACHES, subject, false);
        _open(id, provider, KIND_REPEATED_SLA_BREACHES, subject, amount, address(0));
    }

    /// @inheritdoc ISlashingManager
    function onDisputeLost(address provider, uint256 leaseId, address reporter) external returns (bytes32 id) {
        require(msg.sender == REGISTRY.disputeManager(), SlashingManagerNotDisputeManager(msg.sender));
        // One dispute per lease (the DisputeManager and the JobMarket's Disputed status see to it): one id per lease.
        id = keccak256(abi.encode(_JOB_FRAUD_TAG, leaseId));
        bytes32 subject = bytes32(leaseId);
        uint256 amount = _faultAmount(provider, KIND_JOB_FRAUD, subject, true);
        _open(id, provider, KIND_JOB_FRAUD, subject, amount, reporter);
    }

    /// @inheritdoc ISlashingManager
    function execute(bytes32 id) external nonReentrant returns (uint256 slashed) {
        Proposal memory p = _proposals[id];
        require(p.status == Status.Pending, SlashingManagerInvalidStatus(id, p.status));
        require(
            block.timestamp >= p.executableAt, SlashingManagerVetoWindowOpen(id, p.executableAt, block.timestamp)
        );
        // One deferred proposal per pool: this pool's slot goes first (`executeDeferred`). Only this pool waits.
        bytes32 waiting = _deferred[p.provider];
        require(waiting == bytes32(0), SlashingManagerPoolDeferred(p.provider, waiting));
        IProviderRegistry.ProviderStatus status = REGISTRY.statusOf(p.provider);
        if (status == IProviderRegistry.ProviderStatus.Active || status == IProviderRegistry.ProviderStatus.Jailed) {
            REGISTRY.jail(p.provider, uint40(block.timestamp + _params.jailCooldown));
        }
        Limiter memory lim = _rolled();
        uint256 take = Math.min(p.amount, _room(lim));
        uint256 rest = p.amount - take;
        if (take > 0) {
            bool exhausted;
            (slashed, exhausted) = _step(id, p.provider, p.reporter, take, rest);
            lim.usedInWindow += uint96(slashed);
            if (exhausted) rest = 0;
        }
        if (rest == 0) {
            // The hold was released with the slash (_step). The stored amount is left as it was: an executed
            // proposal has nothing left to slash, which `getProposal` reports (one storage write saved).
            _proposals[id].status = Status.Executed;
        } else {
            // The pool's slot is free (checked above); the proposal keeps its hold on the pool until it is done.
            // Cannot truncate: rest <= p.amount, a uint96.
            _proposals[id].amount = uint96(rest);
            _proposals[id].status = Status.Deferred;
            _deferred[p.provider] = id;
            emit SlashDeferred(id, p.provider, rest);
        }
        _limiter = lim;
    }

    /// @inheritdoc ISlashingManager
    function executeDeferred(address provider) external nonReentrant returns (uint256 slashed) {
        bytes32 id = _deferred[provider];
        Limiter memory lim = _rolled();
        uint256 room = _room(lim);
        require(id != bytes32(0) && room > 0, SlashingManagerNothingDeferred(provider, room));
        Proposal storage p = _proposals[id];
        uint256 remaining = p.amount;
        uint256 take = Math.min(remaining, room);
        bool exhausted;
        (slashed, exhausted) = _step(id, provider, p.reporter, take, remaining - take);
        // Cannot overflow: usedInWindow + slashed <= maxPerWindow < 2^96 (slashed <= take <= room).
        lim.usedInWindow += uint96(slashed);
        if (exhausted || take == remaining) {
            // Done (or the pool ran dry): the hold was released with the slash (_step), and the slot is free.
            p.amount = 0;
            p.status = Status.Executed;
            delete _deferred[provider];
        } else {
            // The window is full (room was below the remaining amount): the rest waits for the next window.
            p.amount = uint96(remaining - take);
        }
        _limiter = lim;
    }

    /// @inheritdoc ISlashingManager
    function burnSlashed() external nonReentrant returns (uint256 burned) {
        burned = VAULT.burnSlashed();
        require(burned > 0, SlashingManagerNothingToBurn());
        emit SlashedBurned(burned, msg.sender);
    }

    /// @inheritdoc ISlashingManager
    function claimBounty() external nonReentrant returns (uint256 amount) {
        amount = _bounties[msg.sender];
        require(amount > 0, SlashingManagerNothingToClaim(msg.sender));
        _bounties[msg.sender] = 0;
        VAULT.payBounty(msg.sender, amount);
        emit BountyClaimed(msg.sender, amount);
    }

    /// @inheritdoc ISlashingManager
    function veto(bytes32 id) external restricted {
        Proposal storage p = _proposals[id];
        require(p.status == Status.Pending, SlashingManagerInvalidStatus(id, p.status));
        require(
            block.timestamp < p.executableAt, SlashingManagerVetoWindowClosed(id, p.executableAt, block.timestamp)
        );
        p.status = Status.Vetoed;
        address provider = p.provider;
        VAULT.releaseSlashHold(provider);
        emit SlashVetoed(id, provider, msg.sender);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlashingManager
    function setParams(Params calldata p) external restricted {
        _setParams(p);
    }

    /// @inheritdoc ISlashingManager
    function setSlashBps(uint8 kind, uint16 bps) external restricted {
        _setSlashBps(kind, bps);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISlashingManager
    function getProposal(bytes32 id) external view returns (Proposal memory p) {
        p = _proposals[id];
        // Nothing is left to slash once executed (`execute` leaves the stored amount as it was).
        if (p.status == Status.Executed) p.amount = 0;
    }

    /// @inheritdoc ISlashingManager
    function params() external view returns (Params memory) {
        StoredParams memory q = _params;
        return Params({
            vetoWindow: q.vetoWindow,
            rateWindow: q.rateWindow,
            jailCooldown: q.jailCooldown,
            bountyBps: q.bountyBps,
            maxPerEvent: q.maxPerEvent,
            maxPerWindow: q.maxPerWindow
        });
    }

    /// @inheritdoc ISlashingManager
    function limiter() external view returns (Limiter memory) {
        return _limiter;
    }

    /// @inheritdoc ISlashingManager
    function slashBps(uint8 kind) external view returns (uint16) {
        return _slashBps[kind];
    }

    /// @inheritdoc ISlashingManager
    function deferredOf(address provider) external view returns (bytes32 id, uint256 amount) {
        id = _deferred[provider];
        if (id != bytes32(0)) amount = _proposals[id].amount;
    }

    /// @inheritdoc ISlashingManager
    function bountyOf(address reporter) external view returns (uint256) {
        return _bounties[reporter];
    }

    /// @inheritdoc ISlashingManager
    function windowRoom() external view returns (uint256) {
        return _room(_rolled());
    }

    /// @inheritdoc ISlashingManager
    function effectiveBountyBps() public view returns (uint256) {
        return Math.min(_params.bountyBps, SlashMath.maxBountyBps(VAULT.delegationCapMultiple()));
    }

    /// @inheritdoc ISlashingManager
    function faultAmount(address provider, uint8 kind, bytes32 subject) external view returns (uint256) {
        return _faultAmount(provider, kind, subject, true);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------------

    function _open(bytes32 id, address provider, uint8 kind, bytes32 subject, uint256 amount, address reporter)
        private
    {
        Proposal storage p = _proposals[id];
        require(p.status == Status.None, SlashingManagerAlreadyProposed(id, p.status));
        uint256 executableAt = block.timestamp + _params.vetoWindow;
        p.provider = provider;
        // Cannot truncate: amount <= maxPerEvent <= MAX_MAX_PER_EVENT < 2^96.
        p.amount = uint96(amount);
        p.reporter = reporter;
        p.executableAt = uint40(executableAt);
        p.kind = kind;
        p.status = Status.Pending;
        VAULT.holdForSlash(provider);
        emit SlashProposed(id, provider, kind, subject, amount, reporter, executableAt);
    }

    /// @dev Slashes `take` from the pool in one vault call, which keeps the CNDR, splits off the bounty (at
    /// min(bountyBps, the largest rate below 1/(1+m)), rounded down: the dust is burned) and, when nothing is
    /// deferred, releases the proposal's hold. Credits the bounty to the reporter (a pull payment).
    /// @return slashed What the vault took (below `take` only when the pool ran dry).
    /// @return exhausted Whether the pool ran dry (the proposal is finished, and its hold released).
    function _step(bytes32 id, address provider, address reporter, uint256 take, uint256 deferred)
        private
        returns (uint256 slashed, bool exhausted)
    {
        address to = _bountyRecipient(provider, reporter);
        uint256 bounty;
        (slashed, bounty) = VAULT.executeSlash(provider, take, to == address(0) ? 0 : _params.bountyBps, deferred == 0);
        exhausted = slashed < take;
        // The pool ran dry with a rest still to defer: nothing more can be taken, so the hold goes now.
        if (exhausted && deferred > 0) VAULT.releaseSlashHold(provider);
        if (bounty > 0) _bounties[to] += bounty;
        emit SlashExecuted(id, provider, slashed, bounty, to, slashed - bounty, exhausted ? 0 : deferred);
    }

    /// @dev Zero (no bounty) for the provider itself, its payout address, or a member of the current oracle set.
    function _bountyRecipient(address provider, address reporter) private view returns (address) {
        if (reporter == address(0) || reporter == provider || reporter == REGISTRY.payoutOf(provider)) {
            return address(0);
        }
        (address[] memory signers,,) = ORACLE_HUB.oracleSet();
        // Bounded: the oracle set holds at most 31 signers.
        for (uint256 i = 0; i < signers.length; ++i) {
            if (signers[i] == reporter) return address(0);
        }
        return reporter;
    }

    function _faultAmount(address provider, uint8 kind, bytes32 subject, bool checkLease)
        private
        view
        returns (uint256 amount)
    {
        require(kind >= 1 && kind <= KIND_COUNT, SlashingManagerInvalidKind(kind));
        uint256 base = _perGpuStake(provider, kind, subject, checkLease);
        // Rounds up, and at least 1 wei: rounding never turns a fault into no slash.
        amount = SlashMath.amount(base, _slashBps[kind], _params.maxPerEvent);
    }

    function _perGpuStake(address provider, uint8 kind, bytes32 subject, bool checkLease)
        private
        view
        returns (uint256)
    {
        if (kind <= uint8(IOracleHub.FaultType.DuplicateGpuIdentity)) {
            uint256 stake = REGISTRY.gpuStakePerGpu(provider, subject);
            return stake == 0 ? _highestStakePerGpu() : stake;
        }
        IJobMarket.Lease memory lease = JOB_MARKET.getLease(uint256(subject));
        if (checkLease) {
            require(
                lease.provider == provider && provider != address(0),
                SlashingManagerSubjectMismatch(subject, provider, lease.provider)
            );
        }
        return REGISTRY.getModelClass(REGISTRY.modelClassAt(lease.modelClassIndex)).stakePerGpu;
    }

    function _highestStakePerGpu() private view returns (uint256 highest) {
        bytes32[] memory ids = REGISTRY.modelClassIds();
        // Bounded: the registry holds at most MAX_MODEL_CLASSES (32) classes.
        for (uint256 i = 0; i < ids.length; ++i) {
            highest = Math.max(highest, REGISTRY.getModelClass(ids[i]).stakePerGpu);
        }
    }

    /// @dev The limiter with its window restarted if the current one has ended.
    function _rolled() private view returns (Limiter memory lim) {
        lim = _limiter;
        if (block.timestamp >= uint256(lim.windowStart) + _params.rateWindow) {
            lim.windowStart = uint40(block.timestamp);
            lim.usedInWindow = 0;
        }
    }

    function _room(Limiter memory lim) private view returns (uint256) {
        uint256 max = _params.maxPerWindow;
        return lim.usedInWindow >= max ? 0 : max - lim.usedInWindow;
    }

    function _setParams(Params memory p) private {
        _bound("vetoWindow", p.vetoWindow, MIN_VETO_WINDOW, MAX_VETO_WINDOW);
        _bound("rateWindow", p.rateWindow, MIN_RATE_WINDOW, MAX_RATE_WINDOW);
        _bound("jailCooldown", p.jailCooldown, MIN_JAIL_COOLDOWN, MAX_JAIL_COOLDOWN);
        _bound("maxPerEvent", p.maxPerEvent, MIN_MAX_PER_EVENT, MAX_MAX_PER_EVENT);
        _bound("maxPerWindow", p.maxPerWindow, p.maxPerEvent, MAX_MAX_PER_WINDOW);
        uint256 maxBounty = SlashMath.maxBountyBps(VAULT.delegationCapMultiple());
        _bound("bountyBps", p.bountyBps, 0, maxBounty);
        ExposureWindows.Windows memory w = ExposureWindows.read(
            JOB_MARKET, ISlashingManager(address(0)), IDisputeManager(REGISTRY.disputeManager())
        );
        w.veto = p.vetoWindow;
        uint256 tail = VAULT.exposureTail();
        uint256 span = ExposureWindows.span(w);
        require(tail >= span, SlashingManagerExposureTailTooShort(tail, span));
        _params = StoredParams({
            rateWindow: p.rateWindow,
            jailCooldown: p.jailCooldown,
            bountyBps: p.bountyBps,
            maxPerWindow: p.maxPerWindow,
            vetoWindow: p.vetoWindow,
            maxPerEvent: p.maxPerEvent
        });
        emit ParamsSet(p);
    }

    function _setSlashBps(uint8 kind, uint16 bps) private {
        require(kind >= 1 && kind <= KIND_COUNT, SlashingManagerInvalidKind(kind));
        _bound("slashBps", bps, 1, _MAX_BPS);
        _slashBps[kind] = bps;
        emit SlashBpsSet(kind, bps);
    }

    function _bound(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, SlashingManagerParameterOutOfBounds(name, value, min, max));
    }
}
