/**
 * The per-device publish budgets of the broker (docs/limits.md), both token buckets checked before a
 * message's JSON is parsed, both answering a message over the budget while the connection is not read: TCP
 * then pushes the flood back to the sender instead of the gateway reading it. Two policies:
 *
 * - QoS 0 (`qos0Limit`): a bucket of messages and one of payload bytes. A message over either is dropped,
 *   and its drop is answered only once the budget has refilled (at most 1 s). The connection stays.
 * - QoS 1 and 2 (`acknowledgedPace`): an acknowledged message is never dropped, so a device that sends more
 *   payload bytes than its budget is slowed instead: its message waits until the budget has had time to
 *   refill (at most 5 s), then goes on. Parsing, validating and committing one device's flood can take no
 *   more than its share of the event loop, and nothing is lost.
 */
import type { AuthorizePublishHandler, Client, PublishPacket } from 'aedes';
import type { DeviceRecord } from '../store/index.ts';
import { parseTelemetryTopic } from '../telemetry/index.ts';
import { holdReading } from './aedes-adapter.ts';
import { createTokenBuckets } from './rate-limit.ts';

type Sessions = WeakMap<Client, DeviceRecord>;
type Callback = Parameters<AuthorizePublishHandler>[2];

export interface PacePolicy {
  /** Whether the budget applies to this message of this device. */
  applies(packet: PublishPacket, device: DeviceRecord): boolean;
  /** Takes the message's share of the budget; false when it is over. */
  take(deviceId: string, now: number, size: number): boolean;
  /** How long the connection is not read for a message over the budget. */
  waitMs(size: number): number;
  /** Counts a message over the budget. */
  over(): void;
  /** What happens to the message over the budget once the wait is over. */
  after(client: Client, packet: PublishPacket, callback: Callback, next: AuthorizePublishHandler): void;
}

/** Wraps `next` (the ingest hook) with a budget of the client's device. */
export function pace(
  policy: PacePolicy,
  sessions: Sessions,
  next: AuthorizePublishHandler,
): AuthorizePublishHandler {
  /** Connections whose reading is held while a message over the budget waits. */
  const held = new WeakSet<Client>();
  return (client, packet, callback) => {
    const device = client ? sessions.get(client) : undefined;
    if (!client || !device || !policy.applies(packet, device)) return next(client, packet, callback);
    const size = (packet.payload as Buffer).length;
    if (policy.take(device.id, Date.now(), size)) return next(client, packet, callback);
    policy.over();
    const resume = held.has(client) ? null : holdReading(client);
    if (resume) held.add(client);
    setTimeout(() => {
      if (resume) {
        held.delete(client);
        resume();
      }
      policy.after(client, packet, callback, next);
    }, policy.waitMs(size)).unref();
  };
}

export interface Qos0LimitOptions {
  readonly perSecond: number;
  readonly burst: number;
  readonly bytesPerSecond: number;
  readonly bytesBurst: number;
}

const MAX_DROP_HOLD_MS = 1000;

/** QoS 0 telemetry of the device's own topics: over the budget, dropped. */
export function qos0Limit(options: Qos0LimitOptions, onDropped: () => void): PacePolicy {
  const messages = createTokenBuckets(options.perSecond, options.burst);
  const bytes = createTokenBuckets(options.bytesPerSecond, options.bytesBurst);
  return {
    applies: (packet, device) =>
      packet.qos === 0 && parseTelemetryTopic(packet.topic)?.deviceId === device.id,
    // A message over the byte burst can never pass: it is dropped like any other over the rate.
    take: (id, now, size) => messages.take(id, now) && bytes.take(id, now, size),
    waitMs: (size) =>
      Math.min(MAX_DROP_HOLD_MS, Math.max(1000 / options.perSecond, (size / options.bytesPerSecond) * 1000)),
    over: onDropped,
    after: (_client, _packet, callback) => callback(null),
  };
}

export interface AcknowledgedPaceOptions {
  readonly bytesPerSecond: number;
  readonly bytesBurst: number;
}

const MAX_ACKNOWLEDGED_WAIT_MS = 5000;

/** QoS 1 and 2: over the byte budget, delayed. */
export function acknowledgedPace(options: AcknowledgedPaceOptions, onDelayed: () => void): PacePolicy {
  const bytes = createTokenBuckets(options.bytesPerSecond, options.bytesBurst);
  return {
    applies: (packet) => packet.qos !== 0,
    take: (id, now, size) => bytes.take(id, now, size),
    waitMs: (size) => Math.min(MAX_ACKNOWLEDGED_WAIT_MS, (size / options.bytesPerSecond) * 1000),
    over: onDelayed,
    // A connection closed meanwhile gets no acknowledgement: the device sends the message again.
    after: (client, packet, callback, next) => {
      if (!client.closed) next(client, packet, callback);
    },
  };
}
