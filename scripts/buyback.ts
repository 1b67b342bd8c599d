/**
 * `npm run buyback` (add `-- --network localhost` for a node): one keeper step of the buy-and-burn. It samples the
 * TWAP if due, quotes TWAP and spot, executes within the contract's bounds and prints what was burned. The amount
 * is all the burner holds up to the epoch's cap, or CINDER_BUYBACK_AMOUNT (in the stablecoin's smallest unit).
 *
 * On the in-process network there is no earlier deployment, so it deploys one and funds the burner first (a
 * dry run of the whole path); on any other network it reads the addresses Ignition recorded.
 */
import { network } from "hardhat";
import CinderModule from "../deploy/modules/Cinder.js";
import { runBuyback } from "./lib/buyback.js";
import { DeploymentError, loadDeployment } from "./lib/deployment.js";

const connection = await network.getOrCreate();
const { ethers, networkName } = connection;
const [signer] = await ethers.getSigners();
const { chainId } = await ethers.provider.getNetwork();

async function burnerAddress(): Promise<string> {
  if (networkName !== "default") return loadDeployment(chainId).buybackBurner;
  console.log("in-process network: deploying a fresh protocol and funding the burner with 1,000 tUSD");
  const deployed = await connection.ignition.deploy(CinderModule, {
    parameters: "deploy/parameters/hardhat.json",
    displayUi: false,
  });
  const burner = await deployed.buybackBurner.getAddress();
  await (await deployed.stablecoin.getFunction("faucet")(burner, 1_000_000_000n)).wait();
  await (await deployed.buybackBurner.getFunction("observe")()).wait();
  const { minWindow } = (await deployed.buybackBurner.getFunction("params")()) as { minWindow: bigint };
  await connection.networkHelpers.time.increase(minWindow);
  return burner;
}

function parseAmount(raw: string | undefined): bigint | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^[0-9]+$/.test(raw)) throw new Error(`CINDER_BUYBACK_AMOUNT must be an integer amount in the smallest unit, got "${raw}"`);
  return BigInt(raw);
}

try {
  const burner = await burnerAddress();
  const result = await runBuyback({ burner, signer, amount: parseAmount(process.env.CINDER_BUYBACK_AMOUNT) });
  if (result.status === "executed") {
    console.log(`buyback on ${networkName} (chain ${chainId}), burner ${burner}`);
    console.log(`  spent        ${result.amountIn} (stablecoin units)`);
    console.log(`  TWAP output  ${ethers.formatEther(result.twapOut)} CNDR`);
    console.log(`  spot output  ${ethers.formatEther(result.spotOut)} CNDR`);
    console.log(`  min output   ${ethers.formatEther(result.minOut)} CNDR (TWAP less the slippage bound)`);
    console.log(`  burned       ${ethers.formatEther(result.burned)} CNDR   tx ${result.txHash}`);
  } else if (result.status === "waiting") {
    const when = result.readyAt === undefined ? "" : ` (ready at ${new Date(Number(result.readyAt) * 1000).toISOString()})`;
    console.log(`no buyback yet: ${result.reason}${when}`);
  } else {
    console.log(`no buyback: ${result.reason}`);
  }
} catch (error) {
  const message = error instanceof DeploymentError || error instanceof Error ? error.message : String(error);
  console.error(`buyback failed: ${message}`);
  process.exitCode = 1;
}
