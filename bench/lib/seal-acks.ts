/**
 * Every acknowledged publish of the sealing bench's publisher: when it was sent and when its PUBACK came
 * (epoch ms, fractional), so the bench can ask afterwards for the latency of the messages in flight during
 * any interval (a seal, the seconds before it).
 */

export interface AckSummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class AckLog {
  #sent = new Float64Array(1 << 16);
  #acked = new Float64Array(1 << 16);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  add(sentAt: number, ackedAt: number): void {
    if (this.#length === this.#sent.length) {
      this.#sent = grow(this.#sent);
      this.#acked = grow(this.#acked);
    }
    this.#sent[this.#length] = sentAt;
    this.#acked[this.#length++] = ackedAt;
  }

  /** Latency (ms) of the messages in flight at some point of [from, to): sent before `to`, acked after `from`. */
  summary(from: number, to: number): AckSummary {
    const picked: number[] = [];
    for (let i = 0; i < this.#length; i++) {
      const sent = this.#sent[i]!;
      const acked = this.#acked[i]!;
      if (sent < to && acked >= from) picked.push(acked - sent);
    }
    return summarize(picked);
  }
}

export function summarize(values: number[]): AckSummary {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { count: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1]! };
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}
