/**
 * One device connection of the load generator on a raw socket: CONNECT, then QoS 1 PUBLISHes keeping
 * `window` of them unacknowledged, latency measured from write to the read that carried the PUBACK.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.ts';
import { addError, type LoadStats } from './load-stats.ts';
import { DISCONNECT, encodeConnect, PINGREQ } from './mqtt-encode.ts';
import { PublishWriter, type TimestampCache } from './publish-writer.ts';

export interface DeviceCredentials {
  readonly id: string;
  readonly password: string;
  readonly patientId: string;
  readonly index: number;
}

export interface LoadClientOptions {
  readonly port: number;
  readonly window: number;
  readonly keepalive: number;
  readonly connectTimeoutMs: number;
  readonly stats: LoadStats;
  readonly clock: TimestampCache;
  /** Called once: true on CONNACK 0, false on refusal, error or timeout. */
  readonly onSettled: (ok: boolean) => void;
}

type State = 'connecting' | 'connected' | 'failed' | 'closing';

export class LoadClient {
  readonly #options: LoadClientOptions;
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #writer: PublishWriter;
  // Send time per packet id, -1 when the id is not in flight (512 KiB: not allocated for idle devices).
  readonly #sentAt: Float64Array;
  readonly #timer: NodeJS.Timeout;
  #pinger: NodeJS.Timeout | undefined;
  #state: State = 'connecting';
  #inflight = 0;
  #sending = false;
  #now = 0;

  constructor(device: DeviceCredentials, options: LoadClientOptions) {
    this.#options = options;
    this.#sentAt = new Float64Array(options.window > 0 ? 0x10000 : 0).fill(-1);
    this.#writer = new PublishWriter({
      deviceId: device.id,
      patientId: device.patientId,
      index: device.index,
    });
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
    this.#socket = connect({ port: options.port, host: '127.0.0.1', noDelay: true });
    this.#socket.on('connect', () => this.#socket.write(connectPacket));
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#state !== 'closing') addError(options.stats, `socket ${err.code ?? err.message}`);
    });
    this.#socket.on('close', () => {
      clearInterval(this.#pinger);
      if (this.#state === 'connecting') this.#fail('connection closed before CONNACK');
      else if (this.#state === 'connected') {
        addError(options.stats, 'connection closed');
        this.#state = 'failed';
      }
    });
  }

  get inflight(): number {
    return this.#inflight;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  startSending(): void {
    this.#sending = true;
    this.#topUp(performance.now());
  }

  stopSending(): void {
    this.#sending = false;
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
    this.#now = performance.now();
    try {
      this.#reader.push(chunk);
    } catch (err) {
      addError(this.#options.stats, `protocol: ${(err as Error).message}`);
      this.#socket.destroy();
      return;
    }
    if (this.#sending && this.#state === 'connected') this.#topUp(this.#now);
  }

  #onConnack(rc: number): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    if (rc !== 0) {
      this.#fail(`CONNACK refused (rc ${rc})`);
      return;
    }
    this.#state = 'connected';
    // PINGREQ at half the keep-alive, from CONNACK on: a slow fleet connect must not time out the first.
    const keepaliveMs = this.#options.keepalive * 1000;
    if (keepaliveMs > 0) this.#pinger = setInterval(() => this.ping(), keepaliveMs / 2).unref();
    this.#options.onSettled(true);
  }

  #onPuback(id: number): void {
    const sentAt = this.#sentAt[id] ?? -1;
    const stats = this.#options.stats;
    if (sentAt < 0) {
      addError(stats, 'PUBACK for a packet id not in flight');
      return;
    }
    this.#sentAt[id] = -1;
    this.#inflight--;
    stats.acked++;
    if (stats.recording) {
      stats.recordedAcks++;
      stats.histogram.recordValue(Math.max(1, Math.round((this.#now - sentAt) * 1000)));
    }
  }

  /** Refills the window in one write: one syscall for all the PUBACKs of a read. */
  #topUp(now: number): void {
    const count = this.#options.window - this.#inflight;
    if (count <= 0) return;
    const length = this.#writer.packetLength;
    const out = Buffer.allocUnsafe(count * length);
    const ts = this.#options.clock.now();
    for (let i = 0; i < count; i++) {
      const id = this.#writer.writeNext(out, i * length, ts);
      this.#sentAt[id] = now;
    }
    this.#inflight += count;
    this.#options.stats.sent += count;
    this.#socket.write(out);
  }

  #fail(reason: string): void {
    if (this.#state !== 'connecting') return;
    clearTimeout(this.#timer);
    this.#state = 'failed';
    addError(this.#options.stats, reason);
    this.#socket.destroy();
    this.#options.onSettled(false);
  }
}
