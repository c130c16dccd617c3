/**
 * The pure core stays pure (docs/architecture.md): every module reachable at run time from a file of the
 * pure core is itself free of disk, network, threads, databases and servers. The walk reads the static
 * `import … from '…'` / `export … from '…'` lines and `import('…')` calls, follows relative `.ts` imports,
 * and skips `import type` / `export type` lines, which type stripping erases.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Folders whose every file belongs to the pure core (src/model joins once it exists). */
const PURE_FOLDERS = ['telemetry', 'masking', 'merkle', 'proofs', 'ledger/rules', 'model'];

/** Packages and built-ins the pure core must never reach. */
const FORBIDDEN_MODULES = [
  /^node:fs(\/|$)/,
  /^node:net$/,
  /^node:tls$/,
  /^node:dgram$/,
  /^node:http2?$/,
  /^node:https$/,
  /^node:worker_threads$/,
  /^node:child_process$/,
  /^level$/,
  /^classic-level$/,
  /^blockstore-level$/,
  /^fastify$/,
  /^@fastify\//,
  /^aedes/,
  /^mqtt$/,
  /^helia$/,
  /^@helia\//,
  /^node-cron$/,
];

/** Parts that do I/O: the pure core may not import them. */
const IMPURE_PATHS = [
  'store/',
  'broker/',
  'api/',
  'anchoring/',
  'ipfs/',
  'ledger/node/',
  'batches/sealer.ts',
  'batches/seal-thread.ts',
  'batches/seal-worker.ts',
  'batches/batch-builder.ts',
  'threads/',
  'gateway.ts',
  'main.ts',
];

const IMPORT_LINE = /^\s*(import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a file loads at run time. */
export function runtimeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT_LINE)) {
    if (match[2] === undefined) found.push(match[3] as string);
  }
  for (const match of source.matchAll(DYNAMIC_IMPORT)) found.push(match[1] as string);
  return found;
}

function tsFilesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...tsFilesUnder(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface Violation {
  chain: string[];
  reaches: string;
}

/** Walks the graph from `roots`; returns each forbidden edge with the import chain that leads to it. */
function violations(roots: string[]): { visited: number; problems: Violation[] } {
  const problems: Violation[] = [];
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const root of roots) {
    parent.set(root, null);
    queue.push(root);
  }
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let at: string | null | undefined = file; at; at = parent.get(at)) chain.unshift(relative(SRC, at));
    return chain;
  };
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        if (FORBIDDEN_MODULES.some((pattern) => pattern.test(specifier))) {
          problems.push({ chain: chainTo(file), reaches: specifier });
        }
        continue;
      }
      const target = resolve(dirname(file), specifier);
      const inSrc = relative(SRC, target);
      if (IMPURE_PATHS.some((prefix) => inSrc === prefix || inSrc.startsWith(prefix))) {
        problems.push({ chain: chainTo(file), reaches: inSrc });
        continue;
      }
      if (target.endsWith('.ts') && !parent.has(target)) {
        parent.set(target, file);
        queue.push(target);
      }
    }
  }
  return { visited: parent.size, problems };
}

test('the import parser sees runtime imports and skips type-only ones', () => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from './b.ts';",
    'import {',
    '  type C,',
    '  d,',
    "} from './c.ts';",
    "export { e } from './e.ts';",
    "export type { F } from './f.ts';",
    "import 'node:fs';",
    "const g = await import('./g.ts');",
  ].join('\n');
  assert.deepEqual(runtimeImports(source), ['./a.ts', './c.ts', './e.ts', 'node:fs', './g.ts']);
});

test('the pure core reaches no disk, network, thread, database, server or I/O part', () => {
  const roots = PURE_FOLDERS.flatMap((folder) => tsFilesUnder(join(SRC, folder)));
  assert.ok(roots.length > 20, `pure core found: ${roots.length} files`);
  assert.ok(existsSync(join(SRC, 'ledger/rules')), 'the ledger has a pure part, src/ledger/rules');
  const { problems } = violations(roots);
  const report = problems.map((p) => `${p.chain.join(' -> ')} -> ${p.reaches}`).join('\n');
  assert.equal(problems.length, 0, `the pure core reaches I/O:\n${report}`);
});

test('the check fails on an I/O import reached through the graph', () => {
  const { problems } = violations([join(SRC, 'gateway.ts')]);
  assert.ok(problems.length > 0);
});

test('loading the masking policy compiles no JSON validator', () => {
  const probe = [
    "import { registerHooks } from 'node:module';",
    'const seen = [];',
    'registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });',
    "await import('./src/masking/index.ts');",
    'console.log(JSON.stringify(seen));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const loaded = JSON.parse(run.stdout) as string[];
  assert.ok(loaded.length > 0);
  assert.deepEqual(
    loaded.filter((url) => url.includes('/node_modules/ajv/')),
    [],
  );
});
