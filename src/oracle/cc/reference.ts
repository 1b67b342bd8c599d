/**
 * Reference measurements (the values NVIDIA's driver and VBIOS RIMs allow at each measurement index) as a node reads
 * them from a JSON file: `{ "description"?: string, "measurements": { "<index>": ["0x<digest>", ...] } }`. An operator
 * converts the RIMs of the driver and VBIOS versions the fleet runs into this file (nvTrust's verifier does the same
 * comparison, index by index, against the RIMs' alternatives). A bad file is a `CcVerificationError("invalid-parameter")`
 * naming the field, never a stack trace.
 *
 * @example
 * ```ts
 * const references = loadReferenceMeasurements(simulatedReferenceMeasurementsPath());
 * verifyGpuEvidence({ report, certChainPem, expectedNonce, roots: [simulatedDeviceRoot()], referenceMeasurements: references });
 * ```
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Hex } from "viem";
import { CcVerificationError } from "./errors.js";
import type { ReferenceMeasurements } from "./verify.js";

/** Most measurement indices a file may list (SPDM indices are one byte; 0 and 255 are not measurements). */
const MAX_INDEX = 254;
/** Most alternatives per index. */
const MAX_ALTERNATIVES = 64;

/** Parameters of `parseReferenceMeasurements`: the parsed JSON, and where it came from (for messages). */
export type ParseReferenceMeasurementsParameters = { readonly raw: unknown; readonly source?: string };
/** Return type of `parseReferenceMeasurements` and `loadReferenceMeasurements`. */
export type ParseReferenceMeasurementsReturnType = ReferenceMeasurements;
/** Errors they throw: `invalid-parameter` with the field at fault. */
export type ParseReferenceMeasurementsErrorType = CcVerificationError;

/** Validates a parsed reference-measurement file (see the module comment). At least one index must be listed. */
export function parseReferenceMeasurements({ raw, source = "referenceMeasurements" }: ParseReferenceMeasurementsParameters): ReferenceMeasurements {
  const bad = (field: string, message: string) => new CcVerificationError("invalid-parameter", `${source}: ${message}`, { field });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("(root)", "must be an object with a measurements field");
  const measurements = (raw as { measurements?: unknown }).measurements;
  if (typeof measurements !== "object" || measurements === null || Array.isArray(measurements)) {
    throw bad("measurements", "must be an object of index -> allowed digests");
  }
  const out: Record<number, readonly Hex[]> = {};
  for (const [key, values] of Object.entries(measurements)) {
    const field = `measurements.${key}`;
    const index = Number(key);
    if (!/^[0-9]+$/.test(key) || index < 1 || index > MAX_INDEX) throw bad(field, `index must be an integer in [1, ${MAX_INDEX}]`);
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_ALTERNATIVES) {
      throw bad(field, `must list 1 to ${MAX_ALTERNATIVES} allowed digests`);
    }
    out[index] = values.map((value: unknown, i) => {
      if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(value)) throw bad(`${field}[${i}]`, "must be a digest as 0x-prefixed hex");
      return value.toLowerCase() as Hex;
    });
  }
  if (Object.keys(out).length === 0) throw bad("measurements", "lists no index");
  return out;
}

/** Reads and validates a reference-measurement file. */
export function loadReferenceMeasurements(path: string | URL): ReferenceMeasurements {
  const source = String(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new CcVerificationError("invalid-parameter", `${source}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`, {
      field: "referenceMeasurements",
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CcVerificationError("invalid-parameter", `${source}: is not JSON`, { field: "referenceMeasurements" });
  }
  return parseReferenceMeasurements({ raw, source });
}

/** The reference measurements of the simulated H100s (`src/oracle/gpu/recordings/cc-sim/reference-measurements.json`). */
export function simulatedReferenceMeasurementsPath(): string {
  return fileURLToPath(new URL("../gpu/recordings/cc-sim/reference-measurements.json", import.meta.url));
}
