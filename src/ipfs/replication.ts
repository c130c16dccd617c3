/**
 * Replication across the consortium (docs/ipfs.md, "Replication"): every batch named by a record of the
 * shared chain is fetched whole (its root and every block it links to, each checked against its CID) from
 * whichever member has it, over bitswap, and kept. A member that lost its disk gets its own batches back.
 *
 * Bounded: `concurrency` batches are fetched at once; a batch that fails waits `retryInitialMs`, doubling up
 * to `retryMaxMs`, before it is tried again; one block has `blockTimeoutMs`; a batch whose DAG goes past
 * `maxBatchBlocks` blocks or `maxBatchBytes` bytes is refused for good (a member cannot make the others hold
 * what it likes). Blocks are never deleted by the gateway: what is held stays held.
 */
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { Log } from '../log.ts';
import type { SignedMinuteRecord } from '../store/index.ts';
import type { BatchFile } from './batch-files.ts';
import type { ReplicaFile } from './node.ts';

export interface ReplicationOptions {
  readonly concurrency: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly blockTimeoutMs: number;
  readonly maxBatchBlocks: number;
  readonly maxBatchBytes: number;
  /** A pass runs this often, and soon after every change of the chain's tip. */
  readonly intervalMs: number;
}

export interface AnchoredBatch {
  readonly gatewayId: string;
  readonly batchCid: string;
  /** The signed record that names the batch. */
  readonly record?: SignedMinuteRecord;
}

/** The batches of the main chain: append-only while `generation` stays, rebuilt after a reorganisation. */
export interface AnchoredView {
  readonly generation: number;
  readonly batches: readonly AnchoredBatch[];
}

export type RefusalReason = 'blocks' | 'bytes' | 'codec' | 'cid';

export interface ReplicationComponents {
  /** Every batch named by a record of the main chain, oldest first (createAnchoredIndex). */
  readonly anchored: () => AnchoredView;
  /** Subscribe to changes of the chain's tip; returns the unsubscribe. */
  readonly onTip: (listener: () => void) => () => void;
  /** A block, local or from the network (bitswap); stored locally once fetched, `into` a batch file if given. */
  readonly fetch: (
    cid: CID,
    options: { signal: AbortSignal; into?: BatchFile | undefined },
  ) => Promise<Uint8Array>;
  /** Where a batch's fetched blocks are written (a file of their own); without it, the blockstore's default. */
  readonly replicaFile?: (root: CID) => Promise<ReplicaFile>;
  readonly log: Log;
  readonly clock: () => number;
  readonly hooks?: {
    onBatch?(outcome: 'held' | 'failed' | 'refused', reason?: RefusalReason): void;
    onBlocks?(blocks: number, bytes: number): void;
    onMissing?(missing: number): void;
    /** A batch is held whole (again, or already): called once per batch per start. */
    onHeld?(batch: AnchoredBatch): Promise<void> | void;
  };
}

export interface PinsReport {
  readonly gateways: { gatewayId: string; anchored: number; held: number; missing: number }[];
}

export interface Replicator {
  start(): void;
  /** One pass now: every anchored batch not held and due is fetched (bounded concurrency). */
  pass(): Promise<void>;
  pins(): PinsReport;
  stop(): Promise<void>;
}

interface BatchState {
  readonly gatewayId: string;
  readonly source: AnchoredBatch;
  held: boolean;
  refused: RefusalReason | null;
  attempts: number;
  nextAt: number;
}

/** Blocks of one batch asked at once. */
const BLOCKS_IN_FLIGHT = 16;

class Refused extends Error {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason) {
    super(`refused: ${reason}`);
    this.reason = reason;
  }
}

export function createReplicator(options: ReplicationOptions, components: ReplicationComponents): Replicator {
  const { log, clock, hooks } = components;
  const batches = new Map<string, BatchState>();
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;

  let generation = -1;
  let known = 0;
  const fresh = (source: AnchoredBatch): BatchState => ({
    gatewayId: source.gatewayId,
    source,
    held: false,
    refused: null,
    attempts: 0,
    nextAt: 0,
  });
  function refresh(): void {
    const view = components.anchored();
    if (view.generation !== generation) {
      // The main chain changed under what was read: keep the state of the batches still named, drop the rest.
      const before = new Map(batches);
      batches.clear();
      generation = view.generation;
      known = 0;
      for (const source of view.batches)
        batches.set(source.batchCid, before.get(source.batchCid) ?? fresh(source));
      known = view.batches.length;
      return;
    }
    for (; known < view.batches.length; known++) {
      const source = view.batches[known]!;
      if (!batches.has(source.batchCid)) batches.set(source.batchCid, fresh(source));
    }
  }

  async function fetchDag(root: CID): Promise<{ blocks: number; bytes: number }> {
    const replica = await components.replicaFile?.(root);
    try {
      return await walkDag(root, replica?.file);
    } finally {
      // What was fetched stays held, whether the batch came whole or not: a retry fetches only the rest.
      await replica?.keep();
    }
  }

  async function walkDag(root: CID, into: BatchFile | undefined): Promise<{ blocks: number; bytes: number }> {
    const seen = new Set<string>([root.toString()]);
    let level: CID[] = [root];
    let bytes = 0;
    const fetchOne = async (cid: CID): Promise<CID[]> => {
      if (cid.multihash.code !== sha256.code) throw new Refused('cid');
      if (cid.code !== dagCbor.code && cid.code !== raw.code && cid.code !== dagPb.code)
        throw new Refused('codec');
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(options.blockTimeoutMs)]);
      const block = await components.fetch(cid, { signal, into });
      const digest = await sha256.digest(block);
      if (!equal(digest.bytes, cid.multihash.bytes)) throw new Error(`block ${cid} does not match its CID`);
      bytes += block.byteLength;
      if (bytes > options.maxBatchBytes) throw new Refused('bytes');
      return linksOf(cid, block);
    };
    // Level by level, up to BLOCKS_IN_FLIGHT blocks asked at once: one round trip per block would bound
    // replication by the latency, not the bandwidth.
    while (level.length > 0) {
      const next: CID[] = [];
      let i = 0;
      const worker = async () => {
        while (i < level.length) {
          for (const link of await fetchOne(level[i++]!)) {
            const key = link.toString();
            if (seen.has(key)) continue;
            seen.add(key);
            if (seen.size > options.maxBatchBlocks) throw new Refused('blocks');
            next.push(link);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BLOCKS_IN_FLIGHT, level.length) }, worker));
      level = next;
    }
    return { blocks: seen.size, bytes };
  }

  async function replicate(batchCid: string, state: BatchState): Promise<void> {
    try {
      const { blocks, bytes } = await fetchDag(CID.parse(batchCid));
      state.held = true;
      state.attempts = 0;
      hooks?.onBlocks?.(blocks, bytes);
      hooks?.onBatch?.('held');
      await hooks?.onHeld?.(state.source);
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof Refused) {
        state.refused = err.reason;
        hooks?.onBatch?.('refused', err.reason);
        log('warn', `ipfs: batch ${batchCid} of ${state.gatewayId} refused: over the ${err.reason} bound`);
        return;
      }
      state.attempts += 1;
      state.nextAt =
        clock() + Math.min(options.retryMaxMs, options.retryInitialMs * 2 ** (state.attempts - 1));
      hooks?.onBatch?.('failed');
      if (state.attempts === 1 || state.attempts % 10 === 0)
        log(
          'warn',
          `ipfs: batch ${batchCid} of ${state.gatewayId} not fetched yet (${(err as Error).message})`,
        );
    }
  }

  async function runPass(): Promise<void> {
    refresh();
    const now = clock();
    const due = [...batches].filter(([, s]) => !s.held && s.refused === null && s.nextAt <= now);
    let next = 0;
    const worker = async () => {
      while (next < due.length && !controller.signal.aborted) {
        const [cid, state] = due[next++]!;
        await replicate(cid, state);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, due.length) }, worker));
    hooks?.onMissing?.([...batches.values()].filter((s) => !s.held).length);
  }

  function pass(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await runPass();
        } while (again && !controller.signal.aborted);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const kick = () => {
    pass().catch((err: Error) => log('error', `ipfs: replication pass failed: ${err.message}`));
  };

  return {
    start() {
      unsubscribe = components.onTip(kick);
      timer = setInterval(kick, options.intervalMs);
      timer.unref();
      kick();
    },
    pass,
    pins() {
      const per = new Map<string, { gatewayId: string; anchored: number; held: number; missing: number }>();
      for (const state of batches.values()) {
        let row = per.get(state.gatewayId);
        if (!row) {
          row = { gatewayId: state.gatewayId, anchored: 0, held: 0, missing: 0 };
          per.set(state.gatewayId, row);
        }
        row.anchored += 1;
        if (state.held) row.held += 1;
        else row.missing += 1;
      }
      return { gateways: [...per.values()].sort((a, b) => a.gatewayId.localeCompare(b.gatewayId)) };
    },
    async stop() {
      unsubscribe?.();
      if (timer) clearInterval(timer);
      controller.abort();
      await running?.catch(() => {});
    },
  };
}

/** The CIDs a block links to: dag-cbor values and dag-pb (UnixFS) links; raw blocks have none. */
export function linksOf(cid: CID, block: Uint8Array): CID[] {
  if (cid.code === dagPb.code) return dagPb.decode(block).Links.map((link) => link.Hash);
  if (cid.code !== dagCbor.code) return [];
  const found: CID[] = [];
  const walk = (value: unknown): void => {
    const link = CID.asCID(value);
    if (link) found.push(link);
    else if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object' && !(value instanceof Uint8Array))
      for (const v of Object.values(value)) walk(v);
  };
  walk(dagCbor.decode(block));
  return found;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

/**
 * The batches named by the records of a chain's main blocks, read incrementally: each call reads only the
 * blocks added since the last, unless the last block read left the main chain (then all again, in a new
 * generation).
 */
export function createAnchoredIndex(chain: {
  mainBlocks(fromHeight: number, limit: number): readonly { records: readonly SignedMinuteRecord[] }[];
  mainHashAt(height: number): string | undefined;
}): () => AnchoredView {
  let batches: AnchoredBatch[] = [];
  let height = 0;
  let lastHash: string | undefined;
  let generation = 0;
  return () => {
    if (height > 0 && chain.mainHashAt(height - 1) !== lastHash) {
      batches = [];
      height = 0;
      generation += 1;
    }
    for (;;) {
      const blocks = chain.mainBlocks(height, 256);
      if (blocks.length === 0) break;
      for (const block of blocks)
        for (const record of block.records)
          batches.push({ gatewayId: record.gatewayId, batchCid: record.batchCid, record });
      height += blocks.length;
    }
    lastHash = height > 0 ? chain.mainHashAt(height - 1) : undefined;
    return { generation, batches };
  };
}
