/**
 * The Cinder network dashboard: a hash-routed single page (overview, provider, lease, economics) that reads the
 * network through the SDK, re-renders when a watched event arrives, and, with an injected EIP-1193 wallet, offers
 * the SDK's provider and client actions with decoded revert errors.
 */
import { type AbiEvent, type Address, type Chain, type EIP1193Provider, createWalletClient, custom, getAddress, isAddress, type PublicClient } from "viem";
import { CINDER_EVENT_ABIS, type CinderClient, CinderContractError, CinderError, MODEL_CLASS_NAMES, createCinderClient } from "../../src/sdk/index.js";
import { barChart, escapeXml as esc, lineChart } from "./chart.js";
import { type DashboardConfig, connect, loadEconomics, loadLease, loadOverview, loadProvider, parseConfig } from "./data.js";
import {
  ATTESTATION_TIERS,
  CNDR_DECIMALS,
  USD_DECIMALS,
  formatAmount,
  formatCndr,
  formatDuration,
  formatPpm,
  formatUsd,
  leaseProgress,
  metadataLabel,
  parseDecimal,
  toNumber,
} from "./shape.js";
import "./style.css";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

interface App {
  config: DashboardConfig;
  cinder: CinderClient;
  publicClient: PublicClient;
  chain: Chain;
  oracles: string[];
  writer?: CinderClient;
  account?: Address;
  feed: string[];
  /** The last action's outcome, shown on the page it was taken on (kept across live re-renders). */
  tx?: { state: string; html: string; hash: string };
}

function setTx(app: App, state: string, html: string): void {
  app.tx = { state, html, hash: location.hash };
  const box = document.querySelector<HTMLElement>("#tx-status");
  if (box !== null) {
    box.dataset.state = state;
    box.innerHTML = html;
  }
}

const $ = <T extends Element = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (el === null) throw new Error(`missing element ${selector}`);
  return el;
};

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const time = (s: number | bigint) => new Date(Number(s) * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
const stat = (label: string, value: string, id: string) => `<div class="stat"><div class="label">${esc(label)}</div><div class="value" data-stat="${esc(id)}">${esc(value)}</div></div>`;
const providerLink = (a: string) => `<a href="#/provider/${a}" class="mono">${esc(short(a))}</a>`;
const leaseLink = (id: bigint) => `<a href="#/lease/${id}">lease ${id}</a>`;
const SLASH_KINDS = ["", "failed GPU challenge", "attestation mismatch", "duplicate identity", "missed heartbeats", "repeated SLA breaches"];

/** A message for any error: a decoded revert by name and arguments, an SDK error's short message, else its message. */
function describe(error: unknown): { title: string; name?: string; args?: string[] } {
  if (error instanceof CinderContractError) {
    return { title: error.shortMessage, name: error.errorName, args: (error.args as readonly unknown[]).map((a) => String(a)) };
  }
  if (error instanceof CinderError) return { title: error.shortMessage };
  if (error instanceof Error) return { title: error.message };
  return { title: String(error) };
}

function renderError(error: unknown): string {
  const d = describe(error);
  return (
    `<div class="error" role="alert"><strong>${esc(d.title)}</strong>` +
    (d.name === undefined ? "" : `<div>error <code class="error-name">${esc(d.name)}</code> args <code class="error-args">${esc((d.args ?? []).join(", "))}</code></div>`) +
    `</div>`
  );
}

// ---------- pages ----------

async function overviewPage(app: App): Promise<string> {
  const { status, now, gpus, active } = await loadOverview(app.cinder);
  const e = status.epoch;
  const rows = gpus.rows
    .map((r) => `<tr data-model="${esc(r.modelClass)}"><td>${esc(r.modelClass)}</td>${r.byTier.map((n, t) => `<td class="num" data-tier="${t}">${n}</td>`).join("")}<td class="num">${r.total}</td></tr>`)
    .join("");
  const providers = status.providers
    .map(
      (p) =>
        `<tr data-provider="${p.address}"><td>${providerLink(p.address)}</td><td><span class="badge ${p.status.toLowerCase()}">${esc(p.status)}</span></td><td class="num">${p.gpus.length}</td><td class="num">${esc(formatCndr(p.activeStake))}</td><td class="num">${esc(formatUsd(p.bond.total))}</td><td class="num">${esc(formatUsd(p.freeBond))}</td></tr>`,
    )
    .join("");
  const leases = active
    .map((l) => `<tr data-lease="${l.id}"><td>${leaseLink(l.id)}</td><td>${providerLink(l.provider)}</td><td class="num">${l.gpuCount}</td><td class="num">${esc(formatUsd(l.value))}</td><td>${esc(formatDuration(l.end - now))} left</td></tr>`)
    .join("");
  return `
    <h1>Network overview</h1>
    <p class="sub">chain ${status.chainId} · block <span data-stat="block">${status.blockNumber}</span> · ${esc(time(now))}</p>
    <div class="stats">
      ${stat("Providers", String(status.providers.length), "providers")}
      ${stat("Attested GPUs", String(gpus.total), "gpus")}
      ${stat("Active leases", String(active.length), "active-leases")}
      ${stat("Epoch", String(e.current), "epoch")}
      ${stat("Total supply", formatCndr(status.supply.totalSupply, 0), "supply")}
      ${stat("Burned to date", formatCndr(status.supply.totalBurned), "burned")}
      ${stat("Emitted to date", formatCndr(status.supply.emitted), "emitted")}
    </div>
    <section><h2>Attested GPUs by model and tier</h2>
      <table id="gpu-matrix"><thead><tr><th>model</th>${ATTESTATION_TIERS.map((t, i) => `<th>tier ${i}: ${esc(t)}</th>`).join("")}<th>total</th></tr></thead><tbody>${rows || `<tr><td colspan="5">no attested GPUs</td></tr>`}</tbody></table>
      ${gpus.expired > 0 ? `<p class="sub">${gpus.expired} attestation(s) expired (ineligible for new work)</p>` : ""}
    </section>
    <section><h2>Providers</h2>
      <table id="providers"><thead><tr><th>provider</th><th>status</th><th>GPUs</th><th>active stake</th><th>bond</th><th>free bond</th></tr></thead><tbody>${providers || `<tr><td colspan="6">no providers</td></tr>`}</tbody></table>
    </section>
    <section><h2>Active leases</h2>
      <table id="active-leases"><thead><tr><th>lease</th><th>provider</th><th>GPUs</th><th>value</th><th>remaining</th></tr></thead><tbody>${leases || `<tr><td colspan="5">no active lease</td></tr>`}</tbody></table>
    </section>
    <section><h2>Epoch</h2>
      <p>epoch ${e.current} (${e.length} s) · oracle last reported epoch ${e.oracle.lastReportedEpoch}${e.oracle.silent ? " (silent)" : ""}${e.previous === undefined ? "" : ` · previous epoch ${e.previous.closed ? "closed" : "open"}: revenue ${esc(formatUsd(e.previous.revenue))}, budget ${esc(formatCndr(e.previous.budget))}`}</p>
    </section>`;
}

function actionForm(id: string, title: string, fields: { name: string; label: string; value?: string; options?: readonly string[] }[], button: string): string {
  const inputs = fields
    .map((f) =>
      f.options === undefined
        ? `<label>${esc(f.label)} <input name="${f.name}" value="${esc(f.value ?? "")}"/></label>`
        : `<label>${esc(f.label)} <select name="${f.name}">${f.options.map((o) => `<option${o === f.value ? " selected" : ""}>${esc(o)}</option>`).join("")}</select></label>`,
    )
    .join("");
  return `<form class="action" data-action="${id}"><h3>${esc(title)}</h3>${inputs}<button type="submit">${esc(button)}</button></form>`;
}

async function providerPage(app: App, provider: Address): Promise<string> {
  const p = await loadProvider(app.cinder, provider, app.oracles);
  const { info } = p;
  const locked = BigInt(info.bond.locked);
  const gpus = p.gpus
    .map((g) => `<tr><td class="mono">${esc(g.gpuId.slice(0, 12))}…</td><td>${esc(g.modelClass)}</td><td class="num">${g.memoryMiB}</td><td>tier ${g.tier} (${esc(ATTESTATION_TIERS[g.tier] ?? "?")})</td><td>${esc(time(g.expiresAt))}${g.expiresAt <= p.now ? ' <span class="badge jailed">expired</span>' : ""}</td></tr>`)
    .join("");
  const uptimeChart = lineChart({
    id: "uptime",
    title: "SLA uptime per epoch",
    yUnit: "%",
    xLabel: "epoch",
    yDomain: [0, 100],
    series: [{ name: "uptime", points: p.uptime.points.map((u) => ({ x: u.epoch, y: u.uptimePpm / 10_000, label: `${u.secondsUp}/${u.secondsObserved} s` })) }],
  });
  const slashes = p.slashes
    .map((s) => `<tr data-slash="${s.id}"><td>${esc(SLASH_KINDS[s.kind] ?? `kind ${s.kind}`)}</td><td class="num">${esc(formatCndr(s.amount))}</td><td>${esc(s.status)}</td><td class="num">${esc(formatCndr(s.slashed))}</td><td class="num">${esc(formatCndr(s.burned))}</td><td>${esc(time(s.executableAt))}</td></tr>`)
    .join("");
  const leases = p.leases
    .map((l) => `<tr><td>${leaseLink(l.id)}</td><td>${esc(l.statusName)}${l.cancelled ? " (cancelled)" : ""}</td><td class="num">${l.gpuCount}</td><td class="num">${esc(formatUsd(l.value))}</td><td class="num">${esc(formatUsd(l.accrued))}</td></tr>`)
    .join("");
  const mine = app.account !== undefined && app.account.toLowerCase() === info.address.toLowerCase();
  const actions =
    app.writer === undefined
      ? `<p class="sub">Read-only. Connect an injected wallet to act as this provider, a client or a delegator.</p>`
      : `<div class="actions">
        ${mine ? actionForm("deposit-bond", "Deposit SLA bond", [{ name: "amount", label: "USD", value: "100" }], "Deposit") : ""}
        ${mine ? actionForm("withdraw-bond", "Withdraw free bond", [{ name: "amount", label: "USD", value: "10" }], "Withdraw") : ""}
        ${mine ? actionForm("set-offer", "Publish an offer", [{ name: "model", label: "model", value: "H100-80GB", options: MODEL_CLASS_NAMES }, { name: "price", label: "USD per GPU-hour", value: "2" }], "Publish") : ""}
        ${mine ? actionForm("stake", "Stake CNDR", [{ name: "amount", label: "CNDR", value: "10" }], "Stake") : ""}
        ${mine ? "" : actionForm("lease", "Lease GPUs (client)", [{ name: "model", label: "model", value: p.gpus[0]?.modelClass ?? "H100-80GB", options: MODEL_CLASS_NAMES }, { name: "gpus", label: "GPUs", value: "1" }, { name: "hours", label: "hours", value: "1" }, { name: "maxPrice", label: "max USD per GPU-hour", value: "2" }], "Lease")}
        ${mine ? "" : actionForm("delegate", "Delegate CNDR", [{ name: "amount", label: "CNDR", value: "10" }], "Delegate")}
      </div>`;
  return `
    <h1>Provider <span class="mono">${esc(info.address)}</span></h1>
    <p class="sub"><span class="badge ${info.status.toLowerCase()}">${esc(info.status)}</span> · payout <span class="mono">${esc(short(info.record.payout))}</span> · commission ${info.record.commissionBps / 100}% · ${esc(metadataLabel(info.record.metadataURI))}</p>
    <div class="stats">
      ${stat("Self stake", formatCndr(p.stake.self), "self-stake")}
      ${stat("Delegated", formatCndr(p.stake.delegated), "delegated")}
      ${stat("Pending withdrawals", formatCndr(p.stake.pending), "pending")}
      ${stat("Required stake", formatCndr(info.requiredStake), "required-stake")}
      ${stat("Bond locked", formatUsd(locked), "bond-locked")}
      ${stat("Bond free", formatUsd(info.freeBond), "bond-free")}
      ${stat("Earned (net)", formatUsd(p.earnings.net), "earned-net")}
      ${stat("Fees paid", formatUsd(p.earnings.fees), "fees")}
      ${stat("Emission rewards", formatCndr(p.earnings.rewards), "rewards")}
      ${stat("SLA credits paid", formatUsd(p.earnings.creditsPaid), "credits-paid")}
      ${stat("Slashed", formatCndr(p.slashes.reduce((a, s) => a + s.slashed, 0n)), "slashed")}
    </div>
    <div id="tx-status"></div>
    ${actions}
    <section><h2>GPUs</h2><table id="gpus"><thead><tr><th>GPU id</th><th>model</th><th>memory MiB</th><th>attestation tier</th><th>expires</th></tr></thead><tbody>${gpus || `<tr><td colspan="5">no attested GPUs</td></tr>`}</tbody></table></section>
    <section><h2>SLA uptime</h2>${uptimeChart}${p.uptime.error === undefined ? "" : `<p class="sub">${esc(p.uptime.error)}</p>`}</section>
    <section><h2>Delegators</h2><p>${p.delegators.length === 0 ? "none" : p.delegators.map((d) => `<span class="mono">${esc(short(d))}</span>`).join(", ")} · ${Math.round(p.stake.delegatedShare * 100)}% of the active stake is delegated</p></section>
    <section><h2>Slashes</h2><table id="slashes"><thead><tr><th>fault</th><th>proposed</th><th>status</th><th>slashed</th><th>burned</th><th>executable at</th></tr></thead><tbody>${slashes || `<tr><td colspan="6">no slashes</td></tr>`}</tbody></table></section>
    <section><h2>Leases</h2><table id="leases"><thead><tr><th>lease</th><th>status</th><th>GPUs</th><th>value</th><th>streamed</th></tr></thead><tbody>${leases || `<tr><td colspan="5">no leases</td></tr>`}</tbody></table></section>`;
}

async function leasePage(app: App, leaseId: bigint): Promise<string> {
  const d = await loadLease(app.cinder, leaseId);
  const l = d.lease;
  if (l.statusName === "None") return `<h1>Lease ${leaseId}</h1><div class="error">no lease ${leaseId} on this network</div>`;
  const pr = leaseProgress(l, d.now);
  const s = d.settlement;
  const isClient = app.account !== undefined && app.account.toLowerCase() === l.client.toLowerCase();
  const isProvider = app.account !== undefined && app.account.toLowerCase() === l.provider.toLowerCase();
  return `
    <h1>Lease ${l.id} <span class="badge ${l.statusName.toLowerCase()}">${esc(l.statusName)}${l.cancelled ? " (cancelled)" : ""}</span></h1>
    <p class="sub">client <span class="mono">${esc(l.client)}</span> · provider ${providerLink(l.provider)} · ${l.gpuCount} GPU(s) at ${esc(formatUsd(BigInt(l.pricePerGpuHour)))} per GPU-hour · ${esc(time(l.start))} → ${esc(time(l.end))}</p>
    <section><h2>Stream</h2>
      <div class="progress" data-share="${pr.streamShare.toFixed(4)}"><div style="width:${(pr.streamShare * 100).toFixed(1)}%"></div></div>
      <p>${(pr.streamShare * 100).toFixed(1)}% streamed · ${(pr.timeShare * 100).toFixed(1)}% of the term elapsed · ${esc(formatDuration(pr.remaining))} left</p>
      <div class="stats">
        ${stat("Value", formatUsd(l.value), "value")}
        ${stat("Streamed", formatUsd(l.accrued), "accrued")}
        ${stat("Withdrawable now", formatUsd(l.withdrawable), "withdrawable")}
        ${stat("Paid to provider (gross)", formatUsd(d.paid.gross), "paid-gross")}
        ${stat("Fees", formatUsd(d.paid.fee), "paid-fee")}
      </div>
    </section>
    <section><h2>SLA</h2>
      <div class="stats">
        ${stat("Tier", String(l.slaTier), "sla-tier")}
        ${stat("Bond locked at award", d.bondLocked === undefined ? "none" : formatUsd(d.bondLocked), "bond-locked")}
        ${stat("SLA credit paid", s === undefined ? "not settled" : formatUsd(s.fromStream + s.fromBond), "sla-credit")}
        ${stat("Uptime judged", s === undefined ? (l.settlement.started ? `through epoch ${BigInt(l.settlement.nextEpoch) - 1n}` : "—") : formatPpm(Number((s.secondsUp * 1_000_000n) / (s.secondsObserved === 0n ? 1n : s.secondsObserved))), "sla-uptime")}
      </div>
      ${s === undefined ? "" : `<p>settled: ${s.secondsUp} s up of ${s.secondsObserved} s observed; charge ${esc(formatUsd(s.charge))}, credit ${esc(formatUsd(s.fromStream + s.fromBond))} to the client (${esc(formatUsd(s.fromStream))} from the held stream, ${esc(formatUsd(s.fromBond))} from the bond), ${esc(formatUsd(s.lock - s.fromBond))} of the bond unlocked</p>`}
    </section>
    <div id="tx-status"></div>
    ${
      app.writer === undefined
        ? `<p class="sub">Read-only. Connect an injected wallet to act on this lease.</p>`
        : `<div class="actions">${isClient ? actionForm("extend", "Extend (client)", [{ name: "hours", label: "hours", value: "1" }], "Extend") + actionForm("cancel", "Cancel (client)", [], "Cancel lease") : ""}${isProvider ? actionForm("withdraw-accrued", "Withdraw the stream (provider)", [], "Withdraw") : ""}${!isClient && !isProvider ? `<p class="sub">The connected account is neither this lease's client nor its provider.</p>` : ""}</div>`
    }`;
}

async function economicsPage(app: App): Promise<string> {
  const d = await loadEconomics(app.cinder);
  const closed = d.rows.filter((r) => r.closed);
  const x = (e: bigint) => Number(e);
  const revenue = barChart({ id: "revenue", width: 430, title: "Revenue per epoch", yUnit: "USD", xLabel: "epoch", series: [{ name: "revenue", points: closed.map((r) => ({ x: x(r.epoch), y: toNumber(r.revenue, USD_DECIMALS) })) }] });
  const budget = barChart({
    id: "budget", width: 430,
    title: "Emission budget per epoch",
    yUnit: "CNDR",
    xLabel: "epoch",
    series: [{ name: "budget", points: closed.map((r) => ({ x: x(r.epoch), y: toNumber(r.budget, CNDR_DECIMALS), label: r.boundName })) }],
  });
  const burn = barChart({
    id: "burn", width: 430,
    title: "Buyback and burn per epoch",
    yUnit: "CNDR burned",
    xLabel: "epoch",
    series: [{ name: "burned", points: d.rows.filter((r) => r.burned > 0n).map((r) => ({ x: x(r.epoch), y: toNumber(r.burned, CNDR_DECIMALS), label: `${formatUsd(r.buybackIn)} spent` })) }],
  });
  let actualNet = 0n;
  const actual = closed.map((r) => ({ x: x(r.epoch), y: toNumber((actualNet += r.budget - r.burned), CNDR_DECIMALS) }));
  const sim = lineChart({
    id: "projection", width: 430,
    title: "Net supply change: actual vs simulator",
    yUnit: "CNDR",
    series: [
      { name: "actual (emitted − burned)", points: actual },
      { name: "simulator on the same revenue", points: d.projected.map((p) => ({ x: x(p.epoch), y: toNumber(p.projectedNet, CNDR_DECIMALS) })), dashed: true },
    ],
  });
  const table = d.rows
    .map(
      (r) =>
        `<tr data-epoch="${r.epoch}"><td>${r.epoch}</td><td class="num">${esc(formatUsd(r.revenue))}</td><td class="num">${esc(formatUsd(r.fees))}</td><td class="num">${esc(formatCndr(r.budget))}</td><td>${esc(r.boundName)}</td><td class="num">${esc(formatCndr(r.cap, 0))}</td><td class="num">${esc(formatCndr(r.byRate))}</td><td class="num">${esc(formatCndr(r.byGuard))}</td><td class="num">${esc(formatUsd(r.buybackIn))}</td><td class="num">${esc(formatCndr(r.burned))}</td></tr>`,
    )
    .join("");
  return `
    <h1>Economics</h1>
    <div class="stats">
      ${stat("Total supply", formatCndr(d.supply.totalSupply, 0), "supply")}
      ${stat("Emitted to date", formatCndr(d.supply.emitted), "emitted")}
      ${stat("Burned to date", formatCndr(d.supply.totalBurned), "burned")}
      ${stat("Buyback spent", formatUsd(d.supply.buybackSpent), "buyback-spent")}
      ${stat("Closed epochs", String(closed.length), "closed-epochs")}
      ${stat("Revenue to date", formatUsd(closed.reduce((a, r) => a + r.revenue, 0n)), "revenue")}
    </div>
    <div class="charts">${revenue}${budget}${burn}${sim}</div>
    <p class="sub">Budget = min(epoch cap ${esc(formatCndr(d.schedule.initialEpochCap, 0))} decaying, revenue × rate, the wash guard: budget × price ≤ ${Number(d.params.guardRatioBps) / 100}% of the epoch's fees); the bound column says which applied. The projection runs <code>src/economics/simulator.ts</code> on the recorded revenue and the recorded buybacks (each epoch's buyback spends what the chain's spent in it, none where none ran), with the pool and supply as they were before the first epoch that earned, assuming providers keep their emissions.</p>
    <section><h2>Epochs</h2><table id="epochs"><thead><tr><th>epoch</th><th>revenue</th><th>fees</th><th>budget</th><th>bound</th><th>cap</th><th>by rate</th><th>by guard</th><th>buyback in</th><th>burned</th></tr></thead><tbody>${table || `<tr><td colspan="10">no closed epoch yet</td></tr>`}</tbody></table></section>`;
}

// ---------- actions ----------

type ActionHandler = (app: App, form: FormData) => Promise<string>;

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

function whole(input: string, name: string, min: number, max: number): number {
  const n = Number(input.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(input)}`);
  return n;
}

function hours(input: string): bigint {
  const seconds = Math.round(Number(input.trim()) * 3_600);
  if (!/^\d+(\.\d+)?$/.test(input.trim()) || seconds <= 0) throw new RangeError(`hours: must be a positive number, got ${JSON.stringify(input)}`);
  return BigInt(seconds);
}

const ACTIONS: Record<string, ActionHandler> = {
  "deposit-bond": async (app, f) => {
    const amount = parseDecimal(field(f, "amount"), USD_DECIMALS, "USD");
    const r = await app.writer!.provider.depositBond({ amount });
    return `deposited ${formatUsd(amount)} of SLA bond (tx ${r.hash})`;
  },
  "withdraw-bond": async (app, f) => {
    const amount = parseDecimal(field(f, "amount"), USD_DECIMALS, "USD");
    const r = await app.writer!.provider.withdrawBond({ amount });
    return `withdrew ${formatUsd(amount)} of free bond (tx ${r.hash})`;
  },
  "set-offer": async (app, f) => {
    const price = parseDecimal(field(f, "price"), USD_DECIMALS, "USD per GPU-hour");
    const r = await app.writer!.provider.setOffer({ modelClass: field(f, "model"), pricePerGpuHour: price });
    return `offer ${field(f, "model")} at ${formatUsd(price)} per GPU-hour (tx ${r.hash})`;
  },
  stake: async (app, f) => {
    const amount = parseDecimal(field(f, "amount"), CNDR_DECIMALS, "CNDR");
    const r = await app.writer!.provider.stake({ amount });
    return `staked ${formatCndr(amount)} (tx ${r.hash})`;
  },
  lease: async (app, f) => {
    const provider = currentProvider();
    const r = await app.writer!.leases.createDirect({
      provider,
      modelClass: field(f, "model"),
      gpuCount: whole(field(f, "gpus"), "GPUs", 1, 65_535),
      duration: hours(field(f, "hours")),
      maxPricePerGpuHour: parseDecimal(field(f, "maxPrice"), USD_DECIMALS, "max USD per GPU-hour"),
    });
    return `<a href="#/lease/${r.leaseId}" data-created-lease="${r.leaseId}">lease ${r.leaseId}</a> created, ${formatUsd(r.value)} in escrow (tx ${r.hash})`;
  },
  delegate: async (app, f) => {
    const amount = parseDecimal(field(f, "amount"), CNDR_DECIMALS, "CNDR");
    const r = await app.writer!.delegator.delegate({ provider: currentProvider(), amount });
    return `delegated ${formatCndr(amount)} (tx ${r.hash})`;
  },
  extend: async (app, f) => {
    const r = await app.writer!.leases.extend({ leaseId: currentLease(), extraDuration: hours(field(f, "hours")) });
    return `extended, topped up ${formatUsd(r.topUp)} (tx ${r.hash})`;
  },
  cancel: async (app) => {
    const r = await app.writer!.leases.cancel({ leaseId: currentLease() });
    return `cancelled (tx ${r.hash})`;
  },
  "withdraw-accrued": async (app) => {
    const r = await app.writer!.provider.withdrawAccrued({ leaseId: currentLease() });
    return `withdrew ${formatUsd(r.result)} net of the fee (tx ${r.hash})`;
  },
};

function currentProvider(): Address {
  const m = /^#\/provider\/(0x[0-9a-fA-F]{40})$/.exec(location.hash);
  if (m === null) throw new Error("not on a provider page");
  return getAddress(m[1]);
}
function currentLease(): bigint {
  const m = /^#\/lease\/(\d+)$/.exec(location.hash);
  if (m === null) throw new Error("not on a lease page");
  return BigInt(m[1]);
}

function bindActions(app: App): void {
  for (const form of document.querySelectorAll<HTMLFormElement>("form.action")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = form.dataset.action ?? "";
      const handler = ACTIONS[id];
      if (handler === undefined) return;
      const button = form.querySelector("button");
      if (button !== null) button.disabled = true;
      setTx(app, "pending", `<div class="pending">sending ${esc(id)}… confirm in your wallet</div>`);
      handler(app, new FormData(form)).then(
        (message) => {
          setTx(app, "ok", `<div class="ok" data-action-done="${esc(id)}">${message}</div>`);
          if (button !== null) button.disabled = false;
          scheduleRefresh(app, 0);
        },
        (error: unknown) => {
          setTx(app, "error", renderError(error));
          if (button !== null) button.disabled = false;
        },
      );
    });
  }
}

// ---------- wallet ----------

async function connectWallet(app: App): Promise<void> {
  const ethereum = window.ethereum;
  if (ethereum === undefined) throw new Error("no injected wallet found (an EIP-1193 provider at window.ethereum); the dashboard stays read-only");
  const accounts = (await ethereum.request({ method: "eth_requestAccounts" })) as string[];
  const first = accounts[0];
  if (first === undefined || !isAddress(first)) throw new Error("the wallet returned no account");
  const account = getAddress(first);
  const walletChain = Number(await ethereum.request({ method: "eth_chainId" }));
  if (walletChain !== app.config.chainId) throw new Error(`the wallet is on chain ${walletChain}, the dashboard on chain ${app.config.chainId}: switch networks in the wallet`);
  const walletClient = createWalletClient({ account, chain: app.chain, transport: custom(ethereum) });
  app.account = account;
  app.writer = createCinderClient({ publicClient: app.publicClient, walletClient, addresses: app.config.addresses });
}

// ---------- shell, routing, live updates ----------

let rendering = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function scheduleRefresh(app: App, delay = 250): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => void render(app), delay);
}

async function render(app: App): Promise<void> {
  const id = ++rendering;
  const main = $("#page");
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) a.classList.toggle("current", hash.startsWith(a.getAttribute("href") ?? "-") && (a.getAttribute("href") !== "#/" || hash === "#/"));
  let html: string;
  try {
    let m: RegExpExecArray | null;
    if (hash === "#/" || hash === "#") html = await overviewPage(app);
    else if ((m = /^#\/provider\/(.*)$/.exec(hash)) !== null) {
      if (!isAddress(m[1])) throw new Error(`not a provider address: ${JSON.stringify(decodeURIComponent(m[1]))}`);
      html = await providerPage(app, getAddress(m[1]));
    } else if ((m = /^#\/lease\/(.*)$/.exec(hash)) !== null) {
      if (!/^[1-9]\d*$/.test(m[1])) throw new Error(`not a lease id: ${JSON.stringify(decodeURIComponent(m[1]))}`);
      html = await leasePage(app, BigInt(m[1]));
    } else if (hash === "#/economics") html = await economicsPage(app);
    else html = `<div class="error">no page ${esc(hash)}</div>`;
  } catch (error) {
    html = renderError(error);
  }
  if (id !== rendering) return; // a newer render started
  const focused = document.activeElement instanceof HTMLInputElement ? document.activeElement.name : undefined;
  // What the user typed survives a live re-render of the same page.
  const typed = new Map<string, string>();
  if (main.dataset.hash === hash) {
    for (const input of main.querySelectorAll<HTMLInputElement | HTMLSelectElement>("form.action input, form.action select")) {
      typed.set(`${input.closest("form")?.dataset.action ?? ""}:${input.name}`, input.value);
    }
  }
  main.innerHTML = html;
  main.dataset.hash = hash;
  for (const input of main.querySelectorAll<HTMLInputElement | HTMLSelectElement>("form.action input, form.action select")) {
    const value = typed.get(`${input.closest("form")?.dataset.action ?? ""}:${input.name}`);
    if (value !== undefined) input.value = value;
  }
  main.dataset.renderedAt = String(Date.now());
  main.dataset.page = hash.split("/")[1] || "overview";
  const txStatus = document.querySelector<HTMLElement>("#tx-status");
  if (app.tx !== undefined && app.tx.hash === location.hash && txStatus !== null) {
    txStatus.innerHTML = app.tx.html;
    txStatus.dataset.state = app.tx.state;
  }
  bindActions(app);
  if (focused !== undefined) document.querySelector<HTMLInputElement>(`input[name="${focused}"]`)?.focus();
}

function renderFeed(app: App): void {
  $("#feed-list").innerHTML = app.feed.map((f) => `<li>${esc(f)}</li>`).join("");
}

/**
 * Watches every event of every Cinder contract with one filter (the SDK's ABIs, decoded by viem on the SDK's public
 * client); each batch of new logs is listed in the feed and re-renders the current page.
 */
function watch(app: App): void {
  const byAddress = new Map<string, string>();
  const abi: AbiEvent[] = [];
  const seen = new Set<string>();
  for (const [name, contractAbi] of Object.entries(CINDER_EVENT_ABIS)) {
    const address = (app.config.addresses as unknown as Record<string, Address | undefined>)[name];
    if (address === undefined) continue;
    byAddress.set(address.toLowerCase(), name);
    for (const item of contractAbi as readonly { type: string }[]) {
      if (item.type !== "event") continue;
      const event = item as AbiEvent;
      const signature = `${event.name}(${event.inputs.map((i) => `${i.type}${i.indexed === true ? " indexed" : ""}`).join(",")})`;
      if (!seen.has(signature)) abi.push(event);
      seen.add(signature);
    }
  }
  app.publicClient.watchContractEvent({
    address: [...byAddress.keys()] as Address[],
    abi,
    strict: false,
    pollingInterval: app.config.pollingInterval,
    onLogs: (logs) => {
      for (const log of logs) {
        const eventName = (log as { eventName?: string }).eventName ?? "event";
        app.feed.unshift(`block ${log.blockNumber ?? "?"}: ${byAddress.get(log.address.toLowerCase()) ?? log.address}.${eventName}`);
      }
      app.feed.length = Math.min(app.feed.length, 30);
      renderFeed(app);
      scheduleRefresh(app, 250);
    },
    onError: (error: Error) => {
      $("#live").textContent = `live updates interrupted: ${describe(error).title}`;
    },
  });
}

async function boot(): Promise<void> {
  const banner = $("#banner");
  let config: DashboardConfig;
  try {
    const response = await fetch("config.json");
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    config = parseConfig(await response.json());
  } catch (error) {
    banner.innerHTML = renderError(error);
    return;
  }
  const { cinder, publicClient, chain } = connect(config, location.href);
  const oracles = config.oracles.map((o) => new URL(o, location.href).toString().replace(/\/$/, ""));
  const app: App = { config, cinder, publicClient, chain, oracles, feed: [] };
  $("#network").textContent = `chain ${config.chainId} · ${new URL(config.rpcUrl, location.href).host}`;
  const connectButton = $<HTMLButtonElement>("#connect");
  connectButton.addEventListener("click", () => {
    connectWallet(app).then(
      () => {
        $("#account").innerHTML = `<span class="mono" data-account="${app.account}">${esc(short(app.account!))}</span>`;
        connectButton.hidden = true;
        banner.innerHTML = "";
        void render(app);
      },
      (error: unknown) => {
        banner.innerHTML = renderError(error);
      },
    );
  });
  window.addEventListener("hashchange", () => void render(app));
  watch(app);
  await render(app);
}

void boot();
