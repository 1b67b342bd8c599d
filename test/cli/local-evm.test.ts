import { expect } from "chai";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { artifactResolver, readParameters } from "../../src/cli/deploy.js";
import { anvilBinary, chooseLocalEvm, hardhatInstall, startHardhatNode } from "../../src/cli/local.js";
import { CinderConfigError, CinderError } from "../../src/protocol/errors.js";

const INSTALL =
  "install one in your app (`npm install --save-dev hardhat` in a Hardhat project, or `npm install @foundry-rs/anvil-linux-amd64` for anvil), or pass --rpc <url> of a running EVM node";

describe("cinder node: which local EVM node it starts", function () {
  const work = mkdtempSync(join(tmpdir(), "cinder-local-evm-"));
  /** An app with nothing installed. */
  const bare = join(work, "bare");
  /** An app that is a Hardhat project with this repository's hardhat installed. */
  const hardhatApp = join(work, "hardhat-app");
  /** An app with hardhat installed but no Hardhat config. */
  const noConfig = join(work, "no-config");

  before(function () {
    for (const dir of [bare, hardhatApp, noConfig]) {
      mkdirSync(join(dir, "node_modules"), { recursive: true });
      writeFileSync(join(dir, "package.json"), "{}");
    }
    for (const dir of [hardhatApp, noConfig]) symlinkSync(resolve("node_modules", "hardhat"), join(dir, "node_modules", "hardhat"));
    writeFileSync(join(hardhatApp, "hardhat.config.js"), "export default {};\n");
  });

  after(function () {
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses to start one where neither hardhat nor anvil is installed, saying what to install or to pass --rpc", function () {
    expect(() => chooseLocalEvm(undefined, [bare])).to.throw(CinderConfigError, `--rpc: no local EVM node to start (neither hardhat nor anvil is installed): ${INSTALL}`);
    expect(() => chooseLocalEvm("hardhat", [bare])).to.throw(CinderConfigError, `--evm: hardhat is not installed in a Hardhat project here: ${INSTALL}`);
    expect(() => chooseLocalEvm("anvil", [bare])).to.throw(CinderConfigError, `--evm: anvil is not installed: ${INSTALL}`);
  });

  it("runs the app's hardhat in the app's Hardhat project, and not a hardhat without a config", function () {
    expect(hardhatInstall([noConfig])).to.equal(undefined);
    const install = hardhatInstall([noConfig, hardhatApp]);
    expect(install?.project).to.equal(hardhatApp);
    // Node resolves the installed package through its symlink to the real folder.
    expect(install?.cli).to.equal(join(realpathSync(join(hardhatApp, "node_modules", "hardhat")), "dist", "src", "cli.js"));
    expect(chooseLocalEvm(undefined, [bare, hardhatApp])).to.equal("hardhat");
  });

  it("says why a node exits before answering, in the node's own words (here: its port is taken)", async function () {
    this.timeout(120_000);
    const port = 29_000 + (process.pid % 500);
    const taken = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => taken.listen(port, "127.0.0.1", done));
    let error: unknown;
    try {
      await startHardhatNode({ port, cwd: hardhatApp }).then((node) => node.stop(), (e: unknown) => (error = e));
    } finally {
      await new Promise((done) => taken.close(done));
    }
    expect(error).to.be.instanceOf(CinderError);
    expect((error as Error).message).to.equal(`hardhat node exited before answering on http://127.0.0.1:${port}: Error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
  });

  it("falls back to anvil where only anvil resolves", function () {
    // The npm package is this repository's optional dependency, for Linux x64 only.
    if (anvilBinary([resolve(".")]) === undefined) this.skip();
    const anvilApp = join(work, "anvil-app");
    mkdirSync(join(anvilApp, "node_modules", "@foundry-rs"), { recursive: true });
    writeFileSync(join(anvilApp, "package.json"), "{}");
    symlinkSync(resolve("node_modules", "@foundry-rs", "anvil-linux-amd64"), join(anvilApp, "node_modules", "@foundry-rs", "anvil-linux-amd64"));
    expect(chooseLocalEvm(undefined, [bare, anvilApp])).to.equal("anvil");
    expect(anvilBinary([anvilApp])).to.equal(join(realpathSync(join(anvilApp, "node_modules", "@foundry-rs", "anvil-linux-amd64")), "bin", "anvil"));
  });
});

describe("cinder node: deploying without Hardhat", function () {
  it("reads Ignition's parameter format, bigints written as digits ending in n", function () {
    const parameters = readParameters(resolve("deploy", "parameters", "localhost.json"));
    expect(parameters.Cinder.votingPeriod).to.equal(300n);
    expect(parameters.Cinder.guardian).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("names a parameters file that is missing or not JSON", function () {
    const dir = mkdtempSync(join(tmpdir(), "cinder-parameters-"));
    try {
      expect(() => readParameters(join(dir, "none.json"))).to.throw(CinderConfigError, `parameters file: ${join(dir, "none.json")} does not exist`);
      writeFileSync(join(dir, "bad.json"), "{ nope");
      expect(() => readParameters(join(dir, "bad.json"))).to.throw(CinderConfigError, `parameters file: ${join(dir, "bad.json")} is not valid JSON`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("resolves the module's contracts from this checkout's Hardhat artifacts, and names a contract it has none for", async function () {
    const artifact = await artifactResolver.loadArtifact("JobMarket");
    expect(artifact.contractName).to.equal("JobMarket");
    expect(artifact.bytecode).to.match(/^0x[0-9a-f]{1000,}$/);
    let error: unknown;
    await artifactResolver.loadArtifact("NoSuchContract").catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal("no artifact for NoSuchContract: the package build did not ship it (in a checkout, run `npx hardhat build`)");
  });
});
