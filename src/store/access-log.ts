/**
 * The access log of docs/api.md: every read of patient data, who, what, when and how many. Append-only and
 * keyed by time (`{at}!{id}`, both only growing), so a window's entries are one range scan when the
 * sealer seals and anchors them like readings.
 */
import type { Role } from '../config/index.ts';
import type { Sublevels } from './db.ts';
import { formatId, formatTime, parseId } from './keys.ts';

export interface AccessEntry {
  readonly id: string;
  readonly at: number;
  /** Token label (never the token). */
  readonly actor: string;
  readonly role: Role;
  readonly action: string;
  readonly patientId: string | null;
  readonly resource: string;
  readonly count: number;
}

export interface AccessLog {
  append(entry: Omit<AccessEntry, 'id' | 'at'>): Promise<AccessEntry>;
  /** Entries with `from <= at < to`, oldest first. */
  between(from: number, to: number): Promise<AccessEntry[]>;
  list(options: { limit: number }): Promise<AccessEntry[]>;
  /** Resolves once every append started before the call is on disk. */
  barrier(): Promise<void>;
}

export async function createAccessLog(components: {
  readonly subs: Pick<Sublevels, 'access'>;
  readonly clock?: () => number;
}): Promise<AccessLog> {
  const { access } = components.subs;
  const clock = components.clock ?? Date.now;
  let lastId = 0;
  let lastAt = 0;
  for await (const key of access.keys({ reverse: true, limit: 1 })) {
    lastAt = Number(key.slice(0, key.indexOf('!')));
    lastId = parseId(key.slice(key.indexOf('!') + 1)) || 0;
  }
  const pending = new Set<Promise<unknown>>();
  return {
    async append(entry) {
      // Time and id are taken together, so both grow in the same order.
      lastAt = Math.max(lastAt, clock());
      const record: AccessEntry = { id: formatId(++lastId), at: lastAt, ...entry };
      const write = access.put(`${formatTime(record.at)}!${record.id}`, record, { sync: true } as never);
      pending.add(write);
      try {
        await write;
      } finally {
        pending.delete(write);
      }
      return record;
    },
    between: (from, to) => access.values({ gte: formatTime(from), lt: formatTime(to) }).all(),
    list: ({ limit }) => access.values({ limit }).all(),
    async barrier() {
      await Promise.allSettled([...pending]);
    },
  };
}
