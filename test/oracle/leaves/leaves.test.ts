/**
 * Unit tests of the oracle's epoch-report leaves (src/oracle/leaves.ts): the ABI encoding and leaf hash against a
 * slow reference built from viem `encodeAbiParameters` + `keccak256`, the Merkle tree and proofs against a reference
 * of OpenZeppelin `MerkleProof.processProof`, and the canonical leaf file with each of its validation errors.
 */
import { expect } from "chai";
import { type Address, type Hex, concat, encodeAbiParameters, getAddress, keccak256, parseAbiParameters, stringToBytes } from "viem";
import {
  type HeartbeatLeaf,
  type Leaf,
  type LeafErrorCode,
  type UptimeLeaf,
  LeafError,
  buildTree,
  contentHash,
  encodeLeaf,
  leafHash,
  parseLeafFile,
  serializeLeafFile,
  validateLeaf,
  verifyProof,
} from "../../../src/protocol/leaves.js";

const EPOCH = 480_000;
const HUB = "0x00000000000000000000000000000000000c1de5" as Address;
const CHAIN_ID = 31_337;
const MAX_UINT32 = 2 ** 32 - 1;
const MAX_UINT256 = 2n ** 256n - 1n;
/** A checksummed address with the case of its last letter flipped. */
const BAD_CHECKSUM = getAddress(`0x${"ab".repeat(20)}`).replace(/[a-fA-F]$/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));

const uptime = (leaseId: bigint, secondsUp = 3_500, secondsObserved = 3_600, epoch = EPOCH): UptimeLeaf => ({
  kind: "uptime",
  leaseId,
  epoch,
  secondsUp,
  secondsObserved,
});
const heartbeat = (byte: string, heartbeatsAnswered = 58, heartbeatsSent = 60, epoch = EPOCH): HeartbeatLeaf => ({
  kind: "heartbeat",
  provider: `0x${byte.repeat(20)}` as Address,
  epoch,
  heartbeatsAnswered,
  heartbeatsSent,
});

/** Five leaves whose root is pinned below: any change to the encoding, hashing or layout changes it. */
const GOLDEN: Leaf[] = [uptime(1n, 3_600, 3_600), uptime(2n, 1_800), uptime(2n ** 200n + 3n, 0, 0), heartbeat("a1"), heartbeat("b2", 0)];
const GOLDEN_ROOT = "0x0fe09d706248e63b14cdbad5fc85831192d25880ed801ae13b74d0702ed7cb3b";

// --- slow references, written only with viem's hex helpers ---

function referenceEncode(leaf: Leaf): Hex {
  return leaf.kind === "uptime"
    ? encodeAbiParameters(parseAbiParameters("uint8, uint256, uint64, uint32, uint32"), [
        1,
        leaf.leaseId,
        BigInt(leaf.epoch),
        leaf.secondsUp,
        leaf.secondsObserved,
      ])
    : encodeAbiParameters(parseAbiParameters("uint8, address, uint64, uint32, uint32"), [
        2,
        leaf.provider,
        BigInt(leaf.epoch),
        leaf.heartbeatsAnswered,
        leaf.heartbeatsSent,
      ]);
}

const referenceLeafHash = (leaf: Leaf): Hex => keccak256(keccak256(referenceEncode(leaf)));

/** OpenZeppelin `Hashes.commutativeKeccak256`. */
const commutative = (a: Hex, b: Hex): Hex => (BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a])));

/** OpenZeppelin `MerkleProof.processProof`. */
const processProof = (proof: readonly Hex[], leaf: Hex): Hex => proof.reduce(commutative, leaf);

function referenceRoot(leaves: readonly Leaf[]): Hex {
  let level = leaves.map(referenceLeafHash).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? commutative(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/** A leaf set of `n` mixed leaves, deterministic. */
const mixed = (n: number): Leaf[] =>
  Array.from({ length: n }, (_, i) => (i % 3 === 2 ? heartbeat((16 + i).toString(16).padStart(2, "0"), i, 60) : uptime(BigInt(1_000 + i), 100 * i, 3_600)));

function expectLeafError(run: () => unknown, code: LeafErrorCode, field: string): LeafError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(LeafError);
    const leafError = error as LeafError;
    expect({ code: leafError.code, field: leafError.field }).to.deep.equal({ code, field });
    expect(leafError.message).to.equal(`${field}: ${leafError.shortMessage}`);
    return leafError;
  }
  expect.fail(`expected a LeafError ${code} at ${field}`);
}

describe("oracle leaves: encoding", function () {
  it("encodes an uptime leaf as abi.encode(uint8 1, uint256, uint64, uint32, uint32)", function () {
    for (const leaf of [uptime(0n, 0, 0, 0), uptime(7n), uptime(MAX_UINT256, MAX_UINT32, MAX_UINT32, Number.MAX_SAFE_INTEGER)]) {
      expect(encodeLeaf(leaf)).to.equal(referenceEncode(leaf));
    }
  });

  it("encodes a heartbeat leaf as abi.encode(uint8 2, address, uint64, uint32, uint32)", function () {
    for (const leaf of [heartbeat("00", 0, 0, 0), heartbeat("ff", MAX_UINT32, MAX_UINT32, Number.MAX_SAFE_INTEGER), heartbeat("a1")]) {
      expect(encodeLeaf(leaf)).to.equal(referenceEncode(leaf));
    }
  });

  it("hashes a leaf as keccak256(bytes.concat(keccak256(encoded)))", function () {
    const encoded = encodeAbiParameters(parseAbiParameters("uint8, uint256, uint64, uint32, uint32"), [1, 42n, 7n, 3_000, 3_600]);
    expect(leafHash(uptime(42n, 3_000, 3_600, 7))).to.equal(keccak256(keccak256(encoded)));
    for (const leaf of GOLDEN) expect(leafHash(leaf)).to.equal(referenceLeafHash(leaf));
  });

  it("hashes a provider the same in any letter case and keeps it in lowercase", function () {
    const checksummed = { ...heartbeat("ab"), provider: getAddress(`0x${"ab".repeat(20)}`) };
    expect(checksummed.provider).to.not.equal(checksummed.provider.toLowerCase());
    expect(leafHash(checksummed)).to.equal(leafHash(heartbeat("ab")));
    expect((validateLeaf(checksummed) as HeartbeatLeaf).provider).to.equal(`0x${"ab".repeat(20)}`);
  });

  it("rejects each invalid field with a code naming it", function () {
    const cases: [unknown, LeafErrorCode, string][] = [
      [{ ...uptime(1n), kind: "downtime" }, "WRONG_KIND", "leaf.kind"],
      [uptime(1n, 3_601, 3_600), "UP_EXCEEDS_OBSERVED", "leaf.secondsUp"],
      [heartbeat("a1", 61, 60), "UP_EXCEEDS_OBSERVED", "leaf.heartbeatsAnswered"],
      [uptime(1n, 0, MAX_UINT32 + 1), "OUT_OF_RANGE", "leaf.secondsObserved"],
      [uptime(1n, -1), "OUT_OF_RANGE", "leaf.secondsUp"],
      [uptime(1n, 1.5), "MALFORMED", "leaf.secondsUp"],
      [uptime(MAX_UINT256 + 1n), "OUT_OF_RANGE", "leaf.leaseId"],
      [{ ...uptime(1n), leaseId: 1 }, "MALFORMED", "leaf.leaseId"],
      [uptime(1n, 0, 0, Number.MAX_SAFE_INTEGER + 1), "OUT_OF_RANGE", "leaf.epoch"],
      [{ ...heartbeat("a1"), provider: "0x1234" }, "BAD_ADDRESS", "leaf.provider"],
      [{ ...heartbeat("a1"), provider: BAD_CHECKSUM }, "BAD_ADDRESS", "leaf.provider"],
    ];
    for (const [leaf, code, field] of cases) expectLeafError(() => leafHash(leaf as Leaf), code, field);
  });
});

describe("oracle leaves: buildTree", function () {
  it("pins the root of a fixed leaf set, equal to the reference build", function () {
    const tree = buildTree(GOLDEN);
    expect(tree.root).to.equal(referenceRoot(GOLDEN));
    expect(tree.root).to.equal(GOLDEN_ROOT);
    expect(tree.leafCount).to.equal(5);
    expect(tree.depth).to.equal(3);
  });

  it("orders the leaves by ascending leaf hash", function () {
    const tree = buildTree(GOLDEN);
    const hashes = tree.leaves.map((_, i) => tree.leafHash(i));
    expect(hashes).to.deep.equal(GOLDEN.map(referenceLeafHash).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
    expect(tree.leaves.map(leafHash)).to.deep.equal(hashes);
  });

  for (const size of [1, 2, 3, 5, 17]) {
    it(`proves every leaf of a ${size}-leaf tree, as OpenZeppelin MerkleProof would`, function () {
      const leaves = mixed(size);
      const tree = buildTree(leaves);
      expect(tree.root).to.equal(referenceRoot(leaves));
      expect(tree.depth).to.equal(Math.ceil(Math.log2(size)));
      tree.leaves.forEach((leaf, i) => {
        const proof = tree.proof(i);
        expect(proof.length).to.be.at.most(tree.depth);
        expect(tree.proof(leaf)).to.deep.equal(proof);
        expect(verifyProof(tree.root, leaf, proof)).to.equal(true);
        expect(processProof(proof, referenceLeafHash(leaf))).to.equal(tree.root);
      });
    });
  }

  it("gives a single leaf its own hash as root and an empty proof", function () {
    const tree = buildTree([uptime(9n)]);
    expect(tree.root).to.equal(leafHash(uptime(9n)));
    expect(tree.proof(0)).to.deep.equal([]);
  });

  it("fails verification for a tampered proof, a tampered leaf, or another root", function () {
    const tree = buildTree(mixed(17));
    const leaf = tree.leaves[4] as UptimeLeaf;
    const proof = tree.proof(4);
    const flipped = proof.map((hash, i) => (i === 1 ? (`${hash.slice(0, 65)}${hash.endsWith("0") ? "1" : "0"}` as Hex) : hash));
    expect(verifyProof(tree.root, leaf, flipped)).to.equal(false);
    expect(verifyProof(tree.root, leaf, proof.slice(0, -1))).to.equal(false);
    expect(verifyProof(tree.root, leaf, [...proof].reverse())).to.equal(false);
    expect(verifyProof(tree.root, { ...leaf, secondsUp: leaf.secondsUp + 1 }, proof)).to.equal(false);
    expect(verifyProof(tree.root, { ...leaf, epoch: EPOCH + 1 }, proof)).to.equal(false);
    expect(verifyProof(buildTree(mixed(16)).root, leaf, proof)).to.equal(false);
    expectLeafError(() => verifyProof(tree.root, leaf, ["0x1234"]), "MALFORMED", "proof[0]");
  });

  it("builds the same tree whatever the input order", function () {
    const leaves = mixed(17);
    const root = buildTree(leaves).root;
    expect(buildTree([...leaves].reverse()).root).to.equal(root);
    expect(buildTree([...leaves.slice(8), ...leaves.slice(0, 8)]).leaves).to.deep.equal(buildTree(leaves).leaves);
  });

  it("rejects a duplicate leaf and names both positions", function () {
    const error = expectLeafError(() => buildTree([uptime(1n), uptime(2n), uptime(1n)]), "DUPLICATE_LEAF", "leaves[2]");
    expect(error.shortMessage).to.equal("duplicates leaves[0]");
  });

  it("rejects two different leaves for one lease and epoch, but not for two epochs", function () {
    expectLeafError(() => buildTree([uptime(1n, 10), uptime(1n, 20)]), "CONFLICTING_LEAF", "leaves[1]");
    expectLeafError(() => buildTree([heartbeat("a1", 1), heartbeat("a1", 2)]), "CONFLICTING_LEAF", "leaves[1]");
    expect(buildTree([uptime(1n, 10), uptime(1n, 10, 3_600, EPOCH + 1)]).leafCount).to.equal(2);
  });

  it("rejects an empty leaf list and an invalid leaf by index", function () {
    expectLeafError(() => buildTree([]), "EMPTY_TREE", "leaves");
    expectLeafError(() => buildTree([uptime(1n), uptime(2n, 9, 8)]), "UP_EXCEEDS_OBSERVED", "leaves[1].secondsUp");
  });

  it("refuses a proof for a leaf that is not in the tree or an index out of range", function () {
    const tree = buildTree(mixed(5));
    expectLeafError(() => tree.proof(uptime(99n)), "NOT_IN_TREE", "leaf");
    expectLeafError(() => tree.proof(5), "NOT_IN_TREE", "index");
    expectLeafError(() => tree.proof(-1), "NOT_IN_TREE", "index");
  });

  it("proves leaves of a 100,000-leaf tree of depth 17", function () {
    this.timeout(60_000);
    const leaves = Array.from({ length: 100_000 }, (_, i) => uptime(BigInt(i) * 7_919n + 1n, 3_000 + (i % 600)));
    const tree = buildTree(leaves);
    expect(tree.depth).to.equal(17);
    for (const i of [0, 1, 49_999, 99_998, 99_999]) {
      expect(processProof(tree.proof(i), referenceLeafHash(tree.leaves[i]))).to.equal(tree.root);
    }
  });
});

describe("oracle leaves: leaf file", function () {
  const tree = buildTree([uptime(12n, 3_000), heartbeat("a1")]);
  const json = serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch: EPOCH, tree });
  const file = JSON.parse(json) as { leaves: Record<string, unknown>[] } & Record<string, unknown>;
  const upIndex = file.leaves.findIndex((leaf) => leaf.kind === "uptime");
  const hbIndex = 1 - upIndex;
  /** The file with one change, written as canonically as JSON.stringify writes it. */
  const edit = (change: (copy: typeof file) => void): string => {
    const copy = structuredClone(file);
    change(copy);
    return JSON.stringify(copy);
  };

  it("writes the canonical form: fixed key order, leaves in tree order, no whitespace", function () {
    const leaves = tree.leaves.map((leaf) =>
      leaf.kind === "uptime"
        ? `{"kind":"uptime","leaseId":"12","epoch":${EPOCH},"secondsUp":3000,"secondsObserved":3600}`
        : `{"kind":"heartbeat","provider":"0x${"a1".repeat(20)}","epoch":${EPOCH},"heartbeatsAnswered":58,"heartbeatsSent":60}`,
    );
    expect(json).to.equal(`{"version":1,"chainId":31337,"oracleHub":"${HUB}","epoch":${EPOCH},"leaves":[${leaves.join(",")}]}`);
    expect(JSON.stringify(JSON.parse(json))).to.equal(json);
  });

  it("hashes the file's UTF-8 bytes as the content hash", function () {
    expect(contentHash(json)).to.equal(keccak256(stringToBytes(json)));
  });

  it("round-trips: parsing gives back the same tree and the same bytes", function () {
    const parsed = parseLeafFile(json);
    expect({ chainId: parsed.chainId, oracleHub: parsed.oracleHub, epoch: parsed.epoch }).to.deep.equal({ chainId: CHAIN_ID, oracleHub: HUB, epoch: EPOCH });
    expect(parsed.tree.root).to.equal(tree.root);
    expect(parsed.tree.leaves).to.deep.equal(tree.leaves);
    expect(serializeLeafFile(parsed)).to.equal(json);
  });

  it("writes the hub address in lowercase whatever case it is given in", function () {
    const checksummed = getAddress(HUB);
    expect(checksummed).to.not.equal(HUB);
    expect(serializeLeafFile({ chainId: CHAIN_ID, oracleHub: checksummed, epoch: EPOCH, tree })).to.equal(json);
  });

  it("refuses to write a leaf of another epoch", function () {
    const other = buildTree([uptime(12n), uptime(13n, 0, 0, EPOCH + 1)]);
    const index = other.leaves.findIndex((leaf) => leaf.epoch !== EPOCH);
    expectLeafError(() => serializeLeafFile({ chainId: CHAIN_ID, oracleHub: HUB, epoch: EPOCH, tree: other }), "EPOCH_MISMATCH", `leaves[${index}].epoch`);
  });

  const invalid: [string, () => string, LeafErrorCode, string][] = [
    ["a wrong kind", () => edit((f) => void (f.leaves[upIndex].kind = "downtime")), "WRONG_KIND", `leaves[${upIndex}].kind`],
    ["a leaf of another epoch", () => edit((f) => void (f.leaves[upIndex].epoch = EPOCH + 1)), "EPOCH_MISMATCH", `leaves[${upIndex}].epoch`],
    ["secondsUp above secondsObserved", () => edit((f) => void (f.leaves[upIndex].secondsUp = 3_601)), "UP_EXCEEDS_OBSERVED", `leaves[${upIndex}].secondsUp`],
    ["a uint32 overflow", () => edit((f) => void (f.leaves[hbIndex].heartbeatsSent = 2 ** 32)), "OUT_OF_RANGE", `leaves[${hbIndex}].heartbeatsSent`],
    ["a lease id above uint256", () => edit((f) => void (f.leaves[upIndex].leaseId = (2n ** 256n).toString())), "OUT_OF_RANGE", `leaves[${upIndex}].leaseId`],
    ["a fractional number", () => edit((f) => void (f.leaves[upIndex].secondsUp = 0.5)), "MALFORMED", `leaves[${upIndex}].secondsUp`],
    ["a bad address", () => edit((f) => void (f.leaves[hbIndex].provider = "0xa1a1")), "BAD_ADDRESS", `leaves[${hbIndex}].provider`],
    ["an uppercase provider", () => edit((f) => void (f.leaves[hbIndex].provider = `0x${"A1".repeat(20)}`)), "NON_CANONICAL", `leaves[${hbIndex}].provider`],
    ["an uppercase hub", () => edit((f) => void (f.oracleHub = HUB.toUpperCase().replace("0X", "0x"))), "NON_CANONICAL", "file.oracleHub"],
    ["a lease id with a leading zero", () => edit((f) => void (f.leaves[upIndex].leaseId = "012")), "NON_CANONICAL", `leaves[${upIndex}].leaseId`],
    ["a numeric lease id", () => edit((f) => void (f.leaves[upIndex].leaseId = 12)), "MALFORMED", `leaves[${upIndex}].leaseId`],
    ["leaves out of tree order", () => edit((f) => void f.leaves.reverse()), "NON_CANONICAL", "leaves[1]"],
    ["keys out of order", () => json.replace('"version":1,"chainId":31337', '"chainId":31337,"version":1'), "NON_CANONICAL", "file"],
    ["whitespace", () => JSON.stringify(file, null, 1), "NON_CANONICAL", "file"],
    ["an exponent", () => json.replace('"secondsUp":3000', '"secondsUp":3e3'), "NON_CANONICAL", "file"],
    ["a missing key", () => edit((f) => void delete f.leaves[hbIndex].heartbeatsSent), "MALFORMED", `leaves[${hbIndex}]`],
    ["an unexpected key", () => edit((f) => void (f.signature = "0x")), "MALFORMED", "file"],
    ["another version", () => edit((f) => void (f.version = 2)), "UNSUPPORTED_VERSION", "file.version"],
    ["a zero chain id", () => edit((f) => void (f.chainId = 0)), "OUT_OF_RANGE", "file.chainId"],
    ["no leaves", () => edit((f) => void (f.leaves = [])), "EMPTY_TREE", "leaves"],
    ["a duplicate leaf", () => edit((f) => void f.leaves.push(f.leaves[0])), "DUPLICATE_LEAF", "leaves[2]"],
    ["text that is not JSON", () => json.slice(0, -1), "MALFORMED", "file"],
  ];
  for (const [what, make, code, field] of invalid) {
    it(`rejects ${what} with ${code} at ${field}`, function () {
      expectLeafError(() => parseLeafFile(make()), code, field);
    });
  }
});
