/**
 * Splits the byte stream a broker sends back into MQTT packets, whatever the chunking: a frame may be
 * split across reads, and one read may hold many frames. PUBACKs, the hot path, are decoded without
 * allocating.
 */

export interface InboundHandlers {
  connack(returnCode: number, sessionPresent: boolean): void;
  puback(packetId: number): void;
  /** Any other packet: first byte of the fixed header and the body. */
  other(firstByte: number, body: Buffer): void;
}

export class FrameReader {
  readonly #handlers: InboundHandlers;
  #pending: Buffer | null = null;

  constructor(handlers: InboundHandlers) {
    this.#handlers = handlers;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /** Throws on a malformed remaining length; the connection is then unusable. */
  push(chunk: Buffer): void {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const end = buf.length;
    let off = 0;
    while (end - off >= 2) {
      const first = buf[off]!;
      // Fast path: PUBACK is always 0x40 0x02 id id (MQTT-3.4.1).
      if (first === 0x40 && buf[off + 1] === 0x02) {
        if (end - off < 4) break;
        this.#handlers.puback((buf[off + 2]! << 8) | buf[off + 3]!);
        off += 4;
        continue;
      }
      let length = 0;
      let multiplier = 1;
      let pos = off + 1;
      let complete = false;
      for (let i = 0; i < 4 && pos < end; i++) {
        const byte = buf[pos++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3) throw new RangeError('malformed remaining length (more than 4 bytes)');
      }
      if (!complete || end - pos < length) break;
      this.#dispatch(first, buf, pos, length);
      off = pos + length;
    }
    // Copy the tail so a large chunk is not retained for a few bytes.
    if (off < end) this.#pending = Buffer.from(buf.subarray(off));
  }

  #dispatch(first: number, buf: Buffer, start: number, length: number): void {
    const type = first >> 4;
    if (type === 2 && length >= 2) {
      this.#handlers.connack(buf[start + 1]!, (buf[start]! & 0x01) === 1);
    } else if (type === 4 && length >= 2) {
      this.#handlers.puback((buf[start]! << 8) | buf[start + 1]!);
    } else {
      this.#handlers.other(first, buf.subarray(start, start + length));
    }
  }
}
