/**
 * The oracle node's heartbeat through a provider's agent (`AgentClient`): the answer must be signed by the provider's
 * own key over the node's fresh nonce and arrive within the timeout; the lease-relevant result is how many GPUs the
 * agent reported healthy. A dead or lying agent is an outcome, never an exception.
 *
 * @example
 * ```ts
 * const heartbeat = agentHeartbeat({ chainId: 31337, timeoutMs: 3_000 });
 * const { ok, healthyGpus, reason } = await heartbeat(provider, "http://10.0.0.5:7300", nonce);
 * ```
 */
import type { Address, Hex } from "viem";
import { AgentClient } from "../agent/client.js";
import { HeartbeatVerifier } from "../agent/heartbeat.js";
import type { Heartbeat } from "./node.js";

export interface AgentHeartbeatParameters {
  readonly chainId: number;
  readonly timeoutMs: number;
}

export function agentHeartbeat({ chainId, timeoutMs }: AgentHeartbeatParameters): Heartbeat {
  const clients = new Map<string, AgentClient>();
  // One verifier for every agent: native signature recovery where libsecp256k1 loads (see crypto/recover.ts).
  const verifier = new HeartbeatVerifier();
  return async (provider: Address, agentUrl: string, nonce: Hex) => {
    const key = `${provider.toLowerCase()} ${agentUrl}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = new AgentClient(agentUrl, { expectedProvider: provider, chainId, timeoutMs, verifier });
      clients.set(key, client);
    }
    const result = await client.heartbeat(nonce);
    if (result.ok) return { ok: true, healthyGpus: result.gpus.filter((gpu) => gpu.healthy).length, reason: "" };
    // A validly signed answer with some GPU unhealthy still answers: the lease is up if enough GPUs are healthy.
    if (result.reason === "unhealthy" && result.heartbeat !== undefined) {
      return { ok: true, healthyGpus: result.heartbeat.gpus.filter((gpu) => gpu.healthy).length, reason: "" };
    }
    return { ok: false, healthyGpus: 0, reason: result.reason };
  };
}
