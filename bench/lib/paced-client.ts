/**
 * A lean device on a raw socket for fleets driven at a pace (one reading per tick, one in flight): no
 * per-device buffers beyond the socket's, so 10,000 of them fit in one process. Latency is measured from
 * the write of a QoS 1 PUBLISH to the read that carried its PUBACK.
 */
import { RawConnection } from './raw-connection.ts';

export interface PacedClientOptions {
  readonly port: number;
  readonly host?: string;
  readonly keepalive: number;
  readonly connectTimeoutMs: number;
  /** Called once: true on CONNACK 0, false on refusal, error or timeout (with why). */
  readonly onSettled: (ok: boolean, why?: string) => void;
  /** Called on each PUBACK of the message in flight, with its latency in milliseconds. */
  readonly onAck: (latencyMs: number) => void;
  /** A connection that was up and closed, or bytes the client could not parse. */
  readonly onError: (kind: string) => void;
}

export class PacedClient {
  readonly #connection: RawConnection;
  /** Packet id in flight, or 0. */
  #inflightId = 0;
  #sentAt = 0;

  constructor(device: { readonly id: string; readonly password: string }, options: PacedClientOptions) {
    this.#connection = new RawConnection(device, options, {
      onSettled: options.onSettled,
      onError: options.onError,
      onPuback: (id) => {
        if (id !== this.#inflightId) {
          options.onError('PUBACK for a packet id not in flight');
          return;
        }
        this.#inflightId = 0;
        options.onAck(performance.now() - this.#sentAt);
      },
    });
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  /** A message is awaiting its PUBACK. */
  get busy(): boolean {
    return this.#inflightId !== 0;
  }

  /**
   * Writes one QoS 1 PUBLISH (`packet`, carrying `packetId`, 1..65535) unless the client is not connected
   * or a message is in flight: false then, and nothing is sent.
   */
  publish(packet: Uint8Array, packetId: number): boolean {
    if (!this.#connection.connected || this.#inflightId !== 0) return false;
    this.#inflightId = packetId;
    this.#sentAt = performance.now();
    this.#connection.write(packet);
    return true;
  }

  close(): void {
    this.#connection.close();
  }
}
