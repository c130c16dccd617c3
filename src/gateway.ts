/**
 * The composition root: builds every part from the config, starts them in order and stops them in the
 * reverse order (lifecycle.ts). Only this file knows every part (docs/architecture.md).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AlarmService, createAlarmService } from './alarms/service.ts';
import { createLedgerService, type LedgerService } from './anchoring/ledger-service.ts';
import { type Schedule, schedule, windowCron } from './anchoring/schedule.ts';
import { onWindowSealed } from './anchoring/window-sealed.ts';
import { createTokenResolver } from './api/auth.ts';
import { createFailedAuthLimiter } from './api/failed-auth.ts';
import { buildApi } from './api/server.ts';
import { createSealer, type Sealer } from './batches/sealer.ts';
import { createBroker } from './broker/server.ts';
import type { GatewayConfig } from './config/index.ts';
import { type GatewayKeys, loadOrCreateKeys } from './crypto/key-files.ts';
import { sign } from './crypto/signing.ts';
import { tokenDigest } from './crypto/tokens.ts';
import { GatewayError } from './errors.ts';
import { createEventBus, type EventBus } from './events/bus.ts';
import { publishingCommitted } from './events/committed.ts';
import { createFileStore } from './ipfs/files.ts';
import { type IpfsNetwork, startIpfsNetwork } from './ipfs/network.ts';
import { createIpfs, type Ipfs } from './ipfs/node.ts';
import { recoverWindow } from './ipfs/recovery.ts';
import { createAnchoredIndex, createReplicator, type Replicator } from './ipfs/replication.ts';
import { type Block, toHex, trustedRecordKeys } from './ledger/index.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { createLog, type Log } from './log.ts';
import { createMasker } from './masking/index.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createReceiptClock, receiptFloor } from './receipt-clock.ts';
import { formatCredentials, type SeededCredentials, seedDemo } from './seed.ts';
import {
  type AccessLog,
  createAccessLog,
  createDeviceRegistry,
  createExportJobStore,
  createIngestLog,
  createPatientIndex,
  createReadingQueries,
  createTokenStore,
  createWindowLookup,
  type Db,
  formatTime,
  type IngestLog,
  openDb,
  securePrivateData,
  sublevels,
  type WindowLookup,
  type WindowRecord,
} from './store/index.ts';
import { applyV8Flags } from './threads/v8-flags.ts';

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
  /** The IPFS network node while `ipfs.network.enabled` has one running. */
  ipfsNetwork(): IpfsNetwork | null;
  /** Replication across the consortium, while the network is on. */
  replicator(): Replicator | null;
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
  /** Stop taking connections, finish in-flight commits, seal what is open, close the store (docs/configuration.md). Idempotent. */
  stop(): Promise<void>;
}

/** Subscribers of the live events at once (the alarm evaluator, each open event stream). */
const LIVE_EVENT_LISTENERS = 1024;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  applyV8Flags();
  const { config } = options;
  const log = options.log ?? createLog();
  const clock = options.clock ?? Date.now;
  const dataDir = resolve(config.dataDir);
  // Patient data and secrets at rest: the gateway user's alone (0700 / 0600), or no start.
  securePrivateData({
    dataDir,
    keysDir: config.keys.dir === undefined ? undefined : resolve(config.keys.dir),
    // The signing key, and the TLS private keys of the listeners.
    keyFiles: [
      config.keys.signingKeyFile,
      config.http.tls?.keyFile,
      config.mqtt.tls?.keyFile,
      config.ipfs.network.peerKeyFile,
    ]
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

  // Every part joins this list as it starts; stopping runs it backwards (lifecycle.ts).
  const parts = createLifecycle();
  try {
    return await startParts(options, { log, clock, dataDir, keys, parts });
  } catch (err) {
    await parts.stop().catch(() => {});
    throw err;
  }
}

async function startParts(
  options: GatewayOptions,
  context: { log: Log; clock: () => number; dataDir: string; keys: GatewayKeys; parts: Lifecycle },
): Promise<Gateway> {
  const { config } = options;
  const { log, clock, dataDir, keys, parts } = context;

  const db: Db = openDb(join(dataDir, 'store'), { writeBufferMb: config.store.writeBufferMb });
  await parts.start({ name: 'store', start: () => db.open(), stop: () => db.close() });
  const subs = sublevels(db);
  const metrics = createMetrics();
  const registry = await createDeviceRegistry({ subs });
  const tokens = createTokenStore({ subs });
  const accessLog = await createAccessLog({ subs, clock });
  const readings = createReadingQueries({ subs });
  const windows = createWindowLookup({ subs });
  const ipfs = await createIpfs({ subs, batchesDir: join(dataDir, 'batches'), clock });
  await parts.start({ name: 'ipfs', stop: () => ipfs.stop() });
  // helia and libp2p are imported only when the network is on (docs/ipfs.md).
  let ipfsNetwork: IpfsNetwork | null = null;
  await parts.start({
    name: 'ipfs network',
    start: async () => {
      if (!config.ipfs.network.enabled) return;
      ipfsNetwork = await startIpfsNetwork(
        {
          listen: config.ipfs.network.listen,
          peers: config.ipfs.network.peers,
          keysDir: config.keys.dir === undefined ? join(dataDir, 'keys') : resolve(config.keys.dir),
          redialMs: config.ipfs.network.redialSeconds * 1000,
          maxConnections: config.ipfs.network.maxConnections,
          peerKeyFile:
            config.ipfs.network.peerKeyFile === undefined
              ? undefined
              : resolve(config.ipfs.network.peerKeyFile),
        },
        { blockstore: ipfs.blockstore, log },
      );
    },
    stop: () => ipfsNetwork?.stop(),
  });
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
  // docs/ledger.md: the shared ledger; sealed records go to its pool and to the peers.
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
  // Its miner is scheduled once built: it joins the list now, its peers start below.
  await parts.start({ name: 'ledger', stop: () => ledger.stop() });
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
      onSealed: onWindowSealed({
        receiptClock,
        alarmLog: alarms.log,
        metrics,
        log,
        ledger,
        events,
        onSealed: options.onSealed,
      }),
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

  const trustedKeys = trustedRecordKeys(ledger.node.consortium, config.gatewayId, keys.signing.publicKey);
  // A new main-chain tip is a live event (the dashboard's ledger view).
  ledger.node.onTip(({ head }) => events.publish({ type: 'block', height: head.height, hash: head.hash }));
  const broker = await createBroker(config.mqtt, {
    registry,
    ingestLog: publishingCommitted(ingestLog, events),
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
      gatewayId: config.gatewayId,
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
      patients: createPatientIndex({ subs }),
      live: {
        bus: events,
        maxClients: config.http.events.maxClients,
        maxPerToken: config.http.events.maxPerToken,
        maxBufferBytes: config.http.events.maxBufferBytes,
        heartbeatMs: config.http.events.heartbeatSeconds * 1000,
      },
      windows,
      sealedData: { leaves: (k) => subs.windowLeaves.get(k), salts: (k) => subs.windowSalts.get(k) },
      gatewayKey: keys.signing.publicKey,
      trustedKeys: () => trustedKeys,
      ipfs,
      ipfsNetwork: () => ipfsNetwork,
      ipfsPins: () => replicator?.pins() ?? null,
      files: {
        store: createFileStore({
          blockstore: ipfs.blockstore,
          // The file index: id → CID, size, type, hash, patient, key (its own sublevel of the one database).
          index: subs.files,
          keys,
          clock,
        }),
        maxBytes: config.ipfs.files.maxBytes,
        maxUploads: config.ipfs.files.maxUploads,
      },
      accessLog,
      masker,
      metrics,
      disconnectDevice: (id) => broker.disconnectDevice(id),
      secretHashLog2N: config.security.secretHashLog2N,
      maxDevicesPerRequest: config.http.devices.maxPerRequest,
      maxFutureMs: config.mqtt.maxFutureSeconds * 1000,
      maxPageBytes: config.http.maxPageBytes,
      ledger: ledger.api,
      alarms,
      fhir: {
        gatewayId: config.gatewayId,
        sign: (message) => sign(message, keys.signing),
        baseUrl: config.fhir.baseUrl?.replace(/\/+$/, '') ?? null,
        version: '0.1.0',
        scanFactor: config.fhir.scanFactor,
        export: {
          dir: join(dataDir, 'exports'),
          maxRunning: config.fhir.export.maxRunning,
          maxJobs: config.fhir.export.maxJobs,
          maxJobsPerToken: config.fhir.export.maxJobsPerToken,
          maxFileBytes: config.fhir.export.maxFileBytes,
          maxJobBytes: config.fhir.export.maxJobBytes,
          minFreeBytes: config.fhir.export.minFreeBytes,
          retentionMs: config.fhir.export.retentionSeconds * 1000,
        },
        exportJobs: createExportJobStore({ subs }),
      },
      isReady: () => ready,
      clock,
    },
  );

  const sealFailed = (err: Error) => {
    metrics.sealFailures.inc();
    log('error', `sealing failed (retried on the next run): ${err.stack ?? err.message}`);
  };
  let sealing: Schedule | null = null;
  // Started in this order, stopped in the reverse one: the schedule, then devices, then the commits in
  // flight, then the open windows (their records pooled before the ledger stops), then the API.
  await parts.start({
    name: 'api',
    start: () => api.listen({ host: config.http.host, port: config.http.port }),
    stop: () => api.close(),
  });
  // The peers stop with the ledger (its part above).
  await parts.start({ name: 'ledger peers', start: () => ledger.start(), stop: () => {} });
  // Every batch the shared chain names is fetched and kept, from whichever member has it (docs/ipfs.md).
  let replicator: Replicator | null = null;
  await parts.start({
    name: 'ipfs replication',
    start: () => {
      const replication = config.ipfs.replication;
      const network = ipfsNetwork;
      if (!network || !replication.enabled) return;
      replicator = createReplicator(
        {
          concurrency: replication.concurrency,
          retryInitialMs: replication.retryInitialSeconds * 1000,
          retryMaxMs: replication.retryMaxSeconds * 1000,
          blockTimeoutMs: replication.blockTimeoutSeconds * 1000,
          maxBatchBlocks: replication.maxBatchBlocks,
          maxBatchBytes: replication.maxBatchBytes,
          intervalMs: replication.intervalSeconds * 1000,
        },
        {
          anchored: createAnchoredIndex(ledger.node),
          onTip: (listener) => ledger.node.onTip(listener),
          fetch: (cid, fetchOptions) => network.fetch(cid, fetchOptions),
          replicaFile: (root) => ipfs.replicaFile(root),
          log,
          clock,
          hooks: {
            onBatch: (outcome, reason) =>
              metrics.ipfsReplicatedBatches.inc({ outcome, reason: reason ?? '' }),
            onBlocks: (blocks, bytes) => {
              metrics.ipfsReplicatedBlocks.inc(blocks);
              metrics.ipfsReplicatedBytes.inc(bytes);
            },
            onMissing: (n) => metrics.ipfsMissingBatches.set(n),
            // A batch of this gateway whose window it does not know (its data dir was lost): the window's
            // record, leaf hashes and salts come back from the batch (docs/ipfs.md).
            onHeld: async ({ gatewayId, record }) => {
              if (gatewayId !== config.gatewayId || !record) return;
              const k = formatTime(Date.parse(record.minute));
              if ((await subs.windows.get(k)) !== undefined) return;
              const recovered = await recoverWindow(record, { ipfs, batchKeys: keys.batch, clock }).catch(
                () => null,
              );
              if (!recovered || formatTime(recovered.window.start) !== k) {
                log('warn', `ipfs: the window of batch ${record.batchCid} could not be rebuilt`);
                return;
              }
              const ops: unknown[] = [
                { type: 'put', sublevel: subs.windows, key: k, value: recovered.window },
                { type: 'put', sublevel: subs.windowLeaves, key: k, value: recovered.leafHashes },
                { type: 'put', sublevel: subs.windowSalts, key: k, value: recovered.salts },
              ];
              await db.batch(ops as never, { sync: true });
              log('info', `ipfs: recovered the window ${record.minute} from its batch ${record.batchCid}`);
            },
          },
        },
      );
      replicator.start();
    },
    stop: () => replicator?.stop(),
  });
  await parts.start({
    name: 'sealer',
    // Windows left open by a crash or a stop are sealed now, then on schedule. A window that fails is
    // logged and sealed again on the next run: never a reason not to start.
    start: () => sealer.sealDue().catch((err: Error) => sealFailed(err)),
    stop: async () => {
      const sealed = await sealer.sealOpen().catch((err: Error) => {
        log('error', `sealing at shutdown failed: ${err.message}`);
        return [];
      });
      if (sealed.length > 0) log('info', `sealed ${sealed.length} open window(s) at shutdown`);
      await sealer.stop();
    },
  });
  await parts.start({
    name: 'alarms',
    start: () => alarms.start(),
    stop: async () => {
      // Readings committed last reach the evaluator on a later turn; their alarm events are sealed next.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await alarms.stop();
    },
  });
  await parts.start({ name: 'ingest', stop: () => ingestLog.drain() });
  await parts.start({ name: 'broker', start: () => broker.start(), stop: () => broker.stop() });
  await parts.start({
    name: 'sealing schedule',
    start: () => {
      if (options.scheduleSealing === false) return;
      sealing = schedule(
        windowCron(config.sealing.windowSeconds, config.sealing.graceSeconds),
        'seal',
        () => sealer.sealDue(),
        sealFailed,
      );
    },
    stop: () => sealing?.stop(),
  });
  await parts.start({
    name: 'ready',
    start: () => {
      ready = true;
    },
    stop: () => {
      ready = false;
    },
  });

  const httpPort = () => {
    const address = api.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  };
  log(
    'info',
    `gateway ${config.gatewayId}: mqtt ${config.mqtt.host}:${broker.port()}, ${config.http.tls ? 'https' : 'http'} ${config.http.host}:${httpPort()}, data ${dataDir}`,
  );
  log('info', `signing key ${toHex(keys.signing.publicKey)}`);
  log(
    'info',
    `ledger ${ledger.node.consortium.name} (${ledger.source.generated ? 'single member, ' : ''}${ledger.source.file}): height ${ledger.node.head().height}, ${config.ledger.peers.length} peer(s), ${ledger.miner ? `mining every ${config.anchoring.intervalSeconds} s` : 'not mining'}`,
  );
  if (seeded) log('info', formatCredentials(seeded, broker.port(), httpPort()));

  let stopping: Promise<void> | null = null;
  async function stop(): Promise<void> {
    await parts.stop();
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
    ipfsNetwork: () => ipfsNetwork,
    replicator: () => replicator,
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
