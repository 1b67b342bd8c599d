/**
 * Fetching a job document (a spec or a result document) by URI: an http(s) URL or a `data:` URI (RFC 2397, plain
 * percent-encoded or `;base64`). The bytes are returned exactly as served, because a spec's hash is keccak256 of
 * those bytes. Bounded in size and time.
 *
 * @example
 * ```ts
 * const bytes = await fetchDocument("data:application/json,%7B%22type%22%3A%22matmul-int8%22%7D", { field: "spec" });
 * ```
 */
import { WorkloadError } from "./errors.js";

/** Parameters of `fetchDocument`. */
export interface FetchDocumentOptions {
  /** Name of what is fetched, for errors ("spec", "result"). */
  readonly field: string;
  /** Largest document accepted, in bytes (default 1 MiB). */
  readonly maxBytes?: number;
  /** Timeout of an http(s) fetch (default 5 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** Decodes a `data:` URI's payload into its bytes. Throws `WorkloadError` `bad-uri`. */
export function decodeDataUri(uri: string, field: string): Uint8Array {
  const match = /^data:([^,]*),(.*)$/s.exec(uri);
  if (match === null) throw new WorkloadError("bad-uri", field, "a data: URI needs a comma before its payload");
  const base64 = /;base64$/i.test(match[1]);
  if (base64) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(match[2])) throw new WorkloadError("bad-uri", field, "the data: URI says ;base64 but its payload is not base64");
    return new Uint8Array(Buffer.from(match[2], "base64"));
  }
  try {
    return new TextEncoder().encode(decodeURIComponent(match[2]));
  } catch {
    throw new WorkloadError("bad-uri", field, "the data: URI's payload is not valid percent-encoding");
  }
}

/** A `data:` URI carrying `text` as percent-encoded JSON (what a provider or client can post without a server). */
export function jsonDataUri(text: string): string {
  return `data:application/json,${encodeURIComponent(text)}`;
}

/**
 * The exact bytes at `uri`. Throws `WorkloadError`: `bad-uri` (another scheme, a bad data: URI), `unavailable`
 * (network error, timeout, non-2xx status), `too-large`.
 */
export async function fetchDocument(uri: string, options: FetchDocumentOptions): Promise<Uint8Array> {
  const { field } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Uint8Array;
  if (uri.startsWith("data:")) {
    bytes = decodeDataUri(uri, field);
  } else if (/^https?:\/\//i.test(uri)) {
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(uri, { signal: AbortSignal.timeout(options.timeoutMs ?? 5_000) });
    } catch (error) {
      throw new WorkloadError("unavailable", field, `cannot fetch ${uri}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new WorkloadError("unavailable", field, `${uri} answered HTTP ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) throw new WorkloadError("too-large", field, `${uri} is ${declared} bytes, the limit is ${maxBytes}`);
    bytes = await readCapped(response, uri, field, maxBytes);
  } else {
    throw new WorkloadError("bad-uri", field, `must be an http(s) URL or a data: URI, got ${JSON.stringify(uri.slice(0, 80))}`);
  }
  if (bytes.length > maxBytes) throw new WorkloadError("too-large", field, `the document is ${bytes.length} bytes, the limit is ${maxBytes}`);
  return bytes;
}

/** Reads a body chunk by chunk, stopping at `maxBytes` (a server that streams without a length cannot exhaust memory). */
async function readCapped(response: Response, uri: string, field: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (response.body === null) return new Uint8Array(0);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new WorkloadError("too-large", field, `${uri} sends more than ${maxBytes} bytes, the limit`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof WorkloadError) throw error;
    throw new WorkloadError("unavailable", field, `reading ${uri} failed: ${(error as Error).message}`);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
