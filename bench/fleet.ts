/**
 * Fleet benchmark: N devices provisioned through the API in bulk, each publishing at a fixed rate with one
 * reading in flight, from lean raw-socket clients; PUBACK latency, acknowledged rate, late ticks and the
 * broker's RSS, against in-memory mosquitto driven the same way in the same run. Then lock-step devices
 * (20 clients, one in flight each) on both. `npm run bench:fleet -- --help`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startAedes } from './lib/aedes.ts';
import { writeSection } from './lib/docs-section.ts';
import { type DurableFloor, measureDurableFloor } from './lib/durable-floor.ts';
import { type FleetRunResult, runFleet } from './lib/fleet-run.ts';
import { startGateway } from './lib/gateway.ts';
import { attribute, type ProbeSecond, startProbe } from './lib/gateway-probe.ts';
import { describeMachine } from './lib/machine.ts';
import { measureLoad } from './lib/measure.ts';
import { startMosquitto } from './lib/mosquitto.ts';
import type { Target } from './lib/target.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

const USAGE = `npm run bench:fleet -- [flags]
  --devices N        devices in the fleet (2000)
  --rate HZ          readings per second per device (1)
  --warmup S         seconds driven before measuring (10)
  --duration S       measured seconds (60: six sealed windows and two blocks of the demo pace)
  --lockstep S       measured seconds of the lock-step run, 20 clients one in flight each; 0 to skip (10)
  --targets LIST     references and gateway variants (mosquitto,gateway). References: mosquitto (in
                     memory), aedes (bare, in memory) and aedes-durable (bare aedes whose PUBACK waits
                     for a synced LevelDB group commit: what any aedes broker with a durable PUBACK costs,
                     with nothing else). Gateway variants: gateway is the demo pace,
                     gateway-no-mining without scheduled mining, gateway-quiet without mining and with
                     hour-long windows (nothing sealed in the run): what sealing and mining add to the tail
                     (gateway-image-quiet: the same as the image);
                     gateway-heap and gateway-heap512 (V8 old space bounded to 256 or 512 MB),
                     gateway-arenas (MALLOC_ARENA_MAX=2), gateway-js (the compiled start, built
                     first), gateway-image (compiled, old space 512 MB, semi-spaces 32 MB, V8's helper
                     threads one fewer than the cores: the image in a 1 GiB container),
                     gateway-image-semi64, -semi16, -semi8 (the same with the young generation's
                     semi-spaces at 64 (V8's own maximum here), 16 or 8 MB instead of 32),
                     gateway-image-wb32 (the same with a 32 MB LevelDB write buffer),
                     gateway-image-pool4 (the same with Node's default of four V8 helper threads),
                     baseline (see --baseline); a target may be
                     listed more than once: alternate two to compare them (gateway-image,baseline,...)
  --baseline DIR     another checkout of the gateway (e.g. a git worktree of the commit before a
                     change), run as the target "baseline": its compiled start with the settings of
                     gateway-image, built in DIR first
  --secret-hash-log2n N  scrypt cost of device secrets (10: provisioning and first logins stay quick)
  --write-docs       write the figures to the "Latest run" subsection of docs/benchmarks.md ("Fleet")
  --json             print the raw results as JSON`;

const LATEST_RUN = '### Latest run (`npm run bench:fleet -- --write-docs`)';

interface Report {
  readonly name: string;
  fleet?: FleetRunResult;
  provisionSeconds?: number;
  lockstepRate?: number;
  lockstepP99Ms?: number;
  /** The broker's CPU time per acknowledged reading in the lock-step run (all its threads), µs. */
  lockstepCpuUs?: number;
  probe?: ProbeSecond[];
  loadStart: number;
  loadEnd?: number;
  error?: string;
}

// The demo pace: a window sealed every 10 s, a block mined about every 30 s; every connection from one
// address, so the per-address connect rate is lifted for the bench.
const demoConfig = {
  sealing: { windowSeconds: 10, graceSeconds: 1 },
  ledger: {
    params: {
      targetIntervalMs: 30_000,
      genesisTarget: '0000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    },
  },
  anchoring: { intervalSeconds: 30, workers: 1 },
  mqtt: { rateLimit: { connectsPerSecond: 100_000, burst: 100_000 } },
};

// Nothing sealed or mined during a run: no mining, hour-long windows.
const quietConfig = {
  ...demoConfig,
  anchoring: { enabled: false },
  sealing: { windowSeconds: 3600, graceSeconds: 1 },
};

interface Variant {
  readonly config: object;
  readonly env?: Record<string, string>;
  readonly entry?: string;
}

/**
 * As the Docker image runs in a 1 GiB container: compiled, old space at half of it, semi-spaces of 32 MB, V8's
 * helper threads one fewer than the cores; more V8 flags (a later one wins) or config.
 */
function asImage(options: { flags?: string; config?: object } = {}): Variant {
  const flags = options.flags === undefined ? '' : ` ${options.flags}`;
  return {
    config: options.config ?? demoConfig,
    entry: 'dist/main.js',
    env: { NODE_OPTIONS: `--max-old-space-size=512 --max-semi-space-size=32 --v8-pool-size=0${flags}` },
  };
}

const REFERENCES = new Set(['mosquitto', 'aedes', 'aedes-durable']);
const isReference = (name: string): boolean => REFERENCES.has(name);

const VARIANTS: Record<string, Variant> = {
  gateway: { config: demoConfig },
  // The compiled start of the Docker image (npm run build): no type stripping in any thread.
  'gateway-js': { config: demoConfig, entry: 'dist/main.js' },
  'gateway-image': asImage(),
  'gateway-image-wb32': asImage({ config: { ...demoConfig, store: { writeBufferMb: 32 } } }),
  'gateway-image-semi64': asImage({ flags: '--max-semi-space-size=64' }),
  'gateway-image-semi16': asImage({ flags: '--max-semi-space-size=16' }),
  'gateway-image-semi8': asImage({ flags: '--max-semi-space-size=8' }),
  // Node's default of four garbage-collection helper threads, whatever the cores (the image: cores - 1).
  'gateway-image-pool4': asImage({ flags: '--v8-pool-size=4' }),
  'gateway-no-mining': { config: { ...demoConfig, anchoring: { enabled: false } } },
  'gateway-quiet': { config: quietConfig },
  'gateway-image-quiet': asImage({ config: quietConfig }),
  // Memory: V8's heap bounded, or glibc's malloc arenas (one per thread by default) held to two.
  'gateway-heap': { config: demoConfig, env: { NODE_OPTIONS: '--max-old-space-size=256' } },
  'gateway-heap512': { config: demoConfig, env: { NODE_OPTIONS: '--max-old-space-size=512' } },
  'gateway-arenas': { config: demoConfig, env: { MALLOC_ARENA_MAX: '2' } },
};

async function measure(target: Target, report: Report, args: ReturnType<typeof parse>): Promise<void> {
  const t0 = performance.now();
  const devices = await target.devices(args.devices);
  report.provisionSeconds = (performance.now() - t0) / 1000;
  console.error(`${target.name}: ${devices.length} devices ready in ${report.provisionSeconds.toFixed(1)} s`);
  const probe = target.httpPort === undefined ? undefined : startProbe(target.httpPort);
  let probed: Promise<ProbeSecond[]> | undefined;
  report.fleet = await runFleet({
    port: target.port,
    pid: target.pid,
    devices,
    rateHz: args.rate,
    warmupMs: args.warmup * 1000,
    durationMs: args.duration * 1000,
    // The gateway refuses more than 16 handshakes at once from one address (mqtt.limits.pendingPerAddress).
    connectConcurrency: 16,
    connectTimeoutMs: 60_000,
    onProgress: (line) => console.error(`${target.name}: ${line}`),
    onMeasureEnd: () => {
      probed = probe?.stop();
    },
  });
  if (probed) report.probe = (await probed).slice(-args.duration);
  if (args.lockstep > 0) {
    const lock = await measureLoad(target, {
      clients: 20,
      inflight: 1,
      warmupMs: 3_000,
      durationMs: args.lockstep * 1000,
      connectTimeoutMs: 60_000,
    });
    report.lockstepRate = lock.rate;
    report.lockstepP99Ms = lock.latencyMs.p99;
    report.lockstepCpuUs = (lock.brokerCpuPct / 100) * (1e6 / lock.rate);
  }
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      devices: { type: 'string', default: '2000' },
      rate: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '10' },
      duration: { type: 'string', default: '60' },
      lockstep: { type: 'string', default: '10' },
      targets: { type: 'string', default: 'mosquitto,gateway' },
      baseline: { type: 'string' },
      'secret-hash-log2n': { type: 'string', default: '10' },
      'write-docs': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const num = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new RangeError(`--${name} must be a number >= ${min}`);
    return n;
  };
  const targets = String(values.targets).split(',');
  const baseline = values.baseline === undefined ? undefined : resolve(values.baseline);
  if (baseline !== undefined)
    VARIANTS.baseline = { ...VARIANTS['gateway-image']!, entry: join(baseline, 'dist/main.js') };
  for (const t of targets) {
    if (t === 'baseline' && baseline === undefined)
      throw new RangeError('the target baseline needs --baseline DIR');
    if (!isReference(t) && VARIANTS[t] === undefined) throw new RangeError(`unknown target ${t}`);
  }
  return {
    help: values.help === true,
    devices: num('devices', 1),
    rate: num('rate', 0.01),
    warmup: num('warmup', 0),
    duration: num('duration', 1),
    lockstep: num('lockstep', 0),
    targets,
    baseline,
    secretHashLog2N: num('secret-hash-log2n', 10),
    writeDocs: values['write-docs'] === true,
    json: values.json === true,
  };
}

const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(1));
const k = (n: number | undefined) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));

function render(
  reports: readonly Report[],
  args: ReturnType<typeof parse>,
  floor: DurableFloor | undefined,
): string {
  const machine = describeMachine();
  const lines = [
    `${machine.date}, ${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}, mosquitto ${machine.mosquitto}; ` +
      `${args.devices.toLocaleString('en-US')} devices at ${args.rate} Hz, one reading in flight each, ` +
      `${args.warmup} s warm-up + ${args.duration} s measured; gateway sealing every 10 s, mining about every 30 s.`,
    '',
    '| broker | load avg (start → end) | connected | PUBACK p50 | p99 | p99.9 | max | acked/s | late ticks | driver lag max | RSS connected | RSS max | private max | provisioning | lock-step 20×1 | lock-step p99 | lock-step CPU per reading |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of reports) {
    const f = r.fleet;
    lines.push(
      `| ${r.name} | ${r.loadStart.toFixed(1)} → ${f1(r.loadEnd)} | ${k(f?.connected)} | ${f1(f?.latencyMs.p50)} ms | ` +
        `${f1(f?.latencyMs.p99)} ms | ${f1(f?.latencyMs.p999)} ms | ${f1(f?.latencyMs.max)} ms | ${k(f?.ackedRate)} | ` +
        `${k(f?.lateTicks)} | ${f1(f?.maxDriverLagMs)} ms | ${k(f?.rssConnectedMb)} MB | ${k(f?.rssMaxMb)} MB | ${k(f?.anonMaxMb)} MB | ${f1(r.provisionSeconds)} s | ` +
        `${k(r.lockstepRate)}/s | ${f1(r.lockstepP99Ms)} ms | ${f1(r.lockstepCpuUs)} µs |`,
    );
  }
  lines.push(
    '',
    'RSS counts the file pages a process maps (LevelDB maps its table files; the node binary is 60 MB of it), ' +
      'which the kernel drops when it needs the memory; "private max" is the largest anonymous part (heaps, ' +
      'stacks, malloc): what the process itself holds.',
  );
  if (floor) {
    const best = Math.max(...reports.map((r) => (isReference(r.name) ? 0 : (r.lockstepRate ?? 0))));
    const durable = reports.find((r) => r.name === 'aedes-durable')?.lockstepRate;
    lines.push(
      '',
      `Durable floor of this disk (bench/lib/durable-floor.ts): a synced LevelDB batch of ${floor.readings} readings ` +
        `takes ${floor.levelSyncMs.toFixed(2)} ms on average (p99 ${floor.levelSyncP99Ms.toFixed(2)} ms, max ` +
        `${floor.levelSyncMaxMs.toFixed(2)} ms), a 4 KiB append + fdatasync ${floor.fdatasyncMs.toFixed(2)} ms. ` +
        `Lock-step at ${floor.readings} readings per synced write can reach at most ${k(floor.ceilingPerSecond)}/s ` +
        `on it, whatever the broker` +
        (best > 0
          ? `: the gateway's best lock-step rate is ${(best / floor.ceilingPerSecond).toFixed(2)}× that.`
          : '.') +
        (durable === undefined
          ? ''
          : ` Bare aedes with a durable PUBACK reaches ${k(durable)}/s (${(durable / floor.ceilingPerSecond).toFixed(2)}× the floor).`),
    );
  }
  const mosq = reports.find((r) => r.name === 'mosquitto');
  for (const gw of reports.filter((r) => r.name !== 'mosquitto')) {
    // aedes and aedes-durable get the ratio line; only gateways have /metrics to scrape.
    if (mosq?.fleet && gw.fleet) {
      lines.push(
        '',
        `${gw.name} / mosquitto in this run: p99 ${(gw.fleet.latencyMs.p99 / mosq.fleet.latencyMs.p99).toFixed(1)}×, ` +
          `max ${(gw.fleet.latencyMs.max / mosq.fleet.latencyMs.max).toFixed(1)}×, RSS ${(gw.fleet.rssMaxMb / mosq.fleet.rssMaxMb).toFixed(0)}×` +
          (gw.lockstepRate && mosq.lockstepRate
            ? `, lock-step rate ${(gw.lockstepRate / mosq.lockstepRate).toFixed(2)}×.`
            : '.'),
      );
    }
    if (!gw.probe || gw.probe.length === 0) continue;
    lines.push(
      '',
      `${gw.name}: its event loop second by second (\`/metrics\`, scraped each second), grouped by what ran in that second:`,
      '',
      '| seconds with | count | loop delay max | median of per-second p99 | GC ms per second | major GCs, ms in all | commits/s | mean commit | commits > 20 ms | PUBACKs held > 50 ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const g of attribute(gw.probe)) {
      lines.push(
        `| ${g.what} | ${g.seconds} | ${f1(g.loopMaxMs)} ms | ${f1(g.loopP99MedianMs)} ms | ${f1(g.gcMsPerSecond)} | ` +
          `${g.gcMajors}, ${f1(g.gcMajorMs)} | ${k(g.commitsPerSecond)} | ${f1(g.meanCommitMs)} ms | ${k(g.slowCommits)} | ` +
          `${(100 * g.slowAckShare).toFixed(2)} % |`,
      );
    }
    const first = gw.probe[0];
    const last = gw.probe[gw.probe.length - 1];
    if (first && last) {
      lines.push(
        '',
        `${gw.name} memory over the measured window: V8 heap used ${k(first.heapMb)} → ${k(last.heapMb)} MB (max ${k(Math.max(...gw.probe.map((p) => p.heapMb)))}), ` +
          `external (Buffers) ${k(first.externalMb)} → ${k(last.externalMb)} MB.`,
      );
    }
  }
  for (const r of reports) {
    if (r.error) lines.push('', `${r.name}: ${r.error}`);
    const errors = Object.entries(r.fleet?.errors ?? {});
    if (errors.length > 0)
      lines.push('', `${r.name} errors: ${errors.map(([e, n]) => `${e} × ${n}`).join(', ')}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const reports: Report[] = [];
  const builds = new Set<string>();
  for (const t of args.targets) {
    if (t === 'baseline') builds.add(args.baseline!);
    else if (VARIANTS[t]?.entry !== undefined) builds.add(repoRoot);
  }
  for (const dir of builds) {
    console.error(`npm run build in ${dir} (for the compiled start)`);
    const built = spawnSync('npm', ['run', 'build'], { cwd: dir, stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`npm run build failed in ${dir}`);
  }
  for (const name of args.targets) {
    const report: Report = { name, loadStart: loadavg()[0] ?? Number.NaN };
    reports.push(report);
    const workDir = mkdtempSync(join(tmpdir(), `bench-fleet-${name}-`));
    let target: Target | undefined;
    try {
      target =
        name === 'mosquitto'
          ? await startMosquitto(workDir)
          : name === 'aedes' || name === 'aedes-durable'
            ? await startAedes(workDir, { durable: name === 'aedes-durable' })
            : await startGateway({
                repoRoot,
                workDir,
                readyTimeoutMs: 60_000,
                secretHashLog2N: args.secretHashLog2N,
                config: VARIANTS[name]?.config as Record<string, unknown>,
                env: VARIANTS[name]?.env ?? {},
                entry: VARIANTS[name]?.entry,
              });
      console.error(`${name}: pid ${target.pid}, MQTT on 127.0.0.1:${target.port}`);
      await measure(target, report, args);
    } catch (err) {
      report.error = (err as Error).stack ?? String(err);
      console.error(`${name}: ${report.error}`);
    } finally {
      report.loadEnd = loadavg()[0];
      const stopped = await target?.stop();
      if (stopped && report.error === undefined) rmSync(workDir, { recursive: true, force: true });
      else console.error(`${name}: files kept in ${workDir}`);
    }
  }
  // Measured alone, after the brokers have stopped: the disk is the only thing it uses.
  let floor: DurableFloor | undefined;
  if (args.lockstep > 0) {
    console.error('durable floor: 1,000 synced writes of 20 readings, 1,000 fdatasyncs');
    floor = await measureDurableFloor();
  }
  const text = render(reports, args, floor);
  console.log(`\n${text}\n`);
  if (args.json) console.log(JSON.stringify({ reports, floor }, null, 2));
  if (args.writeDocs) {
    // Only the last subsection: the rest of the Fleet section is the analysis of earlier runs.
    writeSection(join(repoRoot, 'docs/benchmarks.md'), LATEST_RUN, `${LATEST_RUN}\n\n${text}\n`);
  }
  if (reports.some((r) => r.error)) process.exitCode = 1;
}

await main();
