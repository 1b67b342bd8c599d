// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ICinderToken
/// @notice The protocol token CNDR: ERC20 with permit, votes (timestamp clock) and burn. A genesis supply is
/// minted at deployment; after that only the minter wired once at deployment (the EmissionController) mints, within a hard cap on
/// total supply and a cap per mint window. Both caps are immutable.
interface ICinderToken {
    /// @notice A mint would take the total supply above the hard cap.
    /// @param supplyAfter The total supply the mint would have produced.
    /// @param cap The hard cap on total supply.
    error CinderTokenSupplyCapExceeded(uint256 supplyAfter, uint256 cap);

    /// @notice A mint would take the amount minted in the current window above the per-window cap.
    /// @param mintedAfter What the window would have minted, this mint included.
    /// @param cap The cap per window.
    error CinderTokenWindowCapExceeded(uint256 mintedAfter, uint256 cap);

    /// @notice A constructor argument is out of range.
    /// @param name The argument's name.
    /// @param value The value given.
    error CinderTokenInvalidParameter(string name, uint256 value);

    /// @notice The caller is not the wired minter (or no minter is wired yet).
    /// @param caller The caller.
    error CinderTokenNotMinter(address caller);

    /// @notice The minter is wired once, at deployment; it is already set.
    /// @param minter The wired minter.
    error CinderTokenMinterAlreadySet(address minter);

    /// @notice The minter cannot be the zero address.
    error CinderTokenZeroMinter();

    /// @notice The minter was wired (once, at deployment).
    /// @param minter The minter: the EmissionController.
    event MinterSet(address minter);

    /// @notice Tokens were minted by the minter after genesis.
    /// @param to The recipient.
    /// @param amount The amount minted.
    /// @param window The mint window index (block.timestamp / MINT_WINDOW).
    /// @param mintedInWindow The total minted in that window, this mint included.
    event EmissionMinted(address indexed to, uint256 amount, uint256 indexed window, uint256 mintedInWindow);

    /// @notice Mints `amount` to `to`. Only the wired minter (the EmissionController), never an AccessManager role.
    /// @dev Reverts with CinderTokenNotMinter, CinderTokenSupplyCapExceeded or CinderTokenWindowCapExceeded.
    function mint(address to, uint256 amount) external;

    /// @notice Wires the minter, once (the deployment does it while it administers the AccessManager; a later
    /// call reverts with CinderTokenMinterAlreadySet, so governance can never replace it).
    /// @param minter The EmissionController.
    function setMinter(address minter) external;

    /// @notice The wired minter (the EmissionController); zero before the deployment wires it.
    function minter() external view returns (address);

    /// @notice The hard cap on total supply.
    function MAX_SUPPLY() external view returns (uint256);

    /// @notice The length of a mint window in seconds.
    function MINT_WINDOW() external view returns (uint256);

    /// @notice The most that may be minted within one mint window.
    function MAX_MINT_PER_WINDOW() external view returns (uint256);

    /// @notice What has been minted in the current mint window.
    function mintedInCurrentWindow() external view returns (uint256);
}
