/**
 * JSON forms of what oracle nodes exchange: observation bundles (lease ids as decimal strings) and epoch reports.
 * Parsing checks the shape and names the field that is wrong; the signatures and values are then checked by
 * `verifyBundle` / the report's own recovery.
 */
import type { Hex } from "viem";
import type { Observation, ObservationBundle } from "../aggregate.js";
import type { EpochReport } from "./report.js";
import { OracleError } from "../errors.js";

/** A peer sent something that is not what the protocol says; `field` names where. */
export class WireError extends OracleError {
  override readonly name = "WireError";
  constructor(
    readonly field: string,
    override readonly shortMessage: string,
  ) {
    super(shortMessage, { message: `${field}: ${shortMessage}` });
  }
}

const HEX = /^0x[0-9a-fA-F]*$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WireError(field, "must be an object");
  return value as Record<string, unknown>;
}

function hex(value: unknown, field: string, bytes?: number): Hex {
  if (typeof value !== "string" || !HEX.test(value) || (bytes !== undefined && value.length !== 2 + 2 * bytes)) {
    throw new WireError(field, `must be ${bytes === undefined ? "a hex string" : `${bytes} bytes of hex`}, got ${JSON.stringify(value)}`);
  }
  return value as Hex;
}

function integer(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new WireError(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

export function bundleToJson(bundle: ObservationBundle): string {
  return JSON.stringify({
    ...bundle,
    observations: bundle.observations.map((o) => (o.kind === "uptime" ? { ...o, leaseId: o.leaseId.toString() } : o)),
  });
}

export function bundleFromWire(value: unknown, field = "bundle"): ObservationBundle {
  const b = record(value, field);
  if (!Array.isArray(b.observations)) throw new WireError(`${field}.observations`, "must be an array");
  const observations = b.observations.map((raw, i): Observation => {
    const o = record(raw, `${field}.observations[${i}]`);
    if (o.kind === "uptime") {
      if (typeof o.leaseId !== "string" || !DECIMAL.test(o.leaseId)) {
        throw new WireError(`${field}.observations[${i}].leaseId`, `must be a decimal string, got ${JSON.stringify(o.leaseId)}`);
      }
      return { ...(o as unknown as Observation), leaseId: BigInt(o.leaseId) } as Observation;
    }
    if (o.kind === "heartbeat") return o as unknown as Observation;
    throw new WireError(`${field}.observations[${i}].kind`, `must be "uptime" or "heartbeat", got ${JSON.stringify(o.kind)}`);
  });
  return {
    node: hex(b.node, `${field}.node`, 20),
    configDigest: hex(b.configDigest, `${field}.configDigest`, 32),
    epoch: integer(b.epoch, `${field}.epoch`),
    observations,
    signature: hex(b.signature, `${field}.signature`),
  };
}

export function bundleFromJson(json: string, field = "bundle"): ObservationBundle {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new WireError(field, "is not JSON");
  }
  return bundleFromWire(value, field);
}

export function reportFromWire(value: unknown, field = "report"): EpochReport {
  const r = record(value, field);
  return {
    configDigest: hex(r.configDigest, `${field}.configDigest`, 32),
    epoch: integer(r.epoch, `${field}.epoch`),
    root: hex(r.root, `${field}.root`, 32),
    leafCount: integer(r.leafCount, `${field}.leafCount`),
    contentHash: hex(r.contentHash, `${field}.contentHash`, 32),
  };
}

/** The hub's `JobVerdict` as nodes sign it (`outcome` 1 ProviderUpheld, 2 ClientUpheld, 3 Abstained). */
export interface JobVerdict {
  readonly configDigest: Hex;
  readonly leaseId: bigint;
  readonly resultHash: Hex;
  readonly outcome: number;
  readonly toProvider: bigint;
}

const MAX_UINT256 = (1n << 256n) - 1n;

function uint256(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !DECIMAL.test(value) || BigInt(value) > MAX_UINT256) {
    throw new WireError(field, `must be a decimal uint256 string, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

/** The JSON form of a verdict: lease id and amount as decimal strings, hashes in lowercase. */
export function verdictToWire(verdict: JobVerdict): Record<string, unknown> {
  return {
    configDigest: verdict.configDigest.toLowerCase(),
    leaseId: verdict.leaseId.toString(),
    resultHash: verdict.resultHash.toLowerCase(),
    outcome: verdict.outcome,
    toProvider: verdict.toProvider.toString(),
  };
}

export const verdictToJson = (verdict: JobVerdict): string => JSON.stringify(verdictToWire(verdict));

export function verdictFromWire(value: unknown, field = "verdict"): JobVerdict {
  const v = record(value, field);
  const outcome = v.outcome;
  if (outcome !== 1 && outcome !== 2 && outcome !== 3) throw new WireError(`${field}.outcome`, `must be 1, 2 or 3, got ${JSON.stringify(outcome)}`);
  return {
    configDigest: hex(v.configDigest, `${field}.configDigest`, 32).toLowerCase() as Hex,
    leaseId: uint256(v.leaseId, `${field}.leaseId`),
    resultHash: hex(v.resultHash, `${field}.resultHash`, 32).toLowerCase() as Hex,
    outcome,
    toProvider: uint256(v.toProvider, `${field}.toProvider`),
  };
}

/** A peer's signed verdict as it arrives at `POST /v1/verdicts`. */
export function signedVerdictFromWire(value: unknown): { verdict: JobVerdict; signature: Hex } {
  const body = record(value, "(body)");
  return { verdict: verdictFromWire(body.verdict), signature: hex(body.signature, "signature", 65) };
}
