/** The native libsecp256k1 binding (`secp256k1/bindings`), as far as the keeper benchmark's set-up uses it. */
declare module "secp256k1/bindings" {
  const secp256k1: {
    ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  };
  export default secp256k1;
}
