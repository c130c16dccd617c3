/** Event-loop delay over an interval (perf_hooks, 1 ms resolution), in ms. */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  readonly p99: number;
  readonly max: number;
}

export function loopDelay(): { stop(): LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return {
    stop() {
      h.disable();
      const ms = (ns: number) => (h.count === 0 ? 0 : Math.round(ns / 1e4) / 100);
      return { p99: ms(h.percentile(99)), max: ms(h.max) };
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const mb = (bytes: number) => Math.round(bytes / 1048576);
/** Peak RSS of this process so far, MB. */
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** The 1-minute load average, one decimal. */
export const loadAverage = () => Math.round(loadavg()[0]! * 10) / 10;
