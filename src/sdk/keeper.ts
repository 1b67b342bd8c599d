/**
 * Keeper actions (anyone may run them): close an emission epoch and settle its providers, execute a buyback
 * within the TWAP bound, settle a lease's SLA with the uptime leaves and proofs fetched from the oracle nodes, and
 * submit quorum-signed oracle reports. Steps that cannot run yet say why and when instead of reverting.
 *
 * @example
 * ```ts
 * const closed = await closeEpoch(ctx);                   // { status: "closed", epoch, budget, … } or { status: "waiting", … }
 * const bought = await executeBuyback(ctx);
 * const settled = await settleSla(ctx, { leaseId: 1n, nodes: ["http://127.0.0.1:7001"] });
 * ```
 */
import { type Address, type Hex, type LocalAccount, parseEventLogs } from "viem";
import type { LeafFile } from "../protocol/leaves.js";
import { ORACLE_REPORT_SIGNING, type OracleReportMessage } from "../protocol/signing.js";
import { buybackBurnerAbi, emissionControllerAbi, feeRouterAbi, jobMarketAbi, oracleHubAbi, paymentChannelsAbi, slaBondManagerAbi } from "../protocol/abis.js";
import { settlementAsset } from "./reads.js";
import { type CinderContext, type WriteResult, checkAmount, writeContract } from "./context.js";
import { fetchLeafFile } from "./oracle.js";
import { type UptimeProof, leaseEpochs, settlementProofs } from "./sla.js";

/** Parameters of {@link closeEpoch}. */
export interface CloseEpochParameters {
  /** The epoch to close; default the last ended one. */
  epoch?: bigint;
}
/** The return type of {@link closeEpoch}. */
export type CloseEpochReturnType =
  | { status: "closed" | "already-closed"; epoch: bigint; revenue: bigint; fees: bigint; budget: bigint; settled: Address[]; hash?: Hex }
  | { status: "waiting"; epoch: bigint; reason: string; readyAt: bigint };

/** Closes an ended emission epoch (mints its budget) and settles each provider that earned in it. */
export async function closeEpoch(ctx: CinderContext, parameters: CloseEpochParameters = {}): Promise<CloseEpochReturnType> {
  const pc = ctx.publicClient;
  const address = ctx.addresses.emissionController;
  const now = (await pc.getBlock()).timestamp;
  const length = await pc.readContract({ address, abi: emissionControllerAbi, functionName: "EPOCH_LENGTH" });
  const current = now / length;
  const epoch = parameters.epoch ?? current - 1n;
  if (epoch >= current) return { status: "waiting", epoch, reason: `epoch ${epoch} has not ended`, readyAt: (epoch + 1n) * length };
  const genesis = await pc.readContract({ address, abi: emissionControllerAbi, functionName: "GENESIS_EPOCH" });
  if (epoch < genesis) {
    return { status: "waiting", epoch, reason: `epoch ${epoch} precedes the controller's first epoch ${genesis}, which closes once it ends`, readyAt: (genesis + 1n) * length };
  }
  let info = await pc.readContract({ address, abi: emissionControllerAbi, functionName: "epochInfo", args: [epoch] });
  const wasClosed = info.closed;
  let hash: Hex | undefined;
  if (!wasClosed) {
    const { minTwapWindow } = await pc.readContract({ address, abi: emissionControllerAbi, functionName: "params" });
    if (info.revenue > 0n && now + 1n - BigInt(info.observedAt) < BigInt(minTwapWindow)) {
      return { status: "waiting", epoch, reason: `the epoch's TWAP window is shorter than ${minTwapWindow} s`, readyAt: BigInt(info.observedAt) + BigInt(minTwapWindow) };
    }
    ({ hash } = await writeContract(ctx, { contract: "EmissionController", address, abi: emissionControllerAbi, functionName: "closeEpochAt", args: [epoch] }));
    info = await pc.readContract({ address, abi: emissionControllerAbi, functionName: "epochInfo", args: [epoch] });
  }
  const recorded = await pc.getContractEvents({ address, abi: emissionControllerAbi, eventName: "RevenueRecorded", args: { epoch }, fromBlock: 0n });
  const providers = [...new Set(recorded.map((e) => e.args.provider!))];
  const unsettled: Address[] = [];
  for (const p of providers) {
    if (!(await pc.readContract({ address, abi: emissionControllerAbi, functionName: "isSettled", args: [p, epoch] }))) unsettled.push(p);
  }
  if (unsettled.length > 0) await writeContract(ctx, { contract: "EmissionController", address, abi: emissionControllerAbi, functionName: "settleMany", args: [unsettled, epoch] });
  return { status: wasClosed ? "already-closed" : "closed", epoch, revenue: info.revenue, fees: info.fees, budget: info.budget, settled: unsettled, hash };
}

/** The return type of {@link sweepFees}: the fees moved and the buyback's share. */
export interface SweepFeesReturnType {
  fromJobMarket: bigint;
  fromChannels: bigint;
  toBuyback: bigint;
  toTreasury: bigint;
}

/** Moves the fees the JobMarket and PaymentChannels collected to the FeeRouter and splits them (buyback, treasury). */
export async function sweepFees(ctx: CinderContext): Promise<SweepFeesReturnType> {
  const market = await writeContract(ctx, { contract: "JobMarket", address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "sweepFees", args: [] });
  const channels = await writeContract(ctx, { contract: "PaymentChannels", address: ctx.addresses.paymentChannels, abi: paymentChannelsAbi, functionName: "sweepFees", args: [] });
  const split = await writeContract(ctx, { contract: "FeeRouter", address: ctx.addresses.feeRouter, abi: feeRouterAbi, functionName: "distribute", args: [await settlementAsset(ctx)] });
  return { fromJobMarket: market.result, fromChannels: channels.result, toBuyback: split.result[0], toTreasury: split.result[1] };
}

/** Parameters of {@link executeBuyback}. */
export interface ExecuteBuybackParameters {
  /** Stablecoin to spend; default all the burner holds, up to what is left of the epoch's cap. */
  amount?: bigint;
  /** Sweep the collected fees into the burner first (default true). */
  sweep?: boolean;
}
/** The return type of {@link executeBuyback}. */
export type ExecuteBuybackReturnType =
  | { status: "executed"; amountIn: bigint; minOut: bigint; burned: bigint; hash: Hex }
  | { status: "waiting"; reason: string; readyAt?: bigint }
  | { status: "nothing-to-spend"; reason: string };

/** Samples the TWAP, then swaps the burner's stablecoin for CNDR within the TWAP bound and burns it (same transaction). */
export async function executeBuyback(ctx: CinderContext, parameters: ExecuteBuybackParameters = {}): Promise<ExecuteBuybackReturnType> {
  const pc = ctx.publicClient;
  const address = ctx.addresses.buybackBurner;
  if (parameters.sweep !== false) await sweepFees(ctx);
  const [params, epoch, asset] = await Promise.all([
    pc.readContract({ address, abi: buybackBurnerAbi, functionName: "params" }),
    pc.readContract({ address, abi: buybackBurnerAbi, functionName: "currentEpoch" }),
    pc.readContract({ address, abi: buybackBurnerAbi, functionName: "ASSET" }),
  ]);
  const spent = await pc.readContract({ address, abi: buybackBurnerAbi, functionName: "spentInEpoch", args: [epoch] });
  const room = params.maxPerEpoch - spent;
  const balance = await pc.readContract({ address: asset, abi: [{ type: "function", name: "balanceOf", stateMutability: "view", inputs: [{ name: "a", type: "address" }], outputs: [{ name: "", type: "uint256" }] }] as const, functionName: "balanceOf", args: [address] });
  const amountIn = parameters.amount ?? (balance < room ? balance : room);
  if (amountIn === 0n) return { status: "nothing-to-spend", reason: balance === 0n ? "the burner holds no stablecoin" : `this epoch's cap of ${params.maxPerEpoch} is spent` };
  await writeContract(ctx, { contract: "BuybackBurner", address, abi: buybackBurnerAbi, functionName: "observe", args: [] });
  const [older, newer] = await pc.readContract({ address, abi: buybackBurnerAbi, functionName: "observations" });
  const now = (await pc.getBlock()).timestamp;
  const minWindow = BigInt(params.minWindow);
  const start = now - BigInt(newer.timestamp) >= minWindow ? newer : older;
  if (start.timestamp === 0 || now - BigInt(start.timestamp) < minWindow) {
    const from = start.timestamp === 0 ? newer.timestamp : start.timestamp;
    return { status: "waiting", reason: `the TWAP window is shorter than ${minWindow} s`, readyAt: BigInt(from) + minWindow };
  }
  // The contract refuses a TWAP starting more than maxAge (at most two windows) ago: the sample just taken is next.
  if (now - BigInt(start.timestamp) > BigInt(params.maxAge)) {
    return { status: "waiting", reason: `the last TWAP sample is older than ${params.maxAge} s: sampled again`, readyAt: BigInt(newer.timestamp) + minWindow };
  }
  const [twapOut, spotOut] = await pc.readContract({ address, abi: buybackBurnerAbi, functionName: "quote", args: [amountIn] });
  const minOut = (twapOut * (10_000n - BigInt(params.maxSlippageBps)) + 9_999n) / 10_000n;
  if (spotOut < minOut) return { status: "waiting", reason: `the spot output ${spotOut} is below the TWAP bound ${minOut}: the price moved too fast, try later` };
  const { hash, receipt } = await writeContract(ctx, { contract: "BuybackBurner", address, abi: buybackBurnerAbi, functionName: "execute", args: [amountIn, minOut, now + 600n] });
  const [event] = parseEventLogs({ abi: buybackBurnerAbi, eventName: "BuybackExecuted", logs: receipt.logs });
  return { status: "executed", amountIn, minOut, burned: event?.args.burned ?? 0n, hash };
}

/** Parameters of {@link settleSla}. */
export interface SettleSlaParameters {
  leaseId: bigint;
  /** Oracle node base URLs serving leaf files (tried in order per epoch). */
  nodes: readonly string[];
  /** Settle at most this many epochs in this transaction (a long lease in parts). */
  maxProofs?: number;
  /** Each epoch's report content hash (`EpochReported.contentHash`, e.g. a `DueTracker`'s): a leaf file that hashes otherwise is refused. */
  contentHashes?: ReadonlyMap<bigint, Hex>;
}
/** The return type of {@link settleSla}. */
export type SettleSlaReturnType = WriteResult<readonly [boolean, bigint]> & { closed: boolean; credit: bigint; proofs: UptimeProof[] };

/**
 * Settles a lease's SLA: for every epoch of its term that OracleHub holds a report for (from the settlement's
 * cursor on), fetches the leaf file from the oracle nodes, checks it against the on-chain root, builds the
 * proofs and calls `SlaBondManager.settle`.
 */
export async function settleSla(ctx: CinderContext, { leaseId, nodes, maxProofs, contentHashes }: SettleSlaParameters): Promise<SettleSlaReturnType> {
  const id = checkAmount(leaseId, "leaseId");
  const pc = ctx.publicClient;
  const [lease, settlement, epochLength] = await Promise.all([
    pc.readContract({ address: ctx.addresses.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [id] }),
    pc.readContract({ address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "getSettlement", args: [id] }),
    pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" }),
  ]);
  const start = BigInt(lease.start);
  const end = BigInt(lease.end);
  const range = leaseEpochs({ start, end, epochLength });
  const from = settlement.started && BigInt(settlement.nextEpoch) > range.first ? BigInt(settlement.nextEpoch) : range.first;
  const files: LeafFile[] = [];
  for (let e = from; e < range.end; e++) {
    if (maxProofs !== undefined && files.length >= maxProofs) break;
    if (!(await pc.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "hasReport", args: [e] }))) continue;
    files.push(await fetchLeafFile(ctx, { nodes, epoch: Number(e), contentHash: contentHashes?.get(e) }));
  }
  const proofs = settlementProofs({ leaseId: id, start, end, epochLength, files, fromEpoch: from, maxProofs });
  const written = await writeContract(ctx, {
    contract: "SlaBondManager",
    address: ctx.addresses.slaBondManager,
    abi: slaBondManagerAbi,
    functionName: "settle",
    args: [id, proofs.map((p) => ({ epoch: p.epoch, secondsUp: p.secondsUp, secondsObserved: p.secondsObserved, proof: p.proof }))],
  });
  const [closed, credit] = written.result;
  return { ...written, closed, credit, proofs };
}

/** Parameters of {@link releaseSlaBond}. */
export interface ReleaseSlaBondParameters {
  leaseId: bigint;
}
/** The return type of {@link releaseSlaBond}: `result` is the lock released. */
export type ReleaseSlaBondReturnType = WriteResult<bigint>;
/** Unlocks an unsettled lease's bond once its late window has passed (anyone). */
export async function releaseSlaBond(ctx: CinderContext, { leaseId }: ReleaseSlaBondParameters): Promise<ReleaseSlaBondReturnType> {
  return writeContract(ctx, { contract: "SlaBondManager", address: ctx.addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "release", args: [checkAmount(leaseId, "leaseId")] });
}

/** An `IOracleHub.EpochReport`. */
export interface EpochReport {
  configDigest: Hex;
  epoch: bigint;
  root: Hex;
  leafCount: number;
  contentHash: Hex;
}
/** An `IOracleHub.GpuAttestation`. */
export interface GpuAttestation {
  configDigest: Hex;
  provider: Address;
  gpuId: Hex;
  modelClass: Hex;
  memoryMiB: number;
  tier: number;
  evidenceHash: Hex;
  /** When the quorum issued it; the registry refuses one not later than the GPU's record. */
  issuedAt: number;
  expiresAt: number;
}
/** An `IOracleHub.FaultReport`. */
export interface FaultReport {
  configDigest: Hex;
  provider: Address;
  faultType: number;
  subject: Hex;
  epoch: bigint;
  evidenceHash: Hex;
}
/** An `IOracleHub.JobVerdict`. */
export interface JobVerdict {
  configDigest: Hex;
  leaseId: bigint;
  resultHash: Hex;
  outcome: number;
  toProvider: bigint;
}

/** Each report kind's struct, by its EIP-712 primary type. */
export interface OracleReports {
  EpochReport: EpochReport;
  GpuAttestation: GpuAttestation;
  FaultReport: FaultReport;
  JobVerdict: JobVerdict;
}
/** An oracle report kind. */
export type OracleReportKind = keyof OracleReports;

/** Parameters of {@link submitOracleReport}. */
export interface SubmitOracleReportParameters<K extends OracleReportKind> {
  kind: K;
  report: OracleReports[K];
  /** At least the threshold of the current oracle set's signatures over the report (any order). */
  signatures: readonly Hex[];
}
/** The return type of {@link submitOracleReport}. */
export type SubmitOracleReportReturnType = WriteResult<void>;

/** Submits a quorum-signed oracle report to OracleHub (anyone may). */
export async function submitOracleReport<K extends OracleReportKind>(ctx: CinderContext, { kind, report, signatures }: SubmitOracleReportParameters<K>): Promise<SubmitOracleReportReturnType> {
  const base = { contract: "OracleHub", address: ctx.addresses.oracleHub, abi: oracleHubAbi } as const;
  const sigs = [...signatures];
  switch (kind) {
    case "EpochReport":
      return writeContract(ctx, { ...base, functionName: "submitEpochReport", args: [report as EpochReport, sigs] });
    case "GpuAttestation":
      return writeContract(ctx, { ...base, functionName: "submitGpuAttestation", args: [report as GpuAttestation, sigs] });
    case "FaultReport":
      return writeContract(ctx, { ...base, functionName: "submitFaultReport", args: [report as FaultReport, sigs] });
    default:
      return writeContract(ctx, { ...base, functionName: "submitJobVerdict", args: [report as JobVerdict, sigs] });
  }
}

/** Parameters of {@link signOracleReport}. */
export interface SignOracleReportParameters<K extends OracleReportKind> {
  kind: K;
  report: OracleReports[K];
  /** An oracle member's key (a viem local account). */
  signer: LocalAccount;
  chainId: number | bigint;
}

/** One oracle member's EIP-712 signature of a report for this deployment's OracleHub. */
export async function signOracleReport<K extends OracleReportKind>(ctx: CinderContext, { kind, report, signer, chainId }: SignOracleReportParameters<K>): Promise<Hex> {
  return ORACLE_REPORT_SIGNING[kind].sign(signer, { chainId, oracleHub: ctx.addresses.oracleHub }, report as OracleReportMessage<K>);
}
