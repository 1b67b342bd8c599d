/**
 * Governance actions: a parameter change through the CinderGovernor and the Timelock. Encode each call with
 * `governanceCall` (typed by the target contract's ABI), delegate CNDR votes, propose, vote, queue once the vote
 * succeeded, and execute after the timelock's delay; a proposal is named by its calls and description, as the
 * Governor derives its id.
 *
 * @example
 * ```ts
 * const actions = [governanceCall(ctx, { contract: "vault", functionName: "setUnbondingPeriod", args: [21 * 86_400] })];
 * const proposal = { actions, description: "Unbonding to 21 days" };
 * await delegateVotes(ctx);
 * const { proposalId } = await proposeGovernance(ctx, proposal);
 * await castVote(ctx, { proposalId, support: "For" });          // after the voting delay
 * await queueGovernance(ctx, proposal);                          // after the voting period
 * await executeGovernance(ctx, proposal);                        // after the timelock delay
 * ```
 */
import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  encodeFunctionData,
  keccak256,
  toBytes,
} from "viem";
import { cinderGovernorAbi, cinderTokenAbi } from "../protocol/abis.js";
import { type CinderAbis, cinderAbisWithout } from "./contracts.js";
import { type CinderContext, type WriteResult, checkAddress, senderOf, writeContract } from "./context.js";
import { CinderConfigError } from "./errors.js";

/** The ABI of each contract a proposal may call, by its name in `CinderAddresses`. */
export const GOVERNED_ABIS: Omit<CinderAbis, "stablecoin"> = cinderAbisWithout("stablecoin");
/** A contract a proposal may call. */
export type GovernedContract = keyof typeof GOVERNED_ABIS;
/** The state-changing functions of a governed contract. */
export type GovernedFunction<C extends GovernedContract> = ContractFunctionName<(typeof GOVERNED_ABIS)[C], "nonpayable" | "payable">;

/** Parameters of {@link governanceCall}. */
export interface GovernanceCallParameters<C extends GovernedContract, F extends GovernedFunction<C>> {
  contract: C;
  functionName: F;
  args: ContractFunctionArgs<(typeof GOVERNED_ABIS)[C], "nonpayable" | "payable", F>;
}
/** One call of a proposal, encoded. */
export interface GovernanceAction {
  target: Address;
  value: bigint;
  calldata: Hex;
  /** `contract.function`, for messages. */
  label: string;
}

/** Encodes one call of a proposal; the target is the deployment's address of `contract`. */
export function governanceCall<const C extends GovernedContract, const F extends GovernedFunction<C>>(
  ctx: CinderContext,
  { contract, functionName, args }: GovernanceCallParameters<C, F>,
): GovernanceAction {
  const abi = GOVERNED_ABIS[contract];
  const target = (ctx.addresses as unknown as Record<string, Address | undefined>)[contract];
  if (abi === undefined) throw new CinderConfigError("contract", `unknown governed contract ${JSON.stringify(contract)} (known: ${Object.keys(GOVERNED_ABIS).join(", ")})`);
  if (target === undefined) throw new CinderConfigError("contract", `the deployment's addresses have no ${contract}`);
  let calldata: Hex;
  try {
    calldata = encodeFunctionData({ abi: abi as Abi, functionName: functionName as string, args: args as readonly unknown[] });
  } catch (error) {
    throw new CinderConfigError("args", `do not fit ${contract}.${functionName}: ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}`);
  }
  return { target, value: 0n, calldata, label: `${contract}.${functionName}` };
}

/** A proposal: its calls and its description (together they make its id). */
export interface GovernanceProposal {
  actions: readonly GovernanceAction[];
  description: string;
}

function proposalArgs({ actions, description }: GovernanceProposal) {
  if (!Array.isArray(actions) || actions.length === 0) throw new CinderConfigError("actions", "a proposal needs at least one call (governanceCall)");
  if (typeof description !== "string" || description.trim() === "") throw new CinderConfigError("description", "must be a non-empty string");
  const targets = actions.map((a, i) => checkAddress(a.target, `actions[${i}].target`));
  return { targets, values: actions.map((a) => a.value), calldatas: actions.map((a) => a.calldata), description, descriptionHash: keccak256(toBytes(description)) };
}

/** The Governor's proposal states by number. */
export const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;
/** A proposal state, or "None" before it is proposed. */
export type ProposalStateName = (typeof PROPOSAL_STATES)[number] | "None";

/** The id the Governor gives a proposal. */
export async function governanceProposalId(ctx: CinderContext, proposal: GovernanceProposal): Promise<bigint> {
  const p = proposalArgs(proposal);
  return ctx.publicClient.readContract({ address: ctx.addresses.governor, abi: cinderGovernorAbi, functionName: "hashProposal", args: [p.targets, p.values, p.calldatas, p.descriptionHash] });
}

/** Parameters of {@link getGovernanceProposal}. */
export interface GetGovernanceProposalParameters {
  proposalId: bigint;
}
/** A proposal's state, its vote window (in the token's clock: seconds), the votes cast and its timelock eta. */
export async function getGovernanceProposal(ctx: CinderContext, { proposalId }: GetGovernanceProposalParameters) {
  const address = ctx.addresses.governor;
  const pc = ctx.publicClient;
  const voteStart = await pc.readContract({ address, abi: cinderGovernorAbi, functionName: "proposalSnapshot", args: [proposalId] });
  if (voteStart === 0n) return { proposalId, state: "None" as ProposalStateName, voteStart, voteEnd: 0n, eta: 0n, votes: { against: 0n, for: 0n, abstain: 0n } };
  const [state, voteEnd, eta, [against, forVotes, abstain]] = await Promise.all([
    pc.readContract({ address, abi: cinderGovernorAbi, functionName: "state", args: [proposalId] }),
    pc.readContract({ address, abi: cinderGovernorAbi, functionName: "proposalDeadline", args: [proposalId] }),
    pc.readContract({ address, abi: cinderGovernorAbi, functionName: "proposalEta", args: [proposalId] }),
    pc.readContract({ address, abi: cinderGovernorAbi, functionName: "proposalVotes", args: [proposalId] }),
  ]);
  return { proposalId, state: (PROPOSAL_STATES[state] ?? "None") as ProposalStateName, voteStart, voteEnd, eta, votes: { against, for: forVotes, abstain } };
}
/** The return type of {@link getGovernanceProposal}. */
export type GetGovernanceProposalReturnType = Awaited<ReturnType<typeof getGovernanceProposal>>;

/** Parameters of {@link delegateVotes}. */
export interface DelegateVotesParameters {
  /** Who votes with the sender's CNDR; default the sender itself. */
  to?: Address;
}
/** The return type of {@link delegateVotes}: the delegatee's votes from the next second on. */
export type DelegateVotesReturnType = WriteResult<void> & { votes: bigint };
/** Delegates the sender's CNDR votes (CNDR counts as votes only once delegated). */
export async function delegateVotes(ctx: CinderContext, { to }: DelegateVotesParameters = {}): Promise<DelegateVotesReturnType> {
  const delegatee = to === undefined ? senderOf(ctx) : checkAddress(to, "to");
  const written = await writeContract(ctx, { contract: "CinderToken", address: ctx.addresses.token, abi: cinderTokenAbi, functionName: "delegate", args: [delegatee] });
  const votes = await ctx.publicClient.readContract({ address: ctx.addresses.token, abi: cinderTokenAbi, functionName: "getVotes", args: [delegatee] });
  return { ...written, votes };
}

/** The return type of {@link proposeGovernance}. */
export type ProposeGovernanceReturnType = WriteResult<bigint> & { proposalId: bigint; voteStart: bigint; voteEnd: bigint };
/** Proposes the calls; the sender needs votes above the proposal threshold. */
export async function proposeGovernance(ctx: CinderContext, proposal: GovernanceProposal): Promise<ProposeGovernanceReturnType> {
  const p = proposalArgs(proposal);
  const written = await writeContract(ctx, { contract: "CinderGovernor", address: ctx.addresses.governor, abi: cinderGovernorAbi, functionName: "propose", args: [p.targets, p.values, p.calldatas, p.description] });
  const { voteStart, voteEnd } = await getGovernanceProposal(ctx, { proposalId: written.result });
  return { ...written, proposalId: written.result, voteStart, voteEnd };
}

/** How a vote counts. */
export const VOTE_SUPPORT = { Against: 0, For: 1, Abstain: 2 } as const;
/** Parameters of {@link castVote}. */
export interface CastVoteParameters {
  proposalId: bigint;
  support: keyof typeof VOTE_SUPPORT;
}
/** The return type of {@link castVote}: `result` is the weight of the vote. */
export type CastVoteReturnType = WriteResult<bigint>;
/** Votes on an active proposal with the sender's delegated votes at its snapshot. */
export async function castVote(ctx: CinderContext, { proposalId, support }: CastVoteParameters): Promise<CastVoteReturnType> {
  if (!(support in VOTE_SUPPORT)) throw new CinderConfigError("support", `must be For, Against or Abstain, got ${JSON.stringify(support)}`);
  return writeContract(ctx, { contract: "CinderGovernor", address: ctx.addresses.governor, abi: cinderGovernorAbi, functionName: "castVote", args: [proposalId, VOTE_SUPPORT[support]] });
}

/** The return type of {@link queueGovernance}: `eta` is when it may execute. */
export type QueueGovernanceReturnType = WriteResult<bigint> & { eta: bigint };
/** Queues a succeeded proposal in the timelock (anyone). */
export async function queueGovernance(ctx: CinderContext, proposal: GovernanceProposal): Promise<QueueGovernanceReturnType> {
  const p = proposalArgs(proposal);
  const written = await writeContract(ctx, { contract: "CinderGovernor", address: ctx.addresses.governor, abi: cinderGovernorAbi, functionName: "queue", args: [p.targets, p.values, p.calldatas, p.descriptionHash] });
  const { eta } = await getGovernanceProposal(ctx, { proposalId: written.result });
  return { ...written, eta };
}

/** The return type of {@link executeGovernance}: `result` is the proposal id. */
export type ExecuteGovernanceReturnType = WriteResult<bigint>;
/** Executes a queued proposal once its timelock delay has passed (anyone). */
export async function executeGovernance(ctx: CinderContext, proposal: GovernanceProposal): Promise<ExecuteGovernanceReturnType> {
  const p = proposalArgs(proposal);
  return writeContract(ctx, { contract: "CinderGovernor", address: ctx.addresses.governor, abi: cinderGovernorAbi, functionName: "execute", args: [p.targets, p.values, p.calldatas, p.descriptionHash] });
}
