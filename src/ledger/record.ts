/** Signed minute records as ledger transactions (SPEC §3, §4): their shape, key and leaf bytes. */
import { z } from 'zod';
import { canonicalBytes } from '../batches/canonical.ts';
import type { SignedMinuteRecord } from '../store/index.ts';

const isoMinute = z
  .string()
  .max(40)
  .refine((s) => {
    const ms = Date.parse(s);
    return Number.isFinite(ms) && new Date(ms).toISOString() === s;
  }, 'must be an ISO-8601 UTC time as toISOString() writes it');

/** Exactly the six fields, strict: an unknown field would change the canonical bytes and the anchor. */
export const signedRecordSchema = z.strictObject({
  gatewayId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1..64 of [A-Za-z0-9._-]'),
  minute: isoMinute,
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  root: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  batchCid: z.string().regex(/^[A-Za-z0-9]{1,256}$/, 'must be a multibase CID string'),
  signature: z.string().regex(/^[0-9a-f]{128}$/, 'must be 128 lowercase hex digits'),
});

/** "No record twice in the chain" is judged on this key: one record per gateway and window. */
export function recordKey(record: Pick<SignedMinuteRecord, 'gatewayId' | 'minute'>): string {
  return `${record.gatewayId}/${record.minute}`;
}

/** A record's Merkle leaf data: RFC 8785 canonical JSON of its six fields, signature included. */
export function recordLeaf(record: SignedMinuteRecord): Uint8Array {
  const { gatewayId, minute, count, root, batchCid, signature } = record;
  return canonicalBytes({ gatewayId, minute, count, root, batchCid, signature });
}

/**
 * The time rule for records (docs/ledger.md): a minute no earlier than the hour of the genesis (windows divide
 * an hour, so the window holding the genesis counts) and at most `aheadMs` past `reference` (the block's
 * timestamp, or the receiver's clock for the pool). Returns why not, or null.
 */
export function recordTimeProblem(
  minute: string,
  genesisMs: number,
  reference: number,
  aheadMs: number,
): string | null {
  const ms = Date.parse(minute);
  if (!Number.isFinite(ms)) return `minute ${minute} is not a time`;
  const floor = genesisMs - (genesisMs % 3_600_000);
  if (ms < floor) return `minute ${minute} is before the genesis hour ${new Date(floor).toISOString()}`;
  if (ms > reference + aheadMs)
    return `minute ${minute} is more than ${aheadMs} ms after ${new Date(reference).toISOString()}`;
  return null;
}
