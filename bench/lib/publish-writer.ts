/**
 * Produces the PUBLISH packets of one device: the pre-built template copied and patched with packet id
 * (1..65535, cycling), a unique `seq` and the current `ts`.
 */
import { encodePublishTemplate, type PublishTemplate } from './mqtt-encode.ts';
import { buildVitalsTemplate, SEQ_MAX, SEQ_MIN, TS_LENGTH, writeSeq } from './vitals-payload.ts';

export interface PublishWriterOptions {
  readonly deviceId: string;
  readonly patientId: string;
  /** Varies the reading values between devices. */
  readonly index: number;
  readonly firstSeq?: number;
}

export class PublishWriter {
  readonly #template: PublishTemplate;
  readonly #seqOffset: number;
  readonly #tsOffset: number;
  #nextPacketId = 1;
  #nextSeq: number;

  constructor(options: PublishWriterOptions) {
    const vitals = buildVitalsTemplate(options.patientId, options.index);
    this.#template = encodePublishTemplate(`tele/${options.deviceId}/vitals`, vitals.bytes);
    this.#seqOffset = this.#template.payloadOffset + vitals.seqOffset;
    this.#tsOffset = this.#template.payloadOffset + vitals.tsOffset;
    this.#nextSeq = options.firstSeq ?? SEQ_MIN;
  }

  get packetLength(): number {
    return this.#template.packet.length;
  }

  get payloadLength(): number {
    return this.#template.packet.length - this.#template.payloadOffset;
  }

  /**
   * Writes one packet at `offset` of `out` (which must have packetLength bytes free) and returns its
   * packet id. `ts` is the 24 ASCII bytes of an ISO-8601 UTC time.
   */
  writeNext(out: Buffer, offset: number, ts: Uint8Array): number {
    if (this.#nextSeq > SEQ_MAX) throw new RangeError('seq space exhausted');
    this.#template.packet.copy(out, offset);
    const packetId = this.#nextPacketId;
    out.writeUInt16BE(packetId, offset + this.#template.packetIdOffset);
    writeSeq(out, offset + this.#seqOffset, this.#nextSeq++);
    out.set(ts.subarray(0, TS_LENGTH), offset + this.#tsOffset);
    this.#nextPacketId = packetId === 0xffff ? 1 : packetId + 1;
    return packetId;
  }
}

/** ISO-8601 UTC time of now as bytes, recomputed at most once per millisecond. */
export class TimestampCache {
  #ms = -1;
  #bytes = Buffer.alloc(TS_LENGTH);

  now(): Buffer {
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#bytes = Buffer.from(new Date(ms).toISOString(), 'latin1');
    }
    return this.#bytes;
  }
}
