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
import { measureIdle, measureLoad } from './lib/measure.ts';
import { startMosquitto } from './lib/mosquitto.ts';
import { memoryMb } from './lib/procs.ts';
import { renderChart, renderChecks, renderNotes, renderTable, type TargetReport } from './lib/report.ts';
import { type Target, TargetSkipped } from './lib/target.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

function start(name: TargetName, workDir: string, args: IngestArgs): Promise<Target> {
  if (name === 'mosquitto') return startMosquitto(workDir);
  if (name === 'aedes') return startAedes(workDir);
  return startGateway({ repoRoot, workDir, readyTimeoutMs: args.readyTimeoutS * 1000 });
}

async function benchTarget(name: TargetName, args: IngestArgs): Promise<TargetReport> {
  const report: TargetReport = { name };
  const workDir = mkdtempSync(join(tmpdir(), `bench-ingest-${name}-`));
  let target: Target | undefined;
  try {
    target = await start(name, workDir, args);
    console.error(`${name}: pid ${target.pid}, MQTT on 127.0.0.1:${target.port}`);
    const connectTimeoutMs = args.connectTimeoutS * 1000;
    if (args.idle > 0) report.idle = await measureIdle(target, args.idle, connectTimeoutMs);
    report.load = await measureLoad(target, {
      clients: args.clients,
      inflight: args.inflight,
      warmupMs: args.warmupS * 1000,
      durationMs: args.durationS * 1000,
      connectTimeoutMs,
    });
    report.peakRssMb = memoryMb(target.pid).hwm;
  } catch (err) {
    if (err instanceof TargetSkipped) report.skipped = err.message;
    else report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(
      `${name}: ${report.skipped !== undefined ? 'skipped' : 'failed'}: ${report.skipped ?? report.error}`,
    );
  } finally {
    if (target !== undefined) {
      const stopped = await target.stop();
      if (stopped.killed || (stopped.code !== 0 && stopped.signal !== 'SIGTERM')) {
        report.exit = `did not exit cleanly on SIGTERM (code ${stopped.code}, signal ${stopped.signal}${stopped.killed ? ', killed' : ''})`;
      }
    }
    if (report.error === undefined && report.skipped === undefined)
      rmSync(workDir, { recursive: true, force: true });
    else console.error(`${name}: logs kept in ${workDir}`);
  }
  return report;
}

async function main(): Promise<void> {
  const args = parseIngestArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const machine = describeMachine();
  console.log(
    `ingest bench: ${args.clients} clients × ${args.inflight} in flight, ${args.warmupS} s + ${args.durationS} s, ` +
      `idle fleet ${args.idle}; ${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}`,
  );
  const reports: TargetReport[] = [];
  for (const name of args.targets) reports.push(await benchTarget(name, args));

  const gateway = reports.find((r) => r.name === 'gateway');
  console.log(`\n${renderTable(reports)}\n\n${renderChart(reports)}\n`);
  if (gateway?.load) for (const line of renderChecks(reports)) console.log(line);
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
