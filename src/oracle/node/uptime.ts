/**
 * What one oracle node observed over one epoch, from its own heartbeat probes (DESIGN.md, "What uptime means"):
 *
 * - a provider's heartbeat record: heartbeats sent to its agent in the epoch, and how many were answered in time;
 * - a lease's uptime: the seconds of the epoch the lease was running (its overlap with the epoch) are observed; the
 *   first `setupGraceSeconds` of a lease count as up (setup grace); over the rest, the lease is up at a probe when
 *   the provider's agent answered and reported at least the lease's GPU count healthy.
 *
 * Counting rule (time-weighted, on the node's clock): a probe's outcome stands from the moment it was sent until the
 * provider's next probe, for at most `maxHoldSeconds`; the seconds of the running time that some probe's outcome
 * stands for are observed, and those whose probe was up are up (each rounded down, never in the provider's favour).
 * A probe sent before the epoch still stands for the start of the epoch, so the node passes probes from
 * `maxHoldSeconds` before the epoch too. On a wall clock this is the share of up probes weighted by the time between
 * them. On a chain clock that jumps (a local network whose time is moved forward), the jump lies between two probes
 * and takes the outcome of the probe before it: a jump while the agent answers counts as up, a jump while the GPUs
 * fail counts as down, and an epoch skipped entirely by the jump is observed from the probe before it.
 *
 * A lease running in the epoch whose time after the grace has no probe standing for it, and no grace in the
 * epoch, is still named, with 0 seconds up of 0 observed: no evidence, which never counts as downtime, yet the lease
 * gets its leaf (a reported epoch without it would make the lease unsettleable; `deriveLeaves` makes it neutral).
 *
 * @example
 * ```ts
 * const observations = observeEpoch({ node, epoch: 42, epochLength: 3600, probes, leases, setupGraceSeconds: 300 });
 * ```
 */
import type { Address } from "viem";
import type { Observation } from "../aggregate.js";
import type { Probe } from "./store.js";

/** A lease as the node follows it from chain. Times in seconds. */
export interface LeaseView {
  readonly leaseId: bigint;
  readonly provider: Address;
  readonly gpuCount: number;
  readonly start: number;
  readonly end: number;
}

export interface ObserveEpochParameters {
  /** The observing node. */
  readonly node: Address;
  readonly epoch: number;
  readonly epochLength: number;
  /** The node's probes (any range: those before the epoch stand for its start, those after it are ignored). */
  readonly probes: readonly Probe[];
  readonly leases: readonly LeaseView[];
  /** Seconds at the start of a lease that count as up whatever the probes say. */
  readonly setupGraceSeconds: number;
  /** The longest a probe's outcome stands for, in seconds (default: one epoch). */
  readonly maxHoldSeconds?: number;
}

/** The node's observations of the epoch: uptime by lease, heartbeat records by provider. */
export function observeEpoch({ node, epoch, epochLength, probes, leases, setupGraceSeconds, maxHoldSeconds = epochLength }: ObserveEpochParameters): Observation[] {
  const from = epoch * epochLength;
  const to = from + epochLength;
  const byProvider = new Map<string, Probe[]>();
  for (const probe of probes) {
    if (probe.atMs >= to * 1000) continue;
    const key = probe.provider.toLowerCase();
    const list = byProvider.get(key);
    if (list === undefined) byProvider.set(key, [probe]);
    else list.push(probe);
  }
  for (const list of byProvider.values()) list.sort((a, b) => a.atMs - b.atMs);

  const observations: Observation[] = [];
  for (const lease of leases) {
    const start = Math.max(lease.start, from);
    const end = Math.min(lease.end, to);
    if (end <= start) continue;
    const graceEnd = Math.min(Math.max(lease.start + setupGraceSeconds, start), end);
    const grace = graceEnd - start;
    const { observedMs, upMs } = held(byProvider.get(lease.provider.toLowerCase()) ?? [], graceEnd * 1000, end * 1000, maxHoldSeconds * 1000, lease.gpuCount);
    const secondsObserved = grace + Math.floor(observedMs / 1000);
    const secondsUp = grace + Math.floor(upMs / 1000);
    observations.push({ kind: "uptime", node, leaseId: lease.leaseId, epoch, secondsUp, secondsObserved });
  }
  for (const [provider, all] of byProvider) {
    const list = all.filter((p) => p.atMs >= from * 1000);
    if (list.length === 0) continue;
    observations.push({
      kind: "heartbeat",
      node,
      provider: provider as Address,
      epoch,
      heartbeatsAnswered: list.filter((p) => p.ok).length,
      heartbeatsSent: list.length,
    });
  }
  return observations;
}

/** Milliseconds of [fromMs, toMs) that a probe's outcome stands for, and those of them up (probes sorted by time). */
function held(probes: readonly Probe[], fromMs: number, toMs: number, maxHoldMs: number, gpuCount: number): { observedMs: number; upMs: number } {
  let observedMs = 0;
  let upMs = 0;
  for (const [i, probe] of probes.entries()) {
    const next = i + 1 < probes.length ? probes[i + 1].atMs : Infinity;
    const span = Math.max(0, Math.min(next, probe.atMs + maxHoldMs, toMs) - Math.max(probe.atMs, fromMs));
    observedMs += span;
    if (probe.ok && probe.healthyGpus >= gpuCount) upMs += span;
  }
  return { observedMs, upMs };
}
