/**
 * The keeper against a real `hardhat node` this file starts (one node, one deployment, one seeded provider): the due
 * queries (each kind due at the right time and not before), the keeper doing every step itself (SLA settlement with
 * leaves from an oracle node's leaf API, a quorum-signed fault from the nodes' fault API proposed, executed after the
 * veto window, its slash burned; an expired dispute; an expired attestation pruned; the epoch closed), two keepers
 * side by side doing each step once (counted by events), a keeper killed and restarted completing what was due,
 * dry-run sending nothing, and one-line configuration errors; ended leases closed (their GPUs leased again), SLA
 * locks nobody could settle released, the buyback on the deployment's Uniswap V2 pair.
 *
 * Then, on a real `cinder node` process (its own keeper #15 and oracle nodes): `cinder provider fail --kind
 * challenge` and the clock alone end in an executed slash (the nodes prove the GPU's answers wrong and sign the
 * fault; the keeper submits it, proposes the slash and executes it after the veto window).
 */
import { expect } from "chai";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, type Hex, type PublicClient, createPublicClient, createWalletClient, getAddress, http, keccak256, parseAbi, parseEventLogs, toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat, mainnet } from "viem/chains";
import { buildTree, contentHash, serializeLeafFile } from "../../src/protocol/leaves.js";
import { type HardhatNode, deployLocal, faucet, localKey, seedProvider, startHardhatNode } from "../../src/cli/local.js";
import {
  type CinderAddresses,
  type CinderContext,
  type FaultReport,
  createCinderClient,
  createCinderContext,
  createDueTracker,
  CinderOracleError,
  fetchLeafFile,
  disputeManagerAbi,
  emissionControllerAbi,
  buybackBurnerAbi,
  cinderTokenAbi,
  FaultKind,
  isCinderContractError,
  JobKind,
  jobMarketAbi,
  modelClassId,
  oracleHubAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  slashingManagerAbi,
  stakingVaultAbi,
} from "../../src/sdk/node.js";
import { createKeeper, KeeperConfigError } from "../../src/keeper/index.js";
import { waitFor } from "../helpers/integration.js";

const PORT = 22000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `integration-keeper-${PORT}`;
const USD = 1_000_000n;
const HOUR = 3_600n;

describe("Keeper", function () {
  this.timeout(300_000);
  let node: HardhatNode | undefined;
  let addresses: CinderAddresses;
  let publicClient: PublicClient;
  let provider: Address;
  let gpuIds: Hex[];
  let oracleUrl: string;
  let server: Server | undefined;
  const files = new Map<number, string>();
  const faults: { report: FaultReport; signatures: Hex[] }[] = [];
  /** The lease the closing test lets again once the GPUs are free (the release test's lease). */
  let relet: bigint | undefined;

  const ctxFor = (i: number): CinderContext =>
    createCinderContext({ publicClient, walletClient: createWalletClient({ chain: hardhat, transport: http(node!.url), account: privateKeyToAccount(localKey(i)) }), addresses });
  const clientFor = (i: number) => createCinderClient({ publicClient, walletClient: createWalletClient({ chain: hardhat, transport: http(node!.url), account: privateKeyToAccount(localKey(i)) }), addresses });
  const rpc = async (method: string, params: unknown[] = []) =>
    (await fetch(node!.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json();
  const now = async () => (await publicClient.getBlock()).timestamp;
  const setTime = async (t: bigint) => {
    await rpc("evm_setNextBlockTimestamp", [Number(t)]);
    await rpc("evm_mine");
  };
  const events = async (address: Address, abi: readonly unknown[], eventName: string) =>
    parseEventLogs({ abi: abi as never, eventName: eventName as never, logs: await publicClient.getLogs({ address, fromBlock: 0n }) }) as unknown as { args: Record<string, unknown> }[];
  const nonce = (i: number) => publicClient.getTransactionCount({ address: privateKeyToAccount(localKey(i)).address });
  const quorumSign = async <K extends "EpochReport" | "FaultReport">(kind: K, report: never) => {
    const chainId = await publicClient.getChainId();
    return Promise.all([10, 11, 12].map((i) => clientFor(15).keeper.signReport({ kind, report, signer: privateKeyToAccount(localKey(i)), chainId })));
  };
  /** The oracle quorum reports an epoch: a leaf per lease (what the nodes do; not a keeper step). */
  const reportEpoch = async (epoch: number, leaves: { leaseId: bigint; secondsUp: number; secondsObserved: number }[]) => {
    const chainId = await publicClient.getChainId();
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const tree = buildTree(leaves.map((l) => ({ kind: "uptime" as const, epoch, ...l })));
    const json = serializeLeafFile({ chainId, oracleHub: addresses.oracleHub, epoch, tree });
    files.set(epoch, json);
    const report = { configDigest, epoch: BigInt(epoch), root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(json) };
    await clientFor(14).keeper.submitReport({ kind: "EpochReport", report, signatures: await quorumSign("EpochReport", report as never) });
  };

  before(async function () {
    node = await startHardhatNode({ port: PORT });
    addresses = await deployLocal({ url: node.url, deploymentId: ID });
    publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 50 });
    ({ provider, gpuIds } = await seedProvider({ url: node.url, addresses, key: localKey(6), gpus: 4 }));
    await faucet({ url: node.url, addresses, to: privateKeyToAccount(localKey(16)).address, amount: 10_000n * USD });
    // A stand-in for the oracle nodes' public GET API: the leaf files of reported epochs and the quorum-signed faults.
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      // Under /tampered/: the same leaves re-serialized (same root, other bytes), which the report's content hash refuses.
      const m = /^(\/tampered)?\/v1\/epochs\/(\d+)\/leaves$/.exec(url.pathname);
      const file = m === null ? undefined : files.get(Number(m[2]));
      const body = m !== null ? (file !== undefined && m[1] !== undefined ? JSON.stringify(JSON.parse(file), null, 1) : file) : url.pathname === "/v1/faults" ? JSON.stringify(faults, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : undefined;
      res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" }).end(body ?? '{"error":{"code":"NOT_FOUND"}}');
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    oracleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server?.close();
    await node?.stop();
    const { rmSync } = await import("node:fs");
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("lists an SLA settlement as due only once the lease ended and its last epoch is reported, and dry-run sends nothing", async function () {
    const e = (await now()) / HOUR + 1n;
    await setTime(e * HOUR + 60n);
    const { leaseId } = await clientFor(16).leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD });
    const tracker = createDueTracker(ctxFor(15));
    const settleKeys = async () => (await tracker.due()).actions.filter((a) => a.kind === "settle-sla").map((a) => a.key);
    const before = await tracker.due();
    expect(before.actions.filter((a) => a.kind === "settle-sla")).to.deep.equal([]);
    expect(before.next).to.not.equal(undefined);
    await setTime((e + 1n) * HOUR + 5n);
    await reportEpoch(Number(e), [{ leaseId, secondsUp: 3_000, secondsObserved: 3_540 }]);
    expect(await settleKeys()).to.deep.equal([]); // ended? no: it ends at e*H + 60 + H
    await setTime((e + 2n) * HOUR + 5n);
    expect(await settleKeys()).to.deep.equal([]); // ended, but epoch e+1 is still reportable and not reported
    await reportEpoch(Number(e) + 1, [{ leaseId, secondsUp: 0, secondsObserved: 60 }]);
    expect(await settleKeys()).to.deep.equal([`settle-sla:${leaseId}`]);

    // A node serving the epoch's leaves re-serialized (same root) is refused by the report's content hash.
    const reported = await publicClient.getContractEvents({ address: addresses.oracleHub, abi: oracleHubAbi, eventName: "EpochReported", args: { epoch: e }, fromBlock: 0n });
    const tampered = await fetchLeafFile(ctxFor(15), { nodes: [`${oracleUrl}/tampered`], epoch: Number(e), contentHash: reported[0].args.contentHash }).catch((x: unknown) => x);
    expect((tampered as CinderOracleError).details).to.match(/content hash 0x[0-9a-f]{64} differs from the report's 0x[0-9a-f]{64}$/);
    expect((await fetchLeafFile(ctxFor(15), { nodes: [`${oracleUrl}/tampered`, oracleUrl], epoch: Number(e), contentHash: reported[0].args.contentHash })).tree.root).to.equal(
      await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "epochRoot", args: [e] }),
    );

    const dry = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl], dryRun: true });
    const sent = await nonce(15);
    const pass = await dry.runOnce();
    expect(pass.outcomes.map((o) => o.outcome).every((o) => o === "listed")).to.equal(true);
    expect(pass.outcomes.map((o) => o.action.key)).to.include(`settle-sla:${leaseId}`);
    expect(await nonce(15)).to.equal(sent);
    expect(await events(addresses.slaBondManager, slaBondManagerAbi, "SlaSettled")).to.have.length(0);
  });

  it("two keepers side by side settle the SLA and close the epoch once each, crediting the client, past a node serving tampered leaves", async function () {
    const client = privateKeyToAccount(localKey(16)).address;
    const balance = () => clientFor(16).read.balances({ account: client });
    const before = await balance();
    // Each keeper asks a node serving tampered files first: the honest one is enough.
    const a = createKeeper({ ctx: ctxFor(14), nodes: [`${oracleUrl}/tampered`, oracleUrl] });
    const b = createKeeper({ ctx: ctxFor(15), nodes: [`${oracleUrl}/tampered`, oracleUrl] });
    const [pa, pb] = await Promise.all([a.runOnce(), b.runOnce()]);
    const settled = await events(addresses.slaBondManager, slaBondManagerAbi, "SlaSettled");
    expect(settled).to.have.length(1);
    const outcomes = [...pa.outcomes, ...pb.outcomes].filter((o) => o.action.kind === "settle-sla").map((o) => o.outcome).sort();
    expect(outcomes).to.deep.equal(["already-done", "done"]);
    // 3,000 up of 3,600 observed (83%): below 95%, the Standard tier's 100% credit of the 2 USD charge.
    expect((await balance()).marketCredit - before.marketCredit).to.equal(2n * USD);
    const closes = (await events(addresses.emissionController, emissionControllerAbi, "EpochClosed")).map((x) => x.args.epoch);
    expect(new Set(closes).size).to.equal(closes.length);
    expect(closes.length).to.be.greaterThan(0);
    // Nothing of those kinds is left, and a further pass sends nothing for them.
    const again = await a.runOnce();
    expect(again.outcomes.filter((o) => o.action.kind === "settle-sla" || o.action.kind === "close-epoch")).to.deep.equal([]);
  });

  it("a keeper killed with a step due and restarted (a new process, no local state) completes it", async function () {
    const { leaseId } = await clientFor(16).leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD });
    const lease = await clientFor(16).read.lease({ leaseId });
    const last = (BigInt(lease.end) + HOUR - 1n) / HOUR - 1n;
    for (let e = BigInt(lease.start) / HOUR; e <= last; e++) {
      await setTime((e + 1n) * HOUR + 5n);
      await reportEpoch(Number(e), [{ leaseId, secondsUp: 1_800, secondsObserved: 1_800 }]);
    }
    const first = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl], dryRun: true });
    expect((await first.runOnce()).outcomes.map((o) => o.action.key)).to.include(`settle-sla:${leaseId}`);
    // "Killed": dropped without acting. Its replacement starts from block 0 with an empty index.
    const restarted = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    const pass = await restarted.runOnce();
    expect(pass.outcomes.find((o) => o.action.key === `settle-sla:${leaseId}`)?.outcome).to.equal("done");
    const settled = (await events(addresses.slaBondManager, slaBondManagerAbi, "SlaSettled")).filter((x) => x.args.leaseId === leaseId);
    expect(settled).to.have.length(1);
    expect(settled[0].args.fromStream).to.equal(0n); // full uptime: no credit
  });

  it("closes an ended lease once with two keepers side by side, after its SLA settlement, and its GPUs can be leased again", async function () {
    const model = modelClassId("H100-80GB");
    const free = () => publicClient.readContract({ address: addresses.registry, abi: providerRegistryAbi, functionName: "freeCapacity", args: [provider, model] });
    const closeKeys = async (tracker: ReturnType<typeof createDueTracker>) => (await tracker.due()).actions.filter((x) => x.kind === "close-lease").map((x) => x.key);
    // Earlier tests' leases ended and the keepers there closed them: every GPU is free.
    expect(await free()).to.equal(BigInt(gpuIds.length));
    const { leaseId } = await clientFor(16).leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: gpuIds.length, duration: HOUR, maxPricePerGpuHour: 2n * USD });
    const lease = await clientFor(16).read.lease({ leaseId });
    expect(await free()).to.equal(0n);
    const tracker = createDueTracker(ctxFor(15));
    const first = BigInt(lease.start) / HOUR;
    const last = (BigInt(lease.end) + HOUR - 1n) / HOUR - 1n;
    for (let e = first; e < last; e++) {
      await setTime((e + 1n) * HOUR + 5n);
      await reportEpoch(Number(e), [{ leaseId, secondsUp: 3_600, secondsObserved: 3_600 }]);
    }
    await setTime(BigInt(lease.end) - 2n);
    expect(await closeKeys(tracker)).to.deep.equal([]);
    // Ended but not closed: its GPUs stay committed and the provider cannot be leased. Its SLA is not settled yet
    // (its last epoch is not reported), and what the lease holds pays the credit first: not closed before it.
    await setTime(BigInt(lease.end));
    expect(await closeKeys(tracker)).to.deep.equal([]);
    const refused = await clientFor(16).leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD }).catch((e: unknown) => e);
    expect(isCinderContractError(refused) && refused.errorName).to.equal("ProviderRegistryInsufficientCapacity");
    await setTime((last + 1n) * HOUR + 5n);
    await reportEpoch(Number(last), [{ leaseId, secondsUp: 3_600, secondsObserved: 3_600 }]);
    expect(await closeKeys(tracker)).to.deep.equal([`close-lease:${leaseId}`]);
    const a = createKeeper({ ctx: ctxFor(14), nodes: [oracleUrl] });
    const b = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    const [pa, pb] = await Promise.all([a.runOnce(), b.runOnce()]);
    const outcomes = (key: string) => [...pa.outcomes, ...pb.outcomes].filter((o) => o.action.key === key).map((o) => o.outcome).sort();
    expect(outcomes(`settle-sla:${leaseId}`)).to.deep.equal(["already-done", "done"]);
    expect(outcomes(`close-lease:${leaseId}`)).to.deep.equal(["already-done", "done"]);
    expect((await events(addresses.slaBondManager, slaBondManagerAbi, "SlaSettled")).filter((x) => x.args.leaseId === leaseId)).to.have.length(1);
    expect((await events(addresses.jobMarket, jobMarketAbi, "LeaseClosed")).filter((x) => x.args.leaseId === leaseId)).to.have.length(1);
    expect((await clientFor(16).read.lease({ leaseId })).statusName).to.equal("Closed");
    expect(await free()).to.equal(BigInt(gpuIds.length));
    const { leaseId: next } = await clientFor(16).leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: gpuIds.length, duration: HOUR, maxPricePerGpuHour: 2n * USD });
    expect(await free()).to.equal(0n);
    relet = next;
    expect((await a.runOnce()).outcomes.filter((o) => o.action.kind === "close-lease")).to.deep.equal([]);
  });

  it("releases an SLA lock nobody could settle (no node serves its leaves) once its claim window ends, and not before", async function () {
    const sla = (fn: "freeBond", who: Address) => publicClient.readContract({ address: addresses.slaBondManager, abi: slaBondManagerAbi, functionName: fn, args: [who] });
    // The lease the previous test created: report its epochs, then withhold their leaf files from the node.
    const leaseId = relet!;
    const lease = await clientFor(16).read.lease({ leaseId });
    const first = BigInt(lease.start) / HOUR;
    const last = (BigInt(lease.end) + HOUR - 1n) / HOUR - 1n;
    for (let e = first; e <= last; e++) {
      await setTime((e + 1n) * HOUR + 5n);
      await reportEpoch(Number(e), [{ leaseId, secondsUp: 1_000, secondsObserved: 3_000 }]);
      files.delete(Number(e));
    }
    const lateWindow = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "LATE_WINDOW_EPOCHS" });
    const releasableAt = await publicClient.readContract({ address: addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "releasableAt", args: [leaseId] });
    expect(releasableAt).to.equal((last + 1n + lateWindow + 1n) * HOUR);
    const keeper = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    const tracker = createDueTracker(ctxFor(15));
    // Before the claim window ends (the pass's own transactions move the clock a little): the keeper tries to settle,
    // fails for want of leaves, and neither releases the lock nor closes the lease.
    await setTime(releasableAt - 600n);
    const settleOnly = await keeper.runOnce();
    expect(settleOnly.outcomes.filter((o) => "leaseId" in o.action && o.action.leaseId === leaseId).map((o) => [o.action.kind, o.outcome])).to.deep.equal([["settle-sla", "failed"]]);
    expect((await tracker.due()).actions.filter((o) => o.kind === "release-sla-bond")).to.deep.equal([]);
    await setTime(releasableAt);
    const freeBefore = await sla("freeBond", provider);
    const pass = await keeper.runOnce();
    expect(pass.outcomes.find((o) => o.action.key === `settle-sla:${leaseId}`)?.outcome).to.equal("failed");
    expect(pass.outcomes.find((o) => o.action.key === `release-sla-bond:${leaseId}`)?.outcome).to.equal("done");
    const released = (await events(addresses.slaBondManager, slaBondManagerAbi, "BondReleased")).filter((x) => x.args.leaseId === leaseId);
    expect(released).to.have.length(1);
    expect((released[0].args.lock as bigint) > 0n).to.equal(true);
    expect((await sla("freeBond", provider)) - freeBefore).to.equal(released[0].args.lock);
    // Released, the lease is closed in the same pass: its GPUs are free again.
    expect(pass.outcomes.find((o) => o.action.key === `close-lease:${leaseId}`)?.outcome).to.equal("done");
    const again = await keeper.runOnce();
    expect(again.outcomes.filter((o) => "leaseId" in o.action && o.action.leaseId === leaseId)).to.deep.equal([]);
  });

  it("runs the buyback on the deployment's Uniswap V2 pair once its TWAP window allows and not before, once with two keepers side by side", async function () {
    const burner = addresses.buybackBurner;
    const [params, pair] = await Promise.all([
      publicClient.readContract({ address: burner, abi: buybackBurnerAbi, functionName: "params" }),
      publicClient.readContract({ address: burner, abi: buybackBurnerAbi, functionName: "PAIR" }),
    ]);
    const pairAbi = parseAbi(["function getReserves() view returns (uint112, uint112, uint32)", "function token0() view returns (address)"]);
    const reserves = async () => {
      const [[r0, r1], token0] = await Promise.all([publicClient.readContract({ address: pair, abi: pairAbi, functionName: "getReserves" }), publicClient.readContract({ address: pair, abi: pairAbi, functionName: "token0" })]);
      return token0 === addresses.token ? { cndr: r0, usd: r1 } : { cndr: r1, usd: r0 };
    };
    const supply = () => publicClient.readContract({ address: addresses.token, abi: cinderTokenAbi, functionName: "totalSupply" });
    const buybacks = async () => (await events(burner, buybackBurnerAbi, "BuybackExecuted")).length;
    // Any TWAP sample an earlier pass took is stale by now; fees to spend arrive in the burner.
    await setTime((await now()) + 2n * BigInt(params.maxAge));
    await faucet({ url: node!.url, addresses, to: burner, amount: 1_000n * USD });
    const executedBefore = await buybacks();
    const a = createKeeper({ ctx: ctxFor(14), nodes: [oracleUrl] });
    const b = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    // Due to take a fresh sample: the keeper samples and waits out the window.
    const sampled = (await a.runOnce()).outcomes.find((o) => o.action.kind === "buyback");
    expect(sampled?.outcome).to.equal("waiting");
    expect(await buybacks()).to.equal(executedBefore);
    const [, newer] = await publicClient.readContract({ address: burner, abi: buybackBurnerAbi, functionName: "observations" });
    const readyAt = BigInt(newer.timestamp) + BigInt(params.minWindow);
    const tracker = createDueTracker(ctxFor(15));
    await setTime(readyAt - 2n);
    const early = await tracker.due();
    expect(early.actions.filter((x) => x.kind === "buyback")).to.deep.equal([]);
    expect((await b.runOnce()).outcomes.filter((o) => o.action.kind === "buyback")).to.deep.equal([]);
    expect(await buybacks()).to.equal(executedBefore);
    await setTime(readyAt);
    expect((await tracker.due()).actions.map((x) => x.key)).to.include("buyback");
    const [supplyBefore, reservesBefore] = [await supply(), await reserves()];
    const [pa, pb] = await Promise.all([a.runOnce(), b.runOnce()]);
    const executed = (await events(burner, buybackBurnerAbi, "BuybackExecuted")).slice(executedBefore);
    expect(executed).to.have.length(1);
    const { amountIn, cndrOut, burned } = executed[0].args as { amountIn: bigint; cndrOut: bigint; burned: bigint };
    expect(amountIn >= 1_000n * USD).to.equal(true);
    expect(burned).to.equal(cndrOut);
    expect(supplyBefore - (await supply())).to.equal(burned);
    const reservesAfter = await reserves();
    expect(reservesAfter.usd - reservesBefore.usd).to.equal(amountIn);
    expect(reservesBefore.cndr - reservesAfter.cndr).to.equal(cndrOut);
    const outcomes = [...pa.outcomes, ...pb.outcomes].filter((o) => o.action.kind === "buyback");
    expect(outcomes.map((o) => o.outcome).sort()).to.deep.equal(["already-done", "done"]);
    expect(outcomes.find((o) => o.outcome === "done")?.detail).to.equal(`bought back and burned ${burned}`);
    // Spent: nothing is due until more fees arrive.
    expect((await tracker.due()).actions.filter((x) => x.kind === "buyback")).to.deep.equal([]);
  });

  it("expires a dispute past its arbitration deadline and prunes expired attestations, recording gas and lag in its metrics", async function () {
    const client = clientFor(16);
    const { leaseId } = await client.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: HOUR, maxPricePerGpuHour: 2n * USD, kind: JobKind.Batch });
    await client.disputes.postJobSpec({ leaseId, specHash: keccak256(toBytes("spec")), uri: "ipfs://spec" });
    await clientFor(6).provider.submitResult({ leaseId, resultHash: keccak256(toBytes("result")), uri: "ipfs://result" });
    await client.disputes.open({ leaseId });
    const [opened] = (await events(addresses.disputeManager, disputeManagerAbi, "DisputeOpened")).filter((x) => x.args.leaseId === leaseId);
    const deadline = opened.args.arbitrationDeadline as bigint;
    const tracker = createDueTracker(ctxFor(15));
    await setTime(deadline - 2n);
    expect((await tracker.due()).actions.filter((x) => x.kind === "expire-dispute")).to.deep.equal([]);
    await setTime(deadline + 1n);
    const keeper = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    const pass = await keeper.runOnce();
    expect(pass.outcomes.find((o) => o.action.key === `expire-dispute:${leaseId}`)?.outcome).to.equal("done");
    expect((await events(addresses.disputeManager, disputeManagerAbi, "DisputeExpired")).map((x) => x.args.leaseId)).to.deep.equal([leaseId]);
    // The attestations (30 days) expire: the keeper prunes them from the capacity counts.
    await setTime((await now()) + 31n * 86_400n);
    const pruned = await keeper.runOnce();
    expect(pruned.outcomes.find((o) => o.action.key === `prune-attestations:${provider}`)?.outcome).to.equal("done");
    const removed = (await events(addresses.registry, providerRegistryAbi, "GpuRemoved")).filter((x) => x.args.provider === provider && x.args.expired === true);
    expect(removed.map((x) => x.args.gpuId).sort()).to.deep.equal([...gpuIds].sort());
    const metrics = await keeper.metrics.registry.metrics();
    expect(metrics).to.match(/cinder_keeper_actions_total\{kind="expire-dispute",outcome="done"\} 1/);
    expect(metrics).to.match(/cinder_keeper_gas_used_total\{kind="prune-attestations"\} [1-9]\d*/);
    expect(metrics).to.match(/cinder_keeper_lag_seconds\{kind="expire-dispute"\} \d+/);
  });

  it("proposes a quorum-signed fault from the nodes' fault API, executes it only after the veto window, and burns the slash", async function () {
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const epoch = (await now()) / HOUR;
    const report: FaultReport = {
      configDigest,
      provider,
      faultType: FaultKind.FailedGpuChallenge,
      subject: gpuIds[0],
      epoch,
      evidenceHash: keccak256(toBytes(`cinder/fault/v1:failed-gpu-challenge:${provider}:${gpuIds[0]}:keeper-test`)),
    };
    faults.push({ report, signatures: await quorumSign("FaultReport", report as never) });
    const a = createKeeper({ ctx: ctxFor(14), nodes: [oracleUrl] });
    const b = createKeeper({ ctx: ctxFor(15), nodes: [oracleUrl] });
    await Promise.all([a.runOnce(), b.runOnce()]);
    const proposed = await events(addresses.slashingManager, slashingManagerAbi, "SlashProposed");
    expect(proposed).to.have.length(1);
    expect(await events(addresses.oracleHub, oracleHubAbi, "FaultReportAccepted")).to.have.length(1);
    const executableAt = proposed[0].args.executableAt as bigint;
    // Within the veto window: not due, and the next due time is the window's end.
    const tracker = createDueTracker(ctxFor(15));
    const waiting = await tracker.due();
    expect(waiting.actions.filter((x) => x.kind === "execute-slash")).to.deep.equal([]);
    await setTime(executableAt - 1n);
    expect((await tracker.due()).actions.filter((x) => x.kind === "execute-slash")).to.deep.equal([]);
    await setTime(executableAt);
    expect((await tracker.due()).actions.map((x) => x.key)).to.include(`execute-slash:${proposed[0].args.id as string}`);
    await Promise.all([a.runOnce(), b.runOnce()]);
    const executed = await events(addresses.slashingManager, slashingManagerAbi, "SlashExecuted");
    expect(executed).to.have.length(1);
    expect(executed[0].args.id).to.equal(proposed[0].args.id);
    expect(executed[0].args.burned as bigint).to.be.greaterThan(0n);
    // The execution left slashed CNDR in the vault: the next passes burn it, once.
    await Promise.all([a.runOnce(), b.runOnce()]);
    const burned = await events(addresses.slashingManager, slashingManagerAbi, "SlashedBurned");
    expect(burned.map((x) => x.args.amount)).to.deep.equal([executed[0].args.burned]);
    const [toBurn] = await publicClient.readContract({ address: addresses.vault, abi: stakingVaultAbi, functionName: "slashedHeld" });
    expect(toBurn).to.equal(0n);
  });

  it("cinder keeper run: --dry-run --once --json lists what is due and sends nothing; a missing key is one line", async function () {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const clean = { ...process.env };
        delete clean.CINDER_PRIVATE_KEY;
        execFile("node", ["bin/cinder.js", "--rpc", node!.url, "--deployment", ID, ...args], { env: { ...clean, ...env } }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
        );
      });
    await setTime((await now()) + 2n * HOUR);
    const sent = await nonce(15);
    const dry = await cli(["keeper", "run", "--dry-run", "--once", "--json"]);
    expect(dry.code).to.equal(0);
    const listed = JSON.parse(dry.stdout) as { dryRun: boolean; outcomes: { kind: string; outcome: string }[] };
    expect(listed.dryRun).to.equal(true);
    expect(listed.outcomes.map((o) => o.kind)).to.include("close-epoch");
    expect(listed.outcomes.every((o) => o.outcome === "listed")).to.equal(true);
    expect(await nonce(15)).to.equal(sent);
    const noKey = await cli(["keeper", "run", "--once"]);
    expect(noKey.code).to.equal(1);
    expect(noKey.stderr.trim()).to.equal("error: NO_KEY: the keeper sends transactions: set CINDER_PRIVATE_KEY or --key-file (or use --dry-run)");
    const ran = await cli(["keeper", "run", "--once", "--json"], { CINDER_PRIVATE_KEY: localKey(15) });
    expect(ran.code).to.equal(0);
    const done = JSON.parse(ran.stdout) as { outcomes: { kind: string; outcome: string }[] };
    const closes = done.outcomes.filter((o) => o.kind === "close-epoch").map((o) => o.outcome);
    expect(closes.length).to.be.greaterThan(0);
    expect(closes.every((o) => o === "done")).to.equal(true);
  });

  it("catches up over log ranges the node refuses as too large by halving them, to the same answer", async function () {
    let refused = 0;
    const limited = new Proxy(publicClient, {
      get(target, prop, receiver) {
        if (prop !== "getLogs") return Reflect.get(target, prop, receiver) as unknown;
        return async (args: { fromBlock: bigint; toBlock: bigint }) => {
          if (args.toBlock - args.fromBlock >= 8n) {
            refused++;
            throw new Error("query returned more than 10000 results");
          }
          return target.getLogs(args as never);
        };
      },
    }) as PublicClient;
    const small = createDueTracker(createCinderContext({ publicClient: limited, addresses }), { maxBlockRange: 64n });
    const full = createDueTracker(createCinderContext({ publicClient, addresses }));
    const [a, b] = [await small.due(), await full.due()];
    expect(refused).to.be.greaterThan(0);
    expect(small.cursor).to.equal(full.cursor);
    expect(a.actions.map((x) => x.key)).to.deep.equal(b.actions.map((x) => x.key));
    expect(a.next).to.deep.equal(b.next);
  });

  it("refuses to start with one line naming the problem: no key, no funds for gas, the wrong chain, no deployment", async function () {
    const readOnly = createCinderContext({ publicClient, addresses });
    const noKey = await createKeeper({ ctx: readOnly }).checkSetup().catch((e: unknown) => e);
    expect(noKey).to.be.instanceOf(KeeperConfigError);
    expect((noKey as KeeperConfigError).message).to.equal("NO_KEY: the keeper sends transactions: set CINDER_PRIVATE_KEY or --key-file (or use --dry-run)");
    const poor = privateKeyToAccount(generatePrivateKey());
    const noFunds = await createKeeper({ ctx: createCinderContext({ publicClient, addresses, walletClient: createWalletClient({ chain: hardhat, transport: http(node!.url), account: poor }) }) })
      .checkSetup()
      .catch((e: unknown) => e);
    expect((noFunds as KeeperConfigError).message).to.equal(`NO_FUNDS: the keeper account ${poor.address} holds no ETH for gas on chain 31337`);
    const wrongChain = await createKeeper({ ctx: createCinderContext({ publicClient, addresses, walletClient: createWalletClient({ chain: mainnet, transport: http(node!.url), account: privateKeyToAccount(localKey(15)) }) }) })
      .checkSetup()
      .catch((e: unknown) => e);
    expect((wrongChain as KeeperConfigError).message).to.equal("WRONG_CHAIN: the key's wallet is for chain 1 but the RPC serves chain 31337");
    const nowhere = "0x000000000000000000000000000000000000dEaD";
    const noDeployment = await createKeeper({ ctx: createCinderContext({ publicClient, addresses: { ...addresses, oracleHub: nowhere } }), dryRun: true })
      .checkSetup()
      .catch((e: unknown) => e);
    expect((noDeployment as KeeperConfigError).message).to.equal(`NO_DEPLOYMENT: no Cinder deployment on chain 31337: OracleHub ${nowhere} has no code (wrong --rpc or --deployment?)`);
    expect(await createKeeper({ ctx: ctxFor(15) }).checkSetup()).to.equal(undefined);
  });
});

describe("Keeper on cinder node: a GPU that answers its challenges wrong is slashed with no command but the fault and the clock", function () {
  this.timeout(600_000);
  // The same ports as the hardhat node above, stopped by now (mocha runs the describes in turn); the oracle nodes
  // listen on the next four, inside this file's range.
  const url = `http://127.0.0.1:${PORT}`;
  const id = `keeper-fault-${PORT}`;
  const home = mkdtempSync(join(tmpdir(), "cinder-keeper-fault-"));
  const keeper = privateKeyToAccount(localKey(15)).address;
  let node: ChildProcess | undefined;
  let addresses: { oracleHub: Address; slashingManager: Address };
  let provider: Address;
  let oracleNodes: string[];
  const publicClient = createPublicClient({ chain: hardhat, transport: http(url), pollingInterval: 200 });

  const cinder = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const clean = { ...process.env };
      delete clean.CINDER_PRIVATE_KEY;
      delete clean.CINDER_DEPLOYMENT_ID;
      execFile("node", ["bin/cinder.js", "--rpc", url, "--deployment", id, ...args, "--json"], { env: { ...clean, CINDER_HOME: home } }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
      );
    });
  const step = async <T>(args: string[]): Promise<T> => {
    const r = await cinder(args);
    expect(r.code, `cinder ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as T;
  };
  const logs = (address: Address, abi: readonly unknown[], eventName: string) =>
    publicClient.getContractEvents({ address, abi: abi as never, eventName: eventName as never, fromBlock: 0n }) as unknown as Promise<{ args: Record<string, unknown>; transactionHash: Hex }[]>;
  const sender = async (hash: Hex) => getAddress((await publicClient.getTransaction({ hash })).from);

  before(async function () {
    node = spawn("node", ["bin/cinder.js", "node", "--port", String(PORT), "--providers", "1", "--gpus", "2", "--deployment", id, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CINDER_HOME: home },
    });
    let out = "";
    let progress = "";
    node.stderr!.on("data", (d: Buffer) => (progress += d.toString()));
    const summary = await new Promise<{ addresses: typeof addresses; providers: { address: Address }[]; oracleNodes: string[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cinder node printed no summary in 300 s:\n${out}\n${progress}`)), 300_000);
      node!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        try {
          const parsed = JSON.parse(out) as { addresses: typeof addresses; providers: { address: Address }[]; oracleNodes: string[] };
          clearTimeout(timer);
          resolve(parsed);
        } catch {
          // not complete yet
        }
      });
      node!.once("exit", (code) => reject(new Error(`cinder node exited with ${code}:\n${out}\n${progress}`)));
    });
    addresses = summary.addresses;
    provider = getAddress(summary.providers[0].address);
    oracleNodes = summary.oracleNodes;
  });

  after(async function () {
    if (node !== undefined && node.exitCode === null) {
      const exited = new Promise((resolve) => node!.once("exit", resolve));
      node.kill("SIGTERM");
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(`deploy/deployments/${id}`, { recursive: true, force: true });
  });

  it("the oracle nodes sign the failed challenge, the keeper submits it and proposes the slash, and executes it after the veto window", async function () {
    // Each node challenged the provider in this round, and it passed (what the nodes count in their metrics).
    await waitFor("each oracle node's first challenge of the provider", 120_000, async () => {
      const passed = await Promise.all(oracleNodes.map(async (u) => /cinder_oracle_challenges_total\{result="passed"\} [1-9]/.test(await (await fetch(`${u}/metrics`)).text())));
      return passed.every(Boolean);
    });
    const failed = await step<{ kind: string; provider: Address; from: number; until: number; nextRound: number }>(["provider", "fail", "--kind", "challenge", "--provider", "#6", "--for", "25h"]);
    expect(failed.kind).to.equal("challenge");
    expect(getAddress(failed.provider)).to.equal(provider);
    expect(failed.until - failed.from).to.equal(25 * 3_600);
    expect(failed.nextRound).to.be.above(failed.from);
    expect(failed.nextRound - failed.from).to.be.at.most(86_400);
    // This round's challenges passed: no fault until the next round's.
    expect(await logs(addresses.oracleHub, oracleHubAbi, "FaultReportAccepted")).to.deep.equal([]);

    // The clock moves into the next challenge round: nothing else is typed.
    await step(["chain", "advance", "--by", `${failed.nextRound - failed.from + 60}s`]);
    const [proposed] = await waitFor("the keeper's slash proposal", 180_000, async () => {
      const found = await logs(addresses.slashingManager, slashingManagerAbi, "SlashProposed");
      return found.length > 0 ? found : undefined;
    });
    const [accepted] = await logs(addresses.oracleHub, oracleHubAbi, "FaultReportAccepted");
    expect(getAddress(accepted.args.provider as Address)).to.equal(provider);
    expect(Number(accepted.args.faultType)).to.equal(FaultKind.FailedGpuChallenge);
    expect(await sender(accepted.transactionHash)).to.equal(keeper);
    expect(await sender(proposed.transactionHash)).to.equal(keeper);
    expect(getAddress(proposed.args.provider as Address)).to.equal(provider);
    // The report every node derives for the provider's failed round (the one the clock moved into).
    const round = failed.nextRound / 86_400;
    expect(accepted.args.evidenceHash).to.equal(keccak256(toBytes(`cinder/fault/v1:failed-gpu-challenge:${provider.toLowerCase()}:${round}`)));

    // Within the veto window nothing is executed.
    const executableAt = proposed.args.executableAt as bigint;
    const before = await publicClient.getBlock();
    expect(before.timestamp < executableAt).to.equal(true);
    expect(await logs(addresses.slashingManager, slashingManagerAbi, "SlashExecuted")).to.deep.equal([]);
    await step(["chain", "advance", "--by", `${executableAt - before.timestamp + 60n}s`]);
    const executed = await waitFor("the keeper's slash execution", 180_000, async () => {
      const found = (await logs(addresses.slashingManager, slashingManagerAbi, "SlashExecuted")).filter((x) => x.args.id === proposed.args.id);
      return found[0];
    });
    expect(await sender(executed.transactionHash)).to.equal(keeper);
    expect(getAddress(executed.args.provider as Address)).to.equal(provider);
    expect((executed.args.slashed as bigint) > 0n).to.equal(true);
  });
});
