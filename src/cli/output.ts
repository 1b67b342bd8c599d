/**
 * CLI output: JSON for scripts (`--json`; bigints as decimal strings), text for people, spinners and progress bars
 * on stderr only when it is a terminal and `--json` is off, so piped and scripted output stays clean. A long-running
 * command (`cinder node`) asks for `progressLines`: off a terminal, each step is then reported on its own line,
 * `<ISO time> <step>: started` / `done in <s> s` / `failed` (on stdout in text mode, on stderr under `--json` so
 * stdout stays one JSON document).
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

/** Options of {@link createOutput}. */
export interface CreateOutputOptions {
  json: boolean;
  /** Off a terminal, report steps as timestamped lines instead of staying silent (default false). */
  progressLines?: boolean;
  /** Where progress lines go (tests pass their own); default stdout in text mode, stderr under --json. */
  write?: (line: string) => void;
  /** Whether the terminal draws spinners (default: stderr is a TTY and --json is off). */
  live?: boolean;
}

export function createOutput({ json, progressLines = false, write, live: liveOption }: CreateOutputOptions): Output {
  const live = liveOption ?? (process.stderr.isTTY === true && !json);
  const lines = progressLines && !live;
  const emit = write ?? ((line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`));
  const line = (text: string) => emit(`${new Date().toISOString()} ${text}`);
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${toJson(value)}\n` : `${text().join("\n")}\n`);
    },
    async spin(label, task) {
      if (lines) {
        const started = performance.now();
        line(`${label}: started`);
        try {
          const value = await task();
          line(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          return value;
        } catch (error) {
          line(`${label}: failed`);
          throw error;
        }
      }
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
        if (lines) return line(`${label}: ${n}/${total}${note === "" ? "" : ` ${note}`}`);
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
    // Without details the message is the line to show: the short message, or the one the class composed (a code or
    // a field in front of it, as the oracle's errors do).
    const message = error.details === undefined ? error.message : error.shortMessage;
    return {
      text: `error: ${message}${error.details === undefined ? "" : `\n  ${error.details.split("\n").join("\n  ")}`}`,
      json: { name: error.name, message, details: error.details },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error: ${message}`, json: { name: "Error", message } };
}
