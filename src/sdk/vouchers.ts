/**
 * EIP-712 vouchers for PaymentChannels: a client (or a signer it authorized) signs the cumulative amount it owes a
 * provider; the provider redeems the latest voucher for the difference.
 *
 * @example
 * ```ts
 * const voucher = { client: account.address, provider, cumulativeAmount: 1_000_000n };
 * const signature = await signVoucher({ walletClient, channels, chainId, voucher });
 * const ok = await verifyVoucher({ channels, chainId, voucher, signature, signer: account.address });
 * ```
 */
import {
  type Account,
  type Address,
  type Hex,
  type LocalAccount,
  type WalletClient,
  getAddress,
  hashTypedData,
  isAddress,
  verifyTypedData,
} from "viem";
import { CinderError } from "./errors.js";

/** What a client signs: it owes `provider` `cumulativeAmount` in total over the channel's life. */
export interface Voucher {
  client: Address;
  provider: Address;
  cumulativeAmount: bigint;
}

/** The EIP-712 types of a voucher; they match `PaymentChannels.VOUCHER_TYPEHASH`. */
export const voucherTypes = {
  Voucher: [
    { name: "client", type: "address" },
    { name: "provider", type: "address" },
    { name: "cumulativeAmount", type: "uint128" },
  ],
} as const;

const MAX_UINT128 = (1n << 128n) - 1n;

/** A voucher or its channel is malformed; `field` names what was wrong. */
export class VoucherError extends CinderError {
  override name = "VoucherError" as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Parameters shared by every voucher helper: which PaymentChannels contract on which chain. */
export interface ChannelDomainParameters {
  /** The PaymentChannels contract address. */
  channels: Address;
  /** The chain id the contract lives on. */
  chainId: number | bigint;
}

/** The EIP-712 domain of a PaymentChannels deployment. */
export function voucherDomain({ channels, chainId }: ChannelDomainParameters) {
  if (!isAddress(channels)) throw new VoucherError("channels", `not an address: ${String(channels)}`);
  return { name: "CinderPaymentChannels", version: "1", chainId: BigInt(chainId), verifyingContract: channels } as const;
}

/** Checks a voucher's fields and returns it with checksummed addresses. */
export function validateVoucher(voucher: Voucher): Voucher {
  if (!isAddress(voucher.client)) throw new VoucherError("client", `not an address: ${String(voucher.client)}`);
  if (!isAddress(voucher.provider)) throw new VoucherError("provider", `not an address: ${String(voucher.provider)}`);
  if (typeof voucher.cumulativeAmount !== "bigint" || voucher.cumulativeAmount <= 0n || voucher.cumulativeAmount > MAX_UINT128) {
    throw new VoucherError("cumulativeAmount", `must be a bigint in (0, 2^128), got ${String(voucher.cumulativeAmount)}`);
  }
  return { client: getAddress(voucher.client), provider: getAddress(voucher.provider), cumulativeAmount: voucher.cumulativeAmount };
}

/** The digest a voucher signature covers (equals `PaymentChannels.voucherDigest`). */
export function voucherDigest(parameters: ChannelDomainParameters & { voucher: Voucher }): Hex {
  return hashTypedData({
    domain: voucherDomain(parameters),
    types: voucherTypes,
    primaryType: "Voucher",
    message: validateVoucher(parameters.voucher),
  });
}

/** Parameters of {@link signVoucher}: a wallet client or a local account signs. */
export type SignVoucherParameters = ChannelDomainParameters & { voucher: Voucher } & (
    | { walletClient: WalletClient; account?: Account | Address }
    | { account: LocalAccount }
  );

/** Signs a voucher with the client's key or an authorized signer's key. */
export async function signVoucher(parameters: SignVoucherParameters): Promise<Hex> {
  const typedData = {
    domain: voucherDomain(parameters),
    types: voucherTypes,
    primaryType: "Voucher",
    message: validateVoucher(parameters.voucher),
  } as const;
  if ("walletClient" in parameters) {
    const account = parameters.account ?? parameters.walletClient.account;
    if (account === undefined) throw new VoucherError("account", "the wallet client has no account");
    return parameters.walletClient.signTypedData({ ...typedData, account });
  }
  return parameters.account.signTypedData(typedData);
}

/** Parameters of {@link verifyVoucher}. */
export type VerifyVoucherParameters = ChannelDomainParameters & {
  voucher: Voucher;
  signature: Hex;
  /** The address expected to have signed: the client or a signer it authorized. */
  signer: Address;
};

/** Whether `signature` is `signer`'s signature of the voucher (off-chain check, before serving requests). */
export async function verifyVoucher(parameters: VerifyVoucherParameters): Promise<boolean> {
  if (!isAddress(parameters.signer)) throw new VoucherError("signer", `not an address: ${String(parameters.signer)}`);
  const message = validateVoucher(parameters.voucher);
  try {
    return await verifyTypedData({
      address: parameters.signer,
      domain: voucherDomain(parameters),
      types: voucherTypes,
      primaryType: "Voucher",
      message,
      signature: parameters.signature,
    });
  } catch (error) {
    // viem throws on a signature it cannot parse (wrong length, bad r/s/v): name the field, keep the cause short.
    const reason = error instanceof Error ? (error as { shortMessage?: string }).shortMessage ?? error.message : String(error);
    throw new VoucherError("signature", `malformed signature (${reason})`);
  }
}
