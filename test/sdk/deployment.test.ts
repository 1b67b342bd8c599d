/**
 * Deployment discovery (`cinder-protocol/sdk/node`): `loadDeployment` by chain id finds an explicit file, then the
 * record `cinder node` saves under CINDER_HOME, then Ignition's journal in the current folder; a chain with none is
 * a `CinderConfigError` naming where it looked. The browser entry's `createCinderClient` without addresses knows
 * only the public deployments and says how to pass them.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createPublicClient, getAddress, http } from "viem";
import { hardhat } from "viem/chains";
import { CINDER_DEPLOYMENT_FUTURES, type CinderAddresses, CinderConfigError } from "../../src/protocol/index.js";
import { createCinderClient as createBrowserClient } from "../../src/sdk/index.js";
import { createCinderClient, loadDeployment, saveDeployment, savedDeploymentFile } from "../../src/sdk/node.js";

const address = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const ADDRESSES = Object.fromEntries(Object.keys(CINDER_DEPLOYMENT_FUTURES).map((name, i) => [name, address(0x1000 + i)])) as unknown as CinderAddresses;

describe("SDK: deployment discovery by chain id", function () {
  let home: string;
  const saved = { home: process.env.CINDER_HOME, file: process.env.CINDER_DEPLOYMENT_FILE, id: process.env.CINDER_DEPLOYMENT_ID };

  beforeEach(function () {
    home = mkdtempSync(join(tmpdir(), "cinder-home-"));
    process.env.CINDER_HOME = home;
    delete process.env.CINDER_DEPLOYMENT_FILE;
    delete process.env.CINDER_DEPLOYMENT_ID;
  });

  afterEach(function () {
    rmSync(home, { recursive: true, force: true });
    for (const [name, value] of [["CINDER_HOME", saved.home], ["CINDER_DEPLOYMENT_FILE", saved.file], ["CINDER_DEPLOYMENT_ID", saved.id]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("finds the record cinder node saved for the chain, from any folder", function () {
    const file = saveDeployment({ chainId: 4_242, addresses: ADDRESSES });
    expect(file).to.equal(savedDeploymentFile(4_242));
    expect(file.startsWith(home)).to.equal(true);
    expect(loadDeployment({ chainId: 4_242 })).to.deep.equal(ADDRESSES);
    const publicClient = createPublicClient({ chain: { ...hardhat, id: 4_242 }, transport: http("http://127.0.0.1:1") });
    expect(createCinderClient({ publicClient }).addresses).to.deep.equal(ADDRESSES);
  });

  it("reads an explicit file (argument or CINDER_DEPLOYMENT_FILE) before any other", function () {
    saveDeployment({ chainId: 4_243, addresses: ADDRESSES });
    const other = { ...ADDRESSES, jobMarket: address(0xbeef) };
    const file = join(home, "elsewhere.json");
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(CINDER_DEPLOYMENT_FUTURES).map(([name, future]) => [future, other[name as keyof CinderAddresses]]))));
    expect(loadDeployment({ chainId: 4_243, file }).jobMarket).to.equal(address(0xbeef));
    process.env.CINDER_DEPLOYMENT_FILE = file;
    expect(loadDeployment({ chainId: 4_243 }).jobMarket).to.equal(address(0xbeef));
  });

  it("names where it looked when no deployment is known for the chain", function () {
    expect(() => loadDeployment({ chainId: 4_244 }))
      .to.throw(CinderConfigError)
      .with.property("message")
      .that.includes(join(home, "deployments", "chain-4244", "deployed_addresses.json"))
      .and.includes("cinder node");
    mkdirSync(join(home, "deployments", "chain-4245"), { recursive: true });
    writeFileSync(savedDeploymentFile(4_245), "{");
    expect(() => loadDeployment({ chainId: 4_245 })).to.throw(CinderConfigError, /is not valid JSON/);
  });

  it("the browser entry without addresses knows only public deployments and says how to pass them", function () {
    saveDeployment({ chainId: 4_246, addresses: ADDRESSES });
    const publicClient = createPublicClient({ chain: { ...hardhat, id: 4_246 }, transport: http("http://127.0.0.1:1") });
    expect(() => createBrowserClient({ publicClient })).to.throw(CinderConfigError, /no public Cinder deployment known for chain 4246/);
    expect(createBrowserClient({ publicClient, addresses: ADDRESSES }).addresses).to.deep.equal(ADDRESSES);
  });
});
