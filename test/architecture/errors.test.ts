/**
 * One error base class per layer, each a `CinderError`: the protocol and the SDK `CinderError` itself, the oracle
 * `OracleError`, the keeper `KeeperError`, the CLI `CliError`, the scripts `ScriptError`. Every error class of each
 * layer is built here and checked against its base, with its `name` and message as the layer always wrote them; the
 * sources under `src/` and `scripts/` are read to check that no class extends `Error` directly (but `CinderError`)
 * and that every error class there is in this list, under the layer its folder belongs to.
 */
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DeploymentError } from "../../scripts/lib/deployment.js";
import { ScriptError } from "../../scripts/lib/errors.js";
import { GovernanceError } from "../../scripts/lib/governance.js";
import { CliError, ControlRequestError, JsonRpcError, UsageError } from "../../src/cli/errors.js";
import { describeError } from "../../src/cli/output.js";
import { KeeperConfigError, KeeperError } from "../../src/keeper/errors.js";
import { AgentError } from "../../src/oracle/agent/errors.js";
import { RequestAuthError } from "../../src/oracle/auth.js";
import { CcVerificationError } from "../../src/oracle/cc/errors.js";
import { ChallengeError } from "../../src/oracle/challenge/errors.js";
import { ClockError } from "../../src/oracle/clock.js";
import { SignatureError } from "../../src/oracle/crypto/errors.js";
import { OracleError } from "../../src/oracle/errors.js";
import { GpuBackendError } from "../../src/oracle/gpu/errors.js";
import { HttpFault } from "../../src/oracle/http.js";
import { ConfigError } from "../../src/oracle/node/config.js";
import { OracleNodeError } from "../../src/oracle/node/errors.js";
import { HttpError } from "../../src/oracle/node/node.js";
import { AlreadySignedError, NoSigningMemoryError, StoreError } from "../../src/oracle/node/store.js";
import { VerdictRefusedError } from "../../src/oracle/node/verdict.js";
import { WireError } from "../../src/oracle/node/wire.js";
import { WorkloadError } from "../../src/oracle/workloads/errors.js";
import { CinderConfigError, CinderError } from "../../src/protocol/errors.js";
import { LeafError } from "../../src/protocol/leaves.js";
import { CinderContractError, CinderInsufficientBalanceError, CinderOracleError, CinderTransactionError, CinderUnknownRevertError } from "../../src/sdk/errors.js";
import { SlaProofError } from "../../src/sdk/sla.js";
import { VoucherError } from "../../src/sdk/vouchers.js";

type Layer = "protocol" | "sdk" | "oracle" | "keeper" | "cli" | "scripts";

/** Each layer's base class. */
const BASE: Record<Layer, abstract new (...args: never[]) => CinderError> = {
  protocol: CinderError,
  sdk: CinderError,
  oracle: OracleError,
  keeper: KeeperError,
  cli: CliError,
  scripts: ScriptError,
};

const cause = new Error("ENOENT");
const D = `0x${"ab".repeat(32)}` as const;

/** Every error class of every layer: one instance, its `name` and its message, exactly as the layer writes them. */
const ERRORS: { layer: Layer; error: CinderError; name: string; message: string }[] = [
  { layer: "protocol", error: new CinderError("no deployment", { details: "chain 5" }), name: "CinderError", message: "no deployment\n\nDetails: chain 5" },
  { layer: "protocol", error: new CinderConfigError("rpcUrl", "must be a URL"), name: "CinderConfigError", message: "rpcUrl: must be a URL" },
  { layer: "protocol", error: new LeafError("MALFORMED", "leaves[2].gpuCount", "must be an integer"), name: "LeafError", message: "leaves[2].gpuCount: must be an integer" },
  {
    layer: "sdk",
    error: new CinderInsufficientBalanceError("USDC", "0xabc", 1_000_000n, 2_500_000n, 6),
    name: "CinderInsufficientBalanceError",
    message: "insufficient USDC balance: 0xabc holds 1 USDC, needs 2.5 USDC\n\nDetails: balance 1000000, needed 2500000 (smallest units)",
  },
  { layer: "sdk", error: new CinderOracleError("http://node:8545", "timed out"), name: "CinderOracleError", message: "http://node:8545: timed out" },
  { layer: "sdk", error: new CinderTransactionError("nonce too low"), name: "CinderTransactionError", message: "nonce too low" },
  {
    layer: "sdk",
    error: new CinderContractError("JobMarketNoOffer", [D.slice(0, 42) as `0x${string}`, D] as never, "JobMarket", "createDirectLease"),
    name: "CinderContractError",
    message: `JobMarket.createDirectLease reverted with JobMarketNoOffer(${D.slice(0, 42)}, ${D})`,
  },
  { layer: "sdk", error: new CinderUnknownRevertError(undefined, "paused"), name: "CinderUnknownRevertError", message: "reverted: paused" },
  { layer: "sdk", error: new VoucherError("voucher.amount", "must not decrease"), name: "VoucherError", message: "voucher.amount: must not decrease" },
  { layer: "sdk", error: new SlaProofError("MISSING_LEAF", "epochs[3]", "no leaf for lease 7"), name: "SlaProofError", message: "epochs[3]: no leaf for lease 7" },
  { layer: "keeper", error: new KeeperError("pass failed"), name: "KeeperError", message: "pass failed" },
  { layer: "keeper", error: new KeeperConfigError("NO_KEY", "set CINDER_KEEPER_KEY"), name: "KeeperConfigError", message: "NO_KEY: set CINDER_KEEPER_KEY" },
  { layer: "oracle", error: new OracleError("node stopped"), name: "OracleError", message: "node stopped" },
  {
    layer: "oracle",
    error: new AgentError("invalid-field", "must be hex", { field: "vectors[1]", cause }),
    name: "AgentError",
    message: "invalid-field: must be hex [vectors[1]]",
  },
  { layer: "oracle", error: new ChallengeError("invalid-parameter", "must be at least 64", { field: "parameters.n" }), name: "ChallengeError", message: "invalid-parameter: must be at least 64 [parameters.n]" },
  { layer: "oracle", error: new WorkloadError("malformed", "n", "must be an integer in [1, 1024], got 4096"), name: "WorkloadError", message: "n: must be an integer in [1, 1024], got 4096" },
  { layer: "oracle", error: new GpuBackendError("parse", "not a number", { field: "line 2: power.draw" }), name: "GpuBackendError", message: "parse: not a number [line 2: power.draw]" },
  {
    layer: "oracle",
    error: new CcVerificationError("malformed-report", "truncated", { field: "measurements[0]", offset: 48 }),
    name: "CcVerificationError",
    message: "malformed-report: truncated [measurements[0] at byte 48]",
  },
  { layer: "oracle", error: new SignatureError("high-s", "s is above n/2"), name: "SignatureError", message: "high-s: s is above n/2" },
  { layer: "oracle", error: new ClockError("publicClient", "no block", { cause }), name: "ClockError", message: "publicClient: no block" },
  { layer: "oracle", error: new HttpFault("too-large", "body over 16384 bytes", { field: "body" }), name: "HttpFault", message: "too-large: body over 16384 bytes" },
  { layer: "oracle", error: new RequestAuthError("stale", "timestamp outside the window", "x-cinder-timestamp"), name: "RequestAuthError", message: "stale: timestamp outside the window [x-cinder-timestamp]" },
  { layer: "oracle", error: new OracleNodeError("cannot start"), name: "OracleNodeError", message: "cannot start" },
  { layer: "oracle", error: new ConfigError("peers[1].url", "must be a URL"), name: "ConfigError", message: "oracle node config: peers[1].url: must be a URL" },
  { layer: "oracle", error: new StoreError("schema", "/tmp/n.db", "schema 9 is newer"), name: "StoreError", message: "store /tmp/n.db: schema 9 is newer" },
  {
    layer: "oracle",
    error: new NoSigningMemoryError(3, 5),
    name: "NoSigningMemoryError",
    message: "epoch 3: this node's store remembers its signatures from epoch 5 on and cannot prove it has not signed epoch 3; refusing to sign it",
  },
  { layer: "oracle", error: new AlreadySignedError(4, D, D), name: "AlreadySignedError", message: `epoch 4: already signed report ${D}; refusing to sign a different one (${D})` },
  { layer: "oracle", error: new WireError("bundle.epoch", "must be an integer"), name: "WireError", message: "bundle.epoch: must be an integer" },
  { layer: "oracle", error: new VerdictRefusedError(409, "NOT_JUDGED", "verdict", "not judged yet"), name: "VerdictRefusedError", message: "not judged yet" },
  { layer: "oracle", error: new HttpError(404, "NOT_FOUND", "no route GET /x"), name: "HttpError", message: "no route GET /x" },
  { layer: "cli", error: new CliError("cannot write"), name: "CliError", message: "cannot write" },
  { layer: "cli", error: new UsageError('unknown command "frob"'), name: "UsageError", message: 'unknown command "frob"' },
  { layer: "cli", error: new ControlRequestError(401, "authorization", "missing or wrong control token"), name: "ControlRequestError", message: "missing or wrong control token" },
  { layer: "cli", error: new JsonRpcError("eth_sendTransaction", "insufficient funds for gas", { code: -32000 }), name: "JsonRpcError", message: "eth_sendTransaction failed: insufficient funds for gas" },
  { layer: "scripts", error: new ScriptError("no such chain"), name: "ScriptError", message: "no such chain" },
  { layer: "scripts", error: new DeploymentError("deployed_addresses.json has no Cinder#JobMarket"), name: "DeploymentError", message: "deployed_addresses.json has no Cinder#JobMarket" },
  { layer: "scripts", error: new GovernanceError("actions[0].target", "must be an address"), name: "GovernanceError", message: "actions[0].target: must be an address" },
];

/** The layer a source file belongs to, by its folder. */
function layerOf(path: string): Layer {
  if (path.startsWith("scripts/")) return "scripts";
  const layer = /^src\/([^/]+)\//.exec(path)?.[1];
  if (layer === "protocol" || layer === "sdk" || layer === "oracle" || layer === "keeper" || layer === "cli") return layer;
  throw new Error(`${path}: not in a known layer`);
}

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every class declared in src/ and scripts/: its file, name and what it extends. */
const DECLARED = ["src", "scripts"].flatMap(sources).flatMap((path) =>
  [...readFileSync(path, "utf8").matchAll(/\bclass\s+(\w+)(?:<[^>{]*>)?\s+extends\s+([\w.]+)/g)].map((m) => ({ path, name: m[1]!, base: m[2]! })),
);

describe("Error classes", () => {
  for (const { layer, error, name, message } of ERRORS) {
    it(`${name} is an instance of ${BASE[layer].name} and of CinderError, with its name and message`, () => {
      expect(error).to.be.instanceOf(BASE[layer]);
      expect(error).to.be.instanceOf(CinderError);
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal(name);
      expect(error.message).to.equal(message);
      expect(error.shortMessage.includes("\n"), "the short message is one line").to.equal(false);
    });
  }

  it("gives each layer's base to its own layer only (an oracle error is not a CLI error)", () => {
    for (const { layer, error, name } of ERRORS) {
      for (const base of [OracleError, KeeperError, CliError, ScriptError]) {
        expect(error instanceof base, `${name} instanceof ${base.name}`).to.equal(BASE[layer] === base);
      }
    }
  });

  it("keeps the short message, field, code and cause of the classes that compose their message", () => {
    const leaf = new LeafError("OUT_OF_RANGE", "leaves[0].uptimeBps", "must be at most 10000");
    expect(leaf).to.include({ code: "OUT_OF_RANGE", field: "leaves[0].uptimeBps", shortMessage: "must be at most 10000" });
    const agent = new AgentError("invalid-field", "must be hex", { field: "vectors[1]", cause });
    expect(agent).to.include({ code: "invalid-field", field: "vectors[1]", shortMessage: "must be hex", cause });
    expect(agent.toBody()).to.deep.equal({ error: { code: "invalid-field", field: "vectors[1]", message: "must be hex" } });
    const fault = new HttpFault("busy", "at the connection limit");
    expect(fault).to.include({ status: 503, shortMessage: "at the connection limit" });
    expect(fault.toBody()).to.deep.equal({ error: { code: "busy", field: null, message: "at the connection limit" } });
    expect(new RequestAuthError("replayed", "nonce used", "x-cinder-nonce")).to.include({ status: 409, field: "x-cinder-nonce", shortMessage: "nonce used" });
    expect(new ConfigError("listen.port", "must be an integer")).to.include({ field: "listen.port", shortMessage: "must be an integer" });
    expect(new ClockError("publicClient", "no block", { cause }).cause).to.equal(cause);
    expect(Object.hasOwn(new WireError("epoch", "missing"), "cause"), "no cause, no cause property").to.equal(false);
  });

  it("is reported by the CLI on one line with the message its layer composed", () => {
    expect(describeError(new WorkloadError("malformed", "n", "must be an integer in [1, 1024], got 4096"))).to.deep.equal({
      text: "error: n: must be an integer in [1, 1024], got 4096",
      json: { name: "WorkloadError", message: "n: must be an integer in [1, 1024], got 4096", details: undefined },
    });
    expect(describeError(new CinderError("no deployment", { details: "chain 5" }))).to.deep.equal({
      text: "error: no deployment\n  chain 5",
      json: { name: "CinderError", message: "no deployment", details: "chain 5" },
    });
  });

  it("lets no class in src/ or scripts/ extend Error (or a built-in error) directly but CinderError", () => {
    const direct = DECLARED.filter((c) => /^(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|AggregateError|EvalError|URIError)$/.test(c.base));
    expect(direct.map((c) => `${c.path}: ${c.name}`)).to.deep.equal(["src/protocol/errors.ts: CinderError"]);
  });

  it("lists every error class of src/ and scripts/ above, under the layer of its folder", () => {
    const listed = new Map(ERRORS.map((e) => [e.name, e.layer]));
    const errors = DECLARED.filter((c) => /(?:Error|Fault)$/.test(c.name) || /(?:Error|Fault)$/.test(c.base));
    expect(errors.length).to.be.greaterThan(30);
    for (const c of errors) {
      expect(listed.has(c.name), `${c.path}: ${c.name} is not in this test's list`).to.equal(true);
      expect(listed.get(c.name), `${c.path}: ${c.name}`).to.equal(layerOf(c.path));
    }
  });
});
