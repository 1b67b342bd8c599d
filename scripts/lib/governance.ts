/**
 * Parameter changes through the Governor and the Timelock, from a proposal file:
 *
 * ```json
 * { "description": "Unbonding to 21 days",
 *   "actions": [{ "contract": "vault", "function": "setUnbondingPeriod", "args": ["1814400"] }] }
 * ```
 *
 * `contract` names a deployment contract (see CinderAddresses); `function` a function of it (a name, or a full
 * signature when overloaded); `args` its arguments (numbers as decimal strings). The same file drives propose,
 * vote, queue and execute: the proposal id is derived from it, as the Governor derives it.
 */
import { readFileSync } from "node:fs";
import { type Interface, type Signer, id as keccakText } from "ethers";
import {
  BuybackBurner__factory,
  CinderGovernor__factory,
  CinderTimelock__factory,
  CinderToken__factory,
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
} from "../../types/ethers-contracts/index.js";
import type { CinderAddresses } from "./deployment.js";
import { ScriptError } from "./errors.js";

/** The contracts a proposal may call, with their ABIs. */
const INTERFACES: Partial<Record<keyof CinderAddresses, Interface>> = {
  token: CinderToken__factory.createInterface(),
  registry: ProviderRegistry__factory.createInterface(),
  vault: StakingVault__factory.createInterface(),
  feeRouter: FeeRouter__factory.createInterface(),
  emissionController: EmissionController__factory.createInterface(),
  jobMarket: JobMarket__factory.createInterface(),
  leaseAuction: LeaseAuction__factory.createInterface(),
  paymentChannels: PaymentChannels__factory.createInterface(),
  buybackBurner: BuybackBurner__factory.createInterface(),
  oracleHub: OracleHub__factory.createInterface(),
  slaBondManager: SlaBondManager__factory.createInterface(),
  slashingManager: SlashingManager__factory.createInterface(),
  governor: CinderGovernor__factory.createInterface(),
  timelock: CinderTimelock__factory.createInterface(),
};

export interface ProposalAction {
  contract: keyof CinderAddresses;
  function: string;
  args: unknown[];
}

export interface ProposalSpec {
  description: string;
  actions: ProposalAction[];
}

/** A proposal file or a governance step is wrong; `field` names what. */
export class GovernanceError extends ScriptError {
  override readonly name = "GovernanceError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { message: `${field}: ${message}` });
  }
}

/** Checks a parsed proposal file, naming the first field that is wrong. */
export function validateProposal(raw: unknown): ProposalSpec {
  if (typeof raw !== "object" || raw === null) throw new GovernanceError("proposal", "must be a JSON object");
  const { description, actions } = raw as { description?: unknown; actions?: unknown };
  if (typeof description !== "string" || description.trim() === "") {
    throw new GovernanceError("description", "must be a non-empty string");
  }
  if (!Array.isArray(actions) || actions.length === 0) throw new GovernanceError("actions", "must be a non-empty array");
  actions.forEach((action: unknown, i) => {
    const field = `actions[${i}]`;
    if (typeof action !== "object" || action === null) throw new GovernanceError(field, "must be an object");
    const a = action as { contract?: unknown; function?: unknown; args?: unknown };
    if (typeof a.contract !== "string" || !(a.contract in INTERFACES)) {
      throw new GovernanceError(`${field}.contract`, `must be one of ${Object.keys(INTERFACES).join(", ")}`);
    }
    const iface = INTERFACES[a.contract as keyof CinderAddresses]!;
    if (typeof a.function !== "string" || iface.getFunction(a.function) === null) {
      throw new GovernanceError(`${field}.function`, `${String(a.function)} is not a function of ${a.contract}`);
    }
    if (!Array.isArray(a.args)) throw new GovernanceError(`${field}.args`, "must be an array");
    try {
      iface.encodeFunctionData(a.function, a.args);
    } catch (error) {
      const reason = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
      throw new GovernanceError(`${field}.args`, `do not fit ${a.function}: ${reason}`);
    }
  });
  return raw as ProposalSpec;
}

/** Reads and validates a proposal file. */
export function readProposal(path: string): ProposalSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new GovernanceError("proposal", `cannot read ${path}`);
  }
  try {
    return validateProposal(JSON.parse(text));
  } catch (error) {
    if (error instanceof GovernanceError) throw error;
    throw new GovernanceError("proposal", `${path} is not valid JSON`);
  }
}

/** The Governor's inputs for a proposal: targets, values, calldatas, description and its hash. */
export function encodeProposal(spec: ProposalSpec, addresses: CinderAddresses) {
  const targets = spec.actions.map((a) => {
    const address = addresses[a.contract];
    if (address === undefined) throw new GovernanceError("contract", `${a.contract} is not in this deployment`);
    return address;
  });
  const calldatas = spec.actions.map((a) => INTERFACES[a.contract]!.encodeFunctionData(a.function, a.args));
  const values = spec.actions.map(() => 0n);
  return { targets, values, calldatas, description: spec.description, descriptionHash: keccakText(spec.description) };
}

const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;
export type ProposalState = (typeof STATES)[number];

/** The proposal's id and state (or "None" if it was never proposed). */
export async function proposalStatus(spec: ProposalSpec, addresses: CinderAddresses, signer: Signer) {
  const governor = CinderGovernor__factory.connect(addresses.governor, signer);
  const p = encodeProposal(spec, addresses);
  const proposalId = await governor.hashProposal(p.targets, p.values, p.calldatas, p.descriptionHash);
  const snapshot = await governor.proposalSnapshot(proposalId);
  if (snapshot === 0n) return { proposalId, state: "None" as const };
  const state = STATES[Number(await governor.state(proposalId))];
  return { proposalId, state, voteStart: snapshot, voteEnd: await governor.proposalDeadline(proposalId), eta: await governor.proposalEta(proposalId) };
}

/** Delegates the signer's CNDR votes to itself (votes count from the next block on). */
export async function delegateSelf(addresses: CinderAddresses, signer: Signer) {
  const token = CinderToken__factory.connect(addresses.token, signer);
  const account = await signer.getAddress();
  await (await token.delegate(account)).wait();
  return { account, votes: await token.getVotes(account) };
}

/** Proposes; the signer needs votes (delegated CNDR) above the proposal threshold. */
export async function propose(spec: ProposalSpec, addresses: CinderAddresses, signer: Signer) {
  const governor = CinderGovernor__factory.connect(addresses.governor, signer);
  const token = CinderToken__factory.connect(addresses.token, signer);
  const account = await signer.getAddress();
  const threshold = await governor.proposalThreshold();
  const votes = await token.getVotes(account);
  if (votes < threshold) {
    throw new GovernanceError("signer", `${account} has ${votes} votes, the proposal threshold is ${threshold} (delegate CNDR first)`);
  }
  const existing = await proposalStatus(spec, addresses, signer);
  if (existing.state !== "None") {
    throw new GovernanceError("proposal", `already proposed as ${existing.proposalId} (state ${existing.state})`);
  }
  const p = encodeProposal(spec, addresses);
  await (await governor.propose(p.targets, p.values, p.calldatas, p.description)).wait();
  return proposalStatus(spec, addresses, signer);
}

/** Votes For (1), Against (0) or Abstain (2) while the vote is open. */
export async function vote(spec: ProposalSpec, addresses: CinderAddresses, signer: Signer, support: 0 | 1 | 2 = 1) {
  const status = await proposalStatus(spec, addresses, signer);
  if (status.state !== "Active") throw new GovernanceError("proposal", `voting is not open (state ${status.state})`);
  const governor = CinderGovernor__factory.connect(addresses.governor, signer);
  await (await governor.castVote(status.proposalId, support)).wait();
  return proposalStatus(spec, addresses, signer);
}

/** Queues a succeeded proposal in the timelock. */
export async function queue(spec: ProposalSpec, addresses: CinderAddresses, signer: Signer) {
  const status = await proposalStatus(spec, addresses, signer);
  if (status.state !== "Succeeded") throw new GovernanceError("proposal", `cannot queue in state ${status.state}`);
  const p = encodeProposal(spec, addresses);
  const governor = CinderGovernor__factory.connect(addresses.governor, signer);
  await (await governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash)).wait();
  return proposalStatus(spec, addresses, signer);
}

/** Executes a queued proposal once the timelock's delay has passed. */
export async function execute(spec: ProposalSpec, addresses: CinderAddresses, signer: Signer) {
  const status = await proposalStatus(spec, addresses, signer);
  if (status.state !== "Queued") throw new GovernanceError("proposal", `cannot execute in state ${status.state}`);
  const latest = await signer.provider!.getBlock("latest");
  if (status.eta !== undefined && BigInt(latest!.timestamp) < status.eta) {
    throw new GovernanceError("proposal", `the timelock delay runs until ${status.eta} (now ${latest!.timestamp})`);
  }
  const p = encodeProposal(spec, addresses);
  const governor = CinderGovernor__factory.connect(addresses.governor, signer);
  await (await governor.execute(p.targets, p.values, p.calldatas, p.descriptionHash)).wait();
  return proposalStatus(spec, addresses, signer);
}
