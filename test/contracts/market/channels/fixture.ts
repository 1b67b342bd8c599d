/**
 * PaymentChannels suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts), two
 * registered providers with their own payout addresses, the clients' viem keys, and `Book`, a model of the contract
 * whose every action asserts its events (exact arguments) and stablecoin deltas. `expectChannelsSolvent` checks
 * DESIGN.md invariants 1 (solvency), 2 (conservation per channel: deposited = withdrawn + redeemed + balance) and 4
 * (once only: no voucher amount pays twice) against the book.
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
import { connectCinder, type Cinder } from "../../../helpers/fixture.js";
import { signVoucher, voucherDomain, voucherTypes } from "../../../../src/sdk/vouchers.js";

/** The shared deployment, restored from its snapshot. */
async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const HOUR = 3_600n;
export const DAY = 86_400n;
export const THAW = 2n * DAY;
export const MIN_THAW = HOUR;
export const MAX_THAW = 90n * DAY;
const FEE_BPS = 100n;
export const EPOCH = HOUR;
export const MAX_UINT40 = 2n ** 40n - 1n;
export const MNEMONIC = "test test test test test test test test test test test junk";
export const PAYOUTS = [getAddress(`0x${"a1".repeat(20)}`), getAddress(`0x${"a2".repeat(20)}`)] as const;
/** A gateway hot key a client authorizes to sign its vouchers. */
export const GATEWAY_KEY = keccak256(toHex("cinder/test/channels/gateway"));
/** A client that is not one of the fixture's accounts: its own key, funded in the test. */
const FRESH_CLIENT_KEY = keccak256(toHex("cinder/test/channels/fresh-client"));

/** FeeRouter.feeFor: rounded up. */
export const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

type Tx = Promise<ContractTransactionResponse>;
type Holder = HardhatEthersSigner | Addressable | string;
export type Sender = HardhatEthersSigner | Wallet;

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
/** The next transaction's block carries timestamp `t`. */
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** Mines a block at `t`, so views see block.timestamp == t. */
export async function mineAt(c: Cinder, t: bigint) {
  await c.networkHelpers.time.increaseTo(t);
}
export async function usdDeltas(c: Cinder, tx: Tx | ContractTransactionResponse, holders: Holder[], deltas: bigint[]) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.stablecoin, holders, deltas);
}
/** Sends `tx` and returns it with its block's timestamp. */
export async function mined(c: Cinder, tx: Tx): Promise<{ tx: ContractTransactionResponse; ts: bigint }> {
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
export async function expectChannelsSolvent(book: Book) {
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
export async function withChannels() {
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
export async function freshClient(c: Cinder, amount: bigint) {
  const account = privateKeyToAccount(FRESH_CLIENT_KEY);
  const wallet = new Wallet(FRESH_CLIENT_KEY, c.ethers.provider);
  expect(wallet.address).to.equal(account.address);
  await c.networkHelpers.setBalance(account.address, 10n ** 20n);
  await c.stablecoin.faucet(account.address, amount);
  await c.stablecoin.connect(wallet).approve(await c.paymentChannels.getAddress(), amount);
  return { account, wallet };
}

export async function clientKeyOf(c: Cinder, i: number): Promise<LocalAccount> {
  const k = clientAccount(i);
  expect(k.address).to.equal(c.clients[i].address);
  return k;
}
