/**
 * Test support for the proof-of-GPU challenge suites: reproducible randomness and a clock the test moves by hand.
 */
import { createHash } from "node:crypto";
import type { Clock, RandomSource } from "../../../src/oracle/challenge/protocol.js";

/** A deterministic byte source: SHAKE128(label || u32le(call number)), one call per draw. */
export function seededRandom(label: string): RandomSource {
  let calls = 0;
  return (length) => {
    const counter = Buffer.alloc(4);
    counter.writeUInt32LE(calls++);
    return new Uint8Array(createHash("shake128", { outputLength: length }).update(label).update(counter).digest());
  };
}

/** A clock that only moves when told, shared by a verifier and a prover's store. */
export class ManualClock {
  #ms = 0;
  /** Pass this as the verifier's `now`. */
  readonly now: Clock = () => this.#ms;

  advance(ms: number): void {
    this.#ms += ms;
  }
}

/** Bytes of a hex string. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

/** The fixed seed of the pinned vectors: bytes 0x00 .. 0x1f. */
export const FIXED_SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
