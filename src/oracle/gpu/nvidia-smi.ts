/**
 * The nvidia-smi backend: one `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` call per listing, parsed by
 * `parseNvidiaSmiCsv`, and confidential-computing evidence through an external command (see `CcCommand`).
 *
 * Output format (nvidia-smi's CSV): one line per GPU, fields in `NVIDIA_SMI_FIELDS` order separated by `", "`, no
 * units (memory in MiB, power in W, clocks in MHz); a field the GPU does not have reads `[N/A]` or `[Not Supported]`
 * (null here), a field the driver failed to read reads e.g. `[Unknown Error]` (null, and listed in `faults`).
 * When nvidia-smi cannot reach the driver it prints the reason on stdout and exits non-zero (9, 12, ...).
 *
 * CC evidence on real hardware: nvidia-smi cannot produce it; NVML can (`nvmlDeviceGetConfComputeGpuAttestationReport`
 * and `nvmlDeviceGetConfComputeGpuCertificate`, Hopper and later with CC mode on). `src/oracle/gpu/cc_evidence.py`
 * calls them through pynvml; configure it as `ccCommand: { command: "python3", args: [ccEvidenceScript()] }`. The
 * command gets `--nonce <64 hex> --gpu <index>` appended and prints one JSON object on stdout:
 * `{"report": "<hex>", "certChainPem": "<PEM>"}`, or `{"error": {"code": "cc-unsupported", "message": "..."}}`.
 *
 * @example
 * ```ts
 * const backend = new NvidiaSmiBackend({ binary: "/usr/bin/nvidia-smi", timeoutMs: 5_000 });
 * const gpus = await backend.listGpus();
 * ```
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CcEvidence, type GpuBackend, type GpuHealth, type GpuInfo, healthOf, modelClassOf } from "./backend.js";
import { GpuBackendError } from "./errors.js";

/** The fields queried, in output order. */
export const NVIDIA_SMI_FIELDS = [
  "uuid",
  "serial",
  "name",
  "pci.bus_id",
  "memory.total",
  "memory.used",
  "driver_version",
  "vbios_version",
  "ecc.errors.corrected.volatile.total",
  "ecc.errors.uncorrected.volatile.total",
  "temperature.gpu",
  "power.draw",
  "utilization.gpu",
  "clocks.sm",
  "clocks.mem",
] as const;

/** The arguments nvidia-smi is run with. */
export const NVIDIA_SMI_ARGS: readonly string[] = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(",")}`, "--format=csv,noheader,nounits"];

/** What a command printed and how it ended (a recording replays exactly this). */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status; null when it was killed by a signal. */
  readonly exitCode: number | null;
}

const NOT_AVAILABLE = new Set(["[N/A]", "N/A", "[Not Supported]", "Not Supported"]);
const ERROR_VALUE = /^\[(Unknown Error|GPU is lost|GPU requires reset|Insufficient Permissions)\]$/;
const UUID = /^(GPU|MIG)-[0-9a-fA-F-]{8,}$/;
const PCI_BUS_ID = /^[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$/;

/**
 * The GPUs in nvidia-smi's CSV output (fields in `NVIDIA_SMI_FIELDS` order). Blank lines are skipped; any other line
 * must have every field in its expected form, else `GpuBackendError("parse")` names the line and field.
 *
 * @example
 * ```ts
 * const [gpu] = parseNvidiaSmiCsv(
 *   "GPU-5a3c0e2b-1d4f-4c8e-9a7b-2f6d8e1c3b5a, 1654922012345, NVIDIA H100 80GB HBM3, 00000000:18:00.0, 81559, 0, " +
 *     "550.54.15, 96.00.99.00.01, 0, 0, 34, 71.23, 0, 1980, 2619\n",
 * );
 * gpu.modelClass; // "H100"
 * ```
 */
export function parseNvidiaSmiCsv(stdout: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  const lines = stdout.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const where = `line ${i + 1}`;
    const values = line.split(",").map((value) => value.trim());
    if (values.length !== NVIDIA_SMI_FIELDS.length) {
      throw new GpuBackendError("parse", `expected ${NVIDIA_SMI_FIELDS.length} comma-separated fields, got ${values.length}: ${quote(line)}`, {
        field: where,
      });
    }
    const faults: string[] = [];
    const field = (k: number): string | null => {
      const value = values[k]!;
      if (NOT_AVAILABLE.has(value)) return null;
      if (ERROR_VALUE.test(value)) {
        faults.push(`${NVIDIA_SMI_FIELDS[k]}: ${value}`);
        return null;
      }
      return value;
    };
    const fail = (k: number, expected: string): never => {
      throw new GpuBackendError("parse", `${NVIDIA_SMI_FIELDS[k]} must be ${expected}, got ${quote(values[k]!)}`, {
        field: `${where}: ${NVIDIA_SMI_FIELDS[k]}`,
      });
    };
    const required = (k: number, pattern: RegExp, expected: string): string => {
      const value = field(k);
      if (value === null || !pattern.test(value)) return fail(k, expected);
      return value;
    };
    const integer = (k: number): number | null => {
      const value = field(k);
      if (value === null) return null;
      if (!/^\d+$/.test(value)) return fail(k, "a non-negative integer");
      return Number(value);
    };
    const decimal = (k: number): number | null => {
      const value = field(k);
      if (value === null) return null;
      if (!/^\d+(\.\d+)?$/.test(value)) return fail(k, "a non-negative number");
      return Number(value);
    };
    const uuid = required(0, UUID, "GPU-<hex>");
    const serial = field(1);
    const name = required(2, /\S/, "a GPU name");
    const pciBusId = required(3, PCI_BUS_ID, "a PCI bus id like 00000000:18:00.0");
    gpus.push({
      index: gpus.length,
      uuid,
      serial,
      name,
      modelClass: modelClassOf(name),
      pciBusId,
      memoryTotalMiB: integer(4),
      memoryUsedMiB: integer(5),
      driverVersion: field(6),
      vbiosVersion: field(7),
      eccErrorsCorrected: integer(8),
      eccErrorsUncorrected: integer(9),
      temperatureC: integer(10),
      powerDrawW: decimal(11),
      utilizationPct: integer(12),
      smClockMHz: integer(13),
      memClockMHz: integer(14),
      faults,
    });
  }
  return gpus;
}

/**
 * The GPUs of one nvidia-smi run, or the error it amounts to: a non-zero exit is `driver-error` with nvidia-smi's
 * text (it prints "NVIDIA-SMI has failed because ..." on stdout); a zero exit is parsed by `parseNvidiaSmiCsv`.
 * `NvidiaSmiBackend` and `SimulatedBackend` both go through this.
 *
 * @example
 * ```ts
 * interpretNvidiaSmiOutput({ stdout: "NVIDIA-SMI has failed because ...", stderr: "", exitCode: 9 }); // throws driver-error
 * ```
 */
export function interpretNvidiaSmiOutput(output: CommandOutput): GpuInfo[] {
  if (output.exitCode !== 0) {
    const text = [output.stdout, output.stderr].map((part) => part.trim()).filter((part) => part !== "").join(" ");
    const status = output.exitCode === null ? "was killed" : `exited with status ${output.exitCode}`;
    throw new GpuBackendError("driver-error", `nvidia-smi ${status}: ${text === "" ? "(no output)" : text}`);
  }
  return parseNvidiaSmiCsv(output.stdout);
}

/** An external command that prints CC evidence (see the module comment for its contract). */
export interface CcCommand {
  readonly command: string;
  readonly args?: readonly string[];
  /** Milliseconds before the command is killed; default 30,000 (an attestation report takes about a second). */
  readonly timeoutMs?: number;
}

/** Options of `NvidiaSmiBackend`. */
export interface NvidiaSmiBackendOptions {
  /** The nvidia-smi binary; default `nvidia-smi` (found on PATH). */
  readonly binary?: string;
  /** Milliseconds before nvidia-smi is killed; default 10,000. */
  readonly timeoutMs?: number;
  /** How to obtain CC evidence; without it `ccEvidence` is `cc-unsupported`. */
  readonly ccCommand?: CcCommand;
}

/** GPUs of this host through nvidia-smi (see the module comment). */
export class NvidiaSmiBackend implements GpuBackend {
  readonly description: string;
  readonly #binary: string;
  readonly #timeoutMs: number;
  readonly #ccCommand: CcCommand | undefined;

  constructor(options: NvidiaSmiBackendOptions = {}) {
    this.#binary = options.binary ?? "nvidia-smi";
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) throw new GpuBackendError("invalid-parameter", "must be a positive number", { field: "timeoutMs" });
    this.#ccCommand = options.ccCommand;
    this.description = `nvidia-smi (${this.#binary})`;
  }

  async listGpus(): Promise<GpuInfo[]> {
    const output = await runCommand(this.#binary, NVIDIA_SMI_ARGS, this.#timeoutMs, {
      missing: `${this.#binary} not found: install the NVIDIA driver (it ships nvidia-smi) or set the nvidia-smi path`,
    });
    return interpretNvidiaSmiOutput(output);
  }

  async probeHealth(): Promise<GpuHealth[]> {
    return (await this.listGpus()).map(healthOf);
  }

  async ccEvidence(nonce: Uint8Array, gpuIndex: number): Promise<CcEvidence> {
    assertCcRequest(nonce, gpuIndex);
    const cc = this.#ccCommand;
    if (cc === undefined) {
      throw new GpuBackendError("cc-unsupported", "no CC evidence command is configured (see src/oracle/gpu/cc_evidence.py)");
    }
    const args = [...(cc.args ?? []), "--nonce", Buffer.from(nonce).toString("hex"), "--gpu", String(gpuIndex)];
    const output = await runCommand(cc.command, args, cc.timeoutMs ?? 30_000, { missing: `CC evidence command ${cc.command} not found` });
    return parseCcEvidenceOutput(output);
  }
}

/** The path of the shipped pynvml evidence script, for `ccCommand: { command: "python3", args: [ccEvidenceScript()] }`. */
export function ccEvidenceScript(): string {
  return fileURLToPath(new URL("./cc_evidence.py", import.meta.url));
}

/**
 * The evidence a CC command printed (the contract is in the module comment).
 *
 * @example
 * ```ts
 * parseCcEvidenceOutput({ stdout: '{"error":{"code":"cc-unsupported","message":"CC mode is off"}}', stderr: "", exitCode: 3 });
 * // throws GpuBackendError("cc-unsupported", "CC mode is off")
 * ```
 */
export function parseCcEvidenceOutput(output: CommandOutput): CcEvidence {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.stdout);
  } catch {
    const text = [output.stdout, output.stderr].map((part) => part.trim()).filter((part) => part !== "").join(" ");
    throw new GpuBackendError("cc-failed", `the CC evidence command (exit ${output.exitCode}) printed no JSON: ${quote(text.slice(0, 500))}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new GpuBackendError("cc-failed", "the CC evidence command printed no JSON object");
  const record = parsed as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as Record<string, unknown>;
    const text = typeof message === "string" ? message : "no message";
    throw new GpuBackendError(code === "cc-unsupported" ? "cc-unsupported" : "cc-failed", text);
  }
  if (output.exitCode !== 0) throw new GpuBackendError("cc-failed", `the CC evidence command exited with status ${output.exitCode}`);
  const { report, certChainPem } = record;
  if (typeof report !== "string" || !/^(0x)?([0-9a-fA-F]{2})+$/.test(report)) {
    throw new GpuBackendError("cc-failed", "report must be hex text", { field: "report" });
  }
  if (typeof certChainPem !== "string" || !certChainPem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new GpuBackendError("cc-failed", "certChainPem must hold PEM certificates", { field: "certChainPem" });
  }
  return { report: new Uint8Array(Buffer.from(report.replace(/^0x/, ""), "hex")), certChainPem };
}

/** Throws `invalid-parameter` unless `nonce` is 32 bytes and `gpuIndex` a non-negative integer. */
export function assertCcRequest(nonce: Uint8Array, gpuIndex: number): void {
  if (!(nonce instanceof Uint8Array) || nonce.length !== 32) {
    throw new GpuBackendError("invalid-parameter", "the nonce must be 32 bytes", { field: "nonce" });
  }
  if (!Number.isInteger(gpuIndex) || gpuIndex < 0) {
    throw new GpuBackendError("invalid-parameter", `must be a non-negative integer, got ${gpuIndex}`, { field: "gpuIndex" });
  }
}

/**
 * Runs `command` with `args`, collecting its output; a missing binary is `not-installed`, running past `timeoutMs`
 * kills it (SIGKILL) and is `timeout`. A non-zero exit is returned, not thrown: the caller knows what it means.
 */
export function runCommand(command: string, args: readonly string[], timeoutMs: number, messages: { missing: string }): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(() => reject(new GpuBackendError("timeout", `${command} did not finish within ${timeoutMs} ms and was killed`)));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") settle(() => reject(new GpuBackendError("not-installed", messages.missing, { cause: error })));
      else if (error.code === "EACCES") settle(() => reject(new GpuBackendError("not-installed", `${command} is not executable`, { cause: error })));
      else settle(() => reject(new GpuBackendError("driver-error", `${command} could not run: ${error.message}`, { cause: error })));
    });
    child.on("close", (exitCode) => {
      settle(() => resolve({ stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8"), exitCode }));
    });
  });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}
