/** Ed25519 signatures (gateway keys sign minute records and blocks): thin wrappers over @noble/curves. */
import { ed25519 } from '@noble/curves/ed25519.js';

export interface SigningKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateSigningKey(): SigningKey {
  return ed25519.keygen();
}

export function signingKeyFromSecret(secretKey: Uint8Array): SigningKey {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new TypeError('secretKey must be 32 bytes');
  }
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export function sign(message: Uint8Array, key: SigningKey): Uint8Array {
  return ed25519.sign(message, key.secretKey);
}

/** False (never an exception) for a malformed key or signature. */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return (
      signature.length === 64 && publicKey.length === 32 && ed25519.verify(signature, message, publicKey)
    );
  } catch {
    return false;
  }
}
