import CinderPublicModule from "../../../deploy/modules/CinderPublic.js";
import { connectCinder, nextGpuId, H100, ONE, USD, type Cinder } from "../../helpers/fixture.js";
import { coverUntil, type HubDeployment } from "../../helpers/oracle.js";
import { rng as numberRng } from "../../helpers/rng.js";
import {
  CinderToken__factory,
  HookStablecoin__factory,
  JobMarket__factory,
  LeaseAuction__factory,
  OracleHub__factory,
  ProviderRegistry__factory,
  SlaBondManager__factory,
  StakingVault__factory,
} from "../../../types/ethers-contracts/index.js";

export const { connection, loadCinder } = await connectCinder();

export const HOUR = 3_600n;
export const DAY = 86_400n;
export const PRICE = 2_500_000n;
export const FEE_BPS = 100n;
export const NOTICE = HOUR;
export const KIND = { Lease: 0, Batch: 1 } as const;

export const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
export const feeOf = (gross: bigint) => (gross * FEE_BPS + 9_999n) / 10_000n;

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}
/** The start of the oracle epoch after the current one. */
export async function nextEpochStart(c: Cinder): Promise<bigint> {
  return ((await now(c)) / HOUR + 1n) * HOUR;
}
/** Moves into the epoch after the one holding `t - 1` (if not there yet) and has the oracle of `d` cover `t`. */
export async function coveredAfter(c: Cinder, t: bigint, d: HubDeployment = c) {
  const after = ((t - 1n) / HOUR + 1n) * HOUR + 1n;
  if ((await now(c)) < after) await c.networkHelpers.time.increaseTo(after);
  await coverUntil(d, t);
}

/** The fuzz loop's draws as bigints (a fixed seed replays the same timings on every run). */
export function rng(seed: number): (n: number) => bigint {
  const next = numberRng(seed);
  return (n: number) => BigInt(next(n));
}

// ---------------------------------------------------------------------------------------------------------------
// (a) reentrancy through a hooked settlement token
// ---------------------------------------------------------------------------------------------------------------

/**
 * A second, complete protocol settled in HookStablecoin (CinderPublic module). The token contract is the attacker:
 * it registers as a provider (four attested H100s, 800 CNDR staked, an offer at PRICE) with itself as payout, and
 * it is also a client. providers[1] is an honest provider and clients[0] an honest client of this deployment.
 */
export async function deployHooked() {
  const c = await loadCinder();
  const hook = await new HookStablecoin__factory(c.deployer).deploy();
  const hookAddress = await hook.getAddress();
  const deployed = await connection.ignition.deploy(CinderPublicModule, {
    parameters: {
      Cinder: {
        settlementAsset: hookAddress,
        guardian: c.guardian.address,
        treasury: c.deployer.address,
        // The local Uniswap V2 creates this deployment's CNDR/HookStablecoin pair.
        uniswapFactory: await c.uniswapFactory.getAddress(),
        uniswapRouter: await c.uniswapRouter.getAddress(),
        // Public deployments name their arbitrator (here any account: no dispute is arbitrated in this suite).
        arbitrator: c.stranger.address,
        // Public deployments name the price the treasury seeds the pool at (the wash guard's young-history price).
        emissionSeedPrice: 500_000n,
      },
    },
    displayUi: false,
    defaultSender: c.deployer.address,
  });
  const addr = async (x: { getAddress(): Promise<string> }) => x.getAddress();
  const market = JobMarket__factory.connect(await addr(deployed.jobMarket), c.deployer);
  const auction = LeaseAuction__factory.connect(await addr(deployed.leaseAuction), c.deployer);
  const auctionAddress = await auction.getAddress();
  const registry = ProviderRegistry__factory.connect(await addr(deployed.registry), c.deployer);
  const vault = StakingVault__factory.connect(await addr(deployed.vault), c.deployer);
  const sla = SlaBondManager__factory.connect(await addr(deployed.slaBondManager), c.deployer);
  const slaAddress = await sla.getAddress();
  const cndr = CinderToken__factory.connect(await addr(deployed.token), c.deployer);
  const timelock = await addr(deployed.timelock);
  await c.networkHelpers.impersonateAccount(timelock);
  await c.networkHelpers.setBalance(timelock, 10n ** 20n);
  const governance = await c.ethers.getSigner(timelock);
  // Attestations come only from this deployment's wired OracleHub: the test writes them as it.
  const hubAddress = await addr(deployed.oracleHub);
  await c.networkHelpers.impersonateAccount(hubAddress);
  await c.networkHelpers.setBalance(hubAddress, 10n ** 20n);
  const attestor = await c.ethers.getSigner(hubAddress);
  const marketAddress = await market.getAddress();
  const vaultAddress = await vault.getAddress();
  const expiresAt = (await now(c)) + 14n * DAY;

  const attest = async (provider: string, gpus: number) => {
    for (let i = 0; i < gpus; i++) {
      await registry.connect(attestor).recordAttestation({
        provider,
        gpuId: nextGpuId(),
        modelClass: H100,
        memoryMiB: 81_559,
        tier: 1,
        evidenceHash: `0x${"ab".repeat(32)}`,
        issuedAt: expiresAt - 14n * DAY,
        expiresAt,
      });
    }
  };
  // The attacker: the token contract as provider (payout itself) and as client.
  await hook.execute(await registry.getAddress(), registry.interface.encodeFunctionData("register", ["ipfs://evil", hookAddress]));
  await attest(hookAddress, 4);
  await cndr.connect(c.deployer).transfer(hookAddress, 800n * ONE);
  await hook.execute(await cndr.getAddress(), cndr.interface.encodeFunctionData("approve", [vaultAddress, 800n * ONE]));
  await hook.execute(vaultAddress, vault.interface.encodeFunctionData("stake", [800n * ONE]));
  await hook.execute(await registry.getAddress(), registry.interface.encodeFunctionData("setOffer", [H100, PRICE]));
  await hook.faucet(hookAddress, 1_000_000n * USD);
  await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [marketAddress, 2n ** 256n - 1n]));
  await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [auctionAddress, 2n ** 256n - 1n]));
  // SLA bond, so its leases can be awarded.
  await hook.execute(hookAddress, hook.interface.encodeFunctionData("approve", [slaAddress, 2n ** 256n - 1n]));
  await hook.execute(slaAddress, sla.interface.encodeFunctionData("deposit", [10_000n * USD]));

  // An honest provider and an honest client.
  const honest = c.providers[1];
  await registry.connect(honest).register("ipfs://honest", honest.address);
  await attest(honest.address, 4);
  await cndr.connect(c.deployer).transfer(honest.address, 800n * ONE);
  await cndr.connect(honest).approve(vaultAddress, 800n * ONE);
  await vault.connect(honest).stake(800n * ONE);
  await registry.connect(honest).setOffer(H100, PRICE);
  await hook.faucet(honest.address, 10_000n * USD);
  await hook.connect(honest).approve(slaAddress, 2n ** 256n - 1n);
  await sla.connect(honest).deposit(10_000n * USD);
  const client = c.clients[0];
  await hook.faucet(client.address, 1_000_000n * USD);
  await hook.connect(client).approve(marketAddress, 2n ** 256n - 1n);
  // This deployment's own hub, signed by the same local oracle set.
  const cover: HubDeployment = {
    oracleHub: OracleHub__factory.connect(await addr(deployed.oracleHub), c.deployer),
    oracleSigners: c.oracleSigners,
    ethers: c.ethers,
  };
  return { c, hook, hookAddress, market, marketAddress, auction, auctionAddress, registry, governance, honest, client, cover };
}
export const loadHooked = () => connection.networkHelpers.loadFixture(deployHooked);
export type Hooked = Awaited<ReturnType<typeof deployHooked>>;

/** Makes the attacker (the token contract) call the market. */
export function asAttacker(h: Hooked, fn: string, args: unknown[] = []) {
  return h.hook.execute(h.marketAddress, h.market.interface.encodeFunctionData(fn as never, args as never));
}
/** Arms the hook: on transfers to `onlyTo` (any if zero) the token calls the market with `fn(args)` as itself. */
export async function armMarketHook(h: Hooked, onlyTo: string, fn: string, args: unknown[] = []) {
  await h.hook.setHook(h.marketAddress, onlyTo, h.market.interface.encodeFunctionData(fn as never, args as never));
}

