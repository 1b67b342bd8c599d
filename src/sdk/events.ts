/**
 * Event watchers and queries over any Cinder contract, typed by the contract's ABI: the event name is checked and
 * each log's `args` carries the event's fields.
 *
 * @example
 * ```ts
 * const unwatch = watchCinderEvent(ctx, { contract: "jobMarket", eventName: "LeaseCreated", onLogs: (logs) => {
 *   for (const log of logs) console.log(log.args.leaseId, log.args.provider);
 * } });
 * const settled = await getCinderEvents(ctx, { contract: "slaBondManager", eventName: "SlaSettled", fromBlock: 0n });
 * ```
 */
import type { Address, BlockNumber, ContractEventName, GetContractEventsReturnType, WatchContractEventOnLogsFn } from "viem";
import { type CinderAbis, cinderAbisWithout } from "./contracts.js";
import type { CinderContext } from "./context.js";
import { CinderConfigError } from "./errors.js";

/** The ABI of each deployed contract whose events are watched, by its name in `CinderAddresses`. */
export const CINDER_EVENT_ABIS: Omit<CinderAbis, "manager" | "stablecoin"> = cinderAbisWithout("manager", "stablecoin");
/** A contract whose events can be watched. */
export type CinderEventContract = keyof typeof CINDER_EVENT_ABIS;
/** The event names of a contract. */
export type CinderEventName<C extends CinderEventContract> = ContractEventName<(typeof CINDER_EVENT_ABIS)[C]>;

/** Parameters of {@link watchCinderEvent}. */
export interface WatchCinderEventParameters<C extends CinderEventContract, E extends CinderEventName<C>> {
  contract: C;
  eventName: E;
  onLogs: WatchContractEventOnLogsFn<(typeof CINDER_EVENT_ABIS)[C], E, true>;
  onError?: (error: Error) => void;
  /** Poll interval in milliseconds (HTTP transports). */
  pollingInterval?: number;
}
/** The return type of {@link watchCinderEvent}: call it to stop watching. */
export type WatchCinderEventReturnType = () => void;

function addressOf(ctx: CinderContext, contract: string): Address {
  const address = (ctx.addresses as unknown as Record<string, Address | undefined>)[contract];
  if (!(contract in CINDER_EVENT_ABIS) || address === undefined) {
    throw new CinderConfigError("contract", `unknown contract ${JSON.stringify(contract)} (known: ${Object.keys(CINDER_EVENT_ABIS).join(", ")})`);
  }
  return address;
}

/** Calls `onLogs` with each batch of new events of one kind from one Cinder contract. */
export function watchCinderEvent<C extends CinderEventContract, E extends CinderEventName<C>>(
  ctx: CinderContext,
  parameters: WatchCinderEventParameters<C, E>,
): WatchCinderEventReturnType {
  const address = addressOf(ctx, parameters.contract);
  return ctx.publicClient.watchContractEvent({
    address,
    abi: CINDER_EVENT_ABIS[parameters.contract],
    eventName: parameters.eventName,
    strict: true,
    onLogs: parameters.onLogs,
    onError: parameters.onError,
    pollingInterval: parameters.pollingInterval,
  } as never);
}

/** Parameters of {@link getCinderEvents}. */
export interface GetCinderEventsParameters<C extends CinderEventContract, E extends CinderEventName<C>> {
  contract: C;
  eventName: E;
  fromBlock?: BlockNumber;
  toBlock?: BlockNumber;
}
/** The return type of {@link getCinderEvents}. */
export type GetCinderEventsReturnType<C extends CinderEventContract, E extends CinderEventName<C>> = GetContractEventsReturnType<
  (typeof CINDER_EVENT_ABIS)[C],
  E,
  true
>;

/** The past events of one kind from one Cinder contract (default from block 0). */
export async function getCinderEvents<C extends CinderEventContract, E extends CinderEventName<C>>(
  ctx: CinderContext,
  parameters: GetCinderEventsParameters<C, E>,
): Promise<GetCinderEventsReturnType<C, E>> {
  const address = addressOf(ctx, parameters.contract);
  return (await ctx.publicClient.getContractEvents({
    address,
    abi: CINDER_EVENT_ABIS[parameters.contract],
    eventName: parameters.eventName,
    strict: true,
    fromBlock: parameters.fromBlock ?? 0n,
    toBlock: parameters.toBlock,
  } as never)) as GetCinderEventsReturnType<C, E>;
}
