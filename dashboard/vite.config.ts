/**
 * Vite build of the dashboard: `npm run dashboard:build` writes the static bundle to dashboard/dist, which
 * `cinder dashboard` serves. The SDK's main entry has no Node imports (finding a deployment on disk is
 * `cinder-protocol/sdk/node`), so it bundles as is; the page gets its addresses from the server's `/config.json`.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2_000 },
  logLevel: "warn",
});
