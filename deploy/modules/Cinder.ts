/**
 * Ignition module for local networks (the in-process network and a `hardhat node`): the whole protocol, settled
 * in a freshly deployed 6-decimal test stablecoin, with the real Uniswap V2 (factory, router and WETH9 from the
 * npm packages' published artifacts) and a seeded CNDR/stablecoin pool for the buyback. See `protocol.ts` for the
 * order and the parameters; `poolSeedCndr` and `poolSeedStable` size the pool (1,000,000 CNDR against
 * 500,000 USD by default: 0.50 USD per CNDR; `emissionSeedPrice`, 500,000 by default, must name the same price).
 */
import { buildModule } from "@nomicfoundation/ignition-core";
import { buildUniswapV2, UNISWAP_ARTIFACTS } from "../uniswap.js";
import { buildProtocol } from "./protocol.js";

export default buildModule("Cinder", (m) => {
  const deployer = m.getAccount(0);
  const stablecoin = m.contract("TestStablecoin", []);
  let uniswap: ReturnType<typeof buildUniswapV2> | undefined;
  const protocol = buildProtocol(m, stablecoin, (token, timelock) => {
    uniswap = buildUniswapV2(m, timelock);
    const created = m.call(uniswap.factory, "createPair", [token, stablecoin], { id: "Uniswap_createPair" });
    const pairAddress = m.readEventArgument(created, "PairCreated", "pair", { id: "Uniswap_pairAddress" });
    const pair = m.contractAt("UniswapV2Pair", UNISWAP_ARTIFACTS.pair, pairAddress);
    return { router: uniswap.router, pair };
  });
  const { router, factory, weth } = uniswap!;

  // Seed the pool from the deployer (the local treasury, which holds the genesis CNDR).
  const seedCndr = m.getParameter("poolSeedCndr", 1_000_000n * 10n ** 18n);
  const seedStable = m.getParameter("poolSeedStable", 500_000n * 10n ** 6n);
  const funded = m.call(stablecoin, "faucet", [deployer, seedStable], { id: "Pool_fund_stable" });
  const approvedCndr = m.call(protocol.token, "approve", [router, seedCndr], { id: "Pool_approve_cndr" });
  const approvedStable = m.call(stablecoin, "approve", [router, seedStable], { id: "Pool_approve_stable" });
  m.call(
    router,
    "addLiquidity",
    [protocol.token, stablecoin, seedCndr, seedStable, seedCndr, seedStable, deployer, 2n ** 40n],
    { id: "Pool_addLiquidity", after: [funded, approvedCndr, approvedStable] },
  );

  return { ...protocol, stablecoin, uniswapFactory: factory, uniswapRouter: router, weth };
});
