/**
 * A node's start (docs/ledger.md): what the chain store read back is validated again before the node holds
 * it. The stored main chain is one chain from genesis (validateChainPrefix keeps what still holds), every
 * other stored block is validated on its branch, stored attestations are checked again, and the stored final
 * block is kept only if it loaded.
 */
import type { Log } from '../../log.ts';
import type { LedgerRecordLocation } from '../../store/index.ts';
import { recordKey } from '../record.ts';
import { checkAttestation } from '../rules/attestation.ts';
import type { Block } from '../rules/block.ts';
import { toHex } from '../rules/bytes.ts';
import type { Consortium } from '../rules/consortium.ts';
import { createHeaderTree, type HeaderTree } from '../rules/fork-choice.ts';
import { validateChainPrefix } from '../rules/validate.ts';
import { type AttestationBook, createAttestationBook } from './attestation-book.ts';
import { validateOnBranch } from './branch.ts';
import type { StoredLedger } from './chain-store.ts';
import { createRecordPool, type RecordPool } from './pool.ts';

/** What a node holds in memory, mirrored from LevelDB. */
export interface ChainMemory {
  readonly tree: HeaderTree;
  readonly blocks: Map<string, Block>;
  /** Main chain hashes by height. */
  readonly main: string[];
  /** Where the main chain holds each record (recordKey). */
  readonly mainIndex: Map<string, LedgerRecordLocation>;
  readonly pool: RecordPool;
  readonly book: AttestationBook;
}

export function createChainMemory(consortium: Consortium, pendingAttestationsPerMember: number): ChainMemory {
  const genesisHash = toHex(consortium.genesisHash);
  return {
    tree: createHeaderTree(consortium.genesis.header),
    blocks: new Map([[genesisHash, consortium.genesis]]),
    main: [genesisHash],
    mainIndex: new Map(),
    pool: createRecordPool(),
    book: createAttestationBook(pendingAttestationsPerMember),
  };
}

/** Appends a validated block to the main chain in memory and indexes its records. */
export function connectMain(memory: ChainMemory, hash: string, block: Block): void {
  memory.tree.add(block.header);
  memory.blocks.set(hash, block);
  memory.main.push(hash);
  block.records.forEach((r, index) => {
    memory.mainIndex.set(recordKey(r), { blockHash: hash, height: block.header.height, index });
  });
}

/**
 * Loads `stored` into `memory` (fresh from createChainMemory), validating as it goes. Returns the hashes of
 * the blocks that loaded attestations name, for the node to settle finality on.
 */
export function loadStored(
  memory: ChainMemory,
  stored: StoredLedger,
  context: { readonly consortium: Consortium; readonly clock: () => number; readonly log: Log },
): Set<string> {
  const { consortium, clock, log } = context;
  const { tree, blocks, mainIndex, pool, book } = memory;
  const storedChain: Block[] = [consortium.genesis];
  for (const hash of stored.main.slice(1)) {
    const block = stored.blocks.get(hash ?? '');
    if (block === undefined) break;
    storedChain.push(block);
  }
  const loaded = validateChainPrefix(storedChain, { consortium, now: clock() });
  if (loaded.error !== null)
    log('warn', `ledger: stored main chain is invalid at ${loaded.error.reason ?? loaded.error.message}`);
  loaded.hashes.slice(1).forEach((bytes, i) => {
    connectMain(memory, toHex(bytes), storedChain[i + 1]!);
  });

  const branch = { consortium, clock, ...memory };
  const rest = [...stored.blocks.entries()]
    .filter(([h]) => !blocks.has(h))
    .sort(([, a], [, b]) => a.header.height - b.header.height);
  let dropped = 0;
  for (const [, block] of rest) {
    try {
      const hash = validateOnBranch(branch, block);
      tree.add(block.header);
      blocks.set(hash, block);
    } catch {
      dropped++;
    }
  }
  if (dropped > 0)
    log('warn', `ledger: ${dropped} stored block(s) no longer valid or without parent, ignored`);
  for (const [key, record] of stored.pool) if (!mainIndex.has(key)) pool.set(key, record);

  const attested = new Set<string>();
  for (const json of stored.attestations) {
    try {
      const att = checkAttestation(consortium, JSON.parse(json));
      if (tree.get(att.blockHash)?.header.height !== att.height) continue;
      book.put(att);
      attested.add(att.blockHash);
    } catch (err) {
      log('warn', `ledger: stored attestation refused: ${(err as Error).message}`);
    }
  }
  if (stored.finalHash !== undefined) {
    if (tree.get(stored.finalHash) !== undefined) tree.setFinal(stored.finalHash);
    else
      log(
        'warn',
        `ledger: the stored final block ${stored.finalHash} did not load; finality starts again from attestations`,
      );
  }
  return attested;
}
