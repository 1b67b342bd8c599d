/**
 * What every SDK action runs against: a public client (reads, simulation, receipts), an optional wallet client
 * (writes), and the deployment's addresses. `createCinderContext` validates them at the edge; actions take the
 * context as their first argument, so they can be used on their own or through `createCinderClient`.
 *
 * @example
 * ```ts
 * const ctx = createCinderContext({ publicClient, walletClient, addresses: loadDeployment({ chainId: 31_337 }) });
 * await registerProvider(ctx, { metadataURI: "ipfs://me", payout: walletClient.account.address });
 * ```
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hash,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  erc20Abi,
  getAddress,
  isAddress,
} from "viem";
import type { CinderAddresses } from "../protocol/deployment.js";
import { CinderConfigError, CinderInsufficientBalanceError, CinderTransactionError, cinderErrorsAbi, decodeCinderError } from "./errors.js";

/** Parameters of {@link createCinderContext}. */
export interface CinderContextParameters {
  /** Reads, simulations and receipts. */
  publicClient: PublicClient;
  /** Sends transactions; needs an account. Optional for read-only use. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
  /** The deployment's addresses (`loadDeployment`, `parseDeployment`). */
  addresses: CinderAddresses;
}

/** The validated context actions run against. */
export interface CinderContext {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient<Transport, Chain | undefined, Account> | undefined;
  readonly addresses: Readonly<CinderAddresses>;
}

/** Checks the clients and addresses; a bad value is a `CinderConfigError` naming the field. */
export function createCinderContext(parameters: CinderContextParameters): CinderContext {
  const { publicClient, walletClient, addresses } = parameters;
  if (publicClient === undefined || typeof publicClient.readContract !== "function") {
    throw new CinderConfigError("publicClient", "must be a viem public client");
  }
  if (walletClient !== undefined && walletClient.account === undefined) {
    throw new CinderConfigError("walletClient.account", "the wallet client has no account (pass `account` to createWalletClient)");
  }
  if (typeof addresses !== "object" || addresses === null) throw new CinderConfigError("addresses", "must be the deployment's addresses");
  const checked: Partial<CinderAddresses> = {};
  for (const [name, value] of Object.entries(addresses) as [keyof CinderAddresses, unknown][]) {
    if (value === undefined) continue;
    checked[name] = checkAddress(value, `addresses.${name}`);
  }
  return { publicClient, walletClient, addresses: checked as CinderAddresses };
}

/** A checksummed address, or a `CinderConfigError` naming `field`. */
export function checkAddress(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new CinderConfigError(field, `not an address: ${JSON.stringify(value)} (expected 0x followed by 40 hex digits)`);
  }
  return getAddress(value);
}

/** A non-negative integer amount as a bigint, or a `CinderConfigError` naming `field`. */
export function checkAmount(value: unknown, field: string, { positive = true, max }: { positive?: boolean; max?: bigint } = {}): bigint {
  if (typeof value !== "bigint") throw new CinderConfigError(field, `must be a bigint, got ${typeof value}`);
  if (positive ? value <= 0n : value < 0n) throw new CinderConfigError(field, `must be ${positive ? "positive" : "non-negative"}, got ${value}`);
  if (max !== undefined && value > max) throw new CinderConfigError(field, `must be at most ${max}, got ${value}`);
  return value;
}

/** An integer in [min, max], or a `CinderConfigError` naming `field`. */
export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new CinderConfigError(field, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** The wallet client, or a `CinderConfigError` when the context is read-only. */
export function requireWallet(ctx: CinderContext): WalletClient<Transport, Chain | undefined, Account> {
  if (ctx.walletClient === undefined) throw new CinderConfigError("walletClient", "this action sends a transaction: pass a wallet client");
  return ctx.walletClient;
}

/** The address that sends the context's transactions. */
export function senderOf(ctx: CinderContext): Address {
  return requireWallet(ctx).account.address;
}

/** A mined, successful transaction and the value the call returned in simulation. */
export interface WriteResult<T> {
  hash: Hash;
  receipt: TransactionReceipt;
  result: T;
}

type Mutability = "nonpayable" | "payable";

/** Parameters of {@link writeContract}. */
export interface WriteParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, Mutability>,
  args extends ContractFunctionArgs<abi, Mutability, functionName>,
> {
  /** Names the contract in error messages. */
  contract: string;
  address: Address;
  abi: abi;
  functionName: functionName;
  args: args;
}

/**
 * Simulates, sends and waits for one contract call. A revert (in simulation or on chain) is decoded into a
 * `CinderContractError` over every Cinder ABI, so an error raised by a contract the call reached is named too.
 */
export async function writeContract<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, Mutability>,
  const args extends ContractFunctionArgs<abi, Mutability, functionName>,
>(
  ctx: CinderContext,
  parameters: WriteParameters<abi, functionName, args>,
): Promise<WriteResult<ContractFunctionReturnType<abi, Mutability, functionName, args>>> {
  const wallet = requireWallet(ctx);
  const context = { contract: parameters.contract, functionName: parameters.functionName };
  const call = {
    address: parameters.address,
    abi: [...(parameters.abi as Abi), ...(cinderErrorsAbi as unknown as Abi)],
    functionName: parameters.functionName as string,
    args: parameters.args as readonly unknown[],
    account: wallet.account,
  };
  let simulated: { result: unknown; request: unknown };
  try {
    simulated = (await ctx.publicClient.simulateContract(call as never)) as { result: unknown; request: unknown };
  } catch (error) {
    throw decodeCinderError(error, context);
  }
  let hash: Hash;
  try {
    hash = await wallet.writeContract({ ...(simulated.request as object), chain: wallet.chain ?? null } as never);
  } catch (error) {
    throw decodeCinderError(error, context);
  }
  const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    // Replay the call at the block it failed in to recover the custom error.
    try {
      await ctx.publicClient.simulateContract({ ...call, blockNumber: receipt.blockNumber } as never);
    } catch (error) {
      throw decodeCinderError(error, context);
    }
    throw new CinderTransactionError(`${parameters.contract}.${parameters.functionName} reverted in transaction ${hash}`);
  }
  return { hash, receipt, result: simulated.result as ContractFunctionReturnType<abi, Mutability, functionName, args> };
}

/** An ERC-20 token's symbol and decimals, for messages. */
export async function tokenInfo(ctx: CinderContext, token: Address): Promise<{ symbol: string; decimals: number }> {
  const [symbol, decimals] = await Promise.all([
    ctx.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }),
    ctx.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
  ]);
  return { symbol, decimals };
}

/** Parameters of {@link ensureFunds}. */
export interface EnsureFundsParameters {
  token: Address;
  /** The contract that will pull the tokens. */
  spender: Address;
  amount: bigint;
  /** Approve the spender for `amount` when the allowance is short (default true). */
  approve?: boolean;
}

/**
 * Checks that the sender holds `amount` of `token` (a `CinderInsufficientBalanceError` with both numbers if not)
 * and approves `spender` for it when the allowance is short. Returns the approval's hash when one was sent.
 */
export async function ensureFunds(ctx: CinderContext, { token, spender, amount, approve = true }: EnsureFundsParameters): Promise<Hash | undefined> {
  const owner = senderOf(ctx);
  const [balance, allowance] = await Promise.all([
    ctx.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] }),
    ctx.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [owner, spender] }),
  ]);
  if (balance < amount) {
    const { symbol, decimals } = await tokenInfo(ctx, token);
    throw new CinderInsufficientBalanceError(symbol, owner, balance, amount, decimals);
  }
  if (allowance >= amount || !approve) return undefined;
  const { hash } = await writeContract(ctx, { contract: "ERC20", address: token, abi: erc20Abi, functionName: "approve", args: [spender, amount] });
  return hash;
}
