/**
 * Sealing (SPEC §3): for each window of *receipt* that is over, the readings and access-log entries it
 * received become salted leaves, a Merkle root, a batch in IPFS (masked in clear, full encrypted) and a
 * minute record signed by the gateway. Windows are sealed in order, each exactly once (the window record
 * and the "next window" mark are one atomic, synced write), and a restart seals whatever a crash left open.
 * The event loop gets a turn every few milliseconds of work (and at every page), so ingestion is never
 * held up for long by a large window.
 */
import type { GatewayKeys } from '../crypto/key-files.ts';
import type { Ipfs } from '../ipfs/node.ts';
import type { Masker, MaskingRule } from '../masking/index.ts';
import type { AccessLog, Db, IngestLog, ReadingQueries, Sublevels, WindowRecord } from '../store/index.ts';
import { formatTime } from '../store/index.ts';
import { BatchBuilder } from './batch-builder.ts';
import { canonicalJson } from './canonical.ts';
import { accessLeafObject, readingLeafObject } from './leaves.ts';
import { signRecord } from './record.ts';

export interface SealerOptions {
  readonly gatewayId: string;
  readonly windowMs: number;
  readonly graceMs: number;
  readonly pageLeaves: number;
  readonly maskingRules: readonly MaskingRule[];
}

export interface SealerComponents {
  readonly db: Db;
  readonly subs: Pick<Sublevels, 'windows' | 'windowsByReading' | 'windowLeaves' | 'windowSalts' | 'meta'>;
  readonly queries: Pick<ReadingQueries, 'receivedPages' | 'firstReceivedAt'>;
  readonly accessLog: Pick<AccessLog, 'between' | 'barrier'>;
  readonly ingestLog: Pick<IngestLog, 'barrier'>;
  readonly ipfs: Pick<Ipfs, 'put' | 'putCbor'>;
  readonly keys: GatewayKeys;
  readonly masker: Masker;
  readonly clock: () => number;
  readonly onSealed?: (window: WindowRecord) => void;
}

export interface Sealer {
  /** Seals every window that is over (end + grace ≤ now). Calls are serialized. */
  sealDue(): Promise<WindowRecord[]>;
  /**
   * At shutdown (SPEC §6): seals everything received so far, the open window as a shorter one ending
   * now. Receipt times after a restart start at that end, so nothing can land in a sealed window.
   */
  sealOpen(): Promise<WindowRecord[]>;
  /** The first window start not sealed yet. */
  nextWindow(): Promise<number>;
}

const NEXT_KEY = 'sealing.next';
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Longest run of per-leaf work between two turns of the event loop. */
const SLICE_MS = 5;

export function createSealer(options: SealerOptions, components: SealerComponents): Sealer {
  const { db, subs, clock } = components;
  let running: Promise<WindowRecord[]> = Promise.resolve([]);
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
    const minute = new Date(start).toISOString();
    const { keys, masker } = components;
    const key = keys.batch.get(keys.currentBatchKeyId)!;
    const builder = new BatchBuilder(
      { gatewayId: options.gatewayId, minute, start, end, keyId: keys.currentBatchKeyId },
      key,
      components.ipfs,
      options.pageLeaves,
    );
    let readings = 0;
    let firstReadingId: string | null = null;
    let sliceStart = performance.now();
    for await (const page of components.queries.receivedPages(start, end, options.pageLeaves)) {
      for (const r of page) {
        firstReadingId ??= r.id;
        const leaf = readingLeafObject(r);
        if (builder.add(canonicalJson(leaf), { ...leaf, data: masker.mask(r.kind, r.data) }))
          await builder.flush();
        if (performance.now() - sliceStart >= SLICE_MS) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      readings += page.length;
      await yieldToLoop();
      sliceStart = performance.now();
    }
    const access = await components.accessLog.between(start, end);
    for (const entry of access) {
      const leaf = accessLeafObject(entry);
      if (builder.add(canonicalJson(leaf), maskAccess(leaf, masker))) await builder.flush();
    }
    const batch = await builder.finish({ readings, access: access.length, masking: options.maskingRules });
    const record = signRecord(
      {
        gatewayId: options.gatewayId,
        minute,
        count: builder.count,
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
      firstAccessId: access[0]?.id ?? null,
      record,
      sealedAt: clock(),
    };
    const k = formatTime(start);
    const ops: unknown[] = [
      { type: 'put', sublevel: subs.windows, key: k, value: window },
      { type: 'put', sublevel: subs.windowLeaves, key: k, value: batch.leafHashes },
      { type: 'put', sublevel: subs.windowSalts, key: k, value: batch.salts },
      { type: 'put', sublevel: subs.meta, key: NEXT_KEY, value: String(end) },
    ];
    if (firstReadingId !== null)
      ops.push({ type: 'put', sublevel: subs.windowsByReading, key: firstReadingId, value: k });
    // One synced write: LevelDB's log is sequential, so this also makes the batch's blocks durable.
    await db.batch(ops as never, { sync: true });
    return window;
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
  };
}

/** An access entry as shared: the patient id, also where it appears in the URL, becomes its pseudonym. */
function maskAccess(leaf: ReturnType<typeof accessLeafObject>, masker: Masker) {
  if (leaf.patientId === null) return leaf;
  const pseudonym = masker.pseudonym(leaf.patientId);
  return { ...leaf, patientId: pseudonym, resource: leaf.resource.split(leaf.patientId).join(pseudonym) };
}
