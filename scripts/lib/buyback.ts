/**
 * The buyback keeper step: sample the TWAP if due, quote the TWAP and spot outputs, and execute a buyback within
 * the contract's bounds. Used by `npm run buyback` and tested on the in-process network.
 */
import { Contract, type Signer } from "ethers";
import { BuybackBurner__factory } from "../../types/ethers-contracts/index.js";

/** Parameters of {@link runBuyback}. */
export interface BuybackParameters {
  /** The BuybackBurner's address. */
  burner: string;
  /** Sends the transactions (any account: buybacks are permissionless). */
  signer: Signer;
  /** Stablecoin to spend; default: all the burner holds, up to what is left of the epoch's cap. */
  amount?: bigint;
  /** Extra protection on top of the contract's TWAP bound, in basis points below the spot quote (default none). */
  spotSlippageBps?: bigint;
}

/** What {@link runBuyback} did. */
export type BuybackResult =
  | { status: "executed"; amountIn: bigint; twapOut: bigint; spotOut: bigint; minOut: bigint; burned: bigint; txHash: string }
  | { status: "waiting"; reason: string; readyAt?: bigint }
  | { status: "nothing-to-spend"; reason: string };

/** Runs one buyback step. Never throws for a TWAP that is not ready yet or an empty burner: it says why. */
export async function runBuyback(parameters: BuybackParameters): Promise<BuybackResult> {
  const burner = BuybackBurner__factory.connect(parameters.burner, parameters.signer);
  const provider = parameters.signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  const asset = new Contract(await burner.ASSET(), ["function balanceOf(address) view returns (uint256)"], provider);

  const params = await burner.params();
  const epoch = await burner.currentEpoch();
  const room = params.maxPerEpoch - (await burner.spentInEpoch(epoch));
  const balance = (await asset.getFunction("balanceOf")(parameters.burner)) as bigint;
  const amountIn = parameters.amount ?? (balance < room ? balance : room);
  if (amountIn === 0n) {
    return {
      status: "nothing-to-spend",
      reason: balance === 0n ? "the burner holds no stablecoin" : `this epoch's cap of ${params.maxPerEpoch} is spent`,
    };
  }

  // Keep the TWAP fresh: a sample is taken at most once per minimum window. Run this step (or observe) at least
  // that often: the contract refuses a TWAP that starts more than maxAge (at most two windows) ago.
  await (await burner.observe()).wait();
  const { older, newer } = await burner.observations();
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const start = now - newer.timestamp >= params.minWindow ? newer : older;
  if (start.timestamp === 0n || now - start.timestamp < params.minWindow) {
    const readyAt = (start.timestamp === 0n ? newer.timestamp : start.timestamp) + params.minWindow;
    return { status: "waiting", reason: `the TWAP window is shorter than ${params.minWindow} s`, readyAt };
  }
  if (now - start.timestamp > params.maxAge) {
    // No sample for too long: the one just taken spans the minimum window from its own time on.
    const readyAt = newer.timestamp + params.minWindow;
    return { status: "waiting", reason: `the last TWAP sample is older than ${params.maxAge} s: sampled again`, readyAt };
  }

  const [twapOut, spotOut] = await burner.quote(amountIn);
  const bound = (twapOut * (10_000n - params.maxSlippageBps) + 9_999n) / 10_000n;
  const spotMin = parameters.spotSlippageBps === undefined ? 0n : (spotOut * (10_000n - parameters.spotSlippageBps)) / 10_000n;
  const minOut = spotMin > bound ? spotMin : bound;
  if (spotOut < bound) {
    return {
      status: "waiting",
      reason: `the spot output ${spotOut} is below the TWAP bound ${bound}: the price moved too fast, try later`,
    };
  }
  const tx = await burner.execute(amountIn, minOut, now + 600n);
  const receipt = await tx.wait();
  const event = receipt!.logs
    .map((log) => {
      try {
        return burner.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((e) => e?.name === "BuybackExecuted");
  return {
    status: "executed",
    amountIn,
    twapOut,
    spotOut,
    minOut,
    burned: event === undefined || event === null ? 0n : (event.args.burned as bigint),
    txHash: tx.hash,
  };
}
