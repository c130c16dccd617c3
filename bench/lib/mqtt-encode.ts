/**
 * Minimal MQTT 3.1.1 encoders for the load generator: only what it sends (CONNECT, QoS 1 PUBLISH,
 * PINGREQ, DISCONNECT). Packets are built once and patched in place, so the hot loop does no encoding.
 */

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** Remaining length, MQTT-2.2.3: 7 bits per byte, at most 4 bytes. */
export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > 268_435_455) {
    throw new RangeError(`length must be an integer in 0..268435455, got ${length}`);
  }
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function utf8Field(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0xffff) throw new RangeError('string field longer than 65535 bytes');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

export interface ConnectOptions {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Seconds; 0 disables the broker's keep-alive check. */
  readonly keepalive?: number;
}

/** CONNECT with clean session, protocol level 4 (MQTT-3.1.2). */
export function encodeConnect(options: ConnectOptions): Buffer {
  let flags = 0x02;
  const payload = [utf8Field(options.clientId)];
  if (options.username !== undefined) {
    flags |= 0x80;
    payload.push(utf8Field(options.username));
  }
  if (options.password !== undefined) {
    if (options.username === undefined) throw new TypeError('password requires a username (MQTT-3.1.2-22)');
    flags |= 0x40;
    payload.push(utf8Field(options.password));
  }
  const header = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0, 0]);
  header.writeUInt16BE(options.keepalive ?? 60, 8);
  const body = Buffer.concat([header, ...payload]);
  return Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(body.length), body]);
}

/** A QoS 1 PUBLISH with a placeholder packet id, and where it sits in the packet. */
export interface PublishTemplate {
  readonly packet: Buffer;
  readonly packetIdOffset: number;
  readonly payloadOffset: number;
}

export function encodePublishTemplate(topic: string, payload: Uint8Array): PublishTemplate {
  const topicField = utf8Field(topic);
  const remaining = topicField.length + 2 + payload.length;
  const fixed = Buffer.concat([Buffer.from([0x32]), encodeRemainingLength(remaining)]);
  const packet = Buffer.concat([fixed, topicField, Buffer.from([0, 1]), payload]);
  const packetIdOffset = fixed.length + topicField.length;
  return { packet, packetIdOffset, payloadOffset: packetIdOffset + 2 };
}
