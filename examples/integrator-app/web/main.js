// A browser app using the installed package as a bundler sees it: `cinder-protocol/sdk` (the browser entry, no
// file-system lookup) and viem, bundled by Vite. The node's URL and the deployment's addresses come from
// ./deployment.js, which the test writes. Reads the status and the settlement asset and writes them into #result as
// JSON (data-state="ok"), or the error's message (data-state="error").
import { createPublicClient, http } from "viem";
import { createCinderClient } from "cinder-protocol/sdk";
import { addresses, rpc } from "./deployment.js";

const out = document.getElementById("result");
try {
  const publicClient = createPublicClient({ transport: http(rpc) });
  const cinder = createCinderClient({ publicClient, addresses });
  const [status, settlementAsset] = await Promise.all([cinder.read.status(), cinder.read.settlementAsset()]);
  out.textContent = JSON.stringify({
    chainId: status.chainId,
    blockNumber: String(status.blockNumber),
    epoch: String(status.epoch.current),
    providers: status.providers.map((p) => p.address),
    settlementAsset,
  });
  out.dataset.state = "ok";
} catch (error) {
  out.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  out.dataset.state = "error";
}
