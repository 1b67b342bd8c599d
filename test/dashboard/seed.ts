/**
 * Seeds a `hardhat node` for the dashboard's browser test, through the SDK: two providers with attested GPUs (3 x
 * H100 and 1 x A100), stake and a delegation, a lease streamed over three epochs with the oracle's epoch reports (its
 * uptime below the SLA, so settling pays the client a credit), two closed epochs with emissions, a buyback that
 * burned CNDR, an executed slash of the second provider, an active lease, and one more epoch with revenue left open
 * so the test can close it while the page watches. The leaf files are served by a small HTTP server, as an oracle
 * node's leaf API would.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, type Hex, type PublicClient, createPublicClient, createWalletClient, http, keccak256, parseEther, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { type HardhatNode, LOCAL_ORACLE_ACCOUNTS, deployLocal, faucet, localKey, seedProvider, startHardhatNode } from "../../src/cli/local.js";
import { type Leaf, buildTree, contentHash, serializeLeafFile } from "../../src/protocol/leaves.js";
import {
  type CinderAddresses,
  type CinderClient,
  cinderTokenAbi,
  createCinderClient,
  ensureFunds,
  oracleHubAbi,
  slashingManagerAbi,
  writeContract,
} from "../../src/sdk/index.js";

export const HOUR = 3_600n;
export const USD = 1_000_000n;

/** What the seeded network holds, for the test to check the pages against. */
export interface SeededNetwork {
  node: HardhatNode;
  addresses: CinderAddresses;
  publicClient: PublicClient;
  /** Account #6: 3 x H100-80GB, a delegator, the settled lease and the active one. */
  h100: Address;
  /** Account #7: 1 x A100-80GB, slashed and jailed. */
  a100: Address;
  delegator: Address;
  /** Lease of 1 H100 over epochs e..e+2, settled with an SLA credit. */
  settledLease: bigint;
  /** A 24-hour lease running now. */
  activeLease: bigint;
  /** The epoch with revenue left open. */
  openEpoch: bigint;
  /** Uptime leaves of the settled lease, per epoch. */
  uptime: { epoch: number; secondsUp: number; secondsObserved: number }[];
  /** Base URL of the leaf server. */
  oracleUrl: string;
  clientFor(i: number): CinderClient;
  /** Sets the next block's time and mines it. */
  setTime(t: bigint): Promise<void>;
  now(): Promise<bigint>;
  stop(): Promise<void>;
}

/** Starts a node on `port`, deploys into journal `deploymentId` and seeds it (about a minute, mostly the deploy). */
export async function seedNetwork({ port, deploymentId }: { port: number; deploymentId: string }): Promise<SeededNetwork> {
  const node = await startHardhatNode({ port });
  const servers: Server[] = [];
  try {
    const addresses = await deployLocal({ url: node.url, deploymentId });
    const publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 100 }) as PublicClient;
    const rpc = async (method: string, params: unknown[] = []) => {
      await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    };
    const now = async () => (await publicClient.getBlock()).timestamp;
    const setTime = async (t: bigint) => {
      await rpc("evm_setNextBlockTimestamp", [Number(t)]);
      await rpc("evm_mine");
    };
    const clientFor = (i: number): CinderClient =>
      createCinderClient({ publicClient, walletClient: createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(localKey(i)) }), addresses });
    const addr = (i: number) => privateKeyToAccount(localKey(i)).address;

    const { provider: h100 } = await seedProvider({ url: node.url, addresses, key: localKey(6), gpus: 3, metadataURI: "ipfs://cinder-dashboard/h100" });
    const { provider: a100, gpuIds: a100Gpus } = await seedProvider({
      url: node.url,
      addresses,
      key: localKey(7),
      gpus: 1,
      modelClass: "A100-80GB",
      memoryMiB: 81_920,
      pricePerGpuHour: 1_500_000n,
      metadataURI: "ipfs://cinder-dashboard/a100",
    });
    for (const i of [16, 17]) await faucet({ url: node.url, addresses, to: addr(i), amount: 10_000n * USD });
    await faucet({ url: node.url, addresses, to: h100, amount: 1_000n * USD }); // for the bond the browser test deposits

    // A delegator stakes 20 CNDR into the H100 provider's pool.
    const deployer = createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(localKey(0)) });
    await publicClient.waitForTransactionReceipt({ hash: await deployer.writeContract({ address: addresses.token, abi: cinderTokenAbi, functionName: "transfer", args: [addr(14), parseEther("50")] }) });
    await clientFor(14).delegator.delegate({ provider: h100, amount: parseEther("20") });

    const keeper = clientFor(15);
    const chainId = await publicClient.getChainId();
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const signers = LOCAL_ORACLE_ACCOUNTS.slice(0, 3).map((i) => privateKeyToAccount(localKey(i)));

    // A failed-challenge fault of the A100 provider: proposed, the veto window waited out, executed, burned.
    const fault = {
      configDigest,
      provider: a100,
      faultType: 1,
      subject: a100Gpus[0],
      epoch: await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "currentEpoch" }),
      evidenceHash: keccak256(toBytes("dashboard-seed: failed matmul challenge")),
    };
    const faultSignatures = await Promise.all(signers.map((signer) => keeper.keeper.signReport({ kind: "FaultReport", report: fault, signer, chainId })));
    await keeper.keeper.submitReport({ kind: "FaultReport", report: fault, signatures: faultSignatures });
    const sm = { contract: "SlashingManager", address: addresses.slashingManager, abi: slashingManagerAbi } as const;
    const { result: slashId } = await writeContract(keeper.context, { ...sm, functionName: "propose", args: [fault] });
    const { vetoWindow } = await publicClient.readContract({ ...sm, functionName: "params" });
    await setTime((await now()) + BigInt(vetoWindow) + 1n);
    await writeContract(keeper.context, { ...sm, functionName: "execute", args: [slashId as Hex] });
    await writeContract(keeper.context, { ...sm, functionName: "burnSlashed", args: [] });

    // The leaf server: one file per reported epoch.
    const files = new Map<number, string>();
    const server = createServer((req, res) => {
      const m = /^\/v1\/epochs\/(\d+)\/leaves$/.exec(req.url ?? "");
      const body = m === null ? undefined : files.get(Number(m[1]));
      if (body === undefined) res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"NO_LEAF_FILE"}}');
      else res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const oracleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const report = async (epoch: number, leaves: Leaf[]) => {
      const tree = buildTree(leaves);
      const json = serializeLeafFile({ chainId, oracleHub: addresses.oracleHub, epoch, tree });
      files.set(epoch, json);
      const r = { configDigest, epoch: BigInt(epoch), root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
      const signatures = await Promise.all(signers.map((signer) => keeper.keeper.signReport({ kind: "EpochReport", report: r, signer, chainId })));
      await keeper.keeper.submitReport({ kind: "EpochReport", report: r, signatures });
    };

    // Lease A: 1 H100 for three whole epochs from the start of epoch e (approved first, so the lease is the epoch's first tx).
    const client = clientFor(16);
    const prov = clientFor(6);
    const e = (await now()) / HOUR + 1n;
    await ensureFunds(client.context, { token: addresses.stablecoin!, spender: addresses.jobMarket, amount: 1_000n * USD });
    await rpc("evm_setNextBlockTimestamp", [Number(e * HOUR)]);
    const { leaseId: settledLease } = await client.leases.createDirect({ provider: h100, modelClass: "H100-80GB", gpuCount: 1, duration: 3n * HOUR, maxPricePerGpuHour: 2n * USD });
    const uptime = [
      { epoch: Number(e), secondsUp: 3_300, secondsObserved: 3_600 },
      { epoch: Number(e) + 1, secondsUp: 3_000, secondsObserved: 3_600 },
      { epoch: Number(e) + 2, secondsUp: 3_420, secondsObserved: 3_600 },
    ];
    const leavesOf = (k: number): Leaf[] => [
      { kind: "uptime", leaseId: settledLease, ...uptime[k] },
      { kind: "heartbeat", provider: h100, epoch: uptime[k].epoch, heartbeatsAnswered: 55, heartbeatsSent: 60 },
      { kind: "heartbeat", provider: a100, epoch: uptime[k].epoch, heartbeatsAnswered: 0, heartbeatsSent: 60 },
    ];

    // Epoch e+1: report e, the provider withdraws epoch e's stream (revenue of e+1, which samples the TWAP).
    await setTime((e + 1n) * HOUR + 5n);
    await report(Number(e), leavesOf(0));
    await setTime((e + 1n) * HOUR + 60n);
    await prov.provider.withdrawAccrued({ leaseId: settledLease });
    // Epoch e+2: report e+1, withdraw again; close e+1 after the TWAP window; the first buyback attempt samples its TWAP.
    await setTime((e + 2n) * HOUR + 5n);
    await report(Number(e) + 1, leavesOf(1));
    await setTime((e + 2n) * HOUR + 60n);
    await prov.provider.withdrawAccrued({ leaseId: settledLease });
    await setTime((e + 2n) * HOUR + 1_800n);
    const first = await keeper.keeper.closeEpoch({ epoch: e + 1n });
    if (first.status !== "closed") throw new Error(`seed: epoch ${e + 1n} did not close: ${JSON.stringify(first, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
    // The sample lands 10 s past the half hour, so the buyback an hour later (at +1,800 s and a few blocks) finds it
    // within the burner's maxAge of two 1,800 s windows (a keeper samples at least once per window).
    await setTime((e + 2n) * HOUR + 1_810n);
    const sampled = await keeper.keeper.buyback();
    if (sampled.status === "executed") throw new Error("seed: the first buyback should wait for its TWAP window");
    // Epoch e+3: report e+2, withdraw the rest (revenue of e+3, left open); close e+2; buy back and burn; settle the SLA.
    await setTime((e + 3n) * HOUR + 5n);
    await report(Number(e) + 2, leavesOf(2));
    await setTime((e + 3n) * HOUR + 60n);
    await prov.provider.withdrawAccrued({ leaseId: settledLease });
    await setTime((e + 3n) * HOUR + 1_800n);
    const second = await keeper.keeper.closeEpoch({ epoch: e + 2n });
    if (second.status !== "closed") throw new Error(`seed: epoch ${e + 2n} did not close`);
    const bought = await keeper.keeper.buyback();
    if (bought.status !== "executed") throw new Error(`seed: the buyback did not execute: ${bought.reason}`);
    const settled = await keeper.keeper.settleSla({ leaseId: settledLease, nodes: [oracleUrl] });
    if (!settled.closed || settled.credit === 0n) throw new Error("seed: the SLA settlement paid no credit");
    await keeper.leases.close({ leaseId: settledLease });

    // An active lease: 1 H100 for 24 hours, from client #17.
    const { leaseId: activeLease } = await clientFor(17).leases.createDirect({ provider: h100, modelClass: "H100-80GB", gpuCount: 1, duration: 24n * HOUR, maxPricePerGpuHour: 2n * USD });
    await setTime((await now()) + 1_200n);

    return {
      node,
      addresses,
      publicClient,
      h100,
      a100,
      delegator: addr(14),
      settledLease,
      activeLease,
      openEpoch: e + 3n,
      uptime,
      oracleUrl,
      clientFor,
      setTime,
      now,
      async stop() {
        for (const s of servers) s.close();
        await node.stop();
      },
    };
  } catch (error) {
    for (const s of servers) s.close();
    await node.stop();
    throw error;
  }
}
