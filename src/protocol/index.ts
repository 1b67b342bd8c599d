/**
 * Cinder's protocol layer (`cinder-protocol/protocol`): what the SDK, the oracle nodes, the CLI and the dashboard
 * all stand on, with no dependency on any of them. The ABIs `as const`, deployment addresses per chain, the
 * epoch-report leaf format and its Merkle tree (keepers and oracle nodes build the same leaves), the EIP-712 report
 * types and their signing, the GPU model classes, and the base errors. Safe for browsers and bundlers.
 *
 * @example
 * ```ts
 * import { buildTree, contentHash, serializeLeafFile, ORACLE_REPORT_SIGNING } from "cinder-protocol/protocol";
 * const tree = buildTree(leaves);
 * const json = serializeLeafFile({ chainId, oracleHub, epoch, tree });
 * ```
 */
export * from "./abis.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./keccak.js";
export * from "./leaves.js";
export * from "./models.js";
export * from "./signing.js";
export * from "./types.js";
