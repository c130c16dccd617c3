/**
 * Drives N devices at a fixed rate each, spread evenly over the period (device i ticks at i/N of it), from
 * one timer. A tick that finds its device's previous message still in flight is late: it is skipped and
 * counted, so a slow broker shows as late ticks rather than as a growing queue in the driver.
 */

export interface TickerCounts {
  /** Ticks that published a reading. */
  sent: number;
  /** Ticks whose device still had its previous reading in flight (skipped). */
  late: number;
  /** Ticks of a device that is not connected (skipped). */
  offline: number;
  /** Largest delay of the driver's own timer behind a due tick, in ms (its event loop, not the broker). */
  maxDriverLagMs: number;
}

export interface TickerOptions {
  readonly devices: number;
  /** Ticks per second per device. */
  readonly rateHz: number;
  /**
   * Called for each due tick of device `index`: 'sent' when it published, 'busy' when its previous
   * message is in flight, 'offline' when it cannot publish.
   */
  readonly tick: (index: number) => 'sent' | 'busy' | 'offline';
  /** Timer period in ms (default 5). */
  readonly resolutionMs?: number;
}

export interface Ticker {
  readonly counts: Readonly<TickerCounts>;
  /** Zeroes the counts (end of a warm-up). */
  reset(): void;
  stop(): void;
}

export function startTicker(options: TickerOptions): Ticker {
  if (!Number.isInteger(options.devices) || options.devices < 1) throw new RangeError('devices must be ≥ 1');
  if (!(options.rateHz > 0)) throw new RangeError('rateHz must be > 0');
  const counts: TickerCounts = { sent: 0, late: 0, offline: 0, maxDriverLagMs: 0 };
  const spacingMs = 1000 / (options.rateHz * options.devices);
  const start = performance.now();
  let k = 0;
  const run = () => {
    const now = performance.now();
    for (let due = start + k * spacingMs; due <= now; due = start + k * spacingMs) {
      const lag = now - due;
      if (lag > counts.maxDriverLagMs) counts.maxDriverLagMs = lag;
      const outcome = options.tick(k % options.devices);
      if (outcome === 'sent') counts.sent++;
      else if (outcome === 'busy') counts.late++;
      else counts.offline++;
      k++;
    }
  };
  const timer = setInterval(run, options.resolutionMs ?? 5);
  return {
    counts,
    reset() {
      counts.sent = 0;
      counts.late = 0;
      counts.offline = 0;
      counts.maxDriverLagMs = 0;
    },
    stop: () => clearInterval(timer),
  };
}
