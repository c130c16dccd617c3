/**
 * The composition root: builds every part from the config, starts them in order and stops them in the
 * reverse order. Only this file knows every part (ARCHITECTURE).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AlarmService, createAlarmService } from './alarms/service.ts';
import { createLedgerService, type LedgerService } from './anchoring/ledger-service.ts';
import { type Schedule, schedule, windowCron } from './anchoring/schedule.ts';
import { createTokenResolver } from './api/auth.ts';
import { createFailedAuthLimiter } from './api/failed-auth.ts';
import { buildApi } from './api/server.ts';
import { createSealer, type Sealer } from './batches/sealer.ts';
import { createBroker } from './broker/server.ts';
import type { GatewayConfig } from './config/index.ts';
import { type GatewayKeys, loadOrCreateKeys } from './crypto/key-files.ts';
import { tokenDigest } from './crypto/tokens.ts';
import { GatewayError } from './errors.ts';
import { createEventBus, type EventBus } from './events/bus.ts';
import { createIpfs, type Ipfs } from './ipfs/node.ts';
import type { Block } from './ledger/index.ts';
import { createLog, type Log } from './log.ts';
import { createMasker } from './masking/index.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createReceiptClock, receiptFloor } from './receipt-clock.ts';
import { formatCredentials, type SeededCredentials, seedDemo } from './seed.ts';
import {
  type AccessLog,
  createAccessLog,
  createDeviceRegistry,
  createIngestLog,
  createReadingQueries,
  createTokenStore,
  createWindowLookup,
  type Db,
  type IngestLog,
  openDb,
  securePrivateData,
  sublevels,
  type WindowLookup,
  type WindowRecord,
} from './store/index.ts';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly adminToken?: string | undefined;
  readonly log?: Log;
  readonly apiLogLevel?: 'silent' | 'error' | 'warn' | 'info';
  readonly clock?: () => number;
  /** Seal on the node-cron schedule (default true; tests call `sealer.sealDue()` themselves). */
  readonly scheduleSealing?: boolean;
  /** Called for each sealed window, after it is durable. */
  readonly onSealed?: (window: WindowRecord) => void;
  /** Called for each block this gateway mines, after it is stored. */
  readonly onMined?: (block: Block) => void;
  /** Mine on the node-cron schedule (default `anchoring.enabled`; tests mine through the API). */
  readonly scheduleMining?: boolean;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly dataDir: string;
  readonly metrics: Metrics;
  readonly api: FastifyInstance;
  readonly ingestLog: IngestLog;
  readonly accessLog: AccessLog;
  readonly sealer: Sealer;
  readonly windows: WindowLookup;
  readonly ipfs: Ipfs;
  readonly keys: GatewayKeys;
  readonly ledger: LedgerService;
  /** Live events: committed readings and sealed windows (docs/api.md). */
  readonly events: EventBus;
  /** Alarms from committed readings, their store and webhooks (docs/alarms.md). */
  readonly alarms: AlarmService;
  readonly seeded: SeededCredentials | null;
  mqttPort(): number;
  /** The TLS listener's port, when `mqtt.tls` is configured. */
  mqttTlsPort(): number | null;
  httpPort(): number;
  /** Stop taking connections, finish in-flight commits, seal what is open, close the store (SPEC §6). Idempotent. */
  stop(): Promise<void>;
}

/** Subscribers of the live events at once (the alarm evaluator, each open event stream). */
const LIVE_EVENT_LISTENERS = 1024;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.log ?? createLog();
  const clock = options.clock ?? Date.now;
  const dataDir = resolve(config.dataDir);
  // Patient data and secrets at rest: the gateway user's alone (0700 / 0600), or no start.
  securePrivateData({
    dataDir,
    keysDir: config.keys.dir === undefined ? undefined : resolve(config.keys.dir),
    // The signing key, and the TLS private keys of the listeners.
    keyFiles: [config.keys.signingKeyFile, config.http.tls?.keyFile, config.mqtt.tls?.keyFile]
      .filter((f) => f !== undefined)
      .map((f) => resolve(f)),
  });
  const keys = loadOrCreateKeys({
    dir: config.keys.dir ?? join(dataDir, 'keys'),
    signingKeyFile: config.keys.signingKeyFile,
    batchKeyId: config.keys.batchKeyId,
    envBatchKey: process.env.GATEWAY_BATCH_KEY,
  });
  for (const file of keys.created) log('info', `created key ${file}`);

  const db: Db = openDb(join(dataDir, 'store'));
  await db.open();
  const subs = sublevels(db);
  const metrics = createMetrics();
  const registry = await createDeviceRegistry({ subs });
  const tokens = createTokenStore({ subs });
  const accessLog = await createAccessLog({ subs, clock });
  const readings = createReadingQueries({ subs });
  const windows = createWindowLookup({ subs });
  const ipfs = await createIpfs({ subs });
  const events = createEventBus({ maxListeners: LIVE_EVENT_LISTENERS });
  const alarms = await createAlarmService(
    {
      rules: config.alarms.rules,
      news2: {
        enabled: config.alarms.news2.enabled,
        maxAgeMs: config.alarms.news2.maxAgeSeconds * 1000,
        clearMs: config.alarms.news2.clearSeconds * 1000,
      },
      maxSubjects: config.alarms.maxSubjects,
      maxPendingReadings: config.alarms.maxPendingReadings,
      webhooks: config.alarms.webhooks,
      maxEntries: config.alarms.outboxMaxEntries,
      retryInitialMs: config.alarms.retryInitialMs,
      retryMaxMs: config.alarms.retryMaxMs,
      requestTimeoutMs: config.alarms.requestTimeoutMs,
    },
    {
      db,
      subs,
      events,
      clock,
      log,
      hooks: {
        onEvent: (event, alarm) => metrics.alarmEvents.inc({ event, level: alarm.level }),
        onUnevaluated: (reason, n) => metrics.alarmReadingsUnevaluated.inc({ reason }, n),
        onOpenAlarms: (n) => metrics.alarmsOpen.set(n),
        onDelivery: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
        onDropped: () => metrics.webhookDropped.inc(),
        onOutboxSize: (n) => metrics.webhookOutbox.set(n),
      },
    },
  );
  const ingestLog = await createIngestLog(
    {
      maxCommitBatch: config.store.maxCommitBatch,
      onCommit: (stats) => {
        metrics.commitBatchReadings.observe(stats.readings);
        metrics.commitDuration.observe(stats.durationMs / 1000);
      },
    },
    { db, subs },
  );
  // SPEC §4: the shared ledger; sealed records go to its pool and to the peers.
  const ledger = await createLedgerService(
    {
      config,
      dataDir,
      peerToken: config.ledger.peerToken ?? (process.env.GATEWAY_PEER_TOKEN || undefined),
      ...(options.scheduleMining === undefined ? {} : { scheduleMining: options.scheduleMining }),
    },
    {
      db,
      subs,
      key: keys.signing,
      clock,
      log,
      metrics,
      ...(options.onMined ? { onMined: options.onMined } : {}),
    },
  );
  const masker = createMasker(config.masking.rules, keys.pseudonym);
  const receiptClock = createReceiptClock(clock);
  const sealer = createSealer(
    {
      gatewayId: config.gatewayId,
      windowMs: config.sealing.windowSeconds * 1000,
      graceMs: config.sealing.graceSeconds * 1000,
      pageLeaves: config.sealing.pageLeaves,
      maskingRules: config.masking.rules,
    },
    {
      db,
      subs,
      queries: readings,
      accessLog,
      alarmLog: alarms.log,
      ingestLog,
      ipfs,
      keys,
      masker,
      clock,
      onSealed: (window) => {
        receiptClock.raiseFloor(window.end);
        alarms.log.raiseFloor(window.end);
        metrics.windowsSealed.inc();
        metrics.sealedLeaves.inc(window.record.count);
        if (window.skipped) {
          metrics.readingsUnsealable.inc(window.skipped.length);
          log(
            'error',
            `window ${window.record.minute}: ${window.skipped.length} reading(s) moved to quarantine`,
          );
        }
        ledger
          .recordSealed(window.record)
          .catch((err: Error) =>
            log('error', `ledger: record ${window.record.minute} not pooled: ${err.message}`),
          );
        const { minute, count, root, batchCid } = window.record;
        events.publish({ type: 'window', minute, count, root, batchCid });
        options.onSealed?.(window);
      },
    },
  );
  // Receipt times resume after everything stored or sealed before (a clock stepped back changes nothing).
  receiptClock.raiseFloor(await receiptFloor(readings, sealer));
  alarms.log.raiseFloor(await sealer.nextWindow());
  const seeded = await seedDemo(config, { registry, tokens, subs, clock });
  if (
    !seeded &&
    !options.adminToken &&
    !config.security.tokens.some((t) => t.role === 'admin') &&
    !(await tokens.hasRole('admin'))
  ) {
    // Devices already provisioned keep reporting, so the start goes on; the operator is told what to do.
    log(
      'warn',
      'no admin token: nobody can provision devices or issue tokens. Set one and restart: GATEWAY_ADMIN_TOKEN=$(openssl rand -hex 24) (at least 16 characters; keep it in your secret store), or add a security.tokens entry with role admin (`gateway token-hash TOKEN` prints its sha256)',
    );
  }

  // Record keys we trust: every consortium member's, and our own (a gateway outside the consortium).
  const trustedKeys = new Map<string, string[]>(
    ledger.node.consortium.members.map((m) => [m.gatewayId, [Buffer.from(m.publicKey).toString('hex')]]),
  );
  const ownKey = Buffer.from(keys.signing.publicKey).toString('hex');
  if (!trustedKeys.get(config.gatewayId)?.includes(ownKey)) {
    trustedKeys.set(config.gatewayId, [...(trustedKeys.get(config.gatewayId) ?? []), ownKey]);
  }
  // Readings become live events once committed: after the PUBACK's condition, off its path.
  const publishingLog: Pick<IngestLog, 'submit'> = {
    submit: (message) =>
      ingestLog.submit(message).then((outcome) => {
        if (outcome.stored.length > 0) events.publish({ type: 'readings', readings: outcome.stored });
        return outcome;
      }),
  };
  const broker = await createBroker(config.mqtt, {
    registry,
    ingestLog: publishingLog,
    metrics,
    log,
    receiptClock,
    secretHashLog2N: config.security.secretHashLog2N,
  });
  let ready = false;
  const api = await buildApi(
    {
      bodyLimitBytes: config.http.bodyLimitBytes,
      logLevel: options.apiLogLevel ?? 'warn',
      ...(config.http.tls ? { https: readTlsFiles(config.http.tls) } : {}),
    },
    {
      resolveToken: createTokenResolver({
        adminTokenDigest: options.adminToken ? tokenDigest(options.adminToken) : undefined,
        configTokens: config.security.tokens,
        tokens,
        failedAuth: createFailedAuthLimiter({
          limit: config.http.failedAuth.limit,
          windowMs: config.http.failedAuth.windowSeconds * 1000,
          maxAddresses: config.http.failedAuth.maxAddresses,
        }),
        onFailure: (outcome) => metrics.apiAuthFailures.inc({ outcome }),
        clock,
      }),
      registry,
      tokens,
      readings,
      windows,
      sealedData: { leaves: (k) => subs.windowLeaves.get(k), salts: (k) => subs.windowSalts.get(k) },
      gatewayKey: keys.signing.publicKey,
      trustedKeys: () => trustedKeys,
      ipfs,
      accessLog,
      masker,
      metrics,
      disconnectDevice: (id) => broker.disconnectDevice(id),
      secretHashLog2N: config.security.secretHashLog2N,
      maxFutureMs: config.mqtt.maxFutureSeconds * 1000,
      maxPageBytes: config.http.maxPageBytes,
      ledger: ledger.api,
      alarms,
      isReady: () => ready,
      clock,
    },
  );

  let sealing: Schedule | null = null;
  const sealFailed = (err: Error) => {
    metrics.sealFailures.inc();
    log('error', `sealing failed (retried on the next run): ${err.stack ?? err.message}`);
  };
  try {
    alarms.start();
    await broker.start();
    await api.listen({ host: config.http.host, port: config.http.port });
    // Windows left open by a crash or a stop are sealed now, then on schedule. A window that fails is
    // logged and sealed again on the next run: never a reason not to start.
    await sealer.sealDue().catch((err: Error) => sealFailed(err));
    ledger.start();
    if (options.scheduleSealing !== false) {
      sealing = schedule(
        windowCron(config.sealing.windowSeconds, config.sealing.graceSeconds),
        'seal',
        () => sealer.sealDue(),
        sealFailed,
      );
    }
  } catch (err) {
    await broker.stop().catch(() => {});
    await alarms.stop().catch(() => {});
    await ledger.stop().catch(() => {});
    await api.close().catch(() => {});
    await ipfs.stop().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
  ready = true;
  const httpPort = () => {
    const address = api.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  };
  log(
    'info',
    `gateway ${config.gatewayId}: mqtt ${config.mqtt.host}:${broker.port()}, ${config.http.tls ? 'https' : 'http'} ${config.http.host}:${httpPort()}, data ${dataDir}`,
  );
  log('info', `signing key ${ownKey}`);
  log(
    'info',
    `ledger ${ledger.node.consortium.name} (${ledger.source.generated ? 'single member, ' : ''}${ledger.source.file}): height ${ledger.node.head().height}, ${config.ledger.peers.length} peer(s), ${ledger.miner ? `mining every ${config.anchoring.intervalSeconds} s` : 'not mining'}`,
  );
  if (seeded) log('info', formatCredentials(seeded, broker.port(), httpPort()));

  let stopping: Promise<void> | null = null;
  async function stop(): Promise<void> {
    ready = false;
    await sealing?.stop();
    await broker.stop();
    await ingestLog.drain();
    // Readings committed last reach the evaluator on a later turn; their alarm events are sealed below.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await alarms.stop();
    const sealed = await sealer.sealOpen().catch((err: Error) => {
      log('error', `sealing at shutdown failed: ${err.message}`);
      return [];
    });
    if (sealed.length > 0) log('info', `sealed ${sealed.length} open window(s) at shutdown`);
    await sealer.stop();
    await ledger.stop();
    await api.close();
    await ipfs.stop();
    await db.close();
    log('info', `gateway ${config.gatewayId} stopped`);
  }

  return {
    config,
    dataDir,
    metrics,
    api,
    ingestLog,
    events,
    alarms,
    accessLog,
    sealer,
    windows,
    ipfs,
    keys,
    ledger,
    seeded,
    mqttPort: () => broker.port(),
    mqttTlsPort: () => broker.tlsPort(),
    httpPort,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** The API's certificate and key (PEM); a file that cannot be read is a configuration error. */
function readTlsFiles(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        `invalid configuration: ${key}: cannot read ${path}: ${(err as Error).message}`,
      );
    }
  };
  return { cert: read(tls.certFile, 'http.tls.certFile'), key: read(tls.keyFile, 'http.tls.keyFile') };
}
