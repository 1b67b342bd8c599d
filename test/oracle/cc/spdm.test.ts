/**
 * The SPDM GET_MEASUREMENTS parser (src/oracle/cc/spdm.ts) on NVIDIA's H100 sample report: the concrete parsed values,
 * the opaque fields under nvTrust's names, and `malformed-report` (with offset and field, never a raw exception) for
 * every truncation and for corrupted lengths, codes and versions derived from the sample.
 */
import { expect } from "chai";
import { CcVerificationError } from "../../../src/oracle/cc/errors.js";
import { DMTF_VALUE_TYPE, findOpaqueField, parseSpdmEvidence } from "../../../src/oracle/cc/spdm.js";
import {
  AT,
  NONCE,
  REPORT,
  REPORT_HEX,
  RESPONDER_NONCE,
  deviceModeValue,
  expectCcError,
  measurementBlock,
  withExtraBlocks,
} from "./vectors.js";

function patched(offset: number, ...bytes: number[]): Buffer {
  const out = Buffer.from(REPORT);
  bytes.forEach((b, i) => (out[offset + i] = b));
  return out;
}

describe("parseSpdmEvidence", () => {
  describe("on the H100 golden vector", () => {
    const evidence = parseSpdmEvidence(REPORT_HEX);

    it("reads the 37-byte GET_MEASUREMENTS request: SPDM 1.1, signature requested, all blocks, the nonce, slot 0", () => {
      expect(evidence.request).to.deep.equal({ version: 0x11, param1: 0x01, param2: 0xff, nonce: NONCE, slotId: 0 });
    });

    it("reads 64 measurement blocks, indices 1 to 64, each a SHA-384 digest of mutable firmware", () => {
      const { blocks } = evidence.response;
      expect(blocks).to.have.length(64);
      expect(blocks.map((b) => b.index)).to.deep.equal(Array.from({ length: 64 }, (_, i) => i + 1));
      for (const block of blocks) {
        expect(block.valueType).to.equal(DMTF_VALUE_TYPE.MUTABLE_FIRMWARE);
        expect(block.rawBitStream).to.equal(false);
        expect(block.value).to.match(/^0x[0-9a-f]{96}$/);
        expect(block.deviceMode).to.equal(undefined);
      }
      expect(blocks[0]!.value).to.equal(`0x${"00".repeat(48)}`);
      expect(blocks[1]!.value.slice(0, 18)).to.equal("0x8048dfd18fe229bf");
      expect(blocks[11]!.offset).to.equal(AT.record + 11 * 55);
    });

    it("reads the response header, the responder nonce and a 96-byte signature over the first 4,021 bytes", () => {
      expect(evidence.response.version).to.equal(0x11);
      expect(evidence.response.responderNonce).to.equal(RESPONDER_NONCE);
      expect(evidence.response.signature).to.have.length(2 + 2 * 96);
      expect(evidence.bytes).to.have.length(4117);
      expect(Buffer.from(evidence.signedBytes).equals(REPORT.subarray(0, AT.signature))).to.equal(true);
    });

    it("names the opaque fields as nvTrust does, in report order", () => {
      expect(evidence.response.opaqueFields.map((f) => f.name)).to.deep.equal([
        "VBIOS_VERSION",
        "BOARD_ID",
        "CHIP_SKU",
        "CHIP_SKU_MOD",
        "PROJECT",
        "PROJECT_SKU",
        "PROJECT_SKU_MOD",
        "DRIVER_VERSION",
        "GPU_INFO",
        "MSRSCNT",
        "CPRINFO",
        "NVDEC0_STATUS",
        "FWID",
        "PROTECTED_PCIE_STATUS",
      ]);
      expect(findOpaqueField(evidence, "PROJECT")?.value).to.equal("0x3130313000"); // "1010\0"
      expect(findOpaqueField(evidence, "NVDEC0_STATUS")?.value).to.equal("0x55");
      expect(findOpaqueField(evidence, "MSRSCNT")?.value).to.have.length(2 + 2 * 256);
      expect(findOpaqueField(evidence, "FEATURE_FLAG")).to.equal(undefined);
    });

    it("decodes the driver version, the VBIOS version in nvidia-smi form, and the FWID", () => {
      expect(evidence.driverVersion).to.equal("550.90.07");
      expect(evidence.vbiosVersion).to.equal("96.00.9F.00.01");
      expect(evidence.fwid).to.equal("0xf5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d");
    });

    it("parses the same report given as bytes or as 0x-prefixed hex with surrounding whitespace", () => {
      expect(parseSpdmEvidence(REPORT)).to.deep.equal(evidence);
      expect(parseSpdmEvidence(`\n 0x${REPORT_HEX.toUpperCase()} \n`)).to.deep.equal(evidence);
    });
  });

  describe("on malformed reports", () => {
    it("rejects every truncation of the report as malformed-report at an offset inside it, never a raw exception", () => {
      for (let length = 0; length < REPORT.length; length++) {
        const error = expectCcError(() => parseSpdmEvidence(REPORT.subarray(0, length)), "malformed-report");
        expect(error.offset, `truncated to ${length}`).to.be.a("number").within(0, length);
        expect(error.field, `truncated to ${length}`).to.be.a("string");
      }
    });

    it("names the field where a truncated report ends", () => {
      const cases: [number, string, number][] = [
        [0, "request.version", 0],
        [20, "request.nonce", AT.requestNonce],
        [37, "response.version", AT.response],
        [44, "response.measurementRecordLength", AT.recordLength],
        [100, "response.measurementRecord", AT.record],
        [AT.responderNonce + 5, "response.nonce", AT.responderNonce],
        [AT.opaque + 10, "response.opaqueData", AT.opaque],
        [REPORT.length - 1, "response.signature", AT.signature],
      ];
      for (const [length, field, offset] of cases) {
        const error = expectCcError(() => parseSpdmEvidence(REPORT.subarray(0, length)), "malformed-report", field);
        expect(error.offset, field).to.equal(offset);
        expect(error.message).to.match(/needs \d+ byte\(s\), \d+ left/);
      }
    });

    it("rejects bytes after the signature", () => {
      const error = expectCcError(() => parseSpdmEvidence(Buffer.concat([REPORT, Buffer.of(0)])), "malformed-report", "response");
      expect(error.offset).to.equal(REPORT.length);
    });

    it("rejects a measurement record length that runs past the end of the report", () => {
      const error = expectCcError(
        () => parseSpdmEvidence(patched(AT.recordLength, 0xff, 0xff, 0xff)),
        "malformed-report",
        "response.measurementRecord",
      );
      expect(error.offset).to.equal(AT.record);
    });

    it("rejects a block whose size is not 3 + its value size", () => {
      const error = expectCcError(
        () => parseSpdmEvidence(patched(AT.record + 2, 52)),
        "malformed-report",
        "response.measurementRecord.block[0].size",
      );
      expect(error.message).to.include("block size 52 is not 3 + value size 48");
    });

    it("rejects a duplicate measurement index", () => {
      const error = expectCcError(
        () => parseSpdmEvidence(patched(AT.record + 55, 1)),
        "malformed-report",
        "response.measurementRecord.block[1].index",
      );
      expect(error.offset).to.equal(AT.record + 55);
    });

    it("rejects a measurement specification other than DMTF", () => {
      expectCcError(
        () => parseSpdmEvidence(patched(AT.record + 1, 0x02)),
        "malformed-report",
        "response.measurementRecord.block[0].specification",
      );
    });

    it("rejects a record with bytes left after the announced number of blocks", () => {
      const error = expectCcError(
        () => parseSpdmEvidence(patched(AT.numberOfBlocks, 63)),
        "malformed-report",
        "response.measurementRecord",
      );
      expect(error.offset).to.equal(AT.record + 63 * 55);
    });

    it("rejects a response without measurement blocks", () => {
      expectCcError(() => parseSpdmEvidence(patched(AT.numberOfBlocks, 0)), "malformed-report", "response.numberOfBlocks");
    });

    it("rejects an opaque field whose size runs past the opaque data", () => {
      const error = expectCcError(
        () => parseSpdmEvidence(patched(AT.opaque + 2, 0xff, 0xff)),
        "malformed-report",
        "response.opaqueData.field[0].value",
      );
      expect(error.offset).to.equal(AT.opaque + 4);
    });

    it("rejects an opaque field that appears twice", () => {
      // The second field (BOARD_ID, type 14) relabelled as VBIOS_VERSION (type 6).
      expectCcError(() => parseSpdmEvidence(patched(AT.opaque + 12, 6, 0)), "malformed-report", "response.opaqueData.field[1].type");
    });

    it("rejects an SPDM version other than 1.1, a wrong request or response code, and a version change in the response", () => {
      expectCcError(() => parseSpdmEvidence(patched(0, 0x12)), "malformed-report", "request.version");
      expectCcError(() => parseSpdmEvidence(patched(1, 0xe1)), "malformed-report", "request.code");
      expectCcError(() => parseSpdmEvidence(patched(AT.response, 0x10)), "malformed-report", "response.version");
      expectCcError(() => parseSpdmEvidence(patched(AT.response + 1, 0x61)), "malformed-report", "response.code");
    });

    it("rejects a request that did not ask for a signature", () => {
      const error = expectCcError(() => parseSpdmEvidence(patched(2, 0x00)), "malformed-report", "request.param1");
      expect(error.message).to.include("did not ask for a signature");
    });

    it("rejects hex text with a non-hex character or an odd length, at the byte offset of the fault", () => {
      const bad = `${REPORT_HEX.slice(0, 100)}zz${REPORT_HEX.slice(102)}`;
      expect(expectCcError(() => parseSpdmEvidence(bad), "malformed-report", "report").offset).to.equal(50);
      expectCcError(() => parseSpdmEvidence(REPORT_HEX.slice(1)), "malformed-report", "report");
    });

    it("rejects a device-mode block whose value is not 16 bytes", () => {
      const report = withExtraBlocks(measurementBlock(0xfe, 0x80 | DMTF_VALUE_TYPE.DEVICE_MODE, Buffer.alloc(12)));
      expectCcError(() => parseSpdmEvidence(report), "malformed-report", "response.measurementRecord.block[64].value");
    });
  });

  it("decodes a raw DMTF device-mode block into its four bit fields", () => {
    const value = deviceModeValue(0x3f, 0x04, 0x1f, 0x02);
    const evidence = parseSpdmEvidence(withExtraBlocks(measurementBlock(0xfe, 0x80 | DMTF_VALUE_TYPE.DEVICE_MODE, value)));
    const block = evidence.response.blocks[64]!;
    expect(block.index).to.equal(0xfe);
    expect(block.rawBitStream).to.equal(true);
    expect(block.deviceMode).to.deep.equal({
      operationalModeCapabilities: 0x3f,
      operationalModeState: 0x04,
      deviceModeCapabilities: 0x1f,
      deviceModeState: 0x02,
    });
  });

  it("throws only CcVerificationError on random corruption of the header and lengths", () => {
    // Deterministic xorshift, so a failure reproduces.
    let seed = 0x2545f491;
    const next = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), seed >>> 0);
    const lengthBytes = [
      0,
      1,
      2,
      3,
      36,
      37,
      38,
      41,
      42,
      43,
      44,
      AT.record + 2,
      AT.record + 5,
      AT.opaqueLength,
      AT.opaqueLength + 1,
      AT.opaque + 2,
    ];
    let rejected = 0;
    for (let i = 0; i < 500; i++) {
      const report = Buffer.from(REPORT);
      const at = lengthBytes[next() % lengthBytes.length]!;
      report[at] = next() & 0xff;
      try {
        parseSpdmEvidence(report);
      } catch (error) {
        expect(error, `byte ${at} = ${report[at]}`).to.be.instanceOf(CcVerificationError);
        rejected++;
      }
    }
    expect(rejected).to.be.greaterThan(250); // most corruptions of a length or a code break the parse
  });
});
