/**
 * `npm run bench`: every benchmark, one after another (each one's figures are only comparable within a
 * run on a quiet machine), with their reference peers: openssl speed for hashing and PoW, mosquitto for
 * ingest. Run one alone with its own flags: `npm run bench:ingest -- --help`.
 */
import { spawnSync } from 'node:child_process';

const benches: Array<[string, string[]]> = [
  ['merkle', []],
  ['pow', []],
  ['seal', []],
  ['ingest', []],
  ['side-chain', []],
  ['alarms', []],
  ['hostile', []],
  ['fhir-export', []],
  ['fleet', []],
];
let failed = 0;
for (const [name, args] of benches) {
  process.stderr.write(`\n=== bench/${name}.ts ===\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [`bench/${name}.ts`, ...args], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) failed++;
  process.stderr.write(
    `=== bench/${name}.ts: ${result.status === 0 ? 'done' : `exit ${result.status}`} in ${seconds} s ===\n`,
  );
}
process.exitCode = failed === 0 ? 0 : 1;
