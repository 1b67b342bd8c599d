/** The committed `src/protocol/abis.ts` is exactly what the current artifacts generate (run `npm run build` to refresh). */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { renderAbis } from "../../scripts/generate-abis.js";
import { encodeFunctionData, getAddress, type Address } from "viem";
import { jobMarketAbi, oracleHubAbi } from "../../src/protocol/abis.js";
import { CINDER_DEPLOYMENT_FUTURES, type CinderAddresses } from "../../src/protocol/deployment.js";
import { cinderContractConfigs } from "../../src/sdk/index.js";

describe("SDK ABIs", () => {
  it("are generated from the artifacts and up to date", () => {
    expect(readFileSync("src/protocol/abis.ts", "utf8")).to.equal(renderAbis());
  });

  it("are typed as const for viem", () => {
    const submit = oracleHubAbi.find((item) => item.type === "function" && item.name === "submitEpochReport");
    expect(submit?.type).to.equal("function");
  });

  it("give a deployment's contracts as wagmi/viem configs, { address, abi } typed by the ABI, the stablecoin only where deployed", () => {
    const names = Object.keys(CINDER_DEPLOYMENT_FUTURES).filter((name) => name !== "stablecoin" && name !== "uniswapRouter");
    const addresses = Object.fromEntries(names.map((name, i) => [name, getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`)])) as unknown as CinderAddresses;
    const contracts = cinderContractConfigs(addresses);
    expect(contracts.jobMarket).to.deep.equal({ address: addresses.jobMarket, abi: jobMarketAbi });
    expect(contracts.stablecoin).to.equal(undefined);
    expect(Object.keys(contracts).sort()).to.deep.equal(names.sort());
    // Typed by the `as const` ABI: the function name and its arguments are checked by the compiler.
    const data = encodeFunctionData({ ...contracts.jobMarket, functionName: "getLease", args: [1n] });
    expect(data.slice(0, 10)).to.equal(encodeFunctionData({ abi: jobMarketAbi, functionName: "getLease", args: [1n] }).slice(0, 10));
    const local = cinderContractConfigs({ ...addresses, stablecoin: "0x00000000000000000000000000000000000000aa" as Address });
    expect(local.stablecoin?.address).to.equal("0x00000000000000000000000000000000000000aa");
  });
});
