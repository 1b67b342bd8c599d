/**
 * The SDK end to end against a real `hardhat node` this file starts (one node and one deployment for the file):
 * every role's flows through `createCinderClient` with balance deltas, reverts decoded into named errors with
 * their arguments (one raised by the registry under a JobMarket call), the balance and input checks, event
 * watchers, and the keeper steps, the SLA settlement fetching its leaves from an oracle node's leaf API.
 */
import { expect } from "chai";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, type PublicClient, createPublicClient, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { buildTree, contentHash, serializeLeafFile } from "../../src/protocol/leaves.js";
import { type HardhatNode, deployLocal, faucet, localKey, seedProvider } from "../../src/cli/local.js";
import { skipWithoutEvm, startEvm } from "../helpers/evm.js";
import {
  type CinderAddresses,
  type CinderClient,
  CinderConfigError,
  CinderContractError,
  CinderInsufficientBalanceError,
  CinderOracleError,
  cinderTokenAbi,
  createCinderClient,
  DisputeOutcome,
  isCinderContractError,
  JobKind,
  loadDeployment,
  oracleHubAbi,
  testStablecoinAbi,
} from "../../src/sdk/node.js";

const PORT = 26000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `integration-sdk-${PORT}`;
const USD = 1_000_000n;
const HOUR = 3_600n;

describe("SDK end to end on a hardhat node", function () {
  this.timeout(240_000);
  let node: HardhatNode | undefined;
  let addresses: CinderAddresses;
  let publicClient: PublicClient;
  let provider: Address;
  const servers: Server[] = [];

  const clientFor = (i: number): CinderClient =>
    createCinderClient({
      publicClient,
      walletClient: createWalletClient({ chain: hardhat, transport: http(node!.url), account: privateKeyToAccount(localKey(i)) }),
      addresses,
    });
  const rpc = async (method: string, params: unknown[] = []) =>
    (await fetch(node!.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json();
  const now = async () => (await publicClient.getBlock()).timestamp;
  const setTime = async (t: bigint) => {
    await rpc("evm_setNextBlockTimestamp", [Number(t)]);
    await rpc("evm_mine");
  };
  const stable = (account: Address) => publicClient.readContract({ address: addresses.stablecoin!, abi: testStablecoinAbi, functionName: "balanceOf", args: [account] });
  const addr = (i: number) => privateKeyToAccount(localKey(i)).address;

  before(async function () {
    skipWithoutEvm(this);
    node = await startEvm(PORT);
    addresses = await deployLocal({ url: node.url, deploymentId: ID });
    publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 100 });
    ({ provider } = await seedProvider({ url: node.url, addresses, key: localKey(6), gpus: 3 }));
    await faucet({ url: node.url, addresses, to: addr(16), amount: 10_000n * USD });
    await faucet({ url: node.url, addresses, to: provider, amount: 100n * USD });
  });

  after(async function () {
    for (const server of servers) server.close();
    await node?.stop();
    const { rmSync } = await import("node:fs");
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("reads the deployment from Ignition's journal and the seeded provider's attested GPUs", async function () {
    expect(loadDeployment({ chainId: 31_337, deploymentId: ID })).to.deep.equal(addresses);
    const cinder = clientFor(16);
    expect(await cinder.read.providers()).to.deep.equal([provider]);
    const gpus = await cinder.read.gpus({ provider });
    expect(gpus.map((g) => [g.modelClass, g.tier, g.memoryMiB])).to.deep.equal(Array(3).fill(["H100-80GB", 1, 81_559]));
    const p = await cinder.read.provider({ provider });
    expect(p.status).to.equal("Active");
    expect(p.requiredStake).to.equal(parseEther("600"));
    expect(p.activeStake).to.equal(parseEther("600"));
    expect(p.bond.total).to.equal(100_000n * USD);
  });

  it("leases directly, extends and cancels, moving exactly the lease value", async function () {
    const cinder = clientFor(16);
    const client = addr(16);
    const before = await stable(client);
    const { leaseId, value } = await cinder.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: 2n * HOUR, maxPricePerGpuHour: 2n * USD });
    expect(value).to.equal(4n * USD);
    expect(before - (await stable(client))).to.equal(4n * USD);
    const lease = await cinder.read.lease({ leaseId });
    expect([lease.client, lease.provider, lease.gpuCount, lease.statusName, lease.value]).to.deep.equal([client, provider, 1, "Active", 4n * USD]);
    const { topUp } = await cinder.leases.extend({ leaseId, extraDuration: HOUR });
    expect(topUp).to.equal(2n * USD);
    expect(before - (await stable(client))).to.equal(6n * USD);
    await cinder.leases.cancel({ leaseId });
    expect((await cinder.read.lease({ leaseId })).cancelled).to.equal(true);
    const { marketCredit } = await cinder.read.balances({ account: client });
    expect(marketCredit > 0n && marketCredit < 6n * USD).to.equal(true);
    const { result: refunded } = await cinder.leases.withdrawBalance();
    expect(refunded).to.equal(marketCredit);
    expect(before - (await stable(client))).to.equal(6n * USD - marketCredit);
  });

  it("decodes reverts into named errors with their arguments, from the called contract and from one it called", async function () {
    const cinder = clientFor(16);
    const short = await cinder.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: 60n, maxPricePerGpuHour: 2n * USD }).catch((e: unknown) => e);
    expect(isCinderContractError(short, "JobMarketDurationOutOfBounds")).to.equal(true);
    const e = short as CinderContractError<"JobMarketDurationOutOfBounds">;
    expect(e.args).to.deep.equal([60n, HOUR, 365n * 86_400n]);
    expect(e.shortMessage).to.equal("JobMarket.createDirectLease reverted with JobMarketDurationOutOfBounds(60, 3600, 31536000)");
    const many = await cinder.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 5, duration: HOUR, maxPricePerGpuHour: 2n * USD }).catch((x: unknown) => x);
    expect(many).to.be.instanceOf(CinderContractError);
    const m = many as CinderContractError<"ProviderRegistryInsufficientCapacity">;
    expect(m.errorName).to.equal("ProviderRegistryInsufficientCapacity");
    expect(m.args[0]).to.equal(provider);
    expect([m.args[2], m.args[3]]).to.deep.equal([2n, 5n]); // one of three GPUs is still under the cancelled lease's notice
  });

  it("refuses an insufficient balance with both numbers, and bad input naming the field, before sending", async function () {
    const poor = clientFor(17);
    const error = await poor.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CinderInsufficientBalanceError);
    const b = error as CinderInsufficientBalanceError;
    expect([b.balance, b.needed]).to.deep.equal([0n, 2n * USD]);
    expect(b.shortMessage).to.equal(`insufficient tUSD balance: ${addr(17)} holds 0 tUSD, needs 2 tUSD`);
    const bad = await poor.leases.createDirect({ provider: "0x1234" as Address, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 1n }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(CinderConfigError);
    expect((bad as CinderConfigError).field).to.equal("provider");
    const model = await poor.leases.createDirect({ provider, modelClass: "B200-192GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 1n }).catch((e: unknown) => e);
    expect((model as CinderConfigError).shortMessage).to.match(/^modelClass: unknown model class "B200-192GB" \(known: H200-141GB, H100-80GB/);
    const gpus = await poor.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 0, duration: HOUR, maxPricePerGpuHour: 1n }).catch((e: unknown) => e);
    expect((gpus as CinderConfigError).field).to.equal("gpuCount");
  });

  it("delegates, requests a withdrawal that unlocks after the unbonding period, and reads the delegation", async function () {
    const deployer = createWalletClient({ chain: hardhat, transport: http(node!.url), account: privateKeyToAccount(localKey(0)) });
    await publicClient.waitForTransactionReceipt({ hash: await deployer.writeContract({ address: addresses.token, abi: cinderTokenAbi, functionName: "transfer", args: [addr(14), parseEther("50")] }) });
    const cinder = clientFor(14);
    const { result: shares } = await cinder.delegator.delegate({ provider, amount: parseEther("20") });
    expect(shares > 0n).to.equal(true);
    expect((await cinder.read.balances({ account: addr(14) })).cndr).to.equal(parseEther("30"));
    const { unlockAt } = await cinder.delegator.requestWithdraw({ provider, amount: parseEther("5") });
    expect(unlockAt >= (await now()) + 86_400n).to.equal(true);
    const d = await cinder.read.delegation({ provider, account: addr(14) });
    expect(d.balance).to.equal(parseEther("15"));
    expect(d.pending).to.deep.equal({ assets: parseEther("5"), unlockAt });
    const early = await cinder.delegator.claimWithdraw({ provider }).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(CinderContractError);
  });

  it("runs a reverse auction: order, bid, finalize into a lease at the bid price, refunding the rest", async function () {
    const client = clientFor(16);
    const prov = clientFor(6);
    const before = await stable(addr(16));
    const { orderId, escrow } = await client.leases.postOrder({ modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 3n * USD, bidWindow: 300n });
    expect(escrow).to.equal(3n * USD);
    await prov.provider.bid({ orderId, pricePerGpuHour: 2_500_000n });
    expect((await client.read.order({ orderId })).bestBidder).to.equal(provider);
    await setTime((await now()) + 301n);
    const seen: bigint[] = [];
    const unwatch = client.watch({ contract: "jobMarket", eventName: "LeaseCreated", pollingInterval: 100, onLogs: (logs) => seen.push(...logs.map((l) => l.args.leaseId)) });
    const { leaseId } = await client.leases.finalizeAuction({ orderId });
    const lease = await client.read.lease({ leaseId });
    expect(lease.pricePerGpuHour).to.equal(2_500_000);
    await client.leases.withdrawBalance();
    expect(before - (await stable(addr(16)))).to.equal(2_500_000n);
    for (let i = 0; i < 50 && !seen.includes(leaseId); i++) await new Promise((r) => setTimeout(r, 100));
    unwatch();
    expect(seen).to.include(leaseId);
    const past = await client.events({ contract: "leaseAuction", eventName: "OrderFinalized" });
    expect(past.map((l) => [l.args.orderId, l.args.leaseId])).to.deep.equal([[orderId, leaseId]]);
  });

  it("funds a channel, signs a voucher and the provider redeems it net of the 1% fee", async function () {
    const client = clientFor(16);
    const prov = clientFor(6);
    await client.channels.deposit({ provider, amount: 50n * USD });
    const { voucher, signature } = await client.channels.signVoucher({ provider, cumulativeAmount: 10n * USD });
    const { result: net } = await prov.provider.redeemVoucher({ voucher, signature });
    expect(net).to.equal(9_900_000n);
    expect((await client.read.channel({ client: addr(16), provider })).balance).to.equal(40n * USD);
    const again = await prov.provider.redeemVoucher({ voucher, signature }).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(CinderContractError);
  });

  it("settles a lease's SLA with leaves fetched from an oracle node's leaf API, crediting the client", async function () {
    const client = clientFor(16);
    const keeper = clientFor(15);
    const e = (await now()) / HOUR + 1n;
    await setTime(e * HOUR + 60n);
    const { leaseId } = await client.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD });
    const files = new Map<number, string>();
    const chainId = await publicClient.getChainId();
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: (await import("../../src/protocol/abis.js")).oracleHubAbi, functionName: "configDigest" });
    for (const epoch of [Number(e), Number(e) + 1]) {
      await setTime(BigInt(epoch + 1) * HOUR + 5n);
      const tree = buildTree([{ kind: "uptime", leaseId, epoch, secondsUp: 3_000, secondsObserved: 3_540 }]);
      const json = serializeLeafFile({ chainId, oracleHub: addresses.oracleHub, epoch, tree });
      files.set(epoch, json);
      const report = { configDigest, epoch: BigInt(epoch), root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
      const signatures = await Promise.all([10, 11, 12].map((i) => keeper.keeper.signReport({ kind: "EpochReport", report, signer: privateKeyToAccount(localKey(i)), chainId })));
      await keeper.keeper.submitReport({ kind: "EpochReport", report, signatures });
    }
    const serve = async (handler: (epoch: number) => { status: number; body: string }) => {
      const server = createServer((req, res) => {
        const m = /^\/v1\/epochs\/(\d+)\/leaves$/.exec(req.url ?? "");
        const { status, body } = m === null ? { status: 404, body: "{}" } : handler(Number(m[1]));
        res.writeHead(status, { "content-type": "application/json" }).end(body);
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const good = await serve((epoch) => (files.has(epoch) ? { status: 200, body: files.get(epoch)! } : { status: 404, body: '{"error":{"code":"NO_LEAF_FILE"}}' }));
    const stale = await serve(() => ({ status: 200, body: serializeLeafFile({ chainId, oracleHub: addresses.oracleHub, epoch: Number(e), tree: buildTree([{ kind: "uptime", leaseId, epoch: Number(e), secondsUp: 3_540, secondsObserved: 3_540 }]) }) }));
    const onlyStale = await keeper.keeper.settleSla({ leaseId, nodes: [stale] }).catch((x: unknown) => x);
    expect(onlyStale).to.be.instanceOf(CinderOracleError);
    expect((onlyStale as CinderOracleError).details).to.match(/root 0x[0-9a-f]{64} differs from the hub's/);
    const before = await client.read.balances({ account: addr(16) });
    const settled = await keeper.keeper.settleSla({ leaseId, nodes: [stale, good] });
    expect(settled.proofs.map((p) => p.epoch)).to.deep.equal([e, e + 1n]);
    // 6,000 up of 7,080 observed (84.7%): below 95%, the Standard tier's 100% credit. The lease still holds its whole
    // stream (the provider withdrew none of it), which pays first: all of the credit, to the client's market balance.
    expect(settled.closed).to.equal(true);
    expect(settled.credit).to.equal(2_000_000n);
    const after = await client.read.balances({ account: addr(16) });
    expect(after.marketCredit - before.marketCredit).to.equal(2_000_000n);
    expect(after.slaCredit).to.equal(before.slaCredit);
    const wallet = await stable(addr(16));
    await client.leases.withdrawBalance();
    expect((await stable(addr(16))) - wallet).to.equal(after.marketCredit);
  });

  it("closes the emission epoch that earned channel revenue, then reports it already closed", async function () {
    const keeper = clientFor(15);
    const revenueEvents = await keeper.events({ contract: "emissionController", eventName: "RevenueRecorded" });
    const epoch = revenueEvents.at(-1)!.args.epoch;
    await setTime((epoch + 1n) * HOUR + 1_800n);
    const closed = await keeper.keeper.closeEpoch({ epoch });
    expect(closed.status).to.equal("closed");
    if (closed.status !== "closed") return;
    expect(closed.revenue > 0n).to.equal(true);
    expect(closed.settled).to.include(provider);
    expect((await keeper.keeper.closeEpoch({ epoch })).status).to.equal("already-closed");
    const waiting = await keeper.keeper.closeEpoch({ epoch: (await now()) / HOUR });
    expect(waiting.status).to.equal("waiting");
  });

  it("buys back and burns CNDR once the TWAP window is long enough, lowering the supply", async function () {
    const keeper = clientFor(15);
    const first = await keeper.keeper.buyback();
    expect(first.status).to.equal("waiting"); // the fees were swept into the burner, the TWAP window is short
    if (first.status === "waiting") expect(first.reason).to.equal("the TWAP window is shorter than 1800 s");
    await setTime((await now()) + 1_801n);
    const supplyBefore = (await keeper.read.supply()).totalSupply;
    const bought = await keeper.keeper.buyback();
    expect(bought.status).to.equal("executed");
    if (bought.status !== "executed") return;
    expect(bought.burned > 0n).to.equal(true);
    const supply = await keeper.read.supply();
    expect(supplyBefore - supply.totalSupply).to.equal(bought.burned);
    expect(supply.totalBurned).to.equal(bought.burned);
  });

  it("the provider collects a lease's stream, its channel earnings and free bond; anyone closes the ended leases", async function () {
    const prov = clientFor(6);
    const keeper = clientFor(15);
    const auctionLease = 2n;
    const before = await stable(provider);
    const { result: net } = await prov.provider.withdrawAccrued({ leaseId: auctionLease });
    expect(net).to.equal(2_500_000n - 25_000n); // the whole hour streamed, 1% fee taken
    const { result: earnings } = await prov.provider.withdrawEarnings();
    expect(earnings).to.equal(9_900_000n);
    const bondBefore = (await prov.read.provider({ provider })).bond.total;
    await prov.provider.withdrawBond({ amount: 1_000n * USD });
    expect(bondBefore - (await prov.read.provider({ provider })).bond.total).to.equal(1_000n * USD);
    expect((await stable(provider)) - before).to.equal(net + earnings + 1_000n * USD);
    for (const leaseId of [1n, 2n]) await keeper.leases.close({ leaseId });
    expect((await keeper.read.lease({ leaseId: 1n })).statusName).to.equal("Closed");
    const again = await keeper.leases.close({ leaseId: 1n }).catch((e: unknown) => e);
    expect(isCinderContractError(again, "JobMarketInvalidLeaseStatus")).to.equal(true);
  });

  it("a batch job: the client posts its spec, the provider submits its result and the client disputes it (deposit) through the DisputeManager", async function () {
    const client = clientFor(16);
    const prov = clientFor(6);
    const { leaseId } = await client.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD, kind: JobKind.Batch });
    const specHash = `0x${"5c".repeat(32)}` as const;
    await client.disputes.postJobSpec({ leaseId, specHash, uri: "ipfs://spec" });
    await prov.provider.submitResult({ leaseId, resultHash: `0x${"ab".repeat(32)}`, uri: "ipfs://result" });
    const locked = await client.disputes.postJobSpec({ leaseId, specHash, uri: "again" }).catch((e: unknown) => e);
    expect(isCinderContractError(locked, "DisputeManagerSpecLocked") && locked.args).to.deep.equal([leaseId]);
    const before = await stable(addr(16));
    const { deposit } = await client.leases.dispute({ leaseId });
    // The local minimum deposit (10 USD) is above 5% of the escrow.
    expect(deposit).to.equal(10n * USD);
    expect(before - (await stable(addr(16)))).to.equal(deposit);
    expect((await client.read.lease({ leaseId })).statusName).to.equal("Disputed");
    const d = await client.disputes.get({ leaseId });
    expect([d.statusName, d.client, d.provider, d.deposit, d.specHash]).to.deep.equal(["Open", addr(16), provider, deposit, specHash]);
    const twice = await client.leases.dispute({ leaseId }).catch((e: unknown) => e);
    expect(twice).to.be.instanceOf(CinderContractError);
    expect(isCinderContractError(twice, "DisputeManagerAlreadyDisputed") && twice.args).to.deep.equal([leaseId, 1]);
    const badHash = await prov.provider.submitResult({ leaseId, resultHash: "0x12" as `0x${string}`, uri: "" }).catch((e: unknown) => e);
    expect((badHash as CinderConfigError).field).to.equal("resultHash");
  });

  it("gathers the network status: providers with GPUs, leases with SLA state, tiers, epoch and supply", async function () {
    const status = await clientFor(15).read.status();
    expect(status.chainId).to.equal(31_337);
    expect(status.providers.map((p) => [p.address, p.gpus.length])).to.deep.equal([[provider, 3]]);
    expect(status.leases.map((l) => l.statusName)).to.deep.equal(["Closed", "Closed", "Active", "Disputed"]);
    expect(status.tiers.map((t) => t.id)).to.deep.equal([0, 1, 2]);
    expect(status.leases[2].settlement.started).to.equal(true);
    expect(status.supply.totalBurned > 0n).to.equal(true);
  });

  it("applies the oracle quorum's verdict on the dispute and the client withdraws its deposit", async function () {
    const client = clientFor(16);
    const leaseId = 4n;
    const chainId = await publicClient.getChainId();
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const verdict = { configDigest, leaseId, resultHash: `0x${"ab".repeat(32)}` as const, outcome: DisputeOutcome.ClientUpheld, toProvider: 0n };
    const signatures = await Promise.all([10, 11, 12].map((i) => client.keeper.signReport({ kind: "JobVerdict", report: verdict, signer: privateKeyToAccount(localKey(i)), chainId })));
    await clientFor(15).disputes.submitVerdict({ verdict, signatures });
    const d = await client.disputes.get({ leaseId });
    expect([d.statusName, d.outcome]).to.deep.equal(["Resolved", DisputeOutcome.ClientUpheld]);
    expect((await client.read.lease({ leaseId })).statusName).to.equal("Closed");
    const before = await stable(addr(16));
    const { amount } = await client.disputes.withdrawDeposit();
    expect(amount).to.equal(d.deposit);
    expect((await stable(addr(16))) - before).to.equal(d.deposit);
    const again = await client.disputes.withdrawDeposit().catch((e: unknown) => e);
    expect(isCinderContractError(again, "DisputeManagerNoBalance") && again.args).to.deep.equal([addr(16)]);
  });
});

