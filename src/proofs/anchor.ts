/** The `anchor` part of a reading proof: where a block of the shared ledger holds the minute record (pure). */
import { type Block, type BlockHeader, encodeHeader, recordInclusion, toHex } from '../ledger/rules/index.ts';
import type { ProofAnchor } from '../model/proofs.ts';

export interface AnchorParts {
  readonly block: Block;
  readonly blockHash: string;
  readonly index: number;
  readonly confirmations: number;
  readonly miner: { readonly gatewayId: string; readonly publicKey: Uint8Array };
  readonly genesisHash: string;
  /** The members' attestations of the block this gateway holds (only those of this block are kept). */
  readonly attestations?: readonly AttestationLike[];
  /** A descendant a majority attested, with the headers linking it to the block (finality-evidence.ts). */
  readonly finalBy?: {
    readonly headers: readonly BlockHeader[];
    readonly attestations: readonly AttestationLike[];
  };
}

interface AttestationLike {
  readonly gatewayId: string;
  readonly blockHash: string;
  readonly signature: string;
}

export function assembleAnchor(parts: AnchorParts): ProofAnchor {
  const inclusion = recordInclusion(parts.block, parts.index);
  const attestations = (parts.attestations ?? [])
    .filter((a) => a.blockHash === parts.blockHash)
    .map((a) => ({ gatewayId: a.gatewayId, signature: a.signature }));
  return {
    blockHash: parts.blockHash,
    height: parts.block.header.height,
    header: toHex(encodeHeader(parts.block.header)),
    minerSignature: toHex(parts.block.signature),
    miner: { gatewayId: parts.miner.gatewayId, publicKey: toHex(parts.miner.publicKey) },
    record: { index: inclusion.index, treeSize: inclusion.treeSize, path: inclusion.proof.map(toHex) },
    chain: parts.genesisHash,
    confirmations: parts.confirmations,
    ...(attestations.length > 0 ? { attestations } : {}),
    ...(parts.finalBy === undefined
      ? {}
      : {
          finalBy: {
            headers: parts.finalBy.headers.map((h) => toHex(encodeHeader(h))),
            attestations: parts.finalBy.attestations.map((a) => ({
              gatewayId: a.gatewayId,
              signature: a.signature,
            })),
          },
        }),
  };
}
