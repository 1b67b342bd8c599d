/**
 * The JSON codec of the challenge messages the agent and the oracle exchange over HTTP. Byte and integer arrays
 * travel as 0x-hex of their little-endian bytes (`Uint8Array` as is, `Uint16Array` 2 bytes per entry, `Int32Array`
 * and `Uint32Array` 4, `BigInt64Array` 8), numbers as JSON numbers. Decoding validates every field and throws
 * `AgentError("invalid-field")` naming it (`products[1]`, `openings[3].proof[0]`); lengths that depend on the
 * challenge (n, the number of rounds) are checked by the protocol (Verifier, Prover), not here.
 *
 * @example
 * ```ts
 * const wire = encodeIssue(verifier.issue()); // JSON-safe
 * const issue = decodeIssue(JSON.parse(JSON.stringify(wire)));
 * ```
 */
import type { Hex } from "viem";
import type { MemoryAnswers, MemoryFilled, MemoryIssue, MemoryQuery } from "../challenge/memory.js";
import type { ChallengeIssue, ChallengeResponse, Commitment, Reveal } from "../challenge/protocol.js";
import { AgentError } from "./errors.js";

/** A JSON value as the codec produces it. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 0x-hex of a typed array's little-endian bytes. */
export function typedToHex(array: Uint8Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array): Hex {
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const le = LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1 ? bytes : swap(Buffer.from(bytes), array.BYTES_PER_ELEMENT);
  return `0x${le.toString("hex")}`;
}

type Typed = Uint8Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array;
type TypedConstructor<T extends Typed> = { new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

function hexToTyped<T extends Typed>(value: unknown, kind: TypedConstructor<T>, field: string): T {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw invalid(field, "must be 0x-hex");
  const bytes = Buffer.from(value.slice(2), "hex");
  if (bytes.length % kind.BYTES_PER_ELEMENT !== 0) throw invalid(field, `must be a whole number of ${kind.BYTES_PER_ELEMENT}-byte entries`);
  const native = LITTLE_ENDIAN || kind.BYTES_PER_ELEMENT === 1 ? bytes : swap(bytes, kind.BYTES_PER_ELEMENT);
  const buffer = new ArrayBuffer(native.length);
  new Uint8Array(buffer).set(native);
  return new kind(buffer);
}

function swap(bytes: Buffer, size: number): Buffer {
  if (size === 2) return bytes.swap16();
  if (size === 4) return bytes.swap32();
  return bytes.swap64();
}

function invalid(field: string, message: string): AgentError {
  return new AgentError("invalid-field", message, { field });
}

/** `value` as a JSON object, else `invalid-field` naming `field` (the body itself when ""). */
export function object(value: unknown, field = "body"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be a JSON object");
  return value as Record<string, unknown>;
}

/** A 0x-hex string of exactly `bytes` bytes. */
export function bytesField(record: Record<string, unknown>, field: string, bytes: number, prefix = ""): Uint8Array {
  const out = hexToTyped(record[field], Uint8Array, prefix + field);
  if (out.length !== bytes) throw invalid(prefix + field, `must be ${bytes} bytes, got ${out.length}`);
  return out;
}

/** An integer in [min, max]. */
export function integerField(record: Record<string, unknown>, field: string, min: number, max: number, prefix = ""): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(prefix + field, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function positiveField(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw invalid(field, "must be a positive number");
  return value;
}

function idField(record: Record<string, unknown>): string {
  const id = record.id;
  if (typeof id !== "string" || !/^[0-9a-f]{1,64}$/.test(id)) throw invalid("id", "must be 1 to 64 lower-case hex digits");
  return id;
}

function arrayField(record: Record<string, unknown>, field: string, max: number): unknown[] {
  const value = record[field];
  if (!Array.isArray(value)) throw invalid(field, "must be an array");
  if (value.length > max) throw invalid(field, `must have at most ${max} entries`);
  return value;
}

function expectType(record: Record<string, unknown>, type: string): void {
  if (record.type !== type) throw invalid("type", `must be "${type}"`);
}

const MAX_DIMENSION = 2 ** 16;
const MAX_LIST = 4_096;

/** Wire form of a `ChallengeIssue`. */
export function encodeIssue(issue: ChallengeIssue): Json {
  return { type: issue.type, id: issue.id, seed: typedToHex(issue.seed), n: issue.n, commitDeadlineMs: issue.commitDeadlineMs };
}

/** A `ChallengeIssue` from its wire form. */
export function decodeIssue(value: unknown): ChallengeIssue {
  const record = object(value);
  expectType(record, "issue");
  return {
    type: "issue",
    id: idField(record),
    seed: bytesField(record, "seed", 32),
    n: integerField(record, "n", 1, MAX_DIMENSION),
    commitDeadlineMs: positiveField(record, "commitDeadlineMs"),
  };
}

/** Wire form of a `Commitment`. */
export function encodeCommitment(commit: Commitment): Json {
  return { type: commit.type, id: commit.id, root: typedToHex(commit.root) };
}

/** A `Commitment` from its wire form. */
export function decodeCommitment(value: unknown): Commitment {
  const record = object(value);
  expectType(record, "commit");
  return { type: "commit", id: idField(record), root: bytesField(record, "root", 32) };
}

/** Wire form of a `Reveal`. */
export function encodeReveal(reveal: Reveal): Json {
  return {
    type: reveal.type,
    id: reveal.id,
    vectors: reveal.vectors.map(typedToHex),
    rows: [...reveal.rows],
    responseDeadlineMs: reveal.responseDeadlineMs,
  };
}

/** A `Reveal` from its wire form. */
export function decodeReveal(value: unknown): Reveal {
  const record = object(value);
  expectType(record, "reveal");
  const vectors = arrayField(record, "vectors", 64).map((vector, j) => hexToTyped(vector, Uint16Array, `vectors[${j}]`));
  const rows = arrayField(record, "rows", MAX_LIST).map((row, t) => {
    if (typeof row !== "number" || !Number.isInteger(row) || row < 0 || row >= MAX_DIMENSION) {
      throw invalid(`rows[${t}]`, `must be an integer in [0, ${MAX_DIMENSION})`);
    }
    return row;
  });
  return { type: "reveal", id: idField(record), vectors, rows, responseDeadlineMs: positiveField(record, "responseDeadlineMs") };
}

/** Wire form of a `ChallengeResponse`. */
export function encodeResponse(response: ChallengeResponse): Json {
  return {
    type: response.type,
    id: response.id,
    products: response.products.map(typedToHex),
    openings: response.openings.map((opening) => ({ index: opening.index, row: typedToHex(opening.row), proof: opening.proof.map(typedToHex) })),
  };
}

/** A `ChallengeResponse` from its wire form. */
export function decodeResponse(value: unknown): ChallengeResponse {
  const record = object(value);
  expectType(record, "response");
  const products = arrayField(record, "products", 64).map((product, j) => hexToTyped(product, BigInt64Array, `products[${j}]`));
  const openings = arrayField(record, "openings", MAX_LIST).map((entry, t) => {
    const opening = object(entry, `openings[${t}]`);
    const proof = arrayField(opening, "proof", 64);
    return {
      index: integerField(opening, "index", 0, MAX_DIMENSION - 1, `openings[${t}].`),
      row: hexToTyped(opening.row, Int32Array, `openings[${t}].row`),
      proof: proof.map((node, k) => {
        const bytes = hexToTyped(node, Uint8Array, `openings[${t}].proof[${k}]`);
        if (bytes.length !== 32) throw invalid(`openings[${t}].proof[${k}]`, "must be 32 bytes");
        return bytes;
      }),
    };
  });
  return { type: "response", id: idField(record), products, openings };
}

/** Wire form of a `MemoryIssue`. */
export function encodeMemoryIssue(issue: MemoryIssue): Json {
  const { type, id, chunkBytes, chunkCount, fillDeadlineMs } = issue;
  return { type, id, seed: typedToHex(issue.seed), chunkBytes, chunkCount, fillDeadlineMs };
}

/** A `MemoryIssue` from its wire form. */
export function decodeMemoryIssue(value: unknown): MemoryIssue {
  const record = object(value);
  expectType(record, "memory-issue");
  const chunkBytes = integerField(record, "chunkBytes", 4, 2 ** 31);
  if (chunkBytes % 4 !== 0) throw invalid("chunkBytes", "must be a multiple of 4");
  return {
    type: "memory-issue",
    id: idField(record),
    seed: bytesField(record, "seed", 32),
    chunkBytes,
    chunkCount: integerField(record, "chunkCount", 1, 0xffff_ffff),
    fillDeadlineMs: positiveField(record, "fillDeadlineMs"),
  };
}

/** Wire form of a `MemoryFilled`. */
export function encodeMemoryFilled(filled: MemoryFilled): Json {
  return { type: filled.type, id: filled.id };
}

/** A `MemoryFilled` from its wire form. */
export function decodeMemoryFilled(value: unknown): MemoryFilled {
  const record = object(value);
  expectType(record, "memory-filled");
  return { type: "memory-filled", id: idField(record) };
}

/** Wire form of a `MemoryQuery`. */
export function encodeMemoryQuery(query: MemoryQuery): Json {
  return { type: query.type, id: query.id, nonce: typedToHex(query.nonce), steps: query.steps, walkDeadlineMs: query.walkDeadlineMs };
}

/** A `MemoryQuery` from its wire form. */
export function decodeMemoryQuery(value: unknown): MemoryQuery {
  const record = object(value);
  expectType(record, "memory-query");
  return {
    type: "memory-query",
    id: idField(record),
    nonce: bytesField(record, "nonce", 32),
    steps: integerField(record, "steps", 1, 2 ** 24),
    walkDeadlineMs: positiveField(record, "walkDeadlineMs"),
  };
}

/** Wire form of `MemoryAnswers`. */
export function encodeMemoryAnswers(answers: MemoryAnswers): Json {
  return { type: answers.type, id: answers.id, answers: typedToHex(answers.answers) };
}

/** `MemoryAnswers` from their wire form. */
export function decodeMemoryAnswers(value: unknown): MemoryAnswers {
  const record = object(value);
  expectType(record, "memory-answers");
  return { type: "memory-answers", id: idField(record), answers: hexToTyped(record.answers, Uint32Array, "answers") };
}
