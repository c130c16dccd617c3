/**
 * QoS 1 and 2 per device (docs/limits.md): an acknowledged message is never dropped, so a device that sends
 * more payload bytes than its budget is slowed instead. Its message waits, with its connection not read,
 * until the budget has had time to refill; TCP then pushes back on the sender. Parsing, validating and
 * committing one device's flood can take no more than its share of the event loop, and nothing is lost.
 */
import type { AuthorizePublishHandler, Client } from 'aedes';
import type { DeviceRecord } from '../store/index.ts';
import { holdReading } from './aedes-adapter.ts';
import { createTokenBuckets } from './rate-limit.ts';

export interface AcknowledgedPaceOptions {
  readonly bytesPerSecond: number;
  readonly bytesBurst: number;
}

const MAX_WAIT_MS = 5000;

/** Wraps `next` (the ingest hook) with the QoS 1/2 byte budget of the client's device. */
export function paceAcknowledged(
  options: AcknowledgedPaceOptions,
  components: { sessions: WeakMap<Client, DeviceRecord>; onDelayed: () => void },
  next: AuthorizePublishHandler,
): AuthorizePublishHandler {
  const bytes = createTokenBuckets(options.bytesPerSecond, options.bytesBurst);
  const held = new WeakSet<Client>();

  return (client, packet, callback) => {
    const device = client ? components.sessions.get(client) : undefined;
    if (!client || !device || packet.qos === 0) return next(client, packet, callback);
    const size = (packet.payload as Buffer).length;
    if (bytes.take(device.id, Date.now(), size)) return next(client, packet, callback);
    components.onDelayed();
    const waitMs = Math.min(MAX_WAIT_MS, (size / options.bytesPerSecond) * 1000);
    const resume = held.has(client) ? null : holdReading(client);
    if (resume) held.add(client);
    setTimeout(() => {
      if (resume) {
        held.delete(client);
        resume();
      }
      // A connection closed meanwhile gets no acknowledgement: the device sends the message again.
      if (!client.closed) next(client, packet, callback);
    }, waitMs).unref();
  };
}
