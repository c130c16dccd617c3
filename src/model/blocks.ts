/**
 * Blocks and attestations as JSON (docs/ledger.md): what peers send each other and what the API returns.
 * The header travels as the hex of its 152 encoded bytes (what the block hash covers).
 */
import { z } from 'zod';
import { hex32Schema, hexBytes, idSchema, signatureHexSchema } from './ids.ts';
import { signedMinuteRecordSchema } from './minute-records.ts';

/** The encoded block header is 152 bytes (docs/ledger.md, "Header"). */
export const headerHexSchema = hexBytes(152);

/** A member's Ed25519 cosignature of a block it validated on its main chain (docs/ledger.md, "Finality"). */
export const attestationSchema = z.strictObject({
  gatewayId: idSchema,
  blockHash: hex32Schema,
  height: z.number().int().min(0).max(0xffff_ffff),
  signature: signatureHexSchema,
});
export type Attestation = z.infer<typeof attestationSchema>;

/** Attestations a block may carry, at most. */
export const MAX_BLOCK_ATTESTATIONS = 256;

/**
 * A block on the wire. Records and attestations are checked by the ledger's rules one by one (each has its
 * own refusal code), so the envelope takes them as they come; `blockJsonOutSchema` is what we send.
 */
export const blockJsonSchema = z.strictObject({
  hash: hex32Schema,
  height: z.number().int().min(0),
  header: headerHexSchema,
  /** The miner's Ed25519 signature over the block hash. */
  signature: signatureHexSchema,
  records: z.array(z.unknown()),
  /** Members' attestations of the block, when the sender has them. */
  attestations: z.array(z.unknown()).max(MAX_BLOCK_ATTESTATIONS).optional(),
});

export const blockJsonOutSchema = blockJsonSchema.extend({
  records: z.array(signedMinuteRecordSchema),
  attestations: z.array(attestationSchema),
});
