// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title CinderAccessManager
/// @notice OpenZeppelin's AccessManager, administered by the CinderTimelock after deployment. It maps every
/// restricted function of every Cinder contract to a role: governance (the timelock), guardian (pause, veto), and
/// the internal roles between Cinder contracts (minter, rewarder, slasher, exposure, attestor). The role ids and
/// the function map live in `deploy/roles.ts`, which the Ignition module applies.
contract CinderAccessManager is AccessManager {
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
