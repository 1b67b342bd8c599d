/**
 * The provider agent's command line: configuration from flags and environment variables, validated with messages
 * that name the flag, then `createAgent` with the chosen backend and executor. Run it as `npm run agent -- [flags]`
 * (main.ts is the entry point).
 *
 * @example
 * ```ts
 * const config = parseAgentConfig(["--chain-id", "1", "--backend", "simulated:h100"], { CINDER_AGENT_KEY: key });
 * ```
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Address, type Hex, createPublicClient, getAddress, http, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { oracleHubAbi } from "../../protocol/abis.js";
import { ChallengeThread } from "../challenge/thread.js";
import { type ExecutorKind, selectExecutor } from "../challenge/executors.js";
import { MAX_N } from "../challenge/matmul.js";
import type { GpuBackend } from "../gpu/backend.js";
import { type CcCommand, NvidiaSmiBackend, ccEvidenceScript } from "../gpu/nvidia-smi.js";
import { RECORDINGS, type RecordingName, SimulatedBackend } from "../gpu/simulated.js";
import { AgentError } from "./errors.js";
import { type Agent, createAgent } from "./server.js";

/** The usage text `--help` prints. */
export const USAGE = `Cinder provider agent: reports this host's GPUs, signs heartbeats, answers the oracle's challenges.

usage: npm run agent -- [flags]

  --key-file PATH        file holding the operator private key (0x + 64 hex)   env CINDER_AGENT_KEY_FILE
                         (or the key itself in env CINDER_AGENT_KEY)
  --chain-id N           chain id of the heartbeat signatures (required)        env CINDER_CHAIN_ID
  --oracle-hub ADDR      OracleHub, read for the oracle set that alone may       env CINDER_ORACLE_HUB
                         start challenges (needs --rpc-url)
  --rpc-url URL          JSON-RPC endpoint of the chain                          env CINDER_RPC_URL
  --oracle-set LIST      the oracle set as comma-separated addresses, instead    env CINDER_ORACLE_SET
                         of reading OracleHub
  --port N               TCP port (default 8484)                                env CINDER_AGENT_PORT
  --host ADDR            interface to listen on (default 127.0.0.1)             env CINDER_AGENT_HOST
  --backend KIND         nvidia-smi (default) or simulated:<recording>          env CINDER_AGENT_BACKEND
                         recordings: ${RECORDINGS.join(", ")}
  --nvidia-smi PATH      the nvidia-smi binary (default: nvidia-smi on PATH)
  --cc-command CMD       command printing CC evidence as JSON; "pynvml" runs src/oracle/gpu/cc_evidence.py
  --executor KIND        auto (default), cpu, cuda or torch                     env CINDER_AGENT_EXECUTOR
  --max-n N              largest matrix challenge accepted (default 65536; 2048 with the cpu executor)
  --max-fill-mib N       largest memory-challenge fill accepted, MiB (default 1024)
  --help                 print this and exit
`;

/** The validated configuration. */
export interface AgentConfig {
  readonly privateKey: Hex;
  readonly chainId: number;
  readonly port: number;
  readonly host: string;
  readonly backend: { readonly kind: "nvidia-smi"; readonly binary: string; readonly ccCommand?: CcCommand } | { readonly kind: "simulated"; readonly recording: RecordingName };
  readonly executor: ExecutorKind | "auto";
  readonly maxN: number | undefined;
  readonly maxFillBytes: number;
  /** Who may start challenges: read from OracleHub, or a fixed list. */
  readonly oracleSet: { readonly kind: "hub"; readonly rpcUrl: string; readonly oracleHub: Address } | { readonly kind: "list"; readonly members: readonly Address[] };
}

/** `--help` was asked for. */
export interface HelpRequest {
  readonly help: true;
}

/**
 * The configuration from `argv` (flags after the script) and `env`; throws `AgentError("config")` naming the flag.
 *
 * @example
 * ```ts
 * parseAgentConfig(["--port", "http"], env); // throws AgentError config [--port]: must be an integer in [0, 65535], got "http"
 * ```
 */
export function parseAgentConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AgentConfig | HelpRequest {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "key-file": { type: "string" },
        "chain-id": { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        backend: { type: "string" },
        "nvidia-smi": { type: "string" },
        "cc-command": { type: "string" },
        executor: { type: "string" },
        "max-n": { type: "string" },
        "max-fill-mib": { type: "string" },
        "oracle-hub": { type: "string" },
        "rpc-url": { type: "string" },
        "oracle-set": { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? "argv";
    throw new AgentError("config", message, { field: flag });
  }
  if (values.help === true) return { help: true };
  const text = (flag: string, variable?: string): string | undefined => {
    const value = values[flag];
    if (typeof value === "string") return value;
    return variable === undefined ? undefined : env[variable];
  };
  const integer = (flag: string, variable: string | undefined, min: number, max: number, fallback?: number): number => {
    const raw = text(flag, variable);
    if (raw === undefined) {
      if (fallback !== undefined) return fallback;
      throw new AgentError("config", `is required${variable === undefined ? "" : ` (or set ${variable})`}`, { field: `--${flag}` });
    }
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new AgentError("config", `must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`, { field: `--${flag}` });
    }
    return Number(raw);
  };

  const keyFile = text("key-file", "CINDER_AGENT_KEY_FILE");
  let key: string | undefined;
  if (keyFile !== undefined) {
    try {
      key = readFileSync(keyFile, "utf8").trim();
    } catch (error) {
      throw new AgentError("config", `cannot read ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { field: "--key-file" });
    }
  } else {
    key = env.CINDER_AGENT_KEY?.trim();
  }
  if (key === undefined || key === "") throw new AgentError("config", "no operator key: pass --key-file or set CINDER_AGENT_KEY", { field: "--key-file" });
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new AgentError("config", "the operator key must be 0x followed by 64 hex digits", { field: keyFile === undefined ? "CINDER_AGENT_KEY" : "--key-file" });
  }

  const backendText = text("backend", "CINDER_AGENT_BACKEND") ?? "nvidia-smi";
  let backend: AgentConfig["backend"];
  if (backendText === "nvidia-smi") {
    const cc = text("cc-command");
    const ccCommand = cc === undefined ? undefined : cc === "pynvml" ? { command: "python3", args: [ccEvidenceScript()] } : splitCommand(cc);
    backend = { kind: "nvidia-smi", binary: text("nvidia-smi") ?? "nvidia-smi", ...(ccCommand === undefined ? {} : { ccCommand }) };
  } else if (backendText.startsWith("simulated:") && (RECORDINGS as readonly string[]).includes(backendText.slice(10))) {
    backend = { kind: "simulated", recording: backendText.slice(10) as RecordingName };
  } else {
    throw new AgentError("config", `must be nvidia-smi or simulated:<${RECORDINGS.join("|")}>, got ${JSON.stringify(backendText)}`, { field: "--backend" });
  }

  const executor = text("executor", "CINDER_AGENT_EXECUTOR") ?? "auto";
  if (!["auto", "cpu", "cuda", "torch"].includes(executor)) {
    throw new AgentError("config", `must be auto, cpu, cuda or torch, got ${JSON.stringify(executor)}`, { field: "--executor" });
  }
  const maxN = text("max-n") === undefined ? undefined : integer("max-n", undefined, 1, MAX_N);
  return {
    privateKey: key as Hex,
    chainId: integer("chain-id", "CINDER_CHAIN_ID", 1, Number.MAX_SAFE_INTEGER),
    port: integer("port", "CINDER_AGENT_PORT", 0, 65_535, 8484),
    host: text("host", "CINDER_AGENT_HOST") ?? "127.0.0.1",
    backend,
    executor: executor as AgentConfig["executor"],
    maxN,
    maxFillBytes: integer("max-fill-mib", undefined, 1, 2 ** 20, 1024) * 2 ** 20,
    oracleSet: parseOracleSet(text("oracle-set", "CINDER_ORACLE_SET"), text("oracle-hub", "CINDER_ORACLE_HUB"), text("rpc-url", "CINDER_RPC_URL")),
  };
}

function parseOracleSet(list: string | undefined, hub: string | undefined, rpcUrl: string | undefined): AgentConfig["oracleSet"] {
  if (list !== undefined) {
    const members = list.split(",").map((item) => item.trim());
    const bad = members.find((member) => !isAddress(member, { strict: false }));
    if (bad !== undefined || members.length === 0) throw new AgentError("config", `must be comma-separated addresses, got ${JSON.stringify(bad ?? list)}`, { field: "--oracle-set" });
    return { kind: "list", members: members.map((member) => getAddress(member)) };
  }
  if (hub === undefined) throw new AgentError("config", "is required (or pass --oracle-set): only the oracle set may start challenges", { field: "--oracle-hub" });
  if (!isAddress(hub, { strict: false })) throw new AgentError("config", `must be an address, got ${JSON.stringify(hub)}`, { field: "--oracle-hub" });
  if (rpcUrl === undefined || !/^(https?|wss?):\/\//.test(rpcUrl)) {
    throw new AgentError("config", `must be an http(s) or ws(s) URL to read OracleHub, got ${JSON.stringify(rpcUrl ?? "nothing")}`, { field: "--rpc-url" });
  }
  return { kind: "hub", rpcUrl, oracleHub: getAddress(hub) };
}

/** Reads the oracle set's members from OracleHub. */
function hubMembers(rpcUrl: string, oracleHub: Address): () => Promise<readonly Address[]> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return async () => {
    const [signers] = await client.readContract({ address: oracleHub, abi: oracleHubAbi, functionName: "oracleSet" });
    return signers.map((signer) => getAddress(signer));
  };
}

function splitCommand(text: string): CcCommand {
  const [command, ...args] = text.trim().split(/\s+/);
  if (command === undefined || command === "") throw new AgentError("config", "must name a command", { field: "--cc-command" });
  return { command, args };
}

/** What `startAgentFromConfig` started. */
export interface StartedAgent {
  readonly agent: Agent;
  readonly backend: GpuBackend;
  /** Why this executor (from `selectExecutor`). */
  readonly executorReason: string;
  /** Stops the server and the executor. */
  stop(): Promise<void>;
}

/** Builds the backend, picks and starts the executor, and starts the agent. */
export async function startAgentFromConfig(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): Promise<StartedAgent> {
  const backend: GpuBackend =
    config.backend.kind === "simulated"
      ? SimulatedBackend.fromRecording(config.backend.recording)
      : new NvidiaSmiBackend({ binary: config.backend.binary, ...(config.backend.ccCommand === undefined ? {} : { ccCommand: config.backend.ccCommand }) });
  const selection = await selectExecutor({ env, ...(config.executor === "auto" ? {} : { prefer: [config.executor] }) });
  if (config.executor !== "auto" && selection.executor.kind !== config.executor) {
    throw new AgentError("config", `the ${config.executor} executor is unavailable (${selection.reason})`, { field: "--executor" });
  }
  await selection.executor.start();
  const maxMatmulN = config.maxN ?? (selection.executor.kind === "cpu" ? 2048 : MAX_N);
  // The CPU reference computes on a worker thread, so heartbeats keep answering while it runs.
  const thread = new ChallengeThread();
  const executor = selection.executor.kind === "cpu" ? thread.executor : selection.executor;
  const agent = await createAgent({
    account: privateKeyToAccount(config.privateKey),
    backend,
    executor,
    oracleSet: config.oracleSet.kind === "list" ? config.oracleSet.members : hubMembers(config.oracleSet.rpcUrl, config.oracleSet.oracleHub),
    chunkStore: () => thread.chunkStore(),
    chainId: config.chainId,
    port: config.port,
    host: config.host,
    maxMatmulN,
    maxMemoryFillBytes: config.maxFillBytes,
  });
  return {
    agent,
    backend,
    executorReason: selection.reason,
    stop: async () => {
      await agent.close();
      await selection.executor.close();
      await thread.close();
    },
  };
}

/** The CLI: returns the exit status (0 after `--help`; 2 on a configuration error). Runs until SIGINT/SIGTERM. */
export async function runAgentCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let started: StartedAgent;
  try {
    const config = parseAgentConfig(argv, env);
    if ("help" in config) {
      process.stdout.write(USAGE);
      return 0;
    }
    started = await startAgentFromConfig(config, env);
  } catch (error) {
    if (error instanceof AgentError) {
      process.stderr.write(`cinder-agent: ${error.field === undefined ? "" : `${error.field}: `}${error.shortMessage}\n`);
      return 2;
    }
    process.stderr.write(`cinder-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(
    `cinder-agent: provider ${started.agent.provider} on ${started.agent.url}\n  backend ${started.backend.description}\n  executor ${started.executorReason}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await started.stop();
  return 0;
}
