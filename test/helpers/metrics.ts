/**
 * Reads Prometheus text exposition (what `GET /metrics` serves) into samples, for tests that scrape a node or an
 * agent: `name{label="v",...}` (labels as served) to value. Comment lines are skipped; a malformed line throws;
 * prom-client writes NaN as `Nan` (an event-loop gauge before its first sample).
 *
 * @example
 * ```ts
 * const samples = parseExposition(await (await fetch(`${node.url}/metrics`)).text());
 * samples.get('cinder_oracle_heartbeats_total{result="ok"}'); // 12
 * ```
 */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)(?: \d+)?$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const value = match[2] === "+Inf" ? Infinity : match[2] === "-Inf" ? -Infinity : Number(match[2]);
    if (Number.isNaN(value) && match[2]!.toLowerCase() !== "nan") throw new Error(`not a sample value: ${JSON.stringify(line)}`);
    samples.set(match[1]!, value);
  }
  return samples;
}

/** The samples of one family whose labels include every given label, e.g. `sum(samples, "x_count", { what: "report" })`. */
export function sumOf(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf("{");
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}
