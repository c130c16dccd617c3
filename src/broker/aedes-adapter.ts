/**
 * Every place the broker reaches past aedes' documented options, in one file, for aedes 1.2.x
 * (test/unit/broker/aedes-adapter.test.ts pins each behaviour relied on here):
 * - `client._parser` is mqtt-packet's parser, whose `_parseLength` reads a packet's remaining length
 *   (the packet size guard hooks it);
 * - `aedes.clients` maps registered client ids to clients (revocation closes them);
 * - `aedes.publish(packet, client, done)` is where a client's PUBLISH goes after its PUBACK (telemetry
 *   skips it);
 * - aedes reads a client's socket on its `readable` events and when every packet of the last read is
 *   answered: with the listeners off and a packet unanswered, it reads nothing more;
 * - `preConnect(client, packet, done)` runs before aedes copies the will and the keep-alive out of the
 *   CONNECT packet, so changing `packet.will` and `packet.keepalive` there takes effect.
 */
import type { Aedes, Client } from 'aedes';

export const SUPPORTED_AEDES = /^1\.2\./;

export function packetParserOf(client: Client): unknown {
  return (client as Client & { _parser: unknown })._parser;
}

export function registeredClients(aedes: Aedes): Record<string, Client> {
  return (aedes as unknown as { clients: Record<string, Client> }).clients;
}

type PublishFn = (packet: unknown, client: Client | null, done?: (err?: Error) => void) => void;

/** Packets from a client for which `skip` holds never reach aedes' delivery pipeline. */
export function skipDelivery(aedes: Aedes, skip: (topic: string, client: Client) => boolean): void {
  const target = aedes as unknown as { publish: PublishFn };
  const deliver = target.publish.bind(aedes);
  target.publish = (packet, client, done) => {
    const topic = (packet as { topic: string }).topic;
    if (client && skip(topic, client)) {
      // Asynchronously, like aedes itself: a synchronous callback would recurse into the next packet.
      if (done) process.nextTick(done);
      return;
    }
    deliver(packet, client, done);
  };
}

export interface ConnectPacket {
  will?: unknown;
  keepalive: number;
}

/**
 * Stops aedes reading `client`'s socket until the returned function is called. Call it only while one of
 * the client's packets is unanswered (its hook has not called back), or aedes reads on when the others
 * are. The socket's buffer then fills and TCP pushes back on the sender.
 */
export function holdReading(client: Client): () => void {
  const conn = client.conn as unknown as NodeJS.EventEmitter;
  const listeners = conn.listeners('readable') as Array<(...args: unknown[]) => void>;
  for (const listener of listeners) conn.removeListener('readable', listener);
  return () => {
    for (const listener of listeners) conn.on('readable', listener);
  };
}
