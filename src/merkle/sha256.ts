import { hash } from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * The SHA-256 backend (docs/proofs.md: node:crypto or @noble/hashes, whichever measures faster; both must agree).
 *
 * node:crypto's one-shot `hash()` wins, but only when asked for a `latin1` string: a `Buffer` result costs an
 * external allocation per call that the GC makes dearer than the hashing itself (bench/merkle.ts prints the
 * figures for every variant). A latin1 string lives on the young heap and maps one char to one byte.
 */
export function sha256Into(data: Uint8Array, out: Uint8Array, outOffset: number): void {
  const digest = hash('sha256', data, 'binary'); // 'binary' is Node's name for latin1
  for (let i = 0; i < 32; i++) out[outOffset + i] = digest.charCodeAt(i);
}

/** SHA-256 of `data` as a new 32-byte array. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256Into(data, out, 0);
  return out;
}

/** The @noble/hashes backend, kept to cross-check the bytes and for the benchmark. */
export function sha256Noble(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
