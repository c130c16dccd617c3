/**
 * The rules an attestation offered by a peer passes (docs/ledger.md, "Finality"), cheapest first: already
 * held or repeated in the request (a lookup), the height of a known block, a block off the final chain, then
 * the member and its signature, and no signature after the first bad one of a request. Attestations of
 * blocks not known yet wait in the book, bounded per member.
 */

import { LedgerError } from '../errors.ts';
import { type Attestation, checkAttestation } from '../rules/attestation.ts';
import type { Consortium } from '../rules/consortium.ts';
import type { HeaderTree } from '../rules/fork-choice.ts';
import type { AttestationBook } from './attestation-book.ts';

export interface AttestationContext {
  readonly consortium: Consortium;
  readonly book: Pick<AttestationBook, 'has' | 'isPending' | 'pend'>;
  readonly tree: Pick<HeaderTree, 'get' | 'extendsFinal'>;
  mainHashAt(height: number): string | undefined;
}

export interface AttestationAdmission {
  /** Valid attestations of known blocks on the final chain, new to the book. */
  readonly fresh: Attestation[];
  readonly known: number;
  /** Kept in the book until their block arrives. */
  readonly pending: number;
  readonly refused: LedgerError[];
}

export function admitAttestations(
  inputs: readonly unknown[],
  context: AttestationContext,
): AttestationAdmission {
  let known = 0;
  let pending = 0;
  const refused: LedgerError[] = [];
  const fresh: Attestation[] = [];
  // Copies in one request cost a lookup; after one bad signature, no more signature checks.
  const seen = new Set<string>();
  let badSignature: string | null = null;
  for (const input of inputs) {
    try {
      const claim = input as Partial<Attestation> | null;
      const blockHash = String(claim?.blockHash);
      const gatewayId = String(claim?.gatewayId);
      const id = `${blockHash}/${gatewayId}`;
      if (
        seen.has(id) ||
        context.book.has(blockHash, gatewayId) ||
        context.book.isPending(blockHash, gatewayId)
      ) {
        known++;
        continue;
      }
      seen.add(id);
      const e = context.tree.get(blockHash);
      if (e !== undefined && e.header.height !== claim?.height) {
        throw new LedgerError(
          'ERR_ATTESTATION_INVALID',
          `block ${blockHash} is at height ${e.header.height}`,
        );
      }
      if (
        e !== undefined &&
        !context.tree.extendsFinal(blockHash) &&
        context.mainHashAt(e.header.height) !== blockHash
      ) {
        throw new LedgerError('ERR_ATTESTATION_CONFLICTS_FINAL', `${gatewayId} attests ${blockHash}`);
      }
      if (badSignature !== null) {
        throw new LedgerError(
          'ERR_ATTESTATION_INVALID',
          `not checked: ${badSignature} earlier in the request`,
        );
      }
      let att: Attestation;
      try {
        att = checkAttestation(context.consortium, input);
      } catch (err) {
        if (err instanceof LedgerError && err.reason?.startsWith('bad signature')) badSignature = err.reason;
        throw err;
      }
      if (e === undefined) {
        if (context.book.pend(att)) pending++;
        else known++;
        continue;
      }
      fresh.push(att);
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      refused.push(err);
    }
  }
  return { fresh, known, pending, refused };
}
