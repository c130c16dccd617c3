/**
 * Merkle figures (docs/proofs.md): root and every inclusion proof of 10k, 100k and 1M leaves of 300 bytes, beside
 * `openssl speed` measured in the same run, plus the SHA-256 backend comparison behind src/merkle/sha256.ts.
 *
 *   npm run bench:merkle -- [--sizes 10000,100000,1000000] [--runs 2] [--no-naive] [--write-docs]
 */
import { createHash, hash, randomFillSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { buildTreeFromLeaves, buildTreeFromLeavesAsync, merkleRoot } from '../src/merkle/index.ts';
import { writeSection } from './lib/docs-section.ts';
import { describeMachine } from './lib/machine.ts';
import { opensslSha256, opensslVersion } from './lib/openssl-speed.ts';
import { progress } from './lib/progress.ts';

const LEAF_BYTES = 300;
// A leaf hash covers 0x00 || 300 bytes, a node hash 0x01 || 64 bytes: openssl is asked for those sizes.
const LEAF_MESSAGE = LEAF_BYTES + 1;
const NODE_MESSAGE = 65;

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    runs: { type: 'string', default: '2' },
    'openssl-seconds': { type: 'string', default: '2' },
    'no-naive': { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
});
const sizes = flags.sizes.split(',').map(Number);
const runs = Number(flags.runs);

interface Row {
  readonly size: number;
  readonly step: string;
  /** CPU time (user + system, every thread of the process), the measure `openssl speed` uses too. */
  readonly cpuMs: number[];
  readonly wallMs: number[];
}

interface Timing {
  readonly cpuMs: number;
  readonly wallMs: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Wall and CPU time of `fn`. Without -elapsed, `openssl speed` divides by CPU user time; we compare CPU time
 * with it so that other processes sharing the cores skew both sides alike (wall time is printed beside it).
 */
function time(fn: () => void): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs };
}

/** The loop a first version would write: a Hash object and a Buffer per node, recursion-free but allocating. */
function naiveRoot(leaves: readonly Uint8Array[]): Uint8Array {
  let level: Buffer[] = leaves.map((d) => createHash('sha256').update(Buffer.of(0)).update(d).digest());
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(
        createHash('sha256')
          .update(Buffer.concat([Buffer.of(1), level[i]!, level[i + 1]!]))
          .digest(),
      );
    }
    if (level.length % 2 === 1) next.push(level.at(-1)!);
    level = next;
  }
  return level[0]!;
}

/** Hashes per second of each SHA-256 way we could call, on messages of `bytes` bytes. */
function backendRates(bytes: number, count: number): Record<string, number> {
  const data = randomFillSync(new Uint8Array(bytes));
  const out = new Uint8Array(32 * 1024);
  const ways: Record<string, (i: number) => void> = {
    'node:crypto hash() → latin1 string (used)': (i) => {
      const s = hash('sha256', data, 'binary');
      const o = (i & 1023) * 32;
      for (let k = 0; k < 32; k++) out[o + k] = s.charCodeAt(k);
    },
    'node:crypto hash() → Buffer': (i) => out.set(hash('sha256', data, 'buffer'), (i & 1023) * 32),
    'node:crypto createHash()': (i) => out.set(createHash('sha256').update(data).digest(), (i & 1023) * 32),
    '@noble/hashes sha256()': (i) => out.set(nobleSha256(data), (i & 1023) * 32),
  };
  const rates: Record<string, number> = {};
  for (const [name, fn] of Object.entries(ways)) {
    for (let i = 0; i < count / 10; i++) fn(i); // warm up
    const { cpuMs } = time(() => {
      for (let i = 0; i < count; i++) fn(i);
    });
    rates[name] = (count / cpuMs) * 1000;
  }
  return rates;
}

function makeLeaves(count: number): Uint8Array[] {
  const bytes = randomFillSync(new Uint8Array(count * LEAF_BYTES));
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * LEAF_BYTES, (i + 1) * LEAF_BYTES));
}

/** The longest time the async build held the event loop in one slice, per size (best run). */
const longestSlice = new Map<number, number>();

async function measureAsync(size: number, leaves: readonly Uint8Array[]): Promise<Timing> {
  let longest = 0;
  let last = performance.now();
  const cpu = process.cpuUsage();
  const start = last;
  await buildTreeFromLeavesAsync(leaves, {
    onProgress: () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    },
  });
  const used = process.cpuUsage(cpu);
  longestSlice.set(size, Math.min(longestSlice.get(size) ?? Infinity, longest));
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
}

async function measureSize(
  size: number,
  leaves: readonly Uint8Array[],
  rows: Map<string, Row>,
): Promise<void> {
  const record = (step: string, t: Timing) => {
    const key = `${size}:${step}`;
    const row = rows.get(key) ?? { size, step, cpuMs: [], wallMs: [] };
    row.cpuMs.push(t.cpuMs);
    row.wallMs.push(t.wallMs);
    rows.set(key, row);
  };
  const label = size.toLocaleString('en-US');
  if (!flags['no-naive']) {
    const bar = size >= 100_000 ? progress(`${label} naive`, 1) : undefined;
    record(
      'root, naive loop (createHash, Buffer per node)',
      time(() => naiveRoot(leaves)),
    );
    bar?.stop();
  }
  record(
    'root only (merkleRoot)',
    time(() => merkleRoot(leaves)),
  );

  const bar = progress(`${label} tree`, 2 * size - 1);
  let tree = buildTreeFromLeaves([]);
  const build = time(() => {
    tree = buildTreeFromLeaves(leaves, { onProgress: (done) => bar.update(done, 'hashes') });
  });
  bar.stop();
  record('tree (root and every level)', build);
  record('tree, async: slices of 8,192 hashes', await measureAsync(size, leaves));

  const proofBar = progress(`${label} proofs`, size);
  const scratch = new Uint8Array(64 * 32);
  let elements = 0;
  const proofs = time(() => {
    for (let i = 0; i < size; i++) {
      elements += tree.writeInclusionProof(i, scratch, 0);
      if ((i & 0xffff) === 0) proofBar.update(i, '');
    }
  });
  proofBar.stop();
  record('every inclusion proof, from the tree', proofs);
  record('root and every inclusion proof', {
    cpuMs: build.cpuMs + proofs.cpuMs,
    wallMs: build.wallMs + proofs.wallMs,
  });
  if (elements === 0 && size > 1) throw new Error('no proofs written');
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const loadBefore = loadavg()[0]!;
  log(`machine: ${machine.cpu}, ${machine.nproc} cores, Node ${machine.node}, ${machine.date}`);
  const seconds = Number(flags['openssl-seconds']);

  log('SHA-256 backends (200k hashes each)...');
  const backends = { leaf: backendRates(LEAF_MESSAGE, 200_000), node: backendRates(NODE_MESSAGE, 200_000) };

  const rows = new Map<string, Row>();
  const opensslRuns: { leaf: number; node: number }[] = [];
  const largest = Math.max(...sizes);
  const allLeaves = makeLeaves(largest);
  log('warming up...');
  await measureSize(Math.min(largest, 20_000), allLeaves.slice(0, 20_000), new Map());
  longestSlice.clear();
  for (let run = 1; run <= runs; run++) {
    log(`run ${run}/${runs}: openssl speed, ${seconds} s per size...`);
    const [leaf, node] = [
      await opensslSha256(LEAF_MESSAGE, seconds),
      await opensslSha256(NODE_MESSAGE, seconds),
    ];
    opensslRuns.push({ leaf: leaf.hashesPerSecond, node: node.hashesPerSecond });
    for (const size of sizes) await measureSize(size, allLeaves.slice(0, size), rows);
  }

  // The better of the runs on both sides: the fastest openssl and the fastest of ours.
  const openssl = {
    leaf: Math.max(...opensslRuns.map((r) => r.leaf)),
    node: Math.max(...opensslRuns.map((r) => r.node)),
  };
  const opensslMs = (size: number) => (size / openssl.leaf + (size - 1) / openssl.node) * 1000;

  const table = [
    '| leaves | step | CPU, best | CPU, worst | wall, best | openssl, same hashes | ratio (CPU) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows.values()) {
    const best = Math.min(...row.cpuMs);
    const worst = Math.max(...row.cpuMs);
    const wall = Math.min(...row.wallMs);
    const ref = opensslMs(row.size);
    const ratio = row.step.startsWith('every inclusion') ? '' : `${(best / ref).toFixed(1)}×`;
    const refText = ratio ? fmtMs(ref) : '';
    const cells = [
      row.size.toLocaleString('en-US'),
      row.step,
      fmtMs(best),
      fmtMs(worst),
      fmtMs(wall),
      refText,
      ratio,
    ];
    table.push(`| ${cells.join(' | ')} |`);
  }
  const k = (rate: number) => `${(rate / 1e6).toFixed(2)}M/s`;
  const backendTable = ['| SHA-256 call | 301-byte messages | 65-byte messages |', '|---|---:|---:|'];
  for (const name of Object.keys(backends.leaf)) {
    backendTable.push(`| ${name} | ${k(backends.leaf[name]!)} | ${k(backends.node[name]!)} |`);
  }
  backendTable.push(`| openssl speed -evp sha256 (best run) | ${k(openssl.leaf)} | ${k(openssl.node)} |`);

  const used = 'node:crypto hash() → latin1 string (used)';
  const times = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  const root1m = rows.get(`${largest}:tree (root and every level)`);
  const report = [
    `${machine.cpu}, ${machine.nproc} cores (nproc), Node ${machine.node}, ${await opensslVersion()}, ${machine.date}.`,
    `Load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end: other jobs were`,
    'using the cores, so figures move from run to run; "worst" shows how much.',
    '',
    `Leaves of ${LEAF_BYTES} random bytes; ${runs} run${runs === 1 ? '' : 's'} in one process after a warm-up, best and worst CPU time`,
    '(user + system, every thread). The openssl column is the CPU time `openssl speed -evp sha256` needs for the',
    `same hashes (n leaf hashes of ${LEAF_MESSAGE} bytes, n − 1 node hashes of ${NODE_MESSAGE}; same SHA-256`,
    'block counts as 300 and 64 bytes), measured in the same run; without -elapsed it counts CPU user time too.',
    `openssl per run: ${opensslRuns.map((r) => `${k(r.leaf)} / ${k(r.node)}`).join(', ')} (${LEAF_MESSAGE} / ${NODE_MESSAGE} bytes).`,
    '"Every inclusion proof" writes each path into a buffer with `MerkleTree.writeInclusionProof`. The async',
    'build (`buildTreeFromLeavesAsync`) gives the event loop a turn between slices; the longest slice held it',
    `${[...longestSlice].map(([n, ms]) => `${fmtMs(ms)} (${n.toLocaleString('en-US')} leaves)`).join(', ')}.`,
    '',
    ...table,
    '',
    ...backendTable,
    '',
    `SHA-256 backend: \`node:crypto\` one-shot \`hash()\` asked for a latin1 string (src/merkle/sha256.ts):`,
    `${times(backends.leaf[used]!, backends.leaf['@noble/hashes sha256()']!)} / ${times(
      backends.node[used]!,
      backends.node['@noble/hashes sha256()']!,
    )} the rate of @noble/hashes and ${times(backends.leaf[used]!, backends.leaf['node:crypto hash() → Buffer']!)} /`,
    `${times(backends.node[used]!, backends.node['node:crypto hash() → Buffer']!)} that of the same call returning a Buffer`,
    `(${LEAF_MESSAGE} / ${NODE_MESSAGE}-byte messages): a Buffer per hash is an external allocation the GC makes dearer`,
    'than the hash. Both backends give the same bytes (test/unit/merkle/sha256.test.ts, and the reference',
    'implementation in the tests runs on @noble/hashes).',
    root1m === undefined || largest < 1_000_000
      ? ''
      : `Target for the ${largest.toLocaleString('en-US')}-leaf root: ≤ 5× openssl; measured ${times(
          Math.min(...root1m.cpuMs),
          opensslMs(largest),
        )} (tree with every level, best CPU time).`,
  ].join('\n');
  console.log(report);
  if (flags['write-docs']) {
    writeSection('docs/benchmarks.md', '## Merkle', `## Merkle\n\n${report}\n`);
    log('wrote the "## Merkle" section of docs/benchmarks.md');
  }
}

await main();
