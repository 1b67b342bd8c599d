/**
 * The dashboard's SVG charts (dashboard/src/chart.ts): what they draw for given points (counts, positions, the
 * point data the browser test reads), the empty state, and that text is escaped.
 */
import { expect } from "chai";
import { barChart, escapeXml, lineChart, niceTicks, tickLabel } from "../../dashboard/src/chart.js";

const attr = (svg: string, name: string) => [...svg.matchAll(new RegExp(` ${name}="([^"]*)"`, "g"))].map((m) => m[1]);

describe("dashboard charts", function () {
  it("a bar chart draws one bar per point, taller for larger values, from the zero line", function () {
    const svg = barChart({ id: "budget", title: "Budget", yUnit: "CNDR", series: [{ name: "budget", points: [{ x: 7, y: 1 }, { x: 8, y: 4, label: "RevenueRate" }, { x: 9, y: 0 }] }] });
    expect(svg).to.match(/^<svg [^>]*data-chart="budget" data-kind="bar" data-points="3"/);
    const rects = [...svg.matchAll(/<rect class="bar" data-x="(\d+)" data-y="([\d.]+)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), top: Number(m[3]), h: Number(m[4]) }));
    expect(rects.map((r) => r.x)).to.deep.equal([7, 8, 9]);
    // chai's closeTo is replaced by the ethers matchers' integer-only one in the full run: compare floats directly.
    expect(Math.abs(rects[1].h - rects[0].h * 4), "bar heights in proportion").to.be.at.most(0.2);
    expect(rects[2].h).to.equal(0);
    expect(Math.abs(rects[0].top + rects[0].h - (rects[1].top + rects[1].h)), "same baseline").to.be.at.most(0.11);
    expect(svg).to.contain("<title>budget @ 8: 4 CNDR (RevenueRate)</title>");
  });

  it("a line chart places dots in x order across the plot and draws a path per series", function () {
    const svg = lineChart({
      id: "projection",
      title: "Net",
      yUnit: "CNDR",
      series: [
        { name: "actual", points: [{ x: 1, y: 0 }, { x: 2, y: 10 }, { x: 3, y: 5 }] },
        { name: "simulated", points: [{ x: 1, y: 1 }, { x: 3, y: 2 }], dashed: true },
      ],
    });
    expect(attr(svg, "data-points")).to.deep.equal(["5"]);
    expect((svg.match(/<path /g) ?? []).length).to.equal(2);
    expect(svg).to.contain('stroke-dasharray="6 4"');
    const cx = [...svg.matchAll(/<circle class="dot" data-x="1" data-y="[\d.]+" cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    const cx3 = [...svg.matchAll(/<circle class="dot" data-x="3" data-y="[\d.]+" cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cx[0]).to.be.lessThan(cx3[0]);
    expect(cx[0]).to.equal(cx[1]); // a shared x axis
    const cy = (x: number) => Number(new RegExp(`data-x="${x}" data-y="[\\d.]+" cx="[\\d.]+" cy="([\\d.]+)"`).exec(svg)![1]);
    expect(cy(2)).to.be.lessThan(cy(3)); // larger y is higher up
    expect(svg).to.contain(">actual</text>");
  });

  it("an empty chart says so and draws nothing; a fixed domain keeps its range", function () {
    const svg = lineChart({ id: "uptime", title: "Uptime", yUnit: "%", yDomain: [0, 100], series: [{ name: "uptime", points: [] }] });
    expect(svg).to.contain('data-points="0"');
    expect(svg).to.contain(">no data yet</text>");
    expect(svg).to.contain(">100</text>");
    expect(svg).to.not.contain("<circle");
  });

  it("escapes titles, names and labels", function () {
    const svg = barChart({ id: 'x"<', title: "<script>alert(1)</script>", yUnit: "a&b", series: [{ name: "s", points: [{ x: 1, y: 1, label: "<b>" }] }] });
    expect(svg).to.not.contain("<script>");
    expect(svg).to.contain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(svg).to.contain('data-chart="x&quot;&lt;"');
    expect(svg).to.contain("(&lt;b&gt;)");
    expect(escapeXml(`'&"`)).to.equal("&#39;&amp;&quot;");
  });

  it("ticks are round numbers covering the range, labelled briefly", function () {
    expect(niceTicks(0, 100)).to.deep.equal([0, 50, 100]);
    expect(niceTicks(-3, 7)).to.deep.equal([-5, 0, 5, 10]);
    expect(niceTicks(0, 0.032)).to.deep.equal([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(5, 5)).to.deep.equal([5]);
    expect([tickLabel(0), tickLabel(12_500), tickLabel(4_500_000), tickLabel(0.25), tickLabel(2.5)]).to.deep.equal(["0", "12.5k", "4.5M", "0.25", "2.5"]);
  });
});
