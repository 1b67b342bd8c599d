/**
 * Plain inline SVG charts for the dashboard: a bar chart (one bar per epoch, optionally grouped series) and a line
 * chart (one or more series over a shared x axis). Pure string builders: no DOM, so they are unit-tested in Node.
 * Every chart carries `data-chart` (its id) and `data-points` (how many points it drew), which the browser test reads
 * to see a chart update.
 *
 * @example
 * ```ts
 * el.innerHTML = barChart({ id: "budget", title: "Emission budget per epoch", yUnit: "CNDR",
 *   series: [{ name: "budget", points: [{ x: 481_000, y: 12.5, label: "RevenueRate" }] }] });
 * ```
 */

/** One point: x (an epoch, a time), y, and an optional label shown in its tooltip. */
export interface ChartPoint {
  x: number;
  y: number;
  label?: string;
}

/** One series. */
export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  /** A dashed line (line charts): for projections. */
  dashed?: boolean;
}

/** Parameters of {@link barChart} and {@link lineChart}. */
export interface ChartParameters {
  /** Identifies the chart in the page (`data-chart`). */
  id: string;
  title: string;
  /** The y axis' unit, shown beside the title. */
  yUnit: string;
  xLabel?: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Fixes the y range (e.g. [0, 100] for percentages); default from the data, always including 0. */
  yDomain?: [number, number];
}

const COLORS = ["#f76707", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f59f00", "#868e96"];
const MARGIN = { left: 64, right: 30, top: 34, bottom: 40 };

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** A short axis label: 12.3k, 4.5M, 0.25. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (abs === 0 || Number.isInteger(value)) return String(value);
  return abs >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

/** Evenly spaced "nice" ticks covering [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  const step = (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

interface Frame {
  width: number;
  height: number;
  yMin: number;
  yMax: number;
  ticks: number[];
  sy: (y: number) => number;
  plotW: number;
  plotH: number;
}

function frame(p: ChartParameters): Frame {
  const width = p.width ?? 560;
  const height = p.height ?? 220;
  const ys = p.series.flatMap((s) => s.points.map((pt) => pt.y));
  let [yMin, yMax] = p.yDomain ?? [Math.min(0, ...ys), Math.max(0, ...ys)];
  if (yMax <= yMin) yMax = yMin + 1;
  const ticks = p.yDomain === undefined ? niceTicks(yMin, yMax) : niceTicks(p.yDomain[0], p.yDomain[1]);
  yMin = Math.min(yMin, ticks[0]);
  yMax = Math.max(yMax, ticks[ticks.length - 1]);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const sy = (y: number) => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  return { width, height, yMin, yMax, ticks, sy, plotW, plotH };
}

function shell(p: ChartParameters, f: Frame, kind: string, points: number, body: string): string {
  const grid = f.ticks
    .map((t) => {
      const y = f.sy(t).toFixed(1);
      return `<line x1="${MARGIN.left}" x2="${f.width - MARGIN.right}" y1="${y}" y2="${y}" class="grid"/><text x="${MARGIN.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t))}</text>`;
    })
    .join("");
  const legend = p.series.length > 1
    ? p.series
        .map((s, i) => `<g transform="translate(${MARGIN.left + 4 + i * 150},${f.height - 10})"><rect width="10" height="10" y="-9" fill="${COLORS[i % COLORS.length]}"/><text x="14" class="legend">${escapeXml(s.name)}</text></g>`)
        .join("")
    : "";
  const empty = points === 0 ? `<text x="${f.width / 2}" y="${MARGIN.top + f.plotH / 2}" text-anchor="middle" class="empty">no data yet</text>` : "";
  const xLabel = p.xLabel === undefined || p.series.length > 1 ? "" : `<text x="${MARGIN.left + f.plotW / 2}" y="${f.height - 6}" text-anchor="middle" class="axis">${escapeXml(p.xLabel)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(p.id)}" data-kind="${kind}" data-points="${points}" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(p.title)}">` +
    `<text x="${MARGIN.left}" y="18" class="title">${escapeXml(p.title)} <tspan class="unit">(${escapeXml(p.yUnit)})</tspan></text>` +
    grid +
    body +
    empty +
    xLabel +
    legend +
    `</svg>`
  );
}

/** Bars per x value; several series side by side within each x slot. x labels are the distinct x values. */
export function barChart(p: ChartParameters): string {
  const f = frame(p);
  const xs = [...new Set(p.series.flatMap((s) => s.points.map((pt) => pt.x)))].sort((a, b) => a - b);
  const slot = xs.length === 0 ? f.plotW : f.plotW / xs.length;
  const barW = Math.max(2, Math.min(40, (slot * 0.8) / Math.max(1, p.series.length)));
  const zero = f.sy(0);
  let drawn = 0;
  let body = "";
  p.series.forEach((s, si) => {
    for (const pt of s.points) {
      const i = xs.indexOf(pt.x);
      const x = MARGIN.left + i * slot + (slot - barW * p.series.length) / 2 + si * barW;
      const y = f.sy(pt.y);
      const top = Math.min(y, zero);
      const h = Math.max(Math.abs(zero - y), pt.y === 0 ? 0 : 1);
      const tip = `${s.name} @ ${pt.x}: ${tickLabel(pt.y)} ${p.yUnit}${pt.label === undefined ? "" : ` (${pt.label})`}`;
      body += `<rect class="bar" data-x="${pt.x}" data-y="${pt.y}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(tip)}</title></rect>`;
      drawn++;
    }
  });
  const every = Math.max(1, Math.ceil(xs.length / 8));
  body += xs
    .map((x, i) => (i % every === 0 ? `<text x="${(MARGIN.left + i * slot + slot / 2).toFixed(1)}" y="${MARGIN.top + f.plotH + 14}" text-anchor="middle" class="tick">${escapeXml(String(x))}</text>` : ""))
    .join("");
  return shell(p, f, "bar", drawn, body);
}

/** Lines over a shared numeric x axis, with a dot per point. */
export function lineChart(p: ChartParameters): string {
  const f = frame(p);
  const xs = p.series.flatMap((s) => s.points.map((pt) => pt.x));
  const [xMin, xMax] = xs.length === 0 ? [0, 1] : [Math.min(...xs), Math.max(...xs)];
  const sx = (x: number) => MARGIN.left + (xMax === xMin ? f.plotW / 2 : ((x - xMin) / (xMax - xMin)) * f.plotW);
  let drawn = 0;
  let body = "";
  p.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const path = s.points.map((pt, i) => `${i === 0 ? "M" : "L"}${sx(pt.x).toFixed(1)},${f.sy(pt.y).toFixed(1)}`).join(" ");
    if (s.points.length > 1) body += `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`;
    for (const pt of s.points) {
      const tip = `${s.name} @ ${pt.x}: ${tickLabel(pt.y)} ${p.yUnit}${pt.label === undefined ? "" : ` (${pt.label})`}`;
      body += `<circle class="dot" data-x="${pt.x}" data-y="${pt.y}" cx="${sx(pt.x).toFixed(1)}" cy="${f.sy(pt.y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(tip)}</title></circle>`;
      drawn++;
    }
  });
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(distinct.length / 8));
  body += distinct
    .map((x, i) => (i % every === 0 ? `<text x="${sx(x).toFixed(1)}" y="${MARGIN.top + f.plotH + 14}" text-anchor="middle" class="tick">${escapeXml(String(x))}</text>` : ""))
    .join("");
  return shell(p, f, "line", drawn, body);
}
