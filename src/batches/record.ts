/** Signing minute records (docs/proofs.md): Ed25519 over the record's signing bytes. Pure. */
import { type SigningKey, sign } from '../crypto/signing.ts';
import { type MinuteRecord, recordSigningBytes, type SignedMinuteRecord } from '../model/index.ts';

export function signRecord(record: MinuteRecord, key: SigningKey): SignedMinuteRecord {
  const { gatewayId, minute, count, root, batchCid } = record;
  const signature = Buffer.from(sign(recordSigningBytes(record), key)).toString('hex');
  return { gatewayId, minute, count, root, batchCid, signature };
}
