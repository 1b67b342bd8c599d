import { expect } from "chai";
import { id as hashText, type Interface, toBeHex, zeroPadValue } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { CinderGovernor__factory, CinderTimelock__factory } from "../../../types/ethers-contracts/index.js";
import { connectCinder, H100, ONE, onboardProvider, type Cinder } from "../../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const DAY = 86_400n;
/** OpenZeppelin's IGovernor.ProposalState. */
const ProposalState = { Pending: 0n, Active: 1n, Defeated: 3n, Succeeded: 4n, Queued: 5n, Executed: 7n } as const;
const VOTE_FOR = 1;
const VOTE_AGAINST = 0;
/** OpenZeppelin's TimelockController.OperationState.Ready, as the state bitmap its errors carry. */
const TIMELOCK_READY_BITMAP = zeroPadValue(toBeHex(1n << 2n), 32);
/** Panic code of popping an empty DoubleEndedQueue (Governor's governance-call queue). */
const PANIC_EMPTY_ARRAY_POP = 0x31;

/** Local-network governance parameters (deploy/parameters/hardhat.json). */
const VOTING_DELAY = 1n;
const VOTING_PERIOD = 300n;
const MIN_VOTING_PERIOD = 60n;
const TIMELOCK_DELAY = 60n;
const MAX_GOVERNOR_DELAY = 30n * DAY;
const MAX_PROPOSAL_THRESHOLD = 10_000_000n * ONE;

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

async function buildProposal(c: Cinder, calls: Call[], description: string): Promise<Proposal> {
  const targets = await Promise.all(calls.map((call) => call.target.getAddress()));
  const values = calls.map(() => 0n);
  const calldatas = calls.map((call) => call.data);
  const descriptionHash = hashText(description);
  const id = await c.governor.hashProposal(targets, values, calldatas, descriptionHash);
  return { targets, values, calldatas, description, descriptionHash, id };
}

/** The treasury (the deployer, holding most of the genesis supply) votes with its own tokens. */
async function delegateTreasury(c: Cinder): Promise<void> {
  if ((await c.token.delegates(c.deployer.address)) !== c.deployer.address) {
    await c.token.connect(c.deployer).delegate(c.deployer.address);
  }
}

/**
 * Proposes each proposal from the treasury, votes For, and queues them in the timelock; with `ready`, also waits
 * out the timelock delay so they can be executed.
 */
async function passAndQueue(c: Cinder, proposals: Proposal[], ready = true): Promise<void> {
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

function execute(c: Cinder, p: Proposal, caller: HardhatEthersSigner = c.stranger) {
  return c.governor.connect(caller).execute(p.targets, p.values, p.calldatas, p.descriptionHash);
}

function setUnbonding(c: Cinder, period: bigint): Call {
  return { target: c.vault, data: c.vault.interface.encodeFunctionData("setUnbondingPeriod", [period]) };
}

function governorCall(c: Cinder, name: string, value: bigint): Call {
  return { target: c.governor, data: (c.governor.interface as Interface).encodeFunctionData(name, [value]) };
}

describe("CinderGovernor proposal lifecycle", function () {
  it("is deployed with the local network's settings", async function () {
    const c = await loadCinder();
    expect(await c.governor.votingDelay()).to.equal(VOTING_DELAY);
    expect(await c.governor.votingPeriod()).to.equal(VOTING_PERIOD);
    expect(await c.governor.MIN_VOTING_PERIOD()).to.equal(MIN_VOTING_PERIOD);
    expect(await c.governor.proposalThreshold()).to.equal(0n);
    expect(await c.governor["quorumNumerator()"]()).to.equal(4n);
    expect(await c.governor.timelock()).to.equal(await c.timelock.getAddress());
    expect(await c.governor.token()).to.equal(await c.token.getAddress());
    expect(await c.governor.CLOCK_MODE()).to.equal("mode=timestamp");
    expect(await c.timelock.getMinDelay()).to.equal(TIMELOCK_DELAY);
  });

  it("changes the vault's unbonding period end to end through a vote and the timelock", async function () {
    const c = await loadCinder();
    const newPeriod = 21n * DAY;
    expect(await c.vault.unbondingPeriod()).to.equal(14n * DAY);
    const p = await buildProposal(c, [setUnbonding(c, newPeriod)], "Raise the unbonding period to 21 days");

    await c.token.connect(c.deployer).delegate(c.deployer.address);
    const votes = await c.token.getVotes(c.deployer.address);
    expect(votes).to.equal(await c.token.balanceOf(c.deployer.address));

    await expect(c.governor.connect(c.deployer).propose(p.targets, p.values, p.calldatas, p.description)).to.emit(
      c.governor,
      "ProposalCreated",
    );
    const proposedAt = BigInt(await c.networkHelpers.time.latest());
    expect(await c.governor.proposalSnapshot(p.id)).to.equal(proposedAt + VOTING_DELAY);
    expect(await c.governor.proposalDeadline(p.id)).to.equal(proposedAt + VOTING_DELAY + VOTING_PERIOD);
    expect(await c.governor.proposalProposer(p.id)).to.equal(c.deployer.address);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Pending);
    await expect(c.governor.connect(c.deployer).castVote(p.id, VOTE_FOR))
      .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
      .withArgs(p.id, ProposalState.Pending, zeroPadValue(toBeHex(1n << ProposalState.Active), 32));

    await c.networkHelpers.time.increase(VOTING_DELAY + 1n);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Active);
    await expect(c.governor.connect(c.deployer).castVote(p.id, VOTE_FOR))
      .to.emit(c.governor, "VoteCast")
      .withArgs(c.deployer.address, p.id, VOTE_FOR, votes, "");
    const tally = await c.governor.proposalVotes(p.id);
    expect(tally.forVotes).to.equal(votes);
    expect(tally.againstVotes).to.equal(0n);
    expect(votes).to.be.gte(await c.governor.quorum(proposedAt + VOTING_DELAY));

    await c.networkHelpers.time.increase(VOTING_PERIOD + 1n);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Succeeded);
    const queueTx = c.governor.connect(c.stranger).queue(p.targets, p.values, p.calldatas, p.descriptionHash);
    await expect(queueTx).to.emit(c.governor, "ProposalQueued");
    const queuedAt = BigInt(await c.networkHelpers.time.latest());
    expect(await c.governor.proposalEta(p.id)).to.equal(queuedAt + TIMELOCK_DELAY);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Queued);

    await c.networkHelpers.time.increase(TIMELOCK_DELAY + 1n);
    await expect(execute(c, p))
      .to.emit(c.governor, "ProposalExecuted")
      .withArgs(p.id)
      .and.to.emit(c.vault, "UnbondingPeriodSet")
      .withArgs(newPeriod);
    expect(await c.vault.unbondingPeriod()).to.equal(newPeriod);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Executed);
  });

  it("cannot execute a queued proposal before the timelock delay", async function () {
    const c = await loadCinder();
    const p = await buildProposal(c, [setUnbonding(c, 21n * DAY)], "Too early");
    await passAndQueue(c, [p], false);
    const salt = toBeHex((BigInt(await c.governor.getAddress()) << 96n) ^ BigInt(p.descriptionHash), 32);
    const noPredecessor = `0x${"00".repeat(32)}`;
    const operationId = await c.timelock.hashOperationBatch(p.targets, p.values, p.calldatas, noPredecessor, salt);
    expect(await c.timelock.isOperationPending(operationId)).to.equal(true);
    await expect(execute(c, p))
      .to.be.revertedWithCustomError(c.timelock, "TimelockUnexpectedOperationState")
      .withArgs(operationId, TIMELOCK_READY_BITMAP);
    expect(await c.vault.unbondingPeriod()).to.equal(14n * DAY);
  });

  it("defeats a proposal voted against, which then cannot be queued", async function () {
    const c = await loadCinder();
    const p = await buildProposal(c, [setUnbonding(c, 21n * DAY)], "Rejected");
    await delegateTreasury(c);
    await c.governor.connect(c.deployer).propose(p.targets, p.values, p.calldatas, p.description);
    await c.networkHelpers.time.increase(VOTING_DELAY + 1n);
    await c.governor.connect(c.deployer).castVote(p.id, VOTE_AGAINST);
    await c.networkHelpers.time.increase(VOTING_PERIOD + 1n);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Defeated);
    await expect(c.governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash))
      .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
      .withArgs(p.id, ProposalState.Defeated, zeroPadValue(toBeHex(1n << ProposalState.Succeeded), 32));
  });

  it("passes an out-of-bounds value in the vote, but its execution reverts with the vault's bound", async function () {
    const c = await loadCinder();
    const tooLong = 61n * DAY;
    const p = await buildProposal(c, [setUnbonding(c, tooLong)], "Unbonding of 61 days");
    await passAndQueue(c, [p]);
    await expect(execute(c, p))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultParameterOutOfBounds")
      .withArgs("unbondingPeriod", tooLong, DAY, 60n * DAY);
    expect(await c.vault.unbondingPeriod()).to.equal(14n * DAY);
    expect(await c.governor.state(p.id)).to.equal(ProposalState.Queued);
  });
});

describe("CinderGovernor settings", function () {
  it("changes every setting within bounds through a proposal", async function () {
    const c = await loadCinder();
    const p = await buildProposal(
      c,
      [
        governorCall(c, "setVotingDelay", DAY),
        governorCall(c, "setVotingPeriod", 5n * DAY),
        governorCall(c, "setProposalThreshold", 100_000n * ONE),
        governorCall(c, "updateQuorumNumerator", 10n),
      ],
      "Production settings",
    );
    await passAndQueue(c, [p]);
    await expect(execute(c, p))
      .to.emit(c.governor, "VotingDelaySet")
      .withArgs(VOTING_DELAY, DAY)
      .and.to.emit(c.governor, "VotingPeriodSet")
      .withArgs(VOTING_PERIOD, 5n * DAY)
      .and.to.emit(c.governor, "ProposalThresholdSet")
      .withArgs(0n, 100_000n * ONE)
      .and.to.emit(c.governor, "QuorumNumeratorUpdated")
      .withArgs(4n, 10n);
    expect(await c.governor.votingDelay()).to.equal(DAY);
    expect(await c.governor.votingPeriod()).to.equal(5n * DAY);
    expect(await c.governor.proposalThreshold()).to.equal(100_000n * ONE);
    expect(await c.governor["quorumNumerator()"]()).to.equal(10n);
  });

  it("accepts each setting at its bounds", async function () {
    const c = await loadCinder();
    const low = await buildProposal(
      c,
      [
        governorCall(c, "setVotingDelay", 0n),
        governorCall(c, "setVotingPeriod", MIN_VOTING_PERIOD),
        governorCall(c, "updateQuorumNumerator", 1n),
      ],
      "Lowest settings",
    );
    const high = await buildProposal(
      c,
      [
        governorCall(c, "setVotingDelay", MAX_GOVERNOR_DELAY),
        governorCall(c, "setVotingPeriod", MAX_GOVERNOR_DELAY),
        governorCall(c, "setProposalThreshold", MAX_PROPOSAL_THRESHOLD),
        governorCall(c, "updateQuorumNumerator", 50n),
      ],
      "Highest settings",
    );
    await passAndQueue(c, [low, high]);
    await execute(c, low);
    expect(await c.governor.votingDelay()).to.equal(0n);
    expect(await c.governor.votingPeriod()).to.equal(MIN_VOTING_PERIOD);
    expect(await c.governor["quorumNumerator()"]()).to.equal(1n);
    await execute(c, high);
    expect(await c.governor.votingDelay()).to.equal(MAX_GOVERNOR_DELAY);
    expect(await c.governor.votingPeriod()).to.equal(MAX_GOVERNOR_DELAY);
    expect(await c.governor.proposalThreshold()).to.equal(MAX_PROPOSAL_THRESHOLD);
    expect(await c.governor["quorumNumerator()"]()).to.equal(50n);
  });

  it("rejects each setting outside its bounds with CinderGovernorSettingOutOfBounds", async function () {
    const c = await loadCinder();
    const cases: [string, string, bigint, bigint, bigint][] = [
      ["setVotingDelay", "votingDelay", MAX_GOVERNOR_DELAY + 1n, 0n, MAX_GOVERNOR_DELAY],
      ["setVotingPeriod", "votingPeriod", MIN_VOTING_PERIOD - 1n, MIN_VOTING_PERIOD, MAX_GOVERNOR_DELAY],
      ["setVotingPeriod", "votingPeriod", MAX_GOVERNOR_DELAY + 1n, MIN_VOTING_PERIOD, MAX_GOVERNOR_DELAY],
      ["setProposalThreshold", "proposalThreshold", MAX_PROPOSAL_THRESHOLD + 1n, 0n, MAX_PROPOSAL_THRESHOLD],
      ["updateQuorumNumerator", "quorumNumerator", 0n, 1n, 50n],
      ["updateQuorumNumerator", "quorumNumerator", 51n, 1n, 50n],
    ];
    const proposals = await Promise.all(
      cases.map(([fn, , value]) => buildProposal(c, [governorCall(c, fn, value)], `${fn}(${value})`)),
    );
    await passAndQueue(c, proposals);
    for (const [i, [, name, value, min, max]] of cases.entries()) {
      await expect(execute(c, proposals[i]), `${name} = ${value}`)
        .to.be.revertedWithCustomError(c.governor, "CinderGovernorSettingOutOfBounds")
        .withArgs(name, value, min, max);
    }
    expect(await c.governor.votingDelay()).to.equal(VOTING_DELAY);
    expect(await c.governor.votingPeriod()).to.equal(VOTING_PERIOD);
    expect(await c.governor.proposalThreshold()).to.equal(0n);
    expect(await c.governor["quorumNumerator()"]()).to.equal(4n);
  });

  it("rejects a setter called by anyone but the timelock with GovernorOnlyExecutor", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.guardian, c.deployer]) {
      await expect(c.governor.connect(caller).setVotingDelay(DAY))
        .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
        .withArgs(caller.address);
      await expect(c.governor.connect(caller).setVotingPeriod(DAY))
        .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
        .withArgs(caller.address);
      await expect(c.governor.connect(caller).setProposalThreshold(ONE))
        .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
        .withArgs(caller.address);
      await expect(c.governor.connect(caller).updateQuorumNumerator(10n))
        .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
        .withArgs(caller.address);
    }
  });

  it("rejects a setter the timelock calls outside an executed proposal", async function () {
    const c = await loadCinder();
    // onlyGovernance with a timelock executor also needs the call queued by Governor.execute: a bare call from
    // the timelock pops an empty queue.
    await expect(c.governor.connect(c.governance).setVotingDelay(DAY)).to.be.revertedWithPanic(PANIC_EMPTY_ARRAY_POP);
    await expect(c.governor.connect(c.governance).updateQuorumNumerator(10n)).to.be.revertedWithPanic(
      PANIC_EMPTY_ARRAY_POP,
    );
    expect(await c.governor.votingDelay()).to.equal(VOTING_DELAY);
  });
});

describe("CinderGovernor constructor", function () {
  async function deploy(
    c: Cinder,
    o: Partial<{ delay: bigint; period: bigint; threshold: bigint; quorum: bigint; minPeriod: bigint }> = {},
  ) {
    const factory = new CinderGovernor__factory(c.deployer);
    return {
      factory,
      tx: factory.deploy(
        await c.token.getAddress(),
        await c.timelock.getAddress(),
        o.delay ?? DAY,
        o.period ?? 5n * DAY,
        o.threshold ?? 0n,
        o.quorum ?? 4n,
        o.minPeriod ?? DAY,
      ),
    };
  }

  it("fixes the minimum voting period at deployment", async function () {
    const c = await loadCinder();
    const governor = await (await deploy(c, { period: 5n * DAY, minPeriod: 5n * DAY })).tx;
    expect(await governor.MIN_VOTING_PERIOD()).to.equal(5n * DAY);
    expect(await governor.votingPeriod()).to.equal(5n * DAY);
    expect(await governor.votingDelay()).to.equal(DAY);
  });

  it("rejects a zero minimum voting period", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { minPeriod: 0n });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("minVotingPeriod", 0n, 1n, 5n * DAY);
  });

  it("rejects a minimum voting period above the initial one", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { period: DAY, minPeriod: DAY + 1n });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("minVotingPeriod", DAY + 1n, 1n, DAY);
  });

  it("rejects initial settings above their maxima", async function () {
    const c = await loadCinder();
    const delay = await deploy(c, { delay: MAX_GOVERNOR_DELAY + 1n });
    await expect(delay.tx)
      .to.be.revertedWithCustomError(delay.factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("votingDelay", MAX_GOVERNOR_DELAY + 1n, 0n, MAX_GOVERNOR_DELAY);
    // While the constructor runs MIN_VOTING_PERIOD is still zero, so the error names 0 as the minimum.
    const period = await deploy(c, { period: MAX_GOVERNOR_DELAY + 1n });
    await expect(period.tx)
      .to.be.revertedWithCustomError(period.factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("votingPeriod", MAX_GOVERNOR_DELAY + 1n, 0n, MAX_GOVERNOR_DELAY);
    const threshold = await deploy(c, { threshold: MAX_PROPOSAL_THRESHOLD + 1n });
    await expect(threshold.tx)
      .to.be.revertedWithCustomError(threshold.factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("proposalThreshold", MAX_PROPOSAL_THRESHOLD + 1n, 0n, MAX_PROPOSAL_THRESHOLD);
    const quorum = await deploy(c, { quorum: 51n });
    await expect(quorum.tx)
      .to.be.revertedWithCustomError(quorum.factory, "CinderGovernorSettingOutOfBounds")
      .withArgs("quorumNumerator", 51n, 1n, 50n);
  });
});

describe("CinderTimelock.updateDelay", function () {
  const MAX_DELAY = 30n * DAY;

  it("changes the delay when the timelock calls itself", async function () {
    const c = await loadCinder();
    await expect(c.timelock.connect(c.governance).updateDelay(2n * DAY))
      .to.emit(c.timelock, "MinDelayChange")
      .withArgs(TIMELOCK_DELAY, 2n * DAY);
    expect(await c.timelock.getMinDelay()).to.equal(2n * DAY);
    await c.timelock.connect(c.governance).updateDelay(TIMELOCK_DELAY);
    await c.timelock.connect(c.governance).updateDelay(MAX_DELAY);
    expect(await c.timelock.getMinDelay()).to.equal(MAX_DELAY);
  });

  it("changes the delay through a proposal", async function () {
    const c = await loadCinder();
    const p = await buildProposal(
      c,
      [{ target: c.timelock, data: c.timelock.interface.encodeFunctionData("updateDelay", [2n * DAY]) }],
      "Two-day timelock",
    );
    await passAndQueue(c, [p]);
    await expect(execute(c, p)).to.emit(c.timelock, "MinDelayChange").withArgs(TIMELOCK_DELAY, 2n * DAY);
    expect(await c.timelock.getMinDelay()).to.equal(2n * DAY);
  });

  it("rejects any other caller with TimelockUnauthorizedCaller", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.guardian, c.deployer]) {
      await expect(c.timelock.connect(caller).updateDelay(2n * DAY))
        .to.be.revertedWithCustomError(c.timelock, "TimelockUnauthorizedCaller")
        .withArgs(caller.address);
    }
    expect(await c.timelock.getMinDelay()).to.equal(TIMELOCK_DELAY);
  });

  it("rejects a delay below the floor or above the maximum with CinderTimelockDelayOutOfBounds", async function () {
    const c = await loadCinder();
    expect(await c.timelock.MIN_DELAY_FLOOR()).to.equal(TIMELOCK_DELAY);
    await expect(c.timelock.connect(c.governance).updateDelay(TIMELOCK_DELAY - 1n))
      .to.be.revertedWithCustomError(c.timelock, "CinderTimelockDelayOutOfBounds")
      .withArgs(TIMELOCK_DELAY - 1n, TIMELOCK_DELAY, MAX_DELAY);
    await expect(c.timelock.connect(c.governance).updateDelay(MAX_DELAY + 1n))
      .to.be.revertedWithCustomError(c.timelock, "CinderTimelockDelayOutOfBounds")
      .withArgs(MAX_DELAY + 1n, TIMELOCK_DELAY, MAX_DELAY);
    expect(await c.timelock.getMinDelay()).to.equal(TIMELOCK_DELAY);
  });

  it("rejects constructor delays outside [floor, maximum]", async function () {
    const c = await loadCinder();
    const factory = new CinderTimelock__factory(c.deployer);
    const open = [c.ethers.ZeroAddress];
    await expect(factory.deploy(DAY - 1n, DAY, [], open, c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(factory, "CinderTimelockDelayOutOfBounds")
      .withArgs(DAY - 1n, DAY, MAX_DELAY);
    await expect(factory.deploy(MAX_DELAY + 1n, 0n, [], open, c.ethers.ZeroAddress))
      .to.be.revertedWithCustomError(factory, "CinderTimelockDelayOutOfBounds")
      .withArgs(MAX_DELAY + 1n, 0n, MAX_DELAY);
    const timelock = await factory.deploy(2n * DAY, DAY, [], open, c.ethers.ZeroAddress);
    expect(await timelock.getMinDelay()).to.equal(2n * DAY);
    expect(await timelock.MIN_DELAY_FLOOR()).to.equal(DAY);
  });
});

describe("Guardian", function () {
  /** Provider 0 onboarded with two H100s and an offer, delegator 0 delegating to it, and a reward notified. */
  async function withStake(c: Cinder) {
    const provider = c.providers[0];
    const delegator = c.delegators[0];
    await onboardProvider(c, provider);
    await c.registry.connect(provider).setOffer(H100, 2_000_000n);
    const delegated = 500n * ONE;
    await c.vault.connect(delegator).delegate(provider.address, delegated);
    await c.vault.connect(c.rewarder).notifyReward(provider.address, 90n * ONE);
    return { provider, delegator, delegated };
  }

  it("pauses and unpauses the registry and the vault", async function () {
    const c = await loadCinder();
    await expect(c.registry.connect(c.guardian).pause()).to.emit(c.registry, "Paused").withArgs(c.guardian.address);
    await expect(c.vault.connect(c.guardian).pause()).to.emit(c.vault, "Paused").withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(true);
    expect(await c.vault.paused()).to.equal(true);
    await expect(c.registry.connect(c.guardian).unpause())
      .to.emit(c.registry, "Unpaused")
      .withArgs(c.guardian.address);
    await expect(c.vault.connect(c.guardian).unpause()).to.emit(c.vault, "Unpaused").withArgs(c.guardian.address);
    expect(await c.registry.paused()).to.equal(false);
    expect(await c.vault.paused()).to.equal(false);
  });

  it("lets governance pause too, but no stranger", async function () {
    const c = await loadCinder();
    await expect(c.vault.connect(c.governance).pause()).to.emit(c.vault, "Paused").withArgs(c.governance.address);
    for (const target of [c.registry, c.vault]) {
      await expect(target.connect(c.stranger).pause())
        .to.be.revertedWithCustomError(target, "AccessManagedUnauthorized")
        .withArgs(c.stranger.address);
    }
    await expect(c.vault.connect(c.stranger).unpause())
      .to.be.revertedWithCustomError(c.vault, "AccessManagedUnauthorized")
      .withArgs(c.stranger.address);
  });

  it("cannot call any governance setter", async function () {
    const c = await loadCinder();
    const g = c.guardian;
    const calls: [typeof c.registry | typeof c.vault, () => Promise<unknown>][] = [
      [c.registry, () => c.registry.connect(g).setModelClass(H100, ONE, false)],
      [c.registry, () => c.registry.connect(g).setCommissionIncreaseDelay(2n * DAY)],
      [c.registry, () => c.registry.connect(g).setStakingVault(g.address)],
      [c.vault, () => c.vault.connect(g).setUnbondingPeriod(21n * DAY)],
      [c.vault, () => c.vault.connect(g).setExposureTail(DAY)],
      [c.vault, () => c.vault.connect(g).setDelegationCapMultiple(10n)],
      [c.vault, () => c.vault.connect(g).setMinDelegation(ONE)],
    ];
    for (const [target, call] of calls) {
      await expect(call()).to.be.revertedWithCustomError(target, "AccessManagedUnauthorized").withArgs(g.address);
    }
    expect(await c.vault.unbondingPeriod()).to.equal(14n * DAY);
    expect(await c.registry.commissionIncreaseDelay()).to.equal(7n * DAY);
  });

  it("cannot mint, slash, jail, attest, reward, grant roles or change governance", async function () {
    const c = await loadCinder();
    const g = c.guardian;
    await onboardProvider(c, c.providers[0]);
    const p = c.providers[0].address;
    await expect(c.token.connect(g).mint(g.address, ONE))
      .to.be.revertedWithCustomError(c.token, "CinderTokenNotMinter")
      .withArgs(g.address);
    await expect(c.vault.connect(g).executeSlash(p, ONE, 0, false))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(g.address);
    await expect(c.vault.connect(g).holdForSlash(p))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotSlashingManager")
      .withArgs(g.address);
    await expect(c.vault.connect(g).notifyReward(p, ONE))
      .to.be.revertedWithCustomError(c.vault, "StakingVaultNotEmissionController")
      .withArgs(g.address);
    await expect(c.registry.connect(g).jail(p, 0n))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotSlashingManager")
      .withArgs(g.address);
    await expect(c.registry.connect(g).revokeGpu(p, `0x${"00".repeat(31)}01`))
      .to.be.revertedWithCustomError(c.registry, "ProviderRegistryNotOracleHub")
      .withArgs(g.address);
    await expect(c.manager.connect(g).grantRole(10n, g.address, 0))
      .to.be.revertedWithCustomError(c.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(g.address, 0n);
    await expect(c.timelock.connect(g).updateDelay(2n * DAY))
      .to.be.revertedWithCustomError(c.timelock, "TimelockUnauthorizedCaller")
      .withArgs(g.address);
    await expect(c.governor.connect(g).setVotingPeriod(DAY))
      .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
      .withArgs(g.address);
  });

  it("stops new activity while paused with EnforcedPause", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await c.vault.connect(c.guardian).pause();

    const newcomer = c.providers[1];
    await expect(c.registry.connect(newcomer).register("ipfs://new", newcomer.address)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
    await expect(c.registry.connect(provider).setOffer(H100, 3_000_000n)).to.be.revertedWithCustomError(
      c.registry,
      "EnforcedPause",
    );
    await expect(c.vault.connect(provider).stake(ONE)).to.be.revertedWithCustomError(c.vault, "EnforcedPause");
    await expect(c.vault.connect(c.delegators[1]).delegate(provider.address, ONE)).to.be.revertedWithCustomError(
      c.vault,
      "EnforcedPause",
    );

    // After unpausing, the same calls go through.
    await c.registry.connect(c.guardian).unpause();
    await c.vault.connect(c.guardian).unpause();
    await expect(c.registry.connect(newcomer).register("ipfs://new", newcomer.address))
      .to.emit(c.registry, "ProviderRegistered")
      .withArgs(newcomer.address, newcomer.address, "ipfs://new");
    await expect(c.vault.connect(c.delegators[1]).delegate(provider.address, ONE)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [c.delegators[1], c.vault],
      [-ONE, ONE],
    );
  });

  it("never blocks exits while paused: withdraw requests, claims and reward claims", async function () {
    const c = await loadCinder();
    const { provider, delegator, delegated } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await c.vault.connect(c.guardian).pause();

    const selfStake = (await c.vault.getPool(provider.address)).selfActive;
    await expect(c.vault.connect(provider).requestWithdraw(provider.address, selfStake))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(provider.address, provider.address, selfStake, 0n, (unlockAt: bigint) => unlockAt > 0n);
    await expect(c.vault.connect(delegator).requestWithdraw(provider.address, delegated))
      .to.emit(c.vault, "WithdrawRequested")
      .withArgs(provider.address, delegator.address, delegated, delegated, (unlockAt: bigint) => unlockAt > 0n);

    const delegatorRewards = await c.vault.claimableRewards(provider.address, delegator.address);
    const providerRewards = await c.vault.claimableRewards(provider.address, provider.address);
    expect(delegatorRewards).to.be.gt(0n);
    expect(providerRewards).to.be.gt(0n);
    await expect(c.vault.connect(delegator).claimRewards(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [delegator, c.vault],
      [delegatorRewards, -delegatorRewards],
    );
    await expect(c.vault.connect(provider).claimRewards(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [provider, c.vault],
      [providerRewards, -providerRewards],
    );

    await c.networkHelpers.time.increase(14n * DAY);
    await expect(c.vault.connect(provider).claimWithdraw(provider.address)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [provider, c.vault],
      [selfStake, -selfStake],
    );
    const claim = c.vault.connect(delegator).claimWithdraw(provider.address);
    await expect(claim).to.emit(c.vault, "WithdrawClaimed").withArgs(provider.address, delegator.address, delegated);
    await expect(claim).to.changeTokenBalances(c.ethers, c.token, [delegator, c.vault], [delegated, -delegated]);
    expect(await c.vault.paused()).to.equal(true);
  });

  it("never blocks a provider's exit from the registry while paused", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    await expect(c.registry.connect(provider).withdrawOffer(H100))
      .to.emit(c.registry, "OfferWithdrawn")
      .withArgs(provider.address, H100);
    await expect(c.registry.connect(provider).exit()).to.emit(c.registry, "ProviderExited").withArgs(provider.address);
    expect(await c.registry.statusOf(provider.address)).to.equal(3n);
  });

  it("never blocks oracle attestations while paused", async function () {
    const c = await loadCinder();
    const { provider } = await withStake(c);
    await c.registry.connect(c.guardian).pause();
    const expiresAt = BigInt(await c.networkHelpers.time.latest()) + DAY;
    const gpuId = `0x${"77".repeat(32)}`;
    await expect(
      c.registry.connect(c.attestor).recordAttestation({
        provider: provider.address,
        gpuId,
        modelClass: H100,
        memoryMiB: 81_559,
        tier: 1,
        evidenceHash: `0x${"cd".repeat(32)}`,
        issuedAt: expiresAt - DAY,
        expiresAt,
      }),
    ).to.emit(c.registry, "GpuAttested");
    expect((await c.registry.getCapacity(provider.address, H100)).attested).to.equal(3n);
  });
});
