/**
 * `createCinderClient`: every user flow as a typed method, grouped by role, over one validated context.
 *
 * @example
 * ```ts
 * import { createPublicClient, createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { hardhat } from "viem/chains";
 * import { createCinderClient } from "cinder-protocol/sdk";
 *
 * const publicClient = createPublicClient({ chain: hardhat, transport: http() });
 * const walletClient = createWalletClient({ chain: hardhat, transport: http(), account: privateKeyToAccount(key) });
 * const cinder = createCinderClient({ publicClient, walletClient, addresses }); // `cinder-protocol/sdk/node` finds them on disk
 * const { leaseId } = await cinder.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: 7_200n, maxPricePerGpuHour: 2_000_000n });
 * const lease = await cinder.read.lease({ leaseId });
 * ```
 */
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import * as channels from "./channels.js";
import { type CinderContext, createCinderContext } from "./context.js";
import * as delegator from "./delegator.js";
import * as disputes from "./disputes.js";
import { type CinderAddresses, knownDeployment } from "../protocol/deployment.js";
import { CinderConfigError } from "./errors.js";
import * as events from "./events.js";
import * as governance from "./governance.js";
import * as keeper from "./keeper.js";
import * as leases from "./leases.js";
import * as oracle from "./oracle.js";
import * as provider from "./provider.js";
import * as reads from "./reads.js";
import * as slashing from "./slashing.js";

/** Parameters of {@link createCinderClient}. */
export interface CreateCinderClientParameters {
  publicClient: PublicClient;
  /** Needed for every write; without it the client reads and watches only. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
  /**
   * The deployment; default the public deployment this package knows for the public client's chain
   * (`knownDeployment`). `cinder-protocol/sdk/node`'s `createCinderClient` also finds local ones on disk.
   */
  addresses?: CinderAddresses;
}

type Bound<F> = F extends (ctx: CinderContext, ...rest: infer A) => infer R ? (...args: A) => R : never;
function bind<F extends (ctx: CinderContext, ...rest: never[]) => unknown>(ctx: CinderContext, f: F): Bound<F> {
  return ((...args: never[]) => f(ctx, ...args)) as Bound<F>;
}

/** Builds the client: one method per flow, each bound to the validated context. */
export function createCinderClient(parameters: CreateCinderClientParameters) {
  let addresses = parameters.addresses;
  if (addresses === undefined) {
    const chainId = parameters.publicClient?.chain?.id;
    if (chainId === undefined) throw new CinderConfigError("addresses", "pass the deployment's addresses, or a public client with a chain to look them up for");
    addresses = knownDeployment(chainId);
    if (addresses === undefined) {
      throw new CinderConfigError(
        "addresses",
        `no public Cinder deployment known for chain ${chainId}: pass \`addresses\` (parseDeployment), or use cinder-protocol/sdk/node's createCinderClient, which finds local deployments on disk`,
      );
    }
  }
  const ctx = createCinderContext({ publicClient: parameters.publicClient, walletClient: parameters.walletClient, addresses });
  return {
    context: ctx,
    addresses: ctx.addresses,
    provider: {
      register: bind(ctx, provider.registerProvider),
      setOffer: bind(ctx, provider.setOffer),
      withdrawOffer: bind(ctx, provider.withdrawOffer),
      setCommission: bind(ctx, provider.setCommission),
      stake: bind(ctx, provider.stake),
      depositBond: bind(ctx, provider.depositBond),
      withdrawBond: bind(ctx, provider.withdrawBond),
      requestWithdraw: bind(ctx, provider.requestWithdraw),
      claimWithdraw: bind(ctx, provider.claimWithdraw),
      withdrawAccrued: bind(ctx, provider.withdrawAccrued),
      withdrawEarnings: bind(ctx, provider.withdrawEarnings),
      bid: bind(ctx, leases.bid),
      quit: bind(ctx, leases.quitLease),
      submitResult: bind(ctx, leases.submitResult),
      redeemVoucher: bind(ctx, channels.redeemVoucher),
    },
    delegator: {
      delegate: bind(ctx, delegator.delegate),
      requestWithdraw: bind(ctx, delegator.requestWithdraw),
      claimWithdraw: bind(ctx, delegator.claimWithdraw),
      claimRewards: bind(ctx, delegator.claimRewards),
    },
    leases: {
      createDirect: bind(ctx, leases.createDirectLease),
      postOrder: bind(ctx, leases.postOrder),
      finalizeAuction: bind(ctx, leases.finalizeAuction),
      cancelOrder: bind(ctx, leases.cancelOrder),
      extend: bind(ctx, leases.extendLease),
      cancel: bind(ctx, leases.cancelLease),
      close: bind(ctx, leases.closeLease),
      dispute: bind(ctx, disputes.openDispute),
      withdrawBalance: () => leases.withdrawBalance(ctx),
      setTier: bind(ctx, leases.setClientTier),
      withdrawSlaCredits: () => leases.withdrawSlaCredits(ctx),
    },
    disputes: {
      postJobSpec: bind(ctx, disputes.postJobSpec),
      open: bind(ctx, disputes.openDispute),
      submitVerdict: bind(ctx, disputes.submitVerdict),
      resolve: bind(ctx, disputes.resolveDispute),
      arbitrate: bind(ctx, disputes.arbitrateDispute),
      expire: bind(ctx, disputes.expireDispute),
      withdrawDeposit: () => disputes.withdrawDisputeDeposit(ctx),
      get: bind(ctx, disputes.getDispute),
    },
    channels: {
      deposit: bind(ctx, channels.depositToChannel),
      requestThaw: bind(ctx, channels.requestThaw),
      withdraw: bind(ctx, channels.withdrawFromChannel),
      authorizeSigner: bind(ctx, channels.authorizeSigner),
      signVoucher: bind(ctx, channels.signChannelVoucher),
    },
    keeper: {
      closeEpoch: (p?: keeper.CloseEpochParameters) => keeper.closeEpoch(ctx, p),
      buyback: (p?: keeper.ExecuteBuybackParameters) => keeper.executeBuyback(ctx, p),
      sweepFees: () => keeper.sweepFees(ctx),
      settleSla: bind(ctx, keeper.settleSla),
      releaseSlaBond: bind(ctx, keeper.releaseSlaBond),
      submitReport: <K extends keeper.OracleReportKind>(p: keeper.SubmitOracleReportParameters<K>) => keeper.submitOracleReport(ctx, p),
      signReport: <K extends keeper.OracleReportKind>(p: keeper.SignOracleReportParameters<K>) => keeper.signOracleReport(ctx, p),
      fetchLeafFile: bind(ctx, oracle.fetchLeafFile),
    },
    slashing: {
      propose: bind(ctx, slashing.proposeSlash),
      execute: bind(ctx, slashing.executeSlash),
      executeDeferred: bind(ctx, slashing.executeDeferredSlashes),
      deferred: bind(ctx, slashing.getDeferredSlash),
      burnSlashed: () => slashing.burnSlashed(ctx),
      veto: bind(ctx, slashing.vetoSlash),
      unjail: () => slashing.unjailProvider(ctx),
      proposal: bind(ctx, slashing.getSlashProposal),
      state: () => slashing.getSlashingState(ctx),
      faultAmount: bind(ctx, slashing.getFaultAmount),
      reportId: bind(ctx, slashing.faultReportId),
      oracleSet: () => slashing.getOracleSet(ctx),
    },
    governance: {
      call: <const C extends governance.GovernedContract, const F extends governance.GovernedFunction<C>>(p: governance.GovernanceCallParameters<C, F>) => governance.governanceCall(ctx, p),
      delegateVotes: (p?: governance.DelegateVotesParameters) => governance.delegateVotes(ctx, p),
      propose: bind(ctx, governance.proposeGovernance),
      vote: bind(ctx, governance.castVote),
      queue: bind(ctx, governance.queueGovernance),
      execute: bind(ctx, governance.executeGovernance),
      proposal: bind(ctx, governance.getGovernanceProposal),
      proposalId: bind(ctx, governance.governanceProposalId),
    },
    read: {
      provider: bind(ctx, reads.getProvider),
      providers: () => reads.listProviders(ctx),
      gpus: bind(ctx, reads.getGpus),
      lease: bind(ctx, reads.getLease),
      order: bind(ctx, reads.getOrder),
      delegation: bind(ctx, reads.getDelegation),
      channel: bind(ctx, reads.getChannel),
      balances: bind(ctx, reads.getBalances),
      supply: () => reads.getSupply(ctx),
      epoch: () => reads.getEpoch(ctx),
      slaTiers: () => reads.getSlaTiers(ctx),
      status: () => reads.getStatus(ctx),
      settlementAsset: () => reads.settlementAsset(ctx),
    },
    watch: <C extends events.CinderEventContract, E extends events.CinderEventName<C>>(
      p: events.WatchCinderEventParameters<C, E>,
    ): events.WatchCinderEventReturnType => events.watchCinderEvent<C, E>(ctx, p),
    events: <C extends events.CinderEventContract, E extends events.CinderEventName<C>>(
      p: events.GetCinderEventsParameters<C, E>,
    ): Promise<events.GetCinderEventsReturnType<C, E>> => events.getCinderEvents<C, E>(ctx, p),
  };
}

/** The client `createCinderClient` returns. */
export type CinderClient = ReturnType<typeof createCinderClient>;
