/**
 * Attack PoCs for issue 15 ("governance can take staked CNDR and mint at will"), each run as a REAL proposal through
 * the deployed CinderGovernor and CinderTimelock (propose, vote, queue, execute): governance as the attacker.
 *
 * Before the fix one proposal granted the timelock SLASHER and called `StakingVault.slash(provider, amount, timelock)`:
 * every delegator's stake moved to governance in vote + timelock time, skipping the veto window, the fault caps, the
 * rate limit and the burn. The same route minted (MINTER), attested (ATTESTOR) and settled client escrow
 * (DISPUTE_RESOLVER). Now (DESIGN, "Powers"):
 * - the free-recipient slash is gone, and every internal power checks the one contract wired to it at deployment, so
 *   a granted role, a remapped selector or a new authority reaches none of them;
 * - what stays in the AccessManager waits `accessDelay` (above CinderAccessManager.LONGEST_EXIT): a grant is effective
 *   only after it, a remap or an authority change must be scheduled for it, and no proposal can lower either below
 *   the manager's floor, nor the timelock's own delay below its floor;
 * - a delegator who starts exiting when such a proposal becomes visible has its CNDR back before it can act.
 */
import { expect } from "chai";
import { id as hashText } from "ethers";
import { DEFAULT_ACCESS_DELAY } from "../../deploy/config.js";
import { ROLES } from "../../deploy/roles.js";
import { CinderAccessManager__factory } from "../../types/ethers-contracts/index.js";
import { connectCinder, H100, ONE, onboardProvider, type Cinder } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const VOTE_FOR = 1;
/** The retired SLASHER role id: governance may still grant the id, but no function is mapped to it. */
const OLD_SLASHER = 12n;
const DELEGATION = 1_000n * ONE;

interface Call {
  target: { getAddress(): Promise<string> };
  data: string;
}

interface Proposal {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  descriptionHash: string;
  id: bigint;
}

/** Proposes `calls` from the treasury (which holds most votes) and returns the proposal; nothing else yet. */
async function propose(c: Cinder, calls: Call[], description: string): Promise<Proposal> {
  if ((await c.token.delegates(c.deployer.address)) !== c.deployer.address) {
    await c.token.connect(c.deployer).delegate(c.deployer.address);
  }
  const targets = await Promise.all(calls.map((call) => call.target.getAddress()));
  const values = calls.map(() => 0n);
  const calldatas = calls.map((call) => call.data);
  await c.governor.connect(c.deployer).propose(targets, values, calldatas, description);
  const descriptionHash = hashText(description);
  const id = await c.governor.hashProposal(targets, values, calldatas, descriptionHash);
  return { targets, values, calldatas, descriptionHash, id };
}

/** Votes the proposal through, queues it and waits out the timelock: the next call may execute it. */
async function passAndQueue(c: Cinder, p: Proposal): Promise<void> {
  await c.networkHelpers.time.increase((await c.governor.votingDelay()) + 1n);
  await c.governor.connect(c.deployer).castVote(p.id, VOTE_FOR);
  await c.networkHelpers.time.increase((await c.governor.votingPeriod()) + 1n);
  await c.governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash);
  await c.networkHelpers.time.increase((await c.timelock.getMinDelay()) + 1n);
}

function execute(c: Cinder, p: Proposal) {
  return c.governor.connect(c.stranger).execute(p.targets, p.values, p.calldatas, p.descriptionHash);
}

async function run(c: Cinder, calls: Call[], description: string) {
  const p = await propose(c, calls, description);
  await passAndQueue(c, p);
  return execute(c, p);
}

/** A provider with a delegator, and what the attack would take. */
async function victim(c: Cinder) {
  const p = c.providers[0];
  const d = c.delegators[0];
  await onboardProvider(c, p);
  await c.vault.connect(d).delegate(p.address, DELEGATION);
  return { p, d, total: await c.vault.totalStake(p.address) };
}

/** The CNDR held by governance, the vault and the supply, to show none of it moved. */
async function balances(c: Cinder) {
  return {
    timelock: await c.token.balanceOf(await c.timelock.getAddress()),
    vault: await c.token.balanceOf(await c.vault.getAddress()),
    supply: await c.token.totalSupply(),
  };
}

describe("Attack: governance takes funds through a proposal (issue 15)", function () {
  it("the old proposal (grant SLASHER, slash to itself) reverts: there is no slash to a chosen recipient", async function () {
    const c = await loadCinder();
    const { p, total } = await victim(c);
    const timelock = await c.timelock.getAddress();
    const before = await balances(c);
    // StakingVault.slash(address,uint256,address) no longer exists: the call hits no function and reverts empty.
    const oldSlash = c.vault.interface.getAbiCoder().encode(["address", "uint256", "address"], [p.address, total, timelock]);
    const calls = [
      { target: c.manager, data: c.manager.interface.encodeFunctionData("grantRole", [OLD_SLASHER, timelock, 0]) },
      { target: c.vault, data: `${hashText("slash(address,uint256,address)").slice(0, 10)}${oldSlash.slice(2)}` },
    ];
    await expect(run(c, calls, "take the stake (old route)")).to.be.revertedWithCustomError(c.timelock, "FailedCall");
    expect(await balances(c)).to.deep.equal(before);
    expect(await c.vault.totalStake(p.address)).to.equal(total);
  });

  it("a granted role cannot slash through the SlashingManager's hook, hold withdrawals or jail", async function () {
    const c = await loadCinder();
    const { p, total } = await victim(c);
    const timelock = await c.timelock.getAddress();
    const before = await balances(c);
    const grant = { target: c.manager, data: c.manager.interface.encodeFunctionData("grantRole", [OLD_SLASHER, timelock, 0]) };
    const attempts: [string, Call, string][] = [
      [
        "executeSlash",
        { target: c.vault, data: c.vault.interface.encodeFunctionData("executeSlash", [p.address, total, 0, false]) },
        "StakingVaultNotSlashingManager",
      ],
      ["holdForSlash", { target: c.vault, data: c.vault.interface.encodeFunctionData("holdForSlash", [p.address]) }, "StakingVaultNotSlashingManager"],
      ["jail", { target: c.registry, data: c.registry.interface.encodeFunctionData("jail", [p.address, 2n ** 39n]) }, "ProviderRegistryNotSlashingManager"],
    ];
    for (const [name, call, error] of attempts) {
      const contract = call.target === c.vault ? c.vault : c.registry;
      await expect(run(c, [grant, call], `grant a slasher role and ${name}`), name)
        .to.be.revertedWithCustomError(contract, error)
        .withArgs(timelock);
    }
    expect(await balances(c)).to.deep.equal(before);
    expect(await c.vault.totalStake(p.address)).to.equal(total);
  });

  it("cannot mint, fund rewards, attest a GPU or settle a client's escrow", async function () {
    const c = await loadCinder();
    const { p } = await victim(c);
    const timelock = await c.timelock.getAddress();
    const before = await balances(c);
    const attestation = {
      provider: p.address,
      gpuId: hashText("fake-gpu"),
      modelClass: H100,
      memoryMiB: 81_920,
      tier: 2,
      evidenceHash: hashText("fake"),
      issuedAt: 1n,
      expiresAt: 2n ** 39n,
    };
    const attempts: [string, Call, { interface: unknown }, string][] = [
      ["mint", { target: c.token, data: c.token.interface.encodeFunctionData("mint", [timelock, 1_000_000n * ONE]) }, c.token, "CinderTokenNotMinter"],
      [
        "streamReward",
        { target: c.vault, data: c.vault.interface.encodeFunctionData("streamReward", [p.address, ONE, 30n * 86_400n]) },
        c.vault,
        "StakingVaultNotEmissionController",
      ],
      [
        "recordAttestation",
        { target: c.registry, data: c.registry.interface.encodeFunctionData("recordAttestation", [attestation]) },
        c.registry,
        "ProviderRegistryNotOracleHub",
      ],
      [
        "resolveDispute",
        { target: c.jobMarket, data: c.jobMarket.interface.encodeFunctionData("resolveDispute", [1n, 0n]) },
        c.jobMarket,
        "JobMarketNotDisputeManager",
      ],
      [
        "onDisputeLost",
        { target: c.slashingManager, data: c.slashingManager.interface.encodeFunctionData("onDisputeLost", [p.address, 1n, timelock]) },
        c.slashingManager,
        "SlashingManagerNotDisputeManager",
      ],
    ];
    for (const [name, call, contract, error] of attempts) {
      await expect(run(c, [call], `take by ${name}`), name)
        .to.be.revertedWithCustomError(contract as typeof c.token, error)
        .withArgs(timelock);
    }
    expect(await balances(c)).to.deep.equal(before);
  });

  it("a role grant waits the access delay, longer than the longest exit", async function () {
    const c = await loadCinder();
    const manager = c.manager;
    const longestExit = await manager.LONGEST_EXIT();
    expect(await manager.MIN_DELAY()).to.equal(DEFAULT_ACCESS_DELAY);
    expect(DEFAULT_ACCESS_DELAY).to.be.greaterThan(longestExit);
    // LONGEST_EXIT is the deployed vault's longest unbonding plus its longest exposure tail.
    expect(longestExit).to.equal((await c.vault.MAX_UNBONDING_PERIOD()) + (await c.vault.MAX_EXPOSURE_TAIL()));
    for (const role of [ROLES.ADMIN, ROLES.GOVERNANCE, ROLES.GUARDIAN, ROLES.ARBITRATOR]) {
      expect(await manager.getRoleGrantDelay(role), `grant delay of role ${role}`).to.equal(DEFAULT_ACCESS_DELAY);
    }
    const tx = await run(
      c,
      [{ target: manager, data: manager.interface.encodeFunctionData("grantRole", [ROLES.ARBITRATOR, c.stranger.address, 0]) }],
      "a new arbitrator",
    );
    const executedAt = BigInt((await c.ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(tx)
      .to.emit(manager, "RoleGranted")
      .withArgs(ROLES.ARBITRATOR, c.stranger.address, 0n, executedAt + DEFAULT_ACCESS_DELAY, true);
    expect((await manager.hasRole(ROLES.ARBITRATOR, c.stranger.address))[0]).to.equal(false);
    await c.networkHelpers.time.increaseTo(executedAt + longestExit);
    expect((await manager.hasRole(ROLES.ARBITRATOR, c.stranger.address))[0], "still not at the longest exit").to.equal(false);
  });

  it("a remap or an authority change cannot execute at once; scheduled, it waits longer than an exit, and a delegator who exits on seeing it is out first", async function () {
    const c = await loadCinder();
    const { p, d } = await victim(c);
    const manager = c.manager;
    const vault = await c.vault.getAddress();
    const rogue = await new CinderAccessManager__factory(c.deployer).deploy(c.stranger.address, DEFAULT_ACCESS_DELAY);
    const remap = manager.interface.encodeFunctionData("setTargetFunctionRole", [
      vault,
      [c.vault.interface.getFunction("executeSlash")!.selector, c.vault.interface.getFunction("setUnbondingPeriod")!.selector],
      ROLES.GUARDIAN,
    ]);
    const reauthorize = manager.interface.encodeFunctionData("updateAuthority", [vault, await rogue.getAddress()]);
    // Straight from the timelock: the target admin delay requires a schedule.
    for (const [name, data] of [["setTargetFunctionRole", remap], ["updateAuthority", reauthorize]] as const) {
      await expect(run(c, [{ target: manager, data }], `${name} at once`), name).to.be.revertedWithCustomError(
        manager,
        "AccessManagerNotScheduled",
      );
    }
    // Scheduled through the manager: the delegator starts exiting the moment the proposal is visible.
    const timelock = await c.timelock.getAddress();
    const schedule = (data: string) => ({ target: manager, data: manager.interface.encodeFunctionData("schedule", [manager.target, data, 0]) });
    const proposal = await propose(c, [schedule(remap), schedule(reauthorize)], "remap and re-authorize the vault");
    await c.vault.connect(d).requestWithdraw(p.address, DELEGATION);
    const [, unlockAt] = await c.vault.pendingWithdrawal(p.address, d.address);
    await passAndQueue(c, proposal);
    await execute(c, proposal);
    for (const data of [remap, reauthorize]) {
      const when = await manager.getSchedule(await manager.hashOperation(timelock, manager.target, data));
      const now = BigInt(await c.networkHelpers.time.latest());
      expect(when, "scheduled no sooner than the access delay").to.equal(now + DEFAULT_ACCESS_DELAY);
      expect(unlockAt, "the delegator is out before it can act").to.be.lessThan(when);
    }
    await c.networkHelpers.time.increaseTo(unlockAt);
    await expect(c.vault.connect(d).claimWithdraw(p.address)).to.changeTokenBalances(c.ethers, c.token, [d], [DELEGATION]);
    // Still not executable for as long as the longest exit.
    await expect(run(c, [{ target: manager, data: manager.interface.encodeFunctionData("execute", [manager.target, remap]) }], "execute the remap"))
      .to.be.revertedWithCustomError(manager, "AccessManagerNotReady");
  });

  it("even once a remap executes, the slash hook ignores the AccessManager", async function () {
    const c = await loadCinder();
    const { p, total } = await victim(c);
    const manager = c.manager;
    const timelock = await c.timelock.getAddress();
    const remap = manager.interface.encodeFunctionData("setTargetFunctionRole", [
      await c.vault.getAddress(),
      [c.vault.interface.getFunction("executeSlash")!.selector],
      ROLES.GOVERNANCE,
    ]);
    await run(c, [{ target: manager, data: manager.interface.encodeFunctionData("schedule", [manager.target, remap, 0]) }], "schedule");
    await c.networkHelpers.time.increase(DEFAULT_ACCESS_DELAY);
    const slash = { target: c.vault, data: c.vault.interface.encodeFunctionData("executeSlash", [p.address, total, 0, false]) };
    const executeRemap = { target: manager, data: manager.interface.encodeFunctionData("execute", [manager.target, remap]) };
    await expect(run(c, [executeRemap, slash], "remap, then slash"))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(timelock);
    expect(await c.vault.totalStake(p.address)).to.equal(total);
  });

  it("cannot lower the grant or admin delays below the floor, nor the timelock's own delay below its floor", async function () {
    const c = await loadCinder();
    const manager = c.manager;
    const minDelay = await manager.MIN_DELAY();
    const attempts: [string, string, { interface: unknown }, string, unknown[]][] = [
      ["setGrantDelay", manager.interface.encodeFunctionData("setGrantDelay", [ROLES.ARBITRATOR, 0]), manager, "CinderAccessManagerDelayTooShort", [0n, minDelay]],
      [
        "setTargetAdminDelay",
        manager.interface.encodeFunctionData("setTargetAdminDelay", [await c.vault.getAddress(), 60]),
        manager,
        "CinderAccessManagerDelayTooShort",
        [60n, minDelay],
      ],
    ];
    for (const [name, data, contract, error, args] of attempts) {
      await expect(run(c, [{ target: manager, data }], `lower ${name}`), name)
        .to.be.revertedWithCustomError(contract as typeof manager, error)
        .withArgs(...args);
    }
    const floor = await c.timelock.MIN_DELAY_FLOOR();
    await expect(run(c, [{ target: c.timelock, data: c.timelock.interface.encodeFunctionData("updateDelay", [0n]) }], "no timelock delay"))
      .to.be.revertedWithCustomError(c.timelock, "CinderTimelockDelayOutOfBounds")
      .withArgs(0n, floor, await c.timelock.MAX_DELAY());
    expect(await manager.getRoleGrantDelay(ROLES.ARBITRATOR)).to.equal(minDelay);
  });

  it("the honest path still works: a bounded parameter change passes and the wired contracts keep their powers", async function () {
    const c = await loadCinder();
    const { p } = await victim(c);
    await run(c, [{ target: c.vault, data: c.vault.interface.encodeFunctionData("setMinDelegation", [2n * ONE]) }], "raise the minimum delegation");
    expect(await c.vault.minDelegation()).to.equal(2n * ONE);
    // The SlashingManager (its wired address) still slashes, into the burn.
    await expect(c.vault.connect(c.slasher).executeSlash(p.address, ONE, 0, false)).to.emit(c.vault, "Slashed");
    expect(await c.token.minter()).to.equal(await c.emissions.getAddress());
  });
});
