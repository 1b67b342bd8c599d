/**
 * An oracle node: an independent verifier that measures provider uptime and co-signs the epoch's report.
 *
 * Each node follows providers and leases from chain events, sends heartbeats to each provider's agent at random
 * times (recording every probe in its embedded database at once), and when an epoch has ended:
 * 1. builds its own observations (`observeEpoch`), signs them once as a bundle and shares it with its peers;
 * 2. if it is the epoch's leader (the set member at `(epoch + attempt) % n`, the attempt advancing every
 *    `leaderTimeoutMs`, so a silent or byzantine leader is replaced), it derives the leaves from the bundles it
 *    holds (median-ratio observations, `deriveLeaves`), builds the tree and the canonical leaf file, and asks every peer to
 *    co-sign the report, sending the bundles it used;
 * 3. a co-signer re-derives the same leaves from those signed bundles (its own must be among them), checks root,
 *    leaf count and content hash, and signs, at most one report per epoch, ever (`NodeStore.recordSignature`);
 * 4. with a quorum of signatures the leader submits, unless the hub already holds the epoch's report.
 * Every node serves the leaf files and Merkle proofs it holds, its bundles, `/metrics` and `/health`. With `verdicts`
 * it also judges job disputes and co-signs their verdicts (verdict.ts, `POST /v1/verdicts`).
 *
 * Strangers cannot drive it: `POST /v1/epochs/<e>/sign`, `/v1/bundles`, `/v1/attestations` and `/v1/verdicts` take
 * only requests signed by a member of the current set (../auth.ts), checked before the body is read; bodies are
 * bounded (a proposal carries at most one bundle per member, each at most `maxBundleBytes`), and a request names an
 * epoch within the late window that has ended at least `settleDelayMs` ago, so no request makes the node fix its
 * own bundle early or for an epoch it would never report. GET endpoints stay public. The server closes slow clients
 * and caps connections (../http.ts).
 *
 * @example
 * ```ts
 * const node = new OracleNode({ account, chain, store, heartbeat: agentHeartbeat(chainId), peers, settings });
 * await node.start(); // serves on settings.listen; node.url
 * await node.stop();
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { type Address, type Hex, type LocalAccount, bytesToHex, getAddress, isAddress } from "viem";
import { type ObservationBundle, deriveLeaves, signBundle, verifyBundle } from "../aggregate.js";
import { LeafError, buildTree, contentHash, parseLeafFile, serializeLeafFile, type LeafTree } from "../../protocol/leaves.js";
import type { NodeChain, OracleSetView } from "./chain.js";
import type { PeerConfig } from "./config.js";
import { type Logger, silentLogger } from "./log.js";
import { Metrics } from "./metrics.js";
import { type EpochReport, epochReportDigest, recoverEpochReportSigner, signEpochReport } from "./report.js";
import type { AgentClient } from "../agent/client.js";
import {
  type ChallengeSettings,
  type FailedChallengeFault,
  type GpuAttestation,
  attestationDigest,
  attestationSigner,
  challengeProvider,
  closeUnansweredRound,
  failedChallengeFault,
  faultReportDigest,
  signAttestation,
  signFaultReport,
} from "./attest.js";
import { AlreadySignedError, NoSigningMemoryError, type NodeStore } from "./store.js";
import { peerSignatureRefusal, quorumSignatures } from "./quorum.js";
import { type DisputeChain, type VerdictSettings, VerdictDesk, VerdictRefusedError } from "./verdict.js";
import { observeEpoch } from "./uptime.js";
import { FaultBook } from "./faults.js";
import { RequestAuthError, RequestGuard, signRequest } from "../auth.js";
import { type HttpLimits, type HttpServer, HttpFault, parseJson, readBody, sendJson, sendText, startHttpServer } from "../http.js";
import { WireError, bundleFromJson, bundleFromWire, bundleToJson, reportFromWire } from "./wire.js";
import { OracleError } from "../errors.js";

/** The outcome of one heartbeat to a provider's agent. A dead provider is data, not an exception. */
export interface HeartbeatOutcome {
  readonly ok: boolean;
  /** GPUs the agent reported healthy (0 when not ok). */
  readonly healthyGpus: number;
  /** Why it failed, or "" when ok. */
  readonly reason: string;
}

/** Sends one heartbeat to `provider`'s agent at `agentUrl` and checks the signed answer. */
export type Heartbeat = (provider: Address, agentUrl: string, nonce: Hex) => Promise<HeartbeatOutcome>;

export interface NodeSettings {
  readonly listen: { readonly host: string; readonly port: number };
  /** `maxHoldSeconds`: the longest one probe's outcome stands for (uptime.ts; default one epoch). */
  readonly heartbeat: { readonly meanIntervalMs: number; readonly maxHoldSeconds?: number };
  readonly epoch: { readonly settleDelayMs: number; readonly leaderTimeoutMs: number; readonly setupGraceSeconds: number };
  readonly minObservers?: number;
  readonly pollIntervalMs: number;
  /** Largest observation bundle a peer may send, bytes (a proposal: one per set member); default 512 KiB. */
  readonly maxBundleBytes?: number;
  /** Timeouts and the connection cap of the HTTP server (../http.ts defaults). */
  readonly http?: Omit<HttpLimits, "maxBodyBytes">;
}

export interface OracleNodeParameters {
  /** The node's signing key (an oracle set member). */
  readonly account: Pick<LocalAccount, "address" | "signTypedData">;
  readonly chain: NodeChain;
  readonly store: NodeStore;
  readonly heartbeat: Heartbeat;
  readonly peers: readonly PeerConfig[];
  readonly settings: NodeSettings;
  readonly log?: Logger;
  /**
   * The node's clock in ms (default the wall clock; in local mode a `ChainClock`'s `now`, src/oracle/clock.ts): probe
   * times, epochs (`floor(now / 1000 / epochLength)`), the settle delay, leader rotation and challenge rounds.
   */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  /**
   * GPU challenges and quorum attestations (see attest.ts); without it the node only measures uptime.
   * `client` makes the agent client for a provider.
   */
  readonly challenges?: { readonly settings: ChallengeSettings; readonly client: (provider: Address, agentUrl: string) => AgentClient };
  /** Job-dispute verdicts (see verdict.ts); without it the node judges no dispute. */
  readonly verdicts?: { readonly chain: DisputeChain; readonly settings: VerdictSettings };
}

/** A request to co-sign: the report and the signed bundles it was derived from. */
interface Proposal {
  readonly report: EpochReport;
  readonly bundles: readonly ObservationBundle[];
}

/** A request the node refuses: `status` and `code` are what it answers with, `field` what was wrong. */
export class HttpError extends OracleError {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Largest attestation or verdict body, bytes. */
const SMALL_BODY = 16 * 1024;
/** Room for a proposal's report and framing, bytes. */
const PROPOSAL_FRAMING = 4 * 1024;

export class OracleNode {
  readonly address: Address;
  readonly metrics = new Metrics();
  readonly #p: OracleNodeParameters;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #fetch: typeof fetch;
  #server: HttpServer | undefined;
  #guard: RequestGuard | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #running = false;
  #chainId = 0;
  #epochLength = 0;
  #lateWindow = 0;
  /** The first epoch this node may sign: epochs that had ended when its store's memory began are never signed. */
  #signFrom = 0;
  #lastReported = 0;
  /** Why the last probe could not be recorded (the store failed under the running node), or undefined. */
  #storeFault: string | undefined;
  #set: OracleSetView | undefined;
  #nextProbe = new Map<Address, number>();
  #busy = false;
  readonly #done = new Set<number>();
  /** Every member's signatures of fault reports, served to keepers once they hold a quorum (`/v1/faults`). */
  readonly #faultBook = new FaultBook();
  /** Peers that accepted this node's bundle, per epoch (so a bundle is pushed once to each). */
  readonly #sharedTo = new Map<number, Set<Address>>();
  /** When a deferred challenge of a provider may run again (ms). */
  readonly #retryAt = new Map<Address, number>();
  /** Providers whose current round has had no correct answer yet, with the last failure seen. */
  readonly #unanswered = new Map<Address, { round: number; detail: string }>();
  /** The fault reports this node signed for failed challenges, by digest (kept for the late window). */
  readonly #faults = new Map<Hex, { report: FailedChallengeFault; signature: Hex }>();
  readonly #m;
  readonly #verdicts: VerdictDesk | undefined;

  constructor(parameters: OracleNodeParameters) {
    this.#p = parameters;
    this.address = getAddress(parameters.account.address);
    this.#log = (parameters.log ?? silentLogger).child({ node: this.address });
    this.#now = parameters.now ?? Date.now;
    this.#random = parameters.random ?? Math.random;
    this.#fetch = parameters.fetch ?? fetch;
    const m = this.metrics;
    this.#m = {
      heartbeats: m.counter("cinder_oracle_heartbeats_total", "Heartbeats sent to provider agents, by result", ["result"]),
      bundlesReceived: m.counter("cinder_oracle_bundles_received_total", "Observation bundles received from peers, by result", ["result"]),
      reportsSigned: m.counter("cinder_oracle_reports_signed_total", "Epoch reports this node signed"),
      reportsSubmitted: m.counter("cinder_oracle_reports_submitted_total", "Epoch reports this node submitted on chain"),
      signRefused: m.counter("cinder_oracle_sign_refused_total", "Co-sign requests refused, by reason", ["reason"]),
      providers: m.gauge("cinder_oracle_providers", "Providers followed"),
      lastReported: m.gauge("cinder_oracle_last_reported_epoch", "Latest epoch with a report on chain that this node saw"),
      epoch: m.gauge("cinder_oracle_current_epoch", "Current epoch"),
      challenges: m.counter("cinder_oracle_challenges_total", "GPU challenges of provider agents, by result", ["result"]),
      attestationsSubmitted: m.counter("cinder_oracle_attestations_submitted_total", "GPU attestations this node submitted on chain"),
      heartbeatSeconds: m.histogram("cinder_oracle_heartbeat_seconds", "Heartbeat (probe) round trips to provider agents, by result", ["result"]),
      challengeSeconds: m.histogram("cinder_oracle_challenge_seconds", "GPU challenges of a provider agent, start to verdict, by result", ["result"]),
      signingSeconds: m.histogram("cinder_oracle_signing_seconds", "Signing this node's bundle or epoch report and recording it, by what", ["what"]),
      submissionSeconds: m.histogram("cinder_oracle_report_submission_seconds", "Epoch report submissions, sent to mined, by result", ["result"]),
    };
    const verdicts = parameters.verdicts;
    this.#verdicts =
      verdicts === undefined
        ? undefined
        : new VerdictDesk({
            account: parameters.account,
            chain: verdicts.chain,
            store: parameters.store,
            settings: verdicts.settings,
            log: this.#log,
            metrics: m,
            context: () => (this.#set === undefined ? undefined : { domain: { chainId: this.#chainId, oracleHub: parameters.chain.oracleHub }, set: this.#set }),
            peers: () => this.#peers(),
            post: (url, body) => this.#post(url, body),
            now: this.#now,
            fetch: parameters.fetch,
          });
  }

  /** The base URL the node serves on (after `start`). */
  get url(): string {
    if (this.#server === undefined) throw new Error("the oracle node is not started");
    return this.#server.url;
  }

  async start(): Promise<void> {
    this.#chainId = await this.#p.chain.chainId();
    this.#epochLength = await this.#p.chain.epochLength();
    this.#lateWindow = await this.#p.chain.lateWindowEpochs();
    this.#signFrom = this.epochAt(this.#p.store.memorySinceMs);
    this.#set = await this.#p.chain.oracleSet();
    if (!this.#set.signers.includes(this.address)) {
      this.#log.warn("this node's key is not in the oracle set: it observes and serves, but its signatures will not count", {
        set: this.#set.signers,
      });
    }
    const { minObservers } = this.#p.settings;
    if (minObservers !== undefined && minObservers < this.#set.threshold) {
      throw new Error(`invalid oracle node settings: minObservers ${minObservers} is below the oracle set's 2f + 1 = ${this.#set.threshold}`);
    }
    // Peers sign what they POST; the members are the current set's (refreshed by every poll).
    this.#guard = new RequestGuard({ chainId: this.#chainId, audience: this.address, members: () => this.#set?.signers ?? [], now: () => Math.floor(this.#now() / 1000) });
    this.#server = await startHttpServer({
      ...this.#p.settings.http,
      host: this.#p.settings.listen.host,
      port: this.#p.settings.listen.port,
      handle: (req, res) => this.#handle(req, res),
      fault: (error) => this.#fault(error),
    });
    this.#running = true;
    this.#log.info("oracle node started", { url: this.url, epochLength: this.#epochLength, threshold: this.#set.threshold });
    this.#loop("poll", this.#p.settings.pollIntervalMs, () => this.#poll());
    this.#loop("probe", Math.min(250, this.#p.settings.heartbeat.meanIntervalMs / 4), () => this.#probeDue());
    if (this.#p.challenges !== undefined) this.#loop("attest", this.#p.settings.pollIntervalMs, () => this.#attest());
    const desk = this.#verdicts;
    if (desk !== undefined) this.#loop("verdicts", this.#p.settings.pollIntervalMs, () => desk.step());
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#server?.close();
  }

  /** The epoch containing `ms`. */
  epochAt(ms: number): number {
    return Math.floor(ms / 1000 / this.#epochLength);
  }

  #loop(name: string, everyMs: number, step: () => Promise<void>): void {
    const run = async () => {
      if (!this.#running) return;
      try {
        await step();
      } catch (error) {
        this.#log.error(`${name} step failed`, { error });
      }
      if (!this.#running) return;
      const timer = setTimeout(run, everyMs);
      this.#timers.add(timer);
    };
    const timer = setTimeout(run, 0);
    this.#timers.add(timer);
  }

  // --- heartbeats ---

  async #probeDue(): Promise<void> {
    const now = this.#now();
    const due = this.#p.chain.providers().filter((p) => p.agentUrl !== null && (this.#nextProbe.get(p.provider) ?? 0) <= now);
    await Promise.all(
      due.map(async ({ provider, agentUrl }) => {
        // Random times: the next probe comes after 0.5x to 1.5x the mean interval, so a provider cannot predict it.
        this.#nextProbe.set(provider, now + this.#p.settings.heartbeat.meanIntervalMs * (0.5 + this.#random()));
        const atMs = this.#now();
        let outcome: HeartbeatOutcome;
        const timer = this.#m.heartbeatSeconds.startTimer();
        try {
          outcome = await this.#p.heartbeat(provider, agentUrl!, bytesToHex(randomBytes(32)));
        } catch (error) {
          outcome = { ok: false, healthyGpus: 0, reason: `error: ${(error as Error).message}` };
        }
        const result = outcome.ok ? "ok" : outcome.reason.split(":")[0] || "failed";
        timer({ result });
        try {
          this.#p.store.recordProbe({ provider, atMs, ok: outcome.ok, healthyGpus: outcome.ok ? outcome.healthyGpus : 0, reason: outcome.reason });
          this.#storeFault = undefined;
        } catch (error) {
          this.#storeFault = (error as Error).message.split("\n")[0];
          throw error;
        }
        this.#m.heartbeats.inc({ result });
      }),
    );
  }

  // --- epochs ---

  async #poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await this.#p.chain.refresh();
      this.#set = await this.#p.chain.oracleSet();
      this.#m.providers.set(this.#p.chain.providers().length);
      const now = this.#now();
      const current = this.epochAt(now);
      this.#m.epoch.set(current);
      const oldest = Math.max(0, current - this.#lateWindow);
      // Epochs past the late window can no longer be reported: forget them (bounded memory on a long-lived node).
      for (const epoch of this.#done) if (epoch < oldest) this.#done.delete(epoch);
      for (const epoch of this.#sharedTo.keys()) if (epoch < oldest) this.#sharedTo.delete(epoch);
      for (let epoch = current - 1; epoch >= oldest && epoch >= 0; epoch--) {
        if (this.#done.has(epoch)) continue;
        const endMs = (epoch + 1) * this.#epochLength * 1000;
        if (now < endMs + this.#p.settings.epoch.settleDelayMs) continue;
        await this.#processEpoch(epoch, now - endMs - this.#p.settings.epoch.settleDelayMs);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #processEpoch(epoch: number, sinceSettledMs: number): Promise<void> {
    if (await this.#p.chain.hasReport(epoch)) {
      await this.#adoptReported(epoch);
      return;
    }
    if (epoch < this.#signFrom) {
      this.#log.info("not signing an epoch that ended before this node's store began", { epoch, signFrom: this.#signFrom });
      this.#markDone(epoch);
      return;
    }
    const own = await this.#ownBundle(epoch);
    if (own === undefined) return;
    if (own.observations.length === 0) {
      // This node saw no provider in the epoch (it was not running, or nobody was followed): nothing to add.
      this.#markDone(epoch);
      return;
    }
    await this.#share(own);
    const set = this.#set!;
    const attempt = Math.floor(sinceSettledMs / this.#p.settings.epoch.leaderTimeoutMs);
    const leader = set.signers[(epoch + attempt) % set.signers.length];
    if (leader === this.address) await this.#lead(epoch, attempt);
  }

  /** The epoch's report is on chain: keep its leaf file (ours if it matches, else a peer's that hashes to the root). */
  async #adoptReported(epoch: number): Promise<void> {
    const root = await this.#p.chain.epochRoot(epoch);
    const held = this.#p.store.leafFile(epoch);
    if (held !== undefined && rootOf(held) === root) {
      this.#markDone(epoch, true);
      return;
    }
    for (const peer of this.#peers()) {
      try {
        const response = await this.#fetch(`${peer.url}/v1/epochs/${epoch}/leaves`, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) continue;
        const json = await response.text();
        if (rootOf(json) === root) {
          this.#p.store.recordLeafFile(epoch, json);
          this.#markDone(epoch, true);
          return;
        }
      } catch {
        // try the next peer
      }
    }
  }

  #markDone(epoch: number, reported = false): void {
    this.#done.add(epoch);
    if (reported && epoch > this.#lastReported) this.#m.lastReported.set((this.#lastReported = epoch));
  }

  /** The node's own signed bundle for the epoch: built once from its persisted probes, then always the same. */
  async #ownBundle(epoch: number): Promise<ObservationBundle | undefined> {
    const held = this.#p.store.ownBundle(epoch);
    if (held !== undefined) return bundleFromJson(held);
    const set = this.#set!;
    // A lost store may hold a bundle this node signed for the epoch: a second, different one would equivocate.
    if (!set.signers.includes(this.address) || epoch < this.#signFrom) return undefined;
    const from = epoch * this.#epochLength;
    const to = from + this.#epochLength;
    const maxHoldSeconds = this.#p.settings.heartbeat.maxHoldSeconds ?? this.#epochLength;
    const observations = observeEpoch({
      node: this.address,
      epoch,
      epochLength: this.#epochLength,
      // From one hold before the epoch: the last probe before it stands for the epoch's start.
      probes: this.#p.store.probesBetween((from - maxHoldSeconds) * 1000, to * 1000),
      leases: await this.#p.chain.leasesOverlapping(from, to),
      setupGraceSeconds: this.#p.settings.epoch.setupGraceSeconds,
      maxHoldSeconds,
    });
    const timer = this.#m.signingSeconds.startTimer({ what: "bundle" });
    const bundle = await signBundle({ signer: this.#p.account, chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub, configDigest: set.configDigest, epoch, observations });
    const kept = bundleFromJson(this.#p.store.keepOwnBundle(epoch, bundleToJson(bundle)));
    timer();
    this.#p.store.recordBundle(epoch, kept.node, kept.signature, bundleToJson(kept));
    this.#log.info("bundle signed", { epoch, observations: kept.observations.length });
    return kept;
  }

  #peers(): readonly PeerConfig[] {
    return this.#p.peers.filter((peer) => peer.address !== this.address);
  }

  /** POSTs `body` to a peer's `url`, signed for that peer (its address from the configured peers). */
  async #post(url: string, body: unknown, timeoutMs = 10_000): Promise<Response> {
    const peer = this.#p.peers.find((p) => url.startsWith(`${p.url}/`));
    if (peer === undefined) throw new Error(`${url} is not a configured peer's`);
    const text = typeof body === "string" ? body : JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    const path = new URL(url).pathname;
    const auth = await signRequest({ signer: this.#p.account, chainId: this.#chainId, audience: peer.address, method: "POST", path, body: text, timestamp: Math.floor(this.#now() / 1000) });
    return this.#fetch(url, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: text, signal: AbortSignal.timeout(timeoutMs) });
  }

  async #share(bundle: ObservationBundle): Promise<void> {
    const json = bundleToJson(bundle);
    const sent = this.#sharedTo.get(bundle.epoch) ?? new Set<Address>();
    this.#sharedTo.set(bundle.epoch, sent);
    await Promise.all(
      this.#peers().filter((peer) => !sent.has(peer.address)).map(async (peer) => {
        try {
          const response = await this.#post(`${peer.url}/v1/bundles`, json);
          if (response.status === 202) sent.add(peer.address);
        } catch {
          // the peer is down; it pulls bundles when it leads, and we retry on the next poll
        }
      }),
    );
  }

  #verifyParams(epoch: number) {
    const set = this.#set!;
    return { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub, oracleSet: set.signers, configDigest: set.configDigest, epoch };
  }

  /** The configured observer floor, raised to the set's 2f + 1 (a smaller one would let f byzantine nodes set a leaf). */
  #minObservers(): number {
    return Math.max(this.#p.settings.minObservers ?? 0, this.#set!.threshold);
  }

  /** Leaves, tree and leaf file from a set of bundles, as every honest node derives them. */
  async #derive(epoch: number, bundles: readonly ObservationBundle[]) {
    const { leaves, diagnostics } = await deriveLeaves(bundles, { ...this.#verifyParams(epoch), epochLength: this.#epochLength, minObservers: this.#minObservers() });
    if (leaves.length === 0) return { tree: undefined, leafFile: undefined, diagnostics };
    const tree = buildTree(leaves);
    const leafFile = serializeLeafFile({ chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub, epoch, tree });
    return { tree, leafFile, diagnostics };
  }

  async #collectBundles(epoch: number): Promise<ObservationBundle[]> {
    await Promise.all(
      this.#peers().map(async (peer) => {
        try {
          const response = await this.#fetch(`${peer.url}/v1/epochs/${epoch}/bundles`, { signal: AbortSignal.timeout(5_000) });
          if (!response.ok) return;
          for (const raw of (await response.json()) as unknown[]) await this.#acceptBundle(raw);
        } catch {
          // unreachable peer: its bundle may still have reached us by push
        }
      }),
    );
    return this.#p.store.bundles(epoch).map((json) => bundleFromJson(json));
  }

  async #lead(epoch: number, attempt: number): Promise<void> {
    if (this.#p.store.submission(epoch) !== undefined) return;
    const set = this.#set!;
    let proposal: Proposal;
    const signed = this.#p.store.signedReport(epoch);
    if (signed !== undefined) {
      proposal = proposalFromJson(signed.reportJson);
      if (proposal.report.configDigest !== set.configDigest) return;
    } else {
      const bundles = await this.#collectBundles(epoch);
      const { tree, leafFile, diagnostics } = await this.#derive(epoch, bundles);
      if (diagnostics.nodes.length < set.threshold) {
        this.#log.info("waiting for bundles", { epoch, have: diagnostics.nodes.length, need: set.threshold });
        return;
      }
      if (tree === undefined || leafFile === undefined) {
        this.#log.info("nothing to report", { epoch });
        this.#markDone(epoch);
        return;
      }
      const used = new Set(diagnostics.nodes.map((n) => n.toLowerCase()));
      const report: EpochReport = { configDigest: set.configDigest, epoch, root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(leafFile) };
      proposal = { report, bundles: bundles.filter((b) => used.has(b.node.toLowerCase())) };
      await this.#sign(proposal, leafFile);
    }
    const own = this.#p.store.signedReport(epoch)!;
    const signatures = new Map<Address, Hex>();
    const domain = { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub };
    if ((await recoverEpochReportSigner({ ...domain, report: proposal.report, signature: own.signature })) === this.address) {
      signatures.set(this.address, own.signature);
    }
    const body = proposalToJson(proposal);
    await Promise.all(
      this.#peers().map(async (peer) => {
        try {
          const response = await this.#post(`${peer.url}/v1/epochs/${epoch}/sign`, body);
          if (!response.ok) return;
          const { signature } = (await response.json()) as { signature?: Hex };
          if (typeof signature !== "string") return;
          const signer = await recoverEpochReportSigner({ chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub, report: proposal.report, signature });
          if (signer !== null && signer === peer.address && set.signers.includes(signer)) signatures.set(signer, signature);
          else this.#log.warn("peer returned an invalid signature", { epoch, peer: peer.address });
        } catch {
          // peer down: the quorum may still form without it
        }
      }),
    );
    const quorum = quorumSignatures(set, signatures);
    if (quorum === null) {
      this.#log.info("below quorum", { epoch, attempt, signatures: signatures.size, threshold: set.threshold });
      return;
    }
    if (await this.#p.chain.hasReport(epoch)) return;
    const timer = this.#m.submissionSeconds.startTimer();
    let tx: Hex | null;
    try {
      tx = await this.#p.chain.submitEpochReport(proposal.report, quorum);
    } catch (error) {
      timer({ result: "failed" });
      throw error;
    }
    timer({ result: tx === null ? "already_reported" : "submitted" });
    if (tx === null) return;
    this.#p.store.recordSubmission(epoch, tx);
    this.#m.reportsSubmitted.inc();
    this.#log.info("epoch report submitted", { epoch, tx, root: proposal.report.root, leafCount: proposal.report.leafCount });
  }

  /** Signs a proposal's report once, with its leaf file; throws AlreadySignedError for a second, different one. */
  async #sign(proposal: Proposal, leafFile: string): Promise<Hex> {
    const domain = { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub };
    const digest = epochReportDigest({ ...domain, report: proposal.report });
    const held = this.#p.store.signedReport(proposal.report.epoch);
    if (held !== undefined) {
      if (held.digest !== digest) throw new AlreadySignedError(proposal.report.epoch, held.digest, digest);
      return held.signature;
    }
    if (proposal.report.epoch < this.#signFrom) throw new NoSigningMemoryError(proposal.report.epoch, this.#signFrom);
    const timer = this.#m.signingSeconds.startTimer({ what: "report" });
    const signature = await signEpochReport({ ...domain, signer: this.#p.account, report: proposal.report });
    const kept = this.#p.store.recordSignature({ epoch: proposal.report.epoch, digest, reportJson: proposalToJson(proposal), signature }, leafFile);
    timer();
    if (kept.signature === signature) this.#m.reportsSigned.inc();
    return kept.signature;
  }

  // --- GPU challenges and attestations ---

  async #attest(): Promise<void> {
    const { settings, client } = this.#p.challenges!;
    const set = this.#set;
    if (set === undefined || !set.signers.includes(this.address)) return;
    const nowS = Math.floor(this.#now() / 1000);
    const round = Math.floor(nowS / settings.roundSeconds);
    const domain = { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub };
    // A round that ended without a correct answer is recorded: unanswered, or failed after enough in a row.
    for (const [provider, pending] of this.#unanswered) {
      if (pending.round >= round) continue;
      this.#unanswered.delete(provider);
      if (this.#p.store.challenged(provider, pending.round) !== undefined) continue;
      const closed = closeUnansweredRound({ ...pending, recorded: (r) => this.#p.store.challenged(provider, r), settings });
      this.#p.store.recordChallenge(provider, pending.round, false, closed.detail);
      this.#m.challenges.inc({ result: closed.failed ? "failed" : "unanswered" });
      this.#log.info(closed.failed ? "provider failed a challenge" : "provider left a round unanswered", { provider, round: pending.round, detail: closed.detail });
      if (closed.failed) await this.#signFault(provider, pending.round, false);
    }
    const due = this.#p.chain
      .providers()
      .filter(({ provider, agentUrl }) => agentUrl !== null && this.#p.store.challenged(provider, round) === undefined && (this.#retryAt.get(provider) ?? 0) <= this.#now());
    // One read of the running leases per step, not one per provider.
    const leasedProviders = due.length === 0 ? new Set<Address>() : new Set((await this.#p.chain.leasesOverlapping(nowS, nowS + 1)).map((lease) => lease.provider));
    for (const { provider, agentUrl } of due) {
      const leased = leasedProviders.has(provider);
      const timer = this.#m.challengeSeconds.startTimer();
      const outcome = await challengeProvider({ client: client(provider, agentUrl!), provider, configDigest: set.configDigest, now: nowS, leased, settings });
      timer({ result: outcome.answered ? (outcome.passed ? "passed" : "failed") : "retry" });
      if (!outcome.answered) {
        // No correct answer yet (busy with another node's challenge, down, or lying): retry within the round at a
        // random time, not in lockstep with the others; the round's end decides (closeUnansweredRound).
        this.#unanswered.set(provider, { round, detail: outcome.detail });
        this.#retryAt.set(provider, this.#now() + this.#p.settings.pollIntervalMs * (2 + 8 * this.#random()));
        this.#m.challenges.inc({ result: "retry" });
        this.#log.debug("challenge deferred", { provider, round, detail: outcome.detail });
        continue;
      }
      this.#unanswered.delete(provider);
      this.#p.store.recordChallenge(provider, round, outcome.passed, outcome.detail);
      this.#m.challenges.inc({ result: outcome.passed ? "passed" : "failed" });
      this.#log.info(outcome.passed ? "provider passed its challenges" : "provider failed a challenge", { provider, round, detail: outcome.detail });
      if (!outcome.passed) await this.#signFault(provider, round, true);
      for (const attestation of settings.signAttestations === false ? [] : outcome.attestations) {
        const signature = await signAttestation(this.#p.account, domain, attestation);
        try {
          await this.#acceptAttestation({ attestation, signature });
        } catch (error) {
          this.#log.error("own attestation signature rejected", { provider, error: (error as Error).message });
          continue;
        }
        await Promise.all(
          this.#peers().map((peer) => this.#post(`${peer.url}/v1/attestations`, { attestation, signature }).catch(() => undefined)),
        );
      }
    }
    await this.#submitAttestations();
  }

  /** The `FailedGpuChallenge` fault reports this node signed, within the hub's late window. */
  faultReports(): { report: FailedChallengeFault; signature: Hex }[] {
    return [...this.#faults.values()];
  }

  /** Signs the fault report of `provider`'s failed `round`, the same report every node derives. */
  async #signFault(provider: Address, round: number, proven: boolean): Promise<void> {
    const { roundSeconds } = this.#p.challenges!.settings;
    const domain = { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub };
    const report = failedChallengeFault({ configDigest: this.#set!.configDigest, provider, round, roundSeconds, epochLength: this.#epochLength, proven });
    const oldest = BigInt(Math.max(0, this.epochAt(this.#now()) - this.#lateWindow));
    for (const [digest, held] of this.#faults) if (held.report.epoch < oldest) this.#faults.delete(digest);
    const signature = await signFaultReport(this.#p.account, domain, report);
    this.#faults.set(faultReportDigest(domain, report), { report, signature });
    // Gathered with the peers' signatures of the same report, so keepers find a quorum at any node (`GET /v1/faults`).
    const wire = { report: { ...report, epoch: report.epoch.toString() }, signatures: [signature] };
    await this.#faultBook.accept(this.#set!, domain, wire);
    await Promise.all(this.#peers().map((peer) => this.#post(`${peer.url}/v1/faults`, wire).catch(() => undefined)));
    this.#log.warn("fault report signed", { provider, round, epoch: Number(report.epoch), evidenceHash: report.evidenceHash });
  }

  /** Keeps a member's signature of a current-set attestation; returns its digest. */
  async #acceptAttestation(raw: unknown): Promise<Hex> {
    const { attestation, signature } = attestationFromWire(raw);
    const domain = { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub };
    const signer = await attestationSigner(domain, attestation, signature);
    const refusal = peerSignatureRefusal(this.#set!, { configDigest: attestation.configDigest, signer, field: "attestation" });
    if (refusal !== null) throw new HttpError(refusal.status, refusal.code, refusal.message, refusal.field);
    const digest = attestationDigest(domain, attestation);
    this.#p.store.recordAttestationSignature(digest, signer!, signature, JSON.stringify(attestation));
    return digest;
  }

  async #submitAttestations(): Promise<void> {
    const set = this.#set!;
    for (const [digest, { json, signatures }] of this.#p.store.attestationSignatures()) {
      const attestation = JSON.parse(json) as GpuAttestation;
      if (attestation.configDigest !== set.configDigest || attestation.expiresAt <= this.#now() / 1000) {
        this.#p.store.dropAttestation(digest);
        continue;
      }
      const quorum = quorumSignatures(set, signatures);
      if (quorum === null) continue;
      if (await this.#p.chain.isAccepted(digest)) {
        this.#p.store.dropAttestation(digest);
        continue;
      }
      try {
        const tx = await this.#p.chain.submitGpuAttestation(attestation, quorum);
        if (tx !== null) {
          this.#m.attestationsSubmitted.inc();
          this.#log.info("GPU attestation submitted", { provider: attestation.provider, gpuId: attestation.gpuId, tx });
        }
        this.#p.store.dropAttestation(digest);
      } catch (error) {
        this.#log.warn("GPU attestation not accepted", { provider: attestation.provider, gpuId: attestation.gpuId, error: (error as Error).message.split("\n")[0] });
      }
    }
  }

  // --- co-signing ---

  async #acceptBundle(raw: unknown): Promise<ObservationBundle> {
    const bundle = bundleFromWire(raw);
    const current = this.epochAt(this.#now());
    if (bundle.epoch >= current) throw new HttpError(400, "EPOCH_NOT_ENDED", `epoch ${bundle.epoch} has not ended (current ${current})`, "bundle.epoch");
    this.#refuseTooOld(bundle.epoch, "bundle.epoch");
    const verified = await verifyBundle(bundle, this.#verifyParams(bundle.epoch));
    this.#p.store.recordBundle(verified.epoch, verified.node, verified.signature, bundleToJson(verified));
    this.#m.bundlesReceived.inc({ result: "accepted" });
    return verified;
  }

  /** Refuses an epoch before the late window: it can no longer be reported, so nothing is kept or built for it. */
  #refuseTooOld(epoch: number, field: string): void {
    const oldest = Math.max(0, this.epochAt(this.#now()) - this.#lateWindow);
    if (epoch < oldest) throw new HttpError(409, "EPOCH_TOO_OLD", `epoch ${epoch} is before the late window (oldest reportable ${oldest})`, field);
  }

  /** Refuses an epoch this node would not process yet (not ended `settleDelayMs` ago) or ever (before the late window). */
  #refuseOutOfWindow(epoch: number, field: string): void {
    const now = this.#now();
    const settledAt = (epoch + 1) * this.#epochLength * 1000 + this.#p.settings.epoch.settleDelayMs;
    if (now < settledAt) {
      this.#m.signRefused.inc({ reason: "EPOCH_NOT_ENDED" });
      throw new HttpError(409, "EPOCH_NOT_ENDED", `epoch ${epoch} has not ended and settled (it settles in ${settledAt - now} ms)`, field);
    }
    try {
      this.#refuseTooOld(epoch, field);
    } catch (error) {
      this.#m.signRefused.inc({ reason: "EPOCH_TOO_OLD" });
      throw error;
    }
  }

  async #coSign(epoch: number, raw: unknown): Promise<Hex> {
    const set = this.#set!;
    const count = (raw as { bundles?: unknown } | null)?.bundles;
    if (Array.isArray(count) && count.length > set.signers.length) {
      throw new HttpError(400, "TOO_MANY_BUNDLES", `${count.length} bundles, but the set has ${set.signers.length} members (one bundle each)`, "bundles");
    }
    const proposal = proposalFromWire(raw);
    const refuse = (code: string, message: string, field?: string): never => {
      this.#m.signRefused.inc({ reason: code });
      throw new HttpError(409, code, message, field);
    };
    if (proposal.report.epoch !== epoch) refuse("EPOCH_MISMATCH", `report is for epoch ${proposal.report.epoch}, path says ${epoch}`, "report.epoch");
    if (proposal.report.configDigest !== set.configDigest) refuse("CONFIG_DIGEST_MISMATCH", `report digest ${proposal.report.configDigest} is not the current ${set.configDigest}`, "report.configDigest");
    const own = await this.#ownBundle(epoch);
    if (own !== undefined && !proposal.bundles.some((b) => b.signature === own.signature)) {
      refuse("OWN_BUNDLE_OMITTED", `the proposal leaves out this node's bundle for epoch ${epoch}`, "bundles");
    }
    const { tree, leafFile, diagnostics } = await this.#derive(epoch, proposal.bundles);
    if (diagnostics.nodes.length < set.threshold) refuse("TOO_FEW_BUNDLES", `${diagnostics.nodes.length} valid bundles, need ${set.threshold}`, "bundles");
    if (tree === undefined || leafFile === undefined) return refuse("EMPTY", "the bundles give no leaves", "bundles");
    const derived = { root: tree.root, leafCount: tree.leafCount, contentHash: contentHash(leafFile) };
    for (const key of ["root", "leafCount", "contentHash"] as const) {
      if (derived[key] !== proposal.report[key]) refuse("LEAVES_MISMATCH", `re-derived ${key} ${derived[key]} differs from the proposal's ${proposal.report[key]}`, `report.${key}`);
    }
    try {
      return await this.#sign(proposal, leafFile);
    } catch (error) {
      if (error instanceof AlreadySignedError) return refuse("ALREADY_SIGNED", error.message, "report");
      if (error instanceof NoSigningMemoryError) return refuse("NO_SIGNING_MEMORY", error.message, "report.epoch");
      throw error;
    }
  }

  // --- HTTP ---

  /** Peers' POSTs: signed by a member (checked before the body is read), at most `limit` bytes, then JSON. */
  async #signedJson(req: IncomingMessage, limit: number, beforeBody?: () => void): Promise<unknown> {
    const signed = await this.#guard!.check(req);
    beforeBody?.();
    const body = await readBody(req, limit);
    signed.checkBody(body);
    return parseJson(body);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => sendJson(res, status, body);
    const url = new URL(req.url ?? "/", "http://node");
    const path = url.pathname;
    const bundleBytes = this.#p.settings.maxBundleBytes ?? 512 * 1024;
    let m: RegExpExecArray | null;
    if (req.method === "GET" && path === "/health") {
      const fault = this.#storeFault;
      if (fault !== undefined) return send(503, { ok: false, node: this.address, error: { code: "STORE_FAILED", message: `the store cannot record probes: ${fault}` } });
      return send(200, { ok: true, node: this.address, epoch: this.epochAt(this.#now()) });
    }
    if (req.method === "GET" && path === "/metrics") return sendText(res, 200, await this.metrics.render(), this.metrics.contentType);
    if (req.method === "POST" && path === "/v1/bundles") {
      const bundle = await this.#acceptBundle(await this.#signedJson(req, bundleBytes));
      return send(202, { accepted: true, node: bundle.node, epoch: bundle.epoch });
    }
    if (req.method === "POST" && path === "/v1/attestations") {
      if (this.#p.challenges === undefined) throw new HttpError(404, "NOT_FOUND", "this node does not attest GPUs");
      return send(202, { accepted: true, digest: await this.#acceptAttestation(await this.#signedJson(req, SMALL_BODY)) });
    }
    if (req.method === "POST" && path === "/v1/verdicts") {
      if (this.#verdicts === undefined) throw new HttpError(404, "NOT_FOUND", "this node does not judge job disputes");
      return send(202, { accepted: true, digest: await this.#verdicts.accept(await this.#signedJson(req, SMALL_BODY)) });
    }
    if (path === "/v1/faults") {
      if (req.method === "GET") {
        const since = url.searchParams.get("since") ?? "0";
        if (!/^(0|[1-9][0-9]{0,19})$/.test(since)) throw new HttpError(400, "MALFORMED", `since must be an epoch, got ${since}`, "since");
        return send(200, this.#faultBook.since(this.#set!, BigInt(since)));
      }
      if (req.method === "POST") {
        const raw = await this.#signedJson(req, SMALL_BODY);
        const { digest, refusal } = await this.#faultBook.accept(this.#set!, { chainId: this.#chainId, oracleHub: this.#p.chain.oracleHub }, raw);
        if (refusal !== null) throw new HttpError(refusal.status, refusal.code, refusal.message, refusal.field);
        return send(202, { accepted: true, digest });
      }
    }
    if ((m = /^\/v1\/epochs\/(\d+)\/(bundles|sign|leaves|proof)$/.exec(path)) !== null) {
      const epoch = Number(m[1]);
      if (!Number.isSafeInteger(epoch)) throw new HttpError(400, "MALFORMED", `epoch ${m[1]} is too large`, "epoch");
      if (req.method === "GET" && m[2] === "bundles") return send(200, this.#p.store.bundles(epoch).map((json) => JSON.parse(json) as unknown));
      if (req.method === "POST" && m[2] === "sign") {
        const raw = await this.#signedJson(req, this.#set!.signers.length * bundleBytes + PROPOSAL_FRAMING, () => this.#refuseOutOfWindow(epoch, "report.epoch"));
        return send(200, { signature: await this.#coSign(epoch, raw) });
      }
      const file = this.#p.store.leafFile(epoch);
      if (req.method === "GET" && m[2] === "leaves") {
        if (file === undefined) throw new HttpError(404, "NO_LEAF_FILE", `this node holds no leaf file for epoch ${epoch}`);
        return sendText(res, 200, file, "application/json");
      }
      if (req.method === "GET" && m[2] === "proof") {
        if (file === undefined) throw new HttpError(404, "NO_LEAF_FILE", `this node holds no leaf file for epoch ${epoch}`);
        return send(200, proofFor(parseLeafFile(file).tree, url.searchParams));
      }
    }
    throw new HttpError(404, "NOT_FOUND", `no route ${req.method} ${path}`);
  }

  /** The status and `{ error: { code, field, message } }` answering `error`. */
  #fault(error: unknown): { status: number; body: unknown } {
    const body = (code: string, message: string, field?: string) => ({ error: { code, field, message } });
    if (error instanceof HttpError) return { status: error.status, body: body(error.code, error.message, error.field) };
    if (error instanceof RequestAuthError) return { status: error.status, body: body(error.code.toUpperCase().replace(/-/g, "_"), error.shortMessage, error.field) };
    if (error instanceof HttpFault) {
      const code = error.code === "invalid-json" ? "MALFORMED" : error.code === "too-large" ? "TOO_LARGE" : "BUSY";
      return { status: error.status, body: body(code, error.shortMessage, error.code === "invalid-json" ? "(body)" : undefined) };
    }
    if (error instanceof VerdictRefusedError) return { status: error.status, body: body(error.code, error.message, error.field) };
    if (error instanceof WireError) return { status: 400, body: body("MALFORMED", error.message, error.field) };
    if (error instanceof LeafError) return { status: 400, body: body(error.code, error.message, error.field) };
    this.#log.error("request failed", { error });
    return { status: 500, body: body("INTERNAL", (error as Error).message) };
  }
}

function rootOf(leafFile: string): Hex | undefined {
  try {
    return parseLeafFile(leafFile).tree.root;
  } catch {
    return undefined;
  }
}

/** `{ epoch, root, leaf, leafHash, proof }` for `?leaseId=N` or `?provider=0x..`. */
function proofFor(tree: LeafTree, query: URLSearchParams) {
  const leaseId = query.get("leaseId");
  const provider = query.get("provider");
  let index: number;
  if (leaseId !== null) {
    if (!/^(0|[1-9][0-9]*)$/.test(leaseId)) throw new HttpError(400, "MALFORMED", `leaseId must be a decimal integer, got ${leaseId}`, "leaseId");
    index = tree.leaves.findIndex((leaf) => leaf.kind === "uptime" && leaf.leaseId === BigInt(leaseId));
  } else if (provider !== null) {
    if (!isAddress(provider, { strict: false })) throw new HttpError(400, "MALFORMED", `provider must be an address, got ${provider}`, "provider");
    index = tree.leaves.findIndex((leaf) => leaf.kind === "heartbeat" && leaf.provider.toLowerCase() === provider.toLowerCase());
  } else {
    throw new HttpError(400, "MALFORMED", "give leaseId or provider", "query");
  }
  if (index < 0) throw new HttpError(404, "NOT_IN_TREE", `no leaf for ${leaseId !== null ? `lease ${leaseId}` : `provider ${provider}`} in this epoch`);
  return { epoch: tree.leaves[index].epoch, root: tree.root, leaf: tree.leaves[index], leafHash: tree.leafHash(index), proof: tree.proof(index) };
}

function proposalToJson(proposal: Proposal): string {
  return JSON.stringify({ report: proposal.report, bundles: proposal.bundles.map((b) => JSON.parse(bundleToJson(b)) as unknown) });
}

function proposalFromWire(raw: unknown): Proposal {
  if (typeof raw !== "object" || raw === null) throw new WireError("(body)", "must be an object");
  const { report, bundles } = raw as { report?: unknown; bundles?: unknown };
  if (!Array.isArray(bundles)) throw new WireError("bundles", "must be an array");
  return { report: reportFromWire(report), bundles: bundles.map((b, i) => bundleFromWire(b, `bundles[${i}]`)) };
}

function proposalFromJson(json: string): Proposal {
  return proposalFromWire(JSON.parse(json));
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function attestationFromWire(raw: unknown): { attestation: GpuAttestation; signature: Hex } {
  if (typeof raw !== "object" || raw === null) throw new WireError("(body)", "must be an object");
  const { attestation, signature } = raw as { attestation?: Record<string, unknown>; signature?: unknown };
  if (typeof attestation !== "object" || attestation === null) throw new WireError("attestation", "must be an object");
  for (const key of ["configDigest", "gpuId", "modelClass", "evidenceHash"] as const) {
    if (typeof attestation[key] !== "string" || !BYTES32.test(attestation[key] as string)) throw new WireError(`attestation.${key}`, "must be 32 bytes of hex");
  }
  if (typeof attestation.provider !== "string" || !isAddress(attestation.provider, { strict: false })) throw new WireError("attestation.provider", "must be an address");
  for (const [key, max] of [["memoryMiB", 2 ** 32 - 1], ["tier", 255], ["issuedAt", 2 ** 40 - 1], ["expiresAt", 2 ** 40 - 1]] as const) {
    const value = attestation[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) throw new WireError(`attestation.${key}`, `must be an integer in [0, ${max}]`);
  }
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) throw new WireError("signature", "must be 65 bytes of hex");
  const a = attestation as unknown as GpuAttestation;
  return {
    attestation: {
      configDigest: a.configDigest,
      provider: getAddress(a.provider),
      gpuId: a.gpuId,
      modelClass: a.modelClass,
      memoryMiB: a.memoryMiB,
      tier: a.tier,
      evidenceHash: a.evidenceHash,
      issuedAt: a.issuedAt,
      expiresAt: a.expiresAt,
    },
    signature: signature as Hex,
  };
}
