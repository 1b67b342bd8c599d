/**
 * Executors: what computes the prover's side of the matrix-product challenge. An executor derives A and B from the
 * seed, computes C = A·B exactly, builds the tree over C's rows, and keeps C to answer y = C·r and open rows.
 *
 * - `CpuExecutor`: the TypeScript reference (O(n^3)); fine for tests, hopeless against production deadlines.
 * - `CudaExecutor`: compiles `native/cuda/matmul_int8.cu` with nvcc (PATH, then CUDA_HOME or CUDA_PATH) and runs it.
 * - `TorchExecutor`: runs `native/torch/matmul_int8.py` with python3 and PyTorch on CUDA.
 * - `selectExecutor()`: the first GPU executor whose probe passes, else the CPU, with the reason.
 *
 * The GPU executors drive a long-lived worker process (the CUDA context and compiled kernels are ready before any
 * challenge starts its clock) through a binary protocol on stdin/stdout, all integers little-endian:
 * ```
 * worker -> "CND1"                      once, when the device is initialised
 * 'C' seed[32] u32 n                    -> every tree node, leaves first (merkleLevelSizes(n) x 32 bytes)
 * 'Y' n x u16 (r)                       -> n x i64: C·r for the last C computed
 * 'R' u32 i                             -> n x i32: row i of that C
 * end of stdin                          -> the worker exits 0
 * exit status 2: no usable GPU (reported as `gpu-unavailable`); other failures: nonzero status, reason on stderr
 * ```
 * The workers derive A and B on the device (prng.ts) rather than receive them: 2n^2 bytes through a pipe would cost
 * more than the product. `serveWorker` is the reference implementation of the worker side over any executor.
 *
 * @example
 * ```ts
 * const { executor, reason } = await selectExecutor();
 * console.log(reason); // "cpu: no GPU executor (cuda: nvidia-smi not found on PATH; torch: ...)"
 * await executor.start();
 * const prover = new Prover(executor);
 * ```
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ChallengeError } from "./errors.js";
import {
  type MerkleTree,
  assertDimension,
  buildMerkleTree,
  deriveMatrices,
  merkleLevelSizes,
  merkleTreeFromNodes,
  multiply,
  productVector,
  rowLeaves,
} from "./matmul.js";
import { SEED_BYTES, assertSeed, u32le } from "./prng.js";

/** Which backend an executor uses. */
export type ExecutorKind = "cpu" | "cuda" | "torch";

/** A computed C, kept by its executor until the next `compute`. */
export interface ComputedProduct {
  readonly n: number;
  /** The tree over C's rows (matmul.ts). */
  readonly tree: MerkleTree;
  /** y = C·r for each vector, exactly. */
  products(vectors: readonly Uint16Array[]): Promise<BigInt64Array[]>;
  /** The rows of C at `indices`. */
  rows(indices: readonly number[]): Promise<Int32Array[]>;
}

/** Computes the prover's side of the matrix-product challenge. */
export interface Executor {
  readonly kind: ExecutorKind;
  /** What runs, in words (for logs and `selectExecutor`'s reason). */
  readonly description: string;
  /** Gets ready (compiles, starts the worker, initialises the device) before any challenge clock runs. */
  start(): Promise<void>;
  /** Derives A and B from `seed`, computes C = A·B and its tree. The previous product becomes invalid. */
  compute(seed: Uint8Array, n: number): Promise<ComputedProduct>;
  /** Releases the worker; `start` again to reuse. */
  close(): Promise<void>;
}

/** The TypeScript reference executor. */
export class CpuExecutor implements Executor {
  readonly kind = "cpu";
  readonly description = "CPU reference (TypeScript, O(n^3))";

  async start(): Promise<void> {}

  async compute(seed: Uint8Array, n: number): Promise<ComputedProduct> {
    assertSeed(seed);
    assertDimension(n);
    const c = multiply(deriveMatrices(seed, n));
    return {
      n,
      tree: buildMerkleTree(rowLeaves(c, n)),
      products: async (vectors) => vectors.map((r) => productVector(c, n, r)),
      rows: async (indices) => indices.map((i) => c.slice(i * n, (i + 1) * n)),
    };
  }

  async close(): Promise<void> {}
}

/** How to start a worker process. */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Options of a `WorkerExecutor`. */
export interface WorkerExecutorOptions {
  readonly kind: ExecutorKind;
  readonly description: string;
  /** Prepares the worker (probe, compile) and says how to start it; throws `gpu-unavailable` when it cannot run. */
  readonly launch: () => Promise<WorkerCommand>;
}

/** An executor backed by a worker process that speaks the protocol in the module comment. */
export class WorkerExecutor implements Executor {
  readonly kind: ExecutorKind;
  readonly description: string;
  readonly #launch: () => Promise<WorkerCommand>;
  #worker: WorkerProcess | undefined;
  #generation = 0;

  constructor(options: WorkerExecutorOptions) {
    this.kind = options.kind;
    this.description = options.description;
    this.#launch = options.launch;
  }

  async start(): Promise<void> {
    if (this.#worker !== undefined && !this.#worker.failed) return;
    this.#worker = await WorkerProcess.start(this.description, await this.#launch());
  }

  async compute(seed: Uint8Array, n: number): Promise<ComputedProduct> {
    assertSeed(seed);
    assertDimension(n);
    const worker = this.#worker;
    if (worker === undefined) throw new ChallengeError("protocol-state", `${this.description}: compute before start()`);
    const generation = ++this.#generation;
    const nodeBytes = merkleLevelSizes(n).reduce((sum, size) => sum + size, 0) * 32;
    const nodes = await worker.request(Buffer.concat([OP_COMPUTE, seed, u32le(n)]), nodeBytes);
    const tree = merkleTreeFromNodes(n, new Uint8Array(nodes.buffer, nodes.byteOffset, nodes.length));
    const current = () => {
      if (generation !== this.#generation) throw new ChallengeError("protocol-state", "this product was replaced by a later compute()");
    };
    return {
      n,
      tree,
      products: async (vectors) => {
        current();
        const out: BigInt64Array[] = [];
        for (const r of vectors) {
          const payload = Buffer.alloc(1 + 2 * n);
          payload[0] = OP_PRODUCT[0];
          for (let j = 0; j < n; j++) payload.writeUInt16LE(r[j], 1 + 2 * j);
          const bytes = await worker.request(payload, 8 * n);
          out.push(BigInt64Array.from({ length: n }, (_, i) => bytes.readBigInt64LE(8 * i)));
        }
        return out;
      },
      rows: async (indices) => {
        current();
        const out: Int32Array[] = [];
        for (const i of indices) {
          const bytes = await worker.request(Buffer.concat([OP_ROW, u32le(i)]), 4 * n);
          out.push(Int32Array.from({ length: n }, (_, j) => bytes.readInt32LE(4 * j)));
        }
        return out;
      },
    };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.close();
  }
}

/** Options of a `CudaExecutor`. */
export interface CudaExecutorOptions {
  /** Environment to find nvcc (PATH, CUDA_HOME, CUDA_PATH) and nvidia-smi in, and to run the worker with. */
  readonly env?: NodeJS.ProcessEnv;
  /** The worker's source; default `native/cuda/matmul_int8.cu` of this repository. */
  readonly source?: string;
  /** Where compiled workers are cached (by source, arch and nvcc); default `<tmpdir>/cinder-native`. */
  readonly buildDir?: string;
  /** nvcc `-arch`; default `native` (the GPUs of this host; needs CUDA 11.6 or later). */
  readonly arch?: string;
}

/** The CUDA worker, compiled on first start with the host's nvcc. */
export class CudaExecutor extends WorkerExecutor {
  readonly #options: CudaExecutorOptions;

  constructor(options: CudaExecutorOptions = {}) {
    super({ kind: "cuda", description: "CUDA worker (native/cuda/matmul_int8.cu)", launch: () => launchCuda(options) });
    this.#options = options;
  }

  /** Resolves with what was found (nvcc and GPUs); throws `gpu-unavailable` saying what is missing. */
  probe(): Promise<string> {
    return probeCuda(this.#options.env ?? process.env).then(({ nvcc, gpus }) => `nvcc ${nvcc}, ${gpus}`);
  }
}

/** Options of a `TorchExecutor`. */
export interface TorchExecutorOptions {
  /** Environment to run python in; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The Python interpreter; default `python3` (looked up on the environment's PATH). */
  readonly python?: string;
  /** The worker script; default `native/torch/matmul_int8.py` of this repository. */
  readonly script?: string;
}

/** The PyTorch worker (torch._int_mm, or exact float64 matmul, on CUDA). */
export class TorchExecutor extends WorkerExecutor {
  readonly #options: TorchExecutorOptions;

  constructor(options: TorchExecutorOptions = {}) {
    super({ kind: "torch", description: "PyTorch worker (native/torch/matmul_int8.py)", launch: () => launchTorch(options) });
    this.#options = options;
  }

  /** Resolves when python3 imports torch and sees a CUDA device; throws `gpu-unavailable` otherwise. */
  probe(): Promise<string> {
    return probeTorch(this.#options.python ?? "python3", this.#options.env ?? process.env);
  }
}

/** Options of `selectExecutor`. */
export interface SelectExecutorOptions {
  /** Environment the GPU executors probe and run with; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Order of preference; default `["cuda", "torch", "cpu"]`. The CPU is always the last resort. */
  readonly prefer?: readonly ExecutorKind[];
}

/** The executor `selectExecutor` chose, and why. */
export interface ExecutorSelection {
  readonly executor: Executor;
  /** e.g. "cuda: nvcc /usr/local/cuda/bin/nvcc, 1 GPU" or "cpu: no GPU executor (cuda: ...; torch: ...)". */
  readonly reason: string;
}

/** Picks the first GPU executor whose probe passes, else the CPU reference, and says which and why. Not started. */
export async function selectExecutor(options: SelectExecutorOptions = {}): Promise<ExecutorSelection> {
  const env = options.env ?? process.env;
  const misses: string[] = [];
  for (const kind of options.prefer ?? ["cuda", "torch", "cpu"]) {
    if (kind === "cpu") break;
    const executor = kind === "cuda" ? new CudaExecutor({ env }) : new TorchExecutor({ env });
    try {
      return { executor, reason: `${kind}: ${await executor.probe()}` };
    } catch (error) {
      if (!(error instanceof ChallengeError) || error.code !== "gpu-unavailable") throw error;
      misses.push(`${kind}: ${error.shortMessage}`);
    }
  }
  const why = misses.length === 0 ? "CPU preferred" : `no GPU executor (${misses.join("; ")})`;
  return { executor: new CpuExecutor(), reason: `cpu: ${why}` };
}

/**
 * Serves the worker protocol on `input`/`output` with `executor`, until `input` ends: the reference implementation of
 * the worker side (tests run it over the CPU executor to exercise `WorkerExecutor` without a GPU).
 */
export async function serveWorker(executor: Executor, input: Readable, output: Writable): Promise<void> {
  const read = exactReader(input);
  const write = (bytes: Uint8Array) => new Promise<void>((resolve, reject) => output.write(bytes, (e) => (e ? reject(e) : resolve())));
  await executor.start();
  await write(READY);
  let product: ComputedProduct | undefined;
  for (let op = await read(1); op !== null; op = await read(1)) {
    if (op[0] === OP_COMPUTE[0]) {
      const header = await requireBytes(read, SEED_BYTES + 4);
      product = await executor.compute(header.subarray(0, SEED_BYTES), header.readUInt32LE(SEED_BYTES));
      await write(Buffer.concat(product.tree.levels.flat()));
      continue;
    }
    if (product === undefined || (op[0] !== OP_PRODUCT[0] && op[0] !== OP_ROW[0])) {
      throw new ChallengeError("executor-failed", `worker protocol: op 0x${op.toString("hex")} ${product ? "unknown" : "before any 'C'"}`);
    }
    const { n } = product;
    if (op[0] === OP_PRODUCT[0]) {
      const bytes = await requireBytes(read, 2 * n);
      const [y] = await product.products([Uint16Array.from({ length: n }, (_, j) => bytes.readUInt16LE(2 * j))]);
      const out = Buffer.alloc(8 * n);
      y.forEach((value, i) => out.writeBigInt64LE(value, 8 * i));
      await write(out);
    } else {
      const [row] = await product.rows([(await requireBytes(read, 4)).readUInt32LE(0)]);
      const out = Buffer.alloc(4 * n);
      row.forEach((value, j) => out.writeInt32LE(value, 4 * j));
      await write(out);
    }
  }
  await executor.close();
}

const READY = Buffer.from("CND1", "ascii");
const OP_COMPUTE = Buffer.from("C", "ascii");
const OP_PRODUCT = Buffer.from("Y", "ascii");
const OP_ROW = Buffer.from("R", "ascii");
const REPOSITORY = fileURLToPath(new URL("../../../", import.meta.url));
const STDERR_KEPT = 4_000;

/** A running worker: one request at a time, replies read as exact byte counts from stdout. */
class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #closed: Promise<void>;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #waiter: { bytes: number; resolve: (bytes: Buffer) => void; reject: (error: ChallengeError) => void } | undefined;
  #failure: ChallengeError | undefined;
  #stderr = "";
  #queue: Promise<unknown> = Promise.resolve();

  static async start(label: string, command: WorkerCommand): Promise<WorkerProcess> {
    const worker = new WorkerProcess(label, command);
    const ready = await worker.#read(READY.length);
    if (!ready.equals(READY)) {
      await worker.close();
      throw new ChallengeError("executor-failed", `${label}: expected the ready marker CND1, got 0x${ready.toString("hex")}`);
    }
    return worker;
  }

  private constructor(label: string, command: WorkerCommand) {
    this.#child = spawn(command.command, [...command.args], { env: command.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stdout!.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#drain();
    });
    this.#child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString("utf8")).slice(-STDERR_KEPT);
    });
    this.#child.stdin!.on("error", () => {}); // EPIPE after the worker died; "close" reports why
    this.#closed = new Promise((resolve) => {
      this.#child.on("error", (error: NodeJS.ErrnoException) => {
        const missing = error.code === "ENOENT";
        this.#fail(
          new ChallengeError(
            missing ? "gpu-unavailable" : "executor-failed",
            missing ? `${command.command} not found` : `${label}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
        resolve();
      });
      this.#child.on("close", (code, signal) => {
        const stderr = this.#stderr.trim().split("\n").slice(-3).join(" | ");
        const status = code ?? signal;
        this.#fail(
          code === 2
            ? new ChallengeError("gpu-unavailable", `${label}: ${stderr || "no usable GPU"}`)
            : new ChallengeError("executor-failed", `${label} exited (${status})${stderr ? `: ${stderr}` : ""}`),
        );
        resolve();
      });
    });
  }

  /** Whether the worker has exited or could not start. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Writes `payload` and resolves with the next `bytes` bytes of the reply, after any earlier request. */
  request(payload: Uint8Array, bytes: number): Promise<Buffer> {
    const run = (): Promise<Buffer> => {
      if (this.#failure !== undefined) return Promise.reject(this.#failure);
      this.#child.stdin!.write(payload);
      return this.#read(bytes);
    };
    const reply = this.#queue.then(run, run);
    this.#queue = reply.catch(() => undefined);
    return reply;
  }

  /** Ends stdin, and kills the worker if it has not exited within 5 s. */
  async close(): Promise<void> {
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await this.#closed;
    clearTimeout(timer);
  }

  #read(bytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#waiter = { bytes, resolve, reject };
      this.#drain();
    });
  }

  #drain(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    if (this.#buffered >= waiter.bytes) {
      const all = Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [all.subarray(waiter.bytes)];
      this.#buffered -= waiter.bytes;
      this.#waiter = undefined;
      waiter.resolve(all.subarray(0, waiter.bytes));
    } else if (this.#failure !== undefined) {
      this.#waiter = undefined;
      waiter.reject(this.#failure);
    }
  }

  #fail(error: ChallengeError): void {
    this.#failure ??= error;
    this.#drain();
  }
}

async function launchCuda(options: CudaExecutorOptions): Promise<WorkerCommand> {
  const env = options.env ?? process.env;
  const { nvcc } = await probeCuda(env);
  const source = options.source ?? join(REPOSITORY, "native/cuda/matmul_int8.cu");
  const arch = options.arch ?? "native";
  const text = await readFile(source).catch((cause: unknown) => {
    throw new ChallengeError("executor-failed", `cannot read the CUDA worker source ${source}`, { cause });
  });
  const key = createHash("sha256").update(text).update(`\0${arch}\0${nvcc}`).digest("hex").slice(0, 16);
  const buildDir = options.buildDir ?? join(tmpdir(), "cinder-native");
  const binary = join(buildDir, `matmul_int8-${key}`);
  if (!(await isExecutable(binary))) {
    await mkdir(buildDir, { recursive: true });
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      await run(nvcc, ["-O3", "-std=c++17", `-arch=${arch}`, "-o", partial, source], env, 600_000);
    } catch (error) {
      throw new ChallengeError("executor-failed", `nvcc failed on ${source}: ${processMessage(error, 5)}`, { cause: error });
    }
    await rename(partial, binary);
  }
  return { command: binary, args: [], env };
}

async function probeCuda(env: NodeJS.ProcessEnv): Promise<{ nvcc: string; gpus: string }> {
  const homes = [env.CUDA_HOME, env.CUDA_PATH].filter((home): home is string => !!home).map((home) => join(home, "bin", "nvcc"));
  const nvcc = (await findOnPath("nvcc", env)) ?? (await firstExecutable(homes));
  if (nvcc === undefined) throw new ChallengeError("gpu-unavailable", "nvcc not found on PATH, CUDA_HOME or CUDA_PATH");
  const smi = await findOnPath("nvidia-smi", env);
  if (smi === undefined) throw new ChallengeError("gpu-unavailable", "nvidia-smi not found on PATH, so no NVIDIA GPU can be confirmed");
  let listing: string;
  try {
    listing = await run(smi, ["-L"], env, 15_000);
  } catch (error) {
    throw new ChallengeError("gpu-unavailable", `nvidia-smi -L failed: ${processMessage(error)}`, { cause: error });
  }
  const count = listing.split("\n").filter((line) => line.startsWith("GPU ")).length;
  if (count === 0) throw new ChallengeError("gpu-unavailable", "nvidia-smi -L lists no GPU");
  return { nvcc, gpus: `${count} GPU${count === 1 ? "" : "s"}` };
}

async function launchTorch(options: TorchExecutorOptions): Promise<WorkerCommand> {
  const python = options.python ?? "python3";
  const env = options.env ?? process.env;
  await probeTorch(python, env);
  return { command: python, args: [options.script ?? join(REPOSITORY, "native/torch/matmul_int8.py")], env };
}

const TORCH_PROBE = "import sys, torch\nsys.exit(0 if torch.cuda.is_available() else 3)\n";

async function probeTorch(python: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    await run(python, ["-c", TORCH_PROBE], env, 60_000);
    return `${python} with PyTorch on CUDA`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") throw new ChallengeError("gpu-unavailable", `${python} not found`, { cause: error });
    if (code === 3) throw new ChallengeError("gpu-unavailable", "PyTorch sees no CUDA device", { cause: error });
    throw new ChallengeError("gpu-unavailable", `${python} cannot import torch (${processMessage(error)})`, { cause: error });
  }
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { env, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve(stdout);
    });
  });
}

/** The last `lines` lines of a failed command's stderr, else its error message. */
function processMessage(error: unknown, lines = 1): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  if (stderr) return stderr.split("\n").slice(-lines).join(" | ");
  return error instanceof Error ? error.message : String(error);
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return firstExecutable(
    (env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => dir !== "")
      .map((dir) => join(dir, name)),
  );
}

async function firstExecutable(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await isExecutable(path)) return path;
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function exactReader(input: Readable): (bytes: number) => Promise<Buffer | null> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending = Buffer.alloc(0);
  return async (bytes) => {
    while (pending.length < bytes) {
      const next = await chunks.next();
      if (next.done) return null;
      pending = Buffer.concat([pending, next.value]);
    }
    const out = pending.subarray(0, bytes);
    pending = pending.subarray(bytes);
    return out;
  };
}

async function requireBytes(read: (bytes: number) => Promise<Buffer | null>, bytes: number): Promise<Buffer> {
  const out = await read(bytes);
  if (out === null) throw new ChallengeError("executor-failed", `worker protocol: input ended inside a ${bytes}-byte argument`);
  return out;
}
