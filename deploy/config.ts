/**
 * Protocol constants applied at deployment that are not per-network parameters: the initial GPU model classes
 * and the stake each attested GPU of a class needs. Governance changes them later through
 * `ProviderRegistry.setModelClass`, within the contract's bounds.
 */
import { keccak256, parseEther, toBytes } from "viem";

export interface ModelClassConfig {
  /** Human-readable name; the on-chain id is keccak256 of it. */
  name: string;
  /** CNDR (wei) required per attested GPU of this class. */
  stakePerGpu: bigint;
}

/** The id the registry uses for a model class name. */
export function modelClassId(name: string): `0x${string}` {
  return keccak256(toBytes(name));
}

/** Stake per GPU follows io.net's 200 tokens per GPU times a class multiplier (ANCHORS.md). */
export const MODEL_CLASSES: readonly ModelClassConfig[] = [
  { name: "H200-141GB", stakePerGpu: parseEther("300") },
  { name: "H100-80GB", stakePerGpu: parseEther("200") },
  { name: "A100-80GB", stakePerGpu: parseEther("120") },
  { name: "L40S-48GB", stakePerGpu: parseEther("60") },
  { name: "RTX4090-24GB", stakePerGpu: parseEther("40") },
];

/**
 * The local oracle set: Hardhat's default accounts #10..#13 (the "test test ... junk" mnemonic), 4 signers, f = 1,
 * threshold 3. Tests sign reports with these accounts; a public network passes its own `oracleSigners`.
 */
export const LOCAL_ORACLE_SIGNERS: readonly `0x${string}`[] = [
  "0xBcd4042DE499D14e55001CcbB24a551F3b954096",
  "0x71bE63f3384f5fb98995898A86B02Fb2426c5788",
  "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a",
  "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec",
];
