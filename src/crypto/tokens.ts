/**
 * Bearer tokens and device secrets are 256-bit random strings. Tokens are stored as SHA-256: with that
 * much entropy a fast hash is as safe as a slow one, and every API request can check it cheaply.
 */
import { createHash, randomBytes } from 'node:crypto';

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
