/**
 * Ignition module for public networks: the whole protocol, settled in an existing stablecoin whose address is the
 * `settlementAsset` parameter (e.g. USDC). See `protocol.ts` for the order and the other parameters.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildProtocol } from "./protocol.js";

export default buildModule("Cinder", (m) => buildProtocol(m, m.getParameter<string>("settlementAsset")));
