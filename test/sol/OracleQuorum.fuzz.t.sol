// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {OracleQuorum} from "../../contracts/libraries/OracleQuorum.sol";
import {Test} from "./utils/Test.sol";

/// @notice Exposes OracleQuorum's internal functions as external calls, with one stored set.
contract OracleQuorumHarness {
    address public set;

    function thresholdOf(uint256 n) external pure returns (uint256) {
        return OracleQuorum.thresholdOf(n);
    }

    function checkSet(address[] calldata signers, uint256 threshold) external pure {
        OracleQuorum.checkSet(signers, threshold);
    }

    function store(bytes32 digest, address[] calldata signers) external {
        OracleQuorum.checkSet(signers, OracleQuorum.thresholdOf(signers.length));
        set = OracleQuorum.store(digest, signers);
    }

    function load() external view returns (bytes32, address[] memory) {
        return OracleQuorum.load(set);
    }

    function verify(bytes32 givenConfigDigest, bytes32 digest, bytes[] calldata signatures) external view {
        OracleQuorum.verify(set, givenConfigDigest, digest, signatures);
    }
}

/// @notice The oracle set's rules: n >= 3f + 1, threshold 2f + 1, any quorum is mostly honest, the honest nodes
/// alone reach the threshold; the stored set round-trips; a quorum check counts each member once.
contract OracleQuorumFuzzTest is Test {
    OracleQuorumHarness internal harness;
    bytes32 internal constant CONFIG = keccak256("config");
    bytes32 internal constant DIGEST = keccak256("report");

    function setUp() public {
        harness = new OracleQuorumHarness();
    }

    function _keys(uint256 seed, uint256 n) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            // Distinct non-zero private keys below the group order.
            keys[i] = (uint256(keccak256(abi.encode(seed, i))) % (type(uint128).max - 1)) + 1;
        }
    }

    function _addresses(uint256[] memory keys) internal pure returns (address[] memory signers) {
        signers = new address[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) signers[i] = vm.addr(keys[i]);
    }

    function _sign(uint256 key) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, DIGEST);
        return abi.encodePacked(r, s, v);
    }

    function testFuzz_thresholdOf_toleratesAThirdFaulty(uint256 n) public view {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 f = (n - 1) / 3;
        uint256 t = harness.thresholdOf(n);
        assertEq(t, 2 * f + 1, "threshold is 2f + 1");
        assertGe(n, 3 * f + 1, "n >= 3f + 1");
        assertGt(t, f, "f nodes never sign alone");
        assertGe(t - f, f + 1, "any quorum holds a majority of honest nodes");
        // With n = 3f + 1 exactly, two quorums also share an honest node (2t - n = f + 1). Larger n for the same f
        // (n = 3f + 2, 3f + 3) keep 2f + 1, as IOracleHub fixes it: quorums then share at least f - 1 nodes.
        if (n == 3 * f + 1) assertEq(2 * t - n, f + 1, "two quorums share an honest node");
        else assertGe(2 * t - n, f - 1, "two quorums share f - 1 nodes");
        assertLe(t, n - f, "the honest nodes alone reach the threshold");
    }

    function testFuzz_revert_checkSet_InvalidThreshold(uint256 seed, uint256 n, uint256 threshold) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 required = harness.thresholdOf(n);
        threshold = bound(threshold, 0, 40);
        vm.assume(threshold != required);
        address[] memory signers = _addresses(_keys(seed, n));
        vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubInvalidThreshold.selector, n, threshold, required));
        harness.checkSet(signers, threshold);
    }

    function test_revert_checkSet_fiveWithWrongThreshold() public {
        address[] memory signers = _addresses(_keys(5, 5));
        for (uint256 t = 0; t <= 5; ++t) {
            if (t == 3) continue;
            vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubInvalidThreshold.selector, 5, t, 3));
            harness.checkSet(signers, t);
        }
        harness.checkSet(signers, 3);
    }

    function testFuzz_store_roundTrips(uint256 seed, uint256 n) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        address[] memory signers = _addresses(_keys(seed, n));
        harness.store(CONFIG, signers);
        (bytes32 digest, address[] memory loaded) = harness.load();
        assertEq(digest, CONFIG, "digest");
        assertEq(loaded.length, n, "size");
        for (uint256 i = 0; i < n; ++i) assertEq(loaded[i], signers[i], "member");
        assertEq(harness.set().code.length, 33 + 20 * n, "packed code");
    }

    function testFuzz_verify_acceptsAnyQuorumInAnyOrder(uint256 seed, uint256 n, uint256 k, uint256 rotation) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 t = harness.thresholdOf(n);
        k = bound(k, t, n);
        uint256[] memory keys = _keys(seed, n);
        harness.store(CONFIG, _addresses(keys));
        bytes[] memory sigs = new bytes[](k);
        rotation = bound(rotation, 0, n - 1);
        for (uint256 i = 0; i < k; ++i) sigs[i] = _sign(keys[(i + rotation) % n]);
        harness.verify(CONFIG, DIGEST, sigs);
    }

    function testFuzz_revert_verify_DuplicateSigner(uint256 seed, uint256 n, uint256 dupAt) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 t = harness.thresholdOf(n);
        uint256[] memory keys = _keys(seed, n);
        harness.store(CONFIG, _addresses(keys));
        // t - 1 distinct members plus a repeat of one of them: t signatures, but only t - 1 signers.
        bytes[] memory sigs = new bytes[](t);
        for (uint256 i = 0; i + 1 < t; ++i) sigs[i] = _sign(keys[i]);
        dupAt = bound(dupAt, 0, t - 2);
        sigs[t - 1] = sigs[dupAt];
        vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubDuplicateSigner.selector, vm.addr(keys[dupAt])));
        harness.verify(CONFIG, DIGEST, sigs);
    }

    function testFuzz_revert_verify_SignerNotInSet(uint256 seed, uint256 n, uint256 outsiderKey) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 t = harness.thresholdOf(n);
        uint256[] memory keys = _keys(seed, n);
        harness.store(CONFIG, _addresses(keys));
        outsiderKey = bound(outsiderKey, uint256(type(uint128).max), uint256(type(uint128).max) + 1e18);
        bytes[] memory sigs = new bytes[](t);
        for (uint256 i = 0; i + 1 < t; ++i) sigs[i] = _sign(keys[i]);
        sigs[t - 1] = _sign(outsiderKey);
        vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubSignerNotInSet.selector, vm.addr(outsiderKey)));
        harness.verify(CONFIG, DIGEST, sigs);
    }

    function testFuzz_revert_verify_BelowThreshold(uint256 seed, uint256 n, uint256 k) public {
        n = bound(n, OracleQuorum.MIN_SIGNERS, OracleQuorum.MAX_SIGNERS);
        uint256 t = harness.thresholdOf(n);
        k = bound(k, 0, t - 1);
        uint256[] memory keys = _keys(seed, n);
        harness.store(CONFIG, _addresses(keys));
        bytes[] memory sigs = new bytes[](k);
        for (uint256 i = 0; i < k; ++i) sigs[i] = _sign(keys[i]);
        vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubBelowThreshold.selector, k, t));
        harness.verify(CONFIG, DIGEST, sigs);
    }

    function testFuzz_revert_verify_ConfigDigestMismatch(bytes32 given) public {
        vm.assume(given != CONFIG);
        uint256[] memory keys = _keys(1, 4);
        harness.store(CONFIG, _addresses(keys));
        vm.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubConfigDigestMismatch.selector, given, CONFIG));
        harness.verify(given, DIGEST, new bytes[](0));
    }
}
