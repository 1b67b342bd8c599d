// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title OracleLeaves
/// @notice Leaf hashes of an epoch report's Merkle tree, as `src/oracle/leaves.ts` builds them: the ABI encoding
/// of (kind, subject, epoch, two counters), hashed twice (OpenZeppelin StandardMerkleTree's leaf), under a tree of
/// sorted pairs (OpenZeppelin MerkleProof).
library OracleLeaves {
    /// @notice The kind byte of a lease's uptime leaf.
    uint8 internal constant UPTIME = 1;
    /// @notice The kind byte of a provider's heartbeat leaf.
    uint8 internal constant HEARTBEAT = 2;

    /// @notice keccak256(bytes.concat(keccak256(abi.encode(uint8 1, leaseId, epoch, secondsUp, secondsObserved)))).
    function uptime(uint256 leaseId, uint64 epoch, uint32 secondsUp, uint32 secondsObserved)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(UPTIME, leaseId, epoch, secondsUp, secondsObserved))));
    }

    /// @notice keccak256(bytes.concat(keccak256(abi.encode(uint8 2, provider, epoch, answered, sent)))).
    function heartbeat(address provider, uint64 epoch, uint32 answered, uint32 sent) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(HEARTBEAT, provider, epoch, answered, sent))));
    }
}
