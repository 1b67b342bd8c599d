/**
 * `npm run demo`: the whole Cinder story on the in-process network, with no setup (see scripts/lib/demo.ts), then a
 * readable summary with the numbers. `CINDER_DEMO_QUIET=1` prints the summary only.
 */
import { network } from "hardhat";
import { formatDemoSummary, runDemo } from "./lib/demo.js";

const connection = (await network.create()) as Parameters<typeof runDemo>[0]["connection"];
const quiet = process.env.CINDER_DEMO_QUIET === "1";
try {
  const summary = await runDemo({ connection, log: quiet ? undefined : (line) => console.log(`  ${line}`) });
  console.log(`\n${formatDemoSummary(summary)}`);
} catch (error) {
  const e = error as { shortMessage?: string; message?: string; details?: string };
  console.error(`demo failed: ${e.shortMessage ?? e.message ?? String(error)}${e.details === undefined ? "" : `\n  ${e.details}`}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
