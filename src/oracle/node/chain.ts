/**
 * What an oracle node reads from and writes to the chain: the oracle set and epochs from `OracleHub`, providers
 * (and where their agents listen) from `ProviderRegistry` events, leases from `JobMarket` events and state, and the
 * epoch report submission; with a `disputeManager`, job disputes from its events (and the results they dispute from
 * the market's `ResultSubmitted`) and verdict submission. Events are followed incrementally from the last block read.
 */
import {
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
  getAddress,
  BaseError,
  ContractFunctionRevertedError,
} from "viem";
import { disputeManagerAbi, jobMarketAbi, oracleHubAbi, providerRegistryAbi } from "../../protocol/abis.js";
import type { GpuAttestation } from "./attest.js";
import type { EpochReport } from "./report.js";
import type { LeaseView } from "./uptime.js";
import type { DisputeCase, JobVerdict } from "./verdict.js";

/** The ProviderRegistry's custom errors, to decode a revert that OracleHub forwards from it. */
const registryErrors = providerRegistryAbi.filter((item) => item.type === "error");

/** The current oracle set as the hub holds it. */
export interface OracleSetView {
  readonly signers: readonly Address[];
  readonly threshold: number;
  readonly version: number;
  readonly configDigest: Hex;
}

/** A provider the node follows, with its agent's URL when its metadata names one. */
export interface ProviderView {
  readonly provider: Address;
  readonly agentUrl: string | null;
}

/**
 * The agent URL in a provider's metadata URI: a `data:application/json` URI (plain or base64) or an http(s) URL
 * serving JSON, with an `agent` field holding the agent's base URL. Null when there is none.
 */
export async function resolveAgentUrl(metadataURI: string, fetchImpl: typeof fetch = fetch, timeoutMs = 3_000): Promise<string | null> {
  let text: string | undefined;
  const data = /^data:application\/json(;base64)?,(.*)$/s.exec(metadataURI);
  if (data !== null) text = data[1] ? Buffer.from(data[2], "base64").toString("utf8") : decodeURIComponent(data[2]);
  else if (/^https?:\/\//.test(metadataURI)) {
    try {
      const response = await fetchImpl(metadataURI, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) return null;
      text = await response.text();
    } catch {
      return null;
    }
  }
  if (text === undefined) return null;
  try {
    const agent = (JSON.parse(text) as { agent?: unknown }).agent;
    return typeof agent === "string" && /^https?:\/\//.test(agent) ? agent.replace(/\/+$/, "") : null;
  } catch {
    return null;
  }
}

export interface ChainParameters {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient<Transport, Chain | undefined, Account>;
  readonly oracleHub: Address;
  readonly registry: Address;
  readonly jobMarket: Address;
  /** The DisputeManager, for nodes that judge job disputes. */
  readonly disputeManager?: Address;
  readonly fromBlock?: bigint;
  readonly fetch?: typeof fetch;
}

/** What an oracle node needs of the chain (`ChainView` on a real one; tests may give an in-memory one). */
export type NodeChain = Pick<
  ChainView,
  | "oracleHub"
  | "chainId"
  | "epochLength"
  | "lateWindowEpochs"
  | "oracleSet"
  | "hasReport"
  | "epochRoot"
  | "refresh"
  | "providers"
  | "leasesOverlapping"
  | "isAccepted"
  | "submitGpuAttestation"
  | "submitEpochReport"
>;

/** The chain as one oracle node sees it. */
export class ChainView {
  readonly #p: ChainParameters;
  #nextBlock: bigint;
  readonly #providers = new Map<Address, ProviderView>();
  readonly #leaseIds = new Set<bigint>();
  #epochLength: number | undefined;
  #lateWindowEpochs: number | undefined;
  #nextDisputeBlock: bigint;
  readonly #specs = new Map<bigint, { specHash: Hex; uri: string }>();
  /** Result URIs by lease and result hash (a lease's result is submitted once; kept by hash all the same). */
  readonly #results = new Map<string, string>();
  readonly #disputes = new Map<bigint, Hex>();

  constructor(parameters: ChainParameters) {
    this.#p = parameters;
    this.#nextBlock = parameters.fromBlock ?? 0n;
    this.#nextDisputeBlock = parameters.fromBlock ?? 0n;
  }

  get oracleHub(): Address {
    return this.#p.oracleHub;
  }

  async chainId(): Promise<number> {
    return this.#p.publicClient.getChainId();
  }

  async epochLength(): Promise<number> {
    this.#epochLength ??= Number(await this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" }));
    return this.#epochLength;
  }

  async lateWindowEpochs(): Promise<number> {
    return Number(await this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "LATE_WINDOW_EPOCHS" }));
  }

  async oracleSet(): Promise<OracleSetView> {
    const [[signers, threshold, version], configDigest] = await Promise.all([
      this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "oracleSet" }),
      this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "configDigest" }),
    ]);
    return { signers: signers.map((s) => getAddress(s)), threshold: Number(threshold), version: Number(version), configDigest };
  }

  async hasReport(epoch: number): Promise<boolean> {
    return this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "hasReport", args: [BigInt(epoch)] });
  }

  async epochRoot(epoch: number): Promise<Hex> {
    return this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "epochRoot", args: [BigInt(epoch)] });
  }

  /** Reads new registry and market events since the last call. */
  async refresh(): Promise<void> {
    const latest = await this.#p.publicClient.getBlockNumber();
    if (latest < this.#nextBlock) return;
    const range = { fromBlock: this.#nextBlock, toBlock: latest } as const;
    const [registered, updated, created] = await Promise.all([
      this.#p.publicClient.getContractEvents({ address: this.#p.registry, abi: providerRegistryAbi, eventName: "ProviderRegistered", ...range }),
      this.#p.publicClient.getContractEvents({ address: this.#p.registry, abi: providerRegistryAbi, eventName: "MetadataUpdated", ...range }),
      this.#p.publicClient.getContractEvents({ address: this.#p.jobMarket, abi: jobMarketAbi, eventName: "LeaseCreated", ...range }),
    ]);
    const metadata = [...registered, ...updated].sort((a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex);
    for (const log of metadata) {
      const provider = getAddress(log.args.provider!);
      this.#providers.set(provider, { provider, agentUrl: await resolveAgentUrl(log.args.metadataURI!, this.#p.fetch) });
    }
    for (const log of created) this.#leaseIds.add(log.args.leaseId!);
    this.#nextBlock = latest + 1n;
  }

  /** Providers that registered, with their agent URLs. */
  providers(): ProviderView[] {
    return [...this.#providers.values()];
  }

  /**
   * Every lease (kind Lease) the market created whose current term overlaps [fromSeconds, toSeconds). A lease that
   * ended before the oldest epoch the hub still accepts a report for is dropped from the followed set for good
   * (an ended lease cannot be extended), so the reads per call stay bounded by the leases of the late window
   * rather than growing with every lease ever created; batch jobs are dropped at once.
   */
  async leasesOverlapping(fromSeconds: number, toSeconds: number): Promise<LeaseView[]> {
    const [epochLength, lateWindow, now] = await Promise.all([this.epochLength(), this.#lateWindow(), this.chainTime()]);
    // One epoch more than the window: the epoch being reported may be the oldest accepted one.
    const horizon = (Math.floor(now / epochLength) - lateWindow - 1) * epochLength;
    const leases: LeaseView[] = [];
    for (const leaseId of this.#leaseIds) {
      const lease = await this.#p.publicClient.readContract({ address: this.#p.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [leaseId] });
      const start = Number(lease.start);
      const end = Number(lease.end);
      if (lease.kind !== 0 || (end <= now && end < horizon)) {
        this.#leaseIds.delete(leaseId);
        continue;
      }
      if (end <= fromSeconds || start >= toSeconds) continue;
      leases.push({ leaseId, provider: getAddress(lease.provider), gpuCount: Number(lease.gpuCount), start, end });
    }
    return leases.sort((a, b) => (a.leaseId < b.leaseId ? -1 : 1));
  }

  /** How many leases the view still follows (ended leases leave once past the late window). */
  get followedLeases(): number {
    return this.#leaseIds.size;
  }

  async #lateWindow(): Promise<number> {
    this.#lateWindowEpochs ??= await this.lateWindowEpochs();
    return this.#lateWindowEpochs;
  }

  #disputeManager(): Address {
    if (this.#p.disputeManager === undefined) throw new Error("this chain view has no disputeManager address (contracts.disputeManager)");
    return this.#p.disputeManager;
  }

  /** Reads new `JobSpecPosted`, `DisputeOpened` and `ResultSubmitted` events since the last call. */
  async refreshDisputes(): Promise<void> {
    const address = this.#disputeManager();
    const latest = await this.#p.publicClient.getBlockNumber();
    if (latest < this.#nextDisputeBlock) return;
    const range = { fromBlock: this.#nextDisputeBlock, toBlock: latest } as const;
    const [specs, opened, results] = await Promise.all([
      this.#p.publicClient.getContractEvents({ address, abi: disputeManagerAbi, eventName: "JobSpecPosted", ...range }),
      this.#p.publicClient.getContractEvents({ address, abi: disputeManagerAbi, eventName: "DisputeOpened", ...range }),
      this.#p.publicClient.getContractEvents({ address: this.#p.jobMarket, abi: jobMarketAbi, eventName: "ResultSubmitted", ...range }),
    ]);
    for (const log of specs) this.#specs.set(log.args.leaseId!, { specHash: log.args.specHash!, uri: log.args.uri! });
    for (const log of results) this.#results.set(`${log.args.leaseId!}:${log.args.resultHash!.toLowerCase()}`, log.args.uri!);
    for (const log of opened) this.#disputes.set(log.args.leaseId!, log.args.resultHash!);
    this.#nextDisputeBlock = latest + 1n;
  }

  /** Every dispute opened so far, with the spec and result URI seen for it. */
  disputes(): DisputeCase[] {
    return [...this.#disputes].map(([leaseId, resultHash]) => ({
      leaseId,
      resultHash,
      resultUri: this.#results.get(`${leaseId}:${resultHash.toLowerCase()}`) ?? null,
      spec: this.#specs.get(leaseId) ?? null,
    }));
  }

  async disputeOpenedAt(leaseId: bigint): Promise<number> {
    const dispute = await this.#p.publicClient.readContract({ address: this.#disputeManager(), abi: disputeManagerAbi, functionName: "getDispute", args: [leaseId] });
    return Number(dispute.openedAt);
  }

  async disputeStatus(leaseId: bigint): Promise<number> {
    const dispute = await this.#p.publicClient.readContract({ address: this.#disputeManager(), abi: disputeManagerAbi, functionName: "getDispute", args: [leaseId] });
    return Number(dispute.status);
  }

  /** Submits a quorum-signed verdict through the DisputeManager; null when the dispute is no longer open for it. */
  async submitVerdict(verdict: JobVerdict, signatures: readonly Hex[]): Promise<Hex | null> {
    try {
      const { request } = await this.#p.publicClient.simulateContract({
        address: this.#disputeManager(),
        abi: disputeManagerAbi,
        functionName: "submitVerdict",
        args: [verdict, [...signatures]],
        account: this.#p.walletClient.account,
      });
      const hash = await this.#p.walletClient.writeContract(request);
      const receipt = await this.#p.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`submitVerdict ${hash} reverted`);
      return hash;
    } catch (error) {
      if (error instanceof BaseError) {
        const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
        if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName === "DisputeManagerInvalidStatus") return null;
      }
      throw error;
    }
  }

  /** Latest block timestamp in seconds. */
  async chainTime(): Promise<number> {
    return Number((await this.#p.publicClient.getBlock()).timestamp);
  }

  async isAccepted(reportId: Hex): Promise<boolean> {
    return this.#p.publicClient.readContract({ address: this.#p.oracleHub, abi: oracleHubAbi, functionName: "isAccepted", args: [reportId] });
  }

  /** Submits a quorum-signed GPU attestation; null when the hub already accepted it. */
  async submitGpuAttestation(attestation: GpuAttestation, signatures: readonly Hex[]): Promise<Hex | null> {
    // A later attestation of the GPU already recorded supersedes this one as surely as its own acceptance would.
    return this.#write("submitGpuAttestation", [attestation, [...signatures]] as const, [
      "OracleHubReportAlreadyAccepted",
      "ProviderRegistryStaleAttestation",
    ]);
  }

  async #write(functionName: "submitGpuAttestation" | "submitEpochReport", args: readonly unknown[], alreadyDone: readonly string[]): Promise<Hex | null> {
    try {
      const { request } = await this.#p.publicClient.simulateContract({
        address: this.#p.oracleHub,
        // The registry's errors too: an attestation's revert may come from recordAttestation.
        abi: [...oracleHubAbi, ...registryErrors],
        functionName,
        args: args as never,
        account: this.#p.walletClient.account,
      });
      const hash = await this.#p.walletClient.writeContract(request);
      const receipt = await this.#p.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} ${hash} reverted`);
      return hash;
    } catch (error) {
      if (error instanceof BaseError) {
        const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
        if (revert instanceof ContractFunctionRevertedError && alreadyDone.includes(revert.data?.errorName ?? "")) return null;
      }
      throw error;
    }
  }

  /**
   * Submits a quorum-signed report and waits for it. Returns the transaction hash, or null when the hub already
   * holds a report for the epoch (someone else's submission won the race).
   */
  async submitEpochReport(report: EpochReport, signatures: readonly Hex[]): Promise<Hex | null> {
    const args = [
      { configDigest: report.configDigest, epoch: BigInt(report.epoch), root: report.root, leafCount: report.leafCount, contentHash: report.contentHash },
      [...signatures],
    ] as const;
    return this.#write("submitEpochReport", args, ["OracleHubEpochAlreadyReported"]);
  }
}
