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
import { type CinderAddresses, CINDER_DEPLOYMENT_FUTURES } from "../../src/protocol/deployment.js";

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
  // Every address the SDK's deployment list names, from the module's result of the same name.
  const addresses = {} as Record<keyof CinderAddresses, Address>;
  for (const name of Object.keys(CINDER_DEPLOYMENT_FUTURES) as (keyof CinderAddresses)[]) {
    const future = deployed[name];
    if (future === undefined) throw new Error(`the Cinder module returns no ${name} (${CINDER_DEPLOYMENT_FUTURES[name]}): update CINDER_DEPLOYMENT_FUTURES`);
    addresses[name] = (await future.getAddress()) as Address;
  }
  return { addresses, publicClient, transport, walletFor };
}
