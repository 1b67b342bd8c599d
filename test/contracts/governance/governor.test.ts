/**
 * CinderGovernor: the proposal lifecycle (propose, vote, queue, execute), its settings and their bounds, and its
 * constructor's checks.
 */
import { expect } from "chai";
import { toBeHex, zeroPadValue } from "ethers";
import { CinderGovernor__factory } from "../../../types/ethers-contracts/index.js";
import { ONE, type Cinder } from "../../helpers/fixture.js";
import { buildProposal, DAY, delegateTreasury, execute, governorCall, loadCinder, MAX_GOVERNOR_DELAY, MAX_PROPOSAL_THRESHOLD, MIN_VOTING_PERIOD, PANIC_EMPTY_ARRAY_POP, passAndQueue, ProposalState, setUnbonding, TIMELOCK_DELAY, TIMELOCK_READY_BITMAP, VOTE_AGAINST, VOTE_FOR, VOTING_DELAY, VOTING_PERIOD } from "./fixture.js";

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
