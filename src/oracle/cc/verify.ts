/**
 * Confidential-computing (tier-2) verification of NVIDIA GPU evidence: the SPDM GET_MEASUREMENTS report a GPU signs
 * with its attestation key, and the device certificate chain that certifies that key up to NVIDIA's root.
 *
 * `verifyGpuEvidence` runs these checks, in order, and throws a `CcVerificationError` at the first that fails:
 * 1. parse the report (`malformed-report`, with offset and field);
 * 2. the request nonce equals the nonce this verifier issued, compared in constant time (`nonce-mismatch`);
 * 3. the chain, leaf first: each certificate is issued by the next (names and key identifiers match, the issuer is
 *    a CA) and its signature verifies with the next one's key (`chain-invalid`); the last certificate is a pinned
 *    root or is signed by one (`untrusted-root`); every certificate and the root are valid at `now` (`expired`,
 *    `not-yet-valid`);
 * 4. the report's ECDSA P-384 / SHA-384 signature is in canonical low-s form (`non-canonical-signature`: the high-s
 *    twin (r, n - s) of a genuine signature verifies too, but is other report bytes with another report hash for the
 *    same content), and verifies over request ‖ response-without-signature with the leaf certificate's key
 *    (`bad-signature`);
 * 5. the report's FWID equals the FWID the leaf certificate certifies (`fwid-mismatch`; nvTrust's check);
 * 6. debug mode (`debug-mode`): see `assertNoDebugMode`;
 * 7. optionally, measurements against reference values (`measurement-mismatch`): see `assertReferenceMeasurements`.
 *
 * Assumptions:
 * - The pinned root (`roots/verifier_device_root.pem`, fingerprint pinned below) is NVIDIA's and uncompromised.
 *   `simulatedDeviceRoot()` (`roots/simulated_device_root.pem`) is the root of the simulated GPUs' test CA: a caller
 *   passes it in `roots` only in simulation mode; the default is always NVIDIA's.
 * - GPU firmware signs with low s. One genuine sample (NVIDIA's, test/fixtures/nvidia-cc) is low-s; that Hopper
 *   firmware always normalizes s is not documented, so a node retries a `non-canonical-signature` with a fresh nonce
 *   (src/oracle/node/attest.ts): a device that does not normalize still attests in a few tries.
 * - Revocation (NVIDIA's OCSP service) is not checked here; a caller with network access must check it.
 * - SPDM 1.1 only: from 1.2 on the signature covers a transcript this report does not carry.
 *
 * @example
 * ```ts
 * const result = verifyGpuEvidence({ report: reportHex, certChainPem, expectedNonce: nonce });
 * const gpuId = ccIdentity(result); // bind on chain (tier 2 only)
 * ```
 */
import { X509Certificate, timingSafeEqual, verify as verifySignature } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Hex, bytesToHex, concat, keccak256, stringToHex } from "viem";
import { CcVerificationError } from "./errors.js";
import { type MeasurementBlock, type OpaqueField, type SpdmEvidence, SPDM_NONCE_LENGTH, parseSpdmEvidence } from "./spdm.js";

export { CcVerificationError, type CcVerificationErrorCode, type CcVerificationErrorDetails } from "./errors.js";

/** SHA-256 fingerprint of NVIDIA's Device Identity CA, the pinned root (checked whenever the PEM file is loaded). */
export const NVIDIA_DEVICE_ROOT_FINGERPRINT256 =
  "10:2B:F6:59:D5:41:96:14:C9:D8:E6:AE:CE:BC:80:45:4E:B2:6B:1D:F6:A7:69:AC:72:0B:9A:69:0B:16:7B:48";

/**
 * SHA-256 fingerprint of the simulated GPUs' test root (`roots/simulated_device_root.pem`, made by
 * `src/oracle/gpu/recordings/cc-sim/generate.sh`, whose private key was discarded). Never a default root.
 */
export const SIMULATED_DEVICE_ROOT_FINGERPRINT256 =
  "27:A5:BA:48:6B:64:1F:73:7B:6C:99:BE:58:78:A2:F8:0F:6D:7A:87:BE:6A:72:AC:E0:42:33:E8:44:CF:22:54";

/** Order n of the P-384 group: a canonical signature has s <= n / 2. */
export const P384_ORDER = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

/** Domain tag of `ccIdentity`, so a tier-2 GPU id can never equal an id derived some other way. */
export const CC_IDENTITY_DOMAIN = "cinder/cc-gpu-identity/v1";

/** Most certificates a device chain may hold (Hopper's has 5). */
const MAX_CHAIN_LENGTH = 8;
/** DER of OID 2.23.133.5.4.1 (tcg-dice-TcbInfo), the extension in which NVIDIA's leaf certificate carries the FWID. */
const TCG_DICE_FWID_OID = Buffer.from("0606678105050401", "hex");
/** Length of a SHA-384 FWID. */
const FWID_LENGTH = 48;
/** DeviceModeState bits 0-3: non-invasive or invasive debug is active, or has been since the last measurement reset. */
const DEBUG_SINCE_RESET = 0x0f;
/** OperationalModeState bits 0-1: manufacturing or validation mode, both pre-production debug states. */
const PRE_PRODUCTION_MODES = 0x03;

/** Parameters of `verifyGpuEvidence`. */
export interface VerifyGpuEvidenceParameters {
  /** The attestation report (request ‖ response), as bytes or hex text. */
  report: Uint8Array | string;
  /** The device certificate chain as PEM, leaf first (as NVML returns it). */
  certChainPem: string;
  /** The 32-byte nonce this verifier sent in the challenge (hex or bytes). */
  expectedNonce: Hex | Uint8Array;
  /** Trusted roots; defaults to the pinned NVIDIA Device Identity CA (`nvidiaDeviceRoot()`). */
  roots?: readonly X509Certificate[];
  /** The time at which certificates must be valid; defaults to now. */
  now?: Date;
  /** Allowed values per measurement index (nvTrust's RIM "alternatives"); see `assertReferenceMeasurements`. */
  referenceMeasurements?: ReferenceMeasurements;
}

/** Reference values: for each measurement index, the digests the report may carry there. */
export type ReferenceMeasurements = Readonly<Record<number, readonly Hex[]>>;

/** Who the GPU is, as its certificates say. */
export interface GpuIdentity {
  /** Common name of the device identity certificate, e.g. "GH100 A01 GSP BROM". */
  model: string;
  /** Serial number (hex) of the device identity certificate (the leaf's issuer, provisioned once per GPU). */
  deviceSerial: string;
  /** Subject of the device identity certificate. */
  deviceSubject: string;
  /** DER SubjectPublicKeyInfo of the device identity key, the input of `ccIdentity`. */
  devicePublicKey: Hex;
  /** Serial number (hex) of the leaf (attestation) certificate; nvTrust reports it as `ueid`. */
  leafSerial: string;
  /** Subject of the leaf certificate. */
  leafSubject: string;
  /** The firmware id certified by the leaf and reported in the opaque data, when the report carries one. */
  fwid: Hex | undefined;
}

/** What verified evidence says about the GPU. */
export interface VerifiedGpuEvidence {
  gpu: GpuIdentity;
  /** Driver version from the signed opaque data, e.g. "550.90.07". */
  driverVersion: string;
  /** VBIOS version from the signed opaque data, e.g. "96.00.9F.00.01". */
  vbiosVersion: string;
  /** The nonce the report answers (equals `expectedNonce`). */
  nonce: Hex;
  /** The signed measurement blocks. */
  measurements: readonly MeasurementBlock[];
  /** The signed NVIDIA opaque fields. */
  opaqueFields: readonly OpaqueField[];
  /** keccak256 of the decoded report: the evidence hash an attestation report commits to. */
  reportHash: Hex;
}

/** Return type of `verifyGpuEvidence`. */
export type VerifyGpuEvidenceReturnType = VerifiedGpuEvidence;
/** Errors `verifyGpuEvidence` throws; `code` says which check failed. */
export type VerifyGpuEvidenceErrorType = CcVerificationError;

const pinnedRoots = new Map<string, X509Certificate>();

function pinnedRoot(file: string, fingerprint: string): X509Certificate {
  let root = pinnedRoots.get(file);
  if (root === undefined) {
    root = new X509Certificate(readFileSync(new URL(`./roots/${file}`, import.meta.url)));
    if (root.fingerprint256 !== fingerprint) {
      throw new CcVerificationError("untrusted-root", `pinned root file ${file} has fingerprint ${root.fingerprint256}, expected ${fingerprint}`);
    }
    pinnedRoots.set(file, root);
  }
  return root;
}

/** The pinned NVIDIA Device Identity CA, read from `roots/verifier_device_root.pem` once and checked by fingerprint. */
export function nvidiaDeviceRoot(): X509Certificate {
  return pinnedRoot("verifier_device_root.pem", NVIDIA_DEVICE_ROOT_FINGERPRINT256);
}

/**
 * The simulated GPUs' test root, read from `roots/simulated_device_root.pem` once and checked by fingerprint. Only a
 * node in simulation mode trusts it (src/oracle/node/attest.ts, `cc.trust: "simulation"`).
 */
export function simulatedDeviceRoot(): X509Certificate {
  return pinnedRoot("simulated_device_root.pem", SIMULATED_DEVICE_ROOT_FINGERPRINT256);
}

/**
 * Refuses a P-384 signature (r‖s, 96 bytes) whose s is above n / 2: ECDSA accepts both (r, s) and (r, n - s), so
 * without this one signed content has two report encodings and two report hashes.
 */
export function assertCanonicalSignature(signature: Uint8Array, offset?: number): void {
  const s = BigInt(bytesToHex(signature.subarray(48, 96)));
  if (s > P384_ORDER / 2n) {
    throw new CcVerificationError("non-canonical-signature", "the report's signature has a high s (s > n / 2); only the low-s form is accepted", {
      field: "response.signature",
      ...(offset === undefined ? {} : { offset: offset + 48 }),
    });
  }
}

/** Splits a PEM chain into certificates, in order; anything but whitespace outside the blocks is `chain-invalid`. */
export function splitCertificateChain(pem: string): X509Certificate[] {
  if (typeof pem !== "string") throw new CcVerificationError("invalid-parameter", "must be a PEM string", { field: "certChainPem" });
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const rest = blocks.reduce((text, block) => text.replace(block, ""), pem);
  if (/[^\s\0]/.test(rest))
    throw new CcVerificationError("chain-invalid", "text outside the certificate blocks", { field: "certChainPem" });
  if (blocks.length === 0) throw new CcVerificationError("chain-invalid", "no certificate", { field: "certChainPem" });
  if (blocks.length > MAX_CHAIN_LENGTH) {
    throw new CcVerificationError("chain-invalid", `${blocks.length} certificates, at most ${MAX_CHAIN_LENGTH}`, { field: "certChainPem" });
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new CcVerificationError("chain-invalid", `certificate ${i} does not parse`, { field: `certChainPem[${i}]`, cause });
    }
  });
}

function oneLine(name: string): string {
  return name.replaceAll("\n", ", ");
}

function commonName(cert: X509Certificate): string {
  return (
    cert.subject
      .split("\n")
      .find((line) => line.startsWith("CN="))
      ?.slice(3) ?? cert.subject
  );
}

function checkValidity(cert: X509Certificate, now: Date, field: string): void {
  if (now < cert.validFromDate) {
    throw new CcVerificationError(
      "not-yet-valid",
      `"${commonName(cert)}" is valid from ${cert.validFromDate.toISOString()}, now is ${now.toISOString()}`,
      { field },
    );
  }
  if (now > cert.validToDate) {
    throw new CcVerificationError(
      "expired",
      `"${commonName(cert)}" expired at ${cert.validToDate.toISOString()}, now is ${now.toISOString()}`,
      { field },
    );
  }
}

/** Checks the links of `chain` (leaf first) and that it ends at or under one of `roots`, all valid at `now`. */
function verifyChain(chain: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const issuer = chain[i + 1]!;
    const field = `certChainPem[${i}]`;
    if (!issuer.ca) throw new CcVerificationError("chain-invalid", `certificate ${i + 1} ("${commonName(issuer)}") is not a CA`, { field });
    if (!child.checkIssued(issuer)) {
      throw new CcVerificationError(
        "chain-invalid",
        `certificate ${i} ("${commonName(child)}") names issuer "${oneLine(child.issuer)}", but certificate ${i + 1} is "${oneLine(issuer.subject)}"`,
        { field },
      );
    }
    if (!child.verify(issuer.publicKey)) {
      throw new CcVerificationError("chain-invalid", `signature of certificate ${i} does not verify with the key of certificate ${i + 1}`, {
        field,
      });
    }
  }
  const last = chain[chain.length - 1]!;
  const root = roots.find((r) => r.raw.equals(last.raw)) ?? roots.find((r) => last.checkIssued(r) && last.verify(r.publicKey));
  if (root === undefined) {
    throw new CcVerificationError(
      "untrusted-root",
      `the chain ends at "${commonName(last)}", issued by "${oneLine(last.issuer)}", which is not a pinned root`,
      { field: `certChainPem[${chain.length - 1}]` },
    );
  }
  chain.forEach((cert, i) => checkValidity(cert, now, `certChainPem[${i}]`));
  checkValidity(root, now, "roots");
}

function decodeNonce(nonce: Hex | Uint8Array): Buffer {
  const bytes =
    typeof nonce === "string" && /^(0x)?[0-9a-fA-F]*$/.test(nonce) && nonce.length % 2 === 0
      ? Buffer.from(nonce.replace(/^0x/, ""), "hex")
      : nonce instanceof Uint8Array
        ? Buffer.from(nonce)
        : undefined;
  if (bytes?.length !== SPDM_NONCE_LENGTH) {
    throw new CcVerificationError("invalid-parameter", `must be ${SPDM_NONCE_LENGTH} bytes (hex or bytes)`, { field: "expectedNonce" });
  }
  return bytes;
}

interface Tlv {
  tag: number;
  header: number;
  start: number;
  end: number;
}

/** One DER TLV at `pos`, bounded by `limit` (definite lengths up to 4 bytes). */
function derTlv(der: Buffer, pos: number, limit: number): Tlv {
  const bad = () => new CcVerificationError("chain-invalid", `bad DER at byte ${pos}`, { field: "certChainPem[0]" });
  if (pos + 2 > limit) throw bad();
  let length = der.readUInt8(pos + 1);
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw bad();
    length = der.readUIntBE(start, n);
    start += n;
  }
  if (start + length > limit) throw bad();
  return { tag: der.readUInt8(pos), header: pos, start, end: start + length };
}

function derChildren(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; pos = out[out.length - 1]!.end) out.push(derTlv(der, pos, parent.end));
  return out;
}

/**
 * The FWID a certificate certifies: the last 48 bytes (a SHA-384 OCTET STRING) of its TCG DICE extension
 * 2.23.133.5.4.1, as nvTrust's `extract_fwid` reads it; undefined when the certificate has no such extension.
 */
export function certificateFwid(cert: X509Certificate): Hex | undefined {
  const der = cert.raw;
  const tbs = derChildren(der, derTlv(der, 0, der.length))[0];
  const wrapper = tbs === undefined ? undefined : derChildren(der, tbs).find((t) => t.tag === 0xa3); // [3] extensions
  const list = wrapper === undefined ? undefined : derChildren(der, wrapper)[0];
  const extensions = list === undefined ? [] : derChildren(der, list);
  for (const extension of extensions) {
    const parts = derChildren(der, extension);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (oid === undefined || value === undefined || !der.subarray(oid.header, oid.end).equals(TCG_DICE_FWID_OID)) continue;
    const body = der.subarray(value.start, value.end);
    const at = body.length - FWID_LENGTH;
    if (value.tag !== 0x04 || at < 2 || body[at - 2] !== 0x04 || body[at - 1] !== FWID_LENGTH) {
      throw new CcVerificationError("chain-invalid", "the FWID extension does not end with a 48-byte digest", { field: "certChainPem[0]" });
    }
    return bytesToHex(body.subarray(at));
  }
  return undefined;
}

/**
 * Requires the report's FWID to equal the one the leaf certificate certifies, so the attestation key speaks for the
 * firmware the report claims. A report without an FWID is not bound (nvTrust skips the check then too).
 */
export function assertFwidBinding(evidence: Pick<SpdmEvidence, "fwid">, leaf: X509Certificate): void {
  if (evidence.fwid === undefined) return;
  const certified = certificateFwid(leaf);
  if (certified === undefined) {
    throw new CcVerificationError("fwid-mismatch", "the report carries an FWID but the leaf certificate has no FWID extension", {
      field: "certChainPem[0]",
    });
  }
  if (certified !== evidence.fwid.toLowerCase()) {
    throw new CcVerificationError("fwid-mismatch", `the report's FWID ${evidence.fwid} differs from the leaf certificate's ${certified}`, {
      field: "response.opaqueData.FWID",
    });
  }
}

/**
 * Rejects evidence whose signed measurements declare a debug state. The check reads the DMTF device-mode measurement
 * (value type 5, raw; DSP0274 1.2 "device mode"): debug mode active or active since the last reset (DeviceModeState
 * bits 0-3), or a manufacturing or validation operational mode (OperationalModeState bits 0-1), is `debug-mode`.
 *
 * Hopper reports (SPDM 1.1, like the golden vector) carry no device-mode block: there, DevTools mode shows only as
 * measurements that differ from NVIDIA's reference values (nvTrust then reports `x-nv-gpu-measurements-match` false,
 * NVIDIA/nvtrust#35), which `assertReferenceMeasurements` checks when the caller passes reference values.
 */
export function assertNoDebugMode(evidence: Pick<SpdmEvidence, "response">): void {
  for (const block of evidence.response.blocks) {
    const mode = block.deviceMode;
    if (mode === undefined) continue;
    const field = `measurement[${block.index}].deviceMode`;
    if ((mode.deviceModeState & DEBUG_SINCE_RESET) !== 0) {
      throw new CcVerificationError(
        "debug-mode",
        `device mode state 0x${mode.deviceModeState.toString(16)} has debug active or active since reset`,
        {
          field,
          offset: block.offset,
        },
      );
    }
    if ((mode.operationalModeState & PRE_PRODUCTION_MODES) !== 0) {
      throw new CcVerificationError(
        "debug-mode",
        `operational mode state 0x${mode.operationalModeState.toString(16)} is manufacturing or validation`,
        {
          field,
          offset: block.offset,
        },
      );
    }
  }
}

/** Requires, for each index in `references`, the report's measurement there to equal one of the allowed values. */
export function assertReferenceMeasurements(evidence: Pick<SpdmEvidence, "response">, references: ReferenceMeasurements): void {
  for (const [key, allowed] of Object.entries(references)) {
    const index = Number(key);
    const block = evidence.response.blocks.find((b) => b.index === index);
    const field = `measurement[${index}]`;
    if (block === undefined)
      throw new CcVerificationError("measurement-mismatch", `the report has no measurement at index ${index}`, { field });
    if (!allowed.some((value) => value.toLowerCase() === block.value)) {
      throw new CcVerificationError(
        "measurement-mismatch",
        `measurement ${index} is ${block.value}, not one of ${allowed.length} reference value(s)`,
        {
          field,
          offset: block.offset,
        },
      );
    }
  }
}

/** Verifies GPU evidence (see the module comment for the checks) and returns what it proves about the GPU. */
export function verifyGpuEvidence(parameters: VerifyGpuEvidenceParameters): VerifyGpuEvidenceReturnType {
  const { report, certChainPem, expectedNonce, now = new Date(), referenceMeasurements } = parameters;
  const roots = parameters.roots ?? [nvidiaDeviceRoot()];
  if (roots.length === 0) throw new CcVerificationError("invalid-parameter", "no trusted root", { field: "roots" });
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new CcVerificationError("invalid-parameter", "not a valid Date", { field: "now" });

  const evidence = parseSpdmEvidence(report);
  if (evidence.driverVersion === undefined || evidence.vbiosVersion === undefined) {
    const missing = evidence.driverVersion === undefined ? "DRIVER_VERSION" : "VBIOS_VERSION";
    throw new CcVerificationError("malformed-report", `the opaque data has no ${missing} field`, { field: "response.opaqueData" });
  }

  const nonce = Buffer.from(evidence.request.nonce.slice(2), "hex");
  const expected = decodeNonce(expectedNonce);
  if (!timingSafeEqual(nonce, expected)) {
    throw new CcVerificationError("nonce-mismatch", `the report answers nonce ${evidence.request.nonce}, not ${bytesToHex(expected)}`, {
      field: "request.nonce",
      offset: 4,
    });
  }

  const chain = splitCertificateChain(certChainPem);
  if (chain.length < 2) {
    throw new CcVerificationError("chain-invalid", "the chain must hold the leaf and the device identity certificate", {
      field: "certChainPem",
    });
  }
  verifyChain(chain, roots, now);

  const leaf = chain[0]!;
  const key = leaf.publicKey;
  if (key.asymmetricKeyDetails?.namedCurve !== "secp384r1") {
    throw new CcVerificationError("bad-signature", "the leaf certificate's key is not ECDSA P-384", { field: "certChainPem[0]" });
  }
  const signature = Buffer.from(evidence.response.signature.slice(2), "hex");
  assertCanonicalSignature(signature, evidence.signedBytes.length);
  let valid = false;
  try {
    valid = verifySignature("sha384", evidence.signedBytes, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch (cause) {
    throw new CcVerificationError("bad-signature", "the signature could not be checked", { field: "response.signature", cause });
  }
  if (!valid) {
    throw new CcVerificationError("bad-signature", "the report's signature does not verify with the leaf certificate's key", {
      field: "response.signature",
      offset: evidence.signedBytes.length,
    });
  }

  assertFwidBinding(evidence, leaf);
  assertNoDebugMode(evidence);
  if (referenceMeasurements !== undefined) assertReferenceMeasurements(evidence, referenceMeasurements);

  const device = chain[1]!;
  return {
    gpu: {
      model: commonName(device),
      deviceSerial: device.serialNumber,
      deviceSubject: device.subject,
      devicePublicKey: bytesToHex(device.publicKey.export({ type: "spki", format: "der" })),
      leafSerial: leaf.serialNumber,
      leafSubject: leaf.subject,
      fwid: evidence.fwid,
    },
    driverVersion: evidence.driverVersion,
    vbiosVersion: evidence.vbiosVersion,
    nonce: evidence.request.nonce,
    measurements: evidence.response.blocks,
    opaqueFields: evidence.response.opaqueFields,
    reportHash: keccak256(evidence.bytes),
  };
}

/**
 * The GPU's tier-2 identity for on-chain exclusivity: keccak256(`CC_IDENTITY_DOMAIN` ‖ device identity key SPKI).
 * It hashes the device identity certificate's key, which NVIDIA provisions once per GPU, not the leaf: the leaf is
 * the firmware's attestation certificate and changes with the firmware (it certifies the FWID), so binding it would
 * let one card re-register under a new id after a firmware update.
 */
export function ccIdentity(result: Pick<VerifiedGpuEvidence, "gpu">): Hex {
  return keccak256(concat([stringToHex(CC_IDENTITY_DOMAIN), result.gpu.devicePublicKey]));
}
