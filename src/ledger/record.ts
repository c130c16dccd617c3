/** Signed minute records as ledger transactions (docs/ledger.md): their signature and time rules. */
import { verifySignature } from '../crypto/signing.ts';
import { recordSigningBytes, type SignedMinuteRecord } from '../model/index.ts';

export { recordKey, recordLeaf } from '../model/index.ts';

/** Whether the record's signature is its gateway's Ed25519 signature over the five record fields. */
export function verifyRecord(record: SignedMinuteRecord, publicKey: Uint8Array): boolean {
  if (!/^[0-9a-f]{128}$/.test(record.signature)) return false;
  return verifySignature(Buffer.from(record.signature, 'hex'), recordSigningBytes(record), publicKey);
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
