/**
 * GPU model classes: the registry keys them by `keccak256(name)`. The SDK accepts a known name ("H100-80GB") or a
 * raw bytes32 id wherever a model class is asked for.
 *
 * @example
 * ```ts
 * resolveModelClass("H100-80GB"); // 0x…, the registry's id
 * modelClassName(resolveModelClass("H100-80GB")); // "H100-80GB"
 * ```
 */
import type { Hex } from "viem";
import { MODEL_CLASSES, modelClassId } from "../../deploy/config.js";
import { CinderConfigError } from "./errors.js";

export { modelClassId };

/** The model class names deployed with the protocol (governance may add others, usable by id). */
export const MODEL_CLASS_NAMES: readonly string[] = MODEL_CLASSES.map((m) => m.name);

/** A model class: a known name or a bytes32 id. */
export type ModelClass = string | Hex;

/** The registry id of a model class; an unknown name is a `CinderConfigError` listing the known ones. */
export function resolveModelClass(value: ModelClass, field = "modelClass"): Hex {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value)) return value as Hex;
  if (typeof value === "string" && MODEL_CLASS_NAMES.includes(value)) return modelClassId(value);
  throw new CinderConfigError(field, `unknown model class ${JSON.stringify(value)} (known: ${MODEL_CLASS_NAMES.join(", ")}, or a bytes32 id)`);
}

/** The name of a known model class id, else the id itself. */
export function modelClassName(id: Hex): string {
  return MODEL_CLASS_NAMES.find((name) => modelClassId(name).toLowerCase() === id.toLowerCase()) ?? id;
}
