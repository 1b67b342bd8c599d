/**
 * The one small HTTP server the oracle's services share (the provider agent and the oracle node): a request body
 * limit, header, request, keep-alive and per-socket idle timeouts so slow clients are closed, a connection cap, and
 * JSON error bodies `{ error: { code, field, message } }` (never a stack trace). Each service keeps its own routes
 * and error codes: it passes `handle` and `fault`, which turns any error into a status and its body.
 *
 * @example
 * ```ts
 * const server = await startHttpServer({
 *   host: "127.0.0.1",
 *   port: 0,
 *   handle: async (request, response) => sendJson(response, 200, { ok: true, body: await readJson(request, 1024) }),
 *   fault: (error) => (error instanceof HttpFault ? { status: error.status, body: error.toBody() } : { status: 500, body: { error: { code: "internal", field: null, message: "internal error" } } }),
 * });
 * console.log(server.url); // http://127.0.0.1:43817
 * await server.close();
 * ```
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { OracleError } from "./errors.js";

/**
 * What the helper itself refuses, before a service sees the request.
 * - `too-large`: the body exceeds the limit (413);
 * - `invalid-json`: the body is not JSON (400);
 * - `busy`: the server is at its connection or work limit (503).
 */
export type HttpFaultCode = "too-large" | "invalid-json" | "busy";

/** A request refused by the HTTP layer; services map `code` to their own codes (e.g. the node's `TOO_LARGE`). */
export class HttpFault extends OracleError {
  override readonly name = "HttpFault";
  readonly code: HttpFaultCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: HttpFaultCode, shortMessage: string, details: { field?: string } = {}) {
    super(shortMessage, { message: `${code}: ${shortMessage}` });
    this.code = code;
    this.status = code === "too-large" ? 413 : code === "invalid-json" ? 400 : 503;
    this.field = details.field;
  }

  /** `{ error: { code, field, message } }`. */
  toBody(): { error: { code: string; field: string | null; message: string } } {
    return { error: { code: this.code, field: this.field ?? null, message: this.shortMessage } };
  }
}

/** Limits of a server; every default suits an oracle service on the open internet. */
export interface HttpLimits {
  /** Largest request body, bytes (a route may pass a smaller one to `readBody`); default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** All request headers must arrive within this, ms; default 5,000. */
  readonly headersTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this, ms; default 15,000. */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this, ms; default 5,000. */
  readonly keepAliveTimeoutMs?: number;
  /** A socket with no traffic either way for this long is destroyed, ms; default 10,000. */
  readonly idleTimeoutMs?: number;
  /** Most open connections; one more is closed at once; default 256. */
  readonly maxConnections?: number;
}

/** Parameters of `startHttpServer`. */
export interface StartHttpServerParameters extends HttpLimits {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Serves one request; anything it throws goes through `fault`. */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** The status and JSON body answering `error`. */
  readonly fault: (error: unknown) => { readonly status: number; readonly body: unknown };
}

/** A running server. */
export interface HttpServer {
  /** e.g. `http://127.0.0.1:43817` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/** The defaults of `HttpLimits`. */
export const HTTP_DEFAULTS = {
  maxBodyBytes: 2 ** 20,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  maxConnections: 256,
} as const satisfies Required<HttpLimits>;

/** Starts a server with the limits (see the module comment). */
export async function startHttpServer(parameters: StartHttpServerParameters): Promise<HttpServer> {
  const limits = { ...HTTP_DEFAULTS, ...definedOnly(parameters) };
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the header and request timeouts this often (30 s by default): often enough that a slow client is
      // closed close to its deadline.
      connectionsCheckingInterval: Math.min(500, limits.headersTimeoutMs),
    },
    (request, response) => {
      // The idle timeout is for clients that send nothing; it does not run while the answer is being computed.
      request.socket.setTimeout(0);
      response.once("finish", () => request.socket.setTimeout(limits.idleTimeoutMs));
      void serve(request, response);
    },
  );
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = 1_000;
  server.on("connection", (socket: Socket) => {
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on("timeout", () => socket.destroy());
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    // Written, then destroyed at once (as Node's default does): a half-closed socket would stay open while the client
    // keeps writing.
    if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await parameters.handle(request, response);
    } catch (error) {
      const { status, body } = parameters.fault(error);
      // A request refused before its body was read to the end (too large, unsigned): close the connection rather
      // than drain what the client still sends.
      if (!request.complete && !response.headersSent) response.setHeader("connection", "close");
      sendJson(response, status, body);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parameters.port, parameters.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

/**
 * The request body, at most `limit` bytes: throws `HttpFault("too-large")` as soon as it exceeds that (without
 * waiting for the rest), or at once when the declared content-length does.
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new HttpFault("too-large", `the body is ${declared} bytes, more than the limit ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpFault("too-large", `the body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** `body` parsed as JSON; throws `HttpFault("invalid-json")` naming the body. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpFault("invalid-json", "the body is not JSON", { field: "body" });
  }
}

/** The request body as JSON, at most `limit` bytes. */
export async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  return parseJson(await readBody(request, limit));
}

/** Answers `body` as JSON (bigints as decimal strings), or `text` as is with `type`; does nothing once answered. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  sendText(response, status, text, "application/json");
}

/** Answers `text` with content type `type`; does nothing once answered. */
export function sendText(response: ServerResponse, status: number, text: string, type: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/**
 * A limit on concurrent work: `run` starts `task` when fewer than `limit` run, and otherwise throws
 * `HttpFault("busy")` at once (the caller retries later), so a flood queues nothing.
 */
export class WorkLimit {
  readonly limit: number;
  #running = 0;

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a work limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** How many tasks run now. */
  get running(): number {
    return this.#running;
  }

  async run<T>(what: string, task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) throw new HttpFault("busy", `${what}: ${this.#running} of ${this.limit} allowed at once are running; retry later`);
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
    }
  }
}

function definedOnly(limits: HttpLimits): HttpLimits {
  return Object.fromEntries(Object.entries(limits).filter(([key, value]) => key in HTTP_DEFAULTS && value !== undefined)) as HttpLimits;
}
