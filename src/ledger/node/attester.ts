/**
 * This gateway as a voter (docs/ledger.md, "Finality"): it cosigns the blocks it connects to its main chain,
 * at most one block per height, never two rival blocks, also across restarts (the highest height it attested
 * is stored with the attestations, in the same batch as the tip that made them).
 */
import type { SigningKey } from '../../crypto/signing.ts';
import { type Attestation, signAttestation } from '../rules/attestation.ts';
import type { Consortium } from '../rules/consortium.ts';

/** Key of an attestation in the ledger's meta sublevel. */
export const attestationKey = (a: Pick<Attestation, 'blockHash' | 'gatewayId'>) =>
  `att/${a.blockHash}/${a.gatewayId}`;
/** Key of the highest block this gateway attested. */
export const ATTESTED_KEY = 'attested';

export interface Attester {
  /** Signs the blocks (hash, height) above the last attested height; returns them and the rows to store. */
  make(blocks: ReadonlyArray<{ hash: string; height: number }>): {
    made: Attestation[];
    rows: Array<{ key: string; value: string }>;
  };
  /** After the rows are written: the new mark holds. */
  remember(made: readonly Attestation[]): void;
}

export function createAttester(
  consortium: Consortium,
  self: { readonly gatewayId: string; readonly key: SigningKey } | undefined,
  storedMark: string | undefined,
): Attester {
  let last: { height: number; hash: string } | null =
    storedMark === undefined ? null : JSON.parse(storedMark);
  return {
    make(blocks) {
      const made: Attestation[] = [];
      const rows: Array<{ key: string; value: string }> = [];
      if (self === undefined) return { made, rows };
      let above = last?.height ?? 0;
      for (const { hash, height } of blocks) {
        if (height <= above) continue;
        const att = signAttestation(consortium, { hash, height }, self.gatewayId, self.key);
        made.push(att);
        rows.push({ key: attestationKey(att), value: JSON.stringify(att) });
        above = height;
      }
      const top = made.at(-1);
      if (top !== undefined)
        rows.push({ key: ATTESTED_KEY, value: JSON.stringify({ height: top.height, hash: top.blockHash }) });
      return { made, rows };
    },
    remember(made) {
      const top = made.at(-1);
      if (top !== undefined) last = { height: top.height, hash: top.blockHash };
    },
  };
}
