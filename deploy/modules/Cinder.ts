/**
 * Ignition module for local networks (the in-process network and a `hardhat node`): the whole protocol, settled
 * in a freshly deployed 6-decimal test stablecoin. See `protocol.ts` for the order and the parameters.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildProtocol } from "./protocol.js";

export default buildModule("Cinder", (m) => {
  const stablecoin = m.contract("TestStablecoin", []);
  return { ...buildProtocol(m, stablecoin), stablecoin };
});
