/**
 * Which sealed window holds a reading. Reading ids are assigned in receipt order and receipt times only
 * grow, so each window's readings are one contiguous id range starting at its `firstReadingId`, less the
 * ids it had to leave out (`skipped`, moved to quarantine).
 */
import type { Sublevels } from './db.ts';
import { formatTime, parseId } from './keys.ts';
import type { WindowRecord } from './windows.ts';

export interface WindowLookup {
  /** The window and the reading's leaf index in it, or null while the reading is not sealed yet. */
  ofReading(id: string): Promise<{ window: WindowRecord; index: number } | null>;
  byStart(start: string): Promise<WindowRecord | undefined>;
  /** The sealed window with `start <= at < end`, or null while that time is not sealed yet. */
  containing(at: number): Promise<WindowRecord | null>;
  /** Windows with `from <= start < to`, oldest first. */
  between(from: string, to: string, limit: number): Promise<WindowRecord[]>;
}

export function createWindowLookup(components: {
  subs: Pick<Sublevels, 'windows' | 'windowsByReading'>;
}): WindowLookup {
  const { windows, windowsByReading } = components.subs;
  // Pages of readings are mostly consecutive ids: remember the last window hit.
  let last: WindowRecord | null = null;
  const indexIn = (w: WindowRecord, id: string) => {
    if (w.firstReadingId === null) return -1;
    const offset = parseId(id) - parseId(w.firstReadingId);
    const skipped = w.skipped ?? [];
    if (offset < 0 || offset >= w.readings + skipped.length) return -1;
    let before = 0;
    for (const s of skipped) {
      if (s === id) return -1;
      if (s < id) before++;
    }
    return offset - before;
  };
  return {
    async ofReading(id) {
      if (last && indexIn(last, id) >= 0) return { window: last, index: indexIn(last, id) };
      for await (const start of windowsByReading.values({ lte: id, reverse: true, limit: 1 })) {
        const window = await windows.get(start);
        if (window && indexIn(window, id) >= 0) {
          last = window;
          return { window, index: indexIn(window, id) };
        }
      }
      return null;
    },
    byStart: (start) => windows.get(start),
    async containing(at) {
      for await (const w of windows.values({ lte: formatTime(at), reverse: true, limit: 1 }))
        return w.start <= at && at < w.end ? w : null;
      return null;
    },
    between: (from, to, limit) => windows.values({ gte: from, lt: to, limit }).all(),
  };
}
