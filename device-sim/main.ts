#!/usr/bin/env node
/**
 * `device-sim` (docs/configuration.md): provisions a fleet of wearables and drones, runs them against a gateway and
 * prints the summary. Ctrl-C or SIGTERM stops producing readings, drains what is in flight, reports.
 */
import { parseCli, USAGE } from './cli-args.ts';
import { type FleetProgress, runFleet } from './fleet.ts';
import { humanSummary, type ProgressView, progressBar, summaryLine } from './report.ts';

async function main(): Promise<number> {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    process.stderr.write(
      `device-sim: invalid arguments\n${parsed.problems.map((p) => `  ${p}\n`).join('')}\n${USAGE}`,
    );
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { fleet, json, progress } = parsed.options;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: string): void => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C does not wait for the drain
    process.stderr.write(`\ndevice-sim: ${signal}, draining (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const view: ProgressView | null = progress || process.stderr.isTTY ? progressBar(process.stderr) : null;
  try {
    const summary = await runFleet(
      { ...fleet, ...(view ? { onProgress: (p: FleetProgress) => view.update(p) } : {}) },
      { signal: controller.signal },
    );
    view?.stop();
    process.stdout.write(`${json ? summaryLine(summary) : humanSummary(summary)}\n`);
    return 0;
  } catch (err) {
    view?.stop();
    if (controller.signal.aborted && (err as Error).name === 'AbortError') {
      process.stderr.write('device-sim: stopped before the fleet was running\n');
      return 130;
    }
    process.stderr.write(`device-sim: ${(err as Error).message}\n`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
