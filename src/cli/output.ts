/**
 * CLI output: JSON for scripts (`--json`; bigints as decimal strings), text for people, spinners and progress bars
 * on stderr only when it is a terminal and `--json` is off, so piped and scripted output stays clean.
 */
import { CinderContractError, CinderError, CinderConfigError, CinderInsufficientBalanceError } from "../sdk/index.js";

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Where and how the CLI writes. */
export interface Output {
  json: boolean;
  /** The result of a command: JSON under --json, else the text lines. */
  result(value: unknown, text: () => string[]): void;
  /** Runs `task` behind a spinner (a terminal without --json only). */
  spin<T>(label: string, task: () => Promise<T>): Promise<T>;
  /** A progress bar for `total` steps; returns the step callback. */
  progress(label: string, total: number): { step(note?: string): void; done(): void };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createOutput({ json }: { json: boolean }): Output {
  const live = process.stderr.isTTY === true && !json;
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${toJson(value)}\n` : `${text().join("\n")}\n`);
    },
    async spin(label, task) {
      if (!live) return task();
      let i = 0;
      const timer = setInterval(() => process.stderr.write(`\r${FRAMES[i++ % FRAMES.length]} ${label}`), 80);
      try {
        const value = await task();
        process.stderr.write(`\r✔ ${label}\x1b[K\n`);
        return value;
      } catch (error) {
        process.stderr.write(`\r✖ ${label}\x1b[K\n`);
        throw error;
      } finally {
        clearInterval(timer);
      }
    },
    progress(label, total) {
      let n = 0;
      const draw = (note = "") => {
        if (!live) return;
        const width = 24;
        const filled = total === 0 ? width : Math.round((n / total) * width);
        process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${n}/${total} ${note}\x1b[K`);
      };
      draw();
      return {
        step(note) {
          n++;
          draw(note);
        },
        done() {
          if (live) process.stderr.write("\n");
        },
      };
    },
  };
}

/** The error as the CLI reports it: a JSON object for --json, else one or two lines, never a stack trace. */
export function describeError(error: unknown): { text: string; json: Record<string, unknown> } {
  if (error instanceof CinderContractError) {
    return {
      text: `error: ${error.shortMessage}`,
      json: { name: error.name, message: error.shortMessage, errorName: error.errorName, args: error.args, contract: error.contract, functionName: error.functionName },
    };
  }
  if (error instanceof CinderInsufficientBalanceError) {
    return {
      text: `error: ${error.shortMessage}`,
      json: { name: error.name, message: error.shortMessage, token: error.token, account: error.account, balance: error.balance, needed: error.needed },
    };
  }
  if (error instanceof CinderConfigError) return { text: `error: ${error.shortMessage}`, json: { name: error.name, message: error.shortMessage, field: error.field } };
  if (error instanceof CinderError) {
    return {
      text: `error: ${error.shortMessage}${error.details === undefined ? "" : `\n  ${error.details.split("\n").join("\n  ")}`}`,
      json: { name: error.name, message: error.shortMessage, details: error.details },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error: ${message}`, json: { name: "Error", message } };
}
