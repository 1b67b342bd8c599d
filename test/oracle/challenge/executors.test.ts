/**
 * Executors (src/oracle/challenge/executors.ts): the CPU reference, the worker protocol end to end (a worker process
 * serving the CPU reference), the `gpu-unavailable` paths of the CUDA and PyTorch executors with stand-in tools in a
 * temporary PATH, selection falling back to the CPU, and, on a host with a GPU, each GPU worker against the reference
 * (skipped, saying why, elsewhere).
 */
import { expect } from "chai";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChallengeError } from "../../../src/oracle/challenge/errors.js";
import {
  CpuExecutor,
  CudaExecutor,
  type Executor,
  TorchExecutor,
  WorkerExecutor,
  selectExecutor,
} from "../../../src/oracle/challenge/executors.js";
import { buildMerkleTree, deriveMatrices, merkleRoot, multiply, productVector, rowLeaves } from "../../../src/oracle/challenge/matmul.js";
import { FIXED_SEED, seededRandom } from "./support.js";

const CPU_WORKER = fileURLToPath(new URL("./cpu-worker.ts", import.meta.url));

/** Expects `promise` to reject with a ChallengeError of `code` whose message contains `text`. */
async function expectChallengeError(promise: Promise<unknown>, code: string, text: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ChallengeError);
    expect((error as ChallengeError).code).to.equal(code);
    expect((error as ChallengeError).message).to.contain(text);
    return;
  }
  expect.fail(`expected a ${code} ChallengeError`);
}

/** Compares an executor with the reference on one challenge: root, products, rows. */
async function expectAgreesWithReference(executor: Executor, n: number): Promise<void> {
  const c = multiply(deriveMatrices(FIXED_SEED, n));
  const product = await executor.compute(FIXED_SEED, n);
  expect(merkleRoot(product.tree)).to.deep.equal(merkleRoot(buildMerkleTree(rowLeaves(c, n))));
  const random = seededRandom(`vectors-${n}`);
  const vectors = [new Uint16Array(random(2 * n).buffer), new Uint16Array(random(2 * n).buffer)];
  expect(await product.products(vectors)).to.deep.equal(vectors.map((r) => productVector(c, n, r)));
  const indices = [0, n - 1, n >> 1];
  expect(await product.rows(indices)).to.deep.equal(indices.map((i) => c.slice(i * n, (i + 1) * n)));
}

describe("challenge executors", () => {
  let tools: string;

  before(async () => {
    tools = await mkdtemp(join(tmpdir(), "cinder-executors-"));
  });

  after(async () => {
    await rm(tools, { recursive: true, force: true });
  });

  /** A stand-in executable `name` in the temporary tools directory. */
  async function tool(name: string, script: string): Promise<void> {
    await mkdir(dirname(join(tools, name)), { recursive: true });
    await writeFile(join(tools, name), `#!/bin/sh\n${script}\n`);
    await chmod(join(tools, name), 0o755);
  }

  describe("CpuExecutor", () => {
    it("agrees with the spec's functions", async () => {
      await expectAgreesWithReference(new CpuExecutor(), 21);
    });
  });

  describe("WorkerExecutor", function () {
    this.timeout(20_000);

    it("speaks the worker protocol end to end (a worker process serving the CPU reference)", async () => {
      const executor = new WorkerExecutor({
        kind: "cpu",
        description: "CPU reference worker",
        launch: async () => ({ command: process.execPath, args: ["--import", "tsx", CPU_WORKER] }),
      });
      await executor.start();
      try {
        await expectAgreesWithReference(executor, 21);
        const first = await executor.compute(FIXED_SEED, 4);
        await executor.compute(FIXED_SEED, 5);
        await expectChallengeError(first.rows([0]), "protocol-state", "replaced by a later compute()");
      } finally {
        await executor.close();
      }
    });

    it("refuses compute before start", async () => {
      const executor = new WorkerExecutor({ kind: "cpu", description: "idle worker", launch: async () => ({ command: "true", args: [] }) });
      await expectChallengeError(executor.compute(FIXED_SEED, 4), "protocol-state", "idle worker: compute before start()");
    });

    it("reports a worker that exits with status 2 as gpu-unavailable, with its reason", async () => {
      const executor = new WorkerExecutor({
        kind: "cuda",
        description: "CUDA worker",
        launch: async () => ({ command: process.execPath, args: ["-e", "process.stderr.write('no CUDA device\\n'); process.exit(2)"] }),
      });
      await expectChallengeError(executor.start(), "gpu-unavailable", "CUDA worker: no CUDA device");
    });

    it("reports a missing worker command as gpu-unavailable and a crash as executor-failed", async () => {
      const missing = new WorkerExecutor({
        kind: "torch",
        description: "w",
        launch: async () => ({ command: join(tools, "absent"), args: [] }),
      });
      await expectChallengeError(missing.start(), "gpu-unavailable", "absent not found");
      const crash = new WorkerExecutor({
        kind: "cuda",
        description: "crashing worker",
        launch: async () => ({
          command: process.execPath,
          args: ["-e", "process.stdout.write('CND1'); process.stdin.once('data', () => process.exit(1))"],
        }),
      });
      await crash.start();
      await expectChallengeError(crash.compute(FIXED_SEED, 4), "executor-failed", "crashing worker exited (1)");
    });
  });

  describe("CudaExecutor", () => {
    it("is gpu-unavailable without nvcc on PATH, CUDA_HOME or CUDA_PATH", async () => {
      const executor = new CudaExecutor({ env: { PATH: join(tools, "empty") } });
      await expectChallengeError(executor.probe(), "gpu-unavailable", "nvcc not found on PATH, CUDA_HOME or CUDA_PATH");
      await expectChallengeError(executor.start(), "gpu-unavailable", "nvcc not found");
    });

    it("finds nvcc through CUDA_HOME, then is gpu-unavailable without nvidia-smi or a GPU it lists", async () => {
      const cudaHome = join(tools, "cuda");
      await mkdir(join(cudaHome, "bin"), { recursive: true });
      await writeFile(join(cudaHome, "bin", "nvcc"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const env = { PATH: join(tools, "smi"), CUDA_HOME: cudaHome };
      await expectChallengeError(new CudaExecutor({ env }).probe(), "gpu-unavailable", "nvidia-smi not found on PATH");
      await tool("smi/nvidia-smi", "echo 'No devices were found'");
      await expectChallengeError(new CudaExecutor({ env }).probe(), "gpu-unavailable", "nvidia-smi -L lists no GPU");
      await tool("smi/nvidia-smi", "echo 'NVIDIA-SMI has failed' >&2; exit 9");
      await expectChallengeError(new CudaExecutor({ env }).probe(), "gpu-unavailable", "nvidia-smi -L failed: NVIDIA-SMI has failed");
      await tool("smi/nvidia-smi", "echo 'GPU 0: NVIDIA H100 PCIe (UUID: GPU-0)'");
      expect(await new CudaExecutor({ env }).probe()).to.equal(`nvcc ${join(cudaHome, "bin", "nvcc")}, 1 GPU`);
    });
  });

  describe("TorchExecutor", () => {
    it("is gpu-unavailable without python3, without torch, and without a CUDA device", async () => {
      await expectChallengeError(
        new TorchExecutor({ env: { PATH: join(tools, "empty") } }).probe(),
        "gpu-unavailable",
        "python3 not found",
      );
      await tool("py-no-torch", "echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1");
      await expectChallengeError(
        new TorchExecutor({ python: join(tools, "py-no-torch") }).start(),
        "gpu-unavailable",
        "cannot import torch (ModuleNotFoundError: No module named 'torch')",
      );
      await tool("py-no-cuda", "exit 3");
      await expectChallengeError(
        new TorchExecutor({ python: join(tools, "py-no-cuda") }).probe(),
        "gpu-unavailable",
        "PyTorch sees no CUDA device",
      );
    });
  });

  describe("selectExecutor", () => {
    it("falls back to the CPU and says why when no GPU executor can run", async () => {
      const { executor, reason } = await selectExecutor({ env: { PATH: join(tools, "empty") } });
      expect(executor.kind).to.equal("cpu");
      expect(reason).to.equal("cpu: no GPU executor (cuda: nvcc not found on PATH, CUDA_HOME or CUDA_PATH; torch: python3 not found)");
    });

    it("picks the CPU when it is preferred", async () => {
      const { executor, reason } = await selectExecutor({ prefer: ["cpu"] });
      expect(executor).to.be.instanceOf(CpuExecutor);
      expect(reason).to.equal("cpu: CPU preferred");
    });

    it("falls back to the CPU on this host when it has no usable GPU", async function () {
      this.timeout(60_000);
      const { executor, reason } = await selectExecutor();
      if (executor.kind !== "cpu") this.skip(); // a GPU host: the GPU tests below cover it
      expect(reason).to.match(/^cpu: no GPU executor \(cuda: .+; torch: .+\)$/);
    });
  });

  describe("GPU workers against the reference (need an NVIDIA GPU)", function () {
    this.timeout(600_000); // the first CUDA run compiles the worker

    for (const make of [() => new CudaExecutor(), () => new TorchExecutor()]) {
      const executor = make();
      it(`${executor.description} agrees with the CPU reference at n = 80 and 64`, async function () {
        try {
          await executor.probe();
        } catch (error) {
          if (error instanceof ChallengeError && error.code === "gpu-unavailable") {
            console.log(`      skipped: ${executor.description}: ${error.shortMessage}`);
            this.skip();
          }
          throw error;
        }
        await executor.start();
        try {
          await expectAgreesWithReference(executor, 80);
          await expectAgreesWithReference(executor, 64);
        } finally {
          await executor.close();
        }
      });
    }
  });
});
