/**
 * Shared set-up of the StakingVault and ProviderRegistry suites (test/contracts/staking/): the one deployment
 * through `loadFixture` (test/helpers/fixture.ts), restored from its snapshot for each test, the local parameters
 * as constants, and the helpers the suites share.
 *
 * Local parameters (deploy/modules): unbonding 14 days, exposure tail 12 days, delegation cap 5x self-stake,
 * minimum delegation 1 CNDR, commission increase delay 7 days. `onboardProvider` attests two H100s and stakes
 * what they need: 2 x 200 = 400 CNDR, so the cap on delegations is 2,000 CNDR.
 *
 *   const { c, p, d } = await withProvider();   // providers[0] onboarded, d = the delegators
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MODEL_CLASSES, modelClassId } from "../../../deploy/config.js";
import { connectCinder, H100, nextGpuId, onboardProvider, ONE, type Cinder } from "../../helpers/fixture.js";
import { at, now } from "../../helpers/staking.js";

export {
  A100,
  H100,
  H100_STAKE_PER_GPU,
  nextGpuId,
  onboardProvider,
  ONE,
  type Cinder,
} from "../../helpers/fixture.js";
export {
  type Account,
  type Tx,
  addressOf,
  at,
  expectDeltas,
  expectSlashKept,
  expectSolvent,
  now,
} from "../../helpers/staking.js";

/** A snapshot-restored deployment of the whole protocol. */
export const { loadCinder } = await connectCinder();

export const DAY = 86_400n;
export const UNBONDING = 14n * DAY;
export const TAIL = 12n * DAY;
/** challenge 1 d + verdict 2 d + 2 x arbitration 3 d + veto 2 d: what the tail must cover at the defaults. */
export const SPAN = 11n * DAY;
export const SELF = 400n * ONE;
export const MAX = 2n ** 256n - 1n;
export const PRECISION = 10n ** 36n;
/** IProviderRegistry.ProviderStatus as the ABI returns it. */
export const STATUS = { None: 0n, Active: 1n, Jailed: 2n, Exited: 3n } as const;

// ProviderRegistry's bounds and local parameters.
export const EVIDENCE = `0x${"ab".repeat(32)}`;
export const OTHER_EVIDENCE = `0x${"cd".repeat(32)}`;
export const UNKNOWN_CLASS = modelClassId("B200-192GB");
export const A100_STAKE_PER_GPU = MODEL_CLASSES.find((m) => m.name === "A100-80GB")!.stakePerGpu;
export const MAX_PRICE = 10n ** 12n;
export const MAX_METADATA = 512n;
export const MAX_VALIDITY = 30n * DAY;
export const MIN_STAKE_PER_GPU = ONE;
export const MAX_STAKE_PER_GPU = 10_000_000n * ONE;
export const MIN_COMMISSION_DELAY = DAY;
export const MAX_COMMISSION_DELAY = 60n * DAY;
/** The deployment's commission increase delay (deploy/modules/Cinder.ts default). */
export const COMMISSION_DELAY = 7n * DAY;

/** ShareMath.toAssets with floor rounding (virtual share and asset of one). */
export const toAssets = (shares: bigint, assets: bigint, total: bigint) => (shares * (assets + 1n)) / (total + 1n);
/** ShareMath.toShares with floor rounding. */
export const toShares = (amount: bigint, assets: bigint, total: bigint) => (amount * (total + 1n)) / (assets + 1n);

export type PoolField =
  | "selfActive"
  | "selfPending"
  | "delegatedAssets"
  | "delegatedShares"
  | "pendingAssets"
  | "pendingShares"
  | "rewardPerShare"
  | "providerRewards"
  | "selfUnlockAt"
  | "exposureUntil"
  | "slashHolds"
  | "generation"
  | "pendingGeneration";
export type DelegationField =
  | "shares"
  | "unlockAt"
  | "generation"
  | "pendingGeneration"
  | "pendingShares"
  | "rewards"
  | "rewardPerSharePaid";

export async function expectPool(c: Cinder, provider: string, want: Partial<Record<PoolField, bigint>>) {
  const pool = await c.vault.getPool(provider);
  for (const [field, value] of Object.entries(want) as [PoolField, bigint][]) {
    expect(pool[field], `pool.${field}`).to.equal(value);
  }
}

export async function expectDelegation(
  c: Cinder,
  provider: string,
  account: string,
  want: Partial<Record<DelegationField, bigint>>,
) {
  const d = await c.vault.getDelegation(provider, account);
  for (const [field, value] of Object.entries(want) as [DelegationField, bigint][]) {
    expect(d[field], `delegation.${field}`).to.equal(value);
  }
}

/** A deployment with providers[0] onboarded (2 H100s, 400 CNDR self-stake, commission `commissionBps` in force). */
export async function withProvider(opts: { commissionBps?: number } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  await onboardProvider(c, p, { commissionBps: opts.commissionBps });
  if (opts.commissionBps !== undefined) {
    // A raised commission waits for the registry's delay (7 days) before it applies.
    await c.networkHelpers.time.increase(7n * DAY + 1n);
    expect(await c.registry.commissionOf(p.address)).to.equal(BigInt(opts.commissionBps));
  }
  return { c, p, d: c.delegators };
}

/**
 * Pool used by the slashing tests: self 400 of which 100 pending; d0 delegates 1,000; d1 delegates 500 and requests
 * 300. So selfActive 300, selfPending 100, delegated active 1,200 (1,200 shares), pending 300 (300 shares).
 */
export async function slashingPool() {
  const { c, p, d } = await withProvider();
  await c.vault.connect(d[0]).delegate(p.address, 1_000n * ONE);
  await c.vault.connect(d[1]).delegate(p.address, 500n * ONE);
  const t = (await now(c)) + 10n;
  await at(c, t);
  await c.vault.connect(d[1]).requestWithdraw(p.address, 300n * ONE);
  await c.vault.connect(p).requestWithdraw(p.address, 100n * ONE);
  await expectPool(c, p.address, {
    selfActive: 300n * ONE,
    selfPending: 100n * ONE,
    delegatedAssets: 1_200n * ONE,
    delegatedShares: 1_200n * ONE,
    pendingAssets: 300n * ONE,
    pendingShares: 300n * ONE,
  });
  return { c, p, d, t };
}

export interface Attestation {
  provider: string;
  gpuId: string;
  modelClass: string;
  memoryMiB: number;
  tier: number;
  evidenceHash: string;
  issuedAt: bigint;
  expiresAt: bigint;
}

export async function latest(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}

/** Pins the next block's timestamp to `latest + offset` and returns it. */
export async function pinNextBlock(c: Cinder, offset = 1n): Promise<bigint> {
  const t = (await latest(c)) + offset;
  await c.networkHelpers.time.setNextBlockTimestamp(t);
  return t;
}

export async function attestation(c: Cinder, provider: string, opts: Partial<Attestation> = {}): Promise<Attestation> {
  return {
    provider,
    gpuId: opts.gpuId ?? nextGpuId(),
    modelClass: opts.modelClass ?? H100,
    memoryMiB: opts.memoryMiB ?? 81_559,
    tier: opts.tier ?? 1,
    evidenceHash: opts.evidenceHash ?? EVIDENCE,
    // The latest block's time: the attestation's own block comes after it, so each is issued later than the last.
    issuedAt: opts.issuedAt ?? (await latest(c)),
    expiresAt: opts.expiresAt ?? (await latest(c)) + 14n * DAY,
  };
}

/** Records an attestation through the attestor role and returns it. */
export async function attest(c: Cinder, provider: string, opts: Partial<Attestation> = {}): Promise<Attestation> {
  const a = await attestation(c, provider, opts);
  await c.registry.connect(c.attestor).recordAttestation(a);
  return a;
}

/** The on-chain bit index of a model class (Ignition may register the classes in any order). */
export async function classIndex(c: Cinder, modelClass: string): Promise<bigint> {
  return (await c.registry.getModelClass(modelClass)).index;
}

/** The class's bit in `Provider.classMask`. */
export async function bit(c: Cinder, modelClass: string): Promise<bigint> {
  return 1n << (await classIndex(c, modelClass));
}

export async function register(c: Cinder, provider: HardhatEthersSigner): Promise<void> {
  await c.registry.connect(provider).register(`ipfs://provider/${provider.address}`, provider.address);
}

/** Jails `provider` until `seconds` after the latest block and returns jailedUntil. */
export async function jailFor(c: Cinder, provider: string, seconds: bigint): Promise<bigint> {
  const until = (await latest(c)) + seconds;
  await c.registry.connect(c.slasher).jail(provider, until);
  return until;
}
