/**
 * Sealing (docs/proofs.md): for each window of *receipt* that is over, the readings and access-log entries it
 * received become salted leaves, a Merkle root, a batch in IPFS (masked in clear, full encrypted) and a
 * minute record signed by the gateway. Windows are sealed in order, each exactly once (the window record
 * and the "next window" mark are one atomic, synced write), and a restart seals whatever a crash left open.
 * The per-leaf work runs in a worker thread (seal-thread.ts), on another core than ingestion; this side
 * reads the window from the store, writes the pages the worker returns, and writes the record. A window's
 * readings go to the worker a chunk at a time, a few chunks ahead, so memory stays flat however large it is.
 */
import type { AlarmStore } from '../alarms/store.ts';
import type { GatewayKeys } from '../crypto/key-files.ts';
import type { BatchFile } from '../ipfs/batch-files.ts';
import type { Ipfs } from '../ipfs/node.ts';
import type { Masker, MaskingRule } from '../masking/index.ts';
import type {
  AccessLog,
  Db,
  IngestLog,
  QuarantineEntry,
  ReadingQueries,
  Sublevels,
  WindowRecord,
} from '../store/index.ts';
import { formatTime, timeIndexKey } from '../store/index.ts';
import { BatchBuilder, fileLinks } from './batch-builder.ts';
import type { UnsealableReading } from './leaf-pages.ts';
import type { SealedPage } from './page-builder.ts';
import { signRecord } from './record.ts';
import { inThreadEngine, type SealEngine } from './seal-session.ts';
import { threadEngine } from './seal-thread.ts';

export interface SealerOptions {
  readonly gatewayId: string;
  readonly windowMs: number;
  readonly graceMs: number;
  readonly pageLeaves: number;
  readonly maskingRules: readonly MaskingRule[];
  /** Run the per-leaf work in a worker thread (default true); false runs it on the event loop. */
  readonly workerThread?: boolean;
}

export interface SealerComponents {
  readonly db: Db;
  readonly subs: Pick<
    Sublevels,
    | 'windows'
    | 'windowsByReading'
    | 'windowLeaves'
    | 'windowSalts'
    | 'meta'
    | 'readings'
    | 'byPatient'
    | 'byFlight'
    | 'quarantine'
    | 'batchBlocks'
  >;
  readonly queries: Pick<ReadingQueries, 'receivedTextPages' | 'firstReceivedAt'>;
  readonly accessLog: Pick<AccessLog, 'between' | 'barrier'>;
  /** Alarm events, sealed after the access log (docs/alarms.md). */
  readonly alarmLog?: Pick<AlarmStore, 'between' | 'barrier'>;
  readonly ingestLog: Pick<IngestLog, 'barrier' | 'nextQuarantineId'>;
  readonly ipfs: Pick<Ipfs, 'batchFile'>;
  readonly keys: GatewayKeys;
  readonly masker: Masker;
  readonly clock: () => number;
  readonly onSealed?: (window: WindowRecord) => void;
}

export interface Sealer {
  /** Seals every window that is over (end + grace ≤ now). Calls are serialized. */
  sealDue(): Promise<WindowRecord[]>;
  /**
   * At shutdown (docs/configuration.md): seals everything received so far, the open window as a shorter one ending
   * now. Receipt times after a restart start at that end, so nothing can land in a sealed window.
   */
  sealOpen(): Promise<WindowRecord[]>;
  /** The first window start not sealed yet. */
  nextWindow(): Promise<number>;
  /** Ends the worker thread, once the seal under way (if any) is over. */
  stop(): Promise<void>;
}

const NEXT_KEY = 'sealing.next';
/** Readings read from the store and sent to the worker at a time. */
const CHUNK_READINGS = 1000;
/** Chunks sent to the worker and not answered yet: enough to keep it busy, few enough to bound memory. */
const CHUNKS_IN_FLIGHT = 4;

export function createSealer(options: SealerOptions, components: SealerComponents): Sealer {
  const { db, subs, clock } = components;
  let running: Promise<WindowRecord[]> = Promise.resolve([]);
  let engine: SealEngine | null = null;
  const sealEngine = (): SealEngine =>
    (engine ??=
      options.workerThread === false
        ? inThreadEngine(components.masker)
        : threadEngine({ rules: options.maskingRules, pseudonymKey: components.keys.pseudonym }));
  const alignDown = (t: number) => t - (t % options.windowMs);

  async function nextWindow(): Promise<number> {
    const stored = await subs.meta.get(NEXT_KEY);
    if (stored !== undefined) return Number(stored);
    const first = await components.queries.firstReceivedAt();
    return alignDown(Math.min(first ?? Number.POSITIVE_INFINITY, clock()));
  }

  async function sealUpTo(open: boolean): Promise<WindowRecord[]> {
    const sealed: WindowRecord[] = [];
    let start = await nextWindow();
    const now = clock();
    const limit = open ? now : now - options.graceMs;
    if (start >= limit || (!open && alignDown(start) + options.windowMs > limit)) return sealed;
    // Everything received before `now` is committed after these barriers (receipt times only grow).
    await components.ingestLog.barrier();
    await components.accessLog.barrier();
    await components.alarmLog?.barrier();
    while (start < limit) {
      let end = alignDown(start) + options.windowMs;
      if (end > limit) {
        if (!open) break;
        end = limit;
      }
      const window = (await subs.windows.get(formatTime(start))) ?? (await sealWindow(start, end));
      sealed.push(window);
      components.onSealed?.(window);
      start = end;
    }
    return sealed;
  }

  async function sealWindow(start: number, end: number): Promise<WindowRecord> {
    const file = await components.ipfs.batchFile(start);
    try {
      return await sealInto(file, start, end);
    } catch (err) {
      await file.abort().catch(() => {});
      throw err;
    }
  }

  async function sealInto(file: BatchFile, start: number, end: number): Promise<WindowRecord> {
    const minute = new Date(start).toISOString();
    const { keys } = components;
    const keyId = keys.currentBatchKeyId;
    const key = keys.batch.get(keyId)!;
    const builder = new BatchBuilder({ gatewayId: options.gatewayId, minute, start, end, keyId }, file);
    const session = sealEngine().begin({
      gatewayId: options.gatewayId,
      minute,
      key,
      pageLeaves: options.pageLeaves,
    });
    const inFlight: Promise<SealedPage[]>[] = [];
    // Every promise gets a handler at once: one that fails while an earlier one is awaited must not be an
    // unhandled rejection (the window fails as a whole and is sealed again later).
    const track = (p: Promise<SealedPage[]>) => {
      p.catch(() => {});
      inFlight.push(p);
    };
    const writeUntil = async (left: number) => {
      while (inFlight.length > left) for (const page of await inFlight.shift()!) await builder.addPage(page);
    };
    let readings = 0;
    let firstReadingId: string | null = null;
    for await (const chunk of components.queries.receivedTextPages(start, end, CHUNK_READINGS)) {
      firstReadingId ??= chunk.ids[0] ?? null;
      readings += chunk.texts.length;
      track(session.readings(chunk.texts));
      await writeUntil(CHUNKS_IN_FLIGHT - 1);
    }
    const access = await components.accessLog.between(start, end);
    if (access.length > 0) track(session.access(access));
    const alarms = (await components.alarmLog?.between(start, end)) ?? [];
    if (alarms.length > 0) track(session.alarms(alarms));
    await writeUntil(0);
    const last = await session.finish();
    for (const page of last.pages) await builder.addPage(page);
    // Readings that could not become leaves leave the window for quarantine (docs/limits.md).
    const unsealable = last.unsealable.map((u) => quarantineOf(u, minute));
    readings -= unsealable.length;
    const batch = await builder.finish({
      root: last.root,
      count: last.count,
      readings,
      access: access.length,
      alarms: alarms.length,
      masking: options.maskingRules,
      files: fileLinks(access),
    });
    const record = signRecord(
      {
        gatewayId: options.gatewayId,
        minute,
        count: last.count,
        root: Buffer.from(batch.root).toString('hex'),
        batchCid: batch.batchCid.toString(),
      },
      keys.signing,
    );
    const window: WindowRecord = {
      start,
      end,
      readings,
      access: access.length,
      firstReadingId,
      ...(unsealable.length > 0 ? { skipped: unsealable.map((u) => u.id) } : {}),
      firstAccessId: access[0]?.id ?? null,
      ...(alarms.length > 0 ? { alarms: alarms.length } : {}),
      record,
      sealedAt: clock(),
    };
    // The batch file is durable before the record that names its root is written.
    const located = await file.finish(batch.batchCid);
    const k = formatTime(start);
    const ops: unknown[] = [
      { type: 'put', sublevel: subs.windows, key: k, value: window },
      { type: 'put', sublevel: subs.windowLeaves, key: k, value: batch.leafHashes },
      { type: 'put', sublevel: subs.windowSalts, key: k, value: batch.salts },
      { type: 'put', sublevel: subs.meta, key: NEXT_KEY, value: String(end) },
    ];
    if (firstReadingId !== null)
      ops.push({ type: 'put', sublevel: subs.windowsByReading, key: firstReadingId, value: k });
    for (const [blockKey, at] of located)
      ops.push({ type: 'put', sublevel: subs.batchBlocks, key: blockKey, value: at });
    for (const u of unsealable) ops.push(...u.ops);
    await db.batch(ops as never, { sync: true });
    return window;
  }

  /** A reading that cannot be sealed, as a quarantine entry and the writes that move it there. */
  function quarantineOf(u: UnsealableReading, minute: string) {
    const { id } = u;
    // Without its id the window's leaf indexes cannot be told: the window fails (and is tried again).
    if (id === '') throw new Error(`window ${minute}: a stored reading without an id (${u.reason})`);
    const entry: QuarantineEntry = {
      id: components.ingestLog.nextQuarantineId(),
      reason: 'unsealable',
      deviceId: u.deviceId,
      kind: u.kind as QuarantineEntry['kind'],
      receivedAt: u.receivedAt,
      seq: u.seq,
      index: null,
      errors: [{ path: '', message: `left out of window ${minute}: ${u.reason}` }],
      raw: u.raw,
      sizeBytes: u.sizeBytes,
    };
    const ops: unknown[] = [
      { type: 'put', sublevel: subs.quarantine, key: entry.id, value: entry },
      { type: 'del', sublevel: subs.readings, key: id },
    ];
    // The dedup entry stays: a retransmission of the reading is still a duplicate.
    if (u.patientId !== null)
      ops.push({ type: 'del', sublevel: subs.byPatient, key: timeIndexKey(u.patientId, u.ts, id) });
    if (u.flightId !== null)
      ops.push({ type: 'del', sublevel: subs.byFlight, key: timeIndexKey(u.flightId, u.ts, id) });
    return { id, ops };
  }

  return {
    nextWindow,
    sealDue() {
      running = running.catch(() => []).then(() => sealUpTo(false));
      return running;
    },
    sealOpen() {
      running = running.catch(() => []).then(() => sealUpTo(true));
      return running;
    },
    async stop() {
      await running.catch(() => {});
      const e = engine;
      engine = null;
      await e?.stop();
    },
  };
}
