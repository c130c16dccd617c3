/** Raw MQTT 3.1.1 over a socket, for tests that must send what a well-behaved client never would. */
import { connect, type Socket } from 'node:net';
import { encodeRemainingLength } from '../../bench/lib/mqtt-encode.ts';

function field(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first]), encodeRemainingLength(body.length), body]);
}

export interface RawConnect {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly clean?: boolean;
  readonly keepalive?: number;
  readonly will?: { topic: string; payload: string; qos?: number };
}

export function connectPacket(options: RawConnect): Buffer {
  let flags = options.clean === false ? 0 : 0x02;
  const payload = [field(options.clientId)];
  if (options.will) {
    flags |= 0x04 | ((options.will.qos ?? 0) << 3);
    payload.push(field(options.will.topic), field(options.will.payload));
  }
  if (options.username !== undefined) {
    flags |= 0x80;
    payload.push(field(options.username));
  }
  if (options.password !== undefined) {
    flags |= 0x40;
    payload.push(field(options.password));
  }
  const header = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0, 0]);
  header.writeUInt16BE(options.keepalive ?? 60, 8);
  return packet(0x10, Buffer.concat([header, ...payload]));
}

export function publishPacket(
  topic: string,
  payload: string | Buffer,
  qos: 0 | 1 | 2,
  messageId = 1,
): Buffer {
  const id = Buffer.alloc(qos > 0 ? 2 : 0);
  if (qos > 0) id.writeUInt16BE(messageId, 0);
  return packet(0x30 | (qos << 1), Buffer.concat([field(topic), id, Buffer.from(payload)]));
}

export function subscribePacket(topic: string, qos: number, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId, 0);
  return packet(0x82, Buffer.concat([id, field(topic), Buffer.from([qos])]));
}

export interface ReceivedPacket {
  readonly type: number;
  readonly body: Buffer;
}

export interface RawClient {
  readonly socket: Socket;
  readonly received: ReceivedPacket[];
  /** Resolves with the first packet of `type` received from now or already received. */
  next(type: number, timeoutMs?: number): Promise<ReceivedPacket>;
  readonly closed: Promise<void>;
  isClosed(): boolean;
  send(bytes: Buffer): void;
}

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const SUBACK = 9;

export function rawClient(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    const received: ReceivedPacket[] = [];
    let buffer = Buffer.alloc(0);
    let isClosed = false;
    const waiters: Array<() => void> = [];
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        isClosed = true;
        r();
        for (const w of waiters.splice(0)) w();
      }),
    );
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        let length = 0;
        let multiplier = 1;
        let i = 1;
        for (; i < buffer.length && i <= 4; i++) {
          length += (buffer[i]! & 0x7f) * multiplier;
          multiplier *= 128;
          if ((buffer[i]! & 0x80) === 0) break;
        }
        if (i >= buffer.length || buffer.length < i + 1 + length) break;
        received.push({ type: buffer[0]! >> 4, body: buffer.subarray(i + 1, i + 1 + length) });
        buffer = buffer.subarray(i + 1 + length);
      }
      for (const w of waiters.splice(0)) w();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed,
        isClosed: () => isClosed,
        send: (bytes) => socket.write(bytes),
        next(type, timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const timer = setTimeout(
              () => rej(new Error(`no packet of type ${type} within ${timeoutMs} ms`)),
              timeoutMs,
            );
            const check = () => {
              const found = received.find((p) => p.type === type);
              if (found) {
                clearTimeout(timer);
                received.splice(received.indexOf(found), 1);
                return res(found);
              }
              if (isClosed) {
                clearTimeout(timer);
                return rej(new Error(`closed before a packet of type ${type}`));
              }
              waiters.push(check);
            };
            check();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** Resolves true when the socket closes within `ms`, false otherwise. */
export async function closesWithin(client: RawClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    client.closed.then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return result;
}
