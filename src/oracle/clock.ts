/**
 * The one clock the oracle reads: epochs of heartbeats, the settle delay and late window of epoch reports, leader
 * rotation, challenge rounds, and (in local mode) how long a simulated outage lasts.
 *
 * - `wallClock`: the machine's clock, `Date.now()`. A live chain's block timestamps follow wall time, so this is
 *   the default everywhere.
 * - `ChainClock`: the chain's clock, for a local network whose time is moved by hand (`evm_increaseTime`,
 *   `anvil_setNextBlockTimestamp`). It reads the latest block's timestamp every `refreshMs` (one cheap
 *   `eth_getBlockByNumber`), and between reads advances with wall time from the last read, as the next block's
 *   timestamp would (hardhat's and anvil's next timestamp is wall time plus the offset moved so far). It never runs
 *   backwards: a block timestamp behind the extrapolated time (the chain has not mined a block yet) is ignored, and a
 *   timestamp ahead of it (time was moved forward) is taken at once, so a jump of the chain's clock is a jump of
 *   this clock, seen within one refresh.
 *
 * @example
 * ```ts
 * const clock = await ChainClock.start({ publicClient, refreshMs: 500 });
 * const node = new OracleNode({ ..., now: clock.now });
 * // ... evm_increaseTime 3600, a block mined: within 500 ms clock.now() is an hour later
 * clock.stop();
 * ```
 */
import { OracleError } from "./errors.js";

/** Milliseconds since the Unix epoch, on some clock. */
export type Now = () => number;

/** A clock: `now()` in milliseconds since the Unix epoch. */
export interface Clock {
  readonly now: Now;
}

/** The machine's clock. */
export const wallClock: Clock = { now: () => Date.now() };

/** A clock that could not be started; `field` names what was wrong. */
export class ClockError extends OracleError {
  override name = "ClockError" as const;
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { message: `${field}: ${message}`, cause: options?.cause });
  }
}

/** What the chain clock reads: the latest block (viem's `PublicClient` has it). */
export interface BlockSource {
  getBlock(): Promise<{ timestamp: bigint }>;
}

/** Parameters of {@link ChainClock.start}. */
export interface ChainClockParameters {
  readonly publicClient: BlockSource;
  /** How often the latest block is read, in ms (default 500). */
  readonly refreshMs?: number;
  /** The wall clock it extrapolates with (tests pass a fake). */
  readonly wall?: Now;
}

/** The chain's clock (see the module comment). Start it with {@link ChainClock.start}, stop it with `stop()`. */
export class ChainClock implements Clock {
  readonly #p: ChainClockParameters;
  readonly #wall: Now;
  /** Chain ms at the last anchor, and the wall ms it was taken at. */
  #anchorChainMs: number;
  #anchorWallMs: number;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(parameters: ChainClockParameters, firstTimestamp: bigint) {
    this.#p = parameters;
    this.#wall = parameters.wall ?? Date.now;
    this.#anchorChainMs = Number(firstTimestamp) * 1000;
    this.#anchorWallMs = this.#wall();
  }

  /** Reads the latest block once (so `now()` is right from the start), then keeps reading it every `refreshMs`. */
  static async start(parameters: ChainClockParameters): Promise<ChainClock> {
    const refreshMs = parameters.refreshMs ?? 500;
    if (!Number.isFinite(refreshMs) || refreshMs < 10) throw new ClockError("refreshMs", `must be at least 10 ms, got ${refreshMs}`);
    let block: { timestamp: bigint };
    try {
      block = await parameters.publicClient.getBlock();
    } catch (error) {
      throw new ClockError("publicClient", `cannot read the latest block: ${(error as Error).message.split("\n")[0]}`, { cause: error });
    }
    const clock = new ChainClock({ ...parameters, refreshMs }, block.timestamp);
    clock.#schedule();
    return clock;
  }

  /** The chain's time in ms: the latest block's timestamp, advanced by wall time since it was read; never decreasing. */
  readonly now: Now = () => {
    const value = Math.max(this.#last, this.#anchorChainMs + (this.#wall() - this.#anchorWallMs));
    this.#last = value;
    return value;
  };

  /** Reads the latest block now (the refresh loop calls this). A read that fails leaves the clock extrapolating. */
  async refresh(): Promise<void> {
    const { timestamp } = await this.#p.publicClient.getBlock();
    const chainMs = Number(timestamp) * 1000;
    if (chainMs > this.now()) {
      this.#anchorChainMs = chainMs;
      this.#anchorWallMs = this.#wall();
    }
  }

  /** Stops reading the chain; `now()` keeps extrapolating from the last read. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.#schedule());
    }, this.#p.refreshMs);
    this.#timer.unref?.();
  }
}
