/**
 * Integration: the five-minute SLA walk of docs/sla-walk.md, exactly as a newcomer types it, against a real
 * `cinder node` process on a hardhat node (issue 18; issue 20's "a provider outage ends in the client's SLA credit
 * with no command typed after the lease"):
 *
 * 1. `cinder node` starts, deploys and seeds provider #6 with its simulated agent, the four oracle nodes and the keeper;
 * 2. client #16 buys a one-hour lease from provider #6 (`cinder lease create`);
 * 3. `cinder provider fail --provider '#6' --for 1m`, then `cinder chain advance --by 1m` (the outage ends) and
 *    `cinder chain advance --by 2h` (the lease and its last epoch end);
 * 4. nothing else is typed: the oracle nodes report the lease's epochs, the keeper (#15) settles the SLA, and
 *    `cinder balances` shows the credit.
 *
 * The credit is read from the chain (SlaSettled, the client's credited balances) and checked against the tier's
 * schedule for the downtime the report measured; the report's transactions came from oracle nodes, the
 * settlement's from the keeper's account. No leaf or report is injected.
 */
import { expect } from "chai";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createPublicClient, createWalletClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { localKey } from "../../src/cli/local.js";
import { jobMarketAbi, oracleHubAbi, slaBondManagerAbi } from "../../src/protocol/abis.js";
import type { CinderAddresses } from "../../src/protocol/deployment.js";
import { createCinderClient } from "../../src/sdk/index.js";
import { waitFor } from "../helpers/integration.js";

const PORT = 30000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const URL = `http://127.0.0.1:${PORT}`;
const ID = `sla-walk-${PORT}`;
const HOME = mkdtempSync(join(tmpdir(), "cinder-sla-walk-"));
const BIN = "bin/cinder.js";
const KEEPER = privateKeyToAccount(localKey(15)).address;
const ORACLE_SIGNERS = [10, 11, 12, 13].map((i) => privateKeyToAccount(localKey(i)).address);
const CLIENT_KEY = localKey(16);
const CLIENT = privateKeyToAccount(CLIENT_KEY);

interface Summary {
  addresses: { oracleHub: Address; jobMarket: Address; slaBondManager: Address };
  providers: { address: Address }[];
}

function cinder(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.CINDER_PRIVATE_KEY;
    delete clean.CINDER_DEPLOYMENT_ID;
    execFile("node", [BIN, "--rpc", URL, "--deployment", ID, ...args, "--json"], { env: { ...clean, CINDER_HOME: HOME, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

/** Runs a step of the walk; it must succeed. */
async function step<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const r = await cinder(args, env);
  expect(r.code, `cinder ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return JSON.parse(r.stdout) as T;
}

describe("Integration: the SLA walk, from cinder node to the client's credit", function () {
  this.timeout(600_000);
  let node: ChildProcess | undefined;
  let summary: Summary;
  let started: number;
  const publicClient = createPublicClient({ chain: hardhat, transport: http(URL), pollingInterval: 200 });

  before(async function () {
    started = Date.now();
    node = spawn("node", [BIN, "node", "--port", String(PORT), "--providers", "1", "--gpus", "2", "--deployment", ID, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CINDER_HOME: HOME },
    });
    let out = "";
    let progress = "";
    node.stderr!.on("data", (d: Buffer) => (progress += d.toString()));
    summary = await new Promise<Summary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cinder node printed no summary in 300 s:\n${out}\n${progress}`)), 300_000);
      node!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        let parsed: Partial<Summary> | undefined;
        try {
          parsed = JSON.parse(out) as Partial<Summary>;
        } catch {
          return; // not complete yet
        }
        clearTimeout(timer);
        if (parsed.addresses === undefined) reject(new Error(`cinder node printed something other than its summary:\n${out}\n${progress}`));
        else resolve(parsed as Summary);
      });
      node!.once("exit", (code) => reject(new Error(`cinder node exited with ${code}:\n${out}\n${progress}`)));
    });
    console.log(`    cinder node: deployed and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async function () {
    if (node !== undefined && node.exitCode === null) {
      const exited = new Promise((resolve) => node!.once("exit", resolve));
      node.kill("SIGTERM");
      await exited;
    }
    rmSync(HOME, { recursive: true, force: true });
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("credits the client what the SLA tier gives for the measured downtime, from the nodes' report and the keeper's settlement", async function () {
    const { addresses } = summary;
    const credited = async () => {
      const [market, sla] = await Promise.all([
        publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "balanceOf", args: [CLIENT.address] }),
        publicClient.readContract({ address: addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "balanceOf", args: [CLIENT.address] }),
      ]);
      return market + sla;
    };
    const before = await credited();

    // The walk, as docs/sla-walk.md types it.
    const created = await step<{ leaseId: string }>(
      ["lease", "create", "--provider", summary.providers[0].address, "--model", "H100-80GB", "--gpus", "1", "--hours", "1", "--max-price", "2"],
      { CINDER_PRIVATE_KEY: CLIENT_KEY },
    );
    const leaseId = BigInt(created.leaseId);
    const outage = await step<{ failedHeartbeats: number }>(["provider", "fail", "--provider", "#6", "--for", "1m"]);
    expect(outage.failedHeartbeats).to.be.at.least(4);
    const first = await step<{ from: number; to: number; probedBy: number }>(["chain", "advance", "--by", "1m"]);
    expect(first.to - first.from).to.be.within(60, 62);
    expect(first.probedBy).to.equal(4);
    const second = await step<{ from: number; to: number; probedBy: number }>(["chain", "advance", "--by", "2h"]);
    expect(second.to - second.from).to.be.within(7_200, 7_202);
    expect(second.probedBy).to.equal(4);

    // Nothing else is typed: the nodes report, the keeper settles.
    const settled = await waitFor("the keeper's settlement of the lease's SLA", 180_000, async () => {
      const logs = await publicClient.getContractEvents({ address: addresses.slaBondManager, abi: slaBondManagerAbi, eventName: "SlaSettled", args: { leaseId }, fromBlock: 0n });
      return logs[0];
    });
    const wall = (Date.now() - started) / 1000;
    console.log(`    the walk: cinder node started to the credit in the client's balance in ${wall.toFixed(1)} s of wall time`);
    expect(wall).to.be.below(300);

    // The settlement was sent by the keeper's account.
    const settlement = await publicClient.getTransaction({ hash: settled.transactionHash });
    expect(getAddress(settlement.from)).to.equal(KEEPER);

    // Each epoch of the lease was reported by an oracle node's transaction.
    const lease = await publicClient.readContract({ address: addresses.jobMarket, abi: jobMarketAbi, functionName: "getLease", args: [leaseId] });
    const epochLength = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "EPOCH_LENGTH" });
    const epochs: bigint[] = [];
    for (let e = BigInt(lease.start) / epochLength; e * epochLength < BigInt(lease.end); e++) epochs.push(e);
    for (const epoch of epochs) {
      const [reported] = await publicClient.getContractEvents({ address: addresses.oracleHub, abi: oracleHubAbi, eventName: "EpochReported", args: { epoch }, fromBlock: 0n });
      expect(reported, `epoch ${epoch}'s report`).to.not.equal(undefined);
      const tx = await publicClient.getTransaction({ hash: reported.transactionHash });
      expect(ORACLE_SIGNERS, `epoch ${epoch} was reported by ${tx.from}`).to.include(getAddress(tx.from));
    }

    // The downtime the report measured: the minute of the outage, plus until each node's next probe.
    const { secondsUp, secondsObserved, charge, fromStream, fromBond, tier } = settled.args as {
      secondsUp: bigint;
      secondsObserved: bigint;
      charge: bigint;
      fromStream: bigint;
      fromBond: bigint;
      tier: number;
    };
    const down = secondsObserved - secondsUp;
    console.log(`    measured: ${secondsUp} s up of ${secondsObserved} s observed (${down} s down)`);
    expect(secondsObserved).to.be.within(3_590n, 3_600n);
    expect(down).to.be.within(60n, 120n);

    // What the tier's schedule gives for it, computed here from the tier's thresholds.
    const t = await publicClient.readContract({ address: addresses.slaBondManager, abi: slaBondManagerAbi, functionName: "getTier", args: [tier] });
    const below = (ppm: number) => secondsUp * 1_000_000n < BigInt(ppm) * secondsObserved;
    const bps = below(t.lowPpm) ? t.lowCreditBps : below(t.midPpm) ? t.midCreditBps : below(t.targetPpm) ? t.creditBps : 0;
    expect(bps).to.equal(2_500); // Standard: 95% <= uptime < 99%
    const credit = (charge * BigInt(bps)) / 10_000n;
    expect(credit).to.equal(500_000n); // 25% of the 2 USD hour
    expect(fromStream + fromBond).to.equal(credit);

    // In the client's balance, as `cinder balances` shows it.
    expect((await credited()) - before).to.equal(credit);
    const balances = await step<{ marketCredit: string; slaCredit: string }>(["balances", "--account", CLIENT.address]);
    expect(BigInt(balances.marketCredit) + BigInt(balances.slaCredit) - before).to.equal(credit);
    const shown = await step<{ slaSettled: boolean; streamCredited: string }>(["lease", "show", "--lease", leaseId.toString()]);
    expect(shown.slaSettled).to.equal(true);
    expect(BigInt(shown.streamCredited)).to.equal(fromStream);
  });

  it("the same walk through the SDK (docs/sla-walk.md): the SDK buys the lease and reads the credit, the CLI's local controls fail the provider and move the clock", async function () {
    // Provider #6 has two GPUs: the first walk's lease holds one until it is closed; time has moved on by two hours.
    const walletClient = createWalletClient({ chain: hardhat, transport: http(URL), account: CLIENT });
    const cinderClient = createCinderClient({ publicClient, walletClient, addresses: (summary as unknown as { addresses: CinderAddresses }).addresses });
    const before = await cinderClient.read.balances({ account: CLIENT.address });
    const { leaseId } = await cinderClient.leases.createDirect({
      provider: summary.providers[0].address,
      modelClass: "H100-80GB",
      gpuCount: 1,
      duration: 3_600n,
      maxPricePerGpuHour: 2_000_000n,
    });
    await step(["provider", "fail", "--provider", "#6", "--for", "1m"]);
    await step(["chain", "advance", "--by", "1m"]);
    await step(["chain", "advance", "--by", "2h"]);
    await waitFor("the keeper's settlement of the SDK lease's SLA", 180_000, async () => ((await cinderClient.read.lease({ leaseId })).slaSettled ? true : undefined));
    const after = await cinderClient.read.balances({ account: CLIENT.address });
    // Down for the minute of the outage (plus until each node's next probe): 95% <= uptime < 99%, 25% of the 2 USD hour.
    expect(after.marketCredit + after.slaCredit - before.marketCredit - before.slaCredit).to.equal(500_000n);
  });
});
