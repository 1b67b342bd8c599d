import { expect } from "chai";
import type { Interface } from "ethers";
import { toFunctionSelector } from "viem";
import { FUNCTION_ROLES, ROLES, type ManagedContract, type RoleName } from "../../deploy/roles.js";
import { DEFAULT_ACCESS_DELAY, MODEL_CLASSES, SLA_TIERS, modelClassId } from "../../deploy/config.js";
import { connectCinder, managedContracts } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

describe("Deployment (Ignition module deploy/Cinder.ts)", function () {
  it("hands every power to the timelock and leaves the deployer none", async function () {
    const c = await loadCinder();
    const timelock = await c.timelock.getAddress();
    expect(await c.manager.hasRole(ROLES.ADMIN, timelock)).to.deep.equal([true, 0n]);
    expect((await c.manager.hasRole(ROLES.ADMIN, c.deployer.address))[0]).to.equal(false);
    expect((await c.manager.hasRole(ROLES.GOVERNANCE, timelock))[0]).to.equal(true);
    const adminRole = await c.timelock.DEFAULT_ADMIN_ROLE();
    expect(await c.timelock.hasRole(adminRole, c.deployer.address)).to.equal(false);
    expect(await c.timelock.hasRole(await c.timelock.PROPOSER_ROLE(), await c.governor.getAddress())).to.equal(true);
  });

  it("maps every restricted function to the role roles.ts names", async function () {
    const c = await loadCinder();
    const targets = managedContracts(c);
    for (const [name, roles] of Object.entries(FUNCTION_ROLES)) {
      const target = targets[name as ManagedContract];
      const iface: Interface = target.interface;
      for (const [role, signatures] of Object.entries(roles) as [RoleName, readonly string[]][]) {
        for (const signature of signatures) {
          expect(iface.getFunction(signature), `${name}.${signature} exists`).to.not.equal(null);
          expect(
            await c.manager.getTargetFunctionRole(await target.getAddress(), toFunctionSelector(signature)),
            `${name}.${signature}`,
          ).to.equal(ROLES[role]);
        }
      }
    }
  });

  it("wires the registry to the vault once and registers the model classes", async function () {
    const c = await loadCinder();
    expect(await c.registry.stakingVault()).to.equal(await c.vault.getAddress());
    for (const mc of MODEL_CLASSES) {
      const m = await c.registry.getModelClass(modelClassId(mc.name));
      expect(m.enabled).to.equal(true);
      expect(m.stakePerGpu).to.equal(mc.stakePerGpu);
    }
  });

  it("wires the market to the SLA bond manager once, with the configured tiers and the hub's epochs", async function () {
    const c = await loadCinder();
    const sla = await c.slaBondManager.getAddress();
    expect(await c.jobMarket.slaBondManager()).to.equal(sla);
    expect(await c.slaBondManager.JOB_MARKET()).to.equal(await c.jobMarket.getAddress());
    expect(await c.slaBondManager.ORACLE_HUB()).to.equal(await c.oracleHub.getAddress());
    expect(await c.slaBondManager.ASSET()).to.equal(await c.stablecoin.getAddress());
    expect(await c.slaBondManager.EPOCH_LENGTH()).to.equal(await c.oracleHub.EPOCH_LENGTH());
    expect(await c.slaBondManager.LATE_WINDOW_EPOCHS()).to.equal(await c.oracleHub.LATE_WINDOW_EPOCHS());
    for (const [id, tier] of SLA_TIERS.entries()) {
      const t = await c.slaBondManager.getTier(id);
      expect([t.targetPpm, t.midPpm, t.lowPpm, t.creditBps, t.midCreditBps, t.lowCreditBps, t.bondPercent]).to.deep.equal(
        [tier.targetPpm, tier.midPpm, tier.lowPpm, tier.creditBps, tier.midCreditBps, tier.lowCreditBps, tier.bondPercent].map(BigInt),
      );
    }
    await expect(c.jobMarket.connect(c.governance).setSlaBondManager(c.stranger.address))
      .to.be.revertedWithCustomError(c.jobMarket, "JobMarketSlaBondManagerAlreadySet")
      .withArgs(sla);
  });
});

describe("Deployment: the dispute path", function () {
  it("wires the DisputeManager once in the market, no role in the AccessManager", async function () {
    const c = await loadCinder();
    const dm = await c.disputeManager.getAddress();
    const timelock = await c.timelock.getAddress();
    expect(await c.disputeManager.JOB_MARKET()).to.equal(await c.jobMarket.getAddress());
    expect(await c.disputeManager.ORACLE_HUB()).to.equal(await c.oracleHub.getAddress());
    expect(await c.disputeManager.SLASHING_MANAGER()).to.equal(await c.slashingManager.getAddress());
    expect(await c.disputeManager.VAULT()).to.equal(await c.vault.getAddress());
    expect(await c.disputeManager.ASSET()).to.equal(await c.stablecoin.getAddress());
    expect(await c.registry.disputeManager()).to.equal(dm);
    for (const role of Object.values(ROLES)) {
      expect((await c.manager.hasRole(role, dm))[0], `DisputeManager holds role ${role}`).to.equal(false);
    }
    expect((await c.manager.hasRole(ROLES.ARBITRATOR, timelock))[0]).to.equal(true);
    expect(await c.slashingManager.slashBps(6)).to.equal(10_000n);
    // Unbonding (14 days) outlasts challenge (1) + verdict (2) + 2 x arbitration (3) + veto (2) days.
    expect(await c.disputeManager.disputeSpan()).to.equal(11n * 86_400n);
  });

  it("makes the timelock the arbitrator and delays any later arbitrator by the access delay, from the first block", async function () {
    const c = await loadCinder();
    const timelock = await c.timelock.getAddress();
    expect(await c.manager.hasRole(ROLES.ARBITRATOR, timelock)).to.deep.equal([true, 0n]);
    // No minimum setback: the delay the deployment set holds at once.
    const delay = DEFAULT_ACCESS_DELAY;
    expect(await c.manager.getRoleGrantDelay(ROLES.ARBITRATOR)).to.equal(delay);
    await c.manager.connect(c.governance).grantRole(ROLES.ARBITRATOR, c.stranger.address, 0);
    const [member] = await c.manager.hasRole(ROLES.ARBITRATOR, c.stranger.address);
    expect(member, "a new arbitrator is not one before the grant delay").to.equal(false);
    await c.networkHelpers.time.increase(delay);
    expect((await c.manager.hasRole(ROLES.ARBITRATOR, c.stranger.address))[0]).to.equal(true);
  });
});
