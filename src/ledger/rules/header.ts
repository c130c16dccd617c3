/**
 * Block header codec (docs/ledger.md): a fixed 152-byte big-endian layout, hashed with double SHA-256.
 *
 *   offset size field
 *        0    4 version        u32 (LEDGER_VERSION)
 *        4    4 height         u32 (genesis 0)
 *        8   32 previousHash   block hash of the parent (zeros for genesis)
 *       40    8 timestamp      u64, milliseconds since the Unix epoch (at most 2^53 - 1)
 *       48   32 anchorRoot     RFC 9162 root over the block's records
 *       80   32 target         u256: the block hash, read as a big-endian number, must be <= target
 *      112   32 minerId        SHA-256 of the miner's 32-byte Ed25519 public key
 *      144    8 nonce          u64
 *
 * The nonce is in the last of the three SHA-256 blocks (bytes 128..151 plus padding), so a miner hashes the
 * first 128 bytes once and pays two compressions per nonce (see pow-search.ts). docs/ledger.md has it all.
 */
import { sha256 } from '../../merkle/sha256.ts';
import { LedgerError } from '../errors.ts';
import {
  bytesToU256,
  checkBytes,
  checkSafeUint,
  checkU32,
  checkU256,
  HASH_SIZE,
  u256ToBytes,
} from './bytes.ts';

export const LEDGER_VERSION = 1;
export const HEADER_SIZE = 152;
export const MAX_NONCE = (1n << 64n) - 1n;

export const OFFSET = {
  version: 0,
  height: 4,
  previousHash: 8,
  timestamp: 40,
  anchorRoot: 48,
  target: 80,
  minerId: 112,
  nonce: 144,
} as const;

export interface BlockHeader {
  readonly version: number;
  readonly height: number;
  readonly previousHash: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly anchorRoot: Uint8Array;
  readonly target: bigint;
  /** SHA-256 of the miner's Ed25519 public key. */
  readonly minerId: Uint8Array;
  readonly nonce: bigint;
}

/** Throws a TypeError/RangeError naming the field of `name` that is wrong. */
export function checkHeader(name: string, header: unknown): asserts header is BlockHeader {
  if (typeof header !== 'object' || header === null) throw new TypeError(`${name} must be a header object`);
  const h = header as Record<string, unknown>;
  checkU32(`${name}.version`, h['version']);
  checkU32(`${name}.height`, h['height']);
  checkBytes(`${name}.previousHash`, h['previousHash'], HASH_SIZE);
  checkSafeUint(`${name}.timestamp`, h['timestamp']);
  checkBytes(`${name}.anchorRoot`, h['anchorRoot'], HASH_SIZE);
  checkU256(`${name}.target`, h['target']);
  checkBytes(`${name}.minerId`, h['minerId'], HASH_SIZE);
  if (typeof h['nonce'] !== 'bigint') throw new TypeError(`${name}.nonce must be a bigint`);
  if (h['nonce'] < 0n || h['nonce'] > MAX_NONCE) throw new RangeError(`${name}.nonce must be in 0..2^64-1`);
}

export function encodeHeader(header: BlockHeader): Uint8Array {
  checkHeader('header', header);
  const out = new Uint8Array(HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(OFFSET.version, header.version);
  view.setUint32(OFFSET.height, header.height);
  out.set(header.previousHash, OFFSET.previousHash);
  view.setBigUint64(OFFSET.timestamp, BigInt(header.timestamp));
  out.set(header.anchorRoot, OFFSET.anchorRoot);
  out.set(u256ToBytes(header.target), OFFSET.target);
  out.set(header.minerId, OFFSET.minerId);
  view.setBigUint64(OFFSET.nonce, header.nonce);
  return out;
}

/** Strict: exactly HEADER_SIZE bytes and a timestamp a JavaScript number holds exactly. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  checkBytes('bytes', bytes);
  if (bytes.length !== HEADER_SIZE) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', `header must be ${HEADER_SIZE} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const timestamp = view.getBigUint64(OFFSET.timestamp);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LedgerError('ERR_BLOCK_MALFORMED', 'timestamp exceeds 2^53 - 1');
  }
  const field = (offset: number) => bytes.slice(offset, offset + HASH_SIZE);
  return {
    version: view.getUint32(OFFSET.version),
    height: view.getUint32(OFFSET.height),
    previousHash: field(OFFSET.previousHash),
    timestamp: Number(timestamp),
    anchorRoot: field(OFFSET.anchorRoot),
    target: bytesToU256(field(OFFSET.target)),
    minerId: field(OFFSET.minerId),
    nonce: view.getBigUint64(OFFSET.nonce),
  };
}

/** SHA-256(SHA-256(encoded header)). */
export function hashHeaderBytes(bytes: Uint8Array): Uint8Array {
  checkBytes('bytes', bytes, HEADER_SIZE);
  return sha256(sha256(bytes));
}

export function blockHash(header: BlockHeader): Uint8Array {
  return sha256(sha256(encodeHeader(header)));
}

/** The PoW rule: the hash, read as a 256-bit big-endian number, is at most the target. */
export function hashMeetsTarget(hash: Uint8Array, target: bigint): boolean {
  checkBytes('hash', hash, HASH_SIZE);
  checkU256('target', target);
  return bytesToU256(hash) <= target;
}
