/**
 * SlashingManager's wiring and limits: the execute path's wiring (registry `jail` and vault `executeSlash` check the
 * wired manager, not a role; the manager is wired once, never to zero), the rate limit with one deferred slot per
 * pool (never dropped, bounded, other pools unaffected), and governance bounds (incl. exposure tail >= challenge +
 * verdict + 2 x arbitration + veto windows, bounty < 1/(1+m)).
 */
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ONE, onboardProvider } from "../../helpers/fixture.js";
import { FAULT } from "../../helpers/oracle.js";
import { ProviderRegistry__factory } from "../../../types/ethers-contracts/index.js";
import { acceptFault, DAY, DEFAULT_PARAMS, FRAUD, loadCinder, proposed, PROVIDER_STATUS_JAILED, STATUS, VETO } from "./fixture.js";

describe("SlashingManager wiring", function () {
  it("jails, holds and slashes through the registry's wiring alone: no AccessManager role is involved", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const smAddress = await sm.getAddress();
    expect(await c.registry.slashingManager()).to.equal(smAddress);
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    // The manager holds no role at all: the wiring is everything.
    for (const role of [0n, 1n, 2n, 12n, 17n]) expect((await c.manager.hasRole(role, smAddress))[0]).to.equal(false);
    await c.networkHelpers.time.increase(VETO);
    const tx = sm.execute(f.id);
    await expect(tx).to.emit(c.registry, "ProviderJailed");
    await expect(tx).to.emit(c.vault, "Slashed");
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    // Every other caller of jail is refused, governance included.
    for (const caller of [c.stranger, c.governance]) {
      await expect(c.registry.connect(caller).jail(p.address, 1n))
        .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotSlashingManager")
        .withArgs(caller.address);
    }
    await expect(c.registry.connect(c.slasher).jail(p.address, 1n)).to.emit(c.registry, "ProviderJailed");
  });

  it("refuses the vault's slashing-manager hooks to everyone but the wired manager", async function () {
    const c = await loadCinder();
    const p = c.providers[0];
    await onboardProvider(c, p);
    for (const caller of [c.stranger, c.governance, c.guardian, c.rewarder, c.exposure]) {
      await expect(c.vault.connect(caller).executeSlash(p.address, ONE, 0n, false))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).payBounty(caller.address, 1n))
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
      await expect(c.vault.connect(caller).burnSlashed())
        .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
        .withArgs(caller.address);
    }
    // As the manager: no zero slash, no payment beyond the bounties held, a release only of a placed hold.
    const smAddress = await c.slashingManager.getAddress();
    await c.networkHelpers.impersonateAccount(smAddress);
    await c.networkHelpers.setBalance(smAddress, 10n ** 18n);
    const manager = await c.ethers.getSigner(smAddress);
    await expect(c.vault.connect(manager).executeSlash(p.address, 0n, 0n, false)).to.be.revertedWithCustomError(
      c.vault,
      "StakingVaultZeroAmount",
    );
    await expect(c.vault.connect(manager).executeSlash(p.address, ONE, 0n, true))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNoSlashHold")
      .withArgs(p.address);
    // A bounty rate above 1/(1+m) is capped by the vault (m = 5: 1,666 bps).
    await expect(c.vault.connect(manager).executeSlash(p.address, 100n * ONE, 10_000n, false)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [c.vault],
      [0n],
    );
    const capped = (100n * ONE * 1_666n) / 10_000n;
    expect(await c.vault.slashedHeld()).to.deep.equal([100n * ONE - capped, capped]);
    await expect(c.vault.connect(manager).payBounty(c.stranger.address, capped + 1n))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultInsufficientBounties")
      .withArgs(capped, capped + 1n);
    expect(await c.vault.connect(manager).burnSlashed.staticCall()).to.equal(100n * ONE - capped);
  });

  it("wires the registry's slashing manager once, never to zero", async function () {
    const c = await loadCinder();
    const sm = await c.slashingManager.getAddress();
    await expect(c.registry.connect(c.governance).setSlashingManager(c.stranger.address))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistrySlashingManagerAlreadySet")
      .withArgs(sm);
    const fresh = await new ProviderRegistry__factory(c.deployer).deploy(await c.manager.getAddress(), DAY);
    expect(await fresh.slashingManager()).to.equal(ZeroAddress);
    await expect(fresh.connect(c.governance).setSlashingManager(ZeroAddress))
      .to.be.revertedWithCustomError(fresh, "ProviderRegistryZeroAddress")
      .withArgs("slashingManager");
    await expect(fresh.connect(c.governance).setSlashingManager(sm)).to.emit(fresh, "SlashingManagerSet").withArgs(sm);
    expect(await fresh.slashingManager()).to.equal(sm);
  });
});

describe("SlashingManager rate limit", function () {
  it("defers what the window does not allow into each pool's slot and executes it in a later window, never dropping it", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: FRAUD, maxPerWindow: 300n * ONE });
    const [p0, p1, p2] = c.providers;
    const f0 = await proposed(c, p0, c.stranger);
    const f1 = await proposed(c, p1, c.stranger);
    const f2 = await proposed(c, p2, c.stranger);
    await c.networkHelpers.time.increase(VETO);
    await sm.execute(f0.id);
    expect(await sm.windowRoom()).to.equal(100n * ONE);
    // The second fault gets the 100 CNDR left in the window; its other 100 wait in p1's slot.
    const partial = sm.execute(f1.id);
    await expect(partial).to.emit(sm, "SlashDeferred").withArgs(f1.id, p1.address, 100n * ONE);
    await expect(partial)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f1.id, p1.address, 100n * ONE, 10n * ONE, c.stranger.address, 90n * ONE, 100n * ONE);
    // The third takes nothing (the window is full) and waits in p2's own slot; its provider is jailed anyway.
    const deferred = sm.execute(f2.id);
    await expect(deferred).to.emit(sm, "SlashDeferred").withArgs(f2.id, p2.address, FRAUD);
    await expect(deferred).to.not.emit(c.vault, "Slashed");
    expect(await c.registry.statusOf(p2.address)).to.equal(PROVIDER_STATUS_JAILED);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Deferred);
    expect((await c.vault.getPool(p1.address)).slashHolds).to.equal(1n);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([f1.id, 100n * ONE]);
    expect(await sm.deferredOf(p2.address)).to.deep.equal([f2.id, FRAUD]);
    expect(await sm.deferredOf(p0.address)).to.deep.equal([ZeroHash, 0n]);
    await expect(sm.executeDeferred(p1.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingDeferred")
      .withArgs(p1.address, 0n);
    // The next window: each pool's slot is executed on its own (any order), its hold released with its slash.
    await c.networkHelpers.time.increase(DAY);
    const credited = await sm.bountyOf(c.stranger.address);
    const second = sm.connect(c.clients[0]).executeDeferred(p2.address);
    await expect(second).to.changeTokenBalances(c.ethers, c.token, [c.vault, c.stranger], [0n, 0n]);
    await expect(second)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f2.id, p2.address, FRAUD, FRAUD / 10n, c.stranger.address, FRAUD - FRAUD / 10n, 0n);
    await expect(second).to.emit(c.vault, "SlashHoldChanged").withArgs(p2.address, 0n);
    const first = sm.connect(c.clients[0]).executeDeferred(p1.address);
    await expect(first).to.emit(c.vault, "SlashHoldChanged").withArgs(p1.address, 0n);
    expect((await sm.bountyOf(c.stranger.address)) - credited).to.equal(30n * ONE);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Executed);
    expect((await sm.getProposal(f2.id)).status).to.equal(STATUS.Executed);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([ZeroHash, 0n]);
    expect(await sm.deferredOf(p2.address)).to.deep.equal([ZeroHash, 0n]);
    expect((await sm.limiter()).usedInWindow).to.equal(300n * ONE);
    await expect(sm.executeDeferred(p1.address))
      .to.be.revertedWithCustomError(sm, "SlashingManagerNothingDeferred")
      .withArgs(p1.address, 0n);
  });

  it("caps one event at maxPerEvent, and keeps a pool's next proposal pending while its slot is taken", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    const cap = ONE;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: cap, maxPerWindow: cap });
    const p = c.providers[0];
    const gpus = await onboardProvider(c, p);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await acceptFault(c, p.address, FAULT.AttestationMismatch, gpus[0]);
      await sm.propose(f.report);
      ids.push(f.id);
    }
    expect((await sm.getProposal(ids[0])).amount).to.equal(cap);
    await c.networkHelpers.time.increase(VETO);
    // The first takes the window's whole room; the second waits in the pool's slot; the third waits pending.
    await sm.execute(ids[0]);
    await expect(sm.execute(ids[1])).to.emit(sm, "SlashDeferred").withArgs(ids[1], p.address, cap);
    await expect(sm.execute(ids[2]))
      .to.be.revertedWithCustomError(sm, "SlashingManagerPoolDeferred")
      .withArgs(p.address, ids[1]);
    expect((await sm.getProposal(ids[2])).status).to.equal(STATUS.Pending);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(2n);
    // One per window at this cap: the slot first, then the pool's next proposal.
    await c.networkHelpers.time.increase(DAY);
    await expect(sm.executeDeferred(p.address))
      .to.emit(sm, "SlashExecuted")
      .withArgs(ids[1], p.address, cap, cap / 10n, c.deployer.address, cap - cap / 10n, 0n);
    await expect(sm.execute(ids[2])).to.emit(sm, "SlashDeferred").withArgs(ids[2], p.address, cap);
    expect((await c.vault.getPool(p.address)).slashHolds).to.equal(1n);
    await c.networkHelpers.time.increase(DAY);
    await expect(sm.executeDeferred(p.address)).to.emit(c.vault, "SlashHoldChanged").withArgs(p.address, 0n);
    expect((await sm.getProposal(ids[2])).status).to.equal(STATUS.Executed);
  });

  it("a pool that runs dry finishes its deferred proposal, releases its hold and frees its slot", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, maxPerEvent: FRAUD, maxPerWindow: FRAUD });
    const [p0, p1] = c.providers;
    const f0 = await proposed(c, p0, c.stranger);
    // p1 staked 50 CNDR only, less than its 200 CNDR fault.
    const f1 = await proposed(c, p1, c.stranger, { stake: 50n * ONE });
    await c.networkHelpers.time.increase(VETO);
    await sm.execute(f0.id);
    await expect(sm.execute(f1.id)).to.emit(sm, "SlashDeferred").withArgs(f1.id, p1.address, FRAUD);
    await c.networkHelpers.time.increase(DAY);
    const tx = sm.executeDeferred(p1.address);
    await expect(tx)
      .to.emit(sm, "SlashExecuted")
      .withArgs(f1.id, p1.address, 50n * ONE, 5n * ONE, c.stranger.address, 45n * ONE, 0n);
    await expect(tx).to.emit(c.vault, "SlashHoldChanged").withArgs(p1.address, 0n);
    expect((await sm.getProposal(f1.id)).status).to.equal(STATUS.Executed);
    expect(await sm.deferredOf(p1.address)).to.deep.equal([ZeroHash, 0n]);
    expect((await sm.limiter()).usedInWindow).to.equal(50n * ONE);
  });
});

describe("SlashingManager governance", function () {
  it("sets parameters and kind amounts within hard bounds, rejecting the rest with the failing value", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager.connect(c.governance);
    const bound = "SlashingManagerParameterOutOfBounds";
    const ok = { ...DEFAULT_PARAMS };
    await expect(sm.setParams({ ...ok, bountyBps: 1_500n })).to.emit(sm, "ParamsSet");
    expect((await sm.params()).bountyBps).to.equal(1_500n);
    // m = 5: r x 6 < 10,000, so at most 1,666 bps.
    const bad: [Partial<typeof ok>, string, bigint, bigint, bigint][] = [
      [{ vetoWindow: 3_599n }, "vetoWindow", 3_599n, 3_600n, 14n * DAY],
      [{ vetoWindow: 14n * DAY + 1n }, "vetoWindow", 14n * DAY + 1n, 3_600n, 14n * DAY],
      [{ rateWindow: 3_599n }, "rateWindow", 3_599n, 3_600n, 30n * DAY],
      [{ jailCooldown: 366n * DAY }, "jailCooldown", 366n * DAY, 3_600n, 365n * DAY],
      [{ maxPerEvent: ONE - 1n }, "maxPerEvent", ONE - 1n, ONE, 10n ** 27n],
      [{ maxPerWindow: ok.maxPerEvent - 1n }, "maxPerWindow", ok.maxPerEvent - 1n, ok.maxPerEvent, 10n ** 28n],
      [{ bountyBps: 1_667n }, "bountyBps", 1_667n, 0n, 1_666n],
    ];
    for (const [change, name, v, min, max] of bad) {
      await expect(sm.setParams({ ...ok, ...change }), name).to.be.revertedWithCustomError(sm, bound).withArgs(name, v, min, max);
    }
    // The exposure tail (12 days) must cover challenge (1 day) + verdict (2) + 2 x arbitration (3) + the veto window.
    await expect(sm.setParams({ ...ok, vetoWindow: 3n * DAY + 1n }))
      .to.be.revertedWithCustomError(sm, "SlashingManagerExposureTailTooShort")
      .withArgs(12n * DAY, 12n * DAY + 1n);
    await expect(sm.setParams({ ...ok, vetoWindow: 3n * DAY })).to.emit(sm, "ParamsSet");
    await expect(sm.setSlashBps(4, 5_000)).to.emit(sm, "SlashBpsSet").withArgs(4n, 5_000n);
    expect(await sm.slashBps(4)).to.equal(5_000n);
    await expect(sm.setSlashBps(0, 5_000)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidKind").withArgs(0n);
    await expect(sm.setSlashBps(6, 5_000)).to.emit(sm, "SlashBpsSet").withArgs(6n, 5_000n);
    await expect(sm.setSlashBps(7, 5_000)).to.be.revertedWithCustomError(sm, "SlashingManagerInvalidKind").withArgs(7n);
    await expect(sm.setSlashBps(1, 0)).to.be.revertedWithCustomError(sm, bound).withArgs("slashBps", 0n, 1n, 10_000n);
    await expect(sm.setSlashBps(1, 10_001)).to.be.revertedWithCustomError(sm, bound).withArgs("slashBps", 10_001n, 1n, 10_000n);
    await expect(c.slashingManager.connect(c.stranger).setParams(ok))
      .to.be.revertedWithCustomError(sm, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
  });

  it("keeps the applied bounty below 1/(1+m) when governance later raises the vault's delegation cap multiple", async function () {
    const c = await loadCinder();
    const sm = c.slashingManager;
    await sm.connect(c.governance).setParams({ ...DEFAULT_PARAMS, bountyBps: 1_666n });
    expect(await sm.effectiveBountyBps()).to.equal(1_666n);
    await c.vault.connect(c.governance).setDelegationCapMultiple(20);
    // 9,999 / 21 = 476: 476 x 21 = 9,996 < 10,000.
    expect(await sm.effectiveBountyBps()).to.equal(476n);
    const p = c.providers[0];
    const f = await proposed(c, p, c.stranger);
    await c.networkHelpers.time.increase(VETO);
    const bounty = (FRAUD * 476n) / 10_000n;
    await expect(sm.execute(f.id))
      .to.emit(sm, "SlashExecuted")
      .withArgs(f.id, p.address, FRAUD, bounty, c.stranger.address, FRAUD - bounty, 0n);
  });
});
