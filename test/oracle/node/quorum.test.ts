/**
 * The checks every gossiped report shares (src/oracle/node/quorum.ts): which peer signatures count, and which
 * signatures, in which order, a submission carries.
 */
import { expect } from "chai";
import { type Address, type Hex, getAddress } from "viem";
import type { OracleSetView } from "../../../src/oracle/node/chain.js";
import { peerSignatureRefusal, quorumSignatures } from "../../../src/oracle/node/quorum.js";

const member = (i: number): Address => getAddress(`0x${"ab".repeat(19)}${i.toString(16).padStart(2, "0")}`);
const sig = (i: number): Hex => `0x${i.toString(16).padStart(2, "0").repeat(65)}`;
const SET: OracleSetView = { signers: [member(1), member(2), member(3), member(4)], threshold: 3, version: 2, configDigest: `0x${"cd".repeat(32)}` };

describe("oracle node: quorum checks", () => {
  it("counts a member's signature under the current set, whatever the case of the digest or address", () => {
    expect(peerSignatureRefusal(SET, { configDigest: SET.configDigest.toUpperCase().replace("0X", "0x") as Hex, signer: member(2).toLowerCase() as Address, field: "verdict" })).to.equal(null);
  });

  it("refuses a signature under another set's digest, naming the report's field (before looking at the signer)", () => {
    const stale = `0x${"ee".repeat(32)}` as Hex;
    expect(peerSignatureRefusal(SET, { configDigest: stale, signer: null, field: "attestation" })).to.deep.equal({
      status: 409,
      code: "CONFIG_DIGEST_MISMATCH",
      field: "attestation.configDigest",
      message: `attestation digest ${stale} is not the current ${SET.configDigest}`,
    });
  });

  it("refuses a malformed signature and a non-member's, naming the signature", () => {
    const stranger = member(9);
    expect(peerSignatureRefusal(SET, { configDigest: SET.configDigest, signer: stranger, field: "verdict" })).to.deep.include({
      status: 400,
      code: "SIGNER_NOT_IN_SET",
      field: "signature",
      message: `the signature recovers to ${stranger}, not an oracle set member`,
    });
    expect(peerSignatureRefusal(SET, { configDigest: SET.configDigest, signer: null, field: "verdict" })?.message).to.equal("the signature recovers to nothing, not an oracle set member");
  });

  it("submits exactly the threshold, in the set's order, whatever order they arrived in", () => {
    const held = new Map<string, Hex>([
      [member(4).toLowerCase(), sig(4)],
      [member(9), sig(9)], // not a member: ignored
      [member(2), sig(2)],
      [member(1).toLowerCase(), sig(1)],
    ]);
    expect(quorumSignatures(SET, held)).to.deep.equal([sig(1), sig(2), sig(4)]);
    held.set(member(3), sig(3));
    expect(quorumSignatures(SET, held)).to.deep.equal([sig(1), sig(2), sig(3)]);
  });

  it("holds back below the threshold (a non-member's signature does not make up the count)", () => {
    expect(quorumSignatures(SET, new Map([[member(1), sig(1)], [member(3), sig(3)], [member(9), sig(9)]]))).to.equal(null);
    expect(quorumSignatures(SET, new Map())).to.equal(null);
  });
});
