/**
 * Sealing benchmark (docs/proofs.md): one big window sealed while a publisher keeps publishing, then sealing on
 * schedule under a sustained publish rate. `npm run bench:seal -- --help`.
 */
import { join } from 'node:path';
import { writeSection } from './lib/docs-section.ts';
import { describeMachine } from './lib/machine.ts';
import { parseSealArgs, SEAL_USAGE } from './lib/seal-args.ts';
import { type BigResult, runBigWindow } from './lib/seal-big.ts';
import { loadAverage } from './lib/seal-loop.ts';
import { renderSealSection, renderSealTables } from './lib/seal-report.ts';
import { runSustained, type SustainedResult } from './lib/seal-sustained.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

async function main(): Promise<void> {
  const args = parseSealArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(SEAL_USAGE);
    return;
  }
  const machine = describeMachine();
  const loadStart = loadAverage();
  console.log(`seal bench: ${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}, load ${loadStart}`);
  let big: BigResult | null = null;
  let sustained: SustainedResult | null = null;
  if (args.big) big = await runBigWindow(args);
  if (args.sustained) sustained = await runSustained(args);
  const run = { machine, args, loadStart, loadEnd: loadAverage(), big, sustained };
  console.log(`\n${renderSealTables(run)}`);
  if (args.json) console.log(JSON.stringify(run, null, 2));
  if (args.writeDocs) {
    const file = join(repoRoot, 'docs/benchmarks.md');
    writeSection(file, '## Sealing', renderSealSection(run));
    console.log(`\nwrote the "## Sealing" section of ${file}`);
  }
}

await main();
// Stop by itself even if a handle is left open somewhere.
process.exit();
