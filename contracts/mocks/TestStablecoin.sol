// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice The settlement asset on local networks: a 6-decimal USD stablecoin with EIP-2612 permit and an open
/// faucet. Public networks set a real stablecoin (USDC) as the settlement asset instead.
contract TestStablecoin is ERC20, ERC20Permit {
    /// @notice A faucet request above MAX_FAUCET.
    error TestStablecoinFaucetTooLarge(uint256 amount, uint256 max);

    /// @notice The most one faucet call mints (10 million USD).
    uint256 public constant MAX_FAUCET = 10_000_000e6;

    constructor() ERC20("Cinder Test USD", "tUSD") ERC20Permit("Cinder Test USD") {}

    /// @notice Mints test dollars to `to`. Anyone, on local networks only (this contract is never deployed elsewhere).
    function faucet(address to, uint256 amount) external {
        require(amount <= MAX_FAUCET, TestStablecoinFaucetTooLarge(amount, MAX_FAUCET));
        _mint(to, amount);
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
