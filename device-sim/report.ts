/** What the simulator shows: a progress bar on stderr while it runs, then the summary. */
import cliProgress from 'cli-progress';
import { storedCount } from './counters.ts';
import type { FleetProgress, FleetSummary } from './fleet.ts';

/** The docs/configuration.md summary line, exactly these keys. */
export function summaryLine(s: FleetSummary): string {
  return JSON.stringify({
    sent: s.sent,
    acked: s.acked,
    rejected: s.rejected,
    buffered: s.buffered,
    latencyMs: { p50: s.latencyMs.p50, p99: s.latencyMs.p99 },
  });
}

export function humanSummary(s: FleetSummary): string {
  const d = s.details;
  const p = s.process;
  const wearables = s.devices.filter((x) => x.kind === 'wearable').length;
  const secs = s.durationMs / 1000;
  return [
    `devices   ${s.devices.length} (${wearables} wearables, ${s.devices.length - wearables} drones), ${secs.toFixed(1)} s`,
    `sent      ${s.sent} readings in ${d.messages} messages (${d.arrays} offline arrays), ${rate(s.sent, secs)}/s`,
    `acked     ${s.acked} stored (${d.ackedRaw} acknowledged)`,
    `rejected  ${s.rejected} (${d.badSent} spoiled on purpose)`,
    `buffered  ${s.buffered} offline in ${d.drops} drops; ${d.reconnects} reconnects, ${d.connectFailures} failed connects${d.unsent ? `; ${d.unsent} NOT delivered` : ''}`,
    `latency   p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${d.maxLatencyMs} ms (publish → PUBACK)`,
    `simulator cpu ${p.cpuUserMs + p.cpuSystemMs} ms (${p.cpuPercent} % of a core), max RSS ${p.maxRssMb} MB`,
  ].join('\n');
}

const rate = (n: number, secs: number): string =>
  secs > 0 ? Math.round(n / secs).toLocaleString('en') : '0';

export interface ProgressView {
  update(p: FleetProgress): void;
  stop(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{phase} [{bar}] {percentage}% {value}/{total} {unit} | conn {connected}/{devices} | sent {sent} acked {acked} rej {rejected} buf {buffered}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      // Non-TTY (--progress into a file): still draw, one line per update.
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const c = p.counters;
      const payload = {
        phase: p.phase.padEnd(12),
        unit: p.phase === 'provisioning' ? 'devices' : 's',
        connected: c.connected,
        devices: p.devices,
        sent: c.sent,
        acked: storedCount(c),
        rejected: c.rejected,
        buffered: c.buffered,
      };
      const total = p.phase === 'provisioning' ? p.devices : Math.round(p.durationMs / 1000);
      const value =
        p.phase === 'provisioning' ? p.provisioned : Math.min(total, Math.round(p.elapsedMs / 1000));
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
