/**
 * XChaCha20-Poly1305 of a sealed page, in the layout of crypto/aead.ts (`nonce || ciphertext || tag`) and
 * with the same bytes for the same nonce, through node:crypto's ChaCha20-Poly1305: about ten times faster
 * than the JavaScript cipher for a page. XChaCha20 is HChaCha20 of the key and the nonce's first 16 bytes
 * as the key, the last 8 bytes (after 4 zero bytes) as the nonce (draft-irtf-cfrg-xchacha §2.3).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { hchacha } from '@noble/ciphers/chacha.js';
import { encrypt } from '../crypto/aead.ts';

const NONCE_BYTES = 24;
const TAG_BYTES = 16;
// "expand 32-byte k", as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
// The word views below read bytes in the platform's order; HChaCha20 wants little-endian.
const LITTLE_ENDIAN = endianness() === 'LE';

export function encryptPage(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, nonce?: Uint8Array) {
  if (!LITTLE_ENDIAN) return encrypt(key, plaintext, aad);
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError('key must be 32 bytes');
  const n = nonce ?? new Uint8Array(randomBytes(NONCE_BYTES));
  if (n.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  const subkey = new Uint32Array(8);
  hchacha(SIGMA, new Uint32Array(key.slice().buffer), new Uint32Array(n.slice(0, 16).buffer), subkey);
  const iv = new Uint8Array(12);
  iv.set(n.subarray(16), 4);
  const cipher = createCipheriv('chacha20-poly1305', new Uint8Array(subkey.buffer), iv, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const out = new Uint8Array(NONCE_BYTES + plaintext.length + TAG_BYTES);
  out.set(n, 0);
  const body = cipher.update(plaintext);
  out.set(body, NONCE_BYTES);
  const rest = cipher.final();
  out.set(rest, NONCE_BYTES + body.length);
  out.set(cipher.getAuthTag(), NONCE_BYTES + body.length + rest.length);
  return out;
}
