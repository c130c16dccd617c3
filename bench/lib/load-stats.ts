/** Counters and the ack-latency histogram shared by the connections of one load generator. */
import hdr from 'hdr-histogram-js';

export interface LoadStats {
  /** True during the measured window: only then are acks counted in `recordedAcks` and latencies kept. */
  recording: boolean;
  sent: number;
  acked: number;
  recordedAcks: number;
  /** Ack latency in microseconds. */
  readonly histogram: hdr.Histogram;
  readonly errors: Map<string, number>;
}

export function createLoadStats(): LoadStats {
  return {
    recording: false,
    sent: 0,
    acked: 0,
    recordedAcks: 0,
    histogram: hdr.build({ numberOfSignificantValueDigits: 3 }),
    errors: new Map(),
  };
}

export function addError(stats: LoadStats, kind: string): void {
  stats.errors.set(kind, (stats.errors.get(kind) ?? 0) + 1);
}

export interface LatencySummaryMs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export function latencySummaryMs(histogram: hdr.Histogram): LatencySummaryMs {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}
