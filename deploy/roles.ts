/**
 * The AccessManager's role ids and the map from each restricted function of each Cinder contract to its role.
 * The Ignition module applies this map; a test checks it against the contracts' ABIs, so every `restricted`
 * function is mapped and every signature here exists.
 *
 * No role moves funds or mints (DESIGN, "Powers"): every power that writes balances checks an address wired once at
 * deployment (`WIRED_POWERS`), so no grant, remap or authority change can reach it. What stays here (governance
 * setters, the guardian's pause and veto, the arbitrator) waits the AccessManager's delays: every role's grant delay
 * and every target's admin delay is `accessDelay`, above the longest exit (`CinderAccessManager.LONGEST_EXIT`).
 * Role ids 10, 11, 12, 14 and 16 (the former MINTER, REWARDER, SLASHER, ATTESTOR and DISPUTE_RESOLVER) are retired.
 */
export const ROLES = {
  /** AccessManager.ADMIN_ROLE: the timelock after deployment. */
  ADMIN: 0n,
  /** Governance: the timelock. Parameter setters. */
  GOVERNANCE: 1n,
  /** Guardian multisig: pause new activity, veto a pending slash (SlashingManager.veto). Never moves funds. */
  GUARDIAN: 2n,
  /**
   * Decides a job dispute when the oracle quorum abstains or stays silent, before a deadline (DisputeManager
   * `arbitrate`). Set by governance (the timelock by default); a new grant waits the AccessManager's grant delay
   * (`accessDelay`, above the longest exit).
   */
  ARBITRATOR: 17n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Labels shown by the AccessManager's RoleLabel events (and in explorers). */
export const ROLE_LABELS: Record<Exclude<RoleName, "ADMIN">, string> = {
  GOVERNANCE: "GOVERNANCE",
  GUARDIAN: "GUARDIAN",
  ARBITRATOR: "ARBITRATOR",
};

/**
 * The protocol's internal powers: who alone may call each function that mints, funds rewards, slashes, jails, writes
 * attestations or settles disputed escrow. Each checks an address wired once at deployment (immutable, a one-time
 * setter that reverts once set, or read from such a setter), never an AccessManager role.
 * Contract name -> function signature -> the contract wired to call it.
 */
export const WIRED_POWERS = {
  CinderToken: { "mint(address,uint256)": "EmissionController" },
  StakingVault: {
    "notifyReward(address,uint256)": "EmissionController",
    "streamReward(address,uint256,uint40)": "EmissionController",
    "executeSlash(address,uint256,uint256,bool)": "SlashingManager",
    "holdForSlash(address)": "SlashingManager",
    "releaseSlashHold(address)": "SlashingManager",
    "payBounty(address,uint256)": "SlashingManager",
    "burnSlashed()": "SlashingManager",
  },
  ProviderRegistry: {
    "jail(address,uint40)": "SlashingManager",
    "recordAttestation((address,bytes32,bytes32,uint32,uint8,bytes32,uint40,uint40))": "OracleHub",
    "revokeGpu(address,bytes32)": "OracleHub",
  },
  JobMarket: {
    "dispute(uint256,address)": "DisputeManager",
    "resolveDispute(uint256,uint256)": "DisputeManager",
    "openAuctionLease((uint256,address,bytes32,uint16,uint40,uint8,uint256,uint256,address,uint40,address,uint40))":
      "LeaseAuction",
    "moveAuctionBidLock(address,address,uint256)": "LeaseAuction",
  },
  SlashingManager: { "onDisputeLost(address,uint256,address)": "DisputeManager" },
} as const;

/** Contract name -> role -> restricted function signatures. */
export const FUNCTION_ROLES = {
  CinderToken: {
    GOVERNANCE: ["setMinter(address)"],
  },
  ProviderRegistry: {
    GOVERNANCE: [
      "setModelClass(bytes32,uint96,bool)",
      "setCommissionIncreaseDelay(uint40)",
      "setStakingVault(address)",
      "setJobMarket(address)",
      "setSlashingManager(address)",
      "setOracleHub(address)",
      "setDisputeManager(address)",
    ],
    GUARDIAN: ["pause()", "unpause()"],
  },
  StakingVault: {
    GOVERNANCE: [
      "setUnbondingPeriod(uint40)",
      "setExposureTail(uint40)",
      "setDelegationCapMultiple(uint16)",
      "setMinDelegation(uint128)",
      "setEmissionController(address)",
    ],
    GUARDIAN: ["pause()", "unpause()"],
  },
  FeeRouter: {
    GOVERNANCE: ["proposeFeeConfig((uint16,uint16,address,address))", "cancelFeeConfigChange()"],
  },
  EmissionController: {
    GOVERNANCE: ["wireRecorders(address,address)", "setParams((uint128,uint16,uint40))"],
  },
  JobMarket: {
    GOVERNANCE: [
      "setParams((uint40,uint40,uint40,uint40,uint40,uint16,uint128))",
      "setSlaBondManager(address)",
      "setLeaseAuction(address)",
    ],
    GUARDIAN: ["pause()", "unpause()"],
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
  // repeated-breach hook checks the wired SlaBondManager's address (deployed before it); the lost-dispute hook checks
  // the DisputeManager wired in the job market (deployed after it, so it cannot be an immutable address).
  SlashingManager: {
    GOVERNANCE: ["setParams((uint40,uint40,uint40,uint16,uint96,uint96))", "setSlashBps(uint8,uint16)"],
    GUARDIAN: ["veto(bytes32)"],
  },
  // Specs, disputes, verdicts, expiry and withdrawals are anyone's (each checks its own caller).
  DisputeManager: {
    GOVERNANCE: ["setParams((uint96,uint16,uint40,uint40))"],
    ARBITRATOR: ["arbitrate(uint256,uint8,uint256)"],
  },
} as const satisfies Record<string, Partial<Record<RoleName, readonly string[]>>>;

export type ManagedContract = keyof typeof FUNCTION_ROLES;
