/**
 * `npm run gov:delegate|gov:propose|gov:vote|gov:queue|gov:execute -- --network localhost` with
 * CINDER_PROPOSAL=<file.json> (see proposals/example-unbonding.json): one step of a parameter change through the
 * Governor and the Timelock (gov:delegate makes the signer's CNDR count as votes, needs no proposal file).
 * The step is chosen by the npm script (CINDER_GOV_STEP); CINDER_VOTE is For, Against or Abstain (default For).
 * Each step prints the proposal's id and state; a step out of order says what the state allows.
 */
import { network } from "hardhat";
import { DeploymentError, loadDeployment } from "./lib/deployment.js";
import {
  delegateSelf,
  execute,
  GovernanceError,
  propose,
  proposalStatus,
  queue,
  readProposal,
  vote,
} from "./lib/governance.js";

const step = process.env.CINDER_GOV_STEP ?? "status";
const file = process.env.CINDER_PROPOSAL;
const SUPPORT = { Against: 0, For: 1, Abstain: 2 } as const;

try {
  const connection = await network.getOrCreate();
  if (connection.networkName === "default") {
    throw new GovernanceError("network", "governance steps need a persistent network: add `-- --network localhost`");
  }
  const [signer] = await connection.ethers.getSigners();
  const { chainId } = await connection.ethers.provider.getNetwork();
  const addresses = loadDeployment(chainId);
  if (step === "delegate") {
    const { account, votes } = await delegateSelf(addresses, signer);
    console.log(`delegate: ${account} now has ${connection.ethers.formatEther(votes)} votes`);
    process.exit(0);
  }
  if (file === undefined || file === "") throw new GovernanceError("CINDER_PROPOSAL", "set it to a proposal file");
  const spec = readProposal(file);
  const supportName = (process.env.CINDER_VOTE ?? "For") as keyof typeof SUPPORT;
  if (!(supportName in SUPPORT)) throw new GovernanceError("CINDER_VOTE", "must be For, Against or Abstain");
  const result =
    step === "propose"
      ? await propose(spec, addresses, signer)
      : step === "vote"
        ? await vote(spec, addresses, signer, SUPPORT[supportName])
        : step === "queue"
          ? await queue(spec, addresses, signer)
          : step === "execute"
            ? await execute(spec, addresses, signer)
            : await proposalStatus(spec, addresses, signer);
  console.log(`${step}: "${spec.description}"`);
  for (const [key, value] of Object.entries(result)) console.log(`  ${key.padEnd(10)} ${String(value)}`);
} catch (error) {
  const known = error instanceof GovernanceError || error instanceof DeploymentError;
  const message = known ? (error as Error).message : ((error as { shortMessage?: string }).shortMessage ?? String(error));
  console.error(`gov ${step} failed: ${message}`);
  process.exitCode = 1;
}
