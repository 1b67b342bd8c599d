/**
 * `cinder keeper run [--dry-run] [--once] [--json] [--oracle <url>[,<url>...]] [--metrics-port N] [--from-block N]
 * [--interval <seconds>]`: the keeper as a command. Checks its setup first (one line per problem: no key, no funds for
 * gas, the wrong chain, no deployment), serves Prometheus metrics on `--metrics-port`, logs one line per action
 * (JSON lines under `--json`), and runs until SIGINT/SIGTERM; `--once` runs a single pass and prints what it did.
 *
 * @example
 * ```sh
 * CINDER_PRIVATE_KEY=0x… cinder --rpc http://127.0.0.1:8545 keeper run --oracle http://127.0.0.1:8546,http://127.0.0.1:8547 --metrics-port 9464
 * cinder keeper run --dry-run --once --json          # what is due now, nothing sent, no key needed
 * ```
 */
import { type Server, createServer } from "node:http";
import { type Account, type Chain, type Transport, type WalletClient, createWalletClient, http } from "viem";
import { type LogFields, type Logger, createLogger } from "../oracle/node/log.js";
import { checkNodeUrls, createCinderContext } from "../sdk/index.js";
import type { Session } from "../cli/config.js";
import type { Output } from "../cli/output.js";
import { KeeperConfigError } from "./errors.js";
import { type ActionOutcome, type Keeper, createKeeper } from "./keeper.js";

/** Options of {@link runKeeperCommand}, as the CLI parsed them. */
export interface KeeperCommandOptions {
  dryRun: boolean;
  once: boolean;
  oracle?: string;
  metricsPort?: bigint;
  fromBlock?: bigint;
  intervalSeconds?: bigint;
}

/** A text logger for a terminal: `time level msg key=value …`. */
function textLogger(base: LogFields = {}): Logger {
  return createLogger(base, {
    write: (line) => {
      const { ts, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
      process.stderr.write(`${String(ts)} ${String(level).padEnd(5)} ${String(msg)} ${rest.join(" ")}\n`);
    },
  });
}

/** Starts the keeper from the CLI's session; see the module's description. */
export async function runKeeperCommand(out: Output, session: Session, options: KeeperCommandOptions): Promise<void> {
  const nodes = options.oracle === undefined ? [] : checkNodeUrls(options.oracle.split(",").map((u) => u.trim()).filter((u) => u !== ""), "--oracle");
  if (options.metricsPort !== undefined && (options.metricsPort < 1n || options.metricsPort > 65_535n)) {
    throw new KeeperConfigError("BAD_OPTION", `--metrics-port must be between 1 and 65535, got ${options.metricsPort}`);
  }
  if (options.intervalSeconds !== undefined && options.intervalSeconds < 1n) throw new KeeperConfigError("BAD_OPTION", `--interval must be at least 1 second, got ${options.intervalSeconds}`);
  const walletClient =
    session.account === undefined || options.dryRun ? undefined : (createWalletClient({ chain: session.chain, transport: http(session.url), account: session.account }) as WalletClient<Transport, Chain | undefined, Account>);
  const ctx = createCinderContext({ publicClient: session.publicClient, walletClient, addresses: session.addresses });
  const base = { component: "keeper", account: session.account?.address, chainId: session.chain.id };
  const log = out.json ? createLogger(base, { write: (line) => process.stderr.write(`${line}\n`) }) : textLogger(base);
  const keeper = createKeeper({ ctx, nodes, dryRun: options.dryRun, fromBlock: options.fromBlock, pollIntervalMs: Number(options.intervalSeconds ?? 5n) * 1_000, log });
  await keeper.checkSetup();
  if (!options.dryRun && nodes.length === 0) log.warn("no --oracle nodes: SLA settlements will fail until some are given (leaf files come from the oracle nodes)");
  if (options.once) {
    const pass = await keeper.runOnce();
    return out.result(
      { now: pass.now, block: pass.block, dryRun: options.dryRun, outcomes: pass.outcomes.map(outcomeJson), next: pass.next },
      () => [
        `block ${pass.block}, chain time ${pass.now}: ${pass.outcomes.length} action(s) ${options.dryRun ? "due (dry run: nothing sent)" : "handled"}`,
        ...pass.outcomes.map((o) => `  ${o.action.key}  ${o.outcome}${o.detail === undefined ? "" : ` (${o.detail})`}  ${o.action.reason}${o.transactions > 0 ? `  ${o.transactions} tx, ${o.gasUsed} gas` : ""}`),
        pass.next === undefined ? "nothing else scheduled" : `next: ${pass.next.key} at ${pass.next.at} (${pass.next.reason})`,
      ],
    );
  }
  const metrics = options.metricsPort === undefined ? undefined : await serveMetrics(keeper, Number(options.metricsPort));
  log.info("keeper running", { dryRun: options.dryRun, nodes, metricsPort: options.metricsPort });
  const stop = keeper.start();
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await stop();
  metrics?.close();
  log.info("keeper stopped");
}

function outcomeJson(o: ActionOutcome) {
  return { ...o.action, outcome: o.outcome, detail: o.detail, transactions: o.transactions, gasUsed: o.gasUsed };
}

/** Serves `GET /metrics` (Prometheus text) on 127.0.0.1:`port`. */
export async function serveMetrics(keeper: Keeper, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/metrics") {
      keeper.metrics.registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": keeper.metrics.registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("GET /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(new KeeperConfigError("BAD_OPTION", `--metrics-port ${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, resolve);
  });
  return server;
}
