/**
 * The pool of pending records and the rules a record passes to enter it (docs/ledger.md, "Records and the
 * pool"). Cheapest checks first: shape, then "already known" (pending or anchored, judged on the record's key
 * and signature), then the member, the time rule and the member's share of the pool; the Ed25519 signature,
 * the dear part, only for a record that passed all of these, and none after the first bad one of a request.
 * Copies inside one request cost one lookup each.
 */
import { type SignedMinuteRecord, signedMinuteRecordSchema } from '../../model/index.ts';
import { LedgerError } from '../errors.ts';
import { recordKey, recordTimeProblem, verifyRecord } from '../record.ts';
import type { Consortium } from '../rules/consortium.ts';
import { firstIssue } from '../rules/issue.ts';
import type { LedgerLimits } from './limits.ts';

export interface RecordPool {
  get(key: string): SignedMinuteRecord | undefined;
  has(key: string): boolean;
  set(key: string, record: SignedMinuteRecord): void;
  delete(key: string): void;
  values(): SignedMinuteRecord[];
  /** Pending records of one member. */
  countOf(gatewayId: string): number;
  readonly size: number;
}

export function createRecordPool(): RecordPool {
  const records = new Map<string, SignedMinuteRecord>();
  const counts = new Map<string, number>();
  const bump = (gatewayId: string, by: number) => {
    const n = (counts.get(gatewayId) ?? 0) + by;
    if (n > 0) counts.set(gatewayId, n);
    else counts.delete(gatewayId);
  };
  return {
    get: (key) => records.get(key),
    has: (key) => records.has(key),
    set(key, record) {
      const old = records.get(key);
      if (old !== undefined) bump(old.gatewayId, -1);
      records.set(key, record);
      bump(record.gatewayId, 1);
    },
    delete(key) {
      const old = records.get(key);
      if (old === undefined) return;
      records.delete(key);
      bump(old.gatewayId, -1);
    },
    values: () => [...records.values()],
    countOf: (gatewayId) => counts.get(gatewayId) ?? 0,
    get size() {
      return records.size;
    },
  };
}

export interface AdmitContext {
  readonly consortium: Consortium;
  /** The receiver's clock, ms. */
  readonly now: number;
  readonly limits: Pick<LedgerLimits, 'poolPerMember'>;
  readonly pool: Pick<RecordPool, 'get' | 'countOf'>;
  /** The record the main chain holds under this key, if any. */
  readonly anchored: (key: string) => SignedMinuteRecord | undefined;
  /** Signature check (verifyRecord unless a test counts the calls). */
  readonly verify?: (record: SignedMinuteRecord, publicKey: Uint8Array) => boolean;
}

export interface Admission {
  /** Records to add to the pool, in request order. */
  readonly fresh: SignedMinuteRecord[];
  /** Records already pending or anchored, and copies inside the request. */
  readonly known: number;
  readonly refused: LedgerError[];
}

export function admitRecords(inputs: readonly unknown[], context: AdmitContext): Admission {
  const { consortium, limits, pool } = context;
  const verify = context.verify ?? verifyRecord;
  const fresh = new Map<string, SignedMinuteRecord>();
  const added = new Map<string, number>();
  const refused: LedgerError[] = [];
  let known = 0;
  // A sender that signs one record wrong gets no more signature checks in that request.
  let badSignature: string | null = null;

  const admit = (input: unknown): 'fresh' | 'known' => {
    const shape = signedMinuteRecordSchema.safeParse(input);
    if (!shape.success) throw new LedgerError('ERR_BLOCK_BAD_RECORD', firstIssue(shape.error, 'record'));
    const record = shape.data;
    const key = recordKey(record);
    const anchored = context.anchored(key);
    if (anchored !== undefined) {
      if (anchored.signature === record.signature) return 'known';
      throw new LedgerError('ERR_RECORD_ANCHORED', key);
    }
    const pending = fresh.get(key) ?? pool.get(key);
    if (pending !== undefined) {
      if (pending.signature === record.signature) return 'known';
      throw new LedgerError('ERR_RECORD_PENDING', key);
    }
    const member = consortium.byGatewayId.get(record.gatewayId);
    if (member === undefined)
      throw new LedgerError('ERR_BLOCK_BAD_RECORD', `${record.gatewayId} is not a member`);
    if (member.retiredAt !== undefined) {
      throw new LedgerError(
        'ERR_RECORD_RETIRED_MEMBER',
        `${record.gatewayId} retired at ${member.retiredAt}`,
      );
    }
    const problem = recordTimeProblem(
      record.minute,
      consortium.genesis.header.timestamp,
      context.now,
      consortium.params.maxRecordAheadMs,
    );
    if (problem !== null) throw new LedgerError('ERR_RECORD_TIME', problem);
    const count = pool.countOf(record.gatewayId) + (added.get(record.gatewayId) ?? 0);
    if (count >= limits.poolPerMember) {
      throw new LedgerError(
        'ERR_POOL_FULL',
        `${record.gatewayId} has ${count} pending record(s), at most ${limits.poolPerMember}`,
      );
    }
    if (badSignature !== null) {
      throw new LedgerError('ERR_BLOCK_BAD_RECORD', `not checked: ${badSignature} earlier in the request`);
    }
    if (!verify(record, member.publicKey)) {
      badSignature = `bad signature by ${record.gatewayId} on ${key}`;
      throw new LedgerError('ERR_BLOCK_BAD_RECORD', badSignature);
    }
    fresh.set(key, record);
    added.set(record.gatewayId, (added.get(record.gatewayId) ?? 0) + 1);
    return 'fresh';
  };

  for (const input of inputs) {
    try {
      if (admit(input) === 'known') known++;
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      refused.push(err);
    }
  }
  return { fresh: [...fresh.values()], known, refused };
}
