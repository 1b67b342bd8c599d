/**
 * GPU attestation by the oracle quorum (tier 1, challenge-verified): each node, on its own, challenges every
 * provider's agent once per attestation round — the seeded int8 matrix product (`Verifier`, Freivalds), and the
 * memory challenge when the provider has no running lease (DESIGN: it would disturb the client's workload) — and
 * for each GPU of the class the challenge proved it signs a `GpuAttestation`. Nodes gossip their signatures; a node
 * holding a quorum of identical attestations submits them to the `OracleHub`, which writes the registry's inventory.
 *
 * Every field of the attestation is derived so that independent nodes sign the same bytes:
 * - `gpuId` = keccak256("cinder/gpu/v1:" + uuid) (tier 1 binds no identity: a renter can read a card's uuid);
 * - `modelClass` = the registry id of the class's configured name (e.g. "H100" -> keccak256("H100-80GB"));
 * - `evidenceHash` = keccak256 of the GPU's inventory record (uuid, serial, name, PCI bus id, memory, VBIOS);
 * - `issuedAt` = start of the current round: the registry only records a GPU's attestations in issue order, so
 *   one held back from an earlier round can never overwrite a later record;
 * - `expiresAt` = end of the current round + `validitySeconds`, rounds being `roundSeconds` of chain time.
 *
 * The node alone decides whether a challenge failed (DESIGN "The node judges; the agent only answers"), from what it
 * observed, never from the agent's words: a wrong answer (a product or a memory walk proven false, another key)
 * fails the round at once; anything else that is not a correct answer in time (no answer, an error status such as
 * 503 or 400 "unknown-challenge", garbage, the node's own network error to a host that is down) leaves the round
 * unanswered: the node retries within the round (an agent holds one memory challenge at a time, so a busy answer can
 * be honest), and a round that ends without a correct answer is recorded as unanswered. `unansweredRounds`
 * consecutive unanswered rounds are a failed challenge. Each failure yields a `FailedGpuChallenge` fault report whose
 * fields every node derives alike from the provider and the round (`failedChallengeFault`).
 *
 * Limits: the agent runs one executor, so one passing challenge proves the host can do the class's work within
 * the class's deadline, not that each listed card can; pinning a challenge to one card (CUDA_VISIBLE_DEVICES per
 * challenge) is the next step. Tier 2 (confidential computing, `src/oracle/cc`) is what binds a card's identity.
 *
 * Tier 2 (with `settings.cc`): after its class's challenges pass, each card of a CC-capable class (Hopper: H100,
 * H200) is asked for evidence answering a fresh random nonce (`AgentClient.ccEvidence`), verified against the trusted
 * root (NVIDIA's pinned root; the simulated GPUs' test root only with `trust: "simulation"`) and the reference
 * measurements, and must name the class's chip. Then the attestation is tier 2 with:
 * - `gpuId` = `ccIdentity` (the device identity key NVIDIA provisioned: the one identity the registry binds);
 * - `evidenceHash` = `ccEvidenceHashOf`: what the evidence proves, without the nonces and the signature, so every
 *   node, each with its own nonce, signs the same bytes.
 * A card whose agent says it has no CC (`cc-unsupported`) is attested at tier 1. A card whose evidence fails any
 * check is not attested at all this round (no tier-1 fallback: a host that shows forged, replayed or tampered evidence
 * has lied about that card), and the outcome's detail names the check. An unanswered evidence request (timeout,
 * unreachable, HTTP 503) leaves the round unanswered, like an unanswered challenge.
 */
import { type Address, type Hex, keccak256, toBytes } from "viem";
import type { OracleDomainParameters } from "../aggregate.js";
import { ORACLE_REPORT_SIGNING } from "../../protocol/signing.js";
import type { AgentClient } from "../agent/client.js";
import type { ModelClass } from "../challenge/classes.js";
import { MemoryVerifier, type MemoryParameters, type MemoryVerdictReason } from "../challenge/memory.js";
import { type MatmulParameters, type VerdictReason, Verifier } from "../challenge/protocol.js";
import type { GpuInfo } from "../gpu/backend.js";
import { type ReferenceMeasurements, type VerifiedGpuEvidence, ccIdentity, nvidiaDeviceRoot, simulatedDeviceRoot } from "../cc/verify.js";

/** The hub's `GpuAttestation` as nodes sign it. */
export interface GpuAttestation {
  readonly configDigest: Hex;
  readonly provider: Address;
  readonly gpuId: Hex;
  readonly modelClass: Hex;
  readonly memoryMiB: number;
  readonly tier: number;
  readonly evidenceHash: Hex;
  /** When the quorum issued it: the start of the round (chain time), so every node signs the same value. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export type AttestationDomain = OracleDomainParameters;

/**
 * The attestation's EIP-712 digest (its report id on the hub), a node's signature of it, and the signer of a
 * signature (null when malformed): signing.ts, for `GpuAttestation`.
 */
export const {
  types: gpuAttestationTypes,
  digest: attestationDigest,
  sign: signAttestation,
  signer: attestationSigner,
} = ORACLE_REPORT_SIGNING.GpuAttestation;

/** `gpuId` of a card: keccak256("cinder/gpu/v1:" + uuid). */
export const gpuIdOf = (uuid: string): Hex => keccak256(toBytes(`cinder/gpu/v1:${uuid}`));

/** `evidenceHash` of a card's inventory record. */
export function evidenceHashOf(gpu: GpuInfo): Hex {
  const record = [gpu.uuid, gpu.serial, gpu.name, gpu.pciBusId, gpu.memoryTotalMiB, gpu.vbiosVersion];
  return keccak256(toBytes(JSON.stringify(record)));
}

/**
 * `evidenceHash` of a tier-2 card: keccak256 of what its verified evidence proves (identity, firmware id, driver and
 * VBIOS versions, every measurement), leaving out the nonces and the signature, which differ per node.
 */
export function ccEvidenceHashOf(evidence: VerifiedGpuEvidence): Hex {
  const measurements = evidence.measurements.map((block) => [block.index, block.value]);
  const record = ["cinder/cc-evidence/v1", ccIdentity(evidence), evidence.gpu.fwid ?? null, evidence.driverVersion, evidence.vbiosVersion, measurements];
  return keccak256(toBytes(JSON.stringify(record)));
}

/** Tier-2 settings: which root the node trusts and the reference measurements evidence must match. */
export interface CcSettings {
  /** "nvidia": NVIDIA's pinned Device Identity CA (real GPUs); "simulation": only the simulated GPUs' test root. */
  readonly trust: "nvidia" | "simulation";
  /** Allowed values per measurement index (from NVIDIA's driver and VBIOS RIMs; see src/oracle/cc/reference.ts). */
  readonly referenceMeasurements: ReferenceMeasurements;
}

/** The chip a CC-capable class's device identity certificate names ("GH100 A01 GSP BROM"); other classes have no CC. */
export const CC_CHIPS: Readonly<Partial<Record<ModelClass, string>>> = { H100: "GH100", H200: "GH100" };

/** Evidence requests per card when the answer is a high-s signature (a device that does not normalize s). */
const CC_ATTEMPTS = 3;

/** What a node's challenge settings say; the overrides shrink the work for tests and CPU-only hosts. */
export interface ChallengeSettings {
  /** Chain-time length of an attestation round (each node challenges each provider once per round). */
  readonly roundSeconds: number;
  /** How long past its round an attestation stays valid. */
  readonly validitySeconds: number;
  /** Registry model-class names by challenge class, e.g. { H100: "H100-80GB" }. */
  readonly classNames: Readonly<Partial<Record<ModelClass, string>>>;
  readonly matmul?: Partial<MatmulParameters>;
  /** Memory challenge parameter overrides, or false to skip it. */
  readonly memory?: Partial<MemoryParameters> | false;
  /** Consecutive rounds without a correct answer that fail the challenge (default `DEFAULT_UNANSWERED_ROUNDS`). */
  readonly unansweredRounds?: number;
  /** Tier-2 attestation of CC-capable cards; absent: every card is attested at tier 1. */
  readonly cc?: CcSettings;
  /**
   * Whether a passed challenge is signed as attestations (default true). False: the node only challenges, and signs
   * fault reports for failed challenges (local mode, whose simulated GPUs are attested at seeding under their own ids).
   */
  readonly signAttestations?: boolean;
}

/** Consecutive unanswered rounds that fail a challenge: one round's outage is forgiven, a second is not. */
export const DEFAULT_UNANSWERED_ROUNDS = 2;

/** The outcome of challenging one provider in one round. */
export interface ChallengeOutcome {
  readonly passed: boolean;
  /**
   * Whether the agent gave an answer the node could judge: true when passed or proven wrong; false when no correct
   * answer came in time, whatever the agent said (the node retries within the round; see `closeUnansweredRound`).
   */
  readonly answered: boolean;
  /** What failed, or a summary. */
  readonly detail: string;
  /** The attestations this node signs (empty when it failed). */
  readonly attestations: readonly GpuAttestation[];
}

export interface ChallengeProviderParameters {
  readonly client: AgentClient;
  readonly provider: Address;
  readonly configDigest: Hex;
  /** Chain time now, seconds. */
  readonly now: number;
  /** Whether the provider has a running lease (then the memory challenge is skipped). */
  readonly leased: boolean;
  readonly settings: ChallengeSettings;
}

/**
 * Challenges a provider's agent and returns what this node attests. Per model class the agent lists, one matrix
 * challenge (and one memory challenge when not leased) must pass; each card of a passing class is attested.
 */
export async function challengeProvider({ client, provider, configDigest, now, leased, settings }: ChallengeProviderParameters): Promise<ChallengeOutcome> {
  const inventory = await client.inventory();
  if (!inventory.ok) {
    // Signed by another key is a wrong answer; any other failure is no answer.
    const answered = inventory.reason === "wrong-provider";
    return { passed: false, answered, detail: `inventory: ${inventory.reason}: ${inventory.detail}`, attestations: [] };
  }
  const byClass = new Map<ModelClass, GpuInfo[]>();
  for (const gpu of inventory.gpus) {
    if (gpu.modelClass === null || settings.classNames[gpu.modelClass] === undefined) continue;
    byClass.set(gpu.modelClass, [...(byClass.get(gpu.modelClass) ?? []), gpu]);
  }
  if (byClass.size === 0) return { passed: false, answered: true, detail: "the agent lists no GPU of a known model class", attestations: [] };
  const round = Math.floor(now / settings.roundSeconds);
  const issuedAt = round * settings.roundSeconds;
  const expiresAt = (round + 1) * settings.roundSeconds + settings.validitySeconds;
  const attestations: GpuAttestation[] = [];
  const details: string[] = [];
  for (const [modelClass, gpus] of byClass) {
    const verdict = await client.runMatmulChallenge(new Verifier({ modelClass, parameters: settings.matmul }));
    if (!verdict.passed) {
      return { passed: false, answered: PROVEN_WRONG.has(verdict.reason), detail: `${modelClass} matrix challenge: ${verdict.reason}: ${verdict.detail}`, attestations: [] };
    }
    details.push(`${modelClass} matmul ${verdict.timings.commitMs.toFixed(0)} ms`);
    if (!leased && settings.memory !== false) {
      const memory = await client.runMemoryChallenge(new MemoryVerifier({ modelClass, parameters: settings.memory }));
      if (!memory.passed) {
        return { passed: false, answered: PROVEN_WRONG.has(memory.reason), detail: `${modelClass} memory challenge: ${memory.reason}: ${memory.detail}`, attestations: [] };
      }
      details.push(`${modelClass} memory passed`);
    }
    const classId = keccak256(toBytes(settings.classNames[modelClass]!));
    const identities = new Set<Hex>();
    for (const gpu of gpus) {
      const cc = settings.cc === undefined ? ({ tier: 1 } as const) : await attestCc(client, gpu, modelClass, settings.cc);
      if ("unanswered" in cc) return { passed: false, answered: false, detail: `GPU ${gpu.index} CC evidence: ${cc.unanswered}`, attestations: [] };
      if ("refused" in cc) {
        details.push(`GPU ${gpu.index} refused: ${cc.refused}`);
        continue;
      }
      if (cc.tier === 2 && identities.has(cc.gpuId)) {
        details.push(`GPU ${gpu.index} refused: its CC identity is another card's of this host`);
        continue;
      }
      if (cc.tier === 2) identities.add(cc.gpuId);
      attestations.push({
        configDigest,
        provider,
        gpuId: cc.tier === 2 ? cc.gpuId : gpuIdOf(gpu.uuid),
        modelClass: classId,
        memoryMiB: gpu.memoryTotalMiB ?? 0,
        tier: cc.tier,
        evidenceHash: cc.tier === 2 ? cc.evidenceHash : evidenceHashOf(gpu),
        issuedAt,
        expiresAt,
      });
      if (cc.tier === 2) details.push(`GPU ${gpu.index} CC verified`);
    }
  }
  return { passed: true, answered: true, detail: details.join(", "), attestations };
}

/**
 * Verdict reasons that prove an answer wrong (a product, an opened row or a memory walk that does not check out).
 * Every other failed verdict (a deadline missed, a malformed or refused message) is no answer.
 */
const PROVEN_WRONG: ReadonlySet<string> = new Set<VerdictReason | MemoryVerdictReason>(["freivalds", "merkle-proof", "row-inconsistent", "row-product", "wrong-answer"]);

/** What the node recorded of one provider's round: passed, failed, or unanswered (`detail` starts with "unanswered: "). */
export interface RoundRecord {
  readonly passed: boolean;
  readonly detail: string;
}

export const UNANSWERED = "unanswered: ";

/** Parameters of `closeUnansweredRound`. */
export interface CloseUnansweredRoundParameters {
  readonly round: number;
  /** The last failure the node saw in the round. */
  readonly detail: string;
  /** What the node recorded of an earlier round of the same provider (undefined: nothing). */
  readonly recorded: (round: number) => RoundRecord | undefined;
  readonly settings: Pick<ChallengeSettings, "unansweredRounds">;
}

/**
 * The record of a round that ended without a correct answer: `failed` when it completes `unansweredRounds`
 * consecutive unanswered rounds (a failed challenge), else an unanswered round. A failure restarts the count, so a
 * provider that stays silent fails once every `unansweredRounds` rounds.
 */
export function closeUnansweredRound({ round, detail, recorded, settings }: CloseUnansweredRoundParameters): RoundRecord & { readonly failed: boolean } {
  const needed = settings.unansweredRounds ?? DEFAULT_UNANSWERED_ROUNDS;
  let streak = 1;
  while (streak < needed && recorded(round - streak)?.detail.startsWith(UNANSWERED) === true) streak++;
  if (streak >= needed) return { passed: false, failed: true, detail: `no correct answer in ${needed} consecutive round(s): ${detail}` };
  return { passed: false, failed: false, detail: `${UNANSWERED}${detail}` };
}

/** The hub's `FaultReport` as nodes sign it. */
export interface FailedChallengeFault {
  readonly configDigest: Hex;
  readonly provider: Address;
  /** `IOracleHub.FaultType.FailedGpuChallenge`. */
  readonly faultType: 1;
  readonly subject: Hex;
  readonly epoch: bigint;
  readonly evidenceHash: Hex;
}

/** Parameters of `failedChallengeFault`. */
export interface FailedChallengeFaultParameters {
  readonly configDigest: Hex;
  readonly provider: Address;
  /** The failed round. */
  readonly round: number;
  readonly roundSeconds: number;
  /** The hub's epoch length, seconds. */
  readonly epochLength: number;
  /**
   * Whether the round failed on a wrong answer (decided within the round: the report is dated the epoch of the round's
   * start, which every node has reached) or unanswered (decided after the round: dated the epoch of its last second,
   * the latest every node has reached, so the report stays within the hub's late window).
   */
  readonly proven: boolean;
}

/**
 * The `FailedGpuChallenge` fault report of a provider's failed round, the same bytes at every node: the subject names
 * the provider's round, not a card (an unanswered challenge proves no card; the slashing manager then takes the
 * highest per-GPU stake), and the evidence hash is `keccak256("cinder/fault/v1:failed-gpu-challenge:<provider>:<round>")`.
 */
export function failedChallengeFault({ configDigest, provider, round, roundSeconds, epochLength, proven }: FailedChallengeFaultParameters): FailedChallengeFault {
  const at = proven ? round * roundSeconds : (round + 1) * roundSeconds - 1;
  const tag = `cinder/fault/v1:failed-gpu-challenge:${provider.toLowerCase()}:${round}`;
  return {
    configDigest,
    provider,
    faultType: 1,
    subject: keccak256(toBytes(`${tag}:subject`)),
    epoch: BigInt(Math.floor(at / epochLength)),
    evidenceHash: keccak256(toBytes(tag)),
  };
}

/** A node's signature of a fault report (signing.ts, `FaultReport`). */
export const { digest: faultReportDigest, sign: signFaultReport, signer: faultReportSigner } = ORACLE_REPORT_SIGNING.FaultReport;

/** How one card fares on tier 2. */
type CcCardResult =
  | { readonly tier: 1 }
  | { readonly tier: 2; readonly gpuId: Hex; readonly evidenceHash: Hex }
  | { readonly refused: string }
  | { readonly unanswered: string };

/** Asks `gpu` for CC evidence with a fresh nonce and judges the answer (see the module comment). */
async function attestCc(client: AgentClient, gpu: GpuInfo, modelClass: ModelClass, cc: CcSettings): Promise<CcCardResult> {
  const chip = CC_CHIPS[modelClass];
  if (chip === undefined) return { tier: 1 };
  const options = { roots: [cc.trust === "simulation" ? simulatedDeviceRoot() : nvidiaDeviceRoot()], referenceMeasurements: cc.referenceMeasurements };
  let result = await client.ccEvidence(undefined, gpu.index, options);
  for (let attempt = 1; attempt < CC_ATTEMPTS && !result.ok && "code" in result && result.code === "non-canonical-signature"; attempt++) {
    result = await client.ccEvidence(undefined, gpu.index, options);
  }
  if (result.ok) {
    const { model } = result.evidence.gpu;
    if (!model.startsWith(`${chip} `)) return { refused: `CC evidence is of a "${model}", not a ${chip} (${modelClass})` };
    return { tier: 2, gpuId: ccIdentity(result.evidence), evidenceHash: ccEvidenceHashOf(result.evidence) };
  }
  if (result.reason === "cc-unsupported") return { tier: 1 };
  if (result.reason === "timeout" || result.reason === "unreachable" || /^HTTP 503/.test(result.detail)) return { unanswered: `${result.reason}: ${result.detail}` };
  return { refused: `CC evidence ${result.reason}: ${result.detail}` };
}
