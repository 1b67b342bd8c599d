/**
 * Attack proofs of concept against PaymentChannels (STYLE.md: each exploit class gets a PoC that fails on the naive
 * code and passes on the fix):
 * (a) voucher replay on another chain id, another PaymentChannels contract, another provider and another channel:
 *     the EIP-712 domain binds chain and contract, the voucher binds client and provider, so the signature recovers
 *     to a different address and the redemption reverts with PaymentChannelsUnauthorizedSigner;
 * (b) a client's withdrawal front-running a redemption: the thaw protects the provider, which redeems before
 *     thawEndsAt and is paid in full; the client gets only the remainder;
 * (c) a client paying its own provider pays the full fee, rounded up on every redemption, however it splits them;
 * (d) a flash-loaned deposit, voucher and redeem in one block cannot be repaid: whatever is not redeemed stays
 *     behind the thaw, and what is redeemed lost the fee;
 * (e) a revoked signer (a leaked gateway key) cannot sign after its validUntil;
 * (f) underfunded settlement (Livepeer protocol#657/#663): a provider cannot redeem more than the escrow; settlement
 *     is all-or-nothing per voucher and the coverage view says so beforehand;
 * (g) Low 8: anyone copying one voucher out of a pending redeemBatch and redeeming it first (or a client withdrawing
 *     at its thaw end, or a signer revocation taking effect) no longer reverts the batch: it settles the rest and
 *     skips that voucher with RedeemSkipped.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { type Address, type Hex, type LocalAccount, getAddress, keccak256, recoverTypedDataAddress, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { connectCinder, USD, type Cinder } from "../helpers/fixture.js";
import { PaymentChannels__factory } from "../../types/ethers-contracts/index.js";
import { type Voucher, signVoucher, voucherDomain, voucherTypes } from "../../src/sdk/vouchers.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const THAW = 2n * DAY;
const FEE_BPS = 100n;
const MNEMONIC = "test test test test test test test test test test test junk";
const PAYOUT = getAddress(`0x${"b1".repeat(20)}`);
const GATEWAY_KEY = keccak256(toHex("cinder/test/attacks/channels/gateway"));
const ATTACKER_KEY = keccak256(toHex("cinder/test/attacks/channels/attacker"));

/** FeeRouter.feeFor: rounded up. */
const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}

/** Who a signature recovers to, under `channels` on `chainId`: the address the contract will see. */
async function recovered(channels: Address, chainId: bigint, voucher: Voucher, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: voucherDomain({ channels, chainId }),
    types: voucherTypes,
    primaryType: "Voucher",
    message: voucher,
    signature,
  });
}

/** providers[0] registered with payout PAYOUT; the fixture's clients as viem local accounts (Hardhat #16..#18). */
async function setup() {
  const c = await loadCinder();
  const p = c.providers[0];
  await c.registry.connect(p).register("ipfs://attacks/p0", PAYOUT);
  await c.registry.connect(c.providers[1]).register("ipfs://attacks/p1", c.providers[1].address);
  const chainId = (await c.ethers.provider.getNetwork()).chainId;
  const channels = getAddress(await c.paymentChannels.getAddress());
  const keys = [0, 1, 2].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: 16 + i }));
  for (const [i, k] of keys.entries()) expect(k.address).to.equal(c.clients[i].address);
  const sign = (
    account: LocalAccount,
    voucher: Voucher,
    domain: { channels?: Address; chainId?: bigint } = {},
  ): Promise<Hex> =>
    signVoucher({ account, channels: domain.channels ?? channels, chainId: domain.chainId ?? chainId, voucher });
  const v = (client: string, provider: string, cumulativeAmount: bigint): Voucher => ({
    client: getAddress(client),
    provider: getAddress(provider),
    cumulativeAmount,
  });
  return { c, p, pc: c.paymentChannels, chainId, channels, keys, sign, v };
}

// ---------------------------------------------------------------------------------------------------------------
// (a) replay
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: voucher replay", function () {
  it("rejects a voucher signed for another chain id: it recovers to another address (unauthorized signer)", async function () {
    const { c, p, pc, chainId, channels, keys, sign, v } = await setup();
    const [a] = c.clients;
    await pc.connect(a).deposit(p.address, 100n * USD);
    const voucher = v(a.address, p.address, 10n * USD);
    for (const otherChain of [1n, 10n, chainId + 1n]) {
      const signature = await sign(keys[0], voucher, { chainId: otherChain });
      const seen = await recovered(channels, chainId, voucher, signature);
      expect(seen).to.not.equal(voucher.client);
      await expect(pc.redeem(voucher, signature))
        .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
        .withArgs(a.address, seen);
    }
    expect((await pc.getChannel(a.address, p.address)).redeemed).to.equal(0n);
    // The same voucher signed for this chain pays.
    await expect(pc.redeem(voucher, await sign(keys[0], voucher)))
      .to.emit(pc, "Redeemed")
      .withArgs(a.address, p.address, 10n * USD, 10n * USD);
  });

  it("rejects a voucher signed for another PaymentChannels deployment, both ways", async function () {
    const { c, p, pc, chainId, channels, keys, sign, v } = await setup();
    const [a] = c.clients;
    // A second PaymentChannels on the same chain, wired to the same manager, stablecoin, registry, router and ledger.
    const other = await new PaymentChannels__factory(c.deployer).deploy(
      await c.manager.getAddress(),
      await c.stablecoin.getAddress(),
      await c.registry.getAddress(),
      await c.feeRouter.getAddress(),
      await c.emissions.getAddress(),
      THAW,
    );
    await other.waitForDeployment();
    const otherAddress = getAddress(await other.getAddress());
    await c.stablecoin.connect(a).approve(otherAddress, 2n ** 256n - 1n);
    await pc.connect(a).deposit(p.address, 50n * USD);
    await other.connect(a).deposit(p.address, 50n * USD);

    const voucher = v(a.address, p.address, 20n * USD);
    const forMain = await sign(keys[0], voucher);
    const forOther = await sign(keys[0], voucher, { channels: otherAddress });
    expect(forMain).to.not.equal(forOther);
    expect(await other.voucherDigest(voucher)).to.not.equal(await pc.voucherDigest(voucher));

    // The main deployment's voucher on the other contract.
    await expect(other.redeem(voucher, forMain))
      .to.be.revertedWithCustomError(other, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, await recovered(otherAddress, chainId, voucher, forMain));
    // The other contract's voucher on the main deployment.
    await expect(pc.redeem(voucher, forOther))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, await recovered(channels, chainId, voucher, forOther));
    // Each pays only where it was signed for (the rogue copy is not a wired revenue recorder, so its own
    // redemptions cannot even record revenue).
    await expect(pc.redeem(voucher, forMain))
      .to.emit(pc, "Redeemed")
      .withArgs(a.address, p.address, 20n * USD, 20n * USD);
    await expect(other.redeem(voucher, forOther))
      .to.be.revertedWithCustomError(c.emissions, "EmissionNotRecorder")
      .withArgs(otherAddress);
    expect((await other.getChannel(a.address, p.address)).balance).to.equal(50n * USD);
  });

  it("rejects a voucher moved to another provider (redeem and redeemBatch)", async function () {
    const { c, p, pc, chainId, channels, keys, sign, v } = await setup();
    const [a] = c.clients;
    const p1 = c.providers[1];
    await pc.connect(a).deposit(p.address, 50n * USD);
    await pc.connect(a).deposit(p1.address, 50n * USD);
    const forP0 = v(a.address, p.address, 20n * USD);
    const signature = await sign(keys[0], forP0);
    // p1 rewrites the provider field to itself: the digest changes, so does the recovered address.
    const moved = v(a.address, p1.address, 20n * USD);
    await expect(pc.connect(p1).redeem(moved, signature))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, await recovered(channels, chainId, moved, signature));
    // p1 submits p0's voucher untouched in its own batch.
    await expect(pc.connect(p1).redeemBatch(p1.address, [forP0], [signature]))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsWrongProvider")
      .withArgs(p1.address, p.address);
    expect((await pc.getChannel(a.address, p1.address)).balance).to.equal(50n * USD);
    expect(await pc.earningsOf(p1.address)).to.equal(0n);
  });

  it("rejects client A's voucher on client B's channel", async function () {
    const { c, p, pc, chainId, channels, keys, sign, v } = await setup();
    const [a, b] = c.clients;
    await pc.connect(a).deposit(p.address, 10n * USD);
    await pc.connect(b).deposit(p.address, 100n * USD);
    const aVoucher = v(a.address, p.address, 10n * USD);
    const signature = await sign(keys[0], aVoucher);
    // The provider points A's signature at B's richer channel.
    const onB = v(b.address, p.address, 10n * USD);
    await expect(pc.connect(p).redeem(onB, signature))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(b.address, await recovered(channels, chainId, onB, signature));
    // A's key signing a voucher that names B as client is just A, an unauthorized signer for B.
    const forged = await sign(keys[0], onB);
    await expect(pc.connect(p).redeem(onB, forged))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(b.address, a.address);
    // A key A authorized does not sign for B either.
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await expect(pc.connect(p).redeem(onB, await sign(gateway, onB)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(b.address, gateway.address);
    expect((await pc.getChannel(b.address, p.address)).balance).to.equal(100n * USD);
    expect((await pc.getChannel(b.address, p.address)).redeemed).to.equal(0n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) withdrawal front-running a redemption
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: a client's withdrawal front-running a redemption", function () {
  it("cannot beat the thaw: the provider redeems before thawEndsAt and is paid in full; the client gets the rest", async function () {
    const { c, p, pc, keys, sign, v } = await setup();
    const [a] = c.clients;
    await pc.connect(a).deposit(p.address, 100n * USD);
    // The provider served 80 USD of requests; the client holds back and tries to pull its whole deposit.
    const owed = v(a.address, p.address, 80n * USD);
    const signature = await sign(keys[0], owed);
    expect(await pc.coverage(a.address, p.address, owed.cumulativeAmount)).to.equal(20n * USD);
    const t = (await now(c)) + 1n;
    await at(c, t);
    await expect(pc.connect(a).requestThaw(p.address, 100n * USD))
      .to.emit(pc, "ThawRequested")
      .withArgs(a.address, p.address, 100n * USD, t + THAW);
    // The client cannot withdraw a second early, in the very next block or the one before thawEndsAt.
    for (const when of [t + 1n, t + THAW - 1n]) {
      await at(c, when);
      await expect(pc.connect(a).withdraw(p.address))
        .to.be.revertedWithCustomError(pc, "PaymentChannelsStillThawing")
        .withArgs(t + THAW, when);
    }
    // The provider sees the thaw and redeems at the last second of it.
    await at(c, t + THAW - 1n);
    const fee = feeOf(80n * USD);
    const redeem = pc.connect(p).redeem(owed, signature);
    await expect(redeem)
      .to.emit(pc, "PaymentReleased")
      .withArgs(p.address, 80n * USD, fee, 80n * USD - fee);
    expect(await pc.earningsOf(p.address)).to.equal(80n * USD - fee);
    // The client's withdrawal then pays only what the redemption left.
    await at(c, t + THAW);
    const withdraw = pc.connect(a).withdraw(p.address);
    await expect(withdraw)
      .to.emit(pc, "Withdrawn")
      .withArgs(a.address, p.address, 20n * USD);
    await expect(withdraw).to.changeTokenBalances(c.ethers, c.stablecoin, [a, pc], [20n * USD, -20n * USD]);
    await expect(pc.withdrawEarnings(p.address)).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [PAYOUT, pc],
      [80n * USD - fee, -(80n * USD - fee)],
    );
    expect(await c.stablecoin.balanceOf(pc)).to.equal(fee);
  });

  it("cannot shorten a running thaw by thawing more: each request restarts the whole period", async function () {
    const { c, p, pc, keys, sign, v } = await setup();
    const [a] = c.clients;
    await pc.connect(a).deposit(p.address, 100n * USD);
    const t0 = (await now(c)) + 1n;
    await at(c, t0);
    await pc.connect(a).requestThaw(p.address, 10n * USD);
    const t1 = t0 + THAW - HOUR;
    await at(c, t1);
    await pc.connect(a).requestThaw(p.address, 90n * USD);
    await at(c, t0 + THAW);
    await expect(pc.connect(a).withdraw(p.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsStillThawing")
      .withArgs(t1 + THAW, t0 + THAW);
    // The provider still has the full new period to redeem everything it is owed.
    await at(c, t1 + THAW - 1n);
    const owed = v(a.address, p.address, 100n * USD);
    await expect(pc.connect(p).redeem(owed, await sign(keys[0], owed)))
      .to.emit(pc, "Redeemed")
      .withArgs(a.address, p.address, 100n * USD, 100n * USD);
    await at(c, t1 + THAW);
    await expect(pc.connect(a).withdraw(p.address)).to.emit(pc, "Withdrawn").withArgs(a.address, p.address, 0n);
  });

  it("only a provider that sleeps past the thaw loses the race (it must redeem within the thaw period)", async function () {
    const { c, p, pc, keys, sign, v } = await setup();
    const [a] = c.clients;
    await pc.connect(a).deposit(p.address, 100n * USD);
    const t = (await now(c)) + 1n;
    await at(c, t);
    await pc.connect(a).requestThaw(p.address, 100n * USD);
    await at(c, t + THAW);
    await pc.connect(a).withdraw(p.address);
    const owed = v(a.address, p.address, 80n * USD);
    await expect(pc.connect(p).redeem(owed, await sign(keys[0], owed)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(0n, 80n * USD);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (c) self-dealing
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: a client paying its own provider", function () {
  /** An attacker who is both the client and the provider: its own key, registered as a provider paying itself. */
  async function selfDealer(c: Cinder, funds: bigint) {
    const account = privateKeyToAccount(ATTACKER_KEY);
    const wallet = new Wallet(ATTACKER_KEY, c.ethers.provider);
    await c.networkHelpers.setBalance(account.address, 10n ** 20n);
    await c.stablecoin.faucet(account.address, funds);
    await c.stablecoin.connect(wallet).approve(await c.paymentChannels.getAddress(), 2n ** 256n - 1n);
    await c.registry.connect(wallet).register("ipfs://attacks/self", account.address);
    return { account, wallet };
  }

  it("pays the full fee: the round trip deposit -> redeem -> earnings -> withdraw costs exactly ceil(1%)", async function () {
    const { c, pc, sign, v } = await setup();
    const { account, wallet } = await selfDealer(c, 1_000n * USD);
    const me = account.address;
    const start = await c.stablecoin.balanceOf(me);
    await pc.connect(wallet).deposit(me, 1_000n * USD);
    const gross = 777_777_777n;
    const voucher = v(me, me, gross);
    const fee = feeOf(gross);
    expect(fee).to.equal(7_777_778n);
    await expect(pc.connect(wallet).redeem(voucher, await sign(account, voucher)))
      .to.emit(pc, "PaymentReleased")
      .withArgs(me, gross, fee, gross - fee);
    await pc.connect(wallet).withdrawEarnings(me);
    await pc.connect(wallet).requestThaw(me, 1_000n * USD - gross);
    await c.networkHelpers.time.increase(THAW);
    await pc.connect(wallet).withdraw(me);
    expect(start - (await c.stablecoin.balanceOf(me)), "the attacker's loss").to.equal(fee);
    expect(await pc.collectedFees()).to.equal(fee);
    await expect(pc.sweepFees()).to.changeTokenBalances(c.ethers, c.stablecoin, [c.feeRouter, pc], [fee, -fee]);
  });

  it("never pays less fee by splitting: each redemption pays ceil(1%) of its own amount", async function () {
    const { c, pc, sign, v } = await setup();
    const { account, wallet } = await selfDealer(c, 100n * USD);
    const me = account.address;
    await pc.connect(wallet).deposit(me, 100n * USD);
    // 40 redemptions of 1..199 units (dust below 100 units would pay no fee with floor rounding), then a large one.
    let cumulative = 0n;
    let fees = 0n;
    const pieces: bigint[] = [];
    for (let i = 0; i < 40; i++) pieces.push(BigInt(1 + ((i * 37) % 199)));
    pieces.push(12_345_678n);
    for (const piece of pieces) {
      cumulative += piece;
      const voucher = v(me, me, cumulative);
      const fee = feeOf(piece);
      expect(fee, `fee on ${piece}`).to.be.greaterThan(0n);
      await expect(pc.connect(wallet).redeem(voucher, await sign(account, voucher)))
        .to.emit(pc, "PaymentReleased")
        .withArgs(me, piece, fee, piece - fee);
      fees += fee;
    }
    expect(await pc.collectedFees()).to.equal(fees);
    expect(fees, "split fees >= the fee on the total").to.be.gte(feeOf(cumulative));
    // Dust pays 100% fee: one unit redeemed credits nothing.
    expect(feeOf(1n)).to.equal(1n);
    expect(await pc.earningsOf(me)).to.equal(cumulative - fees);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) flash-loaned deposit
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: a flash-loaned deposit, voucher and redeem in one block", function () {
  it("cannot repay the loan: the unredeemed deposit stays behind the thaw and the redeemed part lost the fee", async function () {
    const { c, pc, sign, v } = await setup();
    const account = privateKeyToAccount(ATTACKER_KEY);
    const wallet = new Wallet(ATTACKER_KEY, c.ethers.provider);
    await c.networkHelpers.setBalance(account.address, 10n ** 20n);
    await c.stablecoin.connect(wallet).approve(await pc.getAddress(), 2n ** 256n - 1n);
    await c.registry.connect(wallet).register("ipfs://attacks/flash", account.address);
    const me = account.address;
    const loan = 1_000_000n * USD;
    const redeemed = 400_000n * USD;
    const voucher = v(me, me, redeemed);
    const signature = await sign(account, voucher);

    // Everything below lands in one block: borrow, deposit, redeem, take earnings, thaw the rest, try to withdraw.
    await c.ethers.provider.send("evm_setAutomine", [false]);
    const gas = { gasLimit: 500_000n };
    let withdrawHash: string;
    try {
      await c.stablecoin.connect(wallet).faucet(me, loan, gas);
      await pc.connect(wallet).deposit(me, loan, gas);
      await pc.connect(wallet).redeem(voucher, signature, gas);
      await pc.connect(wallet).withdrawEarnings(me, gas);
      await pc.connect(wallet).requestThaw(me, loan - redeemed, gas);
      withdrawHash = (await pc.connect(wallet).withdraw(me, gas)).hash;
      await c.networkHelpers.mine();
    } finally {
      await c.ethers.provider.send("evm_setAutomine", [true]);
    }
    const receipt = await c.ethers.provider.getTransactionReceipt(withdrawHash);
    expect(receipt!.status, "the in-block withdraw failed").to.equal(0);
    const block = await c.ethers.provider.getBlock(receipt!.blockNumber);
    const t = BigInt(block!.timestamp);
    expect(block!.transactions.length, "one block").to.equal(6);

    // At the end of the block the attacker holds the loan minus the locked remainder minus the fee.
    const fee = feeOf(redeemed);
    expect(await c.stablecoin.balanceOf(me)).to.equal(redeemed - fee);
    expect(loan - (await c.stablecoin.balanceOf(me)), "short of repaying").to.equal(loan - redeemed + fee);
    const ch = await pc.getChannel(me, me);
    expect(ch.balance).to.equal(loan - redeemed);
    expect(ch.thawEndsAt).to.equal(t + THAW);
    // Withdrawing reverts until the thaw ends: no flash loan lasts two days.
    await at(c, t + 1n);
    await expect(pc.connect(wallet).withdraw(me))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsStillThawing")
      .withArgs(t + THAW, t + 1n);
    // Even redeeming the whole loan to itself only returns it minus the fee.
    const all = v(me, me, loan);
    await pc.connect(wallet).redeem(all, await sign(account, all));
    await pc.connect(wallet).withdrawEarnings(me);
    expect(loan - (await c.stablecoin.balanceOf(me)), "the attacker's loss").to.equal(fee + feeOf(loan - redeemed));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (e) revoked signer
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: a revoked (leaked) signer key", function () {
  it("cannot sign after validUntil, not even vouchers it signed before the revocation", async function () {
    const { c, p, pc, keys, sign, v } = await setup();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await pc.connect(a).deposit(p.address, 100n * USD);
    const honest = v(a.address, p.address, 5n * USD);
    const honestSig = await sign(gateway, honest);
    // The key leaks; the client revokes it.
    const t = (await now(c)) + 1n;
    await at(c, t);
    await expect(pc.connect(a).revokeSigner(gateway.address))
      .to.emit(pc, "SignerRevoked")
      .withArgs(a.address, gateway.address, t + THAW);
    // After validUntil the thief's voucher to a colluding provider is worthless...
    const stolen = v(a.address, p.address, 100n * USD);
    await at(c, t + THAW);
    await expect(pc.connect(p).redeem(stolen, await sign(gateway, stolen)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
    // ...and so is an honest one the provider failed to redeem in time.
    await expect(pc.connect(p).redeem(honest, honestSig))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
    expect((await pc.getChannel(a.address, p.address)).balance).to.equal(100n * USD);
    // The client's own key still pays the provider what it is owed.
    await expect(pc.connect(p).redeem(honest, await sign(keys[0], honest)))
      .to.emit(pc, "Redeemed")
      .withArgs(a.address, p.address, 5n * USD, 5n * USD);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (f) underfunded settlement
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: underfunded settlement (Livepeer protocol#657/#663)", function () {
  it("lets no provider redeem more than the escrow: all-or-nothing, and the voucher stays redeemable once funded", async function () {
    const { c, p, pc, keys, sign, v } = await setup();
    const [a, b] = c.clients;
    await pc.connect(a).deposit(p.address, 10n * USD);
    await pc.connect(b).deposit(p.address, 10n * USD);
    // The client signed far past its deposit (or the provider served past coverage).
    const big = v(a.address, p.address, 1_000n * USD);
    const bigSig = await sign(keys[0], big);
    expect(await pc.coverage(a.address, p.address, big.cumulativeAmount), "coverage warned").to.equal(0n);
    await expect(pc.connect(p).redeem(big, bigSig))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(10n * USD, 1_000n * USD);
    // No partial payment and nothing marked redeemed (Livepeer #657 paid what was there and burned the ticket).
    const ch = await pc.getChannel(a.address, p.address);
    expect(ch.balance).to.equal(10n * USD);
    expect(ch.redeemed).to.equal(0n);
    expect(await pc.earningsOf(p.address)).to.equal(0n);
    // Smuggled into a batch beside a good voucher, it is skipped whole: the good one pays, the big one pays nothing.
    const good = v(b.address, p.address, 3n * USD);
    const batch = pc.connect(p).redeemBatch(p.address, [good, big], [await sign(keys[1], good), bigSig]);
    await expect(batch).to.emit(pc, "RedeemSkipped").withArgs(a.address, p.address, 1_000n * USD, 1n); // InsufficientBalance
    await expect(batch).to.emit(pc, "Redeemed").withArgs(b.address, p.address, 3n * USD, 3n * USD);
    expect((await pc.getChannel(b.address, p.address)).redeemed).to.equal(3n * USD);
    expect((await pc.getChannel(a.address, p.address)).redeemed).to.equal(0n);
    // Nothing in the contract's accounting exceeds what it holds.
    expect(await c.stablecoin.balanceOf(pc)).to.equal(20n * USD);
    expect((await pc.getChannel(a.address, p.address)).balance + (await pc.getChannel(b.address, p.address)).balance + (await pc.earningsOf(p.address)) + (await pc.collectedFees())).to.equal(20n * USD);
    // Once the client tops up, the same voucher pays in full.
    await pc.connect(a).deposit(p.address, 990n * USD);
    await expect(pc.connect(p).redeem(big, bigSig))
      .to.emit(pc, "Redeemed")
      .withArgs(a.address, p.address, 1_000n * USD, 1_000n * USD);
    expect((await pc.getChannel(a.address, p.address)).balance).to.equal(0n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (g) Low 8: a provider's batch redemption made to revert
// ---------------------------------------------------------------------------------------------------------------

describe("Attack: copying a voucher out of a pending redeemBatch (Low 8)", function () {
  /** Three clients of providers[0] with 50 USD each, and one voucher each for `amounts`. */
  async function batchOfThree(amounts: readonly [bigint, bigint, bigint]) {
    const s = await setup();
    const { c, p, pc, keys, sign, v } = s;
    const clients = c.clients.slice(0, 3);
    for (const cl of clients) await pc.connect(cl).deposit(p.address, 50n * USD);
    const vouchers = clients.map((cl, i) => v(cl.address, p.address, amounts[i]));
    const signatures = await Promise.all(vouchers.map((voucher, i) => sign(keys[i], voucher)));
    return { ...s, clients, vouchers, signatures };
  }

  it("a third party redeeming one copied voucher first no longer sinks the batch: the rest settles, the copy is skipped", async function () {
    const { c, p, pc, clients, vouchers, signatures } = await batchOfThree([4n * USD, 6n * USD, 10n * USD]);
    const [a, b, d] = clients;
    // The attacker copies b's voucher out of the provider's pending batch and front-runs it with a plain redeem.
    // Before the fix the batch then reverted with PaymentChannelsNothingToRedeem(6 USD, 6 USD) and every other
    // voucher waited (past a client's thaw end, the provider lost it).
    await expect(pc.connect(c.stranger).redeem(vouchers[1], signatures[1]))
      .to.emit(pc, "Redeemed")
      .withArgs(b.address, p.address, 6n * USD, 6n * USD);
    const earned = await pc.earningsOf(p.address);
    expect(earned, "the copy's money went to the provider").to.equal(6n * USD - feeOf(6n * USD));

    expect(await pc.connect(p).redeemBatch.staticCall(p.address, vouchers, signatures)).to.equal(
      14n * USD - feeOf(14n * USD),
    );
    const batch = pc.connect(p).redeemBatch(p.address, vouchers, signatures);
    await expect(batch).to.emit(pc, "RedeemSkipped").withArgs(b.address, p.address, 6n * USD, 0n); // AlreadyRedeemed
    await expect(batch).to.emit(pc, "Redeemed").withArgs(a.address, p.address, 4n * USD, 4n * USD);
    await expect(batch).to.emit(pc, "Redeemed").withArgs(d.address, p.address, 10n * USD, 10n * USD);
    await expect(batch)
      .to.emit(pc, "PaymentReleased")
      .withArgs(p.address, 14n * USD, feeOf(14n * USD), 14n * USD - feeOf(14n * USD));
    // The provider holds every voucher's money once; b's channel moved once.
    expect(await pc.earningsOf(p.address)).to.equal(earned + 14n * USD - feeOf(14n * USD));
    for (const [i, cl] of clients.entries()) {
      const ch = await pc.getChannel(cl.address, p.address);
      expect(ch.redeemed).to.equal(vouchers[i].cumulativeAmount);
      expect(ch.balance).to.equal(50n * USD - vouchers[i].cumulativeAmount);
    }
    await expect(pc.withdrawEarnings(p.address)).to.changeTokenBalances(
      c.ethers,
      c.stablecoin,
      [PAYOUT, pc],
      [earned + 14n * USD - feeOf(14n * USD), -(earned + 14n * USD - feeOf(14n * USD))],
    );
  });

  it("a client withdrawing at its thaw end, or its signer's revocation taking effect, skips only that voucher", async function () {
    const { c, p, pc, clients, vouchers, signatures, keys, sign, v } = await batchOfThree([4n * USD, 6n * USD, 10n * USD]);
    const [a, b, d] = clients;
    // b thaws everything; d authorizes a gateway key, signs with it, then revokes it.
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(d).authorizeSigner(gateway.address);
    const byGateway = v(d.address, p.address, 10n * USD);
    const gatewaySig = await sign(gateway, byGateway);
    const t = (await now(c)) + 1n;
    await at(c, t);
    await pc.connect(b).requestThaw(p.address, 50n * USD);
    await pc.connect(d).revokeSigner(gateway.address);
    // The provider's batch lands right after b's withdrawal at the thaw's end, and after the revocation took effect.
    await at(c, t + THAW);
    await pc.connect(b).withdraw(p.address);
    const batch = pc.connect(p).redeemBatch(p.address, [vouchers[0], vouchers[1], byGateway], [signatures[0], signatures[1], gatewaySig]);
    await expect(batch).to.emit(pc, "RedeemSkipped").withArgs(b.address, p.address, 6n * USD, 1n); // InsufficientBalance
    await expect(batch).to.emit(pc, "RedeemSkipped").withArgs(d.address, p.address, 10n * USD, 2n); // UnauthorizedSigner
    await expect(batch)
      .to.emit(pc, "PaymentReleased")
      .withArgs(p.address, 4n * USD, feeOf(4n * USD), 4n * USD - feeOf(4n * USD));
    expect((await pc.getChannel(a.address, p.address)).redeemed).to.equal(4n * USD);
    expect(await pc.getChannel(b.address, p.address)).to.deep.equal([0n, 0n, 0n, 0n]);
    expect((await pc.getChannel(d.address, p.address)).redeemed).to.equal(0n);
    // d's own key still pays the provider what d owes (the revocation only retired the gateway key).
    await expect(pc.connect(p).redeem(vouchers[2], await sign(keys[2], vouchers[2])))
      .to.emit(pc, "Redeemed")
      .withArgs(d.address, p.address, 10n * USD, 10n * USD);
  });

  it("a batch whose every voucher was redeemed first settles nothing, records no revenue, and does not revert", async function () {
    const { c, p, pc, vouchers, signatures } = await batchOfThree([USD, 2n * USD, 3n * USD]);
    for (const [i, voucher] of vouchers.entries()) await pc.connect(c.stranger).redeem(voucher, signatures[i]);
    const earned = await pc.earningsOf(p.address);
    const fees = await pc.collectedFees();
    expect(await pc.connect(p).redeemBatch.staticCall(p.address, vouchers, signatures)).to.equal(0n);
    const batch = pc.connect(p).redeemBatch(p.address, vouchers, signatures);
    await expect(batch).to.not.emit(pc, "PaymentReleased");
    await expect(batch).to.not.emit(c.emissions, "RevenueRecorded");
    await expect(batch).to.emit(pc, "RedeemSkipped");
    expect(await pc.earningsOf(p.address)).to.equal(earned);
    expect(await pc.collectedFees()).to.equal(fees);
  });

  it("still refuses what only the submitter can get wrong: a voucher of another provider, a malformed signature", async function () {
    const { c, p, pc, vouchers, signatures } = await batchOfThree([USD, 2n * USD, 3n * USD]);
    const other = { ...vouchers[2], provider: getAddress(c.providers[1].address) };
    await expect(pc.connect(p).redeemBatch(p.address, [vouchers[0], other], [signatures[0], signatures[2]]))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsWrongProvider")
      .withArgs(p.address, c.providers[1].address);
    await expect(pc.connect(p).redeemBatch(p.address, [vouchers[0], vouchers[1]], [signatures[0], "0x1234"]))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInvalidSignature");
    expect((await pc.getChannel(c.clients[0].address, p.address)).redeemed).to.equal(0n);
  });
});
