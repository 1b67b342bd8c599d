/**
 * Governance suites' shared set-up: the deployment restored through `loadFixture` (test/helpers/fixture.ts), the
 * local governance parameters (deploy/parameters/hardhat.json), and proposals built, voted by the treasury, queued
 * and executed through the real CinderGovernor and CinderTimelock.
 */
import { expect } from "chai";
import { id as hashText, type Interface, toBeHex, zeroPadValue } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { connectCinder, ONE, type Cinder } from "../../helpers/fixture.js";

/** The shared deployment, restored from its snapshot. */
export async function loadCinder(): Promise<Cinder> {
  return (await connectCinder()).loadCinder();
}

export const DAY = 86_400n;
/** OpenZeppelin's IGovernor.ProposalState. */
export const ProposalState = { Pending: 0n, Active: 1n, Defeated: 3n, Succeeded: 4n, Queued: 5n, Executed: 7n } as const;
export const VOTE_FOR = 1;
export const VOTE_AGAINST = 0;
/** OpenZeppelin's TimelockController.OperationState.Ready, as the state bitmap its errors carry. */
export const TIMELOCK_READY_BITMAP = zeroPadValue(toBeHex(1n << 2n), 32);
/** Panic code of popping an empty DoubleEndedQueue (Governor's governance-call queue). */
export const PANIC_EMPTY_ARRAY_POP = 0x31;

/** Local-network governance parameters (deploy/parameters/hardhat.json). */
export const VOTING_DELAY = 1n;
export const VOTING_PERIOD = 300n;
export const MIN_VOTING_PERIOD = 60n;
export const TIMELOCK_DELAY = 60n;
export const MAX_GOVERNOR_DELAY = 30n * DAY;
export const MAX_PROPOSAL_THRESHOLD = 10_000_000n * ONE;

interface Proposal {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
  id: bigint;
}

interface Call {
  target: { getAddress(): Promise<string> };
  data: string;
}

export async function buildProposal(c: Cinder, calls: Call[], description: string): Promise<Proposal> {
  const targets = await Promise.all(calls.map((call) => call.target.getAddress()));
  const values = calls.map(() => 0n);
  const calldatas = calls.map((call) => call.data);
  const descriptionHash = hashText(description);
  const id = await c.governor.hashProposal(targets, values, calldatas, descriptionHash);
  return { targets, values, calldatas, description, descriptionHash, id };
}

/** The treasury (the deployer, holding most of the genesis supply) votes with its own tokens. */
export async function delegateTreasury(c: Cinder): Promise<void> {
  if ((await c.token.delegates(c.deployer.address)) !== c.deployer.address) {
    await c.token.connect(c.deployer).delegate(c.deployer.address);
  }
}

/**
 * Proposes each proposal from the treasury, votes For, and queues them in the timelock; with `ready`, also waits
 * out the timelock delay so they can be executed.
 */
export async function passAndQueue(c: Cinder, proposals: Proposal[], ready = true): Promise<void> {
  await delegateTreasury(c);
  for (const p of proposals) {
    await c.governor.connect(c.deployer).propose(p.targets, p.values, p.calldatas, p.description);
  }
  await c.networkHelpers.time.increase(VOTING_DELAY + 1n);
  for (const p of proposals) {
    await c.governor.connect(c.deployer).castVote(p.id, VOTE_FOR);
  }
  await c.networkHelpers.time.increase(VOTING_PERIOD + 1n);
  for (const p of proposals) {
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Succeeded);
    await c.governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash);
  }
  if (ready) await c.networkHelpers.time.increase(TIMELOCK_DELAY + 1n);
}

export function execute(c: Cinder, p: Proposal, caller: HardhatEthersSigner = c.stranger) {
  return c.governor.connect(caller).execute(p.targets, p.values, p.calldatas, p.descriptionHash);
}

export function setUnbonding(c: Cinder, period: bigint): Call {
  return { target: c.vault, data: c.vault.interface.encodeFunctionData("setUnbondingPeriod", [period]) };
}

export function governorCall(c: Cinder, name: string, value: bigint): Call {
  return { target: c.governor, data: (c.governor.interface as Interface).encodeFunctionData(name, [value]) };
}
