/**
 * PaymentChannels: every path and every revert (exact custom errors and arguments), events with exact arguments and
 * stablecoin deltas on every state-changing call, and DESIGN.md invariants 1 (solvency), 2 (conservation per
 * channel: deposited = withdrawn + redeemed + balance) and 4 (once only: no voucher amount pays twice) checked after
 * every step of two long scenarios (`expectChannelsSolvent`). Attack PoCs (replay, front-running, self-dealing,
 * flash deposits, underfunded settlement) live in test/attacks/channels.test.ts; the TypeScript voucher helpers'
 * unit tests in test/sdk/vouchers.test.ts.
 *
 * Local parameters (deploy/modules/protocol.ts): channel thaw 2 days (bounds 1 hour .. 90 days), fee 100 bps rounded
 * up, buyback share 50%, revenue epochs of 1 hour. Providers here are only registered (a channel needs a registered
 * provider, nothing more), each with its own payout address so earnings visibly go there.
 *
 * Signing: the fixture's clients are Hardhat's default accounts #16..#18, so the same keys are viem local accounts
 * (`mnemonicToAccount`); vouchers are signed with src/sdk/vouchers.ts. A fresh client with its own private key
 * (`privateKeyToAccount`) is funded and sends its transactions through an ethers `Wallet`.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { type Addressable, type ContractTransactionResponse, Wallet } from "ethers";
import { type Address, type Hex, type LocalAccount, getAddress, keccak256, recoverTypedDataAddress, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { connectCinder, USD, type Cinder } from "../../../helpers/fixture.js";
import { signVoucher, voucherDigest as tsVoucherDigest, voucherDomain, voucherTypes } from "../../../../src/sdk/vouchers.js";

const { loadCinder } = await connectCinder();

const HOUR = 3_600n;
const DAY = 86_400n;
const THAW = 2n * DAY;
const MIN_THAW = HOUR;
const MAX_THAW = 90n * DAY;
const FEE_BPS = 100n;
const EPOCH = HOUR;
const MAX_UINT40 = 2n ** 40n - 1n;
const MNEMONIC = "test test test test test test test test test test test junk";
const PAYOUTS = [getAddress(`0x${"a1".repeat(20)}`), getAddress(`0x${"a2".repeat(20)}`)] as const;
/** A gateway hot key a client authorizes to sign its vouchers. */
const GATEWAY_KEY = keccak256(toHex("cinder/test/channels/gateway"));
/** A client that is not one of the fixture's accounts: its own key, funded in the test. */
const FRESH_CLIENT_KEY = keccak256(toHex("cinder/test/channels/fresh-client"));

/** FeeRouter.feeFor: rounded up. */
const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

type Tx = Promise<ContractTransactionResponse>;
type Holder = HardhatEthersSigner | Addressable | string;
type Sender = HardhatEthersSigner | Wallet;

async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
/** The next transaction's block carries timestamp `t`. */
async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** Mines a block at `t`, so views see block.timestamp == t. */
async function mineAt(c: Cinder, t: bigint) {
  await c.networkHelpers.time.increaseTo(t);
}
async function usdDeltas(c: Cinder, tx: Tx | ContractTransactionResponse, holders: Holder[], deltas: bigint[]) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, holders, deltas);
}
/** Sends `tx` and returns it with its block's timestamp. */
async function mined(c: Cinder, tx: Tx): Promise<{ tx: ContractTransactionResponse; ts: bigint }> {
  const response = await tx;
  const receipt = await response.wait();
  const block = await c.ethers.provider.getBlock(receipt!.blockNumber);
  return { tx: response, ts: BigInt(block!.timestamp) };
}
/** The fixture's client `i` (Hardhat account #16 + i) as a viem local account. */
function clientAccount(i: number): LocalAccount {
  return mnemonicToAccount(MNEMONIC, { addressIndex: 16 + i });
}

interface ChannelModel {
  deposited: bigint;
  withdrawn: bigint;
  balance: bigint;
  redeemed: bigint;
  thawing: bigint;
  thawEndsAt: bigint;
  /** Every voucher redeemed on this channel, to replay later (once only). */
  vouchers: { cumulativeAmount: bigint; signature: Hex }[];
}

/**
 * A model of the PaymentChannels contract. Each action sends the transaction, asserts its events (exact arguments)
 * and stablecoin deltas from the model's prediction, updates the model, and checks the touched channel against it.
 */
class Book {
  readonly channels = new Map<string, ChannelModel>();
  readonly earnings = new Map<string, bigint>();
  readonly earningsPaid = new Map<string, bigint>();
  fees = 0n;
  feesSwept = 0n;
  gross = 0n;
  net = 0n;

  constructor(
    readonly c: Cinder,
    readonly address: Address,
    readonly chainId: bigint,
  ) {}

  ch(client: string, provider: string): ChannelModel {
    const key = `${getAddress(client)}/${getAddress(provider)}`;
    let m = this.channels.get(key);
    if (m === undefined) {
      m = { deposited: 0n, withdrawn: 0n, balance: 0n, redeemed: 0n, thawing: 0n, thawEndsAt: 0n, vouchers: [] };
      this.channels.set(key, m);
    }
    return m;
  }

  /** Signs `client` owes `provider` `cumulativeAmount`, with `signer`'s key (the client's own by default). */
  sign(signer: LocalAccount, provider: string, cumulativeAmount: bigint, client: string = signer.address) {
    return signVoucher({
      account: signer,
      channels: this.address,
      chainId: this.chainId,
      voucher: { client: getAddress(client), provider: getAddress(provider), cumulativeAmount },
    });
  }

  async expectChannel(client: string, provider: string) {
    const m = this.ch(client, provider);
    const ch = await this.c.paymentChannels.getChannel(client, provider);
    expect(ch.balance, "channel.balance").to.equal(m.balance);
    expect(ch.redeemed, "channel.redeemed").to.equal(m.redeemed);
    expect(ch.thawing, "channel.thawing").to.equal(m.thawing);
    expect(ch.thawEndsAt, "channel.thawEndsAt").to.equal(m.thawEndsAt);
  }

  async deposit(client: Sender, provider: string, amount: bigint) {
    const pc = this.c.paymentChannels;
    const m = this.ch(client.address, provider);
    const balance = m.balance + amount;
    const tx = pc.connect(client).deposit(provider, amount);
    await expect(tx).to.emit(pc, "Deposited").withArgs(client.address, provider, amount, balance);
    await usdDeltas(this.c, tx, [client.address, pc], [-amount, amount]);
    m.deposited += amount;
    m.balance = balance;
    await this.expectChannel(client.address, provider);
  }

  async requestThaw(client: Sender, provider: string, amount: bigint) {
    const pc = this.c.paymentChannels;
    const m = this.ch(client.address, provider);
    const thawing = m.thawing + amount;
    const period = await pc.thawPeriod();
    const { tx, ts } = await mined(this.c, pc.connect(client).requestThaw(provider, amount));
    await expect(tx)
      .to.emit(pc, "ThawRequested")
      .withArgs(client.address, provider, thawing, ts + period);
    await usdDeltas(this.c, tx, [client.address, pc], [0n, 0n]);
    m.thawing = thawing;
    m.thawEndsAt = ts + period;
    await this.expectChannel(client.address, provider);
    return m.thawEndsAt;
  }

  async cancelThaw(client: Sender, provider: string) {
    const pc = this.c.paymentChannels;
    const m = this.ch(client.address, provider);
    const tx = pc.connect(client).cancelThaw(provider);
    await expect(tx).to.emit(pc, "ThawCancelled").withArgs(client.address, provider);
    await usdDeltas(this.c, tx, [client.address, pc], [0n, 0n]);
    m.thawing = 0n;
    m.thawEndsAt = 0n;
    await this.expectChannel(client.address, provider);
  }

  /** Withdraws after the thaw: the client gets min(thawing, balance). Returns the amount. */
  async withdraw(client: Sender, provider: string) {
    const pc = this.c.paymentChannels;
    const m = this.ch(client.address, provider);
    const amount = m.thawing < m.balance ? m.thawing : m.balance;
    // The pending block: a test may have set the next block's timestamp (the thaw's end) without mining.
    expect(
      await pc.connect(client).withdraw.staticCall(provider, { blockTag: "pending" }),
      "withdraw() returns",
    ).to.equal(amount);
    const tx = pc.connect(client).withdraw(provider);
    await expect(tx).to.emit(pc, "Withdrawn").withArgs(client.address, provider, amount);
    await usdDeltas(this.c, tx, [client.address, pc], [amount, -amount]);
    m.balance -= amount;
    m.withdrawn += amount;
    m.thawing = 0n;
    m.thawEndsAt = 0n;
    await this.expectChannel(client.address, provider);
    return amount;
  }

  /** Redeems one voucher (submitted by `submitter`); checks the ledger's record and that a replay pays nothing. */
  async redeem(submitter: Sender, client: string, provider: string, cumulativeAmount: bigint, signature: Hex) {
    const { c } = this;
    const pc = c.paymentChannels;
    const m = this.ch(client, provider);
    const gross = cumulativeAmount - m.redeemed;
    const fee = feeOf(gross);
    const net = gross - fee;
    const voucher = { client, provider, cumulativeAmount };
    expect(
      await pc.connect(submitter).redeem.staticCall(voucher, signature, { blockTag: "pending" }),
      "redeem() returns net",
    ).to.equal(net);
    const { tx, ts } = await mined(c, pc.connect(submitter).redeem(voucher, signature));
    await expect(tx).to.emit(pc, "Redeemed").withArgs(client, provider, cumulativeAmount, gross);
    await expect(tx).to.emit(pc, "PaymentReleased").withArgs(provider, gross, fee, net);
    await expect(tx)
      .to.emit(c.emissions, "RevenueRecorded")
      .withArgs(provider, ts / EPOCH, gross, fee);
    // Redemption moves no tokens: it credits earnings and fees inside the contract (pull payments).
    await usdDeltas(c, tx, [pc, client, provider, await c.registry.payoutOf(provider)], [0n, 0n, 0n, 0n]);
    this.credit(provider, gross, fee);
    m.balance -= gross;
    m.redeemed = cumulativeAmount;
    m.vouchers.push({ cumulativeAmount, signature });
    await this.expectChannel(client, provider);
    await this.expectNoReplay(client, provider);
    return { gross, fee, net, ts };
  }

  /** Redeems many vouchers of one provider in one batch (the same channel may appear with rising amounts). */
  async redeemBatch(
    submitter: Sender,
    provider: string,
    items: { client: string; cumulativeAmount: bigint; signature: Hex }[],
  ) {
    const { c } = this;
    const pc = c.paymentChannels;
    const vouchers = items.map((i) => ({ client: i.client, provider, cumulativeAmount: i.cumulativeAmount }));
    const signatures = items.map((i) => i.signature);
    const redeemedBefore = new Map<string, bigint>();
    let gross = 0n;
    const amounts: bigint[] = [];
    for (const i of items) {
      const key = getAddress(i.client);
      const prev = redeemedBefore.get(key) ?? this.ch(i.client, provider).redeemed;
      amounts.push(i.cumulativeAmount - prev);
      gross += i.cumulativeAmount - prev;
      redeemedBefore.set(key, i.cumulativeAmount);
    }
    const fee = feeOf(gross);
    const net = gross - fee;
    expect(
      await pc.connect(submitter).redeemBatch.staticCall(provider, vouchers, signatures, { blockTag: "pending" }),
      "redeemBatch() returns net",
    ).to.equal(net);
    const { tx, ts } = await mined(c, pc.connect(submitter).redeemBatch(provider, vouchers, signatures));
    for (const [k, i] of items.entries()) {
      await expect(tx).to.emit(pc, "Redeemed").withArgs(i.client, provider, i.cumulativeAmount, amounts[k]);
    }
    await expect(tx).to.emit(pc, "PaymentReleased").withArgs(provider, gross, fee, net);
    await expect(tx)
      .to.emit(c.emissions, "RevenueRecorded")
      .withArgs(provider, ts / EPOCH, gross, fee);
    const receipt = await tx.wait();
    const released = receipt!.logs.filter((l) => l.topics[0] === pc.interface.getEvent("PaymentReleased").topicHash);
    expect(released.length, "one PaymentReleased per batch").to.equal(1);
    await usdDeltas(c, tx, [pc, provider], [0n, 0n]);
    this.credit(provider, gross, fee);
    for (const [k, i] of items.entries()) {
      const m = this.ch(i.client, provider);
      m.balance -= amounts[k];
      m.redeemed = i.cumulativeAmount;
      m.vouchers.push({ cumulativeAmount: i.cumulativeAmount, signature: i.signature });
    }
    for (const i of items) {
      await this.expectChannel(i.client, provider);
      await this.expectNoReplay(i.client, provider);
    }
    return { gross, fee, net };
  }

  private credit(provider: string, gross: bigint, fee: bigint) {
    const key = getAddress(provider);
    this.earnings.set(key, (this.earnings.get(key) ?? 0n) + gross - fee);
    this.fees += fee;
    this.gross += gross;
    this.net += gross - fee;
  }

  /**
   * Invariant 4: every voucher already redeemed on the channel pays nothing again: it reverts with
   * PaymentChannelsNothingToRedeem, or with PaymentChannelsUnauthorizedSigner once the key that signed it was revoked
   * and its revocation has passed (the signature is checked first).
   */
  async expectNoReplay(client: string, provider: string) {
    const pc = this.c.paymentChannels;
    const m = this.ch(client, provider);
    const next = (await now(this.c)) + 1n;
    for (const v of m.vouchers) {
      const voucher = {
        client: getAddress(client),
        provider: getAddress(provider),
        cumulativeAmount: v.cumulativeAmount,
      };
      const signer = await recoverTypedDataAddress({
        domain: voucherDomain({ channels: this.address, chainId: this.chainId }),
        types: voucherTypes,
        primaryType: "Voucher",
        message: voucher,
        signature: v.signature,
      });
      const live = signer === voucher.client || (await pc.signerValidUntil(client, signer)) > next;
      const replay = expect(pc.redeem(voucher, v.signature));
      if (live) {
        await replay.to.be
          .revertedWithCustomError(pc, "PaymentChannelsNothingToRedeem")
          .withArgs(v.cumulativeAmount, m.redeemed);
      } else {
        await replay.to.be
          .revertedWithCustomError(pc, "PaymentChannelsUnauthorizedSigner")
          .withArgs(voucher.client, signer);
      }
    }
  }

  async withdrawEarnings(caller: Sender, provider: string) {
    const pc = this.c.paymentChannels;
    const key = getAddress(provider);
    const amount = this.earnings.get(key) ?? 0n;
    const payout = await this.c.registry.payoutOf(provider);
    const tx = pc.connect(caller).withdrawEarnings(provider);
    await expect(tx).to.emit(pc, "EarningsWithdrawn").withArgs(provider, payout, amount);
    await usdDeltas(this.c, tx, [payout, pc, provider, caller.address], [amount, -amount, 0n, 0n]);
    this.earnings.set(key, 0n);
    this.earningsPaid.set(key, (this.earningsPaid.get(key) ?? 0n) + amount);
    expect(await pc.earningsOf(provider)).to.equal(0n);
    return amount;
  }

  async sweepFees(caller: Sender) {
    const pc = this.c.paymentChannels;
    const amount = this.fees;
    const tx = pc.connect(caller).sweepFees();
    await expect(tx).to.emit(pc, "FeesSwept").withArgs(amount);
    await usdDeltas(this.c, tx, [pc, this.c.feeRouter], [-amount, amount]);
    this.feesSwept += amount;
    this.fees = 0n;
    expect(await pc.collectedFees()).to.equal(0n);
    return amount;
  }
}

/**
 * Invariants 1, 2 and 4, exactly, over every channel and provider the book has touched:
 * - the stablecoin PaymentChannels holds == sum of channel balances + sum of providers' earnings + collectedFees;
 * - per channel: deposited == withdrawn + redeemed + balance (on-chain redeemed and balance), and the model agrees;
 * - once only: the gross released (sum of PaymentReleased) == sum of the channels' redeemed marks, and it was split
 *   exactly into fees and provider earnings (paid out or not).
 */
async function expectChannelsSolvent(book: Book) {
  const { c } = book;
  const pc = c.paymentChannels;
  let balances = 0n;
  let redeemed = 0n;
  for (const [key, m] of book.channels) {
    const [client, provider] = key.split("/");
    const ch = await pc.getChannel(client, provider);
    expect(ch.balance, `${key} balance`).to.equal(m.balance);
    expect(ch.redeemed, `${key} redeemed`).to.equal(m.redeemed);
    expect(ch.thawing, `${key} thawing`).to.equal(m.thawing);
    expect(ch.thawEndsAt, `${key} thawEndsAt`).to.equal(m.thawEndsAt);
    expect(m.deposited, `${key} deposited = withdrawn + redeemed + balance`).to.equal(
      m.withdrawn + ch.redeemed + ch.balance,
    );
    balances += ch.balance;
    redeemed += ch.redeemed;
  }
  let earnings = 0n;
  let paid = 0n;
  for (const [provider, owed] of book.earnings) {
    expect(await pc.earningsOf(provider), `earningsOf(${provider})`).to.equal(owed);
    earnings += owed;
    paid += book.earningsPaid.get(provider) ?? 0n;
  }
  const fees = await pc.collectedFees();
  expect(fees, "collectedFees").to.equal(book.fees);
  expect(await c.stablecoin.balanceOf(pc), "stablecoin held == balances + earnings + fees").to.equal(
    balances + earnings + fees,
  );
  expect(redeemed, "sum of redeemed marks == gross released").to.equal(book.gross);
  expect(book.gross, "gross == fees + net").to.equal(book.fees + book.feesSwept + book.net);
  expect(book.net, "net == earnings owed + paid out").to.equal(earnings + paid);
}

/** A deployment with providers[0] and providers[1] registered (payouts PAYOUTS[0], PAYOUTS[1]) and a book. */
async function withChannels() {
  const c = await loadCinder();
  const [p0, p1] = c.providers;
  await c.registry.connect(p0).register("ipfs://channels/p0", PAYOUTS[0]);
  await c.registry.connect(p1).register("ipfs://channels/p1", PAYOUTS[1]);
  const chainId = (await c.ethers.provider.getNetwork()).chainId;
  const book = new Book(c, getAddress(await c.paymentChannels.getAddress()), chainId);
  const keys = [clientAccount(0), clientAccount(1), clientAccount(2)];
  for (const [i, k] of keys.entries()) expect(k.address, "client key").to.equal(c.clients[i].address);
  return { c, p0, p1, book, keys, pc: c.paymentChannels };
}

/** A client with its own key: ETH via setBalance, test USD via the faucet, approval sent from an ethers Wallet. */
async function freshClient(c: Cinder, amount: bigint) {
  const account = privateKeyToAccount(FRESH_CLIENT_KEY);
  const wallet = new Wallet(FRESH_CLIENT_KEY, c.ethers.provider);
  expect(wallet.address).to.equal(account.address);
  await c.networkHelpers.setBalance(account.address, 10n ** 20n);
  await c.stablecoin.faucet(account.address, amount);
  await c.stablecoin.connect(wallet).approve(await c.paymentChannels.getAddress(), amount);
  return { account, wallet };
}

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

async function clientKeyOf(c: Cinder, i: number): Promise<LocalAccount> {
  const k = clientAccount(i);
  expect(k.address).to.equal(c.clients[i].address);
  return k;
}

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
