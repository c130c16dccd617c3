/**
 * Alarms on LevelDB: each alarm as it stands, indexes by opening time and patient, and the log of alarm
 * events. Event entries are keyed by gateway time (`{at}!{id}`, both only growing) like the access log, so a
 * window's events are one range scan when the sealer seals them. A batch of changes, their events and
 * their webhook deliveries is one write, synced when it holds an event.
 */
import type { Db, Sublevels } from '../store/db.ts';
import { formatId, formatTime, parseId } from '../store/keys.ts';
import type { Alarm, AlarmEventName } from './alarm.ts';

export interface AlarmEventEntry {
  readonly id: string;
  /** Gateway time of the event, epoch ms: decides the window it is sealed in. */
  readonly at: number;
  readonly event: AlarmEventName;
  /** The alarm as it stood after the event. */
  readonly alarm: Alarm;
}

export interface OutboxEntry {
  readonly deliveryId: string;
  readonly alarmId: string;
  /** The exact body sent (and signed), the same on every retry. */
  readonly body: string;
}

export type AlarmSubs = Pick<
  Sublevels,
  'alarms' | 'alarmsOpen' | 'alarmsByOpened' | 'alarmsByPatient' | 'alarmEvents' | 'alarmEventsByAlarm'
>;

export interface AlarmChangeToStore {
  readonly alarm: Alarm;
  /** The previous state (for index moves), or null for a new alarm. */
  readonly previous: Alarm | null;
  readonly event: AlarmEventName | null;
}

export interface AlarmListQuery {
  readonly status?: 'open' | 'closed' | undefined;
  readonly patientId?: string | undefined;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  /** Index key to resume after. */
  readonly after?: string | undefined;
  /** Alarms the caller may see. */
  readonly visible: (alarm: Alarm) => boolean;
  /** Index entries looked at before the page stops short (the cursor continues). */
  readonly maxScan: number;
}

export interface AlarmStore {
  nextAlarmId(): string;
  get(id: string): Promise<Alarm | undefined>;
  openAlarms(): Promise<Alarm[]>;
  /**
   * Writes the changes and an event entry for each change that is an event, with `extraOps(entry)` (the
   * webhook deliveries), as one synced batch. Returns the event entries, in order.
   */
  write(
    changes: readonly AlarmChangeToStore[],
    extraOps: (entry: AlarmEventEntry) => unknown[],
  ): Promise<AlarmEventEntry[]>;
  list(query: AlarmListQuery): Promise<{ alarms: Alarm[]; lastKey: string | null; more: boolean }>;
  /** An alarm's events, oldest first. */
  eventsOf(alarmId: string): Promise<AlarmEventEntry[]>;
  /** Event entries with `from <= at < to`, oldest first (for sealing). */
  between(from: number, to: number): Promise<AlarmEventEntry[]>;
  /** Resolves once every write started before the call is on disk. */
  barrier(): Promise<void>;
  /** Event times continue after this (a sealed window's end): nothing lands in a sealed window. */
  raiseFloor(at: number): void;
}

const openedKey = (a: Alarm) => `${formatTime(Date.parse(a.openedAt))}!${a.id}`;
const patientKey = (a: Alarm) => `${a.patientId}!${openedKey(a)}`;

export async function createAlarmStore(components: {
  readonly db: Db;
  readonly subs: AlarmSubs;
  readonly clock: () => number;
}): Promise<AlarmStore> {
  const { db, subs, clock } = components;
  let lastAlarmId = 0;
  for await (const key of subs.alarms.keys({ reverse: true, limit: 1 })) lastAlarmId = parseId(key) || 0;
  let lastEventId = 0;
  let lastAt = 0;
  for await (const key of subs.alarmEvents.keys({ reverse: true, limit: 1 })) {
    lastAt = Number(key.slice(0, key.indexOf('!')));
    lastEventId = parseId(key.slice(key.indexOf('!') + 1)) || 0;
  }
  const pending = new Set<Promise<unknown>>();

  /**
   * Open alarms come from their own index, however long the history: the screens that ask for them most
   * never scan closed alarms. Same order and cursor keys as the other listings.
   */
  async function listOpen(query: AlarmListQuery, prefix: string) {
    const ids = await subs.alarmsOpen.keys().all();
    const from = `${prefix}${formatTime(query.from)}`;
    const to = `${prefix}${formatTime(query.to)}`;
    const rows: Array<[string, Alarm]> = [];
    for (const alarm of await subs.alarms.getMany(ids)) {
      if (alarm?.status !== 'open') continue;
      if (query.patientId !== undefined && alarm.patientId !== query.patientId) continue;
      const key = `${prefix}${openedKey(alarm)}`;
      if (key < from || key >= to || (query.after !== undefined && key <= query.after)) continue;
      if (query.visible(alarm)) rows.push([key, alarm]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const page = rows.slice(0, query.limit);
    return {
      alarms: page.map((r) => r[1]),
      lastKey: page.at(-1)?.[0] ?? null,
      more: rows.length > page.length,
    };
  }

  return {
    nextAlarmId: () => formatId(++lastAlarmId),
    get: (id) => subs.alarms.get(id),
    async openAlarms() {
      const ids = await subs.alarmsOpen.keys().all();
      const alarms = await subs.alarms.getMany(ids);
      return alarms.filter((a): a is Alarm => a !== undefined);
    },
    async write(changes, extraOps) {
      const ops: unknown[] = [];
      const entries: AlarmEventEntry[] = [];
      // An alarm kept by many readings of one batch is written once, as it stands after the last.
      const last = new Map(changes.map((c, i) => [c.alarm.id, i]));
      for (const [i, { alarm, previous, event }] of changes.entries()) {
        if (last.get(alarm.id) === i)
          ops.push({ type: 'put', sublevel: subs.alarms, key: alarm.id, value: alarm });
        if (previous === null) {
          ops.push({ type: 'put', sublevel: subs.alarmsByOpened, key: openedKey(alarm), value: '' });
          if (alarm.patientId !== null)
            ops.push({ type: 'put', sublevel: subs.alarmsByPatient, key: patientKey(alarm), value: '' });
        } else if (previous.patientId === null && alarm.patientId !== null) {
          ops.push({ type: 'put', sublevel: subs.alarmsByPatient, key: patientKey(alarm), value: '' });
        }
        ops.push(
          alarm.status === 'open'
            ? { type: 'put', sublevel: subs.alarmsOpen, key: alarm.id, value: '' }
            : { type: 'del', sublevel: subs.alarmsOpen, key: alarm.id },
        );
        if (event === null) continue;
        // Time and id are taken together, so both grow in the same order.
        lastAt = Math.max(lastAt, clock());
        const entry: AlarmEventEntry = { id: formatId(++lastEventId), at: lastAt, event, alarm };
        const key = `${formatTime(entry.at)}!${entry.id}`;
        ops.push({ type: 'put', sublevel: subs.alarmEvents, key, value: entry });
        ops.push({
          type: 'put',
          sublevel: subs.alarmEventsByAlarm,
          key: `${alarm.id}!${entry.id}`,
          value: key,
        });
        ops.push(...extraOps(entry));
        entries.push(entry);
      }
      if (ops.length === 0) return entries;
      // Events (and their deliveries) are synced before they are told; a batch of mere updates (`updatedAt`,
      // a NEWS2 score) is not worth an fsync of its own: the next synced write carries it to disk.
      const write = db.batch(ops as never, { sync: entries.length > 0 });
      pending.add(write);
      try {
        await write;
      } finally {
        pending.delete(write);
      }
      return entries;
    },
    async list(query) {
      const alarms: Alarm[] = [];
      const index = query.patientId === undefined ? subs.alarmsByOpened : subs.alarmsByPatient;
      const prefix = query.patientId === undefined ? '' : `${query.patientId}!`;
      if (query.status === 'open') return listOpen(query, prefix);
      const lt = `${prefix}${formatTime(query.to)}`;
      const range =
        query.after === undefined
          ? { gte: `${prefix}${formatTime(query.from)}`, lt }
          : { gt: query.after, lt };
      let scanned = 0;
      let lastKey: string | null = null;
      for await (const key of index.keys(range)) {
        if (alarms.length >= query.limit || scanned >= query.maxScan) return { alarms, lastKey, more: true };
        scanned++;
        lastKey = key;
        const alarm = await subs.alarms.get(key.slice(key.lastIndexOf('!') + 1));
        if (!alarm || (query.status !== undefined && alarm.status !== query.status) || !query.visible(alarm))
          continue;
        alarms.push(alarm);
      }
      return { alarms, lastKey, more: false };
    },
    async eventsOf(alarmId) {
      const keys = await subs.alarmEventsByAlarm.values({ gt: `${alarmId}!`, lt: `${alarmId}!~` }).all();
      const entries = await subs.alarmEvents.getMany(keys);
      return entries.filter((e): e is AlarmEventEntry => e !== undefined);
    },
    between: (from, to) => subs.alarmEvents.values({ gte: formatTime(from), lt: formatTime(to) }).all(),
    async barrier() {
      await Promise.allSettled([...pending]);
    },
    raiseFloor(at) {
      lastAt = Math.max(lastAt, at);
    },
  };
}
