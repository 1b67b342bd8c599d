/**
 * The AccessManager's role ids and the map from each restricted function of each Cinder contract to its role.
 * The Ignition module applies this map; a test checks it against the contracts' ABIs, so every `restricted`
 * function is mapped and every signature here exists.
 *
 * Hooks on the job market's hot path (registry capacity, vault exposure, revenue recording, SLA bond locks) are not roles: they
 * check addresses wired once at deployment, because an AccessManager check costs about 13,000 gas per call. The same holds
 * for the SlashingManager's execute path: the vault's `executeSlash` (and its bounty payments and burns) accept only the
 * SlashingManager wired in the registry, and the registry's `jail` lets it through without the AccessManager (other
 * callers still need SLASHER).
 */
export const ROLES = {
  /** AccessManager.ADMIN_ROLE: the timelock after deployment. */
  ADMIN: 0n,
  /** Governance: the timelock. Parameter setters. */
  GOVERNANCE: 1n,
  /** Guardian multisig: pause new activity, veto a pending slash (SlashingManager.veto). Never moves funds. */
  GUARDIAN: 2n,
  /** Mints CNDR emissions: the EmissionController. */
  MINTER: 10n,
  /** Funds pool rewards: the EmissionController. */
  REWARDER: 11n,
  /** Slashes stake, holds withdrawals under a pending slash and jails providers: the SlashingManager (whose execute
   * path uses the registry's wiring instead). */
  SLASHER: 12n,
  /** Writes oracle-verified GPU attestations: the OracleHub. */
  ATTESTOR: 14n,
  /**
   * The dispute path: freezes and settles disputed batch jobs (JobMarket) and proposes a lost dispute's job-fraud
   * slash (SlashingManager). The DisputeManager only.
   */
  DISPUTE_RESOLVER: 16n,
  /**
   * Decides a job dispute when the oracle quorum abstains or stays silent, before a deadline (DisputeManager
   * `arbitrate`). Set by governance (the timelock by default); a new grant waits the AccessManager's grant delay
   * (the long governance-change delay, 7 days on public networks).
   */
  ARBITRATOR: 17n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Labels shown by the AccessManager's RoleLabel events (and in explorers). */
export const ROLE_LABELS: Record<Exclude<RoleName, "ADMIN">, string> = {
  GOVERNANCE: "GOVERNANCE",
  GUARDIAN: "GUARDIAN",
  MINTER: "MINTER",
  REWARDER: "REWARDER",
  SLASHER: "SLASHER",
  ATTESTOR: "ATTESTOR",
  DISPUTE_RESOLVER: "DISPUTE_RESOLVER",
  ARBITRATOR: "ARBITRATOR",
};

/** Contract name -> role -> restricted function signatures. */
export const FUNCTION_ROLES = {
  CinderToken: {
    MINTER: ["mint(address,uint256)"],
  },
  ProviderRegistry: {
    GOVERNANCE: [
      "setModelClass(bytes32,uint96,bool)",
      "setCommissionIncreaseDelay(uint40)",
      "setStakingVault(address)",
      "setJobMarket(address)",
      "setSlashingManager(address)",
      "setDisputeManager(address)",
    ],
    GUARDIAN: ["pause()", "unpause()"],
    SLASHER: ["jail(address,uint40)"],
    ATTESTOR: [
      "recordAttestation((address,bytes32,bytes32,uint32,uint8,bytes32,uint40))",
      "revokeGpu(address,bytes32)",
    ],
  },
  StakingVault: {
    GOVERNANCE: [
      "setUnbondingPeriod(uint40)",
      "setExposureTail(uint40)",
      "setDelegationCapMultiple(uint16)",
      "setMinDelegation(uint128)",
    ],
    GUARDIAN: ["pause()", "unpause()"],
    REWARDER: ["notifyReward(address,uint256)", "streamReward(address,uint256,uint40)"],
    SLASHER: ["slash(address,uint256,address)", "holdForSlash(address)", "releaseSlashHold(address)"],
  },
  FeeRouter: {
    GOVERNANCE: ["proposeFeeConfig((uint16,uint16,address,address))", "cancelFeeConfigChange()"],
  },
  EmissionController: {
    GOVERNANCE: ["wireRecorders(address,address)", "setParams((uint128,uint16,uint40))"],
  },
  JobMarket: {
    GOVERNANCE: ["setParams((uint40,uint40,uint40,uint40,uint40,uint16,uint128,uint128))", "setSlaBondManager(address)"],
    GUARDIAN: ["pause()", "unpause()"],
    DISPUTE_RESOLVER: ["dispute(uint256,address)", "resolveDispute(uint256,uint256)"],
  },
  PaymentChannels: {
    GOVERNANCE: ["setThawPeriod(uint40)"],
    GUARDIAN: ["pause()", "unpause()"],
  },
  BuybackBurner: {
    GOVERNANCE: ["setParams((uint128,uint40,uint40,uint16))"],
  },
  // Report submission is open to anyone and never pausable; only oracle-set changes are governance's.
  OracleHub: {
    GOVERNANCE: ["proposeOracleSet(address[])", "cancelOracleSet()"],
  },
  // Settlement, bonds and balances are anyone's; the lease hooks check the wired JobMarket's address.
  SlaBondManager: {
    GOVERNANCE: [
      "setTier(uint8,(uint32,uint32,uint32,uint16,uint16,uint16,uint8))",
      "setParams((uint16,uint16))",
      "setFaultSink(address)",
    ],
  },
  // Proposing (from hub-accepted fault reports) and executing after the veto window are anyone's; the
  // repeated-breach hook checks the wired SlaBondManager's address (deployed before it); the lost-dispute hook is
  // the DisputeManager's role (deployed after it, so it cannot be an immutable address).
  SlashingManager: {
    GOVERNANCE: ["setParams((uint40,uint40,uint40,uint16,uint96,uint96))", "setSlashBps(uint8,uint16)"],
    GUARDIAN: ["veto(bytes32)"],
    DISPUTE_RESOLVER: ["onDisputeLost(address,uint256,address)"],
  },
  // Specs, disputes, verdicts, expiry and withdrawals are anyone's (each checks its own caller).
  DisputeManager: {
    GOVERNANCE: ["setParams((uint96,uint16,uint40,uint40))"],
    ARBITRATOR: ["arbitrate(uint256,uint8,uint256)"],
  },
} as const satisfies Record<string, Partial<Record<RoleName, readonly string[]>>>;

export type ManagedContract = keyof typeof FUNCTION_ROLES;
