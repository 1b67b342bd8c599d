/**
 * PaymentChannels earnings, fees and administration: withdrawEarnings to the payout address, sweepFees, coverage,
 * thaws and batches with exited providers, the voucher digest against src/sdk/vouchers.ts, the thaw period's bounds
 * and the pause.
 */
import { expect } from "chai";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { USD } from "../../../helpers/fixture.js";
import { voucherDigest as tsVoucherDigest } from "../../../../src/sdk/vouchers.js";
import { at, DAY, expectChannelsSolvent, feeOf, GATEWAY_KEY, MAX_THAW, MIN_THAW, mineAt, now, PAYOUTS, THAW, usdDeltas, withChannels } from "./fixture.js";

// ---------------------------------------------------------------------------------------------------------------
// earnings and fees
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.withdrawEarnings", function () {
  it("pays a provider's earnings of many redemptions to its payout address in one transfer, whoever calls", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a, b] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await book.deposit(b, p0.address, 10n * USD);
    await book.redeem(p0, a.address, p0.address, 3n * USD, await book.sign(keys[0], p0.address, 3n * USD));
    await book.redeem(p0, b.address, p0.address, 2n * USD, await book.sign(keys[1], p0.address, 2n * USD));
    const paid = await book.withdrawEarnings(c.stranger, p0.address);
    expect(paid).to.equal(3n * USD - 30_000n + 2n * USD - 20_000n);
    expect(await c.stablecoin.balanceOf(PAYOUTS[0])).to.equal(paid);
    await expectChannelsSolvent(book);
  });

  it("follows the registry's payout address at withdrawal time", async function () {
    const { c, p0, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await book.redeem(p0, a.address, p0.address, 3n * USD, await book.sign(keys[0], p0.address, 3n * USD));
    const next = getAddress(`0x${"a3".repeat(20)}`);
    await c.registry.connect(p0).setPayout(next);
    const paid = await book.withdrawEarnings(p0, p0.address);
    expect(await c.stablecoin.balanceOf(next)).to.equal(paid);
  });

  it("works while paused", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    await book.deposit(c.clients[0], p0.address, 10n * USD);
    await book.redeem(p0, c.clients[0].address, p0.address, USD, await book.sign(keys[0], p0.address, USD));
    await pc.connect(c.guardian).pause();
    expect(await book.withdrawEarnings(p0, p0.address)).to.equal(USD - 10_000n);
  });

  it("reverts with PaymentChannelsNoEarnings(provider) when nothing is owed, also right after a withdrawal", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    await expect(pc.withdrawEarnings(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNoEarnings")
      .withArgs(p0.address);
    await book.deposit(c.clients[0], p0.address, 10n * USD);
    await book.redeem(p0, c.clients[0].address, p0.address, USD, await book.sign(keys[0], p0.address, USD));
    await book.withdrawEarnings(p0, p0.address);
    await expect(pc.withdrawEarnings(p0.address))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsNoEarnings")
      .withArgs(p0.address);
  });
});

describe("PaymentChannels.sweepFees", function () {
  it("sends the collected fees to the FeeRouter, which distributes them to the buyback and the treasury", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 100n * USD);
    await book.redeem(p0, a.address, p0.address, 12_345_678n, await book.sign(keys[0], p0.address, 12_345_678n));
    await book.redeem(p0, a.address, p0.address, 20n * USD, await book.sign(keys[0], p0.address, 20n * USD));
    const fees = 123_457n + feeOf(20n * USD - 12_345_678n);
    expect(await pc.collectedFees()).to.equal(fees);
    const routerBefore = await c.stablecoin.balanceOf(c.feeRouter);
    expect(await book.sweepFees(c.stranger)).to.equal(fees);
    await expectChannelsSolvent(book);

    const held = routerBefore + fees;
    const cfg = await c.feeRouter.feeConfig();
    const toBuyback = (held * cfg.buybackShareBps) / 10_000n;
    const toTreasury = held - toBuyback;
    const tx = c.feeRouter.connect(c.stranger).distribute(c.stablecoin);
    await expect(tx)
      .to.emit(c.feeRouter, "FeesDistributed")
      .withArgs(await c.stablecoin.getAddress(), toBuyback, toTreasury);
    if (cfg.buyback === cfg.treasury) {
      await usdDeltas(c, tx, [c.feeRouter, cfg.buyback], [-held, held]);
    } else {
      await usdDeltas(c, tx, [c.feeRouter, cfg.buyback, cfg.treasury], [-held, toBuyback, toTreasury]);
    }
  });

  it("emits FeesSwept(0) and moves nothing when no fees were collected", async function () {
    const { c, book } = await withChannels();
    expect(await book.sweepFees(c.stranger)).to.equal(0n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// views
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.coverage", function () {
  it("tells what the deposit still covers once a voucher for a cumulative amount is redeemed, 0 when it does not", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    expect(await pc.coverage(a.address, p0.address, 0n)).to.equal(0n);
    await book.deposit(a, p0.address, 10n * USD);
    expect(await pc.coverage(a.address, p0.address, 0n)).to.equal(10n * USD);
    expect(await pc.coverage(a.address, p0.address, 4n * USD)).to.equal(6n * USD);
    expect(await pc.coverage(a.address, p0.address, 10n * USD - 1n)).to.equal(1n);
    expect(await pc.coverage(a.address, p0.address, 10n * USD)).to.equal(0n);
    expect(await pc.coverage(a.address, p0.address, 11n * USD)).to.equal(0n);
    await book.redeem(p0, a.address, p0.address, 4n * USD, await book.sign(keys[0], p0.address, 4n * USD));
    // After redeeming 4: balance 6, so a voucher for 7 in total leaves 3, and any amount <= 4 leaves all 6.
    expect(await pc.coverage(a.address, p0.address, 7n * USD)).to.equal(3n * USD);
    expect(await pc.coverage(a.address, p0.address, 4n * USD)).to.equal(6n * USD);
    expect(await pc.coverage(a.address, p0.address, USD)).to.equal(6n * USD);
    expect(await pc.coverage(a.address, p0.address, 10n * USD)).to.equal(0n);
    // A channel never funded covers nothing.
    expect(await pc.coverage(a.address, c.providers[1].address, 0n)).to.equal(0n);
  });
});

describe("PaymentChannels: thaws, batches and exited providers", function () {
  it("coverage leaves out what the client is thawing (it may leave once the thaw ends)", async function () {
    const { c, p0, pc, book } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await pc.connect(a).requestThaw(p0.address, 4n * USD);
    expect(await pc.coverage(a.address, p0.address, 0n)).to.equal(6n * USD);
    expect(await pc.coverage(a.address, p0.address, 6n * USD)).to.equal(0n);
    await pc.connect(a).cancelThaw(p0.address);
    expect(await pc.coverage(a.address, p0.address, 0n)).to.equal(10n * USD);
  });

  it("a thaw that redemptions outgrew does not block a new thaw request: it counts only what is left", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await pc.connect(a).requestThaw(p0.address, 8n * USD);
    const voucher = { client: a.address, provider: p0.address, cumulativeAmount: 6n * USD };
    await pc.connect(p0).redeem(voucher, await book.sign(keys[0], p0.address, 6n * USD));
    // Balance 4 under a thaw of 8: the thaw counts as 4, so 1 more exceeds the balance by exactly 1.
    await expect(pc.connect(a).requestThaw(p0.address, 1n)).to.be.revertedWithCustomError(
      pc,
      "PaymentChannelsInsufficientBalance",
    ).withArgs(4n * USD, 4n * USD + 1n);
    await pc.connect(a).cancelThaw(p0.address);
    await expect(pc.connect(a).requestThaw(p0.address, 4n * USD)).to.emit(pc, "ThawRequested");
    expect((await pc.getChannel(a.address, p0.address)).thawing).to.equal(4n * USD);
  });

  it("reverts an empty batch with PaymentChannelsEmptyBatch", async function () {
    const { p0, pc } = await withChannels();
    await expect(pc.redeemBatch(p0.address, [], [])).to.be.revertedWithCustomError(pc, "PaymentChannelsEmptyBatch");
  });

  it("refuses deposits to an exited provider with PaymentChannelsProviderExited", async function () {
    const { c, p0, pc } = await withChannels();
    const [a] = c.clients;
    await c.registry.connect(p0).exit();
    await expect(pc.connect(a).deposit(p0.address, USD))
      .to.be.revertedWithCustomError(pc, "PaymentChannelsProviderExited")
      .withArgs(p0.address);
  });
});

describe("PaymentChannels.voucherDigest", function () {
  it("equals the TypeScript voucherDigest of the same voucher, chain and contract", async function () {
    const { c, p0, pc, book } = await withChannels();
    for (const amount of [1n, 12_345_678n, 2n ** 128n - 1n]) {
      const voucher = {
        client: getAddress(c.clients[1].address),
        provider: getAddress(p0.address),
        cumulativeAmount: amount,
      };
      expect(await pc.voucherDigest(voucher)).to.equal(
        tsVoucherDigest({ channels: book.address, chainId: book.chainId, voucher }),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// governance and guardian
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels.setThawPeriod", function () {
  it("lets governance set the thaw period within [1 hour, 90 days], emitting ThawPeriodSet; new thaws use it", async function () {
    const { c, p0, pc, book } = await withChannels();
    expect(await pc.thawPeriod()).to.equal(THAW);
    for (const v of [MIN_THAW, MAX_THAW, 7n * DAY]) {
      await expect(pc.connect(c.governance).setThawPeriod(v)).to.emit(pc, "ThawPeriodSet").withArgs(v);
      expect(await pc.thawPeriod()).to.equal(v);
    }
    await book.deposit(c.clients[0], p0.address, USD);
    const t = (await now(c)) + 3n;
    await at(c, t);
    expect(await book.requestThaw(c.clients[0], p0.address, USD)).to.equal(t + 7n * DAY);
  });

  it('reverts with PaymentChannelsParameterOutOfBounds("thawPeriod", value, min, max) outside the bounds', async function () {
    const { c, pc } = await withChannels();
    for (const v of [0n, MIN_THAW - 1n, MAX_THAW + 1n]) {
      await expect(pc.connect(c.governance).setThawPeriod(v))
        .to.be.revertedWithCustomError(pc, "PaymentChannelsParameterOutOfBounds")
        .withArgs("thawPeriod", v, MIN_THAW, MAX_THAW);
    }
    expect(await pc.thawPeriod()).to.equal(THAW);
  });

  it("reverts with AccessManagedUnauthorized for anyone but governance (the guardian included)", async function () {
    const { c, pc } = await withChannels();
    for (const who of [c.guardian, c.stranger, c.clients[0], c.deployer]) {
      await expect(pc.connect(who).setThawPeriod(DAY))
        .to.be.revertedWithCustomError(pc, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
  });
});

describe("PaymentChannels.pause", function () {
  it("only GUARDIAN-role holders (the guardian, and the timelock by design) pause and unpause; nobody else", async function () {
    const { c, p0, pc } = await withChannels();
    for (const who of [c.stranger, p0, c.clients[0], c.deployer, c.slasher]) {
      await expect(pc.connect(who).pause())
        .to.be.revertedWithCustomError(pc, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    await expect(pc.connect(c.guardian).pause()).to.emit(pc, "Paused").withArgs(c.guardian.address);
    expect(await pc.paused()).to.equal(true);
    await expect(pc.connect(c.guardian).pause()).to.be.revertedWithCustomError(pc, "EnforcedPause");
    for (const who of [c.stranger, p0, c.deployer]) {
      await expect(pc.connect(who).unpause())
        .to.be.revertedWithCustomError(pc, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    await expect(pc.connect(c.guardian).unpause()).to.emit(pc, "Unpaused").withArgs(c.guardian.address);
    await expect(pc.connect(c.guardian).unpause()).to.be.revertedWithCustomError(pc, "ExpectedPause");
    // Governance holds GUARDIAN too (deploy/modules/protocol.ts), so it can pause and unpause.
    await expect(pc.connect(c.governance).pause()).to.emit(pc, "Paused").withArgs(c.governance.address);
    await expect(pc.connect(c.governance).unpause()).to.emit(pc, "Unpaused").withArgs(c.governance.address);
  });

  it("leaves thaws, withdrawals, signers, redemptions, earnings and fee sweeps open while paused", async function () {
    const { c, p0, pc, book, keys } = await withChannels();
    const [a] = c.clients;
    await book.deposit(a, p0.address, 10n * USD);
    await pc.connect(c.guardian).pause();
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    await expect(pc.connect(a).authorizeSigner(gateway.address)).to.emit(pc, "SignerAuthorized");
    await book.redeem(p0, a.address, p0.address, USD, await book.sign(gateway, p0.address, USD, a.address));
    await book.redeem(p0, a.address, p0.address, 2n * USD, await book.sign(keys[0], p0.address, 2n * USD));
    const ends = await book.requestThaw(a, p0.address, 3n * USD);
    await book.cancelThaw(a, p0.address);
    await book.requestThaw(a, p0.address, 3n * USD);
    await mineAt(c, ends + THAW);
    await book.withdraw(a, p0.address);
    await book.withdrawEarnings(p0, p0.address);
    await book.sweepFees(c.stranger);
    await expectChannelsSolvent(book);
  });
});
