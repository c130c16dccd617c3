/**
 * The composition root: builds every part from the config, starts them in order and stops them in the
 * reverse order. Only this file knows every part (ARCHITECTURE).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createTokenResolver } from './api/auth.ts';
import { buildApi } from './api/server.ts';
import { createBroker } from './broker/server.ts';
import type { GatewayConfig } from './config/index.ts';
import { tokenDigest } from './crypto/tokens.ts';
import { createLog, type Log } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { formatCredentials, type SeededCredentials, seedDemo } from './seed.ts';
import {
  type AccessLog,
  createAccessLog,
  createDeviceRegistry,
  createIngestLog,
  createReadingQueries,
  createTokenStore,
  type Db,
  type IngestLog,
  openDb,
  sublevels,
} from './store/index.ts';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly adminToken?: string | undefined;
  readonly log?: Log;
  readonly apiLogLevel?: 'silent' | 'error' | 'warn' | 'info';
  readonly clock?: () => number;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly dataDir: string;
  readonly metrics: Metrics;
  readonly api: FastifyInstance;
  readonly ingestLog: IngestLog;
  readonly accessLog: AccessLog;
  readonly seeded: SeededCredentials | null;
  mqttPort(): number;
  httpPort(): number;
  /** Stop taking connections, finish in-flight commits, close the store (SPEC §6). Idempotent. */
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.log ?? createLog();
  const clock = options.clock ?? Date.now;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const db: Db = openDb(join(dataDir, 'store'));
  await db.open();
  const subs = sublevels(db);
  const metrics = createMetrics();
  const registry = await createDeviceRegistry({ subs });
  const tokens = createTokenStore({ subs });
  const accessLog = await createAccessLog({ subs });
  const readings = createReadingQueries({ subs });
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
  const seeded = await seedDemo(config, { registry, tokens, subs, clock });

  const broker = await createBroker(config.mqtt, { registry, ingestLog, metrics, log, clock });
  let ready = false;
  const api = await buildApi(
    { bodyLimitBytes: config.http.bodyLimitBytes, logLevel: options.apiLogLevel ?? 'warn' },
    {
      resolveToken: createTokenResolver({
        adminTokenDigest: options.adminToken ? tokenDigest(options.adminToken) : undefined,
        configTokens: config.security.tokens,
        tokens,
      }),
      registry,
      tokens,
      readings,
      accessLog,
      metrics,
      disconnectDevice: (id) => broker.disconnectDevice(id),
      secretHashLog2N: config.security.secretHashLog2N,
      maxFutureMs: config.mqtt.maxFutureSeconds * 1000,
      isReady: () => ready,
      clock,
    },
  );

  try {
    await broker.start();
    await api.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await broker.stop().catch(() => {});
    await api.close().catch(() => {});
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
    `gateway ${config.gatewayId}: mqtt ${config.mqtt.host}:${broker.port()}, http ${config.http.host}:${httpPort()}, data ${dataDir}`,
  );
  if (seeded) log('info', formatCredentials(seeded, broker.port(), httpPort()));

  let stopping: Promise<void> | null = null;
  async function stop(): Promise<void> {
    ready = false;
    await broker.stop();
    await ingestLog.drain();
    await api.close();
    await db.close();
    log('info', `gateway ${config.gatewayId} stopped`);
  }

  return {
    config,
    dataDir,
    metrics,
    api,
    ingestLog,
    accessLog,
    seeded,
    mqttPort: () => broker.port(),
    httpPort,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
