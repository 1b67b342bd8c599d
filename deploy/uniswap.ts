/**
 * The real Uniswap V2 on local networks: the factory, the router and WETH9 deployed from the published build
 * artifacts of `@uniswap/v2-core@1.0.1` and `@uniswap/v2-periphery@1.1.0-beta.0` (compiled by Uniswap with solc
 * 0.5.16/0.6.6; nothing is recompiled or re-implemented). The router's embedded pair init-code hash matches the
 * npm pair bytecode, so the two find each other's pairs. The installed package, which has no Uniswap packages, reads
 * the compact copies its build wrote (`deploy/artifacts.ts`).
 */
import { createRequire } from "node:module";
import type { ArgumentType, Artifact, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { readCompactArtifact } from "./artifacts.js";

const require = createRequire(import.meta.url);

interface UniswapBuild {
  abi: Artifact["abi"];
  bytecode: string;
  evm: { deployedBytecode: { object: string } };
}

/** Loads an npm build JSON as an Ignition artifact (the package's compact copy where it ships one). */
export function uniswapArtifact(pkg: "@uniswap/v2-core" | "@uniswap/v2-periphery", contractName: string): Artifact {
  const shipped = readCompactArtifact(contractName);
  if (shipped !== undefined) return shipped;
  const build = require(`${pkg}/build/${contractName}.json`) as UniswapBuild;
  return {
    _format: "hh-sol-artifact-1",
    contractName,
    sourceName: `${pkg}/contracts/${contractName}.sol`,
    abi: build.abi,
    bytecode: `0x${build.bytecode.replace(/^0x/, "")}`,
    deployedBytecode: `0x${build.evm.deployedBytecode.object.replace(/^0x/, "")}`,
    linkReferences: {},
    deployedLinkReferences: {},
  };
}

export const UNISWAP_ARTIFACTS = {
  factory: uniswapArtifact("@uniswap/v2-core", "UniswapV2Factory"),
  pair: uniswapArtifact("@uniswap/v2-core", "UniswapV2Pair"),
  router: uniswapArtifact("@uniswap/v2-periphery", "UniswapV2Router02"),
  weth: uniswapArtifact("@uniswap/v2-periphery", "WETH9"),
} as const;

/** Deploys WETH9, the factory (fees off; `feeToSetter` may turn them on) and the router. */
export function buildUniswapV2(m: IgnitionModuleBuilder, feeToSetter: ArgumentType) {
  const weth = m.contract("WETH9", UNISWAP_ARTIFACTS.weth, []);
  const factory = m.contract("UniswapV2Factory", UNISWAP_ARTIFACTS.factory, [feeToSetter]);
  const router = m.contract("UniswapV2Router02", UNISWAP_ARTIFACTS.router, [factory, weth]);
  return { weth, factory, router };
}
