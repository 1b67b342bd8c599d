// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Assembly packs and scans 20-byte members in memory, and deploys the data contract; each block says what it touches.
// solhint-disable no-inline-assembly

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";

/// @title OracleQuorum
/// @notice The oracle set's rules (size, threshold, members), its storage as one small data contract, and the
/// quorum check of a report's signatures.
/// @dev A set is stored as the runtime code of a data contract (SSTORE2): `0x00` (STOP, so calling it does
/// nothing) ++ configDigest (32 bytes) ++ the n signers (20 bytes each). One EXTCODESIZE/EXTCODECOPY pair
/// (2,700 gas cold) then reads the digest and every member, instead of one cold SLOAD (2,100 gas) per signature.
/// The data contract is written once per proposal and never changes.
library OracleQuorum {
    /// @notice The duplicate bitmap has one bit per member; 31 keeps n = 3f + 1 with f = 10.
    uint256 internal constant MAX_SIGNERS = 31;
    /// @notice Below 4 members f = 0 and a single node could sign alone.
    uint256 internal constant MIN_SIGNERS = 4;
    /// @dev Offset of the first signer in the data contract's code.
    uint256 private constant _SIGNERS_OFFSET = 33;

    /// @notice The threshold of an n-member set: 2f + 1 with f = (n - 1) / 3 (rounded down, so n >= 3f + 1).
    function thresholdOf(uint256 n) internal pure returns (uint256) {
        // n >= 1 wherever this is called (checkSet requires MIN_SIGNERS); (n - 1) / 3 rounds down.
        return 2 * ((n - 1) / 3) + 1;
    }

    /// @notice Reverts unless `signers` is a valid set with `threshold`: MIN_SIGNERS..MAX_SIGNERS distinct non-zero
    /// addresses and threshold exactly 2f + 1.
    function checkSet(address[] memory signers, uint256 threshold) internal pure {
        uint256 n = signers.length;
        require(n <= MAX_SIGNERS, IOracleHub.OracleHubSetTooLarge(n, MAX_SIGNERS));
        require(n >= MIN_SIGNERS, IOracleHub.OracleHubSetTooSmall(n, MIN_SIGNERS));
        uint256 required = thresholdOf(n);
        require(threshold == required, IOracleHub.OracleHubInvalidThreshold(n, threshold, required));
        for (uint256 i = 0; i < n; ++i) {
            address signer = signers[i];
            require(signer != address(0), IOracleHub.OracleHubZeroSigner(i));
            // At most 31 x 30 / 2 comparisons: bounded by MAX_SIGNERS.
            for (uint256 j = 0; j < i; ++j) {
                require(signers[j] != signer, IOracleHub.OracleHubDuplicateSetMember(signer));
            }
        }
    }

    /// @notice The config digest of a set: keccak256(abi.encode(chainId, hub, version, signers, threshold)).
    function digestOf(uint256 chainId, address hub, uint32 version, address[] memory signers, uint8 threshold)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(chainId, hub, version, signers, threshold));
    }

    /// @notice Writes a set and its digest into a new data contract and returns its address.
    function store(bytes32 configDigest, address[] memory signers) internal returns (address pointer) {
        uint256 n = signers.length;
        // abi.encodePacked pads array elements to 32 bytes: pack the members at 20 bytes each by hand.
        bytes memory code = new bytes(_SIGNERS_OFFSET + 20 * n);
        assembly ("memory-safe") {
            mstore(add(code, 0x21), configDigest)
            let to := add(code, add(0x20, _SIGNERS_OFFSET))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                // Writes 32 bytes (the address left-aligned); the next member or the bytes' end overwrite the tail.
                mstore(add(to, mul(20, i)), shl(96, mload(add(signers, mul(0x20, add(i, 1))))))
            }
        }
        // Init code: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE(0), CODECOPY(0, 10, len), RETURNDATASIZE(0),
        // RETURN(0, len). len <= 33 + 31 x 20 = 653 fits in two bytes.
        bytes memory init = abi.encodePacked(hex"61", uint16(code.length), hex"80600a3d393df3", code);
        assembly ("memory-safe") {
            pointer := create(0, add(init, 0x20), mload(init))
        }
        // CREATE of 10 + 653 bytes of fresh code cannot fail but by running out of gas.
        require(pointer != address(0), IOracleHub.OracleHubZeroAddress("oracleSetPointer"));
    }

    /// @notice The digest and the members stored at `pointer`.
    function load(address pointer) internal view returns (bytes32 configDigest, address[] memory signers) {
        bytes memory code = pointer.code;
        uint256 n = (code.length - _SIGNERS_OFFSET) / 20;
        signers = new address[](n);
        assembly ("memory-safe") {
            configDigest := mload(add(code, 0x21))
            let from := add(code, add(0x20, _SIGNERS_OFFSET))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(signers, mul(0x20, add(i, 1))), shr(96, mload(add(from, mul(20, i)))))
            }
        }
    }

    /// @notice Reverts unless `signatures` holds at least the threshold of signatures over `digest` by distinct
    /// members of the set at `pointer`, and the report was signed under that set's digest.
    /// @dev Every signature must be valid: one bad signature fails the whole call (the submitter can drop it), so
    /// an event never counts a signature that did not verify.
    function verify(address pointer, bytes32 givenConfigDigest, bytes32 digest, bytes[] calldata signatures)
        internal
        view
    {
        bytes memory code = pointer.code;
        bytes32 current;
        uint256 n;
        uint256 from;
        assembly ("memory-safe") {
            current := mload(add(code, 0x21))
            from := add(code, add(0x20, _SIGNERS_OFFSET))
        }
        require(givenConfigDigest == current, IOracleHub.OracleHubConfigDigestMismatch(givenConfigDigest, current));
        unchecked {
            // The code is at least 33 + 4 x 20 bytes long: checkSet ran before store.
            n = (code.length - _SIGNERS_OFFSET) / 20;
        }
        uint256 threshold = thresholdOf(n);
        uint256 count = signatures.length;
        require(count >= threshold, IOracleHub.OracleHubBelowThreshold(count, threshold));
        uint256 seen;
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError err, bytes32 errArg) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) _revertSignature(i, err, errArg);
            uint256 index = _indexOf(from, n, signer);
            require(index < n, IOracleHub.OracleHubSignerNotInSet(signer));
            uint256 bit = 1 << index;
            require(seen & bit == 0, IOracleHub.OracleHubDuplicateSigner(signer));
            seen |= bit;
        }
    }

    /// @dev The position of `signer` among the n packed members at memory `from`, or n when absent.
    function _indexOf(uint256 from, uint256 n, address signer) private pure returns (uint256 index) {
        assembly ("memory-safe") {
            index := n
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if eq(shr(96, mload(add(from, mul(20, i)))), signer) {
                    index := i
                    break
                }
            }
        }
    }

    function _revertSignature(uint256 index, ECDSA.RecoverError err, bytes32 errArg) private pure {
        if (err == ECDSA.RecoverError.InvalidSignatureLength) {
            revert IOracleHub.OracleHubSignatureLength(index, uint256(errArg));
        }
        if (err == ECDSA.RecoverError.InvalidSignatureS) revert IOracleHub.OracleHubSignatureMalleable(index, errArg);
        revert IOracleHub.OracleHubSignatureInvalid(index);
    }
}
