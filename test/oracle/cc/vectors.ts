/**
 * Golden vectors of NVIDIA's H100 sample evidence (test/fixtures/nvidia-cc, see its NOTICE.md) and helpers that derive
 * negative vectors from them in memory, shared by the confidential-computing suites.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import type { Hex } from "viem";
import { CcVerificationError, type CcVerificationErrorCode } from "../../../src/oracle/cc/errors.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/nvidia-cc/${name}`, import.meta.url), "utf8");

/** The sample report as hex text, as stored. */
export const REPORT_HEX = fixture("hopperAttestationReport.hex");
/** The sample report decoded (4,117 bytes). */
export const REPORT = Buffer.from(REPORT_HEX, "hex");
/** The sample chain as PEM, leaf first. */
export const CHAIN_PEM = fixture("hopperCertChain.pem");
/** The five PEM blocks of the chain: FMC leaf, GSP BROM (device identity), Provisioner ICA, GH100 Identity, root. */
export const CHAIN_BLOCKS: readonly string[] = CHAIN_PEM.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
/** NVIDIA's RIM signing root: a real NVIDIA root, but not the one device chains end at. */
export const RIM_ROOT = new X509Certificate(fixture("verifier_RIM_root.pem"));
/** The device root as shipped in the test fixtures. */
export const DEVICE_ROOT_PEM = fixture("verifier_device_root.pem");

/** The nonce the sample's request carries. */
export const NONCE: Hex = "0x931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
/** The responder's nonce in the sample. */
export const RESPONDER_NONCE: Hex = "0xb4b8a06aaaa35542839388e159d447a5d6f6194998fd86513e2d591ccf640985";
/** A time inside every sample certificate's validity (the latest notBefore is 2022-03-01). */
export const NOW = new Date("2024-06-01T00:00:00Z");

/** Byte offsets in the sample report. */
export const AT = {
  requestNonce: 4,
  response: 37,
  numberOfBlocks: 41,
  recordLength: 42,
  record: 45,
  responderNonce: 45 + 3520,
  opaqueLength: 45 + 3520 + 32,
  opaque: 45 + 3520 + 34,
  signature: 4021,
} as const;

/** A copy of `bytes` with bit `bit` of byte `offset` flipped. */
export function flipBit(bytes: Uint8Array, offset: number, bit = 0): Buffer {
  const out = Buffer.from(bytes);
  out[offset] = (out[offset] ?? 0) ^ (1 << bit);
  return out;
}

/** The chain rebuilt from the sample's blocks at `indices`, in that order. */
export function chainOf(...indices: number[]): string {
  return indices.map((i) => CHAIN_BLOCKS[i]).join("\n");
}

/** One DMTF measurement block: index | 0x01 | size | valueType | valueSize | value. */
export function measurementBlock(index: number, valueType: number, value: Uint8Array): Buffer {
  const out = Buffer.alloc(7 + value.length);
  out.writeUInt8(index, 0);
  out.writeUInt8(0x01, 1);
  out.writeUInt16LE(3 + value.length, 2);
  out.writeUInt8(valueType, 4);
  out.writeUInt16LE(value.length, 5);
  Buffer.from(value).copy(out, 7);
  return out;
}

/** A raw DMTF device-mode value: four little-endian 32-bit fields. */
export function deviceModeValue(operationalCaps: number, operationalState: number, deviceCaps: number, deviceState: number): Buffer {
  const out = Buffer.alloc(16);
  [operationalCaps, operationalState, deviceCaps, deviceState].forEach((v, i) => out.writeUInt32LE(v, 4 * i));
  return out;
}

/**
 * The sample report with `extra` blocks appended to its measurement record (block count and record length fixed up).
 * The device's signature no longer matches: nobody but the GPU can re-sign, so such a vector tests the parsed-structure
 * checks only.
 */
export function withExtraBlocks(...extra: Buffer[]): Buffer {
  const header = Buffer.from(REPORT.subarray(0, AT.record));
  header.writeUInt8(header.readUInt8(AT.numberOfBlocks) + extra.length, AT.numberOfBlocks);
  header.writeUIntLE(header.readUIntLE(AT.recordLength, 3) + extra.reduce((n, b) => n + b.length, 0), AT.recordLength, 3);
  return Buffer.concat([header, REPORT.subarray(AT.record, AT.responderNonce), ...extra, REPORT.subarray(AT.responderNonce)]);
}

/** Runs `fn`, requires a `CcVerificationError` with `code` (and `field`, when given), and returns it. */
export function expectCcError(fn: () => unknown, code: CcVerificationErrorCode, field?: string): CcVerificationError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(CcVerificationError);
    const ccError = error as CcVerificationError;
    expect(ccError.code, ccError.message).to.equal(code);
    if (field !== undefined) expect(ccError.field, ccError.message).to.equal(field);
    return ccError;
  }
  return expect.fail(`expected a CcVerificationError "${code}", nothing was thrown`);
}
