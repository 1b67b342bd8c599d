/**
 * `npm run bench`: measures each operation's transaction gasUsed (receipt, 21,000 base included) on the
 * in-process network with the real deployment, in steady state (accounts and counters already written) unless the
 * name ends in `.first`; prints a table against the targets in `targets.ts` and writes `bench/results/gas.json`.
 * Deterministic: fixed signers, fixed amounts, no randomness. Exits 1 if a target is missed. Also writes `bench/REPORT.md`
 * (targets, public comparisons, scaling tables); CINDER_BENCH_OUT and CINDER_BENCH_REPORT move both outputs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type ContractTransactionResponse, Wallet, keccak256, toQuantity, toUtf8Bytes } from "ethers";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { signVoucher } from "../src/sdk/vouchers.js";
import { buildTree, type Leaf } from "../src/protocol/leaves.js";
import { signReport } from "../test/helpers/oracle.js";
import { network } from "hardhat";
import { A100, type Connection, connectCinder, deployCinder, H100, onboardProvider, ONE, USD } from "../test/helpers/fixture.js";
import { describeTarget, meetsTarget } from "./targets.js";
import { renderReport, SCALES } from "./report.js";

/** Where the figures and the report go: `bench:check` points them at a temporary directory. */
const OUT_JSON = process.env.CINDER_BENCH_OUT ?? "bench/results/gas.json";
const OUT_REPORT = process.env.CINDER_BENCH_REPORT ?? "bench/REPORT.md";

const figures: Record<string, number> = {};

/** Prints each section's start and the time since the last one (stderr: the figures' table stays on stdout). */
const started = Date.now();
let lastSection = started;
function section(name: string): void {
  const now = Date.now();
  console.error(`bench: ${name} (previous section ${((now - lastSection) / 1000).toFixed(1)} s, ${((now - started) / 1000).toFixed(0)} s in all)`);
  lastSection = now;
}

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
section("token");
await c.token.connect(d0).transfer(d1.address, ONE); // both balances written
await measure("CinderToken.transfer", c.token.connect(d0).transfer(d1.address, ONE));

// --- registry ---
section("registry");
await c.registry.connect(p0).register("ipfs://provider/p0", p0.address);
await measure("ProviderRegistry.register", c.registry.connect(p1).register("ipfs://provider/p1", p1.address));

// --- staking: first and repeated stake ---
section("staking");
await c.vault.connect(p0).stake(1_000n * ONE); // the vault's own balance is written
await measure("StakingVault.stake.first", c.vault.connect(p1).stake(1_000n * ONE));
await measure("StakingVault.stake.again", c.vault.connect(p1).stake(1_000n * ONE));

// --- delegation ---
section("delegation");
await c.vault.connect(d0).delegate(p1.address, 100n * ONE); // the pool's delegated class is written
await measure("StakingVault.delegate.first", c.vault.connect(d1).delegate(p1.address, 100n * ONE));
await measure("StakingVault.delegate.again", c.vault.connect(d1).delegate(p1.address, 100n * ONE));

// --- withdrawal: the first request opens the account's pending withdrawal, the next merges into it ---
section("withdrawal");
await c.vault.connect(d0).requestWithdraw(p1.address, ONE); // the pool's pending class is written
await measure("StakingVault.requestWithdraw.first", c.vault.connect(d1).requestWithdraw(p1.address, 10n * ONE));
await measure("StakingVault.requestWithdraw", c.vault.connect(d1).requestWithdraw(p1.address, 10n * ONE));
await time.increase(Number(await c.vault.unbondingPeriod()) + 1);
await measure("StakingVault.claimWithdraw", c.vault.connect(d1).claimWithdraw(p1.address));

// --- rewards: a claim costs the same after 1 and after 1,000 notifications ---
section("rewards");
await c.token.connect(c.rewarder).approve(await c.vault.getAddress(), 2n ** 255n);
await c.vault.connect(c.rewarder).notifyReward(p1.address, ONE);
await c.vault.connect(d1).claimRewards(p1.address); // the delegation's reward fields are written
await measure("StakingVault.notifyReward", c.vault.connect(c.rewarder).notifyReward(p1.address, ONE));
await measure("StakingVault.claimRewards.after1", c.vault.connect(d1).claimRewards(p1.address));
for (let i = 0; i < 1_000; i++) await c.vault.connect(c.rewarder).notifyReward(p1.address, ONE);
await measure("StakingVault.claimRewards.after1000", c.vault.connect(d1).claimRewards(p1.address));

// --- provider self-withdrawal and slashing (no targets yet; the slashing issue adds them) ---
section("provider self-withdrawal and slashing");
await measure("StakingVault.requestWithdraw.self", c.vault.connect(p1).requestWithdraw(p1.address, 100n * ONE));
await onboardProvider(c, p2, { gpus: 2 });
await c.vault.connect(d2).delegate(p2.address, 100n * ONE);
await measure("StakingVault.slash", c.vault.connect(c.slasher).executeSlash(p2.address, 50n * ONE, 0, false));

// The oracle hub and its epoch reports: SLA leases' streams are withdrawable up to the hub's covered time.
const { chainId } = await c.ethers.provider.getNetwork();
const hub = c.oracleHub;
const oracleDomain = { chainId, hub: await hub.getAddress() };
const ORACLE_EPOCH = await hub.EPOCH_LENGTH();
const tag = (label: string) => keccak256(toUtf8Bytes(label));
const nodes4 = c.oracleSigners;
/** Signs and submits the report of `epoch` (already ended) with `nodes`; `label` names its root. */
async function reportTx(nodes: typeof c.oracleSigners, epoch: bigint, leafCount: bigint, label: string) {
  const report = { configDigest: await hub.configDigest(), epoch, root: tag(label), leafCount, contentHash: tag(`file-${label}`) };
  return hub.submitEpochReport(report, await signReport(nodes, oracleDomain, "EpochReport", { ...report }));
}
/** Moves into the next epoch and signs the report of the one just ended with `nodes`. */
async function epochReportTx(nodes: typeof c.oracleSigners, leafCount: bigint, root = tag("root")) {
  const epoch = BigInt(await time.latest()) / ORACLE_EPOCH + 1n;
  await time.setNextBlockTimestamp(epoch * ORACLE_EPOCH + 30n);
  await c.networkHelpers.mine();
  return reportTx(nodes, epoch - 1n, leafCount, `${root}-${epoch}`);
}

// --- leases: direct orders (steady state: the client and provider already have leases) ---
section("leases");
const [client0, client1] = c.clients;
const p3 = c.providers[3];
const HOUR = 3_600n;
const PRICE = 2n * USD; // per GPU-hour
const market = c.jobMarket;
await onboardProvider(c, p3, { gpus: 8 });
await c.registry.connect(p3).setOffer(H100, PRICE);
const LEASE = 0; // JobKind.Lease
await market.connect(client0).createDirectLease(p3.address, H100, 1, 24n * HOUR, PRICE, LEASE);
await measure("JobMarket.createDirectLease", market.connect(client0).createDirectLease(p3.address, H100, 1, 24n * HOUR, PRICE, LEASE));
// An SLA lease's stream is withdrawable up to the oracle's covered time: in epoch s + 2 the oracle reports s, the
// first withdrawal takes the stream up to the end of s, the oracle reports s + 1, and the measured one takes s + 1's
// hour, in the same revenue epoch (steady state).
{
  const s = BigInt(await time.latest()) / ORACLE_EPOCH;
  await time.setNextBlockTimestamp((s + 2n) * ORACLE_EPOCH + 30n);
  await (await reportTx(nodes4.slice(0, 3), s, 10n, "lease-epoch-0")).wait();
  await market.connect(p3).withdrawAccrued(1n); // the payout's balance and the epoch's revenue are written
  await (await reportTx(nodes4.slice(0, 3), s + 1n, 10n, "lease-epoch-1")).wait();
  if ((await market.withdrawable(1n)) !== (ORACLE_EPOCH * PRICE) / 3_600n) throw new Error("expected one epoch to withdraw");
  await measure("JobMarket.withdrawAccrued", market.connect(p3).withdrawAccrued(1n));
}
await time.increase(24 * 3_600);
await (await epochReportTx(nodes4.slice(0, 3), 10n)).wait(); // the leases' last epochs are covered
await market.close(1n);
await measure("JobMarket.close", market.close(2n));

// --- leases do not grow with the number of jobs: the 1,001st lease costs what the 2nd did ---
section("leases do not grow with the number of jobs");
for (let i = 0; i < 1_000; i++) {
  await market.connect(client1).createDirectLease(p3.address, H100, 1, HOUR, PRICE, LEASE);
  await market.connect(p3).quit(await market.leaseCount()); // frees the GPU again
}
await measure("JobMarket.createDirectLease.with1000Jobs", market.connect(client0).createDirectLease(p3.address, H100, 1, 24n * HOUR, PRICE, LEASE));

// --- open orders: providers whose market balances hold credited earnings (steady state) bid against each other ---
section("open orders");
// p2 earns through a closed lease, like p3 above; the payout balance of each is then non-zero.
await c.registry.connect(p2).setOffer(H100, PRICE);
await market.connect(client0).createDirectLease(p2.address, H100, 1, HOUR, PRICE, LEASE);
await time.increase(3_601);
await (await epochReportTx(nodes4.slice(0, 3), 10n)).wait(); // the lease's last epoch is covered: close pays it all
await market.close(await market.leaseCount());
const auction = c.leaseAuction;
await auction.connect(client1).postOrder(H100, 1, 24n * HOUR, 3n * USD, 3_600n, LEASE);
const order = await auction.orderCount();
await auction.connect(p2).bid(order, 3n * USD);
await auction.connect(p3).bid(order, 29n * USD / 10n);
await auction.connect(p2).bid(order, 28n * USD / 10n);
await measure("LeaseAuction.bid", auction.connect(p3).bid(order, 27n * USD / 10n));
await time.increase(3_601);
await measure("LeaseAuction.finalizeAuction", auction.finalizeAuction(order));

// --- payment channels ---
section("payment channels");
const channels = c.paymentChannels;
const channelsAddress = (await channels.getAddress()) as Hex;
const PER_REQUEST = 1_000n; // 0.001 USD per inference request
const wallets = Array.from({ length: 21 }, (_, i) => keccak256(toUtf8Bytes(`bench-client-${i}`)) as Hex);
const sign = (key: Hex, cumulativeAmount: bigint) =>
  signVoucher({
    account: privateKeyToAccount(key),
    channels: channelsAddress,
    chainId,
    voucher: { client: privateKeyToAccount(key).address, provider: p3.address as Hex, cumulativeAmount },
  });
for (const key of wallets) {
  const w = new Wallet(key, c.ethers.provider);
  await c.networkHelpers.setBalance(w.address, 10n ** 18n);
  await c.stablecoin.faucet(w.address, 1_000n * USD);
  await c.stablecoin.connect(w).approve(channelsAddress, 2n ** 255n);
  await channels.connect(w).deposit(p3.address, 100n * USD);
}
const single = wallets[20];
const singleClient = privateKeyToAccount(single).address;
await channels.redeem({ client: singleClient, provider: p3.address, cumulativeAmount: PER_REQUEST }, await sign(single, PER_REQUEST)); // earnings written
const cumulative = PER_REQUEST * 1_001n; // 1,000 more requests in one voucher
await measure("PaymentChannels.redeem", channels.redeem({ client: singleClient, provider: p3.address, cumulativeAmount: cumulative }, await sign(single, cumulative)));
figures["PaymentChannels.gasPerRequest"] = Math.round(figures["PaymentChannels.redeem"] / 1_000);
const batch = wallets.slice(0, 20);
const firstRound = await Promise.all(batch.map((k) => sign(k, PER_REQUEST)));
await channels.redeemBatch(p3.address, batch.map((k) => ({ client: privateKeyToAccount(k).address, provider: p3.address, cumulativeAmount: PER_REQUEST })), firstRound);
const secondRound = await Promise.all(batch.map((k) => sign(k, 2n * PER_REQUEST)));
await measure("PaymentChannels.redeemBatch", channels.redeemBatch(p3.address, batch.map((k) => ({ client: privateKeyToAccount(k).address, provider: p3.address, cumulativeAmount: 2n * PER_REQUEST })), secondRound));
figures["PaymentChannels.redeemBatch.perChannel"] = Math.round(figures["PaymentChannels.redeemBatch"] / batch.length);
await measure("PaymentChannels.withdrawEarnings", channels.withdrawEarnings(p3.address));

/**
 * The gas a release spends in its call to the revenue recorder (the CALL itself included): from the transaction's
 * opcode trace, the gas left before the CALL to the EmissionController less the gas left after it returned.
 */
async function recorderOverhead(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  const trace = (await c.ethers.provider.send("debug_traceTransaction", [receipt!.hash, { disableStorage: true, disableMemory: true, disableStack: false }])) as {
    structLogs: { op: string; gas: number; depth: number; stack?: string[] }[];
  };
  const target = (await c.emissions.getAddress()).toLowerCase().slice(2);
  const logs = trace.structLogs;
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    if (log.op !== "CALL" || log.stack === undefined) continue;
    const to = log.stack[log.stack.length - 2]!.replace(/^0x/, "").padStart(40, "0").slice(-40);
    if (to !== target) continue;
    const after = logs.slice(i + 1).find((l) => l.depth === log.depth)!;
    return log.gas - after.gas;
  }
  throw new Error("no call to the EmissionController in the trace");
}
// Steady state: the epoch and the provider's revenue slot already written by the redemptions above.
const nextCumulative = PER_REQUEST * 1_002n;
figures["EmissionController.recordRevenue"] = await recorderOverhead(
  channels.redeem({ client: singleClient, provider: p3.address, cumulativeAmount: nextCumulative }, await sign(single, nextCumulative)),
);

// --- buy-and-burn through the real Uniswap V2 pool (steady state: the epoch's spend and the totals written) ---
section("buy-and-burn through the real Uniswap V2 pool");
const burner = c.buybackBurner;
await c.stablecoin.faucet(await burner.getAddress(), 5_000n * USD);
await burner.observe();
await time.increase(1_800);
await burner.execute(1_000n * USD, 0n, 2n ** 40n);
await measure("BuybackBurner.execute", burner.execute(1_000n * USD, 0n, 2n ** 40n));

// --- emissions (steady state: the previous epoch closed, the next one already sampled by its first record) ---
section("emissions");
const emissions = c.emissions;
const recorderAddress = await market.getAddress();
await c.networkHelpers.impersonateAccount(recorderAddress);
await c.networkHelpers.setBalance(recorderAddress, 10n ** 20n);
const recorder = await c.ethers.getSigner(recorderAddress);
const record = (provider: string, gross: bigint) => emissions.connect(recorder).recordRevenue(provider, gross, gross / 100n);
const EPOCH = await emissions.EPOCH_LENGTH();
/** Moves to `offset` seconds into the next epoch. */
async function nextEpoch(offset: bigint): Promise<bigint> {
  const epoch = BigInt(await time.latest()) / EPOCH + 1n;
  await time.setNextBlockTimestamp(epoch * EPOCH + offset);
  return epoch;
}
// Steady state includes the long TWAP's history: LONG_TWAP_EPOCHS + 2 epochs of samples, so every close below reads
// a long TWAP from both of its ends (without them a close takes the young-history path instead).
const longEpochs = (await emissions.schedule()).longTwapEpochs;
for (let i = 0n; i < longEpochs + 2n; i++) {
  await nextEpoch(5n);
  await emissions.observe();
}
const e0 = await nextEpoch(60n);
await record(p1.address, 1_000n * USD);
await record(p2.address, 1_000n * USD);
await measure("EmissionController.recordRevenue.direct", record(p1.address, 1_000n * USD));
const e1 = await nextEpoch(60n);
await record(p1.address, 1_000n * USD);
await time.setNextBlockTimestamp(e1 * EPOCH + 1_860n);
await emissions.closeEpochAt(e0);
await emissions.settle(p1.address, e0);
await record(p2.address, 2_000n * USD);
const e2 = await nextEpoch(60n);
await record(p1.address, 1_000n * USD);
await time.setNextBlockTimestamp(e2 * EPOCH + 1_860n);
await measure("EmissionController.closeEpoch", emissions.closeEpochAt(e1));
await measure("EmissionController.settle", emissions.settle(p1.address, e1));
// The same close after 1,000 providers earned revenue in the epoch: a close never loops over providers.
for (let i = 0; i < 1_000; i++) await record(keccak256(toUtf8Bytes(`bench-provider-${i}`)).slice(0, 42), 1_000n * USD);
const e3 = await nextEpoch(60n);
await record(p1.address, 1_000n * USD);
await time.setNextBlockTimestamp(e3 * EPOCH + 1_860n);
await measure("EmissionController.closeEpoch.with1000Providers", emissions.closeEpochAt(e2));

// --- oracle hub: epoch reports at 3 and 5 signatures, 1 and 100,000 leaves (steady state: earlier epochs reported) ---
section("oracle hub");
await (await epochReportTx(nodes4.slice(0, 3), 10n)).wait(); // the hub's state slot written
await measure("OracleHub.submitEpochReport.sigs3", epochReportTx(nodes4.slice(0, 3), 10n));
await measure("OracleHub.submitEpochReport.leaves1", epochReportTx(nodes4.slice(0, 3), 1n));
await measure("OracleHub.submitEpochReport.leaves100000", epochReportTx(nodes4.slice(0, 3), 100_000n));

// A 17-deep proof of a 100,000-leaf tree: a transaction sent to the view (receipt gasUsed, 21,000 base and the
// proof's calldata included), the cost an SLA settlement pays per leaf it proves, plus its own call overhead.
const oracleLeaves: Leaf[] = Array.from({ length: 100_000 }, (_, i) => ({
  kind: "uptime" as const,
  leaseId: BigInt(i + 1),
  epoch: 0,
  secondsUp: 3_600 - (i % 100),
  secondsObserved: 3_600,
}));
{
  const epoch = BigInt(await time.latest()) / ORACLE_EPOCH + 1n;
  await time.setNextBlockTimestamp(epoch * ORACLE_EPOCH + 30n);
  await c.networkHelpers.mine();
  const tree = buildTree(oracleLeaves.map((l) => ({ ...l, epoch: Number(epoch - 1n) })));
  const report = { configDigest: await hub.configDigest(), epoch: epoch - 1n, root: tree.root, leafCount: BigInt(tree.leafCount), contentHash: tag("tree") };
  await (await hub.submitEpochReport(report, await signReport(nodes4.slice(0, 3), oracleDomain, "EpochReport", { ...report }))).wait();
  const proof = tree.proof(0);
  if (proof.length !== 17) throw new Error(`expected a 17-deep proof, got ${proof.length}`);
  if (!(await hub.verifyLeaf(epoch - 1n, tree.leafHash(0), proof))) throw new Error("verifyLeaf rejected a valid proof");
  await measure("OracleHub.verifyLeaf.depth17", hub.verifyLeaf.send(epoch - 1n, tree.leafHash(0), proof));
}

// A GPU attestation into the registry (steady state: the provider already has attested GPUs of the class).
{
  const now = BigInt(await time.latest());
  const attest = async (gpuId: string) => {
    const a = {
      configDigest: await hub.configDigest(),
      provider: p3.address,
      gpuId,
      modelClass: H100,
      memoryMiB: 81_559n,
      tier: 1n,
      evidenceHash: tag("evidence"),
      issuedAt: now,
      expiresAt: now + 7n * 86_400n,
    };
    return hub.submitGpuAttestation(a, await signReport(nodes4.slice(0, 3), oracleDomain, "GpuAttestation", { ...a }));
  };
  await (await attest(tag("bench-gpu-1"))).wait();
  await measure("OracleHub.submitGpuAttestation.sigs3", attest(tag("bench-gpu-2")));
}

// --- SLA bonds and settlement (steady state: the provider's bond and the client's SLA balance already written) ---
section("SLA bonds and settlement");
// Each epoch's report holds 2^17 leaves (other leases' uptime leaves fill it up), so every proof is 17 deep.
{
  const sla = c.slaBondManager;
  await c.vault.connect(p3).stake(400n * ONE); // the two GPUs attested above need their stake
  await sla.connect(p3).deposit(USD);
  await measure("SlaBondManager.deposit", sla.connect(p3).deposit(USD));
  await measure("SlaBondManager.withdrawBond", sla.connect(p3).withdrawBond(USD));
  const L = ORACLE_EPOCH;
  const filler = (epoch: bigint, count: number): Leaf[] =>
    Array.from({ length: count }, (_, i) => ({
      kind: "uptime" as const,
      leaseId: BigInt(10_000_000 + i),
      epoch: Number(epoch),
      secondsUp: 3_600 - (i % 100),
      secondsObserved: 3_600,
    }));
  const up = (leaseId: bigint, epoch: bigint): Leaf => ({ kind: "uptime", leaseId, epoch: Number(epoch), secondsUp: 3_500, secondsObserved: 3_600 });
  const proofs = new Map<bigint, { epoch: bigint; secondsUp: number; secondsObserved: number; proof: string[] }[]>();
  /** Reports `epoch` with the leases' breached uptime leaves (3,500 of 3,600 seconds) and keeps their proofs. */
  const reportEpoch = async (epoch: bigint, leaseIds: bigint[]) => {
    const own = leaseIds.map((id) => up(id, epoch));
    const tree = buildTree([...filler(epoch, 2 ** 17 - own.length), ...own]);
    const report = { configDigest: await hub.configDigest(), epoch, root: tree.root, leafCount: BigInt(tree.leafCount), contentHash: tag(`sla-${epoch}`) };
    await (await hub.submitEpochReport(report, await signReport(nodes4.slice(0, 3), oracleDomain, "EpochReport", { ...report }))).wait();
    for (const leaf of own) {
      if (leaf.kind !== "uptime") continue;
      const proof = tree.proof(leaf);
      if (proof.length !== 17) throw new Error(`expected a 17-deep proof, got ${proof.length}`);
      proofs.set(leaf.leaseId, [...(proofs.get(leaf.leaseId) ?? []), { epoch, secondsUp: leaf.secondsUp, secondsObserved: leaf.secondsObserved, proof }]);
    }
  };
  // A: a warm-up 1-epoch lease; B: the measured 1-epoch lease; C: the measured 24-epoch lease.
  const e0 = BigInt(await time.latest()) / L + 1n;
  await time.setNextBlockTimestamp(e0 * L);
  await market.connect(client1).createDirectLease(p3.address, H100, 1, HOUR, PRICE, LEASE);
  const a = await market.leaseCount();
  await time.setNextBlockTimestamp((e0 + 1n) * L);
  await market.connect(client1).createDirectLease(p3.address, H100, 1, HOUR, PRICE, LEASE);
  const b = await market.leaseCount();
  await reportEpoch(e0, [a]);
  // Settled in time (before its lock is releasable), so its breach counts: the client's SLA balance is written, and
  // the streak reaches the threshold at C's settlement, which raises the fault as in steady state.
  await (await sla.settle(a, proofs.get(a)!)).wait();
  await time.setNextBlockTimestamp((e0 + 2n) * L);
  await market.connect(client1).createDirectLease(p3.address, H100, 1, 24n * HOUR, PRICE, LEASE);
  const cLease = await market.leaseCount();
  await reportEpoch(e0 + 1n, [b]);
  for (let k = 2n; k < 26n; k++) {
    await time.setNextBlockTimestamp((e0 + k + 1n) * L + 5n);
    await reportEpoch(e0 + k, [cLease]);
  }
  await measure("SlaBondManager.settle.epochs1", sla.settle(b, proofs.get(b)!));
  if (proofs.get(cLease)!.length !== 24) throw new Error("expected 24 epochs of proofs");
  await measure("SlaBondManager.settle.epochs24", sla.settle(cLease, proofs.get(cLease)!));
  figures["SlaBondManager.settle.epochs24.perEpoch"] = Math.round(figures["SlaBondManager.settle.epochs24"] / 24);
  if ((await sla.balanceOf(client1.address)) === 0n) throw new Error("the settlements paid no credit");
}

// --- slashing: a fault report accepted by the hub, proposed, then executed after the veto window (steady state: the
section("slashing");
// pool's hold slot, the limiter, the reporter's bounty credit, the vault's slashed-CNDR counters and the provider's jail
// already written by a first one) ---
{
  const sm = c.slashingManager;
  const reporter = c.stranger;
  let n = 0;
  const fault = async () => {
    n += 1;
    const report = {
      configDigest: await hub.configDigest(),
      provider: p3.address,
      faultType: 1n, // failed GPU challenge: all of the GPU's per-GPU stake
      subject: tag("bench-gpu-1"),
      epoch: await hub.currentEpoch(),
      evidenceHash: tag(`bench-fault-${n}`),
    };
    await (await hub.submitFaultReport(report, await signReport(nodes4.slice(0, 3), oracleDomain, "FaultReport", { ...report }))).wait();
    return { report, id: await hub.hashFaultReport(report) };
  };
  const veto = Number((await sm.params()).vetoWindow);
  const warm = await fault();
  await (await sm.connect(reporter).propose(warm.report)).wait();
  await time.increase(veto);
  await (await sm.execute(warm.id)).wait();
  const measured = await fault();
  await measure("SlashingManager.propose", sm.connect(reporter).propose(measured.report));
  await time.increase(veto);
  await measure("SlashingManager.execute", sm.execute(measured.id));
  const vetoed = await fault();
  await (await sm.connect(reporter).propose(vetoed.report)).wait();
  await measure("SlashingManager.veto", sm.connect(c.guardian).veto(vetoed.id));
}

// --- disputes: open (deposit), a verdict applied (ClientUpheld: refund, deposit back, job-fraud slash proposal), the
section("disputes");
// same through submitVerdict with the hub's 3-of-4 check, and the arbitrator after an abstention (ProviderUpheld: the
// escrow with its fee and revenue record, the deposit to the provider). Steady state: a first dispute wrote the
// client's deposit balance, the provider's hold slot and the market's balances. ---
{
  const dm = c.disputeManager;
  const pd = c.stranger; // a fresh provider: p3 is jailed by the slashing above
  await onboardProvider(c, pd, { gpus: 4 });
  await c.registry.connect(pd).setOffer(H100, PRICE);
  const BATCH = 1;
  const job = async () => {
    await (await market.connect(client0).createDirectLease(pd.address, H100, 1, 2n * HOUR, PRICE, BATCH)).wait();
    const id = await market.leaseCount();
    await (await dm.connect(client0).postJobSpec(id, tag(`bench-spec-${id}`), "ipfs://spec")).wait();
    await (await market.connect(pd).submitResult(id, tag(`bench-result-${id}`), "ipfs://result")).wait();
    return id;
  };
  const verdict = async (leaseId: bigint, outcome: bigint, toProvider = 0n) => {
    const v = { configDigest: await hub.configDigest(), leaseId, resultHash: tag(`bench-result-${leaseId}`), outcome, toProvider };
    return { v, sigs: await signReport(nodes4.slice(0, 3), oracleDomain, "JobVerdict", { ...v }) };
  };
  // Warm-up: one dispute of each outcome, so both parties' balances (market and manager) and the epoch's revenue
  // record are written before the measured ones.
  const warm = await job();
  await (await dm.connect(client0).open(warm)).wait();
  const w = await verdict(warm, 2n);
  await (await dm.submitVerdict(w.v, w.sigs)).wait();
  const warm2 = await job();
  await (await dm.connect(client0).open(warm2)).wait();
  const w2 = await verdict(warm2, 3n);
  await (await dm.submitVerdict(w2.v, w2.sigs)).wait();
  await (await dm.connect(c.governance).arbitrate(warm2, 1, 2n ** 96n)).wait();

  const a = await job();
  await measure("DisputeManager.open", dm.connect(client0).open(a));
  const va = await verdict(a, 2n);
  await (await hub.submitJobVerdict(va.v, va.sigs)).wait();
  await measure("DisputeManager.resolve", dm.resolve(va.v));

  const b = await job();
  await (await dm.connect(client0).open(b)).wait();
  const vb = await verdict(b, 2n);
  await measure("DisputeManager.submitVerdict.sigs3", dm.submitVerdict(vb.v, vb.sigs));

  const d = await job();
  await (await dm.connect(client0).open(d)).wait();
  const abstain = await verdict(d, 3n);
  await (await dm.submitVerdict(abstain.v, abstain.sigs)).wait();
  await measure("DisputeManager.arbitrate", dm.connect(c.governance).arbitrate(d, 1, 2n ** 96n));
}

// Five signatures need a larger set: 7 nodes (f = 2, threshold 5), applied through governance's delayed change.
{
  const wallets7 = Array.from({ length: 7 }, (_, i) => new Wallet(tag(`bench-oracle-${i}`), c.ethers.provider));
  await (await hub.connect(c.governance).proposeOracleSet(wallets7.map((w) => w.address))).wait();
  await time.increase(Number(await hub.SET_CHANGE_DELAY()));
  await (await hub.applyOracleSet()).wait();
  await (await epochReportTx(wallets7.slice(0, 5), 10n)).wait();
  await measure("OracleHub.submitEpochReport.sigs5", epochReportTx(wallets7.slice(0, 5), 10n));
}

// --- scaling: the same operations with 1 / 100 / 1,000 / 10,000 providers, leases or epochs already in state ---
section("scaling");
// A fresh deployment on its own connection that lets blocks share a timestamp: state is filled with one
// automined transaction per block (fixed gas, no estimate; a revert throws), 10,000 of them in seconds and within one
// epoch of chain time. (Queuing them with automine off is far slower: EDR's pending pool re-runs its transactions.)
{
  const s = await deployCinder((await network.connect({ override: { allowBlocksWithSameTimestamp: true } })) as Connection);
  const provider = s.ethers.provider;
  const st = s.networkHelpers.time;
  /**
   * Pins the next block to the last one's timestamp: a measured transaction then sees the same clock as the state
   * filled before it, so time-based caches (the market's fee rate, price observations) refresh or not the same way
   * on every run, however long the filling took (wall-clock time otherwise moves the chain's clock on).
   */
  const pin = async (): Promise<void> => st.setNextBlockTimestamp(await st.latest());
  /**
   * Sends `calls` from the unlocked `from`, one automined block each, all at the first one's timestamp: the chain's
   * clock stands still while state is filled, so no time-based cache expires in the middle on a slow run.
   */
  const batch = async (from: string, to: string, calls: string[], gas = 300_000): Promise<void> => {
    let at = 0;
    for (const [i, data] of calls.entries()) {
      if (i === 1) at = await st.latest();
      if (i > 0) await st.setNextBlockTimestamp(at);
      await provider.send("eth_sendTransaction", [{ from, to, data, gas: toQuantity(gas) }]);
    }
  };
  const sizes = [...SCALES];

  // Providers: an epoch's close and one provider's settlement after N providers earned revenue in the epoch.
  section("scaling: providers");
  {
    const em = s.emissions;
    const emAddress = await em.getAddress();
    const rec = await s.jobMarket.getAddress(); // the fixture impersonates the market (a wired recorder)
    const me = s.providers[1].address;
    await onboardProvider(s, s.providers[1], { gpus: 1 }); // its pool takes the settled emissions
    const E = await em.EPOCH_LENGTH();
    const recordData = (who: string) => em.interface.encodeFunctionData("recordRevenue", [who, 1_000n * USD, 10n * USD]);
    const others = (epoch: bigint, n: number) =>
      Array.from({ length: n }, (_, i) => recordData(keccak256(toUtf8Bytes(`scale-provider-${epoch}-${i}`)).slice(0, 42)));
    // Each epoch e: `me` records first (samples the epoch), e - 1 is closed, then the other N - 1 providers record.
    let prev = BigInt(await st.latest()) / E + 1n;
    await st.setNextBlockTimestamp(prev * E + 60n);
    await batch(rec, emAddress, [recordData(me)]);
    // The first round (1 provider) warms the epoch's slots up (steady state); the measured rounds follow.
    for (const [round, n] of [1, ...sizes].entries()) {
      await batch(rec, emAddress, others(prev, n - 1), 150_000);
      const e = prev + 1n;
      await st.setNextBlockTimestamp(e * E + 60n);
      await batch(rec, emAddress, [recordData(me)]);
      await st.setNextBlockTimestamp(e * E + 1_860n);
      const [gross] = await em.epochTotals(prev);
      if (gross !== BigInt(n) * 1_000n * USD) throw new Error(`epoch ${prev}: expected ${n} providers' revenue, got ${gross}`);
      if (round === 0) {
        await (await em.closeEpochAt(prev)).wait();
        await (await em.settle(me, prev)).wait();
      } else {
        await measure(`EmissionController.closeEpoch.providers${n}`, em.closeEpochAt(prev));
        await pin();
        await measure(`EmissionController.settle.providers${n}`, em.settle(me, prev));
      }
      prev = e;
    }
  }

  // Leases: a direct lease's creation and the provider's quit after N leases were created (and quit) before.
  section("scaling: leases");
  {
    const m = s.jobMarket;
    const mAddress = await m.getAddress();
    const sp = s.providers[3];
    const client = s.clients[1];
    const GPUS = 50;
    await onboardProvider(s, sp, { gpus: GPUS });
    await s.registry.connect(sp).setOffer(H100, PRICE);
    const create = () => m.interface.encodeFunctionData("createDirectLease", [sp.address, H100, 1, HOUR, PRICE, LEASE]);
    /** Creates `n` leases and quits them, `GPUS` at a time (each needs a free GPU). */
    const fill = async (n: number) => {
      for (let done = 0; done < n; done += GPUS) {
        const k = Math.min(GPUS, n - done);
        const first = (await m.leaseCount()) + 1n;
        await batch(client.address, mAddress, Array.from({ length: k }, create));
        await batch(sp.address, mAddress, Array.from({ length: k }, (_, i) => m.interface.encodeFunctionData("quit", [first + BigInt(i)])));
      }
    };
    await fill(1); // the client's and the provider's counters written; the first measured size is this one lease
    for (const n of sizes) {
      await fill(n - Number(await m.leaseCount()));
      if ((await m.leaseCount()) !== BigInt(n)) throw new Error(`expected ${n} leases`);
      await pin();
      await measure(`JobMarket.createDirectLease.leases${n}`, m.connect(client).createDirectLease(sp.address, H100, 1, HOUR, PRICE, LEASE));
      const last = await m.leaseCount();
      await pin();
      await measure(`JobMarket.quit.leases${n}`, m.connect(sp).quit(last));
    }
  }

  // Epochs: a delegator's reward claim after N epochs of reward notifications since its last claim.
  section("scaling: epochs");
  {
    const v = s.vault;
    const vAddress = await v.getAddress();
    const pool = s.providers[0];
    const holder = s.delegators[0];
    await onboardProvider(s, pool, { gpus: 2 });
    await v.connect(holder).delegate(pool.address, 100n * ONE);
    await s.token.connect(s.rewarder).approve(vAddress, 2n ** 255n);
    const notify = v.interface.encodeFunctionData("notifyReward", [pool.address, ONE]);
    await batch(s.rewarder.address, vAddress, [notify]);
    await (await v.connect(holder).claimRewards(pool.address)).wait(); // the delegation's reward fields written
    for (const n of sizes) {
      await batch(s.rewarder.address, vAddress, Array.from({ length: n }, () => notify), 200_000);
      await pin();
      await measure(`StakingVault.claimRewards.epochs${n}`, v.connect(holder).claimRewards(pool.address));
    }
  }
}


// --- report ---
section("done");
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

mkdirSync(dirname(OUT_JSON), { recursive: true });
const sorted = Object.fromEntries(names.sort().map((n) => [n, figures[n]]));
writeFileSync(OUT_JSON, `${JSON.stringify(sorted, null, 2)}\n`);
writeFileSync(OUT_REPORT, renderReport(figures));
console.log(`\nwrote ${OUT_JSON} (${names.length} operations) and ${OUT_REPORT}`);
if (failed > 0) {
  console.error(`${failed} target(s) missed`);
  process.exitCode = 1;
}
