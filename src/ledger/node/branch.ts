/**
 * Validation of a block on the branch it extends (docs/ledger.md): the chain tail is the branch's, and a
 * record counts as already anchored when the branch holds it, on its own blocks or on the main chain below
 * the fork. The rules themselves are the pure ones (rules/validate.ts); this only gives them the branch.
 */
import type { LedgerRecordLocation } from '../../store/index.ts';
import { LedgerError } from '../errors.ts';
import { recordKey } from '../record.ts';
import type { Block } from '../rules/block.ts';
import { toHex } from '../rules/bytes.ts';
import type { Consortium } from '../rules/consortium.ts';
import { ancestorsNeeded } from '../rules/difficulty.ts';
import type { ChainEntry, HeaderTree } from '../rules/fork-choice.ts';
import { validateBlock } from '../rules/validate.ts';

/** What the node holds in memory that a branch is read from. */
export interface BranchState {
  readonly consortium: Consortium;
  readonly tree: HeaderTree;
  readonly blocks: ReadonlyMap<string, Block>;
  /** Main chain hashes by height. */
  readonly main: readonly string[];
  readonly mainIndex: ReadonlyMap<string, LedgerRecordLocation>;
  readonly clock: () => number;
}

/** The header tree's entry for `hash`; a hash the tree does not hold is an unknown parent. */
export function entryOf(tree: HeaderTree, hash: string): ChainEntry {
  const e = tree.get(hash);
  if (e === undefined) throw new LedgerError('ERR_BLOCK_UNKNOWN_PARENT', hash);
  return e;
}

/** recordSeen for a child of `parentHash`: the records of the branch it extends, not of the main chain. */
function seenOnBranch(state: BranchState, parentHash: string): (key: string) => boolean {
  const { tree, blocks, main, mainIndex } = state;
  const side = new Set<string>();
  let hash = parentHash;
  while (main[entryOf(tree, hash).header.height] !== hash) {
    for (const r of blocks.get(hash)!.records) side.add(recordKey(r));
    hash = toHex(entryOf(tree, hash).header.previousHash);
  }
  const forkHeight = entryOf(tree, hash).header.height;
  return (key) => side.has(key) || (mainIndex.get(key)?.height ?? Number.POSITIVE_INFINITY) <= forkHeight;
}

/** Every rule for `block` on the branch of its parent, above the final block; returns its hash (hex). */
export function validateOnBranch(state: BranchState, block: Block): string {
  const { tree, consortium } = state;
  const parentHash = toHex(block.header.previousHash);
  const parent = entryOf(tree, parentHash);
  const final = tree.final();
  return toHex(
    validateBlock(block, {
      chainTail: tree.chainTail(parentHash, ancestorsNeeded(parent.header.height, consortium.params)),
      consortium,
      now: state.clock(),
      recordSeen: seenOnBranch(state, parentHash),
      ...(final.header.height > 0 ? { finalTimestamp: final.header.timestamp } : {}),
    }),
  );
}
