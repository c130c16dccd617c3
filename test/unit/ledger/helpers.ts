/** Shared fixtures for the ledger tests: a three-member consortium at trivial difficulty, blocks on demand. */
import { signRecord } from '../../../src/batches/record.ts';
import { type SigningKey, signingKeyFromSecret } from '../../../src/crypto/signing.ts';
import {
  type Block,
  type BlockHeader,
  type Consortium,
  createBlockTemplate,
  encodeHeader,
  parseConsortium,
  preparePowJob,
  sealBlock,
  searchNonces,
  toHex,
} from '../../../src/ledger/index.ts';
import type { SignedMinuteRecord } from '../../../src/store/index.ts';

export const GENESIS_TIME = Date.parse('2026-11-24T00:00:00.000Z');
export const INTERVAL = 1000;

export function key(n: number): SigningKey {
  return signingKeyFromSecret(new Uint8Array(32).fill(n));
}

export const KEYS = { a: key(1), b: key(2), c: key(3) } as const;
export const OUTSIDER = key(9);

/** The consortium file of the test network: easy targets (1 nonce in 16 succeeds), a retarget every 4 blocks. */
export function consortiumFile(overrides: Record<string, unknown> = {}) {
  return {
    name: 'test',
    members: Object.entries(KEYS).map(([id, k]) => ({
      gatewayId: `gw-${id}`,
      publicKey: toHex(k.publicKey),
    })),
    params: {
      targetIntervalMs: INTERVAL,
      retargetInterval: 4,
      maxAdjustFactor: 4,
      genesisTarget: `0${'f'.repeat(63)}`,
      minTarget: `0000${'f'.repeat(60)}`,
      maxTarget: `0${'f'.repeat(63)}`,
      ...overrides,
    },
    genesis: { timestamp: GENESIS_TIME },
  };
}

export function consortium(overrides: Record<string, unknown> = {}): Consortium {
  return parseConsortium(consortiumFile(overrides));
}

/** Mines in this thread (tests run at 1-in-16 difficulty). */
export function mineSync(header: BlockHeader): BlockHeader {
  const job = preparePowJob(encodeHeader(header), header.target);
  for (let high = 0; ; high++) {
    const low = searchNonces(job, high, 0, 1 << 20);
    if (low >= 0) return { ...header, nonce: (BigInt(high) << 32n) | BigInt(low) };
  }
}

export function record(
  gateway: keyof typeof KEYS,
  minuteIndex: number,
  signer = KEYS[gateway],
): SignedMinuteRecord {
  return signRecord(
    {
      gatewayId: `gw-${gateway}`,
      minute: new Date(GENESIS_TIME + minuteIndex * 60_000).toISOString(),
      count: minuteIndex + 1,
      root: toHex(new Uint8Array(32).fill(minuteIndex & 0xff)),
      batchCid: `bafy${gateway}${minuteIndex}`,
    },
    signer,
  );
}

export interface Extend {
  readonly records?: readonly SignedMinuteRecord[];
  readonly miner?: SigningKey;
  readonly now?: number;
  /** Changes the header before it is mined (and the block signed). */
  readonly tweak?: (header: BlockHeader) => BlockHeader;
  readonly recordsAfter?: readonly SignedMinuteRecord[];
}

/** A valid block on top of `chainTail` (unless a tweak breaks it). */
export function extend(c: Consortium, chainTail: readonly BlockHeader[], options: Extend = {}): Block {
  const parent = chainTail.at(-1)!;
  const miner = options.miner ?? KEYS.a;
  const template = createBlockTemplate({
    chainTail,
    params: c.params,
    records: options.records ?? [],
    minerPublicKey: miner.publicKey,
    now: options.now ?? parent.timestamp + INTERVAL,
  });
  const header = mineSync((options.tweak ?? ((h) => h))(template.header));
  return sealBlock(header, options.recordsAfter ?? template.records, miner);
}

/** A chain of `n` blocks after genesis, one per INTERVAL (times `pace`). */
export function chain(c: Consortium, n: number, pace = 1): Block[] {
  const blocks: Block[] = [c.genesis];
  for (let i = 0; i < n; i++) {
    const tail = blocks.map((b) => b.header);
    blocks.push(extend(c, tail, { now: tail.at(-1)!.timestamp + INTERVAL * pace }));
  }
  return blocks;
}
