/**
 * The CLI's progress off a terminal: a command that asks for progress lines (`cinder node`) reports every step on
 * its own timestamped line (started, done with its duration, failed; each step of a progress bar), and one that does
 * not stays silent.
 */
import { expect } from "chai";
import { createOutput } from "../../src/cli/output.js";

const STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

describe("CLI output off a terminal", () => {
  it("reports each step of a long-running command on its own timestamped line", async () => {
    const lines: string[] = [];
    const out = createOutput({ json: false, progressLines: true, live: false, write: (line) => lines.push(line) });
    expect(await out.spin("deploying", async () => 42)).to.equal(42);
    const bar = out.progress("seeding providers", 2);
    bar.step("account #6");
    bar.step("account #7");
    bar.done();
    expect(lines).to.have.length(5);
    expect(lines[0]).to.match(new RegExp(`^${STAMP} deploying: started$`));
    expect(lines[1]).to.match(new RegExp(`^${STAMP} deploying: done in \\d+\\.\\d s$`));
    expect(lines.slice(2).map((l) => l.slice(25))).to.deep.equal(["seeding providers: 0/2", "seeding providers: 1/2 account #6", "seeding providers: 2/2 account #7"]);
  });

  it("reports a failed step and passes its error on", async () => {
    const lines: string[] = [];
    const out = createOutput({ json: true, progressLines: true, live: false, write: (line) => lines.push(line) });
    try {
      await out.spin("funding", async () => Promise.reject(new Error("no dev account")));
      expect.fail("resolved");
    } catch (error) {
      expect((error as Error).message).to.equal("no dev account");
    }
    expect(lines.map((l) => l.slice(25))).to.deep.equal(["funding: started", "funding: failed"]);
  });

  it("stays silent for a command that does not ask for progress lines, and on a terminal draws instead", async () => {
    const lines: string[] = [];
    const quiet = createOutput({ json: false, live: false, write: (line) => lines.push(line) });
    await quiet.spin("connecting", async () => undefined);
    quiet.progress("x", 1).step();
    const terminal = createOutput({ json: false, progressLines: true, live: true, write: (line) => lines.push(line) });
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await terminal.spin("connecting", async () => undefined);
    } finally {
      process.stderr.write = original;
    }
    expect(lines).to.deep.equal([]);
  });
});
