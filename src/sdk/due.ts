/**
 * What the protocol needs done now: the keeper steps that have become due, each with the reason and the time it
 * became due, and when the next one will. A `DueTracker` follows the protocol's events by block range (its cursor)
 * and keeps a small index of what can still become due (leases not yet closed, open SLA leases and their ends,
 * pending slash proposals, open disputes and their deadlines, attestation expiries, epochs with revenue); `due()`
 * then reads the chain only for what the index says has come due, so its cost follows the work, never the number of
 * leases or providers.
 * The chain stays the source of truth: a new tracker rebuilds the index from the events (the cursor is only an
 * optimisation), and every action re-reads the state it acts on before sending.
 *
 * An integrator runs the steps from its own scheduler with the same queries the keeper uses:
 *
 * @example
 * ```ts
 * const tracker = createDueTracker(ctx, { fromBlock: deploymentBlock, nodes: ["http://127.0.0.1:8546"] });
 * const { actions, next } = await tracker.due();           // syncs the events, then lists what is due
 * for (const a of actions) console.log(a.kind, a.key, a.reason);
 * // { kind: "settle-sla", key: "settle-sla:7", leaseId: 7n, reason: "lease 7 ended and its last epoch 481 is reported", dueAt: 1733… }
 * ```
 */
import { type AbiEvent, type Address, type Hex, erc20Abi, getAddress } from "viem";
import {
  buybackBurnerAbi,
  disputeManagerAbi,
  emissionControllerAbi,
  jobMarketAbi,
  oracleHubAbi,
  paymentChannelsAbi,
  providerRegistryAbi,
  slaBondManagerAbi,
  slashingManagerAbi,
  stakingVaultAbi,
} from "../protocol/abis.js";
import type { CinderContext } from "./context.js";
import { CinderConfigError, CinderOracleError } from "./errors.js";
import type { FaultReport } from "./keeper.js";
import { checkNodeUrls } from "./oracle.js";

/** A keeper step that is due now. `key` names the action once (a keeper never sends one key twice at a time). */
export type DueAction = DueActionBase &
  (
    | { kind: "close-epoch"; epoch: bigint }
    | { kind: "close-lease"; leaseId: bigint }
    | { kind: "settle-sla"; leaseId: bigint }
    | { kind: "release-sla-bond"; leaseId: bigint }
    | { kind: "propose-slash"; id: Hex; report: FaultReport; signatures?: readonly Hex[] }
    | { kind: "execute-slash"; id: Hex; provider: Address }
    | { kind: "execute-deferred"; provider: Address; id: Hex }
    | { kind: "burn-slashed"; amount: bigint }
    | { kind: "expire-dispute"; leaseId: bigint }
    | { kind: "buyback"; spendable: bigint }
    | { kind: "prune-attestations"; provider: Address; gpuIds: Hex[] }
  );
/** A due action's kind. */
export type DueActionKind = DueAction["kind"];
/** Every action kind, in the order a keeper runs them within one pass. */
export const DUE_ACTION_KINDS = [
  "close-epoch",
  "settle-sla",
  "release-sla-bond",
  "close-lease",
  "propose-slash",
  "execute-slash",
  "execute-deferred",
  "burn-slashed",
  "expire-dispute",
  "buyback",
  "prune-attestations",
] as const satisfies readonly DueActionKind[];

interface DueActionBase {
  key: string;
  /** Why it is due, in words. */
  reason: string;
  /** When it became due (chain seconds): the keeper's lag is `now - dueAt`. */
  dueAt: bigint;
}

/** Something that becomes due later: the earliest of them. */
export interface NextDue {
  kind: DueActionKind;
  key: string;
  at: bigint;
  reason: string;
}

/** A fault report the oracle quorum signed, as oracle nodes serve it from `GET /v1/faults?since=<epoch>`. */
export interface SignedFaultReport {
  report: FaultReport;
  signatures: Hex[];
}

/** Parameters of {@link createDueTracker}. */
export interface DueTrackerParameters {
  /** First block to follow events from (the deployment's block; default 0). */
  fromBlock?: bigint;
  /** Largest block range of one `eth_getLogs` call (default 10,000; a range the node refuses as too large is halved). */
  maxBlockRange?: bigint;
  /** Oracle node URLs whose quorum-signed fault reports are proposed (none: only reports already on the hub). */
  nodes?: readonly string[];
  /** Per-request timeout for the oracle nodes, in milliseconds (default 5,000). */
  timeoutMs?: number;
}

/** The return type of {@link DueTracker.due}. */
export interface DueReturnType {
  /** The chain time the answer holds for. */
  now: bigint;
  /** The block the events were read up to. */
  block: bigint;
  actions: DueAction[];
  /** The earliest step not yet due, if any is known. */
  next?: NextDue;
}

const LOG_EVENTS = [
  ...pick(jobMarketAbi, ["LeaseCreated", "LeaseExtended", "LeaseCancelled", "LeaseQuit", "LeaseClosed", "ResultSubmitted", "ResultDisputed"]),
  ...pick(slaBondManagerAbi, ["BondLocked", "SlaSettled", "BondReleased"]),
  ...pick(oracleHubAbi, ["EpochReported", "FaultReportAccepted"]),
  ...pick(slashingManagerAbi, ["SlashProposed", "SlashExecuted", "SlashVetoed", "SlashDeferred"]),
  ...pick(disputeManagerAbi, ["DisputeOpened", "DisputeAbstained", "DisputeExpired"]),
  ...pick(providerRegistryAbi, ["GpuAttested", "GpuRemoved"]),
  ...pick(emissionControllerAbi, ["RevenueRecorded", "EpochClosed"]),
] as AbiEvent[];
// DisputeManager's `DisputeResolved` shares its name with the JobMarket's; it is matched by address below.
const DISPUTE_RESOLVED = pick(disputeManagerAbi, ["DisputeResolved"]) as AbiEvent[];

function pick(abi: readonly unknown[], names: readonly string[]): unknown[] {
  return names.map((name) => {
    const event = (abi as { type: string; name?: string }[]).find((e) => e.type === "event" && e.name === name);
    if (event === undefined) throw new Error(`no event ${name} in the ABI`);
    return event;
  });
}

/** Follows the protocol's events and answers what is due; see the module's description. */
export class DueTracker {
  readonly #ctx: CinderContext;
  readonly #maxRange: bigint;
  readonly #nodes: string[];
  readonly #timeoutMs: number;
  #cursor: bigint;
  #constants?: { epochLength: bigint; emissionEpochLength: bigint; genesis: bigint; lateWindow: bigint };
  /** Leases with an SLA lock not yet settled or released. */
  readonly #slaLeases = new Set<bigint>();
  /** The term of every lease not closed, or with an SLA lock not yet settled or released. */
  readonly #leaseTimes = new Map<bigint, { start: bigint; end: bigint }>();
  /** Leases `JobMarket.close` can still close (active, not disputed), and from when: the end, or a batch result's challenge window's end. */
  readonly #closable = new Map<bigint, bigint>();
  /** Reported epochs and the content hash of each one's leaf file. */
  readonly #reported = new Map<bigint, Hex>();
  readonly #accepted = new Map<Hex, FaultReport>();
  readonly #proposed = new Set<Hex>();
  readonly #pending = new Map<Hex, { provider: Address; executableAt: bigint }>();
  readonly #deferred = new Map<Address, Hex>();
  readonly #disputes = new Map<bigint, bigint>();
  readonly #gpus = new Map<string, { provider: Address; gpuId: Hex; expiresAt: bigint }>();
  readonly #revenueEpochs = new Set<bigint>();
  readonly #closedEpochs = new Set<bigint>();
  #burnMaybe = true;
  #faultsSince = 0n;
  readonly #signedFaults = new Map<Hex, SignedFaultReport>();

  constructor(ctx: CinderContext, parameters: DueTrackerParameters = {}) {
    this.#ctx = ctx;
    this.#cursor = parameters.fromBlock ?? 0n;
    this.#maxRange = parameters.maxBlockRange ?? 10_000n;
    if (this.#cursor < 0n) throw new CinderConfigError("fromBlock", `must be non-negative, got ${this.#cursor}`);
    if (this.#maxRange < 1n) throw new CinderConfigError("maxBlockRange", `must be positive, got ${this.#maxRange}`);
    this.#nodes = parameters.nodes === undefined || parameters.nodes.length === 0 ? [] : checkNodeUrls(parameters.nodes, "nodes");
    this.#timeoutMs = parameters.timeoutMs ?? 5_000;
  }

  /** The content hash of each reported epoch's leaf file, as its `EpochReported` event carries it. */
  get contentHashes(): ReadonlyMap<bigint, Hex> {
    return this.#reported;
  }

  /** The next block whose events are not read yet. */
  get cursor(): bigint {
    return this.#cursor;
  }

  /** Reads the events from the cursor to the latest block (in ranges of `maxBlockRange`) into the index. */
  async sync(toBlock?: bigint): Promise<bigint> {
    const pc = this.#ctx.publicClient;
    const latest = toBlock ?? (await pc.getBlockNumber({ cacheTime: 0 }));
    const a = this.#ctx.addresses;
    const address = [a.jobMarket, a.slaBondManager, a.oracleHub, a.slashingManager, a.disputeManager, a.registry, a.emissionController];
    let range = this.#maxRange;
    while (this.#cursor <= latest) {
      const to = this.#cursor + range - 1n < latest ? this.#cursor + range - 1n : latest;
      let logs, resolved;
      try {
        [logs, resolved] = await Promise.all([
          pc.getLogs({ address, events: LOG_EVENTS, fromBlock: this.#cursor, toBlock: to, strict: true }),
          pc.getLogs({ address: a.disputeManager, events: DISPUTE_RESOLVED, fromBlock: this.#cursor, toBlock: to, strict: true }),
        ]);
      } catch (error) {
        // A range whose logs are too many for the node (or the client's response limit): halve it and go on.
        if (to === this.#cursor) throw error;
        range = (to - this.#cursor + 1n) / 2n;
        continue;
      }
      if (range < this.#maxRange) range = range * 2n < this.#maxRange ? range * 2n : this.#maxRange;
      const all = [...logs, ...resolved].sort((x, y) => (x.blockNumber === y.blockNumber ? x.logIndex! - y.logIndex! : x.blockNumber! < y.blockNumber! ? -1 : 1));
      for (const log of all) this.#apply(getAddress(log.address), log.eventName, log.args as Record<string, unknown>);
      this.#cursor = to + 1n;
    }
    return latest;
  }

  #apply(from: Address, name: string, args: Record<string, unknown>): void {
    const a = this.#ctx.addresses;
    const big = (k: string) => args[k] as bigint;
    switch (name) {
      case "LeaseCreated":
        if (from !== a.jobMarket) return;
        this.#leaseTimes.set(big("leaseId"), { start: big("start"), end: big("end") });
        this.#closable.set(big("leaseId"), big("end"));
        return;
      case "LeaseExtended":
      case "LeaseCancelled":
        return this.#setEnd(big("leaseId"), big("newEnd"));
      case "LeaseQuit":
        return this.#setEnd(big("leaseId"), big("end"));
      case "ResultSubmitted":
        // A batch result ends the lease now; it closes once the challenge window is over.
        if (from === a.jobMarket && this.#closable.has(big("leaseId"))) this.#closable.set(big("leaseId"), big("challengeEndsAt"));
        return;
      case "ResultDisputed":
        // A disputed lease is closed by its resolution, never by `close`.
        if (from === a.jobMarket) this.#closable.delete(big("leaseId"));
        return;
      case "LeaseClosed":
        this.#closable.delete(big("leaseId"));
        // A closed lease without an SLA lock will never be due; one with a lock stays until settled or released.
        if (!this.#slaLeases.has(big("leaseId"))) this.#leaseTimes.delete(big("leaseId"));
        return;
      case "BondLocked":
        // Emitted within the award, before or after LeaseCreated: the two meet in `due()`.
        this.#slaLeases.add(big("leaseId"));
        return;
      case "SlaSettled":
      case "BondReleased":
        this.#slaLeases.delete(big("leaseId"));
        this.#leaseTimes.delete(big("leaseId"));
        return;
      case "EpochReported":
        this.#reported.set(BigInt(args.epoch as bigint), args.contentHash as Hex);
        return;
      case "FaultReportAccepted":
        this.#accepted.set(args.reportId as Hex, {
          configDigest: args.configDigest as Hex,
          provider: getAddress(args.provider as Address),
          faultType: Number(args.faultType),
          subject: args.subject as Hex,
          epoch: BigInt(args.epoch as bigint),
          evidenceHash: args.evidenceHash as Hex,
        });
        return;
      case "SlashProposed":
        this.#proposed.add(args.id as Hex);
        this.#pending.set(args.id as Hex, { provider: getAddress(args.provider as Address), executableAt: big("executableAt") });
        return;
      case "SlashExecuted":
        this.#pending.delete(args.id as Hex);
        if (big("burned") > 0n) this.#burnMaybe = true;
        if (big("deferred") === 0n && this.#deferred.get(getAddress(args.provider as Address)) === args.id) this.#deferred.delete(getAddress(args.provider as Address));
        return;
      case "SlashVetoed":
        this.#pending.delete(args.id as Hex);
        return;
      case "SlashDeferred":
        this.#pending.delete(args.id as Hex);
        this.#deferred.set(getAddress(args.provider as Address), args.id as Hex);
        return;
      case "DisputeOpened":
      case "DisputeAbstained":
        this.#disputes.set(big("leaseId"), big("arbitrationDeadline"));
        return;
      case "DisputeResolved":
      case "DisputeExpired":
        this.#disputes.delete(big("leaseId"));
        return;
      case "GpuAttested":
        this.#gpus.set(`${args.provider as string}:${args.gpuId as string}`, { provider: getAddress(args.provider as Address), gpuId: args.gpuId as Hex, expiresAt: BigInt(args.expiresAt as number) });
        return;
      case "GpuRemoved":
        this.#gpus.delete(`${args.provider as string}:${args.gpuId as string}`);
        return;
      case "RevenueRecorded":
        this.#revenueEpochs.add(big("epoch"));
        return;
      case "EpochClosed":
        this.#closedEpochs.add(big("epoch"));
        this.#revenueEpochs.delete(big("epoch"));
        return;
    }
  }

  #setEnd(leaseId: bigint, end: bigint): void {
    const times = this.#leaseTimes.get(leaseId);
    if (times !== undefined) times.end = end;
    if (this.#closable.has(leaseId)) this.#closable.set(leaseId, end);
  }

  async #constantsOnce() {
    if (this.#constants !== undefined) return this.#constants;
    const pc = this.#ctx.publicClient;
    const a = this.#ctx.addresses;
    const [epochLength, lateWindow, emissionEpochLength, genesis] = await Promise.all([
      pc.readContract({ address: a.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" }),
      pc.readContract({ address: a.oracleHub, abi: oracleHubAbi, functionName: "LATE_WINDOW_EPOCHS" }),
      pc.readContract({ address: a.emissionController, abi: emissionControllerAbi, functionName: "EPOCH_LENGTH" }),
      pc.readContract({ address: a.emissionController, abi: emissionControllerAbi, functionName: "GENESIS_EPOCH" }),
    ]);
    this.#constants = { epochLength, lateWindow, emissionEpochLength, genesis };
    return this.#constants;
  }

  /** Forgets a step the caller completed or found already done, until the events say otherwise. */
  markDone(action: DueAction): void {
    switch (action.kind) {
      case "close-epoch":
        this.#closedEpochs.add(action.epoch);
        this.#revenueEpochs.delete(action.epoch);
        return;
      case "close-lease":
        this.#closable.delete(action.leaseId);
        return;
      case "settle-sla":
      case "release-sla-bond":
        this.#slaLeases.delete(action.leaseId);
        return;
      case "propose-slash":
        this.#proposed.add(action.id);
        this.#signedFaults.delete(action.id);
        return;
      case "burn-slashed":
        this.#burnMaybe = false;
        return;
      default:
        return;
    }
  }

  /** Syncs the events, then lists every step due now and the earliest one that is not. */
  async due(): Promise<DueReturnType> {
    const block = await this.sync();
    const pc = this.#ctx.publicClient;
    const a = this.#ctx.addresses;
    const { epochLength, lateWindow, emissionEpochLength, genesis } = await this.#constantsOnce();
    const now = (await pc.getBlock({ blockNumber: block })).timestamp;
    const actions: DueAction[] = [];
    const later: NextDue[] = [];
    const current = now / epochLength;
    const oldest = current > lateWindow ? current - lateWindow : 0n;

    // Emission epochs: the last ended one, and any earlier one that earned revenue, until closed.
    const ended = now / emissionEpochLength - 1n;
    const candidates = new Set<bigint>([...this.#revenueEpochs].filter((e) => e <= ended));
    if (ended >= genesis) candidates.add(ended);
    for (const epoch of [...candidates].sort((x, y) => (x < y ? -1 : 1))) {
      if (epoch < genesis || this.#closedEpochs.has(epoch)) continue;
      const info = await pc.readContract({ address: a.emissionController, abi: emissionControllerAbi, functionName: "epochInfo", args: [epoch] });
      if (info.closed) {
        this.#closedEpochs.add(epoch);
        continue;
      }
      const key = `close-epoch:${epoch}`;
      const endedAt = (epoch + 1n) * emissionEpochLength;
      if (info.revenue > 0n) {
        const { minTwapWindow } = await pc.readContract({ address: a.emissionController, abi: emissionControllerAbi, functionName: "params" });
        const readyAt = BigInt(info.observedAt) + BigInt(minTwapWindow) - 1n;
        if (now < readyAt) {
          later.push({ kind: "close-epoch", key, at: readyAt, reason: `epoch ${epoch}'s TWAP window is shorter than ${minTwapWindow} s` });
          continue;
        }
        actions.push({ kind: "close-epoch", key, epoch, dueAt: readyAt > endedAt ? readyAt : endedAt, reason: `emission epoch ${epoch} ended with revenue ${info.revenue}` });
      } else {
        actions.push({ kind: "close-epoch", key, epoch, dueAt: endedAt, reason: `emission epoch ${epoch} ended` });
      }
    }
    later.push({ kind: "close-epoch", key: `close-epoch:${ended + 1n}`, at: (ended + 2n) * emissionEpochLength, reason: `emission epoch ${ended + 1n} ends` });


    // SLA settlements: a lease that ended, every epoch of whose term is reported or past the late window.
    for (const leaseId of this.#slaLeases) {
      const times = this.#leaseTimes.get(leaseId);
      if (times === undefined) continue;
      const { start, end } = times;
      const key = `settle-sla:${leaseId}`;
      if (now < end) {
        later.push({ kind: "settle-sla", key, at: end, reason: `lease ${leaseId} ends` });
        continue;
      }
      const first = start / epochLength;
      const last = (end + epochLength - 1n) / epochLength - 1n;
      let waitingOn: bigint | undefined;
      for (let e = first > oldest ? first : oldest; e <= last; e++) {
        if (!this.#reported.has(e)) {
          waitingOn = e;
          break;
        }
      }
      if (waitingOn !== undefined) {
        later.push({ kind: "settle-sla", key, at: (waitingOn + lateWindow + 1n) * epochLength, reason: `lease ${leaseId} waits for epoch ${waitingOn}'s report or the end of its late window` });
        continue;
      }
      const lastReported = this.#reported.has(last);
      const dueAt = lastReported ? ((last + 1n) * epochLength > end ? (last + 1n) * epochLength : end) : (last + lateWindow + 1n) * epochLength;
      // The claim window: past it anyone may release the lock unsettled (SlaBondManager.release). A keeper settles
      // first; the release is for a lease whose settlement cannot be done (no node serves its leaves).
      const releasableAt = (last + 1n + lateWindow + 1n) * epochLength;
      if (now >= releasableAt) {
        actions.push({ kind: "release-sla-bond", key: `release-sla-bond:${leaseId}`, leaseId, dueAt: releasableAt, reason: `lease ${leaseId}'s claim window ended with its SLA unsettled` });
      } else {
        later.push({ kind: "release-sla-bond", key: `release-sla-bond:${leaseId}`, at: releasableAt, reason: `lease ${leaseId}'s claim window ends unless it is settled` });
      }
      actions.push({
        kind: "settle-sla",
        key,
        leaseId,
        dueAt: dueAt < now ? dueAt : now,
        reason: lastReported ? `lease ${leaseId} ended and its last epoch ${last} is reported` : `lease ${leaseId} ended and its last epoch ${last} can no longer be reported`,
      });
    }

    // Ended leases: closing one pays the provider what streamed and frees its GPUs for the next lease. A lease with an
    // SLA lock is closed with or after its settlement (listed before it), so what the lease still holds pays the
    // client's credit first (closing pays the provider every covered second).
    const slaDue = new Set(actions.filter((x) => x.kind === "settle-sla").map((x) => x.leaseId));
    for (const [leaseId, closableAt] of this.#closable) {
      const key = `close-lease:${leaseId}`;
      if (now < closableAt) later.push({ kind: "close-lease", key, at: closableAt, reason: `lease ${leaseId} ends` });
      else if (!this.#slaLeases.has(leaseId)) actions.push({ kind: "close-lease", key, leaseId, dueAt: closableAt, reason: `lease ${leaseId} ended and is not closed: its GPUs stay committed until it is` });
      else if (slaDue.has(leaseId)) actions.push({ kind: "close-lease", key, leaseId, dueAt: closableAt, reason: `lease ${leaseId} ended and is not closed; close it once its SLA is settled` });
    }

    // Fault reports: proposals for accepted ones, and the nodes' signed ones submitted first.
    for (const signed of await this.#fetchSignedFaults(oldest)) {
      const id = await pc.readContract({ address: a.oracleHub, abi: oracleHubAbi, functionName: "hashFaultReport", args: [signed.report] });
      if (!this.#proposed.has(id) && !this.#accepted.has(id)) this.#signedFaults.set(id, signed);
    }
    const faults = new Map<Hex, { report: FaultReport; signatures?: Hex[] }>([...this.#signedFaults].map(([id, s]) => [id, s]));
    for (const [id, report] of this.#accepted) faults.set(id, { report });
    for (const [id, { report, signatures }] of faults) {
      if (this.#proposed.has(id)) {
        this.#accepted.delete(id);
        this.#signedFaults.delete(id);
        continue;
      }
      if (report.epoch < oldest) {
        this.#accepted.delete(id);
        this.#signedFaults.delete(id);
        continue;
      }
      const onHub = this.#accepted.has(id);
      actions.push({ kind: "propose-slash", key: `propose-slash:${id}`, id, report, signatures: onHub ? undefined : signatures, dueAt: now, reason: onHub ? `fault report ${id} is accepted and not proposed` : `the oracle quorum signed fault report ${id}` });
    }

    // Slash proposals past their veto window; deferred slots when the rate window has room.
    for (const [id, { provider, executableAt }] of this.#pending) {
      if (now >= executableAt) actions.push({ kind: "execute-slash", key: `execute-slash:${id}`, id, provider, dueAt: executableAt, reason: `slash ${id}'s veto window ended` });
      else later.push({ kind: "execute-slash", key: `execute-slash:${id}`, at: executableAt, reason: `slash ${id}'s veto window ends` });
    }
    if (this.#deferred.size > 0) {
      const room = await pc.readContract({ address: a.slashingManager, abi: slashingManagerAbi, functionName: "windowRoom" });
      for (const [provider, id] of this.#deferred) {
        const [slot, amount] = await pc.readContract({ address: a.slashingManager, abi: slashingManagerAbi, functionName: "deferredOf", args: [provider] });
        if (BigInt(slot) === 0n || amount === 0n) {
          this.#deferred.delete(provider);
          continue;
        }
        if (room > 0n) actions.push({ kind: "execute-deferred", key: `execute-deferred:${provider}:${id}`, provider, id: slot, dueAt: now, reason: `${provider}'s deferred slash has ${amount} left and the rate window has room ${room}` });
      }
    }
    if (this.#burnMaybe) {
      const [toBurn] = await pc.readContract({ address: a.vault, abi: stakingVaultAbi, functionName: "slashedHeld" });
      if (toBurn > 0n) actions.push({ kind: "burn-slashed", key: "burn-slashed", amount: toBurn, dueAt: now, reason: `the vault holds ${toBurn} slashed CNDR to burn` });
      else this.#burnMaybe = false;
    }

    // Disputes past their arbitration deadline.
    for (const [leaseId, deadline] of this.#disputes) {
      const key = `expire-dispute:${leaseId}`;
      if (now >= deadline) actions.push({ kind: "expire-dispute", key, leaseId, dueAt: deadline, reason: `dispute on lease ${leaseId} passed its arbitration deadline` });
      else later.push({ kind: "expire-dispute", key, at: deadline, reason: `dispute on lease ${leaseId} reaches its arbitration deadline` });
    }

    // The buyback: stablecoin to spend, room in the epoch's cap, and a TWAP sample at least a window old.
    const buyback = await this.#buybackDue(now);
    if ("action" in buyback) actions.push(buyback.action);
    else if (buyback.next !== undefined) later.push(buyback.next);

    // Expired attestations, grouped by provider.
    const expired = new Map<Address, { gpuIds: Hex[]; since: bigint }>();
    for (const { provider, gpuId, expiresAt } of this.#gpus.values()) {
      if (expiresAt > now) {
        later.push({ kind: "prune-attestations", key: `prune-attestations:${provider}`, at: expiresAt, reason: `GPU ${gpuId}'s attestation expires` });
        continue;
      }
      const entry = expired.get(provider) ?? { gpuIds: [], since: expiresAt };
      entry.gpuIds.push(gpuId);
      if (expiresAt < entry.since) entry.since = expiresAt;
      expired.set(provider, entry);
    }
    for (const [provider, { gpuIds, since }] of expired) {
      actions.push({ kind: "prune-attestations", key: `prune-attestations:${provider}`, provider, gpuIds, dueAt: since, reason: `${gpuIds.length} of ${provider}'s GPU attestations expired` });
    }

    const next = later.reduce<NextDue | undefined>((best, x) => (best === undefined || x.at < best.at ? x : best), undefined);
    const order = (k: DueActionKind) => DUE_ACTION_KINDS.indexOf(k);
    actions.sort((x, y) => order(x.kind) - order(y.kind));
    return { now, block, actions, next };
  }

  async #buybackDue(now: bigint): Promise<{ action: DueAction } | { next?: NextDue }> {
    const pc = this.#ctx.publicClient;
    const a = this.#ctx.addresses;
    const address = a.buybackBurner;
    const [params, epoch, asset, observations, marketFees, channelFees] = await Promise.all([
      pc.readContract({ address, abi: buybackBurnerAbi, functionName: "params" }),
      pc.readContract({ address, abi: buybackBurnerAbi, functionName: "currentEpoch" }),
      pc.readContract({ address, abi: buybackBurnerAbi, functionName: "ASSET" }),
      pc.readContract({ address, abi: buybackBurnerAbi, functionName: "observations" }),
      pc.readContract({ address: a.jobMarket, abi: jobMarketAbi, functionName: "collectedFees" }),
      pc.readContract({ address: a.paymentChannels, abi: paymentChannelsAbi, functionName: "collectedFees" }),
    ]);
    const [balance, spent] = await Promise.all([
      pc.readContract({ address: asset, abi: erc20Abi, functionName: "balanceOf", args: [address] }),
      pc.readContract({ address, abi: buybackBurnerAbi, functionName: "spentInEpoch", args: [epoch] }),
    ]);
    const spendable = balance + marketFees + channelFees;
    if (spendable === 0n || spent >= params.maxPerEpoch) return {};
    const newer = BigInt(observations[1].timestamp);
    const readyAt = newer === 0n ? now : newer + BigInt(params.minWindow);
    if (now < readyAt) return { next: { kind: "buyback", key: "buyback", at: readyAt, reason: `the TWAP window reaches ${params.minWindow} s` } };
    return { action: { kind: "buyback", key: "buyback", spendable, dueAt: readyAt, reason: newer === 0n ? "fees to spend; the TWAP needs its first sample" : `fees to spend (${spendable}) and a TWAP sample ${now - newer} s old` } };
  }

  async #fetchSignedFaults(oldest: bigint): Promise<SignedFaultReport[]> {
    if (this.#nodes.length === 0) return [];
    const since = this.#faultsSince > oldest ? this.#faultsSince : oldest;
    const found: SignedFaultReport[] = [];
    for (const node of this.#nodes) {
      try {
        found.push(...(await fetchSignedFaultReports({ node, since, timeoutMs: this.#timeoutMs })));
      } catch {
        // A node that is down or serves garbage is skipped: any one honest node is enough, and the hub checks signatures.
      }
    }
    this.#faultsSince = since;
    return found;
  }
}

/** Creates a {@link DueTracker}. */
export function createDueTracker(ctx: CinderContext, parameters: DueTrackerParameters = {}): DueTracker {
  return new DueTracker(ctx, parameters);
}

/** Parameters of {@link getDueActions}. */
export type GetDueActionsParameters = DueTrackerParameters;
/** The return type of {@link getDueActions}. */
export type GetDueActionsReturnType = DueReturnType;

/**
 * One-shot: every keeper step due now, read from the events since `fromBlock` (a scheduler that calls often should
 * keep a {@link DueTracker} instead, which reads only the new blocks each time).
 * @example const { actions } = await getDueActions(ctx, { fromBlock: 0n });
 */
export async function getDueActions(ctx: CinderContext, parameters: GetDueActionsParameters = {}): Promise<GetDueActionsReturnType> {
  return createDueTracker(ctx, parameters).due();
}

/** Parameters of {@link fetchSignedFaultReports}. */
export interface FetchSignedFaultReportsParameters {
  node: string;
  /** Only reports of this epoch or later. */
  since: bigint;
  timeoutMs?: number;
}

/** The quorum-signed fault reports one oracle node holds (`GET <node>/v1/faults?since=<epoch>`); the hub checks the signatures. */
export async function fetchSignedFaultReports({ node, since, timeoutMs = 5_000 }: FetchSignedFaultReportsParameters): Promise<SignedFaultReport[]> {
  const [base] = checkNodeUrls([node], "node");
  const url = `${base}/v1/faults?since=${since}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  if (!response.ok) throw new CinderOracleError(url, `HTTP ${response.status}`, { details: body.slice(0, 200) });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CinderOracleError(url, "not JSON");
  }
  if (!Array.isArray(parsed)) throw new CinderOracleError(url, "expected an array of {report, signatures}");
  return parsed.map((raw: unknown, i) => {
    const { report, signatures } = raw as { report?: Record<string, unknown>; signatures?: unknown };
    const hex = (v: unknown, f: string) => {
      if (typeof v !== "string" || !/^0x[0-9a-fA-F]*$/.test(v)) throw new CinderOracleError(url, `[${i}].${f} must be hex`);
      return v as Hex;
    };
    if (typeof report !== "object" || report === null || !Array.isArray(signatures)) throw new CinderOracleError(url, `[${i}] must be {report, signatures}`);
    return {
      report: {
        configDigest: hex(report.configDigest, "report.configDigest"),
        provider: getAddress(hex(report.provider, "report.provider")),
        faultType: Number(report.faultType),
        subject: hex(report.subject, "report.subject"),
        epoch: BigInt(report.epoch as string),
        evidenceHash: hex(report.evidenceHash, "report.evidenceHash"),
      },
      signatures: signatures.map((s, k) => hex(s, `signatures[${k}]`)),
    };
  });
}
