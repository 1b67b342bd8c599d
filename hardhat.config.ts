import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { configVariable, defineConfig } from "hardhat/config";

// Offline compiler: use the WASM build of solc shipped in the `solc` npm package,
// so Hardhat never tries to download a compiler (it would fail with HHE905 here).
const require = createRequire(import.meta.url);
const solcVersion: string = (require("solc/package.json") as { version: string }).version;
const solcPath: string = require.resolve("solc/soljson.js");

const compilerSettings = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: false,
  evmVersion: "prague",
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, hardhatViem],
  solidity: {
    profiles: {
      default: {
        version: solcVersion,
        path: solcPath,
        settings: compilerSettings,
      },
      production: {
        version: solcVersion,
        path: solcPath,
        settings: compilerSettings,
      },
    },
  },
  paths: {
    ignition: "deploy",
    tests: {
      mocha: "test",
      solidity: "test/sol",
    },
  },
  test: {
    // `npm test` runs the mocha files in parallel worker processes (CINDER_MOCHA_JOBS, e.g. 2 on a 2-core machine):
    // the integration suites spend most of their time waiting on a node, an oracle epoch or a browser. Each file still
    // runs alone and in order inside its worker; ports and temp folders are per process. Unset: one process, in order.
    mocha: process.env.CINDER_MOCHA_JOBS === undefined ? {} : { parallel: true, jobs: Number(process.env.CINDER_MOCHA_JOBS) },
    solidity: {
      fuzz: {
        runs: 256,
      },
      invariant: {
        runs: 64,
        depth: 25,
        failOnRevert: false,
      },
    },
  },
  typechain: {
    outDir: "types/ethers-contracts",
  },
  networks: {
    default: {
      type: "edr-simulated",
      chainType: "l1",
      // Coverage instruments the contracts past the 24 KiB limit; `npm run coverage` lifts it for that run only
      // (a test checks the real, uninstrumented sizes).
      allowUnlimitedContractSize: process.env.CINDER_COVERAGE === "1",
    },
    // A `hardhat node` on this machine (CINDER_NODE_URL overrides the default port, e.g. for integration tests).
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.CINDER_NODE_URL ?? "http://127.0.0.1:8545",
    },
    // Template for a public network. Secrets come from the environment or the
    // Hardhat keystore (`npx hardhat keystore set CINDER_DEPLOYER_KEY`); nothing is committed.
    public: {
      type: "http",
      chainType: "l1",
      url: configVariable("CINDER_RPC_URL"),
      accounts: [configVariable("CINDER_DEPLOYER_KEY")],
    },
  },
});
