/**
 * The ledger node's LevelDB side (docs/ledger.md, "The ledger in a running gateway"): which sublevel holds
 * what, under which key, read back at start and written in synced batches. No rule is checked here; the
 * node (chain.ts) validates what it reads and decides what to write.
 */
import { GatewayError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import type { Db, LedgerRecordLocation, SignedMinuteRecord, Sublevels } from '../../store/index.ts';
import type { Attestation } from '../rules/attestation.ts';
import type { Block } from '../rules/block.ts';
import { blockFromJson, blockToJson } from '../rules/block-json.ts';
import { ATTESTED_KEY, attestationKey } from './attester.ts';

export type LedgerSublevels = Pick<
  Sublevels,
  'ledgerBlocks' | 'ledgerMain' | 'ledgerRecords' | 'ledgerPool' | 'ledgerMeta'
>;

/** A batch operation on one of the ledger's sublevels (one batch spans them: atomic). */
export interface Op {
  readonly type: 'put' | 'del';
  readonly sublevel: object;
  readonly key: string;
  readonly value?: unknown;
}

/** What a start reads back: blocks by hash, the main chain's hashes by height, and the rest as stored. */
export interface StoredLedger {
  readonly blocks: Map<string, Block>;
  /** Hashes of the stored main chain, by height (index 0 is the genesis). */
  readonly main: string[];
  readonly pool: Array<[string, SignedMinuteRecord]>;
  /** Attestations as stored (JSON text), to be checked again. */
  readonly attestations: string[];
  /** The stored final block's hash, if one was stored. */
  readonly finalHash: string | undefined;
  /** The highest block this gateway attested (attester.ts), as stored. */
  readonly attestedMark: string | undefined;
}

export interface ChainStore {
  /** Refuses a data dir that holds another consortium's chain. */
  checkGenesis(genesisHash: string): Promise<void>;
  read(log: Log): Promise<StoredLedger>;
  /** The rewrite that makes the stored main chain, record index, genesis and tip match what validated. */
  repair(
    stored: StoredLedger,
    main: readonly string[],
    mainIndex: ReadonlyMap<string, LedgerRecordLocation>,
    genesisHash: string,
  ): Promise<Op[]>;
  /** One synced batch. */
  write(ops: readonly Op[]): Promise<void>;
  block(hash: string, block: Block): Op;
  main(height: number, hash: string | null): Op;
  record(key: string, location: LedgerRecordLocation | null): Op;
  pool(key: string, record: SignedMinuteRecord | null): Op;
  meta(key: string, value: string): Op;
  attestation(attestation: Attestation): Op;
}

const heightKey = (height: number) => String(height).padStart(10, '0');

export function createChainStore(components: {
  readonly db: Db;
  readonly subs: LedgerSublevels;
}): ChainStore {
  const { db, subs } = components;
  const put = (sublevel: object, key: string, value: unknown): Op => ({ type: 'put', sublevel, key, value });
  const del = (sublevel: object, key: string): Op => ({ type: 'del', sublevel, key });
  return {
    async checkGenesis(genesisHash) {
      const storedGenesis = await subs.ledgerMeta.get('genesis');
      if (storedGenesis !== undefined && storedGenesis !== genesisHash) {
        throw new GatewayError(
          'ERR_CONFIG_INVALID',
          `the data dir holds the chain of genesis ${storedGenesis}, the consortium's genesis is ${genesisHash}`,
        );
      }
    },
    async read(log) {
      const blocks = new Map<string, Block>();
      for await (const [hash, json] of subs.ledgerBlocks.iterator()) {
        try {
          blocks.set(hash, blockFromJson(json));
        } catch (err) {
          log('warn', `ledger: stored block ${hash} is unreadable: ${(err as Error).message}`);
        }
      }
      const main: string[] = [];
      for await (const [key, hash] of subs.ledgerMain.iterator()) main[Number(key)] = hash;
      const pool: Array<[string, SignedMinuteRecord]> = [];
      for await (const entry of subs.ledgerPool.iterator()) pool.push(entry);
      const attestations: string[] = [];
      for await (const [, json] of subs.ledgerMeta.iterator({ gte: 'att/', lt: 'att0' }))
        attestations.push(json);
      const storedFinal = await subs.ledgerMeta.get('final');
      return {
        blocks,
        main,
        pool,
        attestations,
        finalHash: storedFinal === undefined ? undefined : (JSON.parse(storedFinal) as { hash: string }).hash,
        attestedMark: await subs.ledgerMeta.get(ATTESTED_KEY),
      };
    },
    async repair(stored, main, mainIndex, genesisHash) {
      const ops: Op[] = [];
      for (let h = main.length; h < stored.main.length; h++) ops.push(del(subs.ledgerMain, heightKey(h)));
      for await (const [key, loc] of subs.ledgerRecords.iterator()) {
        if (mainIndex.get(key)?.blockHash !== loc.blockHash) ops.push(del(subs.ledgerRecords, key));
      }
      for (const [key, loc] of mainIndex) ops.push(put(subs.ledgerRecords, key, loc));
      ops.push(put(subs.ledgerMeta, 'genesis', genesisHash));
      ops.push(put(subs.ledgerMeta, 'tip', main.at(-1)));
      return ops;
    },
    // classic-level does not sync unless told: what the ledger acknowledges must survive a crash.
    write: (ops) => db.batch(ops as never, { sync: true }),
    block: (hash, block) => put(subs.ledgerBlocks, hash, blockToJson(block)),
    main: (height, hash) =>
      hash === null ? del(subs.ledgerMain, heightKey(height)) : put(subs.ledgerMain, heightKey(height), hash),
    record: (key, location) =>
      location === null ? del(subs.ledgerRecords, key) : put(subs.ledgerRecords, key, location),
    pool: (key, record) => (record === null ? del(subs.ledgerPool, key) : put(subs.ledgerPool, key, record)),
    meta: (key, value) => put(subs.ledgerMeta, key, value),
    attestation: (a) => put(subs.ledgerMeta, attestationKey(a), JSON.stringify(a)),
  };
}
