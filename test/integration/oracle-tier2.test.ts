/**
 * Integration: tier-2 (confidential-computing) attestation end to end on a real `hardhat node`. Three honest oracle
 * nodes of a set of four (threshold 3) run with `challenges.cc` in simulation mode (they trust only the simulated
 * GPUs' test root, with the simulated reference measurements). Provider 1's agent replays `h100-cc`: two simulated
 * H100s that sign fresh evidence for each node's own nonce. The nodes attest both cards at tier 2 under their device
 * identities, and the registry binds them to provider 1. Then provider 2 registers with an agent showing the same two
 * GPUs: the nodes attest what they verified, and the registry refuses it (the identity is bound elsewhere), so
 * provider 2 gets no capacity. Provider 3 lists A100s (no CC): tier 1, and its uuid-derived identity binds no one.
 */
import { expect } from "chai";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, encodeFunctionData } from "viem";
import { modelClassId } from "../../deploy/config.js";
import { providerRegistryAbi } from "../../src/protocol/abis.js";
import { AgentClient } from "../../src/oracle/agent/client.js";
import { type Agent, createAgent } from "../../src/oracle/agent/server.js";
import { loadReferenceMeasurements, simulatedReferenceMeasurementsPath } from "../../src/oracle/cc/reference.js";
import { ccIdentity, simulatedDeviceRoot, verifyGpuEvidence } from "../../src/oracle/cc/verify.js";
import { CpuExecutor } from "../../src/oracle/challenge/executors.js";
import { SimulatedBackend } from "../../src/oracle/gpu/simulated.js";
import { ChainView } from "../../src/oracle/node/chain.js";
import { type ChallengeSettings, ccEvidenceHashOf, gpuIdOf } from "../../src/oracle/node/attest.js";
import { agentHeartbeat } from "../../src/oracle/node/heartbeat.js";
import { createLogger } from "../../src/oracle/node/log.js";
import { OracleNode } from "../../src/oracle/node/node.js";
import { type NodeStore, openStore } from "../../src/oracle/node/store.js";
import { account, localChain, sleep, waitFor } from "../helpers/integration.js";

const PORT = 12000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `oracle-tier2-${PORT}`;
const providers = [account(6), account(7), account(8)];
const oracleKeys = [10, 11, 12, 13].map((i) => account(i));
const H100 = modelClassId("H100-80GB");
const A100 = modelClassId("A100-80GB");
const LOG = "test-results/oracle-tier2-integration.log";
mkdirSync("test-results", { recursive: true });
writeFileSync(LOG, "");

const chain = localChain({ port: PORT, id: ID });
const { publicClient, wallet, send } = chain;

/** The identities and evidence hashes of the `h100-cc` host's two GPUs, as any verifier derives them. */
async function simulatedCards(): Promise<{ gpuId: `0x${string}`; evidenceHash: `0x${string}` }[]> {
  const backend = SimulatedBackend.fromRecording("h100-cc");
  const nonce = new Uint8Array(32).fill(9);
  return Promise.all(
    [0, 1].map(async (i) => {
      const verified = verifyGpuEvidence({ ...(await backend.ccEvidence(nonce, i)), expectedNonce: nonce, roots: [simulatedDeviceRoot()] });
      return { gpuId: ccIdentity(verified), evidenceHash: ccEvidenceHashOf(verified) };
    }),
  );
}

describe("Integration: tier-2 CC attestation by oracle nodes on a hardhat node", function () {
  this.timeout(600_000);
  const agents: Agent[] = [];
  const nodes: OracleNode[] = [];
  const stores: NodeStore[] = [];
  let registry: Address;

  const readRegistry = <F extends "getCapacity" | "getGpu" | "gpuOwner">(functionName: F, args: readonly unknown[]) =>
    publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName, args } as never) as Promise<never>;

  /** Starts an agent for `provider` on `recording` and registers the provider with its URL. */
  async function onboard(provider: (typeof providers)[number], recording: "h100-cc" | "a100"): Promise<void> {
    const agent = await createAgent({ account: provider, backend: SimulatedBackend.fromRecording(recording), executor: new CpuExecutor(), chainId: 31337, host: "127.0.0.1", port: 0, maxMatmulN: 64, oracleSet: oracleKeys.map((k) => k.address) });
    agents.push(agent);
    const metadata = `data:application/json,${encodeURIComponent(JSON.stringify({ name: recording, agent: agent.url }))}`;
    await send(provider, registry, encodeFunctionData({ abi: providerRegistryAbi, functionName: "register", args: [metadata, provider.address] }));
  }

  before(async function () {
    await chain.start();
    await publicClient.request({ method: "evm_setIntervalMining" as "eth_chainId", params: [1_000] as unknown as undefined });
    const recorded = await chain.deploy({ oracleSigners: oracleKeys.map((k) => k.address) });
    registry = recorded["Cinder#ProviderRegistry"]!;
    const challenges: ChallengeSettings = {
      roundSeconds: 3_600,
      validitySeconds: 14 * 86_400,
      classNames: { H100: "H100-80GB", A100: "A100-80GB" },
      matmul: { n: 16, openings: 4, commitDeadlineMs: 20_000, responseDeadlineMs: 20_000 },
      memory: false,
      cc: { trust: "simulation", referenceMeasurements: loadReferenceMeasurements(simulatedReferenceMeasurementsPath()) },
    };
    const peers = oracleKeys.slice(0, 3).map((k, i) => ({ address: k.address, url: `http://127.0.0.1:${PORT + 100 + i}` }));
    for (const [i, key] of oracleKeys.slice(0, 3).entries()) {
      const node = new OracleNode({
        account: key,
        chain: new ChainView({ publicClient, walletClient: wallet(key), oracleHub: recorded["Cinder#OracleHub"]!, registry, jobMarket: recorded["Cinder#JobMarket"]! }),
        store: stores[stores.push(openStore(join(chain.dir, `node-${i}.db`))) - 1]!,
        heartbeat: agentHeartbeat({ chainId: 31337, timeoutMs: 3_000 }),
        peers,
        settings: { listen: { host: "127.0.0.1", port: PORT + 100 + i }, heartbeat: { meanIntervalMs: 5_000 }, epoch: { settleDelayMs: 1_500, leaderTimeoutMs: 6_000, setupGraceSeconds: 0 }, pollIntervalMs: 400 },
        challenges: { settings: challenges, client: (provider, agentUrl) => new AgentClient(agentUrl, { expectedProvider: provider, chainId: 31337, timeoutMs: 5_000, signer: key }) },
        log: createLogger({ test: `tier2-node-${i}` }, { level: "debug", write: (line) => appendFileSync(LOG, `${line}\n`) }),
      });
      await node.start();
      nodes.push(node);
    }
  });

  after(async function () {
    for (const node of nodes) await node.stop();
    for (const agent of agents) await agent.close().catch(() => {});
    for (const store of stores) store.close();
    chain.stop();
  });

  it("attests a simulated CC host's GPUs at tier 2 under their device identities, bound to the provider", async () => {
    await onboard(providers[0]!, "h100-cc");
    await waitFor("provider 1's tier-2 GPUs", 180_000, async () => ((await readRegistry("getCapacity", [providers[0]!.address, H100])) as { attested: bigint }).attested >= 2n);
    for (const card of await simulatedCards()) {
      const gpu = (await readRegistry("getGpu", [providers[0]!.address, card.gpuId])) as { tier: number; evidenceHash: string; modelClass: string };
      expect(gpu).to.include({ tier: 2, evidenceHash: card.evidenceHash, modelClass: H100 });
      expect(await readRegistry("gpuOwner", [card.gpuId])).to.equal(providers[0]!.address);
    }
  });

  it("refuses a second provider presenting the same identities: the registry keeps them bound to the first", async () => {
    await onboard(providers[1]!, "h100-cc");
    // The nodes attest what they verified and try to submit it; wait until they have challenged provider 2 (its
    // round is recorded in each node's store) and a few submission attempts have passed.
    // The round is the hour the node challenged in: this one, or the one before when the hour turned since.
    const challengedLately = (store: NodeStore) => {
      const round = Math.floor(Date.now() / 1000 / 3_600);
      return [round, round - 1].some((r) => store.challenged(providers[1]!.address, r) !== undefined);
    };
    await waitFor("the nodes' challenges of provider 2", 120_000, async () => stores.every(challengedLately));
    await sleep(5_000);
    expect(((await readRegistry("getCapacity", [providers[1]!.address, H100])) as { attested: number }).attested).to.equal(0);
    const refusals = readFileSync(LOG, "utf8")
      .split("\n")
      .filter((line) => line.includes('"msg":"GPU attestation not accepted"') && line.includes(providers[1]!.address));
    for (const card of await simulatedCards()) {
      // A quorum signed provider 2's tier-2 attestation of the card, and the hub's call into the registry reverted.
      expect(refusals.some((line) => line.includes(card.gpuId)), `a refused submission of ${card.gpuId}`).to.equal(true);
      expect(await readRegistry("gpuOwner", [card.gpuId])).to.equal(providers[0]!.address);
      expect(((await readRegistry("getGpu", [providers[1]!.address, card.gpuId])) as { expiresAt: number }).expiresAt).to.equal(0);
    }
  });

  it("attests a host without CC at tier 1, whose uuid-derived identity binds no one", async () => {
    await onboard(providers[2]!, "a100");
    await waitFor("provider 3's tier-1 GPUs", 120_000, async () => ((await readRegistry("getCapacity", [providers[2]!.address, A100])) as { attested: bigint }).attested >= 1n);
    const [card] = await SimulatedBackend.fromRecording("a100").listGpus();
    const gpu = (await readRegistry("getGpu", [providers[2]!.address, gpuIdOf(card!.uuid)])) as { tier: number };
    expect(gpu.tier).to.equal(1);
    expect(await readRegistry("gpuOwner", [gpuIdOf(card!.uuid)])).to.equal("0x0000000000000000000000000000000000000000");
  });
});
