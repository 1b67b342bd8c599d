/**
 * Job-dispute verdicts by the oracle quorum. Each node, on its own, follows `DisputeManager.DisputeOpened` (with the
 * client's `JobSpecPosted` and the provider's `JobMarket.ResultSubmitted`), judges every open dispute by
 * re-executing or sampling the job (`judgeJob`, workloads/judge.ts), and signs the EIP-712 `JobVerdict` (domain of
 * the hub, `CinderOracle`/1, the current config digest):
 *
 * 1. at most once per (leaseId, resultHash), ever: the signature is recorded in the store in one transaction
 *    (`recordOwnVerdict`) before it leaves the node, and a restarted node finds it there and never signs a contrary
 *    one;
 * 2. it gossips its signature to every peer (`POST /v1/verdicts`), as attest.ts does for GPU attestations; a node
 *    accepts a peer's signature only for the exact struct it judged itself (same digest), so a byzantine peer's
 *    contrary signature never counts, and one that arrives before this node judged is refused until it has;
 * 3. once a set-member quorum of signatures of its own verdict is held, the verdict's leader submits it with
 *    `DisputeManager.submitVerdict(verdict, signatures)`: the leader is the set member at `(leaseId + attempt) % n`,
 *    the attempt advancing every `leaderTimeoutMs` after this node signed, so a silent leader is replaced; it skips
 *    a dispute no longer Open (or Abstained, for a verdict that decides).
 *
 * Every field is a function of the chain and of the documents the URIs serve (`toProvider` is 2^256 - 1 or 0), so
 * honest nodes sign identical bytes. A document that cannot be fetched is retried on later steps until
 * `retryWindowMs` after the node first saw the dispute, then judged as unavailable (see judge.ts); that window
 * restarts with the process (the signature, once made, does not).
 *
 * Limits: a verdict signed under one oracle set is dead after a set change, and the node does not re-sign under the
 * new one (at most once); the arbitrator decides. Re-execution (the CPU reference, O(n^3) per product: ~2 s at the
 * spec limit n = 1024, times the sample size for a batch) runs on a worker thread (`hashInWorker`), so the node's
 * event loop keeps observing, answering and gossiping meanwhile; the verdict step itself waits for it.
 *
 * @example
 * ```ts
 * const desk = new VerdictDesk({ account, chain, store, settings, log, metrics, context, post });
 * await desk.step(); // judge, sign, gossip, submit
 * await desk.accept(body); // a peer's POST /v1/verdicts
 * ```
 */
import type { Address, Hex, LocalAccount } from "viem";
import type { OracleDomainParameters } from "../aggregate.js";
import { ORACLE_REPORT_SIGNING } from "../../protocol/signing.js";
import { type MatmulHasher, hashInWorker } from "../workloads/compute.js";
import { type Judgement, OUTCOME, judgeJob } from "../workloads/judge.js";
import type { OracleSetView } from "./chain.js";
import type { PeerConfig } from "./config.js";
import type { Logger } from "./log.js";
import { peerSignatureRefusal, quorumSignatures } from "./quorum.js";
import type { Metrics } from "./metrics.js";
import type { NodeStore, OwnVerdict } from "./store.js";
import { type JobVerdict, signedVerdictFromWire, verdictFromWire, verdictToJson, verdictToWire } from "./wire.js";
import { OracleError } from "../errors.js";

export type { JobVerdict } from "./wire.js";

/** `IDisputeManager.Status`. */
export const DISPUTE_STATUS = { None: 0, Open: 1, Abstained: 2, Resolved: 3, Expired: 4 } as const;

/** A dispute as a node follows it from chain events. */
export interface DisputeCase {
  readonly leaseId: bigint;
  /** The disputed result (the DisputeManager's record). */
  readonly resultHash: Hex;
  /** The `uri` of the provider's `ResultSubmitted` for that result, or null when none was seen. */
  readonly resultUri: string | null;
  /** The client's `JobSpecPosted`, or null when none was posted. */
  readonly spec: { readonly specHash: Hex; readonly uri: string } | null;
}

/** What the verdict path needs of the chain (`ChainView` on a real one; tests give an in-memory one). */
export interface DisputeChain {
  /** Reads new DisputeManager and JobMarket events since the last call. */
  refreshDisputes(): Promise<void>;
  /** Every dispute opened so far. */
  disputes(): readonly DisputeCase[];
  /** The dispute's `IDisputeManager.Status` now. */
  disputeStatus(leaseId: bigint): Promise<number>;
  /** When the dispute was opened (its `openedAt`, unix seconds of the block). */
  disputeOpenedAt(leaseId: bigint): Promise<number>;
  /** Submits the quorum's signatures and applies the verdict; null when the dispute was already decided. */
  submitVerdict(verdict: JobVerdict, signatures: readonly Hex[]): Promise<Hex | null>;
}

/** A node's verdict settings (config.ts `verdicts`). */
export interface VerdictSettings {
  /** Batch items each node recomputes (default 8). */
  readonly sampleSize: number;
  /** Timeout of one document fetch. */
  readonly fetchTimeoutMs: number;
  /** How long an unreachable document is retried before it is judged unavailable. */
  readonly retryWindowMs: number;
  /** How long a verdict's leader has before the next set member takes over. */
  readonly leaderTimeoutMs: number;
}

export const DEFAULT_VERDICT_SETTINGS: VerdictSettings = { sampleSize: 8, fetchTimeoutMs: 5_000, retryWindowMs: 120_000, leaderTimeoutMs: 30_000 };

export type VerdictDomain = OracleDomainParameters;

/**
 * The verdict's EIP-712 digest (its report id: `OracleHub.hashJobVerdict`), a node's signature of it, and the signer
 * of a signature (null when malformed): signing.ts, for `JobVerdict`.
 */
export const { types: jobVerdictTypes, digest: verdictDigest, sign: signVerdict, signer: verdictSigner } = ORACLE_REPORT_SIGNING.JobVerdict;

/** A peer's verdict signature was refused; `code` says why, `field` where (answered as HTTP 409 or 400). */
export class VerdictRefusedError extends OracleError {
  override readonly name = "VerdictRefusedError";
  constructor(
    readonly status: 400 | 409,
    readonly code: "CONFIG_DIGEST_MISMATCH" | "SIGNER_NOT_IN_SET" | "NOT_JUDGED" | "CONTRARY_VERDICT",
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the desk shares with its node. */
export interface VerdictDeskParameters {
  readonly account: Pick<LocalAccount, "address" | "signTypedData">;
  readonly chain: DisputeChain;
  readonly store: NodeStore;
  readonly settings: VerdictSettings;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The chain id, the hub, the current oracle set (undefined before the node started). */
  readonly context: () => { readonly domain: VerdictDomain; readonly set: OracleSetView } | undefined;
  /** Peers other than this node. */
  readonly peers: () => readonly PeerConfig[];
  /** POSTs JSON to a URL. */
  readonly post: (url: string, body: unknown) => Promise<Response>;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /** Recomputes products (default `hashInWorker`: off the event loop that serves heartbeats and the API). */
  readonly hasher?: MatmulHasher;
}

const OUTCOME_NAME: Record<number, string> = { 1: "ProviderUpheld", 2: "ClientUpheld", 3: "Abstained" };

/** Judges, signs, gossips and submits job verdicts for one node (module comment). */
export class VerdictDesk {
  readonly #p: VerdictDeskParameters;
  readonly #now: () => number;
  /** When this node first saw each dispute (ms), for the retry window. */
  readonly #firstSeen = new Map<string, number>();
  /** Peers that took this node's signature of a digest (accepted, or refused as contrary: no point resending). */
  readonly #sentTo = new Map<Hex, Set<Address>>();
  /** Disputes this node never judged that are no longer open: not read again (bounded work per step). */
  readonly #finished = new Set<bigint>();
  readonly #m;

  constructor(parameters: VerdictDeskParameters) {
    this.#p = parameters;
    this.#now = parameters.now ?? Date.now;
    const m = parameters.metrics;
    this.#m = {
      signed: m.counter("cinder_oracle_verdicts_signed_total", "Job verdicts this node signed, by outcome", ["outcome"]),
      submitted: m.counter("cinder_oracle_verdicts_submitted_total", "Job verdicts this node submitted on chain, by outcome", ["outcome"]),
      received: m.counter("cinder_oracle_verdict_signatures_received_total", "Peers' verdict signatures, by result", ["result"]),
      pending: m.counter("cinder_oracle_verdict_judgements_deferred_total", "Judgements deferred because a document was unreachable"),
    };
  }

  /** One pass: judge and sign new disputes, gossip held signatures, submit verdicts with a quorum. */
  async step(): Promise<void> {
    const context = this.#p.context();
    if (context === undefined) return;
    const { domain, set } = context;
    await this.#p.chain.refreshDisputes();
    const member = set.signers.includes(this.#p.account.address);
    for (const dispute of this.#p.chain.disputes()) {
      if (this.#finished.has(dispute.leaseId) || this.#p.store.ownVerdict(dispute.leaseId, dispute.resultHash) !== undefined) continue;
      const status = await this.#p.chain.disputeStatus(dispute.leaseId);
      if (status !== DISPUTE_STATUS.Open && status !== DISPUTE_STATUS.Abstained) {
        this.#finished.add(dispute.leaseId);
        continue;
      }
      if (!member) continue;
      // A store that began after the dispute opened may have lost a verdict this node signed for it (a deleted or
      // replaced store): a fresh judgement could contradict it, so the node never judges that dispute.
      if ((await this.#p.chain.disputeOpenedAt(dispute.leaseId)) * 1000 < this.#p.store.memorySinceMs) {
        this.#finished.add(dispute.leaseId);
        this.#p.log.warn("not judging a dispute opened before this node's store began", { leaseId: dispute.leaseId, memorySinceMs: this.#p.store.memorySinceMs });
        continue;
      }
      await this.#judgeAndSign(dispute, domain, set);
    }
    for (const own of this.#p.store.openVerdicts()) await this.#advance(own, set);
  }

  async #judgeAndSign(dispute: DisputeCase, domain: VerdictDomain, set: OracleSetView): Promise<void> {
    const key = `${dispute.leaseId}:${dispute.resultHash.toLowerCase()}`;
    const now = this.#now();
    const firstSeen = this.#firstSeen.get(key) ?? now;
    this.#firstSeen.set(key, firstSeen);
    const judgement: Judgement = await judgeJob({
      leaseId: dispute.leaseId,
      resultHash: dispute.resultHash,
      resultUri: dispute.resultUri,
      spec: dispute.spec,
      sampleSize: this.#p.settings.sampleSize,
      giveUp: now - firstSeen >= this.#p.settings.retryWindowMs,
      fetch: this.#p.fetch,
      timeoutMs: this.#p.settings.fetchTimeoutMs,
      hasher: this.#p.hasher ?? hashInWorker,
    });
    if (!judgement.final) {
      this.#m.pending.inc();
      this.#p.log.info("judgement deferred: a document is unreachable", { leaseId: dispute.leaseId, reason: judgement.reason });
      return;
    }
    const verdict: JobVerdict = {
      configDigest: set.configDigest.toLowerCase() as Hex,
      leaseId: dispute.leaseId,
      resultHash: dispute.resultHash.toLowerCase() as Hex,
      outcome: judgement.outcome,
      toProvider: judgement.toProvider,
    };
    const digest = verdictDigest(domain, verdict);
    const signature = await signVerdict(this.#p.account, domain, verdict);
    // Recorded before it leaves the node; if a verdict is already held (a concurrent step), this one is dropped unsent.
    const kept = this.#p.store.recordOwnVerdict({ leaseId: verdict.leaseId, resultHash: verdict.resultHash, digest, verdictJson: verdictToJson(verdict), signature, signedAtMs: now, reason: judgement.reason });
    this.#firstSeen.delete(key);
    if (kept.digest !== digest) return;
    this.#p.store.recordVerdictSignature(digest, this.#p.account.address, signature);
    this.#m.signed.inc({ outcome: OUTCOME_NAME[verdict.outcome] });
    this.#p.log.info("job verdict signed", { leaseId: verdict.leaseId, resultHash: verdict.resultHash, outcome: OUTCOME_NAME[verdict.outcome], reason: judgement.reason, digest });
  }

  async #advance(own: OwnVerdict, set: OracleSetView): Promise<void> {
    const verdict = verdictFromWire(JSON.parse(own.verdictJson));
    if (verdict.configDigest !== set.configDigest.toLowerCase()) return; // signed under an older set: dead
    const status = await this.#p.chain.disputeStatus(own.leaseId);
    const decides = verdict.outcome !== OUTCOME.Abstained;
    if (!(status === DISPUTE_STATUS.Open || (status === DISPUTE_STATUS.Abstained && decides))) {
      this.#p.store.closeVerdict(own.leaseId, own.resultHash);
      return;
    }
    await this.#gossip(own, verdict);
    const held = this.#p.store.verdictSignatures(own.digest);
    const quorum = quorumSignatures(set, held);
    if (quorum === null) return;
    const attempt = Math.floor(Math.max(0, this.#now() - own.signedAtMs) / this.#p.settings.leaderTimeoutMs);
    const leader = set.signers[Number((own.leaseId + BigInt(attempt)) % BigInt(set.signers.length))];
    if (leader !== this.#p.account.address || this.#p.store.verdictSubmission(own.digest) !== undefined) return;
    try {
      const tx = await this.#p.chain.submitVerdict(verdict, quorum);
      if (tx === null) {
        this.#p.store.closeVerdict(own.leaseId, own.resultHash);
        return;
      }
      this.#p.store.recordVerdictSubmission(own.digest, tx);
      this.#m.submitted.inc({ outcome: OUTCOME_NAME[verdict.outcome] });
      this.#p.log.info("job verdict submitted", { leaseId: own.leaseId, outcome: OUTCOME_NAME[verdict.outcome], tx, signatures: set.threshold });
      if (decides) this.#p.store.closeVerdict(own.leaseId, own.resultHash);
    } catch (error) {
      this.#p.log.warn("job verdict not accepted", { leaseId: own.leaseId, error: (error as Error).message.split("\n")[0] });
    }
  }

  async #gossip(own: OwnVerdict, verdict: JobVerdict): Promise<void> {
    const sent = this.#sentTo.get(own.digest) ?? new Set<Address>();
    this.#sentTo.set(own.digest, sent);
    const body = { verdict: verdictToWire(verdict), signature: own.signature };
    await Promise.all(
      this.#p.peers()
        .filter((peer) => !sent.has(peer.address))
        .map(async (peer) => {
          try {
            const response = await this.#p.post(`${peer.url}/v1/verdicts`, body);
            if (response.status === 202) sent.add(peer.address);
            else if (response.status === 409) {
              const { error } = (await response.json()) as { error?: { code?: string } };
              // A peer that judged otherwise will never take it; one that has not judged yet will, on a later step.
              if (error?.code === "CONTRARY_VERDICT") {
                sent.add(peer.address);
                this.#p.log.warn("a peer judged this dispute otherwise", { leaseId: own.leaseId, peer: peer.address });
              }
            }
          } catch {
            // the peer is down: retried on the next step
          }
        }),
    );
  }

  /** A peer's signed verdict (`POST /v1/verdicts`): kept only when it is exactly this node's own. Returns its digest. */
  async accept(raw: unknown): Promise<Hex> {
    const context = this.#p.context();
    if (context === undefined) throw new VerdictRefusedError(409, "NOT_JUDGED", "verdict", "the node is not started");
    const { domain, set } = context;
    const { verdict, signature } = signedVerdictFromWire(raw);
    const refuse = (status: 400 | 409, code: VerdictRefusedError["code"], field: string, message: string): never => {
      this.#m.received.inc({ result: code.toLowerCase() });
      throw new VerdictRefusedError(status, code, field, message);
    };
    const signer = await verdictSigner(domain, verdict, signature);
    const refusal = peerSignatureRefusal(set, { configDigest: verdict.configDigest, signer, field: "verdict" });
    if (refusal !== null) refuse(refusal.status, refusal.code, refusal.field, refusal.message);
    const own = this.#p.store.ownVerdict(verdict.leaseId, verdict.resultHash);
    if (own === undefined) refuse(409, "NOT_JUDGED", "verdict", `this node has not judged lease ${verdict.leaseId}'s result ${verdict.resultHash} yet`);
    const digest = verdictDigest(domain, verdict);
    if (digest !== own!.digest) {
      const mine = verdictFromWire(JSON.parse(own!.verdictJson));
      this.#p.log.warn("contrary verdict signature refused", { leaseId: verdict.leaseId, signer, theirs: OUTCOME_NAME[verdict.outcome], ours: OUTCOME_NAME[mine.outcome] });
      refuse(409, "CONTRARY_VERDICT", "verdict", `this node signed outcome ${mine.outcome} (toProvider ${mine.toProvider}) for lease ${verdict.leaseId}, not ${verdict.outcome} (${verdict.toProvider})`);
    }
    this.#p.store.recordVerdictSignature(digest, signer!, signature);
    this.#m.received.inc({ result: "accepted" });
    return digest;
  }
}
