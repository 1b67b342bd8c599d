/**
 * What a GPU backend reports: the inventory of a host's GPUs, a health probe for heartbeats, and
 * confidential-computing (CC) evidence. Two implementations: `NvidiaSmiBackend` (real hardware) and
 * `SimulatedBackend` (recorded nvidia-smi output replayed through the same parser, for tests).
 *
 * Health, as a heartbeat reports it: a GPU is healthy when nvidia-smi lists it, reports no error value for any field
 * (`[Unknown Error]`, `[GPU is lost]`, `[GPU requires reset]`), and has no uncorrected volatile ECC error (an
 * uncorrected error means the card's memory returned wrong data since the driver loaded; `null` ECC, as on cards
 * without ECC, counts as none). Temperature, power and utilization are reported, never judged: a busy card is up.
 *
 * @example
 * ```ts
 * const backend: GpuBackend = new NvidiaSmiBackend();
 * for (const gpu of await backend.listGpus()) console.log(gpu.uuid, gpu.modelClass, gpu.memoryTotalMiB);
 * ```
 */
import type { ModelClass } from "../challenge/classes.js";

/** One GPU as nvidia-smi reports it. Fields nvidia-smi reports as `[N/A]` or `[Not Supported]` are null. */
export interface GpuInfo {
  /** Position in nvidia-smi's listing (its `index`), which is what `gpuIndex` arguments refer to. */
  readonly index: number;
  /** e.g. `GPU-5a3c0e2b-...`. */
  readonly uuid: string;
  /** The board serial; null on cards that do not report one (GeForce). */
  readonly serial: string | null;
  /** e.g. `NVIDIA H100 80GB HBM3`. */
  readonly name: string;
  /** The model class the name belongs to, or null for a card no class covers. */
  readonly modelClass: ModelClass | null;
  /** e.g. `00000000:18:00.0`. */
  readonly pciBusId: string;
  readonly memoryTotalMiB: number | null;
  readonly memoryUsedMiB: number | null;
  readonly driverVersion: string | null;
  readonly vbiosVersion: string | null;
  /** Volatile (since the driver loaded) corrected ECC errors. */
  readonly eccErrorsCorrected: number | null;
  /** Volatile uncorrected ECC errors. */
  readonly eccErrorsUncorrected: number | null;
  readonly temperatureC: number | null;
  readonly powerDrawW: number | null;
  readonly utilizationPct: number | null;
  readonly smClockMHz: number | null;
  readonly memClockMHz: number | null;
  /** Fields nvidia-smi reported as an error value (e.g. `power.draw: [Unknown Error]`); empty when none. */
  readonly faults: readonly string[];
}

/** One GPU's health, as a heartbeat carries it. */
export interface GpuHealth {
  readonly uuid: string;
  readonly healthy: boolean;
  /** Why it is unhealthy ("1 uncorrected ECC error"); absent when healthy. */
  readonly reason?: string;
}

/** Confidential-computing evidence of one GPU, as the CC verifier (src/oracle/cc/verify.ts) takes it. */
export interface CcEvidence {
  /** The SPDM GET_MEASUREMENTS request ‖ response, signed by the GPU. */
  readonly report: Uint8Array;
  /** The device certificate chain, PEM, leaf first. */
  readonly certChainPem: string;
}

/** A source of GPU facts on a host. */
export interface GpuBackend {
  /** Short description for logs, e.g. `nvidia-smi (/usr/bin/nvidia-smi)`. */
  readonly description: string;
  /** Every GPU of the host, in nvidia-smi's order. Throws `GpuBackendError` when the host cannot answer. */
  listGpus(): Promise<GpuInfo[]>;
  /** The health of every GPU (see the module comment). Throws `GpuBackendError` when the host cannot answer. */
  probeHealth(): Promise<GpuHealth[]>;
  /**
   * CC evidence of GPU `gpuIndex` answering the 32-byte `nonce`; throws `GpuBackendError` with code
   * `cc-unsupported` when the GPU or host cannot produce it.
   */
  ccEvidence(nonce: Uint8Array, gpuIndex: number): Promise<CcEvidence>;
}

const CLASS_PATTERNS: readonly (readonly [RegExp, ModelClass])[] = [
  [/\bH200\b/, "H200"],
  [/\bH100\b/, "H100"],
  [/\bA100\b/, "A100"],
  [/\bL40S\b/, "L40S"],
  // The RTX 4090 D (China) has fewer SMs than the RTX 4090: no class.
  [/\bRTX 4090\b(?! D\b)/, "RTX4090"],
];

/**
 * The model class an nvidia-smi name belongs to, or null.
 *
 * @example
 * ```ts
 * modelClassOf("NVIDIA H100 80GB HBM3"); // "H100"
 * modelClassOf("NVIDIA GeForce RTX 4090"); // "RTX4090"
 * modelClassOf("NVIDIA GH200 480GB"); // null
 * ```
 */
export function modelClassOf(name: string): ModelClass | null {
  for (const [pattern, modelClass] of CLASS_PATTERNS) if (pattern.test(name)) return modelClass;
  return null;
}

/**
 * A GPU's health by the rule in the module comment.
 *
 * @example
 * ```ts
 * healthOf({ ...gpu, eccErrorsUncorrected: 2 }); // { uuid, healthy: false, reason: "2 uncorrected ECC errors" }
 * ```
 */
export function healthOf(gpu: Pick<GpuInfo, "uuid" | "faults" | "eccErrorsUncorrected">): GpuHealth {
  if (gpu.faults.length > 0) return { uuid: gpu.uuid, healthy: false, reason: `nvidia-smi reports ${gpu.faults.join(", ")}` };
  const ecc = gpu.eccErrorsUncorrected ?? 0;
  if (ecc > 0) return { uuid: gpu.uuid, healthy: false, reason: `${ecc} uncorrected ECC error${ecc === 1 ? "" : "s"}` };
  return { uuid: gpu.uuid, healthy: true };
}
