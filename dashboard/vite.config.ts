/**
 * Vite build of the dashboard: `npm run dashboard:build` writes the static bundle to dashboard/dist, which
 * `cinder dashboard` serves. The SDK's only Node imports (`node:fs`, `node:path` in `loadDeployment`) are aliased to
 * browser stand-ins; the page gets its addresses from the server's `/config.json`.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const shim = fileURLToPath(new URL("./src/node-shim.ts", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: { alias: { "node:fs": shim, "node:path": shim } },
  define: { "process.env": "{}" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2_000 },
  logLevel: "warn",
});
