// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Minimal forge-std replacement for Hardhat 3 Solidity tests.
/// @notice forge-std cannot be used offline here (the npm forge-std is flat and needs ds-test). This file gives
/// the subset we need: the cheatcode interface, reverting assertions, `bound`, and the invariant-target hooks
/// that EDR's runner (a Foundry fork) calls on the test contract: targetContracts(), targetSelectors(),
/// targetSenders(), excludeContracts(), excludeSelectors(), excludeSenders(), targetArtifacts(), ...

/// @dev Cheatcodes are calls to this address; only declare what EDR implements.
interface Vm {
    // --- Environment ---
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function fee(uint256 newBasefee) external;
    function chainId(uint256 newChainId) external;
    function txGasPrice(uint256 newGasPrice) external;
    function getBlockTimestamp() external view returns (uint256 timestamp);
    function getBlockNumber() external view returns (uint256 height);

    // --- Caller ---
    function prank(address msgSender) external;
    function prank(address msgSender, address txOrigin) external;
    function startPrank(address msgSender) external;
    function startPrank(address msgSender, address txOrigin) external;
    function stopPrank() external;

    // --- Accounts / state ---
    function deal(address account, uint256 newBalance) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function getNonce(address account) external view returns (uint64 nonce);
    function setNonce(address account, uint64 newNonce) external;
    function record() external;
    function accesses(address target) external returns (bytes32[] memory readSlots, bytes32[] memory writeSlots);
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function store(address target, bytes32 slot, bytes32 value) external;
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);

    // --- Expectations ---
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function expectCall(address callee, bytes calldata data) external;
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
    function clearMockedCalls() external;

    // --- Fuzzing helpers ---
    function assume(bool condition) external pure;
    function skip(bool skipTest) external;

    // --- Keys / signing ---
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // --- Misc ---
    function label(address account, string calldata newLabel) external;
    function toString(address value) external pure returns (string memory stringifiedValue);
    function toString(bytes32 value) external pure returns (string memory stringifiedValue);
    function toString(bool value) external pure returns (string memory stringifiedValue);
    function toString(uint256 value) external pure returns (string memory stringifiedValue);
    function toString(int256 value) external pure returns (string memory stringifiedValue);
}

/// @dev Invariant-target bookkeeping with the exact ABI Foundry/EDR look for on the test contract.
abstract contract StdInvariant {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    struct FuzzArtifactSelector {
        string artifact;
        bytes4[] selectors;
    }

    struct FuzzInterface {
        address addr;
        string[] artifacts;
    }

    address[] private _excludedContracts;
    address[] private _excludedSenders;
    address[] private _targetedContracts;
    address[] private _targetedSenders;
    string[] private _excludedArtifacts;
    string[] private _targetedArtifacts;
    FuzzSelector[] private _excludedSelectors;
    FuzzSelector[] private _targetedSelectors;
    FuzzArtifactSelector[] private _targetedArtifactSelectors;
    FuzzInterface[] private _targetedInterfaces;

    // --- Setters (call from setUp) ---
    function targetContract(address newTargetedContract) internal {
        _targetedContracts.push(newTargetedContract);
    }

    function targetSelector(FuzzSelector memory newTargetedSelector) internal {
        _targetedSelectors.push(newTargetedSelector);
    }

    function targetSender(address newTargetedSender) internal {
        _targetedSenders.push(newTargetedSender);
    }

    function targetArtifact(string memory newTargetedArtifact) internal {
        _targetedArtifacts.push(newTargetedArtifact);
    }

    function targetArtifactSelector(FuzzArtifactSelector memory newTargetedArtifactSelector) internal {
        _targetedArtifactSelectors.push(newTargetedArtifactSelector);
    }

    function targetInterface(FuzzInterface memory newTargetedInterface) internal {
        _targetedInterfaces.push(newTargetedInterface);
    }

    function excludeContract(address newExcludedContract) internal {
        _excludedContracts.push(newExcludedContract);
    }

    function excludeSelector(FuzzSelector memory newExcludedSelector) internal {
        _excludedSelectors.push(newExcludedSelector);
    }

    function excludeSender(address newExcludedSender) internal {
        _excludedSenders.push(newExcludedSender);
    }

    function excludeArtifact(string memory newExcludedArtifact) internal {
        _excludedArtifacts.push(newExcludedArtifact);
    }

    // --- Getters called by the invariant runner ---
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function targetArtifacts() public view returns (string[] memory) {
        return _targetedArtifacts;
    }

    function targetArtifactSelectors() public view returns (FuzzArtifactSelector[] memory) {
        return _targetedArtifactSelectors;
    }

    function targetInterfaces() public view returns (FuzzInterface[] memory) {
        return _targetedInterfaces;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function excludeSelectors() public view returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function excludeArtifacts() public view returns (string[] memory) {
        return _excludedArtifacts;
    }
}

/// @notice Base contract for Solidity tests: `contract FooTest is Test { function setUp() public {...} ... }`.
/// Test functions start with `test` (fuzz tests take arguments), invariants start with `invariant`.
abstract contract Test is StdInvariant {
    address internal constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));
    Vm internal constant vm = Vm(VM_ADDRESS);

    uint256 internal constant UINT256_MAX = type(uint256).max;
    int256 internal constant INT256_MIN = type(int256).min;
    int256 internal constant INT256_MAX = type(int256).max;

    bool public IS_TEST = true;

    // ------------------------------------------------------------------
    // Failing
    // ------------------------------------------------------------------

    function fail() internal pure virtual {
        revert("assertion failed");
    }

    function fail(string memory err) internal pure virtual {
        revert(err);
    }

    // ------------------------------------------------------------------
    // Boolean
    // ------------------------------------------------------------------

    function assertTrue(bool data) internal pure virtual {
        if (!data) fail("assertTrue: expected true");
    }

    function assertTrue(bool data, string memory err) internal pure virtual {
        if (!data) fail(err);
    }

    function assertFalse(bool data) internal pure virtual {
        if (data) fail("assertFalse: expected false");
    }

    function assertFalse(bool data, string memory err) internal pure virtual {
        if (data) fail(err);
    }

    // ------------------------------------------------------------------
    // Equality
    // ------------------------------------------------------------------

    function assertEq(bool left, bool right) internal pure virtual {
        if (left != right) fail(_msg("assertEq(bool)", _str(left), _str(right)));
    }

    function assertEq(bool left, bool right, string memory err) internal pure virtual {
        if (left != right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertEq(uint256 left, uint256 right) internal pure virtual {
        if (left != right) fail(_msg("assertEq(uint256)", _str(left), _str(right)));
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left != right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertEq(int256 left, int256 right) internal pure virtual {
        if (left != right) fail(_msg("assertEq(int256)", _str(left), _str(right)));
    }

    function assertEq(int256 left, int256 right, string memory err) internal pure virtual {
        if (left != right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertEq(address left, address right) internal pure virtual {
        if (left != right) fail(_msg("assertEq(address)", _str(left), _str(right)));
    }

    function assertEq(address left, address right, string memory err) internal pure virtual {
        if (left != right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertEq(bytes32 left, bytes32 right) internal pure virtual {
        if (left != right) fail(_msg("assertEq(bytes32)", _str(left), _str(right)));
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure virtual {
        if (left != right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertEq(string memory left, string memory right) internal pure virtual {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) fail(_msg("assertEq(string)", left, right));
    }

    function assertEq(string memory left, string memory right, string memory err) internal pure virtual {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) fail(_msg(err, left, right));
    }

    function assertEq(bytes memory left, bytes memory right) internal pure virtual {
        if (keccak256(left) != keccak256(right)) fail("assertEq(bytes): bytes differ");
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure virtual {
        if (keccak256(left) != keccak256(right)) fail(err);
    }

    function assertNotEq(uint256 left, uint256 right) internal pure virtual {
        if (left == right) fail(_msg("assertNotEq(uint256)", _str(left), _str(right)));
    }

    function assertNotEq(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left == right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertNotEq(address left, address right) internal pure virtual {
        if (left == right) fail(_msg("assertNotEq(address)", _str(left), _str(right)));
    }

    function assertNotEq(address left, address right, string memory err) internal pure virtual {
        if (left == right) fail(_msg(err, _str(left), _str(right)));
    }

    // ------------------------------------------------------------------
    // Ordering
    // ------------------------------------------------------------------

    function assertGt(uint256 left, uint256 right) internal pure virtual {
        if (left <= right) fail(_msg("assertGt: left <= right", _str(left), _str(right)));
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left <= right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertGe(uint256 left, uint256 right) internal pure virtual {
        if (left < right) fail(_msg("assertGe: left < right", _str(left), _str(right)));
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left < right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertLt(uint256 left, uint256 right) internal pure virtual {
        if (left >= right) fail(_msg("assertLt: left >= right", _str(left), _str(right)));
    }

    function assertLt(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left >= right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertLe(uint256 left, uint256 right) internal pure virtual {
        if (left > right) fail(_msg("assertLe: left > right", _str(left), _str(right)));
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure virtual {
        if (left > right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertGt(int256 left, int256 right) internal pure virtual {
        if (left <= right) fail(_msg("assertGt: left <= right", _str(left), _str(right)));
    }

    function assertGt(int256 left, int256 right, string memory err) internal pure virtual {
        if (left <= right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertGe(int256 left, int256 right) internal pure virtual {
        if (left < right) fail(_msg("assertGe: left < right", _str(left), _str(right)));
    }

    function assertGe(int256 left, int256 right, string memory err) internal pure virtual {
        if (left < right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertLt(int256 left, int256 right) internal pure virtual {
        if (left >= right) fail(_msg("assertLt: left >= right", _str(left), _str(right)));
    }

    function assertLt(int256 left, int256 right, string memory err) internal pure virtual {
        if (left >= right) fail(_msg(err, _str(left), _str(right)));
    }

    function assertLe(int256 left, int256 right) internal pure virtual {
        if (left > right) fail(_msg("assertLe: left > right", _str(left), _str(right)));
    }

    function assertLe(int256 left, int256 right, string memory err) internal pure virtual {
        if (left > right) fail(_msg(err, _str(left), _str(right)));
    }

    // ------------------------------------------------------------------
    // Approximate equality
    // ------------------------------------------------------------------

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure virtual {
        uint256 delta = left > right ? left - right : right - left;
        if (delta > maxDelta) {
            fail(_msg(string.concat("assertApproxEqAbs: delta ", _str(delta), " > max ", _str(maxDelta)), _str(left), _str(right)));
        }
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string memory err)
        internal
        pure
        virtual
    {
        uint256 delta = left > right ? left - right : right - left;
        if (delta > maxDelta) fail(_msg(err, _str(left), _str(right)));
    }

    /// @dev maxPercentDelta is 1e18-scaled (1e18 == 100%), like forge-std.
    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta) internal pure virtual {
        assertApproxEqRel(left, right, maxPercentDelta, "assertApproxEqRel: relative delta too large");
    }

    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta, string memory err)
        internal
        pure
        virtual
    {
        if (right == 0) {
            assertEq(left, right, err);
            return;
        }
        uint256 delta = left > right ? left - right : right - left;
        if ((delta * 1e18) / right > maxPercentDelta) fail(_msg(err, _str(left), _str(right)));
    }

    // ------------------------------------------------------------------
    // Fuzz input shaping (same semantics as forge-std StdUtils)
    // ------------------------------------------------------------------

    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256 result) {
        require(min <= max, "bound(uint256,uint256,uint256): max is less than min");
        // Values already in range are returned unchanged so dictionary values are not shifted.
        if (x >= min && x <= max) return x;

        uint256 size = max - min + 1;

        // Map 0..3 to min..min+3 and MAX-3..MAX to max-3..max to cover the edges.
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);

        // Otherwise wrap x into [min, max].
        if (x > max) {
            uint256 diff = x - max;
            uint256 rem = diff % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else if (x < min) {
            uint256 diff = min - x;
            uint256 rem = diff % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    function bound(int256 x, int256 min, int256 max) internal pure virtual returns (int256 result) {
        require(min <= max, "bound(int256,int256,int256): max is less than min");
        // Map into uint256 space preserving order, bound there, and map back.
        result = _fromOrderedUint(bound(_toOrderedUint(x), _toOrderedUint(min), _toOrderedUint(max)));
    }

    function _toOrderedUint(int256 x) private pure returns (uint256) {
        // Flip the sign bit: INT256_MIN -> 0, 0 -> 2**255, INT256_MAX -> UINT256_MAX.
        return uint256(x) ^ (1 << 255);
    }

    function _fromOrderedUint(uint256 x) private pure returns (int256) {
        return int256(x ^ (1 << 255));
    }

    // ------------------------------------------------------------------
    // Addresses
    // ------------------------------------------------------------------

    /// @dev Deterministic address from a name, labelled in traces.
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(uint256(keccak256(abi.encodePacked(name))));
        vm.label(account, name);
    }

    /// @dev Deterministic (address, privateKey) from a name, labelled in traces.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(abi.encodePacked(name)));
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    // ------------------------------------------------------------------
    // Internal formatting
    // ------------------------------------------------------------------

    function _msg(string memory err, string memory left, string memory right) private pure returns (string memory) {
        return string.concat(err, ": left=", left, " right=", right);
    }

    function _str(bool v) private pure returns (string memory) {
        return vm.toString(v);
    }

    function _str(uint256 v) private pure returns (string memory) {
        return vm.toString(v);
    }

    function _str(int256 v) private pure returns (string memory) {
        return vm.toString(v);
    }

    function _str(address v) private pure returns (string memory) {
        return vm.toString(v);
    }

    function _str(bytes32 v) private pure returns (string memory) {
        return vm.toString(v);
    }
}
