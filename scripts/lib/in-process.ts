/**
 * The protocol on the in-process network for viem: deploys the Ignition module with the local parameters and returns
 * the deployment's addresses, a public client and wallet clients of the local accounts (keys signed locally, sent
 * through the connection's EIP-1193 provider). Used by the demo and the README's snippet tests.
 *
 * @example
 * ```ts
 * const { addresses, publicClient, walletFor } = await deployInProcess(await network.create());
 * const cinder = createCinderClient({ publicClient, walletClient: walletFor(16), addresses });
 * ```
 */
import { type Account, type Address, type Chain, type EIP1193Provider, type PublicClient, type Transport, type WalletClient, createPublicClient, createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { NetworkConnection } from "hardhat/types/network";
import CinderModule from "../../deploy/modules/Cinder.js";
import { localKey } from "../../src/cli/local.js";
import type { CinderAddresses } from "../../src/sdk/deployment.js";

/** The parameters file the in-process network deploys with. */
export const IN_PROCESS_PARAMETERS = "deploy/parameters/hardhat.json";

/** What {@link deployInProcess} returns. */
export interface InProcessDeployment {
  addresses: CinderAddresses;
  publicClient: PublicClient;
  transport: Transport;
  /** A wallet client of local account `i` (Hardhat's default mnemonic). */
  walletFor(i: number): WalletClient<Transport, Chain, Account>;
}

/** Deploys the whole protocol (local Uniswap V2 and its seeded pool included) from local account #0. */
export async function deployInProcess(connection: NetworkConnection<"l1">): Promise<InProcessDeployment> {
  const transport = custom(connection.provider as unknown as EIP1193Provider);
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 }) as PublicClient;
  const walletFor = (i: number) => createWalletClient({ chain: hardhat, transport, account: privateKeyToAccount(localKey(i)) });
  const deployed = (await connection.ignition.deploy(CinderModule, {
    parameters: IN_PROCESS_PARAMETERS,
    displayUi: false,
    defaultSender: privateKeyToAccount(localKey(0)).address,
  })) as unknown as Record<string, { getAddress(): Promise<string> }>;
  const at = async (key: string) => (await deployed[key].getAddress()) as Address;
  const addresses: CinderAddresses = {
    manager: await at("manager"),
    token: await at("token"),
    timelock: await at("timelock"),
    governor: await at("governor"),
    registry: await at("registry"),
    vault: await at("vault"),
    feeRouter: await at("feeRouter"),
    emissionController: await at("emissionController"),
    jobMarket: await at("jobMarket"),
    paymentChannels: await at("paymentChannels"),
    buybackBurner: await at("buybackBurner"),
    oracleHub: await at("oracleHub"),
    slaBondManager: await at("slaBondManager"),
    slashingManager: await at("slashingManager"),
    stablecoin: await at("stablecoin"),
    uniswapRouter: await at("uniswapRouter"),
  };
  return { addresses, publicClient, transport, walletFor };
}
