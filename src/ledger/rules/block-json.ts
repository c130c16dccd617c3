/**
 * Blocks as JSON, for peers and the API (docs/api.md: `{hash, height, header, records}`): the header as the hex
 * of its 152 encoded bytes (what the hash covers), the signature in hex, records as they are.
 */
import { blockJsonSchema, type SignedMinuteRecord } from '../../model/index.ts';
import { LedgerError } from '../errors.ts';
import type { Block } from './block.ts';
import { fromHex, toHex } from './bytes.ts';
import { blockHash, decodeHeader, encodeHeader } from './header.ts';
import { firstIssue } from './issue.ts';

export interface BlockJson {
  readonly hash: string;
  readonly height: number;
  readonly header: string;
  readonly signature: string;
  readonly records: readonly SignedMinuteRecord[];
}

export function blockToJson(block: Block): BlockJson {
  return {
    hash: toHex(blockHash(block.header)),
    height: block.header.height,
    header: toHex(encodeHeader(block.header)),
    signature: toHex(block.signature),
    records: block.records.map((r) => ({ ...r })),
  };
}

/**
 * Parses a block from JSON; ERR_BLOCK_MALFORMED when the envelope is wrong or its hash and height disagree
 * with the header. Records are checked by validateBlock, not here.
 */
export function blockFromJson(json: unknown): Block {
  const parsed = blockJsonSchema.safeParse(json);
  if (!parsed.success) throw new LedgerError('ERR_BLOCK_MALFORMED', firstIssue(parsed.error, 'block'));
  const header = decodeHeader(fromHex('header', parsed.data.header));
  if (toHex(blockHash(header)) !== parsed.data.hash)
    throw new LedgerError('ERR_BLOCK_MALFORMED', 'hash does not match');
  if (header.height !== parsed.data.height)
    throw new LedgerError('ERR_BLOCK_MALFORMED', 'height does not match');
  return {
    header,
    signature: fromHex('signature', parsed.data.signature, 64),
    records: parsed.data.records as SignedMinuteRecord[],
  };
}
