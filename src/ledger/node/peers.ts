/**
 * Peer sync over the HTTP API (docs/ledger.md, docs/api.md): push our records and blocks to every peer, and pull from a peer
 * whose head carries more work. A peer that fails is retried with a doubling back-off; records it missed stay
 * queued for it (a peer cannot pull records), blocks need no queue (it pulls them from our head).
 */
import type { Log } from '../../log.ts';
import type { SignedMinuteRecord } from '../../model/index.ts';
import { isLedgerError } from '../errors.ts';
import { recordKey } from '../record.ts';
import type { Attestation } from '../rules/attestation.ts';
import type { Block } from '../rules/block.ts';
import { blockFromJson, blockToJson } from '../rules/block-json.ts';
import type { LedgerNode } from './chain.ts';

export interface PeerSyncOptions {
  /** Base URLs of the peers' HTTP APIs. */
  readonly peers: readonly string[];
  /** Bearer token presented to the peers (a `peer`-role token there). */
  readonly token?: string | undefined;
  readonly syncIntervalMs: number;
  readonly timeoutMs: number;
  readonly maxBackoffMs: number;
  /** Blocks per page when pulling. */
  readonly pageSize?: number;
  /** Most records kept queued for one peer that is down. */
  readonly maxQueued?: number;
}

export interface PeerSyncComponents {
  readonly node: Pick<
    LedgerNode,
    'head' | 'has' | 'addBlock' | 'pool' | 'genesisHash' | 'final' | 'addAttestations'
  >;
  readonly log: Log;
}

export interface PeerStatus {
  readonly url: string;
  readonly up: boolean;
  readonly queued: number;
  readonly lastError: string | null;
}

export interface PeerSync {
  start(): void;
  stop(): Promise<void>;
  pushRecords(records: readonly SignedMinuteRecord[]): void;
  pushBlock(block: Block): void;
  /** Attestations this gateway made, to every peer (one that misses them pulls them with the blocks). */
  pushAttestations(attestations: readonly Attestation[]): void;
  /** Compare heads with every peer soon (a block with an unknown parent arrived). */
  syncSoon(): void;
  /** One round with every peer: queued records out, heads compared, missing blocks pulled. */
  syncNow(): Promise<void>;
  status(): PeerStatus[];
}

interface Peer {
  readonly url: string;
  readonly queue: Map<string, SignedMinuteRecord>;
  failures: number;
  retryAt: number;
  lastError: string | null;
  busy: Promise<void> | null;
}

interface Head {
  height: number;
  hash: string;
  work: string;
  final?: { height: number; hash: string };
}

/** What a peer answers: one of the docs/api.md bodies, or its error body. */
interface PeerReply {
  readonly code?: string;
  readonly message?: string;
  readonly blocks?: unknown[];
  readonly height?: number;
  readonly hash?: string;
  readonly work?: string;
}

class PeerHttpError extends Error {}

export function createPeerSync(options: PeerSyncOptions, components: PeerSyncComponents): PeerSync {
  const { node, log } = components;
  const pageSize = options.pageSize ?? 100;
  const maxQueued = options.maxQueued ?? 10_000;
  const stopping = new AbortController();
  const peers: Peer[] = options.peers.map((url) => ({
    url: url.replace(/\/+$/, ''),
    queue: new Map(),
    failures: 0,
    retryAt: 0,
    lastError: null,
    busy: null,
  }));
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Timeout | null = null;

  async function call(peer: Peer, method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await fetch(`${peer.url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    const json = (await res.json().catch(() => null)) as PeerReply | null;
    return { status: res.status, json };
  }

  const succeeded = (peer: Peer) => {
    if (peer.failures > 0) log('info', `ledger: peer ${peer.url} is reachable again`);
    peer.failures = 0;
    peer.retryAt = 0;
    peer.lastError = null;
  };
  const failed = (peer: Peer, err: unknown) => {
    if (stopping.signal.aborted) return;
    const message = (err as Error)?.message ?? String(err);
    if (peer.failures === 0) log('warn', `ledger: peer ${peer.url}: ${message}; retrying with back-off`);
    peer.failures++;
    peer.lastError = message;
    peer.retryAt = Date.now() + Math.min(options.maxBackoffMs, 1000 * 2 ** (peer.failures - 1));
  };

  async function flushRecords(peer: Peer) {
    while (peer.queue.size > 0) {
      const records = [...peer.queue.values()].slice(0, 500);
      const res = await call(peer, 'POST', '/v1/ledger/records', { records });
      if (res.status >= 500 || res.status === 401 || res.status === 403) {
        throw new PeerHttpError(`POST records: ${res.status} ${res.json?.message ?? ''}`);
      }
      // A 400 names a record the peer refuses (e.g. it lists other members): it will not get better.
      if (res.status !== 200)
        log('warn', `ledger: peer ${peer.url} refused records: ${res.json?.code} ${res.json?.message}`);
      for (const r of records) peer.queue.delete(recordKey(r));
    }
  }

  /** The attestations a block's JSON carries, counted by our node (a refused one is the peer's business). */
  const importAttestations = async (json: unknown) => {
    const list = (json as { attestations?: unknown } | null)?.attestations;
    if (Array.isArray(list) && list.length > 0) await node.addAttestations(list);
  };

  async function pull(peer: Peer, head: Head) {
    const ours = node.head();
    // A peer whose final block we lack is followed even with less work: finality outranks work.
    const finalAhead =
      head.final !== undefined && head.final.height > node.final().height && !node.has(head.final.hash);
    if (node.has(head.hash) || (BigInt(head.work) <= ours.work && !finalAhead)) return;
    // Find where our chains meet: step back from the lower head, twice as far each time.
    let from = Math.min(ours.height + 1, head.height);
    let step = 1;
    for (;;) {
      from = Math.max(1, from);
      const res = await call(peer, 'GET', `/v1/ledger/blocks?fromHeight=${from}&limit=${pageSize}`);
      if (res.status !== 200) throw new PeerHttpError(`GET blocks: ${res.status} ${res.json?.message ?? ''}`);
      const page = (res.json?.blocks ?? []) as unknown[];
      if (page.length === 0) return;
      const blocks = page.map(blockFromJson);
      if (!node.has(Buffer.from(blocks[0]!.header.previousHash).toString('hex'))) {
        if (from === 1)
          throw new PeerHttpError(`its chain does not start at our genesis ${node.genesisHash}`);
        from -= step;
        step *= 2;
        continue;
      }
      for (const [i, block] of blocks.entries()) {
        try {
          await node.addBlock(block);
        } catch (err) {
          // Its chain left our final one: nothing more to take from it until it comes back.
          if (isLedgerError(err) && err.code === 'ERR_BLOCK_CONFLICTS_FINAL') {
            log('warn', `ledger: peer ${peer.url} follows a chain that conflicts with our final block`);
            return;
          }
          throw err;
        }
        await importAttestations(page[i]);
      }
      if (blocks.length < pageSize) return;
      from = blocks.at(-1)!.header.height + 1;
    }
  }

  async function service(peer: Peer) {
    try {
      await flushRecords(peer);
      const res = await call(peer, 'GET', '/v1/ledger/head');
      if (res.status !== 200) throw new PeerHttpError(`GET head: ${res.status} ${res.json?.message ?? ''}`);
      succeeded(peer);
      const head = res.json as unknown as Head;
      await pull(peer, head);
      // Its final block is one we hold without enough attestations: fetch them.
      if (head.final && head.final.height > node.final().height && node.has(head.final.hash)) {
        const block = await call(peer, 'GET', `/v1/ledger/blocks/${head.final.hash}`);
        if (block.status === 200) await importAttestations(block.json?.blocks?.[0]);
      }
    } catch (err) {
      failed(peer, err);
    }
  }

  const round = (force: boolean) =>
    Promise.all(
      peers.map((peer) => {
        if (stopping.signal.aborted) return undefined;
        if (!force && peer.retryAt > Date.now()) return undefined;
        peer.busy ??= service(peer).finally(() => {
          peer.busy = null;
        });
        return peer.busy;
      }),
    ).then(() => {});

  return {
    start() {
      // A restarted gateway re-offers what it has not seen mined, then catches up from the heaviest peer.
      const pending = node.pool();
      for (const peer of peers) for (const r of pending) peer.queue.set(recordKey(r), r);
      void round(true);
      if (peers.length > 0) timer = setInterval(() => void round(false), options.syncIntervalMs);
      timer?.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      stopping.abort();
      await Promise.all(peers.map((p) => p.busy));
    },
    pushRecords(records) {
      for (const peer of peers) {
        for (const r of records) {
          if (peer.queue.size >= maxQueued) peer.queue.delete(peer.queue.keys().next().value!);
          peer.queue.set(recordKey(r), r);
        }
        if (peer.retryAt <= Date.now() && peer.busy === null) {
          peer.busy = flushRecords(peer)
            .then(
              () => succeeded(peer),
              (err) => failed(peer, err),
            )
            .finally(() => {
              peer.busy = null;
            });
        }
      }
    },
    pushBlock(block) {
      const body = { blocks: [blockToJson(block)] };
      for (const peer of peers) {
        if (peer.retryAt > Date.now()) continue;
        // 409 (unknown parent) is fine: that peer pulls the missing blocks from our head.
        call(peer, 'POST', '/v1/ledger/blocks', body).then(
          (res) => {
            if (res.status >= 500) failed(peer, new PeerHttpError(`POST blocks: ${res.status}`));
            else if (res.status === 400)
              log('warn', `ledger: peer ${peer.url} refused block: ${res.json?.code} ${res.json?.message}`);
          },
          (err) => failed(peer, err),
        );
      }
    },
    pushAttestations(attestations) {
      // A gateway catching up attests many blocks at once: a request carries at most 256.
      for (let i = 0; i < attestations.length; i += 256) {
        const body = { attestations: attestations.slice(i, i + 256) };
        for (const peer of peers) {
          if (peer.retryAt > Date.now()) continue;
          call(peer, 'POST', '/v1/ledger/attestations', body).then(
            (res) => {
              if (res.status >= 500) failed(peer, new PeerHttpError(`POST attestations: ${res.status}`));
            },
            (err) => failed(peer, err),
          );
        }
      }
    },
    syncSoon() {
      if (soon || stopping.signal.aborted) return;
      soon = setTimeout(() => {
        soon = null;
        void round(true);
      }, 50);
    },
    syncNow: () => round(true),
    status: () =>
      peers.map((p) => ({ url: p.url, up: p.failures === 0, queued: p.queue.size, lastError: p.lastError })),
  };
}
