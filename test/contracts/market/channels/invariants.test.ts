/**
 * PaymentChannels invariants (DESIGN.md 1, 2, 4) checked after every step of two long scenarios: a scripted life of
 * three clients, a fresh-key client and two providers, and a fixed-seed random sequence.
 */
import { expect } from "chai";
import { type LocalAccount, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { USD } from "../../../helpers/fixture.js";
import { at, expectChannelsSolvent, freshClient, GATEWAY_KEY, mineAt, now, type Sender, THAW, withChannels } from "./fixture.js";

// ---------------------------------------------------------------------------------------------------------------
// invariants over long scenarios
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentChannels invariants (DESIGN.md 1, 2, 4)", function () {
  it("hold after every step of a scripted life of three clients, a fresh-key client and two providers", async function () {
    const { c, p0, p1, pc, book, keys } = await withChannels();
    const [a, b, d] = c.clients;
    const { account: fk, wallet: f } = await freshClient(c, 1_000n * USD);
    const gateway = privateKeyToAccount(GATEWAY_KEY);
    const step = () => expectChannelsSolvent(book);

    await book.deposit(a, p0.address, 100n * USD);
    await step();
    await book.deposit(a, p1.address, 40n * USD);
    await step();
    await book.deposit(b, p0.address, 60n * USD);
    await step();
    await book.deposit(f, p0.address, 300n * USD);
    await step();
    await book.deposit(d, p1.address, 25n * USD);
    await step();
    await expect(pc.connect(a).authorizeSigner(gateway.address)).to.emit(pc, "SignerAuthorized");
    await step();

    // Requests served: a's gateway signs 1,000 requests of 0.001234 USD each for p0.
    let aCum = 1_000n * 1_234n;
    await book.redeem(p0, a.address, p0.address, aCum, await book.sign(gateway, p0.address, aCum, a.address));
    await step();
    await book.redeem(p1, a.address, p1.address, 7n * USD + 3n, await book.sign(keys[0], p1.address, 7n * USD + 3n));
    await step();
    let fCum = 33n * USD + 333n;
    await book.redeem(p0, f.address, p0.address, fCum, await book.sign(fk, p0.address, fCum));
    await step();
    // a starts withdrawing 50 from p0 while still using it.
    const aThawEnds = await book.requestThaw(a, p0.address, 50n * USD);
    await step();
    aCum += 40n * USD;
    const batch1 = await book.redeemBatch(c.stranger, p0.address, [
      { client: a.address, cumulativeAmount: aCum, signature: await book.sign(keys[0], p0.address, aCum) },
      { client: b.address, cumulativeAmount: 59n * USD, signature: await book.sign(keys[1], p0.address, 59n * USD) },
      { client: f.address, cumulativeAmount: fCum + 1n, signature: await book.sign(fk, p0.address, fCum + 1n) },
    ]);
    expect(batch1.gross).to.equal(40n * USD + 59n * USD + 1n);
    await step();
    await book.withdrawEarnings(c.stranger, p0.address);
    await step();
    // a's balance on p0 is now 100 - 1.234 - 40 = 58.766: it still covers the thaw of 50 in full.
    await mineAt(c, aThawEnds);
    expect(await book.withdraw(a, p0.address)).to.equal(50n * USD);
    await step();
    // What is left covers exactly 8.766 USD more of a's vouchers.
    const left = (await pc.getChannel(a.address, p0.address)).balance;
    expect(await pc.coverage(a.address, p0.address, aCum + left)).to.equal(0n);
    await expect(
      pc.redeem(
        { client: a.address, provider: p0.address, cumulativeAmount: aCum + left + 1n },
        await book.sign(keys[0], p0.address, aCum + left + 1n),
      ),
    )
      .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
      .withArgs(left, left + 1n);
    await step();
    aCum += left;
    await book.redeem(p0, a.address, p0.address, aCum, await book.sign(gateway, p0.address, aCum, a.address));
    await step();
    await book.sweepFees(c.stranger);
    await step();
    // b (1 USD left) thaws it, cancels, thaws again; p0 redeems that last dollar during the thaw, so b gets 0.
    const bThaw = await book.requestThaw(b, p0.address, USD);
    await step();
    await book.cancelThaw(b, p0.address);
    await step();
    await book.requestThaw(b, p0.address, USD);
    await step();
    await book.redeem(p0, b.address, p0.address, 60n * USD, await book.sign(keys[1], p0.address, 60n * USD));
    await step();
    await mineAt(c, bThaw + THAW);
    expect(await book.withdraw(b, p0.address)).to.equal(0n);
    await step();
    // d's channel with p1 and a's with p1 in one batch.
    await book.deposit(d, p1.address, 5n * USD);
    await step();
    await book.redeemBatch(p1, p1.address, [
      { client: d.address, cumulativeAmount: 30n * USD, signature: await book.sign(keys[2], p1.address, 30n * USD) },
      { client: a.address, cumulativeAmount: 8n * USD, signature: await book.sign(keys[0], p1.address, 8n * USD) },
    ]);
    await step();
    await book.withdrawEarnings(p1, p1.address);
    await step();
    await book.withdrawEarnings(p0, p0.address);
    await step();
    await book.sweepFees(c.stranger);
    await step();
    // f withdraws everything left after a final redemption.
    fCum += 100n * USD;
    await book.redeem(p0, f.address, p0.address, fCum, await book.sign(fk, p0.address, fCum));
    await step();
    const fLeft = (await pc.getChannel(f.address, p0.address)).balance;
    const fEnds = await book.requestThaw(f, p0.address, fLeft);
    await step();
    await mineAt(c, fEnds);
    const before = await c.stablecoin.balanceOf(f.address);
    expect(await book.withdraw(f, p0.address)).to.equal(fLeft);
    expect(await c.stablecoin.balanceOf(f.address)).to.equal(before + fLeft);
    await step();
    expect((await pc.getChannel(f.address, p0.address)).balance).to.equal(0n);
    expect(book.ch(f.address, p0.address).deposited).to.equal(300n * USD);
  });

  it("hold after every step of 120 seeded random actions over 4 clients and 2 providers", async function () {
    this.timeout(600_000);
    const { c, p0, p1, pc, book, keys } = await withChannels();
    const { account: fk, wallet: f } = await freshClient(c, 1_000_000n * USD);
    const clients: { sender: Sender; key: LocalAccount }[] = [
      { sender: c.clients[0], key: keys[0] },
      { sender: c.clients[1], key: keys[1] },
      { sender: c.clients[2], key: keys[2] },
      { sender: f, key: fk },
    ];
    const providers: Sender[] = [p0, p1];
    const rand = rng(0xc1dde5);
    const pick = <T>(xs: T[]) => xs[Number(rand(xs.length))];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 120; i++) {
      const cl = pick(clients);
      const p = pick(providers);
      const m = book.ch(cl.sender.address, p.address);
      const action = Number(rand(10));
      let did = "skip";
      if (action <= 1 || m.balance === 0n) {
        await book.deposit(cl.sender, p.address, 1n + rand(50_000_000));
        did = "deposit";
      } else if (action <= 4) {
        // Redeem a random part of the balance (sometimes all of it).
        const amount = rand(4) === 0n ? m.balance : 1n + rand(m.balance);
        const cum = m.redeemed + amount;
        await book.redeem(
          pick(providers.concat([c.stranger])),
          cl.sender.address,
          p.address,
          cum,
          await book.sign(cl.key, p.address, cum),
        );
        did = "redeem";
      } else if (action === 5) {
        // Over-redeem by one unit: all-or-nothing.
        const cum = m.redeemed + m.balance + 1n;
        await expect(
          pc.redeem(
            { client: cl.sender.address, provider: p.address, cumulativeAmount: cum },
            await book.sign(cl.key, p.address, cum),
          ),
        )
          .to.be.revertedWithCustomError(pc, "PaymentChannelsInsufficientBalance")
          .withArgs(m.balance, m.balance + 1n);
        did = "overRedeem";
      } else if (action === 6) {
        // A batch over every client with a balance on p.
        const items = [];
        for (const x of clients) {
          const mx = book.ch(x.sender.address, p.address);
          if (mx.balance === 0n) continue;
          const cum = mx.redeemed + 1n + rand(mx.balance);
          items.push({
            client: x.sender.address,
            cumulativeAmount: cum,
            signature: await book.sign(x.key, p.address, cum),
          });
        }
        await book.redeemBatch(p, p.address, items);
        did = "batch";
      } else if (action === 7) {
        if (m.thawing === 0n && m.balance > 0n) {
          await book.requestThaw(cl.sender, p.address, 1n + rand(m.balance));
          did = "thaw";
        } else if (m.thawing > 0n) {
          const t = await now(c);
          if (t + 1n < m.thawEndsAt) {
            await at(c, t + 1n);
            await expect(pc.connect(cl.sender).withdraw(p.address))
              .to.be.revertedWithCustomError(pc, "PaymentChannelsStillThawing")
              .withArgs(m.thawEndsAt, t + 1n);
            did = "earlyWithdraw";
          } else {
            await book.withdraw(cl.sender, p.address);
            did = "withdraw";
          }
        }
      } else if (action === 8) {
        if (m.thawing > 0n && rand(3) === 0n) {
          await book.cancelThaw(cl.sender, p.address);
          did = "cancel";
        } else {
          await c.networkHelpers.time.increase(rand(THAW));
          did = "time";
        }
      } else {
        if ((book.earnings.get(getAddress(p.address)) ?? 0n) > 0n) {
          await book.withdrawEarnings(c.stranger, p.address);
          did = "earnings";
        } else {
          await book.sweepFees(c.stranger);
          did = "sweep";
        }
      }
      counts[did] = (counts[did] ?? 0) + 1;
      await expectChannelsSolvent(book);
    }
    // The sequence exercised every kind of action.
    for (const k of ["deposit", "redeem", "overRedeem", "batch", "thaw", "earnings"]) {
      expect(counts[k] ?? 0, `${k} steps`).to.be.greaterThan(0);
    }
  });
});

/** Deterministic PRNG (mulberry32): `rand(n)` is a bigint in [0, n). */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return BigInt((t ^ (t >>> 14)) >>> 0);
  };
  return (n: bigint | number) => {
    const bound = BigInt(n);
    // Two 32-bit draws: enough range for stablecoin amounts.
    return ((next() << 32n) | next()) % bound;
  };
}
