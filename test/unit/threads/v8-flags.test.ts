/**
 * The gateway's process makes no pretenuring decisions (src/threads/v8-flags.ts): a workload whose objects
 * survive young collections gets its allocation sites tenured by V8 by default, and not once the flags are
 * applied. V8's own trace tells.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const flagsModule = new URL('../../../src/threads/v8-flags.ts', import.meta.url).href;

/** V8's pretenuring trace of a workload that keeps 400,000 small objects alive at a time. */
function tenureDecisions(applyFlags: boolean): number {
  const script = `
    ${applyFlags ? `(await import(${JSON.stringify(flagsModule)})).applyV8Flags();` : ''}
    function run() {
      const make = (i) => ({ a: i, b: [i, i + 1], c: { d: i } });
      let keep = [];
      for (let r = 0; r < 60; r++) {
        for (let i = 0; i < 100000; i++) keep.push(make(i));
        if (keep.length > 400000) keep = [];
      }
    }
    run();`;
  const out = execFileSync(
    process.execPath,
    ['--trace-pretenuring-statistics', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter((line) => line.includes('=> tenure')).length;
}

test('V8 tenures the sites of long-lived objects by default, and not with the gateway flags', () => {
  // V8 decides by its collections' timing: most runs of the workload tenure, not all.
  let byDefault = 0;
  for (let run = 0; run < 12 && byDefault === 0; run++) byDefault = tenureDecisions(false);
  assert.ok(byDefault > 0, 'the workload makes V8 tenure by default');
  for (let run = 0; run < 3; run++) assert.equal(tenureDecisions(true), 0);
});
