/**
 * The SDK's errors: one base class, `CinderError` (a short message, details, a discriminating `name`), and its
 * kinds. A contract revert is decoded over the union of every Cinder ABI's errors into a `CinderContractError`
 * carrying the custom error's name and typed arguments, whichever contract in the call chain reverted.
 *
 * @example
 * ```ts
 * try {
 *   await cinder.leases.createDirect({ provider, modelClass: "H100-80GB", gpuCount: 1, duration: 3_600n, maxPricePerGpuHour: 2_000_000n });
 * } catch (error) {
 *   if (isCinderContractError(error, "JobMarketLeaseValueTooLow")) console.log(error.args[0], error.args[1]); // value, min
 *   else if (error instanceof CinderError) console.log(error.shortMessage);
 * }
 * ```
 */
import {
  type Abi,
  type AbiFunction,
  BaseError,
  type ContractErrorArgs,
  ContractFunctionRevertedError,
  type Hex,
  decodeErrorResult,
  toFunctionSelector,
} from "viem";
import { CinderError, type CinderErrorParameters } from "../protocol/errors.js";
import { CINDER_ABIS } from "./contracts.js";

export { CinderConfigError, CinderError, type CinderErrorParameters } from "../protocol/errors.js";

/** The account holds less of a token than an action needs: both numbers, in the token's smallest unit. */
export class CinderInsufficientBalanceError extends CinderError {
  override name = "CinderInsufficientBalanceError" as const;
  constructor(
    readonly token: string,
    readonly account: string,
    readonly balance: bigint,
    readonly needed: bigint,
    readonly decimals: number,
  ) {
    super(
      `insufficient ${token} balance: ${account} holds ${formatUnitsPlain(balance, decimals)} ${token}, ` +
        `needs ${formatUnitsPlain(needed, decimals)} ${token}`,
      { details: `balance ${balance}, needed ${needed} (smallest units)` },
    );
  }
}

/** An HTTP call to an oracle node failed or returned something unusable; `url` says which. */
export class CinderOracleError extends CinderError {
  override name = "CinderOracleError" as const;
  constructor(
    readonly url: string,
    message: string,
    parameters: CinderErrorParameters = {},
  ) {
    super(`${url}: ${message}`, parameters);
  }
}

/** A transaction was mined but reverted, or could not be sent for a reason that is not a contract revert. */
export class CinderTransactionError extends CinderError {
  override name = "CinderTransactionError" as const;
}


type CinderAbiItem = (typeof CINDER_ABIS)[keyof typeof CINDER_ABIS][number];
/** Every custom error any Cinder contract (or the OpenZeppelin code it uses) can revert with. */
export type CinderErrorAbiItem = Extract<CinderAbiItem, { type: "error" }>;
/** The name of a Cinder custom error. */
export type CinderErrorName = CinderErrorAbiItem["name"];
/** The arguments of the named custom error, as viem decodes them. */
export type CinderErrorArgs<N extends CinderErrorName> = ContractErrorArgs<readonly CinderErrorAbiItem[], N>;

/** The 4-byte selector of an error item. */
function selectorOf(item: CinderErrorAbiItem): Hex {
  return toFunctionSelector({ ...item, type: "function", outputs: [], stateMutability: "view" } as unknown as AbiFunction);
}

/** The errors of every Cinder ABI, each signature once (the union `decodeCinderError` decodes over). */
export const cinderErrorsAbi: readonly CinderErrorAbiItem[] = (() => {
  const seen = new Map<string, CinderErrorAbiItem>();
  for (const abi of Object.values(CINDER_ABIS) as readonly (readonly CinderAbiItem[])[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const signature = selectorOf(item);
      if (!seen.has(signature)) seen.set(signature, item);
    }
  }
  return [...seen.values()];
})();

const CINDER_ERROR_SELECTORS: ReadonlySet<string> = new Set(cinderErrorsAbi.map(selectorOf));

/** A revert decoded into a named Cinder custom error with its arguments. */
export class CinderContractError<N extends CinderErrorName = CinderErrorName> extends CinderError {
  override name = "CinderContractError" as const;
  constructor(
    readonly errorName: N,
    readonly args: CinderErrorArgs<N>,
    readonly contract: string | undefined,
    readonly functionName: string | undefined,
    parameters: CinderErrorParameters = {},
  ) {
    super(
      `${functionName === undefined ? "call" : `${contract ?? "contract"}.${functionName}`} reverted with ` +
        `${errorName}(${(args as readonly unknown[]).map(formatArg).join(", ")})`,
      parameters,
    );
  }
}

/** Whether `error` is a decoded revert, optionally of the named custom error (then `args` is typed). */
export function isCinderContractError<N extends CinderErrorName>(error: unknown, errorName?: N): error is CinderContractError<N> {
  return error instanceof CinderContractError && (errorName === undefined || error.errorName === errorName);
}

/** A revert whose data matches no Cinder error (a string revert, a panic, another contract's error). */
export class CinderUnknownRevertError extends CinderError {
  override name = "CinderUnknownRevertError" as const;
  constructor(
    readonly data: Hex | undefined,
    readonly reason: string | undefined,
    parameters: CinderErrorParameters = {},
  ) {
    super(reason === undefined ? `reverted with unknown data ${data ?? "(none)"}` : `reverted: ${reason}`, parameters);
  }
}

/** Context that names the call in a decoded error's message. */
export interface DecodeCinderErrorParameters {
  contract?: string;
  functionName?: string;
}

/** The return type of {@link decodeCinderError}. */
export type DecodeCinderErrorReturnType = CinderError;

/**
 * Turns anything a viem call threw into a `CinderError`: a revert becomes a `CinderContractError` (decoded over
 * every Cinder ABI) or a `CinderUnknownRevertError`; other failures keep viem's short message. A `CinderError`
 * passes through unchanged.
 */
export function decodeCinderError(error: unknown, context: DecodeCinderErrorParameters = {}): DecodeCinderErrorReturnType {
  if (error instanceof CinderError) return error;
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    const data = reverted?.raw ?? rawRevertData(error);
    if (data !== undefined) {
      const decoded = decodeRevertData(data, context, error);
      if (decoded !== undefined) return decoded;
    }
    if (reverted !== null) return new CinderUnknownRevertError(data, reverted.reason ?? reverted.shortMessage, { cause: error });
    return new CinderTransactionError(error.shortMessage, { details: error.details, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CinderError(message, { cause: error });
}

/** Decodes raw revert data into a `CinderContractError`, or undefined when no Cinder error matches. */
export function decodeRevertData(data: Hex, context: DecodeCinderErrorParameters = {}, cause?: unknown): CinderContractError | undefined {
  if (data.length < 10) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  if (!CINDER_ERROR_SELECTORS.has(selector)) return undefined;
  try {
    const { errorName, args } = decodeErrorResult({ abi: cinderErrorsAbi as unknown as Abi, data });
    return new CinderContractError(
      errorName as CinderErrorName,
      (args ?? []) as unknown as CinderErrorArgs<CinderErrorName>,
      context.contract,
      context.functionName,
      { cause },
    );
  } catch {
    return undefined;
  }
}

function rawRevertData(error: BaseError): Hex | undefined {
  let found: Hex | undefined;
  error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) {
      found = data as Hex;
      return true;
    }
    if (typeof data === "object" && data !== null && typeof (data as { data?: unknown }).data === "string") {
      found = (data as { data: Hex }).data;
      return true;
    }
    return false;
  });
  return found;
}

function formatArg(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value.startsWith("0x") ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatArg).join(", ")}]`;
  return String(value);
}

/** `formatUnits` without trailing zeros' noise: 1500000 at 6 decimals is "1.5". */
export function formatUnitsPlain(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}
