/**
 * Hardhat Ignition module: deploys the whole Cinder protocol and wires it through the AccessManager.
 *
 * Order: AccessManager (deployer as temporary admin) -> CNDR -> Timelock -> Governor -> ProviderRegistry ->
 * StakingVault; then the one-time wiring (registry -> vault, model classes) while the deployer is still admin,
 * then the function -> role map from `roles.ts`, role grants, and finally the handover: the timelock becomes the
 * AccessManager's only admin and the deployer renounces every power it held.
 *
 * Parameters (per network, see `deploy/parameters/*.json`; defaults suit a local network):
 * treasury, guardian, genesisSupply, maxSupply, mintWindow, maxMintPerWindow, votingDelay, votingPeriod,
 * minVotingPeriod, proposalThreshold, quorumPercent, timelockDelay, timelockDelayFloor, commissionIncreaseDelay,
 * unbondingPeriod, exposureTail, delegationCapMultiple, minDelegation.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { keccak256, toBytes, toFunctionSelector, zeroAddress } from "viem";
import { MODEL_CLASSES, modelClassId } from "../config.js";
import { FUNCTION_ROLES, ROLE_LABELS, ROLES, type RoleName } from "../roles.js";

const TIMELOCK_PROPOSER_ROLE = keccak256(toBytes("PROPOSER_ROLE"));
const TIMELOCK_CANCELLER_ROLE = keccak256(toBytes("CANCELLER_ROLE"));
const TIMELOCK_ADMIN_ROLE = `0x${"00".repeat(32)}` as const;

export default buildModule("Cinder", (m) => {
  const deployer = m.getAccount(0);

  const treasury = m.getParameter("treasury", deployer);
  const guardian = m.getParameter("guardian", deployer);

  // --- access and token ---
  const manager = m.contract("CinderAccessManager", [deployer]);
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
      exposureTail: m.getParameter("exposureTail", 7n * 86_400n),
      delegationCapMultiple: m.getParameter("delegationCapMultiple", 5n),
      minDelegation: m.getParameter("minDelegation", 10n ** 18n),
    },
  ]);

  // One-time wiring, while the deployer is the AccessManager's admin (unmapped functions default to ADMIN).
  const wiring = [
    m.call(registry, "setStakingVault", [vault], { id: "Registry_setStakingVault" }),
    ...MODEL_CLASSES.map((mc) =>
      m.call(registry, "setModelClass", [modelClassId(mc.name), mc.stakePerGpu, true], {
        id: `Registry_modelClass_${mc.name.replace(/[^A-Za-z0-9]/g, "_")}`,
      }),
    ),
  ];

  // --- function -> role map ---
  const targets = { CinderToken: token, ProviderRegistry: registry, StakingVault: vault } as const;
  const mapping = [];
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
  ];

  // --- handover: the deployer keeps nothing ---
  m.call(manager, "renounceRole", [ROLES.ADMIN, deployer], {
    id: "Manager_renounce_admin",
    after: [...wiring, ...mapping, ...labels, ...grants],
  });
  m.call(timelock, "renounceRole", [TIMELOCK_ADMIN_ROLE, deployer], {
    id: "Timelock_renounce_admin",
    after: [grantProposer, grantCanceller],
  });

  return { manager, token, timelock, governor, registry, vault };
});
