/**
 * The Merkle tree on WebAssembly keccak (src/protocol/keccak.ts) keeps the roots of the implementation it replaced:
 * random trees are built under both keccak backends and compared with a reference written here with viem's
 * `keccak256` and `encodeAbiParameters` (OpenZeppelin StandardMerkleTree's double-hashed leaves, sorted, commutative
 * pairs, an odd node moving up); the leaf file's content hash is viem's keccak of its bytes.
 */
import { expect } from "chai";
import { type Address, type Hex, concat, encodeAbiParameters, keccak256, stringToHex } from "viem";
import { keccak256Bytes, keccak256Js, keccak256Wasm, keccakBackend, useKeccakBackend } from "../../../src/protocol/keccak.js";
import { CinderConfigError } from "../../../src/protocol/errors.js";
import { type Leaf, buildTree, contentHash, serializeLeafFile, verifyProof } from "../../../src/protocol/leaves.js";

/** A deterministic pseudo-random generator (xorshift32). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function randomLeaves(count: number, next: () => number, epoch: number): Leaf[] {
  return Array.from({ length: count }, (_, i): Leaf => {
    const observed = Math.floor(next() * 0xffff_ffff);
    if (next() < 0.5) {
      const leaseId = (BigInt(Math.floor(next() * 2 ** 53)) << 200n) + BigInt(i);
      return { kind: "uptime", leaseId, epoch, secondsUp: Math.floor(next() * observed), secondsObserved: observed };
    }
    const provider = `0x${i.toString(16).padStart(8, "0")}${Math.floor(next() * 2 ** 48).toString(16).padStart(32, "0")}` as Address;
    return { kind: "heartbeat", provider, epoch, heartbeatsAnswered: Math.floor(next() * observed), heartbeatsSent: observed };
  });
}

/** The reference root, in viem hex. */
function referenceRoot(leaves: readonly Leaf[]): Hex {
  const encoded = leaves.map((leaf) =>
    leaf.kind === "uptime"
      ? encodeAbiParameters([{ type: "uint8" }, { type: "uint256" }, { type: "uint64" }, { type: "uint32" }, { type: "uint32" }], [1, leaf.leaseId, BigInt(leaf.epoch), leaf.secondsUp, leaf.secondsObserved])
      : encodeAbiParameters([{ type: "uint8" }, { type: "address" }, { type: "uint64" }, { type: "uint32" }, { type: "uint32" }], [2, leaf.provider, BigInt(leaf.epoch), leaf.heartbeatsAnswered, leaf.heartbeatsSent]),
  );
  let layer = encoded.map((data) => keccak256(keccak256(data))).sort();
  while (layer.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i + 1 < layer.length; i += 2) next.push(keccak256(concat(layer[i]! <= layer[i + 1]! ? [layer[i]!, layer[i + 1]!] : [layer[i + 1]!, layer[i]!])));
    if (layer.length % 2 === 1) next.push(layer[layer.length - 1]!);
    layer = next;
  }
  return layer[0]!;
}

describe("the Merkle tree on WebAssembly keccak", () => {
  afterEach(() => useKeccakBackend("wasm"));

  it("loads WebAssembly keccak here and agrees with @noble/hashes and viem", () => {
    expect(keccakBackend()).to.equal("wasm");
    const next = random(17);
    for (const length of [0, 1, 31, 32, 64, 135, 136, 137, 1_000]) {
      const data = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      const expected = keccak256(data);
      expect(`0x${Buffer.from(keccak256Wasm(data)).toString("hex")}`).to.equal(expected);
      expect(`0x${Buffer.from(keccak256Js(data)).toString("hex")}`).to.equal(expected);
      expect(`0x${Buffer.from(keccak256Bytes(data)).toString("hex")}`).to.equal(expected);
    }
  });

  for (const backend of ["wasm", "js"] as const) {
    it(`builds random trees with the reference root and valid proofs (${backend} keccak)`, () => {
      useKeccakBackend(backend);
      const next = random(backend === "wasm" ? 1 : 2);
      for (const count of [1, 2, 3, 5, 8, 13, 64, 257]) {
        const leaves = randomLeaves(count, next, 42 + count);
        const tree = buildTree(leaves);
        expect(tree.root, `${count} leaves`).to.equal(referenceRoot(leaves));
        const i = Math.floor(next() * count);
        expect(verifyProof(tree.root, tree.leaves[i]!, tree.proof(i))).to.equal(true);
      }
    });
  }

  it("builds the same root on both backends for a tree with many leaves, and the same content hash", () => {
    const leaves = randomLeaves(5_000, random(3), 9);
    const wasm = buildTree(leaves);
    const json = serializeLeafFile({ chainId: 1, oracleHub: "0x00000000000000000000000000000000000c1de5", epoch: 9, tree: wasm });
    expect(contentHash(json)).to.equal(keccak256(stringToHex(json)));
    useKeccakBackend("js");
    expect(buildTree(leaves).root).to.equal(wasm.root);
    expect(contentHash(json)).to.equal(keccak256(stringToHex(json)));
  });

  it("refuses an unknown keccak backend by name", () => {
    expect(() => useKeccakBackend("sha3" as "js")).to.throw(CinderConfigError, 'backend: must be "wasm" or "js", got "sha3"');
  });
});
