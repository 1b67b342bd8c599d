/**
 * Integration: local mode on a second EVM client. Starts anvil (Foundry's node, from the optional npm package; the
 * suite says so and skips where it is absent) with only its 10 default dev accounts, and runs `cinder node --rpc` on
 * it as a process whose output is not a terminal:
 *
 * 1. it funds every local account it uses that anvil did not prefund (the oracle signers #10..#13, the keeper #15,
 *    the clients #16..#18) from anvil's first dev account, deploys and seeds, and reports each step on its own
 *    timestamped line;
 * 2. a client (account #16, funded only by `cinder node`) buys a lease with `cinder lease create`;
 * 3. `cinder provider fail` makes the provider's GPUs fail for 10 minutes; the chain's time is moved 10 minutes
 *    (the outage ends) and then past the epoch's end: the oracle nodes, on the chain's clock, move to the next
 *    epoch, report the lease's epoch, and the lease's uptime leaf (served with its proof, which verifies on chain)
 *    shows the 10 minutes down.
 */
import { expect } from "chai";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { type LocalEvmNode, anvilBinary, localKey, rpc, startAnvil } from "../../src/cli/local.js";
import { oracleHubAbi } from "../../src/protocol/abis.js";
import { waitFor } from "../helpers/integration.js";

const PORT = 16000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const URL = `http://127.0.0.1:${PORT}`;
const ORACLE_PORT = PORT + 1;
const ID = `local-mode-${PORT}`;
const HOME = mkdtempSync(join(tmpdir(), "cinder-local-mode-"));
const BIN = "bin/cinder.js";
const EPOCH = 3_600;

interface Summary {
  url: string;
  chainId: number;
  addresses: { oracleHub: Address; jobMarket: Address };
  providers: { address: Address }[];
  clients: { address: Address; privateKey: Hex }[];
  oracleNodes: string[];
  funded: Address[];
  controlFile: string;
}

function cinder(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.CINDER_PRIVATE_KEY;
    delete clean.CINDER_DEPLOYMENT_ID;
    execFile("node", [BIN, ...args], { env: { ...clean, CINDER_HOME: HOME, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

describe("Integration: cinder node --rpc on anvil, on the chain's clock", function () {
  this.timeout(600_000);
  let anvil: LocalEvmNode | undefined;
  let node: ChildProcess | undefined;
  let summary: Summary;
  let progress = "";
  let leaseId: bigint;
  const publicClient = createPublicClient({ chain: hardhat, transport: http(URL), pollingInterval: 200 });
  const chainTime = async () => Number((await publicClient.getBlock()).timestamp);
  const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { epoch: number };

  before(async function () {
    if (anvilBinary() === undefined) {
      console.log("    (skipped: anvil is not installed; the optional dependency @foundry-rs/anvil-linux-amd64 installs on Linux x64 only)");
      this.skip();
    }
    anvil = await startAnvil({ port: PORT });
    const started = Date.now();
    node = spawn("node", [BIN, "node", "--rpc", URL, "--port", String(ORACLE_PORT), "--providers", "1", "--gpus", "1", "--deployment", ID, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CINDER_HOME: HOME },
    });
    let out = "";
    node.stderr!.on("data", (d: Buffer) => (progress += d.toString()));
    summary = await new Promise<Summary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cinder node printed no summary in 300 s:\n${out}\n${progress}`)), 300_000);
      node!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        try {
          const parsed = JSON.parse(out) as Summary;
          clearTimeout(timer);
          resolve(parsed);
        } catch {
          // not complete yet
        }
      });
      node!.once("exit", (code) => reject(new Error(`cinder node exited with ${code}:\n${out}\n${progress}`)));
    });
    console.log(`    cinder node --rpc on anvil: deployed, funded and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async function () {
    if (node !== undefined && node.exitCode === null) {
      const exited = new Promise((resolve) => node!.once("exit", resolve));
      node.kill("SIGTERM");
      await exited;
    }
    await anvil?.stop();
    rmSync(HOME, { recursive: true, force: true });
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("funds every local account it uses that the node did not prefund, from the node's dev account", async function () {
    const unfunded = [10, 11, 12, 13, 15, 16, 17, 18].map((i) => privateKeyToAccount(localKey(i)).address);
    expect(summary.funded).to.have.members(unfunded);
    for (const address of unfunded) expect(await publicClient.getBalance({ address }), address).to.equal(100n * 10n ** 18n);
    expect(summary.url).to.equal(URL);
    expect(summary.chainId).to.equal(31_337);
  });

  it("reports each step on its own timestamped line when its output is not a terminal", function () {
    const lines = progress.trim().split("\n");
    const step = (text: string) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${text}$`);
    expect(lines).to.satisfy((all: string[]) => all.some((l) => step("deploying the protocol, Uniswap V2 and the CNDR/tUSD pool: started").test(l)));
    expect(lines).to.satisfy((all: string[]) => all.some((l) => step("deploying the protocol, Uniswap V2 and the CNDR/tUSD pool: done in \\d+\\.\\d s").test(l)));
    expect(lines).to.satisfy((all: string[]) => all.some((l) => step("seeding providers: 1/1 account #6").test(l)));
    expect(lines).to.satisfy((all: string[]) => all.some((l) => step("starting the oracle nodes: done in \\d+\\.\\d s").test(l)));
  });

  it("lets a client it funded buy a lease with the CLI", async function () {
    // A minute into a fresh epoch, so the walk below stays inside the lease's first epoch.
    const now = await chainTime();
    await rpc(URL, "evm_increaseTime", [(Math.floor(now / EPOCH) + 1) * EPOCH - now + 60]);
    await rpc(URL, "evm_mine");
    const client = summary.clients[0];
    const created = await cinder(
      ["--rpc", URL, "--deployment", ID, "lease", "create", "--provider", summary.providers[0].address, "--model", "H100-80GB", "--gpus", "1", "--hours", "1", "--max-price", "2", "--json"],
      { CINDER_PRIVATE_KEY: client.privateKey },
    );
    expect(created.code, created.stderr).to.equal(0);
    leaseId = BigInt((JSON.parse(created.stdout) as { leaseId: string }).leaseId);
    expect(leaseId > 0n).to.equal(true);
  });

  it("cinder provider fail shows as downtime in the lease's uptime leaf, once the chain's time moves past the epoch", async function () {
    const start = await chainTime();
    const epoch = Math.floor(start / EPOCH);
    // The nodes are on the chain's clock: their epoch is the chain's.
    for (const url of summary.oracleNodes) expect((await health(url)).epoch).to.equal(epoch);

    const failed = await cinder(["--rpc", URL, "provider", "fail", "--provider", "#6", "--for", "10m", "--json"]);
    expect(failed.code, failed.stderr).to.equal(0);
    const outage = JSON.parse(failed.stdout) as { provider: Address; until: number; failedHeartbeats: number };
    expect(outage.provider).to.equal(summary.providers[0].address);
    expect(outage.failedHeartbeats).to.be.at.least(4);

    // 10 minutes of chain time pass at once: the outage ends; the nodes probe the agent up again.
    await rpc(URL, "evm_increaseTime", [600]);
    await rpc(URL, "evm_mine");
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    // Past the epoch's end (unless the lease's epoch already ended during the walk).
    const now = await chainTime();
    if (Math.floor(now / EPOCH) === epoch) {
      await rpc(URL, "evm_increaseTime", [(epoch + 1) * EPOCH - now + 5]);
      await rpc(URL, "evm_mine");
    }
    const current = Math.floor((await chainTime()) / EPOCH);
    await waitFor("the oracle nodes to follow the chain into the next epoch", 30_000, async () => {
      const epochs = await Promise.all(summary.oracleNodes.map(async (url) => (await health(url)).epoch));
      return epochs.every((e) => e === current);
    });
    await waitFor(`the report of epoch ${epoch}`, 180_000, () =>
      publicClient.readContract({ address: summary.addresses.oracleHub, abi: oracleHubAbi, functionName: "hasReport", args: [BigInt(epoch)] }),
    );
    const response = await waitFor("the leaf's proof", 60_000, async () => {
      const r = await fetch(`${summary.oracleNodes[0]}/v1/epochs/${epoch}/proof?leaseId=${leaseId}`);
      return r.ok ? r : undefined;
    });
    const { leaf, proof } = (await response.json()) as { leaf: { secondsUp: number; secondsObserved: number }; proof: Hex[] };
    const down = leaf.secondsObserved - leaf.secondsUp;
    expect(down, `${leaf.secondsUp} up of ${leaf.secondsObserved}`).to.be.within(600, 700);
    expect(leaf.secondsObserved).to.be.above(600);
    const verified = await publicClient.readContract({
      address: summary.addresses.oracleHub,
      abi: oracleHubAbi,
      functionName: "verifyUptime",
      args: [leaseId, BigInt(epoch), leaf.secondsUp, leaf.secondsObserved, proof],
    });
    expect(verified).to.equal(true);
  });
});
