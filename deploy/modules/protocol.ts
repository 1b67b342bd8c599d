/**
 * The whole Cinder protocol, built into an Ignition module by `Cinder.ts` (local networks, with the test
 * stablecoin) or `CinderPublic.ts` (any EVM network, with the settlement asset from parameters).
 *
 * Order: AccessManager (deployer as temporary admin) -> CNDR -> Timelock -> Governor -> ProviderRegistry ->
 * StakingVault -> the DEX (from the caller) and the BuybackBurner -> EmissionController, FeeRouter -> OracleHub (the
 * attestor: it writes oracle-signed GPU attestations into the registry) -> JobMarket (holds SLA streams until the
 * hub covers them), LeaseAuction (open orders: it asks the market to open the lease it awards), PaymentChannels ->
 * SlaBondManager (reads the market's leases and the hub's roots) ->
 * SlashingManager (the SLA bonds' fault sink) -> DisputeManager (freezes and settles disputed escrow, proposes
 * job-fraud slashes); then the one-time wiring while the deployer is still admin: every internal power (mint, reward
 * funding, slashing and jailing, attestations, dispute settlement) goes to the one contract that holds it by address
 * (`WIRED_POWERS` in `roles.ts`: CNDR -> minter, vault -> EmissionController, registry -> vault, market, SlashingManager
 * and OracleHub, market -> SLA bonds, LeaseAuction and DisputeManager), plus the emission recorders and model classes; then the
 * function -> role map from `roles.ts` (setters, pause, veto, arbitrate: nothing that moves funds), role grants, the
 * delays (`accessDelay` on every role's grant and every target's admin functions), and finally the handover: the
 * timelock becomes the AccessManager's only admin and the deployer renounces every power it held.
 *
 * Parameters (per network, see `deploy/parameters/*.json`; defaults suit a local network):
 * accessDelay (`DEFAULT_ACCESS_DELAY`, 120 days on every network: it must exceed `CinderAccessManager.LONGEST_EXIT`,
 * which the manager's constructor checks), treasury, guardian, genesisSupply, maxSupply, mintWindow, maxMintPerWindow, votingDelay, votingPeriod,
 * minVotingPeriod, proposalThreshold, quorumPercent, timelockDelay, timelockDelayFloor, commissionIncreaseDelay,
 * unbondingPeriod, exposureTail, delegationCapMultiple, minDelegation, epochLength, feeBps, buybackShareBps,
 * feeChangeDelay, emissionInitialEpochCap, emissionInitialRateWad, emissionDecayBps, emissionDecayInterval,
 * emissionLongTwapEpochs, emissionSeedPrice (the price the pool is seeded at, asset units per whole CNDR; 500,000 =
 * 0.50 USD locally, required by CinderPublic), emissionFloorPrice, emissionGuardRatioBps, buybackMaxPerEpoch, twapMinWindow, twapMaxAge, buybackMaxSlippageBps, minLeaseDuration, cancelNotice, challengeWindow, minBidWindow, maxBidWindow, minBidStepBps, minLeaseValue,
 * channelThawPeriod, oracleSigners (default: Hardhat accounts #10..#13, see `LOCAL_ORACLE_SIGNERS`),
 * oracleSetChangeDelay (60 s locally; 7 days on public networks), oracleLateWindowEpochs (24),
 * oracleSilenceEpochs (3), slaExitPenaltyBps (1,000), slaBreachFaultThreshold (3) (amounts in the settlement asset's
 * smallest unit), slashVetoWindow (2 days), slashRateWindow (1 day), slashJailCooldown (7 days), slashBountyBps
 * (1,000), slashMaxPerEvent (10,000 CNDR), slashMaxPerWindow (50,000 CNDR), slashBpsByKind (failed challenge,
 * attestation mismatch, duplicate identity: 10,000, all of the per-GPU stake; missed heartbeats and repeated SLA
 * breaches: 3,333, a third; job fraud (a lost dispute): 10,000), disputeMinDeposit (10 USD), disputeDepositBps
 * (500: 5% of the disputed escrow), disputeVerdictWindow (2 days), disputeArbitrationWindow (3 days); the
 * ARBITRATOR role goes to `opts.arbitrator` (CinderPublic: the required `arbitrator` parameter) or the timelock,
 * and any later grant of it, like any grant of any role, waits `accessDelay`. The SLA tiers are `SLA_TIERS` in `deploy/config.ts`.
 */
import type {
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";
import { keccak256, toBytes, toFunctionSelector, zeroAddress } from "viem";
import { DEFAULT_ACCESS_DELAY, LOCAL_ORACLE_SIGNERS, MODEL_CLASSES, SLA_TIERS, modelClassId } from "../config.js";
import { FUNCTION_ROLES, ROLE_LABELS, ROLES, type RoleName } from "../roles.js";

const TIMELOCK_PROPOSER_ROLE = keccak256(toBytes("PROPOSER_ROLE"));
const TIMELOCK_CANCELLER_ROLE = keccak256(toBytes("CANCELLER_ROLE"));
const TIMELOCK_ADMIN_ROLE = `0x${"00".repeat(32)}` as const;

/** The Uniswap V2 router and CNDR/stablecoin pair the buyback trades through. */
export interface Dex {
  router: ContractFuture<string>;
  pair: ContractFuture<string>;
}

/**
 * @param asset The settlement stablecoin.
 * @param dex Called once CNDR and the timelock exist: returns (or deploys) the router and the CNDR/asset pair.
 * @param opts.arbitrator Who holds ARBITRATOR from the start (default: the timelock).
 * @param opts.seedPrice The price the CNDR/asset pool is seeded at (default: the `emissionSeedPrice` parameter, 0.50
 * USD per CNDR, what `Cinder.ts` seeds): the wash guard's price until the long TWAP has its history.
 */
export function buildProtocol(
  m: IgnitionModuleBuilder,
  asset: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
  dex: (token: ContractFuture<string>, timelock: ContractFuture<string>) => Dex,
  opts: { arbitrator?: ModuleParameterRuntimeValue<string>; seedPrice?: ModuleParameterRuntimeValue<bigint> } = {},
) {
  const deployer = m.getAccount(0);

  const treasury = m.getParameter("treasury", deployer);
  // No default: the guardian must never be the deployer, which keeps no role after deployment.
  const guardian = m.getParameter<string>("guardian");

  // --- access and token ---
  // Every role's grant delay and every target's admin delay: above the longest exit (the constructor checks it).
  const accessDelay = m.getParameter("accessDelay", DEFAULT_ACCESS_DELAY);
  const manager = m.contract("CinderAccessManager", [deployer, accessDelay]);
  const token = m.contract("CinderToken", [
    manager,
    treasury,
    m.getParameter("genesisSupply", 100_000_000n * 10n ** 18n),
    m.getParameter("maxSupply", 1_000_000_000n * 10n ** 18n),
    m.getParameter("mintWindow", 3_600n),
    m.getParameter("maxMintPerWindow", 100_000n * 10n ** 18n),
  ]);

  // --- governance ---
  const timelock = m.contract("CinderTimelock", [
    m.getParameter("timelockDelay", 60n),
    m.getParameter("timelockDelayFloor", 60n),
    [],
    [zeroAddress],
    deployer,
  ]);
  const governor = m.contract("CinderGovernor", [
    token,
    timelock,
    m.getParameter("votingDelay", 1n),
    m.getParameter("votingPeriod", 300n),
    m.getParameter("proposalThreshold", 0n),
    m.getParameter("quorumPercent", 4n),
    m.getParameter("minVotingPeriod", 60n),
  ]);
  const grantProposer = m.call(timelock, "grantRole", [TIMELOCK_PROPOSER_ROLE, governor], {
    id: "Timelock_grantProposer",
  });
  const grantCanceller = m.call(timelock, "grantRole", [TIMELOCK_CANCELLER_ROLE, governor], {
    id: "Timelock_grantCanceller",
  });

  // --- providers and stake ---
  const registry = m.contract("ProviderRegistry", [manager, m.getParameter("commissionIncreaseDelay", 7n * 86_400n)]);
  const vault = m.contract("StakingVault", [
    manager,
    token,
    registry,
    {
      unbondingPeriod: m.getParameter("unbondingPeriod", 14n * 86_400n),
      // At least the windows that can still lead to a slash after a lease ends (ExposureWindows.span): with the
      // defaults below 1 d challenge + 2 d verdict + 2 x 3 d arbitration + 2 d veto = 11 days; a day of margin.
      exposureTail: m.getParameter("exposureTail", 12n * 86_400n),
      delegationCapMultiple: m.getParameter("delegationCapMultiple", 5n),
      minDelegation: m.getParameter("minDelegation", 10n ** 18n),
    },
  ]);

  // --- buy-and-burn, then markets ---
  const epochLength = m.getParameter("epochLength", 3_600n);
  const { router, pair } = dex(token, timelock);
  const twapMinWindow = m.getParameter("twapMinWindow", 1_800n);
  const buybackBurner = m.contract("BuybackBurner", [
    manager,
    { asset, token, router, pair },
    epochLength,
    {
      maxPerEpoch: m.getParameter("buybackMaxPerEpoch", 10_000n * 1_000_000n),
      minWindow: twapMinWindow,
      maxAge: m.getParameter("twapMaxAge", 3_600n),
      maxSlippageBps: m.getParameter("buybackMaxSlippageBps", 300n),
    },
  ]);
  // Schedule: 20,000 CNDR per epoch at most and 0.016 CNDR per dollar of revenue (1.6e10 wei per 1e-6 dollar,
  // x 1e18), both falling 5% every 720 epochs (30 days of 1-hour epochs); the long TWAP spans 24 epochs.
  const emissionController = m.contract("EmissionController", [
    manager,
    { token, vault, pair, asset },
    {
      epochLength,
      initialEpochCap: m.getParameter("emissionInitialEpochCap", 20_000n * 10n ** 18n),
      initialRateWad: m.getParameter("emissionInitialRateWad", 16n * 10n ** 27n),
      decayBps: m.getParameter("emissionDecayBps", 500n),
      decayInterval: m.getParameter("emissionDecayInterval", 720n),
      longTwapEpochs: m.getParameter("emissionLongTwapEpochs", 24n),
      seedPrice: opts.seedPrice ?? m.getParameter("emissionSeedPrice", 500_000n),
    },
    {
      // A floor of 0.01 dollar per CNDR (10,000 units of a 6-decimal stablecoin per whole CNDR).
      floorPrice: m.getParameter("emissionFloorPrice", 10_000n),
      guardRatioBps: m.getParameter("emissionGuardRatioBps", 9_000n),
      minTwapWindow: twapMinWindow,
    },
  ]);
  const feeRouter = m.contract("FeeRouter", [
    manager,
    {
      feeBps: m.getParameter("feeBps", 100n),
      buybackShareBps: m.getParameter("buybackShareBps", 5_000n),
      buyback: buybackBurner,
      treasury,
    },
    // Fee and fee-address changes wait this long after governance's own timelock (7 days in all in production).
    m.getParameter("feeChangeDelay", 60n),
  ]);
  // --- oracle: verifies the quorum's signed reports; epochs are the EmissionController's ---
  // The long governance-change delay: oracle-set changes wait it (new role holders wait `accessDelay`).
  const oracleSetChangeDelay = m.getParameter("oracleSetChangeDelay", 60n);
  const oracleHub = m.contract("OracleHub", [
    manager,
    registry,
    m.getParameter<string[]>("oracleSigners", [...LOCAL_ORACLE_SIGNERS]),
    {
      epochLength,
      // Oracle-set changes wait this long after governance's own timelock (DESIGN: 7 days on public networks).
      setChangeDelay: oracleSetChangeDelay,
      lateWindowEpochs: m.getParameter("oracleLateWindowEpochs", 24n),
      silenceEpochs: m.getParameter("oracleSilenceEpochs", 3n),
    },
  ]);

  const jobMarket = m.contract("JobMarket", [
    manager,
    { asset, registry, vault, feeRouter, revenue: emissionController, oracleHub },
    {
      minLeaseDuration: m.getParameter("minLeaseDuration", 3_600n),
      cancelNotice: m.getParameter("cancelNotice", 3_600n),
      challengeWindow: m.getParameter("challengeWindow", 86_400n),
      minBidWindow: m.getParameter("minBidWindow", 300n),
      maxBidWindow: m.getParameter("maxBidWindow", 7n * 86_400n),
      minBidStepBps: m.getParameter("minBidStepBps", 100n),
      minLeaseValue: m.getParameter("minLeaseValue", 1_000_000n),
    },
  ]);
  // --- the reverse auction: holds open orders' escrow; the market opens its awards (wired below, once) ---
  const leaseAuction = m.contract("LeaseAuction", [jobMarket]);
  const paymentChannels = m.contract("PaymentChannels", [
    manager,
    asset,
    registry,
    feeRouter,
    emissionController,
    m.getParameter("channelThawPeriod", 2n * 86_400n),
  ]);

  // --- SLA bonds: locked by the market's awards, settled with the hub's uptime leaves ---
  const slaBondManager = m.contract("SlaBondManager", [
    manager,
    asset,
    jobMarket,
    oracleHub,
    SLA_TIERS.map(({ name: _name, ...tier }) => tier),
    {
      exitPenaltyBps: m.getParameter("slaExitPenaltyBps", 1_000n),
      breachFaultThreshold: m.getParameter("slaBreachFaultThreshold", 3n),
    },
  ]);

  // --- slashing: proposals from hub-accepted fault reports and the SLA bonds' repeated breaches ---
  const slashingManager = m.contract("SlashingManager", [
    manager,
    { token, registry, vault, oracleHub, jobMarket, slaBondManager },
    {
      vetoWindow: m.getParameter("slashVetoWindow", 2n * 86_400n),
      rateWindow: m.getParameter("slashRateWindow", 86_400n),
      jailCooldown: m.getParameter("slashJailCooldown", 7n * 86_400n),
      bountyBps: m.getParameter("slashBountyBps", 1_000n),
      maxPerEvent: m.getParameter("slashMaxPerEvent", 10_000n * 10n ** 18n),
      maxPerWindow: m.getParameter("slashMaxPerWindow", 50_000n * 10n ** 18n),
    },
    m.getParameter<bigint[]>("slashBpsByKind", [10_000n, 10_000n, 10_000n, 3_333n, 3_333n, 10_000n]),
  ]);

  // --- disputes: the client's deposit, the quorum's verdict or the arbitrator, then escrow, deposit and stake ---
  const disputeManager = m.contract("DisputeManager", [
    manager,
    { asset, jobMarket, oracleHub, slashingManager, vault },
    {
      minDeposit: m.getParameter("disputeMinDeposit", 10_000_000n),
      depositBps: m.getParameter("disputeDepositBps", 500n),
      verdictWindow: m.getParameter("disputeVerdictWindow", 2n * 86_400n),
      arbitrationWindow: m.getParameter("disputeArbitrationWindow", 3n * 86_400n),
    },
  ]);
  // Ignition parameters cannot default to a future: the caller passes the arbitrator, or it is the timelock.
  const arbitrator = opts.arbitrator ?? timelock;

  // One-time wiring, while the deployer is the AccessManager's admin (unmapped functions default to ADMIN). Each setter
  // reverts once set, so these powers never move: no AccessManager role can mint, fund rewards, slash, jail, attest or
  // settle disputed escrow.
  const wiring = [
    m.call(token, "setMinter", [emissionController], { id: "Token_setMinter" }),
    m.call(vault, "setEmissionController", [emissionController], { id: "Vault_setEmissionController" }),
    m.call(registry, "setOracleHub", [oracleHub], { id: "Registry_setOracleHub" }),
    m.call(slaBondManager, "setFaultSink", [slashingManager], { id: "Sla_setFaultSink" }),
    m.call(jobMarket, "setSlaBondManager", [slaBondManager], { id: "Market_setSlaBondManager" }),
    m.call(jobMarket, "setLeaseAuction", [leaseAuction], { id: "Market_setLeaseAuction" }),
    m.call(registry, "setStakingVault", [vault], { id: "Registry_setStakingVault" }),
    m.call(registry, "setJobMarket", [jobMarket], { id: "Registry_setJobMarket" }),
    m.call(registry, "setSlashingManager", [slashingManager], { id: "Registry_setSlashingManager" }),
    // The window setters find each other's windows through the registry (the vault's exposure tail covers them all).
    m.call(registry, "setDisputeManager", [disputeManager], { id: "Registry_setDisputeManager" }),
    m.call(emissionController, "wireRecorders", [jobMarket, paymentChannels], { id: "Emissions_wireRecorders" }),
    ...MODEL_CLASSES.map((mc) =>
      m.call(registry, "setModelClass", [modelClassId(mc.name), mc.stakePerGpu, true], {
        id: `Registry_modelClass_${mc.name.replace(/[^A-Za-z0-9]/g, "_")}`,
      }),
    ),
  ];

  // --- function -> role map ---
  const targets = {
    CinderToken: token,
    ProviderRegistry: registry,
    StakingVault: vault,
    FeeRouter: feeRouter,
    EmissionController: emissionController,
    JobMarket: jobMarket,
    PaymentChannels: paymentChannels,
    BuybackBurner: buybackBurner,
    OracleHub: oracleHub,
    SlaBondManager: slaBondManager,
    SlashingManager: slashingManager,
    DisputeManager: disputeManager,
  } as const;
  const mapping: ReturnType<typeof m.call>[] = [];
  for (const [contractName, roles] of Object.entries(FUNCTION_ROLES) as [
    keyof typeof targets,
    Partial<Record<RoleName, readonly string[]>>,
  ][]) {
    for (const [role, signatures] of Object.entries(roles) as [RoleName, readonly string[]][]) {
      mapping.push(
        m.call(
          manager,
          "setTargetFunctionRole",
          [targets[contractName], signatures.map((s) => toFunctionSelector(s)), ROLES[role]],
          { id: `Manager_map_${contractName}_${role}`, after: wiring },
        ),
      );
    }
  }
  const labels = Object.entries(ROLE_LABELS).map(([role, label]) =>
    m.call(manager, "labelRole", [ROLES[role as RoleName], label], { id: `Manager_label_${role}` }),
  );

  // --- grants ---
  const grants = [
    m.call(manager, "grantRole", [ROLES.GOVERNANCE, timelock, 0n], { id: "Manager_grant_governance" }),
    m.call(manager, "grantRole", [ROLES.GUARDIAN, guardian, 0n], { id: "Manager_grant_guardian" }),
    // Governance can pause and unpause too (it can always re-grant the guardian anyway).
    m.call(manager, "grantRole", [ROLES.GUARDIAN, timelock, 0n], { id: "Manager_grant_guardian_timelock" }),
    m.call(manager, "grantRole", [ROLES.ADMIN, timelock, 0n], { id: "Manager_grant_admin_timelock" }),
    // The arbitrator decides abstained disputes: the first one acts at once.
    m.call(manager, "grantRole", [ROLES.ARBITRATOR, arbitrator, 0n], { id: "Manager_grant_arbitrator" }),
  ];

  // --- delays, set after the first grants: any later grant of any role, and any remap, closing or authority change
  // of any target (the manager's own functions on it included), waits `accessDelay`, longer than the longest exit, so
  // a staker who starts exiting when such a proposal becomes visible is out before it can act ---
  const delays = [
    ...(["ADMIN", "GOVERNANCE", "GUARDIAN", "ARBITRATOR"] as const).map((role) =>
      m.call(manager, "setGrantDelay", [ROLES[role], accessDelay], { id: `Manager_grantDelay_${role}`, after: grants }),
    ),
    ...Object.entries({ CinderAccessManager: manager, ...targets }).map(([name, target]) =>
      m.call(manager, "setTargetAdminDelay", [target, accessDelay], { id: `Manager_adminDelay_${name}`, after: mapping }),
    ),
  ];

  // --- handover: the deployer keeps nothing ---
  m.call(manager, "renounceRole", [ROLES.ADMIN, deployer], {
    id: "Manager_renounce_admin",
    after: [...wiring, ...mapping, ...labels, ...grants, ...delays],
  });
  m.call(timelock, "renounceRole", [TIMELOCK_ADMIN_ROLE, deployer], {
    id: "Timelock_renounce_admin",
    after: [grantProposer, grantCanceller],
  });

  return {
    manager,
    token,
    timelock,
    governor,
    registry,
    vault,
    feeRouter,
    emissionController,
    jobMarket,
    leaseAuction,
    paymentChannels,
    buybackBurner,
    oracleHub,
    slaBondManager,
    slashingManager,
    disputeManager,
  };
}
