/**
 * Cinder's TypeScript SDK (`cinder-protocol/sdk`): the ABIs `as const` for viem (generated from the Hardhat
 * artifacts), deployment addresses per chain, the high-level viem client, each action on its own, decoded revert
 * errors, EIP-712 vouchers and SLA settlement proofs. Safe for browsers and bundlers (no `node:` imports): finding a
 * local deployment on disk is `cinder-protocol/sdk/node`; the typechain ethers bindings are
 * `cinder-protocol/sdk/ethers`; the protocol layer alone (leaf builder, report signing) is `cinder-protocol/protocol`.
 *
 * @example
 * ```ts
 * import { createCinderClient, isCinderContractError } from "cinder-protocol/sdk";
 * const cinder = createCinderClient({ publicClient, walletClient, addresses });
 * ```
 */
export * from "../protocol/abis.js";
export * from "./channels.js";
export * from "./client.js";
export * from "./context.js";
export * from "./contracts.js";
export { claimRewards, delegate, type ClaimRewardsParameters, type ClaimRewardsReturnType, type DelegateParameters, type DelegateReturnType } from "./delegator.js";
export * from "../protocol/deployment.js";
export * from "./disputes.js";
export * from "./due.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./governance.js";
export * from "./keeper.js";
export * from "./leases.js";
export * from "../protocol/models.js";
export * from "./oracle.js";
export * from "./provider.js";
export * from "./reads.js";
export * from "./sla.js";
export * from "./slashing.js";
export * from "./vouchers.js";
export type { LeafFile, Leaf, UptimeLeaf, HeartbeatLeaf } from "../protocol/leaves.js";
