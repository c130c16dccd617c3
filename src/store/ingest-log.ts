/**
 * The append-only ingest log with group commit (docs/architecture.md: store). Every message submitted while a
 * batch is being written joins the next batch; each batch is one LevelDB write with `sync: true`, so a
 * message's promise resolves only once its readings are on disk (docs/devices.md: PUBACK after durable commit).
 * Batches run one after another, which also makes the (deviceId, seq) check of one batch see every
 * earlier batch.
 */
import { GatewayError } from '../errors.ts';
import type { StoredReading } from '../model/index.ts';
import { encodeStoredReading } from '../model/reading-codec.ts';
import type { FieldError, ReadingKind, ValidReading } from '../telemetry/index.ts';
import type { Db, Sublevels } from './db.ts';
import { dedupKey, formatId, parseId, receiptIndexKey, timeIndexKey } from './keys.ts';
import type { QuarantineEntry } from './records.ts';

export interface Rejection {
  readonly reason: string;
  readonly seq: number | null;
  readonly index: number | null;
  readonly errors: readonly FieldError[];
  readonly raw: string;
  readonly sizeBytes: number;
}

export interface IngestMessage {
  readonly deviceId: string;
  readonly kind: ReadingKind;
  readonly receivedAt: number;
  readonly valid: readonly ValidReading[];
  readonly rejected: readonly Rejection[];
}

export interface IngestOutcome {
  readonly stored: readonly StoredReading[];
  readonly duplicates: number;
  readonly quarantined: readonly QuarantineEntry[];
}

export interface CommitStats {
  readonly messages: number;
  readonly readings: number;
  readonly durationMs: number;
}

export interface IngestLogOptions {
  readonly maxCommitBatch: number;
  readonly onCommit?: (stats: CommitStats) => void;
}

export interface IngestLogComponents {
  readonly db: Db;
  readonly subs: Pick<Sublevels, 'readings' | 'dedup' | 'byPatient' | 'byFlight' | 'receipts' | 'quarantine'>;
}

export interface IngestLog {
  submit(message: IngestMessage): Promise<IngestOutcome>;
  /** Resolves when the queue is empty and nothing is being written. */
  drain(): Promise<void>;
  /**
   * Resolves once every message submitted before the call is committed (or failed), however busy the
   * log stays afterwards. The sealer uses it: receipt times only grow, so after a barrier taken at time T
   * every reading received before T is on disk.
   */
  barrier(): Promise<void>;
  /** A fresh quarantine id, for entries written by others (the sealer's unsealable readings). */
  nextQuarantineId(): string;
}

type ChainedBatch = ReturnType<Db['batch']>;

const MAX_IN_FLIGHT = 2;
/** Queues of at least this many messages are split when nothing is being written. */
const SPLIT_ABOVE = 16;

interface Job {
  readonly message: IngestMessage;
  readonly resolve: (outcome: IngestOutcome) => void;
  readonly reject: (err: unknown) => void;
}

export async function createIngestLog(
  options: IngestLogOptions,
  components: IngestLogComponents,
): Promise<IngestLog> {
  const { db, subs } = components;
  const prefix = {
    readings: subs.readings.prefixKey('', 'utf8'),
    dedup: subs.dedup.prefixKey('', 'utf8'),
    byPatient: subs.byPatient.prefixKey('', 'utf8'),
    byFlight: subs.byFlight.prefixKey('', 'utf8'),
    receipts: subs.receipts.prefixKey('', 'utf8'),
    quarantine: subs.quarantine.prefixKey('', 'utf8'),
  };
  let lastReadingId = await lastId(subs.readings);
  let lastQuarantineId = await lastId(subs.quarantine);
  let queue: Job[] = [];
  /** Highest seq stored per device, learnt from the dedup index on a device's first message. */
  const maxSeq = new Map<string, number>();
  /** Commits under way (at most two: one writing, the next one being prepared). */
  let inFlight = 0;
  let scheduled = false;
  let idleWaiters: Array<() => void> = [];
  let submitted = 0;
  let settled = 0;
  let barriers: Array<{ upTo: number; resolve: () => void }> = [];
  /** Preparing (dedup, ids, batch building) is serialized, and so is writing, in the same order. */
  let preparing: Promise<unknown> = Promise.resolve();
  let writing: Promise<unknown> = Promise.resolve();
  /** Dedup keys of batches prepared but not yet written, which a look-up would not see yet. */
  const pendingKeys = new Set<string>();

  function submit(message: IngestMessage): Promise<IngestOutcome> {
    submitted++;
    return new Promise((resolve, reject) => {
      queue.push({ message, resolve, reject });
      if (!scheduled && inFlight < MAX_IN_FLIGHT) {
        scheduled = true;
        // setImmediate, not a microtask: packets of every socket read in this loop turn join one batch.
        setImmediate(pump);
      }
    });
  }

  /**
   * Starts commits while there is work and room. With nothing in flight a large queue is split in two, so
   * that one half's fsync overlaps the other half's preparation instead of leaving the thread idle.
   */
  function pump(): void {
    scheduled = false;
    while (queue.length > 0 && inFlight < MAX_IN_FLIGHT) {
      const take = inFlight === 0 && queue.length >= SPLIT_ABOVE ? Math.ceil(queue.length / 2) : queue.length;
      const jobs = takeBatch(take);
      inFlight++;
      void commitJobs(jobs);
    }
  }

  async function commitJobs(jobs: Job[]): Promise<void> {
    try {
      await commit(jobs);
    } catch (err) {
      const error = new GatewayError('ERR_STORE', `ingest commit failed: ${(err as Error).message}`, {
        cause: err,
      });
      for (const job of jobs) job.reject(error);
    }
    inFlight--;
    settled += jobs.length;
    releaseBarriers();
    if (queue.length > 0) pump();
    else if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  function takeBatch(maxJobs: number): Job[] {
    let count = 0;
    let n = 0;
    while (
      n < Math.min(queue.length, maxJobs) &&
      (n === 0 || count + (queue[n]?.message.valid.length ?? 0) <= options.maxCommitBatch)
    ) {
      count += queue[n]?.message.valid.length ?? 0;
      n++;
    }
    const jobs = queue.slice(0, n);
    queue = queue.slice(n);
    return jobs;
  }

  async function commit(jobs: Job[]): Promise<void> {
    const started = performance.now();
    const next = preparing.then(() => prepare(jobs));
    preparing = next.catch(() => {});
    const { batch, outcomes, readingCount, keys } = await next;
    const write = writing.then(() => (batch.length > 0 ? batch.write({ sync: true }) : batch.close()));
    writing = write.catch(() => {});
    try {
      await write;
    } finally {
      for (const key of keys) pendingKeys.delete(key);
    }
    options.onCommit?.({
      messages: jobs.length,
      readings: readingCount,
      durationMs: performance.now() - started,
    });
    for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(outcomes[i]!);
  }

  async function prepare(jobs: Job[]) {
    const known = await knownReadings(jobs);
    const seen = new Set<string>();
    // A chained batch on the root database with keys prefixed by hand: per operation it costs about half
    // of an array batch across sublevels, and this loop is the hot path of ingestion.
    const batch = db.batch();
    const outcomes: IngestOutcome[] = [];
    let k = 0;
    let readingCount = 0;
    let firstId: string | null = null;
    for (const { message } of jobs) {
      const stored: StoredReading[] = [];
      let duplicates = 0;
      for (const reading of message.valid) {
        const key = dedupKey(message.deviceId, reading.seq);
        if (known[k++] || seen.has(key) || pendingKeys.has(key)) {
          duplicates++;
          continue;
        }
        seen.add(key);
        if (reading.seq > (maxSeq.get(message.deviceId) ?? -1)) maxSeq.set(message.deviceId, reading.seq);
        const record: StoredReading = {
          id: formatId(++lastReadingId),
          deviceId: message.deviceId,
          kind: message.kind,
          seq: reading.seq,
          ts: reading.ts,
          receivedAt: message.receivedAt,
          data: reading.data,
        };
        firstId ??= record.id;
        putReading(batch, record, key, reading.json);
        stored.push(record);
      }
      readingCount += stored.length;
      const quarantined = message.rejected.map((rejection) => {
        const entry: QuarantineEntry = {
          id: formatId(++lastQuarantineId),
          deviceId: message.deviceId,
          kind: message.kind,
          receivedAt: message.receivedAt,
          ...rejection,
        };
        batch.put(prefix.quarantine + entry.id, JSON.stringify(entry));
        return entry;
      });
      outcomes.push({ stored, duplicates, quarantined });
    }
    // One sparse receipt-index entry per batch: reading ids follow receipt order, so a window's readings
    // are found from the last batch that began before it (see readings.ts).
    if (firstId !== null) {
      batch.put(prefix.receipts + receiptIndexKey(jobs[0]!.message.receivedAt, firstId), '');
    }
    for (const key of seen) pendingKeys.add(key);
    return { batch, outcomes, readingCount, keys: seen };
  }

  /**
   * Which readings of the batch are already stored (docs/devices.md: (deviceId, seq) is unique). Devices count
   * upwards, so a seq above the device's highest stored one is new without a look-up; only the others
   * (retransmissions, late offline buffers) are looked up, in one getMany.
   */
  async function knownReadings(jobs: readonly Job[]): Promise<boolean[]> {
    const unseenDevices = new Set<string>();
    for (const { message } of jobs) if (!maxSeq.has(message.deviceId)) unseenDevices.add(message.deviceId);
    await Promise.all([...unseenDevices].map(loadMaxSeq));
    const known: boolean[] = [];
    const lookups: string[] = [];
    const positions: number[] = [];
    for (const { message } of jobs) {
      const highest = maxSeq.get(message.deviceId) ?? -1;
      for (const reading of message.valid) {
        if (reading.seq <= highest) {
          positions.push(known.length);
          lookups.push(dedupKey(message.deviceId, reading.seq));
        }
        known.push(false);
      }
    }
    if (lookups.length > 0) {
      const found = await subs.dedup.getMany(lookups);
      found.forEach((id, i) => {
        if (id !== undefined) known[positions[i]!] = true;
      });
    }
    return known;
  }

  async function loadMaxSeq(deviceId: string): Promise<void> {
    let highest = -1;
    for await (const key of subs.dedup.keys({
      gte: `${deviceId}!`,
      lt: `${deviceId}"`,
      reverse: true,
      limit: 1,
    })) {
      highest = Number(key.slice(deviceId.length + 1));
    }
    if (!maxSeq.has(deviceId)) maxSeq.set(deviceId, highest);
  }

  function putReading(batch: ChainedBatch, record: StoredReading, key: string, json?: string): void {
    // The device's own JSON text of a single reading is reused: it parsed to exactly `record.data`.
    batch.put(prefix.readings + record.id, encodeStoredReading(record, json));
    batch.put(prefix.dedup + key, record.id);
    const d = record.data as { patientId?: string; flightId?: string };
    if (d.patientId !== undefined) {
      batch.put(prefix.byPatient + timeIndexKey(d.patientId, record.ts, record.id), record.kind);
    }
    if (d.flightId !== undefined) {
      batch.put(prefix.byFlight + timeIndexKey(d.flightId, record.ts, record.id), record.kind);
    }
  }

  function releaseBarriers(): void {
    if (barriers.length === 0) return;
    const waiting = barriers;
    barriers = [];
    for (const b of waiting) {
      if (b.upTo <= settled) b.resolve();
      else barriers.push(b);
    }
  }

  function barrier(): Promise<void> {
    if (settled >= submitted) return Promise.resolve();
    return new Promise((resolve) => barriers.push({ upTo: submitted, resolve }));
  }

  function drain(): Promise<void> {
    if (inFlight === 0 && !scheduled && queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      idleWaiters.push(resolve);
    }).then(() => drain());
  }

  return { submit, drain, barrier, nextQuarantineId: () => formatId(++lastQuarantineId) };
}

async function lastId(sublevel: {
  keys(options: { reverse: boolean; limit: number }): AsyncIterable<string>;
}) {
  for await (const key of sublevel.keys({ reverse: true, limit: 1 })) {
    const n = parseId(key);
    if (Number.isFinite(n)) return n;
  }
  return 0;
}
