/** Minute records (SPEC §3): `{gatewayId, minute, count, root, batchCid}` signed with Ed25519. Pure. */
import { type SigningKey, sign, verifySignature } from '../crypto/signing.ts';
import type { MinuteRecord, SignedMinuteRecord } from '../store/index.ts';
import { canonicalBytes } from './canonical.ts';

/** The signed bytes: RFC 8785 canonical JSON of exactly the five record fields. */
export function recordSigningBytes(record: MinuteRecord): Uint8Array {
  const { gatewayId, minute, count, root, batchCid } = record;
  return canonicalBytes({ gatewayId, minute, count, root, batchCid });
}

export function signRecord(record: MinuteRecord, key: SigningKey): SignedMinuteRecord {
  const { gatewayId, minute, count, root, batchCid } = record;
  const signature = Buffer.from(sign(recordSigningBytes(record), key)).toString('hex');
  return { gatewayId, minute, count, root, batchCid, signature };
}

export function verifyRecord(record: SignedMinuteRecord, publicKey: Uint8Array): boolean {
  if (!/^[0-9a-f]{128}$/.test(record.signature)) return false;
  return verifySignature(Buffer.from(record.signature, 'hex'), recordSigningBytes(record), publicKey);
}
