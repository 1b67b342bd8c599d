/**
 * `npm run bench`: measures each operation's transaction gasUsed (receipt, 21,000 base included) on the
 * in-process network with the real deployment, in steady state (accounts and counters already written) unless the
 * name ends in `.first`; prints a table against the targets in `targets.ts` and writes `bench/results/gas.json`.
 * Deterministic: fixed signers, fixed amounts, no randomness. Exits 1 if a target is missed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { ContractTransactionResponse } from "ethers";
import { connectCinder, onboardProvider, ONE } from "../test/helpers/fixture.js";
import { describeTarget, meetsTarget } from "./targets.js";

const figures: Record<string, number> = {};

async function measure(name: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`${name}: transaction failed`);
  figures[name] = Number(receipt.gasUsed);
}

const { loadCinder } = await connectCinder();
const c = await loadCinder();
const [p0, p1, p2] = c.providers;
const [d0, d1, d2] = c.delegators;
const { time } = c.networkHelpers;

// --- token ---
await c.token.connect(d0).transfer(d1.address, ONE); // both balances written
await measure("CinderToken.transfer", c.token.connect(d0).transfer(d1.address, ONE));

// --- registry ---
await c.registry.connect(p0).register("ipfs://provider/p0", p0.address);
await measure("ProviderRegistry.register", c.registry.connect(p1).register("ipfs://provider/p1", p1.address));

// --- staking: first and repeated stake ---
await c.vault.connect(p0).stake(1_000n * ONE); // the vault's own balance is written
await measure("StakingVault.stake.first", c.vault.connect(p1).stake(1_000n * ONE));
await measure("StakingVault.stake.again", c.vault.connect(p1).stake(1_000n * ONE));

// --- delegation ---
await c.vault.connect(d0).delegate(p1.address, 100n * ONE); // the pool's delegated class is written
await measure("StakingVault.delegate.first", c.vault.connect(d1).delegate(p1.address, 100n * ONE));
await measure("StakingVault.delegate.again", c.vault.connect(d1).delegate(p1.address, 100n * ONE));

// --- withdrawal: the first request opens the account's pending withdrawal, the next merges into it ---
await c.vault.connect(d0).requestWithdraw(p1.address, ONE); // the pool's pending class is written
await measure("StakingVault.requestWithdraw.first", c.vault.connect(d1).requestWithdraw(p1.address, 10n * ONE));
await measure("StakingVault.requestWithdraw", c.vault.connect(d1).requestWithdraw(p1.address, 10n * ONE));
await time.increase(Number(await c.vault.unbondingPeriod()) + 1);
await measure("StakingVault.claimWithdraw", c.vault.connect(d1).claimWithdraw(p1.address));

// --- rewards: a claim costs the same after 1 and after 1,000 notifications ---
await c.token.connect(c.rewarder).approve(await c.vault.getAddress(), 2n ** 255n);
await c.vault.connect(c.rewarder).notifyReward(p1.address, ONE);
await c.vault.connect(d1).claimRewards(p1.address); // the delegation's reward fields are written
await measure("StakingVault.notifyReward", c.vault.connect(c.rewarder).notifyReward(p1.address, ONE));
await measure("StakingVault.claimRewards.after1", c.vault.connect(d1).claimRewards(p1.address));
for (let i = 0; i < 1_000; i++) await c.vault.connect(c.rewarder).notifyReward(p1.address, ONE);
await measure("StakingVault.claimRewards.after1000", c.vault.connect(d1).claimRewards(p1.address));

// --- provider self-withdrawal and slashing (no targets yet; the slashing issue adds them) ---
await measure("StakingVault.requestWithdraw.self", c.vault.connect(p1).requestWithdraw(p1.address, 100n * ONE));
await onboardProvider(c, p2, { gpus: 2 });
await c.vault.connect(d2).delegate(p2.address, 100n * ONE);
await measure("StakingVault.slash", c.vault.connect(c.slasher).slash(p2.address, 50n * ONE, c.slasher.address));

// --- report ---
const names = Object.keys(figures);
let failed = 0;
const rows = names.map((name) => {
  const ok = meetsTarget(name, figures);
  if (!ok) failed++;
  return [name, figures[name].toLocaleString("en-US"), describeTarget(name), describeTarget(name) ? (ok ? "ok" : "MISSED") : ""];
});
const header = ["operation", "gasUsed", "target", ""];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((cell, i) => (i === 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));

mkdirSync("bench/results", { recursive: true });
const sorted = Object.fromEntries(names.sort().map((n) => [n, figures[n]]));
writeFileSync("bench/results/gas.json", `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`\nwrote bench/results/gas.json (${names.length} operations)`);
if (failed > 0) {
  console.error(`${failed} target(s) missed`);
  process.exitCode = 1;
}
