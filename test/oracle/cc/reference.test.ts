/**
 * Reference-measurement files (src/oracle/cc/reference.ts) and the node's `challenges.cc` setting: a bad file or value
 * is refused with a message naming the field.
 */
import { expect } from "chai";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadReferenceMeasurements, parseReferenceMeasurements, simulatedReferenceMeasurementsPath } from "../../../src/oracle/cc/reference.js";
import { parseNodeConfig } from "../../../src/oracle/node/config.js";
import { expectCcError } from "./vectors.js";

const BASE = {
  rpcUrl: "http://127.0.0.1:8545",
  contracts: { oracleHub: `0x${"11".repeat(20)}`, registry: `0x${"22".repeat(20)}`, jobMarket: `0x${"33".repeat(20)}` },
  privateKey: `0x${"44".repeat(32)}`,
  databasePath: ":memory:",
};

describe("CC reference measurements", function () {
  it("loads the simulated GPUs' 64 reference values", () => {
    const references = loadReferenceMeasurements(simulatedReferenceMeasurementsPath());
    expect(Object.keys(references)).to.have.length(64);
    expect(references[2]).to.deep.equal(["0x8048dfd18fe229bf16eb9d30cca0f11a24dafe6eb731de1462984645a0b189b77c4e4e17de727a5e19e3d07de51da338"]);
  });

  it("refuses a file with a bad index, a bad digest or no index, naming the field", () => {
    expect(expectCcError(() => parseReferenceMeasurements({ raw: { measurements: { "0": ["0xab"] } } }), "invalid-parameter", "measurements.0").message).to.equal(
      "invalid-parameter: referenceMeasurements: index must be an integer in [1, 254] [measurements.0]",
    );
    expectCcError(() => parseReferenceMeasurements({ raw: { measurements: { "3": ["ab"] } } }), "invalid-parameter", "measurements.3[0]");
    expectCcError(() => parseReferenceMeasurements({ raw: { measurements: {} } }), "invalid-parameter", "measurements");
    expectCcError(() => parseReferenceMeasurements({ raw: [] }), "invalid-parameter", "(root)");
  });

  it("turns on tier 2 in a node's configuration, and refuses a bad trust or an unreadable file by name", () => {
    const config = parseNodeConfig({ ...BASE, challenges: { cc: { trust: "simulation", referenceMeasurements: simulatedReferenceMeasurementsPath() } } });
    expect(config.challenges?.cc?.trust).to.equal("simulation");
    expect(Object.keys(config.challenges?.cc?.referenceMeasurements ?? {})).to.have.length(64);
    expect(() => parseNodeConfig({ ...BASE, challenges: { cc: { trust: "anyone", referenceMeasurements: "x.json" } } })).to.throw(
      'oracle node config: challenges.cc.trust: expected "nvidia" or "simulation", got "anyone"',
    );
    const dir = mkdtempSync(join(tmpdir(), "cinder-rim-"));
    writeFileSync(join(dir, "bad.json"), "{");
    expect(() => parseNodeConfig({ ...BASE, challenges: { cc: { trust: "nvidia", referenceMeasurements: join(dir, "bad.json") } } })).to.throw(
      `oracle node config: challenges.cc.referenceMeasurements: ${join(dir, "bad.json")}: is not JSON [referenceMeasurements]`,
    );
    expect(() => parseNodeConfig({ ...BASE, challenges: { cc: { trust: "nvidia", referenceMeasurements: join(dir, "missing.json") } } })).to.throw(
      `${join(dir, "missing.json")}: cannot be read (ENOENT)`,
    );
  });
});
