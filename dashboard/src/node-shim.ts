/**
 * Browser stand-ins for the two `node:` modules the SDK's `loadDeployment` imports (`deployment.ts`), aliased by
 * `dashboard/vite.config.ts`. The dashboard always passes the deployment's addresses (from `/config.json`), so
 * `loadDeployment` never runs in the page; if it did, it would report that no deployment file exists.
 */
export function existsSync(_path: string): boolean {
  return false;
}
export function readFileSync(path: string): never {
  throw new Error(`cannot read ${path} in a browser: pass the deployment's addresses`);
}
export function join(...parts: string[]): string {
  return parts.join("/");
}
