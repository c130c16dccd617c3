/**
 * The alarm service: hears committed readings on the event bus (never on the acknowledgement path),
 * evaluates them, stores the changes, queues webhook deliveries and publishes alarm events, all of one
 * batch in one write (synced when it holds an event). Evaluation and acknowledgements run one at a time, in arrival order.
 * Readings waiting for evaluation are bounded (`maxPendingReadings`): past it, new ones are not evaluated
 * (counted), so a flood of readings cannot grow the gateway's memory without end.
 */
import { GatewayError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { Db, Sublevels } from '../store/db.ts';
import type { StoredReading } from '../store/records.ts';
import type { Alarm, AlarmEventName } from './alarm.ts';
import { type AlarmChange, AlarmEngine, type EngineOptions } from './engine.ts';
import {
  type AlarmEventEntry,
  type AlarmListQuery,
  type AlarmStore,
  type AlarmSubs,
  createAlarmStore,
} from './store.ts';
import { createOutbox, type OutboxOptions } from './webhooks.ts';

export interface AlarmServiceOptions extends EngineOptions, OutboxOptions {
  readonly maxPendingReadings: number;
}

export interface AlarmMetricsHooks {
  onEvent?(event: AlarmEventName, alarm: Alarm): void;
  onUnevaluated?(reason: 'backlog' | 'subjects', count: number): void;
  onOpenAlarms?(count: number): void;
  onDelivery?(outcome: 'delivered' | 'failed'): void;
  onDropped?(): void;
  onOutboxSize?(entries: number): void;
}

export interface AlarmServiceComponents {
  readonly db: Db;
  readonly subs: AlarmSubs & Pick<Sublevels, 'alarmOutbox'>;
  readonly events: Pick<EventBus, 'publish' | 'subscribe'>;
  readonly clock: () => number;
  readonly hooks?: AlarmMetricsHooks;
  readonly log?: (level: 'warn' | 'error', message: string) => void;
}

export interface AlarmService {
  /** Subscribes to the bus and starts the webhook senders. */
  start(): void;
  /** Evaluates readings (the bus does this; tests and benches may call it). */
  submit(readings: readonly StoredReading[]): void;
  /** Resolves once everything submitted so far is evaluated and stored. */
  drain(): Promise<void>;
  /** Acknowledges an alarm (open or closed) once; a second acknowledgement is a conflict. */
  acknowledge(id: string, by: string): Promise<Alarm>;
  get(id: string): Promise<Alarm | undefined>;
  list(query: AlarmListQuery): ReturnType<AlarmStore['list']>;
  eventsOf(id: string): Promise<AlarmEventEntry[]>;
  /** For the sealer: alarm events by gateway time. */
  readonly log: Pick<AlarmStore, 'between' | 'barrier' | 'raiseFloor'>;
  stop(): Promise<void>;
}

export async function createAlarmService(
  options: AlarmServiceOptions,
  components: AlarmServiceComponents,
): Promise<AlarmService> {
  const { events, clock } = components;
  const hooks = components.hooks ?? {};
  const store = await createAlarmStore(components);
  const outbox = await createOutbox(options, {
    subs: components.subs,
    onDelivery: (outcome) => hooks.onDelivery?.(outcome),
    onDropped: () => hooks.onDropped?.(),
    onSize: (n) => hooks.onOutboxSize?.(n),
    ...(components.log ? { log: components.log } : {}),
  });
  const stored = await store.openAlarms();
  const engine = new AlarmEngine(options, stored, () => store.nextAlarmId());
  let pending: StoredReading[] = [];
  let chain: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | null = null;
  let refusedSeen = 0;

  /** Stores the changes (the last state of each alarm, every event in order), then tells the world. */
  async function commit(changes: readonly AlarmChange[]): Promise<void> {
    if (changes.length === 0) return;
    const entries = await store.write(changes, (entry) => outbox.ops(entry));
    outbox.notify();
    hooks.onOpenAlarms?.(engine.openCount());
    for (const entry of entries) {
      hooks.onEvent?.(entry.event, entry.alarm);
      events.publish({ type: 'alarm', event: entry.event, alarm: entry.alarm });
    }
  }

  async function evaluatePending(): Promise<void> {
    const readings = pending;
    pending = [];
    if (readings.length === 0) return;
    // Each change carries the alarm as it stood before: nothing here is as large as the open alarms.
    const changes = engine.evaluate(readings);
    if (engine.refused > refusedSeen) {
      hooks.onUnevaluated?.('subjects', engine.refused - refusedSeen);
      refusedSeen = engine.refused;
    }
    await commit(changes);
  }

  // An open alarm whose rule is no longer configured (or NEWS2 turned off) would never close: it closes now,
  // at the gateway's time, as a `closed` event like any other.
  const resumed = new Set(engine.openAlarms().map((a) => a.id));
  const orphans = stored.filter((a) => !resumed.has(a.id));
  if (orphans.length > 0) {
    const at = new Date(clock()).toISOString();
    await commit(
      orphans.map((a) => ({
        alarm: { ...a, status: 'closed' as const, closedAt: at, updatedAt: at },
        event: 'closed',
        previous: a,
      })),
    );
    components.log?.('warn', `alarms: ${orphans.length} open alarm(s) of rules no longer configured closed`);
  }
  hooks.onOpenAlarms?.(engine.openCount());

  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job);
    chain = run.then(
      () => {},
      (err: Error) => components.log?.('error', `alarms: ${err.message}`),
    );
    return run;
  };

  const service: AlarmService = {
    start() {
      unsubscribe = events.subscribe((event) => {
        if (event.type === 'readings') service.submit(event.readings);
      });
      if (!unsubscribe) throw new Error('the event bus has no room for the alarm evaluator');
      outbox.start();
    },
    submit(readings) {
      if (pending.length + readings.length > options.maxPendingReadings) {
        hooks.onUnevaluated?.('backlog', readings.length);
        return;
      }
      const first = pending.length === 0;
      pending.push(...readings);
      // One evaluation takes every reading that arrived meanwhile: one write per turn, not per commit.
      if (first) void enqueue(evaluatePending);
    },
    drain: () => enqueue(async () => {}),
    acknowledge: (id, by) =>
      enqueue(async () => {
        const stored = await store.get(id);
        if (!stored) throw new GatewayError('ERR_NOT_FOUND', `no alarm ${id}`);
        if (stored.acknowledgedAt !== null)
          throw new GatewayError(
            'ERR_ALARM_ACKNOWLEDGED',
            `alarm ${id} was acknowledged at ${stored.acknowledgedAt} by ${stored.acknowledgedBy}`,
          );
        const at = clock();
        const alarm = engine.acknowledge(id, by, at) ?? {
          ...stored,
          acknowledgedAt: new Date(at).toISOString(),
          acknowledgedBy: by,
        };
        await commit([{ alarm, event: 'acknowledged', previous: stored }]);
        return alarm;
      }),
    get: (id) => store.get(id),
    list: (query) => store.list(query),
    eventsOf: (id) => store.eventsOf(id),
    log: store,
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await enqueue(evaluatePending).catch(() => {});
      await chain;
      await outbox.stop();
    },
  };
  return service;
}
