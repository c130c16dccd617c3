/**
 * What a proof carries to show that its block is final (docs/proofs.md): the block's own attestations, and,
 * when they are fewer than a majority, the nearest block above it on the main chain that a majority attested,
 * with the headers that link the two (a majority attesting a block attests its ancestors).
 */
import type { Attestation } from './attestation.ts';
import { type Consortium, quorumAt } from './consortium.ts';
import type { BlockHeader } from './header.ts';

export interface FinalityEvidence {
  readonly attestations: Attestation[];
  /** Headers from the block's child up to the attested descendant, ascending, and that one's attestations. */
  readonly finalBy?: { readonly headers: BlockHeader[]; readonly attestations: Attestation[] };
}

export interface EvidenceSource {
  readonly consortium: Consortium;
  readonly finalHeight: number;
  mainHashAt(height: number): string | undefined;
  header(hash: string): BlockHeader | undefined;
  attestations(hash: string): Attestation[];
}

/** At most this many headers link a block to its attested descendant in a proof (152 bytes each). */
export const MAX_EVIDENCE_HEADERS = 1000;

export function finalityEvidence(source: EvidenceSource, hash: string, height: number): FinalityEvidence {
  const own = source.attestations(hash);
  if (own.length >= quorumAt(source.consortium, height) || source.mainHashAt(height) !== hash) {
    return { attestations: own };
  }
  const last = Math.min(source.finalHeight, height + MAX_EVIDENCE_HEADERS);
  const headers: BlockHeader[] = [];
  for (let h = height + 1; h <= last; h++) {
    const at = source.mainHashAt(h);
    const header = at === undefined ? undefined : source.header(at);
    if (at === undefined || header === undefined) break;
    headers.push(header);
    const atts = source.attestations(at);
    if (atts.length >= quorumAt(source.consortium, h))
      return { attestations: own, finalBy: { headers, attestations: atts } };
  }
  return { attestations: own };
}
