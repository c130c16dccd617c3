/** Test helpers: hex at the edges, a seeded generator so that a failing random case can be replayed. */

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** mulberry32: small, seeded, good enough to pick sizes and bytes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/**
 * `count` leaves of random length minLength..maxLength. Short leaves repeat (two empty leaves have the same
 * hash, and then one leaf's proof is also the other's): tamper tests ask for a minLength that rules it out.
 */
export function randomLeaves(next: () => number, count: number, maxLength = 40, minLength = 0): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    leaves.push(randomBytes(next, minLength + Math.floor(next() * (maxLength - minLength + 1))));
  }
  return leaves;
}

/** A copy of `hash` with one bit flipped. */
export function flipBit(hash: Uint8Array, bit: number): Uint8Array {
  const copy = hash.slice();
  const byte = bit >>> 3;
  copy[byte] = copy[byte]! ^ (1 << (bit & 7));
  return copy;
}
