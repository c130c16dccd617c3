/** Ids, hex bytes and times as the domain's shapes write them: one pattern each, used by every schema. */
import { z } from 'zod';

/** Device, patient, flight and gateway ids: 1..64 of [A-Za-z0-9._-] (docs/devices.md). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1..64 of [A-Za-z0-9._-]');

/** `size` bytes as lowercase hex. */
export function hexBytes(size: number) {
  return z.string().regex(new RegExp(`^[0-9a-f]{${2 * size}}$`), `must be ${2 * size} lowercase hex digits`);
}

/** A SHA-256 hash, an Ed25519 public key: 32 bytes, hex. */
export const hex32Schema = hexBytes(32);
/** An Ed25519 signature: 64 bytes, hex. */
export const signatureHexSchema = hexBytes(64);

/** A time exactly as `Date.prototype.toISOString()` writes it (UTC, milliseconds, "Z"). */
export const isoTimeSchema = z
  .string()
  .max(40)
  .refine((s) => {
    const ms = Date.parse(s);
    return Number.isFinite(ms) && new Date(ms).toISOString() === s;
  }, 'must be an ISO-8601 UTC time as toISOString() writes it');
