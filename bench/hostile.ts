/**
 * Hostile benchmark: the gateway under each attack of docs/limits.md ("Connections and devices"), one
 * after another, each against a fresh gateway, while a legitimate device publishes QoS 1 readings and /healthz is polled. For each
 * attack: the gateway's peak RSS, the device's PUBACK p99 against its baseline, /healthz, and a verdict
 * (p99 under 500 ms and under 10x the baseline, RSS under 600 MB, /healthz answering).
 * `npm run bench:hostile [-- --seconds N] [--only ATTACK] [--limits JSON] [--no-docs]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import hdr from 'hdr-histogram-js';
import mqtt from 'mqtt';
import { writeSection } from './lib/docs-section.ts';
import { startGateway } from './lib/gateway.ts';
import type { AttackInput, AttackName, AttackResult } from './lib/hostile-attacks.ts';
import { describeMachine } from './lib/machine.ts';
import { memoryMb } from './lib/procs.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const seconds = Number(argv[argv.indexOf('--seconds') + 1]) || 12;
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const writeDocs = !argv.includes('--no-docs') && only === undefined;

const ATTACKS: Array<[AttackName, string]> = [
  ['flood-address', 'connection flood, one address (3,000 stalled sockets)'],
  ['flood-total', 'connection flood, 100 addresses (3,000 stalled sockets)'],
  ['slow-connect', 'slow big CONNECTs (300 x ~1 MB announced, trickled)'],
  ['wrong-secret', 'wrong-secret flood (1,000 logins in flight)'],
  ['qos0-flood', 'QoS 0 flood (valid 63 KB readings, 16 connections)'],
  ['payload-flood', 'payload flood (20,000-deep nesting and invalid readings, QoS 1)'],
];
const MAX_P99_MS = 500;
const MAX_RATIO = 10;
const MAX_RSS_MB = 600;
const PROBE_TIMEOUT_MS = 5000;

interface Result {
  readonly baseline: Phase;
  readonly phase: Phase;
  /** The gateway's last error, when it exited during the attack. */
  readonly crash?: string;
}

interface Phase {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly acks: number;
  readonly timeouts: number;
  readonly rssMb: number;
  readonly healthOk: number;
  readonly healthFailed: number;
  readonly exited: boolean;
  readonly attack?: AttackResult;
}

const limits = argv.includes('--limits') ? JSON.parse(argv[argv.indexOf('--limits') + 1]!) : undefined;
const machine = describeMachine();
const loadBefore = loadavg();

/** One attack against a fresh gateway: its baseline first, then the attack, then the gateway stops. */
async function runAttack(attack: AttackName, label: string): Promise<Result> {
  const workDir = mkdtempSync(join(tmpdir(), 'medgate-hostile-'));
  const target = await startGateway({
    repoRoot,
    workDir,
    readyTimeoutMs: 30_000,
    secretHashLog2N: 14,
    ...(limits ? { config: { mqtt: { limits } } } : {}),
  });
  try {
    const [probe, ...attackers] = await target.devices(5);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${target.port}`, {
      clientId: probe!.id,
      username: probe!.id,
      password: probe!.password,
      protocolVersion: 4,
      reconnectPeriod: 200,
    });
    let seq = 1;
    const reading = () =>
      JSON.stringify({
        seq: seq++,
        ts: new Date().toISOString(),
        patientId: probe!.patientId,
        vitals: { heartRate: 72 },
      });

    async function measure(name: string, ms: number, attack?: AttackName): Promise<Phase> {
      const histogram = hdr.build({ numberOfSignificantValueDigits: 3 });
      let timeouts = 0;
      let rssMb = 0;
      let healthOk = 0;
      let healthFailed = 0;
      const until = Date.now() + ms;
      const worker = attack
        ? new Worker(new URL('./lib/hostile-attacks.ts', import.meta.url), {
            workerData: {
              name: attack,
              port: target.port,
              durationMs: ms,
              devices: attackers.map((d) => ({ id: d.id, password: d.password, patientId: d.patientId })),
            } satisfies AttackInput,
          })
        : null;
      const attackDone = worker
        ? new Promise<AttackResult>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          })
        : Promise.resolve(undefined);
      const sampler = setInterval(() => {
        try {
          rssMb = Math.max(rssMb, memoryMb(target.pid).rss);
        } catch {}
      }, 200);
      const health = (async () => {
        while (Date.now() < until) {
          try {
            const res = await fetch(`http://127.0.0.1:${target.httpPort}/healthz`, {
              signal: AbortSignal.timeout(2000),
            });
            await res.body?.cancel();
            if (res.ok) healthOk++;
            else healthFailed++;
          } catch {
            healthFailed++;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      while (Date.now() < until) {
        const started = performance.now();
        try {
          await Promise.race([
            client.publishAsync(`tele/${probe!.id}/vitals`, reading(), { qos: 1 }),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)),
          ]);
          histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
        } catch {
          timeouts++;
          histogram.recordValue(PROBE_TIMEOUT_MS * 1000);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await health;
      const attackResult = await attackDone;
      await worker?.terminate();
      clearInterval(sampler);
      const phase: Phase = {
        name,
        p50: histogram.getValueAtPercentile(50) / 1000,
        p99: histogram.getValueAtPercentile(99) / 1000,
        max: histogram.maxValue / 1000,
        acks: histogram.totalCount - timeouts,
        timeouts,
        rssMb,
        healthOk,
        healthFailed,
        exited: isGone(target.pid),
        ...(attackResult ? { attack: attackResult } : {}),
      };
      process.stderr.write(`${JSON.stringify(phase)}\n`);
      return phase;
    }

    const baseline = await measure('baseline', 5_000);
    const phase = await measure(label, seconds * 1000, attack);
    client.end(true);
    if (phase.exited) {
      const tail = logTail(workDir, 60);
      process.stderr.write(`the gateway exited during ${attack}; the end of its log:\n${tail}\n`);
      const error = /^\w*Error\b.*$/m.exec(tail)?.[0] ?? 'no error in its log';
      const where = /^\s+at .*\/(src\/[^)\n]+)/m.exec(tail)?.[1];
      return { baseline, phase, crash: `${error}${where ? ` at ${where}` : ''}` };
    }
    return { baseline, phase };
  } finally {
    await target.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const [name, label] of ATTACKS) {
  if (only && name !== only) continue;
  results.push(await runAttack(name, label));
}

const verdict = ({ baseline, phase: p }: { baseline: Phase; phase: Phase }) => {
  const problems: string[] = [];
  if (p.exited) problems.push('the gateway exited');
  if (p.p99 >= MAX_P99_MS) problems.push(`p99 ≥ ${MAX_P99_MS} ms`);
  if (p.p99 >= MAX_RATIO * Math.max(baseline.p99, 1)) problems.push(`p99 ≥ ${MAX_RATIO}x baseline`);
  if (p.rssMb >= MAX_RSS_MB) problems.push(`RSS ≥ ${MAX_RSS_MB} MB`);
  if (p.healthFailed > 0) problems.push('/healthz failed');
  if (p.timeouts > 0) problems.push(`${p.timeouts} PUBACK timeouts`);
  return problems.length === 0 ? 'pass' : `**fail**: ${problems.join(', ')}`;
};
const row = (r: { baseline: Phase; phase: Phase }) => {
  const { baseline: b, phase: p } = r;
  const attacker = p.attack
    ? `${p.attack.opened} sockets, ${p.attack.closedByGateway} closed by the gateway, ${p.attack.sent} packets`
    : '—';
  return (
    `| ${p.name} | ${b.rssMb.toFixed(0)} → ${p.exited ? 'exited' : p.rssMb.toFixed(0)} | ${b.p99.toFixed(1)} | ` +
    `${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${(p.p99 / Math.max(b.p99, 1)).toFixed(1)}x | ` +
    `${p.healthOk}/${p.healthOk + p.healthFailed} | ${attacker} | ${verdict(r)} |`
  );
};
const loadAfter = loadavg();
const lines = [
  '## Hostile devices and strangers (`npm run bench:hostile`)',
  '',
  `${machine.date}, ${machine.cpu}, ${machine.nproc} cores, Node ${machine.node}. Load average (1, 5, 15 min, ` +
    `as \`uptime\` shows it) ${loadBefore.map((l) => l.toFixed(2)).join(', ')} before the run and ` +
    `${loadAfter.map((l) => l.toFixed(2)).join(', ')} after it. Each attack runs against a fresh gateway ` +
    '(`npm start`, default limits, scrypt log2 N = 14): a 5 s baseline, then the attack for ' +
    `${seconds} s from a worker thread of the bench, while one legitimate device publishes a QoS 1 reading ` +
    'every 20 ms and `/healthz` is polled every 500 ms. Targets: PUBACK p99 under 500 ms and under 10x the ' +
    'baseline, RSS under 600 MB, `/healthz` answering.',
  '',
  '| attack | RSS MB (baseline → peak) | baseline p99 (ms) | p50 (ms) | p99 (ms) | p99 / baseline | /healthz ok | attacker | verdict |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(row),
  ...results
    .filter((r) => r.crash)
    .flatMap((r) => ['', `The gateway exited during the ${r.phase.name}: \`${r.crash}\`.`]),
  '',
  'Reading the table: the attacker, the gateway and the measuring device share the same cores, so an attack ' +
    'costs the device CPU time the attacker spends as well as what the gateway spends refusing it; and the ' +
    'load average shows how busy the machine was besides. The RSS column is the gateway process only. ' +
    '"Closed by the gateway" counts the sockets the caps of docs/limits.md closed (at accept, at the CONNECT ' +
    'header, after a refused login, or to make room for a newer socket); the attacker reopens each one at once.',
];
const section = lines.join('\n');
console.log(section);
if (writeDocs) writeSection(join(repoRoot, 'docs/benchmarks.md'), lines[0]!, section);

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function logTail(workDir: string, lines: number): string {
  try {
    return readFileSync(join(workDir, 'gateway.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
