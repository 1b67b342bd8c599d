/**
 * Prometheus metrics of an oracle node or a provider agent, through `prom-client`: each `Metrics` owns its own
 * `Registry` (never the global one), so several nodes and agents in one process keep separate figures, and each
 * carries the process metrics (`collectDefaultMetrics`: CPU, memory, event-loop lag, handles). Served at
 * `GET /metrics` in the text exposition format.
 *
 * @example
 * ```ts
 * const metrics = new Metrics();
 * const sent = metrics.counter("cinder_oracle_heartbeats_total", "Heartbeats sent to provider agents", ["result"]);
 * sent.inc({ result: "ok" });
 * const latency = metrics.histogram("cinder_oracle_heartbeat_seconds", "Heartbeat round trips", ["result"]);
 * const end = latency.startTimer();
 * end({ result: "ok" });
 * await metrics.render(); // "# HELP cinder_oracle_heartbeats_total ...\ncinder_oracle_heartbeats_total{result=\"ok\"} 1\n..."
 * ```
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Latency buckets in seconds: 1 ms to 2 minutes (a heartbeat is milliseconds, a memory challenge a minute). */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface MetricsParameters {
  /** Add the process metrics (default true). */
  readonly processMetrics?: boolean;
}

/** One registry of metric families. */
export class Metrics {
  readonly registry = new Registry();

  constructor({ processMetrics = true }: MetricsParameters = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** A latency histogram in seconds (`startTimer()` gives the function that observes the elapsed time). */
  histogram<L extends string = string>(name: string, help: string, labelNames: readonly L[] = [], buckets: readonly number[] = LATENCY_BUCKETS): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  /** The `content-type` of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
