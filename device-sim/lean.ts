/**
 * The lean publish path (`--lean`): each device is a raw socket sending QoS 1 PUBLISHes it encodes
 * itself, one in flight, driven by one timer for the whole fleet, so that 10,000 devices at 1 Hz fit in
 * one process. It keeps none of mqtt.js's machinery: no reconnects, no offline buffers, no spoiled
 * readings (the default path simulates those). A reading due while the previous one is unacknowledged
 * waits in a short queue; past it the oldest is dropped and counted as overflowed.
 */
import { startTicker } from '../bench/lib/fleet-ticker.ts';
import { encodePublishTemplate } from '../bench/lib/mqtt-encode.ts';
import { PacedClient } from '../bench/lib/paced-client.ts';
import type { Counters } from './counters.ts';
import type { DeviceReport } from './device.ts';
import type { ReadingSource } from './sources.ts';

/** Readings a lean device holds while its previous one is in flight (a drone's delivery events). */
const QUEUE = 16;
/** Handshakes in progress at once: the gateway refuses more from one address (mqtt.limits.pendingPerAddress). */
const CONNECTING = 16;

export interface LeanDeviceSpec {
  readonly id: string;
  readonly secret: string;
  readonly source: ReadingSource;
}

export interface LeanOptions {
  readonly port: number;
  readonly host: string;
  readonly rateHz: number;
  /** New connections per second. */
  readonly rampPerSec: number;
  readonly connectTimeoutMs: number;
  readonly counters: Counters;
  readonly clock: () => number;
}

interface Queued {
  readonly seq: number;
  readonly topic: string;
  readonly text: string;
}

interface LeanDevice {
  readonly spec: LeanDeviceSpec;
  client: PacedClient | null;
  readonly queue: Queued[];
  inFlight: Queued | null;
  seq: number;
  packetId: number;
  sent: number;
  acked: number;
  lastError: string | null;
}

export interface LeanFleet {
  /** Ticks that found the device's previous reading unacknowledged (it was queued behind it). */
  lateTicks(): number;
  /** Readings queued or in flight. */
  pending(): number;
  /** Stops producing readings; what is queued is still sent. */
  stopReadings(): void;
  close(): void;
  reports(): DeviceReport[];
}

export function startLeanFleet(specs: readonly LeanDeviceSpec[], options: LeanOptions): LeanFleet {
  const { counters } = options;
  const devices: LeanDevice[] = specs.map((spec) => ({
    spec,
    client: null,
    queue: [],
    inFlight: null,
    seq: 0,
    packetId: 0,
    sent: 0,
    acked: 0,
    lastError: null,
  }));

  const sendNext = (d: LeanDevice): void => {
    const next = d.queue[0];
    if (!d.client?.connected || d.inFlight !== null || next === undefined) return;
    d.packetId = d.packetId === 0xffff ? 1 : d.packetId + 1;
    const { packet, packetIdOffset } = encodePublishTemplate(next.topic, Buffer.from(next.text, 'utf8'));
    packet.writeUInt16BE(d.packetId, packetIdOffset);
    if (!d.client.publish(packet, d.packetId)) return;
    d.queue.shift();
    d.inFlight = next;
    d.sent++;
    counters.sent++;
    counters.messages++;
  };

  // Connections: at most CONNECTING handshakes at once, started no faster than the ramp.
  let nextToConnect = 0;
  let connecting = 0;
  let started = performance.now();
  const connectOne = (d: LeanDevice): void => {
    connecting++;
    const client = new PacedClient(
      { id: d.spec.id, password: d.spec.secret },
      {
        port: options.port,
        host: options.host,
        keepalive: 60,
        connectTimeoutMs: options.connectTimeoutMs,
        onSettled: (ok, why) => {
          connecting--;
          if (ok) {
            counters.connected++;
            sendNext(d);
          } else {
            counters.connectFailures++;
            d.lastError = why ?? 'connect failed';
            d.client = null;
          }
        },
        onAck: (ms) => {
          const done = d.inFlight;
          if (done === null) return;
          d.inFlight = null;
          d.acked++;
          counters.ackedGood++;
          counters.latencyUs.recordValue(Math.max(1, Math.round(ms * 1000)));
          sendNext(d);
        },
        onError: (kind) => {
          d.lastError = kind;
          if (kind === 'connection closed') counters.drops++;
        },
      },
    );
    d.client = client;
  };
  const ramp = setInterval(() => {
    const now = performance.now();
    let allowance = ((now - started) / 1000) * options.rampPerSec - nextToConnect;
    while (nextToConnect < devices.length && connecting < CONNECTING && allowance >= 1) {
      connectOne(devices[nextToConnect++] as LeanDevice);
      allowance--;
    }
    if (nextToConnect >= devices.length) clearInterval(ramp);
  }, 20);
  started = performance.now() - 1000 / options.rampPerSec;

  let producing = true;
  const ticker = startTicker({
    devices: devices.length,
    rateHz: options.rateHz,
    tick: (index) => {
      const d = devices[index] as LeanDevice;
      if (!producing || !d.client?.connected) return 'offline';
      for (const emission of d.spec.source.next(options.clock())) {
        const reading = { seq: ++d.seq, ...emission.body };
        d.queue.push({
          seq: reading.seq,
          topic: `tele/${d.spec.id}/${emission.kind}`,
          text: JSON.stringify(reading),
        });
        if (d.queue.length > QUEUE) {
          d.queue.shift();
          counters.overflowed++;
        }
      }
      const busy = d.inFlight !== null;
      sendNext(d);
      return busy ? 'busy' : 'sent';
    },
  });

  return {
    lateTicks: () => ticker.counts.late,
    pending: () => devices.reduce((n, d) => n + d.queue.length + (d.inFlight ? 1 : 0), 0),
    stopReadings() {
      producing = false;
      ticker.stop();
    },
    close() {
      producing = false;
      ticker.stop();
      clearInterval(ramp);
      for (const d of devices) d.client?.close();
    },
    reports: () =>
      devices.map((d) => ({
        id: d.spec.id,
        lastSeq: d.seq,
        sent: d.sent,
        acked: d.acked,
        buffered: 0,
        flushes: 0,
        badSeqs: [],
        rejectedSeqs: [],
        pending: d.queue.length + (d.inFlight ? 1 : 0),
        lastError: d.lastError,
      })),
  };
}
