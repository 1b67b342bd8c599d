/**
 * A dependency-free SVG line chart for the simulator's output: one or more series over a shared x axis, with axes,
 * ticks and a legend.
 *
 * @example
 * writeFileSync("supply.svg", lineChart({ title: "Net supply change", xLabel: "day", yLabel: "CNDR",
 *   series: [{ name: "flat", points: [[0, 0], [1, 12.5]] }] }));
 */

/** One line: its name and its (x, y) points. */
export interface Series {
  name: string;
  points: [number, number][];
}

/** Parameters of {@link lineChart}. */
export interface LineChartParameters {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

const COLORS = ["#d9480f", "#1c7ed6", "#2b8a3e", "#862e9c", "#e67700", "#495057"];

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function label(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Renders the series as a standalone SVG document. */
export function lineChart({ title, xLabel, yLabel, series, width = 720, height = 360 }: LineChartParameters): string {
  const margin = { left: 70, right: 160, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(0, ...ys), Math.max(0, ...ys)];
  if (yMax === yMin) yMax = yMin + 1;
  const yStep = niceStep(yMax - yMin, 5);
  yMin = Math.floor(yMin / yStep) * yStep;
  yMax = Math.ceil(yMax / yStep) * yStep;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - margin.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let y = yMin; y <= yMax + yStep / 2; y += yStep) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(y)}" y2="${sy(y)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${sy(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  const xStep = niceStep(xMax - xMin || 1, 6);
  for (let x = Math.ceil(xMin / xStep) * xStep; x <= xMax; x += xStep) {
    parts.push(`<text x="${sx(x)}" y="${margin.top + plotH + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#495057"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(0)}" y2="${sy(0)}" stroke="#495057"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points.map(([x, y], k) => `${k === 0 ? "M" : "L"}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(" ");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = margin.top + 10 + i * 20;
    parts.push(
      `<line x1="${width - margin.right + 12}" x2="${width - margin.right + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${width - margin.right + 38}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
