/**
 * A GPU backend that replays recorded nvidia-smi runs (stdout, stderr, exit status) through the same interpretation
 * as `NvidiaSmiBackend` (`interpretNvidiaSmiOutput`), so tests exercise the real parser without a GPU. Recordings live
 * in `src/oracle/gpu/recordings/<name>.json`; each says which of its values are invented. CC evidence, where a
 * recording has it, is NVIDIA's H100 sample (recordings/cc, see its NOTICE.md), replayed whatever nonce is asked.
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
import { readFileSync } from "node:fs";
import { type CcEvidence, type GpuBackend, type GpuHealth, type GpuInfo, healthOf } from "./backend.js";
import { GpuBackendError } from "./errors.js";
import { type CommandOutput, assertCcRequest, interpretNvidiaSmiOutput } from "./nvidia-smi.js";

/** The shipped recordings. */
export const RECORDINGS = ["h100", "a100", "rtx4090", "h200x8", "broken-driver"] as const;

/** A shipped recording's name. */
export type RecordingName = (typeof RECORDINGS)[number];

/** A recorded nvidia-smi run, with the evidence the host's GPUs give. */
export interface Recording extends CommandOutput {
  /** What host this is. */
  readonly host: string;
  /** What is real and what is invented. */
  readonly notes: readonly string[];
  /** CC evidence every GPU of the host replays; absent: the host has no CC. */
  readonly cc?: CcEvidence;
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
    const cc = this.#recording.cc;
    if (cc === undefined) throw new GpuBackendError("cc-unsupported", `${gpus[gpuIndex]!.name} on this host offers no CC evidence`);
    return { report: new Uint8Array(cc.report), certChainPem: cc.certChainPem };
  }

  async #wait(): Promise<void> {
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
  }
}

interface RecordingFile {
  readonly host: string;
  readonly notes: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: readonly string[];
  readonly stderr: string;
  readonly cc?: { readonly report: string; readonly certChainPem: string };
}
