/**
 * Fork choice (docs/ledger.md): among the tips that contain the latest final block, the one with the most
 * cumulative work wins (the first seen among equals); a tip that does not contain it never wins. A
 * switch of tips is a reorg: blocks to disconnect down to the fork point, blocks to connect up to the new tip.
 * Records of disconnected blocks that the new branch lacks go back to the pool.
 */
import type { SignedMinuteRecord } from '../../model/index.ts';
import { LedgerError } from '../errors.ts';
import { recordKey } from '../record.ts';
import type { Block } from './block.ts';
import { toHex } from './bytes.ts';
import { type BlockHeader, blockHash, checkHeader } from './header.ts';
import { workOf } from './work.ts';

export interface ChainEntry {
  /** Block hash, hex. */
  readonly hash: string;
  readonly header: BlockHeader;
  /** Cumulative work from genesis to this block, both included. */
  readonly work: bigint;
  /** Arrival order, for the first-seen rule among tips of equal work. */
  readonly seq: number;
}

export interface Reorg {
  /** The last block both branches share, hex. */
  readonly fork: string;
  /** From the old tip down to the fork (excluded). */
  readonly disconnect: string[];
  /** From just above the fork up to the new tip. */
  readonly connect: string[];
}

export interface HeaderTree {
  /** Adds a header whose parent is known (else ERR_BLOCK_UNKNOWN_PARENT); a header already known is returned. */
  add(header: BlockHeader): ChainEntry;
  get(hash: string): ChainEntry | undefined;
  /** The tip with the most cumulative work among those containing the final block, the first seen among equals. */
  best(): ChainEntry;
  /** Marks a block final (it must contain the current final block); `best` is recomputed. */
  setFinal(hash: string): void;
  final(): ChainEntry;
  /** True when the block `hash` is the final block, or contains it (extends the final chain). */
  extendsFinal(hash: string): boolean;
  /** Up to `count` headers ending with `hash`, ascending: the chain tail to validate its child with. */
  chainTail(hash: string, count: number): BlockHeader[];
  reorg(fromHash: string, toHash: string): Reorg;
  readonly size: number;
}

/**
 * Headers by hash with cumulative work, in memory (a 1M-block chain's headers are ~150 MB of bytes; the
 * store keeps blocks, this keeps the shape of the tree). Validation is the caller's, before `add`.
 */
export function createHeaderTree(genesis: BlockHeader): HeaderTree {
  checkHeader('genesis', genesis);
  const entries = new Map<string, ChainEntry>();
  let seq = 0;
  const root: ChainEntry = {
    hash: toHex(blockHash(genesis)),
    header: genesis,
    work: workOf(genesis.target),
    seq,
  };
  entries.set(root.hash, root);
  let best = root;
  let final = root;
  // Blocks without a child yet: the candidates for the best tip.
  const tips = new Set<string>([root.hash]);
  // Whether an entry contains the final block, memoized until the final block changes.
  let onFinal = new Map<string, boolean>([[root.hash, true]]);
  const extendsFinal = (start: ChainEntry): boolean => {
    const path: string[] = [];
    let e: ChainEntry | undefined = start;
    let answer = false;
    while (e !== undefined) {
      const known = onFinal.get(e.hash);
      if (known !== undefined) {
        answer = known;
        break;
      }
      if (e.header.height <= final.header.height) {
        answer = e.hash === final.hash;
        onFinal.set(e.hash, answer);
        break;
      }
      path.push(e.hash);
      e = entries.get(toHex(e.header.previousHash));
    }
    for (const hash of path) onFinal.set(hash, answer);
    return answer;
  };

  const need = (hash: string): ChainEntry => {
    const entry = entries.get(hash);
    if (entry === undefined) throw new LedgerError('ERR_BLOCK_UNKNOWN_PARENT', hash);
    return entry;
  };

  return {
    add(header) {
      checkHeader('header', header);
      const hash = toHex(blockHash(header));
      const known = entries.get(hash);
      if (known !== undefined) return known;
      const parent = need(toHex(header.previousHash));
      if (header.height !== parent.header.height + 1) {
        throw new LedgerError(
          'ERR_BLOCK_BAD_HEIGHT',
          `got ${header.height}, want ${parent.header.height + 1}`,
        );
      }
      const entry: ChainEntry = { hash, header, work: parent.work + workOf(header.target), seq: ++seq };
      entries.set(hash, entry);
      tips.delete(parent.hash);
      tips.add(hash);
      if (entry.work > best.work && extendsFinal(entry)) best = entry;
      return entry;
    },
    get: (hash) => entries.get(hash),
    best: () => best,
    final: () => final,
    extendsFinal: (hash) => extendsFinal(need(hash)),
    setFinal(hash) {
      const entry = need(hash);
      if (entry.hash === final.hash) return;
      if (!extendsFinal(entry)) {
        throw new LedgerError(
          'ERR_BLOCK_CONFLICTS_FINAL',
          `${hash} does not contain the final ${final.hash}`,
        );
      }
      final = entry;
      onFinal = new Map([[entry.hash, true]]);
      // The current tip stays while nothing heavier contains the final block (no needless reorg).
      if (!extendsFinal(best)) best = entry;
      // The best tip is a leaf: only leaves are compared, first seen first (not every block of a long chain).
      const leaves = [...tips].map(need).sort((x, y) => x.seq - y.seq);
      for (const e of leaves) if (e.work > best.work && extendsFinal(e)) best = e;
    },
    chainTail(hash, count) {
      const out: BlockHeader[] = [];
      for (let e: ChainEntry | undefined = need(hash); e !== undefined && out.length < count; ) {
        out.push(e.header);
        e = e.header.height === 0 ? undefined : entries.get(toHex(e.header.previousHash));
      }
      return out.reverse();
    },
    reorg(fromHash, toHash) {
      let a = need(fromHash);
      let b = need(toHash);
      const disconnect: string[] = [];
      const connect: string[] = [];
      const up = (e: ChainEntry) => need(toHex(e.header.previousHash));
      while (a.header.height > b.header.height) {
        disconnect.push(a.hash);
        a = up(a);
      }
      while (b.header.height > a.header.height) {
        connect.push(b.hash);
        b = up(b);
      }
      while (a.hash !== b.hash) {
        disconnect.push(a.hash);
        connect.push(b.hash);
        a = up(a);
        b = up(b);
      }
      return { fork: a.hash, disconnect, connect: connect.reverse() };
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Records of the disconnected blocks that none of the connected blocks carries, in their chain order (oldest
 * block first): they go back to the pool to be mined again.
 */
export function returnedRecords(
  disconnected: readonly Block[],
  connected: readonly Block[],
): SignedMinuteRecord[] {
  if (!Array.isArray(disconnected) || !Array.isArray(connected)) {
    throw new TypeError('disconnected and connected must be arrays of blocks');
  }
  const kept = new Set(connected.flatMap((b) => b.records.map(recordKey)));
  const ordered = [...disconnected].sort((x, y) => x.header.height - y.header.height);
  return ordered.flatMap((b) => b.records.filter((r: SignedMinuteRecord) => !kept.has(recordKey(r))));
}
