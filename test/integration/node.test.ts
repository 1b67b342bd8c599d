/**
 * Integration: the npm scripts against a real `hardhat node`, as an operator runs them. Starts a node on its own
 * port with its own Ignition deployment id (so a developer's local journal is never touched), deploys with
 * `deploy:local`, runs a parameter change through `gov:*`, a buy-and-burn through `buyback`, and an emission
 * epoch through `epoch:close`.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { Contract, JsonRpcProvider } from "ethers";
import { mnemonicToAccount } from "viem/accounts";
import type { LocalEvmNode } from "../../src/cli/local.js";
import { signVoucher } from "../../src/sdk/vouchers.js";
import { skipWithoutEvm, startEvm } from "../helpers/evm.js";

const run = promisify(execFile);
const PORT = 10000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const URL = `http://127.0.0.1:${PORT}`;
const ID = `integration-${PORT}`;
const JOURNAL = `deploy/deployments/${ID}`;
const ENV = { ...process.env, CI: "true", CINDER_NODE_URL: URL, CINDER_DEPLOYMENT_ID: ID };
const DAY = 86_400n;

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

async function advance(seconds: number) {
  await rpc("evm_increaseTime", [seconds]);
  await rpc("evm_mine");
}

/** Runs an npm script against the node; resolves with its stdout, rejects with its output on failure. */
async function npmRun(script: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run("npm", ["run", "--silent", script, "--", "--network", "localhost"], {
      env: { ...ENV, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run ${script} failed:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  }
}

function addresses(): Record<string, string> {
  return JSON.parse(readFileSync(`${JOURNAL}/deployed_addresses.json`, "utf8")) as Record<string, string>;
}

describe("Integration: npm scripts against a hardhat node", function () {
  this.timeout(300_000);
  let node: LocalEvmNode | undefined;

  before(async function () {
    skipWithoutEvm(this);
    rmSync(JOURNAL, { recursive: true, force: true });
    node = await startEvm(PORT);
  });

  after(async function () {
    await node?.stop();
    rmSync(JOURNAL, { recursive: true, force: true });
  });

  it("deploy:local deploys and wires the whole protocol on the node and records it in its own journal", async function () {
    const out = await npmRun("deploy:local");
    expect(out).to.match(/Cinder deployed on localhost \(chain 31337\)/);
    expect(out).to.match(/buybackBurner\s+0x[0-9a-fA-F]{40}/);
    expect(existsSync(`${JOURNAL}/deployed_addresses.json`)).to.equal(true);
    expect(addresses()["Cinder#UniswapV2Router02"]).to.match(/^0x/);
  });

  it("gov:delegate, propose, vote, queue and execute change a parameter through the Governor and the Timelock", async function () {
    const env = { CINDER_PROPOSAL: "proposals/example-unbonding.json" };
    expect(await npmRun("gov:delegate", env)).to.match(/now has [0-9.]+ votes/);
    expect(await npmRun("gov:propose", env)).to.match(/state\s+Pending/);
    await advance(5);
    expect(await npmRun("gov:vote", env)).to.match(/state\s+Active/);
    await advance(301);
    expect(await npmRun("gov:queue", env)).to.match(/state\s+Queued/);
    await advance(61);
    expect(await npmRun("gov:execute", env)).to.match(/state\s+Executed/);
    const provider = new JsonRpcProvider(URL);
    const vault = new Contract(
      addresses()["Cinder#StakingVault"],
      ["function unbondingPeriod() view returns (uint40)"],
      provider,
    );
    expect(await vault.getFunction("unbondingPeriod")()).to.equal(21n * DAY);
    provider.destroy();
  });

  it("buyback waits for a TWAP window, then buys and burns CNDR", async function () {
    const provider = new JsonRpcProvider(URL);
    const signer = await provider.getSigner(0);
    const recorded = addresses();
    const burner = recorded["Cinder#BuybackBurner"];
    const stablecoin = new Contract(recorded["Cinder#TestStablecoin"], ["function faucet(address,uint256)"], signer);
    await (await stablecoin.getFunction("faucet")(burner, 1_000_000_000n)).wait();
    expect(await npmRun("buyback")).to.match(/no buyback yet: the TWAP window is shorter than 1800 s/);
    await advance(1_801);
    expect(await npmRun("buyback")).to.match(/burned\s+[0-9.]+ CNDR/);
    const token = new Contract(recorded["Cinder#CinderToken"], ["function totalSupply() view returns (uint256)"], provider);
    expect(await token.getFunction("totalSupply")()).to.be.lt(100_000_000n * 10n ** 18n);
    provider.destroy();
  });

  it("epoch:close closes a paid epoch on the node and streams the provider's emission into its pool", async function () {
    const provider = new JsonRpcProvider(URL);
    const recorded = addresses();
    const [providerSigner, client] = [await provider.getSigner(5), await provider.getSigner(16)];
    const registry = new Contract(recorded["Cinder#ProviderRegistry"], ["function register(string,address)"], providerSigner);
    await (await registry.getFunction("register")("ipfs://integration", providerSigner.address)).wait();
    const channelsAddress = recorded["Cinder#PaymentChannels"];
    const stablecoin = new Contract(recorded["Cinder#TestStablecoin"], ["function faucet(address,uint256)", "function approve(address,uint256)"], client);
    const amount = 5_000n * 1_000_000n;
    await (await stablecoin.getFunction("faucet")(client.address, amount)).wait();
    await (await stablecoin.getFunction("approve")(channelsAddress, amount)).wait();
    const channels = new Contract(
      channelsAddress,
      ["function deposit(address,uint256)", "function redeem((address,address,uint128),bytes)"],
      client,
    );
    await (await channels.getFunction("deposit")(providerSigner.address, amount)).wait();
    const { chainId } = await provider.getNetwork();
    const voucher = { client: client.address as `0x${string}`, provider: providerSigner.address as `0x${string}`, cumulativeAmount: amount };
    const signature = await signVoucher({
      account: mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: 16 }),
      channels: channelsAddress as `0x${string}`,
      chainId,
      voucher,
    });
    await (await (channels.connect(providerSigner) as Contract).getFunction("redeem")([voucher.client, voucher.provider, amount], signature)).wait();
    const latest = BigInt((await provider.getBlock("latest"))!.timestamp);
    await advance(Number(((latest / 3_600n + 1n) * 3_600n + 1_800n) - latest));
    const out = await npmRun("epoch:close");
    expect(out).to.match(/revenue\s+5000\.0 \(fees 50\.0\)/);
    expect(out).to.match(/budget\s+80\.0 CNDR\s+bound: RevenueRate/);
    expect(out).to.include(`provider  ${providerSigner.address}  revenue 5000.0  reward 80.0 CNDR`);
    expect(await npmRun("epoch:close")).to.match(/was already closed/);
    provider.destroy();
  });

  it("a governance step refused on the wrong network names the problem instead of failing with a stack trace", async function () {
    const failure = await run("npm", ["run", "--silent", "gov:propose"], {
      env: { ...ENV, CINDER_PROPOSAL: "proposals/example-unbonding.json" },
    }).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    expect(failure, "gov:propose on the in-process network must fail").to.not.equal(undefined);
    expect(failure!.stderr).to.include("governance steps need a persistent network");
    expect(failure!.stderr).to.not.match(/\n\s+at /);
  });
});
