/**
 * DisputeManager suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts), a
 * batch job with its result (`withResult`) or already disputed (`withDispute`), quorum-signed verdicts, and the
 * manager's solvency check: its stablecoin equals the open disputes' deposits plus the credited balances.
 *
 * Local parameters (deploy/modules/protocol.ts): challenge window 1 day, minDeposit 10 USD, depositBps 500, verdict
 * window 2 days, arbitration window 3 days, veto window 2 days, bounty 1,000 bps, job fraud 10,000 bps of the
 * per-GPU stake; the timelock is the arbitrator.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import { connectCinder, H100, H100_STAKE_PER_GPU, onboardProvider, USD, type Cinder } from "../../helpers/fixture.js";
import { OUTCOME, type JobVerdict, reportDigest, signReport } from "../../helpers/oracle.js";

/** The shared deployment, restored from its snapshot. */
export async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const HOUR = 3_600n;
export const DAY = 86_400n;
export const PRICE = 2_500_000n;
export const CHALLENGE = DAY;
export const VERDICT = 2n * DAY;
export const ARBITRATION = 3n * DAY;
export const VETO = 2n * DAY;
export const MIN_DEPOSIT = 10n * USD;
const DEPOSIT_BPS = 500n;
export const BOUNTY_BPS = 1_000n;
export const FRAUD = H100_STAKE_PER_GPU;
export const KIND = { Lease: 0, Batch: 1 } as const;
export const LS = { None: 0n, Active: 1n, Disputed: 2n, Closed: 3n } as const;
export const DS = { None: 0n, Open: 1n, Abstained: 2n, Resolved: 3n, Expired: 4n } as const;
export const PROVIDER_JAILED = 2n;
export const RESULT = `0x${"5e".repeat(32)}`;
export const SPEC = `0x${"5c".repeat(32)}`;
export const DEFAULT_PARAMS = {
  minDeposit: MIN_DEPOSIT,
  depositBps: DEPOSIT_BPS,
  verdictWindow: VERDICT,
  arbitrationWindow: ARBITRATION,
};

export const value = (price: bigint, gpus: bigint, seconds: bigint) => (price * gpus * seconds) / HOUR;
export const feeOf = (gross: bigint) => (gross * 100n + 9_999n) / 10_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
export const depositOf = (escrow: bigint) => {
  const fraction = ceilDiv(escrow * DEPOSIT_BPS, 10_000n);
  return fraction > MIN_DEPOSIT ? fraction : MIN_DEPOSIT;
};
export const slashIdOf = (leaseId: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [keccak256(toUtf8Bytes("CinderJobFraud")), leaseId]));
export const subjectOf = (leaseId: bigint) => zeroPadValue(toBeHex(leaseId), 32);

export async function now(c: Cinder): Promise<bigint> {
  return BigInt(await c.networkHelpers.time.latest());
}
export async function at(c: Cinder, t: bigint) {
  await c.networkHelpers.time.setNextBlockTimestamp(t);
}

/**
 * DESIGN.md invariant 1 for the DisputeManager, exactly: its stablecoin = the deposits of undecided disputes + the
 * balances credited to `accounts`.
 */
export async function expectSolvent(c: Cinder, accounts: HardhatEthersSigner[]) {
  let owed = 0n;
  for (let id = 1n; id <= (await c.jobMarket.leaseCount()); id++) {
    const d = await c.disputeManager.getDispute(id);
    if (d.status === DS.Open || d.status === DS.Abstained) owed += d.deposit;
  }
  for (const a of new Set(accounts)) owed += await c.disputeManager.balanceOf(a.address);
  expect(await c.stablecoin.balanceOf(await c.disputeManager.getAddress()), "manager holds exactly what it owes").to.equal(owed);
}

/**
 * providers[0] onboarded (4 H100s) with an offer; clients[0] leases 2 GPUs for 10 hours as a batch job, posts its
 * spec, and the provider submits its result `seconds` after the start (1 hour by default).
 */
export async function withResult(opts: { seconds?: bigint; spec?: boolean } = {}) {
  const c = await loadCinder();
  const p = c.providers[0];
  const client = c.clients[0];
  await onboardProvider(c, p, { gpus: 4 });
  await c.registry.connect(p).setOffer(H100, PRICE);
  await c.jobMarket.connect(client).createDirectLease(p.address, H100, 2, 10n * HOUR, PRICE, KIND.Batch);
  const id = await c.jobMarket.leaseCount();
  const start = (await c.jobMarket.getLease(id)).start;
  if (opts.spec !== false) await c.disputeManager.connect(client).postJobSpec(id, SPEC, "ipfs://spec");
  const resultAt = start + (opts.seconds ?? HOUR);
  await at(c, resultAt);
  await c.jobMarket.connect(p).submitResult(id, RESULT, "ipfs://result");
  const held = value(PRICE, 2n, resultAt - start);
  const funded = value(PRICE, 2n, 10n * HOUR);
  return { c, p, client, id, held, funded, resultAt, dm: c.disputeManager };
}

/** `withResult`, then the client disputes 100 seconds after the result. */
export async function withDispute(opts: { seconds?: bigint } = {}) {
  const x = await withResult(opts);
  const openedAt = x.resultAt + 100n;
  await at(x.c, openedAt);
  await x.dm.connect(x.client).open(x.id);
  return {
    ...x,
    openedAt,
    deposit: depositOf(x.held),
    verdictDeadline: openedAt + VERDICT,
    arbitrationDeadline: openedAt + VERDICT + ARBITRATION,
  };
}

/** A verdict about `leaseId` signed by a quorum (3 of the local 4) of the current oracle set, and its id. */
export async function signedVerdict(c: Cinder, leaseId: bigint, overrides: Partial<JobVerdict> = {}) {
  const verdict: JobVerdict = {
    configDigest: await c.oracleHub.configDigest(),
    leaseId,
    resultHash: RESULT,
    outcome: OUTCOME.ClientUpheld,
    toProvider: 0n,
    ...overrides,
  };
  const domain = { chainId: (await c.ethers.provider.getNetwork()).chainId, hub: await c.oracleHub.getAddress() };
  const signatures = await signReport(c.oracleSigners.slice(0, 3), domain, "JobVerdict", { ...verdict });
  return { verdict, signatures, id: reportDigest(domain, "JobVerdict", { ...verdict }) };
}
