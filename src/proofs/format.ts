/**
 * The self-contained proof of one reading (docs/proofs.md), as JSON. Bytes are hex (hashes, keys,
 * signatures) or base64 (salt). `reading` and `salt` are absent when the holder may see proofs but not
 * readings (the auditor role): the leaf hash alone still proves inclusion.
 */
import { z } from 'zod';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, '32 bytes, lowercase hex');

export const PROOF_FORMAT = 'medgate/proof/1';

export const minuteRecordSchema = z.strictObject({
  gatewayId: z.string().min(1).max(64),
  minute: z.string(),
  count: z.number().int().min(0),
  root: hex32,
  batchCid: z.string().min(1),
  signature: z.string().regex(/^[0-9a-f]{128}$/, '64 bytes, lowercase hex'),
});

export const readingProofSchema = z.strictObject({
  format: z.literal(PROOF_FORMAT),
  /** The reading as committed in its leaf (see docs/proofs.md for the fields). */
  reading: z.record(z.string(), z.unknown()).nullable(),
  salt: z
    .string()
    .regex(/^[A-Za-z0-9+/]{22}==$/, '16 bytes, base64')
    .nullable(),
  leaf: z.strictObject({
    hash: hex32,
    index: z.number().int().min(0),
    treeSize: z.number().int().min(1),
    path: z.array(hex32),
  }),
  record: minuteRecordSchema,
  /** Ed25519 public key of the gateway that signed the record, hex. */
  gatewayKey: hex32,
  /** Anchoring in the shared ledger, once mined (null until then). */
  anchor: z.unknown().nullable(),
});

export type ReadingProof = z.infer<typeof readingProofSchema>;

export interface ProofCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ProofVerdict {
  readonly valid: boolean;
  readonly checks: ProofCheck[];
}
