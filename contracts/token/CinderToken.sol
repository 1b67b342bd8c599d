// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ICinderToken} from "../interfaces/ICinderToken.sol";

/// @title CinderToken (CNDR)
/// @notice The protocol token. Clients never need it: it secures the network as stake and rewards providers.
/// @dev Voting uses a timestamp clock so governance periods are in seconds on every chain.
/// Assumptions:
/// - Only the minter wired once at deployment (`setMinter`: the EmissionController, deployed after this token) mints.
///   No AccessManager role can mint, so governance cannot grant itself the power (DESIGN: Powers).
contract CinderToken is ERC20, ERC20Permit, ERC20Votes, ERC20Burnable, AccessManaged, ICinderToken {
    /// @inheritdoc ICinderToken
    uint256 public immutable MAX_SUPPLY;
    /// @inheritdoc ICinderToken
    uint256 public immutable MINT_WINDOW;
    /// @inheritdoc ICinderToken
    uint256 public immutable MAX_MINT_PER_WINDOW;

    uint64 private _mintWindow;
    uint192 private _mintedInWindow;
    address private _minter;

    /// @param authority The AccessManager.
    /// @param genesisRecipient Receives the genesis supply (the treasury or a distributor).
    /// @param genesisSupply Minted once, here.
    /// @param maxSupply The hard cap on total supply.
    /// @param mintWindow The length of a mint window in seconds (the emission epoch length is a natural value).
    /// @param maxMintPerWindow The most the minter may mint in one window.
    constructor(
        address authority,
        address genesisRecipient,
        uint256 genesisSupply,
        uint256 maxSupply,
        uint256 mintWindow,
        uint256 maxMintPerWindow
    ) ERC20("Cinder", "CNDR") ERC20Permit("Cinder") AccessManaged(authority) {
        require(maxSupply <= type(uint192).max, CinderTokenInvalidParameter("maxSupply", maxSupply));
        require(genesisSupply <= maxSupply, CinderTokenSupplyCapExceeded(genesisSupply, maxSupply));
        require(mintWindow > 0 && mintWindow <= 365 days, CinderTokenInvalidParameter("mintWindow", mintWindow));
        require(maxMintPerWindow <= maxSupply, CinderTokenInvalidParameter("maxMintPerWindow", maxMintPerWindow));
        MAX_SUPPLY = maxSupply;
        MINT_WINDOW = mintWindow;
        MAX_MINT_PER_WINDOW = maxMintPerWindow;
        _mint(genesisRecipient, genesisSupply);
    }

    /// @inheritdoc ICinderToken
    function mint(address to, uint256 amount) external {
        // Before the wiring _minter is zero, which no caller is.
        require(msg.sender == _minter, CinderTokenNotMinter(msg.sender));
        uint256 supplyAfter = totalSupply() + amount;
        require(supplyAfter <= MAX_SUPPLY, CinderTokenSupplyCapExceeded(supplyAfter, MAX_SUPPLY));
        uint256 window = block.timestamp / MINT_WINDOW;
        uint256 mintedAfter = (window == _mintWindow ? _mintedInWindow : 0) + amount;
        require(mintedAfter <= MAX_MINT_PER_WINDOW, CinderTokenWindowCapExceeded(mintedAfter, MAX_MINT_PER_WINDOW));
        // Both casts are safe: window < 2^64 for any real timestamp, and mintedAfter <= MAX_SUPPLY < 2^192.
        _mintWindow = uint64(window);
        _mintedInWindow = uint192(mintedAfter);
        _mint(to, amount);
        emit EmissionMinted(to, amount, window, mintedAfter);
    }

    /// @inheritdoc ICinderToken
    function setMinter(address minter_) external restricted {
        require(_minter == address(0), CinderTokenMinterAlreadySet(_minter));
        require(minter_ != address(0), CinderTokenZeroMinter());
        _minter = minter_;
        emit MinterSet(minter_);
    }

    /// @inheritdoc ICinderToken
    function minter() external view returns (address) {
        return _minter;
    }

    /// @inheritdoc ICinderToken
    function mintedInCurrentWindow() external view returns (uint256) {
        return block.timestamp / MINT_WINDOW == _mintWindow ? _mintedInWindow : 0;
    }

    /// @notice Votes are counted by timestamp, so the Governor's periods are in seconds.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice EIP-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
