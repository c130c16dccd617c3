/**
 * PUBLISH packets carrying an array of `batch` vitals readings (docs/devices.md offline buffer form), built once and
 * patched in place: packet id, each reading's `seq`, and the shared `ts`.
 */
import { encodePublishTemplate, type PublishTemplate } from './mqtt-encode.ts';
import { buildVitalsTemplate, SEQ_MIN, TS_LENGTH, writeSeq } from './vitals-payload.ts';

export class BatchWriter {
  readonly #template: PublishTemplate;
  readonly #seqOffsets: number[] = [];
  readonly #tsOffsets: number[] = [];
  #nextPacketId = 1;
  #nextSeq = SEQ_MIN;

  constructor(deviceId: string, patientId: string, index: number, batch: number) {
    const one = buildVitalsTemplate(patientId, index);
    const text = one.bytes.toString('utf8');
    const stride = text.length + 1;
    const payload = Buffer.from(`[${Array.from({ length: batch }, () => text).join(',')}]`, 'utf8');
    this.#template = encodePublishTemplate(`tele/${deviceId}/vitals`, payload);
    for (let i = 0; i < batch; i++) {
      this.#seqOffsets.push(this.#template.payloadOffset + 1 + i * stride + one.seqOffset);
      this.#tsOffsets.push(this.#template.payloadOffset + 1 + i * stride + one.tsOffset);
    }
  }

  get packetLength(): number {
    return this.#template.packet.length;
  }

  /** Writes one packet at `offset` of `out`; returns its packet id. `ts` is 24 ASCII bytes of ISO time. */
  writeNext(out: Buffer, offset: number, ts: Uint8Array): number {
    this.#template.packet.copy(out, offset);
    const packetId = this.#nextPacketId;
    out.writeUInt16BE(packetId, offset + this.#template.packetIdOffset);
    for (let i = 0; i < this.#seqOffsets.length; i++) {
      writeSeq(out, offset + this.#seqOffsets[i]!, this.#nextSeq++);
      out.set(ts.subarray(0, TS_LENGTH), offset + this.#tsOffsets[i]!);
    }
    this.#nextPacketId = packetId === 0xffff ? 1 : packetId + 1;
    return packetId;
  }
}
