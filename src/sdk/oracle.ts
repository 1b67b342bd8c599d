/**
 * The oracle nodes' leaf API: `GET <node>/v1/epochs/<epoch>/leaves` serves the canonical leaf file of a reported
 * epoch. `fetchLeafFile` fetches one and checks it against the root OracleHub holds for the epoch, so a node that
 * serves a wrong or stale file is skipped in favour of the next.
 *
 * @example
 * ```ts
 * const file = await fetchLeafFile(ctx, { nodes: ["http://127.0.0.1:7001", "http://127.0.0.1:7002"], epoch: 42 });
 * ```
 */
import { type Hex, getAddress } from "viem";
import { type LeafFile, contentHash, parseLeafFile } from "../protocol/leaves.js";
import { oracleHubAbi } from "../protocol/abis.js";
import type { CinderContext } from "./context.js";
import { CinderConfigError, CinderOracleError } from "./errors.js";

/** Parameters of {@link fetchLeafFile}. */
export interface FetchLeafFileParameters {
  /** Oracle node base URLs, tried in order. */
  nodes: readonly string[];
  epoch: number;
  /** The root the file must have; default OracleHub's `epochRoot(epoch)`. */
  root?: Hex;
  /** Per-request timeout in milliseconds (default 5,000). */
  timeoutMs?: number;
  /** The content hash the epoch's report carries (`EpochReported.contentHash`): when given, a file whose bytes hash otherwise is refused. */
  contentHash?: Hex;
}
/** The return type of {@link fetchLeafFile}. */
export type FetchLeafFileReturnType = LeafFile;

/** Checks and normalizes oracle node URLs (http or https); a bad one is a `CinderConfigError` naming it. */
export function checkNodeUrls(nodes: readonly string[], field = "nodes"): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new CinderConfigError(field, "needs at least one oracle node URL");
  return nodes.map((url, i) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CinderConfigError(`${field}[${i}]`, `not a URL: ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new CinderConfigError(`${field}[${i}]`, `must be http or https, got ${parsed.protocol}`);
    return parsed.href.replace(/\/$/, "");
  });
}

/** The first node's leaf file for the epoch whose chain, hub and root match the deployment's. */
export async function fetchLeafFile(ctx: CinderContext, parameters: FetchLeafFileParameters): Promise<FetchLeafFileReturnType> {
  const nodes = checkNodeUrls(parameters.nodes);
  const { epoch } = parameters;
  const [chainId, root] = await Promise.all([
    ctx.publicClient.getChainId(),
    parameters.root ?? ctx.publicClient.readContract({ address: ctx.addresses.oracleHub, abi: oracleHubAbi, functionName: "epochRoot", args: [BigInt(epoch)] }),
  ]);
  const failures: string[] = [];
  for (const node of nodes) {
    const url = `${node}/v1/epochs/${epoch}/leaves`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(parameters.timeoutMs ?? 5_000) });
      const body = await response.text();
      if (!response.ok) {
        failures.push(`${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
        continue;
      }
      if (parameters.contentHash !== undefined && contentHash(body) !== parameters.contentHash) {
        failures.push(`${url}: content hash ${contentHash(body)} differs from the report's ${parameters.contentHash}`);
        continue;
      }
      const file = parseLeafFile(body);
      if (file.chainId !== chainId) failures.push(`${url}: file is for chain ${file.chainId}, not ${chainId}`);
      else if (getAddress(file.oracleHub) !== ctx.addresses.oracleHub) failures.push(`${url}: file is for hub ${file.oracleHub}`);
      else if (file.tree.root !== root) failures.push(`${url}: root ${file.tree.root} differs from the hub's ${root}`);
      else return file;
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new CinderOracleError(nodes.join(", "), `no node served a valid leaf file for epoch ${epoch}`, { details: failures.join("; ") });
}
