/**
 * Attack PoCs on access control (DESIGN.md invariants 7 and 8), beyond test/contracts/governance/access.test.ts (which checks every
 * mapped function's role directly): relaying a restricted call through the AccessManager itself (`execute`,
 * `schedule`) for every role-mapped function in deploy/roles.ts, by a stranger, the guardian and every protocol
 * contract wired with an internal power (none of which holds a role); and the guardian using its one power, pause, to hold users' money: every exit still pays while
 * every contract is paused.
 */
import { expect } from "chai";
import type { BaseContract } from "ethers";
import { FUNCTION_ROLES, ROLES, type ManagedContract } from "../../deploy/roles.js";
import { connectCinder, H100, managedContracts, onboardProvider, ONE, USD } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

describe("Attack: relaying restricted calls through the AccessManager", function () {
  it("refuses execute and schedule of every role-mapped function to everyone but the role's holder", async function () {
    const c = await loadCinder();
    const contracts = managedContracts(c);
    const attackers = [
      { who: c.stranger, roles: [] as bigint[] },
      { who: c.guardian, roles: [ROLES.GUARDIAN] },
      { who: c.slasher, roles: [] as bigint[] },
      { who: c.rewarder, roles: [] as bigint[] },
      { who: c.attestor, roles: [] as bigint[] },
    ];
    let refusedCalls = 0;
    for (const [name, byRole] of Object.entries(FUNCTION_ROLES) as [ManagedContract, Record<string, readonly string[]>][]) {
      const target = contracts[name] as BaseContract;
      const address = await target.getAddress();
      for (const [role, signatures] of Object.entries(byRole)) {
        const roleId = ROLES[role as keyof typeof ROLES];
        for (const signature of signatures) {
          const selector = target.interface.getFunction(signature)!.selector;
          // Calldata past the selector is irrelevant: the manager checks (caller, target, selector) first.
          const data = `${selector}${"00".repeat(32 * 8)}`;
          for (const { who, roles } of attackers) {
            if (roles.includes(roleId)) continue;
            await expect(c.manager.connect(who).execute(address, data), `${name}.${signature} executed by ${who.address}`)
              .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedCall")
              .withArgs(who.address, address, selector);
            await expect(c.manager.connect(who).schedule(address, data, 0), `${name}.${signature} scheduled by ${who.address}`)
              .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedCall")
              .withArgs(who.address, address, selector);
            refusedCalls += 2;
          }
        }
      }
    }
    // Every mapped function was tried by at least four non-holders, both ways.
    const mapped = Object.values(FUNCTION_ROLES).flatMap((byRole) => Object.values(byRole).flat()).length;
    expect(refusedCalls).to.be.at.least(mapped * 4 * 2);
  });

  it("refuses a guardian granting itself governance or remapping a setter to its own role", async function () {
    const c = await loadCinder();
    await expect(c.manager.connect(c.guardian).grantRole(ROLES.GOVERNANCE, c.guardian.address, 0))
      .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(c.guardian.address, ROLES.ADMIN);
    const vault = await c.vault.getAddress();
    const selector = c.vault.interface.getFunction("setUnbondingPeriod")!.selector;
    await expect(c.manager.connect(c.guardian).setTargetFunctionRole(vault, [selector], ROLES.GUARDIAN))
      .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(c.guardian.address, ROLES.ADMIN);
    await expect(c.manager.connect(c.guardian).setRoleAdmin(ROLES.GOVERNANCE, ROLES.GUARDIAN))
      .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(c.guardian.address, ROLES.ADMIN);
    expect((await c.manager.hasRole(ROLES.GOVERNANCE, c.guardian.address))[0]).to.equal(false);
    expect(await c.manager.getTargetFunctionRole(vault, selector)).to.equal(ROLES.GOVERNANCE);
  });
});

describe("Attack: the guardian pausing everything to hold users' money (invariant 8)", function () {
  it("every exit still pays while the vault, market, channels and registry are paused", async function () {
    const c = await loadCinder();
    const [p] = c.providers;
    const [client] = c.clients;
    const [d] = c.delegators;
    await onboardProvider(c, p, { gpus: 2 });
    await c.registry.connect(p).setOffer(H100, 2n * USD);
    await c.vault.connect(d).delegate(p.address, 100n * ONE);
    await c.vault.connect(d).requestWithdraw(p.address, 100n * ONE);
    await c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 3_600n, 2n * USD, 0);
    const lease = await c.jobMarket.leaseCount();
    await c.paymentChannels.connect(client).deposit(p.address, 10n * USD);
    await c.paymentChannels.connect(client).requestThaw(p.address, 10n * USD);
    const [, unlockAt] = await c.vault.pendingWithdrawal(p.address, d.address);
    await c.networkHelpers.time.increaseTo(unlockAt);

    for (const k of [c.vault, c.jobMarket, c.paymentChannels, c.registry]) await expect(k.connect(c.guardian).pause()).to.emit(k, "Paused");
    // New activity is refused...
    await expect(c.vault.connect(d).delegate(p.address, ONE)).to.be.revertedWithCustomError(c.vault, "EnforcedPause");
    await expect(c.jobMarket.connect(client).createDirectLease(p.address, H100, 1, 3_600n, 2n * USD, 0)).to.be.revertedWithCustomError(c.jobMarket, "EnforcedPause");
    // ... and every exit pays in full.
    await expect(c.vault.connect(d).claimWithdraw(p.address)).to.emit(c.vault, "WithdrawClaimed").withArgs(p.address, d.address, 100n * ONE);
    await expect(c.jobMarket.close(lease)).to.emit(c.jobMarket, "LeaseClosed");
    await expect(c.jobMarket.connect(p).withdrawBalance()).to.emit(c.jobMarket, "BalanceWithdrawn");
    await expect(c.paymentChannels.connect(client).withdraw(p.address))
      .to.emit(c.paymentChannels, "Withdrawn")
      .withArgs(client.address, p.address, 10n * USD);
    await expect(c.slaBondManager.connect(p).withdrawBond(USD)).to.emit(c.slaBondManager, "BondWithdrawn");
  });
});
