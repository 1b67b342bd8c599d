/**
 * Attack PoCs for unbounded-loop denial of service (STYLE.md "Bounded everything"; Livepeer's pre-LIP-36 claim
 * loop, Graph's 1,000-entry thaw lists): an attacker grows the state another party's call walks (providers in an
 * epoch, bids on an order, clients of a provider, delegators of a pool, notifications since a claim), and the
 * victim's call costs no more gas after than before. Each figure is the receipt's gasUsed; "flat" means at most
 * 0.5% more (calldata and warm/cold slot differences only). Larger N (to 10,000) are in bench/REPORT.md's scaling tables.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { nextEpochStart } from "../helpers/emissions.js";
import { connectCinder, H100, onboardProvider, ONE, USD, type Cinder } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();
const PRICE = 2n * USD;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}
/** The victim's call at large N costs at most `permille` / 1000 more than at small N (it may cost less). */
function expectFlat(small: bigint, large: bigint, what: string, permille = 5n) {
  expect(large * 1_000n <= small * (1_000n + permille), `${what}: ${small} gas at small N, ${large} at large N`).to.equal(true);
}

/**
 * Moves the chain to one minute into the next epoch (the fixture's emission and oracle epochs are an hour). A victim's small-N and large-N calls then fall in the
 * same epoch whatever the wall clock (the chain's time follows it): a payment that is its epoch's first revenue
 * writes fresh slots and costs more, which is a clock effect, not a cost of N.
 */
async function intoFreshEpoch(c: Cinder) {
  await c.networkHelpers.time.increaseTo((await nextEpochStart(c, 60n)).t);
}

describe("Attack: unbounded-loop denial of service", function () {
  // Each test builds its large N with real transactions.
  this.timeout(300_000);

  it("an epoch's close costs the same with 1 and with 150 providers' revenue in it (no loop over providers)", async function () {
    const c = await loadCinder();
    const em = c.emissions;
    const E = await em.EPOCH_LENGTH();
    const rec = c.exposure; // the job market's address, impersonated by the fixture: a wired revenue recorder
    const [p] = c.providers;
    const t = c.networkHelpers.time;
    const record = (who: string) => em.connect(rec).recordRevenue(who, 1_000n * USD, 10n * USD);
    let e = BigInt(await t.latest()) / E + 1n;
    // Every close below in steady state: LONG_TWAP_EPOCHS + 2 epochs of samples give each its long TWAP's two ends.
    const longEpochs = (await em.schedule()).longTwapEpochs;
    for (const warm = e + longEpochs + 2n; e < warm; e++) {
      await t.setNextBlockTimestamp(e * E + 5n);
      await em.observe();
    }
    await t.setNextBlockTimestamp(e * E + 60n);
    await record(p.address);
    const closeWith = async (others: number) => {
      for (let i = 0; i < others; i++) await record(keccak256(toUtf8Bytes(`sybil-${e}-${i}`)).slice(0, 42));
      await t.setNextBlockTimestamp((e + 1n) * E + 60n);
      await record(p.address);
      await t.setNextBlockTimestamp((e + 1n) * E + 1_860n);
      const gas = await gasOf(em.closeEpochAt(e));
      const [gross] = await em.epochTotals(e);
      expect(gross).to.equal(BigInt(others + 1) * 1_000n * USD);
      e += 1n;
      return gas;
    };
    await closeWith(0); // warm-up: the first close writes the controller's totals
    const one = await closeWith(0);
    const fifty = await closeWith(49);
    const many = await closeWith(149);
    // One provider vs many differs by the other providers' revenue slot pattern only (about 2,800 gas; 2.5% since
    // the mint no longer pays an AccessManager check, which made the base about 11,000 gas cheaper).
    expectFlat(one, many, "closeEpoch 1 vs 150", 25n);
    expectFlat(fifty, many, "closeEpoch 50 vs 150");
  });

  it("the 30th bid on an order costs what the 4th did: only the best bid and one runner-up are kept, the runner-up pushed out is released in O(1)", async function () {
    const c = await loadCinder();
    const bidders = c.providers.slice(0, 3);
    for (const p of bidders) await onboardProvider(c, p, { gpus: 1 });
    await intoFreshEpoch(c);
    const [client] = c.clients;
    await c.leaseAuction.connect(client).postOrder(H100, 1, 3_600n, 3n * USD, 3_600n, 0);
    const order = await c.leaseAuction.orderCount();
    const gas: bigint[] = [];
    let price = 3n * USD;
    for (let i = 0; i < 30; i++) {
      gas.push(await gasOf(c.leaseAuction.connect(bidders[i % 3]!).bid(order, price)));
      price = (price * 98n) / 100n;
    }
    // From the 3rd bid on each bid locks its bidder's bid bond and releases the runner-up it pushes out (three bidders
    // in turn, two kept); from the 4th every bond slot has been written before: steady state.
    expectFlat(gas[3]!, gas[29]!, "bid");
    const o = await c.leaseAuction.getOrder(order);
    expect(o.bestBidder).to.equal(bidders[29 % 3]!.address);
  });

  it("a provider's redemption costs the same however many clients opened channels to it", async function () {
    const c = await loadCinder();
    const [p] = c.providers;
    const pc = c.paymentChannels;
    const { chainId } = await c.ethers.provider.getNetwork();
    const domain = { name: "CinderPaymentChannels", version: "1", chainId, verifyingContract: await pc.getAddress() };
    const types = { Voucher: [{ name: "client", type: "address" }, { name: "provider", type: "address" }, { name: "cumulativeAmount", type: "uint128" }] };
    const [victim, attacker] = c.clients;
    await onboardProvider(c, p, { gpus: 1 });
    await pc.connect(victim).deposit(p.address, 100n * USD);
    await intoFreshEpoch(c);
    const redeem = async (amount: bigint) => {
      const v = { client: victim.address, provider: p.address, cumulativeAmount: amount };
      return gasOf(pc.connect(p).redeem(v, await victim.signTypedData(domain, types, v)));
    };
    await redeem(USD); // the provider's earnings slot written
    const before = await redeem(2n * USD);
    // The attacker opens 60 dust channels to the same provider from fresh addresses.
    for (let i = 0; i < 60; i++) {
      const w = c.ethers.Wallet.createRandom().connect(c.ethers.provider);
      await c.networkHelpers.setBalance(w.address, 10n ** 18n);
      await c.stablecoin.faucet(w.address, 1n);
      await c.stablecoin.connect(w).approve(await pc.getAddress(), 1n);
      await pc.connect(w).deposit(p.address, 1n);
    }
    await pc.connect(attacker).deposit(p.address, 1n);
    const after = await redeem(3n * USD);
    expectFlat(before, after, "redeem");
  });

  it("a delegator's reward claim and withdrawal claim cost the same after 40 other delegators joined and queued withdrawals", async function () {
    const c = await loadCinder();
    const [p] = c.providers;
    await onboardProvider(c, p, { gpus: 4, stake: 100_000n * ONE });
    const v = c.vault;
    await intoFreshEpoch(c);
    const [victim] = c.delegators;
    await v.connect(victim).delegate(p.address, 1_000n * ONE);
    await c.token.connect(c.rewarder).approve(await v.getAddress(), 2n ** 255n);
    await v.connect(c.rewarder).notifyReward(p.address, ONE);
    await v.connect(victim).claimRewards(p.address);
    await v.connect(c.rewarder).notifyReward(p.address, ONE);
    const rewardBefore = await gasOf(v.connect(victim).claimRewards(p.address));
    await v.connect(victim).requestWithdraw(p.address, 10n * ONE);
    // 40 fresh delegators each delegate the minimum, queue a withdrawal, and the rewarder notifies between them.
    const min = (await v.minDelegation()) > 0n ? await v.minDelegation() : ONE;
    for (let i = 0; i < 40; i++) {
      const w = c.ethers.Wallet.createRandom().connect(c.ethers.provider);
      await c.networkHelpers.setBalance(w.address, 10n ** 18n);
      await c.token.connect(c.deployer).transfer(w.address, min);
      await c.token.connect(w).approve(await v.getAddress(), min);
      await v.connect(w).delegate(p.address, min);
      await v.connect(w).requestWithdraw(p.address, min);
      await v.connect(c.rewarder).notifyReward(p.address, ONE);
    }
    const rewardAfter = await gasOf(v.connect(victim).claimRewards(p.address));
    expectFlat(rewardBefore, rewardAfter, "claimRewards");
    const [assets, unlockAt] = await v.pendingWithdrawal(p.address, victim.address);
    expect(assets).to.equal(10n * ONE);
    await c.networkHelpers.time.increaseTo(unlockAt);
    await expect(v.connect(victim).claimWithdraw(p.address)).to.emit(v, "WithdrawClaimed").withArgs(p.address, victim.address, 10n * ONE);
  });
});
