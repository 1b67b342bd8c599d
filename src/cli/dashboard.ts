/**
 * `cinder dashboard`: serves the network dashboard (the static bundle `npm run dashboard:build` writes to
 * dashboard/dist) against a configured network. The page reads `/config.json` (chain id, the deployment's
 * addresses, where to reach the RPC and the oracle nodes), and the server proxies `/rpc` to the network's JSON-RPC
 * endpoint and `/oracle/<i>/...` to the oracle nodes' leaf API, so the browser needs no CORS from either.
 *
 * @example
 * ```ts
 * const server = await startDashboardServer({ rpcUrl: node.url, chainId: 31_337, addresses, oracles: [], port: 0 });
 * console.log(server.url); // http://127.0.0.1:<port>/
 * await server.close();
 * ```
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { CinderAddresses } from "../protocol/deployment.js";
import { CinderConfigError } from "../protocol/errors.js";
import { checkNodeUrls } from "../sdk/index.js";
import { type GlobalOptions, openSession, rpcUrl } from "./config.js";
import type { Output } from "./output.js";

/** Where `npm run dashboard:build` writes the bundle. */
export const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/** Parameters of {@link startDashboardServer}. */
export interface StartDashboardServerParameters {
  /** The network's JSON-RPC endpoint (the server proxies `/rpc` to it). */
  rpcUrl: string;
  chainId: number;
  addresses: CinderAddresses;
  /** Oracle node base URLs (proxied as `/oracle/<i>`). */
  oracles: readonly string[];
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** The built bundle (default dashboard/dist). */
  distDir?: string;
  /** How often the page polls for events, in milliseconds (default 1,000). */
  pollingInterval?: number;
}

/** The return type of {@link startDashboardServer}. */
export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new CinderConfigError("request", `body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, type: string, content: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(content);
}

async function proxy(res: ServerResponse, target: string, init: RequestInit): Promise<void> {
  try {
    const upstream = await fetch(target, { ...init, signal: AbortSignal.timeout(15_000) });
    send(res, upstream.status, upstream.headers.get("content-type") ?? "application/json", Buffer.from(await upstream.arrayBuffer()));
  } catch (error) {
    send(res, 502, "application/json", JSON.stringify({ error: { code: "UPSTREAM", message: `${new URL(target).origin} did not answer: ${(error as Error).message}` } }));
  }
}

/** Serves the bundle, `/config.json`, and the `/rpc` and `/oracle/<i>` proxies. */
export async function startDashboardServer(parameters: StartDashboardServerParameters): Promise<DashboardServer> {
  const dist = resolve(parameters.distDir ?? DASHBOARD_DIST);
  if (!existsSync(join(dist, "index.html"))) {
    throw new CinderConfigError("dashboard", `the dashboard is not built: ${join(dist, "index.html")} does not exist (run \`npm run dashboard:build\`)`);
  }
  const oracles = parameters.oracles.length === 0 ? [] : checkNodeUrls(parameters.oracles, "--oracle");
  const config = JSON.stringify({
    rpcUrl: "rpc",
    chainId: parameters.chainId,
    addresses: parameters.addresses,
    oracles: oracles.map((_, i) => `oracle/${i}`),
    pollingInterval: parameters.pollingInterval ?? 1_000,
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard.local");
    const path = decodeURIComponent(url.pathname);
    void (async () => {
      if (path === "/config.json") return send(res, 200, "application/json", config);
      if (path === "/rpc") {
        if (req.method !== "POST") return send(res, 405, "application/json", JSON.stringify({ error: { code: "METHOD", message: "POST JSON-RPC requests to /rpc" } }));
        return proxy(res, parameters.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(await body(req)) });
      }
      const oracle = /^\/oracle\/(\d+)(\/.*)$/.exec(path);
      if (oracle !== null) {
        const base = oracles[Number(oracle[1])];
        if (base === undefined) return send(res, 404, "application/json", JSON.stringify({ error: { code: "NO_ORACLE", message: `no oracle node ${oracle[1]} configured` } }));
        return proxy(res, `${base}${oracle[2]}${url.search}`, { method: "GET" });
      }
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, "text/plain; charset=utf-8", `not found: ${path}`);
      return send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", readFileSync(file));
    })().catch((error: unknown) => send(res, 400, "application/json", JSON.stringify({ error: { code: "BAD_REQUEST", message: (error as Error).message } })));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new CinderConfigError("--port", `port ${parameters.port} is in use`) : error),
    );
    server.listen(parameters.port, parameters.host ?? "127.0.0.1", () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${parameters.host ?? "127.0.0.1"}:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Parameters of {@link runDashboard}. */
export interface RunDashboardParameters {
  port: number;
  host: string;
  /** Oracle node URLs; undefined: the four local nodes `cinder node` starts when the RPC is a local node. */
  oracles?: string[];
}

/**
 * The deployment `cinder node` recorded for a local node's port (`localhost-<port>`), when the options name none and
 * the RPC is such a node; else the options' own choice (Ignition's `chain-<id>` by default).
 */
export function localDeployment(options: GlobalOptions, url: string, root = "deploy/deployments"): string | undefined {
  if (options.deployment !== undefined || options.addresses !== undefined) return options.deployment;
  const parsed = new URL(url);
  if (!["127.0.0.1", "localhost"].includes(parsed.hostname)) return undefined;
  const id = `localhost-${parsed.port === "" ? "80" : parsed.port}`;
  return existsSync(join(root, id, "deployed_addresses.json")) ? id : undefined;
}

/** `cinder dashboard`: connects, checks the deployment, serves the dashboard until Ctrl-C. */
export async function runDashboard(out: Output, globals: GlobalOptions, { port, host, oracles }: RunDashboardParameters): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CinderConfigError("--port", `must be between 0 and 65535, got ${port}`);
  const url = rpcUrl(globals);
  const session = await out.spin("connecting", () => openSession({ ...globals, deployment: localDeployment(globals, url) }));
  let nodes = oracles;
  if (nodes === undefined) {
    const parsed = new URL(session.url);
    const local = ["127.0.0.1", "localhost"].includes(parsed.hostname) && parsed.port !== "";
    nodes = local ? [1, 2, 3, 4].map((k) => `http://127.0.0.1:${Number(parsed.port) + k}`) : [];
  }
  const server = await startDashboardServer({ rpcUrl: session.url, chainId: session.chain.id, addresses: session.addresses, oracles: nodes, port, host });
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  out.result({ url: server.url, rpc: session.url, chainId: session.chain.id, oracles: nodes }, () => [
    `Cinder dashboard on ${server.url}`,
    `  network ${session.url} (chain ${session.chain.id}), JobMarket ${session.addresses.jobMarket}`,
    `  oracle nodes ${nodes.length === 0 ? "none (uptime charts need --oracle <url>[,<url>...])" : nodes.join(", ")}`,
    "running; Ctrl-C stops it",
  ]);
  await new Promise(() => undefined);
}
