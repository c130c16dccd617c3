/**
 * Device secrets are stored only as a slow hash (docs/devices.md): scrypt, in the libuv thread pool so the
 * event loop never waits on it. Format: `scrypt$log2N$r$p$saltB64$hashB64`, self-describing so the
 * cost can be raised later without invalidating stored secrets.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

function scryptAsync(secret: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1_048_576 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string, log2N: number): Promise<string> {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('secret must be a non-empty string');
  if (!Number.isInteger(log2N) || log2N < 1 || log2N > 24)
    throw new RangeError('log2N must be an integer 1..24');
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, log2N, R, P);
  return `scrypt$${log2N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check of a secret against a stored hash; false for a malformed stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 24) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(secret, salt, log2N, r, p);
  return timingSafeEqual(actual, expected);
}
