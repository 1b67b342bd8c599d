/**
 * Heartbeats: what the provider agent signs when an oracle node probes it, and how a node verifies that fast.
 *
 * The agent answers `POST /v1/heartbeat {nonce}` with a `HeartbeatResponse` signed under EIP-712:
 * ```
 * domain    { name: "CinderAgent", version: "1", chainId }                      (no verifyingContract: nothing on chain)
 * Heartbeat(address provider,bytes32 nonce,uint64 timestamp,bytes32 gpusHash)
 * gpusHash  = keccak256(hashStruct(GpuStatus_0) ‖ hashStruct(GpuStatus_1) ‖ ...)  in the response's `gpus` order
 * GpuStatus(string uuid,bool healthy)
 * hashStruct(GpuStatus) = keccak256(GPU_STATUS_TYPEHASH ‖ keccak256(utf8(uuid)) ‖ uint256(healthy ? 1 : 0))
 * ```
 * gpusHash is exactly how EIP-712 encodes a `GpuStatus[]` member, so a contract can recompute it; no GPUs hashes to
 * keccak256("") . `timestamp` is the agent's clock in Unix seconds (informative: freshness comes from the oracle's
 * nonce, and latency from the oracle's own clock).
 *
 * Verification (`HeartbeatVerifier.verify`): shape, nonce, gpusHash, then the signature, recovered over bytes by
 * `src/oracle/crypto/recover.ts` (native libsecp256k1 where its addon loads, pure JavaScript otherwise; about 60 us
 * against 5 ms) and compared with the provider field, then the provider. Only low-s signatures (as every Ethereum
 * signer produces) are accepted. Each heartbeat is first packed into a binary record (`packHeartbeat`: no hex past
 * that point) and the record is checked (`checkRecord`): one thread checks records as they come, and
 * `HeartbeatVerifierPool` (heartbeat-pool.ts) ships batches of them to worker threads that load this very module.
 *
 * @example
 * ```ts
 * const check = verifyHeartbeat(await response.json(), { expectedProvider, nonce, chainId: 1 });
 * if (!check.ok) console.log(check.reason, check.detail);
 * ```
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Address, Hex } from "viem";
import { keccak256Bytes as keccak } from "../../protocol/keccak.js";
import { SignatureError } from "../crypto/errors.js";
import { type SignatureBackendName, type SignatureRecovery, signatureRecovery } from "../crypto/recover.js";

/** EIP-712 domain name of the agent's signatures. */
export const HEARTBEAT_DOMAIN_NAME = "CinderAgent";
/** EIP-712 domain version. */
export const HEARTBEAT_DOMAIN_VERSION = "1";

/** The EIP-712 types of a heartbeat, for viem's `signTypedData` / `verifyTypedData`. */
export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "provider", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "gpusHash", type: "bytes32" },
  ],
} as const;

/** The type string of one GPU's status inside gpusHash. */
export const GPU_STATUS_TYPE = "GpuStatus(string uuid,bool healthy)";

/** One GPU's status as a heartbeat carries it. */
export interface HeartbeatGpu {
  readonly uuid: string;
  readonly healthy: boolean;
}

/** The signed fields of a heartbeat. */
export interface HeartbeatMessage {
  readonly provider: Address;
  readonly nonce: Hex;
  /** Unix seconds on the agent's clock. */
  readonly timestamp: number;
  readonly gpusHash: Hex;
}

/** The agent's answer to `POST /v1/heartbeat`, as JSON. */
export interface HeartbeatResponse extends HeartbeatMessage {
  readonly gpus: readonly HeartbeatGpu[];
  /** 65 bytes r ‖ s ‖ v, hex. */
  readonly signature: Hex;
}

/** The EIP-712 domain of a heartbeat on `chainId`. */
export function heartbeatDomain(chainId: number): { name: string; version: string; chainId: number } {
  return { name: HEARTBEAT_DOMAIN_NAME, version: HEARTBEAT_DOMAIN_VERSION, chainId };
}

const encoder = new TextEncoder();
const GPU_STATUS_TYPEHASH = keccak(encoder.encode(GPU_STATUS_TYPE));
const HEARTBEAT_TYPEHASH = keccak(encoder.encode("Heartbeat(address provider,bytes32 nonce,uint64 timestamp,bytes32 gpusHash)"));
const DOMAIN_TYPEHASH = keccak(encoder.encode("EIP712Domain(string name,string version,uint256 chainId)"));

/**
 * gpusHash of a GPU list (see the module comment).
 *
 * @example
 * ```ts
 * gpusHash([{ uuid: "GPU-5a3c...", healthy: true }]); // "0x..."
 * ```
 */
export function gpusHash(gpus: readonly HeartbeatGpu[]): Hex {
  const out = new Uint8Array(32 * gpus.length);
  const word = new Uint8Array(96);
  word.set(GPU_STATUS_TYPEHASH, 0);
  for (const [i, gpu] of gpus.entries()) {
    word.set(keccak(encoder.encode(gpu.uuid)), 32);
    word[95] = gpu.healthy ? 1 : 0;
    out.set(keccak(word), 32 * i);
  }
  return toHex(keccak(out));
}

const domainSeparators = new Map<number, Uint8Array>();

/** The EIP-712 domain separator for `chainId` (cached). */
function domainSeparator(chainId: number): Uint8Array {
  let separator = domainSeparators.get(chainId);
  if (separator === undefined) {
    const data = new Uint8Array(128);
    data.set(DOMAIN_TYPEHASH, 0);
    data.set(keccak(encoder.encode(HEARTBEAT_DOMAIN_NAME)), 32);
    data.set(keccak(encoder.encode(HEARTBEAT_DOMAIN_VERSION)), 64);
    writeUint64(data, 120, chainId);
    separator = keccak(data);
    domainSeparators.set(chainId, separator);
  }
  return separator;
}

/**
 * The EIP-712 digest a heartbeat's signature covers (equal to viem's `hashTypedData` with `HEARTBEAT_TYPES`).
 *
 * @example
 * ```ts
 * heartbeatDigest({ provider, nonce, timestamp: 1_700_000_000, gpusHash: gpusHash(gpus) }, 1);
 * ```
 */
export function heartbeatDigest(message: HeartbeatMessage, chainId: number): Uint8Array {
  const record = Buffer.alloc(RECORD_HEADER);
  writeHex(record, PROVIDER, message.provider, 20);
  writeHex(record, NONCE, message.nonce, 32);
  writeHex(record, GPUS_HASH, message.gpusHash, 32);
  record.writeDoubleLE(message.timestamp, TIMESTAMP);
  return recordDigest(record, 0, chainId, new Uint8Array(160), new Uint8Array(66));
}

/** Why a heartbeat was rejected. */
export type HeartbeatRejection = "malformed" | "nonce-mismatch" | "wrong-provider" | "bad-signature";

/** What `verifyHeartbeat` expects. */
export interface VerifyHeartbeatParameters {
  /** The provider's operator address the oracle has on record. */
  readonly expectedProvider: Address;
  /** The nonce the oracle sent. */
  readonly nonce: Hex;
  readonly chainId: number;
}

/** The outcome of `verifyHeartbeat`: the typed response, or why it was rejected. */
export type VerifyHeartbeatReturnType =
  | { readonly ok: true; readonly heartbeat: HeartbeatResponse }
  | { readonly ok: false; readonly reason: HeartbeatRejection; readonly detail: string };

/** Options of `HeartbeatVerifier`. */
export interface HeartbeatVerifierOptions {
  /** Signature-recovery backend (`src/oracle/crypto/recover.ts`); default `auto`, the one chosen at load. */
  readonly backend?: SignatureBackendName | "auto";
}

/*
 * The binary record of one heartbeat to check (all a check needs, hex already decoded), little-endian numbers:
 *   0 provider (20)   20 expected provider (20)   40 nonce (32)   72 expected nonce (32)   104 gpusHash (32)
 *   136 signature (65)   201 zero (3)   204 timestamp f64   212 chainId f64   220 GPU count u32
 *   224 GPUs, each: healthy u8, uuid length u16, uuid UTF-8
 */
const PROVIDER = 0;
const EXPECTED_PROVIDER = 20;
const NONCE = 40;
const EXPECTED_NONCE = 72;
const GPUS_HASH = 104;
const SIGNATURE = 136;
const TIMESTAMP = 204;
const CHAIN_ID = 212;
const GPU_COUNT = 220;
const RECORD_HEADER = 224;

/** The most bytes `packHeartbeat` writes for `heartbeat` (UTF-8 takes at most 3 bytes per UTF-16 unit). */
export function recordCapacity(heartbeat: HeartbeatResponse): number {
  let size = RECORD_HEADER;
  for (const gpu of heartbeat.gpus) size += 3 + 3 * gpu.uuid.length;
  return size;
}

/**
 * Packs a shape-checked heartbeat and what the oracle expects into a binary record at `out[offset..]` (room for
 * `recordCapacity(heartbeat)` bytes); returns the offset just past it.
 */
export function packHeartbeat(heartbeat: HeartbeatResponse, expected: VerifyHeartbeatParameters, out: Buffer, offset: number): number {
  writeHex(out, offset + PROVIDER, heartbeat.provider, 20);
  writeHex(out, offset + EXPECTED_PROVIDER, expected.expectedProvider, 20);
  writeHex(out, offset + NONCE, heartbeat.nonce, 32);
  writeHex(out, offset + EXPECTED_NONCE, expected.nonce, 32);
  writeHex(out, offset + GPUS_HASH, heartbeat.gpusHash, 32);
  writeHex(out, offset + SIGNATURE, heartbeat.signature, 65);
  out.fill(0, offset + SIGNATURE + 65, offset + TIMESTAMP);
  out.writeDoubleLE(heartbeat.timestamp, offset + TIMESTAMP);
  out.writeDoubleLE(expected.chainId, offset + CHAIN_ID);
  out.writeUInt32LE(heartbeat.gpus.length, offset + GPU_COUNT);
  let at = offset + RECORD_HEADER;
  for (const gpu of heartbeat.gpus) {
    out[at] = gpu.healthy ? 1 : 0;
    const length = out.write(gpu.uuid, at + 3, "utf8");
    out.writeUInt16LE(length, at + 1);
    at += 3 + length;
  }
  return at;
}

/** The outcome of checking one record: 0 for a valid heartbeat, else the rejection's code and its detail. */
export type RecordCheck = { readonly code: 0 } | { readonly code: 1 | 2 | 3 | 4; readonly detail: string };

/** `RecordCheck` codes to rejections (code 0 is a valid heartbeat). */
export const REJECTIONS: readonly (HeartbeatRejection | null)[] = [null, "malformed", "nonce-mismatch", "wrong-provider", "bad-signature"];

const OK: RecordCheck = { code: 0 };
/** GPU lists whose gpusHash a `RecordChecker` keeps (a few hundred bytes each). */
const GPU_LISTS_KEPT = 4_096;

/**
 * Checks binary heartbeat records (`packHeartbeat`): the core of `HeartbeatVerifier` and of the pool's workers,
 * with scratch buffers reused across records.
 */
export class RecordChecker {
  readonly recovery: SignatureRecovery;
  readonly #word = new Uint8Array(96);
  readonly #struct = new Uint8Array(160);
  readonly #envelope = new Uint8Array(66);
  #hashes = new Uint8Array(32 * 16);
  /** GPU list bytes (latin1) -> its gpusHash. */
  readonly #gpuLists = new Map<string, Uint8Array>();

  constructor(backend: SignatureBackendName | "auto" = "auto") {
    this.recovery = signatureRecovery(backend);
    this.#word.set(GPU_STATUS_TYPEHASH, 0);
  }

  /** Checks the record at `record[offset..]`: nonce, gpusHash, signature, signer, provider, in that order. */
  check(record: Buffer, offset: number): RecordCheck {
    if (record.compare(record, offset + EXPECTED_NONCE, offset + EXPECTED_NONCE + 32, offset + NONCE, offset + NONCE + 32) !== 0) {
      return { code: 2, detail: `answered nonce ${hexAt(record, offset + NONCE, 32)}, sent ${hexAt(record, offset + EXPECTED_NONCE, 32)}` };
    }
    const computed = this.#gpusHash(record, offset);
    if (record.compare(computed, 0, 32, offset + GPUS_HASH, offset + GPUS_HASH + 32) !== 0) {
      return { code: 1, detail: `gpusHash ${hexAt(record, offset + GPUS_HASH, 32)} does not hash the gpus listed (${toHex(computed)})` };
    }
    const digest = recordDigest(record, offset, record.readDoubleLE(offset + CHAIN_ID), this.#struct, this.#envelope);
    let signer: Uint8Array;
    try {
      signer = this.recovery.recoverAddress(digest, record.subarray(offset + SIGNATURE, offset + SIGNATURE + 65));
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      const detail = error.code === "no-key" ? "no public key recovers from the signature" : `not a canonical (low-s) secp256k1 signature: ${error.message}`;
      return { code: 4, detail };
    }
    if (record.compare(signer, 0, 20, offset + PROVIDER, offset + PROVIDER + 20) !== 0) {
      return { code: 4, detail: `signed by ${toHex(signer)}, not by the provider it names (${hexAt(record, offset + PROVIDER, 20)})` };
    }
    if (record.compare(record, offset + EXPECTED_PROVIDER, offset + EXPECTED_PROVIDER + 20, offset + PROVIDER, offset + PROVIDER + 20) !== 0) {
      return { code: 3, detail: `signed by ${hexAt(record, offset + PROVIDER, 20)}, expected ${hexAt(record, offset + EXPECTED_PROVIDER, 20)}` };
    }
    return OK;
  }

  /**
   * gpusHash of the record's GPU list. An agent sends the same list heartbeat after heartbeat, so the hash is kept
   * per exact list bytes (at most `GPU_LISTS_KEPT` lists; the oldest goes first): 17 keccaks for 8 GPUs become a
   * map lookup.
   */
  #gpusHash(record: Buffer, offset: number): Uint8Array {
    const count = record.readUInt32LE(offset + GPU_COUNT);
    let end = offset + RECORD_HEADER;
    for (let i = 0; i < count; i++) end += 3 + record.readUInt16LE(end + 1);
    const key = record.toString("latin1", offset + GPU_COUNT, end);
    const known = this.#gpuLists.get(key);
    if (known !== undefined) return known;
    if (this.#hashes.length < 32 * count) this.#hashes = new Uint8Array(32 * count);
    const word = this.#word;
    let at = offset + RECORD_HEADER;
    for (let i = 0; i < count; i++) {
      const length = record.readUInt16LE(at + 1);
      word.set(keccak(record.subarray(at + 3, at + 3 + length)), 32);
      word[95] = record[at]!;
      this.#hashes.set(keccak(word), 32 * i);
      at += 3 + length;
    }
    const hash = keccak(this.#hashes.subarray(0, 32 * count));
    if (this.#gpuLists.size >= GPU_LISTS_KEPT) this.#gpuLists.delete(this.#gpuLists.keys().next().value!);
    this.#gpuLists.set(key, hash);
    return hash;
  }
}

/** The EIP-712 digest of the record at `record[offset..]` on `chainId`, built in the scratch `struct` and `envelope`. */
function recordDigest(record: Uint8Array, offset: number, chainId: number, struct: Uint8Array, envelope: Uint8Array): Uint8Array {
  struct.fill(0, 32);
  struct.set(HEARTBEAT_TYPEHASH, 0);
  struct.set(record.subarray(offset + PROVIDER, offset + PROVIDER + 20), 44);
  struct.set(record.subarray(offset + NONCE, offset + NONCE + 32), 64);
  writeUint64(struct, 120, new DataView(record.buffer, record.byteOffset).getFloat64(offset + TIMESTAMP, true));
  struct.set(record.subarray(offset + GPUS_HASH, offset + GPUS_HASH + 32), 128);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  envelope.set(domainSeparator(chainId), 2);
  envelope.set(keccak(struct), 34);
  return keccak(envelope);
}

/** Verifies heartbeats one at a time on this thread (see the module comment). */
export class HeartbeatVerifier {
  readonly #checker: RecordChecker;
  #record = Buffer.alloc(1_024);

  constructor(options: HeartbeatVerifierOptions = {}) {
    this.#checker = new RecordChecker(options.backend);
  }

  /** The signature-recovery backend in use. */
  get backend(): SignatureBackendName {
    return this.#checker.recovery.backend;
  }

  /** Checks `response` (parsed JSON from an agent); never throws on anything the agent sent. */
  verify(response: unknown, expected: VerifyHeartbeatParameters): VerifyHeartbeatReturnType {
    const shape = heartbeatShape(response);
    if (typeof shape === "string") return { ok: false, reason: "malformed", detail: shape };
    const capacity = recordCapacity(shape);
    if (this.#record.length < capacity) this.#record = Buffer.alloc(capacity);
    packHeartbeat(shape, expected, this.#record, 0);
    const check = this.#checker.check(this.#record, 0);
    return check.code === 0 ? { ok: true, heartbeat: shape } : { ok: false, reason: REJECTIONS[check.code]!, detail: check.detail };
  }
}

const shared = new HeartbeatVerifier();

/**
 * Verifies an agent's heartbeat response against what the oracle expects (shape, nonce, gpusHash, signature,
 * provider) on this thread. Never throws on agent input.
 *
 * @example
 * ```ts
 * const check = verifyHeartbeat(json, { expectedProvider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", nonce, chainId: 31337 });
 * if (check.ok) record(check.heartbeat.gpus);
 * ```
 */
export function verifyHeartbeat(response: unknown, expected: VerifyHeartbeatParameters): VerifyHeartbeatReturnType {
  return shared.verify(response, expected);
}

const HEX_PATTERNS = { 20: /^0x[0-9a-fA-F]{40}$/, 32: /^0x[0-9a-fA-F]{64}$/, 65: /^0x[0-9a-fA-F]{130}$/ } as const;
/** The longest GPU uuid accepted, in UTF-16 units (real ones are 40); keeps a record's length fields in range. */
const MAX_UUID_LENGTH = 256;

/** `response` as a `HeartbeatResponse`, or what is wrong with its shape (naming the field). */
export function heartbeatShape(response: unknown): HeartbeatResponse | string {
  if (typeof response !== "object" || response === null || Array.isArray(response)) return "the response is not a JSON object";
  const record = response as Record<string, unknown>;
  const hex = (field: string, bytes: 20 | 32 | 65): string | null =>
    typeof record[field] === "string" && HEX_PATTERNS[bytes].test(record[field]) ? null : `${field} must be ${bytes} bytes of 0x-hex`;
  const problem = hex("provider", 20) ?? hex("nonce", 32) ?? hex("gpusHash", 32) ?? hex("signature", 65);
  if (problem !== null) return problem;
  const timestamp = record.timestamp;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) return "timestamp must be a non-negative integer";
  if (!Array.isArray(record.gpus)) return "gpus must be an array";
  const gpus: HeartbeatGpu[] = [];
  for (const [i, gpu] of (record.gpus as unknown[]).entries()) {
    if (typeof gpu !== "object" || gpu === null) return `gpus[${i}] must be an object`;
    const { uuid, healthy } = gpu as Record<string, unknown>;
    if (typeof uuid !== "string" || uuid === "") return `gpus[${i}].uuid must be a non-empty string`;
    if (uuid.length > MAX_UUID_LENGTH) return `gpus[${i}].uuid must be at most ${MAX_UUID_LENGTH} characters`;
    if (typeof healthy !== "boolean") return `gpus[${i}].healthy must be a boolean`;
    gpus.push({ uuid, healthy });
  }
  return {
    provider: record.provider as Address,
    nonce: record.nonce as Hex,
    timestamp,
    gpusHash: record.gpusHash as Hex,
    gpus,
    signature: record.signature as Hex,
  };
}

/** Writes a checked `0x` hex string of `bytes` bytes at `out[offset..]`. */
function writeHex(out: Buffer, offset: number, hex: string, bytes: number): void {
  if (out.write(hex.slice(2), offset, bytes, "hex") !== bytes) throw new RangeError(`expected ${bytes} bytes of hex`);
}

/** Writes a safe non-negative integer as a big-endian uint64 at `out[offset..offset + 8]`. */
function writeUint64(out: Uint8Array, offset: number, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, Math.floor(value / 2 ** 32));
  view.setUint32(offset + 4, value >>> 0);
}

function hexAt(bytes: Buffer, offset: number, length: number): Hex {
  return `0x${bytes.toString("hex", offset, offset + length)}`;
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** A batch of binary heartbeat records sent to a verifier worker: `count` records, each prefixed by its u32 length. */
export interface HeartbeatBatch {
  readonly id: number;
  readonly records: ArrayBuffer;
  readonly count: number;
}

/** A worker's answer to a `HeartbeatBatch`: a `RecordCheck` code per record, and the details of the failures in order. */
export interface HeartbeatBatchResult {
  readonly id: number;
  readonly codes: Uint8Array;
  readonly details: readonly string[];
}

/** What `HeartbeatVerifierPool` puts in `workerData` so that this module, loaded in a worker, serves batches. */
export interface HeartbeatWorkerData {
  readonly marker: typeof HEARTBEAT_WORKER_MARKER;
  readonly backend: SignatureBackendName | "auto";
}

/** The marker `HeartbeatVerifierPool` puts in `workerData` so that this module, loaded in a worker, serves batches. */
export const HEARTBEAT_WORKER_MARKER = "cinder-heartbeat-verifier/v2";

if (parentPort !== null && (workerData as Partial<HeartbeatWorkerData> | null)?.marker === HEARTBEAT_WORKER_MARKER) {
  const port = parentPort;
  const checker = new RecordChecker((workerData as HeartbeatWorkerData).backend);
  port.on("message", (batch: HeartbeatBatch) => {
    const records = Buffer.from(batch.records);
    const codes = new Uint8Array(batch.count);
    const details: string[] = [];
    for (let i = 0, at = 0; i < batch.count; i++) {
      const length = records.readUInt32LE(at);
      const check = checker.check(records, at + 4);
      codes[i] = check.code;
      if (check.code !== 0) details.push(check.detail);
      at += 4 + length;
    }
    port.postMessage({ id: batch.id, codes, details } satisfies HeartbeatBatchResult, [codes.buffer]);
  });
}
