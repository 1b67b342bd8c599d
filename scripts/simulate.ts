/**
 * `npm run simulate`: the supply simulator over 90 days of 1-hour epochs under four scenarios (flat revenue,
 * growth, a crash, and a wash-trading attacker), with the deployment's emission schedule, fee and buyback
 * parameters. Writes `simulations/<scenario>.csv`, one chart per scenario and `simulations/supply.svg` (net supply
 * change of all four), and prints a summary. The formulas are the contracts' (checked by test/economics/simulate.test.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { WAD } from "../src/economics/emissions.js";
import { lineChart } from "../src/economics/chart.js";
import { DEFAULT_SIMULATION, simulate, toCsv, USD, type EpochRow, type SimulationConfig } from "../src/economics/simulator.js";

const DAYS = 90;
const EPOCHS = DAYS * 24;
const PROVIDERS = 3;

const scenarios: Record<string, Pick<SimulationConfig, "revenue" | "washProvider"> & { about: string }> = {
  flat: { about: "3 providers earning 1,000 dollars an hour each", revenue: () => Array(PROVIDERS).fill(1_000n * USD) },
  growth: {
    about: "from 300 dollars an hour per provider, growing 0.2% an hour (x75 over 90 days)",
    revenue: (i) => Array(PROVIDERS).fill((300n * USD * 1_002n ** BigInt(i)) / 1_000n ** BigInt(i)),
  },
  crash: {
    about: "1,000 dollars an hour per provider for 30 days, then 100",
    revenue: (i) => Array(PROVIDERS).fill(i < 30 * 24 ? 1_000n * USD : 100n * USD),
  },
  wash: {
    about: "flat honest revenue plus an attacker paying its own provider 20,000 dollars an hour",
    revenue: () => [...Array(PROVIDERS).fill(1_000n * USD), 20_000n * USD],
    washProvider: PROVIDERS,
  },
};

const toNumber = (wei: bigint, decimals: number) => Number(wei) / 10 ** decimals;
mkdirSync("simulations", { recursive: true });
const net: { name: string; points: [number, number][] }[] = [];
const summary: string[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  const rows: EpochRow[] = simulate({ ...DEFAULT_SIMULATION, epochs: EPOCHS, ...scenario });
  writeFileSync(`simulations/${name}.csv`, toCsv(rows));
  let minted = 0n;
  let burned = 0n;
  const emitted: [number, number][] = [];
  const burnt: [number, number][] = [];
  const netPoints: [number, number][] = [];
  rows.forEach((r, i) => {
    minted += r.budget;
    burned += r.burned;
    if ((i + 1) % 24 === 0) {
      const day = (i + 1) / 24;
      emitted.push([day, toNumber(minted, 18)]);
      burnt.push([day, toNumber(burned, 18)]);
      netPoints.push([day, toNumber(minted - burned, 18)]);
    }
  });
  net.push({ name, points: netPoints });
  const charts = [
    { name: "emitted (cumulative)", points: emitted },
    { name: "burned (cumulative)", points: burnt },
    { name: "net supply change", points: netPoints },
  ];
  if (scenario.washProvider !== undefined) {
    charts.push({ name: "attacker PnL (dollars)", points: rows.filter((_, i) => (i + 1) % 24 === 0).map((r, k) => [k + 1, toNumber(r.washPnl, 6)]) });
  }
  writeFileSync(`simulations/${name}.svg`, lineChart({ title: `Scenario "${name}": ${scenario.about}`, xLabel: "day", yLabel: "CNDR", series: charts }));
  const bounds = new Map<string, number>();
  for (const r of rows) bounds.set(r.bound, (bounds.get(r.bound) ?? 0) + 1);
  const last = rows[rows.length - 1]!;
  const revenue = rows.reduce((a, r) => a + r.revenue, 0n);
  summary.push(
    `${name.padEnd(7)} revenue ${toNumber(revenue, 6).toFixed(0).padStart(12)} $  emitted ${toNumber(minted, 18).toFixed(0).padStart(9)}  burned ${toNumber(burned, 18).toFixed(0).padStart(9)}  ` +
      `net ${toNumber(minted - burned, 18).toFixed(0).padStart(9)} CNDR  spot ${toNumber(last.spot, 6).toFixed(4)} $  bounds ${[...bounds].map(([b, n]) => `${b} ${n}`).join(", ")}` +
      (scenario.washProvider === undefined ? "" : `  attacker PnL ${toNumber(last.washPnl, 6).toFixed(0)} $`),
  );
}
writeFileSync(
  "simulations/supply.svg",
  lineChart({ title: "Net CNDR supply change over 90 days (emitted - burned)", xLabel: "day", yLabel: "CNDR", series: net }),
);
console.log(`simulated ${DAYS} days of 1-hour epochs; CSV and SVG in simulations/`);
for (const line of summary) console.log(line);
console.log(`(initial supply ${toNumber(DEFAULT_SIMULATION.supply, 18) / 1e6}M CNDR; pool ${toNumber(DEFAULT_SIMULATION.pool.cndr, 18) / 1e6}M CNDR / ${toNumber(DEFAULT_SIMULATION.pool.asset, 6) / 1e3}k $; 1 CNDR = ${WAD} wei)`);
