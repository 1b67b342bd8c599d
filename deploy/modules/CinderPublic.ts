/**
 * Ignition module for public networks: the whole protocol, settled in an existing stablecoin whose address is the
 * `settlementAsset` parameter (e.g. USDC), buying back through the network's Uniswap V2 (`uniswapFactory`,
 * `uniswapRouter`). CNDR is deployed by this module, so its pair with the stablecoin cannot exist before: the
 * module creates it on the factory. Seeding it is a treasury decision, outside this module; the price it will be
 * seeded at is the required `emissionSeedPrice` (asset units per whole CNDR), the wash guard's price until the long
 * TWAP has its history. `arbitrator` names who
 * decides abstained job disputes (a council multisig; governance may replace it, the new one waiting the
 * `accessDelay` grant delay, above the longest exit). See `protocol.ts` for the order and the other parameters.
 */
import { buildModule } from "@nomicfoundation/ignition-core";
import { UNISWAP_ARTIFACTS } from "../uniswap.js";
import { buildProtocol } from "./protocol.js";

export default buildModule("Cinder", (m) => {
  const asset = m.getParameter<string>("settlementAsset");
  return buildProtocol(m, asset, (token) => {
    const factory = m.contractAt("UniswapV2Factory", UNISWAP_ARTIFACTS.factory, m.getParameter<string>("uniswapFactory"));
    const router = m.contractAt("UniswapV2Router02", UNISWAP_ARTIFACTS.router, m.getParameter<string>("uniswapRouter"));
    const created = m.call(factory, "createPair", [token, asset], { id: "Uniswap_createPair" });
    const pairAddress = m.readEventArgument(created, "PairCreated", "pair", { id: "Uniswap_pairAddress" });
    return { router, pair: m.contractAt("UniswapV2Pair", UNISWAP_ARTIFACTS.pair, pairAddress) };
  }, { arbitrator: m.getParameter<string>("arbitrator"), seedPrice: m.getParameter<bigint>("emissionSeedPrice") });
});
