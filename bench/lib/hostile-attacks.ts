/**
 * The attacks of `npm run bench:hostile`, run in a worker thread so that they do not share an event
 * loop with the legitimate device being measured. Each runs for `durationMs`, then closes everything
 * it opened and reports what it did.
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeConnect, encodePublishTemplate, encodeRemainingLength } from './mqtt-encode.ts';

export type AttackName =
  | 'flood-address'
  | 'flood-total'
  | 'slow-connect'
  | 'wrong-secret'
  | 'qos0-flood'
  | 'payload-flood';

export interface AttackDevice {
  readonly id: string;
  readonly password: string;
  readonly patientId: string;
}

export interface AttackInput {
  readonly name: AttackName;
  readonly port: number;
  readonly durationMs: number;
  readonly devices: readonly AttackDevice[];
}

export interface AttackResult {
  /** Sockets opened (TCP connect succeeded). */
  readonly opened: number;
  /** Sockets the gateway closed. */
  readonly closedByGateway: number;
  /** Packets (CONNECTs or PUBLISHes) written. */
  readonly sent: number;
  /** Largest number of the attacker's sockets open at once. */
  readonly peakOpen: number;
}

const sockets = new Set<Socket>();
let opened = 0;
let closedByGateway = 0;
let sent = 0;
let peakOpen = 0;
let stopping = false;

function open(port: number, localAddress: string, onOpen: (s: Socket) => void, onClose?: () => void): void {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  // Read what the gateway sends (a CONNACK), or its closing the socket is never seen.
  socket.resume();
  socket.once('connect', () => {
    opened++;
    sockets.add(socket);
    peakOpen = Math.max(peakOpen, sockets.size);
    onOpen(socket);
  });
  socket.once('close', () => {
    if (sockets.delete(socket) && !stopping) closedByGateway++;
    if (!stopping) onClose?.();
  });
}

const address = (i: number) => `127.0.0.${2 + (i % 100)}`;

/** Keeps `target` sockets from `addresses` open, reopening those the gateway closes, at most `inFlight` connecting. */
function flood(port: number, target: number, addresses: (i: number) => string, onOpen: (s: Socket) => void) {
  let n = 0;
  const next = () => {
    if (stopping) return;
    open(port, addresses(n++), onOpen, () => setTimeout(next, 5));
  };
  for (let i = 0; i < target; i++) next();
}

/** Valid vitals readings of ~63 KB (an ECG strip of 5,000 samples), QoS 0, as fast as the sockets take them. */
function qos0Flood(input: AttackInput): void {
  const mv = Array.from({ length: 5000 }, (_, i) => Math.round(Math.sin(i / 9) * 1e9) / 1e9);
  for (const device of input.devices) {
    for (let c = 0; c < 4; c++) {
      open(input.port, '127.0.0.1', (socket) => {
        socket.write(
          encodeConnect({ clientId: `${device.id}:q${c}`, username: device.id, password: device.password }),
        );
        sent++;
        let seq = 1e9 + c * 1e8;
        const pump = () => {
          while (!stopping) {
            const reading = {
              seq: seq++,
              ts: new Date().toISOString(),
              patientId: device.patientId,
              vitals: { heartRate: 70 },
              ecg: { hz: 250, mv },
            };
            const template = encodePublishTemplate(
              `tele/${device.id}/vitals`,
              Buffer.from(JSON.stringify(reading)),
            );
            sent++;
            if (!socket.write(toQos0(template.packet))) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        socket.once('data', pump);
      });
    }
  }
}

/** Turns the QoS 1 template into a QoS 0 PUBLISH (no packet id). */
function toQos0(qos1: Buffer): Buffer {
  let i = 1;
  while (qos1[i]! & 0x80) i++;
  const body = qos1.subarray(i + 1);
  const topicLength = body.readUInt16BE(0);
  const withoutId = Buffer.concat([body.subarray(0, 2 + topicLength), body.subarray(4 + topicLength)]);
  return Buffer.concat([Buffer.from([0x30]), encodeRemainingLength(withoutId.length), withoutId]);
}

function payloadFlood(input: AttackInput): void {
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  for (const device of input.devices) {
    open(input.port, '127.0.0.1', (socket) => {
      socket.write(
        encodeConnect({ clientId: `${device.id}:p`, username: device.id, password: device.password }),
      );
      let seq = 2e9;
      let inflight = 0;
      const send = () => {
        while (!stopping && inflight < 50) {
          const n = seq++;
          const payload =
            n % 2 === 0
              ? `{"seq":${n},"ts":"${new Date().toISOString()}","patientId":"${device.patientId}","vitals":{"heartRate":${deep}}}`
              : JSON.stringify({
                  seq: n,
                  ts: 'not a time',
                  patientId: device.patientId,
                  vitals: { spo2: 400 },
                });
          const template = encodePublishTemplate(`tele/${device.id}/vitals`, Buffer.from(payload));
          template.packet.writeUInt16BE((n % 65_535) + 1, template.packetIdOffset);
          socket.write(template.packet);
          inflight++;
          sent++;
        }
      };
      socket.on('data', (chunk: Buffer) => {
        // Count PUBACKs (0x40 0x02 ..): each frees a slot. CONNACK starts the flow.
        for (let i = 0; i + 1 < chunk.length; i++) if (chunk[i] === 0x40 && chunk[i + 1] === 0x02) inflight--;
        if (chunk[0] === 0x20) inflight = 0;
        send();
      });
    });
  }
}

const ATTACKS: Record<AttackName, (input: AttackInput) => void> = {
  // One address: stalled sockets, none sending a CONNECT.
  'flood-address': ({ port }) =>
    flood(
      port,
      3_000,
      () => '127.0.0.1',
      () => {},
    ),
  // 100 addresses: stalled sockets.
  'flood-total': ({ port }) => flood(port, 3_000, address, () => {}),
  // A CONNECT announcing ~1 MB, then a trickle of its body.
  'slow-connect': ({ port }) =>
    flood(port, 300, address, (socket) => {
      socket.write(
        Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(1_000_000), Buffer.alloc(1024)]),
      );
      sent++;
      const trickle = setInterval(() => {
        if (socket.destroyed) clearInterval(trickle);
        else socket.write(Buffer.alloc(1024));
      }, 1000);
    }),
  // 1,000 logins in flight with wrong secrets, for real device ids and unknown ones.
  'wrong-secret': ({ port, devices }) => {
    let k = 0;
    flood(port, 1_000, address, (socket) => {
      const i = k++;
      const device = devices[i % devices.length]!;
      const id = i % 2 === 0 ? device.id : `ghost-${i}`;
      socket.write(encodeConnect({ clientId: `${id}:${i}`, username: id, password: `wrong-${i}` }));
      sent++;
    });
  },
  'qos0-flood': qos0Flood,
  'payload-flood': payloadFlood,
};

if (parentPort) {
  const input = workerData as AttackInput;
  ATTACKS[input.name](input);
  setTimeout(() => {
    stopping = true;
    for (const s of sockets) s.destroy();
    const result: AttackResult = { opened, closedByGateway, sent, peakOpen };
    parentPort!.postMessage(result);
  }, input.durationMs);
}
