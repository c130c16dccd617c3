/**
 * The ledger node (docs/ledger.md): the block tree, the main chain, the record index and the pool, kept in LevelDB
 * and mirrored in memory (a chain grows by a block per interval: years of it fit easily).
 *
 * Crash safety: a block is written (synced) before it can become part of the main chain; the main chain's
 * index, the pool and the tip then change in one synced batch. A crash in between leaves a stored block
 * that the next start re-validates and, if it is the heaviest, connects — never a half-moved tip.
 */
import type { SigningKey } from '../../crypto/signing.ts';
import type { Log } from '../../log.ts';
import type { SignedMinuteRecord } from '../../model/index.ts';
import type { Db, LedgerRecordLocation } from '../../store/index.ts';
import { LedgerError } from '../errors.ts';
import { recordKey } from '../record.ts';
import type { Attestation } from '../rules/attestation.ts';
import { type Block, createBlockTemplate } from '../rules/block.ts';
import { toHex } from '../rules/bytes.ts';
import { type Consortium, quorumAt } from '../rules/consortium.ts';
import { ancestorsNeeded } from '../rules/difficulty.ts';
import { type FinalityEvidence, finalityEvidence } from '../rules/finality-evidence.ts';
import { type Reorg, returnedRecords } from '../rules/fork-choice.ts';
import { type BlockHeader, blockHash } from '../rules/header.ts';
import { admitAttestations } from './attestation-admit.ts';
import { createAttester } from './attester.ts';
import { entryOf, validateOnBranch } from './branch.ts';
import { createChainMemory, loadStored } from './chain-load.ts';
import { createChainStore, type LedgerSublevels, type Op } from './chain-store.ts';
import { DEFAULT_LEDGER_LIMITS, type LedgerLimits } from './limits.ts';
import { type Admission, admitRecords } from './pool.ts';

export interface LedgerHead {
  readonly height: number;
  readonly hash: string;
  readonly work: bigint;
  readonly header: BlockHeader;
}

export interface RecordLocation extends LedgerRecordLocation {
  readonly block: Block;
  /** Blocks from this one to the tip, both included. */
  readonly confirmations: number;
}

export interface TipChange {
  readonly head: LedgerHead;
  readonly reorg: Reorg;
}

export interface AddBlockResult {
  readonly hash: string;
  readonly status: 'added' | 'known';
  readonly tipChanged: boolean;
}

export interface LedgerNode {
  readonly consortium: Consortium;
  readonly genesisHash: string;
  head(): LedgerHead;
  has(hash: string): boolean;
  block(hash: string): Block | undefined;
  /** Hash of the main chain's block at `height`, if the chain is that long. */
  mainHashAt(height: number): string | undefined;
  /** Main chain blocks from `fromHeight` up, at most `limit`. */
  mainBlocks(fromHeight: number, limit: number): Block[];
  /** Where the main chain holds the record with this key (recordKey). */
  locate(key: string): RecordLocation | undefined;
  pool(): SignedMinuteRecord[];
  /** Validates, stores and runs fork choice; throws LedgerError for a block that breaks a rule. */
  addBlock(block: Block): Promise<AddBlockResult>;
  /** A member's signed record into the pool, unless the main chain has it; LedgerError when it is refused. */
  addRecord(record: unknown): Promise<'added' | 'known'>;
  /** Many records at once (pool.ts: the rules, cheapest first); the refused ones are listed, not thrown. */
  addRecords(
    records: readonly unknown[],
  ): Promise<{ added: number; known: number; refused: Admission['refused'] }>;
  readonly limits: LedgerLimits;
  /** A block template on the best tip with the pool's records (createBlockTemplate). */
  template(minerPublicKey: Uint8Array, now: number): { header: BlockHeader; records: SignedMinuteRecord[] };
  /** Called after every change of the main chain's tip. */
  onTip(listener: (change: TipChange) => void): () => void;
  /** The latest final block (genesis until a block is attested by more than half of the members). */
  final(): { readonly height: number; readonly hash: string };
  /** The attestations this node holds for a block. */
  attestations(hash: string): Attestation[];
  /** What a proof of a main-chain block carries to show it final (finality-evidence.ts). */
  finalityEvidence(hash: string): FinalityEvidence;
  /** Members' attestations (docs/ledger.md): checked, stored, and finality moved; the refused ones listed. */
  addAttestations(
    attestations: readonly unknown[],
  ): Promise<{ added: number; known: number; pending: number; refused: LedgerError[] }>;
  /** Called with the attestations this gateway makes (it attests every block it connects to its main chain). */
  onAttest(listener: (attestations: Attestation[]) => void): () => void;
}

export interface LedgerNodeComponents {
  readonly db: Db;
  readonly subs: LedgerSublevels;
  readonly consortium: Consortium;
  readonly clock: () => number;
  readonly log: Log;
  readonly limits?: Partial<LedgerLimits>;
  /** Record signature check (the default verifyRecord; a test may count the calls). */
  readonly verifyRecord?: (record: SignedMinuteRecord, publicKey: Uint8Array) => boolean;
  /** Told of every refused record or block, by code (metrics). */
  readonly onRefused?: (what: 'record' | 'block' | 'attestation', code: string) => void;
  /** Told of every new final block. */
  readonly onFinal?: (final: { height: number; hash: string }) => void;
  /** This gateway as a member: it attests the blocks it connects. Absent: it only counts others' attestations. */
  readonly attester?: { readonly gatewayId: string; readonly key: SigningKey };
}

/** Opens the node: loads every stored block and re-validates it from genesis (docs/ledger.md). */
export async function createLedgerNode(components: LedgerNodeComponents): Promise<LedgerNode> {
  const { consortium, clock, log } = components;
  const store = createChainStore(components);
  const limits: LedgerLimits = Object.freeze({ ...DEFAULT_LEDGER_LIMITS, ...components.limits });
  const refused = (what: 'record' | 'block' | 'attestation', err: unknown) => {
    if (err instanceof LedgerError) components.onRefused?.(what, err.code);
  };
  const params = consortium.params;
  const genesisHash = toHex(consortium.genesisHash);
  await store.checkGenesis(genesisHash);
  const write = store.write;

  const memory = createChainMemory(consortium, limits.pendingAttestationsPerMember);
  const { tree, blocks, main, mainIndex, pool, book } = memory;
  const listeners = new Set<(change: TipChange) => void>();
  const attestListeners = new Set<(attestations: Attestation[]) => void>();

  const entry = (hash: string) => entryOf(tree, hash);
  const tipHash = () => main.at(-1)!;
  const branch = { consortium, tree, blocks, main, mainIndex, clock };
  const validate = (block: Block): string => validateOnBranch(branch, block);

  // --- load: the stored main chain first, then every other stored block, each validated on its branch.
  const stored = await store.read(log);
  const attested = loadStored(memory, stored, { consortium, clock, log });

  // The stored index may be ahead of what validated (or a crash left it mid-way): rewrite what differs.
  await write(await store.repair(stored, main, mainIndex, genesisHash));

  const attester = createAttester(consortium, components.attester, stored.attestedMark);
  /** This gateway's attestations of `hashes`, their rows joining the caller's batch (attester.ts). */
  const attest = (hashes: readonly string[], ops: Op[]): Attestation[] => {
    const { made, rows } = attester.make(hashes.map((hash) => ({ hash, height: entry(hash).header.height })));
    for (const row of rows) ops.push(store.meta(row.key, row.value));
    return made;
  };
  const remember = (made: Attestation[]) => {
    for (const att of made) book.put(att);
    attester.remember(made);
  };

  // --- fork choice: move the main chain to `newTip`, in one synced batch.
  const switchTip = async (newTip: string): Promise<string[]> => {
    const reorg = tree.reorg(tipHash(), newTip);
    // Never below the final block: the new tip must contain it (so the blocks left are all above it).
    if (!tree.extendsFinal(newTip)) {
      throw new LedgerError('ERR_BLOCK_CONFLICTS_FINAL', `${newTip} does not contain ${tree.final().hash}`);
    }
    const disconnected = reorg.disconnect.map((h) => blocks.get(h)!);
    const connected = reorg.connect.map((h) => blocks.get(h)!);
    const newHeight = entry(newTip).header.height;
    const ops: Op[] = [];
    const unindexed = new Set<string>();
    for (const b of disconnected) {
      for (const r of b.records) {
        unindexed.add(recordKey(r));
        ops.push(store.record(recordKey(r), null));
      }
      if (b.header.height > newHeight) ops.push(store.main(b.header.height, null));
    }
    const indexed = new Map<string, LedgerRecordLocation>();
    reorg.connect.forEach((hash, i) => {
      const b = connected[i]!;
      ops.push(store.main(b.header.height, hash));
      b.records.forEach((r, index) => {
        const key = recordKey(r);
        const loc = { blockHash: hash, height: b.header.height, index };
        indexed.set(key, loc);
        ops.push(store.record(key, loc));
        if (pool.has(key)) ops.push(store.pool(key, null));
      });
    });
    // docs/ledger.md: records of orphaned blocks that the new branch lacks return to the pool.
    const returned = returnedRecords(disconnected, connected).filter((r) => !pool.has(recordKey(r)));
    for (const r of returned) ops.push(store.pool(recordKey(r), r));
    ops.push(store.meta('tip', newTip));
    const made = attest(reorg.connect, ops);
    await write(ops);
    remember(made);

    for (const key of unindexed) mainIndex.delete(key);
    main.length = entry(reorg.fork).header.height + 1;
    main.push(...reorg.connect);
    for (const [key, loc] of indexed) {
      mainIndex.set(key, loc);
      pool.delete(key);
    }
    for (const r of returned) pool.set(recordKey(r), r);
    if (reorg.disconnect.length > 0) {
      log(
        'info',
        `ledger: reorganized at ${reorg.fork.slice(0, 16)}…, ${reorg.disconnect.length} block(s) out, ${reorg.connect.length} in, ${returned.length} record(s) back to the pool`,
      );
    }
    const change = { head: head(), reorg };
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        log('error', `ledger: tip listener failed: ${(err as Error).message}`);
      }
    }
    if (made.length > 0) {
      for (const listener of attestListeners) {
        try {
          listener(made);
        } catch (err) {
          log('error', `ledger: attestation listener failed: ${(err as Error).message}`);
        }
      }
    }
    return made.map((a) => a.blockHash);
  };

  /**
   * Moves finality to the highest of `hashes` that more than half of the members attested and that contains
   * the current final block, then the main chain to the best tip that contains it (which this gateway attests).
   */
  const settle = async (hashes: Iterable<string>) => {
    let touched = [...hashes];
    for (;;) {
      let moved: string | null = null;
      for (const hash of touched) {
        const e = tree.get(hash);
        if (e === undefined || e.header.height <= tree.final().header.height) continue;
        if (book.of(hash).length < quorumAt(consortium, e.header.height)) continue;
        if (!tree.extendsFinal(hash)) {
          log(
            'error',
            `ledger: block ${hash} is attested by a majority but conflicts with the final block: a member attested two rival blocks`,
          );
          continue;
        }
        if (moved === null || e.header.height > entry(moved).header.height) moved = hash;
      }
      if (moved !== null) {
        tree.setFinal(moved);
        const final = { height: entry(moved).header.height, hash: moved };
        await write([store.meta('final', JSON.stringify(final))]);
        components.onFinal?.(final);
      }
      const best = tree.best().hash;
      if (best === tipHash()) return;
      touched = await switchTip(best);
    }
  };

  function head(): LedgerHead {
    const e = entry(tipHash());
    return { height: e.header.height, hash: e.hash, work: e.work, header: e.header };
  }

  // One change at a time: validation reads the state that the previous change left.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  };

  await settle(attested);
  // Blocks of the main chain this gateway has not attested yet (a chain stored before it attested).
  const backlog: Op[] = [];
  const made = attest(main.slice(1), backlog);
  if (made.length > 0) {
    await write(backlog);
    remember(made);
    await settle(made.map((a) => a.blockHash));
  }
  log(
    'info',
    `ledger: chain ${genesisHash.slice(0, 16)}… height ${head().height}, final ${tree.final().header.height}, ${blocks.size} block(s) valid, ${pool.size} record(s) pending`,
  );

  const addRecords: LedgerNode['addRecords'] = (inputs) =>
    exclusive(async () => {
      const admission = admitRecords(inputs, {
        consortium,
        now: clock(),
        limits,
        pool,
        anchored: (key) => {
          const loc = mainIndex.get(key);
          return loc === undefined ? undefined : blocks.get(loc.blockHash)?.records[loc.index];
        },
        ...(components.verifyRecord ? { verify: components.verifyRecord } : {}),
      });
      for (const err of admission.refused) refused('record', err);
      if (admission.fresh.length > 0) {
        await write(admission.fresh.map((r) => store.pool(recordKey(r), r)));
        for (const r of admission.fresh) pool.set(recordKey(r), r);
      }
      return { added: admission.fresh.length, known: admission.known, refused: admission.refused };
    });

  const addAttestations: LedgerNode['addAttestations'] = (inputs) =>
    exclusive(async () => {
      const {
        fresh,
        known,
        pending,
        refused: refusedList,
      } = admitAttestations(inputs, {
        consortium,
        book,
        tree,
        mainHashAt: (h) => main[h],
      });
      for (const err of refusedList) refused('attestation', err);
      if (fresh.length > 0) {
        await write(fresh.map((a) => store.attestation(a)));
        for (const a of fresh) book.put(a);
        await settle(new Set(fresh.map((a) => a.blockHash)));
      }
      return { added: fresh.length, known, pending, refused: refusedList };
    });

  return {
    consortium,
    genesisHash,
    head,
    has: (hash) => blocks.has(hash),
    block: (hash) => blocks.get(hash),
    mainHashAt: (height) => main[height],
    mainBlocks(fromHeight, limit) {
      return main.slice(fromHeight, fromHeight + limit).map((h) => blocks.get(h)!);
    },
    locate(key) {
      const loc = mainIndex.get(key);
      if (loc === undefined) return undefined;
      return { ...loc, block: blocks.get(loc.blockHash)!, confirmations: main.length - loc.height };
    },
    pool: () => pool.values(),
    limits,
    addBlock(block) {
      return exclusive(async () => {
        if (typeof block?.header !== 'object') throw new LedgerError('ERR_BLOCK_MALFORMED', 'no header');
        const hash = toHex(blockHash(block.header));
        if (blocks.has(hash)) return { hash, status: 'known' as const, tipChanged: false };
        try {
          // First, in constant time: a chain that leaves the final one is refused whatever its work.
          const parentHash = toHex(block.header.previousHash);
          if (tree.get(parentHash) !== undefined && !tree.extendsFinal(parentHash)) {
            const final = tree.final();
            throw new LedgerError(
              'ERR_BLOCK_CONFLICTS_FINAL',
              `block ${hash} at height ${block.header.height} does not extend the final block ${final.hash} at ${final.header.height}`,
            );
          }
          validate(block);
        } catch (err) {
          refused('block', err);
          throw err;
        }
        const waiting = book.takePending(hash).filter((a) => a.height === block.header.height);
        await write([store.block(hash, block), ...waiting.map((a) => store.attestation(a))]);
        tree.add(block.header);
        blocks.set(hash, block);
        for (const a of waiting) book.put(a);
        const tip = tipHash();
        await settle([hash]);
        return { hash, status: 'added' as const, tipChanged: tipHash() !== tip };
      });
    },
    addRecords,
    async addRecord(input) {
      const result = await addRecords([input]);
      if (result.refused.length > 0) throw result.refused[0];
      return result.added === 1 ? 'added' : 'known';
    },
    template(minerPublicKey, now) {
      const tip = tipHash();
      return createBlockTemplate({
        chainTail: tree.chainTail(tip, ancestorsNeeded(entry(tip).header.height, params)),
        params,
        records: pool.values(),
        minerPublicKey,
        now,
        recordSeen: (key) => mainIndex.has(key),
        finalTimestamp: tree.final().header.timestamp,
      });
    },
    onTip(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    final() {
      const e = tree.final();
      return { height: e.header.height, hash: e.hash };
    },
    attestations: (hash) => book.of(hash),
    finalityEvidence(hash) {
      const e = tree.get(hash);
      if (e === undefined) return { attestations: [] };
      return finalityEvidence(
        {
          consortium,
          finalHeight: tree.final().header.height,
          mainHashAt: (h) => main[h],
          header: (x) => tree.get(x)?.header,
          attestations: (x) => book.of(x),
        },
        hash,
        e.header.height,
      );
    },
    addAttestations,
    onAttest(listener) {
      attestListeners.add(listener);
      return () => attestListeners.delete(listener);
    },
  };
}
