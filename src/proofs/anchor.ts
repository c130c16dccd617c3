/** The `anchor` part of a reading proof: where a block of the shared ledger holds the minute record (pure). */
import { type Block, encodeHeader, recordInclusion, toHex } from '../ledger/index.ts';
import type { ProofAnchor } from './format.ts';

export interface AnchorParts {
  readonly block: Block;
  readonly blockHash: string;
  readonly index: number;
  readonly confirmations: number;
  readonly miner: { readonly gatewayId: string; readonly publicKey: Uint8Array };
  readonly genesisHash: string;
}

export function assembleAnchor(parts: AnchorParts): ProofAnchor {
  const inclusion = recordInclusion(parts.block, parts.index);
  return {
    blockHash: parts.blockHash,
    height: parts.block.header.height,
    header: toHex(encodeHeader(parts.block.header)),
    minerSignature: toHex(parts.block.signature),
    miner: { gatewayId: parts.miner.gatewayId, publicKey: toHex(parts.miner.publicKey) },
    record: { index: inclusion.index, treeSize: inclusion.treeSize, path: inclusion.proof.map(toHex) },
    chain: parts.genesisHash,
    confirmations: parts.confirmations,
  };
}
