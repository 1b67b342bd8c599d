/**
 * Type tests (`expectTypeOf`, checked by `npm run typecheck`) pinning the SDK's slashing and governance surface,
 * imported from the entry module of the package's `cinder-protocol/sdk` export; at run time the input checks that need no chain:
 * a malformed proposal id, fault report or governance call is a `CinderConfigError` naming the field.
 */
import { expect } from "chai";
import { expectTypeOf } from "expect-type";
import { type Address, type Hash, type Hex, type TransactionReceipt, createPublicClient, http } from "viem";
import { hardhat } from "viem/chains";
import {
  type CinderClient,
  type CinderEventName,
  type ExecuteSlashReturnType,
  type FaultReport,
  type GetGovernanceProposalReturnType,
  type GetSlashProposalReturnType,
  type GovernanceAction,
  type GovernedContract,
  type GovernedFunction,
  type ProposalStateName,
  type ProposeSlashParameters,
  type ProposeSlashReturnType,
  type SlashStatusName,
  CinderConfigError,
  FaultKind,
  createCinderContext,
  executeSlash,
  getFaultAmount,
  governanceCall,
  proposeSlash,
} from "../../src/sdk/index.js";

const ADDRESS = "0x0000000000000000000000000000000000000001" as const;
const addresses = Object.fromEntries(
  ["manager", "token", "timelock", "governor", "registry", "vault", "feeRouter", "emissionController", "jobMarket", "paymentChannels", "buybackBurner", "oracleHub", "slaBondManager", "slashingManager", "disputeManager"].map((k) => [k, ADDRESS]),
) as unknown as Parameters<typeof createCinderContext>[0]["addresses"];
const ctx = createCinderContext({ publicClient: createPublicClient({ chain: hardhat, transport: http("http://127.0.0.1:1") }), addresses });

describe("SDK slashing and governance types", function () {
  it("pins the slashing methods, their parameters, results and the fault kinds", function () {
    expectTypeOf<CinderClient["slashing"]["propose"]>().parameters.toEqualTypeOf<[ProposeSlashParameters]>();
    expectTypeOf<ProposeSlashParameters>().toEqualTypeOf<{ report: FaultReport; signatures?: readonly Hex[] }>();
    expectTypeOf<CinderClient["slashing"]["propose"]>().returns.resolves.toEqualTypeOf<ProposeSlashReturnType>();
    expectTypeOf<ProposeSlashReturnType>().toMatchTypeOf<{ hash: Hash; receipt: TransactionReceipt; id: Hex; submitted: boolean; amount: bigint; executableAt: bigint }>();
    expectTypeOf<CinderClient["slashing"]["execute"]>().returns.resolves.toEqualTypeOf<ExecuteSlashReturnType>();
    expectTypeOf<ExecuteSlashReturnType>().toMatchTypeOf<{ slashed: bigint; bounty: bigint; burned: bigint; deferred: bigint; reporter: Address | undefined }>();
    expectTypeOf<CinderClient["slashing"]["executeDeferred"]>().parameters.toEqualTypeOf<[{ provider: Address }]>();
    expectTypeOf<CinderClient["slashing"]["deferred"]>().returns.resolves.toEqualTypeOf<{ id: Hex | undefined; amount: bigint }>();
    expectTypeOf<CinderClient["slashing"]["burnSlashed"]>().returns.resolves.toHaveProperty("result").toEqualTypeOf<bigint>();
    expectTypeOf<CinderClient["slashing"]["veto"]>().parameter(0).toEqualTypeOf<{ id: Hex }>();
    expectTypeOf<CinderClient["slashing"]["unjail"]>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<CinderClient["slashing"]["proposal"]>().returns.resolves.toEqualTypeOf<GetSlashProposalReturnType>();
    expectTypeOf<SlashStatusName>().toMatchTypeOf<GetSlashProposalReturnType["statusName"]>();
    expectTypeOf<"Unknown(7)">().toMatchTypeOf<GetSlashProposalReturnType["statusName"]>();
    expectTypeOf<"Slashed">().not.toMatchTypeOf<GetSlashProposalReturnType["statusName"]>();
    expectTypeOf<GetSlashProposalReturnType["amount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<GetSlashProposalReturnType["provider"]>().toEqualTypeOf<Address>();
    expectTypeOf<Awaited<ReturnType<CinderClient["slashing"]["state"]>>["windowRoom"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Awaited<ReturnType<CinderClient["slashing"]["state"]>>["params"]["vetoWindow"]>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ReturnType<CinderClient["slashing"]["oracleSet"]>>["configDigest"]>().toEqualTypeOf<Hex>();
    expectTypeOf(getFaultAmount).returns.resolves.toEqualTypeOf<bigint>();
    expectTypeOf(FaultKind.FailedGpuChallenge).toEqualTypeOf<1>();
    expectTypeOf<FaultKind>().toEqualTypeOf<1 | 2 | 3 | 4 | 5 | 6>();
    expectTypeOf<SlashStatusName>().toEqualTypeOf<"None" | "Pending" | "Deferred" | "Executed" | "Vetoed">();
    expectTypeOf(executeSlash).parameter(1).toEqualTypeOf<{ id: Hex }>();
    expectTypeOf<"SlashExecuted" | "SlashProposed" | "SlashVetoed" | "SlashDeferred" | "SlashedBurned">().toMatchTypeOf<CinderEventName<"slashingManager">>();
    expectTypeOf<"ProposalCreated">().toMatchTypeOf<CinderEventName<"governor">>();
    expectTypeOf<"LeaseCreated">().not.toMatchTypeOf<CinderEventName<"slashingManager">>();
  });

  it("pins governance calls to the target contract's ABI, and the proposal lifecycle", function () {
    expectTypeOf<"vault">().toMatchTypeOf<GovernedContract>();
    expectTypeOf<"disputeManager">().toMatchTypeOf<GovernedContract>();
    expectTypeOf<"setParams">().toMatchTypeOf<GovernedFunction<"disputeManager">>();
    expectTypeOf<"stablecoin">().not.toMatchTypeOf<GovernedContract>();
    expectTypeOf<"setUnbondingPeriod">().toMatchTypeOf<GovernedFunction<"vault">>();
    expectTypeOf<"setUnbondingPeriod">().not.toMatchTypeOf<GovernedFunction<"jobMarket">>();
    expectTypeOf<"unbondingPeriod">().not.toMatchTypeOf<GovernedFunction<"vault">>(); // a view is not a proposal call
    expectTypeOf(governanceCall<"vault", "setUnbondingPeriod">).parameter(1).toHaveProperty("args").toEqualTypeOf<readonly [number]>();
    expectTypeOf(governanceCall).returns.toEqualTypeOf<GovernanceAction>();
    expectTypeOf<CinderClient["governance"]["propose"]>().returns.resolves.toMatchTypeOf<{ proposalId: bigint; voteStart: bigint; voteEnd: bigint }>();
    expectTypeOf<CinderClient["governance"]["vote"]>().parameter(0).toEqualTypeOf<{ proposalId: bigint; support: "Against" | "For" | "Abstain" }>();
    expectTypeOf<CinderClient["governance"]["queue"]>().returns.resolves.toHaveProperty("eta").toEqualTypeOf<bigint>();
    expectTypeOf<GetGovernanceProposalReturnType["state"]>().toEqualTypeOf<ProposalStateName>();
    expectTypeOf<ProposalStateName>().toEqualTypeOf<"None" | "Pending" | "Active" | "Canceled" | "Defeated" | "Succeeded" | "Queued" | "Expired" | "Executed">();
  });

  it("names the bad field of a proposal id, a fault report and a governance call before anything is sent", async function () {
    const bad = await executeSlash(ctx, { id: "0x12" as Hex }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(CinderConfigError);
    expect((bad as CinderConfigError).shortMessage).to.equal('id: must be a 32-byte hex string, got "0x12"');
    const report: FaultReport = { configDigest: `0x${"11".repeat(32)}`, provider: ADDRESS, faultType: 9, subject: `0x${"22".repeat(32)}`, epoch: 1n, evidenceHash: `0x${"33".repeat(32)}` };
    const kind = await proposeSlash(ctx, { report }).catch((e: unknown) => e);
    expect((kind as CinderConfigError).field).to.equal("report.faultType");
    const who = await proposeSlash(ctx, { report: { ...report, faultType: 1, provider: "0xabc" as Address } }).catch((e: unknown) => e);
    expect((who as CinderConfigError).field).to.equal("report.provider");
    const amount = await getFaultAmount(ctx, { provider: ADDRESS, kind: 7 as FaultKind, subject: `0x${"22".repeat(32)}` }).catch((e: unknown) => e);
    expect((amount as CinderConfigError).shortMessage).to.equal("kind: must be an integer in [1, 6], got 7");
    expect(() => governanceCall(ctx, { contract: "vault", functionName: "setUnbondingPeriod", args: [-1] })).to.throw(CinderConfigError, /^args: do not fit vault.setUnbondingPeriod/);
    expect(() => governanceCall(ctx, { contract: "nope" as "vault", functionName: "setUnbondingPeriod", args: [1] })).to.throw(CinderConfigError, /^contract: unknown governed contract "nope"/);
    const action = governanceCall(ctx, { contract: "vault", functionName: "setUnbondingPeriod", args: [1_814_400] });
    expect(action).to.deep.equal({ target: ADDRESS, value: 0n, calldata: action.calldata, label: "vault.setUnbondingPeriod" });
    expect(action.calldata.slice(-10)).to.equal("00001baf80"); // 1,814,400 = 0x1baf80
    // Every governed contract is in the map, the DisputeManager's parameters included.
    const dispute = governanceCall(ctx, { contract: "disputeManager", functionName: "setParams", args: [{ minDeposit: 1n, depositBps: 500, verdictWindow: 3_600, arbitrationWindow: 3_600 }] });
    expect(dispute.label).to.equal("disputeManager.setParams");
  });
});
