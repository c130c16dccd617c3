/**
 * One device's MQTT connection on a raw socket, for the bench clients: CONNECT, CONNACK (with a timeout),
 * PINGREQ at half the keep-alive from CONNACK on (a slow fleet connect must not time out the first), and
 * an orderly close. What the client does with its connection (a window of PUBLISHes, one at a pace) is
 * the caller's.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.ts';
import { DISCONNECT, encodeConnect, PINGREQ } from './mqtt-encode.ts';

export interface RawConnectionOptions {
  readonly port: number;
  readonly host?: string;
  readonly keepalive: number;
  readonly connectTimeoutMs: number;
}

export interface RawConnectionHandlers {
  /** Called once: true on CONNACK 0, false on refusal, error or timeout, with why. */
  readonly onSettled: (ok: boolean, why?: string) => void;
  readonly onPuback: (packetId: number) => void;
  /** A connection that was up and closed, or bytes that could not be parsed. */
  readonly onError: (kind: string) => void;
  /** A socket error while not closing (`socket ECONNRESET`, …); ignored when not given. */
  readonly onSocketError?: (kind: string) => void;
  /** Before the frames of each read are handled (the time of the read, for the PUBACKs it carries). */
  readonly beforeRead?: () => void;
  /** After the frames of each read were handled. */
  readonly afterRead?: () => void;
}

type State = 'connecting' | 'connected' | 'failed' | 'closing';

export class RawConnection {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #timer: NodeJS.Timeout;
  readonly #keepalive: number;
  readonly #handlers: RawConnectionHandlers;
  #pinger: NodeJS.Timeout | undefined;
  #state: State = 'connecting';

  constructor(
    device: { readonly id: string; readonly password: string },
    options: RawConnectionOptions,
    handlers: RawConnectionHandlers,
  ) {
    this.#handlers = handlers;
    this.#keepalive = options.keepalive;
    this.#reader = new FrameReader({
      connack: (rc) => this.#onConnack(rc),
      puback: (id) => handlers.onPuback(id),
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
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#state !== 'closing') handlers.onSocketError?.(`socket ${err.code ?? err.message}`);
    });
    this.#socket.on('close', () => {
      clearInterval(this.#pinger);
      if (this.#state === 'connecting') this.#fail('connection closed before CONNACK');
      else if (this.#state === 'connected') {
        this.#state = 'failed';
        handlers.onError('connection closed');
      }
    });
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  write(bytes: Uint8Array): void {
    this.#socket.write(bytes);
  }

  ping(): void {
    if (this.#state === 'connected') this.#socket.write(PINGREQ);
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
    this.#handlers.beforeRead?.();
    try {
      this.#reader.push(chunk);
    } catch (err) {
      this.#handlers.onError(`protocol: ${(err as Error).message}`);
      this.#socket.destroy();
      return;
    }
    this.#handlers.afterRead?.();
  }

  #onConnack(rc: number): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    if (rc !== 0) {
      this.#fail(`CONNACK refused (rc ${rc})`);
      return;
    }
    this.#state = 'connected';
    const keepaliveMs = this.#keepalive * 1000;
    if (keepaliveMs > 0) this.#pinger = setInterval(() => this.ping(), keepaliveMs / 2).unref();
    this.#handlers.onSettled(true);
  }

  #fail(reason: string): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    this.#state = 'failed';
    this.#socket.destroy();
    this.#handlers.onSettled(false, reason);
  }
}
