/**
 * `cinder`: the Cinder protocol from the command line. Every flow of the SDK (provider, delegator, client,
 * keeper), `cinder status` and `cinder node` (a local network with everything deployed and seeded). Errors name
 * what was wrong and exit 1 (2 for usage); `--json` prints machine-readable results and errors on stdout.
 */
import { parseArgs } from "node:util";
import { type Address, type Hex, formatUnits } from "viem";
import { CinderConfigError } from "../protocol/errors.js";
import { MODEL_CLASS_NAMES, modelClassName, resolveModelClass } from "../protocol/models.js";
import type { Voucher } from "../sdk/index.js";
import { type GlobalOptions, type Session, addressOption, amountOption, hoursOption, integerOption, openSession, required, rpcUrl } from "./config.js";
import { runDashboard } from "./dashboard.js";
import { jobRunCommand, jobSpecCommand } from "./job.js";
import { type Output, createOutput, describeError } from "./output.js";
import { UsageError } from "./errors.js";

const USAGE = `usage: cinder [options] <command> [command options]

Network and key (every command):
  --rpc <url>            JSON-RPC endpoint (or CINDER_RPC_URL); default http://127.0.0.1:8545
  --network <name>       a known network instead of --rpc: localhost
  --key-file <file>      a file holding the signing key (else CINDER_PRIVATE_KEY)
  --deployment <id>      Ignition deployment id under deploy/deployments (default chain-<chainId>, or CINDER_DEPLOYMENT_ID)
  --addresses <file>     an Ignition deployed_addresses.json instead
  --json                 machine-readable output (results and errors) on stdout
  --help                 this text

Commands (USD amounts in dollars, CNDR in tokens, durations in hours):
  status                                         providers, GPUs and tiers, leases, SLA state, epoch, supply and burn
  node [--port 8545] [--providers 3] [--gpus 2] [--no-oracles] [--evm hardhat|anvil] [--rpc <url>]
                                                 a local hardhat node, deployed and seeded, with simulated provider
                                                 agents and 4 oracle nodes on the next ports; runs until Ctrl-C.
                                                 --evm anvil starts anvil instead; --rpc deploys on a running EVM
                                                 node (funded from its dev account; oracle nodes from --port,
                                                 by default the port after the node's)
  dashboard [--port 8600] [--host 127.0.0.1] [--oracle <url>[,<url>...]]
                                                 the network dashboard (npm run dashboard:build first) against
                                                 --rpc (default the local node; its oracle nodes on the next ports)
  balances [--account <addr>]
  chain advance --by <duration>                  local network only: moves the chain's clock (10m, 2h, 1d) and
                                                 waits until every oracle node has probed every provider since

  provider register --metadata <uri> [--payout <addr>]
  provider fail --provider <addr|#account> --for <duration> [--kind heartbeat|challenge]
                                                 local network only: a seeded provider's simulated GPUs fail for a
                                                 while on the chain's clock (10m, 2h; through cinder node); with
                                                 --kind challenge they answer the oracle's GPU challenges wrong
  provider offer --model <class> --price <usd per GPU-hour>
  provider stake --amount <cndr>
  provider bond --amount <usd>
  provider withdraw-bond --amount <usd>
  provider unstake --amount <cndr>               request a withdrawal of own stake
  provider claim                                 claim an unlocked withdrawal of own stake
  provider withdraw --lease <id>                 withdraw what a lease streamed
  provider earnings                              withdraw redeemed channel earnings
  provider bid --order <id> --price <usd>
  provider redeem --voucher <json>               redeem a signed voucher ({voucher, signature})

  delegator delegate --provider <addr> --amount <cndr>
  delegator withdraw --provider <addr> --amount <cndr>
  delegator claim --provider <addr>
  delegator rewards --provider <addr>

  lease create --provider <addr> --model <class> --gpus <n> --hours <h> --max-price <usd>
  lease order --model <class> --gpus <n> --hours <h> --max-price <usd> --bid-window <seconds>
  lease finalize --order <id>
  lease extend --lease <id> --hours <h>
  lease cancel --lease <id>
  lease dispute --lease <id>                     dispute a batch result (pays the DisputeManager's deposit)
  lease close --lease <id>
  lease show --lease <id>
  lease withdraw                                 withdraw credited refunds
  lease tier --tier <0|1|2>                      SLA tier for future leases

  channel deposit --provider <addr> --amount <usd>
  channel voucher --provider <addr> --amount <usd cumulative>

  keeper close-epoch [--epoch <n>]
  keeper buyback [--amount <usd>]
  keeper settle-sla --lease <id> --oracle <url>[,<url>...]
  keeper submit-report --report <file.json>      {kind, report, signatures}
  keeper run [--dry-run] [--once] [--oracle <url>[,<url>...]] [--metrics-port <n>] [--from-block <n>] [--interval <s>]
                                                 watch the chain and send every due step (epoch close, SLA
                                                 settlement, slash propose/execute/burn, disputes, buyback, pruning)

  job spec [--type matmul-int8|matmul-int8-batch] --n <n> [--items <k>] [--seed <0x..32 bytes>] [--out <file>]
                                                 a job spec, its hash and a data: URI (offline)
  job run --spec <uri|file> [--cheat <i,j>] [--out <file>]
                                                 run a spec as the provider: the result hash to submit and the
                                                 batch result document (offline; --cheat gets items wrong)

Model classes: ${MODEL_CLASS_NAMES.join(", ")}`;

const OPTIONS = {
  rpc: { type: "string" },
  network: { type: "string" },
  "key-file": { type: "string" },
  deployment: { type: "string" },
  addresses: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
  metadata: { type: "string" },
  payout: { type: "string" },
  model: { type: "string" },
  price: { type: "string" },
  amount: { type: "string" },
  lease: { type: "string" },
  order: { type: "string" },
  provider: { type: "string" },
  account: { type: "string" },
  gpus: { type: "string" },
  hours: { type: "string" },
  "max-price": { type: "string" },
  "bid-window": { type: "string" },
  epoch: { type: "string" },
  oracle: { type: "string" },
  report: { type: "string" },
  voucher: { type: "string" },
  tier: { type: "string" },
  port: { type: "string" },
  providers: { type: "string" },
  "no-oracles": { type: "boolean" },
  host: { type: "string" },
  type: { type: "string" },
  n: { type: "string" },
  items: { type: "string" },
  seed: { type: "string" },
  spec: { type: "string" },
  cheat: { type: "string" },
  out: { type: "string" },
  "dry-run": { type: "boolean" },
  once: { type: "boolean" },
  "metrics-port": { type: "string" },
  "from-block": { type: "string" },
  interval: { type: "string" },
  for: { type: "string" },
  kind: { type: "string" },
  by: { type: "string" },
  evm: { type: "string" },
} as const;

/** `--evm`: which local node `cinder node` starts. */
function evmOption(value: string | boolean | undefined): "hardhat" | "anvil" | undefined {
  if (value === undefined || value === "hardhat" || value === "anvil") return value;
  throw new CinderConfigError("--evm", `must be hardhat or anvil, got ${JSON.stringify(value)}`);
}

const USD = 6;
const CNDR = 18;
const usd = (v: bigint) => `${formatUnits(v, USD)} USD`;
const cndr = (v: bigint) => `${formatUnits(v, CNDR)} CNDR`;
const tx = (hash: Hex) => `  tx ${hash}`;

type Values = Record<string, string | boolean | undefined>;

async function main(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help === true ? 0 : 2;
  }
  const out = createOutput({ json: values.json === true, progressLines: positionals[0] === "node" });
  const globals = values as GlobalOptions;
  const [command, sub] = positionals;

  if (command === "node") {
    // Loaded only for this command: the local network runs the oracle nodes and agents (and their dependencies),
    // which the other commands, and an installed package, do without.
    const { defaultNodePort, runNode } = await import("./node.js");
    await runNode(out, {
      port: Number(integerOption(values, "port", { optional: true }) ?? BigInt(defaultNodePort(globals.rpc))),
      providers: Number(integerOption(values, "providers", { optional: true }) ?? 3n),
      gpus: Number(integerOption(values, "gpus", { optional: true }) ?? 2n),
      deploymentId: globals.deployment,
      oracles: values["no-oracles"] !== true,
      rpc: globals.rpc,
      evm: evmOption(values.evm),
    });
    return 0;
  }
  if (command === "provider" && sub === "fail") {
    const { failCommand } = await import("./fail.js");
    await failCommand(out, { rpcUrl: rpcUrl(globals), provider: values.provider as string | undefined, duration: values.for as string | undefined, kind: values.kind as string | undefined });
    return 0;
  }
  if (command === "chain") {
    if (sub !== "advance") throw new UsageError(`chain: ${sub === undefined ? "missing subcommand" : `unknown subcommand ${JSON.stringify(sub)}`} (one of: advance)`);
    const { chainAdvanceCommand } = await import("./chain.js");
    await chainAdvanceCommand(out, { rpcUrl: rpcUrl(globals), by: values.by as string | undefined });
    return 0;
  }
  if (command === "dashboard") {
    const oracle = typeof values.oracle === "string" ? values.oracle.split(",").map((u) => u.trim()).filter((u) => u !== "") : undefined;
    await runDashboard(out, globals, {
      port: Number(integerOption(values, "port", { optional: true }) ?? 8_600n),
      host: typeof values.host === "string" ? values.host : "127.0.0.1",
      oracles: oracle,
    });
    return 0;
  }
  if (command === "job") {
    if (sub === "spec") jobSpecCommand(out, values);
    else if (sub === "run") await jobRunCommand(out, values);
    else throw new UsageError(`job: ${sub === undefined ? "missing subcommand" : `unknown subcommand ${JSON.stringify(sub)}`} (one of: spec, run)`);
    return 0;
  }
  const known: Record<string, readonly string[]> = {
    status: [],
    balances: [],
    provider: ["register", "offer", "stake", "bond", "withdraw-bond", "unstake", "claim", "withdraw", "earnings", "bid", "redeem"],
    delegator: ["delegate", "withdraw", "claim", "rewards"],
    lease: ["create", "order", "finalize", "extend", "cancel", "dispute", "close", "show", "withdraw", "tier"],
    channel: ["deposit", "voucher"],
    keeper: ["close-epoch", "buyback", "settle-sla", "submit-report", "run"],
  };
  if (!(command in known)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (known[command].length > 0 && (sub === undefined || !known[command].includes(sub))) {
    throw new UsageError(`${command}: ${sub === undefined ? "missing subcommand" : `unknown subcommand ${JSON.stringify(sub)}`} (one of: ${known[command].join(", ")})`);
  }
  const session = await out.spin("connecting", () => openSession(globals));
  await run(out, session, command, sub, values);
  return 0;
}

async function run(out: Output, s: Session, command: string, sub: string | undefined, v: Values): Promise<void> {
  const key = `${command}${sub === undefined ? "" : ` ${sub}`}`;
  switch (key) {
    case "status":
      return status(out, s);
    case "balances": {
      const account = v.account !== undefined ? addressOption(v, "account") : s.account?.address;
      if (account === undefined) throw new CinderConfigError("--account", "give --account or configure a key");
      const b = await s.reader.read.balances({ account });
      return out.result({ account, ...b }, () => [`account        ${account}`, `CNDR           ${cndr(b.cndr)}`, `stablecoin     ${usd(b.stablecoin)}`, `market credit  ${usd(b.marketCredit)}`, `SLA credit     ${usd(b.slaCredit)}`]);
    }
    case "provider register": {
      const w = s.writer();
      const r = await out.spin("registering", () => w.provider.register({ metadataURI: required(v, "metadata"), payout: v.payout === undefined ? undefined : addressOption(v, "payout") }));
      return out.result({ provider: s.account!.address, hash: r.hash }, () => [`registered ${s.account!.address}`, tx(r.hash)]);
    }
    case "provider offer": {
      const modelClass = resolveModelClass(required(v, "model"), "--model");
      const price = amountOption(v, "price", USD, "USD");
      const r = await out.spin("publishing the offer", () => s.writer().provider.setOffer({ modelClass, pricePerGpuHour: price }));
      return out.result({ modelClass: modelClassName(modelClass), pricePerGpuHour: price, hash: r.hash }, () => [`offer ${modelClassName(modelClass)} at ${usd(price)} per GPU-hour`, tx(r.hash)]);
    }
    case "provider stake": {
      const amount = amountOption(v, "amount", CNDR, "CNDR");
      const r = await out.spin(`staking ${cndr(amount)}`, () => s.writer().provider.stake({ amount }));
      return out.result({ amount, hash: r.hash }, () => [`staked ${cndr(amount)}`, tx(r.hash)]);
    }
    case "provider bond": {
      const amount = amountOption(v, "amount", USD, "USD");
      const r = await out.spin(`depositing ${usd(amount)} of SLA bond`, () => s.writer().provider.depositBond({ amount }));
      return out.result({ amount, hash: r.hash }, () => [`bond deposited ${usd(amount)}`, tx(r.hash)]);
    }
    case "provider withdraw-bond": {
      const amount = amountOption(v, "amount", USD, "USD");
      const r = await out.spin("withdrawing bond", () => s.writer().provider.withdrawBond({ amount }));
      return out.result({ amount, hash: r.hash }, () => [`bond withdrawn ${usd(amount)}`, tx(r.hash)]);
    }
    case "provider unstake": {
      const amount = amountOption(v, "amount", CNDR, "CNDR");
      const w = s.writer();
      const r = await out.spin("requesting a withdrawal", () => w.provider.requestWithdraw({ provider: s.account!.address, amount }));
      return out.result({ amount, unlockAt: r.result, hash: r.hash }, () => [`withdrawal of ${cndr(amount)} unlocks at ${new Date(Number(r.result) * 1000).toISOString()}`, tx(r.hash)]);
    }
    case "provider claim": {
      const r = await out.spin("claiming", () => s.writer().provider.claimWithdraw({ provider: s.account!.address }));
      return out.result({ amount: r.result, hash: r.hash }, () => [`claimed ${cndr(r.result)}`, tx(r.hash)]);
    }
    case "provider withdraw": {
      const leaseId = integerOption(v, "lease")!;
      const r = await out.spin("withdrawing the stream", () => s.writer().provider.withdrawAccrued({ leaseId }));
      return out.result({ leaseId, net: r.result, hash: r.hash }, () => [`lease ${leaseId}: withdrew ${usd(r.result)} (net of fee)`, tx(r.hash)]);
    }
    case "provider earnings": {
      const r = await out.spin("withdrawing channel earnings", () => s.writer().provider.withdrawEarnings());
      return out.result({ amount: r.result, hash: r.hash }, () => [`withdrew ${usd(r.result)} of channel earnings`, tx(r.hash)]);
    }
    case "provider bid": {
      const orderId = integerOption(v, "order")!;
      const price = amountOption(v, "price", USD, "USD");
      const r = await out.spin("bidding", () => s.writer().provider.bid({ orderId, pricePerGpuHour: price }));
      return out.result({ orderId, pricePerGpuHour: price, hash: r.hash }, () => [`bid ${usd(price)} per GPU-hour on order ${orderId}`, tx(r.hash)]);
    }
    case "provider redeem": {
      let parsed: { voucher: { client: Address; provider: Address; cumulativeAmount: string }; signature: Hex };
      try {
        parsed = JSON.parse(required(v, "voucher")) as typeof parsed;
      } catch {
        throw new CinderConfigError("--voucher", "not JSON: pass the output of `cinder channel voucher --json`");
      }
      if (typeof parsed?.voucher?.cumulativeAmount !== "string" || !/^\d+$/.test(parsed.voucher.cumulativeAmount)) throw new CinderConfigError("--voucher", "voucher.cumulativeAmount must be a decimal string");
      const voucher: Voucher = { ...parsed.voucher, cumulativeAmount: BigInt(parsed.voucher.cumulativeAmount) };
      const r = await out.spin("redeeming", () => s.writer().provider.redeemVoucher({ voucher, signature: parsed.signature }));
      return out.result({ net: r.result, hash: r.hash }, () => [`redeemed ${usd(r.result)} (net of fee)`, tx(r.hash)]);
    }
    case "delegator delegate": {
      const provider = addressOption(v, "provider");
      const amount = amountOption(v, "amount", CNDR, "CNDR");
      const r = await out.spin(`delegating ${cndr(amount)}`, () => s.writer().delegator.delegate({ provider, amount }));
      return out.result({ provider, amount, shares: r.result, hash: r.hash }, () => [`delegated ${cndr(amount)} to ${provider}`, tx(r.hash)]);
    }
    case "delegator withdraw": {
      const provider = addressOption(v, "provider");
      const amount = amountOption(v, "amount", CNDR, "CNDR");
      const r = await out.spin("requesting a withdrawal", () => s.writer().delegator.requestWithdraw({ provider, amount }));
      return out.result({ provider, amount, unlockAt: r.result, hash: r.hash }, () => [`withdrawal of ${cndr(amount)} unlocks at ${new Date(Number(r.result) * 1000).toISOString()}`, tx(r.hash)]);
    }
    case "delegator claim": {
      const provider = addressOption(v, "provider");
      const r = await out.spin("claiming", () => s.writer().delegator.claimWithdraw({ provider }));
      return out.result({ provider, amount: r.result, hash: r.hash }, () => [`claimed ${cndr(r.result)}`, tx(r.hash)]);
    }
    case "delegator rewards": {
      const provider = addressOption(v, "provider");
      const r = await out.spin("claiming rewards", () => s.writer().delegator.claimRewards({ provider }));
      return out.result({ provider, amount: r.result, hash: r.hash }, () => [`claimed ${cndr(r.result)} of rewards`, tx(r.hash)]);
    }
    case "lease create": {
      const params = {
        provider: addressOption(v, "provider"),
        modelClass: resolveModelClass(required(v, "model"), "--model"),
        gpuCount: gpusOption(v),
        duration: hoursOption(v, "hours"),
        maxPricePerGpuHour: amountOption(v, "max-price", USD, "USD"),
      };
      const r = await out.spin("creating the lease", () => s.writer().leases.createDirect(params));
      return out.result({ leaseId: r.leaseId, value: r.value, hash: r.hash }, () => [`lease ${r.leaseId} created: ${params.gpuCount} x ${modelClassName(params.modelClass)} for ${Number(params.duration) / 3600} h, ${usd(r.value)} in escrow`, tx(r.hash)]);
    }
    case "lease order": {
      const params = {
        modelClass: resolveModelClass(required(v, "model"), "--model"),
        gpuCount: gpusOption(v),
        duration: hoursOption(v, "hours"),
        maxPricePerGpuHour: amountOption(v, "max-price", USD, "USD"),
        bidWindow: integerOption(v, "bid-window")!,
      };
      const r = await out.spin("posting the order", () => s.writer().leases.postOrder(params));
      return out.result({ orderId: r.orderId, escrow: r.escrow, hash: r.hash }, () => [`order ${r.orderId} posted, ${usd(r.escrow)} in escrow, bids for ${params.bidWindow} s`, tx(r.hash)]);
    }
    case "lease finalize": {
      const orderId = integerOption(v, "order")!;
      const r = await out.spin("finalizing the auction", () => s.writer().leases.finalizeAuction({ orderId }));
      return out.result({ orderId, leaseId: r.leaseId, hash: r.hash }, () => [r.leaseId === 0n ? `order ${orderId} closed without a lease (escrow refunded)` : `order ${orderId} became lease ${r.leaseId}`, tx(r.hash)]);
    }
    case "lease extend": {
      const leaseId = integerOption(v, "lease")!;
      const extraDuration = hoursOption(v, "hours");
      const r = await out.spin("extending", () => s.writer().leases.extend({ leaseId, extraDuration }));
      return out.result({ leaseId, topUp: r.topUp, hash: r.hash }, () => [`lease ${leaseId} extended by ${Number(extraDuration) / 3600} h for ${usd(r.topUp)}`, tx(r.hash)]);
    }
    case "lease dispute": {
      const leaseId = integerOption(v, "lease")!;
      const r = await out.spin(`disputing lease ${leaseId} (approving the deposit if needed)`, () => s.writer().leases.dispute({ leaseId }));
      return out.result({ leaseId, deposit: r.deposit, hash: r.hash }, () => [`lease ${leaseId}: disputed, ${usd(r.deposit)} deposit`, tx(r.hash)]);
    }
    case "lease cancel":
    case "lease close": {
      const leaseId = integerOption(v, "lease")!;
      const w = s.writer();
      const action = { "lease cancel": w.leases.cancel, "lease close": w.leases.close }[key];
      const r = await out.spin(`${sub} lease ${leaseId}`, () => action({ leaseId }));
      return out.result({ leaseId, hash: r.hash }, () => [`lease ${leaseId}: ${sub} done`, tx(r.hash)]);
    }
    case "lease show": {
      const l = await s.reader.read.lease({ leaseId: integerOption(v, "lease")! });
      return out.result(l, () => [
        `lease ${l.id}  ${l.statusName}${l.cancelled ? " (cancelled)" : ""}`,
        `  client ${l.client}  provider ${l.provider}`,
        `  ${l.gpuCount} GPU(s) at ${usd(BigInt(l.pricePerGpuHour))}/GPU-hour, ${new Date(l.start * 1000).toISOString()} .. ${new Date(l.end * 1000).toISOString()}`,
        `  value ${usd(l.value)}  accrued ${usd(l.accrued)}  withdrawable ${usd(l.withdrawable)}`,
        `  SLA tier ${l.slaTier}, bond ${l.slaBondPercent}%  settlement: ${l.slaSettled ? `settled, ${usd(l.streamCredited)} of the stream credited to the client (cinder balances)` : l.settlement.started ? `next epoch ${l.settlement.nextEpoch}` : "not started"}`,
      ]);
    }
    case "lease withdraw": {
      const r = await out.spin("withdrawing credited balance", () => s.writer().leases.withdrawBalance());
      return out.result({ amount: r.result, hash: r.hash }, () => [`withdrew ${usd(r.result)}`, tx(r.hash)]);
    }
    case "lease tier": {
      const tier = Number(integerOption(v, "tier"));
      const r = await out.spin("setting the SLA tier", () => s.writer().leases.setTier({ tier }));
      return out.result({ tier, hash: r.hash }, () => [`SLA tier ${tier} for future leases`, tx(r.hash)]);
    }
    case "channel deposit": {
      const provider = addressOption(v, "provider");
      const amount = amountOption(v, "amount", USD, "USD");
      const r = await out.spin("depositing", () => s.writer().channels.deposit({ provider, amount }));
      return out.result({ provider, amount, hash: r.hash }, () => [`deposited ${usd(amount)} into the channel with ${provider}`, tx(r.hash)]);
    }
    case "channel voucher": {
      const provider = addressOption(v, "provider");
      const cumulativeAmount = amountOption(v, "amount", USD, "USD");
      const r = await s.writer().channels.signVoucher({ provider, cumulativeAmount });
      return out.result(r, () => [`voucher for ${usd(cumulativeAmount)} cumulative to ${provider}`, `  signature ${r.signature}`]);
    }
    case "keeper close-epoch": {
      const epoch = integerOption(v, "epoch", { optional: true });
      const r = await out.spin("closing the epoch", () => s.writer().keeper.closeEpoch({ epoch }));
      return out.result(r, () =>
        r.status === "waiting"
          ? [`epoch ${r.epoch} cannot close yet: ${r.reason} (ready at ${new Date(Number(r.readyAt) * 1000).toISOString()})`]
          : [`epoch ${r.epoch} ${r.status === "closed" ? "closed" : "was already closed"}: revenue ${usd(r.revenue)} (fees ${usd(r.fees)}), budget ${cndr(r.budget)}, ${r.settled.length} provider(s) settled`],
      );
    }
    case "keeper buyback": {
      const amount = v.amount === undefined ? undefined : amountOption(v, "amount", USD, "USD");
      const r = await out.spin("buying back", () => s.writer().keeper.buyback({ amount }));
      return out.result(r, () => (r.status === "executed" ? [`bought back with ${usd(r.amountIn)}, burned ${cndr(r.burned)}`, tx(r.hash)] : [`no buyback: ${r.reason}`]));
    }
    case "keeper settle-sla": {
      const leaseId = integerOption(v, "lease")!;
      const nodes = required(v, "oracle").split(",").map((u) => u.trim());
      const r = await out.spin(`settling lease ${leaseId}'s SLA`, () => s.writer().keeper.settleSla({ leaseId, nodes }));
      return out.result({ leaseId, closed: r.closed, credit: r.credit, epochs: r.proofs.map((p) => p.epoch), hash: r.hash }, () => [
        `lease ${leaseId}: ${r.proofs.length} epoch(s) proven, ${r.closed ? "settled" : "in progress"}, credit to the client ${usd(r.credit)}`,
        tx(r.hash),
      ]);
    }
    case "keeper run": {
      const { runKeeperCommand } = await import("../keeper/cli.js");
      return runKeeperCommand(out, s, {
        dryRun: v["dry-run"] === true,
        once: v.once === true,
        oracle: typeof v.oracle === "string" ? v.oracle : undefined,
        metricsPort: integerOption(v, "metrics-port", { optional: true }),
        fromBlock: integerOption(v, "from-block", { optional: true }),
        intervalSeconds: integerOption(v, "interval", { optional: true }),
      });
    }
    case "keeper submit-report": {
      const file = required(v, "report");
      const { readFileSync, existsSync } = await import("node:fs");
      if (!existsSync(file)) throw new CinderConfigError("--report", `${file} does not exist`);
      const parsed = JSON.parse(readFileSync(file, "utf8"), (_k, value: unknown) => (typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value)) as {
        kind: "EpochReport" | "GpuAttestation" | "FaultReport" | "JobVerdict";
        report: never;
        signatures: Hex[];
      };
      if (!["EpochReport", "GpuAttestation", "FaultReport", "JobVerdict"].includes(parsed.kind)) throw new CinderConfigError("--report", `kind must be EpochReport, GpuAttestation, FaultReport or JobVerdict, got ${JSON.stringify(parsed.kind)}`);
      if (!Array.isArray(parsed.signatures)) throw new CinderConfigError("--report", "signatures must be an array of hex signatures");
      const r = await out.spin(`submitting the ${parsed.kind}`, () => s.writer().keeper.submitReport({ kind: parsed.kind, report: parsed.report, signatures: parsed.signatures }));
      return out.result({ kind: parsed.kind, hash: r.hash }, () => [`${parsed.kind} accepted`, tx(r.hash)]);
    }
  }
  throw new UsageError(`unknown command ${key}`);
}

function gpusOption(v: Values): number {
  const n = integerOption(v, "gpus")!;
  if (n === 0n || n > 65_535n) throw new CinderConfigError("--gpus", `must be between 1 and 65535, got ${n}`);
  return Number(n);
}

async function status(out: Output, s: Session): Promise<void> {
  const st = await out.spin("reading the network", () => s.reader.read.status());
  out.result({ url: s.url, addresses: s.addresses, ...st }, () => {
    const lines = [`Cinder on chain ${st.chainId} at ${s.url} (block ${st.blockNumber})`, "", `Providers (${st.providers.length})`];
    for (const p of st.providers) {
      lines.push(`  ${p.address}  ${p.status}  stake ${cndr(p.activeStake)} (needs ${cndr(p.requiredStake)})  bond ${usd(p.bond.total)} (free ${usd(p.freeBond)})`);
      for (const g of p.gpus) lines.push(`    GPU ${g.gpuId.slice(0, 10)}…  ${g.modelClass}  ${g.memoryMiB} MiB  tier ${g.tier}  expires ${new Date(g.expiresAt * 1000).toISOString()}`);
    }
    lines.push("", `SLA tiers`);
    for (const t of st.tiers) lines.push(`  ${t.id}  target ${(t.targetPpm / 10_000).toFixed(2)}%  credits ${t.creditBps / 100}/${t.midCreditBps / 100}/${t.lowCreditBps / 100}%  bond ${t.bondPercent}%`);
    lines.push("", `Leases (${st.leases.length})`);
    for (const l of st.leases) {
      lines.push(`  ${l.id}  ${l.statusName}${l.cancelled ? " (cancelled)" : ""}  ${l.gpuCount} GPU  ${usd(l.value)}  provider ${l.provider}  SLA tier ${l.slaTier}: ${l.settlement.started ? `settled to epoch ${l.settlement.nextEpoch}` : "unsettled"}`);
    }
    const e = st.epoch;
    lines.push("", `Epoch ${e.current} (${e.length} s)  oracle: last report ${e.oracle.lastReportedEpoch}${e.oracle.silent ? " (silent)" : ""}`);
    if (e.previous !== undefined) lines.push(`  previous: ${e.previous.closed ? "closed" : "open"}, revenue ${usd(e.previous.revenue)}, budget ${cndr(e.previous.budget)}`);
    lines.push("", `Supply ${cndr(st.supply.totalSupply)}  burned ${cndr(st.supply.totalBurned)}  emitted ${cndr(st.supply.emitted)}  buyback spent ${usd(st.supply.buybackSpent)}`);
    return lines;
  });
}

const json = process.argv.includes("--json");
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      if (json) process.stdout.write(`${JSON.stringify({ error: { name: "UsageError", message: error.message } })}\n`);
      else process.stderr.write(`cinder: ${error.message}\n(run \`cinder --help\` for usage)\n`);
      process.exit(2);
    }
    const { text, json: body } = describeError(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: body }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
    else process.stderr.write(`${text}\n`);
    process.exit(1);
  },
);
