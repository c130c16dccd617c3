/**
 * `npm run demo`: a gateway on gateway-config/demo.json in a temporary data dir, fed by simulated
 * wearables and drones, printing what happens as it happens. `--duration S` (default 40, 0 = until
 * Ctrl-C), `--wearables N`, `--drones N`, `--keep` to keep the data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFleet } from '../device-sim/fleet.ts';
import { humanSummary } from '../device-sim/report.ts';
import { loadConfig, parseConfig } from '../src/config/index.ts';
import { randomSecret } from '../src/crypto/tokens.ts';
import { startGateway } from '../src/gateway.ts';
import { type Block, blockHash, toHex } from '../src/ledger/index.ts';
import { createLog } from '../src/log.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '40' },
    wearables: { type: 'string', default: '20' },
    drones: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const durationS = Number(values.duration);
const wearables = Number(values.wearables);
const drones = Number(values.drones);
for (const [name, n] of [
  ['duration', durationS],
  ['wearables', wearables],
  ['drones', drones],
] as const) {
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`demo: --${name} must be a number >= 0\n`);
    process.exit(2);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const dataDir = mkdtempSync(join(tmpdir(), 'medgate-demo-'));
const base = loadConfig({ file: 'gateway-config/demo.json', env: {} }).config;
// Ephemeral ports, so the demo never collides with a gateway or broker already running here.
const config = parseConfig({
  ...base,
  dataDir,
  mqtt: { ...base.mqtt, port: Number(process.env.GATEWAY_MQTT_PORT ?? 0) },
  http: { ...base.http, port: Number(process.env.GATEWAY_HTTP_PORT ?? 0) },
});
const adminToken = randomSecret();
const showBlock = (block: Block) =>
  say(
    `  mined block ${block.header.height}  ${toHex(blockHash(block.header)).slice(0, 24)}…  ` +
      `${block.records.length} record(s): ${block.records.map((r) => r.minute.slice(11, 19)).join(' ')}`,
  );
const gateway = await startGateway({
  config,
  adminToken,
  log: createLog({ quiet: true }),
  onMined: showBlock,
  onSealed: (w) =>
    say(
      `  sealed ${w.record.minute.slice(11, 19)}–${new Date(w.end).toISOString().slice(11, 19)}  ` +
        `${String(w.readings).padStart(4)} readings + ${w.access} access  root ${w.record.root.slice(0, 16)}…  ${w.record.batchCid}`,
    ),
});
// Alarms as they happen (docs/alarms.md): the simulator's SpO2 dips, fevers and warm payloads raise them.
gateway.events.subscribe((event) => {
  if (event.type !== 'alarm') return;
  const a = event.alarm as {
    rule: string;
    level: string;
    score: number | null;
    patientId: string | null;
    flightId: string | null;
  };
  say(
    `  alarm ${event.event.padEnd(12)} ${a.rule} ${a.level}${a.score === null ? '' : ` (NEWS2 ${a.score})`}  ` +
      `${a.patientId ?? ''}${a.flightId ? ` flight ${a.flightId}` : ''}`,
  );
});
const mqttUrl = `mqtt://127.0.0.1:${gateway.mqttPort()}`;
const apiUrl = `http://127.0.0.1:${gateway.httpPort()}`;
say(`medgate demo: gateway ${config.gatewayId}`);
say(`  MQTT ${mqttUrl}   API ${apiUrl} (OpenAPI at ${apiUrl}/docs)   data ${dataDir}`);
say(`  ${wearables} wearables and ${drones} drones, ${durationS > 0 ? `${durationS} s` : 'until Ctrl-C'}`);
say(
  `  ledger ${gateway.ledger.node.consortium.name}: windows of ${config.sealing.windowSeconds} s, a block every ${config.anchoring.intervalSeconds} s`,
);

const abort = new AbortController();
let stopping = false;
const onSignal = () => {
  if (stopping) return;
  stopping = true;
  say('\nstopping: draining devices and in-flight commits…');
  abort.abort();
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

async function counterTotal(counter: { get(): Promise<{ values: Array<{ value: number }> }> }) {
  return (await counter.get()).values.reduce((n, v) => n + v.value, 0);
}

let lastIngested = 0;
const ticker = setInterval(async () => {
  const ingested = await counterTotal(gateway.metrics.readingsIngested);
  const rejected = await counterTotal(gateway.metrics.readingsRejected);
  const connected = (await gateway.metrics.connectedDevices.get()).values[0]?.value ?? 0;
  say(
    `  readings in ${String(ingested - lastIngested).padStart(4)}/s   stored ${String(ingested).padStart(6)}   ` +
      `rejected ${String(rejected).padStart(4)}   devices online ${connected}`,
  );
  lastIngested = ingested;
}, 1000);

const api = async (path: string, body?: unknown) => {
  const res = await fetch(`${apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

/** A patient's first sealed reading: its proof, fetched and verified, every check printed. */
async function showProof(patient: string) {
  await gateway.sealer.sealDue();
  // Anchor what is sealed now rather than at the next scheduled block, so a short run shows it too.
  say('\nmining the pending minute records now');
  await gateway.ledger.api.mineNow();
  const list = await api(`/v1/patients/${patient}/readings?limit=1000`);
  say(`\nGET /v1/patients/${patient}/readings → ${list.status}, ${list.body.readings.length} readings`);
  const sealed = list.body.readings.find((r: any) => r.proof.status !== 'pending');
  if (!sealed) return say('  no reading sealed yet (run longer than one window)');
  say(
    `  ${sealed.id} ${sealed.ts} ${sealed.proof.status} in ${sealed.proof.minute}: ${JSON.stringify(sealed.data.vitals)}`,
  );
  const proof = await api(`/v1/readings/${sealed.id}/proof`);
  say(
    `GET /v1/readings/${sealed.id}/proof → ${proof.status}: leaf ${proof.body.leaf.index} of ${proof.body.leaf.treeSize}, ${proof.body.leaf.path.length} path hashes`,
  );
  const anchor = proof.body.anchor;
  say(
    anchor
      ? `  anchored in block ${anchor.height} ${anchor.blockHash.slice(0, 24)}… (record ${anchor.record.index} of ${anchor.record.treeSize}, ${anchor.confirmations} confirmation(s))`
      : '  not anchored yet',
  );
  const verdict = await api('/v1/proofs/verify', proof.body);
  say(`POST /v1/proofs/verify → ${verdict.body.valid ? 'VALID' : 'INVALID'}`);
  for (const c of verdict.body.checks) say(`  ${c.ok ? '✔' : '✘'} ${c.name.padEnd(16)} ${c.detail}`);
}

let exitCode = 0;
try {
  const summary = await runFleet(
    {
      mqtt: mqttUrl,
      api: apiUrl,
      adminToken,
      wearables,
      drones,
      rateHz: 1,
      durationS: durationS > 0 ? durationS : 365 * 86_400,
      badRatio: 0.02,
      disconnectRatio: 0.1,
      seed: 2026,
      idPrefix: 'demo',
    },
    { signal: abort.signal },
  );
  clearInterval(ticker);
  say('\nsimulator summary');
  say(humanSummary(summary).replace(/^/gm, '  '));
  const patient = summary.devices.find((d) => d.kind === 'wearable')?.patientId;
  if (patient) await showProof(patient);
} catch (err) {
  if (!abort.signal.aborted) {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
    exitCode = 1;
  }
} finally {
  clearInterval(ticker);
  await gateway.stop();
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else say(`data kept in ${dataDir}`);
}
process.exit(exitCode);
