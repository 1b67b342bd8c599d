/**
 * The `cinder` CLI as a real process (through its bin shim, as an integrator runs it): `cinder node` starts a
 * seeded local network with its oracle nodes, then leases, channels, vouchers, keeper steps and `status` run against it, text and
 * `--json`; bad input (an unknown command or network, a malformed address, an insufficient balance, a missing or
 * malformed key, a revert) gets a clear message naming what was wrong and a non-zero exit, never a stack trace.
 */
import { expect } from "chai";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readmeBlocks } from "../helpers/readme.js";

const PORT = 20000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const URL = `http://127.0.0.1:${PORT}`;
const ID = `localhost-cli-${PORT}`;
const BIN = "bin/cinder.js";
/** Where this run's `cinder node` saves its deployment (never the user's ~/.cinder). */
const HOME = mkdtempSync(join(tmpdir(), "cinder-home-"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cinder <args>` (under whatever `node` is on PATH: the shim picks Node 22). */
function cinder(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.CINDER_PRIVATE_KEY;
    delete clean.CINDER_DEPLOYMENT_ID;
    execFile("node", [BIN, ...args], { env: { ...clean, CINDER_HOME: HOME, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}
const at = ["--rpc", URL, "--deployment", ID];

interface Summary {
  url: string;
  oracleNodes: string[];
  agents: string[];
  deploymentId: string;
  addresses: Record<string, string>;
  providers: { address: string; gpus: number; privateKey: string }[];
  clients: { address: string; privateKey: string }[];
}

describe("CLI: cinder as a process", function () {
  this.timeout(300_000);
  let node: ChildProcess | undefined;
  let summary: Summary;
  const dir = mkdtempSync(join(tmpdir(), "cinder-cli-"));

  before(async function () {
    node = spawn("node", [BIN, "node", "--port", String(PORT), "--providers", "1", "--gpus", "2", "--deployment", ID, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CINDER_HOME: HOME },
    });
    let out = "";
    let err = "";
    node.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    summary = await new Promise<Summary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cinder node printed no summary in 180 s:\n${out}\n${err}`)), 180_000);
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
      node!.once("exit", (code) => reject(new Error(`cinder node exited with ${code}:\n${out}\n${err}`)));
    });
  });

  after(async function () {
    if (node !== undefined && node.exitCode === null) {
      const exited = new Promise((resolve) => node!.once("exit", resolve));
      node.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(HOME, { recursive: true, force: true });
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("saves the deployment where the SDK finds it by chain id, and prints every seeded account with its key", async function () {
    const saved = summary as Summary & { deploymentFile: string; keeper: { privateKey: string }; oracleSigners: { privateKey: string }[] };
    expect(saved.deploymentFile).to.equal(join(HOME, "deployments", "chain-31337", "deployed_addresses.json"));
    expect(saved.keeper.privateKey).to.match(/^0x[0-9a-f]{64}$/);
    expect(saved.oracleSigners.map((s) => s.privateKey)).to.have.length(4);
    // No --deployment: the CLI finds the saved record for the node's chain.
    const status = await cinder(["--rpc", URL, "status", "--json"]);
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { addresses: Record<string, string> }).addresses.jobMarket).to.equal(summary.addresses.jobMarket);
  });

  it("--network localhost means CINDER_NODE_URL when set, and a CINDER_RPC_URL naming another node is an error", async function () {
    const status = await cinder(["--network", "localhost", "status", "--json"], { CINDER_NODE_URL: URL });
    expect(status.code, status.stderr).to.equal(0);
    const mismatch = await cinder(["--network", "localhost", "status"], { CINDER_NODE_URL: URL, CINDER_RPC_URL: "http://127.0.0.1:1" });
    expect(mismatch.code).to.equal(1);
    expect(mismatch.stderr).to.include(`--network localhost is ${URL} but CINDER_RPC_URL is http://127.0.0.1:1`);
  });

  it("cinder node deploys and seeds a provider with attested GPUs, a funded client and the Uniswap router", function () {
    expect(summary.url).to.equal(URL);
    expect(summary.providers).to.have.length(1);
    expect(summary.providers[0].gpus).to.equal(2);
    expect(summary.clients).to.have.length(3);
    expect(summary.addresses.uniswapRouter).to.match(/^0x[0-9a-fA-F]{40}$/);
  });

  it("cinder node runs the four local oracle nodes, following the seeded provider and heartbeating its simulated agent", async function () {
    expect(summary.oracleNodes).to.deep.equal([1, 2, 3, 4].map((k) => `http://127.0.0.1:${PORT + k}`));
    expect(summary.agents).to.have.length(1);
    for (const url of summary.oracleNodes) expect(((await (await fetch(`${url}/health`)).json()) as { ok: boolean }).ok).to.equal(true);
    let metrics = "";
    for (let i = 0; i < 60 && !/cinder_oracle_heartbeats_total\{result="ok"\} [1-9]/.test(metrics); i++) {
      metrics = await (await fetch(`${summary.oracleNodes[0]}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(metrics).to.include("cinder_oracle_providers 1");
    expect(metrics).to.match(/cinder_oracle_heartbeats_total\{result="ok"\} [1-9]/);
    const leaves = await fetch(`${summary.oracleNodes[0]}/v1/epochs/1/leaves`);
    expect(leaves.status).to.equal(404); // the leaf API answers; no report for an epoch before the deployment
  });

  it("cinder status shows the providers, GPUs, tiers, epoch and supply, as text and as JSON", async function () {
    const text = await cinder([...at, "status"]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.include(`Cinder on chain 31337 at ${URL}`);
    expect(text.stdout).to.include(`${summary.providers[0].address}  Active  stake 400 CNDR (needs 400 CNDR)`);
    expect(text.stdout).to.match(/H100-80GB {2}81559 MiB {2}tier 1/);
    expect(text.stdout).to.include("0  target 99.00%  credits 10/25/100%  bond 10%");
    expect(text.stdout).to.include("Supply 100000000 CNDR  burned 0 CNDR");
    const json = await cinder([...at, "--json", "status"]);
    const parsed = JSON.parse(json.stdout) as { chainId: number; providers: { gpus: unknown[] }[]; supply: { totalSupply: string } };
    expect(parsed.chainId).to.equal(31_337);
    expect(parsed.providers[0].gpus).to.have.length(2);
    expect(parsed.supply.totalSupply).to.equal((100_000_000n * 10n ** 18n).toString());
  });

  it("leases a GPU with the key from the environment, then shows the lease as JSON", async function () {
    const key = { CINDER_PRIVATE_KEY: summary.clients[0].privateKey };
    const created = await cinder([...at, "lease", "create", "--provider", summary.providers[0].address, "--model", "H100-80GB", "--gpus", "1", "--hours", "2", "--max-price", "2.5"], key);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/^lease 1 created: 1 x H100-80GB for 2 h, 4 USD in escrow\n {2}tx 0x[0-9a-f]{64}\n$/);
    const shown = await cinder([...at, "--json", "lease", "show", "--lease", "1"]);
    const lease = JSON.parse(shown.stdout) as { client: string; statusName: string; value: string };
    expect([lease.client, lease.statusName, lease.value]).to.deep.equal([summary.clients[0].address, "Active", "4000000"]);
  });

  it("funds a channel, signs a voucher and the provider redeems it with its key from --key-file", async function () {
    const client = { CINDER_PRIVATE_KEY: summary.clients[1].privateKey };
    const provider = summary.providers[0].address;
    expect((await cinder([...at, "channel", "deposit", "--provider", provider, "--amount", "25"], client)).code).to.equal(0);
    const signed = await cinder([...at, "--json", "channel", "voucher", "--provider", provider, "--amount", "10"], client);
    expect(signed.code, signed.stderr).to.equal(0);
    const keyFile = join(dir, "provider.key");
    writeFileSync(keyFile, `${summary.providers[0].privateKey}\n`);
    const redeemed = await cinder([...at, "--key-file", keyFile, "--json", "provider", "redeem", "--voucher", signed.stdout]);
    expect(redeemed.code, redeemed.stderr).to.equal(0);
    expect((JSON.parse(redeemed.stdout) as { net: string }).net).to.equal("9900000");
    const buyback = await cinder([...at, "keeper", "buyback"], client);
    expect(buyback.stdout).to.equal("no buyback: the TWAP window is shorter than 1800 s\n");
  });

  it("names a malformed address, an unknown network or command, and a missing or malformed key", async function () {
    const key = { CINDER_PRIVATE_KEY: summary.clients[0].privateKey };
    // Independent runs, in parallel.
    const [bad, network, command, missing, malformed, noFile, amount, unreachable] = await Promise.all([
      cinder([...at, "lease", "create", "--provider", "0x1234", "--model", "H100-80GB", "--gpus", "1", "--hours", "1", "--max-price", "2"], key),
      cinder(["--network", "mainnet", "status"]),
      cinder(["lease", "rent"]),
      cinder([...at, "lease", "withdraw"]),
      cinder([...at, "lease", "withdraw"], { CINDER_PRIVATE_KEY: "0xnot-a-key" }),
      cinder([...at, "--key-file", join(dir, "absent.key"), "lease", "withdraw"]),
      cinder([...at, "channel", "deposit", "--provider", summary.providers[0].address, "--amount", "1.0000001"], key),
      cinder(["--rpc", "http://127.0.0.1:1", "status"]),
    ]);
    expect([bad.code, bad.stderr]).to.deep.equal([1, 'error: --provider: not an address: "0x1234" (expected 0x followed by 40 hex digits)\n']);
    expect([network.code, network.stderr]).to.deep.equal([1, 'error: --network: unknown network "mainnet" (known: localhost; or pass --rpc <url>)\n']);
    expect(command.code).to.equal(2);
    expect(command.stderr).to.include('cinder: lease: unknown subcommand "rent" (one of: create, order,');
    expect([missing.code, missing.stderr]).to.deep.equal([1, "error: key: missing key: this command sends transactions; set CINDER_PRIVATE_KEY or pass --key-file <file>\n"]);
    expect(malformed.stderr).to.equal("error: CINDER_PRIVATE_KEY: not a private key (expected 32 bytes as 64 hex digits, optionally 0x-prefixed)\n");
    expect(malformed.stderr).to.not.include("not-a-key");
    expect(noFile.stderr).to.equal(`error: --key-file: ${join(dir, "absent.key")} does not exist\n`);
    expect(amount.stderr).to.equal("error: --amount: USD has 6 decimals, got 7 in 1.0000001\n");
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.match(/^error: cannot reach the network at http:\/\/127\.0\.0\.1:1/);
    for (const r of [bad, network, command, missing, malformed, noFile, amount, unreachable]) expect(r.stderr).to.not.match(/\n\s+at /);
  });

  it("reports an insufficient balance with both numbers, and a revert by its custom error and arguments as JSON", async function () {
    const key = { CINDER_PRIVATE_KEY: summary.clients[2].privateKey };
    const poor = await cinder([...at, "lease", "create", "--provider", summary.providers[0].address, "--model", "H100-80GB", "--gpus", "1", "--hours", "6000", "--max-price", "2"], key);
    expect([poor.code, poor.stderr]).to.deep.equal([1, `error: insufficient tUSD balance: ${summary.clients[2].address} holds 10000 tUSD, needs 12000 tUSD\n`]);
    const reverted = await cinder([...at, "--json", "lease", "create", "--provider", summary.providers[0].address, "--model", "H100-80GB", "--gpus", "1", "--hours", "0.5", "--max-price", "2"], key);
    expect(reverted.code).to.equal(1);
    const { error } = JSON.parse(reverted.stdout) as { error: { name: string; errorName: string; args: string[] } };
    expect(error).to.deep.include({ name: "CinderContractError", errorName: "JobMarketDurationOutOfBounds" });
    expect(error.args).to.deep.equal(["1800", "3600", "31536000"]);
  });

  it("disputes through the DisputeManager: a lease the caller is not the client of reverts with the manager's error", async function () {
    const key = { CINDER_PRIVATE_KEY: summary.clients[0].privateKey };
    const disputed = await cinder([...at, "--json", "lease", "dispute", "--lease", "99"], key);
    expect(disputed.code).to.equal(1);
    const { error } = JSON.parse(disputed.stdout) as { error: { name: string; errorName: string; args: string[] } };
    expect(error).to.deep.include({ name: "CinderContractError", errorName: "DisputeManagerNotClient" });
    expect(error.args).to.deep.equal(["99", summary.clients[0].address, "0x0000000000000000000000000000000000000000"]);
  });

  it("runs the documentation's CLI lines (sh readme-test) as written, each exiting 0", async function () {
    const lines = readmeBlocks("sh").flatMap((b) => b.code.split("\n").map((line, i) => ({ line, at: `${b.file} line ${b.line + 1 + i}` }))).filter((l) => l.line.trim() !== "" && !l.line.startsWith("#"));
    expect(lines.length).to.be.above(4);
    const env = {
      CINDER_RPC_URL: URL,
      CINDER_DEPLOYMENT_ID: ID,
      CINDER_PRIVATE_KEY: summary.clients[1].privateKey,
      PROVIDER: summary.providers[0].address,
      PROVIDER_KEY: summary.providers[0].privateKey,
    };
    for (const { line, at: lineNo } of lines) {
      // `cinder` as the README means it: the package's bin (npx cinder), here through its shim.
      const script = `cinder() { node ${BIN} "$@"; }\n${line}`;
      const run = await new Promise<Run>((resolve) => {
        execFile("bash", ["-c", script], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
        });
      });
      expect(run.code, `${lineNo}: ${line}\n${run.stderr}`).to.equal(0);
      expect(run.stdout.trim(), `${lineNo} printed nothing`).to.not.equal("");
    }
  });
});
