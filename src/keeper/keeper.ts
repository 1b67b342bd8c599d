/**
 * The keeper: a long-running process that watches the chain (events and time) through a `DueTracker` and sends one
 * transaction for each step that has become due (close an ended epoch, settle an ended lease's SLA, propose a
 * quorum-signed fault's slash, execute it after the veto window, drain deferred slashes, burn what was slashed,
 * expire disputes, run the buyback, prune expired attestations).
 *
 * Safe to run many: every action re-reads the chain before sending (the SDK's simulate-then-send), a revert that
 * says another keeper already did it counts as done, and one process never has the same action in flight twice.
 * Safe to kill: its only state is the tracker's index, rebuilt from the events on start.
 *
 * @example
 * ```ts
 * const keeper = createKeeper({ ctx, nodes: ["http://127.0.0.1:8546"], log: createLogger({ component: "keeper" }) });
 * await keeper.checkSetup();                 // KeeperConfigError NO_KEY / NO_FUNDS / WRONG_CHAIN / NO_DEPLOYMENT
 * const pass = await keeper.runOnce();       // { due, done, failed, ... }
 * const stop = keeper.start();               // polls until stop()
 * ```
 */
import { Counter, Gauge, Registry } from "prom-client";
import { type Hash, type PublicClient, type TransactionReceipt } from "viem";
import {
  type CinderContext,
  type DueAction,
  type DueActionKind,
  type DueReturnType,
  CinderError,
  DUE_ACTION_KINDS,
  DueTracker,
  burnSlashed,
  closeEpoch,
  closeLease,
  executeBuyback,
  executeDeferredSlashes,
  executeSlash,
  expireDispute,
  isCinderContractError,
  proposeSlash,
  providerRegistryAbi,
  releaseSlaBond,
  settleSla,
  writeContract,
} from "../sdk/index.js";
import { type Logger, silentLogger } from "../oracle/node/log.js";
import { KeeperConfigError } from "./errors.js";

/** Reverts that mean another keeper (or anyone) already did the step: counted as done, not as failures. */
export const ALREADY_DONE_ERRORS: Record<DueActionKind, readonly string[]> = {
  "close-epoch": ["EmissionEpochAlreadyClosed"],
  "close-lease": ["JobMarketInvalidLeaseStatus"],
  "settle-sla": ["SlaBondManagerAlreadyClosed"],
  "release-sla-bond": ["SlaBondManagerAlreadyClosed"],
  "propose-slash": ["SlashingManagerAlreadyProposed", "OracleHubReportAlreadyAccepted"],
  "execute-slash": ["SlashingManagerInvalidStatus"],
  "execute-deferred": ["SlashingManagerNothingDeferred"],
  "burn-slashed": ["SlashingManagerNothingToBurn"],
  "expire-dispute": ["DisputeManagerInvalidStatus"],
  buyback: ["BuybackBurnerEpochCapExceeded", "BuybackBurnerInsufficientBalance"],
  "prune-attestations": ["ProviderRegistryUnknownGpu"],
};

/** Parameters of {@link createKeeper}. */
export interface KeeperParameters {
  ctx: CinderContext;
  /** Oracle node URLs: leaf files for SLA settlements and quorum-signed fault reports (any one honest node is enough). */
  nodes?: readonly string[];
  /** First block of the deployment (events before it are not read; default 0). */
  fromBlock?: bigint;
  /** List what is due without sending anything. */
  dryRun?: boolean;
  /** Milliseconds between passes (default 5,000). */
  pollIntervalMs?: number;
  log?: Logger;
  /** Where the metrics go (default a registry of its own: `keeper.metrics`). */
  registry?: Registry;
  /** Largest block range per `eth_getLogs` (default 10,000). */
  maxBlockRange?: bigint;
}

/** What one action came to. */
export interface ActionOutcome {
  action: DueAction;
  outcome: "done" | "already-done" | "waiting" | "failed" | "listed";
  /** Transactions this keeper sent for it, and their gas. */
  transactions: number;
  gasUsed: bigint;
  detail?: string;
}

/** The return type of {@link Keeper.runOnce}. */
export interface KeeperPass {
  now: bigint;
  block: bigint;
  outcomes: ActionOutcome[];
  next: DueReturnType["next"];
}

/** The keeper's metrics (prom-client). */
export interface KeeperMetrics {
  registry: Registry;
  actions: Counter<"kind" | "outcome">;
  failures: Counter<"kind" | "reason">;
  lag: Gauge<"kind">;
  gas: Counter<"kind">;
  transactions: Counter<"kind">;
  due: Gauge<"kind">;
  passes: Counter;
}

function createMetrics(registry: Registry): KeeperMetrics {
  const registers = [registry];
  return {
    registry,
    actions: new Counter({ name: "cinder_keeper_actions_total", help: "Keeper actions by kind and outcome (done, already-done, waiting, failed, listed)", labelNames: ["kind", "outcome"], registers }),
    failures: new Counter({ name: "cinder_keeper_failures_total", help: "Failed keeper actions by kind and reason (the custom error's name, or the error class)", labelNames: ["kind", "reason"], registers }),
    lag: new Gauge({ name: "cinder_keeper_lag_seconds", help: "Chain seconds between when an action became due and when this keeper completed it (last, by kind)", labelNames: ["kind"], registers }),
    gas: new Counter({ name: "cinder_keeper_gas_used_total", help: "Gas used by the keeper's transactions, by action kind", labelNames: ["kind"], registers }),
    transactions: new Counter({ name: "cinder_keeper_transactions_total", help: "Transactions the keeper sent, by action kind", labelNames: ["kind"], registers }),
    due: new Gauge({ name: "cinder_keeper_due_actions", help: "Actions due at the last pass, by kind", labelNames: ["kind"], registers }),
    passes: new Counter({ name: "cinder_keeper_passes_total", help: "Passes over the due actions", registers }),
  };
}

/** Runs the protocol's due steps; see the module's description. */
export class Keeper {
  readonly metrics: KeeperMetrics;
  readonly tracker: DueTracker;
  readonly #ctx: CinderContext;
  readonly #nodes: readonly string[];
  readonly #dryRun: boolean;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #inFlight = new Set<string>();
  /** Receipts of the action running now (actions run one at a time). */
  #receipts: TransactionReceipt[] = [];

  constructor(parameters: KeeperParameters) {
    this.#ctx = parameters.ctx;
    this.#nodes = parameters.nodes ?? [];
    this.#dryRun = parameters.dryRun ?? false;
    this.#pollMs = parameters.pollIntervalMs ?? 5_000;
    if (!Number.isInteger(this.#pollMs) || this.#pollMs < 1) throw new KeeperConfigError("BAD_OPTION", `pollIntervalMs must be a positive integer, got ${this.#pollMs}`);
    this.#log = parameters.log ?? silentLogger;
    this.metrics = createMetrics(parameters.registry ?? new Registry());
    this.tracker = new DueTracker(this.#ctx, { fromBlock: parameters.fromBlock, nodes: this.#nodes, maxBlockRange: parameters.maxBlockRange });
  }

  /**
   * Checks what the keeper needs before it runs: a deployment at the addresses on this chain, and (unless dry-run) a
   * key on the same chain with funds for gas. Throws a `KeeperConfigError` with one line saying what to fix.
   */
  async checkSetup(): Promise<void> {
    const pc = this.#ctx.publicClient;
    const chainId = await pc.getChainId();
    const code = await pc.getCode({ address: this.#ctx.addresses.oracleHub });
    if (code === undefined || code === "0x") {
      throw new KeeperConfigError("NO_DEPLOYMENT", `no Cinder deployment on chain ${chainId}: OracleHub ${this.#ctx.addresses.oracleHub} has no code (wrong --rpc or --deployment?)`);
    }
    if (this.#dryRun) return;
    const wallet = this.#ctx.walletClient;
    if (wallet === undefined) throw new KeeperConfigError("NO_KEY", "the keeper sends transactions: set CINDER_PRIVATE_KEY or --key-file (or use --dry-run)");
    const walletChain = wallet.chain?.id ?? (await wallet.getChainId());
    if (walletChain !== chainId) throw new KeeperConfigError("WRONG_CHAIN", `the key's wallet is for chain ${walletChain} but the RPC serves chain ${chainId}`);
    const balance = await pc.getBalance({ address: wallet.account.address });
    if (balance === 0n) throw new KeeperConfigError("NO_FUNDS", `the keeper account ${wallet.account.address} holds no ETH for gas on chain ${chainId}`);
  }

  /** One pass: reads what is due and does each step (or lists it in dry-run). */
  async runOnce(): Promise<KeeperPass> {
    this.metrics.passes.inc();
    const { now, block, actions, next } = await this.tracker.due();
    for (const kind of DUE_ACTION_KINDS) this.metrics.due.set({ kind }, actions.filter((a) => a.kind === kind).length);
    const outcomes: ActionOutcome[] = [];
    for (const action of actions) {
      if (this.#inFlight.has(action.key)) continue;
      if (this.#waitsOnSla(action, outcomes)) continue;
      if (this.#dryRun) {
        this.metrics.actions.inc({ kind: action.kind, outcome: "listed" });
        this.#log.info("due", { action: action.key, reason: action.reason, dueAt: action.dueAt, lag: now - action.dueAt });
        outcomes.push({ action, outcome: "listed", transactions: 0, gasUsed: 0n });
        continue;
      }
      this.#inFlight.add(action.key);
      try {
        outcomes.push(await this.#perform(action, now));
      } finally {
        this.#inFlight.delete(action.key);
      }
    }
    return { now, block, outcomes, next };
  }

  /**
   * Whether an action waits on the same lease's SLA step earlier in this pass: a lock is released unsettled only when
   * its settlement could not be done, and an SLA lease is closed only once its SLA is settled or released.
   */
  #waitsOnSla(action: DueAction, outcomes: readonly ActionOutcome[]): boolean {
    if (action.kind !== "release-sla-bond" && action.kind !== "close-lease") return false;
    const sla = outcomes.filter((o) => (o.action.kind === "settle-sla" || o.action.kind === "release-sla-bond") && o.action.leaseId === action.leaseId);
    const closed = sla.some((o) => o.outcome === "done" || o.outcome === "already-done");
    if (action.kind === "release-sla-bond") return closed || sla.some((o) => o.outcome === "waiting");
    return !closed && sla.some((o) => o.outcome === "failed" || o.outcome === "waiting");
  }

  /** Runs passes every `pollIntervalMs` until the returned function is called (it resolves when the pass ends). */
  start(): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const loop = () => {
      running = this.runOnce()
        .catch((error: unknown) => {
          this.metrics.failures.inc({ kind: "pass", reason: reasonOf(error) });
          this.#log.error("pass failed", { error: messageOf(error) });
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(loop, this.#pollMs);
        });
    };
    loop();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }

  async #perform(action: DueAction, dueNow: bigint): Promise<ActionOutcome> {
    this.#receipts = [];
    const log = this.#log.child({ action: action.key });
    let outcome: ActionOutcome["outcome"] = "done";
    let detail: string | undefined;
    try {
      detail = await this.#send(action);
      if (detail?.startsWith("waiting")) outcome = "waiting";
      else {
        if (detail?.startsWith("already done")) outcome = "already-done";
        this.tracker.markDone(action);
      }
    } catch (error) {
      const name = isCinderContractError(error) ? error.errorName : undefined;
      if (name !== undefined && ALREADY_DONE_ERRORS[action.kind].includes(name)) {
        outcome = "already-done";
        detail = name;
        this.tracker.markDone(action);
      } else {
        outcome = "failed";
        detail = messageOf(error);
        this.metrics.failures.inc({ kind: action.kind, reason: reasonOf(error) });
      }
    }
    const gasUsed = this.#receipts.reduce((sum, r) => sum + r.gasUsed, 0n);
    const transactions = this.#receipts.length;
    this.metrics.actions.inc({ kind: action.kind, outcome });
    if (transactions > 0) {
      this.metrics.transactions.inc({ kind: action.kind }, transactions);
      this.metrics.gas.inc({ kind: action.kind }, Number(gasUsed));
    }
    if (outcome === "done" || outcome === "already-done") this.metrics.lag.set({ kind: action.kind }, Number(dueNow - action.dueAt));
    const fields = { reason: action.reason, outcome, detail, transactions, gasUsed, lag: dueNow - action.dueAt };
    if (outcome === "failed") log.warn("action failed", fields);
    else log.info(outcome === "waiting" ? "action waits" : "action done", fields);
    return { action, outcome, transactions, gasUsed, detail };
  }

  /** Sends the action's transactions through a context that records their receipts. */
  async #send(action: DueAction): Promise<string | undefined> {
    const ctx = this.#recording();
    switch (action.kind) {
      case "close-epoch": {
        const closed = await closeEpoch(ctx, { epoch: action.epoch });
        return closed.status === "waiting" ? `waiting: ${closed.reason}` : closed.status;
      }
      case "close-lease": {
        const closed = await closeLease(ctx, { leaseId: action.leaseId });
        return `closed in ${closed.hash}`;
      }
      case "settle-sla": {
        if (this.#nodes.length === 0) throw new KeeperConfigError("NO_ORACLE_NODES", "settling an SLA needs the oracle nodes' leaf API: pass --oracle <url>[,<url>...]");
        const settled = await settleSla(ctx, { leaseId: action.leaseId, nodes: this.#nodes, contentHashes: this.tracker.contentHashes });
        return settled.closed ? `settled, credit ${settled.credit}` : "waiting: settled in part (more epochs next pass)";
      }
      case "release-sla-bond":
        return `released ${(await releaseSlaBond(ctx, { leaseId: action.leaseId })).result} unsettled`;
      case "propose-slash": {
        const proposed = await proposeSlash(ctx, { report: action.report, signatures: action.signatures });
        return `proposed ${proposed.id}, executable at ${proposed.executableAt}`;
      }
      case "execute-slash": {
        const executed = await executeSlash(ctx, { id: action.id });
        return `slashed ${executed.slashed}, deferred ${executed.deferred}`;
      }
      case "execute-deferred":
        return `slashed ${(await executeDeferredSlashes(ctx, { provider: action.provider })).result}`;
      case "burn-slashed":
        return `burned ${(await burnSlashed(ctx)).result}`;
      case "expire-dispute":
        await expireDispute(ctx, { leaseId: action.leaseId });
        return "expired";
      case "buyback": {
        const bought = await executeBuyback(ctx);
        if (bought.status === "executed") return `bought back and burned ${bought.burned}`;
        // Due means there was stablecoin to spend: none left now is another keeper's buyback.
        return bought.status === "waiting" ? `waiting: ${bought.reason}` : `already done: ${bought.reason}`;
      }
      case "prune-attestations":
        await writeContract(ctx, { contract: "ProviderRegistry", address: ctx.addresses.registry, abi: providerRegistryAbi, functionName: "pruneExpired", args: [action.provider, action.gpuIds] });
        return `pruned ${action.gpuIds.length}`;
    }
  }

  #recording(): CinderContext {
    const pc = this.#ctx.publicClient;
    const receipts = this.#receipts;
    const publicClient = new Proxy(pc, {
      get(target, prop, receiver) {
        if (prop === "waitForTransactionReceipt") {
          return async (args: { hash: Hash }) => {
            const receipt = await target.waitForTransactionReceipt(args);
            receipts.push(receipt);
            return receipt;
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as PublicClient;
    return { ...this.#ctx, publicClient };
  }
}

/** Creates a {@link Keeper}. */
export function createKeeper(parameters: KeeperParameters): Keeper {
  return new Keeper(parameters);
}

function reasonOf(error: unknown): string {
  if (isCinderContractError(error)) return error.errorName;
  if (error instanceof CinderError) return error.name;
  return error instanceof Error ? error.name : "unknown";
}

function messageOf(error: unknown): string {
  if (error instanceof CinderError && error.details !== undefined) return error.shortMessage;
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}
