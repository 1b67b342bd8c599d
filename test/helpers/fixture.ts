/**
 * The one shared fixture: deploys the whole protocol with the real Ignition module (`deploy/Cinder.ts`) and the
 * local parameters, then gives tests typed contracts, named signers, CNDR balances and approvals, and signers
 * impersonating the contracts wired with the internal powers (slasher: the SlashingManager, rewarder: the
 * EmissionController, attestor: the OracleHub, exposure: the JobMarket, disputeResolver: the DisputeManager), so a
 * test can drive one hook directly. No EOA holds such a power: the deployment wires each one to its contract once.
 *
 * Use it as:
 *   const { loadCinder, connection } = await connectCinder();
 *   const c = await loadCinder();   // a snapshot-restored deployment for each test
 */
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import CinderModule from "../../deploy/modules/Cinder.js";
import { MODEL_CLASSES, modelClassId } from "../../deploy/config.js";
import type { ManagedContract } from "../../deploy/roles.js";
import { type BaseContract, Contract } from "ethers";
import { UNISWAP_ARTIFACTS } from "../../deploy/uniswap.js";
import type { CinderAddresses } from "../../scripts/lib/deployment.js";
import {
  BuybackBurner__factory,
  CinderAccessManager__factory,
  CinderGovernor__factory,
  CinderTimelock__factory,
  CinderToken__factory,
  DisputeManager__factory,
  FeeRouter__factory,
  JobMarket__factory,
  LeaseAuction__factory,
  OracleHub__factory,
  PaymentChannels__factory,
  ProviderRegistry__factory,
  EmissionController__factory,
  SlaBondManager__factory,
  SlashingManager__factory,
  StakingVault__factory,
  TestStablecoin__factory,
} from "../../types/ethers-contracts/index.js";

export const PARAMETERS_FILE = "deploy/parameters/hardhat.json";
export const ONE = 10n ** 18n;
export const H100 = modelClassId("H100-80GB");
export const A100 = modelClassId("A100-80GB");
export const H100_STAKE_PER_GPU = MODEL_CLASSES.find((c) => c.name === "H100-80GB")!.stakePerGpu;
/** CNDR each provider, delegator and the rewarder start with. */
export const STARTING_BALANCE = 1_000_000n * ONE;
/** One dollar of the 6-decimal test stablecoin. */
export const USD = 1_000_000n;
/** Test dollars each client starts with. */
export const CLIENT_BALANCE = 1_000_000n * USD;
/** SLA bond `onboardProvider` deposits unless told otherwise: enough for every lease the suites create. */
export const PROVIDER_BOND = 100_000n * USD;

export type Connection = NetworkConnection<"l1">;

export async function deployCinder(connection: Connection) {
  const { ethers, ignition, networkHelpers } = connection;
  const signers = await ethers.getSigners();
  const [deployer, guardian] = signers;
  const providers = signers.slice(6, 10);
  const delegators = signers.slice(10, 15);
  const stranger = signers[15];
  const clients = signers.slice(16, 19);

  const deployed = await ignition.deploy(CinderModule, {
    parameters: PARAMETERS_FILE,
    displayUi: false,
    defaultSender: deployer.address,
  });
  const at = async (c: { getAddress(): Promise<string> }) => c.getAddress();
  const manager = CinderAccessManager__factory.connect(await at(deployed.manager), deployer);
  const token = CinderToken__factory.connect(await at(deployed.token), deployer);
  const timelock = CinderTimelock__factory.connect(await at(deployed.timelock), deployer);
  const governor = CinderGovernor__factory.connect(await at(deployed.governor), deployer);
  const registry = ProviderRegistry__factory.connect(await at(deployed.registry), deployer);
  const vault = StakingVault__factory.connect(await at(deployed.vault), deployer);
  const stablecoin = TestStablecoin__factory.connect(await at(deployed.stablecoin), deployer);
  const feeRouter = FeeRouter__factory.connect(await at(deployed.feeRouter), deployer);
  const emissions = EmissionController__factory.connect(await at(deployed.emissionController), deployer);
  const jobMarket = JobMarket__factory.connect(await at(deployed.jobMarket), deployer);
  const leaseAuction = LeaseAuction__factory.connect(await at(deployed.leaseAuction), deployer);
  const paymentChannels = PaymentChannels__factory.connect(await at(deployed.paymentChannels), deployer);
  const buybackBurner = BuybackBurner__factory.connect(await at(deployed.buybackBurner), deployer);
  const oracleHub = OracleHub__factory.connect(await at(deployed.oracleHub), deployer);
  const slaBondManager = SlaBondManager__factory.connect(await at(deployed.slaBondManager), deployer);
  const slashingManager = SlashingManager__factory.connect(await at(deployed.slashingManager), deployer);
  const disputeManager = DisputeManager__factory.connect(await at(deployed.disputeManager), deployer);
  // The local oracle set (deploy/config.ts LOCAL_ORACLE_SIGNERS): accounts #10..#13, which sign reports in tests.
  const oracleSigners = signers.slice(10, 14);
  const uniswapRouter = new Contract(await at(deployed.uniswapRouter), UNISWAP_ARTIFACTS.router.abi, deployer);
  const uniswapFactory = new Contract(await at(deployed.uniswapFactory), UNISWAP_ARTIFACTS.factory.abi, deployer);
  const uniswapPair = new Contract(await buybackBurner.PAIR(), UNISWAP_ARTIFACTS.pair.abi, deployer);

  /** A signer for a deployed contract's address (funded for gas), to call what only that contract may call. */
  const actAs = async (address: string) => {
    await networkHelpers.impersonateAccount(address);
    await networkHelpers.setBalance(address, 10n ** 20n);
    return ethers.getSigner(address);
  };
  // Each internal power checks the one contract wired to it at deployment (deploy/roles.ts WIRED_POWERS): tests
  // that drive a hook directly call it as that contract.
  // The job market's hooks (capacity, exposure) accept only the wired market.
  const marketAddress = await jobMarket.getAddress();
  const exposure = await actAs(marketAddress);
  // The DisputeManager: market `dispute`/`resolveDispute`, SlashingManager `onDisputeLost`.
  const disputesAddress = await disputeManager.getAddress();
  const disputeResolver = await actAs(disputesAddress);
  // The SlashingManager: vault `executeSlash` and slash holds, registry `jail`.
  const slasher = await actAs(await slashingManager.getAddress());
  // The EmissionController: vault `notifyReward`/`streamReward` (it approved the vault at construction).
  const rewarder = await actAs(await emissions.getAddress());
  // The OracleHub: registry `recordAttestation`/`revokeGpu`.
  const attestor = await actAs(await oracleHub.getAddress());
  // The LeaseAuction: market `openAuctionLease`/`moveAuctionBidLock`.
  const auctioneer = await actAs(await leaseAuction.getAddress());

  // The timelock is governance: tests act as it directly where a full proposal is not the point. The guardian is a
  // deployment parameter (account #1 locally).
  const governance = await actAs(await timelock.getAddress());

  const vaultAddress = await vault.getAddress();
  for (const account of [...providers, ...delegators, rewarder, stranger]) {
    await token.connect(deployer).transfer(account.address, STARTING_BALANCE);
    await token.connect(account).approve(vaultAddress, ethers.MaxUint256);
  }

  const channelsAddress = await paymentChannels.getAddress();
  const slaAddress = await slaBondManager.getAddress();
  const auctionAddress = await leaseAuction.getAddress();
  for (const account of [...clients, ...providers, stranger]) {
    await stablecoin.faucet(account.address, CLIENT_BALANCE);
    await stablecoin.connect(account).approve(marketAddress, ethers.MaxUint256);
    await stablecoin.connect(account).approve(auctionAddress, ethers.MaxUint256);
    await stablecoin.connect(account).approve(channelsAddress, ethers.MaxUint256);
    await stablecoin.connect(account).approve(slaAddress, ethers.MaxUint256);
    await stablecoin.connect(account).approve(disputesAddress, ethers.MaxUint256);
  }

  return {
    connection,
    ethers,
    networkHelpers,
    manager,
    token,
    timelock,
    governor,
    registry,
    vault,
    stablecoin,
    feeRouter,
    emissions,
    jobMarket,
    leaseAuction,
    paymentChannels,
    buybackBurner,
    oracleHub,
    slaBondManager,
    slashingManager,
    disputeManager,
    oracleSigners,
    uniswapRouter,
    uniswapFactory,
    uniswapPair,
    deployer,
    guardian,
    governance,
    slasher,
    rewarder,
    exposure,
    disputeResolver,
    attestor,
    auctioneer,
    providers,
    delegators,
    stranger,
    clients,
  };
}

export type Cinder = Awaited<ReturnType<typeof deployCinder>>;

/**
 * Burns the test CNDR the fixture gave the EmissionController's address (so `c.rewarder` can fund rewards directly),
 * leaving it only what it mints: for tests that check its balance against its own accounting.
 */
export async function withoutRewarderFunds(c: Cinder): Promise<void> {
  const held = await c.token.balanceOf(c.rewarder.address);
  if (held > 0n) await c.token.connect(c.rewarder).burn(held);
}

/** The deployment's addresses in the shape scripts read them from Ignition's journal. */
export async function deploymentAddresses(c: Cinder): Promise<CinderAddresses> {
  const a = (x: { getAddress(): Promise<string> }) => x.getAddress();
  return {
    manager: await a(c.manager),
    token: await a(c.token),
    timelock: await a(c.timelock),
    governor: await a(c.governor),
    registry: await a(c.registry),
    vault: await a(c.vault),
    feeRouter: await a(c.feeRouter),
    emissionController: await a(c.emissions),
    jobMarket: await a(c.jobMarket),
    leaseAuction: await a(c.leaseAuction),
    paymentChannels: await a(c.paymentChannels),
    buybackBurner: await a(c.buybackBurner),
    oracleHub: await a(c.oracleHub),
    slaBondManager: await a(c.slaBondManager),
    slashingManager: await a(c.slashingManager),
    disputeManager: await a(c.disputeManager),
    stablecoin: await a(c.stablecoin),
    uniswapRouter: await a(c.uniswapRouter),
  };
}

/** Every contract `deploy/roles.ts` maps, as the fixture deployed it. */
export function managedContracts(c: Cinder): Record<ManagedContract, BaseContract> {
  return {
    CinderToken: c.token,
    ProviderRegistry: c.registry,
    StakingVault: c.vault,
    FeeRouter: c.feeRouter,
    EmissionController: c.emissions,
    JobMarket: c.jobMarket,
    PaymentChannels: c.paymentChannels,
    BuybackBurner: c.buybackBurner,
    OracleHub: c.oracleHub,
    SlaBondManager: c.slaBondManager,
    SlashingManager: c.slashingManager,
    DisputeManager: c.disputeManager,
  };
}

/**
 * One fixture function per connection: `loadFixture` keys its snapshot by the function, so every suite a process
 * runs restores the same deployment instead of deploying its own (the suite's time does not grow with its files).
 */
const fixtures = new WeakMap<Connection, () => Promise<Cinder>>();

/** Opens (or reuses) the in-process network and returns a snapshot-backed loader of the deployed protocol. */
export async function connectCinder() {
  const connection = (await network.getOrCreate()) as Connection;
  let fixture = fixtures.get(connection);
  if (fixture === undefined) {
    fixture = function cinderDeployment() {
      return deployCinder(connection);
    };
    fixtures.set(connection, fixture);
  }
  const deployment = fixture;
  return { connection, loadCinder: () => connection.networkHelpers.loadFixture(deployment) };
}

let gpuCounter = 0n;
/** A fresh GPU id (the hash of a hardware identity, here a counter). */
export function nextGpuId(): string {
  gpuCounter += 1n;
  return `0x${gpuCounter.toString(16).padStart(64, "0")}`;
}

/**
 * Registers `provider`, attests `gpus` GPUs of `modelClass` through the attestor role, stakes what they need
 * (or `stake` if given) and deposits `bond` of SLA bond (PROVIDER_BOND by default). Returns the GPU ids.
 */
export async function onboardProvider(
  c: Cinder,
  provider: HardhatEthersSigner,
  opts: { gpus?: number; modelClass?: string; stake?: bigint; tier?: number; commissionBps?: number; bond?: bigint } = {},
): Promise<string[]> {
  const gpus = opts.gpus ?? 2;
  const modelClass = opts.modelClass ?? H100;
  await c.registry.connect(provider).register(`ipfs://provider/${provider.address}`, provider.address);
  if (opts.commissionBps !== undefined) await c.registry.connect(provider).setCommission(opts.commissionBps);
  const now = BigInt(await c.networkHelpers.time.latest());
  const ids: string[] = [];
  for (let i = 0; i < gpus; i++) {
    const gpuId = nextGpuId();
    ids.push(gpuId);
    await c.registry.connect(c.attestor).recordAttestation({
      provider: provider.address,
      gpuId,
      modelClass,
      memoryMiB: 81_559,
      tier: opts.tier ?? 1,
      evidenceHash: `0x${"ab".repeat(32)}`,
      issuedAt: now,
      expiresAt: now + 14n * 86_400n,
    });
  }
  const stake = opts.stake ?? (await c.registry.requiredStake(provider.address));
  if (stake > 0n) await c.vault.connect(provider).stake(stake);
  const bond = opts.bond ?? PROVIDER_BOND;
  if (bond > 0n) await c.slaBondManager.connect(provider).deposit(bond);
  return ids;
}
