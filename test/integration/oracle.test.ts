/**
 * Integration: the oracle against a real `hardhat node`. Deploys the protocol with 60-second epochs and an oracle
 * set of four nodes; three providers register with simulated H100 agents, the nodes challenge each agent (matrix
 * product and memory, at test sizes) and attest its GPU through the hub with a quorum of signatures; the providers
 * stake and publish offers and a client leases one GPU of each, and runs three simulated provider agents and four oracle nodes: three
 * honest (one of them a separate process, for the crash test) and one byzantine that signs garbage.
 *
 * 1. Provider 3's agent goes down in the middle of an epoch: the epoch's report reaches the hub, its root is the
 *    root of the leaf file the nodes serve, leases 1 and 2 were up the whole epoch, lease 3 only part of it, and
 *    every uptime leaf verifies on chain with the proof a node serves.
 * 2. The out-of-process node is killed (SIGKILL) in the middle of an epoch and restarted on the same database: the
 *    epoch's report still results, the restarted node's bundle holds the probes from before the kill, and it signed
 *    exactly the report that is on chain.
 * 3. The SLA: provider 3 also held two short (5-minute) leases, which ran while its agent was down. Once the
 *    nodes reported their epochs, a keeper settles each with the proofs the nodes' leaf API serves (through the
 *    SDK): the client is credited and withdraws its credit in the stablecoin; the second breach in a row raises a
 *    fault with the SlashingManager, which after the veto window anyone executes: provider 3 is slashed and jailed.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, type Hex, encodeFunctionData, keccak256, maxUint256, parseEventLogs, toHex } from "viem";
import { modelClassId } from "../../deploy/config.js";
import { setIntervalMining } from "../../src/cli/local.js";
import { skipWithoutEvm } from "../helpers/evm.js";
import {
  cinderTokenAbi,
  jobMarketAbi,
  oracleHubAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  slashingManagerAbi,
  stakingVaultAbi,
  testStablecoinAbi,
} from "../../src/protocol/abis.js";
import { createAgent } from "../../src/oracle/agent/server.js";
import { SimulatedBackend } from "../../src/oracle/gpu/simulated.js";
import { CpuExecutor } from "../../src/oracle/challenge/executors.js";
import { parseLeafFile, verifyProof } from "../../src/protocol/leaves.js";
import { ChainView } from "../../src/oracle/node/chain.js";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { type ChallengeSettings, evidenceHashOf, gpuIdOf } from "../../src/oracle/node/attest.js";
import { agentHeartbeat } from "../../src/oracle/node/heartbeat.js";
import { OracleNode } from "../../src/oracle/node/node.js";
import { createCinderClient } from "../../src/sdk/index.js";
import { loadDeployment } from "../../src/sdk/node.js";
import { createLogger } from "../../src/oracle/node/log.js";
import { type NodeStore, openStore } from "../../src/oracle/node/store.js";
import { bundleFromWire } from "../../src/oracle/node/wire.js";
import { account, localChain, sleep, waitFor } from "../helpers/integration.js";

const PORT = 14000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `oracle-integration-${PORT}`;
// The shortest epoch the emission and buyback TWAP bounds allow (their minimum window is 60 s, at most an epoch).
const EPOCH = 60;
const deployer = account(0);
const providers = [account(6), account(7), account(8)];
const client = account(16);
const oracleKeys = [10, 11, 12, 13].map((i) => account(i));
const NODE_PORT = (i: number) => PORT + 100 + i;
const H100 = modelClassId("H100-80GB");
// Provider 3's two short leases: 5 minutes, JobMarket's lower bound on a lease's duration.
const SHORT_LEASE = 300;
// The nodes' JSON logs, for a failed run (test-results/ is CI's log folder).
const LOG = "test-results/oracle-integration.log";
mkdirSync("test-results", { recursive: true });
writeFileSync(LOG, "");

const chain = localChain({ port: PORT, id: ID });
const { publicClient, wallet, send } = chain;
const dir = chain.dir;
const URL = chain.url;

/** Sleeps until `offset` seconds into the next epoch that starts at least `minAhead` seconds from now. */
async function untilEpochOffset(offset: number, minAhead = 0): Promise<number> {
  const now = Date.now() / 1000 + minAhead;
  const epoch = Math.ceil(now / EPOCH);
  await sleep(Math.max(0, (epoch * EPOCH + offset - Date.now() / 1000) * 1000));
  return epoch;
}

describe("Integration: oracle nodes, provider agents and the OracleHub on a hardhat node", function () {
  this.timeout(600_000);
  let external: ChildProcess | undefined;
  const agents: { url: string; close(): Promise<void> }[] = [];
  const nodes: OracleNode[] = [];
  const stores: NodeStore[] = [];
  let addresses: Record<string, Address>;
  const leaseIds: bigint[] = [];
  let externalConfig: string;

  const startExternal = () => {
    external = spawn(process.execPath, ["--import", "tsx", "src/oracle/node/main.ts", "--config", externalConfig], {
      env: { ...process.env, CINDER_ORACLE_KEY: toHex(oracleKeys[2].getHdKey().privateKey!) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    external.stdout!.on("data", (chunk: Buffer) => appendFileSync(LOG, chunk));
    let err = "";
    external.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    external.on("exit", (code, signal) => {
      if (code !== 0 && signal === null) console.error(`external oracle node exited with ${code}:\n${err}`);
    });
  };

  before(async function () {
    skipWithoutEvm(this);
    await chain.start();
    // Blocks every second, as on a live chain: the hub reads epochs from block timestamps.
    await setIntervalMining(chain.url, 1);

    const recorded = await chain.deploy({
      epochLength: `${EPOCH}n`,
      twapMinWindow: "60n",
      // The buyback TWAP's start may be at most 2 x its minimum window old.
      twapMaxAge: "120n",
      oracleSigners: oracleKeys.map((k) => k.address),
      // Short leases (the shortest the bound allows) and a fault after two breaches in a row, for the SLA story.
      minLeaseDuration: `${SHORT_LEASE}n`,
      minLeaseValue: "100000n",
      slaBreachFaultThreshold: "2n",
    });
    addresses = {
      token: recorded["Cinder#CinderToken"],
      registry: recorded["Cinder#ProviderRegistry"],
      vault: recorded["Cinder#StakingVault"],
      jobMarket: recorded["Cinder#JobMarket"],
      stablecoin: recorded["Cinder#TestStablecoin"],
      hub: recorded["Cinder#OracleHub"],
      sla: recorded["Cinder#SlaBondManager"],
      slashing: recorded["Cinder#SlashingManager"],
    };

    // Agents first: a provider's metadata names its agent's URL.
    for (const [i, provider] of providers.entries()) {
      agents.push(
        await createAgent({
          account: provider,
          backend: SimulatedBackend.fromRecording("h100"),
          executor: new CpuExecutor(),
          oracleSet: oracleKeys.map((k) => k.address),
          chainId: 31337,
          host: "127.0.0.1",
          port: 0,
          maxMatmulN: 64,
          maxMemoryFillBytes: 64 * 1024,
        }),
      );
      const metadata = `data:application/json,${encodeURIComponent(JSON.stringify({ name: `provider-${i + 1}`, agent: agents[i].url }))}`;
      await send(provider, addresses.registry, encodeFunctionData({ abi: providerRegistryAbi, functionName: "register", args: [metadata, provider.address] }));
    }

    // Small challenges the CPU executor answers in milliseconds (the real classes' sizes need a GPU).
    const challenges: ChallengeSettings = {
      roundSeconds: 3_600,
      validitySeconds: 14 * 86_400,
      classNames: { H100: "H100-80GB" },
      matmul: { n: 32, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
      memory: { claimedBytes: 64 * 1024, fillFraction: 1, chunkBytes: 4096, steps: 64, checks: 8, walkDeadlineMs: 20_000 },
    };
    const settings = {
      listen: { host: "127.0.0.1", port: 0 },
      heartbeat: { meanIntervalMs: 700 },
      epoch: { settleDelayMs: 1_500, leaderTimeoutMs: 6_000, setupGraceSeconds: 0 },
      pollIntervalMs: 400,
    };
    const peers = oracleKeys.map((k, i) => ({ address: k.address, url: `http://127.0.0.1:${NODE_PORT(i)}` }));
    for (const [i, key] of oracleKeys.entries()) {
      if (i === 2) continue; // the out-of-process node
      // The byzantine node (#3) signs garbage: every signature it makes is random bytes.
      const signer =
        i === 3 ? { address: key.address, signTypedData: async () => keccak256(toHex(`garbage-${Math.random()}`)).padEnd(132, "7") as Hex } : key;
      const node = new OracleNode({
        account: signer,
        chain: new ChainView({ publicClient, walletClient: wallet(key), oracleHub: addresses.hub, registry: addresses.registry, jobMarket: addresses.jobMarket }),
        store: stores[stores.push(openStore(join(dir, `node-${i}.db`))) - 1],
        heartbeat: agentHeartbeat({ chainId: 31337, timeoutMs: 3_000 }),
        peers,
        settings: { ...settings, listen: { host: "127.0.0.1", port: NODE_PORT(i) } },
        challenges: { settings: challenges, client: (provider, agentUrl) => new AgentClient(agentUrl, { expectedProvider: provider, chainId: 31337, timeoutMs: 1_500, signer }) },
        log: createLogger({ test: `node-${i}` }, { level: "debug", write: (line) => appendFileSync(LOG, `${line}\n`) }),
      });
      await node.start();
      nodes.push(node);
    }
    externalConfig = join(dir, "node-2.json");
    writeFileSync(
      externalConfig,
      JSON.stringify({
        rpcUrl: URL,
        contracts: { oracleHub: addresses.hub, registry: addresses.registry, jobMarket: addresses.jobMarket },
        listen: { host: "127.0.0.1", port: NODE_PORT(2) },
        peers: peers.map((p) => ({ ...p, address: p.address })),
        databasePath: join(dir, "node-2.db"),
        heartbeat: { meanIntervalMs: 700, timeoutMs: 3_000 },
        epoch: settings.epoch,
        pollIntervalMs: 400,
        logLevel: "debug",
        challenges,
      }),
    );
    startExternal();
    await waitFor("the out-of-process node", 60_000, async () => (await fetch(`http://127.0.0.1:${NODE_PORT(2)}/health`)).ok);
    // The oracle nodes challenge each provider's agent and attest its GPUs through the hub (a quorum of three).
    for (const provider of providers) {
      // Both H100s of the host (each card's attestation is its own transaction, in no fixed order).
      await waitFor(`the oracle-attested GPUs of ${provider.address}`, 120_000, async () => {
        const capacity = await publicClient.readContract({ address: addresses.registry, abi: providerRegistryAbi, functionName: "getCapacity", args: [provider.address, H100] });
        return capacity.attested >= 2;
      });
      const [card] = await SimulatedBackend.fromRecording("h100").listGpus();
      const gpu = await publicClient.readContract({ address: addresses.registry, abi: providerRegistryAbi, functionName: "getGpu", args: [provider.address, gpuIdOf(card.uuid)] });
      expect(gpu).to.include({ modelClass: H100, tier: 1, memoryMiB: card.memoryTotalMiB, evidenceHash: evidenceHashOf(card) });
      // Stake what the attested GPU needs, and publish an offer.
      const required = await publicClient.readContract({ address: addresses.registry, abi: providerRegistryAbi, functionName: "requiredStake", args: [provider.address] });
      expect(required > 0n).to.equal(true);
      await send(deployer, addresses.token, encodeFunctionData({ abi: cinderTokenAbi, functionName: "transfer", args: [provider.address, required] }));
      await send(provider, addresses.token, encodeFunctionData({ abi: cinderTokenAbi, functionName: "approve", args: [addresses.vault, maxUint256] }));
      await send(provider, addresses.vault, encodeFunctionData({ abi: stakingVaultAbi, functionName: "stake", args: [required] }));
      await send(provider, addresses.registry, encodeFunctionData({ abi: providerRegistryAbi, functionName: "setOffer", args: [H100, 2_000_000n] }));
      // SLA bond in the stablecoin, which an award locks.
      await send(provider, addresses.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "faucet", args: [provider.address, 100_000_000n] }));
      await send(provider, addresses.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "approve", args: [addresses.sla, maxUint256] }));
      await send(provider, addresses.sla, encodeFunctionData({ abi: slaBondManagerAbi, functionName: "deposit", args: [100_000_000n] }));
    }

    // The client leases one GPU of providers 1 and 2 for two hours, and two 5-minute leases of one GPU each of
    // provider 3 (its host has two H100s).
    await send(client, addresses.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "faucet", args: [client.address, 1_000_000_000n] }));
    await send(client, addresses.stablecoin, encodeFunctionData({ abi: testStablecoinAbi, functionName: "approve", args: [addresses.jobMarket, maxUint256] }));
    for (const [provider, duration] of [[providers[0], 7_200], [providers[1], 7_200], [providers[2], SHORT_LEASE], [providers[2], SHORT_LEASE]] as const) {
      await send(client, addresses.jobMarket, encodeFunctionData({ abi: jobMarketAbi, functionName: "createDirectLease", args: [provider.address, H100, 1, duration, 2_000_000, 0] }));
      // Lease ids count from 1: the newest lease's id is the count.
      leaseIds.push(await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" }));
    }
    // Block timestamps may run ahead of the wall clock after a burst of transactions: let the clock catch up.
    const chainTime = Number((await publicClient.getBlock()).timestamp);
    await sleep(Math.max(0, chainTime * 1000 - Date.now() + 1_000));

  });

  after(async function () {
    for (const node of nodes) await node.stop();
    for (const agent of agents) await agent.close().catch(() => {});
    external?.kill("SIGKILL");
    chain.stop();
  });

  async function leafFileOf(epoch: number, nodePort: number) {
    const response = await fetch(`http://127.0.0.1:${nodePort}/v1/epochs/${epoch}/leaves`);
    return response.ok ? response.text() : undefined;
  }

  it("reports an epoch in which one provider went down: the root and the uptime leaves are on chain", async () => {
    // A full epoch with everyone up first, so every node follows every provider and lease.
    const epoch = await untilEpochOffset(EPOCH / 2, 2);
    await agents[2].close();
    const root = await waitFor(`epoch ${epoch}'s report on chain`, 90_000, async () => {
      const has = await publicClient.readContract({ address: addresses.hub, abi: oracleHubAbi, functionName: "hasReport", args: [BigInt(epoch)] });
      return has ? publicClient.readContract({ address: addresses.hub, abi: oracleHubAbi, functionName: "epochRoot", args: [BigInt(epoch)] }) : undefined;
    });
    const file = await waitFor("a leaf file served", 20_000, () => leafFileOf(epoch, NODE_PORT(0)));
    const { tree } = parseLeafFile(file);
    expect(tree.root).to.equal(root);

    const uptime = (leaseId: bigint) => tree.leaves.find((l) => l.kind === "uptime" && l.leaseId === leaseId);
    expect(uptime(leaseIds[0])).to.include({ secondsUp: EPOCH, secondsObserved: EPOCH });
    expect(uptime(leaseIds[1])).to.include({ secondsUp: EPOCH, secondsObserved: EPOCH });
    const down = uptime(leaseIds[2]);
    expect(down, "lease 3 has a leaf").to.not.equal(undefined);
    expect(down!.kind === "uptime" && down!.secondsObserved).to.equal(EPOCH);
    expect(down!.kind === "uptime" && down!.secondsUp).to.be.within(EPOCH * 0.2, EPOCH * 0.8);

    for (const leaseId of leaseIds) {
      // Any node serves it once it holds the leaf file (a node that did not co-sign fetches it from a peer).
      const response = await waitFor(`node 1's proof of lease ${leaseId}`, 20_000, async () => {
        const r = await fetch(`http://127.0.0.1:${NODE_PORT(1)}/v1/epochs/${epoch}/proof?leaseId=${leaseId}`);
        return r.status === 200 ? r : undefined;
      });
      const { leaf, proof } = (await response.json()) as { leaf: { secondsUp: number; secondsObserved: number }; proof: Hex[] };
      const ok = await publicClient.readContract({
        address: addresses.hub,
        abi: oracleHubAbi,
        functionName: "verifyUptime",
        args: [leaseId, BigInt(epoch), leaf.secondsUp, leaf.secondsObserved, proof],
      });
      expect(ok, `lease ${leaseId} verifies on chain`).to.equal(true);
      expect(verifyProof(root, { ...leaf, kind: "uptime", leaseId, epoch }, proof)).to.equal(true);
      // a forged value does not verify
      const forged = await publicClient.readContract({
        address: addresses.hub,
        abi: oracleHubAbi,
        functionName: "verifyUptime",
        args: [leaseId, BigInt(epoch), leaf.secondsObserved, leaf.secondsObserved, proof],
      });
      if (leaf.secondsUp !== leaf.secondsObserved) expect(forged).to.equal(false);
    }

    // The byzantine node's bundle was rejected by the honest nodes, and the report was sent once.
    const bundles = (await (await fetch(`http://127.0.0.1:${NODE_PORT(0)}/v1/epochs/${epoch}/bundles`)).json()) as unknown[];
    expect(bundles.map((b) => bundleFromWire(b).node)).to.not.include(oracleKeys[3].address);
    // The submitter records its submission once it has the receipt: at once on hardhat (a block per transaction),
    // at its next receipt poll on a node that mines every second (anvil).
    const external2 = openStore(join(dir, "node-2.db"));
    const sent = () => [...stores, external2].filter((store) => store.submission(epoch) !== undefined);
    await waitFor("the submitter's record of the report", 20_000, async () => sent().length > 0);
    expect(sent(), "nodes that sent the epoch's report").to.have.length(1);
    const metrics = await (await fetch(`http://127.0.0.1:${NODE_PORT(0)}/metrics`)).text();
    expect(metrics).to.match(/cinder_oracle_heartbeats_total\{result="ok"\} \d+/);
  });

  it("a node killed mid-epoch and restarted loses no observation and signs the report that lands", async () => {
    const epoch = await untilEpochOffset(20, 1);
    external!.kill("SIGKILL");
    await sleep(3_000);
    startExternal();
    await waitFor("the restarted node", 60_000, async () => (await fetch(`http://127.0.0.1:${NODE_PORT(2)}/health`)).ok);
    const root = await waitFor(`epoch ${epoch}'s report on chain`, 90_000, async () => {
      const has = await publicClient.readContract({ address: addresses.hub, abi: oracleHubAbi, functionName: "hasReport", args: [BigInt(epoch)] });
      return has ? publicClient.readContract({ address: addresses.hub, abi: oracleHubAbi, functionName: "epochRoot", args: [BigInt(epoch)] }) : undefined;
    });
    // The restarted node serves the epoch's leaf file, and it hashes to the root on chain.
    const file = await waitFor("the restarted node's leaf file", 30_000, () => leafFileOf(epoch, NODE_PORT(2)));
    expect(parseLeafFile(file).tree.root).to.equal(root);
    // Its own bundle is there, and the probes it recorded before the kill survived the restart.
    const bundles = (await (await fetch(`http://127.0.0.1:${NODE_PORT(2)}/v1/epochs/${epoch}/bundles`)).json()) as unknown[];
    const own = bundles.map((b) => bundleFromWire(b)).find((b) => b.node === oracleKeys[2].address);
    expect(own, "the restarted node's own bundle").to.not.equal(undefined);
    const probes = openStore(join(dir, "node-2.db")).probesBetween(epoch * EPOCH * 1000, epoch * EPOCH * 1000 + 20_000);
    expect(probes.length, "probes recorded before the kill survive").to.be.above(0);
  });
  it("SLA: the client of a provider that went down is credited, and repeated breaches get it slashed and jailed", async () => {
    const deployment = loadDeployment({ chainId: 31337, deploymentId: ID });
    const keeper = createCinderClient({ publicClient, walletClient: wallet(account(17)), addresses: deployment });
    const asClient = createCinderClient({ publicClient, walletClient: wallet(client), addresses: deployment });
    const offline = providers[2];
    const short = leaseIds.slice(2);
    // Both short leases ended and every epoch of their term is reported (provider 3's agent has been down since
    // the first test, so the nodes reported it down).
    for (const leaseId of short) {
      const lease = await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [leaseId] });
      const last = BigInt(Math.ceil(lease.end / EPOCH) - 1);
      await waitFor(`the report of lease ${leaseId}'s last epoch ${last}`, 6 * EPOCH * 1000, async () =>
        publicClient.readContract({ address: addresses.hub, abi: oracleHubAbi, functionName: "hasReport", args: [last] }),
      );
    }
    const nodeUrls = [0, 1, 2].map((i) => `http://127.0.0.1:${NODE_PORT(i)}`);
    const stakeBefore = await publicClient.readContract({ address: addresses.vault, abi: stakingVaultAbi, functionName: "totalStake", args: [offline.address] });

    // First lease: a breach, the client is credited in the stablecoin: from the stream the market still holds
    // first (the provider withdrew nothing: the stream past the oracle's covered time is held anyway), then from
    // the bond. Both are pull balances the client withdraws.
    const balances = async () => ({
      market: await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "balanceOf", args: [client.address] }),
      sla: await publicClient.readContract({ address: addresses.sla, abi: slaBondManagerAbi, functionName: "balanceOf", args: [client.address] }),
    });
    const before = await balances();
    const first = await keeper.keeper.settleSla({ leaseId: short[0], nodes: nodeUrls });
    expect(first.closed, "lease 3 settled in one call").to.equal(true);
    const up = first.proofs.reduce((sum, p) => sum + p.secondsUp, 0);
    const observed = first.proofs.reduce((sum, p) => sum + p.secondsObserved, 0);
    expect(first.proofs.length, "an uptime proof per reported epoch of the term").to.be.at.least(SHORT_LEASE / EPOCH);
    expect(up / observed, "lease 3's uptime over its term").to.be.below(0.95);
    const value = await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseValue", args: [short[0]] });
    expect(first.credit > 0n && first.credit <= value, `credit ${first.credit} of a ${value} lease`).to.equal(true);
    const [settled] = parseEventLogs({ abi: slaBondManagerAbi, eventName: "SlaSettled", logs: (await publicClient.getTransactionReceipt({ hash: first.hash })).logs });
    expect(settled.args.fromStream + settled.args.fromBond).to.equal(first.credit);
    expect(settled.args.fromStream > 0n, "the held stream pays first").to.equal(true);
    const after = await balances();
    expect(after.market - before.market, "stream part, in the market balance").to.equal(settled.args.fromStream);
    expect(after.sla - before.sla, "bond part, in the SLA balance").to.equal(settled.args.fromBond);
    const walletBefore = await publicClient.readContract({ address: addresses.stablecoin, abi: testStablecoinAbi, functionName: "balanceOf", args: [client.address] });
    await asClient.leases.withdrawBalance();
    if (after.sla > 0n) await asClient.leases.withdrawSlaCredits();
    const walletAfter = await publicClient.readContract({ address: addresses.stablecoin, abi: testStablecoinAbi, functionName: "balanceOf", args: [client.address] });
    expect(walletAfter - walletBefore, "the credit (and any earlier refund) reached the client's wallet").to.equal(after.market + after.sla);

    // Second lease: the second breach in a row raises a repeated-breach fault with the SlashingManager.
    const second = await keeper.keeper.settleSla({ leaseId: short[1], nodes: nodeUrls });
    expect(second.closed).to.equal(true);
    expect(second.credit > 0n).to.equal(true);
    const receipt = await publicClient.getTransactionReceipt({ hash: second.hash });
    const [proposed] = parseEventLogs({ abi: slashingManagerAbi, eventName: "SlashProposed", logs: receipt.logs });
    expect(proposed, "a slash proposal from the repeated breaches").to.not.equal(undefined);
    expect(proposed.args.provider).to.equal(offline.address);
    expect(proposed.args.kind, "kind 5: repeated SLA breaches").to.equal(5);
    expect(proposed.args.amount > 0n).to.equal(true);

    // After the guardian's veto window anyone executes it: provider 3 is slashed and jailed.
    const now = (await publicClient.getBlock()).timestamp;
    const wait = Number(proposed.args.executableAt - now) + 1;
    await publicClient.request({ method: "evm_increaseTime" as "eth_chainId", params: [wait] as unknown as undefined });
    await publicClient.request({ method: "evm_mine" as "eth_chainId", params: [] as unknown as undefined });
    await send(account(17), addresses.slashing, encodeFunctionData({ abi: slashingManagerAbi, functionName: "execute", args: [proposed.args.id] }));
    const status = await publicClient.readContract({ address: addresses.registry, abi: providerRegistryAbi, functionName: "statusOf", args: [offline.address] });
    expect(status, "provider 3 is jailed (ProviderStatus.Jailed)").to.equal(2);
    const stakeAfter = await publicClient.readContract({ address: addresses.vault, abi: stakingVaultAbi, functionName: "totalStake", args: [offline.address] });
    expect(stakeBefore - stakeAfter, "provider 3's stake was slashed by the proposal's amount").to.equal(proposed.args.amount);
    // A jailed provider cannot win a lease.
    const refused = await publicClient
      .simulateContract({ account: client, address: addresses.jobMarket, abi: jobMarketAbi, functionName: "createDirectLease", args: [offline.address, H100, 1, SHORT_LEASE, 2_000_000, 0] })
      .then(() => "accepted", (error: Error) => error.message);
    expect(refused).to.match(/JobMarketProviderNotActive/);
  });
});
