import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { encryptPage } from '../../../src/batches/page-cipher.ts';
import { decrypt } from '../../../src/crypto/aead.ts';

test('encryptPage gives the bytes of the noble XChaCha20-Poly1305 for the same nonce', () => {
  for (const size of [0, 1, 63, 64, 65, 1000, 300_000]) {
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const aad = new Uint8Array(randomBytes(size % 40));
    const plaintext = new Uint8Array(randomBytes(size));
    const box = encryptPage(key, plaintext, aad, nonce);
    const expected = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
    assert.deepEqual(box.subarray(0, 24), nonce);
    assert.deepEqual(box.subarray(24), expected, `size ${size}`);
    assert.deepEqual(decrypt(key, encryptPage(key, plaintext, aad), aad), plaintext);
  }
});
