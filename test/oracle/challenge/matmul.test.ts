/**
 * The matrix-product spec (src/oracle/challenge/matmul.ts): exact arithmetic at its bounds, the row tree and its
 * proofs (roots pinned against an independent Python computation), Freivalds' check and its error probability, and the
 * check of an opened row.
 */
import { expect } from "chai";
import {
  type MatrixPair,
  buildMerkleTree,
  checkOpenedRow,
  deriveMatrices,
  freivaldsCheck,
  leafHash,
  merkleLevelSizes,
  merkleProof,
  merkleRoot,
  merkleTreeFromNodes,
  multiply,
  multiplyRow,
  productVector,
  rowDot,
  rowLeaves,
  verifyMerkleProof,
} from "../../../src/oracle/challenge/matmul.js";
import { FIXED_SEED, hex, seededRandom } from "./support.js";

/** C = A·B in BigInt, the obviously-correct reference. */
function referenceProduct({ n, a, b }: MatrixPair): bigint[] {
  const c: bigint[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0n;
      for (let k = 0; k < n; k++) sum += BigInt(a[i * n + k]!) * BigInt(b[k * n + j]!);
      c.push(sum);
    }
  }
  return c;
}

function randomVector(n: number, random = seededRandom(`r${n}`)): Uint16Array {
  return new Uint16Array(random(2 * n).buffer);
}

describe("challenge matmul", () => {
  describe("multiply", () => {
    it("equals the BigInt product, odd sizes included", () => {
      for (const n of [1, 7, 33]) {
        const pair = deriveMatrices(FIXED_SEED, n);
        expect([...multiply(pair)].map(BigInt)).to.deep.equal(referenceProduct(pair));
      }
    });

    it("reaches the int32 bound of a row without wrapping (all entries -128)", () => {
      const n = 4096;
      const pair = { n, a: new Int8Array(n * n).fill(-128), b: new Int8Array(n * n).fill(-128) };
      const row = multiplyRow(pair, 17);
      expect(row.every((value) => value === n * 2 ** 14)).to.equal(true);
    });

    it("gives the rows multiplyRow recomputes alone", () => {
      const pair = deriveMatrices(FIXED_SEED, 24);
      const c = multiply(pair);
      for (const i of [0, 11, 23]) expect(multiplyRow(pair, i)).to.deep.equal(c.subarray(i * 24, (i + 1) * 24));
    });
  });

  describe("exact products with r", () => {
    it("computes row·r exactly at |entries| = 2^30 and r near 2^16, where a float64 sum would round", () => {
      const n = 2 ** 16;
      const row = Int32Array.from({ length: n }, (_, j) => (j % 3 === 0 ? -(2 ** 30) : 2 ** 30 - j));
      const r = Uint16Array.from({ length: n }, (_, j) => 65_535 - (j % 7));
      let expected = 0n;
      for (let j = 0; j < n; j++) expected += BigInt(row[j]!) * BigInt(r[j]!);
      expect(rowDot(row, r)).to.equal(expected);
    });

    it("accepts the exact y beyond 2^53 and rejects y ± 1 (all entries -128, n = 4096)", () => {
      const n = 4096;
      const pair = { n, a: new Int8Array(n * n).fill(-128), b: new Int8Array(n * n).fill(-128) };
      const r = new Uint16Array(n).fill(65_535);
      // C_ij = n * 2^14 for all i, j, so y_i = n * 2^14 * sum(r) = 2^38 * 65535 > 2^53.
      const exact = 2n ** 38n * 65_535n;
      expect(exact > 2n ** 53n).to.equal(true);
      expect(freivaldsCheck(pair, r, new BigInt64Array(n).fill(exact))).to.equal(true);
      expect(freivaldsCheck(pair, r, new BigInt64Array(n).fill(exact + 1n))).to.equal(false);
      expect(freivaldsCheck(pair, r, new BigInt64Array(n).fill(exact - 1n))).to.equal(false);
      expect(rowDot(new Int32Array(n).fill(n * 2 ** 14), r)).to.equal(exact);
    });
  });

  describe("the row tree", () => {
    it("pins the root of small challenges against an independent Python computation", () => {
      const roots: Record<number, string> = {
        1: "542b2c43ab3c8067203b85270d7fe497aa954b8957fcaa2ff47f4dbfa4666d46",
        3: "3012344cacee54836f7d4e0afb0c45fa1634b1c1affdae7ddd574c54505218a5",
        4: "a1c1151cfac015bf10db075181e7bba31d7bcb93aa42ed32896130f8bb66d653",
        5: "50843b637210e296a0103ae4efd4cd1fdb1dcc8bc5fc4aa729408b10265f1e90",
      };
      for (const [n, root] of Object.entries(roots).map(([n, root]) => [Number(n), root] as const)) {
        const c = multiply(deriveMatrices(FIXED_SEED, n));
        expect(merkleRoot(buildMerkleTree(rowLeaves(c, n))), `n = ${n}`).to.deep.equal(hex(root));
      }
      expect([...multiply(deriveMatrices(FIXED_SEED, 4)).subarray(0, 4)]).to.deep.equal([-2767, 8573, 7696, -8133]);
    });

    it("proves every leaf of trees with odd levels, and nothing else", () => {
      for (let count = 1; count <= 9; count++) {
        const leaves = Array.from({ length: count }, (_, i) => leafHash(i, Int32Array.of(i, -i)));
        const tree = buildMerkleTree(leaves);
        const root = merkleRoot(tree);
        for (let i = 0; i < count; i++) {
          const proof = merkleProof(tree, i);
          expect(verifyMerkleProof(root, leaves[i]!, i, count, proof), `count ${count} leaf ${i}`).to.equal(true);
          if (count > 1) {
            expect(verifyMerkleProof(root, leaves[(i + 1) % count]!, i, count, proof)).to.equal(false);
            expect(verifyMerkleProof(root, leaves[i]!, i, count, [...proof, root])).to.equal(false);
            expect(verifyMerkleProof(root, leaves[i]!, i, count, proof.slice(1))).to.equal(false);
          }
        }
      }
    });

    it("binds a row to its index: the same row at another index has another leaf", () => {
      const row = Int32Array.of(1, 2, 3);
      expect(leafHash(0, row)).to.not.deep.equal(leafHash(1, row));
    });

    it("reads back a tree a worker wrote as one buffer of nodes", () => {
      const leaves = Array.from({ length: 6 }, (_, i) => leafHash(i, Int32Array.of(i)));
      const tree = buildMerkleTree(leaves);
      const nodes = new Uint8Array(Buffer.concat(tree.levels.flat()));
      expect(nodes.length).to.equal(merkleLevelSizes(6).reduce((x, y) => x + y) * 32);
      const parsed = merkleTreeFromNodes(6, nodes);
      expect(merkleRoot(parsed)).to.deep.equal(merkleRoot(tree));
      expect(merkleProof(parsed, 5)).to.deep.equal(merkleProof(tree, 5));
      expect(() => merkleTreeFromNodes(6, nodes.subarray(32))).to.throw("has 384 bytes of nodes, got 352");
    });
  });

  describe("freivaldsCheck", () => {
    it("accepts the true products and rejects random ones", () => {
      const pair = deriveMatrices(FIXED_SEED, 48);
      const c = multiply(pair);
      const random = seededRandom("freivalds");
      for (let round = 0; round < 4; round++) {
        const r = randomVector(48, random);
        expect(freivaldsCheck(pair, r, productVector(c, 48, r))).to.equal(true);
        expect(freivaldsCheck(pair, r, new BigInt64Array(new Uint8Array(random(8 * 48)).buffer))).to.equal(false);
      }
    });

    it("lets a single wrong entry of C through for exactly one of the 2^16 values of r at its column", () => {
      const n = 8;
      const pair = deriveMatrices(FIXED_SEED, n);
      const wrong = multiply(pair);
      const column = 5;
      wrong[3 * n + column]! += 1; // a lazy or faulty C
      const r = randomVector(n);
      const passing: number[] = [];
      for (let value = 0; value < 2 ** 16; value++) {
        r[column] = value;
        if (freivaldsCheck(pair, r, productVector(wrong, n, r))) passing.push(value);
      }
      expect(passing).to.deep.equal([0]); // probability 2^-16 per round, as promised
    });

    it("rejects vectors of the wrong length", () => {
      const pair = deriveMatrices(FIXED_SEED, 4);
      expect(freivaldsCheck(pair, new Uint16Array(3), new BigInt64Array(4))).to.equal(false);
    });
  });

  describe("checkOpenedRow", () => {
    const n = 12;
    const pair = deriveMatrices(FIXED_SEED, n);
    const c = multiply(pair);
    const tree = buildMerkleTree(rowLeaves(c, n));
    const root = merkleRoot(tree);
    const vectors = [randomVector(n, seededRandom("open-1")), randomVector(n, seededRandom("open-2"))];
    const products = vectors.map((r) => productVector(c, n, r));
    const opening = (index: number, row = c.slice(index * n, (index + 1) * n)) => ({ index, row, proof: merkleProof(tree, index) });

    it("accepts a true row with its proof", () => {
      expect(checkOpenedRow({ pair, root, opening: opening(7), vectors, products })).to.equal(null);
    });

    it("rejects a row that is not under the root", () => {
      const row = c.slice(7 * n, 8 * n);
      row[0]! += 1;
      expect(checkOpenedRow({ pair, root, opening: opening(7, row), vectors, products })).to.equal("merkle-proof");
      expect(checkOpenedRow({ pair, root: new Uint8Array(32), opening: opening(7), vectors, products })).to.equal("merkle-proof");
    });

    it("rejects a committed row that disagrees with y", () => {
      const forged = c.slice();
      forged[2 * n + 4]! -= 3;
      const forgedTree = buildMerkleTree(rowLeaves(forged, n));
      const forgedOpening = { index: 2, row: forged.slice(2 * n, 3 * n), proof: merkleProof(forgedTree, 2) };
      expect(checkOpenedRow({ pair, root: merkleRoot(forgedTree), opening: forgedOpening, vectors, products })).to.equal(
        "row-inconsistent",
      );
    });

    it("rejects a committed row that agrees with y but is not A_i·B", () => {
      // A difference d with d·r = 0: d_0 = r_1, d_1 = -r_0 (possible only for a prover that knew r before committing).
      const r = vectors[0]!;
      const forged = c.slice();
      forged[5 * n] += r[1]!;
      forged[5 * n + 1] -= r[0]!;
      const forgedTree = buildMerkleTree(rowLeaves(forged, n));
      const forgedOpening = { index: 5, row: forged.slice(5 * n, 6 * n), proof: merkleProof(forgedTree, 5) };
      const verdict = checkOpenedRow({
        pair,
        root: merkleRoot(forgedTree),
        opening: forgedOpening,
        vectors: [r],
        products: [products[0]!],
      });
      expect(verdict).to.equal("row-product");
    });
  });
});
