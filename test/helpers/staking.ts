/**
 * Helpers shared by the staking suites: addresses of signers or contracts, time, CNDR deltas, and DESIGN.md's
 * invariant 3 checked exactly.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Addressable, ContractTransactionResponse } from "ethers";
import type { Cinder } from "./fixture.js";

export type Tx = Promise<ContractTransactionResponse>;
export type Account = HardhatEthersSigner | Addressable;

export async function addressOf(a: Account): Promise<string> {
  return "address" in a && typeof a.address === "string" ? a.address : (a as Addressable).getAddress();
}

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

/** Makes the next transaction's block carry timestamp `t`. */
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}

export async function gasOf(tx: Tx): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

/** Asserts the CNDR deltas of a transaction. */
export async function expectDeltas(c: Cinder, tx: Tx, accounts: Account[], deltas: bigint[]) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.token, accounts, deltas);
}

/**
 * A slash through the SlashingManager's hook (`executeSlash`, the only slash there is) moves no CNDR anywhere: what it
 * takes, `slashed`, stays in the vault, added to what waits for the burn (no bounty asked here).
 */
export async function expectSlashKept(c: Cinder, tx: Tx, slashed: bigint) {
  await expect(tx).to.changeTokenBalances(c.ethers, c.token, [c.vault], [0n]);
  const receipt = (await (await tx).wait())!;
  const [toBurnBefore] = await c.vault.slashedHeld({ blockTag: receipt.blockNumber - 1 });
  const [toBurnAfter] = await c.vault.slashedHeld({ blockTag: receipt.blockNumber });
  expect(toBurnAfter - toBurnBefore, "slashed CNDR kept for the burn").to.equal(slashed);
}

/**
 * Invariant 3, exactly: the vault's CNDR = sum over `providers`' pools of (selfActive + selfPending +
 * delegatedAssets + pendingAssets) + totalRewardsOwed + totalRetiredPending + slashed CNDR held (to burn and
 * bounties) (+ `donated`: CNDR sent to the vault outside its functions). Also: totalStake is that pool sum, and what the providers and `accounts` can claim fits
 * in totalRewardsOwed.
 */
export async function expectSolvent(
  c: Cinder,
  providers: Account[],
  opts: { donated?: bigint; accounts?: Account[] } = {},
) {
  let pools = 0n;
  let claimable = 0n;
  for (const provider of providers) {
    const address = await addressOf(provider);
    const p = await c.vault.getPool(address);
    const sum = p.selfActive + p.selfPending + p.delegatedAssets + p.pendingAssets;
    expect(await c.vault.totalStake(address), "totalStake").to.equal(sum);
    pools += sum;
    claimable += await c.vault.claimableRewards(address, address);
    for (const account of opts.accounts ?? []) {
      claimable += await c.vault.claimableRewards(address, await addressOf(account));
    }
  }
  const owed = await c.vault.totalRewardsOwed();
  const retired = await c.vault.totalRetiredPending();
  const [toBurn, bounties] = await c.vault.slashedHeld();
  expect(await c.token.balanceOf(await c.vault.getAddress()), "vault CNDR").to.equal(
    pools + owed + retired + toBurn + bounties + (opts.donated ?? 0n),
  );
  expect(claimable, "claimable rewards <= totalRewardsOwed").to.be.lte(owed);
}
