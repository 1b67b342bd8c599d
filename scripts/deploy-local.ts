/**
 * `npm run deploy:local`: deploys and wires the whole protocol on the in-process Hardhat network with the local
 * parameters (or the file CINDER_PARAMETERS names), then prints every address. `--network localhost` (through `hardhat run --network localhost`) deploys
 * to a running `hardhat node` instead, with `deploy/parameters/localhost.json`.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { network } from "hardhat";
import CinderModule from "../deploy/modules/Cinder.js";
import { deploymentId } from "./lib/deployment.js";

const connection = await network.getOrCreate();
// CINDER_PARAMETERS names another parameters file (an integration test's short epochs, say).
const parametersFile =
  process.env.CINDER_PARAMETERS ?? `deploy/parameters/${connection.networkName === "localhost" ? "localhost" : "hardhat"}.json`;
if (!existsSync(parametersFile)) {
  console.error(`deploy:local: parameters file ${parametersFile} does not exist (check CINDER_PARAMETERS)`);
  process.exit(1);
}
const { ignition, ethers } = connection;

// A `hardhat node` forgets everything when it restarts, but Ignition's journal for its chain id stays on disk:
// if the journal's contracts have no code on this chain, it belongs to an earlier node and is discarded.
const { chainId: journalChain } = await ethers.provider.getNetwork();
const id = deploymentId(journalChain);
const journalDir = `deploy/deployments/${id}`;
const addressesFile = `${journalDir}/deployed_addresses.json`;
if (existsSync(addressesFile)) {
  const recorded = Object.values(JSON.parse(readFileSync(addressesFile, "utf8")) as Record<string, string>);
  const codes = await Promise.all(recorded.map((address) => ethers.provider.getCode(address)));
  if (codes.some((code) => code === "0x")) {
    console.log(`discarding ${journalDir}: its contracts are not on this chain (the node restarted)`);
    rmSync(journalDir, { recursive: true, force: true });
  }
}

const deployed = await ignition.deploy(CinderModule, {
  parameters: parametersFile,
  displayUi: false,
  // The in-process network keeps no journal; a node's journal is deploy/deployments/<id>.
  ...(connection.networkName === "localhost" ? { deploymentId: id } : {}),
});
const { chainId } = await ethers.provider.getNetwork();

console.log(`Cinder deployed on ${connection.networkName} (chain ${chainId}) with ${parametersFile}`);
const rows = await Promise.all(
  Object.entries(deployed).map(async ([name, contract]) => [name, await contract.getAddress()] as const),
);
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, address] of rows) console.log(`  ${name.padEnd(width)}  ${address}`);
