/** `src/sdk/errors.ts`: revert data decoded over every Cinder ABI into named errors with typed arguments. */
import { expect } from "chai";
import { BaseError, ContractFunctionRevertedError, encodeErrorResult, zeroAddress } from "viem";
import {
  CinderContractError,
  CinderError,
  CinderInsufficientBalanceError,
  CinderTransactionError,
  CinderUnknownRevertError,
  cinderErrorsAbi,
  decodeCinderError,
  decodeRevertData,
  formatUnitsPlain,
  isCinderContractError,
  jobMarketAbi,
  slaBondManagerAbi,
} from "../../src/sdk/index.js";

describe("SDK: errors", function () {
  it("decodes any Cinder contract's custom error from raw revert data, with its arguments", function () {
    const data = encodeErrorResult({ abi: jobMarketAbi, errorName: "JobMarketLeaseValueTooLow", args: [5n, 1_000_000n] });
    const error = decodeRevertData(data, { contract: "JobMarket", functionName: "createDirectLease" });
    expect(error).to.be.instanceOf(CinderContractError);
    expect(isCinderContractError(error, "JobMarketLeaseValueTooLow")).to.equal(true);
    expect(isCinderContractError(error, "JobMarketZeroGpus")).to.equal(false);
    expect(error!.args).to.deep.equal([5n, 1_000_000n]);
    expect(error!.shortMessage).to.equal("JobMarket.createDirectLease reverted with JobMarketLeaseValueTooLow(5, 1000000)");
    const sla = decodeRevertData(encodeErrorResult({ abi: slaBondManagerAbi, errorName: "SlaBondManagerUnknownTier", args: [9n] }));
    expect([sla?.errorName, sla?.args]).to.deep.equal(["SlaBondManagerUnknownTier", [9n]]);
    expect(sla!.shortMessage).to.equal("call reverted with SlaBondManagerUnknownTier(9)");
  });

  it("lists each error signature once and leaves unknown selectors undecoded", function () {
    const keys = cinderErrorsAbi.map((e) => `${e.name}(${e.inputs.map((i) => i.type).join(",")})`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(keys).to.include("ERC20InsufficientBalance(address,uint256,uint256)");
    expect(decodeRevertData("0xdeadbeef")).to.equal(undefined);
    expect(decodeRevertData("0x")).to.equal(undefined);
  });

  it("turns viem errors into CinderErrors: a revert into its named error, others keeping viem's short message", function () {
    const data = encodeErrorResult({ abi: jobMarketAbi, errorName: "JobMarketZeroAddress", args: ["client"] });
    const reverted = new ContractFunctionRevertedError({ abi: jobMarketAbi, data, functionName: "createDirectLease" });
    const decoded = decodeCinderError(new BaseError("call failed", { cause: reverted }), { contract: "JobMarket", functionName: "createDirectLease" });
    expect(decoded).to.be.instanceOf(CinderContractError);
    expect((decoded as CinderContractError<"JobMarketZeroAddress">).args).to.deep.equal(["client"]);
    const unknown = decodeCinderError(new ContractFunctionRevertedError({ abi: jobMarketAbi, data: "0x12345678", functionName: "close" }));
    expect(unknown).to.be.instanceOf(CinderUnknownRevertError);
    const other = decodeCinderError(new BaseError("HTTP request failed"));
    expect(other).to.be.instanceOf(CinderTransactionError);
    expect(other.shortMessage).to.equal("HTTP request failed");
    const plain = decodeCinderError(new Error("boom"));
    expect([plain.name, plain.shortMessage]).to.deep.equal(["CinderError", "boom"]);
    const same = new CinderInsufficientBalanceError("tUSD", zeroAddress, 1_500_000n, 4_000_000n, 6);
    expect(decodeCinderError(same)).to.equal(same);
    expect(same).to.be.instanceOf(CinderError);
    expect(same.shortMessage).to.equal(`insufficient tUSD balance: ${zeroAddress} holds 1.5 tUSD, needs 4 tUSD`);
  });

  it("formats amounts without trailing zeros", function () {
    expect([formatUnitsPlain(1_500_000n, 6), formatUnitsPlain(4_000_000n, 6), formatUnitsPlain(1n, 6), formatUnitsPlain(0n, 18)]).to.deep.equal(["1.5", "4", "0.000001", "0"]);
  });
});
