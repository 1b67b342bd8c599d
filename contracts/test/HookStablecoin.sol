// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Test-only attacker token: it must make arbitrary calls and bubble up their revert data verbatim.
// solhint-disable avoid-low-level-calls, no-inline-assembly

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title HookStablecoin
/// @notice TEST-ONLY. A 6-decimal stablecoin whose `transfer` and `transferFrom` call back into an attacker hook,
/// used by test/attacks/market.test.ts to attempt reentrancy into the JobMarket during a settlement transfer. Never
/// deploy it outside a local network.
/// @dev The contract is also the attacker's account: `execute` makes it call any contract (so it can be a client or
/// a provider of the market), and while a hook is armed every `transfer`/`transferFrom` (or those to `hookOnlyTo`) calls `hookTarget` with
/// `hookData` as this contract, once per outer transfer, bubbling the hook's revert.
contract HookStablecoin is ERC20 {
    /// @notice The contract the hook calls (zero: disarmed).
    address public hookTarget;
    /// @notice When set, the hook runs only for transfers to this address (e.g. to emulate a reverting payout).
    address public hookOnlyTo;
    /// @notice The calldata the hook sends.
    bytes public hookData;
    /// @notice How many times the hook ran.
    uint256 public hookCalls;
    bool private _inHook;

    constructor() ERC20("Hook USD", "hUSD") {}

    /// @notice Mints `amount` to `to`. Anyone (test-only).
    function faucet(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook (`target` zero disarms it), for every transfer or (`onlyTo` set) only for transfers to
    /// `onlyTo`. Anyone (test-only).
    function setHook(address target, address onlyTo, bytes calldata data) external {
        hookTarget = target;
        hookOnlyTo = onlyTo;
        hookData = data;
    }

    /// @notice Calls `target` with `data` as this contract, bubbling a revert. Anyone (test-only).
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) _bubble(result);
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool) {
        bool ok = super.transfer(to, value);
        _hook(to);
        return ok;
    }

    /// @inheritdoc ERC20
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        bool ok = super.transferFrom(from, to, value);
        _hook(to);
        return ok;
    }

    function _hook(address to) private {
        address target = hookTarget;
        if (target == address(0) || _inHook) return;
        address onlyTo = hookOnlyTo;
        if (onlyTo != address(0) && onlyTo != to) return;
        _inHook = true;
        hookCalls += 1;
        (bool ok, bytes memory result) = target.call(hookData);
        if (!ok) _bubble(result);
        _inHook = false;
    }

    function _bubble(bytes memory result) private pure {
        assembly ("memory-safe") {
            revert(add(result, 32), mload(result))
        }
    }
}
