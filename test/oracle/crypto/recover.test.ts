/**
 * Signature recovery (src/oracle/crypto/recover.ts): the native (libsecp256k1) and pure-JavaScript backends recover
 * exactly what viem's `recoverAddress` recovers, on random signatures and on the edge cases, and refuse what is not a
 * canonical Ethereum signature with a named `SignatureError`, never a crash. `CINDER_CRYPTO=js` forces the fallback.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Hex, bytesToHex, hexToBytes, keccak256, recoverAddress as viemRecoverAddress, toHex } from "viem";
import { generatePrivateKey, sign } from "viem/accounts";
import { SignatureError } from "../../../src/oracle/crypto/errors.js";
import { type SignatureRecovery, nativeRecoveryAvailable, signatureRecovery } from "../../../src/oracle/crypto/recover.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const word = (value: bigint) => value.toString(16).padStart(64, "0");
const withV = (signature: Hex, v: number) => hexToBytes(`${signature.slice(0, 130)}${v.toString(16).padStart(2, "0")}` as Hex);

function refusal(recovery: SignatureRecovery, digest: Uint8Array, signature: Uint8Array): string {
  try {
    recovery.recoverAddress(digest, signature);
  } catch (error) {
    expect(error).to.be.instanceOf(SignatureError);
    return (error as SignatureError).code;
  }
  return expect.fail("expected a SignatureError");
}

async function signed(i: number): Promise<{ digest: Hex; signature: Hex; address: Hex }> {
  const digest = keccak256(toHex(`digest ${i}`));
  const signature = await sign({ hash: digest, privateKey: generatePrivateKey(), to: "hex" });
  return { digest, signature, address: (await viemRecoverAddress({ hash: digest, signature })).toLowerCase() as Hex };
}

describe("signature recovery", () => {
  it("loads the native backend here (the optional dependency is installed)", () => {
    expect(nativeRecoveryAvailable()).to.equal(true);
    expect(signatureRecovery("native").backend).to.equal("native");
  });

  for (const backend of ["native", "js"] as const) {
    describe(`the ${backend} backend`, () => {
      const recovery = () => signatureRecovery(backend);

      it("recovers the address viem recovers from random signatures, with v as 27/28 and as 0/1", async function () {
        this.timeout(60_000);
        for (let i = 0; i < 40; i++) {
          const { digest, signature, address } = await signed(i);
          const v = Number.parseInt(signature.slice(130), 16);
          expect(bytesToHex(recovery().recoverAddress(hexToBytes(digest), hexToBytes(signature)))).to.equal(address);
          expect(bytesToHex(recovery().recoverAddress(hexToBytes(digest), withV(signature, v - 27)))).to.equal(address);
        }
      });

      it("recovers the public key viem's signer has", async () => {
        const { digest, signature, address } = await signed(99);
        const key = recovery().recoverPublicKey(hexToBytes(digest), hexToBytes(signature));
        expect(key).to.have.length(64);
        expect(`0x${keccak256(bytesToHex(key)).slice(26)}`).to.equal(address);
      });

      it("refuses a high-s (malleated) copy, and recovers it as viem does when allowed", async () => {
        const { digest, signature, address } = await signed(7);
        const s = BigInt(`0x${signature.slice(66, 130)}`);
        const v = Number.parseInt(signature.slice(130), 16) === 27 ? 28 : 27;
        const malleated = `${signature.slice(0, 66)}${word(N - s)}${v.toString(16)}` as Hex;
        expect(refusal(recovery(), hexToBytes(digest), hexToBytes(malleated))).to.equal("high-s");
        expect((await viemRecoverAddress({ hash: digest, signature: malleated })).toLowerCase()).to.equal(address);
        expect(bytesToHex(recovery().recoverAddress(hexToBytes(digest), hexToBytes(malleated), { allowHighS: true }))).to.equal(address);
      });

      it("refuses r or s outside [1, n), a bad v and wrong lengths by name", async () => {
        const { digest, signature } = await signed(3);
        const d = hexToBytes(digest);
        const r = signature.slice(2, 66);
        const s = signature.slice(66, 130);
        const v = signature.slice(130);
        const sig = (rr: string, ss: string, vv = v) => hexToBytes(`0x${rr}${ss}${vv}` as Hex);
        expect(refusal(recovery(), d, sig(word(0n), s))).to.equal("bad-r");
        expect(refusal(recovery(), d, sig(word(N), s))).to.equal("bad-r");
        expect(refusal(recovery(), d, sig("ff".repeat(32), s))).to.equal("bad-r");
        expect(refusal(recovery(), d, sig(r, word(0n)))).to.equal("bad-s");
        expect(refusal(recovery(), d, sig(r, word(N)))).to.equal("bad-s");
        for (const bad of ["02", "1d", "25", "ff"]) expect(refusal(recovery(), d, sig(r, s, bad))).to.equal("bad-v");
        expect(refusal(recovery(), d, hexToBytes(signature).subarray(0, 64))).to.equal("bad-length");
        expect(refusal(recovery(), d, new Uint8Array(66))).to.equal("bad-length");
        expect(refusal(recovery(), d.subarray(0, 31), hexToBytes(signature))).to.equal("bad-length");
        expect(refusal(recovery(), "0x00" as unknown as Uint8Array, hexToBytes(signature))).to.equal("bad-length");
        // viem refuses the same out-of-range values.
        for (const bad of [`0x${word(0n)}${s}${v}`, `0x${r}${word(N)}${v}`] as Hex[]) {
          let refused = false;
          await viemRecoverAddress({ hash: digest, signature: bad }).catch(() => (refused = true));
          expect(refused, bad).to.equal(true);
        }
      });

      it("refuses an r that is no curve point's x-coordinate as no-key, as viem does", async () => {
        const pow = (b: bigint, e: bigint) => {
          let result = 1n;
          for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) result = (result * b) % P;
          return result;
        };
        let x = 1n;
        while (pow(x ** 3n + 7n, (P - 1n) / 2n) === 1n) x++;
        const { digest, signature } = await signed(5);
        const bad = `0x${word(x)}${signature.slice(66)}` as Hex;
        expect(refusal(recovery(), hexToBytes(digest), hexToBytes(bad))).to.equal("no-key");
        let refused = false;
        await viemRecoverAddress({ hash: digest, signature: bad }).catch(() => (refused = true));
        expect(refused).to.equal(true);
      });
    });
  }

  it("refuses an unknown backend by name", () => {
    expect(() => signatureRecovery("gpu" as "js")).to.throw(SignatureError, 'bad-backend: backend must be "native", "js" or "auto", got "gpu"');
  });

  it("uses the pure-JavaScript backends everywhere when CINDER_CRYPTO=js", async function () {
    this.timeout(60_000);
    const script = [
      'const { SIGNATURE_BACKEND, recoverAddress } = await import("./src/oracle/crypto/recover.ts");',
      'const { keccakBackend } = await import("./src/protocol/keccak.ts");',
      "console.log(JSON.stringify({ backend: SIGNATURE_BACKEND, keccak: keccakBackend() }));",
    ].join("\n");
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...process.env, CINDER_CRYPTO: "js" } });
    expect(JSON.parse(stdout)).to.deep.equal({ backend: { name: "js", detail: "pure JavaScript, forced by CINDER_CRYPTO=js" }, keccak: "js" });
  });
});
