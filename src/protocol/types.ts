/**
 * The EIP-712 types of the reports `OracleHub` verifies (domain: `oracleDomain` in signing.ts), exactly as
 * `contracts/interfaces/IOracleHub.sol` defines them. One definition for the oracle nodes, the SDK and the tests.
 *
 * @example
 * ```ts
 * await account.signTypedData({ domain: oracleDomain({ chainId, oracleHub }), types: { EpochReport: ORACLE_REPORT_TYPES.EpochReport }, primaryType: "EpochReport", message });
 * ```
 */
export const ORACLE_REPORT_TYPES = {
  EpochReport: [
    { name: "configDigest", type: "bytes32" },
    { name: "epoch", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "leafCount", type: "uint32" },
    { name: "contentHash", type: "bytes32" },
  ],
  GpuAttestation: [
    { name: "configDigest", type: "bytes32" },
    { name: "provider", type: "address" },
    { name: "gpuId", type: "bytes32" },
    { name: "modelClass", type: "bytes32" },
    { name: "memoryMiB", type: "uint32" },
    { name: "tier", type: "uint8" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "issuedAt", type: "uint40" },
    { name: "expiresAt", type: "uint40" },
  ],
  FaultReport: [
    { name: "configDigest", type: "bytes32" },
    { name: "provider", type: "address" },
    { name: "faultType", type: "uint8" },
    { name: "subject", type: "bytes32" },
    { name: "epoch", type: "uint64" },
    { name: "evidenceHash", type: "bytes32" },
  ],
  JobVerdict: [
    { name: "configDigest", type: "bytes32" },
    { name: "leaseId", type: "uint256" },
    { name: "resultHash", type: "bytes32" },
    { name: "outcome", type: "uint8" },
    { name: "toProvider", type: "uint256" },
  ],
} as const;
