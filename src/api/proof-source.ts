/**
 * Proofs of stored readings as the API hands them out: the window's tree (built once from its leaf hashes,
 * a few recent ones kept), its salts, and the anchor once a main-chain block holds the minute record.
 * The FHIR Provenance resources use it for every reading of a page, so consecutive readings of one
 * window cost one tree.
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

export interface SealedProof {
  readonly proof: ReadingProof;
  readonly window: WindowRecord;
}

export type ProofSource = (reading: StoredReading, disclose: boolean) => Promise<SealedProof | null>;

interface WindowData {
  readonly tree: MerkleTree;
  readonly salts: Uint8Array;
}

export function createProofSource(
  ctx: Pick<ApiContext, 'windows' | 'sealedData' | 'ledger' | 'gatewayKey'>,
  cacheSize = 8,
): ProofSource {
  const cache = new Map<number, WindowData>();
  const { node } = ctx.ledger;

  async function windowData(window: WindowRecord): Promise<WindowData> {
    const hit = cache.get(window.start);
    if (hit) {
      cache.delete(window.start);
      cache.set(window.start, hit);
      return hit;
    }
    const key = formatTime(window.start);
    const [hashes, salts] = await Promise.all([ctx.sealedData.leaves(key), ctx.sealedData.salts(key)]);
    if (!hashes || !salts) throw new GatewayError('ERR_INTERNAL', `leaves of window ${key} are missing`);
    const data = { tree: buildTreeFromHashBuffer(hashes), salts };
    cache.set(window.start, data);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return data;
  }

  const anchorOf = (window: WindowRecord): ProofAnchor | null => {
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
    });
  };

  return async (reading, disclose) => {
    const found = await ctx.windows.ofReading(reading.id);
    if (!found) return null;
    const { tree, salts } = await windowData(found.window);
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
