/**
 * `npm run epoch:close` (add `-- --network localhost` for a node): closes the last ended emission epoch (or
 * CINDER_EPOCH), settles every provider that earned revenue in it, and prints revenue, budget, the bound that
 * applied and the rewards per provider.
 *
 * On the in-process network there is no earlier deployment, so it deploys one and runs a paid epoch first (a dry
 * run of the whole path); on any other network it reads the addresses Ignition recorded.
 */
import { network } from "hardhat";
import { mnemonicToAccount } from "viem/accounts";
import type { Address } from "viem";
import CinderModule from "../deploy/modules/Cinder.js";
import { signVoucher } from "../src/sdk/vouchers.js";
import { runEpochClose } from "./lib/epochs.js";
import { loadDeployment } from "./lib/deployment.js";

const connection = await network.getOrCreate();
const { ethers, networkName } = connection;
const [signer] = await ethers.getSigners();
const { chainId } = await ethers.provider.getNetwork();

/** In-process dry run: deploy, register a provider, pay it 10,000 tUSD through a channel, end the epoch. */
async function dryRunController(): Promise<string> {
  console.log("in-process network: deploying a fresh protocol and paying a provider 10,000 tUSD in one epoch");
  const d = await connection.ignition.deploy(CinderModule, { parameters: "deploy/parameters/hardhat.json", displayUi: false });
  const signers = await ethers.getSigners();
  const [provider, client] = [signers[5]!, signers[16]!];
  const as = <T>(contract: T, who: unknown) => (contract as { connect(s: unknown): T }).connect(who);
  const fn = (contract: unknown, name: string) => (contract as { getFunction(n: string): (...a: unknown[]) => Promise<{ wait(): Promise<unknown> }> }).getFunction(name);
  await (await fn(as(d.registry, provider), "register")("ipfs://dry-run", provider.address)).wait();
  const channels = await d.paymentChannels.getAddress();
  const amount = 10_000n * 1_000_000n;
  await (await fn(d.stablecoin, "faucet")(client.address, amount)).wait();
  await (await fn(as(d.stablecoin, client), "approve")(channels, amount)).wait();
  await (await fn(as(d.paymentChannels, client), "deposit")(provider.address, amount)).wait();
  const voucher = { client: client.address as Address, provider: provider.address as Address, cumulativeAmount: amount };
  const account = mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: 16 });
  const signature = await signVoucher({ account, channels: channels as Address, chainId, voucher });
  await (await fn(as(d.paymentChannels, provider), "redeem")(voucher, signature)).wait();
  const length = (await fn(d.emissionController, "EPOCH_LENGTH")()) as unknown as bigint;
  const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  await connection.networkHelpers.time.increaseTo((latest / length + 1n) * length + 1_800n);
  return d.emissionController.getAddress();
}

function parseEpoch(raw: string | undefined): bigint | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^[0-9]+$/.test(raw)) throw new Error(`CINDER_EPOCH must be an epoch number, got "${raw}"`);
  return BigInt(raw);
}

const cndr = (wei: bigint) => ethers.formatEther(wei);
const usd = (units: bigint) => ethers.formatUnits(units, 6);

try {
  const controller = networkName === "default" ? await dryRunController() : loadDeployment(chainId).emissionController;
  const result = await runEpochClose({ controller, signer, epoch: parseEpoch(process.env.CINDER_EPOCH) });
  if (result.status === "waiting") {
    const when = result.readyAt === undefined ? "" : ` (ready at ${new Date(Number(result.readyAt) * 1000).toISOString()})`;
    console.log(`epoch ${result.epoch} not closed yet: ${result.reason}${when}`);
  } else {
    console.log(`epoch ${result.epoch} on ${networkName} (chain ${chainId}): ${result.status === "closed" ? "closed" : "was already closed"}`);
    console.log(`  revenue   ${usd(result.revenue)} (fees ${usd(result.fees)})`);
    console.log(`  budget    ${cndr(result.budget)} CNDR   bound: ${result.bound}`);
    if (result.price > 0n) console.log(`  price     ${usd(result.price)} per CNDR (the highest of epoch TWAP, long TWAP, floor)`);
    for (const r of result.rewards) console.log(`  provider  ${r.provider}  revenue ${usd(r.revenue)}  reward ${cndr(r.reward)} CNDR`);
    if (result.rewards.length === 0) console.log("  no provider earned revenue in this epoch");
  }
} catch (error) {
  console.error(`epoch:close failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
