/**
 * Proofs as the API hands them out: the window's tree (built once from its leaf hashes, a few recent ones
 * kept), its salts, and the anchor once a main-chain block holds the minute record, with the members'
 * attestations of that block (docs/proofs.md). Every route that hands out a proof (readings, alarm events,
 * files, the FHIR Provenance) takes its trees and anchors from here.
 */
import { GatewayError } from '../errors.ts';
import { memberByMinerId } from '../ledger/index.ts';
import { buildTreeFromHashBuffer, type MerkleTree } from '../merkle/index.ts';
import { assembleAnchor } from '../proofs/anchor.ts';
import { assembleReadingProof } from '../proofs/assemble.ts';
import type { ProofAnchor, ReadingProof } from '../proofs/index.ts';
import type { StoredReading, WindowRecord } from '../store/index.ts';
import { formatTime } from '../store/index.ts';
import type { ApiContext } from './context.ts';

/** Trees of recently asked windows: building one costs a hash per leaf, proofs then cost nothing. */
export function treeCache(size: number) {
  const trees = new Map<number, MerkleTree>();
  return async (start: number, load: () => Promise<Uint8Array | undefined>) => {
    const hit = trees.get(start);
    if (hit) {
      trees.delete(start);
      trees.set(start, hit);
      return hit;
    }
    const hashes = await load();
    if (!hashes) throw new GatewayError('ERR_INTERNAL', `leaf hashes of window ${start} are missing`);
    const tree = buildTreeFromHashBuffer(hashes);
    trees.set(start, tree);
    if (trees.size > size) trees.delete(trees.keys().next().value!);
    return tree;
  };
}

/**
 * The window record's place in the ledger, once a block on the main chain holds it (docs/proofs.md), with
 * the block's attestations or a majority-attested descendant's, so the proof's `finality` check can judge it.
 */
export function windowAnchor(ctx: Pick<ApiContext, 'ledger'>): (window: WindowRecord) => ProofAnchor | null {
  const { node } = ctx.ledger;
  return (window) => {
    const found = ctx.ledger.anchorOf(window.record);
    if (!found) return null;
    const miner = memberByMinerId(node.consortium, found.block.header.minerId);
    if (!miner) return null;
    return assembleAnchor({
      block: found.block,
      blockHash: found.blockHash,
      index: found.index,
      confirmations: found.confirmations,
      miner,
      genesisHash: node.genesisHash,
      ...node.finalityEvidence(found.blockHash),
    });
  };
}

/** A window's tree (cached) and salts, for a leaf proof. */
export function windowLeaves(ctx: Pick<ApiContext, 'sealedData'>, cacheSize: number) {
  const tree = treeCache(cacheSize);
  return async (window: WindowRecord): Promise<{ tree: MerkleTree; salts: Uint8Array }> => {
    const key = formatTime(window.start);
    const [leafTree, salts] = await Promise.all([
      tree(window.start, () => ctx.sealedData.leaves(key)),
      ctx.sealedData.salts(key),
    ]);
    if (!salts) throw new GatewayError('ERR_INTERNAL', `salts of window ${key} are missing`);
    return { tree: leafTree, salts };
  };
}

export interface SealedProof {
  readonly proof: ReadingProof;
  readonly window: WindowRecord;
}

export type ProofSource = (reading: StoredReading, disclose: boolean) => Promise<SealedProof | null>;

/** A reading's proof, or null while its window is open. */
export function createProofSource(
  ctx: Pick<ApiContext, 'windows' | 'sealedData' | 'ledger' | 'gatewayKey'>,
  cacheSize = 8,
): ProofSource {
  const leaves = windowLeaves(ctx, cacheSize);
  const anchorOf = windowAnchor(ctx);
  return async (reading, disclose) => {
    const found = await ctx.windows.ofReading(reading.id);
    if (!found) return null;
    const { tree, salts } = await leaves(found.window);
    const proof = assembleReadingProof({
      reading,
      window: found.window,
      index: found.index,
      tree,
      salts,
      gatewayKey: ctx.gatewayKey,
      disclose,
      anchor: anchorOf(found.window),
    });
    return { proof, window: found.window };
  };
}
