/**
 * PaymentChannels deposits and withdrawals: deposit, the thaw (request, cancel) and withdraw after it, every path
 * and every revert (exact custom errors and arguments), events with exact arguments and stablecoin deltas. Attack
 * PoCs (replay, front-running, self-dealing, flash deposits, underfunded settlement) live in
 * test/attacks/channels.test.ts.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { USD } from "../../../helpers/fixture.js";
import { at, expectChannelsSolvent, freshClient, HOUR, mineAt, now, THAW, withChannels } from "./fixture.js";

// ---------------------------------------------------------------------------------------------------------------
// deposit
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.deposit", function () {
  it("adds to the (client, provider) channel, emits Deposited with the new balance and pulls the stablecoin", async function () {
    const { c, p0, p1, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    await book.deposit(a, p0.address, 25n * USD);
    await book.deposit(a, p1.address, 7n * USD);
    await book.expectChannel(a.address, p0.address);
    expect((await c.paymentChannels.getChannel(a.address, p0.address)).balance).to.equal(125n * USD);
    expect((await c.paymentChannels.getChannel(a.address, p1.address)).balance).to.equal(7n * USD);
    await expectChannelsSolvent(book);
  });

  it("accepts a client that is a fresh key sending through an ethers Wallet", async function () {
    const { c, p0, book } = await withChannels();
    const { wallet } = await freshClient(c, 50n * USD);
    await book.deposit(wallet, p0.address, 50n * USD);
    expect(await c.stablecoin.balanceOf(wallet.address)).to.equal(0n);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsZeroAmount for a zero deposit", async function () {
    const { c, p0, pc } = await withChannels();
    await expect(pc.connect(c.clients[0]).deposit(p0.address, 0n)).to.be.revertedWithCustomError(
      pc,
      "PaymentChannelsZeroAmount",
    );
  });

  it("reverts with PaymentChannelsUnknownProvider for an address the registry does not know", async function () {
    const { c, pc } = await withChannels();
    const unregistered = c.providers[2].address;
    await expect(pc.connect(c.clients[0]).deposit(unregistered, USD))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnknownProvider")
      .withArgs(unregistered);
    await expect(pc.connect(c.clients[0]).deposit(c.clients[1].address, USD))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnknownProvider")
      .withArgs(c.clients[1].address);
  });

  it("reverts with EnforcedPause while the guardian has paused the contract, and works again after unpause", async function () {
    const { c, p0, pc, book } = await withChannels();
    await expect(pc.connect(c.guardian).pause()).to.emit(pc, "Paused").withArgs(c.guardian.address);
    await expect(pc.connect(c.clients[0]).deposit(p0.address, USD)).to.be.revertedWithCustomError(pc, "EnforcedPause");
    await expect(pc.connect(c.guardian).unpause()).to.emit(pc, "Unpaused").withArgs(c.guardian.address);
    await book.deposit(c.clients[0], p0.address, USD);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// thaw, cancel, withdraw
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.requestThaw", function () {
  it("starts a thaw that ends a thaw period from now and keeps the amount in escrow", async function () {
    const { c, p0, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const t = (await now(c)) + 10n;
    await at(c, t);
    const ends = await book.requestThaw(a, p0.address, 40n * USD);
    expect(ends).to.equal(t + THAW);
    expect((await c.paymentChannels.getChannel(a.address, p0.address)).balance).to.equal(100n * USD);
    await expectChannelsSolvent(book);
  });

  it("adds to a pending thaw and restarts its period", async function () {
    const { c, p0, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const first = await book.requestThaw(a, p0.address, 40n * USD);
    await mineAt(c, first - HOUR);
    const t = first - HOUR + 5n;
    await at(c, t);
    const second = await book.requestThaw(a, p0.address, 60n * USD);
    expect(second).to.equal(t + THAW);
    const ch = await c.paymentChannels.getChannel(a.address, p0.address);
    expect(ch.thawing).to.equal(100n * USD);
    expect(ch.thawEndsAt).to.equal(t + THAW);
  });

  it("reverts with PaymentChannelsInsufficientBalance(balance, thawing) when the thaw would exceed the balance", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await expect(pc.connect(a).requestThaw(p0.address, 1n))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(0n, 1n);
    await book.deposit(a, p0.address, 100n * USD);
    await expect(pc.connect(a).requestThaw(p0.address, 100n * USD + 1n))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(100n * USD, 100n * USD + 1n);
    await book.requestThaw(a, p0.address, 70n * USD);
    // The pending thaw counts: 70 + 31 > 100.
    await expect(pc.connect(a).requestThaw(p0.address, 31n * USD))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(100n * USD, 101n * USD);
    await book.requestThaw(a, p0.address, 30n * USD);
    await book.expectChannel(a.address, p0.address);
  });

  it("reverts with PaymentChannelsZeroAmount for a zero thaw", async function () {
    const { c, p0, pc, book } = await withChannels();
    await book.deposit(c.clients[0], p0.address, USD);
    await expect(pc.connect(c.clients[0]).requestThaw(p0.address, 0n)).to.be.revertedWithCustomError(
      pc,
      "PaymentChannelsZeroAmount",
    );
  });
});

describe("PaymentChannels.cancelThaw", function () {
  it("stops the thaw, emits ThawCancelled and leaves the whole balance in escrow", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const ends = await book.requestThaw(a, p0.address, 100n * USD);
    await book.cancelThaw(a, p0.address);
    await mineAt(c, ends + 1n);
    await expect(pc.connect(a).withdraw(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingThawing")
      .withArgs(a.address, p0.address);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsNothingThawing(client, provider) when no thaw is pending", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await expect(pc.connect(a).cancelThaw(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingThawing")
      .withArgs(a.address, p0.address);
    await book.deposit(a, p0.address, USD);
    await book.requestThaw(a, p0.address, USD);
    await book.cancelThaw(a, p0.address);
    await expect(pc.connect(a).cancelThaw(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingThawing")
      .withArgs(a.address, p0.address);
  });
});

describe("PaymentChannels.withdraw", function () {
  it("reverts with PaymentChannelsStillThawing(thawEndsAt, now) before the thaw ends and pays at thawEndsAt", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const ends = await book.requestThaw(a, p0.address, 60n * USD);
    await at(c, ends - 1n);
    await expect(pc.connect(a).withdraw(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsStillThawing")
      .withArgs(ends, ends - 1n);
    await at(c, ends);
    expect(await book.withdraw(a, p0.address)).to.equal(60n * USD);
    expect((await pc.getChannel(a.address, p0.address)).balance).to.equal(40n * USD);
    await expectChannelsSolvent(book);
  });

  it("pays only what redemptions during the thaw left of the thawed amount", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const ends = await book.requestThaw(a, p0.address, 100n * USD);
    await book.redeem(p0, a.address, p0.address, 30n * USD, await book.sign(keys[0], p0.address, 30n * USD));
    await mineAt(c, ends);
    expect(await book.withdraw(a, p0.address)).to.equal(70n * USD);
    const ch = await c.paymentChannels.getChannel(a.address, p0.address);
    expect(ch.balance).to.equal(0n);
    expect(ch.redeemed).to.equal(30n * USD);
    await expectChannelsSolvent(book);
  });

  it("pays the whole thawed amount when redemptions left enough, and keeps the rest in escrow", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const ends = await book.requestThaw(a, p0.address, 50n * USD);
    await book.redeem(p0, a.address, p0.address, 20n * USD, await book.sign(keys[0], p0.address, 20n * USD));
    await mineAt(c, ends);
    expect(await book.withdraw(a, p0.address)).to.equal(50n * USD);
    expect((await c.paymentChannels.getChannel(a.address, p0.address)).balance).to.equal(30n * USD);
    await expectChannelsSolvent(book);
  });

  it("pays zero (and emits Withdrawn with 0) when redemptions took the whole balance", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const ends = await book.requestThaw(a, p0.address, 10n * USD);
    await book.redeem(p0, a.address, p0.address, 10n * USD, await book.sign(keys[0], p0.address, 10n * USD));
    await mineAt(c, ends);
    expect(await book.withdraw(a, p0.address)).to.equal(0n);
    await expectChannelsSolvent(book);
  });

  it("works while paused (exits are never paused)", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const ends = await book.requestThaw(a, p0.address, 10n * USD);
    await pc.connect(c.guardian).pause();
    await mineAt(c, ends);
    expect(await book.withdraw(a, p0.address)).to.equal(10n * USD);
    expect(await pc.paused()).to.equal(true);
  });

  it("reverts with PaymentChannelsNothingThawing(client, provider) without a thaw", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await expect(pc.connect(a).withdraw(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingThawing")
      .withArgs(a.address, p0.address);
  });
});
