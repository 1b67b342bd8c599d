/**
 * The one error type of the provider agent and its client: bad requests (the agent answers them as HTTP 400 with
 * `{ error: { code, field, message } }`), bad configuration of the agent CLI, and messages that fail to decode.
 *
 * @example
 * ```ts
 * try {
 *   decodeReveal(body);
 * } catch (error) {
 *   if (error instanceof AgentError) console.log(error.code, error.field); // "invalid-field" "vectors[1]"
 * }
 * ```
 */
import type { RequestAuthCode } from "../auth.js";
import { OracleError } from "../errors.js";

/**
 * What went wrong.
 * - `invalid-json`: the body is not JSON;
 * - `invalid-field`: a field is missing or has the wrong form (`field` names it);
 * - `too-large`: the body exceeds the size limit;
 * - `not-found` / `method-not-allowed`: no such endpoint, or not with this method;
 * - `unknown-challenge`: a reveal or query for a challenge the agent does not hold (never issued, or evicted);
 * - `backend-failed`: the GPU backend or executor failed (the message carries its error);
 * - `cc-unsupported`: the GPU cannot produce confidential-computing evidence;
 * - `config`: the agent's configuration is invalid (`field` names the flag or variable);
 * - `unsigned` / `stale` / `bad-signature` / `replayed` / `body-mismatch`: a challenge or evidence request is not
 *   signed by a member of the current oracle set, or not freshly (see `RequestAuthError` in ../auth.ts);
 * - `busy`: as many challenges as the agent runs at once are running; retry later.
 */
export type AgentErrorCode =
  | "invalid-json"
  | "invalid-field"
  | "too-large"
  | "not-found"
  | "method-not-allowed"
  | "unknown-challenge"
  | "backend-failed"
  | "cc-unsupported"
  | "config"
  | RequestAuthCode
  | "busy";

/** The body of every non-2xx answer of the agent. */
export interface AgentErrorBody {
  readonly error: { readonly code: AgentErrorCode; readonly field: string | null; readonly message: string };
}

/** An agent request or configuration was refused; `code` discriminates, `field` says where. */
export class AgentError extends OracleError {
  override readonly name = "AgentError";
  readonly code: AgentErrorCode;
  readonly field: string | undefined;

  constructor(code: AgentErrorCode, shortMessage: string, details: { field?: string; cause?: unknown } = {}) {
    const where = details.field === undefined ? "" : ` [${details.field}]`;
    super(shortMessage, { message: `${code}: ${shortMessage}${where}`, cause: details.cause });
    this.code = code;
    this.field = details.field;
  }

  /** The JSON body the agent answers with. */
  toBody(): AgentErrorBody {
    return { error: { code: this.code, field: this.field ?? null, message: this.shortMessage } };
  }
}
