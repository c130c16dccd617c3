/**
 * One anchored proof built from a real block (gw-b's record mined by gw-c), with the chain view that holds
 * it: the fixture the anchored-proof tests tamper with.
 */
import { leafData } from '../../../src/batches/leaves.ts';
import { signRecord } from '../../../src/batches/record.ts';
import { blockHash, toHex } from '../../../src/ledger/index.ts';
import { inclusionProof, leafHash, merkleRoot } from '../../../src/merkle/index.ts';
import { canonicalBytes } from '../../../src/model/canonical.ts';
import {
  assembleAnchor,
  type ChainView,
  PROOF_FORMAT,
  type ReadingProof,
} from '../../../src/proofs/index.ts';
import { consortium, extend, KEYS, record } from '../ledger/helpers.ts';

export const c = consortium();
export const reading = {
  id: '000000000000002a',
  deviceId: 'w-1',
  kind: 'vitals',
  seq: 42,
  ts: 1795524000123,
  receivedAt: 1795524000456,
  data: { seq: 42, ts: 1795524000123, patientId: 'P-1', vitals: { heartRate: 72 } },
};
export const salt = new Uint8Array(16).fill(7);
const leaves = [
  leafData(new Uint8Array(16).fill(1), canonicalBytes({ other: 1 })),
  leafData(salt, canonicalBytes(reading)),
  leafData(new Uint8Array(16).fill(2), canonicalBytes({ other: 2 })),
];
const minuteRecord = signRecord(
  {
    gatewayId: 'gw-b',
    minute: '2026-11-24T10:00:00.000Z',
    count: leaves.length,
    root: toHex(merkleRoot(leaves)),
    batchCid: 'bafytest',
  },
  KEYS.b,
);
export const block = extend(c, [c.genesis.header], {
  records: [record('a', 1), minuteRecord, record('c', 1)],
  miner: KEYS.c,
});
const index = block.records.findIndex((r) => r.signature === minuteRecord.signature);
const hash = toHex(blockHash(block.header));

export const proof: ReadingProof = {
  format: PROOF_FORMAT,
  reading,
  salt: Buffer.from(salt).toString('base64'),
  leaf: {
    hash: toHex(leafHash(leaves[1]!)),
    index: 1,
    treeSize: 3,
    path: inclusionProof(leaves, 1).map(toHex),
  },
  record: minuteRecord,
  gatewayKey: toHex(KEYS.b.publicKey),
  anchor: assembleAnchor({
    block,
    blockHash: hash,
    index,
    confirmations: 1,
    miner: { gatewayId: 'gw-c', publicKey: KEYS.c.publicKey },
    genesisHash: toHex(c.genesisHash),
  }),
};
export const chain: ChainView = {
  source: 'test',
  genesisHash: toHex(c.genesisHash),
  tipHeight: 3,
  mainHashAt: (h) => (h === 1 ? hash : undefined),
};
