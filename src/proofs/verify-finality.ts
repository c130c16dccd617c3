/**
 * The `finality` check of an anchored proof (pure; docs/proofs.md): the attestations the anchor carries are
 * checked against the consortium's member keys, and the block is final when more than half of the members
 * active at its height attested it. A proof that is not final yet is still valid; a bad attestation is not.
 */
import { type Consortium, tallyAttestations, toHex } from '../ledger/index.ts';
import type { ProofAnchor, ProofCheck } from './format.ts';

export function verifyFinality(anchor: ProofAnchor, consortium: Consortium | undefined): ProofCheck {
  const carried = anchor.attestations ?? [];
  if (consortium === undefined) {
    return {
      name: 'finality',
      ok: true,
      detail: `not judged: ${carried.length} attestation(s), no consortium given to check them against`,
    };
  }
  if (anchor.chain !== toHex(consortium.genesisHash)) {
    return {
      name: 'finality',
      ok: carried.length === 0,
      detail: `attestations ${carried.length === 0 ? 'absent' : 'invalid'}: the proof names the chain ${anchor.chain}, the consortium's is ${toHex(consortium.genesisHash)}`,
    };
  }
  const block = { hash: anchor.blockHash, height: anchor.height };
  const tally = tallyAttestations(
    consortium,
    block,
    carried.map((a) => ({ ...a, blockHash: block.hash, height: block.height })),
  );
  if (tally.invalid.length > 0) {
    return { name: 'finality', ok: false, detail: `attestations invalid: ${tally.invalid.join('; ')}` };
  }
  const who = tally.valid.length === 0 ? 'none' : tally.valid.join(', ');
  return {
    name: 'finality',
    ok: true,
    detail: tally.final
      ? `final: attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`
      : `not yet final: attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`,
  };
}
