/** `npm run oracle:node` as an operator meets it: help, and bad configuration named without a stack trace. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/oracle/node/main.ts", ...args], {
    env: { ...process.env, CINDER_ORACLE_KEY: "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("oracle node CLI", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "cinder-node-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (value: unknown) => {
    const file = join(dir, `c-${Math.random()}.json`);
    writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  };
  const good = {
    rpcUrl: "http://127.0.0.1:9",
    contracts: { oracleHub: "0x00000000000000000000000000000000000000f1", registry: "0x00000000000000000000000000000000000000f2", jobMarket: "0x00000000000000000000000000000000000000f3" },
    databasePath: join(dir, "node.db"),
  };
  const KEY = `0x${"ab".repeat(32)}`;

  it("prints its usage with --help", () => {
    const { status, stdout } = run(["--help"]);
    expect(status).to.equal(0);
    expect(stdout).to.contain("usage: npm run oracle:node -- --config <file.json>");
  });

  it("names a bad field, a missing key, an unreadable file and an unreachable chain, with exit status 2 and no stack trace", () => {
    const cases: [string[], Record<string, string>, string][] = [
      [[], {}, "--config is required"],
      [["--config", join(dir, "missing.json")], {}, "cannot read"],
      [["--config", config("{ not json")], {}, "cannot read"],
      [["--config", config(good)], {}, "oracle node: oracle node config: privateKey: missing: set CINDER_ORACLE_KEY"],
      [["--config", config({ ...good, contracts: { ...good.contracts, registry: "0x12" } })], { CINDER_ORACLE_KEY: KEY }, 'contracts.registry: expected a 20-byte hex address, got "0x12"'],
      [["--config", config({ ...good, heartbeat: { meanIntervalMs: 1 } })], { CINDER_ORACLE_KEY: KEY }, "heartbeat.meanIntervalMs: expected an integer in [100, 3600000], got 1"],
      [["--config", config(good)], { CINDER_ORACLE_KEY: KEY }, "cannot reach the chain at http://127.0.0.1:9"],
      [["--bogus"], {}, "Unknown option '--bogus'"],
    ];
    for (const [args, env, message] of cases) {
      const { status, stderr } = run(args, env);
      expect(status, `${args.join(" ")}: ${stderr}`).to.equal(2);
      expect(stderr).to.contain(message);
      expect(stderr).to.not.match(/\n\s+at /);
    }
  });
});
