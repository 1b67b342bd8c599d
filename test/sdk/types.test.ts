/**
 * Type tests (`expectTypeOf`, checked by `npm run typecheck`) pinning the SDK's public types, imported from the
 * entry modules the package's `cinder-protocol/sdk` and `cinder-protocol/sdk/ethers` subpaths are compiled from (the
 * compiled package itself is type-checked and run from an installed tarball by e2e/package/). At run time the test
 * checks that each subpath export names the compiled form of its entry module, types beside the JavaScript.
 */
import { expect } from "chai";
import { expectTypeOf } from "expect-type";
import type { Address, ContractFunctionName, Hash, Hex, TransactionReceipt } from "viem";
import { existsSync, readFileSync } from "node:fs";
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
} from "../../src/sdk/index.js";
import * as sdk from "../../src/sdk/index.js";
import { JobMarket__factory } from "../../src/sdk/ethers.js";

describe("SDK public types", function () {
  it("each subpath export names the compiled form of its entry module (types beside the JavaScript)", function () {
    const { exports } = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, string | { types: string; default: string }> };
    const entries = { "./sdk": "src/sdk/index.ts", "./sdk/node": "src/sdk/node.ts", "./sdk/ethers": "src/sdk/ethers.ts", "./protocol": "src/protocol/index.ts" };
    for (const [subpath, source] of Object.entries(entries)) {
      expect(existsSync(source), source).to.equal(true);
      expect(exports[subpath], subpath).to.deep.equal({ types: `./dist/${source.replace(/\.ts$/, ".d.ts")}`, default: `./dist/${source.replace(/\.ts$/, ".js")}` });
    }
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
