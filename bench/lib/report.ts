/** The figures as a table, a bar chart and the team's targets, for the terminal and the docs alike. */
import type { LoadResult } from './loadgen-protocol.ts';
import type { IdleResult, LoadMeasurement } from './measure.ts';

export interface TargetReport {
  readonly name: string;
  skipped?: string;
  error?: string;
  /** The median round. */
  load?: LoadMeasurement;
  /** Rate of every round, in order. */
  roundRates?: number[];
  idle?: IdleResult;
  /** VmHWM at the end: the most the broker held at any time in the run. */
  peakRssMb?: number;
  exit?: string;
}

export interface Goals {
  readonly minRatio: number;
  readonly stretchRatio: number;
  readonly maxP99Ms: number;
  readonly maxIdleRssMb: number;
}

export const TEAM_GOALS: Goals = { minRatio: 0.4, stretchRatio: 0.5, maxP99Ms: 50, maxIdleRssMb: 300 };

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function errorCount(load: LoadResult): number {
  return Object.values(load.errors).reduce((a, b) => a + b, 0) + load.unacked;
}

export function renderTable(reports: readonly TargetReport[]): string {
  const base = reports.find((r) => r.name === 'mosquitto');
  const header = [
    '| broker | msgs/s | × mosquitto | ack p50 ms | ack p99 ms | ack max ms | errors | CPU broker / loadgen | RSS 0 / idle fleet MB | RSS × mosquitto |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const rows = reports.map((r) => {
    if (r.skipped !== undefined || r.load === undefined) {
      return `| ${r.name} | ${r.skipped !== undefined ? 'skipped' : 'failed'} | | | | | | | | |`;
    }
    const l = r.load;
    const ratio = base?.load ? fixed(l.rate / base.load.rate, 2) : 'n/a';
    const idle = r.idle ? `${fixed(r.idle.rssBeforeMb, 0)} / ${fixed(r.idle.rssIdleMb, 0)}` : '—';
    const idleRatio = r.idle && base?.idle ? fixed(r.idle.rssIdleMb / base.idle.rssIdleMb, 1) : '—';
    return `| ${r.name} | ${int(l.rate)} | ${ratio} | ${fixed(l.latencyMs.p50, 2)} | ${fixed(l.latencyMs.p99, 2)} | ${fixed(l.latencyMs.max, 1)} | ${errorCount(l)} | ${fixed(l.brokerCpuPct, 0)}% / ${fixed(l.loadgenCpuPct, 0)}% | ${idle} | ${idleRatio} |`;
  });
  return [...header, ...rows].join('\n');
}

export function renderChart(reports: readonly TargetReport[], width = 40): string {
  const measured = reports.filter((r) => r.load !== undefined);
  const top = Math.max(1, ...measured.map((r) => r.load!.rate));
  const base = reports.find((r) => r.name === 'mosquitto')?.load?.rate;
  return measured
    .map((r) => {
      const rate = r.load!.rate;
      const bar = '#'.repeat(Math.max(1, Math.round((rate / top) * width))).padEnd(width);
      const ratio = base ? `  ${fixed(rate / base, 2)}x` : '';
      return `${r.name.padEnd(10)} ${bar} ${int(rate).padStart(9)} msg/s${ratio}`;
    })
    .join('\n');
}

/** One line per goal with ✓ or ✗, for the gateway only. */
export function renderChecks(reports: readonly TargetReport[], goals: Goals = TEAM_GOALS): string[] {
  const gateway = reports.find((r) => r.name === 'gateway');
  const base = reports.find((r) => r.name === 'mosquitto');
  if (!gateway?.load) return ['gateway not measured: targets not checked'];
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const lines: string[] = [];
  if (base?.load) {
    const ratio = gateway.load.rate / base.load.rate;
    lines.push(
      `${mark(ratio >= goals.minRatio)} throughput ${fixed(ratio, 2)}× mosquitto (target ≥ ${goals.minRatio}×, stretch ${goals.stretchRatio}×${ratio >= goals.stretchRatio ? ' reached' : ''})`,
    );
  }
  const p99 = gateway.load.latencyMs.p99;
  lines.push(
    `${mark(p99 < goals.maxP99Ms)} p99 ack latency ${fixed(p99, 1)} ms (target < ${goals.maxP99Ms} ms)`,
  );
  if (gateway.idle) {
    const rss = gateway.idle.rssIdleMb;
    lines.push(
      `${mark(rss < goals.maxIdleRssMb && gateway.idle.connected === gateway.idle.devices)} RSS ${fixed(rss, 0)} MB with ${int(gateway.idle.connected)} of ${int(gateway.idle.devices)} idle devices connected (target < ${goals.maxIdleRssMb} MB with all)`,
    );
  }
  lines.push(`${mark(errorCount(gateway.load) === 0)} no errors under load`);
  return lines;
}

/** Errors, skips and exit statuses worth reading, one line each. */
export function renderNotes(reports: readonly TargetReport[]): string[] {
  const notes: string[] = [];
  for (const r of reports) {
    if (r.skipped !== undefined) notes.push(`${r.name}: skipped: ${r.skipped}`);
    if (r.error !== undefined) notes.push(`${r.name}: failed: ${r.error}`);
    const errors = { ...r.idle?.errors, ...r.load?.errors };
    for (const [kind, n] of Object.entries(errors)) notes.push(`${r.name}: ${n} × ${kind}`);
    if (r.load && r.load.unacked > 0) notes.push(`${r.name}: ${r.load.unacked} messages never acknowledged`);
    if (r.load && r.load.connected < r.load.clients) {
      notes.push(`${r.name}: only ${r.load.connected} of ${r.load.clients} load clients connected`);
    }
    if (r.exit !== undefined) notes.push(`${r.name}: ${r.exit}`);
    if (r.roundRates && r.roundRates.length > 1) {
      notes.push(`${r.name}: msgs/s per round ${r.roundRates.map(int).join(', ')} (median shown)`);
    }
  }
  return notes;
}
