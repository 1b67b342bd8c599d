/**
 * Parser for NVIDIA GPU attestation evidence: an SPDM 1.1 GET_MEASUREMENTS request followed by the device's
 * MEASUREMENTS response (DMTF DSP0274 1.1, §10.11), as the driver returns it (`nvmlDeviceGetConfComputeGpuAttestationReport`).
 * It checks every length against the bytes it has, so a truncated or malformed report is a `CcVerificationError`
 * with code `malformed-report`, the byte offset and the field, never a `RangeError` from a buffer read.
 * It authenticates nothing: `verifyGpuEvidence` (./verify.ts) checks the nonce, the chain and the signature.
 *
 * Layout (multi-byte integers little-endian):
 * ```
 * request  (37 B): version | 0xE0 | param1 | param2 | nonce (32) | slotId
 * response       : version | 0x60 | param1 | param2 | numberOfBlocks | recordLength (3)
 *                  | record = numberOfBlocks x [index | specification | size (2) | valueType | valueSize (2) | value]
 *                  | responderNonce (32) | opaqueLength (2) | opaque data | signature (96, P-384 r‖s)
 * opaque data    : NVIDIA fields, each type (2) | size (2) | value
 * ```
 *
 * @example
 * ```ts
 * const evidence = parseSpdmEvidence(readFileSync("hopperAttestationReport.hex", "utf8"));
 * evidence.response.blocks.length; // 64
 * evidence.driverVersion;          // "550.90.07"
 * evidence.vbiosVersion;           // "96.00.9F.00.01"
 * ```
 */
import { type Hex, bytesToHex } from "viem";
import { CcVerificationError } from "./errors.js";

/** The SPDM version byte this parser accepts (1.1: the signature covers request ‖ response without a transcript). */
export const SPDM_VERSION_1_1 = 0x11;
/** Request code of GET_MEASUREMENTS. */
export const SPDM_GET_MEASUREMENTS = 0xe0;
/** Response code of MEASUREMENTS. */
export const SPDM_MEASUREMENTS = 0x60;
/** Length of the requester's and the responder's nonces. */
export const SPDM_NONCE_LENGTH = 32;
/** Length of an ECDSA P-384 signature in IEEE P1363 form (r‖s). */
export const SPDM_SIGNATURE_LENGTH = 96;

/** Measurement specification of a block: bit 0 is DMTF, the only one NVIDIA uses. */
const DMTF_SPECIFICATION = 0x01;
/** GET_MEASUREMENTS param1 bit 0: the requester asked for a signature (without it the response is unsigned). */
const REQUEST_SIGNATURE = 0x01;

/**
 * Types of DMTF measurement values (DSP0274 1.2 §10.11.1, bits [6:0] of `DMTFSpecMeasurementValueType`; bit 7 set means
 * the value is a raw bit stream rather than a digest).
 */
export const DMTF_VALUE_TYPE = {
  IMMUTABLE_ROM: 0,
  MUTABLE_FIRMWARE: 1,
  HARDWARE_CONFIGURATION: 2,
  FIRMWARE_CONFIGURATION: 3,
  MEASUREMENT_MANIFEST: 4,
  DEVICE_MODE: 5,
  VERSION: 6,
  SECURE_VERSION_NUMBER: 7,
} as const;

/**
 * NVIDIA's opaque-data field ids, named as nvTrust's local GPU verifier names them
 * (`OPAQUE_FIELD_ID_<NAME>`, `verifier/attestation/spdm_msrt_resp_msg.py`).
 */
export const OPAQUE_FIELD_ID = {
  CERT_ISSUER_NAME: 1,
  CERT_AUTHORITY_KEY_IDENTIFIER: 2,
  DRIVER_VERSION: 3,
  GPU_INFO: 4,
  SKU: 5,
  VBIOS_VERSION: 6,
  MANUFACTURER_ID: 7,
  TAMPER_DETECTION: 8,
  SMC: 9,
  VPR: 10,
  NVDEC0_STATUS: 11,
  MSRSCNT: 12,
  CPRINFO: 13,
  BOARD_ID: 14,
  CHIP_SKU: 15,
  CHIP_SKU_MOD: 16,
  PROJECT: 17,
  PROJECT_SKU: 18,
  PROJECT_SKU_MOD: 19,
  FWID: 20,
  PROTECTED_PCIE_STATUS: 21,
  SWITCH_PDI: 22,
  FLOORSWEPT_PORTS: 23,
  POSITION_ID: 24,
  LOCK_SWITCH_STATUS: 25,
  GPU_LINK_CONN: 32,
  SYS_ENABLE_STATUS: 33,
  OPAQUE_DATA_VERSION: 34,
  CHIP_INFO: 35,
  FEATURE_FLAG: 36,
  INVALID: 255,
} as const;

/** Name of a known opaque-data field, e.g. `"DRIVER_VERSION"`. */
export type OpaqueFieldName = keyof typeof OPAQUE_FIELD_ID;

const OPAQUE_FIELD_NAME = new Map<number, OpaqueFieldName>(
  (Object.entries(OPAQUE_FIELD_ID) as [OpaqueFieldName, number][]).map(([name, id]) => [id, name]),
);

/** The GET_MEASUREMENTS request the verifier sent (relayed by the provider's agent, covered by the signature). */
export interface MeasurementsRequest {
  /** SPDM version byte (0x11). */
  version: number;
  /** Request attributes; bit 0 asks for a signature. */
  param1: number;
  /** Measurement operation: 0xFF asks for every block. */
  param2: number;
  /** The verifier's 32-byte nonce. */
  nonce: Hex;
  /** Certificate slot whose key signs the response. */
  slotId: number;
}

/**
 * A DMTF device-mode value (DSP0274 1.2 Table "device mode"): four little-endian 32-bit bit fields. Operational
 * mode bits: 0 manufacturing, 1 validation, 2 normal, 3 recovery, 4 RMA, 5 decommissioned. Device mode bits:
 * 0 non-invasive debug active, 1 invasive debug active, 2 non-invasive debug has been active, 3 invasive debug has
 * been active (since the last measurement reset), 4 invasive debug has been active since manufacturing.
 */
export interface DeviceMode {
  operationalModeCapabilities: number;
  operationalModeState: number;
  deviceModeCapabilities: number;
  deviceModeState: number;
}

/** One measurement block of the response. */
export interface MeasurementBlock {
  /** Measurement index (1-based for NVIDIA; RIMs compare by index). */
  index: number;
  /** DMTF value type, bits [6:0] (see `DMTF_VALUE_TYPE`). */
  valueType: number;
  /** Bit 7 of the value type: the value is a raw bit stream, not a digest. */
  rawBitStream: boolean;
  /** The measurement value (a SHA-384 digest on Hopper). */
  value: Hex;
  /** Byte offset of the block in the decoded report. */
  offset: number;
  /** The decoded value when the block is a raw device-mode block. */
  deviceMode?: DeviceMode;
}

/** One NVIDIA opaque-data field. */
export interface OpaqueField {
  /** Field id. */
  type: number;
  /** Field name, or undefined for an id nvTrust does not name. */
  name: OpaqueFieldName | undefined;
  /** Raw value. */
  value: Hex;
  /** Byte offset of the field's value in the decoded report. */
  offset: number;
}

/** The MEASUREMENTS response. */
export interface MeasurementsResponse {
  /** SPDM version byte (equals the request's). */
  version: number;
  param1: number;
  param2: number;
  /** Measurement blocks, in report order. */
  blocks: readonly MeasurementBlock[];
  /** The responder's 32-byte nonce. */
  responderNonce: Hex;
  /** NVIDIA's opaque fields, in report order. */
  opaqueFields: readonly OpaqueField[];
  /** ECDSA P-384 signature, r‖s. */
  signature: Hex;
}

/** A parsed (not yet verified) GET_MEASUREMENTS exchange. */
export interface SpdmEvidence {
  /** The decoded report: request ‖ response. */
  bytes: Uint8Array;
  /** What the signature covers: request ‖ response without its signature. */
  signedBytes: Uint8Array;
  request: MeasurementsRequest;
  response: MeasurementsResponse;
  /** `OPAQUE_FIELD_ID_DRIVER_VERSION` as text, e.g. "550.90.07". */
  driverVersion: string | undefined;
  /** `OPAQUE_FIELD_ID_VBIOS_VERSION` in nvidia-smi form, e.g. "96.00.9F.00.01". */
  vbiosVersion: string | undefined;
  /** `OPAQUE_FIELD_ID_FWID`: the firmware id the leaf certificate must certify. */
  fwid: Hex | undefined;
}

/** Parameters of `parseSpdmEvidence`: the report as bytes or as hex text (optional 0x, surrounding whitespace ignored). */
export type ParseSpdmEvidenceParameters = Uint8Array | string;
/** Return type of `parseSpdmEvidence`. */
export type ParseSpdmEvidenceReturnType = SpdmEvidence;
/** Errors `parseSpdmEvidence` throws: always code `malformed-report`. */
export type ParseSpdmEvidenceErrorType = CcVerificationError;

function malformed(field: string, offset: number, message: string): CcVerificationError {
  return new CcVerificationError("malformed-report", message, { field, offset });
}

/** Bounds-checked little-endian reader over `bytes[offset, end)`; offsets stay absolute in the report. */
class Reader {
  constructor(
    private readonly bytes: Buffer,
    public offset: number,
    readonly end: number,
  ) {}

  take(length: number, field: string): Buffer {
    const left = this.end - this.offset;
    if (length > left) throw malformed(field, this.offset, `needs ${length} byte(s), ${left} left`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field).readUInt8(0);
  }

  u16(field: string): number {
    return this.take(2, field).readUInt16LE(0);
  }

  u24(field: string): number {
    return this.take(3, field).readUIntLE(0, 3);
  }

  /** A sub-reader over the next `length` bytes, which this reader skips. */
  sub(length: number, field: string): Reader {
    const start = this.offset;
    this.take(length, field);
    return new Reader(this.bytes, start, start + length);
  }
}

function decodeReport(report: ParseSpdmEvidenceParameters): Buffer {
  if (typeof report !== "string") {
    if (!(report instanceof Uint8Array)) throw malformed("report", 0, "must be bytes or a hex string");
    return Buffer.from(report);
  }
  const text = report.trim().replace(/^0x/i, "");
  const bad = text.search(/[^0-9a-fA-F]/);
  if (bad !== -1) throw malformed("report", bad >> 1, `not hex: character ${JSON.stringify(text[bad])} at ${bad}`);
  if (text.length % 2 !== 0) throw malformed("report", text.length >> 1, "odd number of hex digits");
  return Buffer.from(text, "hex");
}

function expectByte(value: number, expected: number, field: string, offset: number): void {
  if (value !== expected) throw malformed(field, offset, `expected 0x${hex2(expected)}, got 0x${hex2(value)}`);
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, "0");
}

function parseRequest(r: Reader): MeasurementsRequest {
  const version = r.u8("request.version");
  expectByte(version, SPDM_VERSION_1_1, "request.version", 0);
  expectByte(r.u8("request.code"), SPDM_GET_MEASUREMENTS, "request.code", 1);
  const param1 = r.u8("request.param1");
  if ((param1 & REQUEST_SIGNATURE) === 0) throw malformed("request.param1", 2, "the request did not ask for a signature");
  const param2 = r.u8("request.param2");
  const nonce = bytesToHex(r.take(SPDM_NONCE_LENGTH, "request.nonce"));
  const slotId = r.u8("request.slotId");
  return { version, param1, param2, nonce, slotId };
}

function parseBlock(r: Reader, field: string, seen: Set<number>): MeasurementBlock {
  const offset = r.offset;
  const index = r.u8(`${field}.index`);
  if (seen.has(index)) throw malformed(`${field}.index`, offset, `measurement index ${index} appears twice`);
  seen.add(index);
  const specification = r.u8(`${field}.specification`);
  expectByte(specification, DMTF_SPECIFICATION, `${field}.specification`, offset + 1);
  const size = r.u16(`${field}.size`);
  const m = r.sub(size, `${field}.measurement`);
  const typeByte = m.u8(`${field}.valueType`);
  const valueSize = m.u16(`${field}.valueSize`);
  const valueOffset = m.offset;
  const value = m.take(valueSize, `${field}.value`);
  if (m.offset !== m.end) {
    throw malformed(`${field}.size`, offset + 2, `block size ${size} is not 3 + value size ${valueSize}`);
  }
  const block: MeasurementBlock = {
    index,
    valueType: typeByte & 0x7f,
    rawBitStream: (typeByte & 0x80) !== 0,
    value: bytesToHex(value),
    offset,
  };
  if (block.valueType === DMTF_VALUE_TYPE.DEVICE_MODE && block.rawBitStream) {
    if (value.length !== 16) throw malformed(`${field}.value`, valueOffset, `a device-mode value is 16 bytes, got ${value.length}`);
    block.deviceMode = {
      operationalModeCapabilities: value.readUInt32LE(0),
      operationalModeState: value.readUInt32LE(4),
      deviceModeCapabilities: value.readUInt32LE(8),
      deviceModeState: value.readUInt32LE(12),
    };
  }
  return block;
}

function parseOpaque(r: Reader): OpaqueField[] {
  const fields: OpaqueField[] = [];
  const seen = new Set<number>();
  while (r.offset < r.end) {
    const field = `response.opaqueData.field[${fields.length}]`;
    const typeOffset = r.offset;
    const type = r.u16(`${field}.type`);
    if (seen.has(type)) throw malformed(`${field}.type`, typeOffset, `opaque field ${type} appears twice`);
    seen.add(type);
    const size = r.u16(`${field}.size`);
    const offset = r.offset;
    const value = bytesToHex(r.take(size, `${field}.value`));
    fields.push({ type, name: OPAQUE_FIELD_NAME.get(type), value, offset });
  }
  return fields;
}

function rawValue(field: OpaqueField): Buffer {
  return Buffer.from(field.value.slice(2), "hex");
}

/** `OPAQUE_FIELD_ID_DRIVER_VERSION`: NUL-terminated ASCII, e.g. "550.90.07". */
function driverVersionText(field: OpaqueField): string {
  const raw = rawValue(field);
  const end = raw.indexOf(0);
  const text = raw.subarray(0, end === -1 ? raw.length : end).toString("latin1");
  if (!/^[\x20-\x7e]+$/.test(text)) throw malformed("response.opaqueData.DRIVER_VERSION", field.offset, "not printable ASCII");
  return text;
}

/**
 * `OPAQUE_FIELD_ID_VBIOS_VERSION` (8 bytes) as nvidia-smi prints it: bytes 3, 2, 1, 0 and 4 in hex, dotted, upper
 * case (nvTrust's `format_vbios_version`); `00 9f 00 96 01 00 00 00` is "96.00.9F.00.01".
 */
function vbiosVersionText(field: OpaqueField): string {
  const raw = rawValue(field);
  if (raw.length !== 8) throw malformed("response.opaqueData.VBIOS_VERSION", field.offset, `expected 8 bytes, got ${raw.length}`);
  return [raw[3], raw[2], raw[1], raw[0], raw[4]].map((b) => hex2(b ?? 0).toUpperCase()).join(".");
}

/** The opaque field called `name`, if the report has it. */
export function findOpaqueField(evidence: Pick<SpdmEvidence, "response">, name: OpaqueFieldName): OpaqueField | undefined {
  return evidence.response.opaqueFields.find((field) => field.type === OPAQUE_FIELD_ID[name]);
}

/**
 * Parses a GET_MEASUREMENTS request ‖ MEASUREMENTS response. Throws `CcVerificationError("malformed-report")` with
 * the offset and field of the first problem: a wrong version or code, a length running past the end, a block whose
 * sizes disagree, a duplicate measurement index or opaque field, a missing signature, or trailing bytes.
 */
export function parseSpdmEvidence(report: ParseSpdmEvidenceParameters): ParseSpdmEvidenceReturnType {
  const bytes = decodeReport(report);
  const r = new Reader(bytes, 0, bytes.length);
  const request = parseRequest(r);

  const responseOffset = r.offset;
  const version = r.u8("response.version");
  expectByte(version, request.version, "response.version", responseOffset);
  expectByte(r.u8("response.code"), SPDM_MEASUREMENTS, "response.code", responseOffset + 1);
  const param1 = r.u8("response.param1");
  const param2 = r.u8("response.param2");
  const numberOfBlocks = r.u8("response.numberOfBlocks");
  if (numberOfBlocks === 0) throw malformed("response.numberOfBlocks", responseOffset + 4, "no measurement blocks");
  const recordLength = r.u24("response.measurementRecordLength");
  const record = r.sub(recordLength, "response.measurementRecord");
  const seen = new Set<number>();
  const blocks: MeasurementBlock[] = [];
  for (let i = 0; i < numberOfBlocks; i++) blocks.push(parseBlock(record, `response.measurementRecord.block[${i}]`, seen));
  if (record.offset !== record.end) {
    throw malformed("response.measurementRecord", record.offset, `${record.end - record.offset} byte(s) after block ${numberOfBlocks - 1}`);
  }

  const responderNonce = bytesToHex(r.take(SPDM_NONCE_LENGTH, "response.nonce"));
  const opaqueLength = r.u16("response.opaqueLength");
  const opaqueFields = parseOpaque(r.sub(opaqueLength, "response.opaqueData"));
  const signatureOffset = r.offset;
  const signature = bytesToHex(r.take(SPDM_SIGNATURE_LENGTH, "response.signature"));
  if (r.offset !== bytes.length) throw malformed("response", r.offset, `${bytes.length - r.offset} byte(s) after the signature`);

  const response: MeasurementsResponse = { version, param1, param2, blocks, responderNonce, opaqueFields, signature };
  const driver = findOpaqueField({ response }, "DRIVER_VERSION");
  const vbios = findOpaqueField({ response }, "VBIOS_VERSION");
  return {
    bytes,
    signedBytes: bytes.subarray(0, signatureOffset),
    request,
    response,
    driverVersion: driver === undefined ? undefined : driverVersionText(driver),
    vbiosVersion: vbios === undefined ? undefined : vbiosVersionText(vbios),
    fwid: findOpaqueField({ response }, "FWID")?.value,
  };
}
