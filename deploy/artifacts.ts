/**
 * The contract artifacts the Ignition module deploys, for deploying it without Hardhat (`cinder node` from the
 * installed package). A compact artifact keeps what Ignition's deploy path reads of a contract: its ABI, creation
 * bytecode and library link references (not the runtime bytecode, source maps or build info). The package build
 * (`scripts/build-package.ts`) writes one per contract the module deploys, the Uniswap V2 ones from npm included,
 * into `artifacts/` beside this file (`dist/deploy/artifacts/`); in a checkout, where none are written, Hardhat's
 * own `artifacts/contracts` tree is read instead.
 *
 * @example
 * ```ts
 * const artifact = loadArtifact("JobMarket"); // the compact file where shipped, else Hardhat's artifact
 * ```
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Artifact } from "@nomicfoundation/ignition-core";
import { CinderError } from "../src/protocol/errors.js";

/** Where the package ships the compact artifacts: `artifacts/` beside this module. */
export const COMPACT_ARTIFACTS_DIR = fileURLToPath(new URL("./artifacts/", import.meta.url));
/** Hardhat's artifacts of this repository's contracts (present in a built checkout only). */
export const HARDHAT_ARTIFACTS_DIR = fileURLToPath(new URL("../artifacts/contracts/", import.meta.url));

/** What a compact artifact file holds. */
export type CompactArtifact = Pick<Artifact, "contractName" | "sourceName" | "abi" | "bytecode" | "linkReferences">;

/** The compact form of an artifact. */
export function toCompact({ contractName, sourceName, abi, bytecode, linkReferences }: Artifact): CompactArtifact {
  return { contractName, sourceName, abi, bytecode, linkReferences };
}

/**
 * An Ignition artifact from its compact form. Deploying reads only the ABI, the creation bytecode and its link
 * references; the runtime bytecode, which only verification reads, is left empty.
 */
export function fromCompact(compact: CompactArtifact): Artifact {
  return { _format: "cinder-compact-artifact-1", ...compact, deployedBytecode: "0x", deployedLinkReferences: {} };
}

/** The compact artifact the package ships for `contractName`, or undefined where there is none (a checkout). */
export function readCompactArtifact(contractName: string): Artifact | undefined {
  const file = join(COMPACT_ARTIFACTS_DIR, `${contractName}.json`);
  return existsSync(file) ? fromCompact(JSON.parse(readFileSync(file, "utf8")) as CompactArtifact) : undefined;
}

/** Hardhat's artifact of this repository's contract `contractName`, or undefined where it is not built. */
export function readHardhatArtifact(contractName: string): Artifact | undefined {
  if (!existsSync(HARDHAT_ARTIFACTS_DIR)) return undefined;
  const matches = (readdirSync(HARDHAT_ARTIFACTS_DIR, { recursive: true }) as string[]).filter(
    (path) => basename(path) === `${contractName}.json` && basename(dirname(path)).endsWith(".sol"),
  );
  if (matches.length > 1) throw new CinderError(`more than one Hardhat artifact is named ${contractName}: ${matches.join(", ")}`);
  return matches.length === 0 ? undefined : (JSON.parse(readFileSync(join(HARDHAT_ARTIFACTS_DIR, matches[0]), "utf8")) as Artifact);
}

/** The artifact of `contractName`: the shipped compact one, else Hardhat's; undefined where neither exists. */
export function loadArtifact(contractName: string): Artifact | undefined {
  return readCompactArtifact(contractName) ?? readHardhatArtifact(contractName);
}
