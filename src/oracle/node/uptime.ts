/**
 * What one oracle node observed over one epoch, from its own heartbeat probes (DESIGN.md, "What uptime means"):
 *
 * - a provider's heartbeat record: heartbeats sent to its agent in the epoch, and how many were answered in time;
 * - a lease's uptime: the seconds of the epoch the lease was running (its overlap with the epoch) are observed; the
 *   first `setupGraceSeconds` of a lease count as up (setup grace); over the rest, the lease is up at a probe when
 *   the provider's agent answered and reported at least the lease's GPU count healthy, and `secondsUp` is that
 *   rest scaled by the share of up probes, rounded down (never in the provider's favour).
 *
 * A lease running in the epoch whose time after the grace had no probe of this node, and no grace in the epoch, is
 * still named, with 0 seconds up of 0 observed: no evidence, which never counts as downtime, yet the lease gets its
 * leaf (a reported epoch without it would make the lease unsettleable; `deriveLeaves` makes it neutral).
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
  /** The node's probes (any range; those outside the epoch are ignored). */
  readonly probes: readonly Probe[];
  readonly leases: readonly LeaseView[];
  /** Seconds at the start of a lease that count as up whatever the probes say. */
  readonly setupGraceSeconds: number;
}

/** The node's observations of the epoch: uptime by lease, heartbeat records by provider. */
export function observeEpoch({ node, epoch, epochLength, probes, leases, setupGraceSeconds }: ObserveEpochParameters): Observation[] {
  const from = epoch * epochLength;
  const to = from + epochLength;
  const byProvider = new Map<string, Probe[]>();
  for (const probe of probes) {
    const at = probe.atMs / 1000;
    if (at < from || at >= to) continue;
    const key = probe.provider.toLowerCase();
    byProvider.set(key, [...(byProvider.get(key) ?? []), probe]);
  }

  const observations: Observation[] = [];
  for (const lease of leases) {
    const start = Math.max(lease.start, from);
    const end = Math.min(lease.end, to);
    if (end <= start) continue;
    const graceEnd = Math.min(Math.max(lease.start + setupGraceSeconds, start), end);
    const grace = graceEnd - start;
    const rest = end - graceEnd;
    const inRest = (byProvider.get(lease.provider.toLowerCase()) ?? []).filter((p) => p.atMs / 1000 >= graceEnd && p.atMs / 1000 < end);
    let secondsObserved = grace;
    let secondsUp = grace;
    if (rest > 0 && inRest.length > 0) {
      const up = inRest.filter((p) => p.ok && p.healthyGpus >= lease.gpuCount).length;
      secondsObserved += rest;
      secondsUp += Math.floor((rest * up) / inRest.length);
    }
    observations.push({ kind: "uptime", node, leaseId: lease.leaseId, epoch, secondsUp, secondsObserved });
  }
  for (const [provider, list] of byProvider) {
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
