/**
 * Publisher process of the sealing bench, forked so that it never shares the gateway's event loop: raw
 * sockets, QoS 1 vitals at a fixed total rate (open loop: a slow gateway does not slow the sender), every
 * PUBACK logged with its send time so the bench can read the latency during a seal.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.ts';
import type { DeviceCredentials } from './load-client.ts';
import { encodeConnect } from './mqtt-encode.ts';
import { TimestampCache } from './publish-writer.ts';
import { AckLog } from './seal-acks.ts';
import { BatchWriter } from './seal-batch-writer.ts';
import type { FromPublisher, PublisherJob, ToPublisher } from './seal-protocol.ts';

const TICK_MS = 2;
/**
 * Unacknowledged publishes per device at most: past it the gateway is not keeping up, and publishes are
 * counted as skipped rather than queued without bound.
 */
const MAX_INFLIGHT = 200;

const send = (m: FromPublisher) => process.send?.(m);
const epochNow = () => performance.timeOrigin + performance.now();
const acks = new AckLog();
const errors: Record<string, number> = {};
const addError = (kind: string) => {
  errors[kind] = (errors[kind] ?? 0) + 1;
};
const timestamps = new TimestampCache();
let sent = 0;
let skipped = 0;

class Device {
  readonly socket: Socket;
  readonly #writer: BatchWriter;
  readonly #sentAt = new Float64Array(0x10000).fill(-1);
  #inflight = 0;

  constructor(device: DeviceCredentials, job: PublisherJob, onConnack: (ok: boolean) => void) {
    this.#writer = new BatchWriter(device.id, device.patientId, device.index, job.batch);
    const reader = new FrameReader({
      connack: (rc) => onConnack(rc === 0),
      puback: (id) => this.#onPuback(id),
      other: () => {},
    });
    this.socket = connect({ port: job.port, host: '127.0.0.1', noDelay: true });
    this.socket.on('connect', () =>
      this.socket.write(
        encodeConnect({ clientId: device.id, username: device.id, password: device.password, keepalive: 0 }),
      ),
    );
    this.socket.on('data', (chunk) => reader.push(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => addError(`socket ${err.code ?? err.message}`));
    this.socket.on('close', () => onConnack(false));
  }

  get inflight(): number {
    return this.#inflight;
  }

  publish(count: number): void {
    const n = Math.min(count, MAX_INFLIGHT - this.#inflight);
    skipped += count - n;
    if (n <= 0) return;
    const length = this.#writer.packetLength;
    const out = Buffer.allocUnsafe(n * length);
    const ts = timestamps.now();
    const now = epochNow();
    for (let i = 0; i < n; i++) this.#sentAt[this.#writer.writeNext(out, i * length, ts)] = now;
    this.#inflight += n;
    sent += n;
    this.socket.write(out);
  }

  #onPuback(id: number): void {
    const at = this.#sentAt[id]!;
    if (at < 0) {
      addError('PUBACK for a packet id not in flight');
      return;
    }
    this.#sentAt[id] = -1;
    this.#inflight--;
    acks.add(at, epochNow());
  }
}

/** The gateway refuses more than 16 handshakes at once from one address (mqtt.limits.pendingPerAddress). */
const CONNECT_CONCURRENCY = 16;

async function connectAll(job: PublisherJob): Promise<Device[]> {
  const devices: Device[] = [];
  let connected = 0;
  let started = 0;
  let settledCount = 0;
  await new Promise<void>((done) => {
    const startOne = () => {
      const d = job.devices[started++];
      if (!d) return;
      let settled = false;
      devices.push(
        new Device(d, job, (ok) => {
          if (settled) return;
          settled = true;
          if (ok) connected++;
          else addError('connect failed');
          if (++settledCount === job.devices.length) done();
          else startOne();
        }),
      );
    };
    if (job.devices.length === 0) done();
    for (let i = 0; i < Math.min(CONNECT_CONCURRENCY, job.devices.length); i++) startOne();
  });
  send({ type: 'connected', connected, errors });
  return devices;
}

/** `rate` in messages/s. */
function startSending(devices: Device[], rate: number): () => void {
  const t0 = performance.now();
  let next = 0;
  // Due publishes are dealt round-robin, so every device sends at rate / devices.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - (sent + skipped);
    if (due <= 0) return;
    const base = Math.floor(due / devices.length);
    let extra = due % devices.length;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[(next + i) % devices.length]!;
      const n = base + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      if (n > 0) d.publish(n);
    }
    next = (next + (due % devices.length)) % devices.length;
  }, TICK_MS);
  const ticker = setInterval(() => send({ type: 'tick', sent, acked: acks.length }), 1000);
  return () => {
    clearInterval(timer);
    clearInterval(ticker);
  };
}

async function stopAll(devices: Device[], stopSending: () => void): Promise<void> {
  stopSending();
  const deadline = Date.now() + 10_000;
  while (devices.some((d) => d.inflight > 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const d of devices) d.socket.destroy();
  send({ type: 'stopped', totals: { sent, acked: acks.length, skipped, errors } });
}

process.on('disconnect', () => process.exit(0));
process.once('message', async (job: PublisherJob) => {
  const devices = await connectAll(job);
  let stopSending = () => {};
  process.on('message', (m: ToPublisher) => {
    if (m.type === 'start') stopSending = startSending(devices, job.rate / job.batch);
    else if (m.type === 'summaries') {
      const summaries = Object.fromEntries(m.intervals.map((i) => [i.label, acks.summary(i.from, i.to)]));
      send({ type: 'summaries', summaries });
    } else if (m.type === 'stop') void stopAll(devices, stopSending);
  });
});
