/**
 * Public figures each Cinder operation is compared with in `bench/REPORT.md`. Each is a published number (or a
 * well-known order of magnitude measured on Ethereum L1) with its source; an operation without a comparable public
 * figure has no entry. Sources are the ones in ../shared/ANCHORS.md unless another is named.
 */
export interface Anchor {
  /** What the figure measures, in words. */
  what: string;
  /** The public figure (gas, unless it says otherwise). */
  figure: string;
  /** Where the figure comes from. */
  source: string;
}

const LIVEPEER_TICKET: Anchor = {
  what: "Livepeer TicketBroker winning-ticket redemption (one ticket)",
  figure: "190,000 - 300,000",
  source: "go-livepeer PR#1553 (350,000 estimate in #1931; 1.2M hard-coded on L2, #2483)",
};

export const ANCHORS: Record<string, Anchor> = {
  "CinderToken.transfer": {
    what: "ERC-20 transfer (OpenZeppelin) to an existing / a fresh holder",
    figure: "~34,500 / ~51,500",
    source: "EVM cost of two balance SSTOREs (EIP-2929/3529 pricing), any OpenZeppelin ERC20",
  },
  "PaymentChannels.redeem": LIVEPEER_TICKET,
  "PaymentChannels.redeemBatch.perChannel": { ...LIVEPEER_TICKET, what: "Livepeer batchRedeemWinningTickets, per ticket" },
  "PaymentChannels.gasPerRequest": { ...LIVEPEER_TICKET, what: "Livepeer: one winning ticket per probabilistic payment batch" },
  "StakingVault.claimRewards.after1000": {
    what: "Livepeer claimEarnings before LIP-36 (loop over rounds)",
    figure: "< 500,000 for 20 rounds",
    source: "livepeer/protocol monorepo#259; LIP-36 cumulative factors in BondingManager.sol",
  },
  "StakingVault.claimRewards.after1": {
    what: "Livepeer claimEarnings before LIP-36 (loop over rounds)",
    figure: "< 500,000 for 20 rounds",
    source: "livepeer/protocol monorepo#259",
  },
  "BuybackBurner.execute": {
    what: "Uniswap V2 Router02 swapExactTokensForTokens, one hop (the swap alone, no TWAP check or burn)",
    figure: "~100,000 - 130,000",
    source: "Uniswap V2 router on Ethereum L1 (typical receipts)",
  },
  "OracleHub.submitGpuAttestation.sigs3": {
    what: "Automata DCAP TEE quote verification with a zk proof / fully on-chain",
    figure: "<= 570,000 / 4,000,000 - 5,000,000",
    source: "Automata README; one Solidity P-256 verify ~330,000 (CliqueOfficial/zk-dcap-verifier PR#5)",
  },
  "StakingVault.requestWithdraw": {
    what: "Graph Horizon thaw request (one entry in a list of up to 1,000)",
    figure: "one new list entry per request (Cinder merges into one)",
    source: "Graph Horizon MAX_THAW_REQUESTS = 1,000 (TRST-H-3, OZ M-01)",
  },
};
