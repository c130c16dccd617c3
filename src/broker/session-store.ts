/**
 * aedes' in-memory persistence, bounded (docs/limits.md): what a device can make the broker hold for a
 * client id survives the connection when the session is persistent (clean=false), so the bounds are kept
 * here, per client id, where aedes stores it:
 * - QoS 1/2 messages queued for a session: at most `maxQueued`; newer ones are dropped (counted).
 * - incoming QoS 2 messages awaiting PUBREL: at most `maxIncoming`; one more fails to store, and aedes
 *   closes that connection. aedes' own per-connection window starts empty on every reconnect; this one
 *   does not, so reconnecting cannot grow it.
 * - a persistent session whose last connection closed is dropped after `expiryMs` (subscriptions,
 *   queue, incoming QoS 2 state).
 * Only the persistence interface aedes calls is used; nothing inside aedes is touched.
 */
import memoryPersistence from 'aedes-persistence';
import { GatewayError } from '../errors.ts';

export interface SessionStoreOptions {
  readonly maxQueued: number;
  readonly maxIncoming: number;
  readonly expiryMs: number;
  /** Persistent sessions one device keeps (its client ids are `{deviceId}` and `{deviceId}:…`). */
  readonly maxPerDevice: number;
  readonly onQueueDropped?: (clientId: string) => void;
  readonly onIncomingRefused?: (clientId: string) => void;
  readonly onExpired?: (clientId: string) => void;
}

interface ClientRef {
  readonly id: string;
}
interface SubRef {
  readonly clientId: string;
}
interface PacketRef {
  readonly messageId?: number;
}

// The persistence interface is untyped in aedes 1.2; only the calls wrapped here are named.
// biome-ignore lint/suspicious/noExplicitAny: aedes-persistence 11 ships no usable types for its methods
type Persistence = Record<string, any>;

export interface SessionStore {
  /** The persistence to give aedes. */
  readonly persistence: Persistence;
  /** A client id connected: its session does not expire while connected. */
  connected(clientId: string): void;
  /** The last connection of a client id closed; a persistent session starts its expiry. */
  disconnected(clientId: string, persistent: boolean, now: number): void;
  /** Drops a client id's session now (subscriptions, queue, incoming QoS 2 state). */
  drop(clientId: string): Promise<void>;
  /**
   * A persistent session of `deviceId` connected as `clientId`. Over maxPerDevice, the device's oldest
   * sessions not connected (`isConnected`) are dropped; returns how many.
   */
  keep(deviceId: string, clientId: string, isConnected: (clientId: string) => boolean): number;
  /** Drops the sessions expired at `now`; returns how many. */
  sweep(now: number): Promise<number>;
  queued(clientId: string): number;
  incoming(clientId: string): number;
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const persistence = (memoryPersistence as unknown as () => Persistence)();
  const queued = new Map<string, number>();
  const incoming = new Map<string, Set<number>>();
  const idleSince = new Map<string, number>();
  /** Persistent client ids by device, least recently connected first. */
  const byDevice = new Map<string, Set<string>>();
  const deviceOf = (clientId: string) => clientId.split(':')[0] ?? clientId;
  const forget = (clientId: string) => {
    const ids = byDevice.get(deviceOf(clientId));
    ids?.delete(clientId);
    if (ids?.size === 0) byDevice.delete(deviceOf(clientId));
  };

  const bump = (id: string, by: number) => {
    const n = (queued.get(id) ?? 0) + by;
    if (n <= 0) queued.delete(id);
    else queued.set(id, n);
  };
  const admit = (sub: SubRef) => {
    if ((queued.get(sub.clientId) ?? 0) >= options.maxQueued) {
      options.onQueueDropped?.(sub.clientId);
      return false;
    }
    bump(sub.clientId, 1);
    return true;
  };

  const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
  persistence.outgoingEnqueueCombi = (subs: SubRef[], packet: unknown) =>
    enqueueCombi(subs.filter(admit), packet);
  const enqueue = persistence.outgoingEnqueue.bind(persistence);
  persistence.outgoingEnqueue = async (sub: SubRef, packet: unknown) => {
    if (admit(sub)) await enqueue(sub, packet);
  };
  const clearMessageId = persistence.outgoingClearMessageId.bind(persistence);
  persistence.outgoingClearMessageId = async (client: ClientRef, packet: PacketRef) => {
    const removed = await clearMessageId(client, packet);
    if (removed) bump(client.id, -1);
    return removed;
  };

  const storeIncoming = persistence.incomingStorePacket.bind(persistence);
  persistence.incomingStorePacket = async (client: ClientRef, packet: PacketRef) => {
    const ids = incoming.get(client.id) ?? new Set<number>();
    const messageId = packet.messageId ?? 0;
    if (!ids.has(messageId) && ids.size >= options.maxIncoming) {
      options.onIncomingRefused?.(client.id);
      throw new GatewayError(
        'ERR_QOS_TWO_INFLIGHT',
        `client ${client.id} has ${ids.size} QoS 2 messages awaiting PUBREL`,
      );
    }
    ids.add(messageId);
    incoming.set(client.id, ids);
    await storeIncoming(client, packet);
  };
  const delIncoming = persistence.incomingDelPacket.bind(persistence);
  persistence.incomingDelPacket = async (client: ClientRef, packet: PacketRef) => {
    await delIncoming(client, packet);
    const ids = incoming.get(client.id);
    ids?.delete(packet.messageId ?? 0);
    if (ids?.size === 0) incoming.delete(client.id);
  };
  const cleanIncoming = persistence.cleanIncoming.bind(persistence);
  persistence.cleanIncoming = async (client: ClientRef) => {
    incoming.delete(client.id);
    await cleanIncoming(client);
  };

  async function drop(id: string): Promise<void> {
    const client = { id };
    await persistence.cleanSubscriptions(client);
    await persistence.cleanIncoming(client);
    for await (const packet of persistence.outgoingStream(client)) await clearMessageId(client, packet);
    queued.delete(id);
  }

  return {
    persistence,
    connected(clientId) {
      idleSince.delete(clientId);
    },
    disconnected(clientId, persistent, now) {
      if (persistent) idleSince.set(clientId, now);
    },
    async drop(id) {
      idleSince.delete(id);
      forget(id);
      await drop(id);
    },
    keep(deviceId, clientId, isConnected) {
      const ids = byDevice.get(deviceId) ?? new Set<string>();
      ids.delete(clientId);
      ids.add(clientId);
      byDevice.set(deviceId, ids);
      let dropped = 0;
      for (const id of ids) {
        if (ids.size <= options.maxPerDevice) break;
        if (isConnected(id)) continue;
        ids.delete(id);
        idleSince.delete(id);
        void drop(id);
        dropped++;
      }
      return dropped;
    },
    async sweep(now) {
      let n = 0;
      for (const [id, since] of idleSince) {
        if (now - since < options.expiryMs) continue;
        idleSince.delete(id);
        forget(id);
        await drop(id);
        options.onExpired?.(id);
        n++;
      }
      return n;
    },
    queued: (id) => queued.get(id) ?? 0,
    incoming: (id) => incoming.get(id)?.size ?? 0,
  };
}
