import { expect } from "chai";
import {
  execute,
  GovernanceError,
  propose,
  proposalStatus,
  queue,
  readProposal,
  validateProposal,
  vote,
} from "../../scripts/lib/governance.js";
import { connectCinder, deploymentAddresses } from "../helpers/fixture.js";

const { loadCinder } = await connectCinder();

/** Awaits `promise` and asserts it failed with a GovernanceError whose message matches. */
async function expectGovernanceError(promise: Promise<unknown>, message: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the step should have failed").to.be.instanceOf(GovernanceError);
  if (typeof message === "string") expect((error as Error).message).to.include(message);
  else expect((error as Error).message).to.match(message);
}
const DAY = 86_400n;
const spec = {
  description: "Raise the unbonding period to 21 days",
  actions: [{ contract: "vault" as const, function: "setUnbondingPeriod", args: [(21n * DAY).toString()] }],
};

describe("scripts: governance steps (propose, vote, queue, execute)", function () {
  it("changes a bounded parameter end to end through the Governor and the Timelock", async function () {
    const c = await loadCinder();
    const addresses = await deploymentAddresses(c);
    await c.token.connect(c.deployer).delegate(c.deployer.address);
    const { time } = c.networkHelpers;

    const proposed = await propose(spec, addresses, c.deployer);
    expect(proposed.state).to.equal("Pending");
    await time.increase(2);
    expect((await vote(spec, addresses, c.deployer, 1)).state).to.equal("Active");
    await time.increaseTo(Number(proposed.voteEnd) + 1);
    expect((await proposalStatus(spec, addresses, c.deployer)).state).to.equal("Succeeded");
    const queued = await queue(spec, addresses, c.deployer);
    expect(queued.state).to.equal("Queued");
    await expectGovernanceError(execute(spec, addresses, c.deployer), /timelock delay runs until/);
    await time.increaseTo(Number(queued.eta));
    expect((await execute(spec, addresses, c.deployer)).state).to.equal("Executed");
    expect(await c.vault.unbondingPeriod()).to.equal(21n * DAY);
  });

  it("refuses steps out of order, naming the state", async function () {
    const c = await loadCinder();
    const addresses = await deploymentAddresses(c);
    await expectGovernanceError(queue(spec, addresses, c.deployer), "cannot queue in state None");
    await expectGovernanceError(vote(spec, addresses, c.deployer), "voting is not open (state None)");
    await propose(spec, addresses, c.stranger); // the local proposal threshold is 0
    await expectGovernanceError(propose(spec, addresses, c.deployer), /already proposed as \d+ \(state Pending\)/);
  });
});

describe("scripts: proposal files", function () {
  it("reads the example proposal", function () {
    expect(readProposal("proposals/example-unbonding.json").actions[0].function).to.equal("setUnbondingPeriod");
  });

  it("names the field that is wrong", function () {
    expect(() => validateProposal(null)).to.throw(GovernanceError, "proposal: must be a JSON object");
    expect(() => validateProposal({ actions: [] })).to.throw(GovernanceError, "description: must be a non-empty string");
    expect(() => validateProposal({ description: "x", actions: [] })).to.throw(GovernanceError, "actions: must be a non-empty array");
    expect(() => validateProposal({ description: "x", actions: [{ contract: "bank", function: "f", args: [] }] })).to.throw(
      GovernanceError,
      /actions\[0\]\.contract: must be one of/,
    );
    expect(() => validateProposal({ description: "x", actions: [{ contract: "vault", function: "steal", args: [] }] })).to.throw(
      GovernanceError,
      "actions[0].function: steal is not a function of vault",
    );
    expect(() =>
      validateProposal({ description: "x", actions: [{ contract: "vault", function: "setUnbondingPeriod", args: ["soon"] }] }),
    ).to.throw(GovernanceError, /actions\[0\]\.args: do not fit setUnbondingPeriod/);
    expect(() => readProposal("proposals/does-not-exist.json")).to.throw(GovernanceError, "proposal: cannot read");
  });
});
