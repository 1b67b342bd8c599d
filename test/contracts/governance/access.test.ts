/**
 * Invariant 7 (DESIGN.md): only governance changes parameters, within bounds; the guardian can only pause and
 * veto. The checks are driven by the contracts' ABIs, so a function added later is covered without editing this
 * file: every non-view function of every contract `deploy/roles.ts` maps (CinderToken, ProviderRegistry,
 * StakingVault and the market contracts) is called by a stranger with arguments built from its input types, and
 * the set the AccessManager refuses must be exactly the set roles.ts maps.
 */
import { expect } from "chai";
import { BaseContract, type ErrorFragment, type FunctionFragment, Interface, type ParamType } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { FUNCTION_ROLES, ROLES, WIRED_POWERS, type ManagedContract, type RoleName } from "../../../deploy/roles.js";
import { DEFAULT_ACCESS_DELAY } from "../../../deploy/config.js";
import { connectCinder, H100, managedContracts, ONE, onboardProvider, type Cinder } from "../../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
/** Functions of AccessManaged that only the AccessManager itself may call (through `updateAuthority`). */
const MANAGER_ONLY = ["setAuthority(address)"];
type AssignableRole = Exclude<RoleName, "ADMIN">;

type Outcome =
  | { kind: "success" }
  | { kind: "revert"; name: string; args: unknown[] }
  | { kind: "unknown"; detail: string };

function show(o: Outcome): string {
  if (o.kind === "success") return "success";
  if (o.kind === "unknown") return `undecoded revert (${o.detail})`;
  return `${o.name}(${o.args.map(String).join(", ")})`;
}

function managedEntries(c: Cinder): [ManagedContract, BaseContract][] {
  return Object.entries(managedContracts(c)) as [ManagedContract, BaseContract][];
}

/** Every custom error any Cinder contract can bubble up, to decode a revert wherever it comes from. */
function errorDecoder(c: Cinder): Interface {
  const seen = new Map<string, ErrorFragment>();
  for (const contract of [...Object.values(managedContracts(c)), c.manager, c.governor, c.timelock, c.stablecoin]) {
    contract.interface.forEachError((fragment) => seen.set(fragment.selector, fragment));
  }
  return new Interface([...seen.values()]);
}

function revertData(error: unknown): string | undefined {
  const e = error as { data?: unknown; error?: { data?: unknown } };
  const data = e.data ?? e.error?.data;
  if (typeof data === "string") return data;
  if (data !== null && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
    return (data as { data: string }).data;
  }
  return undefined;
}

/** Arguments built from the ABI input types only, so any function added later gets some. */
interface ArgContext {
  address: string;
  bytes32: string;
}

function argFor(param: ParamType, ctx: ArgContext): unknown {
  const base = param.baseType;
  if (base === "address") return ctx.address;
  if (base === "bool") return true;
  if (base === "string") return "x";
  if (base === "bytes") return "0x";
  if (base === "bytes32") return ctx.bytes32;
  if (base === "tuple") return (param.components ?? []).map((component) => argFor(component, ctx));
  if (base === "array") {
    const child = param.arrayChildren;
    if (param.arrayLength === null || param.arrayLength < 0 || child === null) return [];
    return Array.from({ length: param.arrayLength }, () => argFor(child, ctx));
  }
  if (/^u?int\d*$/.test(base)) return 1n;
  const fixedBytes = /^bytes(\d+)$/.exec(base);
  if (fixedBytes !== null) return `0x${"11".repeat(Number(fixedBytes[1]))}`;
  throw new Error(`access.test: no generic argument for ABI type ${param.type}; extend argFor`);
}

function argsFor(fragment: FunctionFragment, ctx: ArgContext): unknown[] {
  return fragment.inputs.map((input) => argFor(input, ctx));
}

function mutatingFunctions(contract: BaseContract): FunctionFragment[] {
  const fragments: FunctionFragment[] = [];
  contract.interface.forEachFunction((fragment) => {
    if (fragment.stateMutability !== "view" && fragment.stateMutability !== "pure") fragments.push(fragment);
  });
  return fragments;
}

/** Runs the call as `signer` without mining it and decodes what happened. */
async function probe(
  decoder: Interface,
  contract: BaseContract,
  signer: HardhatEthersSigner,
  fragment: FunctionFragment,
  args: unknown[],
): Promise<Outcome> {
  try {
    await (contract.connect(signer) as BaseContract).getFunction(fragment.format("sighash")).staticCall(...args);
    return { kind: "success" };
  } catch (error) {
    const data = revertData(error);
    if (data === undefined) return { kind: "unknown", detail: (error as Error).message };
    // A revert without data (e.g. a call into an account with no code): never an access check, which always
    // names its error.
    if (data === "0x") return { kind: "revert", name: "<no data>", args: [] };
    const parsed = decoder.parseError(data);
    if (parsed === null) return { kind: "unknown", detail: data };
    return { kind: "revert", name: parsed.name, args: [...parsed.args] };
  }
}

function isRefusedAs(outcome: Outcome, account: string): boolean {
  return (
    outcome.kind === "revert" &&
    outcome.name === "AccessManagedUnauthorized" &&
    String(outcome.args[0]).toLowerCase() === account.toLowerCase()
  );
}

/** The mapped functions of one contract, as [role, signature] pairs. */
function mappedFunctions(name: ManagedContract): [AssignableRole, string][] {
  const roles = FUNCTION_ROLES[name] as Partial<Record<AssignableRole, readonly string[]>>;
  return (Object.entries(roles) as [AssignableRole, readonly string[]][]).flatMap(([role, signatures]) =>
    signatures.map((signature): [AssignableRole, string] => [role, signature]),
  );
}

/** Who is meant to hold each role: the named accounts of the fixture and the roles the deployment intends. */
function intendedHolders(c: Cinder) {
  const holders: { name: string; signer: HardhatEthersSigner; roles: AssignableRole[] }[] = [
    // The timelock is governance, may pause too, and is the default arbitrator of abstained disputes.
    { name: "governance", signer: c.governance, roles: ["GOVERNANCE", "GUARDIAN", "ARBITRATOR"] },
    { name: "guardian", signer: c.guardian, roles: ["GUARDIAN"] },
    // The protocol's own contracts hold their powers by wired address (WIRED_POWERS), never by a role.
    { name: "emission controller", signer: c.rewarder, roles: [] },
    { name: "slashing manager", signer: c.slasher, roles: [] },
    { name: "job market", signer: c.exposure, roles: [] },
    { name: "dispute manager", signer: c.disputeResolver, roles: [] },
    { name: "oracle hub", signer: c.attestor, roles: [] },
  ];
  return holders;
}

/** The error each wired power reverts with for any caller but the contract wired to it. */
const NOT_WIRED: Record<string, string> = {
  "CinderToken.mint(address,uint256)": "CinderTokenNotMinter",
  "StakingVault.notifyReward(address,uint256)": "StakingVaultNotEmissionController",
  "StakingVault.streamReward(address,uint256,uint40)": "StakingVaultNotEmissionController",
  "ProviderRegistry.jail(address,uint40)": "ProviderRegistryNotSlashingManager",
  "ProviderRegistry.recordAttestation((address,bytes32,bytes32,uint32,uint8,bytes32,uint40,uint40))":
    "ProviderRegistryNotOracleHub",
  "ProviderRegistry.revokeGpu(address,bytes32)": "ProviderRegistryNotOracleHub",
  "JobMarket.dispute(uint256,address)": "JobMarketNotDisputeManager",
  "JobMarket.resolveDispute(uint256,uint256)": "JobMarketNotDisputeManager",
  "JobMarket.openAuctionLease((uint256,address,bytes32,uint16,uint40,uint8,uint256,uint256,address,uint40,address,uint40))":
    "JobMarketNotLeaseAuction",
  "JobMarket.moveAuctionBidLock(address,address,uint256)": "JobMarketNotLeaseAuction",
  "SlashingManager.onDisputeLost(address,uint256,address)": "SlashingManagerNotDisputeManager",
};

/** The fixture's signer for each wired contract. */
function wiredSigner(c: Cinder, contract: string): HardhatEthersSigner {
  const signers: Record<string, HardhatEthersSigner> = {
    EmissionController: c.rewarder,
    SlashingManager: c.slasher,
    OracleHub: c.attestor,
    DisputeManager: c.disputeResolver,
    LeaseAuction: c.auctioneer,
  };
  return signers[contract];
}

/** Provider 0 registered with two attested H100s and staked, so role calls about it are plausible. */
async function withProvider(c: Cinder): Promise<ArgContext> {
  await onboardProvider(c, c.providers[0]);
  return { address: c.providers[0].address, bytes32: H100 };
}

describe("Invariant 7: restricted functions", function () {
  it("refuses a stranger exactly the functions roles.ts maps (and the manager-only setAuthority)", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    const decoder = errorDecoder(c);
    for (const [name, contract] of managedEntries(c)) {
      const refused: string[] = [];
      for (const fragment of mutatingFunctions(contract)) {
        const signature = fragment.format("sighash");
        const outcome = await probe(decoder, contract, c.stranger, fragment, argsFor(fragment, ctx));
        expect(outcome.kind, `${name}.${signature} by a stranger: ${show(outcome)}`).to.not.equal("unknown");
        if (isRefusedAs(outcome, c.stranger.address)) refused.push(signature);
      }
      const expected = [...mappedFunctions(name).map(([, signature]) => signature), ...MANAGER_ONLY];
      expect([...refused].sort(), `${name}: functions the AccessManager refuses a stranger`).to.deep.equal(
        [...expected].sort(),
      );
    }
  });

  it("reverts every mapped function for a stranger with AccessManagedUnauthorized", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    for (const [name, contract] of managedEntries(c)) {
      for (const [, signature] of mappedFunctions(name)) {
        const fragment = contract.interface.getFunction(signature);
        expect(fragment, `${name}.${signature} is in the ABI`).to.not.equal(null);
        const call = (contract.connect(c.stranger) as BaseContract).getFunction(signature);
        await expect(call(...argsFor(fragment!, ctx)), `${name}.${signature}`)
          .to.be.revertedWithCustomError(contract, "AccessManagedUnauthorized")
          .withArgs(c.stranger.address);
      }
    }
  });

  it("lets the holder of each role through the access check of its functions", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    const decoder = errorDecoder(c);
    const holders = intendedHolders(c);
    for (const [name, contract] of managedEntries(c)) {
      for (const [role, signature] of mappedFunctions(name)) {
        const fragment = contract.interface.getFunction(signature)!;
        const roleHolders = holders.filter((h) => h.roles.includes(role));
        expect(roleHolders.length, `${name}.${signature}: a test account holding ${role}`).to.be.greaterThan(0);
        for (const holder of roleHolders) {
          const [holds] = await c.manager.hasRole(ROLES[role], holder.signer.address);
          expect(holds, `${holder.name} holds ${role}`).to.equal(true);
          const outcome = await probe(decoder, contract, holder.signer, fragment, argsFor(fragment, ctx));
          const label = `${name}.${signature} by ${holder.name} (${role}): ${show(outcome)}`;
          expect(outcome.kind, label).to.not.equal("unknown");
          if (outcome.kind === "revert") expect(outcome.name, label).to.not.match(/^AccessManage/);
        }
      }
    }
  });

  it("runs the wired powers for their contracts and role functions for their holders: mint, pause, jail, slash, reward, set a parameter", async function () {
    const c = await loadCinder();
    await withProvider(c);
    const provider = c.providers[0].address;
    await expect(c.token.connect(c.rewarder).mint(c.stranger.address, ONE)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [c.stranger],
      [ONE],
    );
    await expect(c.vault.connect(c.guardian).pause()).to.emit(c.vault, "Paused").withArgs(c.guardian.address);
    await expect(c.registry.connect(c.slasher).jail(provider, 1n))
      .to.emit(c.registry, "ProviderJailed")
      .withArgs(provider, 1n);
    const vault = await c.vault.getAddress();
    const slash = c.vault.connect(c.slasher).executeSlash(provider, ONE, 0, false);
    await expect(slash).to.emit(c.vault, "Slashed").withArgs(provider, ONE, ONE, ONE, 0n, 0n, vault);
    await expect(slash).to.changeTokenBalances(c.ethers, c.token, [c.vault, c.slasher], [0n, 0n]);
    await expect(c.registry.connect(c.exposure).commitCapacity(provider, H100, 1))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(provider, H100, 1n, 1n);
    await expect(c.vault.connect(c.exposure).recordExposure(provider, ONE, 1_000n))
      .to.emit(c.vault, "ExposureRecorded")
      .withArgs(provider, ONE, ONE, 1_000n);
    const reward = c.vault.connect(c.rewarder).notifyReward(provider, ONE);
    await expect(reward).to.emit(c.vault, "RewardNotified");
    await expect(reward).to.changeTokenBalances(c.ethers, c.token, [c.rewarder, c.vault], [-ONE, ONE]);
    await expect(c.vault.connect(c.governance).setMinDelegation(2n * ONE))
      .to.emit(c.vault, "MinDelegationSet")
      .withArgs(2n * ONE);
  });

  it("refuses each role's functions to the holders of every other role", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    const decoder = errorDecoder(c);
    const holders = intendedHolders(c);
    for (const [name, contract] of managedEntries(c)) {
      for (const [role, signature] of mappedFunctions(name)) {
        const fragment = contract.interface.getFunction(signature)!;
        for (const holder of holders.filter((h) => !h.roles.includes(role))) {
          const outcome = await probe(decoder, contract, holder.signer, fragment, argsFor(fragment, ctx));
          expect(
            isRefusedAs(outcome, holder.signer.address),
            `${name}.${signature} (${role}) by ${holder.name}: ${show(outcome)}`,
          ).to.equal(true);
        }
      }
    }
  });

  it("gives the guardian no power but pause, unpause and a slash veto", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    for (const [name, contract] of managedEntries(c)) {
      for (const [role, signature] of mappedFunctions(name)) {
        if (role === "GUARDIAN") {
          const allowed = name === "SlashingManager" ? ["veto(bytes32)"] : ["pause()", "unpause()"];
          expect(signature, `${name}: the guardian's functions`).to.be.oneOf(allowed);
          continue;
        }
        const fragment = contract.interface.getFunction(signature)!;
        const call = (contract.connect(c.guardian) as BaseContract).getFunction(signature);
        await expect(call(...argsFor(fragment, ctx)), `${name}.${signature} by the guardian`)
          .to.be.revertedWithCustomError(contract, "AccessManagedUnauthorized")
          .withArgs(c.guardian.address);
      }
    }
  });
});

describe("Invariant 7: governance setters stay within bounds", function () {
  it("rejects every governance setter's out-of-bounds values, even from governance", async function () {
    const c = await loadCinder();
    const g = c.governance;
    const registry = c.registry.connect(g);
    const vault = c.vault.connect(g);
    const MAX_STAKE = 10_000_000n * ONE;
    const MIN_DELEGATION = 10n ** 15n;
    const MAX_DELEGATION = 1_000n * ONE;
    const registryBound = "ProviderRegistryParameterOutOfBounds";
    const vaultBound = "StakingVaultParameterOutOfBounds";
    type Row = [BaseContract, string, () => Promise<unknown>, [string, bigint, bigint, bigint]];
    const outOfBounds: Row[] = [
      [
        c.registry,
        registryBound,
        () => registry.setModelClass(H100, ONE - 1n, true),
        ["stakePerGpu", ONE - 1n, ONE, MAX_STAKE],
      ],
      [
        c.registry,
        registryBound,
        () => registry.setModelClass(H100, MAX_STAKE + 1n, true),
        ["stakePerGpu", MAX_STAKE + 1n, ONE, MAX_STAKE],
      ],
      [
        c.registry,
        registryBound,
        () => registry.setCommissionIncreaseDelay(DAY - 1n),
        ["commissionIncreaseDelay", DAY - 1n, DAY, 60n * DAY],
      ],
      [
        c.registry,
        registryBound,
        () => registry.setCommissionIncreaseDelay(60n * DAY + 1n),
        ["commissionIncreaseDelay", 60n * DAY + 1n, DAY, 60n * DAY],
      ],
      [c.vault, vaultBound, () => vault.setUnbondingPeriod(DAY - 1n), ["unbondingPeriod", DAY - 1n, DAY, 60n * DAY]],
      [
        c.vault,
        vaultBound,
        () => vault.setUnbondingPeriod(60n * DAY + 1n),
        ["unbondingPeriod", 60n * DAY + 1n, DAY, 60n * DAY],
      ],
      [c.vault, vaultBound, () => vault.setExposureTail(59n * DAY + 1n), ["exposureTail", 59n * DAY + 1n, 0n, 59n * DAY]],
      [c.vault, vaultBound, () => vault.setDelegationCapMultiple(0n), ["delegationCapMultiple", 0n, 1n, 20n]],
      [c.vault, vaultBound, () => vault.setDelegationCapMultiple(21n), ["delegationCapMultiple", 21n, 1n, 20n]],
      [
        c.vault,
        vaultBound,
        () => vault.setMinDelegation(MIN_DELEGATION - 1n),
        ["minDelegation", MIN_DELEGATION - 1n, MIN_DELEGATION, MAX_DELEGATION],
      ],
      [
        c.vault,
        vaultBound,
        () => vault.setMinDelegation(MAX_DELEGATION + 1n),
        ["minDelegation", MAX_DELEGATION + 1n, MIN_DELEGATION, MAX_DELEGATION],
      ],
    ];
    for (const [contract, error, call, args] of outOfBounds) {
      await expect(call(), `${args[0]} = ${args[1]}`)
        .to.be.revertedWithCustomError(contract, error)
        .withArgs(...args);
    }
  });

  it("covers every GOVERNANCE function of the registry and the vault with a bounds check", async function () {
    // Keeps the table above honest: a new registry or vault governance function must get its bounds row.
    const covered = [
      "ProviderRegistry.setModelClass(bytes32,uint96,bool)",
      "ProviderRegistry.setCommissionIncreaseDelay(uint40)",
      // Wired once at deployment; their bound is "only once", checked below.
      "ProviderRegistry.setStakingVault(address)",
      "ProviderRegistry.setJobMarket(address)",
      "ProviderRegistry.setSlashingManager(address)",
      "ProviderRegistry.setOracleHub(address)",
      "StakingVault.setEmissionController(address)",
      "ProviderRegistry.setDisputeManager(address)",
      "StakingVault.setUnbondingPeriod(uint40)",
      "StakingVault.setExposureTail(uint40)",
      "StakingVault.setDelegationCapMultiple(uint16)",
      "StakingVault.setMinDelegation(uint128)",
    ];
    const governance = (["ProviderRegistry", "StakingVault"] as const).flatMap((name) =>
      mappedFunctions(name)
        .filter(([role]) => role === "GOVERNANCE")
        .map(([, signature]) => `${name}.${signature}`),
    );
    expect(governance.sort()).to.deep.equal(covered.sort());
    const c = await loadCinder();
    await expect(c.registry.connect(c.governance).setStakingVault(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryVaultAlreadySet")
      .withArgs(await c.vault.getAddress());
    await expect(c.registry.connect(c.governance).setJobMarket(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryMarketAlreadySet")
      .withArgs(await c.jobMarket.getAddress());
    await expect(c.registry.connect(c.governance).setSlashingManager(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistrySlashingManagerAlreadySet")
      .withArgs(await c.slashingManager.getAddress());
    await expect(c.registry.connect(c.governance).setDisputeManager(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryDisputeManagerAlreadySet")
      .withArgs(await c.disputeManager.getAddress());
    await expect(c.registry.connect(c.governance).setOracleHub(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryOracleHubAlreadySet")
      .withArgs(await c.oracleHub.getAddress());
    await expect(c.vault.connect(c.governance).setEmissionController(c.stranger.address))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultEmissionControllerAlreadySet")
      .withArgs(await c.emissions.getAddress());
    await expect(c.token.connect(c.governance).setMinter(c.stranger.address))
      .to.be.revertedWithCustomError(c.token, "CinderTokenMinterAlreadySet")
      .withArgs(await c.emissions.getAddress());
  });
});

describe("Powers: every fund-moving or minting function checks its wired contract, never a role", function () {
  it("maps none of WIRED_POWERS in the AccessManager and refuses each to everyone but its wired contract", async function () {
    const c = await loadCinder();
    const ctx = await withProvider(c);
    const decoder = errorDecoder(c);
    const contracts = managedContracts(c);
    const mapped = new Set(
      managedEntries(c).flatMap(([name]) => mappedFunctions(name).map(([, signature]) => `${name}.${signature}`)),
    );
    for (const [name, powers] of Object.entries(WIRED_POWERS) as [ManagedContract, Record<string, string>][]) {
      const contract = contracts[name];
      for (const [signature, wiredTo] of Object.entries(powers)) {
        const key = `${name}.${signature}`;
        expect(mapped.has(key), `${key} is not an AccessManager role's`).to.equal(false);
        const fragment = contract.interface.getFunction(signature)!;
        // The wired contract gets past the caller check (what it then checks is not access).
        const wired = await probe(decoder, contract, wiredSigner(c, wiredTo), fragment, argsFor(fragment, ctx));
        if (wired.kind === "revert") {
          expect(wired.name, `${key} by ${wiredTo}`).to.not.match(/^AccessManage/);
          expect(wired.name, `${key} by ${wiredTo}`).to.not.equal(NOT_WIRED[key]);
        }
        if (NOT_WIRED[key] === undefined) continue; // the SlashingManager's vault hooks are checked in staking tests
        for (const caller of [c.stranger, c.governance, c.guardian, c.deployer]) {
          const outcome = await probe(decoder, contract, caller, fragment, argsFor(fragment, ctx));
          expect(show(outcome), `${key} by ${caller.address}`).to.equal(`${NOT_WIRED[key]}(${caller.address})`);
        }
      }
    }
  });
});

describe("Invariant 7: job-market hooks", function () {
  it("refuses capacity and exposure hooks to everyone but the wired job market", async function () {
    const c = await loadCinder();
    const { address: provider } = await withProvider(c);
    for (const caller of [c.stranger, c.governance, c.guardian, c.slasher, c.attestor]) {
      await expect(c.registry.connect(caller).commitCapacity(provider, H100, 1))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotMarket")
        .withArgs(caller.address);
      await expect(c.registry.connect(caller).releaseCapacity(provider, H100, 1))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotMarket")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).recordExposure(provider, ONE, 1_000n))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotMarket")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).releaseExposure(provider, ONE, 1_000n))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotMarket")
        .withArgs(caller.address);
    }
    expect(await c.registry.jobMarket()).to.equal(c.exposure.address);
    await expect(c.registry.connect(c.exposure).commitCapacity(provider, H100, 2))
      .to.emit(c.registry, "CapacityCommitted")
      .withArgs(provider, H100, 2n, 2n);
  });
});

describe("CinderAccessManager roles", function () {
  it("leaves the deployer no role after deployment", async function () {
    const c = await loadCinder();
    for (const [role, id] of Object.entries(ROLES)) {
      const [isMember] = await c.manager.hasRole(id, c.deployer.address);
      expect(isMember, `deployer holds ${role}`).to.equal(false);
    }
    const timelockRoles = [
      await c.timelock.DEFAULT_ADMIN_ROLE(),
      await c.timelock.PROPOSER_ROLE(),
      await c.timelock.CANCELLER_ROLE(),
    ];
    for (const role of timelockRoles) {
      expect(await c.timelock.hasRole(role, c.deployer.address)).to.equal(false);
    }
  });

  it("gives the timelock the admin and governance roles, with no execution delay", async function () {
    const c = await loadCinder();
    const timelock = await c.timelock.getAddress();
    expect(await c.manager.hasRole(ROLES.ADMIN, timelock)).to.deep.equal([true, 0n]);
    expect(await c.manager.hasRole(ROLES.GOVERNANCE, timelock)).to.deep.equal([true, 0n]);
    expect(await c.manager.hasRole(ROLES.GUARDIAN, timelock)).to.deep.equal([true, 0n]);
    for (const [role, id] of Object.entries(ROLES)) {
      expect(await c.manager.getRoleAdmin(id), `admin of ${role}`).to.equal(ROLES.ADMIN);
    }
  });

  it("lets only the admin (the timelock) grant a role, and a grant takes effect only after the access delay", async function () {
    const c = await loadCinder();
    const callers = [c.stranger, c.deployer, c.guardian, c.slasher, c.rewarder, c.exposure, c.attestor];
    for (const caller of callers) {
      for (const [role, id] of Object.entries(ROLES)) {
        await expect(c.manager.connect(caller).grantRole(id, caller.address, 0), `${role} by ${caller.address}`)
          .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
          .withArgs(caller.address, ROLES.ADMIN);
      }
    }
    const tx = await c.manager.connect(c.governance).grantRole(ROLES.ARBITRATOR, c.stranger.address, 0);
    const grantedAt = BigInt((await c.ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(tx)
      .to.emit(c.manager, "RoleGranted")
      .withArgs(ROLES.ARBITRATOR, c.stranger.address, 0n, grantedAt + DEFAULT_ACCESS_DELAY, true);
    expect((await c.manager.hasRole(ROLES.ARBITRATOR, c.stranger.address))[0]).to.equal(false);
    await c.networkHelpers.time.increaseTo(grantedAt + DEFAULT_ACCESS_DELAY);
    expect((await c.manager.hasRole(ROLES.ARBITRATOR, c.stranger.address))[0]).to.equal(true);
  });

  it("lets only the admin revoke a role or remap a function", async function () {
    const c = await loadCinder();
    const vault = await c.vault.getAddress();
    const pause = c.vault.interface.getFunction("pause")!.selector;
    for (const caller of [c.stranger, c.guardian, c.deployer]) {
      await expect(c.manager.connect(caller).revokeRole(ROLES.GUARDIAN, c.guardian.address))
        .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
        .withArgs(caller.address, ROLES.ADMIN);
      await expect(c.manager.connect(caller).setTargetFunctionRole(vault, [pause], ROLES.GUARDIAN))
        .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
        .withArgs(caller.address, ROLES.ADMIN);
      await expect(c.manager.connect(caller).setTargetClosed(vault, true))
        .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
        .withArgs(caller.address, ROLES.ADMIN);
      await expect(c.manager.connect(caller).updateAuthority(vault, caller.address))
        .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
        .withArgs(caller.address, ROLES.ADMIN);
    }
    await expect(c.manager.connect(c.governance).revokeRole(ROLES.GUARDIAN, c.guardian.address))
      .to.emit(c.manager, "RoleRevoked")
      .withArgs(ROLES.GUARDIAN, c.guardian.address);
    await expect(c.vault.connect(c.guardian).pause())
      .to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized")
      .withArgs(c.guardian.address);
  });

  it("lets no account but the manager change a contract's authority", async function () {
    const c = await loadCinder();
    for (const [name, contract] of managedEntries(c)) {
      for (const caller of [c.stranger, c.governance, c.guardian]) {
        const call = (contract.connect(caller) as BaseContract).getFunction("setAuthority(address)");
        await expect(call(caller.address), `${name}.setAuthority by ${caller.address}`)
          .to.be.revertedWithCustomError(contract, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    }
  });
});
