/**
 * One device connection of the load generator on a raw socket: CONNECT, then QoS 1 PUBLISHes keeping
 * `window` of them unacknowledged, latency measured from write to the read that carried the PUBACK.
 */
import { addError, type LoadStats } from './load-stats.ts';
import { PublishWriter, type TimestampCache } from './publish-writer.ts';
import { RawConnection } from './raw-connection.ts';

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

export class LoadClient {
  readonly #options: LoadClientOptions;
  readonly #connection: RawConnection;
  readonly #writer: PublishWriter;
  // Send time per packet id, -1 when the id is not in flight (512 KiB: not allocated for idle devices).
  readonly #sentAt: Float64Array;
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
    const report = (kind: string) => addError(options.stats, kind);
    // The time of the read, taken before its PUBACKs are handled: their latency and the refill share it.
    const connection = new RawConnection(device, options, {
      onSettled: (ok, why) => {
        if (!ok && why) report(why);
        options.onSettled(ok);
      },
      onPuback: (id) => this.#onPuback(id),
      onError: report,
      onSocketError: report,
      beforeRead: () => {
        this.#now = performance.now();
      },
      afterRead: () => {
        if (this.#sending && connection.connected) this.#topUp(this.#now);
      },
    });
    this.#connection = connection;
  }

  get inflight(): number {
    return this.#inflight;
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  startSending(): void {
    this.#sending = true;
    this.#topUp(performance.now());
  }

  stopSending(): void {
    this.#sending = false;
  }

  ping(): void {
    this.#connection.ping();
  }

  close(): void {
    this.#connection.close();
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
    this.#connection.write(out);
  }
}
