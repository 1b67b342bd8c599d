/**
 * Seed expansion (src/oracle/challenge/prng.ts): pinned vectors computed independently with Python's hashlib
 * (`hashlib.shake_128(tag + seed + i.to_bytes(4, "little")).digest(16)`), so a change in the derivation, or a
 * divergence from the CUDA and PyTorch workers' derivation, fails here.
 */
import { expect } from "chai";
import { ChallengeError } from "../../../src/oracle/challenge/errors.js";
import { deriveMatrix, deriveMatrixRow, expandSeed } from "../../../src/oracle/challenge/prng.js";
import { FIXED_SEED, hex } from "./support.js";

describe("challenge prng", () => {
  it("pins the first bytes of A, B and a memory chunk for a fixed seed", () => {
    expect(expandSeed("A", FIXED_SEED, 0, 16)).to.deep.equal(hex("0cdb491e494f1812aefdc1d5afd901ef"));
    expect(expandSeed("A", FIXED_SEED, 1, 16)).to.deep.equal(hex("1db43957c9b259e4df73c52c11c7ffaa"));
    expect(expandSeed("B", FIXED_SEED, 0, 16)).to.deep.equal(hex("ec7d3d85d68a8a8c17d80c8432d42dda"));
    expect(expandSeed("M", FIXED_SEED, 1, 16)).to.deep.equal(hex("00f99e4bcb058cb8291b3d29dcf8aa2c"));
  });

  it("reads the stream bytes as two's-complement int8, row-major", () => {
    const a = deriveMatrix(FIXED_SEED, "A", 16);
    expect([...a.subarray(0, 8)]).to.deep.equal([12, -37, 73, 30, 73, 79, 24, 18]);
    expect([...a.subarray(16, 24)]).to.deep.equal([29, -76, 57, 87, -55, -78, 89, -28]);
    expect([...deriveMatrix(FIXED_SEED, "B", 16).subarray(0, 8)]).to.deep.equal([-20, 125, 61, -123, -42, -118, -118, -116]);
  });

  it("derives any row alone exactly as it appears in the whole matrix", () => {
    const b = deriveMatrix(FIXED_SEED, "B", 37);
    for (const row of [0, 1, 18, 36]) {
      expect(deriveMatrixRow(FIXED_SEED, "B", row, 37)).to.deep.equal(b.subarray(row * 37, (row + 1) * 37));
    }
  });

  it("gives A and B, and each row, a different stream", () => {
    const a = deriveMatrix(FIXED_SEED, "A", 32);
    const b = deriveMatrix(FIXED_SEED, "B", 32);
    expect(a).to.not.deep.equal(b);
    expect(a.subarray(0, 32)).to.not.deep.equal(a.subarray(32, 64));
    const other = FIXED_SEED.slice();
    other[31] ^= 1;
    expect(deriveMatrix(other, "A", 32)).to.not.deep.equal(a);
  });

  it("rejects a seed that is not 32 bytes, naming the field", () => {
    expect(() => deriveMatrix(new Uint8Array(31), "A", 4))
      .to.throw(ChallengeError, "a seed is 32 bytes, got 31 bytes")
      .with.property("field", "seed");
  });

  it("rejects an index outside [0, 2^32) and an empty output", () => {
    expect(() => expandSeed("M", FIXED_SEED, 2 ** 32, 4))
      .to.throw(ChallengeError)
      .with.property("field", "index");
    expect(() => expandSeed("M", FIXED_SEED, 0, 0))
      .to.throw(ChallengeError)
      .with.property("field", "length");
  });
});
