/**
 * Receipt time: the wall clock, never going backwards, and never before the end of the last sealed
 * window. A reading's receipt time decides the window it is sealed in, so a clock stepped back (NTP, a
 * restart on another host) must not put a new reading into a window that is already sealed.
 */
import type { Sealer } from './batches/sealer.ts';
import type { ReadingQueries } from './store/readings.ts';

export interface ReceiptClock {
  now(): number;
  /** Called when a window ending at `t` is sealed. */
  raiseFloor(t: number): void;
}

export function createReceiptClock(clock: () => number, floor = 0): ReceiptClock {
  let last = floor;
  return {
    now() {
      const t = clock();
      if (t > last) last = t;
      return last;
    },
    raiseFloor(t) {
      if (t > last) last = t;
    },
  };
}

/**
 * Where receipt times resume when the gateway starts: after every reading already stored and every window
 * already sealed, so that a clock stepped back while it was down changes nothing.
 */
export async function receiptFloor(
  readings: Pick<ReadingQueries, 'lastReceivedAt'>,
  sealer: Pick<Sealer, 'nextWindow'>,
): Promise<number> {
  const [lastReceived, nextWindow] = await Promise.all([readings.lastReceivedAt(), sealer.nextWindow()]);
  return Math.max(lastReceived ?? 0, nextWindow);
}
