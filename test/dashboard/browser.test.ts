/**
 * The dashboard end to end in headless Chromium (the Chromium inside `@sparticuz/chromium`, driven by playwright-core) against a
 * `hardhat node` seeded by `./seed.ts`, served by `cinder dashboard`'s server: each page shows the numbers the chain
 * holds (checked against SDK reads), the budget chart gains a bar when an epoch closes while the page is open, and an
 * injected EIP-1193 wallet (forwarding to the node's unlocked accounts) runs a provider and a client action, with a
 * reverted call shown as its decoded custom error and a rejected one as a rejection. Each page's screenshot is
 * written to test-results/dashboard-<page>.png.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import type { Address } from "viem";
import { DASHBOARD_DIST, type DashboardServer, startDashboardServer } from "../../src/cli/dashboard.js";
import { type CinderClient, createCinderClient, stakingVaultAbi } from "../../src/sdk/index.js";
import { formatCndr, formatUsd } from "../../dashboard/src/shape.js";
import { HOUR, type SeededNetwork, USD, seedNetwork } from "./seed.js";

const PORT = 24000 + (process.pid % 1_000); // a range of its own (files run in parallel workers), below the OS's ephemeral ports (32768+)
const ID = `integration-dashboard-${PORT}`;
const SHOTS = "test-results";

describe("dashboard in headless Chromium on a seeded hardhat node", function () {
  this.timeout(300_000);
  let seed: SeededNetwork;
  let reader: CinderClient;
  let server: DashboardServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let rejectNext = false;

  /** A page in a fresh context; with `account`, an EIP-1193 provider forwarding to the node as that account. */
  async function open(hash: string, account?: Address): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(context);
    if (account !== undefined) {
      await context.exposeFunction("cinderWalletRpc", async (method: string, params: string): Promise<string> => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return JSON.stringify({ result: [account] });
        if (method === "eth_sendTransaction" && rejectNext) {
          rejectNext = false;
          return JSON.stringify({ error: { code: 4001, message: "User rejected the request." } });
        }
        const response = await fetch(seed.node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: JSON.parse(params) }) });
        return response.text();
      });
      await context.addInitScript(`window.ethereum = {
        async request({ method, params }) {
          const body = JSON.parse(await window.cinderWalletRpc(method, JSON.stringify(params ?? [])));
          if (body.error) { const e = new Error(body.error.message); e.code = body.error.code; e.data = body.error.data; throw e; }
          return body.result;
        },
        on() {}, removeListener() {},
      };`);
    }
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}${hash}`);
    await page.waitForSelector("#page[data-rendered-at]", { timeout: 60_000 });
    expect(errors, "uncaught errors in the page").to.deep.equal([]);
    return page;
  }
  const stat = async (page: Page, id: string) => (await page.locator(`[data-stat="${id}"]`).first().textContent())?.trim();
  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/dashboard-${name}.png`, fullPage: true });
  const connect = async (page: Page) => {
    await page.click("#connect");
    await page.waitForSelector("[data-account]");
    await page.waitForSelector("form.action", { timeout: 60_000 });
  };

  before(async function () {
    mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(`${DASHBOARD_DIST}/index.html`)) await promisify(execFile)("npm", ["run", "--silent", "dashboard:build"]);
    seed = await seedNetwork({ port: PORT, deploymentId: ID });
    reader = createCinderClient({ publicClient: seed.publicClient, addresses: seed.addresses });
    server = await startDashboardServer({ rpcUrl: seed.node.url, chainId: 31_337, addresses: seed.addresses, oracles: [seed.oracleUrl], port: 0, pollingInterval: 500 });
    browser = await launchChromium();
  });

  afterEach(async function () {
    // Each open page polls the node for events: close them between tests.
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    await seed?.stop();
    rmSync(`deploy/deployments/${ID}`, { recursive: true, force: true });
  });

  it("overview: providers, attested GPUs by model and tier, active leases, epoch, supply and burn as the chain holds them", async function () {
    const page = await open("#/");
    const [providers, supply, epoch] = await Promise.all([reader.read.providers(), reader.read.supply(), reader.read.epoch()]);
    expect(await stat(page, "providers")).to.equal(String(providers.length));
    expect(providers).to.have.length(2);
    expect(await stat(page, "gpus")).to.equal("4");
    expect(await stat(page, "active-leases")).to.equal("1");
    expect(await stat(page, "epoch")).to.equal(String(epoch.current));
    expect(await stat(page, "supply")).to.equal(formatCndr(supply.totalSupply, 0));
    expect(supply.totalBurned > 0n).to.equal(true);
    expect(await stat(page, "burned")).to.equal(formatCndr(supply.totalBurned));
    expect(await stat(page, "emitted")).to.equal(formatCndr(supply.emitted));
    expect(await page.locator('#gpu-matrix tr[data-model="H100-80GB"] td[data-tier="1"]').textContent()).to.equal("3");
    expect(await page.locator('#gpu-matrix tr[data-model="A100-80GB"] td[data-tier="1"]').textContent()).to.equal("1");
    expect(await page.locator(`#active-leases tr[data-lease="${seed.activeLease}"]`).count()).to.equal(1);
    expect(await page.locator(`#providers tr[data-provider="${seed.a100}"] .badge`).textContent()).to.equal("Jailed");
    await shot(page, "overview");
  });

  it("provider page: GPUs with tier and expiry, stake and delegation, bond locked and free, uptime per epoch, earnings", async function () {
    const page = await open(`#/provider/${seed.h100}`);
    const [info, gpus, pool, payments, settled] = await Promise.all([
      reader.read.provider({ provider: seed.h100 }),
      reader.read.gpus({ provider: seed.h100 }),
      seed.publicClient.readContract({ address: seed.addresses.vault, abi: stakingVaultAbi, functionName: "getPool", args: [seed.h100] }),
      reader.events({ contract: "jobMarket", eventName: "PaymentReleased" }),
      reader.events({ contract: "slaBondManager", eventName: "SlaSettled" }),
    ]);
    expect(await stat(page, "self-stake")).to.equal(formatCndr(pool.selfActive));
    expect(await stat(page, "delegated")).to.equal("20 CNDR");
    expect(await stat(page, "required-stake")).to.equal(formatCndr(info.requiredStake));
    expect(await stat(page, "bond-locked")).to.equal(formatUsd(BigInt(info.bond.locked)));
    expect(await stat(page, "bond-free")).to.equal(formatUsd(info.freeBond));
    const mine = payments.filter((e) => e.args.provider === seed.h100);
    expect(mine.length).to.be.at.least(3);
    expect(await stat(page, "earned-net")).to.equal(formatUsd(mine.reduce((a, e) => a + e.args.gross - e.args.fee, 0n)));
    expect(await stat(page, "credits-paid")).to.equal(formatUsd(settled[0].args.fromStream + settled[0].args.fromBond));
    expect(await page.locator("#gpus tbody tr").count()).to.equal(gpus.length);
    expect(await page.locator("#gpus tbody").textContent()).to.contain("tier 1 (challenge-verified)");
    // Uptime per epoch, from the leaf files through the server's oracle proxy: one dot per reported epoch.
    const chart = page.locator('svg[data-chart="uptime"]');
    expect(await chart.getAttribute("data-points")).to.equal("3");
    const dots = chart.locator("circle.dot");
    const ys: number[][] = [];
    for (let i = 0; i < (await dots.count()); i++) ys.push([Number(await dots.nth(i).getAttribute("data-x")), Number(await dots.nth(i).getAttribute("data-y"))]);
    expect(ys).to.deep.equal(seed.uptime.map((u) => [u.epoch, Math.floor((u.secondsUp * 1_000_000) / u.secondsObserved) / 10_000]));
    await shot(page, "provider");
  });

  it("the slashed provider's page: jailed, the executed slash with what it took", async function () {
    const page = await open(`#/provider/${seed.a100}`);
    const [executed] = await reader.events({ contract: "slashingManager", eventName: "SlashExecuted" });
    expect(await page.locator(".sub .badge").first().textContent()).to.equal("Jailed");
    const row = page.locator("#slashes tbody tr[data-slash]");
    expect(await row.count()).to.equal(1);
    expect(await row.locator("td").nth(0).textContent()).to.equal("failed GPU challenge");
    expect(await row.locator("td").nth(2).textContent()).to.equal("executed");
    expect(await row.locator("td").nth(3).textContent()).to.equal(formatCndr(executed.args.slashed));
    expect(await stat(page, "slashed")).to.equal(formatCndr(executed.args.slashed));
  });

  it("lease pages: the settled lease's SLA credit and the running lease's stream progress", async function () {
    const page = await open(`#/lease/${seed.settledLease}`);
    const [settled] = await reader.events({ contract: "slaBondManager", eventName: "SlaSettled" });
    const lease = await reader.read.lease({ leaseId: seed.settledLease });
    // 90% uptime, below 95%: 100% of the charge, paid from the stream the market still held first, then the bond
    // (capped at the 10% lock).
    const credit = settled.args.fromStream + settled.args.fromBond;
    expect(credit > 0n).to.equal(true);
    expect(settled.args.fromBond <= settled.args.lock).to.equal(true);
    expect(credit <= settled.args.charge).to.equal(true);
    expect(await stat(page, "sla-credit")).to.equal(formatUsd(credit));
    expect(await stat(page, "value")).to.equal(formatUsd(lease.value));
    expect(await stat(page, "sla-uptime")).to.equal("90.00%");
    expect(await page.locator(".progress").getAttribute("data-share")).to.equal("1.0000");
    await shot(page, "lease");
    const running = await open(`#/lease/${seed.activeLease}`);
    const active = await reader.read.lease({ leaseId: seed.activeLease });
    expect(await stat(running, "accrued")).to.equal(formatUsd(active.accrued));
    const share = Number(await running.locator(".progress").getAttribute("data-share"));
    expect(share).to.be.greaterThan(0).and.lessThan(0.1);
    // chai's closeTo is the ethers matchers' integer-only one in the full run: compare the floats directly.
    expect(Math.abs(share - Number(active.accrued) / Number(active.value)), "stream progress").to.be.at.most(0.0001);
  });

  it("economics page: revenue, budget and its bound, buyback and burn per epoch; the budget chart updates when an epoch closes", async function () {
    const page = await open("#/economics");
    const closes = await reader.events({ contract: "emissionController", eventName: "EpochClosed" });
    expect(closes).to.have.length(2);
    expect(await stat(page, "closed-epochs")).to.equal("2");
    expect(await page.locator('svg[data-chart="budget"]').getAttribute("data-points")).to.equal("2");
    for (const c of closes) {
      const cells = page.locator(`#epochs tr[data-epoch="${c.args.epoch}"] td`);
      expect(await cells.nth(1).textContent()).to.equal(formatUsd(c.args.revenue));
      expect(await cells.nth(3).textContent()).to.equal(formatCndr(c.args.budget));
      expect(await cells.nth(4).textContent()).to.equal(["NoRevenue", "EpochCap", "RevenueRate", "WashGuard", "TokenLimit", "NoPrice"][c.args.bound]);
    }
    const [buyback] = await reader.events({ contract: "buybackBurner", eventName: "BuybackExecuted" });
    expect(await page.locator('svg[data-chart="burn"] rect.bar').getAttribute("data-x")).to.equal(String(buyback.args.epoch));
    expect(await page.locator('svg[data-chart="projection"]').getAttribute("data-points")).to.equal("4"); // 2 actual + 2 projected
    // Close the open epoch while the page watches: the chart gains a bar without a reload.
    await seed.setTime((seed.openEpoch + 1n) * HOUR + 10n);
    const closed = await seed.clientFor(15).keeper.closeEpoch({ epoch: seed.openEpoch });
    expect(closed.status).to.equal("closed");
    await page.waitForSelector('svg[data-chart="budget"][data-points="3"]', { timeout: 30_000 });
    expect(await stat(page, "closed-epochs")).to.equal("3");
    const info = await reader.read.epoch();
    expect(info.previous?.closed).to.equal(true);
    await shot(page, "economics");
  });

  it("with an injected wallet the provider deposits bond; a reverted withdrawal shows the decoded custom error and its arguments", async function () {
    const page = await open(`#/provider/${seed.h100}`, seed.h100);
    await connect(page);
    const before = await reader.read.provider({ provider: seed.h100 });
    await page.fill('form[data-action="deposit-bond"] input[name="amount"]', "250");
    await page.click('form[data-action="deposit-bond"] button');
    await page.waitForSelector('#tx-status [data-action-done="deposit-bond"]', { timeout: 30_000 });
    const after = await reader.read.provider({ provider: seed.h100 });
    expect(BigInt(after.bond.total) - BigInt(before.bond.total)).to.equal(250n * USD);
    await page.waitForFunction(`document.querySelector('[data-stat="bond-free"]')?.textContent === ${JSON.stringify(formatUsd(after.freeBond))}`, undefined, { timeout: 30_000 });
    await page.fill('form[data-action="withdraw-bond"] input[name="amount"]', "1000000");
    await page.click('form[data-action="withdraw-bond"] button');
    await page.waitForSelector('#tx-status[data-state="error"] .error-name', { timeout: 30_000 });
    expect(await page.locator("#tx-status .error-name").textContent()).to.equal("SlaBondManagerInsufficientFreeBond");
    expect(await page.locator("#tx-status .error-args").textContent()).to.equal(`${seed.h100}, ${after.freeBond}, ${1_000_000n * USD}`);
    expect(await page.locator("#tx-status strong").textContent()).to.equal(`SlaBondManager.withdrawBond reverted with SlaBondManagerInsufficientFreeBond(${seed.h100}, ${after.freeBond}, ${1_000_000n * USD})`);
    await page.fill('form[data-action="withdraw-bond"] input[name="amount"]', "12.3456789");
    await page.click('form[data-action="withdraw-bond"] button');
    await page.waitForFunction(`document.querySelector("#tx-status strong")?.textContent === "USD: at most 6 decimals, got 7"`, undefined, { timeout: 10_000 });
  });

  it("with an injected wallet a client leases GPUs from the provider's page; a rejected transaction says so", async function () {
    const client = seed.clientFor(16).context.walletClient!.account.address;
    const page = await open(`#/provider/${seed.h100}`, client);
    await connect(page);
    rejectNext = true;
    await page.click('form[data-action="lease"] button');
    await page.waitForSelector('#tx-status[data-state="error"]', { timeout: 30_000 });
    expect(await page.locator("#tx-status strong").textContent()).to.match(/rejected/i);
    await page.click('form[data-action="lease"] button');
    const link = await page.waitForSelector("[data-created-lease]", { timeout: 30_000 });
    const leaseId = BigInt((await link.getAttribute("data-created-lease")) ?? "0");
    const lease = await reader.read.lease({ leaseId });
    expect([lease.client, lease.provider, lease.gpuCount, lease.statusName]).to.deep.equal([client, seed.h100, 1, "Active"]);
    expect(lease.value).to.equal(2n * USD);
    // The page re-renders on every new event (the lease just created is one): click through a locator, which
    // finds the link again in the re-rendered page, not the handle of the one it replaced.
    await page.locator("[data-created-lease]").first().click();
    await page.waitForSelector(`#page[data-page="lease"] [data-stat="value"]`);
    expect(await stat(page, "value")).to.equal(formatUsd(lease.value));
  });

  it("read-only without a wallet, and a message (not a stack trace) for a bad address or lease", async function () {
    const page = await open(`#/provider/0x1234`);
    expect(await page.locator("#page .error").textContent()).to.equal('not a provider address: "0x1234"');
    await page.click("#connect");
    await page.waitForSelector("#banner .error");
    expect(await page.locator("#banner .error").textContent()).to.match(/^no injected wallet found/);
    const missing = await open("#/lease/999");
    expect(await missing.locator("#page .error").textContent()).to.equal("no lease 999 on this network");
  });
});
