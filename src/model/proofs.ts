/**
 * The self-contained proof of one reading (docs/proofs.md), as JSON. Bytes are hex (hashes, keys,
 * signatures) or base64 (salt). `reading` and `salt` are absent when the holder may see proofs but not
 * readings (the auditor role): the leaf hash alone still proves inclusion.
 */
import { z } from 'zod';
import { attestationSchema, headerHexSchema } from './blocks.ts';
import { hex32Schema as hex32, idSchema, signatureHexSchema } from './ids.ts';
import { signedMinuteRecordSchema } from './minute-records.ts';

export const PROOF_FORMAT = 'medgate/proof/1';

/** An attestation in a proof: the block hash and height are the anchor's own. */
const attestationEntry = attestationSchema.pick({ gatewayId: true, signature: true });

/**
 * Where the ledger holds the proof's minute record (docs/proofs.md, docs/ledger.md): the block's 152-byte
 * header, the miner's signature over its hash, and the record's RFC 9162 audit path to the header's anchor root.
 */
export const anchorSchema = z.strictObject({
  blockHash: hex32,
  height: z.number().int().min(1),
  /** The 152 header bytes, hex: the block hash is their double SHA-256. */
  header: headerHexSchema,
  /** Ed25519 by the miner over the 32-byte block hash, hex. */
  minerSignature: signatureHexSchema,
  /** The miner's gateway id and Ed25519 public key (SHA-256 of it is the header's minerId). */
  miner: z.strictObject({ gatewayId: idSchema, publicKey: hex32 }),
  /** The record's leaf (RFC 8785 JSON of its six fields) in the block's record tree. */
  record: z.strictObject({
    index: z.number().int().min(0),
    treeSize: z.number().int().min(1),
    path: z.array(hex32),
  }),
  /** Genesis hash of the chain (names the consortium's ledger). */
  chain: hex32,
  /** Blocks from this one to the gateway's tip when the proof was made, both included. */
  confirmations: z.number().int().min(1),
  /**
   * Members' attestations of the block, when the gateway held some (docs/proofs.md, docs/ledger.md): each
   * an Ed25519 signature over "medgate/attestation/1" || genesis hash || block hash || height (u32 BE).
   */
  attestations: z.array(attestationEntry).max(1000).optional(),
  /**
   * When the block's own attestations are fewer than a majority: the headers (hex, ascending) from its child
   * up to a block a majority attested, and that block's attestations. Its ancestors are final with it.
   */
  finalBy: z
    .strictObject({
      headers: z.array(headerHexSchema).min(1).max(1000),
      attestations: z.array(attestationEntry).min(1).max(1000),
    })
    .optional(),
});

export type ProofAnchor = z.infer<typeof anchorSchema>;

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
  record: signedMinuteRecordSchema,
  /** Ed25519 public key of the gateway that signed the record, hex. */
  gatewayKey: hex32,
  /** Anchoring in the shared ledger, once mined (null until then). */
  anchor: anchorSchema.nullable(),
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

/** What a proof's `chain` check needs of a ledger (a gateway's node, or what `gateway verify --ledger` fetched). */
export interface ChainView {
  /** Where it comes from, for the check's detail. */
  readonly source: string;
  readonly genesisHash: string;
  readonly tipHeight: number;
  mainHashAt(height: number): string | undefined;
}
