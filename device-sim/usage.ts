/** The simulator's own footprint: CPU time and peak resident memory. */

export interface ProcessUsage {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** CPU time over wall time, in % of one core. */
  readonly cpuPercent: number;
  readonly maxRssMb: number;
  readonly wallMs: number;
}

export function startUsage(): () => ProcessUsage {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    return {
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
      // resourceUsage().maxRSS is in KiB, peak over the life of the process.
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      wallMs: Math.round(wallMs),
    };
  };
}
