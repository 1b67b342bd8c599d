/**
 * `npm run demo` in CI: runs the demo's story (scripts/lib/demo.ts) on a fresh in-process network and checks its key
 * numbers: GPUs attested through the challenges, 1,000 requests settled by one redemption, an SLA credit paid for the
 * downtime, the fraud slashed after the veto window with the provider jailed, emissions from revenue, the supply down
 * by the buyback's burn, the governance change applied, and the summary printed with units.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type DemoSummary, formatDemoSummary, runDemo } from "../../scripts/lib/demo.js";

describe("npm run demo", function () {
  this.timeout(240_000);
  let summary: DemoSummary;
  const lines: string[] = [];

  before(async function () {
    const connection = (await network.create()) as Parameters<typeof runDemo>[0]["connection"];
    try {
      summary = await runDemo({ connection, log: (line) => lines.push(line) });
    } finally {
      await connection.close();
    }
  });

  it("attests every provider's simulated GPUs through the quorum's challenges, then stakes and delegates", function () {
    expect(summary.providers.map((p) => [p.name, p.gpus, p.stake])).to.deep.equal([
      ["atlas", 2, 400n * 10n ** 18n],
      ["borealis", 2, 400n * 10n ** 18n],
      ["cobalt", 2, 400n * 10n ** 18n],
    ]);
    for (const p of summary.providers) expect(p.challenge).to.match(/^H100 matmul \d+ ms, H100 memory passed$/);
    expect(summary.delegation.amount).to.equal(200n * 10n ** 18n);
    expect(summary.delegation.rewardsClaimed > 0n).to.equal(true);
  });

  it("streams the lease to the provider and settles 1,000 inference requests with one voucher redemption", function () {
    expect(summary.lease.value).to.equal(8_000_000n);
    expect(summary.lease.providerWithdrew).to.equal(7_920_000n); // the whole lease, less the 1% fee
    expect(summary.inference).to.deep.include({ requests: 1_000, vouchersVerified: 1_000, redemptions: 1, paid: 2_000_000n, providerNet: 1_980_000n });
  });

  it("credits the client of the provider that went down, from a quorum report settled with proofs, and not the other", function () {
    expect(summary.oracle.epochs).to.have.length(2);
    expect(summary.sla.secondsObserved).to.equal(7_200);
    expect(summary.sla.secondsUp).to.equal(7_200 - 5 * 300); // 5 heartbeat slots of 300 s missed
    expect(summary.sla.credit > 0n).to.equal(true);
    expect(summary.sla.clientReceived).to.equal(summary.sla.credit);
    expect(summary.sla.healthyLeaseCredit).to.equal(0n);
  });

  it("slashes the faked compute after the veto window and jails the provider", function () {
    expect(summary.fraud.reason).to.match(/matrix challenge/);
    expect(summary.fraud.amount).to.equal(200n * 10n ** 18n); // fraud: the whole per-GPU stake
    expect(summary.fraud.slashed).to.equal(summary.fraud.amount);
    expect(summary.fraud.bounty + summary.fraud.burned).to.equal(summary.fraud.slashed);
    expect(summary.fraud.providerStatus).to.equal("Jailed");
    expect(summary.fraud.watched).to.deep.equal([summary.fraud.proposalId]); // seen by a SlashExecuted watcher
  });

  it("emits against revenue, and the buyback lowers the supply by exactly what it burned", function () {
    const revenue = summary.emissions.epochs.filter((e) => e.revenue > 0n);
    expect(revenue.length).to.be.above(0);
    for (const e of summary.emissions.epochs) expect(e.budget > 0n).to.equal(e.revenue > 0n);
    expect(summary.emissions.minted).to.equal(summary.emissions.epochs.reduce((s, e) => s + e.budget, 0n));
    expect(summary.buyback.burned > 0n).to.equal(true);
    expect(summary.buyback.supplyBefore - summary.buyback.supplyAfter).to.equal(summary.buyback.burned);
    expect(summary.supply.end).to.equal(summary.supply.start + summary.emissions.minted - summary.buyback.burned - summary.fraud.burned);
  });

  it("changes a parameter through the Governor and the Timelock", function () {
    expect(summary.governance.state).to.equal("Executed");
    expect(summary.governance.after - summary.governance.before).to.equal(7n * 86_400n);
  });

  it("prints a readable summary with units, in under two minutes", function () {
    const text = formatDemoSummary(summary);
    expect(text).to.include("1,000 requests at 0.002 USD");
    expect(text).to.match(/SLA {10}borealis up 79\.17% on lease #2: credit [\d.]+ USD/);
    expect(text).to.include("cobalt is Jailed");
    expect(text).to.match(/buyback {6}spent [\d.]+ USD in the Uniswap pool, burned [\d.]+ CNDR/);
    expect(lines.some((l) => l.includes("governance: proposal Executed"))).to.equal(true);
    expect(summary.seconds).to.be.below(120);
  });
});
