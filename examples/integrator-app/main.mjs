// A plain JavaScript ESM app using the installed package, as an integrator writes one: no addresses (the SDK finds
// the deployment `cinder node` saved, by chain id), reads the status, leases a GPU, opens a channel, signs a voucher
// and the provider redeems it. Prints one JSON line. RPC, CLIENT_KEY, PROVIDER_KEY and CUMULATIVE come from the env.
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createCinderClient, verifyVoucher } from "cinder-protocol/sdk/node";
import { buildTree, jobMarketAbi } from "cinder-protocol/protocol";

const transport = http(process.env.RPC);
const publicClient = createPublicClient({ chain: hardhat, transport });
const walletFor = (key) => createWalletClient({ chain: hardhat, transport, account: privateKeyToAccount(key) });
const client = createCinderClient({ publicClient, walletClient: walletFor(process.env.CLIENT_KEY) });

const status = await client.read.status();
const provider = status.providers[0].address;
const { leaseId } = await client.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: 7_200n, maxPricePerGpuHour: 2_000_000n });
await client.channels.deposit({ provider, amount: 20_000_000n });
const cumulativeAmount = BigInt(process.env.CUMULATIVE);
const { voucher, signature } = await client.channels.signVoucher({ provider, cumulativeAmount });
const valid = await verifyVoucher({ channels: client.addresses.paymentChannels, chainId: hardhat.id, voucher, signature, signer: client.context.walletClient.account.address });
const seller = createCinderClient({ publicClient, walletClient: walletFor(process.env.PROVIDER_KEY) });
const { result: credited } = await seller.provider.redeemVoucher({ voucher, signature });
const root = buildTree([{ kind: "uptime", leaseId, epoch: 1, secondsUp: 10, secondsObserved: 10 }]).root;
console.log(JSON.stringify({ node: process.version, providers: status.providers.length, leaseId: String(leaseId), valid, credited: String(credited), root, abi: jobMarketAbi.length > 0 }));
