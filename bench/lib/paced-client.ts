/**
 * A lean device on a raw socket for fleets driven at a pace (one reading per tick, one in flight): no
 * per-device buffers beyond the socket's, so 10,000 of them fit in one process. Latency is measured from
 * the write of a QoS 1 PUBLISH to the read that carried its PUBACK.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.ts';
import { DISCONNECT, encodeConnect, PINGREQ } from './mqtt-encode.ts';

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

type State = 'connecting' | 'connected' | 'failed' | 'closing';

export class PacedClient {
  readonly #options: PacedClientOptions;
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #timer: NodeJS.Timeout;
  #pinger: NodeJS.Timeout | undefined;
  #state: State = 'connecting';
  /** Packet id in flight, or 0. */
  #inflightId = 0;
  #sentAt = 0;

  constructor(device: { readonly id: string; readonly password: string }, options: PacedClientOptions) {
    this.#options = options;
    this.#reader = new FrameReader({
      connack: (rc) => this.#onConnack(rc),
      puback: (id) => this.#onPuback(id),
      other: () => {},
    });
    const connectPacket = encodeConnect({
      clientId: device.id,
      username: device.id,
      password: device.password,
      keepalive: options.keepalive,
    });
    this.#timer = setTimeout(() => this.#fail('CONNACK timeout'), options.connectTimeoutMs);
    this.#socket = connect({ port: options.port, host: options.host ?? '127.0.0.1', noDelay: true });
    this.#socket.on('connect', () => this.#socket.write(connectPacket));
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', () => {});
    this.#socket.on('close', () => {
      clearInterval(this.#pinger);
      if (this.#state === 'connecting') this.#fail('connection closed before CONNACK');
      else if (this.#state === 'connected') {
        this.#state = 'failed';
        options.onError('connection closed');
      }
    });
  }

  get connected(): boolean {
    return this.#state === 'connected';
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
    if (this.#state !== 'connected' || this.#inflightId !== 0) return false;
    this.#inflightId = packetId;
    this.#sentAt = performance.now();
    this.#socket.write(packet);
    return true;
  }

  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#pinger);
    const wasConnected = this.#state === 'connected';
    this.#state = 'closing';
    if (wasConnected) this.#socket.end(DISCONNECT);
    else this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.push(chunk);
    } catch (err) {
      this.#options.onError(`protocol: ${(err as Error).message}`);
      this.#socket.destroy();
    }
  }

  #onConnack(rc: number): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    if (rc !== 0) {
      this.#fail(`CONNACK refused (rc ${rc})`);
      return;
    }
    this.#state = 'connected';
    const keepaliveMs = this.#options.keepalive * 1000;
    if (keepaliveMs > 0) {
      this.#pinger = setInterval(() => {
        if (this.#state === 'connected') this.#socket.write(PINGREQ);
      }, keepaliveMs / 2).unref();
    }
    this.#options.onSettled(true);
  }

  #onPuback(id: number): void {
    if (id !== this.#inflightId) {
      this.#options.onError('PUBACK for a packet id not in flight');
      return;
    }
    this.#inflightId = 0;
    this.#options.onAck(performance.now() - this.#sentAt);
  }

  #fail(reason: string): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    this.#state = 'failed';
    this.#socket.destroy();
    this.#options.onSettled(false, reason);
  }
}
