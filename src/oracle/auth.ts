/**
 * Signed requests between oracle services: the requests that make a server work or keep state (an agent's
 * challenges and CC evidence, a node's co-signing, bundles, attestations and verdicts) carry an EIP-712 signature by
 * a member of the current oracle set over the method, the path, the body's SHA-256, the server's identity (the
 * agent's provider, the node's address), a timestamp and a random nonce. The server checks, in this order and before
 * it reads the body: the headers are present and well formed, the timestamp is within `maxSkewSeconds` of its clock,
 * the signer is a member, and the nonce was not seen within the window; after reading the body, its hash.
 *
 * Headers: `x-cinder-timestamp` (unix seconds), `x-cinder-nonce` (32 bytes hex), `x-cinder-body-sha256` (32 bytes
 * hex), `x-cinder-signature` (65 bytes hex).
 *
 * @example
 * ```ts
 * const headers = await signRequest({ signer: oracleKey, chainId: 1, audience: provider, method: "POST", path: "/v1/cc/evidence", body });
 * await fetch(`${agentUrl}/v1/cc/evidence`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 *
 * const guard = new RequestGuard({ chainId: 1, audience: provider, members: async () => set.signers });
 * const signed = await guard.check(request); // throws RequestAuthError; then read the body and:
 * signed.checkBody(body);
 * ```
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type Address, type Hex, type LocalAccount, getAddress, recoverTypedDataAddress } from "viem";
import { OracleError } from "./errors.js";

/** The EIP-712 type of a signed request. */
export const ORACLE_REQUEST_TYPES = {
  OracleRequest: [
    { name: "method", type: "string" },
    { name: "path", type: "string" },
    { name: "bodyHash", type: "bytes32" },
    { name: "audience", type: "address" },
    { name: "timestamp", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

/** The EIP-712 domain of signed requests on `chainId` (no verifying contract: the audience binds the server). */
export function oracleRequestDomain(chainId: number) {
  return { name: "Cinder oracle request", version: "1", chainId } as const;
}

/**
 * Why a request was refused.
 * - `unsigned`: a header is missing or malformed (401);
 * - `stale`: the timestamp is outside the freshness window (401);
 * - `bad-signature`: the signature does not recover to a member of the current oracle set (403);
 * - `replayed`: the nonce was already used within the window (409);
 * - `body-mismatch`: the body is not the one signed (401).
 */
export type RequestAuthCode = "unsigned" | "stale" | "bad-signature" | "replayed" | "body-mismatch";

/** A request was refused for its authentication; `status` is the HTTP status to answer with. */
export class RequestAuthError extends OracleError {
  override readonly name = "RequestAuthError";
  readonly code: RequestAuthCode;
  readonly status: 401 | 403 | 409;
  readonly field: string;

  constructor(code: RequestAuthCode, shortMessage: string, field: string) {
    super(shortMessage, { message: `${code}: ${shortMessage} [${field}]` });
    this.code = code;
    this.status = code === "bad-signature" ? 403 : code === "replayed" ? 409 : 401;
    this.field = field;
  }
}

/** Parameters of `signRequest`. */
export interface SignRequestParameters {
  readonly signer: Pick<LocalAccount, "signTypedData">;
  readonly chainId: number;
  /** The server's identity: the agent's provider address, or the peer node's address. */
  readonly audience: Address;
  readonly method: string;
  /** The path without the query, e.g. `/v1/epochs/7/sign`. */
  readonly path: string;
  /** The exact body bytes sent (a string is sent as UTF-8); none for a request without a body. */
  readonly body?: string | Uint8Array;
  /** Unix seconds; default the system clock. */
  readonly timestamp?: number;
  /** 32 bytes hex; default fresh random bytes. */
  readonly nonce?: Hex;
}

/** The headers that authenticate a request. */
export async function signRequest(parameters: SignRequestParameters): Promise<Record<string, string>> {
  const timestamp = parameters.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = parameters.nonce ?? (`0x${randomBytes(32).toString("hex")}` as Hex);
  const bodyHash = sha256Hex(parameters.body ?? "");
  const signature = await parameters.signer.signTypedData({
    domain: oracleRequestDomain(parameters.chainId),
    types: ORACLE_REQUEST_TYPES,
    primaryType: "OracleRequest",
    message: { method: parameters.method.toUpperCase(), path: parameters.path, bodyHash, audience: parameters.audience, timestamp: BigInt(timestamp), nonce },
  });
  return { "x-cinder-timestamp": String(timestamp), "x-cinder-nonce": nonce, "x-cinder-body-sha256": bodyHash, "x-cinder-signature": signature };
}

/** Options of a `RequestGuard`. */
export interface RequestGuardOptions {
  readonly chainId: number;
  /** This server's identity (what signers name as the audience). */
  readonly audience: Address;
  /** The current oracle set's members (called per request: cache it on the caller's side). */
  readonly members: () => readonly Address[] | Promise<readonly Address[]>;
  /** Largest difference between a request's timestamp and this clock, seconds; default 30. */
  readonly maxSkewSeconds?: number;
  /** Most nonces remembered (each for twice the skew); default 100,000. Past it, requests are refused as stale. */
  readonly maxNonces?: number;
  /** Unix seconds; default the system clock. */
  readonly now?: () => number;
}

/** A request whose headers verified: its signer, and the check of its body against the signed hash. */
export interface SignedRequest {
  readonly signer: Address;
  /** Throws `RequestAuthError("body-mismatch")` unless `body` hashes to the signed hash. */
  checkBody(body: Uint8Array): void;
}

/** Checks signed requests for one server (see the module comment). */
export class RequestGuard {
  readonly #options: RequestGuardOptions;
  readonly #skew: number;
  readonly #maxNonces: number;
  readonly #now: () => number;
  /** nonce -> unix second after which it may be forgotten (insertion order is expiry order, nearly). */
  readonly #seen = new Map<string, number>();

  constructor(options: RequestGuardOptions) {
    this.#options = { ...options, audience: getAddress(options.audience) };
    this.#skew = options.maxSkewSeconds ?? 30;
    this.#maxNonces = options.maxNonces ?? 100_000;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Verifies the headers of `request` (method and path as received); the body is checked afterwards. */
  async check(request: Pick<IncomingMessage, "method" | "url" | "headers">): Promise<SignedRequest> {
    const header = (name: string, pattern: RegExp, what: string): string => {
      const value = request.headers[name];
      if (typeof value !== "string" || !pattern.test(value)) {
        throw new RequestAuthError("unsigned", value === undefined ? `the request is not signed (no ${name} header)` : `${name} must be ${what}`, name);
      }
      return value;
    };
    const timestampText = header("x-cinder-timestamp", /^\d{1,12}$/, "unix seconds");
    const nonce = header("x-cinder-nonce", /^0x[0-9a-fA-F]{64}$/, "32 bytes of hex").toLowerCase() as Hex;
    const bodyHash = header("x-cinder-body-sha256", /^0x[0-9a-fA-F]{64}$/, "32 bytes of hex").toLowerCase() as Hex;
    const signature = header("x-cinder-signature", /^0x[0-9a-fA-F]{130}$/, "65 bytes of hex") as Hex;
    const timestamp = Number(timestampText);
    const now = this.#now();
    if (Math.abs(now - timestamp) > this.#skew) {
      throw new RequestAuthError("stale", `signed at ${timestamp}, ${now - timestamp} s from this server's clock (at most ${this.#skew} s allowed)`, "x-cinder-timestamp");
    }
    const method = (request.method ?? "").toUpperCase();
    const path = new URL(request.url ?? "/", "http://server").pathname;
    let signer: Address;
    try {
      signer = await recoverTypedDataAddress({
        domain: oracleRequestDomain(this.#options.chainId),
        types: ORACLE_REQUEST_TYPES,
        primaryType: "OracleRequest",
        message: { method, path, bodyHash, audience: this.#options.audience, timestamp: BigInt(timestamp), nonce },
        signature,
      });
    } catch {
      throw new RequestAuthError("bad-signature", "the signature does not recover", "x-cinder-signature");
    }
    const members = await this.#options.members();
    if (!members.some((member) => member.toLowerCase() === signer.toLowerCase())) {
      throw new RequestAuthError("bad-signature", `the request is signed by ${signer}, not a member of the current oracle set (for this server, method and path)`, "x-cinder-signature");
    }
    this.#forgetExpired(now);
    if (this.#seen.has(nonce)) throw new RequestAuthError("replayed", `nonce ${nonce} was already used`, "x-cinder-nonce");
    if (this.#seen.size >= this.#maxNonces) throw new RequestAuthError("stale", `${this.#maxNonces} requests within the freshness window; retry later`, "x-cinder-nonce");
    this.#seen.set(nonce, timestamp + 2 * this.#skew);
    return {
      signer,
      checkBody: (body) => {
        if (sha256Hex(body) !== bodyHash) throw new RequestAuthError("body-mismatch", "the body does not hash to x-cinder-body-sha256", "x-cinder-body-sha256");
      },
    };
  }

  #forgetExpired(now: number): void {
    for (const [nonce, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(nonce);
    }
  }
}

function sha256Hex(body: string | Uint8Array): Hex {
  return `0x${createHash("sha256").update(body).digest("hex")}`;
}
