/**
 * What the oracle node's and the provider agent's configuration schemas (zod) share: every issue reads
 * `expected <what>, got <value>`, and a zod path reads as a field name (`peers[2].url`).
 *
 * @example
 * ```ts
 * const port = z.number(expecting("an integer in [0, 65535]")).int().min(0).max(65_535);
 * port.safeParse("80").error?.issues[0]?.message; // 'expected an integer in [0, 65535], got "80"'
 * ```
 */
import type { z } from "zod";

/** A value as a message shows it: JSON, shortened; `nothing` for a missing one. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = typeof value === "bigint" ? value.toString() : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Schema parameters under which every issue of the schema reads `expected <what>, got <value>`. */
export function expecting(what: string): z.RawCreateParams {
  return { errorMap: (_issue, ctx) => ({ message: `expected ${what}, got ${show(ctx.data)}` }) };
}

/** `peers[2].url` from zod's path `["peers", 2, "url"]`; `(root)` for the whole value. */
export function fieldOf(path: readonly (string | number)[]): string {
  const text = path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
  return text === "" ? "(root)" : text;
}
