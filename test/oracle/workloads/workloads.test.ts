/**
 * Job workloads: known vectors of the result hash, item seeds and batch root; the provider runner (honest and
 * cheating); deterministic sampling; spec validation with errors naming the field; data: and http URIs.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Hex, concatHex, encodeAbiParameters, keccak256, maxUint256, numberToHex } from "viem";
import { deriveMatrices, multiply } from "../../../src/oracle/challenge/matmul.js";
import { hashInThread, hashInWorker } from "../../../src/oracle/workloads/compute.js";
import { WorkloadError } from "../../../src/oracle/workloads/errors.js";
import { decodeDataUri, fetchDocument, jsonDataUri } from "../../../src/oracle/workloads/fetch.js";
import { OUTCOME, judgeJob } from "../../../src/oracle/workloads/judge.js";
import { batchRoot, itemSeed, matmulResultHash, parseResultDocument, sampleIndices } from "../../../src/oracle/workloads/matmul.js";
import { runJob } from "../../../src/oracle/workloads/run.js";
import { MAX_SPEC_ITEMS, MAX_SPEC_N, parseJobSpec, serializeJobSpec, specHashOf, type JobSpec } from "../../../src/oracle/workloads/spec.js";

const SEED = `0x${"ab".repeat(32)}` as Hex;
/**
 * Pinned vectors for SEED. `C4` is C = A x B for n = 4 as int32 little-endian, computed independently with Python's
 * hashlib.shake_128 (prng.ts's derivation) and a schoolbook product; the rest are this code's outputs, pinned.
 */
const PINNED = {
  C4: "0xef36000021c4ffffcb330000dc0b000041b4ffff725c0000f3d2ffffb9e8ffff9ae4ffff80f4ffffe20a0000ca310000e01300000e080000b403000072dbffff" as Hex,
  single: "0x03e7324ca7d3d1b1c0dc7e4a687c969ac3f3b1caceca217fd1e95dc9407a1b1e" as Hex,
  itemSeed1: "0xa6d4f2e094a3b761a1ab1e5a609af7264e19138e14d5f0130ab88fa60a8d6aa8" as Hex,
  batchRoot: "0xc2827feaa2ed09a7e073457320f98f8110765da87f55f85145dc79ec3783cc60" as Hex,
  sample: [210, 433, 439, 437],
};
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function fieldError(fn: () => unknown): WorkloadError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(WorkloadError);
    return error as WorkloadError;
  }
  throw new Error("expected a WorkloadError");
}

describe("workloads: matmul-int8 result hashes", function () {
  it("hashes C = A x B as int32 little-endian bytes (a 1x1 vector by hand)", () => {
    const { a, b } = deriveMatrices(Buffer.from(SEED.slice(2), "hex"), 1);
    const c = a[0] * b[0];
    const le = new Uint8Array(4);
    new DataView(le.buffer).setInt32(0, c, true);
    expect(matmulResultHash(SEED, 1)).to.equal(keccak256(le));
  });

  it("keeps its pinned vectors (a change to the generator or the encoding breaks every posted result)", () => {
    expect(PINNED.single).to.equal(keccak256(PINNED.C4));
    expect(matmulResultHash(SEED, 4)).to.equal(PINNED.single);
    expect(itemSeed(SEED, 1)).to.equal(PINNED.itemSeed1);
    expect(runJob({ type: "matmul-int8-batch", n: 4, items: 3, seed: SEED }).resultHash).to.equal(PINNED.batchRoot);
    expect(sampleIndices(7n, PINNED.batchRoot, 1_000, 4)).to.deep.equal(PINNED.sample);
  });

  it("equals keccak256 of the challenge executor's product, and differs by seed and size", () => {
    const c = multiply(deriveMatrices(Buffer.from(SEED.slice(2), "hex"), 16));
    expect(matmulResultHash(SEED, 16)).to.equal(keccak256(new Uint8Array(c.buffer)));
    expect(matmulResultHash(SEED, 16)).to.not.equal(matmulResultHash(SEED, 17));
    expect(matmulResultHash(SEED, 16)).to.not.equal(matmulResultHash(`0x${"cd".repeat(32)}`, 16));
  });

  it("derives item seeds as keccak256(seed || uint256(i)) and roots with index-bound leaves and sorted pairs", () => {
    expect(itemSeed(SEED, 5)).to.equal(keccak256(concatHex([SEED, numberToHex(5, { size: 32 })])));
    const h = [keccak256("0x01"), keccak256("0x02"), keccak256("0x03")];
    const leaf = (i: number) => keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [BigInt(i), h[i]]));
    const pair = (x: Hex, y: Hex) => keccak256(concatHex(BigInt(x) < BigInt(y) ? [x, y] : [y, x]));
    expect(batchRoot([h[0]])).to.equal(leaf(0));
    expect(batchRoot(h)).to.equal(pair(pair(leaf(0), leaf(1)), leaf(2)));
    // Swapping two items changes the root: a leaf carries its index.
    expect(batchRoot([h[1], h[0], h[2]])).to.not.equal(batchRoot(h));
  });
});

describe("workloads: the provider runner", function () {
  const batch: JobSpec = { type: "matmul-int8-batch", n: 8, items: 5, seed: SEED };

  it("an honest batch commits to every item's product under the root", () => {
    const { resultHash, document, itemHashes } = runJob(batch);
    expect(itemHashes).to.deep.equal([0, 1, 2, 3, 4].map((i) => matmulResultHash(itemSeed(SEED, i), 8)));
    expect(resultHash).to.equal(batchRoot(itemHashes!));
    expect(parseResultDocument(new TextEncoder().encode(document!))).to.deep.equal(itemHashes);
  });

  it("a cheater's corrupt items change only those items, and the root stays self-consistent", () => {
    const honest = runJob(batch);
    const cheat = runJob(batch, { corruptItems: [3] });
    expect(cheat.itemHashes!.filter((h, i) => h !== honest.itemHashes![i])).to.have.length(1);
    expect(cheat.itemHashes![3]).to.not.equal(honest.itemHashes![3]);
    expect(cheat.resultHash).to.equal(batchRoot(cheat.itemHashes!));
    expect(runJob({ type: "matmul-int8", n: 4, seed: SEED }, { corruptItems: [0] }).resultHash).to.not.equal(matmulResultHash(SEED, 4));
    expect(fieldError(() => runJob(batch, { corruptItems: [5] })).field).to.equal("corruptItems");
  });
});

describe("workloads: deterministic sampling", function () {
  it("draws the same distinct indices for the same (leaseId, resultHash), others for another result", () => {
    const root = keccak256("0xaa");
    const s = sampleIndices(7n, root, 100, 8);
    expect(s).to.deep.equal(sampleIndices(7n, root, 100, 8));
    expect(new Set(s).size).to.equal(8);
    expect(s.every((i) => i >= 0 && i < 100)).to.equal(true);
    expect(sampleIndices(7n, keccak256("0xab"), 100, 8)).to.not.deep.equal(s);
    expect(sampleIndices(8n, root, 100, 8)).to.not.deep.equal(s);
    // Draw 0 is keccak256(abi.encode(leaseId, resultHash, 0)) mod items.
    const first = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }, { type: "uint256" }], [7n, root, 0n]))) % 100n;
    expect(s[0]).to.equal(Number(first));
  });

  it("takes every item of a batch smaller than the sample", () => {
    expect(sampleIndices(1n, keccak256("0x01"), 3, 8).sort()).to.deep.equal([0, 1, 2]);
  });
});

describe("workloads: spec validation", function () {
  const cases: [string, unknown, string][] = [
    ["n too large", { type: "matmul-int8", n: MAX_SPEC_N + 1, seed: SEED }, "n"],
    ["n zero", { type: "matmul-int8", n: 0, seed: SEED }, "n"],
    ["n fractional", { type: "matmul-int8", n: 1.5, seed: SEED }, "n"],
    ["short seed", { type: "matmul-int8", n: 4, seed: "0x1234" }, "seed"],
    ["items too many", { type: "matmul-int8-batch", n: 4, items: MAX_SPEC_ITEMS + 1, seed: SEED }, "items"],
    ["items missing", { type: "matmul-int8-batch", n: 4, seed: SEED }, "items"],
    ["unknown field", { type: "matmul-int8", n: 4, seed: SEED, extra: 1 }, "extra"],
    ["no type", { n: 4, seed: SEED }, "type"],
  ];
  for (const [name, spec, field] of cases) {
    it(`rejects a spec with ${name}, naming ${field}`, () => {
      const error = fieldError(() => parseJobSpec(encode(spec)));
      expect(error.code).to.equal("malformed");
      expect(error.field).to.equal(field);
      expect(error.message).to.match(new RegExp(`^${field}: `));
    });
  }

  it("rejects non-JSON and an unknown type with their own codes", () => {
    expect(fieldError(() => parseJobSpec(new TextEncoder().encode("{nope")))).to.include({ code: "malformed", field: "(spec)" });
    expect(fieldError(() => parseJobSpec(encode({ type: "llm-inference", model: "x" })))).to.include({ code: "unsupported-type", field: "type" });
  });

  it("round-trips a spec through its canonical bytes", () => {
    const spec: JobSpec = { type: "matmul-int8-batch", n: 3, items: 2, seed: SEED };
    expect(parseJobSpec(serializeJobSpec(spec))).to.deep.equal(spec);
  });
});

describe("workloads: documents by URI", function () {
  let server: Server;
  let base: string;
  const served = new Map<string, string>();
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/stream") {
        // Chunked, no content-length: only a capped read stops it.
        res.writeHead(200, { "content-type": "application/json" });
        for (let i = 0; i < 64; i++) res.write("x".repeat(1_024));
        res.end();
        return;
      }
      const body = served.get(req.url ?? "");
      if (body === undefined) {
        res.writeHead(404).end("no");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("decodes data: URIs, plain and base64, to the exact bytes", async () => {
    const text = '{"type":"matmul-int8","n":2,"seed":"' + SEED + '"}';
    expect(new TextDecoder().decode(decodeDataUri(jsonDataUri(text), "spec"))).to.equal(text);
    const b64 = `data:application/json;base64,${Buffer.from(text).toString("base64")}`;
    expect(specHashOf(await fetchDocument(b64, { field: "spec" }))).to.equal(keccak256(new TextEncoder().encode(text)));
    expect(fieldError(() => decodeDataUri("data:;base64,***", "spec"))).to.include({ code: "bad-uri", field: "spec" });
  });

  it("stops reading an http document past the limit, chunked or not", async () => {
    served.set("/big", "x".repeat(64 * 1024));
    for (const path of ["/stream", "/big"]) {
      try {
        await fetchDocument(`${base}${path}`, { field: "result", maxBytes: 1_000 });
        expect.fail(`${path}: a document over the limit was read`);
      } catch (error) {
        expect(error).to.include({ code: "too-large", field: "result" });
        expect((error as Error).message).to.match(path === "/stream" ? /sends more than 1000 bytes/ : /(is 65536 bytes|sends more than 1000 bytes)/);
      }
    }
  });

  it("fetches http documents byte for byte and reports 404, other schemes and size as named errors", async () => {
    served.set("/spec.json", ' {"type": "matmul-int8", "n": 2, "seed": "' + SEED + '"}\n');
    const bytes = await fetchDocument(`${base}/spec.json`, { field: "spec" });
    expect(specHashOf(bytes)).to.equal(keccak256(new TextEncoder().encode(served.get("/spec.json")!)));
    const fail = async (uri: string, maxBytes?: number) => {
      try {
        await fetchDocument(uri, { field: "spec", maxBytes });
      } catch (error) {
        return error as WorkloadError;
      }
      throw new Error("expected a failure");
    };
    expect(await fail(`${base}/missing`)).to.include({ code: "unavailable", field: "spec" });
    expect(await fail("ipfs://Qm123")).to.include({ code: "bad-uri", field: "spec" });
    expect(await fail(`${base}/spec.json`, 10)).to.include({ code: "too-large", field: "spec" });
  });

  describe("judgeJob", function () {
    const single: JobSpec = { type: "matmul-int8", n: 12, seed: SEED };
    const batch: JobSpec = { type: "matmul-int8-batch", n: 6, items: 40, seed: SEED };
    const posted = (spec: JobSpec | string) => {
      const text = typeof spec === "string" ? spec : new TextDecoder().decode(serializeJobSpec(spec));
      return { specHash: keccak256(new TextEncoder().encode(text)), uri: jsonDataUri(text) };
    };

    it("re-executes a deterministic job: the right hash upholds the provider, a tampered one the client", async () => {
      const right = matmulResultHash(SEED, 12);
      const upheld = await judgeJob({ leaseId: 1n, resultHash: right, resultUri: null, spec: posted(single) });
      expect(upheld).to.include({ final: true, outcome: OUTCOME.ProviderUpheld, toProvider: maxUint256 });
      const tampered = await judgeJob({ leaseId: 1n, resultHash: keccak256(right), resultUri: null, spec: posted(single) });
      expect(tampered).to.include({ final: true, outcome: OUTCOME.ClientUpheld, toProvider: 0n });
    });

    it("re-executes on a worker thread to the same hashes and verdicts; a failed computation is retried, not decided", async () => {
      const tasks = [{ seed: SEED, n: 12 }, { seed: itemSeed(SEED, 3), n: 6 }];
      expect(await hashInWorker(tasks)).to.deep.equal(await hashInThread(tasks));
      expect(await hashInWorker([])).to.deep.equal([]);
      const right = matmulResultHash(SEED, 12);
      const upheld = await judgeJob({ leaseId: 1n, resultHash: right, resultUri: null, spec: posted(single), hasher: hashInWorker });
      expect(upheld).to.include({ final: true, outcome: OUTCOME.ProviderUpheld });
      const broken = async (): Promise<Hex[]> => {
        throw new Error("worker died");
      };
      const retried = await judgeJob({ leaseId: 1n, resultHash: right, resultUri: null, spec: posted(single), hasher: broken });
      expect(retried).to.deep.equal({ final: false, reason: "recomputing the product failed" });
    });

    it("samples a batch over http: honest upheld, one wrong sampled item or a mismatching document upholds the client", async () => {
      const honest = runJob(batch);
      served.set("/honest", honest.document!);
      const ok = await judgeJob({ leaseId: 9n, resultHash: honest.resultHash, resultUri: `${base}/honest`, spec: posted(batch), sampleSize: 4 });
      expect(ok).to.include({ final: true, outcome: OUTCOME.ProviderUpheld });
      expect(ok.final && ok.sampled).to.deep.equal(sampleIndices(9n, honest.resultHash, 40, 4));
      // Cheat on an item the nodes will sample: the sample follows the submitted root, so search for such a cheat.
      let cheatOnSample: ReturnType<typeof runJob> | undefined;
      for (let i = 0; i < 40 && cheatOnSample === undefined; i++) {
        const cheat = runJob(batch, { corruptItems: [i] });
        if (sampleIndices(9n, cheat.resultHash, 40, 4).includes(i)) cheatOnSample = cheat;
      }
      expect(cheatOnSample, "some single-item cheat falls in its own sample").to.not.equal(undefined);
      cheatOnSample = cheatOnSample!;
      served.set("/cheat", cheatOnSample.document!);
      const caught = await judgeJob({ leaseId: 9n, resultHash: cheatOnSample.resultHash, resultUri: `${base}/cheat`, spec: posted(batch), sampleSize: 4 });
      expect(caught).to.include({ final: true, outcome: OUTCOME.ClientUpheld });
      expect(caught.final && caught.reason).to.match(/item \d+ is wrong/);
      const mismatch = await judgeJob({ leaseId: 9n, resultHash: keccak256("0x01"), resultUri: `${base}/honest`, spec: posted(batch) });
      expect(mismatch).to.include({ final: true, outcome: OUTCOME.ClientUpheld });
      const garbage = await judgeJob({ leaseId: 9n, resultHash: honest.resultHash, resultUri: jsonDataUri('{"items":[1]}'), spec: posted(batch) });
      expect(garbage).to.include({ final: true, outcome: OUTCOME.ClientUpheld });
    });

    it("a dead provider's document is retried, then upholds the client once the node gives up", async () => {
      const honest = runJob(batch);
      const args = { leaseId: 9n, resultHash: honest.resultHash, resultUri: `${base}/gone`, spec: posted(batch) };
      expect(await judgeJob(args)).to.include({ final: false });
      expect(await judgeJob({ ...args, giveUp: true })).to.include({ final: true, outcome: OUTCOME.ClientUpheld });
      expect(await judgeJob({ ...args, resultUri: null })).to.include({ final: true, outcome: OUTCOME.ClientUpheld });
    });

    it("abstains without a spec, with a spec that does not hash to the posted one, and for an unknown type", async () => {
      const r = matmulResultHash(SEED, 12);
      expect(await judgeJob({ leaseId: 1n, resultHash: r, resultUri: null, spec: null })).to.include({ outcome: OUTCOME.Abstained, toProvider: 0n });
      const wrongHash = { ...posted(single), specHash: keccak256("0x00") };
      expect(await judgeJob({ leaseId: 1n, resultHash: r, resultUri: null, spec: wrongHash })).to.include({ outcome: OUTCOME.Abstained });
      const unknown = posted('{"type":"llm-inference","model":"llama"}');
      const judgement = await judgeJob({ leaseId: 1n, resultHash: r, resultUri: null, spec: unknown });
      expect(judgement).to.include({ outcome: OUTCOME.Abstained });
      expect(judgement.final && judgement.reason).to.match(/not a supported workload/);
      const malformed = posted('{"type":"matmul-int8","n":99999,"seed":"0x00"}');
      expect(await judgeJob({ leaseId: 1n, resultHash: r, resultUri: null, spec: malformed })).to.include({ outcome: OUTCOME.Abstained });
    });
  });
});
