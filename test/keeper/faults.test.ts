/**
 * The oracle node's fault book (`/v1/faults`): member signatures kept per report, a non-member's or a stale set's
 * refused, a report served only once it holds a quorum (exactly `threshold` signatures, set order), and the keeper's
 * reader parsing what a node serves.
 */
import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ORACLE_REPORT_SIGNING } from "../../src/protocol/signing.js";
import { FaultBook } from "../../src/oracle/node/faults.js";
import { fetchSignedFaultReports } from "../../src/sdk/due.js";

describe("FaultBook", function () {
  const members = [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey()));
  const set = { signers: members.map((m) => m.address), threshold: 3, version: 1, configDigest: `0x${"11".repeat(32)}` as Hex };
  const domain = { chainId: 31_337, oracleHub: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex };
  const report = { configDigest: set.configDigest, provider: members[0].address, faultType: 1, subject: `0x${"22".repeat(32)}` as Hex, epoch: 42n, evidenceHash: `0x${"33".repeat(32)}` as Hex };
  const sign = (k: number, r = report) => ORACLE_REPORT_SIGNING.FaultReport.sign(members[k], domain, r);
  const wire = (signatures: Hex[], r = report) => ({ report: { ...r, epoch: r.epoch.toString() }, signatures });

  it("serves a report only once it holds a quorum, with exactly threshold signatures in the set's order", async function () {
    const book = new FaultBook();
    expect((await book.accept(set, domain, wire([await sign(2)]))).refusal).to.equal(null);
    expect((await book.accept(set, domain, wire([await sign(0)]))).refusal).to.equal(null);
    expect(book.since(set, 0n)).to.deep.equal([]);
    await book.accept(set, domain, wire([await sign(3), await sign(1)]));
    const [served] = book.since(set, 42n);
    expect(served.signatures).to.deep.equal([await sign(0), await sign(1), await sign(2)]);
    expect(served.report.epoch).to.equal("42");
    expect(book.since(set, 43n)).to.deep.equal([]);
  });

  it("refuses a signature from outside the set and a report under another config digest", async function () {
    const book = new FaultBook();
    const outsider = await ORACLE_REPORT_SIGNING.FaultReport.sign(privateKeyToAccount(generatePrivateKey()), domain, report);
    const refused = await book.accept(set, domain, wire([outsider]));
    expect(refused.refusal?.code).to.equal("SIGNER_NOT_IN_SET");
    const stale = { ...report, configDigest: `0x${"44".repeat(32)}` as Hex };
    expect((await book.accept(set, domain, wire([await sign(0, stale)], stale))).refusal?.code).to.equal("CONFIG_DIGEST_MISMATCH");
    const malformed = await book.accept(set, domain, { report: { ...wire([]).report, faultType: 9 }, signatures: [] }).catch((e: unknown) => e);
    expect((malformed as Error).message).to.equal("report.faultType: must be 1, 2, 3 or 4, got 9");
  });

  it("reads back what a node serves as reports the hub takes (bigint epoch, hex signatures)", async function () {
    const book = new FaultBook();
    await book.accept(set, domain, wire(await Promise.all([0, 1, 2].map((k) => sign(k)))));
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(book.since(set, 0n))));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const [got] = await fetchSignedFaultReports({ node: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, since: 0n });
      expect(got.report).to.deep.equal(report);
      expect(got.signatures).to.have.length(3);
    } finally {
      server.close();
    }
  });
});
