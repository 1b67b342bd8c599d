/**
 * `cinder dashboard`'s server (src/cli/dashboard.ts) without a chain: the bundle and `/config.json`, the `/rpc` and
 * `/oracle/<i>` proxies (to a stand-in upstream), refusals with a message, and the default deployment for a local node.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DashboardServer, localDeployment, startDashboardServer } from "../../src/cli/dashboard.js";
import { type CinderAddresses, CinderConfigError } from "../../src/sdk/index.js";

const ADDRESSES = { jobMarket: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } as unknown as CinderAddresses;

describe("cinder dashboard server", function () {
  let dist: string;
  let upstream: Server;
  let upstreamUrl: string;
  let server: DashboardServer;
  const seen: { method: string; url: string; body: string }[] = [];

  before(async function () {
    dist = mkdtempSync(join(tmpdir(), "cinder-dashboard-"));
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>Cinder</title>");
    writeFileSync(join(dist, "assets", "app.js"), "console.log(1)");
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":"0x7a69"}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    server = await startDashboardServer({ rpcUrl: upstreamUrl, chainId: 31_337, addresses: ADDRESSES, oracles: [`${upstreamUrl}/`], port: 0, distDir: dist });
  });

  after(async function () {
    await server?.close();
    upstream?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it("serves the bundle and the page's configuration", async function () {
    const index = await fetch(server.url);
    expect([index.status, index.headers.get("content-type"), await index.text()]).to.deep.equal([200, "text/html; charset=utf-8", "<!doctype html><title>Cinder</title>"]);
    const js = await fetch(`${server.url}assets/app.js`);
    expect(js.headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
    const config = await (await fetch(`${server.url}config.json`)).json();
    expect(config).to.deep.equal({ rpcUrl: "rpc", chainId: 31_337, addresses: ADDRESSES, oracles: ["oracle/0"], pollingInterval: 1_000 });
  });

  it("proxies JSON-RPC posts to the network and GETs to the oracle nodes", async function () {
    const request = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';
    const rpc = await fetch(`${server.url}rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: request });
    expect(await rpc.json()).to.deep.equal({ jsonrpc: "2.0", id: 1, result: "0x7a69" });
    expect(seen.at(-1)).to.deep.equal({ method: "POST", url: "/", body: request });
    await fetch(`${server.url}oracle/0/v1/epochs/7/proof?leaseId=3`);
    expect(seen.at(-1)).to.deep.include({ method: "GET", url: "/v1/epochs/7/proof?leaseId=3" });
  });

  it("refuses with a message: a GET to /rpc, an unknown oracle, a missing file, a path out of the bundle", async function () {
    const get = await fetch(`${server.url}rpc`);
    expect([get.status, ((await get.json()) as { error: { code: string } }).error.code]).to.deep.equal([405, "METHOD"]);
    const oracle = await fetch(`${server.url}oracle/5/v1/epochs/1/leaves`);
    expect([oracle.status, await oracle.text()]).to.deep.equal([404, '{"error":{"code":"NO_ORACLE","message":"no oracle node 5 configured"}}']);
    expect((await fetch(`${server.url}nope.js`)).status).to.equal(404);
    expect((await fetch(`${server.url}%2e%2e/%2e%2e/etc/passwd`)).status).to.equal(404);
  });

  it("answers 502 naming the upstream when the network is down", async function () {
    const dead = await startDashboardServer({ rpcUrl: "http://127.0.0.1:1", chainId: 1, addresses: ADDRESSES, oracles: [], port: 0, distDir: dist });
    try {
      const r = await fetch(`${dead.url}rpc`, { method: "POST", body: "{}" });
      expect(r.status).to.equal(502);
      expect(((await r.json()) as { error: { message: string } }).error.message).to.match(/^http:\/\/127\.0\.0\.1:1 did not answer/);
    } finally {
      await dead.close();
    }
  });

  it("names what is wrong: an unbuilt bundle, a bad oracle URL, a port in use", async function () {
    const unbuilt = await startDashboardServer({ rpcUrl: upstreamUrl, chainId: 1, addresses: ADDRESSES, oracles: [], port: 0, distDir: join(dist, "assets") }).catch((e: unknown) => e);
    expect(unbuilt).to.be.instanceOf(CinderConfigError);
    expect((unbuilt as CinderConfigError).shortMessage).to.match(/^dashboard: the dashboard is not built: .*index\.html does not exist \(run `npm run dashboard:build`\)$/);
    const badOracle = await startDashboardServer({ rpcUrl: upstreamUrl, chainId: 1, addresses: ADDRESSES, oracles: ["ftp://x"], port: 0, distDir: dist }).catch((e: unknown) => e);
    expect((badOracle as CinderConfigError).shortMessage).to.equal("--oracle[0]: must be http or https, got ftp:");
    const port = Number(new URL(server.url).port);
    const busy = await startDashboardServer({ rpcUrl: upstreamUrl, chainId: 1, addresses: ADDRESSES, oracles: [], port, distDir: dist }).catch((e: unknown) => e);
    expect((busy as CinderConfigError).shortMessage).to.equal(`--port: port ${port} is in use`);
  });

  it("defaults to the deployment `cinder node` recorded for a local node's port", function () {
    const root = mkdtempSync(join(tmpdir(), "cinder-deployments-"));
    try {
      mkdirSync(join(root, "localhost-8545"));
      writeFileSync(join(root, "localhost-8545", "deployed_addresses.json"), "{}");
      expect(localDeployment({}, "http://127.0.0.1:8545", root)).to.equal("localhost-8545");
      expect(localDeployment({}, "http://127.0.0.1:9999", root)).to.equal(undefined);
      expect(localDeployment({}, "https://rpc.example.org", root)).to.equal(undefined);
      expect(localDeployment({ deployment: "chain-1" }, "http://127.0.0.1:8545", root)).to.equal("chain-1");
      expect(localDeployment({ addresses: "a.json" }, "http://127.0.0.1:8545", root)).to.equal(undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
