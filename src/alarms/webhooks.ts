/**
 * Webhook deliveries (docs/alarms.md, "Webhooks"): a persistent outbox in LevelDB, one queue per configured
 * webhook, sent in order and at least once. A delivery leaves the outbox only after a 2xx answer; anything
 * else (another status, a timeout, a refused connection) is retried with the same body and delivery id
 * after a back-off that doubles up to a cap. Later deliveries wait behind a failing one, so each alarm's
 * events arrive in order. Each queue is bounded: past `maxEntries` its oldest delivery is dropped, counted.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { Sublevels } from '../store/db.ts';
import { formatId, parseId } from '../store/keys.ts';
import type { AlarmEventEntry, OutboxEntry } from './store.ts';

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

export interface OutboxOptions {
  readonly webhooks: readonly WebhookTarget[];
  readonly maxEntries: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly requestTimeoutMs: number;
}

export interface OutboxComponents {
  readonly subs: Pick<Sublevels, 'alarmOutbox'>;
  readonly onDelivery?: (outcome: 'delivered' | 'failed', webhook: number) => void;
  readonly onDropped?: (webhook: number) => void;
  /** Deliveries waiting, all webhooks together, after each change. */
  readonly onSize?: (entries: number) => void;
  readonly log?: (level: 'warn' | 'error', message: string) => void;
}

export interface Outbox {
  /** The writes that queue the event for every webhook; they go in the batch that stores the event. */
  ops(entry: AlarmEventEntry): unknown[];
  /** The batch holding the `ops` given so far is on disk: send them. */
  notify(): void;
  start(): void;
  stop(): Promise<void>;
  /** Deliveries waiting. */
  size(): number;
}

/** `sha256=<hex HMAC-SHA-256 of the body with the secret>`. */
export function signatureHeader(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * A queue is named by its URL (16 hex digits of its SHA-256), not by its place in the config: reordering the
 * webhooks never sends one receiver's deliveries to another.
 */
const queueKey = (url: string) => `${createHash('sha256').update(url).digest('hex').slice(0, 16)}!`;

export async function createOutbox(options: OutboxOptions, components: OutboxComponents): Promise<Outbox> {
  const { alarmOutbox } = components.subs;
  const queues = await Promise.all(
    options.webhooks.map(async (target) => {
      const prefix = queueKey(target.url);
      const keys = await alarmOutbox.keys({ gt: prefix, lt: `${prefix}~` }).all();
      const last = keys.at(-1);
      return {
        target,
        prefix,
        /** Keys waiting, oldest first (a key is short; the bodies stay on disk). */
        keys,
        /** Keys whose batch is not on disk yet. */
        staged: [] as string[],
        seq: last === undefined ? 0 : parseId(last.slice(prefix.length)) || 0,
        wake: null as (() => void) | null,
      };
    }),
  );
  // Deliveries for webhooks no longer configured have no receiver: they go, counted as dropped.
  const kept = new Set(queues.map((q) => q.prefix));
  const orphans: string[] = [];
  for await (const key of alarmOutbox.keys()) if (!kept.has(key.slice(0, 17))) orphans.push(key);
  if (orphans.length > 0) {
    await alarmOutbox.batch(orphans.map((key) => ({ type: 'del' as const, key })));
    for (const _ of orphans) components.onDropped?.(-1);
    components.log?.('warn', `webhooks: ${orphans.length} delivery(ies) for removed webhooks dropped`);
  }
  let total = queues.reduce((n, q) => n + q.keys.length, 0);
  const stopping = new AbortController();
  const loops: Promise<void>[] = [];
  const sizeChanged = () => components.onSize?.(total);
  sizeChanged();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  async function deliver(target: WebhookTarget, entry: OutboxEntry): Promise<boolean> {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-medgate-signature': signatureHeader(target.secret, entry.body),
          'x-medgate-delivery': entry.deliveryId,
        },
        body: entry.body,
        redirect: 'manual',
        signal: AbortSignal.any([timeout, stopping.signal]),
      });
      // The answer's body is not read: a receiver cannot make the gateway hold it.
      await res.body?.cancel().catch(() => {});
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  async function run(queue: (typeof queues)[number], index: number): Promise<void> {
    let backoff = options.retryInitialMs;
    while (!stopping.signal.aborted) {
      const key = queue.keys[0];
      if (key === undefined) {
        await new Promise<void>((resolve) => {
          queue.wake = resolve;
        });
        queue.wake = null;
        continue;
      }
      const entry = await alarmOutbox.get(key);
      if (entry === undefined) {
        // Its batch never reached the disk (a failed write): nothing to send.
        queue.keys.shift();
        total--;
        sizeChanged();
        continue;
      }
      const ok = await deliver(queue.target, entry);
      if (stopping.signal.aborted) return;
      components.onDelivery?.(ok ? 'delivered' : 'failed', index);
      if (ok) {
        await alarmOutbox.del(key);
        // The key may already be gone (dropped for the bound meanwhile).
        if (queue.keys[0] === key) {
          queue.keys.shift();
          total--;
          sizeChanged();
        }
        backoff = options.retryInitialMs;
      } else {
        await sleep(backoff);
        backoff = Math.min(backoff * 2, options.retryMaxMs);
      }
    }
  }

  return {
    ops(entry) {
      const ops: unknown[] = [];
      for (const [i, queue] of queues.entries()) {
        const deliveryId = randomUUID();
        const body = JSON.stringify({ deliveryId, event: entry.event, alarm: entry.alarm });
        const key = `${queue.prefix}${formatId(++queue.seq)}`;
        ops.push({
          type: 'put',
          sublevel: alarmOutbox,
          key,
          value: { deliveryId, alarmId: entry.alarm.id, body } satisfies OutboxEntry,
        });
        queue.staged.push(key);
        total++;
        while (queue.keys.length + queue.staged.length > options.maxEntries) {
          const dropped = (queue.keys.length > 0 ? queue.keys : queue.staged).shift()!;
          ops.push({ type: 'del', sublevel: alarmOutbox, key: dropped });
          total--;
          components.onDropped?.(i);
        }
      }
      sizeChanged();
      return ops;
    },
    notify() {
      for (const q of queues) {
        q.keys.push(...q.staged.splice(0));
        q.wake?.();
      }
    },
    start() {
      for (const [i, q] of queues.entries()) {
        loops.push(
          run(q, i).catch((err: Error) =>
            components.log?.('error', `webhook ${i}: outbox stopped: ${err.message}`),
          ),
        );
      }
    },
    async stop() {
      stopping.abort();
      for (const q of queues) q.wake?.();
      await Promise.all(loops);
    },
    size: () => total,
  };
}
