/**
 * `cinder provider fail --provider <addr|#account> --for <duration> [--kind heartbeat|challenge]`: makes a provider
 * that `cinder node` seeded fail its heartbeats (its simulated GPUs answer as a host whose driver broke) for a while,
 * measured on the local network's clock (the chain's: moving the chain's time past the end ends it). It talks to the
 * running `cinder node` through its loopback control endpoint (control.ts); there is no such thing on a real
 * provider's agent. It returns once the agent has answered a heartbeat from each local oracle node failing, so a walk
 * can then move time.
 *
 * `--kind challenge`: the heartbeats stay healthy and the GPUs compute wrong products instead; the oracle nodes'
 * next challenge round (once a chain-time day) proves them wrong, every node signs the same FailedGpuChallenge fault
 * report, and the keeper submits it, proposes the slash and executes it after the veto window. It returns at once,
 * with the time the next round starts.
 *
 * @example
 * ```sh
 * cinder --rpc http://127.0.0.1:8545 provider fail --provider '#6' --for 10m
 * cinder --rpc http://127.0.0.1:8545 provider fail --kind challenge --provider '#6' --for 25h
 * ```
 */
import { type Address, getAddress, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CinderConfigError } from "../protocol/errors.js";
import { OUTAGE_KINDS, type OutageKind, requestOutage } from "./control.js";
import { localKey } from "./local.js";
import type { Output } from "./output.js";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `90`, `90s`, `10m`, `2h`, `1d` in seconds; a clear error naming `--for` otherwise. */
export function parseDuration(text: string, field = "--for"): number {
  const m = /^([1-9][0-9]*)([smhd]?)$/.exec(text.trim());
  if (m === null) throw new CinderConfigError(field, `must be a whole number of seconds, or with a unit (90s, 10m, 2h, 1d), got ${JSON.stringify(text)}`);
  return Number(m[1]) * UNITS[m[2] === "" ? "s" : m[2]];
}

/** A provider's address, or a local account number as `cinder node` prints it (`6` or `#6`). */
export function parseProvider(text: string, field = "--provider"): Address {
  if (isAddress(text, { strict: false })) return getAddress(text);
  const m = /^#?([0-9]{1,2})$/.exec(text.trim());
  if (m === null) throw new CinderConfigError(field, `must be an address or a local account number such as #6, got ${JSON.stringify(text)}`);
  return privateKeyToAccount(localKey(Number(m[1]))).address;
}

/** Parameters of {@link failCommand}. */
export interface FailCommandParameters {
  readonly rpcUrl: string;
  readonly provider: string | undefined;
  readonly duration: string | undefined;
  /** `--kind`: what fails (default heartbeat). */
  readonly kind?: string;
}

/** `--kind`: heartbeat (default) or challenge. */
export function parseOutageKind(text: string | undefined, field = "--kind"): OutageKind {
  if (text === undefined) return "heartbeat";
  if ((OUTAGE_KINDS as readonly string[]).includes(text)) return text as OutageKind;
  throw new CinderConfigError(field, `must be ${OUTAGE_KINDS.join(" or ")}, got ${JSON.stringify(text)}`);
}

export async function failCommand(out: Output, { rpcUrl, provider, duration, kind: kindText }: FailCommandParameters): Promise<void> {
  if (provider === undefined) throw new CinderConfigError("--provider", "is required (an address, or a local account number such as #6)");
  if (duration === undefined) throw new CinderConfigError("--for", "is required (e.g. 10m)");
  const address = parseProvider(provider);
  const seconds = parseDuration(duration);
  const kind = parseOutageKind(kindText);
  const at = (s: number) => new Date(s * 1000).toISOString();
  if (kind === "challenge") {
    const result = await out.spin(`making ${address}'s GPUs compute wrong products for ${seconds} s`, () => requestOutage({ rpcUrl, provider: address, seconds, kind }));
    return out.result(result, () => [
      `${result.provider}: GPUs answer challenges with wrong products from ${at(result.from)} until ${at(result.until)} (chain time)`,
      `  the oracle nodes' next challenge round starts at ${at(result.nextRound!)}: move the chain's time there (cinder chain advance) and the keeper submits the fault and proposes the slash`,
    ]);
  }
  const result = await out.spin(`failing ${address}'s GPUs for ${seconds} s`, () => requestOutage({ rpcUrl, provider: address, seconds }));
  out.result(result, () => [
    `${result.provider}: GPUs failing from ${new Date(result.from * 1000).toISOString()} until ${new Date(result.until * 1000).toISOString()} (chain time)`,
    `  ${result.failedHeartbeats} heartbeat(s) already answered failing; moving the chain's time past the end ends the outage`,
  ]);
}
