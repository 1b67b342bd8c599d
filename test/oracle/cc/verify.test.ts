/**
 * Tier-2 verification (src/oracle/cc/verify.ts) on NVIDIA's H100 sample evidence: the golden vector verifies against
 * the pinned root, and each negative vector derived from it fails with its exact code: bits flipped in the signed
 * bytes or the signature, a wrong nonce, truncated, reordered or foreign-rooted chains, clocks outside the
 * certificates' validity, FWID and debug-mode vectors (checked on the parsed structure, since nobody can re-sign),
 * and reference measurements. Also the on-chain identity `ccIdentity`.
 */
import { expect } from "chai";
import { X509Certificate } from "node:crypto";
import { type Hex, concat, keccak256, stringToHex } from "viem";
import { DMTF_VALUE_TYPE, parseSpdmEvidence } from "../../../src/oracle/cc/spdm.js";
import {
  CC_IDENTITY_DOMAIN,
  NVIDIA_DEVICE_ROOT_FINGERPRINT256,
  type VerifyGpuEvidenceParameters,
  assertFwidBinding,
  assertNoDebugMode,
  assertReferenceMeasurements,
  ccIdentity,
  certificateFwid,
  nvidiaDeviceRoot,
  splitCertificateChain,
  verifyGpuEvidence,
} from "../../../src/oracle/cc/verify.js";
import {
  AT,
  CHAIN_BLOCKS,
  CHAIN_PEM,
  DEVICE_ROOT_PEM,
  NONCE,
  NOW,
  REPORT,
  REPORT_HEX,
  RIM_ROOT,
  chainOf,
  deviceModeValue,
  expectCcError,
  flipBit,
  measurementBlock,
  withExtraBlocks,
} from "./vectors.js";

const GOLDEN: VerifyGpuEvidenceParameters = { report: REPORT_HEX, certChainPem: CHAIN_PEM, expectedNonce: NONCE, now: NOW };
const verifyWith = (changes: Partial<VerifyGpuEvidenceParameters>) => () => verifyGpuEvidence({ ...GOLDEN, ...changes });
const DEVICE_MODE = 0x80 | DMTF_VALUE_TYPE.DEVICE_MODE;

describe("verifyGpuEvidence", () => {
  describe("on the H100 golden vector", () => {
    const result = verifyGpuEvidence(GOLDEN);

    it("verifies against the pinned NVIDIA root and returns the signed versions, nonce and 64 measurements", () => {
      expect(result.driverVersion).to.equal("550.90.07");
      expect(result.vbiosVersion).to.equal("96.00.9F.00.01");
      expect(result.nonce).to.equal(NONCE);
      expect(result.measurements).to.have.length(64);
      expect(result.measurements[11]!.value).to.equal(
        "0x413d008cedd5526a79455a178154328ce960af252bdb06e7fe4080049add412488cac39ecf3d80efbdc6bdd363861773",
      );
      expect(result.opaqueFields).to.have.length(14);
      expect(result.reportHash).to.equal(keccak256(REPORT));
    });

    it("identifies the GPU by its device identity and leaf certificates and the certified FWID", () => {
      expect(result.gpu).to.include({
        model: "GH100 A01 GSP BROM",
        deviceSerial: "41431D480FE5E87274",
        leafSerial: "53C22BA15E5D68088282DA074ED9FB37AA585771",
        fwid: "0xf5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d",
      });
      expect(result.gpu.leafSubject).to.include("CN=GH100 A01 GSP FMC LF");
      const device = new X509Certificate(CHAIN_BLOCKS[1]!);
      expect(result.gpu.devicePublicKey).to.equal(`0x${device.publicKey.export({ type: "spki", format: "der" }).toString("hex")}`);
    });

    it("gives the same result for the report as bytes, with the nonce as bytes and the root passed explicitly", () => {
      const again = verifyGpuEvidence({
        ...GOLDEN,
        report: REPORT,
        expectedNonce: Buffer.from(NONCE.slice(2), "hex"),
        roots: [nvidiaDeviceRoot()],
      });
      expect(again).to.deep.equal(result);
    });
  });

  it("rejects a report whose opaque data lacks the driver version as malformed-report", () => {
    const report = Buffer.from(REPORT);
    report.writeUInt16LE(0xfe, AT.opaque + 66); // DRIVER_VERSION (type 3) relabelled as an unnamed type
    expect(parseSpdmEvidence(report).response.opaqueFields[7]).to.include({ type: 0xfe, name: undefined });
    const error = expectCcError(verifyWith({ report }), "malformed-report", "response.opaqueData");
    expect(error.message).to.include("no DRIVER_VERSION field");
  });

  describe("the signature", () => {
    const flipped: [string, number][] = [
      ["a bit of the measurement record is flipped", AT.record + 20],
      ["a bit of the request nonce is flipped, even when the verifier expects the changed nonce", AT.requestNonce + 31],
      ["a bit of the responder nonce is flipped", AT.responderNonce],
      ["a bit of the opaque data (driver version) is flipped", AT.opaque + 100],
    ];
    for (const [what, offset] of flipped) {
      it(`fails with bad-signature when ${what}`, () => {
        const report = flipBit(REPORT, offset, 3);
        const expectedNonce: Hex = `0x${report.subarray(AT.requestNonce, AT.requestNonce + 32).toString("hex")}`;
        const error = expectCcError(verifyWith({ report, expectedNonce }), "bad-signature", "response.signature");
        expect(error.offset).to.equal(AT.signature);
      });
    }

    it("fails with bad-signature when a bit of the signature itself is flipped", () => {
      expectCcError(verifyWith({ report: flipBit(REPORT, REPORT.length - 1) }), "bad-signature", "response.signature");
      expectCcError(verifyWith({ report: flipBit(REPORT, AT.signature, 7) }), "bad-signature", "response.signature");
    });

    it("fails with bad-signature when a valid, rooted chain's leaf is not the key that signed", () => {
      // The device identity certificate as leaf: it chains to the root, but its key did not sign the report.
      expectCcError(verifyWith({ certChainPem: chainOf(1, 2, 3, 4) }), "bad-signature", "response.signature");
    });
  });

  describe("the nonce", () => {
    it("fails with nonce-mismatch when the report answers another nonce", () => {
      const wrong: Hex = `${NONCE.slice(0, -2)}00` as Hex;
      const error = expectCcError(verifyWith({ expectedNonce: wrong }), "nonce-mismatch", "request.nonce");
      expect(error.message).to.include(NONCE).and.include(wrong);
    });

    it("rejects an expected nonce that is not 32 bytes as invalid-parameter", () => {
      expectCcError(verifyWith({ expectedNonce: "0x1234" }), "invalid-parameter", "expectedNonce");
      expectCcError(verifyWith({ expectedNonce: new Uint8Array(31) }), "invalid-parameter", "expectedNonce");
      expectCcError(verifyWith({ expectedNonce: `0x${"zz".repeat(32)}` as Hex }), "invalid-parameter", "expectedNonce");
    });
  });

  describe("the certificate chain", () => {
    it("accepts a chain that stops below the root when the pinned root signed its last certificate", () => {
      expect(verifyGpuEvidence({ ...GOLDEN, certChainPem: chainOf(0, 1, 2, 3) }).driverVersion).to.equal("550.90.07");
    });

    it("fails with untrusted-root when root-side certificates are dropped and the chain no longer reaches the root", () => {
      const error = expectCcError(verifyWith({ certChainPem: chainOf(0, 1, 2) }), "untrusted-root", "certChainPem[2]");
      expect(error.message).to.include("NVIDIA GH100 Provisioner ICA 1");
      expectCcError(verifyWith({ certChainPem: chainOf(0, 1) }), "untrusted-root", "certChainPem[1]");
    });

    it("fails with chain-invalid when the chain holds the leaf alone", () => {
      expectCcError(verifyWith({ certChainPem: chainOf(0) }), "chain-invalid", "certChainPem");
    });

    it("fails with chain-invalid when the chain is reordered", () => {
      const swapped = expectCcError(verifyWith({ certChainPem: chainOf(0, 2, 1, 3, 4) }), "chain-invalid", "certChainPem[0]");
      expect(swapped.message).to.include("GH100 A01 GSP BROM");
      expectCcError(verifyWith({ certChainPem: chainOf(4, 3, 2, 1, 0) }), "chain-invalid");
    });

    it("fails with chain-invalid when a middle certificate is missing", () => {
      expectCcError(verifyWith({ certChainPem: chainOf(0, 2, 3, 4) }), "chain-invalid", "certChainPem[0]");
    });

    it("fails with untrusted-root under a foreign pinned root (NVIDIA's RIM root)", () => {
      const error = expectCcError(verifyWith({ roots: [RIM_ROOT] }), "untrusted-root", "certChainPem[4]");
      expect(error.message).to.include("NVIDIA Device Identity CA");
    });

    it("rejects an empty root list as invalid-parameter", () => {
      expectCcError(verifyWith({ roots: [] }), "invalid-parameter", "roots");
    });

    it("fails with expired after the certificates' notAfter and not-yet-valid before a notBefore", () => {
      const expired = expectCcError(verifyWith({ now: new Date("+010000-01-01T00:00:00Z") }), "expired", "certChainPem[0]");
      expect(expired.message).to.include("9999-12-31T23:59:59.000Z");
      const early = expectCcError(verifyWith({ now: new Date("2021-06-01T00:00:00Z") }), "not-yet-valid", "certChainPem[2]");
      expect(early.message).to.include("NVIDIA GH100 Provisioner ICA 1").and.include("2022-03-01T00:00:00.000Z");
      expectCcError(verifyWith({ now: new Date(Number.NaN) }), "invalid-parameter", "now");
    });

    it("fails with chain-invalid on PEM that does not parse or carries text outside the blocks", () => {
      const corrupt = CHAIN_PEM.replace(/MII[A-Za-z0-9+/]{10}/, "MIIxxxxxxxxxxxx");
      expectCcError(verifyWith({ certChainPem: corrupt }), "chain-invalid", "certChainPem[0]");
      expectCcError(verifyWith({ certChainPem: `garbage\n${CHAIN_PEM}` }), "chain-invalid", "certChainPem");
      expectCcError(verifyWith({ certChainPem: "" }), "chain-invalid", "certChainPem");
      expect(splitCertificateChain(`${CHAIN_PEM}\n\0\0`)).to.have.length(5);
    });
  });

  describe("the FWID binding", () => {
    const evidence = parseSpdmEvidence(REPORT);
    const [leaf, device] = splitCertificateChain(CHAIN_PEM);

    it("reads the FWID the leaf certifies, equal to the report's, and none from a certificate without the extension", () => {
      expect(certificateFwid(leaf!)).to.equal(evidence.fwid);
      expect(certificateFwid(device!)).to.equal(undefined);
      expect(() => assertFwidBinding(evidence, leaf!)).not.to.throw();
    });

    it("fails with fwid-mismatch when the report's FWID differs from the certified one", () => {
      const other: Hex = `0x${"ab".repeat(48)}`;
      const error = expectCcError(() => assertFwidBinding({ fwid: other }, leaf!), "fwid-mismatch", "response.opaqueData.FWID");
      expect(error.message).to.include(other).and.include(evidence.fwid!);
    });

    it("fails with fwid-mismatch when the leaf certifies no FWID, and binds nothing when the report has none", () => {
      expectCcError(() => assertFwidBinding(evidence, device!), "fwid-mismatch", "certChainPem[0]");
      expect(() => assertFwidBinding({ fwid: undefined }, device!)).not.to.throw();
    });
  });

  describe("debug mode", () => {
    it("passes the golden vector, which (SPDM 1.1) carries no device-mode measurement", () => {
      const evidence = parseSpdmEvidence(REPORT);
      expect(evidence.response.blocks.some((b) => b.deviceMode !== undefined)).to.equal(false);
      expect(() => assertNoDebugMode(evidence)).not.to.throw();
    });

    it("fails with debug-mode on a derived report whose device-mode block has invasive debug active", () => {
      // Operational state normal (bit 2); device mode state: invasive debug active (bit 1).
      const report = withExtraBlocks(measurementBlock(0xfe, DEVICE_MODE, deviceModeValue(0x3f, 0x04, 0x1f, 0x02)));
      const error = expectCcError(() => assertNoDebugMode(parseSpdmEvidence(report)), "debug-mode", "measurement[254].deviceMode");
      expect(error.offset).to.equal(AT.responderNonce);
      // End to end the same bytes fail earlier: the GPU's signature does not cover the added block.
      expectCcError(verifyWith({ report }), "bad-signature");
    });

    it("fails with debug-mode when debug has been active since the last reset, or the device is in validation mode", () => {
      const since = withExtraBlocks(measurementBlock(0xfe, DEVICE_MODE, deviceModeValue(0x3f, 0x04, 0x1f, 0x08)));
      expectCcError(() => assertNoDebugMode(parseSpdmEvidence(since)), "debug-mode");
      const validation = withExtraBlocks(measurementBlock(0xfe, DEVICE_MODE, deviceModeValue(0x3f, 0x02, 0x1f, 0x00)));
      expect(expectCcError(() => assertNoDebugMode(parseSpdmEvidence(validation)), "debug-mode").message).to.include("validation");
    });

    it("accepts a device-mode block in normal mode with no debug since reset", () => {
      // Bit 4 (invasive debug at some point since manufacturing) is history, not the state since this boot.
      const report = withExtraBlocks(measurementBlock(0xfe, DEVICE_MODE, deviceModeValue(0x3f, 0x04, 0x1f, 0x10)));
      expect(() => assertNoDebugMode(parseSpdmEvidence(report))).not.to.throw();
    });
  });

  describe("reference measurements", () => {
    const evidence = parseSpdmEvidence(REPORT);
    // Upper-case digits: the comparison ignores case.
    const all = Object.fromEntries(evidence.response.blocks.map((b) => [b.index, [`0x${b.value.slice(2).toUpperCase()}` as Hex]]));

    it("passes when every measurement is one of its index's reference values, in any case of hex digits", () => {
      const result = verifyGpuEvidence({ ...GOLDEN, referenceMeasurements: { ...all, 12: [`0x${"00".repeat(48)}`, all[12]![0]!] } });
      expect(result.measurements).to.have.length(64);
    });

    it("fails with measurement-mismatch when a measurement differs from its references (how Hopper DevTools mode shows)", () => {
      const error = expectCcError(
        verifyWith({ referenceMeasurements: { 12: [`0x${"11".repeat(48)}`] } }),
        "measurement-mismatch",
        "measurement[12]",
      );
      expect(error.offset).to.equal(AT.record + 11 * 55);
    });

    it("fails with measurement-mismatch when a referenced index is missing from the report", () => {
      expectCcError(
        () => assertReferenceMeasurements(evidence, { 65: [`0x${"00".repeat(48)}`] }),
        "measurement-mismatch",
        "measurement[65]",
      );
    });
  });
});

describe("nvidiaDeviceRoot", () => {
  it("loads the pinned root, byte-equal to NVIDIA's device root and matching the pinned fingerprint", () => {
    const root = nvidiaDeviceRoot();
    expect(root.fingerprint256).to.equal(NVIDIA_DEVICE_ROOT_FINGERPRINT256);
    expect(root.raw.equals(new X509Certificate(DEVICE_ROOT_PEM).raw)).to.equal(true);
    expect(root.raw.equals(new X509Certificate(CHAIN_BLOCKS[4]!).raw)).to.equal(true);
    expect(root.subject).to.equal("CN=NVIDIA Device Identity CA\nO=NVIDIA");
  });
});

describe("ccIdentity", () => {
  const result = verifyGpuEvidence(GOLDEN);

  it("is keccak256 of the domain tag and the device identity key", () => {
    expect(ccIdentity(result)).to.equal(keccak256(concat([stringToHex(CC_IDENTITY_DOMAIN), result.gpu.devicePublicKey])));
    expect(ccIdentity(result)).to.equal("0x50c91435ebbe5394cb8d2fe91b43ecb4c5559312b2a9228e8413ea74a7729a26");
  });

  it("does not depend on the leaf certificate or the firmware, which change with a firmware update", () => {
    const updated = { gpu: { ...result.gpu, leafSerial: "00", leafSubject: "CN=other", fwid: `0x${"ab".repeat(48)}` as Hex } };
    expect(ccIdentity(updated)).to.equal(ccIdentity(result));
    expect(ccIdentity({ gpu: { ...result.gpu, devicePublicKey: `0x${"00".repeat(120)}` } })).not.to.equal(ccIdentity(result));
  });
});
