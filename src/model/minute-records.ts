/**
 * Minute records (docs/ledger.md, docs/proofs.md): what a sealed window commits to, signed by its gateway
 * with Ed25519. One shape for the sealer, the store, the ledger, the API and the proof verifier.
 */
import { z } from 'zod';
import { canonicalBytes } from './canonical.ts';
import { hex32Schema, idSchema, isoTimeSchema, signatureHexSchema } from './ids.ts';

/** The five signed fields, strict: an unknown field would change the canonical bytes and the anchor. */
export const minuteRecordSchema = z.strictObject({
  gatewayId: idSchema,
  /** Start of the window, ISO-8601. */
  minute: isoTimeSchema,
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** RFC 9162 root over the window's leaves, hex. */
  root: hex32Schema,
  batchCid: z.string().regex(/^[A-Za-z0-9]{1,256}$/, 'must be a multibase CID string'),
});
export type MinuteRecord = Readonly<z.infer<typeof minuteRecordSchema>>;

/** The record with its signature: Ed25519 over the RFC 8785 canonical JSON of the five fields, hex. */
export const signedMinuteRecordSchema = minuteRecordSchema.extend({ signature: signatureHexSchema });
export type SignedMinuteRecord = Readonly<z.infer<typeof signedMinuteRecordSchema>>;

/** The signed bytes: RFC 8785 canonical JSON of exactly the five record fields. */
export function recordSigningBytes(record: MinuteRecord): Uint8Array {
  const { gatewayId, minute, count, root, batchCid } = record;
  return canonicalBytes({ gatewayId, minute, count, root, batchCid });
}

/** A record's Merkle leaf data in a block: RFC 8785 canonical JSON of its six fields, signature included. */
export function recordLeaf(record: SignedMinuteRecord): Uint8Array {
  const { gatewayId, minute, count, root, batchCid, signature } = record;
  return canonicalBytes({ gatewayId, minute, count, root, batchCid, signature });
}

/** "No record twice in the chain" is judged on this key: one record per gateway and window. */
export function recordKey(record: Pick<SignedMinuteRecord, 'gatewayId' | 'minute'>): string {
  return `${record.gatewayId}/${record.minute}`;
}
