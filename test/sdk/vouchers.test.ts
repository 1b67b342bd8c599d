/**
 * Unit tests of the TypeScript voucher helpers (src/sdk/vouchers.ts): the EIP-712 domain, validation with a
 * VoucherError naming the bad field, signing through a wallet client (JSON-RPC account on the in-process network)
 * and through a local account, off-chain verification, and the digest, checked against the deployed
 * PaymentChannels (`voucherDigest`, `eip712Domain`).
 */
import { expect } from "chai";
import {
  type Address,
  type Hex,
  createWalletClient,
  custom,
  getAddress,
  hashTypedData,
  keccak256,
  recoverAddress,
  toHex,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { connectCinder } from "../helpers/fixture.js";
import {
  type Voucher,
  VoucherError,
  signVoucher,
  validateVoucher,
  verifyVoucher,
  voucherDigest,
  voucherDomain,
  voucherTypes,
} from "../../src/sdk/vouchers.js";

const { connection, loadCinder } = await connectCinder();

const MNEMONIC = "test test test test test test test test test test test junk";
const MAX_UINT128 = 2n ** 128n - 1n;
const CHANNELS = getAddress(`0x${"c0".repeat(20)}`);
const CHAIN_ID = 31_337n;
const CLIENT = getAddress(`0x${"c1".repeat(20)}`);
const PROVIDER = getAddress(`0x${"d1".repeat(20)}`);
const KEY = keccak256(toHex("cinder/test/sdk/vouchers"));

const voucher = (cumulativeAmount: bigint, client: Address = CLIENT): Voucher => ({
  client,
  provider: PROVIDER,
  cumulativeAmount,
});

/** Runs `f` and returns the VoucherError it throws (failing if it throws nothing or something else). */
function voucherErrorOf(f: () => unknown): VoucherError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(VoucherError);
    return e as VoucherError;
  }
  expect.fail("expected a VoucherError");
}
async function asyncVoucherErrorOf(f: () => Promise<unknown>): Promise<VoucherError> {
  try {
    await f();
  } catch (e) {
    expect(e).to.be.instanceOf(VoucherError);
    return e as VoucherError;
  }
  expect.fail("expected a VoucherError");
}

describe("vouchers.voucherDomain", function () {
  it("is CinderPaymentChannels version 1 on the given chain and contract", function () {
    expect(voucherDomain({ channels: CHANNELS, chainId: 31_337 })).to.deep.equal({
      name: "CinderPaymentChannels",
      version: "1",
      chainId: CHAIN_ID,
      verifyingContract: CHANNELS,
    });
    expect(voucherDomain({ channels: CHANNELS, chainId: 10n }).chainId).to.equal(10n);
  });

  it("equals the deployed contract's EIP-712 domain (eip712Domain)", async function () {
    const c = await loadCinder();
    const channels = getAddress(await c.paymentChannels.getAddress());
    const chainId = (await c.ethers.provider.getNetwork()).chainId;
    const d = await c.paymentChannels.eip712Domain();
    const ours = voucherDomain({ channels, chainId });
    expect(d.name).to.equal(ours.name);
    expect(d.version).to.equal(ours.version);
    expect(d.chainId).to.equal(ours.chainId);
    expect(getAddress(d.verifyingContract)).to.equal(ours.verifyingContract);
  });

  it('throws a VoucherError naming "channels" for a contract address that is not an address', function () {
    const e = voucherErrorOf(() => voucherDomain({ channels: "0x1234" as Address, chainId: 1 }));
    expect(e.field).to.equal("channels");
    expect(e.name).to.equal("VoucherError");
    expect(e.message).to.match(/^channels: not an address: 0x1234$/);
  });
});

describe("vouchers.validateVoucher", function () {
  it("returns the voucher with checksummed addresses", function () {
    const lower = {
      client: CLIENT.toLowerCase() as Address,
      provider: PROVIDER.toLowerCase() as Address,
      cumulativeAmount: 5n,
    };
    expect(validateVoucher(lower)).to.deep.equal({ client: CLIENT, provider: PROVIDER, cumulativeAmount: 5n });
  });

  it("accepts the amounts 1 and 2^128 - 1 (the contract's uint128 range without zero)", function () {
    expect(validateVoucher(voucher(1n)).cumulativeAmount).to.equal(1n);
    expect(validateVoucher(voucher(MAX_UINT128)).cumulativeAmount).to.equal(MAX_UINT128);
  });

  it("throws a VoucherError naming the field for a bad client or provider address", function () {
    const badClients = [
      "0x1234",
      "not an address",
      `0x${"zz".repeat(20)}`,
      "0xC1c1c1c1c1C1c1c1c1c1c1c1c1c1c1c1c1c1C1C1",
    ];
    for (const bad of badClients) {
      const e = voucherErrorOf(() => validateVoucher({ ...voucher(1n), client: bad as Address }));
      expect(e.field, bad).to.equal("client");
      expect(e.message).to.equal(`client: not an address: ${bad}`);
    }
    const e = voucherErrorOf(() => validateVoucher({ ...voucher(1n), provider: "0xdead" as Address }));
    expect(e.field).to.equal("provider");
    expect(e.message).to.equal("provider: not an address: 0xdead");
  });

  it("throws a VoucherError naming cumulativeAmount for zero, negative, >= 2^128 or non-bigint amounts", function () {
    for (const bad of [0n, -1n, -(10n ** 30n), MAX_UINT128 + 1n, 2n ** 200n]) {
      const e = voucherErrorOf(() => validateVoucher(voucher(bad)));
      expect(e.field, String(bad)).to.equal("cumulativeAmount");
      expect(e.message).to.equal(`cumulativeAmount: must be a bigint in (0, 2^128), got ${bad}`);
    }
    for (const bad of [5, "5", null, undefined]) {
      const e = voucherErrorOf(() => validateVoucher({ ...voucher(1n), cumulativeAmount: bad as unknown as bigint }));
      expect(e.field, String(bad)).to.equal("cumulativeAmount");
    }
  });
});

describe("vouchers.signVoucher", function () {
  it("signs the same signature through a wallet client (JSON-RPC account) as through the local account", async function () {
    const c = await loadCinder();
    const client = getAddress(c.clients[0].address);
    const local = mnemonicToAccount(MNEMONIC, { addressIndex: 16 });
    expect(local.address).to.equal(client);
    const walletClient = await connection.viem.getWalletClient(client);
    const domain = { channels: CHANNELS, chainId: CHAIN_ID };
    for (const amount of [1n, 123_456_789n, MAX_UINT128]) {
      const v = voucher(amount, client);
      const viaWallet = await signVoucher({ walletClient, ...domain, voucher: v });
      const viaAccount = await signVoucher({ account: local, ...domain, voucher: v });
      expect(viaWallet, `amount ${amount}`).to.equal(viaAccount);
      // And an explicit account on the wallet client, by address.
      expect(await signVoucher({ walletClient, account: client, ...domain, voucher: v })).to.equal(viaAccount);
    }
  });

  it("signs the same through a viem wallet client holding a local account", async function () {
    const account = privateKeyToAccount(KEY);
    const walletClient = createWalletClient({ account, transport: custom(connection.provider) });
    const v = voucher(42n, account.address);
    const domain = { channels: CHANNELS, chainId: CHAIN_ID };
    expect(await signVoucher({ walletClient, ...domain, voucher: v })).to.equal(
      await signVoucher({ account, ...domain, voucher: v }),
    );
  });

  it("signs a signature that recovers to the signer over voucherDigest", async function () {
    const account = privateKeyToAccount(KEY);
    const params = { channels: CHANNELS, chainId: CHAIN_ID, voucher: voucher(7n, account.address) };
    const signature = await signVoucher({ account, ...params });
    expect(await recoverAddress({ hash: voucherDigest(params), signature })).to.equal(account.address);
  });

  it('throws a VoucherError naming "account" for a wallet client without an account', async function () {
    const walletClient = createWalletClient({ transport: custom(connection.provider) });
    const e = await asyncVoucherErrorOf(() =>
      signVoucher({ walletClient, channels: CHANNELS, chainId: CHAIN_ID, voucher: voucher(1n) }),
    );
    expect(e.field).to.equal("account");
  });

  it("validates the voucher before signing", async function () {
    const account = privateKeyToAccount(KEY);
    const e = await asyncVoucherErrorOf(() =>
      signVoucher({ account, channels: CHANNELS, chainId: CHAIN_ID, voucher: voucher(0n) }),
    );
    expect(e.field).to.equal("cumulativeAmount");
  });
});

describe("vouchers.verifyVoucher", function () {
  it("is true for the signer and false for another address, another amount or another domain", async function () {
    const signer = privateKeyToAccount(KEY);
    const other = privateKeyToAccount(keccak256(toHex("cinder/test/sdk/other")));
    const domain = { channels: CHANNELS, chainId: CHAIN_ID };
    const v = voucher(1_000_000n);
    const signature = await signVoucher({ account: signer, ...domain, voucher: v });
    expect(await verifyVoucher({ ...domain, voucher: v, signature, signer: signer.address })).to.equal(true);
    expect(await verifyVoucher({ ...domain, voucher: v, signature, signer: other.address })).to.equal(false);
    expect(await verifyVoucher({ ...domain, voucher: v, signature, signer: CLIENT })).to.equal(false);
    expect(
      await verifyVoucher({ ...domain, voucher: voucher(1_000_001n), signature, signer: signer.address }),
    ).to.equal(false);
    expect(
      await verifyVoucher({ channels: CHANNELS, chainId: 1n, voucher: v, signature, signer: signer.address }),
    ).to.equal(false);
    expect(
      await verifyVoucher({ channels: PROVIDER, chainId: CHAIN_ID, voucher: v, signature, signer: signer.address }),
    ).to.equal(false);
  });

  it('answers false, or throws a VoucherError naming "signature", for a malformed signature (never a raw viem error)', async function () {
    // A gateway checks signatures that clients send it; the contract rejects these with PaymentChannelsInvalidSignature.
    const domain = { channels: CHANNELS, chainId: CHAIN_ID };
    const malformed: Hex[] = ["0x", "0x1234", `0x${"00".repeat(65)}`, `0x${"11".repeat(64)}1d`];
    for (const signature of malformed) {
      let answer: boolean | VoucherError;
      try {
        answer = await verifyVoucher({ ...domain, voucher: voucher(1n), signature, signer: CLIENT });
      } catch (e) {
        expect(e, `${signature.slice(0, 12)}: ${String(e)}`).to.be.instanceOf(VoucherError);
        answer = e as VoucherError;
      }
      if (answer instanceof VoucherError) expect(answer.field).to.equal("signature");
      else expect(answer, signature.slice(0, 12)).to.equal(false);
    }
  });

  it("throws a VoucherError for a malformed voucher instead of answering", async function () {
    const e = await asyncVoucherErrorOf(() =>
      verifyVoucher({
        channels: CHANNELS,
        chainId: CHAIN_ID,
        voucher: voucher(-5n),
        signature: `0x${"00".repeat(65)}` as Hex,
        signer: CLIENT,
      }),
    );
    expect(e.field).to.equal("cumulativeAmount");
  });
});

describe("vouchers.voucherDigest", function () {
  it("matches the deployed contract's voucherDigest", async function () {
    const c = await loadCinder();
    const channels = getAddress(await c.paymentChannels.getAddress());
    const chainId = (await c.ethers.provider.getNetwork()).chainId;
    for (const v of [voucher(1n), voucher(MAX_UINT128), voucher(987_654_321n, getAddress(c.clients[2].address))]) {
      expect(voucherDigest({ channels, chainId, voucher: v }), String(v.cumulativeAmount)).to.equal(
        await c.paymentChannels.voucherDigest(v),
      );
    }
  });

  it("is the EIP-712 hash of Voucher(address client,address provider,uint128 cumulativeAmount)", async function () {
    const c = await loadCinder();
    expect(await c.paymentChannels.VOUCHER_TYPEHASH()).to.equal(
      keccak256(toHex("Voucher(address client,address provider,uint128 cumulativeAmount)")),
    );
    const v = voucher(99n);
    expect(voucherDigest({ channels: CHANNELS, chainId: CHAIN_ID, voucher: v })).to.equal(
      hashTypedData({
        domain: { name: "CinderPaymentChannels", version: "1", chainId: CHAIN_ID, verifyingContract: CHANNELS },
        types: voucherTypes,
        primaryType: "Voucher",
        message: v,
      }),
    );
    // Any change of chain, contract, client, provider or amount changes the digest.
    const base = voucherDigest({ channels: CHANNELS, chainId: CHAIN_ID, voucher: v });
    const variants = [
      voucherDigest({ channels: CHANNELS, chainId: 1n, voucher: v }),
      voucherDigest({ channels: PROVIDER, chainId: CHAIN_ID, voucher: v }),
      voucherDigest({ channels: CHANNELS, chainId: CHAIN_ID, voucher: { ...v, client: PROVIDER } }),
      voucherDigest({ channels: CHANNELS, chainId: CHAIN_ID, voucher: { ...v, provider: CLIENT } }),
      voucherDigest({ channels: CHANNELS, chainId: CHAIN_ID, voucher: { ...v, cumulativeAmount: 100n } }),
    ];
    expect(new Set([base, ...variants]).size).to.equal(6);
  });

  it("throws a VoucherError for a malformed voucher", function () {
    const e = voucherErrorOf(() =>
      voucherDigest({
        channels: CHANNELS,
        chainId: CHAIN_ID,
        voucher: { ...voucher(1n), provider: "0x00" as Address },
      }),
    );
    expect(e.field).to.equal("provider");
  });
});
