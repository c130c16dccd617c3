/**
 * Runs a search page against the patient or the flight index: readings in device-time order, each mapped to
 * its resources and filtered, until `_count` resources (a reading's Observations may be split across pages),
 * the page byte bound (`http.maxPageBytes`, on the stored readings read) or the scan bound (a sparse filter stops after `fhir.scanFactor` × `_count` readings and links to the rest).
 */
import type { Resource } from '@medplum/fhirtypes';
import { GatewayError } from '../../errors.ts';
import type { PagePosition } from '../../fhir/page-cursor.ts';
import type { ReadingQueries, StoredReading } from '../../store/index.ts';
import { formatId, parseId, timeIndexKey } from '../../store/index.ts';
import type { ReadingKind } from '../../telemetry/index.ts';

export interface IndexSearch {
  readonly index: 'patient' | 'flight';
  /** The patient or flight id. */
  readonly owner: string;
  readonly kind: ReadingKind;
  readonly from: number;
  readonly to: number | null;
  readonly count: number;
  readonly descending: boolean;
}

export interface SearchPage {
  readonly matches: Array<{ reading: StoredReading; resources: Resource[] }>;
  readonly next: PagePosition | null;
  /** The page stopped at the byte bound. */
  readonly cut: boolean;
}

/** `select` gives the resources of a reading that match the search, in a fixed order. */
export async function runIndexSearch(
  readings: Pick<ReadingQueries, 'byPatient' | 'byFlight'>,
  search: IndexSearch,
  start: PagePosition,
  limits: { readonly maxPageBytes: number; readonly defaultTo: number; readonly scanFactor: number },
  select: (reading: StoredReading) => Resource[],
): Promise<SearchPage> {
  const matches: SearchPage['matches'] = [];
  let count = 0;
  let scanned = 0;
  let bytes = 0;
  // A position inside a reading names that reading: resume just before it, so a reading stored meanwhile
  // with a nearby time cannot shift what the skip applies to.
  let after =
    start.key === '' ? undefined : start.skip > 0 ? justBefore(start.key, search.descending) : start.key;
  let skip = start.skip;
  for (;;) {
    const query = search.index === 'patient' ? readings.byPatient : readings.byFlight;
    const page = await query(search.owner, {
      from: search.from,
      to: search.to ?? limits.defaultTo,
      kind: search.kind,
      limit: Math.min(search.count, 1000),
      maxBytes: Math.max(1, limits.maxPageBytes - bytes),
      after,
      reverse: search.descending,
    });
    for (let i = 0; i < page.readings.length; i++) {
      const reading = page.readings[i]!;
      bytes += Buffer.byteLength(JSON.stringify(reading));
      scanned++;
      const resources = select(reading).slice(skip);
      const room = search.count - count;
      if (resources.length > room) {
        if (room > 0) matches.push({ reading, resources: resources.slice(0, room) });
        const key = timeIndexKey(search.owner, reading.ts, reading.id);
        return { matches, next: { key, skip: skip + room }, cut: false };
      }
      if (resources.length > 0) matches.push({ reading, resources });
      count += resources.length;
      after = timeIndexKey(search.owner, reading.ts, reading.id);
      skip = 0;
      const moreHere = i + 1 < page.readings.length || page.nextAfter !== null;
      if (!moreHere) return { matches, next: null, cut: false };
      if (count === search.count || scanned >= search.count * limits.scanFactor)
        return { matches, next: { key: after, skip: 0 }, cut: false };
      if (bytes >= limits.maxPageBytes && i + 1 === page.readings.length)
        return { matches, next: { key: after, skip: 0 }, cut: true };
    }
    if (page.nextAfter === null) return { matches, next: null, cut: false };
  }
}

/**
 * The index key just before `key` in the iteration order: index keys end in a reading id, and no key lies
 * between `…!{id}` and the same prefix with `id - 1` (or `id + 1` newest first).
 */
function justBefore(key: string, descending: boolean): string {
  const cut = key.lastIndexOf('!') + 1;
  const id = parseId(key.slice(cut));
  if (Number.isNaN(id)) throw new GatewayError('ERR_BAD_CURSOR', '_cursor is not one this gateway issued');
  if (descending) return key.slice(0, cut) + formatId(id + 1);
  return id === 0 ? key.slice(0, cut) : key.slice(0, cut) + formatId(id - 1);
}
