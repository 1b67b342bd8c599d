/**
 * `cinder job spec` and `cinder job run`: the client's and the provider's side of a batch job's workload, offline
 * (no chain). `spec` writes a job spec and prints its hash and a `data:` URI to post with
 * `DisputeManager.postJobSpec`; `run` executes a spec (a URI or a file) as the provider and prints the result hash
 * to submit and, for a batch, the result document's `data:` URI (or writes it to `--out` to serve over http).
 * `--cheat <i,j>` gets those items wrong: a cheating provider for demos and tests.
 *
 * @example
 * ```sh
 * cinder job spec --type matmul-int8-batch --n 128 --items 64 --seed 0x<32 bytes> --out spec.json
 * cinder job run --spec spec.json --out result.json
 * ```
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Hex, bytesToHex, keccak256 } from "viem";
import { randomBytes } from "node:crypto";
import { CinderConfigError } from "../protocol/errors.js";
import { WorkloadError } from "../oracle/workloads/errors.js";
import { fetchDocument, jsonDataUri } from "../oracle/workloads/fetch.js";
import { runJob } from "../oracle/workloads/run.js";
import { type JobSpec, MAX_SPEC_BYTES, parseJobSpec, serializeJobSpec, specHashOf, validateJobSpec } from "../oracle/workloads/spec.js";
import type { Output } from "./output.js";

type Values = Record<string, string | boolean | undefined>;

/** A workload error as a CLI option error: the option, then the spec field at fault. */
function asConfigError(option: string, error: unknown): never {
  if (error instanceof WorkloadError) throw new CinderConfigError(option, error.message);
  throw error;
}

const text = (v: Values, key: string): string | undefined => {
  const value = v[key];
  return typeof value === "string" ? value : undefined;
};

function integer(v: Values, key: string): number | undefined {
  const value = text(v, key);
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new CinderConfigError(`--${key}`, `must be a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `cinder job spec`: builds, checks and writes a spec; prints its hash and data: URI. */
export function jobSpecCommand(out: Output, v: Values): void {
  const type = text(v, "type") ?? "matmul-int8";
  const seed = (text(v, "seed") ?? bytesToHex(randomBytes(32))) as Hex;
  const raw: Record<string, unknown> = { type, n: integer(v, "n"), seed };
  if (type === "matmul-int8-batch") raw.items = integer(v, "items");
  let spec: JobSpec;
  try {
    spec = validateJobSpec(raw);
  } catch (error) {
    const field = error instanceof WorkloadError ? error.field : "";
    asConfigError(field === "type" ? "--type" : field === "seed" ? "--seed" : field === "items" ? "--items" : "--n", error);
  }
  const bytes = serializeJobSpec(spec);
  const file = text(v, "out");
  if (file !== undefined) writeFileSync(file, bytes);
  const result = { spec, specHash: specHashOf(bytes), uri: jsonDataUri(new TextDecoder().decode(bytes)), ...(file === undefined ? {} : { file }) };
  out.result(result, () => [`spec ${spec.type} n=${spec.n}${spec.type === "matmul-int8-batch" ? ` items=${spec.items}` : ""}`, `specHash ${result.specHash}`, `uri      ${result.uri}`]);
}

/** `cinder job run`: executes a spec as the provider; prints the result hash and where the result document is. */
export async function jobRunCommand(out: Output, v: Values): Promise<void> {
  const source = text(v, "spec");
  if (source === undefined) throw new CinderConfigError("--spec", "is required: a spec URI (http(s) or data:) or a file");
  let bytes: Uint8Array;
  if (/^(https?:\/\/|data:)/i.test(source)) {
    bytes = await fetchDocument(source, { field: "spec", maxBytes: MAX_SPEC_BYTES }).catch((error: unknown) => asConfigError("--spec", error));
  } else {
    if (!existsSync(source)) throw new CinderConfigError("--spec", `${source} does not exist`);
    bytes = new Uint8Array(readFileSync(source));
  }
  let spec: JobSpec;
  try {
    spec = parseJobSpec(bytes);
  } catch (error) {
    asConfigError("--spec", error);
  }
  const cheat = text(v, "cheat");
  const corruptItems = cheat === undefined ? [] : cheat.split(",").map((s) => {
    if (!/^[0-9]+$/.test(s.trim())) throw new CinderConfigError("--cheat", `must be item indices like 0,3, got ${JSON.stringify(cheat)}`);
    return Number(s.trim());
  });
  let r;
  try {
    r = await out.spin(`running ${spec.type}`, async () => runJob(spec, { corruptItems }));
  } catch (error) {
    asConfigError("--cheat", error);
  }
  const file = text(v, "out");
  if (file !== undefined && r.document !== undefined) writeFileSync(file, r.document);
  const resultUri = r.document === undefined ? "" : jsonDataUri(r.document);
  const result = { specHash: keccak256(bytes), resultHash: r.resultHash, resultUri, ...(file === undefined || r.document === undefined ? {} : { file }), cheated: corruptItems };
  out.result(result, () => [
    `resultHash ${r.resultHash}${corruptItems.length > 0 ? `  (wrong on purpose: items ${corruptItems.join(", ")})` : ""}`,
    ...(r.document === undefined ? [] : [file === undefined ? `result document ${resultUri.length} characters as a data: URI (--json prints it)` : `result document written to ${file}: serve it and submit its URL`]),
  ]);
}
