/**
 * `cinder chain advance --by <duration>`: moves the clock of the local chain that `cinder node` runs
 * (`evm_increaseTime` and `evm_mine`), through its control endpoint (control.ts), so it refuses any other chain. The
 * oracle nodes, agents and keeper of `cinder node` read the chain's clock, so their epochs, settle delays, outages and
 * veto windows move with it. It returns once every oracle node has probed every seeded provider at the new time: the
 * time jumped over counts as the providers' state before the jump (a failing provider's is downtime), and the next
 * jump counts from their state after this one.
 *
 * @example
 * ```sh
 * cinder chain advance --by 1h
 * ```
 */
import { CinderConfigError } from "../protocol/errors.js";
import { MAX_ADVANCE_SECONDS, requestAdvance } from "./control.js";
import { parseDuration } from "./fail.js";
import type { Output } from "./output.js";

/** Parameters of {@link chainAdvanceCommand}. */
export interface ChainAdvanceCommandParameters {
  readonly rpcUrl: string;
  /** `--by`: a duration (`90`, `90s`, `10m`, `2h`, `1d`). */
  readonly by: string | undefined;
}

export async function chainAdvanceCommand(out: Output, { rpcUrl, by }: ChainAdvanceCommandParameters): Promise<void> {
  if (by === undefined) throw new CinderConfigError("--by", "is required (e.g. 1h)");
  const seconds = parseDuration(by, "--by");
  if (seconds > MAX_ADVANCE_SECONDS) throw new CinderConfigError("--by", `must be at most ${MAX_ADVANCE_SECONDS} s (a year), got ${seconds} s`);
  const result = await out.spin(`moving the chain's clock ${seconds} s forward`, () => requestAdvance({ rpcUrl, seconds }));
  out.result({ ...result, seconds }, () => [
    `chain time ${new Date(result.from * 1000).toISOString()} -> ${new Date(result.to * 1000).toISOString()} (+${result.to - result.from} s)`,
    `  ${result.probedBy} oracle node(s) have probed every provider since`,
  ]);
}
