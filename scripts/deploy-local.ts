/**
 * `npm run deploy:local`: deploys and wires the whole protocol on the in-process Hardhat network with the local
 * parameters, then prints every address. `--network localhost` (through `hardhat run --network localhost`) deploys
 * to a running `hardhat node` instead, with `deploy/parameters/localhost.json`.
 */
import { network } from "hardhat";
import CinderModule from "../deploy/modules/Cinder.js";

const connection = await network.getOrCreate();
const parametersFile = `deploy/parameters/${connection.networkName === "localhost" ? "localhost" : "hardhat"}.json`;
const { ignition, ethers } = connection;

const deployed = await ignition.deploy(CinderModule, { parameters: parametersFile, displayUi: false });
const { chainId } = await ethers.provider.getNetwork();

console.log(`Cinder deployed on ${connection.networkName} (chain ${chainId}) with ${parametersFile}`);
const rows = await Promise.all(
  Object.entries(deployed).map(async ([name, contract]) => [name, await contract.getAddress()] as const),
);
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, address] of rows) console.log(`  ${name.padEnd(width)}  ${address}`);
