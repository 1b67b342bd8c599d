/**
 * Helpers for the emission suites: revenue through real channel redemptions, exact epoch timing, the pool's TWAP
 * read from the pair itself, and the close's expected result from src/economics/emissions.ts.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract, ContractTransactionResponse } from "ethers";
import { mnemonicToAccount } from "viem/accounts";
import type { Address } from "viem";
import { signVoucher } from "../../src/sdk/vouchers.js";
import { BOUNDS, type Bound } from "../../src/economics/emissions.js";
import type { Cinder } from "./fixture.js";

export const HOUR = 3_600n;
const MNEMONIC = "test test test test test test test test test test test junk";

/** Pays providers through real payment-channel redemptions, so the EmissionController records real revenue. */
export class Payer {
  constructor(readonly c: Cinder) {}

  /**
   * Client `clientIndex` pays `gross` to `provider` (deposit, signed voucher, the provider redeems); the redemption,
   * which records the revenue, is mined at `redeemAt` when given.
   */
  async pay(
    provider: HardhatEthersSigner,
    gross: bigint,
    opts: { clientIndex?: number; redeemAt?: bigint } = {},
  ): Promise<ContractTransactionResponse> {
    const clientIndex = opts.clientIndex ?? 0;
    const client = this.c.clients[clientIndex]!;
    const channel = await this.c.paymentChannels.getChannel(client.address, provider.address);
    const cumulativeAmount = channel.redeemed + gross;
    const balance = await this.c.stablecoin.balanceOf(client.address);
    if (balance < gross) await this.c.stablecoin.faucet(client.address, gross - balance);
    await this.c.paymentChannels.connect(client).deposit(provider.address, gross);
    const signature = await signVoucher({
      account: mnemonicToAccount(MNEMONIC, { addressIndex: 16 + clientIndex }),
      channels: (await this.c.paymentChannels.getAddress()) as Address,
      chainId: (await this.c.ethers.provider.getNetwork()).chainId,
      voucher: { client: client.address as Address, provider: provider.address as Address, cumulativeAmount },
    });
    if (opts.redeemAt !== undefined) await at(this.c, opts.redeemAt);
    return this.c.paymentChannels
      .connect(provider)
      .redeem({ client: client.address, provider: provider.address, cumulativeAmount }, signature);
  }
}

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
/** The next transaction's block carries timestamp `t`. */
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** The first second of the next epoch plus `offset`. */
export async function nextEpochStart(c: Cinder, offset = 0n): Promise<{ epoch: bigint; t: bigint }> {
  const epoch = (await now(c)) / HOUR + 1n;
  return { epoch, t: epoch * HOUR + offset };
}

/** Whether CNDR is the pair's token0. */
export async function cndrIsToken0(c: Cinder): Promise<boolean> {
  return (await c.uniswapPair.getFunction("token0")()) === (await c.token.getAddress());
}

/** The pair's reserves as (CNDR, asset). */
export async function reserves(c: Cinder): Promise<{ cndr: bigint; asset: bigint }> {
  const [r0, r1] = (await c.uniswapPair.getFunction("getReserves")()) as [bigint, bigint, bigint];
  return (await cndrIsToken0(c)) ? { cndr: r0, asset: r1 } : { cndr: r1, asset: r0 };
}

/** Sells or buys CNDR on the pool as `who` (approvals included). */
export async function swap(c: Cinder, who: HardhatEthersSigner, amountIn: bigint, sellCndr: boolean) {
  const router = await c.uniswapRouter.getAddress();
  const cndr = await c.token.getAddress();
  const usd = await c.stablecoin.getAddress();
  await c.token.connect(who).approve(router, c.ethers.MaxUint256);
  await c.stablecoin.connect(who).approve(router, c.ethers.MaxUint256);
  if (!sellCndr) await c.stablecoin.faucet(who.address, amountIn);
  const cndrBalance = await c.token.balanceOf(who.address);
  if (sellCndr && cndrBalance < amountIn) await c.token.connect(c.deployer).transfer(who.address, amountIn - cndrBalance);
  const path = sellCndr ? [cndr, usd] : [usd, cndr];
  const deadline = (await now(c)) + 3_600n;
  return (c.uniswapRouter.connect(who) as Contract).getFunction("swapExactTokensForTokens")(
    amountIn,
    0n,
    path,
    who.address,
    deadline,
  );
}

/** The EpochClosed event of a close transaction, decoded. */
export async function closedEvent(c: Cinder, tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = c.emissions.interface.parseLog(log);
    if (parsed?.name === "EpochClosed") {
      const [epoch, revenue, fees, budget, bound, cap, byRate, byGuard, price] = parsed.args as unknown as bigint[];
      return {
        epoch: epoch!, revenue: revenue!, fees: fees!, budget: budget!, bound: BOUNDS[Number(bound)] as Bound,
        cap: cap!, byRate: byRate!, byGuard: byGuard!, price: price!, gasUsed: receipt!.gasUsed,
      };
    }
  }
  throw new Error("no EpochClosed event");
}
