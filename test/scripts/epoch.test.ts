import { expect } from "chai";
import { runEpochClose } from "../../scripts/lib/epochs.js";
import { shareOf } from "../../src/economics/emissions.js";
import { connectCinder, onboardProvider, USD } from "../helpers/fixture.js";
import { HOUR, nextEpochStart, Payer } from "../helpers/emissions.js";

const { loadCinder } = await connectCinder();

describe("scripts: epoch keeper step (runEpochClose)", function () {
  it("waits for an epoch that has not ended and for a short TWAP window, then closes and settles every provider", async function () {
    const c = await loadCinder();
    const [p0, p1] = [c.providers[0]!, c.providers[1]!];
    await onboardProvider(c, p0);
    await onboardProvider(c, p1);
    const controller = await c.emissions.getAddress();
    const payer = new Payer(c);
    const { epoch, t } = await nextEpochStart(c);
    await payer.pay(p0, 3_000n * USD, { redeemAt: (epoch + 1n) * HOUR - 600n });
    await payer.pay(p1, 1_000n * USD);

    const early = await runEpochClose({ controller, signer: c.stranger, epoch });
    expect(early).to.deep.equal({ status: "waiting", epoch, reason: `epoch ${epoch} has not ended`, readyAt: (epoch + 1n) * HOUR });

    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 10n);
    const young = await runEpochClose({ controller, signer: c.stranger });
    expect(young).to.deep.include({ status: "waiting", epoch, readyAt: (epoch + 1n) * HOUR - 600n + 1_800n });

    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1_300n);
    const closed = await runEpochClose({ controller, signer: c.stranger });
    if (closed.status !== "closed") throw new Error(`expected a close, got ${JSON.stringify(closed)}`);
    expect(closed).to.deep.include({ epoch, revenue: 4_000n * USD, fees: 40n * USD, bound: "RevenueRate" });
    const byProvider = Object.fromEntries(closed.rewards.map((r) => [r.provider, r]));
    expect(byProvider[p0.address]).to.deep.equal({ provider: p0.address, revenue: 3_000n * USD, reward: shareOf(3_000n * USD, 4_000n * USD, closed.budget) });
    expect(byProvider[p1.address]!.reward).to.equal(shareOf(1_000n * USD, 4_000n * USD, closed.budget));
    expect(await c.emissions.isSettled(p0.address, epoch)).to.equal(true);
    expect(await c.emissions.isSettled(p1.address, epoch)).to.equal(true);
    expect(t).to.equal(epoch * HOUR);

    const again = await runEpochClose({ controller, signer: c.stranger, epoch });
    expect(again).to.deep.include({ status: "already-closed", budget: closed.budget });
  });

  it("closes an empty epoch with no rewards and names an epoch before the controller", async function () {
    const c = await loadCinder();
    const controller = await c.emissions.getAddress();
    const { epoch } = await nextEpochStart(c);
    await c.networkHelpers.time.increaseTo((epoch + 1n) * HOUR + 1n);
    const result = await runEpochClose({ controller, signer: c.stranger });
    expect(result).to.deep.include({ status: "closed", epoch, revenue: 0n, budget: 0n, bound: "NoRevenue", rewards: [] });
    const genesis = await c.emissions.GENESIS_EPOCH();
    let message = "";
    await runEpochClose({ controller, signer: c.stranger, epoch: genesis - 1n }).catch((e: Error) => (message = e.message));
    expect(message).to.equal(`epoch ${genesis - 1n} precedes the controller's first epoch ${genesis}`);
  });
});
