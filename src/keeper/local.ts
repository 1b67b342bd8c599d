/**
 * The keeper `cinder node` runs beside its oracle nodes: a local account's key, the nodes' leaf and fault APIs, one
 * pass a second (the local chain mines a block a second), JSON-lines logs appended to a file.
 *
 * @example
 * ```ts
 * const stop = await startLocalKeeper({ url, addresses, key: localKey(15), nodes: oracles.urls, logFile: "/tmp/keeper.log" });
 * await stop();
 * ```
 */
import { appendFileSync } from "node:fs";
import { type Account, type Chain, type Hex, type PublicClient, type Transport, type WalletClient, createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { CinderAddresses } from "../protocol/deployment.js";
import { createLogger } from "../oracle/node/log.js";
import { createCinderContext } from "../sdk/index.js";
import { createKeeper } from "./keeper.js";

/** Parameters of {@link startLocalKeeper}. */
export interface StartLocalKeeperParameters {
  url: string;
  addresses: CinderAddresses;
  key: Hex;
  nodes: readonly string[];
  logFile: string;
  pollIntervalMs?: number;
}

/** Starts the keeper; the returned function stops it after its current pass. */
export async function startLocalKeeper({ url, addresses, key, nodes, logFile, pollIntervalMs = 1_000 }: StartLocalKeeperParameters): Promise<() => Promise<void>> {
  const publicClient = createPublicClient({ chain: hardhat, transport: http(url), pollingInterval: 100 }) as PublicClient;
  const walletClient = createWalletClient({ chain: hardhat, transport: http(url), account: privateKeyToAccount(key) }) as WalletClient<Transport, Chain | undefined, Account>;
  const log = createLogger({ component: "keeper" }, { write: (line) => appendFileSync(logFile, `${line}\n`) });
  const keeper = createKeeper({ ctx: createCinderContext({ publicClient, walletClient, addresses }), nodes, pollIntervalMs, log });
  await keeper.checkSetup();
  return keeper.start();
}
