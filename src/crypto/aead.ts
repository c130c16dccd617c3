/**
 * Authenticated encryption of sealed batches: XChaCha20-Poly1305 (@noble/ciphers), a random 24-byte nonce
 * per message, prepended to the ciphertext. The associated data binds a ciphertext to where it belongs.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

const NONCE_BYTES = 24;

export function encrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key);
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, NONCE_BYTES);
  return out;
}

/** Throws if the key is wrong or anything was altered. */
export function decrypt(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key);
  if (!(box instanceof Uint8Array) || box.length < NONCE_BYTES + 16)
    throw new RangeError('ciphertext too short');
  return xchacha20poly1305(key, box.subarray(0, NONCE_BYTES), aad).decrypt(box.subarray(NONCE_BYTES));
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError('key must be 32 bytes');
}
