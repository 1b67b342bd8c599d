/**
 * GPU model classes: the registry keys them by `keccak256(name)`. The SDK accepts a known name ("H100-80GB") or a
 * raw bytes32 id wherever a model class is asked for. The names are those the deployment registers
 * (`deploy/config.ts` MODEL_CLASSES, which takes them from here with each class's stake per GPU).
 *
 * @example
 * ```ts
 * resolveModelClass("H100-80GB"); // 0x…, the registry's id
 * modelClassName(resolveModelClass("H100-80GB")); // "H100-80GB"
 * ```
 */
import { type Hex, keccak256, toBytes } from "viem";
import { CinderConfigError } from "./errors.js";

/** The model class names deployed with the protocol (governance may add others, usable by id). */
export const MODEL_CLASS_NAMES = ["H200-141GB", "H100-80GB", "A100-80GB", "L40S-48GB", "RTX4090-24GB"] as const satisfies readonly string[];

/** A model class name deployed with the protocol. */
export type ModelClassName = (typeof MODEL_CLASS_NAMES)[number];

/** A model class: a known name or a bytes32 id. */
export type ModelClass = string | Hex;

/** The id the registry uses for a model class name. */
export function modelClassId(name: string): Hex {
  return keccak256(toBytes(name));
}

/** The registry id of a model class; an unknown name is a `CinderConfigError` listing the known ones. */
export function resolveModelClass(value: ModelClass, field = "modelClass"): Hex {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value)) return value as Hex;
  if (typeof value === "string" && (MODEL_CLASS_NAMES as readonly string[]).includes(value)) return modelClassId(value);
  throw new CinderConfigError(field, `unknown model class ${JSON.stringify(value)} (known: ${MODEL_CLASS_NAMES.join(", ")}, or a bytes32 id)`);
}

/** The name of a known model class id, else the id itself. */
export function modelClassName(id: Hex): string {
  return MODEL_CLASS_NAMES.find((name) => modelClassId(name).toLowerCase() === id.toLowerCase()) ?? id;
}
