import { expect } from "chai";
import { Signature, TypedDataEncoder, verifyTypedData } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { DEFAULT_ACCESS_DELAY } from "../../../deploy/config.js";
import { CinderAccessManager__factory, CinderToken__factory } from "../../../types/ethers-contracts/index.js";
import { connectCinder, ONE, STARTING_BALANCE, type Cinder } from "../../helpers/fixture.js";

const { loadCinder } = await connectCinder();

const GENESIS_SUPPLY = 100_000_000n * ONE;
const MAX_SUPPLY = 1_000_000_000n * ONE;
const MINT_WINDOW = 3_600n;
const MAX_MINT_PER_WINDOW = 100_000n * ONE;
/** Accounts the fixture funds from the treasury: 4 providers, 5 delegators, the rewarder and the stranger. */
const FUNDED_ACCOUNTS = 11n;
const UINT192_MAX = (1n << 192n) - 1n;

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

const DELEGATION_TYPES = {
  Delegation: [
    { name: "delegatee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

async function domainOf(c: Cinder) {
  const { chainId } = await c.ethers.provider.getNetwork();
  return { name: "Cinder", version: "1", chainId, verifyingContract: await c.token.getAddress() };
}

/** The wired minter, the EmissionController, as the fixture's signer for its address (no role can mint). */
async function grantMinter(c: Cinder): Promise<HardhatEthersSigner> {
  expect(await c.token.minter()).to.equal(c.rewarder.address);
  return c.rewarder;
}

/** Sets the next block's timestamp to `offset` seconds into the next mint window and returns that timestamp. */
async function atNextWindow(c: Cinder, offset = 0n): Promise<bigint> {
  const now = BigInt(await c.networkHelpers.time.latest());
  const timestamp = (now / MINT_WINDOW + 1n) * MINT_WINDOW + offset;
  await c.networkHelpers.time.setNextBlockTimestamp(timestamp);
  return timestamp;
}

describe("CinderToken metadata", function () {
  it("is named Cinder (CNDR) with 18 decimals and the deployed caps", async function () {
    const c = await loadCinder();
    expect(await c.token.name()).to.equal("Cinder");
    expect(await c.token.symbol()).to.equal("CNDR");
    expect(await c.token.decimals()).to.equal(18n);
    expect(await c.token.MAX_SUPPLY()).to.equal(MAX_SUPPLY);
    expect(await c.token.MINT_WINDOW()).to.equal(MINT_WINDOW);
    expect(await c.token.MAX_MINT_PER_WINDOW()).to.equal(MAX_MINT_PER_WINDOW);
    expect(await c.token.authority()).to.equal(await c.manager.getAddress());
  });

  it("exposes an EIP-712 domain named Cinder, version 1", async function () {
    const c = await loadCinder();
    const domain = await domainOf(c);
    const reported = await c.token.eip712Domain();
    expect(reported.name).to.equal("Cinder");
    expect(reported.version).to.equal("1");
    expect(reported.chainId).to.equal(domain.chainId);
    expect(reported.verifyingContract).to.equal(domain.verifyingContract);
    expect(await c.token.DOMAIN_SEPARATOR()).to.equal(TypedDataEncoder.hashDomain(domain));
  });
});

describe("CinderToken genesis", function () {
  it("mints the genesis supply to the treasury once, at deployment", async function () {
    const c = await loadCinder();
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY);
    // The treasury (the deployer on the local network) seeded the Uniswap pool with 1,000,000 CNDR and funded the
    // fixture's accounts from the genesis supply.
    const poolSeed = 1_000_000n * 10n ** 18n;
    expect(await c.token.balanceOf(c.deployer.address)).to.equal(
      GENESIS_SUPPLY - poolSeed - FUNDED_ACCOUNTS * STARTING_BALANCE,
    );
    expect(await c.token.balanceOf(c.stranger.address)).to.equal(STARTING_BALANCE);
    expect(await c.token.mintedInCurrentWindow()).to.equal(0n);
  });
});

describe("CinderToken.permit", function () {
  it("sets the allowance from an owner's signature and bumps the owner's nonce", async function () {
    const c = await loadCinder();
    const [owner, spender] = c.delegators;
    const value = 1_234n * ONE;
    const deadline = BigInt(await c.networkHelpers.time.latest()) + 3_600n;
    const nonce = await c.token.nonces(owner.address);
    expect(nonce).to.equal(0n);
    const sig = Signature.from(
      await owner.signTypedData(await domainOf(c), PERMIT_TYPES, {
        owner: owner.address,
        spender: spender.address,
        value,
        nonce,
        deadline,
      }),
    );

    // Anyone may submit the permit: here the stranger pays the gas.
    await expect(
      c.token.connect(c.stranger).permit(owner.address, spender.address, value, deadline, sig.v, sig.r, sig.s),
    )
      .to.emit(c.token, "Approval")
      .withArgs(owner.address, spender.address, value);
    expect(await c.token.allowance(owner.address, spender.address)).to.equal(value);
    expect(await c.token.nonces(owner.address)).to.equal(1n);

    await expect(
      c.token.connect(spender).transferFrom(owner.address, spender.address, value),
    ).to.changeTokenBalances(c.ethers, c.token, [owner, spender], [-value, value]);
  });

  it("rejects a permit past its deadline with ERC2612ExpiredSignature", async function () {
    const c = await loadCinder();
    const [owner, spender] = c.delegators;
    const deadline = BigInt(await c.networkHelpers.time.latest()) + 60n;
    const sig = Signature.from(
      await owner.signTypedData(await domainOf(c), PERMIT_TYPES, {
        owner: owner.address,
        spender: spender.address,
        value: ONE,
        nonce: 0n,
        deadline,
      }),
    );
    await c.networkHelpers.time.increase(61);
    await expect(c.token.permit(owner.address, spender.address, ONE, deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(c.token, "ERC2612ExpiredSignature")
      .withArgs(deadline);
    expect(await c.token.nonces(owner.address)).to.equal(0n);
  });

  it("rejects a permit signed by someone other than the owner with ERC2612InvalidSigner", async function () {
    const c = await loadCinder();
    const [owner, spender, forger] = c.delegators;
    const deadline = BigInt(await c.networkHelpers.time.latest()) + 3_600n;
    const sig = Signature.from(
      await forger.signTypedData(await domainOf(c), PERMIT_TYPES, {
        owner: owner.address,
        spender: spender.address,
        value: ONE,
        nonce: 0n,
        deadline,
      }),
    );
    await expect(c.token.permit(owner.address, spender.address, ONE, deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(forger.address, owner.address);
    expect(await c.token.allowance(owner.address, spender.address)).to.equal(0n);
  });

  it("rejects a replayed permit: the used nonce recovers another signer", async function () {
    const c = await loadCinder();
    const [owner, spender] = c.delegators;
    const deadline = BigInt(await c.networkHelpers.time.latest()) + 3_600n;
    const domain = await domainOf(c);
    const message = { owner: owner.address, spender: spender.address, value: ONE, nonce: 0n, deadline };
    const raw = await owner.signTypedData(domain, PERMIT_TYPES, message);
    const sig = Signature.from(raw);
    await c.token.permit(owner.address, spender.address, ONE, deadline, sig.v, sig.r, sig.s);

    // The contract now hashes nonce 1, so the same signature recovers an unrelated address.
    const recovered = verifyTypedData(domain, PERMIT_TYPES, { ...message, nonce: 1n }, raw);
    await expect(c.token.permit(owner.address, spender.address, ONE, deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(recovered, owner.address);
    expect(await c.token.nonces(owner.address)).to.equal(1n);
  });
});

describe("CinderToken votes", function () {
  it("runs on a timestamp clock", async function () {
    const c = await loadCinder();
    expect(await c.token.CLOCK_MODE()).to.equal("mode=timestamp");
    const clock = await c.token.clock();
    const latest = BigInt(await c.networkHelpers.time.latest());
    // A call runs in the context of the latest block, or of the pending one just after it.
    expect(clock).to.be.gte(latest);
    expect(clock).to.be.lte(latest + 1n);
    await c.networkHelpers.time.increase(1_000);
    expect(await c.token.clock()).to.be.gte(latest + 1_000n);
  });

  it("counts no votes until the holder delegates", async function () {
    const c = await loadCinder();
    const holder = c.delegators[0];
    expect(await c.token.balanceOf(holder.address)).to.equal(STARTING_BALANCE);
    expect(await c.token.getVotes(holder.address)).to.equal(0n);
    expect(await c.token.delegates(holder.address)).to.equal(c.ethers.ZeroAddress);
  });

  it("gives a self-delegating holder votes equal to its balance", async function () {
    const c = await loadCinder();
    const holder = c.delegators[0];
    await expect(c.token.connect(holder).delegate(holder.address))
      .to.emit(c.token, "DelegateChanged")
      .withArgs(holder.address, c.ethers.ZeroAddress, holder.address)
      .and.to.emit(c.token, "DelegateVotesChanged")
      .withArgs(holder.address, 0n, STARTING_BALANCE);
    expect(await c.token.delegates(holder.address)).to.equal(holder.address);
    expect(await c.token.getVotes(holder.address)).to.equal(STARTING_BALANCE);
  });

  it("moves votes with transfers and keeps past votes by timestamp", async function () {
    const c = await loadCinder();
    const [holder, delegatee, receiver] = c.delegators;
    await c.token.connect(holder).delegate(delegatee.address);
    const delegatedAt = BigInt(await c.networkHelpers.time.latest());
    await c.networkHelpers.time.increase(100);

    const sent = 400_000n * ONE;
    await expect(c.token.connect(holder).transfer(receiver.address, sent))
      .to.emit(c.token, "DelegateVotesChanged")
      .withArgs(delegatee.address, STARTING_BALANCE, STARTING_BALANCE - sent);
    const transferredAt = BigInt(await c.networkHelpers.time.latest());
    await c.networkHelpers.time.increase(10);

    expect(await c.token.getVotes(delegatee.address)).to.equal(STARTING_BALANCE - sent);
    expect(await c.token.getPastVotes(delegatee.address, delegatedAt - 1n)).to.equal(0n);
    expect(await c.token.getPastVotes(delegatee.address, delegatedAt)).to.equal(STARTING_BALANCE);
    expect(await c.token.getPastVotes(delegatee.address, transferredAt - 1n)).to.equal(STARTING_BALANCE);
    expect(await c.token.getPastVotes(delegatee.address, transferredAt)).to.equal(STARTING_BALANCE - sent);
    // The receiver has not delegated: its tokens count for no one.
    expect(await c.token.getVotes(receiver.address)).to.equal(0n);
    expect(await c.token.getPastTotalSupply(transferredAt)).to.equal(GENESIS_SUPPLY);
  });

  it("rejects a lookup of votes at a future timestamp with ERC5805FutureLookup", async function () {
    const c = await loadCinder();
    await c.networkHelpers.mine();
    const future = BigInt(await c.networkHelpers.time.latest()) + 1_000n;
    const clock = await c.token.clock();
    await expect(c.token.getPastVotes(c.deployer.address, future))
      .to.be.revertedWithCustomError(c.token, "ERC5805FutureLookup")
      .withArgs(future, clock);
  });

  it("delegates by signature and spends the signer's nonce", async function () {
    const c = await loadCinder();
    const [holder, delegatee] = c.delegators;
    const expiry = BigInt(await c.networkHelpers.time.latest()) + 3_600n;
    const sig = Signature.from(
      await holder.signTypedData(await domainOf(c), DELEGATION_TYPES, {
        delegatee: delegatee.address,
        nonce: 0n,
        expiry,
      }),
    );
    await expect(c.token.connect(c.stranger).delegateBySig(delegatee.address, 0n, expiry, sig.v, sig.r, sig.s))
      .to.emit(c.token, "DelegateChanged")
      .withArgs(holder.address, c.ethers.ZeroAddress, delegatee.address);
    expect(await c.token.getVotes(delegatee.address)).to.equal(STARTING_BALANCE);
    expect(await c.token.nonces(holder.address)).to.equal(1n);
    await expect(c.token.delegateBySig(delegatee.address, 0n, expiry, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(c.token, "InvalidAccountNonce")
      .withArgs(holder.address, 1n);
  });
});

describe("CinderToken.burn", function () {
  it("burns the caller's tokens and lowers the supply and its votes", async function () {
    const c = await loadCinder();
    const holder = c.delegators[0];
    await c.token.connect(holder).delegate(holder.address);
    const amount = 250n * ONE;
    const tx = c.token.connect(holder).burn(amount);
    await expect(tx).to.emit(c.token, "Transfer").withArgs(holder.address, c.ethers.ZeroAddress, amount);
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [holder], [-amount]);
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY - amount);
    expect(await c.token.getVotes(holder.address)).to.equal(STARTING_BALANCE - amount);
  });

  it("rejects burning more than the balance with ERC20InsufficientBalance", async function () {
    const c = await loadCinder();
    const holder = c.delegators[0];
    await expect(c.token.connect(holder).burn(STARTING_BALANCE + 1n))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientBalance")
      .withArgs(holder.address, STARTING_BALANCE, STARTING_BALANCE + 1n);
  });
});

describe("CinderToken.burnFrom", function () {
  it("burns from an owner within the caller's allowance", async function () {
    const c = await loadCinder();
    const [owner, spender] = c.delegators;
    const amount = 75n * ONE;
    await c.token.connect(owner).approve(spender.address, amount * 2n);
    const tx = c.token.connect(spender).burnFrom(owner.address, amount);
    await expect(tx).to.emit(c.token, "Transfer").withArgs(owner.address, c.ethers.ZeroAddress, amount);
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [owner, spender], [-amount, 0n]);
    expect(await c.token.allowance(owner.address, spender.address)).to.equal(amount);
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY - amount);
  });

  it("rejects a burn beyond the allowance with ERC20InsufficientAllowance", async function () {
    const c = await loadCinder();
    const [owner, spender] = c.delegators;
    await c.token.connect(owner).approve(spender.address, ONE);
    await expect(c.token.connect(spender).burnFrom(owner.address, ONE + 1n))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(spender.address, ONE, ONE + 1n);
  });
});

describe("CinderToken.mint", function () {
  it("mints to the recipient for the MINTER role and emits EmissionMinted", async function () {
    const c = await loadCinder();
    const minter = await grantMinter(c);
    const to = c.providers[0];
    const amount = 5_000n * ONE;
    const timestamp = await atNextWindow(c, 10n);
    const window = timestamp / MINT_WINDOW;
    const tx = c.token.connect(minter).mint(to.address, amount);
    await expect(tx)
      .to.emit(c.token, "EmissionMinted")
      .withArgs(to.address, amount, window, amount)
      .and.to.emit(c.token, "Transfer")
      .withArgs(c.ethers.ZeroAddress, to.address, amount);
    await expect(tx).to.changeTokenBalances(c.ethers, c.token, [to, minter], [amount, 0n]);
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY + amount);
    expect(await c.token.mintedInCurrentWindow()).to.equal(amount);
  });

  it("adds up the mints of one window", async function () {
    const c = await loadCinder();
    const minter = await grantMinter(c);
    const timestamp = await atNextWindow(c);
    const window = timestamp / MINT_WINDOW;
    await c.token.connect(minter).mint(c.providers[0].address, 10n * ONE);
    await expect(c.token.connect(minter).mint(c.providers[1].address, 32n * ONE))
      .to.emit(c.token, "EmissionMinted")
      .withArgs(c.providers[1].address, 32n * ONE, window, 42n * ONE);
    expect(await c.token.mintedInCurrentWindow()).to.equal(42n * ONE);
  });

  it("rejects every caller but the wired minter with CinderTokenNotMinter, governance included", async function () {
    const c = await loadCinder();
    for (const caller of [c.stranger, c.deployer, c.guardian, c.slasher, c.governance]) {
      await expect(c.token.connect(caller).mint(caller.address, ONE))
        .to.be.revertedWithCustomError(c.token, "CinderTokenNotMinter")
        .withArgs(caller.address);
    }
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY);
  });

  it("rejects a mint above the supply cap with CinderTokenSupplyCapExceeded", async function () {
    const c = await loadCinder();
    const minter = await grantMinter(c);
    const room = MAX_SUPPLY - GENESIS_SUPPLY;
    await expect(c.token.connect(minter).mint(minter.address, room + 1n))
      .to.be.revertedWithCustomError(c.token, "CinderTokenSupplyCapExceeded")
      .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY);
  });

  it("rejects a mint above the window cap with CinderTokenWindowCapExceeded", async function () {
    const c = await loadCinder();
    const minter = await grantMinter(c);
    await atNextWindow(c);
    await expect(c.token.connect(minter).mint(minter.address, MAX_MINT_PER_WINDOW + 1n))
      .to.be.revertedWithCustomError(c.token, "CinderTokenWindowCapExceeded")
      .withArgs(MAX_MINT_PER_WINDOW + 1n, MAX_MINT_PER_WINDOW);

    await atNextWindow(c);
    await c.token.connect(minter).mint(minter.address, MAX_MINT_PER_WINDOW - ONE);
    await expect(c.token.connect(minter).mint(minter.address, ONE + 1n))
      .to.be.revertedWithCustomError(c.token, "CinderTokenWindowCapExceeded")
      .withArgs(MAX_MINT_PER_WINDOW + 1n, MAX_MINT_PER_WINDOW);
    // Exactly the cap is allowed.
    await expect(c.token.connect(minter).mint(minter.address, ONE)).to.changeTokenBalances(
      c.ethers,
      c.token,
      [minter],
      [ONE],
    );
    expect(await c.token.mintedInCurrentWindow()).to.equal(MAX_MINT_PER_WINDOW);
  });

  it("resets the window cap after MINT_WINDOW", async function () {
    const c = await loadCinder();
    const minter = await grantMinter(c);
    const start = await atNextWindow(c);
    await c.token.connect(minter).mint(minter.address, MAX_MINT_PER_WINDOW);
    expect(await c.token.mintedInCurrentWindow()).to.equal(MAX_MINT_PER_WINDOW);

    await c.networkHelpers.time.increase(MINT_WINDOW);
    expect(await c.token.mintedInCurrentWindow()).to.equal(0n);
    const next = BigInt(await c.networkHelpers.time.latest()) + 1n;
    await c.networkHelpers.time.setNextBlockTimestamp(next);
    expect(next / MINT_WINDOW).to.equal(start / MINT_WINDOW + 1n);
    await expect(c.token.connect(minter).mint(minter.address, MAX_MINT_PER_WINDOW))
      .to.emit(c.token, "EmissionMinted")
      .withArgs(minter.address, MAX_MINT_PER_WINDOW, next / MINT_WINDOW, MAX_MINT_PER_WINDOW);
    expect(await c.token.totalSupply()).to.equal(GENESIS_SUPPLY + 2n * MAX_MINT_PER_WINDOW);
  });

  it("stops at the supply cap even with room left in the window", async function () {
    const c = await loadCinder();
    // A token near its cap, its minter wired once (by a fresh AccessManager's admin, as the deployment does) to admin.
    const admin = c.deployer;
    const manager = await new CinderAccessManager__factory(admin).deploy(admin.address, DEFAULT_ACCESS_DELAY);
    const max = 1_000n * ONE;
    const token = await new CinderToken__factory(admin).deploy(
      await manager.getAddress(),
      admin.address,
      max - 10n * ONE,
      max,
      MINT_WINDOW,
      100n * ONE,
    );
    await expect(token.mint(admin.address, ONE)).to.be.revertedWithCustomError(token, "CinderTokenNotMinter").withArgs(admin.address);
    await expect(token.setMinter(admin.address)).to.emit(token, "MinterSet").withArgs(admin.address);
    await expect(token.setMinter(c.stranger.address))
      .to.be.revertedWithCustomError(token, "CinderTokenMinterAlreadySet")
      .withArgs(admin.address);
    await expect(token.mint(admin.address, 10n * ONE + 1n))
      .to.be.revertedWithCustomError(token, "CinderTokenSupplyCapExceeded")
      .withArgs(max + 1n, max);
    await expect(token.mint(admin.address, 10n * ONE)).to.changeTokenBalances(
      c.ethers,
      token,
      [admin],
      [10n * ONE],
    );
    expect(await token.totalSupply()).to.equal(max);
    await expect(token.mint(admin.address, 1n))
      .to.be.revertedWithCustomError(token, "CinderTokenSupplyCapExceeded")
      .withArgs(max + 1n, max);
  });
});

describe("CinderToken constructor", function () {
  async function deploy(
    c: Cinder,
    overrides: Partial<{ genesis: bigint; max: bigint; window: bigint; perWindow: bigint }> = {},
  ) {
    const factory = new CinderToken__factory(c.deployer);
    return {
      factory,
      tx: factory.deploy(
        await c.manager.getAddress(),
        c.deployer.address,
        overrides.genesis ?? GENESIS_SUPPLY,
        overrides.max ?? MAX_SUPPLY,
        overrides.window ?? MINT_WINDOW,
        overrides.perWindow ?? MAX_MINT_PER_WINDOW,
      ),
    };
  }

  it("accepts the widest bounds: a uint192 cap and a one-year window", async function () {
    const c = await loadCinder();
    const { tx } = await deploy(c, { max: UINT192_MAX, window: 365n * 86_400n, perWindow: UINT192_MAX });
    const token = await tx;
    expect(await token.MAX_SUPPLY()).to.equal(UINT192_MAX);
    expect(await token.MINT_WINDOW()).to.equal(365n * 86_400n);
    expect(await token.balanceOf(c.deployer.address)).to.equal(GENESIS_SUPPLY);
  });

  it("rejects a cap above uint192 with CinderTokenInvalidParameter", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { max: UINT192_MAX + 1n });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderTokenInvalidParameter")
      .withArgs("maxSupply", UINT192_MAX + 1n);
  });

  it("rejects a genesis supply above the cap with CinderTokenSupplyCapExceeded", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { genesis: MAX_SUPPLY + 1n });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderTokenSupplyCapExceeded")
      .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY);
  });

  it("rejects a zero mint window with CinderTokenInvalidParameter", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { window: 0n });
    await expect(tx).to.be.revertedWithCustomError(factory, "CinderTokenInvalidParameter").withArgs("mintWindow", 0n);
  });

  it("rejects a mint window longer than a year with CinderTokenInvalidParameter", async function () {
    const c = await loadCinder();
    const tooLong = 365n * 86_400n + 1n;
    const { factory, tx } = await deploy(c, { window: tooLong });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderTokenInvalidParameter")
      .withArgs("mintWindow", tooLong);
  });

  it("rejects a window cap above the supply cap with CinderTokenInvalidParameter", async function () {
    const c = await loadCinder();
    const { factory, tx } = await deploy(c, { perWindow: MAX_SUPPLY + 1n });
    await expect(tx)
      .to.be.revertedWithCustomError(factory, "CinderTokenInvalidParameter")
      .withArgs("maxMintPerWindow", MAX_SUPPLY + 1n);
  });
});
