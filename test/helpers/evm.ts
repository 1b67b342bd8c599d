/**
 * Which EVM client the integration suites run against: Hardhat's node by default, anvil (Foundry's node, from the
 * optional npm package `@foundry-rs/anvil-linux-amd64`) with `CINDER_EVM=anvil` (`npm run test:anvil`). Where anvil
 * is asked for but its package is absent (it installs on Linux x64 only), a suite says so and skips
 * (`skipWithoutEvm`); `scripts/check-anvil.ts` is the gate that fails on Linux x64 when it is absent.
 *
 * @example
 * ```ts
 * before(async function () {
 *   skipWithoutEvm(this);
 *   node = await startEvm(PORT);
 * });
 * ```
 */
import { type LocalEvmNode, anvilBinary, startAnvil, startHardhatNode } from "../../src/cli/local.js";

/** The EVM clients the suites know. */
export type EvmClient = "hardhat" | "anvil";

/** The client `CINDER_EVM` names (default hardhat); anything else is a configuration error. */
export function evmClient(): EvmClient {
  const value = process.env.CINDER_EVM ?? "hardhat";
  if (value !== "hardhat" && value !== "anvil") throw new Error(`CINDER_EVM must be hardhat or anvil, got ${JSON.stringify(value)}`);
  return value;
}

/** The client's name as suites print it. */
export const EVM_NAME = evmClient() === "anvil" ? "anvil" : "hardhat node";

/** Skips the suite, saying why, when the client asked for is not installed here. */
export function skipWithoutEvm(context: Mocha.Context): void {
  if (evmClient() === "anvil" && anvilBinary() === undefined) {
    console.log(`    (skipped: CINDER_EVM=anvil but anvil is not installed; the optional dependency @foundry-rs/anvil-linux-amd64 installs on Linux x64 only)`);
    context.skip();
  }
}

/**
 * Starts the client on `port`: `hardhat node`, or anvil with hardhat's mnemonic, chain id 31337 and 20 prefunded
 * accounts (as hardhat's), so the suites' accounts are the same on both.
 */
export async function startEvm(port: number): Promise<LocalEvmNode> {
  return evmClient() === "anvil" ? startAnvil({ port, accounts: 20 }) : startHardhatNode({ port });
}
