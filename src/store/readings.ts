/** Queries over the ingest log's indexes: by patient, by flight, by receipt minute, by id. */

import type { StoredReading } from '../model/index.ts';
import { decodeStoredReading, storedReceivedAt } from '../model/reading-codec.ts';
import type { ReadingKind } from '../telemetry/index.ts';
import type { Sublevels } from './db.ts';
import { formatTime, timeRange } from './keys.ts';

export interface TimeQuery {
  /** Inclusive, epoch ms of the device timestamp. */
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly kind?: ReadingKind | undefined;
  readonly limit: number;
  /**
   * Stop before the stored readings (JSON text) pass this many bytes; the first reading always comes, so
   * one larger than the bound comes alone. Unbounded when absent.
   */
  readonly maxBytes?: number | undefined;
  /** Resume strictly after this index key (from a previous page): strictly before it when `reverse`. */
  readonly after?: string | undefined;
  /** Newest device time first. */
  readonly reverse?: boolean | undefined;
}

export interface ReadingsPage {
  readonly readings: StoredReading[];
  /** Index key of the last reading returned, when more may follow. */
  readonly nextAfter: string | null;
  /** The page stopped at `maxBytes` rather than at `limit` or the end of the range. */
  readonly cut: boolean;
}

/** Readings fetched per LevelDB read while a page is built: the event loop turns between chunks. */
const PAGE_CHUNK = 64;

export interface ReadingQueries {
  byPatient(patientId: string, query: TimeQuery): Promise<ReadingsPage>;
  byFlight(flightId: string, query: TimeQuery): Promise<ReadingsPage>;
  byId(id: string): Promise<StoredReading | undefined>;
  /** Readings received in `[from, to)` (epoch ms), in receipt order. */
  receivedIn(from: number, to: number): Promise<StoredReading[]>;
  /** Receipt time of the first reading ever stored, or null. */
  firstReceivedAt(): Promise<number | null>;
  /** Receipt time of the last reading stored, or null. */
  lastReceivedAt(): Promise<number | null>;
  /** The same, a page at a time, so a large window never sits in memory whole. */
  receivedPages(from: number, to: number, pageSize: number): AsyncGenerator<StoredReading[]>;
  /** The same as stored JSON text, unparsed (for the seal worker), with the readings' ids. */
  receivedTextPages(from: number, to: number, pageSize: number): AsyncGenerator<ReadingTextPage>;
}

export interface ReadingTextPage {
  readonly ids: string[];
  readonly texts: string[];
}

type Components = { readonly subs: Pick<Sublevels, 'readings' | 'byPatient' | 'byFlight' | 'receipts'> };

export function createReadingQueries(components: Components): ReadingQueries {
  const { readings, byPatient, byFlight, receipts } = components.subs;

  /**
   * A page in index order, read in chunks of PAGE_CHUNK readings (as stored text, so their size is known
   * before they are parsed), stopping at `limit` readings or before `maxBytes`.
   */
  async function page(index: Sublevels['byPatient'], owner: string, query: TimeQuery): Promise<ReadingsPage> {
    const range = timeRange(owner, query.from, query.to);
    const maxBytes = query.maxBytes ?? Number.POSITIVE_INFINITY;
    const out: StoredReading[] = [];
    let bytes = 0;
    let lastKey: string | null = null;
    let more = false;
    let cut = false;
    let pending: string[] = [];
    /** Takes the pending keys' readings while they fit; false when the byte bound stopped the page. */
    const take = async (): Promise<boolean> => {
      const keys = pending;
      pending = [];
      const ids = keys.map((key) => key.slice(key.lastIndexOf('!') + 1));
      const texts = (await readings.getMany(ids, { valueEncoding: 'utf8' } as never)) as unknown as Array<
        string | undefined
      >;
      for (let i = 0; i < keys.length; i++) {
        const text = texts[i];
        if (text === undefined) continue;
        const size = Buffer.byteLength(text);
        if (out.length > 0 && bytes + size > maxBytes) return false;
        bytes += size;
        out.push(decodeStoredReading(text));
        lastKey = keys[i]!;
      }
      return true;
    };
    const bounds = query.reverse
      ? {
          gte: range.gte,
          lt: query.after !== undefined && query.after < range.lt ? query.after : range.lt,
          reverse: true,
        }
      : {
          ...(query.after !== undefined && query.after >= range.gte
            ? { gt: query.after }
            : { gte: range.gte }),
          lt: range.lt,
        };
    for await (const [key, kind] of index.iterator(bounds)) {
      if (query.kind !== undefined && kind !== query.kind) continue;
      if (out.length + pending.length === query.limit) {
        more = true;
        break;
      }
      pending.push(key);
      if (pending.length === PAGE_CHUNK && !(await take())) {
        more = cut = true;
        break;
      }
    }
    if (pending.length > 0 && !(await take())) more = cut = true;
    return { readings: out, nextAfter: more ? lastKey : null, cut };
  }

  /** Parsed form of receivedTextPages: one scan of the receipt order, two views of it. */
  async function* receivedPages(from: number, to: number, pageSize: number): AsyncGenerator<StoredReading[]> {
    for await (const page of receivedTextPages(from, to, pageSize)) {
      yield page.texts.map((text) => decodeStoredReading(text));
    }
  }

  async function* receivedTextPages(
    from: number,
    to: number,
    pageSize: number,
  ): AsyncGenerator<ReadingTextPage> {
    // Ids follow receipt order. Start at the last commit that began before `from`: earlier readings are
    // all older, and at most one commit's worth is skipped.
    let startId: string | null = null;
    for await (const key of receipts.keys({ lt: formatTime(from), reverse: true, limit: 1 })) {
      startId = key.slice(key.indexOf('!') + 1);
    }
    // The same entries through a utf8 view: the text is what the ingest log wrote.
    const options = { valueEncoding: 'utf8', ...(startId === null ? {} : { gte: startId }) };
    let page: ReadingTextPage = { ids: [], texts: [] };
    for await (const [id, text] of readings.iterator(options as never) as AsyncIterable<[string, string]>) {
      const receivedAt = storedReceivedAt(text);
      if (receivedAt < from) continue;
      if (receivedAt >= to) break;
      page.ids.push(id);
      page.texts.push(text);
      if (page.ids.length === pageSize) {
        yield page;
        page = { ids: [], texts: [] };
      }
    }
    if (page.ids.length > 0) yield page;
  }

  return {
    byPatient: (patientId, query) => page(byPatient, patientId, query),
    byFlight: (flightId, query) => page(byFlight, flightId, query),
    byId: (id) => readings.get(id),
    async receivedIn(from, to) {
      const out: StoredReading[] = [];
      for await (const page of receivedPages(from, to, 10_000)) out.push(...page);
      return out;
    },
    receivedPages,
    receivedTextPages,
    async firstReceivedAt() {
      for await (const key of receipts.keys({ limit: 1 })) return Number(key.slice(0, key.indexOf('!')));
      return null;
    },
    async lastReceivedAt() {
      for await (const reading of readings.values({ reverse: true, limit: 1 })) return reading.receivedAt;
      return null;
    },
  };
}
