/**
 * Attestations (docs/ledger.md, "Finality"): a member cosigns, with its Ed25519 gateway key, the hash of a
 * block it validated on its main chain. A block attested by more than half of the members active at its
 * height is final, and so are its ancestors. Pure: bytes, signing, checking, counting.
 *
 * Signed bytes, 89 of them:
 *   offset size field
 *        0   21 the ASCII tag "medgate/attestation/1" (domain separation: never a record or a block hash)
 *       21   32 genesis hash of the consortium's chain
 *       53   32 block hash
 *       85    4 block height, u32 big-endian
 */
import { type SigningKey, sign, verifySignature } from '../../crypto/signing.ts';
import { type Attestation, attestationSchema } from '../../model/index.ts';
import { LedgerError } from '../errors.ts';
import { checkBytes, checkU32, fromHex, HASH_SIZE, toHex } from './bytes.ts';
import { activeAt, type Consortium, quorumAt } from './consortium.ts';
import { firstIssue } from './issue.ts';

export const ATTESTATION_TAG = 'medgate/attestation/1';
export const ATTESTATION_SIZE = ATTESTATION_TAG.length + 2 * HASH_SIZE + 4;

export { type Attestation, attestationSchema };

export function attestationBytes(genesisHash: Uint8Array, blockHash: Uint8Array, height: number): Uint8Array {
  checkBytes('genesisHash', genesisHash, HASH_SIZE);
  checkBytes('blockHash', blockHash, HASH_SIZE);
  checkU32('height', height);
  const out = new Uint8Array(ATTESTATION_SIZE);
  out.set(new TextEncoder().encode(ATTESTATION_TAG), 0);
  out.set(genesisHash, ATTESTATION_TAG.length);
  out.set(blockHash, ATTESTATION_TAG.length + HASH_SIZE);
  new DataView(out.buffer).setUint32(ATTESTATION_TAG.length + 2 * HASH_SIZE, height);
  return out;
}

export function signAttestation(
  consortium: Consortium,
  block: { readonly hash: string; readonly height: number },
  gatewayId: string,
  key: SigningKey,
): Attestation {
  const bytes = attestationBytes(
    consortium.genesisHash,
    fromHex('block.hash', block.hash, HASH_SIZE),
    block.height,
  );
  return { gatewayId, blockHash: block.hash, height: block.height, signature: toHex(sign(bytes, key)) };
}

/** Checks shape, member, retirement and signature; returns the attestation or throws ERR_ATTESTATION_INVALID. */
export function checkAttestation(consortium: Consortium, input: unknown): Attestation {
  const parsed = attestationSchema.safeParse(input);
  if (!parsed.success)
    throw new LedgerError('ERR_ATTESTATION_INVALID', firstIssue(parsed.error, 'attestation'));
  const att = parsed.data;
  const member = consortium.byGatewayId.get(att.gatewayId);
  if (member === undefined)
    throw new LedgerError('ERR_ATTESTATION_INVALID', `${att.gatewayId} is not a member`);
  if (!activeAt(member, att.height)) {
    throw new LedgerError(
      'ERR_ATTESTATION_INVALID',
      `${att.gatewayId} retired at height ${member.retiredAt}, attestation of height ${att.height}`,
    );
  }
  const bytes = attestationBytes(consortium.genesisHash, fromHex('blockHash', att.blockHash), att.height);
  if (!verifySignature(fromHex('signature', att.signature), bytes, member.publicKey)) {
    throw new LedgerError('ERR_ATTESTATION_INVALID', `bad signature by ${att.gatewayId}`);
  }
  return att;
}

export interface Tally {
  /** Distinct active members whose attestation of this block and height is valid. */
  readonly valid: string[];
  /** Why the others are not counted. */
  readonly invalid: string[];
  readonly quorum: number;
  readonly final: boolean;
}

/** Counts the attestations of one block: final when more than half of the members active at its height agree. */
export function tallyAttestations(
  consortium: Consortium,
  block: { readonly hash: string; readonly height: number },
  attestations: readonly unknown[],
): Tally {
  const valid = new Set<string>();
  const invalid: string[] = [];
  attestations.forEach((input, i) => {
    try {
      const att = checkAttestation(consortium, input);
      if (att.blockHash !== block.hash || att.height !== block.height) {
        invalid.push(`${i}: attests ${att.blockHash} at ${att.height}, not this block`);
      } else valid.add(att.gatewayId);
    } catch (err) {
      invalid.push(`${i}: ${(err as LedgerError).reason ?? (err as Error).message}`);
    }
  });
  const quorum = quorumAt(consortium, block.height);
  return { valid: [...valid], invalid, quorum, final: valid.size >= quorum };
}
