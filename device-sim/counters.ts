/** Fleet-wide tallies, shared by every device and read by the report. */
import { build, type Histogram } from 'hdr-histogram-js';

export interface Counters {
  /** Readings published (each once, however many times it was retried). */
  sent: number;
  /** Readings whose PUBACK arrived, by what we meant them to be. */
  ackedGood: number;
  ackedBad: number;
  /** Rejection reports received on tele/{id}/errors (one per rejected reading or malformed message). */
  rejected: number;
  /** Rejections of readings we meant to be valid: they are acknowledged but not stored. */
  rejectedGood: number;
  /** Readings produced while offline, kept for the flush. */
  buffered: number;
  /** Buffered readings discarded when a device's buffer overflowed. */
  overflowed: number;
  badSent: number;
  messages: number;
  /** Offline flushes: messages carrying an array. */
  arrays: number;
  connected: number;
  reconnects: number;
  connectFailures: number;
  drops: number;
  /** Ack latency in microseconds, publish to PUBACK. */
  readonly latencyUs: Histogram;
}

export function createCounters(): Counters {
  return {
    sent: 0,
    ackedGood: 0,
    ackedBad: 0,
    rejected: 0,
    rejectedGood: 0,
    buffered: 0,
    overflowed: 0,
    badSent: 0,
    messages: 0,
    arrays: 0,
    connected: 0,
    reconnects: 0,
    connectFailures: 0,
    drops: 0,
    latencyUs: build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    }),
  };
}

/** Readings the gateway acknowledged and kept: what it stored. */
export const storedCount = (c: Counters): number => Math.max(0, c.ackedGood - c.rejectedGood);
