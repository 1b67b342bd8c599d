/**
 * PaymentChannels signers and redemption: authorized signer keys and their revocation, redeem and redeemBatch (fee
 * rounded up, revenue recorded, once only), every revert by its custom error and arguments. The TypeScript voucher
 * helpers' unit tests are in test/sdk/vouchers.test.ts.
 */
import { expect } from "chai";
import { type Hex, keccak256, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { USD } from "../../../helpers/fixture.js";
import { signVoucher } from "../../../../src/sdk/vouchers.js";
import { at, clientKeyOf, DAY, EPOCH, expectChannelsSolvent, feeOf, GATEWAY_KEY, HOUR, MAX_UINT40, mined, MNEMONIC, now, THAW, withChannels } from "./fixture.js";

// ---------------------------------------------------------------------------------------------------------------
// signers
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.authorizeSigner", function () {
  it("lets an authorized key sign the client's vouchers for any of its providers", async function () {
    const { c, p0, p1, pc, book } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    expect(await pc.signerValidUntil(a.address, gateway.address)).to.equal(0n);
    await expect(pc.connect(a).authorizeSigner(gateway.address))
      .to.emit(pc, "SignerAuthorized")
      .withArgs(a.address, gateway.address);
    expect(await pc.signerValidUntil(a.address, gateway.address)).to.equal(MAX_UINT40);
    await book.deposit(a, p0.address, 10n * USD);
    await book.deposit(a, p1.address, 10n * USD);
    await book.redeem(p0, a.address, p0.address, 3n * USD, await book.sign(gateway, p0.address, 3n * USD, a.address));
    await book.redeem(p1, a.address, p1.address, 4n * USD, await book.sign(gateway, p1.address, 4n * USD, a.address));
    await expectChannelsSolvent(book);
  });

  it("does not let a key another client authorized sign for this client", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a, b] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(b).authorizeSigner(gateway.address);
    await book.deposit(a, p0.address, 10n * USD);
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: USD };
    await expect(pc.redeem(voucher, await book.sign(gateway, p0.address, USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
  });

  it('reverts with PaymentChannelsZeroAddress("signer") for the zero address', async function () {
    const { c, pc } = await withChannels();
    await expect(pc.connect(c.clients[0]).authorizeSigner("0x0000000000000000000000000000000000000000"))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsZeroAddress")
      .withArgs("signer");
  });

  it("re-authorizing a key under revocation makes it valid with no end again", async function () {
    const { c, pc } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await pc.connect(a).revokeSigner(gateway.address);
    expect(await pc.signerValidUntil(a.address, gateway.address)).to.be.lessThan(MAX_UINT40);
    await pc.connect(a).authorizeSigner(gateway.address);
    expect(await pc.signerValidUntil(a.address, gateway.address)).to.equal(MAX_UINT40);
  });
});

describe("PaymentChannels.revokeSigner", function () {
  it("keeps the signer's vouchers valid until now + thawPeriod, then reverts with PaymentChannelsUnauthorizedSigner", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await book.deposit(a, p0.address, 10n * USD);
    const { tx, ts } = await mined(c, pc.connect(a).revokeSigner(gateway.address));
    await expect(tx)
      .to.emit(pc, "SignerRevoked")
      .withArgs(a.address, gateway.address, ts + THAW);
    const validUntil = ts + THAW;
    expect(await pc.signerValidUntil(a.address, gateway.address)).to.equal(validUntil);

    // One second before validUntil the revoked key still signs.
    await at(c, validUntil - 1n);
    await book.redeem(p0, a.address, p0.address, USD, await book.sign(gateway, p0.address, USD, a.address));
    // From validUntil on it does not.
    await at(c, validUntil);
    const late = { client: a.address, provider: p0.address, cumulativeAmount: 2n * USD };
    await expect(pc.redeem(late, await book.sign(gateway, p0.address, 2n * USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
    // The client's own key is never revoked.
    await book.redeem(
      p0,
      a.address,
      p0.address,
      2n * USD,
      await book.sign(await clientKeyOf(c, 0), p0.address, 2n * USD),
    );
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsUnauthorizedSigner(client, signer) for a key never authorized", async function () {
    const { c, pc } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await expect(pc.connect(a).revokeSigner(gateway.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
    await expect(pc.connect(a).revokeSigner(a.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, a.address);
  });

  // Revoking must only ever shorten a key's life. A client (or its tooling, retrying) that revokes a compromised key
  // twice must not hand the key a fresh thaw period, nor bring an expired key back to life.
  it("does not extend a pending revocation when the signer is revoked again", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await book.deposit(a, p0.address, 10n * USD);
    const { ts } = await mined(c, pc.connect(a).revokeSigner(gateway.address));
    const validUntil = ts + THAW;

    await at(c, ts + DAY);
    // Either a no-op or a revert is acceptable; a later end is not.
    await pc
      .connect(a)
      .revokeSigner(gateway.address)
      .catch(() => undefined);
    expect(await pc.signerValidUntil(a.address, gateway.address), "end after a second revoke").to.equal(validUntil);
    await at(c, validUntil);
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: USD };
    await expect(pc.redeem(voucher, await book.sign(gateway, p0.address, USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
  });

  it("does not revive an expired signer when it is revoked again", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await pc.connect(a).authorizeSigner(gateway.address);
    await book.deposit(a, p0.address, 10n * USD);
    const { ts } = await mined(c, pc.connect(a).revokeSigner(gateway.address));
    const validUntil = ts + THAW;

    await at(c, validUntil + HOUR);
    await pc
      .connect(a)
      .revokeSigner(gateway.address)
      .catch(() => undefined);
    expect(await pc.signerValidUntil(a.address, gateway.address), "end after a late revoke").to.be.lte(validUntil);
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: USD };
    await expect(pc.redeem(voucher, await book.sign(gateway, p0.address, USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, gateway.address);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// redeem
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.redeem", function () {
  it("credits the provider with gross - fee (fee rounded up), collects the fee and records revenue in the ledger", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    // 12.345678 USD: 1% is 123,456.78 units, rounded up to 123,457.
    const gross = 12_345_678n;
    expect(feeOf(gross)).to.equal(123_457n);
    expect(await c.feeRouter.feeFor(gross)).to.equal(123_457n);
    const epoch = await c.emissions.currentEpoch();
    const [gross0, fees0] = await c.emissions.epochTotals(epoch);
    const r = await book.redeem(p0, a.address, p0.address, gross, await book.sign(keys[0], p0.address, gross));
    expect(r.ts / EPOCH).to.equal(epoch);
    expect(r.fee).to.equal(123_457n);
    expect(r.net).to.equal(gross - 123_457n);
    expect(await pc.earningsOf(p0.address)).to.equal(gross - 123_457n);
    expect(await pc.collectedFees()).to.equal(123_457n);
    expect(await c.emissions.providerRevenue(epoch, p0.address)).to.equal(gross);
    const [gross1, fees1] = await c.emissions.epochTotals(epoch);
    expect(gross1 - gross0).to.equal(gross);
    expect(fees1 - fees0).to.equal(123_457n);
    expect((await pc.getChannel(a.address, p0.address)).balance).to.equal(100n * USD - gross);
    await expectChannelsSolvent(book);
  });

  it("pays only the difference to the last redeemed cumulative amount, and anyone may submit", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    await book.redeem(p0, a.address, p0.address, 10n * USD, await book.sign(keys[0], p0.address, 10n * USD));
    const r = await book.redeem(
      c.stranger,
      a.address,
      p0.address,
      25n * USD,
      await book.sign(keys[0], p0.address, 25n * USD),
    );
    expect(r.gross).to.equal(15n * USD);
    expect(r.fee).to.equal(150_000n);
    expect((await c.paymentChannels.getChannel(a.address, p0.address)).redeemed).to.equal(25n * USD);
    await expectChannelsSolvent(book);
  });

  it("accepts a signature from ethers signTypedData (the client's Hardhat signer) identical to signVoucher's", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const domain = {
      name: "CinderPaymentChannels",
      version: "1",
      chainId: book.chainId,
      verifyingContract: book.address,
    };
    const types = {
      Voucher: [
        { name: "client", type: "address" },
        { name: "provider", type: "address" },
        { name: "cumulativeAmount", type: "uint128" },
      ],
    };
    const value = { client: a.address, provider: p0.address, cumulativeAmount: 5n * USD };
    const signature = (await a.signTypedData(domain, types, value)) as Hex;
    expect(signature).to.equal(await book.sign(keys[0], p0.address, 5n * USD));
    await book.redeem(p0, a.address, p0.address, 5n * USD, signature);
  });

  it("reverts with PaymentChannelsNothingToRedeem(cumulative, redeemed) for a repeated or stale voucher", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    const s10 = await book.sign(keys[0], p0.address, 10n * USD);
    const s20 = await book.sign(keys[0], p0.address, 20n * USD);
    await book.redeem(p0, a.address, p0.address, 20n * USD, s20);
    await expect(pc.redeem({ client: a.address, provider: p0.address, cumulativeAmount: 20n * USD }, s20))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingToRedeem")
      .withArgs(20n * USD, 20n * USD);
    await expect(pc.redeem({ client: a.address, provider: p0.address, cumulativeAmount: 10n * USD }, s10))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNothingToRedeem")
      .withArgs(10n * USD, 20n * USD);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsInsufficientBalance(available, needed) and pays nothing when escrow does not cover the whole difference", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await book.redeem(p0, a.address, p0.address, 4n * USD, await book.sign(keys[0], p0.address, 4n * USD));
    const over = { client: a.address, provider: p0.address, cumulativeAmount: 14n * USD + 1n };
    await expect(pc.redeem(over, await book.sign(keys[0], p0.address, over.cumulativeAmount)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(6n * USD, 10n * USD + 1n);
    await book.expectChannel(a.address, p0.address);
    // Exactly the balance is fine.
    await book.redeem(p0, a.address, p0.address, 10n * USD, await book.sign(keys[0], p0.address, 10n * USD));
    expect((await pc.getChannel(a.address, p0.address)).balance).to.equal(0n);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsInvalidSignature for malformed signatures", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: USD };
    const good = await book.sign(keys[0], p0.address, USD);
    const r = good.slice(2, 66);
    const s = BigInt(`0x${good.slice(66, 130)}`);
    const v = Number.parseInt(good.slice(130, 132), 16);
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = `0x${r}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
    const malformed: [string, string][] = [
      ["empty", "0x"],
      ["64 bytes (compact form is not accepted)", good.slice(0, 130)],
      ["66 bytes", `${good}00`],
      ["zero r and s", `0x${"00".repeat(64)}1b`],
      ["bad v", `${good.slice(0, 130)}1d`],
      ["high s (malleated)", highS],
    ];
    for (const [name, sig] of malformed) {
      await expect(pc.redeem(voucher, sig), name).to.be.revertedWithCustomError(pc, "PaymentChannelsInvalidSignature");
    }
    await book.redeem(p0, a.address, p0.address, USD, good);
  });

  it("reverts with PaymentChannelsUnauthorizedSigner(client, signer) for a stranger's signature", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const stranger = privateKeyToAccount(keccak256(toHex("cinder/test/channels/stranger")));
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: USD };
    await expect(pc.redeem(voucher, await book.sign(stranger, p0.address, USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, stranger.address);
    // The provider's own signature is a stranger's too.
    const providerKey = mnemonicToAccount(MNEMONIC, { addressIndex: 6 });
    expect(providerKey.address).to.equal(p0.address);
    await expect(pc.redeem(voucher, await book.sign(providerKey, p0.address, USD, a.address)))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
      .withArgs(a.address, p0.address);
  });

  it("works while paused (redemptions are never paused)", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await pc.connect(c.guardian).pause();
    await book.redeem(p0, a.address, p0.address, USD, await book.sign(keys[0], p0.address, USD));
    expect(await pc.paused()).to.equal(true);
  });
});

describe("PaymentChannels.redeemBatch", function () {
  it("settles many clients of one provider with one fee on the total and one revenue record", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a, b, d] = c.clients;
    for (const cl of [a, b, d]) await book.deposit(cl, p0.address, 50n * USD);
    await book.redeem(p0, b.address, p0.address, USD, await book.sign(keys[1], p0.address, USD));
    const r = await book.redeemBatch(p0, p0.address, [
      { client: a.address, cumulativeAmount: 1_000_001n, signature: await book.sign(keys[0], p0.address, 1_000_001n) },
      { client: b.address, cumulativeAmount: 3_000_003n, signature: await book.sign(keys[1], p0.address, 3_000_003n) },
      { client: d.address, cumulativeAmount: 5n * USD, signature: await book.sign(keys[2], p0.address, 5n * USD) },
    ]);
    // Gross 1,000,001 + 2,000,003 + 5,000,000 = 8,000,004; fee ceil(80,000.04) = 80,001.
    expect(r.gross).to.equal(8_000_004n);
    expect(r.fee).to.equal(80_001n);
    await expectChannelsSolvent(book);
  });

  it("accepts two rising vouchers of the same channel in one batch", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 50n * USD);
    const r = await book.redeemBatch(c.stranger, p0.address, [
      { client: a.address, cumulativeAmount: 2n * USD, signature: await book.sign(keys[0], p0.address, 2n * USD) },
      { client: a.address, cumulativeAmount: 7n * USD, signature: await book.sign(keys[0], p0.address, 7n * USD) },
    ]);
    expect(r.gross).to.equal(7n * USD);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsWrongProvider(expected, actual) for a voucher of another provider", async function () {
    const { c, p0, p1, pc, book, keys } = await withChannels();
    const [a, b] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await book.deposit(b, p1.address, 10n * USD);
    const vouchers = [
      { client: a.address, provider: p0.address, cumulativeAmount: USD },
      { client: b.address, provider: p1.address, cumulativeAmount: USD },
    ];
    const signatures = [await book.sign(keys[0], p0.address, USD), await book.sign(keys[1], p1.address, USD)];
    await expect(pc.redeemBatch(p0.address, vouchers, signatures))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsWrongProvider")
      .withArgs(p0.address, p1.address);
    await expectChannelsSolvent(book);
  });

  it("reverts with PaymentChannelsLengthMismatch(vouchers, signatures)", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    const vouchers = [{ client: a.address, provider: p0.address, cumulativeAmount: USD }];
    const sig = await book.sign(keys[0], p0.address, USD);
    await expect(pc.redeemBatch(p0.address, vouchers, [sig, sig]))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsLengthMismatch")
      .withArgs(1n, 2n);
    await expect(pc.redeemBatch(p0.address, vouchers, []))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsLengthMismatch")
      .withArgs(1n, 0n);
  });

  it("settles what it still can: each spoiled voucher is skipped with RedeemSkipped(reason) and its channel does not move", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a, b, d] = c.clients;
    for (const cl of [a, b, d]) await book.deposit(cl, p0.address, 10n * USD);
    const good = [
      { client: a.address, provider: p0.address, cumulativeAmount: USD },
      { client: b.address, provider: p0.address, cumulativeAmount: 2n * USD },
    ];
    const goodSigs = [await book.sign(keys[0], p0.address, USD), await book.sign(keys[1], p0.address, 2n * USD)];
    // Underfunded third voucher (reason 1), one signed by the wrong key (reason 2), a repeat of the first (reason 0).
    const over = { client: d.address, provider: p0.address, cumulativeAmount: 11n * USD };
    const wrong = { client: d.address, provider: p0.address, cumulativeAmount: USD };
    const tx = pc.redeemBatch(
      p0.address,
      [...good, over, wrong, good[0]],
      [
        ...goodSigs,
        await book.sign(keys[2], p0.address, 11n * USD),
        await book.sign(keys[0], p0.address, USD, d.address),
        goodSigs[0],
      ],
    );
    await expect(tx).to.emit(pc, "RedeemSkipped").withArgs(d.address, p0.address, 11n * USD, 1n);
    await expect(tx).to.emit(pc, "RedeemSkipped").withArgs(d.address, p0.address, USD, 2n);
    await expect(tx).to.emit(pc, "RedeemSkipped").withArgs(a.address, p0.address, USD, 0n);
    await expect(tx).to.emit(pc, "PaymentReleased").withArgs(p0.address, 3n * USD, feeOf(3n * USD), 3n * USD - feeOf(3n * USD));
    const receipt = await (await tx).wait();
    const skipped = receipt!.logs.filter((l) => l.topics[0] === pc.interface.getEvent("RedeemSkipped").topicHash);
    expect(skipped.length, "three skipped").to.equal(3);
    expect((await pc.getChannel(a.address, p0.address)).redeemed).to.equal(USD);
    expect((await pc.getChannel(b.address, p0.address)).redeemed).to.equal(2n * USD);
    expect(await pc.getChannel(d.address, p0.address)).to.deep.equal([10n * USD, 0n, 0n, 0n]);
    expect(await pc.earningsOf(p0.address)).to.equal(3n * USD - feeOf(3n * USD));
    expect(await pc.collectedFees()).to.equal(feeOf(3n * USD));
    expect(await c.stablecoin.balanceOf(pc)).to.equal(30n * USD);
  });
});
