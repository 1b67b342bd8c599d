/**
 * One signing path for every OracleHub report type (src/oracle/signing.ts): each type's digest equals the hub's own
 * `hash*` function, a signature recovers to its signer, a malformed one to null, and a signature for another hub
 * (another EIP-712 domain) recovers to someone else, so it never counts there.
 */
import { expect } from "chai";
import { type Hex, getAddress, keccak256, toBytes } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ORACLE_REPORT_SIGNING, type OracleReportMessage, type OracleReportType } from "../../src/protocol/signing.js";
import { connectCinder } from "../helpers/fixture.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const oracle = mnemonicToAccount(MNEMONIC, { addressIndex: 10 });
const tag = (s: string): Hex => keccak256(toBytes(s));
const PROVIDER = getAddress("0x00000000000000000000000000000000000000aa");

const REPORTS: { readonly [T in OracleReportType]: OracleReportMessage<T> } = {
  EpochReport: { configDigest: tag("set"), epoch: 42n, root: tag("root"), leafCount: 7, contentHash: tag("file") },
  GpuAttestation: { configDigest: tag("set"), provider: PROVIDER, gpuId: tag("gpu"), modelClass: tag("H100-80GB"), memoryMiB: 81_559, tier: 1, evidenceHash: tag("evidence"), issuedAt: 1_700_000_000, expiresAt: 1_800_000_000 },
  FaultReport: { configDigest: tag("set"), provider: PROVIDER, faultType: 2, subject: tag("gpu"), epoch: 9n, evidenceHash: tag("evidence") },
  JobVerdict: { configDigest: tag("set"), leaseId: 5n, resultHash: tag("result"), outcome: 2, toProvider: 0n },
};

const { loadCinder } = await connectCinder();

describe("oracle report signing (src/oracle/signing.ts)", function () {
  for (const kind of Object.keys(REPORTS) as OracleReportType[]) {
    it(`${kind}: the digest is the hub's report id, and a signature recovers to its signer only under that hub`, async () => {
      const c = await loadCinder();
      const hub = c.oracleHub;
      const domain = { chainId: 31_337, oracleHub: (await hub.getAddress()) as Hex };
      const signing = ORACLE_REPORT_SIGNING[kind];
      const message = REPORTS[kind];
      const onChain = {
        EpochReport: () => hub.hashEpochReport(REPORTS.EpochReport),
        GpuAttestation: () => hub.hashGpuAttestation(REPORTS.GpuAttestation),
        FaultReport: () => hub.hashFaultReport(REPORTS.FaultReport),
        JobVerdict: () => hub.hashJobVerdict(REPORTS.JobVerdict),
      }[kind];
      expect(signing.digest(domain, message as never)).to.equal(await onChain());
      const signature = await signing.sign(oracle, domain, message as never);
      expect(await signing.signer(domain, message as never, signature)).to.equal(oracle.address);
      // Another deployment's domain: the same bytes recover to an unrelated address (dead there).
      const elsewhere = { chainId: 31_337, oracleHub: getAddress("0x00000000000000000000000000000000000000bb") };
      expect(await signing.signer(elsewhere, message as never, signature)).to.not.equal(oracle.address);
      // A malformed signature recovers to nobody rather than throwing.
      expect(await signing.signer(domain, message as never, "0x1234")).to.equal(null);
    });
  }

  it("names the field of a bad domain", () => {
    const signing = ORACLE_REPORT_SIGNING.JobVerdict;
    expect(() => signing.digest({ chainId: 0, oracleHub: PROVIDER }, REPORTS.JobVerdict)).to.throw(/chainId: must be positive, got 0/);
    expect(() => signing.digest({ chainId: 1, oracleHub: "0x12" as Hex }, REPORTS.JobVerdict)).to.throw(/oracleHub/);
  });
});
