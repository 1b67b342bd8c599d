// A TypeScript app against the installed package's types, checked under moduleResolution bundler and node16.
import { type Address, createPublicClient, http } from "viem";
import { hardhat } from "viem/chains";
import { type CinderAddresses, type CinderClient, createCinderClient, isCinderContractError, jobMarketAbi } from "cinder-protocol/sdk";
import { loadDeployment } from "cinder-protocol/sdk/node";
import { JobMarket__factory } from "cinder-protocol/sdk/ethers";
import { type LeafFile, ORACLE_REPORT_SIGNING, buildTree } from "cinder-protocol/protocol";

const publicClient = createPublicClient({ chain: hardhat, transport: http() });
const addresses: CinderAddresses = loadDeployment({ chainId: hardhat.id });
const cinder: CinderClient = createCinderClient({ publicClient, addresses });
export async function leaseOf(leaseId: bigint): Promise<Address> {
  const lease = await cinder.read.lease({ leaseId });
  return lease.provider;
}
export function named(error: unknown): boolean {
  return isCinderContractError(error, "JobMarketDurationOutOfBounds") && error.args[0] > 0n;
}
export const functions: number = jobMarketAbi.filter((item) => item.type === "function").length;
export const connect: typeof JobMarket__factory.connect = JobMarket__factory.connect;
export const types = ORACLE_REPORT_SIGNING.EpochReport.types;
export const tree = buildTree([]);
export type File = LeafFile;
