/**
 * Integration: job disputes decided by the oracle quorum on a real `hardhat node`. Deploys the protocol with an
 * oracle set of four; a provider gets four GPUs attested through the hub (a quorum-signed attestation), stakes and
 * publishes an offer; a client takes batch leases, posting each job's spec before the result; four in-process oracle
 * nodes judge the disputes, three honest and one byzantine (it reads no spec, so it signs an abstention for every
 * dispute and pushes it to the others, who refuse it).
 *
 * 1. matmul-int8, the provider submits a wrong hash: the nodes re-execute, a ClientUpheld quorum lands through
 *    `DisputeManager.submitVerdict`; the client is refunded the escrow and credited its deposit back, and a job-fraud
 *    slash proposal exists against the provider with the client as reporter.
 * 2. matmul-int8, an honest provider: ProviderUpheld; the provider is paid the escrow (less the fee) and credited the
 *    client's deposit.
 * 3. an unknown workload type: the quorum abstains, and the arbitrator decides before the arbitration deadline.
 * 4. matmul-int8-batch, an honest provider serving its result document: the nodes sample items, ProviderUpheld.
 */
import { expect } from "chai";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, type Hex, encodeFunctionData, keccak256, maxUint256, toHex } from "viem";
import { modelClassId } from "../../deploy/config.js";
import { skipWithoutEvm } from "../helpers/evm.js";
import { cinderTokenAbi, disputeManagerAbi, jobMarketAbi, oracleHubAbi, providerRegistryAbi, slashingManagerAbi, stakingVaultAbi, testStablecoinAbi } from "../../src/protocol/abis.js";
import { signAttestation } from "../../src/oracle/node/attest.js";
import { ChainView } from "../../src/oracle/node/chain.js";
import { createLogger } from "../../src/oracle/node/log.js";
import { OracleNode } from "../../src/oracle/node/node.js";
import { type NodeStore, openStore } from "../../src/oracle/node/store.js";
import { DISPUTE_STATUS, type DisputeChain } from "../../src/oracle/node/verdict.js";
import { jsonDataUri } from "../../src/oracle/workloads/fetch.js";
import { OUTCOME } from "../../src/oracle/workloads/judge.js";
import { runJob } from "../../src/oracle/workloads/run.js";
import { type JobSpec, serializeJobSpec } from "../../src/oracle/workloads/spec.js";
import { account, localChain, waitFor } from "../helpers/integration.js";

const PORT = 18000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const deployer = account(0);
const provider = account(6);
const client = account(16);
const oracleKeys = [10, 11, 12, 13].map((i) => account(i));
const NODE_PORT = (i: number) => PORT + 100 + i;
const H100 = modelClassId("H100-80GB");
const PRICE = 2_000_000;
const LOG = "test-results/disputes-integration.log";
mkdirSync("test-results", { recursive: true });
writeFileSync(LOG, "");

const chain = localChain({ port: PORT, id: `disputes-integration-${PORT}` });
const { publicClient, wallet, send } = chain;

const SEED = (tag: string) => keccak256(toHex(`disputes-it/${tag}`));
const specText = (spec: JobSpec | Record<string, unknown>) =>
  "type" in spec && (spec.type === "matmul-int8" || spec.type === "matmul-int8-batch") ? new TextDecoder().decode(serializeJobSpec(spec as JobSpec)) : JSON.stringify(spec);

describe("Integration: oracle nodes decide job disputes on a hardhat node", function () {
  this.timeout(240_000);
  const nodes: OracleNode[] = [];
  const stores: NodeStore[] = [];
  let a: Record<"token" | "registry" | "vault" | "jobMarket" | "stablecoin" | "hub" | "disputes" | "slashing" | "timelock", Address>;

  const read = {
    dispute: (leaseId: bigint) => publicClient.readContract({ address: a.disputes, abi: disputeManagerAbi, functionName: "getDispute", args: [leaseId] }),
    marketBalance: (who: Address) => publicClient.readContract({ address: a.jobMarket, abi: jobMarketAbi, functionName: "balanceOf", args: [who] }),
    depositBalance: (who: Address) => publicClient.readContract({ address: a.disputes, abi: disputeManagerAbi, functionName: "balanceOf", args: [who] }),
  };

  /** A batch lease of one GPU with its spec posted; returns the lease id. */
  async function leaseWithSpec(text: string): Promise<bigint> {
    await send(client, a.jobMarket, encodeFunctionData({ abi: jobMarketAbi, functionName: "createDirectLease", args: [provider.address, H100, 1, 7_200, PRICE, 1] }));
    const leaseId = await publicClient.readContract({ address: a.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" });
    const bytes = new TextEncoder().encode(text);
    await send(client, a.disputes, encodeFunctionData({ abi: disputeManagerAbi, functionName: "postJobSpec", args: [leaseId, keccak256(bytes), jsonDataUri(text)] }));
    return leaseId;
  }

  /** The provider submits, the client disputes; returns the deposit and the client's market balance right after. */
  async function submitAndDispute(leaseId: bigint, resultHash: Hex, uri: string) {
    await send(provider, a.jobMarket, encodeFunctionData({ abi: jobMarketAbi, functionName: "submitResult", args: [leaseId, resultHash, uri] }));
    const deposit = await publicClient.readContract({ address: a.disputes, abi: disputeManagerAbi, functionName: "depositFor", args: [leaseId] });
    const before = await publicClient.readContract({ address: a.stablecoin, abi: testStablecoinAbi, functionName: "balanceOf", args: [client.address] });
    await send(client, a.disputes, encodeFunctionData({ abi: disputeManagerAbi, functionName: "open", args: [leaseId] }));
    const after = await publicClient.readContract({ address: a.stablecoin, abi: testStablecoinAbi, functionName: "balanceOf", args: [client.address] });
    expect(before - after, "the deposit is paid on opening").to.equal(deposit);
    return { deposit, client: await read.marketBalance(client.address) };
  }

  async function resolvedEvent(leaseId: bigint) {
    const logs = await publicClient.getContractEvents({ address: a.disputes, abi: disputeManagerAbi, eventName: "DisputeResolved", args: { leaseId }, fromBlock: 0n });
    expect(logs, `one DisputeResolved for lease ${leaseId}`).to.have.length(1);
    return logs[0].args;
  }

  before(async function () {
    skipWithoutEvm(this);
    await chain.start();
    const recorded = await chain.deploy({ oracleSigners: oracleKeys.map((k) => k.address) });
    a = {
      token: recorded["Cinder#CinderToken"],
      registry: recorded["Cinder#ProviderRegistry"],
      vault: recorded["Cinder#StakingVault"],
      jobMarket: recorded["Cinder#JobMarket"],
      stablecoin: recorded["Cinder#TestStablecoin"],
      hub: recorded["Cinder#OracleHub"],
      disputes: recorded["Cinder#DisputeManager"],
      slashing: recorded["Cinder#SlashingManager"],
      timelock: recorded["Cinder#CinderTimelock"],
    };

    // The provider registers; the oracle quorum attests four GPUs through the hub; it stakes and publishes an offer.
    await send(provider, a.registry, encodeFunctionData({ abi: providerRegistryAbi, functionName: "register", args: ["data:application/json,%7B%7D", provider.address] }));
    const configDigest = await publicClient.readContract({ address: a.hub, abi: oracleHubAbi, functionName: "configDigest" });
    const expiresAt = Number((await publicClient.getBlock()).timestamp) + 14 * 86_400;
    for (let g = 0; g < 4; g++) {
      const attestation = { configDigest, provider: provider.address, gpuId: keccak256(toHex(`it-gpu-${g}`)), modelClass: H100, memoryMiB: 81_559, tier: 1, evidenceHash: keccak256(toHex(`evidence-${g}`)), issuedAt: expiresAt - 14 * 86_400, expiresAt };
      const signatures = await Promise.all(oracleKeys.slice(0, 3).map((k) => signAttestation(k, { chainId: 31337, oracleHub: a.hub }, attestation)));
      await send(deployer, a.hub, encodeFunctionData({ abi: oracleHubAbi, functionName: "submitGpuAttestation", args: [attestation, signatures] }));
    }
    const required = await publicClient.readContract({ address: a.registry, abi: providerRegistryAbi, functionName: "requiredStake", args: [provider.address] });
    await send(deployer, a.token, encodeFunctionData({ abi: cinderTokenAbi, functionName: "transfer", args: [provider.address, required] }));
    await send(provider, a.token, encodeFunctionData({ abi: cinderTokenAbi, functionName: "approve", args: [a.vault, maxUint256] }));
    await send(provider, a.vault, encodeFunctionData({ abi: stakingVaultAbi, functionName: "stake", args: [required] }));
    await send(provider, a.registry, encodeFunctionData({ abi: providerRegistryAbi, functionName: "setOffer", args: [H100, BigInt(PRICE)] }));
    await send(client, a.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "faucet", args: [client.address, 1_000_000_000n] }));
    for (const spender of [a.jobMarket, a.disputes]) {
      await send(client, a.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "approve", args: [spender, maxUint256] }));
    }

    // Four oracle nodes judge disputes; #3 is byzantine: it reads no spec, so it abstains on everything.
    const peers = oracleKeys.map((k, i) => ({ address: k.address, url: `http://127.0.0.1:${NODE_PORT(i)}` }));
    for (const [i, key] of oracleKeys.entries()) {
      const view = new ChainView({ publicClient, walletClient: wallet(key), oracleHub: a.hub, registry: a.registry, jobMarket: a.jobMarket, disputeManager: a.disputes });
      const disputes: DisputeChain =
        i === 3
          ? {
              refreshDisputes: () => view.refreshDisputes(),
              disputes: () => view.disputes().map((d) => ({ ...d, spec: null })),
              disputeStatus: (leaseId) => view.disputeStatus(leaseId),
              disputeOpenedAt: (leaseId) => view.disputeOpenedAt(leaseId),
              submitVerdict: (verdict, signatures) => view.submitVerdict(verdict, signatures),
            }
          : view;
      const node = new OracleNode({
        account: key,
        chain: view,
        store: stores[stores.push(openStore(join(chain.dir, `node-${i}.db`))) - 1],
        heartbeat: async () => ({ ok: false, healthyGpus: 0, reason: "unused" }),
        peers,
        settings: { listen: { host: "127.0.0.1", port: NODE_PORT(i) }, heartbeat: { meanIntervalMs: 600_000 }, epoch: { settleDelayMs: 1_000, leaderTimeoutMs: 5_000, setupGraceSeconds: 0 }, pollIntervalMs: 300 },
        verdicts: { chain: disputes, settings: { sampleSize: 4, fetchTimeoutMs: 2_000, retryWindowMs: 5_000, leaderTimeoutMs: 3_000 } },
        log: createLogger({ test: `node-${i}` }, { level: "debug", write: (line) => appendFileSync(LOG, `${line}\n`) }),
      });
      await node.start();
      nodes.push(node);
    }
  });

  after(async function () {
    for (const node of nodes) await node.stop();
    for (const store of stores) store.close();
    chain.stop();
  });

  it("decides four disputes: a wrong result, an honest one, an unknown workload (arbitrated) and a sampled batch", async () => {
    const single: JobSpec = { type: "matmul-int8", n: 48, seed: SEED("single") };
    const batch: JobSpec = { type: "matmul-int8-batch", n: 16, items: 12, seed: SEED("batch") };
    const honest = runJob(single);
    const honestBatch = runJob(batch);
    const wrong = runJob(single, { corruptItems: [0] });

    // All four leases first (their results free the GPUs), then the results and the disputes.
    const cheated = await leaseWithSpec(specText(single));
    const upheld = await leaseWithSpec(specText(single));
    const unknown = await leaseWithSpec(specText({ type: "llm-inference", model: "llama-3-8b", prompts: 100 }));
    const sampled = await leaseWithSpec(specText(batch));
    // The jobs run a minute before their results. A batch lease earns over [start, result], so a result in the same
    // second as its lease would hold no escrow to dispute; and a node judges only disputes opened after its store
    // began (a block time in whole seconds against the store's ms). On anvil, which stamps every block of one
    // wall-clock second alike, the suite can run that fast; hardhat's node moves each block a second on.
    await chain.advance(60);
    const opened = {
      cheated: await submitAndDispute(cheated, wrong.resultHash, ""),
      upheld: await submitAndDispute(upheld, honest.resultHash, ""),
      unknown: await submitAndDispute(unknown, honest.resultHash, ""),
      sampled: await submitAndDispute(sampled, honestBatch.resultHash, jsonDataUri(honestBatch.document!)),
    };
    // The nodes may already have decided the first disputes; each records the result it disputes.
    expect((await read.dispute(cheated)).resultHash).to.equal(wrong.resultHash);
    expect((await read.dispute(sampled)).resultHash).to.equal(honestBatch.resultHash);

    const settled = (id: bigint, status: number) => waitFor(`lease ${id}'s dispute in status ${status}`, 60_000, async () => (await read.dispute(id)).status === status);
    await Promise.all([settled(cheated, DISPUTE_STATUS.Resolved), settled(upheld, DISPUTE_STATUS.Resolved), settled(unknown, DISPUTE_STATUS.Abstained), settled(sampled, DISPUTE_STATUS.Resolved)]);

    // 1. The wrong result: ClientUpheld; the escrow and the deposit go back to the client; a job-fraud proposal.
    const one = await resolvedEvent(cheated);
    expect(one).to.include({ outcome: OUTCOME.ClientUpheld, toProvider: 0n });
    expect(one.verdictId).to.not.equal(`0x${"00".repeat(32)}`);
    expect(one.toClient! > 0n, "the client gets the held escrow").to.equal(true);
    expect(await read.marketBalance(client.address)).to.be.greaterThanOrEqual(opened.cheated.client + one.toClient!);
    const proposal = await publicClient.readContract({ address: a.slashing, abi: slashingManagerAbi, functionName: "getProposal", args: [one.slashProposal!] });
    expect(proposal).to.include({ provider: provider.address, reporter: client.address, kind: 6 });
    expect(proposal.amount > 0n).to.equal(true);

    // 2. The honest result: ProviderUpheld; the provider is paid the held escrow and the client's deposit.
    const two = await resolvedEvent(upheld);
    expect(two).to.include({ outcome: OUTCOME.ProviderUpheld, toClient: 0n, slashProposal: `0x${"00".repeat(32)}` });
    expect(two.toProvider! > 0n).to.equal(true);
    const [paid] = await publicClient.getContractEvents({ address: a.jobMarket, abi: jobMarketAbi, eventName: "PaymentReleased", args: { leaseId: upheld }, fromBlock: 0n });
    expect(paid.args.gross).to.equal(two.toProvider);

    // 4. The sampled batch: ProviderUpheld as well.
    expect(await resolvedEvent(sampled)).to.include({ outcome: OUTCOME.ProviderUpheld, toClient: 0n });

    // Deposits (pull balances, zero before): the client's back for lease 1, the provider credited the client's for
    // leases 2 and 4. The provider's market balance is exactly the two releases, net of the fee; lease 1 released nothing.
    expect(await read.depositBalance(client.address)).to.equal(opened.cheated.deposit);
    expect(await read.depositBalance(provider.address)).to.equal(opened.upheld.deposit + opened.sampled.deposit);
    const released = async (leaseId: bigint) =>
      publicClient.getContractEvents({ address: a.jobMarket, abi: jobMarketAbi, eventName: "PaymentReleased", args: { leaseId }, fromBlock: 0n });
    expect(await released(cheated)).to.have.length(0);
    const [paidBatch] = await released(sampled);
    expect(await read.marketBalance(provider.address)).to.equal(paid.args.gross! - paid.args.fee! + paidBatch.args.gross! - paidBatch.args.fee!);

    // 3. The unknown workload: the quorum abstained (a verdict with outcome 3 on chain); the arbitrator decides in time.
    const [abstained] = await publicClient.getContractEvents({ address: a.disputes, abi: disputeManagerAbi, eventName: "DisputeAbstained", args: { leaseId: unknown }, fromBlock: 0n });
    const dispute = await read.dispute(unknown);
    const chainNow = Number((await publicClient.getBlock()).timestamp);
    expect(Number(abstained.args.arbitrationDeadline)).to.equal(dispute.arbitrationDeadline).and.to.be.greaterThan(chainNow);
    await publicClient.request({ method: "hardhat_impersonateAccount" as "eth_chainId", params: [a.timelock] as unknown as undefined });
    await publicClient.request({ method: "hardhat_setBalance" as "eth_chainId", params: [a.timelock, toHex(10n ** 18n)] as unknown as undefined });
    await send(a.timelock, a.disputes, encodeFunctionData({ abi: disputeManagerAbi, functionName: "arbitrate", args: [unknown, OUTCOME.ClientUpheld, 0n] }));
    const three = await resolvedEvent(unknown);
    expect(three).to.include({ outcome: OUTCOME.ClientUpheld, verdictId: `0x${"00".repeat(32)}`, toProvider: 0n });
    expect((await read.dispute(unknown)).status).to.equal(DISPUTE_STATUS.Resolved);

    // Every verdict was submitted once. The byzantine's abstentions were refused where they were contrary, so it could
    // only ever take part in (and, as leader, submit) the abstention it shares with the honest nodes (lease 3).
    const metrics = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/metrics`)).text()));
    const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(metrics.map((m) => count(m, /cinder_oracle_verdicts_submitted_total\{[^}]*\} (\d+)/g)).reduce((x, y) => x + y, 0)).to.equal(4);
    expect(count(metrics[3], /cinder_oracle_verdicts_submitted_total\{outcome="(?:ProviderUpheld|ClientUpheld)"\} (\d+)/g)).to.equal(0);
    for (const m of metrics.slice(0, 3)) expect(count(m, /cinder_oracle_verdict_signatures_received_total\{result="contrary_verdict"\} (\d+)/g)).to.be.greaterThanOrEqual(1);
  });
});
