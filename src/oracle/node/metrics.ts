/**
 * Prometheus metrics of an oracle node, in the text exposition format (version 0.0.4) served at `GET /metrics`.
 * Counters and gauges only, with optional labels; no dependency.
 *
 * @example
 * ```ts
 * const metrics = new Metrics();
 * const sent = metrics.counter("cinder_oracle_heartbeats_total", "Heartbeats sent to provider agents", ["result"]);
 * sent.inc({ result: "ok" });
 * metrics.render(); // "# HELP cinder_oracle_heartbeats_total ...\n# TYPE ... counter\ncinder_oracle_heartbeats_total{result=\"ok\"} 1\n"
 * ```
 */
type Labels = Record<string, string>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function key(labelNames: readonly string[], labels: Labels): string {
  for (const name of Object.keys(labels)) {
    if (!labelNames.includes(name)) throw new Error(`metrics: unknown label "${name}" (declared: ${labelNames.join(", ") || "none"})`);
  }
  return labelNames.map((name) => `${name}="${String(labels[name] ?? "").replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",");
}

/** One metric family: a value per label combination. */
export class Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`metrics: invalid metric name "${name}"`);
  }

  /** Adds `by` (>= 0 for a counter). */
  inc(labels: Labels = {}, by = 1): void {
    if (this.type === "counter" && by < 0) throw new Error(`metrics: counter ${this.name} cannot decrease`);
    const k = key(this.labelNames, labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }

  /** Sets a gauge. */
  set(value: number, labels: Labels = {}): void {
    if (this.type !== "gauge") throw new Error(`metrics: ${this.name} is a counter; use inc`);
    this.#values.set(key(this.labelNames, labels), value);
  }

  /** The current value (0 when never touched). */
  get(labels: Labels = {}): number {
    return this.#values.get(key(this.labelNames, labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.#values.size === 0 && this.labelNames.length === 0) lines.push(`${this.name} 0`);
    for (const [k, value] of [...this.#values].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(k === "" ? `${this.name} ${value}` : `${this.name}{${k}} ${value}`);
    }
    return lines.join("\n");
  }
}

/** A registry of metric families. */
export class Metrics {
  readonly #metrics = new Map<string, Metric>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Metric {
    return this.#add(new Metric(name, help, "counter", labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Metric {
    return this.#add(new Metric(name, help, "gauge", labelNames));
  }

  #add(metric: Metric): Metric {
    if (this.#metrics.has(metric.name)) throw new Error(`metrics: ${metric.name} is registered twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** The exposition text. */
  render(): string {
    return `${[...this.#metrics.values()].map((metric) => metric.render()).join("\n")}\n`;
  }
}
