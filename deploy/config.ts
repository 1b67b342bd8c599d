/**
 * Protocol constants applied at deployment that are not per-network parameters: the initial GPU model classes
 * and the stake each attested GPU of a class needs. Governance changes them later through
 * `ProviderRegistry.setModelClass`, within the contract's bounds.
 */
import { parseEther } from "viem";
import { type ModelClassName, modelClassId } from "../src/protocol/models.js";

export { modelClassId };

export interface ModelClassConfig {
  /** Human-readable name (one of the protocol's MODEL_CLASS_NAMES); the on-chain id is keccak256 of it. */
  name: ModelClassName;
  /** CNDR (wei) required per attested GPU of this class. */
  stakePerGpu: bigint;
}

/**
 * The AccessManager's grant delay and target admin delay (`accessDelay`), on every network: 120 days, above the
 * longest exit the parameter bounds allow (`CinderAccessManager.LONGEST_EXIT`: the vault's 60-day longest unbonding
 * plus its 59-day longest exposure tail, which covers every slash-leading window). The manager's constructor rejects
 * anything not above it, so a local network runs the same delay and tests move the clock.
 */
export const DEFAULT_ACCESS_DELAY = 120n * 86_400n;

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

/** An SLA tier as `ISlaBondManager.Tier` takes it (uptimes in parts per million, credits in basis points). */
export interface SlaTierConfig {
  name: string;
  targetPpm: number;
  midPpm: number;
  lowPpm: number;
  creditBps: number;
  midCreditBps: number;
  lowCreditBps: number;
  /** Bond locked at award, in percent of the lease value. */
  bondPercent: number;
}

/**
 * The SLA tiers deployed, by id (0 is every client's default). Each pays 10% of the charge below its target, 25%
 * below 99% and 100% below 95% (a cloud SLA's shape); Standard's target is 99%, so its 10% band is empty. The bond
 * ratio grows with the tier, since a higher target breaches (and pays) more often.
 */
export const SLA_TIERS: readonly SlaTierConfig[] = [
  { name: "Standard", targetPpm: 990_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 10 },
  { name: "Pro", targetPpm: 999_000, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 20 },
  { name: "Enterprise", targetPpm: 999_500, midPpm: 990_000, lowPpm: 950_000, creditBps: 1_000, midCreditBps: 2_500, lowCreditBps: 10_000, bondPercent: 30 },
];

/** Tier ids as the SlaBondManager numbers them. */
export const SLA_TIER = { Standard: 0, Pro: 1, Enterprise: 2 } as const;
