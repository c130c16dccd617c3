/**
 * Block validity (docs/ledger.md), checked on every block received and again on load. Pure: the caller gives the
 * parent's chain tail, the consortium, its clock and a lookup of records already in the chain. Each broken
 * rule throws a LedgerError with its own code; checks run cheapest first, so the signatures (the dear part)
 * are verified only for a block that carries valid work.
 */
import { verifySignature } from '../../crypto/signing.ts';
import { type SignedMinuteRecord, signedMinuteRecordSchema } from '../../model/index.ts';
import { LedgerError } from '../errors.ts';
import { recordKey, recordTimeProblem, verifyRecord } from '../record.ts';
import { anchorRoot, type Block } from './block.ts';
import { equalBytes, toHex } from './bytes.ts';
import type { Consortium } from './consortium.ts';
import { activeAt, memberByMinerId } from './consortium.ts';
import { ancestorsNeeded, checkChainTail, medianTimePast, nextTarget } from './difficulty.ts';
import { type BlockHeader, blockHash, checkHeader, hashMeetsTarget, LEDGER_VERSION } from './header.ts';
import type { LedgerParams } from './params.ts';

export interface HeaderContext {
  /** Latest headers of the chain the header extends, ascending, ending with its parent; at least
   * ancestorsNeeded(parent.height, params) of them (all of them near genesis). */
  readonly chainTail: readonly BlockHeader[];
  readonly params: LedgerParams;
  /** The validator's clock, ms since the epoch. */
  readonly now: number;
  /** Timestamp of the latest final block the header extends: the header's must be later (docs/ledger.md). */
  readonly finalTimestamp?: number;
}

export interface BlockContext {
  readonly chainTail: readonly BlockHeader[];
  readonly consortium: Consortium;
  readonly now: number;
  readonly finalTimestamp?: number;
  /** True when a record with this key (recordKey: gatewayId/minute) is already in the chain being extended. */
  readonly recordSeen: (key: string) => boolean;
}

function checkTail(chainTail: readonly BlockHeader[], params: LedgerParams): BlockHeader {
  const parent = checkChainTail('context.chainTail', chainTail);
  const needed = ancestorsNeeded(parent.height, params);
  if (chainTail.length < needed) {
    throw new RangeError(`context.chainTail must hold the last ${needed} headers, got ${chainTail.length}`);
  }
  return parent;
}

function checkNow(now: unknown): void {
  if (!Number.isSafeInteger(now)) throw new TypeError('context.now must be an integer (ms)');
}

/** Header rules: shape, link, height, target, PoW, time. Returns the block hash. */
export function validateHeader(header: BlockHeader, context: HeaderContext): Uint8Array {
  const parent = checkTail(context.chainTail, context.params);
  checkNow(context.now);
  try {
    checkHeader('header', header);
  } catch (err) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', (err as Error).message);
  }
  if (header.version !== LEDGER_VERSION) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', `version ${header.version}, want ${LEDGER_VERSION}`);
  }
  const parentHash = blockHash(parent);
  if (!equalBytes(header.previousHash, parentHash)) {
    throw new LedgerError(
      'ERR_BLOCK_BAD_LINK',
      `got ${toHex(header.previousHash)}, want ${toHex(parentHash)}`,
    );
  }
  if (header.height !== parent.height + 1) {
    throw new LedgerError('ERR_BLOCK_BAD_HEIGHT', `got ${header.height}, want ${parent.height + 1}`);
  }
  const target = nextTarget(context.chainTail, context.params);
  if (header.target !== target) {
    throw new LedgerError(
      'ERR_BLOCK_BAD_TARGET',
      `got ${header.target.toString(16)}, want ${target.toString(16)}`,
    );
  }
  const hash = blockHash(header);
  if (!hashMeetsTarget(hash, header.target))
    throw new LedgerError('ERR_BLOCK_BAD_POW', `hash ${toHex(hash)}`);
  const mtp = medianTimePast(context.chainTail, context.params.medianTimeSpan);
  if (header.timestamp <= mtp) {
    throw new LedgerError('ERR_BLOCK_TIME_TOO_OLD', `${header.timestamp} ≤ median time past ${mtp}`);
  }
  if (context.finalTimestamp !== undefined && header.timestamp <= context.finalTimestamp) {
    throw new LedgerError(
      'ERR_BLOCK_TIME_TOO_OLD',
      `${header.timestamp} ≤ ${context.finalTimestamp}, the timestamp of the final block it extends`,
    );
  }
  const limit = context.now + context.params.maxFutureMs;
  if (header.timestamp > limit) {
    throw new LedgerError(
      'ERR_BLOCK_TIME_TOO_FAR',
      `${header.timestamp} > now + ${context.params.maxFutureMs} ms`,
    );
  }
  return hash;
}

function checkBlockShape(block: Block, maxRecords: number): void {
  if (typeof block !== 'object' || block === null)
    throw new LedgerError('ERR_BLOCK_MALFORMED', 'not an object');
  if (!(block.signature instanceof Uint8Array) || block.signature.length !== 64) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', 'signature must be 64 bytes');
  }
  if (!Array.isArray(block.records)) throw new LedgerError('ERR_BLOCK_MALFORMED', 'records must be an array');
  if (block.records.length > maxRecords) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', `${block.records.length} records, at most ${maxRecords}`);
  }
}

/** Every rule of docs/ledger.md for a block extending context.chainTail. Returns the block hash; throws LedgerError. */
export function validateBlock(block: Block, context: BlockContext): Uint8Array {
  const { consortium } = context;
  if (typeof context.recordSeen !== 'function') throw new TypeError('context.recordSeen must be a function');
  checkBlockShape(block, consortium.params.maxBlockRecords);
  const hash = validateHeader(block.header, { ...context, params: consortium.params });
  const miner = memberByMinerId(consortium, block.header.minerId);
  if (miner === undefined) throw new LedgerError('ERR_BLOCK_NOT_MEMBER', toHex(block.header.minerId));
  if (!activeAt(miner, block.header.height)) {
    throw new LedgerError(
      'ERR_BLOCK_RETIRED_MEMBER',
      `${miner.gatewayId} retired at height ${miner.retiredAt}, block at ${block.header.height}`,
    );
  }
  if (!verifySignature(block.signature, hash, miner.publicKey)) {
    throw new LedgerError('ERR_BLOCK_BAD_SIGNATURE', `miner ${miner.gatewayId}`);
  }
  block.records.forEach((record, index) => {
    const shape = signedMinuteRecordSchema.safeParse(record);
    if (!shape.success) {
      const issue = shape.error.issues[0];
      throw new LedgerError(
        'ERR_BLOCK_BAD_RECORD',
        `record ${index}: ${issue?.path.join('.')} ${issue?.message}`,
        {
          index,
        },
      );
    }
  });
  const root = anchorRoot(block.records);
  if (!equalBytes(root, block.header.anchorRoot)) {
    throw new LedgerError(
      'ERR_BLOCK_BAD_ANCHOR',
      `got ${toHex(block.header.anchorRoot)}, want ${toHex(root)}`,
    );
  }
  block.records.forEach((record, index) => {
    const problem = recordTimeProblem(
      record.minute,
      consortium.genesis.header.timestamp,
      block.header.timestamp,
      consortium.params.maxRecordAheadMs,
    );
    if (problem !== null)
      throw new LedgerError('ERR_BLOCK_RECORD_TIME', `record ${index}: ${problem}`, { index });
  });
  checkDuplicates(block.records, context.recordSeen);
  block.records.forEach((record, index) => {
    const member = consortium.byGatewayId.get(record.gatewayId);
    if (member === undefined || !activeAt(member, block.header.height)) {
      throw new LedgerError(
        'ERR_BLOCK_BAD_RECORD',
        `record ${index}: ${record.gatewayId} is not ${member === undefined ? 'a' : 'an active'} member`,
        { index },
      );
    }
    if (!verifyRecord(record, member.publicKey)) {
      throw new LedgerError('ERR_BLOCK_BAD_RECORD', `record ${index}: bad signature by ${record.gatewayId}`, {
        index,
      });
    }
  });
  return hash;
}

function checkDuplicates(records: readonly SignedMinuteRecord[], recordSeen: (key: string) => boolean): void {
  const keys = new Set<string>();
  records.forEach((record, index) => {
    const key = recordKey(record);
    if (keys.has(key))
      throw new LedgerError('ERR_BLOCK_DUPLICATE_RECORD', `${key} twice in the block`, { index });
    if (recordSeen(key))
      throw new LedgerError('ERR_BLOCK_DUPLICATE_RECORD', `${key} already in the chain`, { index });
    keys.add(key);
  });
}

export interface ChainSummary {
  readonly tip: BlockHeader;
  readonly tipHash: Uint8Array;
  /** Number of records in the chain. */
  readonly records: number;
  /** Every record key in the chain, for the caller's recordSeen. */
  readonly recordKeys: ReadonlySet<string>;
}

/** A chain validated as far as it holds: the summary of its valid prefix, and what broke the rest. */
export interface ChainPrefix extends ChainSummary {
  /** Hashes of the valid blocks, genesis first (blocks[0..hashes.length) hold). */
  readonly hashes: readonly Uint8Array[];
  /** The first broken rule, with `details.height`; null when every block holds. */
  readonly error: LedgerError | null;
}

/**
 * Re-validates a whole chain, genesis first (docs/ledger.md: a node restarted re-validates everything).
 * `blocks[0]` must be the consortium's genesis. Errors carry `details.height`.
 */
export function validateChain(
  blocks: readonly Block[],
  context: { consortium: Consortium; now: number },
): ChainSummary {
  const { tip, tipHash, records, recordKeys, error } = validateChainPrefix(blocks, context);
  if (error !== null) throw error;
  return { tip, tipHash, records, recordKeys };
}

/**
 * As validateChain, but stops at the first block that breaks a rule and returns the valid part: a node
 * loading its stored chain keeps what still holds. A chain that does not start at the genesis throws.
 */
export function validateChainPrefix(
  blocks: readonly Block[],
  context: { consortium: Consortium; now: number },
): ChainPrefix {
  if (!Array.isArray(blocks) || blocks.length === 0) throw new TypeError('blocks must be a non-empty array');
  const { consortium, now } = context;
  const first = blocks[0]!;
  const genesisHash = first?.header === undefined ? undefined : blockHash(first.header);
  if (genesisHash === undefined || !equalBytes(genesisHash, consortium.genesisHash)) {
    throw new LedgerError('ERR_BLOCK_UNKNOWN_PARENT', 'the chain does not start at the consortium genesis', {
      height: 0,
    });
  }
  const span = Math.max(consortium.params.retargetInterval, consortium.params.medianTimeSpan);
  let tail: BlockHeader[] = [first.header];
  const hashes = [genesisHash];
  const recordKeys = new Set<string>();
  let error: LedgerError | null = null;
  for (let i = 1; i < blocks.length; i++) {
    const block = blocks[i]!;
    try {
      hashes.push(
        validateBlock(block, {
          chainTail: tail,
          consortium,
          now,
          recordSeen: (k) => recordKeys.has(k),
        }),
      );
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      error = new LedgerError(err.code, `height ${i}: ${err.reason ?? err.message}`, { height: i });
      break;
    }
    for (const record of block.records) recordKeys.add(recordKey(record));
    tail.push(block.header);
    if (tail.length > 2 * span) tail = tail.slice(-span);
  }
  return { tip: tail.at(-1)!, tipHash: hashes.at(-1)!, records: recordKeys.size, recordKeys, hashes, error };
}
