import { addStatementCoverageInstrumentation } from "@nomicfoundation/edr";
import { readFileSync } from "node:fs";
import { readHits } from "./scripts/check-coverage.ts";
const hits = readHits();
const file = "contracts/market/JobMarket.sol";
const src = readFileSync(file, "utf8");
const { metadata } = addStatementCoverageInstrumentation(src, "project/" + file, "0.8.30");
const lines = process.argv.slice(2).map(Number);
for (const m of metadata) { const line = src.slice(0, m.startUtf16).split("\n").length + (src.slice(m.startUtf16, m.endUtf16).match(/^\s*/)![0].split("\n").length - 1);
  if (lines.some((l) => Math.abs(l - line) <= 2)) console.log(line, hits.get(Buffer.from(m.tag).toString("hex")) ?? 0, JSON.stringify(src.slice(m.startUtf16, m.endUtf16).trim().slice(0, 80))); }
