/**
 * `npm run bench:keeper`: what one epoch of keeping costs, and that it follows the work, not the network's size.
 * On a `hardhat node` this script starts: one provider with enough attested GPUs, then for each size N (1,000 and
 * 10,000 leases in total, each phase adding to the last) N - 100 leases that stay open (2 days) and 100 that end in
 * the measured epoch; the oracle quorum reports the epoch. A keeper that has already caught up then keeps the epoch:
 * its RPC calls (counted by wrapping the transport, by method), transactions and gas per action kind, from the
 * epoch's end to the pass that finds nothing left. Also the catch-up pass before it (from block 0 in the first phase:
 * its `eth_getLogs` calls grow with history, its per-epoch cost does not). Writes `bench/results/keeper.json`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import {
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  bytesToHex,
  hexToBytes,
  http,
  keccak256,
  maxUint256,
  toBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import secp256k1 from "secp256k1/bindings";
import { ORACLE_REPORT_SIGNING } from "../src/protocol/signing.js";
import { buildTree, contentHash, serializeLeafFile } from "../src/protocol/leaves.js";
import { resolveModelClass } from "../src/protocol/models.js";
import { LOCAL_ORACLE_ACCOUNTS, deployLocal, localKey, startHardhatNode } from "../src/cli/local.js";
import {
  cinderTokenAbi,
  createCinderClient,
  createCinderContext,
  jobMarketAbi,
  oracleHubAbi,
  signOracleReport,
  slaBondManagerAbi,
  testStablecoinAbi,
} from "../src/sdk/node.js";
import { createKeeper } from "../src/keeper/index.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const SIZES = (process.env.KEEPER_BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const ENDING = 100;
const HOUR = 3_600n;
const USD = 1_000_000n;
const PORT = 23_545 + (process.pid % 1_000);
const ID = `bench-keeper-${PORT}`;
const MODEL = resolveModelClass("H100-80GB");

const node = await startHardhatNode({ port: PORT });
const rpc = async (method: string, params: unknown[] = []) =>
  (await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json();
try {
  const addresses = await deployLocal({ url: node.url, deploymentId: ID });
  const publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 20 }) as PublicClient;
  const wallet = (i: number) => createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(localKey(i)) }) as WalletClient<Transport, Chain | undefined, Account>;
  const providerKey = localKey(6);
  const provider = privateKeyToAccount(providerKey).address;
  const clientKey = 16;
  const sdk = (i: number) => createCinderClient({ publicClient, walletClient: wallet(i), addresses });
  // Set-up transactions go out signed locally with a fixed gas limit and our own nonces (no estimate, no lookups):
  // the hardhat node mines each as it arrives.
  const nonces = new Map<string, number>();
  const fees = { maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n };
  const send = async (w: WalletClient<Transport, Chain | undefined, Account>, p: Parameters<typeof w.writeContract>[0]) => {
    const from = w.account.address;
    const nonce = nonces.get(from) ?? (await publicClient.getTransactionCount({ address: from, blockTag: "pending" }));
    nonces.set(from, nonce + 1);
    return w.writeContract({ ...p, chain: hardhat, gas: 2_000_000n, nonce, ...fees } as never);
  };
  const sdkTx = async <T>(i: number, action: () => Promise<T>) => {
    nonces.delete(privateKeyToAccount(localKey(i)).address);
    return action();
  };
  const chainId = await publicClient.getChainId();
  const now = async () => (await publicClient.getBlock({ cacheTime: 0 } as never)).timestamp;
  const setTime = async (t: bigint) => {
    await rpc("evm_setNextBlockTimestamp", [Number(t)]);
    await rpc("evm_mine");
  };

  // The provider: registered, N attested GPUs (quorum-signed), stake for all of them, a large SLA bond, an offer.
  const maxN = Math.max(...SIZES) + ENDING * SIZES.length;
  const p = sdk(6);
  await p.provider.register({ metadataURI: "ipfs://bench" });
  const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
  const t0 = Date.now();
  const keeperCtx = createCinderContext({ publicClient, walletClient: wallet(15), addresses });
  let last: Hex = "0x";
  const issued = await now();
  // The quorum's signatures over each attestation's EIP-712 digest, with libsecp256k1 (set-up speed only; the
  // first one is checked against viem's signer).
  const oracleKeys = LOCAL_ORACLE_ACCOUNTS.slice(0, 3).map((k) => hexToBytes(localKey(k)));
  const domain = { chainId, oracleHub: addresses.oracleHub };
  for (let i = 0; i < maxN; i++) {
    const gpuId = keccak256(toBytes(`bench-gpu:${i}`));
    const report = { configDigest, provider, gpuId, modelClass: MODEL, memoryMiB: 81_559, tier: 1, evidenceHash: keccak256(toBytes(`bench-evidence:${i}`)), issuedAt: Number(issued), expiresAt: Number(issued + 29n * 86_400n) };
    const digest = hexToBytes(ORACLE_REPORT_SIGNING.GpuAttestation.digest(domain, report));
    const signatures = oracleKeys.map((key) => {
      const { signature, recid } = secp256k1.ecdsaSign(digest, key);
      return bytesToHex(new Uint8Array([...signature, recid + 27]));
    });
    if (i === 0) {
      const viemSigned = await signOracleReport(keeperCtx, { kind: "GpuAttestation", report, signer: privateKeyToAccount(localKey(LOCAL_ORACLE_ACCOUNTS[0])), chainId });
      if (viemSigned !== signatures[0]) throw new Error("libsecp256k1 and viem disagree on the attestation signature");
    }
    last = await send(wallet(15), { address: addresses.oracleHub, abi: oracleHubAbi, functionName: "submitGpuAttestation", args: [report, signatures] } as never);
  }
  await publicClient.waitForTransactionReceipt({ hash: last });
  process.stderr.write(`attested ${maxN} GPUs in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const { requiredStake } = await p.read.provider({ provider });
  await publicClient.waitForTransactionReceipt({ hash: await send(wallet(0), { address: addresses.token, abi: cinderTokenAbi, functionName: "transfer", args: [provider, requiredStake] } as never) });
  await sdkTx(6, () => p.provider.stake({ amount: requiredStake }));
  const bond = 5_000_000n * USD;
  await publicClient.waitForTransactionReceipt({ hash: await send(wallet(6), { address: addresses.stablecoin!, abi: testStablecoinAbi, functionName: "faucet", args: [provider, bond] } as never) });
  await sdkTx(6, () => p.provider.depositBond({ amount: bond }));
  await sdkTx(6, () => p.provider.setOffer({ modelClass: MODEL, pricePerGpuHour: 2n * USD }));
  nonces.delete(provider);
  const client = privateKeyToAccount(localKey(clientKey)).address;
  await publicClient.waitForTransactionReceipt({ hash: await send(wallet(clientKey), { address: addresses.stablecoin!, abi: testStablecoinAbi, functionName: "faucet", args: [client, 5_000_000n * USD] } as never) });
  await publicClient.waitForTransactionReceipt({ hash: await send(wallet(clientKey), { address: addresses.stablecoin!, abi: testStablecoinAbi, functionName: "approve", args: [addresses.jobMarket, maxUint256] } as never) });

  // The oracle's leaf API for the reported epochs.
  const files = new Map<number, string>();
  const server = createServer((req, res) => {
    const m = /^\/v1\/epochs\/(\d+)\/leaves$/.exec(req.url ?? "");
    const body = m === null ? undefined : files.get(Number(m[1]));
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" }).end(body ?? "[]");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const oracleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The keeper's RPC calls, counted by method.
  const counts = new Map<string, number>();
  const counting: Transport = (options) => {
    const inner = http(node.url)(options);
    return { ...inner, request: (async (args: { method: string }) => {
      counts.set(args.method, (counts.get(args.method) ?? 0) + 1);
      return inner.request(args as never);
    }) as typeof inner.request };
  };
  const keeperPublic = createPublicClient({ chain: hardhat, transport: counting, pollingInterval: 20 }) as PublicClient;
  const keeperWallet = createWalletClient({ chain: hardhat, transport: counting, account: privateKeyToAccount(localKey(15)) }) as WalletClient<Transport, Chain | undefined, Account>;
  const keeper = createKeeper({ ctx: createCinderContext({ publicClient: keeperPublic, walletClient: keeperWallet, addresses }), nodes: [oracleUrl] });
  const snapshot = () => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const byMethod = Object.fromEntries([...counts].sort());
    counts.clear();
    return { total, byMethod };
  };

  const phases: unknown[] = [];
  let created = 0;
  const leaseDirect = async (duration: bigint) => {
    const hash = await send(wallet(clientKey), { address: addresses.jobMarket, abi: jobMarketAbi, functionName: "createDirectLease", args: [provider, MODEL, 1, Number(duration), Number(2n * USD), 0] } as never);
    created++;
    return hash;
  };
  for (const size of SIZES) {
    // Open leases up to `size - ENDING`, then 100 that end within the next epoch.
    const t1 = Date.now();
    let hash: Hex = "0x";
    while (created < size - ENDING) hash = await leaseDirect(2n * 24n * HOUR);
    const e = (await now()) / HOUR + 1n;
    await setTime(e * HOUR + 1n);
    const ending: bigint[] = [];
    for (let i = 0; i < ENDING; i++) {
      hash = await leaseDirect(HOUR);
      ending.push((await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" })));
    }
    await publicClient.waitForTransactionReceipt({ hash });
    const open = await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "leaseCount" });
    process.stderr.write(`N=${size}: ${open} leases in ${((Date.now() - t1) / 1000).toFixed(0)} s\n`);

    // The keeper catches up first (not part of the epoch's figures): from block 0 in the first phase, then the blocks since.
    const c0 = Date.now();
    await keeper.runOnce();
    const catchUp = { ...snapshot(), seconds: (Date.now() - c0) / 1000 };

    // The epoch: the 100 leases end; the quorum reports epochs e and e + 1 (leaves for the ending leases).
    for (const epoch of [e, e + 1n]) {
      await setTime((epoch + 1n) * HOUR + 5n);
      const tree = buildTree(ending.map((leaseId) => ({ kind: "uptime" as const, leaseId, epoch: Number(epoch), secondsUp: epoch === e ? 3_000 : 0, secondsObserved: 3_540 })));
      const json = serializeLeafFile({ chainId, oracleHub: addresses.oracleHub, epoch: Number(epoch), tree });
      files.set(Number(epoch), json);
      const report = { configDigest, epoch, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
      const signatures = await Promise.all(LOCAL_ORACLE_ACCOUNTS.slice(0, 3).map((k) => signOracleReport(keeperCtx, { kind: "EpochReport", report, signer: privateKeyToAccount(localKey(k)), chainId })));
      await sdk(14).keeper.submitReport({ kind: "EpochReport", report, signatures });
    }
    snapshot();
    const gasByKind: Record<string, { actions: number; transactions: number; gas: string; gasPerAction: string }> = {};
    let passes = 0;
    let transactions = 0;
    let gas = 0n;
    const p0 = Date.now();
    for (;;) {
      const pass = await keeper.runOnce();
      passes++;
      const work = pass.outcomes.filter((o) => o.outcome === "done" || o.outcome === "already-done");
      for (const o of work) {
        const g = (gasByKind[o.action.kind] ??= { actions: 0, transactions: 0, gas: "0", gasPerAction: "0" });
        g.actions++;
        g.transactions += o.transactions;
        g.gas = (BigInt(g.gas) + o.gasUsed).toString();
        g.gasPerAction = (BigInt(g.gas) / BigInt(g.actions)).toString();
        transactions += o.transactions;
        gas += o.gasUsed;
      }
      const failed = pass.outcomes.filter((o) => o.outcome === "failed");
      if (failed.length > 0) process.stderr.write(`failed: ${failed.map((f) => `${f.action.key} ${f.detail}`).join("; ")}\n`);
      if (work.length === 0 || passes > 5) break;
    }
    const epochRpc = snapshot();
    await keeper.runOnce();
    const idlePass = snapshot();
    const settled = await publicClient.getContractEvents({ address: addresses.slaBondManager, abi: slaBondManagerAbi, eventName: "SlaSettled", fromBlock: 0n });
    phases.push({
      leases: Number(open),
      ending: ENDING,
      settledSoFar: settled.length,
      epoch: { passes, rpcCalls: epochRpc.total, rpcByMethod: epochRpc.byMethod, transactions, gas: gas.toString(), gasByKind, seconds: (Date.now() - p0) / 1000 },
      idlePassRpcCalls: idlePass.total,
      catchUp,
    });
    process.stderr.write(`N=${open}: epoch ${epochRpc.total} RPC calls, ${transactions} tx, ${gas} gas over ${passes} passes; idle pass ${idlePass.total} calls\n`);
  }
  server.close();
  const results = {
    description: "One epoch of keeping (from the epoch's end to the pass that finds nothing left) for N leases of which 100 end in it, counted by wrapping the keeper's RPC transport, with a keeper that has caught up. catchUp is the keeper's pass before the epoch: it reads every block since its previous pass (phase 1: the whole history from block 0, 10,200 GPU attestations and 1,000 leases; phase 2: the 9,000 leases added since, in the log ranges the node accepts). idlePassRpcCalls: a pass with nothing due.",
    date: new Date().toISOString().slice(0, 10),
    phases,
  };
  mkdirSync(new URL("results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("results/keeper.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await node.stop();
  const { rmSync } = await import("node:fs");
  rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
}
