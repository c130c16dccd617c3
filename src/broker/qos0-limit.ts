/**
 * QoS 0 per device (docs/limits.md): a token bucket of messages and one of payload bytes. A message over
 * either is dropped before its JSON is parsed, and its drop is answered only once the budget has refilled
 * (at most 1 s) while the connection is not read: TCP pushes the flood back to the sender instead of the
 * gateway reading it only to drop it. The connection stays.
 */
import type { AuthorizePublishHandler, Client } from 'aedes';
import type { DeviceRecord } from '../store/index.ts';
import { parseTelemetryTopic } from '../telemetry/index.ts';
import { holdReading } from './aedes-adapter.ts';
import { createTokenBuckets } from './rate-limit.ts';

export interface Qos0LimitOptions {
  readonly perSecond: number;
  readonly burst: number;
  readonly bytesPerSecond: number;
  readonly bytesBurst: number;
}

const MAX_HOLD_MS = 1000;

/** Wraps `next` (the ingest hook) with the QoS 0 budget of the client's device. */
export function limitQos0(
  options: Qos0LimitOptions,
  components: { sessions: WeakMap<Client, DeviceRecord>; onDropped: () => void },
  next: AuthorizePublishHandler,
): AuthorizePublishHandler {
  const messages = createTokenBuckets(options.perSecond, options.burst);
  const bytes = createTokenBuckets(options.bytesPerSecond, options.bytesBurst);
  /** Connections whose reading is held while a dropped message waits. */
  const held = new WeakSet<Client>();

  return (client, packet, callback) => {
    const device = client ? components.sessions.get(client) : undefined;
    if (!client || !device || packet.qos !== 0 || parseTelemetryTopic(packet.topic)?.deviceId !== device.id) {
      return next(client, packet, callback);
    }
    const now = Date.now();
    const size = (packet.payload as Buffer).length;
    // A message over the byte burst can never pass: it is dropped like any other over the rate.
    if (messages.take(device.id, now) && bytes.take(device.id, now, size))
      return next(client, packet, callback);
    components.onDropped();
    const waitMs = Math.min(
      MAX_HOLD_MS,
      Math.max(1000 / options.perSecond, (size / options.bytesPerSecond) * 1000),
    );
    const resume = held.has(client) ? null : holdReading(client);
    if (resume) held.add(client);
    setTimeout(() => {
      if (resume) {
        held.delete(client);
        resume();
      }
      callback(null);
    }, waitMs).unref();
  };
}
