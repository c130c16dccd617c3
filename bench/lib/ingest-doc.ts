/** The `## Ingest` section of docs/benchmarks.md. */
import type { IngestArgs } from './args.ts';
import type { Machine } from './machine.ts';
import { renderChart, renderChecks, renderNotes, renderTable, type TargetReport } from './report.ts';

export function renderIngestSection(
  reports: readonly TargetReport[],
  args: IngestArgs,
  machine: Machine,
): string {
  const notes = renderNotes(reports);
  return [
    '## Ingest',
    '',
    'Durable QoS 1 ingest of ~300-byte vitals readings (docs/devices.md shape, unique `seq` per device, `ts` = now),',
    `${args.clients} devices with ${args.inflight} PUBLISHes in flight each, from a raw-socket load generator in its`,
    'own process; msgs/s counts PUBACKs received in the measured window, latency is PUBLISH written → PUBACK read.',
    "RSS is the broker's VmRSS before connecting and with the idle fleet connected (authenticated, pinging).",
    'Reproduce with `npm run bench:ingest` (`-- --help` for the flags; `--write-docs` rewrites this section).',
    '',
    `Measured ${machine.date} on ${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}, mosquitto ${machine.mosquitto};`,
    `${args.rounds} rounds of ${args.warmupS} s warm-up + ${args.durationS} s measured per broker, interleaved, median round shown;`,
    `idle fleet of ${args.idle.toLocaleString('en-US')} devices; gateway device secrets at scrypt log2 N = ${args.secretHashLog2N ?? '14 (its default)'}.`,
    `Load average ${Number.isFinite(machine.loadAverage) ? machine.loadAverage.toFixed(1) : 'n/a'} at the start: the machine is shared, absolute figures move with`,
    "the neighbours' load; the ratios of one run are what to compare.",
    '',
    renderTable(reports),
    '',
    '```text',
    renderChart(reports),
    '```',
    '',
    "Gateway against the team's targets (≥ 0.4× mosquitto, stretch 0.5×; p99 < 50 ms; < 300 MB with 5,000 idle devices):",
    '',
    ...renderChecks(reports).map((l) => `- ${l}`),
    ...(notes.length > 0 ? ['', 'Notes:', '', ...notes.map((n) => `- ${n}`)] : []),
    '',
    'Reading the figures: "CPU broker / loadgen" is each process\'s CPU time over the measured window in % of one',
    'core; below ~95 % for the broker means it was waiting (on the disk, or on cores taken by other jobs). On this',
    'VM mosquitto 2.0.11 is CPU-bound near 60k msgs/s even on a quiet machine: strace shows about four `read()`',
    'calls per incoming packet and one `write()` plus two `epoll_ctl()` per PUBACK, where aedes reads a whole',
    'socket buffer and writes its PUBACKs together. So bare aedes comes out above mosquitto here, and the',
    '335k msgs/s quoted earlier for mosquitto was not reproduced with this version on this machine. The gateway',
    'row pays for authentication, validation and an fsync per group commit before each PUBACK.',
    '',
    'Brokers: mosquitto in memory (`persistence false`, no inflight or queue limits, anonymous); bare aedes',
    'with no hooks (its PUBACK is not durable); the gateway with authentication, validation and the durable',
    'group commit (`sync: true`) before each PUBACK.',
    '',
  ].join('\n');
}
