/**
 * The shared ledger as one part of the gateway (docs/ledger.md): the consortium, the chain node on LevelDB, the peer
 * sync and the miner, wired so that sealed records go to the pool and the peers, and mined blocks to the peers.
 */
import { join } from 'node:path';
import type { GatewayConfig } from '../config/index.ts';
import type { SigningKey } from '../crypto/signing.ts';
import { type Block, blockHash, recordKey, toHex } from '../ledger/index.ts';
import { createLedgerNode, type LedgerNode, type RecordLocation } from '../ledger/node/chain.ts';
import { type ConsortiumSource, loadConsortium } from '../ledger/node/consortium-load.ts';
import { createPeerSync, type PeerStatus, type PeerSync } from '../ledger/node/peers.ts';
import { verifyRecord } from '../ledger/record.ts';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { SignedMinuteRecord } from '../model/index.ts';
import type { Db, Sublevels } from '../store/index.ts';
import { createMiner, type Miner } from './miner.ts';

/** The shared ledger as the API sees it (docs/ledger.md, docs/api.md). */
export interface LedgerApi {
  readonly node: LedgerNode;
  /** Where the main chain holds this exact record (same signature), or null while it is not mined. */
  anchorOf(record: SignedMinuteRecord): RecordLocation | null;
  /** A peer sent a block whose parent we lack: compare heads with the peers and pull. */
  syncSoon(): void;
  /** Mine the pending records now; null when there is nothing to mine or this gateway is not a member. */
  mineNow(options?: { allowEmpty?: boolean }): Promise<Block | null>;
  /** A block or records accepted from a client other than the miner: pass them on to the peers. */
  relayBlock(block: Block): void;
  peers(): PeerStatus[];
}

export interface LedgerServiceOptions {
  readonly config: GatewayConfig;
  readonly dataDir: string;
  /** Outgoing peer token (config or GATEWAY_PEER_TOKEN). */
  readonly peerToken: string | undefined;
  /** Mine on the node-cron schedule (default: `anchoring.enabled`). */
  readonly scheduleMining?: boolean;
}

export interface LedgerServiceComponents {
  readonly db: Db;
  readonly subs: Sublevels;
  readonly key: SigningKey;
  readonly clock: () => number;
  readonly log: Log;
  readonly onMined?: (block: Block) => void;
  readonly metrics?: Pick<Metrics, 'ledgerRefused' | 'ledgerRecordSignatureChecks' | 'ledgerFinalHeight'>;
}

export interface LedgerService {
  readonly source: ConsortiumSource;
  readonly node: LedgerNode;
  readonly peers: PeerSync;
  /** Null when this gateway's key is not a member's: it validates and relays but does not mine. */
  readonly miner: Miner | null;
  readonly api: LedgerApi;
  /** A window this gateway sealed: its record into the pool and out to the peers. */
  recordSealed(record: SignedMinuteRecord): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export async function createLedgerService(
  options: LedgerServiceOptions,
  components: LedgerServiceComponents,
): Promise<LedgerService> {
  const { config } = options;
  const { key, clock, log } = components;
  const source = loadConsortium({
    consortiumFile: config.ledger.consortiumFile,
    selfFile: join(options.dataDir, 'ledger', 'consortium.json'),
    gatewayId: config.gatewayId,
    publicKey: key.publicKey,
    params: config.ledger.params,
    defaultIntervalMs: config.anchoring.intervalSeconds * 1000,
    now: clock(),
  });
  const { consortium } = source;
  const me = consortium.byGatewayId.get(config.gatewayId);
  const member =
    me !== undefined && me.retiredAt === undefined && toHex(me.publicKey) === toHex(key.publicKey);
  const { metrics } = components;
  const node = await createLedgerNode({
    db: components.db,
    subs: components.subs,
    consortium,
    clock,
    log,
    limits: config.ledger.limits,
    verifyRecord: (record, publicKey) => {
      metrics?.ledgerRecordSignatureChecks.inc();
      return verifyRecord(record, publicKey);
    },
    onRefused: (kind, code) => metrics?.ledgerRefused.inc({ kind, code }),
    onFinal: (final) => {
      metrics?.ledgerFinalHeight.set(final.height);
      log('info', `ledger: block ${final.height} ${final.hash} is final`);
    },
    ...(member ? { attester: { gatewayId: config.gatewayId, key } } : {}),
  });
  if (!member) {
    log(
      'warn',
      `ledger: ${config.gatewayId}'s signing key is not a member of ${consortium.name}: not mining, records not shared`,
    );
  }

  const peers = createPeerSync(
    {
      peers: config.ledger.peers,
      token: options.peerToken,
      syncIntervalMs: config.ledger.syncIntervalSeconds * 1000,
      timeoutMs: config.ledger.requestTimeoutMs,
      maxBackoffMs: config.ledger.maxBackoffSeconds * 1000,
    },
    { node, log },
  );
  node.onAttest((attestations) => peers.pushAttestations(attestations));
  metrics?.ledgerFinalHeight.set(node.final().height);
  const miner = member
    ? createMiner(
        {
          intervalSeconds: config.anchoring.intervalSeconds,
          // Just after the windows sealed at the same boundary, so they make this block.
          offsetSeconds: Math.ceil(config.sealing.graceSeconds) + 1,
          workers: config.anchoring.workers,
          mineEmpty: config.anchoring.mineEmpty,
          scheduled: options.scheduleMining ?? config.anchoring.enabled,
        },
        {
          node,
          key,
          clock,
          log,
          onMined: (block) => {
            const hash = toHex(blockHash(block.header));
            log('info', `mined block ${block.header.height} ${hash} with ${block.records.length} record(s)`);
            peers.pushBlock(block);
            components.onMined?.(block);
          },
        },
      )
    : null;

  const inflight = new Set<Promise<void>>();
  const api: LedgerApi = {
    node,
    anchorOf(record) {
      const found = node.locate(recordKey(record));
      if (!found || found.block.records[found.index]?.signature !== record.signature) return null;
      return found;
    },
    syncSoon: () => peers.syncSoon(),
    mineNow: (opts) => miner?.mineNow(opts) ?? Promise.resolve(null),
    relayBlock: (block) => peers.pushBlock(block),
    peers: () => peers.status(),
  };

  return {
    source,
    node,
    peers,
    miner,
    api,
    recordSealed(record) {
      if (!member) return Promise.resolve();
      const pooled = node.addRecord(record).then(() => peers.pushRecords([record]));
      // The windows sealed at shutdown are pooled before the store closes.
      inflight.add(pooled);
      return pooled.finally(() => inflight.delete(pooled));
    },
    start: () => peers.start(),
    async stop() {
      await Promise.allSettled(inflight);
      await miner?.stop();
      await peers.stop();
    },
  };
}
