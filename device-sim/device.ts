/**
 * One simulated device: a real MQTT client (3.1.1, QoS 1) that ticks its reading source, publishes each
 * reading, buffers while offline and flushes the buffer as arrays on reconnect, and counts what the
 * gateway acknowledges and rejects.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { ReadingKind } from '../src/telemetry/schemas.ts';
import { BAD_KINDS, JSON_BAD_KINDS, spoil } from './bad-readings.ts';
import type { Counters } from './counters.ts';
import { chunkArrays } from './flush.ts';
import type { Rng } from './rng.ts';
import type { ReadingSource } from './sources.ts';

export interface DeviceOptions {
  readonly id: string;
  readonly secret: string;
  readonly mqttUrl: string;
  readonly rateHz: number;
  /** Relative jitter of the interval between readings, 0..1. */
  readonly jitter: number;
  readonly badRatio: number;
  readonly maxBatch: number;
  readonly maxPayloadBytes: number;
  /** Readings kept offline at most; the oldest go first. */
  readonly maxBuffered: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly connectTimeoutMs: number;
}

export interface DeviceComponents {
  readonly source: ReadingSource;
  /** For timing jitter, back-off and fault injection; the source has its own. */
  readonly rng: Rng;
  readonly counters: Counters;
  readonly clock: () => number;
}

export interface DeviceReport {
  readonly id: string;
  readonly lastSeq: number;
  readonly sent: number;
  readonly acked: number;
  readonly buffered: number;
  readonly flushes: number;
  /** Seqs of readings spoiled on purpose (not-JSON ones included). */
  readonly badSeqs: readonly number[];
  readonly rejectedSeqs: readonly number[];
  readonly pending: number;
  readonly lastError: string | null;
}

export interface SimDevice {
  readonly id: string;
  /** Connects; readings start with the first CONNACK. */
  start(): void;
  /** Drops the connection as a network loss would, and comes back after `ms`. */
  drop(ms: number): void;
  /** Stops producing readings; what is buffered or in flight is still delivered. */
  stopReadings(): void;
  /** Ends a simulated drop now (used at shutdown so the buffer can be flushed). */
  reconnectNow(): void;
  isOnline(): boolean;
  /** Readings not yet acknowledged: buffered plus in flight. */
  pending(): number;
  close(): Promise<void>;
  report(): DeviceReport;
}

interface Item {
  readonly seq: number;
  readonly kind: ReadingKind;
  /** The reading as a value; undefined for a not-JSON reading, which can only travel alone. */
  readonly value: unknown;
  readonly text: string;
  readonly bad: boolean;
  sent: boolean;
}

interface InFlight {
  readonly items: readonly Item[];
  readonly startedAt: number;
}

export function createDevice(options: DeviceOptions, components: DeviceComponents): SimDevice {
  const { source, rng, counters, clock } = components;
  const id = options.id;
  const interval = 1000 / options.rateHz;
  let client: MqttClient | null = null;
  let online = false;
  let everConnected = false;
  let stopped = false;
  let producing = false;
  let dropped = false;
  let failures = 0;
  let tickTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let dropTimer: NodeJS.Timeout | null = null;
  let seq = 0;
  let nextToken = 0;
  let lastError: string | null = null;
  const buffer: Item[] = [];
  const inFlight = new Map<number, InFlight>();
  const badSeqs: number[] = [];
  const rejectedSeqs = new Set<number>();
  const mine = { sent: 0, acked: 0, buffered: 0, flushes: 0 };

  function connect(): void {
    if (stopped || dropped || client) return;
    const c = mqtt.connect(options.mqttUrl, {
      clientId: id,
      username: id,
      password: options.secret,
      protocolVersion: 4,
      clean: true,
      // Reconnection is ours: back-off with jitter, and a fresh client each time.
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs,
      keepalive: 60,
    });
    client = c;
    c.on('connect', () => onConnect(c));
    c.on('message', (_topic, payload) => onReport(payload));
    c.on('error', (err) => {
      lastError = err.message;
    });
    c.on('close', () => onClose(c));
  }

  function onConnect(c: MqttClient): void {
    if (c !== client) return;
    online = true;
    failures = 0;
    counters.connected++;
    if (everConnected) counters.reconnects++;
    c.subscribe(`tele/${id}/errors`, { qos: 1 });
    if (!everConnected) {
      everConnected = true;
      producing = true;
      // A random phase, so that a fleet does not publish in lockstep.
      schedule(rng.uniform(0, interval));
    }
    flush();
  }

  function onClose(c: MqttClient): void {
    if (c !== client) return;
    client = null;
    if (online) {
      online = false;
      counters.connected--;
    } else {
      counters.connectFailures++;
    }
    // Anything not acknowledged goes back to the buffer; a repeat is harmless (the gateway dedups seq).
    for (const [, f] of inFlight) buffer.push(...f.items);
    inFlight.clear();
    c.end(true);
    if (stopped || dropped) return;
    failures++;
    const delay = Math.min(options.backoffMaxMs, options.backoffMinMs * 2 ** Math.min(failures, 20));
    retryTimer = setTimeout(connect, delay * rng.uniform(0.5, 1.5));
  }

  // Ticks are due on an absolute schedule, so a busy event loop delays readings but does not lower the
  // rate; past a few intervals behind, the schedule restarts from now rather than bursting to catch up.
  let due = 0;
  function schedule(delay: number): void {
    const now = performance.now();
    due = due === 0 || now - (due + delay) > 5 * interval ? now + delay : due + delay;
    tickTimer = setTimeout(tick, Math.max(0, due - now));
  }

  function tick(): void {
    tickTimer = null;
    if (!producing) return;
    const now = clock();
    for (const emission of source.next(now)) {
      const reading = { seq: ++seq, ...emission.body };
      let item: Item;
      if (options.badRatio > 0 && rng.chance(options.badRatio)) {
        // Offline readings travel in arrays, where only JSON can go.
        const kind = rng.pick(online ? BAD_KINDS : JSON_BAD_KINDS);
        const bad = spoil(kind, emission.kind, reading, now, rng);
        item = {
          seq: reading.seq,
          kind: emission.kind,
          value: bad.value,
          text: bad.text,
          bad: true,
          sent: false,
        };
        badSeqs.push(reading.seq);
        counters.badSent++;
      } else {
        item = {
          seq: reading.seq,
          kind: emission.kind,
          value: reading,
          text: JSON.stringify(reading),
          bad: false,
          sent: false,
        };
      }
      if (online) publish([item], false);
      else keep(item);
    }
    schedule(interval * (1 + options.jitter * rng.uniform(-1, 1)));
  }

  function keep(item: Item): void {
    buffer.push(item);
    counters.buffered++;
    mine.buffered++;
    if (buffer.length > options.maxBuffered) {
      buffer.shift();
      counters.overflowed++;
    }
  }

  function publish(items: readonly Item[], asArray: boolean): void {
    const c = client;
    if (!c) return;
    const token = nextToken++;
    const payload = asArray ? `[${items.map((i) => i.text).join(',')}]` : items[0]!.text;
    for (const item of items) {
      if (!item.sent) {
        item.sent = true;
        counters.sent++;
        mine.sent++;
      }
    }
    counters.messages++;
    if (asArray) counters.arrays++;
    inFlight.set(token, { items, startedAt: performance.now() });
    c.publish(`tele/${id}/${items[0]!.kind}`, payload, { qos: 1 }, (err) => {
      const f = inFlight.get(token);
      if (!f) return;
      inFlight.delete(token);
      if (err) {
        // Not acknowledged on a connection that is still up: try again with the next flush.
        buffer.push(...f.items);
        return;
      }
      counters.latencyUs.recordValue(Math.max(1, Math.round((performance.now() - f.startedAt) * 1000)));
      for (const item of f.items) {
        if (item.bad) counters.ackedBad++;
        else counters.ackedGood++;
      }
      mine.acked += f.items.length;
    });
  }

  /** Sends the offline buffer: per topic, in seq order, arrays of at most maxBatch and maxPayloadBytes. */
  function flush(): void {
    if (!online || buffer.length === 0) return;
    const items = buffer.splice(0).sort((a, b) => a.seq - b.seq);
    mine.flushes++;
    for (const group of chunkArrays(items, options.maxBatch, options.maxPayloadBytes)) {
      // A not-JSON reading cannot sit in an array.
      publish(group, group[0]!.value !== undefined);
    }
  }

  function onReport(payload: Buffer): void {
    let report: { seq?: unknown };
    try {
      report = JSON.parse(payload.toString('utf8')) as { seq?: unknown };
    } catch {
      return;
    }
    const s = report.seq;
    if (typeof s === 'number') {
      if (rejectedSeqs.has(s)) return; // a repeat of a reading sent twice
      rejectedSeqs.add(s);
      counters.rejected++;
      if (!badSeqs.includes(s)) counters.rejectedGood++;
    } else {
      counters.rejected++;
    }
  }

  return {
    id,
    start: connect,
    drop(ms) {
      if (stopped || dropped || !client) return;
      dropped = true;
      counters.drops++;
      const c = client;
      onClose(c);
      dropTimer = setTimeout(() => {
        dropped = false;
        connect();
      }, ms);
    },
    stopReadings() {
      producing = false;
      if (tickTimer) clearTimeout(tickTimer);
      tickTimer = null;
    },
    reconnectNow() {
      if (!dropped) return;
      if (dropTimer) clearTimeout(dropTimer);
      dropped = false;
      connect();
    },
    isOnline: () => online,
    pending: () => buffer.length + [...inFlight.values()].reduce((n, f) => n + f.items.length, 0),
    async close() {
      stopped = true;
      producing = false;
      for (const t of [tickTimer, retryTimer, dropTimer]) if (t) clearTimeout(t);
      const c = client;
      if (!c) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => c.end(true, () => resolve()), 2000);
        c.end(false, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    report: () => ({
      id,
      lastSeq: seq,
      sent: mine.sent,
      acked: mine.acked,
      buffered: mine.buffered,
      flushes: mine.flushes,
      badSeqs: [...badSeqs],
      rejectedSeqs: [...rejectedSeqs].sort((a, b) => a - b),
      pending: buffer.length + [...inFlight.values()].reduce((n, f) => n + f.items.length, 0),
      lastError,
    }),
  };
}
