/**
 * Type tests (`expectTypeOf`, checked by `npm run typecheck`) pinning the SDK's public types, imported the way an
 * integrator imports them: through the package's `cinder-protocol/sdk` and `cinder-protocol/sdk/ethers` subpath
 * exports. At run time the test checks that the subpath resolves to the same module as the source.
 */
import { expect } from "chai";
import { expectTypeOf } from "expect-type";
import type { Address, ContractFunctionName, Hash, Hex, TransactionReceipt } from "viem";
import * as sdk from "cinder-protocol/sdk";
import {
  type CinderAddresses,
  type CinderClient,
  type CinderContractError,
  type CinderErrorArgs,
  type CinderErrorName,
  type CreateCinderClientParameters,
  type CreateDirectLeaseParameters,
  type CreateDirectLeaseReturnType,
  type GetLeaseReturnType,
  type SettleSlaReturnType,
  type Voucher,
  CinderError,
  createCinderClient,
  decodeCinderError,
  isCinderContractError,
  jobMarketAbi,
} from "cinder-protocol/sdk";
import { JobMarket__factory } from "cinder-protocol/sdk/ethers";
import * as source from "../../src/sdk/index.js";

describe("SDK public types", function () {
  it("the cinder-protocol/sdk subpath resolves to the SDK's entry module", function () {
    expect(sdk.createCinderClient).to.equal(source.createCinderClient);
    expect(sdk.jobMarketAbi).to.equal(source.jobMarketAbi);
    expect(typeof JobMarket__factory.connect).to.equal("function");
    expect(new sdk.CinderConfigError("x", "y")).to.be.instanceOf(CinderError);
  });

  it("pins the client, its actions, errors and ABIs", function () {
    expectTypeOf(createCinderClient).parameter(0).toEqualTypeOf<CreateCinderClientParameters>();
    expectTypeOf(createCinderClient).returns.toEqualTypeOf<CinderClient>();
    expectTypeOf<CreateCinderClientParameters["addresses"]>().toEqualTypeOf<CinderAddresses | undefined>();
    expectTypeOf<CinderAddresses["jobMarket"]>().toEqualTypeOf<Address>();

    expectTypeOf<CinderClient["leases"]["createDirect"]>().parameters.toEqualTypeOf<[CreateDirectLeaseParameters]>();
    expectTypeOf<CinderClient["leases"]["createDirect"]>().returns.resolves.toEqualTypeOf<CreateDirectLeaseReturnType>();
    expectTypeOf<CreateDirectLeaseReturnType>().toMatchTypeOf<{ hash: Hash; receipt: TransactionReceipt; leaseId: bigint; value: bigint }>();
    expectTypeOf<CinderClient["provider"]["stake"]>().parameter(0).toEqualTypeOf<{ amount: bigint }>();
    expectTypeOf<CinderClient["delegator"]["delegate"]>().returns.resolves.toHaveProperty("result").toEqualTypeOf<bigint>();
    expectTypeOf<CinderClient["keeper"]["settleSla"]>().returns.resolves.toEqualTypeOf<SettleSlaReturnType>();
    expectTypeOf<SettleSlaReturnType["credit"]>().toEqualTypeOf<bigint>();
    expectTypeOf<CinderClient["channels"]["signVoucher"]>().returns.resolves.toEqualTypeOf<{ voucher: Voucher; signature: Hex }>();

    expectTypeOf<GetLeaseReturnType["pricePerGpuHour"]>().toEqualTypeOf<number>();
    expectTypeOf<GetLeaseReturnType["value"]>().toEqualTypeOf<bigint>();
    expectTypeOf<GetLeaseReturnType["client"]>().toEqualTypeOf<Address>();
    expectTypeOf<Awaited<ReturnType<CinderClient["read"]["status"]>>>().not.toBeAny();
    expectTypeOf<CinderClient>().not.toBeAny();

    expectTypeOf<"JobMarketDurationOutOfBounds">().toMatchTypeOf<CinderErrorName>();
    expectTypeOf<"ProviderRegistryInsufficientCapacity">().toMatchTypeOf<CinderErrorName>();
    expectTypeOf<"NotACinderError">().not.toMatchTypeOf<CinderErrorName>();
    expectTypeOf<CinderErrorArgs<"JobMarketDurationOutOfBounds">>().toEqualTypeOf<readonly [bigint, bigint, bigint]>();
    expectTypeOf<CinderContractError<"ProviderRegistryInsufficientCapacity">["args"]>().toEqualTypeOf<readonly [Address, Hex, bigint, bigint]>();
    expectTypeOf(decodeCinderError).returns.toEqualTypeOf<CinderError>();
    const error: unknown = undefined;
    if (isCinderContractError(error, "JobMarketLeaseValueTooLow")) expectTypeOf(error.args).toEqualTypeOf<readonly [bigint, bigint]>();

    expectTypeOf<"createDirectLease">().toMatchTypeOf<ContractFunctionName<typeof jobMarketAbi>>();
    expectTypeOf<"notAFunction">().not.toMatchTypeOf<ContractFunctionName<typeof jobMarketAbi>>();
    expectTypeOf(JobMarket__factory.connect).returns.toHaveProperty("createDirectLease");

    const client = undefined as unknown as CinderClient;
    type Watch = Parameters<typeof client.watch<"jobMarket", "LeaseCreated">>[0];
    expectTypeOf<Watch["contract"]>().toMatchTypeOf<string>();
    const leaseLogs = (logs: Parameters<Extract<Parameters<typeof sdk.watchCinderEvent<"jobMarket", "LeaseCreated">>[1]["onLogs"], (...args: never[]) => unknown>>[0]) =>
      logs.map((l) => l.args.leaseId);
    expectTypeOf(leaseLogs).returns.toEqualTypeOf<bigint[]>();
  });
});
