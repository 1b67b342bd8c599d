/**
 * The SDK snippets of README.md and docs/*.md (```` ```ts readme-test role=<role> ````, each user's path in
 * docs/users.md) run as written, one per user's path, on a fresh
 * in-process network: the protocol deployed by Ignition, one provider ("provider") with two GPUs attested by a
 * quorum of the local oracle set, staked, bonded and offering; each role's account funded. A snippet gets
 * `publicClient`, `walletClient` (its role's account), `addresses`, `provider`, `oracleKeys` and `chainId`, and
 * checks its own outcome with `node:assert`. The CLI lines are spawned by test/cli/cli.test.ts.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { network } from "hardhat";
import { type Address, keccak256, parseEther, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type InProcessDeployment, deployInProcess } from "../../scripts/lib/in-process.js";
import { localKey } from "../../src/cli/local.js";
import { cinderTokenAbi, createCinderClient, oracleHubAbi, resolveModelClass, testStablecoinAbi } from "../../src/sdk/index.js";
import { readmeBlocks, snippetModule } from "../helpers/readme.js";

/** The local account each role's snippets sign with. */
const ROLE_ACCOUNTS: Record<string, number> = { integrator: 15, provider: 7, delegator: 14, client: 16, inference: 17, keeper: 15, guardian: 1, governance: 0 };
const ENV_NAMES = ["publicClient", "walletClient", "addresses", "provider", "oracleKeys", "chainId"] as const;
const USD = 1_000_000n;

describe("Documentation: each user's path runs as written", function () {
  this.timeout(180_000);
  const blocks = readmeBlocks("ts");
  let deployment: InProcessDeployment;
  let provider: Address;
  let close: () => Promise<void>;
  const dir = mkdtempSync(join("test", ".readme-"));

  before(async function () {
    const connection = (await network.create()) as Parameters<typeof deployInProcess>[0];
    close = () => connection.close();
    deployment = await deployInProcess(connection);
    const { addresses, publicClient, walletFor } = deployment;
    const send = async (from: number, address: Address, abi: typeof cinderTokenAbi | typeof testStablecoinAbi, functionName: "transfer" | "faucet", args: readonly [Address, bigint]) =>
      publicClient.waitForTransactionReceipt({ hash: await walletFor(from).writeContract({ address, abi: abi as typeof testStablecoinAbi, functionName, args }) });
    for (const [i, cndr] of [[6, 400n], [7, 1_000n], [14, 500n], [15, 10n]] as const) await send(0, addresses.token, cinderTokenAbi, "transfer", [walletFor(i).account.address, parseEther(String(cndr))]);
    for (const [i, usd] of [[6, 20_000n], [7, 20_000n], [16, 1_000n], [17, 100n]] as const) await send(0, addresses.stablecoin!, testStablecoinAbi, "faucet", [walletFor(i).account.address, usd * USD]);

    // The provider the snippets lease from: two H100s attested by a quorum of the oracle set, staked, bonded, offering.
    const seeded = createCinderClient({ publicClient, walletClient: walletFor(6), addresses });
    provider = walletFor(6).account.address;
    await seeded.provider.register({ metadataURI: "ipfs://readme-provider" });
    const configDigest = await publicClient.readContract({ address: addresses.oracleHub, abi: oracleHubAbi, functionName: "configDigest" });
    const now = (await publicClient.getBlock()).timestamp;
    for (const n of [0, 1]) {
      const report = { configDigest, provider, gpuId: keccak256(toBytes(`readme-gpu-${n}`)), modelClass: resolveModelClass("H100-80GB"), memoryMiB: 81_559, tier: 1, evidenceHash: keccak256(toBytes(`readme-evidence-${n}`)), issuedAt: Number(now), expiresAt: Number(now + 14n * 86_400n) };
      const signatures = await Promise.all([10, 11, 12].map((i) => seeded.keeper.signReport({ kind: "GpuAttestation", report, signer: privateKeyToAccount(localKey(i)), chainId: 31_337 })));
      await seeded.keeper.submitReport({ kind: "GpuAttestation", report, signatures });
    }
    await seeded.provider.stake({ amount: parseEther("400") });
    await seeded.provider.depositBond({ amount: 20_000n * USD });
    await seeded.provider.setOffer({ modelClass: "H100-80GB", pricePerGpuHour: 2n * USD });
  });

  after(async function () {
    rmSync(dir, { recursive: true, force: true });
    await close?.();
  });

  it("has a tested snippet for each user's path", function () {
    expect([...new Set(blocks.map((b) => b.role))]).to.include.members(["integrator", "provider", "delegator", "client", "inference", "keeper", "guardian", "governance"]);
  });

  for (const [n, block] of blocks.entries()) {
    it(`the ${block.role} snippet at ${block.file} line ${block.line}`, async function () {
      const account = ROLE_ACCOUNTS[block.role];
      if (account === undefined) throw new Error(`${block.file} line ${block.line}: unknown role ${JSON.stringify(block.role)} (known: ${Object.keys(ROLE_ACCOUNTS).join(", ")})`);
      const file = resolve(dir, `snippet-${n}.ts`);
      writeFileSync(file, snippetModule(block, ENV_NAMES));
      const { default: run } = (await import(pathToFileURL(file).href)) as { default: (env: Record<string, unknown>) => Promise<void> };
      const printed: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => printed.push(args.map(String).join(" "));
      try {
        await run({ publicClient: deployment.publicClient, walletClient: deployment.walletFor(account), addresses: deployment.addresses, provider, oracleKeys: [10, 11, 12].map((i) => privateKeyToAccount(localKey(i))), chainId: 31_337 });
      } catch (error) {
        throw new Error(`${block.file} line ${block.line} (${block.role}) failed: ${(error as Error).message}\nit printed:\n${printed.join("\n")}`, { cause: error });
      } finally {
        console.log = log;
      }
      expect(printed.length, "each snippet prints its outcome").to.be.above(0);
    });
  }
});
