/**
 * The gateway's live events, in process: committed readings, alarm events, sealed windows, new blocks.
 * Producers publish after the fact (a reading after its durable commit), never on the PUBACK path: each
 * listener runs on a later turn of the event loop, and a listener that throws is dropped, not rethrown.
 * Consumers (the alarm evaluator, the `/v1/events` stream) subscribe and unsubscribe; their number is
 * bounded so that no client of the stream can make the gateway hold an unbounded set of listeners.
 */
import type { StoredReading } from '../store/index.ts';

export type LiveEvent =
  | { readonly type: 'readings'; readonly readings: readonly StoredReading[] }
  | { readonly type: 'alarm'; readonly event: string; readonly alarm: Readonly<Record<string, unknown>> }
  | {
      readonly type: 'window';
      readonly minute: string;
      readonly count: number;
      readonly root: string;
      readonly batchCid: string;
    }
  | { readonly type: 'block'; readonly height: number; readonly hash: string };

export type LiveEventListener = (event: LiveEvent) => void;

export interface EventBus {
  publish(event: LiveEvent): void;
  /** Returns the unsubscribe function, or null when `maxListeners` are already subscribed. */
  subscribe(listener: LiveEventListener): (() => void) | null;
  listeners(): number;
}

export function createEventBus(options: { maxListeners: number }): EventBus {
  if (!Number.isInteger(options.maxListeners) || options.maxListeners < 1) {
    throw new RangeError('options.maxListeners must be a positive integer');
  }
  const listeners = new Set<LiveEventListener>();
  // Who an event goes to is decided when it is published. The list is copied when a listener comes or
  // goes, not at every publish: readings are published once per committed message.
  let current: readonly LiveEventListener[] = [];
  // Events published in one turn are delivered together on the next, in order.
  let events: LiveEvent[] = [];
  let targets: (readonly LiveEventListener[])[] = [];

  function deliver(): void {
    const batch = events;
    const to = targets;
    events = [];
    targets = [];
    for (let i = 0; i < batch.length; i++) {
      for (const listener of to[i]!) {
        if (!listeners.has(listener)) continue;
        try {
          listener(batch[i]!);
        } catch {
          remove(listener);
        }
      }
    }
  }

  function remove(listener: LiveEventListener): void {
    if (listeners.delete(listener)) current = [...listeners];
  }

  return {
    publish(event) {
      if (current.length === 0) return;
      events.push(event);
      targets.push(current);
      if (events.length === 1) setImmediate(deliver);
    },
    subscribe(listener) {
      if (listeners.size >= options.maxListeners) return null;
      listeners.add(listener);
      current = [...listeners];
      return () => remove(listener);
    },
    listeners: () => listeners.size,
  };
}
