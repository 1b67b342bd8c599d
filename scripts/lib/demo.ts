/**
 * The whole Cinder story on one in-process network, through the SDK (`createCinderClient`) and the real oracle code:
 *
 *  1. deploy the protocol with the Ignition module (local Uniswap V2 pool included);
 *  2. three providers register; simulated GPU agents (`src/oracle/agent`, replaying an H100 host) pass the oracle
 *     quorum's matrix-product and memory challenges, and each card is attested by a quorum-signed report;
 *  3. the providers stake CNDR and post SLA bonds, a delegator delegates to one of them;
 *  4. a client leases GPUs (payment streams per second), an inference client pays 1,000 requests with vouchers the
 *     provider redeems in one transaction;
 *  5. the oracle nodes heartbeat the leased GPUs through the agents, sign their observations, derive each epoch's
 *     leaves by median and submit quorum-signed epoch reports; one provider's host goes down for part of an epoch;
 *  6. a keeper settles that lease's SLA with the leaves and proofs fetched from the nodes' leaf API: the client gets a
 *     credit; the epochs close with emissions tied to the revenue; a buyback burns CNDR through the Uniswap pool;
 *  7. a provider's agent fakes its compute: the next challenge round fails, the quorum signs a fault report, the
 *     slash is proposed, waits the guardian's veto window, executes (the provider is jailed) and is burned;
 *  8. governance raises the unbonding period through the Governor and the Timelock.
 *
 * `runDemo` returns the numbers (and prints them with `printDemoSummary`); `scripts/demo.ts` runs it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  createPublicClient,
  createWalletClient,
  custom,
  erc20Abi,
  formatUnits,
  keccak256,
  toBytes,
} from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { NetworkConnection } from "hardhat/types/network";
import { type Agent, createAgent } from "../../src/oracle/agent/server.js";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { type Observation, deriveLeaves, signBundle } from "../../src/oracle/aggregate.js";
import { CpuExecutor, type ComputedProduct, type Executor } from "../../src/oracle/challenge/executors.js";
import { SimulatedBackend } from "../../src/oracle/gpu/simulated.js";
import { buildTree, contentHash, serializeLeafFile } from "../../src/protocol/leaves.js";
import { type ChallengeSettings, challengeProvider } from "../../src/oracle/node/attest.js";
import { agentHeartbeat } from "../../src/oracle/node/heartbeat.js";
import { localKey } from "../../src/cli/local.js";
import { deployInProcess } from "./in-process.js";
import {
  type CinderAddresses,
  type CinderClient,
  type FaultReport,
  FaultKind,
  cinderTokenAbi,
  createCinderClient,
  oracleHubAbi,
  stakingVaultAbi,
  testStablecoinAbi,
  type Voucher,
  signVoucher,
  verifyVoucher,
} from "../../src/sdk/index.js";

const USD = 1_000_000n;
const CNDR = 10n ** 18n;
const DAY = 86_400n;
const CHAIN_ID = 31_337;
/** Heartbeat slots per epoch each oracle node probes. */
const SLOTS = 12;
const CHALLENGE_SETTINGS: ChallengeSettings = {
  roundSeconds: 3_600,
  validitySeconds: 14 * 86_400,
  classNames: { H100: "H100-80GB" },
  // Small matrices and memory fills: the simulated agents compute on the CPU.
  matmul: { n: 24, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
  memory: { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4_096, steps: 64, checks: 8, walkDeadlineMs: 20_000 },
};

/** What the demo did, with its numbers (stablecoin amounts in 6-decimal units, CNDR in wei). */
export interface DemoSummary {
  seconds: number;
  deployment: { contracts: number; oracleSet: number; threshold: number };
  providers: { name: string; address: Address; gpus: number; stake: bigint; bond: bigint; challenge: string }[];
  delegation: { delegator: Address; provider: Address; amount: bigint; rewardsClaimed: bigint };
  lease: { leaseId: bigint; gpus: number; hours: number; value: bigint; providerWithdrew: bigint };
  inference: { requests: number; pricePerRequest: bigint; vouchersVerified: number; redemptions: number; paid: bigint; providerNet: bigint; gasUsed: bigint };
  oracle: { epochs: { epoch: bigint; leaves: number; root: Hex }[]; heartbeats: number };
  sla: { leaseId: bigint; provider: Address; secondsUp: number; secondsObserved: number; credit: bigint; clientReceived: bigint; healthyLeaseCredit: bigint };
  fraud: { provider: Address; gpuId: Hex; reason: string; proposalId: Hex; amount: bigint; vetoWindow: bigint; slashed: bigint; bounty: bigint; burned: bigint; providerStatus: string; watched: Hex[] };
  emissions: { epochs: { epoch: bigint; revenue: bigint; fees: bigint; budget: bigint }[]; minted: bigint };
  buyback: { spent: bigint; burned: bigint; supplyBefore: bigint; supplyAfter: bigint };
  governance: { proposalId: bigint; parameter: string; before: bigint; after: bigint; state: string; votes: bigint };
  supply: { start: bigint; end: bigint; burnedTotal: bigint };
}

/** Parameters of {@link runDemo}. */
export interface RunDemoParameters {
  /** A fresh in-process network connection (`await network.connect()`). */
  connection: NetworkConnection<"l1">;
  /** Progress lines (default none). */
  log?: (line: string) => void;
}

/** The prover's side with a switch: while `cheating`, it computes the product of other matrices (fakes its work). */
class SwitchableExecutor implements Executor {
  readonly kind = "cpu";
  readonly description = "CPU reference, switchable to faked results";
  cheating = false;
  readonly #inner = new CpuExecutor();
  async start(): Promise<void> {}
  async compute(seed: Uint8Array, n: number): Promise<ComputedProduct> {
    const used = this.cheating ? seed.map((b, i) => (i === 0 ? b ^ 0xff : b)) : seed;
    return this.#inner.compute(used, n);
  }
  async close(): Promise<void> {}
}

/** One oracle node as the demo runs it: its key, its leaf API, and the leaf files it serves. */
interface Member {
  account: LocalAccount;
  url: string;
  server: Server;
  files: Map<number, string>;
  heartbeat: ReturnType<typeof agentHeartbeat>;
}

async function startMember(account: LocalAccount): Promise<Member> {
  const files = new Map<number, string>();
  const server = createServer((req, res) => {
    const m = /^\/v1\/epochs\/(\d+)\/leaves$/.exec(req.url ?? "");
    const body = m === null ? undefined : files.get(Number(m[1]));
    if (body === undefined) res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"NO_LEAF_FILE"}}');
    else res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { account, url, server, files, heartbeat: agentHeartbeat({ chainId: CHAIN_ID, timeoutMs: 2_000 }) };
}

/** Runs the whole story and returns its numbers. */
export async function runDemo({ connection, log: write = () => {} }: RunDemoParameters): Promise<DemoSummary> {
  const started = performance.now();
  const log = (line: string) => write(`[${((performance.now() - started) / 1_000).toFixed(1).padStart(5)} s] ${line}`);
  const { networkHelpers } = connection;
  const transport = custom(connection.provider as unknown as EIP1193Provider);
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 }) as PublicClient;
  const account = (i: number) => privateKeyToAccount(localKey(i));
  let addresses: CinderAddresses;
  const clientOf = (i: number): CinderClient =>
    createCinderClient({ publicClient, walletClient: createWalletClient({ chain: hardhat, transport, account: account(i) }), addresses });
  const now = async () => (await publicClient.getBlock()).timestamp;
  const setTime = (t: bigint) => networkHelpers.time.increaseTo(t);
  const agents: Agent[] = [];
  const members: Member[] = [];

  try {
    // 1. Deploy.
    const deployer = account(0);
    ({ addresses } = await deployInProcess(connection));
    const admin = clientOf(0);
    const keeper = clientOf(15);
    const supplyStart = (await keeper.read.supply()).totalSupply;
    const [oracleSet, threshold] = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "oracleSet" });
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const epochLength = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" });
    log(`deployed ${Object.keys(addresses).length} contracts; oracle set of ${oracleSet.length}, threshold ${threshold}`);
    // The local oracle set is accounts #10..#13 (deploy/config.ts); each runs as a node with a leaf API.
    for (const i of [10, 11, 12, 13]) members.push(await startMember(account(i)));
    const quorum = members.slice(0, threshold);
    const nodeUrls = members.map((m) => m.url);
    const quorumSign = async <K extends "GpuAttestation" | "EpochReport" | "FaultReport">(kind: K, report: Parameters<CinderClient["keeper"]["signReport"]>[0]["report"]) =>
      Promise.all(quorum.map((m) => keeper.keeper.signReport({ kind, report, signer: m.account, chainId: CHAIN_ID } as never)));

    const transfer = async (token: Address, abi: typeof cinderTokenAbi | typeof testStablecoinAbi, to: Address, amount: bigint) => {
      const wallet = createWalletClient({ chain: hardhat, transport, account: deployer });
      await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: token, abi: abi as typeof cinderTokenAbi, functionName: "transfer", args: [to, amount] }) });
    };
    const faucet = async (to: Address, amount: bigint) => {
      const wallet = createWalletClient({ chain: hardhat, transport, account: deployer });
      await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: addresses.stablecoin!, abi: testStablecoinAbi, functionName: "faucet", args: [to, amount] }) });
    };
    const stable = (who: Address) => publicClient.readContract({ address: addresses.stablecoin!, abi: erc20Abi, functionName: "balanceOf", args: [who] });

    // 2. Providers register; their agents pass the quorum's challenges; every card is attested.
    const names = ["atlas", "borealis", "cobalt"];
    const executors = names.map(() => new SwitchableExecutor());
    const backends = names.map(() => SimulatedBackend.fromRecording("h100"));
    const providerIds = [6, 7, 8];
    const providerRows: DemoSummary["providers"] = [];
    const gpuIdsOf = new Map<Address, Hex[]>();
    const challenge = async (index: number) => {
      const provider = account(providerIds[index]).address;
      const outcomes = [];
      for (const m of quorum) {
        const client = new AgentClient(agents[index].url, { expectedProvider: provider, chainId: CHAIN_ID, timeoutMs: 5_000, signer: m.account });
        outcomes.push(await challengeProvider({ client, provider, configDigest, now: Number(await now()), leased: false, settings: CHALLENGE_SETTINGS }));
      }
      return outcomes;
    };
    for (const [index, name] of names.entries()) {
      const key = account(providerIds[index]);
      const agent = await createAgent({ account: key, backend: backends[index], executor: executors[index], oracleSet, chainId: CHAIN_ID, host: "127.0.0.1", port: 0, maxMatmulN: 64, maxMemoryFillBytes: 64 * 1024 });
      agents.push(agent);
      const provider = clientOf(providerIds[index]);
      await provider.provider.register({ metadataURI: `data:application/json,${encodeURIComponent(JSON.stringify({ name, agent: agent.url }))}` });
      const outcomes = await challenge(index);
      const failed = outcomes.find((o) => !o.passed);
      if (failed !== undefined) throw new Error(`${name}'s agent failed the oracle's challenge: ${failed.detail}`);
      for (const attestation of outcomes[0].attestations) {
        const signatures = await quorumSign("GpuAttestation", attestation);
        await keeper.keeper.submitReport({ kind: "GpuAttestation", report: attestation, signatures });
      }
      gpuIdsOf.set(key.address, outcomes[0].attestations.map((a) => a.gpuId));
      // 3. Stake what the GPUs need, post an SLA bond, publish an offer.
      const { requiredStake } = await provider.read.provider({ provider: key.address });
      await transfer(addresses.token, cinderTokenAbi, key.address, requiredStake);
      await faucet(key.address, 10_000n * USD);
      await provider.provider.stake({ amount: requiredStake });
      await provider.provider.depositBond({ amount: 10_000n * USD });
      await provider.provider.setOffer({ modelClass: "H100-80GB", pricePerGpuHour: 2n * USD });
      providerRows.push({ name, address: key.address, gpus: outcomes[0].attestations.length, stake: requiredStake, bond: 10_000n * USD, challenge: outcomes[0].detail });
      log(`provider ${name}: ${outcomes[0].attestations.length} GPUs attested by ${quorum.length} oracle nodes (${outcomes[0].detail}); staked ${cndr(requiredStake)}, bond ${usd(10_000n * USD)}`);
    }
    const [atlas, borealis, cobalt] = providerRows.map((p) => p.address);

    const delegatorId = 14;
    const delegator = clientOf(delegatorId);
    const delegated = 200n * CNDR;
    await transfer(addresses.token, cinderTokenAbi, account(delegatorId).address, delegated);
    await delegator.delegator.delegate({ provider: atlas, amount: delegated });
    log(`delegator ${short(account(delegatorId).address)} delegated ${cndr(delegated)} to atlas`);

    // 4. Leases start on an epoch boundary: a client leases 2 GPUs from atlas and 2 from borealis for 2 hours.
    const clientId = 16;
    const inferenceId = 17;
    const client = clientOf(clientId);
    const inference = clientOf(inferenceId);
    await faucet(account(clientId).address, 1_000n * USD);
    await faucet(account(inferenceId).address, 100n * USD);
    // The approvals first, so that each lease starts at the block time set for it.
    const clientWallet = createWalletClient({ chain: hardhat, transport, account: account(clientId) });
    await publicClient.waitForTransactionReceipt({ hash: await clientWallet.writeContract({ address: addresses.stablecoin!, abi: erc20Abi, functionName: "approve", args: [addresses.jobMarket, 16n * USD] }) });
    const epoch0 = (await now()) / epochLength + 1n;
    await networkHelpers.time.setNextBlockTimestamp(epoch0 * epochLength);
    const leaseA = await client.leases.createDirect({ provider: atlas, modelClass: "H100-80GB", gpuCount: 2, duration: 2n * 3_600n, maxPricePerGpuHour: 2n * USD });
    // One second later (blocks need increasing times), one second shorter: both leases cover exactly two epochs.
    await networkHelpers.time.setNextBlockTimestamp(epoch0 * epochLength + 1n);
    const leaseB = await client.leases.createDirect({ provider: borealis, modelClass: "H100-80GB", gpuCount: 2, duration: 2n * 3_600n - 1n, maxPricePerGpuHour: 2n * USD });
    log(`client leased 2 GPUs from atlas (lease ${leaseA.leaseId}, ${usd(leaseA.value)}) and 2 from borealis (lease ${leaseB.leaseId}, ${usd(leaseB.value)}) for 2 h`);

    // The inference client: one deposit, 1,000 requests each paid by a cumulative voucher, one redemption.
    const requests = 1_000;
    const pricePerRequest = 2_000n; // 0.002 USD
    await inference.channels.deposit({ provider: atlas, amount: 10n * USD });
    // The client signs locally (no RPC per request) with the SDK's EIP-712 voucher signer.
    const inferenceAccount = account(inferenceId);
    let latest: { voucher: Voucher; signature: Hex } | undefined;
    let verified = 0;
    for (let r = 1; r <= requests; r++) {
      const voucher = { client: inferenceAccount.address, provider: atlas, cumulativeAmount: BigInt(r) * pricePerRequest };
      const signature = await signVoucher({ account: inferenceAccount, channels: addresses.paymentChannels, chainId: CHAIN_ID, voucher });
      // The provider checks each voucher before it serves the next request.
      if (!(await verifyVoucher({ channels: addresses.paymentChannels, chainId: CHAIN_ID, voucher, signature, signer: inferenceAccount.address }))) throw new Error(`voucher ${r} does not verify`);
      verified++;
      latest = { voucher, signature };
    }
    const atlasClient = clientOf(6);
    const redeemed = await atlasClient.provider.redeemVoucher({ voucher: latest!.voucher, signature: latest!.signature });
    log(`inference: ${requests} requests paid by ${requests} vouchers, redeemed in one transaction for ${usd(redeemed.result)} (gas ${redeemed.receipt.gasUsed})`);

    // 5. Two epochs of oracle observations; borealis's host is down for 5 of epoch 0's 12 heartbeat slots.
    const leases = [
      { leaseId: leaseA.leaseId, provider: atlas, agent: agents[0] },
      { leaseId: leaseB.leaseId, provider: borealis, agent: agents[1] },
    ];
    const downSlots = new Set([3, 4, 5, 6, 7]);
    let heartbeats = 0;
    const reported: DemoSummary["oracle"]["epochs"] = [];
    for (const epoch of [epoch0, epoch0 + 1n]) {
      const slotSeconds = Number(epochLength) / SLOTS;
      const tallies = members.map(() => new Map<bigint, { up: number; sent: number }>());
      for (let slot = 0; slot < SLOTS; slot++) {
        backends[1].setDown(epoch === epoch0 && downSlots.has(slot));
        for (const [n, m] of members.entries()) {
          for (const lease of leases) {
            const nonce = keccak256(toBytes(`demo:${m.account.address}:${epoch}:${slot}:${lease.leaseId}`));
            const outcome = await m.heartbeat(lease.provider, lease.agent.url, nonce);
            heartbeats++;
            const t = tallies[n].get(lease.leaseId) ?? { up: 0, sent: 0 };
            t.sent++;
            if (outcome.ok && outcome.healthyGpus >= 2) t.up++;
            tallies[n].set(lease.leaseId, t);
          }
        }
      }
      backends[1].setDown(false);
      await setTime((epoch + 1n) * epochLength + 60n);
      const bundles = await Promise.all(
        members.map((m, n) => {
          const observations: Observation[] = [];
          for (const lease of leases) {
            const t = tallies[n].get(lease.leaseId)!;
            observations.push({ kind: "uptime", node: m.account.address, leaseId: lease.leaseId, epoch: Number(epoch), secondsUp: t.up * slotSeconds, secondsObserved: t.sent * slotSeconds });
            observations.push({ kind: "heartbeat", node: m.account.address, provider: lease.provider.toLowerCase() as Address, epoch: Number(epoch), heartbeatsAnswered: t.up, heartbeatsSent: t.sent });
          }
          return signBundle({ signer: m.account, configDigest, epoch: Number(epoch), observations, chainId: CHAIN_ID, oracleHub: addresses.oracleHub });
        }),
      );
      // Every co-signer derives the same leaves from the same signed observations, then signs the root.
      const derived = await Promise.all(
        quorum.map(() => deriveLeaves(bundles, { oracleSet, configDigest, epoch: Number(epoch), chainId: CHAIN_ID, oracleHub: addresses.oracleHub, epochLength: Number(epochLength), minObservers: threshold })),
      );
      const tree = buildTree(derived[0].leaves);
      const json = serializeLeafFile({ chainId: CHAIN_ID, oracleHub: addresses.oracleHub, epoch: Number(epoch), tree });
      for (const m of members) m.files.set(Number(epoch), json);
      const report = { configDigest, epoch, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
      await keeper.keeper.submitReport({ kind: "EpochReport", report, signatures: await quorumSign("EpochReport", report) });
      reported.push({ epoch, leaves: tree.leafCount, root: tree.root });
      log(`oracle: epoch ${epoch} reported (${tree.leafCount} leaves, root ${tree.root.slice(0, 10)}…) by a quorum of ${quorum.length}`);
    }

    // The lease streamed: atlas withdraws what it earned.
    const streamed = await atlasClient.provider.withdrawAccrued({ leaseId: leaseA.leaseId });
    log(`atlas withdrew ${usd(streamed.result)} streamed from lease ${leaseA.leaseId}`);

    // 6. SLA: a keeper settles both leases with proofs from the nodes' leaf API.
    // A credit is paid from the stream the market still holds first (to the client's market balance), then from
    // the bond (to its SlaBondManager balance): the client withdraws both.
    const creditBefore = await stable(account(clientId).address);
    const owedBefore = await client.read.balances({ account: account(clientId).address });
    const settledB = await keeper.keeper.settleSla({ leaseId: leaseB.leaseId, nodes: nodeUrls });
    const settledA = await keeper.keeper.settleSla({ leaseId: leaseA.leaseId, nodes: nodeUrls });
    const credits = await client.read.balances({ account: account(clientId).address });
    if (credits.marketCredit > 0n) await client.leases.withdrawBalance();
    if (credits.slaCredit > 0n) await client.leases.withdrawSlaCredits();
    const clientReceived = (await stable(account(clientId).address)) - creditBefore - owedBefore.marketCredit - owedBefore.slaCredit;
    const secondsUp = settledB.proofs.reduce((s, p) => s + Number(p.secondsUp), 0);
    const secondsObserved = settledB.proofs.reduce((s, p) => s + Number(p.secondsObserved), 0);
    log(`SLA: borealis up ${secondsUp} of ${secondsObserved} s on lease ${leaseB.leaseId}: credit ${usd(settledB.credit)} to the client (atlas's lease: ${usd(settledA.credit)})`);

    // Epochs close: emissions by each provider's share of the epoch's revenue.
    await setTime((epoch0 + 3n) * epochLength + 1_801n);
    const closedEpochs: DemoSummary["emissions"]["epochs"] = [];
    const mintedBefore = (await keeper.read.supply()).emitted;
    for (const epoch of [epoch0, epoch0 + 1n, epoch0 + 2n]) {
      const closed = await keeper.keeper.closeEpoch({ epoch });
      if (closed.status === "waiting") throw new Error(`epoch ${epoch} cannot close yet: ${closed.reason}`);
      closedEpochs.push({ epoch, revenue: closed.revenue, fees: closed.fees, budget: closed.budget });
      log(`epoch ${epoch} closed: revenue ${usd(closed.revenue)}, fees ${usd(closed.fees)}, emitted ${cndr(closed.budget)}`);
    }
    const minted = (await keeper.read.supply()).emitted - mintedBefore;

    // Buyback: the fees' buyback share swaps to CNDR in the Uniswap pool within the TWAP bound, and burns.
    const first = await keeper.keeper.buyback();
    if (first.status !== "waiting" || first.readyAt === undefined) throw new Error(`the buyback should first wait for its TWAP window, got ${first.status}`);
    await setTime(first.readyAt + 1n);
    const supplyBeforeBuyback = (await keeper.read.supply()).totalSupply;
    const bought = await keeper.keeper.buyback({ sweep: false });
    if (bought.status !== "executed") throw new Error(`the buyback did not execute: ${bought.status}: ${bought.reason}`);
    const buyback: DemoSummary["buyback"] = { spent: bought.amountIn, burned: bought.burned, supplyBefore: supplyBeforeBuyback, supplyAfter: (await keeper.read.supply()).totalSupply };
    log(`buyback: spent ${usd(buyback.spent)}, burned ${cndr(buyback.burned)}`);

    // 7. Fraud: cobalt's agent starts faking its products; the next challenge round fails and the quorum signs a fault.
    executors[2].cheating = true;
    await setTime((await now()) + 3_600n);
    const failures = await challenge(2);
    if (failures.some((o) => o.passed)) throw new Error("a faked product passed the challenge");
    const gpuId = gpuIdsOf.get(cobalt)![0];
    const round = (await now()) / 3_600n;
    const fault: FaultReport = {
      configDigest,
      provider: cobalt,
      faultType: FaultKind.FailedGpuChallenge,
      subject: gpuId,
      epoch: await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "currentEpoch" }),
      evidenceHash: keccak256(toBytes(`cinder/fault/v1:failed-gpu-challenge:${cobalt}:${gpuId}:${round}`)),
    };
    const proposal = await keeper.slashing.propose({ report: fault, signatures: await quorumSign("FaultReport", fault) });
    const { params } = await keeper.slashing.state();
    log(`fraud: cobalt failed the challenge (${failures[0].detail}); slash of ${cndr(proposal.amount)} proposed, executable after the ${Number(params.vetoWindow) / 3_600} h veto window`);
    await setTime(proposal.executableAt + 1n);
    // An integrator watching the SlashingManager sees the execution.
    const watched: Hex[] = [];
    const unwatch = keeper.watch({ contract: "slashingManager", eventName: "SlashExecuted", pollingInterval: 20, onLogs: (logs) => watched.push(...logs.map((l) => l.args.id!)) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const executed = await keeper.slashing.execute({ id: proposal.id });
    for (let i = 0; i < 100 && watched.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    unwatch();
    const burnedSlash = await keeper.slashing.burnSlashed();
    const cobaltStatus = (await keeper.read.provider({ provider: cobalt })).status;
    log(`fraud: slashed ${cndr(executed.slashed)} (bounty ${cndr(executed.bounty)} to the reporter, ${cndr(burnedSlash.result)} burned); cobalt is ${cobaltStatus}`);

    // The delegator's share of atlas's emissions streamed in over the next epoch.
    const rewards = await delegator.delegator.claimRewards({ provider: atlas });

    // 8. Governance: raise the unbonding period by a week through the Governor and the Timelock.
    const before = BigInt(await publicClient.readContract({ address: addresses.vault, abi: stakingVaultAbi, functionName: "unbondingPeriod" }));
    const after = before + 7n * DAY;
    const change = { description: `Raise the unbonding period to ${after / DAY} days`, actions: [admin.governance.call({ contract: "vault", functionName: "setUnbondingPeriod", args: [Number(after)] })] };
    const { votes } = await admin.governance.delegateVotes();
    await setTime((await now()) + 1n);
    const proposed = await admin.governance.propose(change);
    await setTime(proposed.voteStart + 1n);
    await admin.governance.vote({ proposalId: proposed.proposalId, support: "For" });
    await setTime(proposed.voteEnd + 1n);
    const queued = await admin.governance.queue(change);
    await setTime(queued.eta + 1n);
    await admin.governance.execute(change);
    const state = (await admin.governance.proposal({ proposalId: proposed.proposalId })).state;
    const changed = BigInt(await publicClient.readContract({ address: addresses.vault, abi: stakingVaultAbi, functionName: "unbondingPeriod" }));
    log(`governance: proposal ${state}; unbonding period ${before / DAY} -> ${changed / DAY} days`);

    const supplyEnd = await keeper.read.supply();
    return {
      seconds: (performance.now() - started) / 1_000,
      deployment: { contracts: Object.keys(addresses).length, oracleSet: oracleSet.length, threshold },
      providers: providerRows,
      delegation: { delegator: account(delegatorId).address, provider: atlas, amount: delegated, rewardsClaimed: rewards.result },
      lease: { leaseId: leaseA.leaseId, gpus: 2, hours: 2, value: leaseA.value, providerWithdrew: streamed.result },
      inference: { requests, pricePerRequest, vouchersVerified: verified, redemptions: 1, paid: BigInt(requests) * pricePerRequest, providerNet: redeemed.result, gasUsed: redeemed.receipt.gasUsed },
      oracle: { epochs: reported, heartbeats },
      sla: { leaseId: leaseB.leaseId, provider: borealis, secondsUp, secondsObserved, credit: settledB.credit, clientReceived, healthyLeaseCredit: settledA.credit },
      fraud: { provider: cobalt, gpuId, reason: failures[0].detail, proposalId: proposal.id, amount: proposal.amount, vetoWindow: BigInt(params.vetoWindow), slashed: executed.slashed, bounty: executed.bounty, burned: burnedSlash.result, providerStatus: cobaltStatus, watched },
      emissions: { epochs: closedEpochs, minted },
      buyback,
      governance: { proposalId: proposed.proposalId, parameter: "StakingVault.unbondingPeriod", before, after: changed, state, votes },
      supply: { start: supplyStart, end: supplyEnd.totalSupply, burnedTotal: supplyEnd.totalBurned },
    };
  } finally {
    for (const agent of agents) await agent.close();
    for (const m of members) await new Promise<void>((resolve) => m.server.close(() => resolve()));
  }
}

/** `1,234.56 USD` from 6-decimal units. */
export function usd(amount: bigint): string {
  return `${group(formatUnits(amount, 6))} USD`;
}
/** `1,234.5678 CNDR` from wei (at most 4 decimals). */
export function cndr(amount: bigint): string {
  const [whole, fraction = ""] = formatUnits(amount, 18).split(".");
  const f = fraction.slice(0, 4).replace(/0+$/, "");
  return `${group(whole)}${f === "" ? "" : `.${f}`} CNDR`;
}
function group(decimal: string): string {
  const [whole, fraction] = decimal.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** The summary as readable lines. */
export function formatDemoSummary(s: DemoSummary): string {
  const pct = (up: number, of: number) => `${((100 * up) / of).toFixed(2)}%`;
  const lines = [
    "Cinder demo: the whole story on the in-process network",
    "",
    `deploy       ${s.deployment.contracts} contracts, oracle set of ${s.deployment.oracleSet} (threshold ${s.deployment.threshold}), Uniswap V2 CNDR/USD pool`,
    ...s.providers.map((p) => `provider     ${p.name.padEnd(9)} ${short(p.address)}  ${p.gpus} x H100-80GB attested (${p.challenge}), stake ${cndr(p.stake)}, SLA bond ${usd(p.bond)}`),
    `delegation   ${short(s.delegation.delegator)} delegated ${cndr(s.delegation.amount)} to atlas, claimed ${cndr(s.delegation.rewardsClaimed)} of rewards`,
    `lease        #${s.lease.leaseId}: ${s.lease.gpus} GPUs x ${s.lease.hours} h for ${usd(s.lease.value)}; atlas withdrew ${usd(s.lease.providerWithdrew)} of the stream (after the fee)`,
    `inference    ${s.inference.requests.toLocaleString("en-US")} requests at ${usd(s.inference.pricePerRequest)}: ${s.inference.vouchersVerified.toLocaleString("en-US")} vouchers checked, ${s.inference.redemptions} redemption (${s.inference.gasUsed.toLocaleString("en-US")} gas) paid ${usd(s.inference.providerNet)} net of ${usd(s.inference.paid)}`,
    `oracle       ${s.oracle.heartbeats.toLocaleString("en-US")} heartbeats through the agents; epochs ${s.oracle.epochs.map((e) => `${e.epoch} (${e.leaves} leaves)`).join(", ")} reported by quorum`,
    `SLA          borealis up ${pct(s.sla.secondsUp, s.sla.secondsObserved)} on lease #${s.sla.leaseId}: credit ${usd(s.sla.credit)}, the client received ${usd(s.sla.clientReceived)}; atlas's lease: credit ${usd(s.sla.healthyLeaseCredit)}`,
    `fraud        cobalt faked its compute (${s.fraud.reason}); slash ${cndr(s.fraud.amount)} proposed, executed after the ${s.fraud.vetoWindow / 3_600n} h veto window: slashed ${cndr(s.fraud.slashed)}, bounty ${cndr(s.fraud.bounty)}, burned ${cndr(s.fraud.burned)}; cobalt is ${s.fraud.providerStatus}`,
    ...s.emissions.epochs.map((e) => `epoch        ${e.epoch} closed: revenue ${usd(e.revenue)}, fees ${usd(e.fees)}, emissions ${cndr(e.budget)}`),
    `buyback      spent ${usd(s.buyback.spent)} in the Uniswap pool, burned ${cndr(s.buyback.burned)}: supply ${cndr(s.buyback.supplyBefore)} -> ${cndr(s.buyback.supplyAfter)}`,
    `governance   ${s.governance.parameter} ${s.governance.before / 86_400n} -> ${s.governance.after / 86_400n} days (proposal ${s.governance.state}, ${cndr(s.governance.votes)} of votes)`,
    `supply       ${cndr(s.supply.start)} at genesis -> ${cndr(s.supply.end)} (emitted ${cndr(s.emissions.minted)}, burned ${cndr(s.buyback.burned + s.fraud.burned)})`,
    "",
    `finished in ${s.seconds.toFixed(1)} s`,
  ];
  return lines.join("\n");
}
