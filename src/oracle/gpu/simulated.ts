/**
 * A GPU backend that replays recorded nvidia-smi runs (stdout, stderr, exit status) through the same interpretation
 * as `NvidiaSmiBackend` (`interpretNvidiaSmiOutput`), so tests exercise the real parser without a GPU. Recordings live
 * in `src/oracle/gpu/recordings/<name>.json`; each says which of its values are invented. CC evidence, where a
 * recording has it, comes in two kinds:
 * - replayed (`h100`): NVIDIA's H100 sample (recordings/cc, see its NOTICE.md), whatever nonce is asked, so a verifier
 *   refuses it for any fresh nonce (`nonce-mismatch`), as it would a replay from a real host;
 * - signed fresh (`h100-cc`): each GPU answers the asked nonce with the sample report re-signed by its own simulated
 *   attestation key, whose chain ends at a test root (recordings/cc-sim, see its NOTICE.md) that a node trusts only in
 *   simulation mode (`simulatedDeviceRoot()`).
 *
 * The backend can be switched down (`setDown(true)`), or down until a time on its clock (`failUntil(ms)`, the
 * local network's outage command; with a chain clock a jump of the chain's time past it ends the outage): every
 * call then fails as the broken-driver recording does.
 *
 * @example
 * ```ts
 * const backend = SimulatedBackend.fromRecording("h200x8");
 * (await backend.probeHealth()).filter((gpu) => !gpu.healthy); // GPU 5: 1 uncorrected ECC error
 * backend.setDown(true); // probeHealth now throws GpuBackendError("driver-error")
 * ```
 */
import { type KeyObject, createPrivateKey, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { P384_ORDER } from "../cc/verify.js";
import { SPDM_NONCE_LENGTH, SPDM_SIGNATURE_LENGTH, parseSpdmEvidence } from "../cc/spdm.js";
import { type CcEvidence, type GpuBackend, type GpuHealth, type GpuInfo, healthOf } from "./backend.js";
import { GpuBackendError } from "./errors.js";
import { type CommandOutput, assertCcRequest, interpretNvidiaSmiOutput } from "./nvidia-smi.js";

/** The shipped recordings. */
export const RECORDINGS = ["h100", "h100-cc", "a100", "rtx4090", "h200x8", "broken-driver"] as const;

/** A shipped recording's name. */
export type RecordingName = (typeof RECORDINGS)[number];

/** A recorded nvidia-smi run, with the evidence the host's GPUs give. */
export interface Recording extends CommandOutput {
  /** What host this is. */
  readonly host: string;
  /** What is real and what is invented. */
  readonly notes: readonly string[];
  /** CC evidence every GPU of the host replays; absent (and no `ccSigner`): the host has no CC. */
  readonly cc?: CcEvidence;
  /** Simulated CC GPUs that sign fresh evidence (see `signSimulatedEvidence`); takes precedence over `cc`. */
  readonly ccSigner?: SimulatedCcSigner;
}

/** Simulated CC GPUs: a report template and, per GPU index, a chain and the attestation key that signs. */
export interface SimulatedCcSigner {
  /** An SPDM 1.1 GET_MEASUREMENTS request ‖ response whose nonces and signature each answer replaces. */
  readonly template: Uint8Array;
  readonly gpus: readonly { readonly certChainPem: string; readonly attestationKey: KeyObject }[];
}

const DIRECTORY = new URL("./recordings/", import.meta.url);

/**
 * A shipped recording by name.
 *
 * @example
 * ```ts
 * loadRecording("broken-driver").exitCode; // 9
 * ```
 */
export function loadRecording(name: RecordingName): Recording {
  if (!(RECORDINGS as readonly string[]).includes(name)) {
    throw new GpuBackendError("invalid-parameter", `unknown recording ${JSON.stringify(name)}; known: ${RECORDINGS.join(", ")}`, {
      field: "recording",
    });
  }
  const file = JSON.parse(readFileSync(new URL(`${name}.json`, DIRECTORY), "utf8")) as RecordingFile;
  const stdout = file.stdout.length === 0 ? "" : `${file.stdout.join("\n")}\n`;
  const recording: Recording = { host: file.host, notes: file.notes, stdout, stderr: file.stderr, exitCode: file.exitCode };
  const read = (path: string) => readFileSync(new URL(path, DIRECTORY), "utf8");
  if (file.ccSimulated !== undefined) {
    const { template, gpus } = file.ccSimulated;
    const ccSigner: SimulatedCcSigner = {
      template: new Uint8Array(Buffer.from(read(template).trim(), "hex")),
      gpus: gpus.map((gpu) => ({ certChainPem: read(gpu.certChainPem), attestationKey: createPrivateKey(read(gpu.attestationKey)) })),
    };
    return { ...recording, ccSigner };
  }
  if (file.cc === undefined) return recording;
  const report = readFileSync(new URL(file.cc.report, DIRECTORY), "utf8").trim();
  const certChainPem = readFileSync(new URL(file.cc.certChainPem, DIRECTORY), "utf8");
  return { ...recording, cc: { report: new Uint8Array(Buffer.from(report, "hex")), certChainPem } };
}

/** Options of `SimulatedBackend`. */
export interface SimulatedBackendOptions {
  /** Milliseconds each call waits before answering, to simulate a slow host; default 0. */
  readonly delayMs?: number;
  /** The clock `failUntil` is measured on, in ms (default the wall clock; a local network passes its chain clock). */
  readonly now?: () => number;
}

/** Replays a recording (see the module comment). */
export class SimulatedBackend implements GpuBackend {
  readonly description: string;
  readonly #recording: Recording;
  readonly #delayMs: number;
  #down = false;
  #downUntilMs = 0;
  readonly #now: () => number;

  constructor(recording: Recording, options: SimulatedBackendOptions = {}) {
    this.#recording = recording;
    this.#delayMs = options.delayMs ?? 0;
    this.#now = options.now ?? Date.now;
    this.description = `simulated (${recording.host})`;
  }

  /** A backend replaying the shipped recording `name`. */
  static fromRecording(name: RecordingName, options: SimulatedBackendOptions = {}): SimulatedBackend {
    return new SimulatedBackend(loadRecording(name), options);
  }

  /** Whether the backend is down now (switched down, or within an outage `failUntil` set). */
  get down(): boolean {
    return this.#down || this.#now() < this.#downUntilMs;
  }

  /** When the outage set by `failUntil` ends, in ms on the backend's clock (0: none set). */
  get downUntil(): number {
    return this.#downUntilMs;
  }

  /** Switches the backend down (every call fails like a host whose driver broke) or back up. */
  setDown(down: boolean): void {
    this.#down = down;
  }

  /** Fails every call until `untilMs` on the backend's clock (a later outage replaces an earlier one). */
  failUntil(untilMs: number): void {
    if (!Number.isFinite(untilMs)) throw new GpuBackendError("invalid-parameter", `the outage's end must be a time in ms, got ${untilMs}`, { field: "untilMs" });
    this.#downUntilMs = untilMs;
  }

  async listGpus(): Promise<GpuInfo[]> {
    await this.#wait();
    return interpretNvidiaSmiOutput(this.down ? loadRecording("broken-driver") : this.#recording);
  }

  async probeHealth(): Promise<GpuHealth[]> {
    return (await this.listGpus()).map(healthOf);
  }

  async ccEvidence(nonce: Uint8Array, gpuIndex: number): Promise<CcEvidence> {
    assertCcRequest(nonce, gpuIndex);
    const gpus = await this.listGpus();
    if (gpuIndex >= gpus.length) {
      throw new GpuBackendError("invalid-parameter", `no GPU ${gpuIndex} on a host of ${gpus.length}`, { field: "gpuIndex" });
    }
    const signer = this.#recording.ccSigner;
    if (signer !== undefined) {
      const gpu = signer.gpus[gpuIndex];
      if (gpu === undefined) throw new GpuBackendError("cc-unsupported", `GPU ${gpuIndex} of this host has no simulated attestation key`);
      return { report: signSimulatedEvidence(signer.template, nonce, gpu.attestationKey), certChainPem: gpu.certChainPem };
    }
    const cc = this.#recording.cc;
    if (cc === undefined) throw new GpuBackendError("cc-unsupported", `${gpus[gpuIndex]!.name} on this host offers no CC evidence`);
    return { report: new Uint8Array(cc.report), certChainPem: cc.certChainPem };
  }

  async #wait(): Promise<void> {
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
  }
}

/**
 * `template` answering `nonce`: the request nonce replaced, a fresh random responder nonce, and a new ECDSA P-384 /
 * SHA-384 signature by `attestationKey` over request ‖ response-without-signature, in canonical low-s form (as the
 * verifier requires). Measurements and opaque fields stay the template's.
 *
 * @example
 * ```ts
 * const report = signSimulatedEvidence(ccSigner.template, nonce, ccSigner.gpus[0].attestationKey);
 * ```
 */
export function signSimulatedEvidence(template: Uint8Array, nonce: Uint8Array, attestationKey: KeyObject): Uint8Array {
  const parsed = parseSpdmEvidence(template);
  const report = Buffer.from(parsed.bytes);
  const signedLength = parsed.signedBytes.length;
  Buffer.from(nonce).copy(report, 4);
  // The responder nonce sits before the opaque data and its 2-byte length (spdm.ts layout).
  const opaqueLength = parsed.response.opaqueFields.reduce((n, field) => n + 4 + (field.value.length - 2) / 2, 0);
  randomBytes(SPDM_NONCE_LENGTH).copy(report, signedLength - opaqueLength - 2 - SPDM_NONCE_LENGTH);
  const signature = sign("sha384", report.subarray(0, signedLength), { key: attestationKey, dsaEncoding: "ieee-p1363" });
  const half = SPDM_SIGNATURE_LENGTH / 2;
  const s = BigInt(`0x${signature.subarray(half).toString("hex")}`);
  if (s > P384_ORDER / 2n) Buffer.from((P384_ORDER - s).toString(16).padStart(2 * half, "0"), "hex").copy(signature, half);
  signature.copy(report, signedLength);
  return new Uint8Array(report);
}

interface RecordingFile {
  readonly host: string;
  readonly notes: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: readonly string[];
  readonly stderr: string;
  readonly cc?: { readonly report: string; readonly certChainPem: string };
  readonly ccSimulated?: { readonly template: string; readonly gpus: readonly { readonly certChainPem: string; readonly attestationKey: string }[] };
}
