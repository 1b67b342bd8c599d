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
