/**
 * Headless Chromium for the browser tests, from an npm package: `@sparticuz/chromium` ships a real Chromium build
 * (unpacked to the OS temp folder on first use), driven by `playwright-core`, so `npm ci` is the whole set-up and no
 * system browser is needed. `CHROMIUM_PATH` points at another Chromium instead (a developer's own install).
 */
import { type Browser, chromium } from "playwright-core";

/** Flags for a container or CI box: no sandbox (no user namespaces), no GPU, /tmp instead of a small /dev/shm. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"];

/** Where the Chromium binary is: `CHROMIUM_PATH` if set, else the one inside `@sparticuz/chromium`. */
export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH !== undefined && process.env.CHROMIUM_PATH !== "") return process.env.CHROMIUM_PATH;
  const { default: packaged } = await import("@sparticuz/chromium");
  return packaged.executablePath();
}

/** Launches headless Chromium; a missing or broken browser is a failure that says which binary was tried. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromiumPath();
  try {
    return await chromium.launch({ executablePath, headless: true, args: FLAGS });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`headless Chromium at ${executablePath} did not start: ${reason}`);
  }
}
