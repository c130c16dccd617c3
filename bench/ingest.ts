/**
 * Ingest benchmark: the same raw-socket QoS 1 load against bare mosquitto, bare aedes and the full
 * gateway in one run, plus each broker's RSS with an idle fleet. `npm run bench:ingest -- --help`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAedes } from './lib/aedes.ts';
import { type IngestArgs, parseIngestArgs, type TargetName, USAGE } from './lib/args.ts';
import { writeSection } from './lib/docs-section.ts';
import { startGateway } from './lib/gateway.ts';
import { renderIngestSection } from './lib/ingest-doc.ts';
import { describeMachine } from './lib/machine.ts';
import { type LoadMeasurement, measureIdle, measureLoad } from './lib/measure.ts';
import { startMosquitto } from './lib/mosquitto.ts';
import { memoryMb } from './lib/procs.ts';
import { renderChart, renderChecks, renderNotes, renderTable, type TargetReport } from './lib/report.ts';
import { type Target, TargetSkipped } from './lib/target.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

interface Running {
  readonly target: Target;
  readonly workDir: string;
  readonly report: TargetReport;
  readonly rounds: LoadMeasurement[];
}

function start(name: TargetName, workDir: string, args: IngestArgs): Promise<Target> {
  if (name === 'mosquitto') return startMosquitto(workDir);
  if (name === 'aedes') return startAedes(workDir);
  return startGateway({
    repoRoot,
    workDir,
    readyTimeoutMs: args.readyTimeoutS * 1000,
    secretHashLog2N: args.secretHashLog2N,
  });
}

function failed(report: TargetReport, err: unknown): void {
  if (err instanceof TargetSkipped) report.skipped = err.message;
  else report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(
    `${report.name}: ${report.skipped !== undefined ? 'skipped' : 'failed'}: ${report.skipped ?? report.error}`,
  );
}

/** The round with the median rate: neighbours' load on a shared machine moves single rounds. */
function median(rounds: readonly LoadMeasurement[]): LoadMeasurement | undefined {
  const sorted = [...rounds].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function measureAll(running: readonly Running[], args: IngestArgs): Promise<void> {
  const ok = (r: Running) => r.report.error === undefined;
  const connectTimeoutMs = args.connectTimeoutS * 1000;
  for (const r of running.filter(ok)) {
    if (args.idle === 0) break;
    try {
      r.report.idle = await measureIdle(r.target, args.idle, connectTimeoutMs);
    } catch (err) {
      failed(r.report, err);
    }
  }
  // Rounds interleave the brokers so that a busy spell of the machine hits all of them alike.
  for (let round = 1; round <= args.rounds; round++) {
    if (args.rounds > 1) console.error(`round ${round} of ${args.rounds}`);
    for (const r of running.filter(ok)) {
      try {
        r.rounds.push(
          await measureLoad(r.target, {
            clients: args.clients,
            inflight: args.inflight,
            warmupMs: args.warmupS * 1000,
            durationMs: args.durationS * 1000,
            connectTimeoutMs,
          }),
        );
      } catch (err) {
        failed(r.report, err);
      }
    }
  }
  for (const r of running) {
    r.report.load = median(r.rounds);
    r.report.roundRates = r.rounds.map((l) => l.rate);
    if (ok(r)) r.report.peakRssMb = memoryMb(r.target.pid).hwm;
  }
}

async function stopAll(running: readonly Running[]): Promise<void> {
  for (const { target, report, workDir } of running) {
    const stopped = await target.stop();
    if (stopped.killed || (stopped.code !== 0 && stopped.signal !== 'SIGTERM')) {
      report.exit = `did not exit cleanly on SIGTERM (code ${stopped.code}, signal ${stopped.signal}${stopped.killed ? ', killed' : ''})`;
    }
    if (report.error === undefined && report.exit === undefined)
      rmSync(workDir, { recursive: true, force: true });
    else console.error(`${report.name}: logs kept in ${workDir}`);
  }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseIngestArgs>;
  try {
    args = parseIngestArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const machine = describeMachine();
  console.log(
    `ingest bench: ${args.clients} clients × ${args.inflight} in flight, ${args.rounds} × (${args.warmupS} s + ` +
      `${args.durationS} s), idle fleet ${args.idle}; ${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}`,
  );
  const reports: TargetReport[] = [];
  const running: Running[] = [];
  try {
    for (const name of args.targets) {
      const report: TargetReport = { name };
      reports.push(report);
      const workDir = mkdtempSync(join(tmpdir(), `bench-ingest-${name}-`));
      try {
        const target = await start(name, workDir, args);
        console.error(`${name}: pid ${target.pid}, MQTT on 127.0.0.1:${target.port}`);
        running.push({ target, workDir, report, rounds: [] });
      } catch (err) {
        failed(report, err);
        if (report.skipped !== undefined) rmSync(workDir, { recursive: true, force: true });
        else console.error(`${name}: logs kept in ${workDir}`);
      }
    }
    await measureAll(running, args);
  } finally {
    await stopAll(running);
  }

  console.log(`\n${renderTable(reports)}\n\n${renderChart(reports)}\n`);
  if (reports.some((r) => r.name === 'gateway' && r.load))
    for (const line of renderChecks(reports)) console.log(line);
  const notes = renderNotes(reports);
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
  if (args.json) console.log(JSON.stringify({ machine, args, reports }, null, 2));
  if (args.writeDocs) {
    const file = join(repoRoot, 'docs/benchmarks.md');
    writeSection(file, '## Ingest', renderIngestSection(reports, args, machine));
    console.log(`\nwrote the "## Ingest" section of ${file}`);
  }
  if (reports.some((r) => r.error !== undefined)) process.exitCode = 1;
}

await main();
// Stop by itself even if a handle is left open somewhere.
process.exit();
