/**
 * The integration tests' harness: a real `hardhat node` (or anvil with `CINDER_EVM=anvil`, see evm.ts) on its own port, the protocol deployed on it by
 * `npm run deploy:local` (Ignition, with parameter overrides), the deployment's addresses by contract name, the
 * Hardhat accounts by index, transactions that must succeed, and polling with a deadline.
 *
 * @example
 * ```ts
 * const chain = localChain({ port: 23_545, id: "my-it" });
 * await chain.start();
 * const a = await chain.deploy({ oracleSigners: keys.map((k) => k.address) });
 * await chain.send(account(6), a["Cinder#ProviderRegistry"], data);
 * await chain.stop();
 * ```
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Address, type Hex, createPublicClient, createWalletClient, http } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { LocalEvmNode } from "../../src/cli/local.js";
import { EVM_NAME, startEvm } from "./evm.js";

const run = promisify(execFile);
const MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's default account `i`. */
export const account = (i: number): HDAccount => mnemonicToAccount(MNEMONIC, { addressIndex: i });
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 250 ms until it returns something other than undefined or false; throws past the deadline. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** A `hardhat node` child process and the protocol deployed on it. */
export function localChain({ port, id }: { port: number; id: string }) {
  const url = `http://127.0.0.1:${port}`;
  const journal = `deploy/deployments/${id}`;
  const dir = mkdtempSync(join(tmpdir(), `cinder-${id}-`));
  const publicClient = createPublicClient({ chain: hardhat, transport: http(url) });
  const wallet = (a: HDAccount) => createWalletClient({ account: a, chain: hardhat, transport: http(url) });
  let node: LocalEvmNode | undefined;

  return {
    url,
    /** A scratch folder removed by `stop` (databases, configs). */
    dir,
    publicClient,
    wallet,
    /** Starts the node and waits until it answers. */
    async start(): Promise<void> {
      rmSync(journal, { recursive: true, force: true });
      node = await startEvm(port);
      await waitFor(`the ${EVM_NAME}`, 90_000, async () => (await publicClient.getChainId()) === 31337);
    },
    /** Deploys with deploy/parameters/localhost.json and `overrides`; returns the addresses by Ignition future id. */
    async deploy(overrides: Record<string, unknown>): Promise<Record<string, Address>> {
      const parameters = JSON.parse(readFileSync("deploy/parameters/localhost.json", "utf8")) as { Cinder: Record<string, unknown> };
      Object.assign(parameters.Cinder, overrides);
      const parametersFile = join(dir, "parameters.json");
      writeFileSync(parametersFile, JSON.stringify(parameters));
      await run("npm", ["run", "--silent", "deploy:local", "--", "--network", "localhost"], {
        env: { ...process.env, CI: "true", CINDER_NODE_URL: url, CINDER_DEPLOYMENT_ID: id, CINDER_PARAMETERS: parametersFile },
        maxBuffer: 16 * 1024 * 1024,
      });
      const recorded = JSON.parse(readFileSync(`${journal}/deployed_addresses.json`, "utf8")) as Record<string, Address>;
      for (const [name, address] of Object.entries(recorded)) expect(address, `${name} deployed`).to.match(/^0x[0-9a-fA-F]{40}$/);
      return recorded;
    },
    /** Sends a transaction from `from` (an account, or an address the node has unlocked) and expects it to succeed. */
    async send(from: HDAccount | Address, to: Address, data: Hex): Promise<Hex> {
      const hash =
        typeof from === "string"
          ? await createWalletClient({ account: from, chain: hardhat, transport: http(url) }).sendTransaction({ to, data })
          : await wallet(from).sendTransaction({ to, data });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") {
        const tx = await publicClient.getTransaction({ hash });
        // Replayed at the block it was mined in, the call names the revert (or shows an out-of-gas estimate).
        const reason = await publicClient.call({ account: tx.from, to, data, blockNumber: receipt.blockNumber }).then(() => "the call succeeds when replayed", (e: Error) => e.message.split("\n").slice(0, 3).join(" "));
        expect.fail(`tx to ${to} reverted (gas used ${receipt.gasUsed} of ${tx.gas}): ${reason}`);
      }
      return hash;
    },
    /**
     * Moves the chain's clock `seconds` forward and mines a block there. Suites call it where they need time to pass
     * between transactions: anvil (automining) gives every block mined within one wall-clock second the same
     * timestamp, where hardhat's node puts each block at least a second after its parent.
     */
    async advance(seconds: number): Promise<void> {
      await publicClient.request({ method: "evm_increaseTime" as "eth_chainId", params: [seconds] as unknown as undefined });
      await publicClient.request({ method: "evm_mine" as "eth_chainId", params: [] as unknown as undefined });
    },
    /** Stops the node (its whole process group) and removes the journal and the scratch folder. */
    stop(): void {
      const pid = node?.process.pid;
      if (pid !== undefined) {
        try {
          process.kill(-pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      rmSync(journal, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
